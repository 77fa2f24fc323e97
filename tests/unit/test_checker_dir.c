/* bloodhound checkers in a -c folder, through the real loader and engine:
 * the trust rule (core/exec_trust.c), discovery and metadata
 * (report/checker_dir.c), the merge with JSON profiles (report/profile.c),
 * and a report that runs them all at once (checks/checker.c). The checkers
 * are shell scripts written here: bloodhound runs any executable. */
#include "testutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/exec_trust.h"
#include "report/checker_dir.h"
#include "report/profile.h"
#include "report/report.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A checker script: its metadata JSON, and the shell that runs the check. */
static void checker(const char *dir, const char *file, const char *metadata, const char *run)
{
	char text[4096];
	snprintf(text, sizeof(text),
		 "#!/bin/sh\nif [ \"$1\" = metadata ]; then\ncat <<'EOF'\n%s\nEOF\nexit 0\nfi\n%s\n",
		 metadata, run);
	write_file(dir, file, text, 0755);
}

static void meta(char *buf, size_t size, const char *name, const char *id, int level,
		 const char *mode)
{
	snprintf(buf, size,
		 "{\"name\":\"%s\",\"id\":\"%s\",\"level\":%d,\"title\":\"Title of %s\",\"mode\":\"%s\"}",
		 name, id, level, name, mode);
}

static void simple(const char *dir, const char *name, const char *id, int level, const char *run)
{
	char m[512];
	meta(m, sizeof(m), name, id, level, "Automatic");
	checker(dir, name, m, run);
}

static const struct check_def *def_named(const struct profile *p, const char *name)
{
	for (size_t i = 0; i < p->n_checks; i++)
		if (strcmp(p->checks[i].name, name) == 0)
			return &p->checks[i];
	fail_msg("no check %s", name);
	return NULL;
}

static const struct report_entry *entry_named(const struct report *r, const char *name)
{
	for (size_t i = 0; i < r->n_entries; i++)
		if (strcmp(r->entries[i].def->name, name) == 0)
			return &r->entries[i];
	return NULL;
}

static bool has_warning(const struct profile *p, const char *needle)
{
	for (size_t i = 0; i < p->n_warnings; i++)
		if (strstr(p->warnings[i], needle))
			return true;
	return false;
}

static void trust_rule(void **state)
{
	(void)state;
	char *dir = make_temp_dir();
	char path[PATH_MAX], why[PATH_MAX * 3];
	uid_t me = geteuid();
	write_file(dir, "ok", "#!/bin/sh\n", 0755);
	snprintf(path, sizeof(path), "%s/ok", dir);
	assert_int_equal(exec_trusted(dir, path, me, why, sizeof(why)), 0);

	write_file(dir, "gw", "#!/bin/sh\n", 0775);
	snprintf(path, sizeof(path), "%s/gw", dir);
	assert_int_equal(exec_trusted(dir, path, me, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "/gw is group-writable (mode 0775)"));

	write_file(dir, "ww", "#!/bin/sh\n", 0757);
	snprintf(path, sizeof(path), "%s/ww", dir);
	assert_int_equal(exec_trusted(dir, path, me, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "is world-writable (mode 0757)"));

	snprintf(path, sizeof(path), "%s/ok", dir);
	if (me == 0) {
		/* Owned by somebody else (nobody) */
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(exec_trusted(dir, path, me, why, sizeof(why)), -EPERM);
		assert_non_null(strstr(why, "is owned by uid 65534, not by root or by the user running the report (uid 0)"));
		assert_int_equal(chown(path, 0, 0), 0);
	} else {
		/* The same rule seen from another uid: ours is then "someone else". */
		assert_int_equal(exec_trusted(dir, path, me + 1, why, sizeof(why)), -EPERM);
	}

	/* A symlink into a folder others may write: the target's folder counts. */
	char other[PATH_MAX];
	snprintf(other, sizeof(other), "%s/open", dir);
	write_file(dir, "open/target", "#!/bin/sh\n", 0755);
	chmod(other, 0777);
	char link[PATH_MAX];
	snprintf(link, sizeof(link), "%s/open/target", dir);
	snprintf(path, sizeof(path), "%s/viaopen", dir);
	assert_int_equal(symlink(link, path), 0);
	assert_int_equal(exec_trusted(dir, path, me, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "folder "));
	assert_non_null(strstr(why, "/open is group- and world-writable (mode 0777)"));
	chmod(other, 0755);
	assert_int_equal(exec_trusted(dir, path, me, why, sizeof(why)), 0);

	/* The folder it was found in counts too. */
	chmod(dir, 0770);
	snprintf(path, sizeof(path), "%s/ok", dir);
	assert_int_equal(exec_trusted(dir, path, me, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "is group-writable (mode 0770)"));
	chmod(dir, 0700);

	/* Not a regular file. */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0755), 0);
	assert_int_equal(exec_trusted(dir, path, me, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "is not a regular file"));
	free_temp_dir(dir);
}

