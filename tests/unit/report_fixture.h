/* A real report for the export tests: a scratch profile directory (sysctl
 * and manual checks), a scratch host tree, loaded and run by the engine
 * exactly as the CLI does. Header-only: include from one test file. */
#ifndef CISREPORT_REPORT_FIXTURE_H
#define CISREPORT_REPORT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "core/host_identity.h"
#include "formats/writer.h"
#include "report/profile.h"
#include "report/report.h"

#define FIXTURE_BENCHMARK                                                                        \
	"\"benchmark\":{\"type\":\"bottlerocket\",\"report\":\"cis\",\"name\":\"CIS Bottlerocket " \
	"Benchmark\",\"version\":\"v1.0.0\",\"url\":\"https://www.cisecurity.org/benchmark/bottlerocket\"}"

/* Four checks: manual (SKIP), pass, fail, unreadable (SKIP). */
#define FIXTURE_CHECKS                                                                            \
	"{\"name\":\"br01020100\",\"id\":\"1.2.1\",\"title\":\"Ensure software update repositories " \
	"are configured\",\"mode\":\"Manual\",\"kind\":\"manual\"},"                                \
	"{\"name\":\"br01040100\",\"id\":\"1.4.1\",\"title\":\"Ensure setuid programs do not create " \
	"core dumps\",\"mode\":\"Automatic\",\"kind\":\"sysctl\",\"params\":{\"keys\":{\"fs.suid_"   \
	"dumpable\":\"0\"}},\"remediation\":\"Set fs.suid_dumpable <0> & \\\"quoted\\\"\"},"         \
	"{\"name\":\"br01040200\",\"id\":\"1.4.2\",\"title\":\"Ensure ASLR is enabled\",\"mode\":"     \
	"\"Automatic\",\"kind\":\"sysctl\",\"params\":{\"keys\":{\"kernel.randomize_va_space\":\"2\"}}," \
	"\"remediation\":\"Set kernel.randomize_va_space = 2\"},"                                    \
	"{\"name\":\"br01040300\",\"id\":\"1.4.3\",\"title\":\"Ensure unprivileged eBPF is "          \
	"disabled\",\"mode\":\"Automatic\",\"kind\":\"sysctl\",\"params\":{\"keys\":{\"kernel."       \
	"unprivileged_bpf_disabled\":\"1\"}},\"remediation\":\"Set it to 1\"}"

struct report_fixture {
	char *profiles; /* scratch profile directory */
	char *root;     /* scratch host tree */
	struct profile p;
	struct host h;
	struct host_identity id;
	struct report r;
	bool ran;
};

/* The identity files every fixture host has. */
static inline void fixture_identity(const char *root)
{
	write_file(root, "proc/sys/kernel/hostname", "host-a\n", 0644);
	write_file(root, "etc/machine-id", "0123456789abcdef0123456789abcdef\n", 0644);
	write_file(root, "proc/sys/kernel/random/boot_id", "d3b07384-d113-4ec6-a7a2-2e3b0f8b1c2a\n",
		   0644);
	write_file(root, "proc/sys/kernel/osrelease", "6.1.90\n", 0644);
	write_file(root, "proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC\n", 0644);
	write_file(root, "proc/sys/kernel/arch", "x86_64\n", 0644);
	write_file(root, "etc/os-release",
		   "NAME=Bottlerocket\nID=bottlerocket\nVERSION_ID=1.20.0\n"
		   "PRETTY_NAME=\"Bottlerocket OS 1.20.0 (aws-k8s-1.29)\"\n",
		   0644);
}

/* Write a level-1 profile with checks_json (the inside of "checks": [...])
 * and run it at level 1 against a host tree holding the sysctls the
 * standard checks read (one passes, one fails, one is missing). */
static inline void fixture_run(struct report_fixture *f, const char *checks_json)
{
	memset(f, 0, sizeof(*f));
	f->profiles = make_temp_dir();
	f->root = make_temp_dir();
	size_t n = strlen(checks_json) + 512;
	char *text = malloc(n);
	assert_non_null(text);
	snprintf(text, n, "{\"format_version\":1," FIXTURE_BENCHMARK ",\"checks\":[%s]}", checks_json);
	write_file(f->profiles, "level1/test.json", text, 0644);
	free(text);
	fixture_identity(f->root);
	write_file(f->root, "proc/sys/fs/suid_dumpable", "0\n", 0644);
	write_file(f->root, "proc/sys/kernel/randomize_va_space", "1\n", 0644);
	char err[1024];
	if (profile_load(f->profiles, NULL, &f->p, err, sizeof(err)) != 0)
		fail_msg("fixture profile: %s", err);
	assert_int_equal(host_init(&f->h, f->root), 0);
	assert_int_equal(host_identity_read(&f->h, &f->id), 0);
	struct report_selection sel = {.level = 1};
	assert_int_equal(report_run(&f->h, &f->p, &sel, &f->r), 0);
	f->ran = true;
}

static inline void fixture_free(struct report_fixture *f)
{
	if (f->ran)
		report_free(&f->r);
	host_identity_free(&f->id);
	host_free(&f->h);
	profile_free(&f->p);
	rm_tree(f->profiles);
	rm_tree(f->root);
	free(f->profiles);
	free(f->root);
	memset(f, 0, sizeof(*f));
}

/* A writer's whole output. */
__attribute__((noinline, unused)) static char *fixture_write(const char *format, const struct report *r,
				  const struct writer_options *o, int *rc)
{
	const struct report_writer *w = report_writer_find(format);
	assert_non_null(w);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	*rc = w->write(r, o, out);
	fclose(out);
	return buf;
}

/* n automatic sysctl checks "gen0000".. each reading a missing key with a
 * long evidence line of extra_bytes (via a long key name) when asked. */
static inline char *fixture_many_checks(size_t n, const char *extra)
{
	size_t cap = n * (512 + strlen(extra)) + 1;
	char *s = malloc(cap);
	assert_non_null(s);
	size_t used = 0;
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(
			s + used, cap - used,
			"%s{\"name\":\"gen%04zu\",\"id\":\"9.%zu\",\"title\":\"Generated check %zu\","
			"\"mode\":\"Automatic\",\"kind\":\"sysctl\",\"params\":{\"keys\":{\"fs.suid_"
			"dumpable\":\"0\",\"kernel.%s%zu\":\"1\"}},\"remediation\":\"none\"}",
			i ? "," : "", i, i, i, extra, i);
	return s;
}

#endif