/* Every case in one folder: what loads, what is left out, what is refused. */
static void discovery_and_metadata(void **state)
{
	(void)state;
	char *dir = make_temp_dir();
	char m[512];
	simple(dir, "a_pass", "1.1", 1, "echo '{\"status\":\"PASS\",\"error\":\"\"}'");
	simple(dir, "b_level2", "1.2", 2, "echo '{\"status\":\"PASS\",\"error\":\"\"}'");
	meta(m, sizeof(m), "c_manual", "1.3", 1, "Manual");
	checker(dir, "c_manual", m,
		"echo '{\"status\":\"SKIP\",\"error\":\"Manual check, see benchmark for audit details.\"}'");
	/* metadata that is not bloodhound's: left out with a warning */
	write_file(dir, "d_garbage", "#!/bin/sh\necho garbage\n", 0755);
	write_file(dir, "e_nometa", "#!/bin/sh\nexit 0\n", 0755);
	checker(dir, "f_badlevel", "{\"name\":\"f\",\"id\":\"1\",\"level\":300,\"title\":\"t\",\"mode\":\"Automatic\"}", "");
	/* metadata that exits non-zero still counts (bloodhound reads stdout only) */
	write_file(dir, "g_exit1",
		   "#!/bin/sh\necho '{\"name\":\"g_exit1\",\"id\":\"1.7\",\"level\":1,\"title\":\"t\",\"mode\":\"Automatic\"}'\nexit 1\n",
		   0755);
	/* refused: group-writable */
	simple(dir, "h_groupw", "1.8", 1, "echo '{\"status\":\"PASS\",\"error\":\"\"}'");
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/h_groupw", dir);
	chmod(path, 0775);
	/* not executable, a directory, metadata.json: not candidates at all */
	write_file(dir, "metadata.json", "{\"name\":\"Test\",\"version\":\"v1\",\"url\":\"https://t\"}", 0644);
	write_file(dir, "README", "#!/bin/sh\necho {}\n", 0644);
	write_file(dir, "sub/x", "", 0755);
	snprintf(path, sizeof(path), "%s/sub", dir);
	chmod(path, 0755);
	/* a dangling symlink */
	snprintf(path, sizeof(path), "%s/i_dangling", dir);
	assert_int_equal(symlink("/nonexistent/checker", path), 0);

	struct profile p;
	char err[4096];
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_checkers, 5); /* a b c g h */
	assert_int_equal(p.n_checks, 5);
	assert_string_equal(p.bm.name, "Test");
	assert_string_equal(p.bm.version, "v1");
	assert_string_equal(p.bm.url, "https://t");
	/* sorted by name, as bloodhound's BTreeMap */
	assert_string_equal(p.checks[0].name, "a_pass");
	assert_string_equal(p.checks[4].name, "h_groupw");
	const struct check_def *b = def_named(&p, "b_level2");
	assert_int_equal(b->level, 2);
	assert_string_equal(b->kind_name, "checker");
	assert_string_equal(b->title, "Title of b_level2");
	assert_true(def_named(&p, "c_manual")->manual);
	const struct check_def *h = def_named(&p, "h_groupw");
	assert_int_equal(h->level, 0);
	assert_string_equal(h->id, "-");
	assert_non_null(strstr(h->title, "not run: "));
	assert_non_null(strstr(h->title, "/h_groupw is group-writable (mode 0775)"));
	assert_true(has_warning(&p, "/d_garbage: not a checker: metadata: not JSON"));
	assert_true(has_warning(&p, "/e_nometa: not a checker: metadata: no output"));
	assert_true(has_warning(&p, "/f_badlevel: not a checker: metadata: \"level\" must be an integer 0-255, not 300"));
	assert_true(has_warning(&p, "/h_groupw: refused: "));
	assert_true(has_warning(&p, "/i_dangling: not a checker: a symlink to nothing"));
	assert_false(has_warning(&p, "README"));
	assert_false(has_warning(&p, "metadata.json"));
	profile_free(&p);
	free_temp_dir(dir);
}

static void report_runs_them_all_at_once(void **state)
{
	(void)state;
	char *dir = make_temp_dir();
	char m[512];
	simple(dir, "c01_pass", "1.1", 1, "sleep 0.3; echo '{\"status\":\"PASS\",\"error\":\"\"}'");
	simple(dir, "c02_fail", "1.2", 1, "sleep 0.3; echo '{\"status\":\"FAIL\",\"error\":\"found 0x777\"}'");
	simple(dir, "c03_exit", "1.3", 1, "sleep 0.3; echo 'cannot read /etc/x' >&2; exit 1");
	simple(dir, "c04_garbage", "1.4", 1, "echo 'not json'; echo 'oops' >&2");
	simple(dir, "c05_silent", "1.5", 1, "exit 2");
	simple(dir, "c06_hang", "1.6", 1, "echo 'started' >&2; sleep 30");
	simple(dir, "c07_huge", "1.7", 1, "head -c 200000 /dev/zero | tr '\\0' x");
	simple(dir, "c08_hugeerr", "1.8", 1, "head -c 200000 /dev/zero | tr '\\0' e >&2; exit 1");
	meta(m, sizeof(m), "c09_manual", "1.9", 1, "Manual");
	checker(dir, "c09_manual", m,
		"echo '{\"status\":\"SKIP\",\"error\":\"Manual check, see benchmark for audit details.\"}'");
	simple(dir, "c10_level2", "2.1", 2, "echo '{\"status\":\"PASS\",\"error\":\"\"}'");
	simple(dir, "c11_nojson_ok", "1.11", 1, "echo '{\"status\":\"pass\",\"error\":\"\"}'");

	host_set_checker_timeout(1000);
	struct profile p;
	char err[4096];
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_checks, 11);
	struct host hst;
	assert_int_equal(host_init(&hst, NULL), 0);
	struct report r;
	struct report_selection sel = {.level = 1};
	double t0 = now_s();
	assert_int_equal(report_run(&hst, &p, &sel, &r), 0);
	double took = now_s() - t0;
	/* The hang is killed at 1 s; the three 0.3 s checkers overlap it. */
	assert_true(took >= 0.9 && took < 2.0);
	assert_int_equal(r.n_entries, 10); /* not c10_level2 */
	assert_null(entry_named(&r, "c10_level2"));
	assert_int_equal(r.passed, 1);
	assert_int_equal(r.failed, 1);
	assert_int_equal(r.skipped, 8);
	assert_int_equal(r.status, CHECK_FAIL);

	const struct report_entry *e = entry_named(&r, "c01_pass");
	assert_int_equal(e->result.status, CHECK_PASS);
	assert_string_equal(e->result.error, "");
	e = entry_named(&r, "c02_fail");
	assert_int_equal(e->result.status, CHECK_FAIL);
	assert_string_equal(e->result.error, "found 0x777");
	/* non-zero exit: SKIP with stderr, verbatim, as bloodhound */
	e = entry_named(&r, "c03_exit");
	assert_int_equal(e->result.status, CHECK_SKIP);
	assert_string_equal(e->result.error, "cannot read /etc/x\n");
	e = entry_named(&r, "c04_garbage");
	assert_int_equal(e->result.status, CHECK_SKIP);
	assert_string_equal(e->result.error, "oops\n");
	/* no stderr: we say why instead of "" */
	e = entry_named(&r, "c05_silent");
	assert_int_equal(e->result.status, CHECK_SKIP);
	assert_string_equal(e->result.error, "checker exit status 2, and wrote nothing to stderr");
	e = entry_named(&r, "c06_hang");
	assert_int_equal(e->result.status, CHECK_SKIP);
	assert_string_equal(e->result.error, "started\n");
	assert_non_null(strstr(find_evidence(&e->result, "checker")->actual,
			       "killed after the 1000 ms timeout"));
	e = entry_named(&r, "c07_huge");
	assert_int_equal(e->result.status, CHECK_SKIP);
	assert_string_equal(e->result.error,
			    "checker output is not a bloodhound result: stdout is larger than 64 KiB");
	e = entry_named(&r, "c08_hugeerr");
	assert_int_equal(e->result.status, CHECK_SKIP);
	assert_int_equal(strlen(e->result.error), 65536 + strlen(" [stderr truncated at 64 KiB]"));
	assert_non_null(strstr(e->result.error, "eeee [stderr truncated at 64 KiB]"));
	e = entry_named(&r, "c09_manual");
	assert_int_equal(e->result.status, CHECK_SKIP);
	assert_int_equal(e->result.outcome, OUTCOME_MANUAL);
	e = entry_named(&r, "c11_nojson_ok");
	assert_int_equal(e->result.status, CHECK_SKIP);
	assert_non_null(strstr(e->result.error, "not a bloodhound result: \"status\" must be"));
	report_free(&r);
	host_free(&hst);

	/* Level 2 takes c10; an offline root runs none of them. */
	assert_int_equal(host_init(&hst, dir), 0);
	sel.level = 2;
	assert_int_equal(report_run(&hst, &p, &sel, &r), 0);
	assert_int_equal(r.n_entries, 11);
	e = entry_named(&r, "c10_level2");
	assert_int_equal(e->result.status, CHECK_SKIP);
	assert_non_null(strstr(e->result.error, "not run: a checker probes the live host"));
	report_free(&r);
	host_free(&hst);
	host_set_checker_timeout(HOST_CHECKER_TIMEOUT_MS);
	profile_free(&p);
	free_temp_dir(dir);
}

/* Bottlerocket's layout: one multi-call program in a bin folder, symlinked
 * into the checks folder under each checker's name; it dispatches on the
 * base name of argv[0]. */
static void multi_call_symlinks(void **state)
{
	(void)state;
	char *root = make_temp_dir();
	write_file(root, "bin/all-checks",
		   "#!/bin/sh\nn=${0##*/}\n"
		   "if [ \"$1\" = metadata ]; then\n"
		   "  echo \"{\\\"name\\\":\\\"$n\\\",\\\"id\\\":\\\"id-$n\\\",\\\"level\\\":1,\\\"title\\\":\\\"t $n\\\",\\\"mode\\\":\\\"Automatic\\\"}\"\n"
		   "  exit 0\nfi\n"
		   "case $n in x01) s=PASS;; *) s=FAIL;; esac\n"
		   "echo \"{\\\"status\\\":\\\"$s\\\",\\\"error\\\":\\\"$n\\\"}\"\n",
		   0755);
	char bin[PATH_MAX], checks[PATH_MAX], path[PATH_MAX];
	snprintf(bin, sizeof(bin), "%s/bin", root);
	chmod(bin, 0755);
	snprintf(checks, sizeof(checks), "%s/checks", root);
	assert_int_equal(mkdir(checks, 0755), 0);
	const char *names[] = {"x02", "x01", "x03"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", checks, names[i]);
		assert_int_equal(symlink("../bin/all-checks", path), 0);
	}
	struct profile p;
	char err[4096];
	assert_int_equal(profile_load(checks, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_checks, 3);
	assert_string_equal(p.checks[0].name, "x01");
	assert_string_equal(p.checks[0].id, "id-x01");
	assert_null(p.bm.name); /* no metadata.json: no name, version, url lines */
	struct host hst;
	assert_int_equal(host_init(&hst, NULL), 0);
	struct report r;
	struct report_selection sel = {.level = 1};
	assert_int_equal(report_run(&hst, &p, &sel, &r), 0);
	assert_int_equal(r.entries[0].result.status, CHECK_PASS);
	assert_string_equal(r.entries[0].result.error, "x01");
	assert_int_equal(r.entries[2].result.status, CHECK_FAIL);
	assert_string_equal(r.entries[2].result.error, "x03");
	report_free(&r);
	host_free(&hst);
	profile_free(&p);
	free_temp_dir(root);
}

static void merge_with_profiles(void **state)
{
	(void)state;
	char *dir = make_temp_dir();
	write_file(dir, "level1/bottlerocket.json",
		   "{\"format_version\": 1, \"benchmark\": {\"type\": \"bottlerocket\", \"report\": \"cis\","
		   " \"name\": \"CIS Bottlerocket Benchmark\", \"version\": \"v1.0.0\", \"url\": \"https://u\"},"
		   " \"checks\": [{\"name\": \"br01020100\", \"id\": \"1.2.1\", \"title\": \"Manual one\","
		   " \"mode\": \"Manual\", \"kind\": \"manual\"}]}",
		   0644);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/level1", dir);
	chmod(path, 0755);
	simple(dir, "br01010101", "1.1.1.1", 1, "echo '{\"status\":\"PASS\",\"error\":\"\"}'");
	simple(dir, "zz_custom", "9.9", 1, "echo '{\"status\":\"FAIL\",\"error\":\"custom\"}'");
	struct profile p;
	char err[4096];
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_checks, 3);
	assert_int_equal(p.n_checkers, 2);
	assert_string_equal(p.checks[0].name, "br01010101");
	assert_string_equal(p.checks[1].name, "br01020100");
	assert_string_equal(p.checks[1].kind_name, "manual");
	assert_string_equal(p.checks[2].name, "zz_custom");
	assert_string_equal(p.bm.name, "CIS Bottlerocket Benchmark");
	profile_free(&p);

	/* A checker named like a profile check: the name is defined twice. */
	simple(dir, "dup", "1.2.1", 1, "");
	snprintf(path, sizeof(path), "%s/dup", dir);
	write_file(dir, "dup",
		   "#!/bin/sh\necho '{\"name\":\"br01020100\",\"id\":\"1\",\"level\":1,\"title\":\"t\",\"mode\":\"Automatic\"}'\n",
		   0755);
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "/dup: check \"br01020100\" is already defined at "));
	assert_non_null(strstr(err, "level1/bottlerocket.json:1"));
	free_temp_dir(dir);
}

static void only_broken_checkers(void **state)
{
	(void)state;
	char *dir = make_temp_dir();
	write_file(dir, "broken", "#!/bin/sh\necho nope\n", 0755);
	struct profile p;
	char err[4096];
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no checks of benchmark"));
	assert_non_null(strstr(err, "/broken: not a checker: metadata: not JSON"));
	free_temp_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trust_rule),
		cmocka_unit_test(discovery_and_metadata),
		cmocka_unit_test(report_runs_them_all_at_once),
		cmocka_unit_test(multi_call_symlinks),
		cmocka_unit_test(merge_with_profiles),
		cmocka_unit_test(only_broken_checkers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
