/* The runtime kind without a live observer: parameter validation, the SKIP
 * reasons, how runtime checks join a report and show beside the static
 * checks they back, and how observed events are described. Runs unprivileged. */
#include "testutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "formats/writer.h"
#include "observer/observer.h"
#include "report/profile.h"
#include "report/report.h"

static const char *const bm_json =
	"\"benchmark\":{\"type\":\"bottlerocket\",\"report\":\"cis\",\"name\":\"CIS Bottlerocket "
	"Benchmark\",\"version\":\"v1.0.0\",\"url\":\"https://www.cisecurity.org/benchmark/bottlerocket\"}";

static void assert_invalid(const char *params, const char *field, const char *needle)
{
	struct param_error err = {0};
	assert_int_equal(validate_kind("runtime", params, &err), -EINVAL);
	assert_string_equal(err.field, field);
	if (!strstr(err.message, needle))
		fail_msg("message '%s' lacks '%s'", err.message, needle);
}

static void validation(void **state)
{
	(void)state;
	struct param_error err = {0};
	assert_int_equal(validate_kind("runtime", "{\"class\":\"module_load\",\"backs\":[\"1.1.1.1\"]}",
				       &err),
			 0);
	assert_int_equal(validate_kind("runtime", "{\"class\":\"ptrace_attach\",\"backs\":[],\"samples\":16}",
				       &err),
			 0);
	assert_int_equal(validate_kind("runtime",
				       "{\"class\":\"sysctl_write\",\"backs\":[\"1.4.1\"],"
				       "\"subjects\":{\"1.4.1\":[\"fs.suid_dumpable\"]}}",
				       &err),
			 0);
	assert_invalid("{\"class\":\"kprobe\",\"backs\":[]}", "class",
		       "unknown class \"kprobe\" (known: module_load, unprivileged_bpf, "
		       "user_namespace, root_remount, sysctl_write, selinux_denial, ptrace_attach, "
		       "setuid_exec)");
	assert_invalid("{\"class\":\"module_load\"}", "backs", "must be an array");
	assert_invalid("{\"class\":\"module_load\",\"backs\":\"1.1.1.1\"}", "backs",
		       "must be an array");
	assert_invalid("{\"class\":\"module_load\",\"backs\":[\"\"]}", "backs", "non-empty strings");
	assert_invalid("{\"class\":\"module_load\",\"backs\":[],\"samples\":0}", "samples",
		       "must be 1 to 16, not 0");
	assert_invalid("{\"class\":\"module_load\",\"backs\":[],\"samples\":17}", "samples",
		       "must be 1 to 16");
	assert_invalid("{\"class\":\"sysctl_write\",\"backs\":[\"1.4.1\"],"
		       "\"subjects\":{\"3.1.1\":[\"x\"]}}",
		       "subjects", "item \"3.1.1\" is not in \"backs\"");
	assert_invalid("{\"class\":\"sysctl_write\",\"backs\":[\"1.4.1\"],\"subjects\":{\"1.4.1\":[]}}",
		       "subjects", "non-empty array");
	assert_invalid("{\"class\":\"sysctl_write\",\"backs\":[],\"subjects\":[]}", "subjects",
		       "must be an object");
	struct param_error e2 = {0};
	assert_int_equal(validate_kind("runtime", "{\"class\":\"module_load\",\"backs\":[],\"x\":1}",
				       &e2),
			 -EINVAL);
	assert_string_equal(e2.field, "x");
}

static void skip_without_observer(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("runtime", "{\"class\":\"unprivileged_bpf\",\"backs\":[\"1.4.3\"]}", "/", &r);
#ifdef CISREPORT_HAVE_BPF
	assert_result(&r, CHECK_SKIP,
		      "runtime observation not running (use --observe DURATION, or the cisreportd "
		      "daemon)");
#else
	assert_result(&r, CHECK_SKIP, "built without the eBPF observer: " CISREPORT_BPF_REASON);
#endif
	assert_int_equal(r.outcome, OUTCOME_UNABLE);
	assert_null(r.observation);
	result_free(&r);
}

static void skip_offline_root(void **state)
{
	(void)state;
	char *dir = make_temp_dir();
	struct check_result r;
	run_kind("runtime", "{\"class\":\"module_load\",\"backs\":[]}", dir, &r);
	assert_result(&r, CHECK_SKIP, "watches the live host, not an offline root (--root)");
	assert_int_equal(r.outcome, OUTCOME_NOT_APPLICABLE);
	result_free(&r);
	rm_tree(dir);
	free(dir);
}

static void skip_observer_not_started(void **state)
{
	(void)state;
	struct observer *o = observer_new(NULL);
	struct host h;
	assert_int_equal(host_init(&h, NULL), 0);
	h.observer = o;
	const struct check_kind *k = check_kind_find("runtime");
	json_t *params = json_loads("{\"class\":\"setuid_exec\",\"backs\":[\"1.4.1\"]}", 0, NULL);
	struct check_result r;
	result_init(&r);
	k->run(&h, params, &r);
	assert_result(&r, CHECK_SKIP, "runtime observer not started");
	struct observer_class_view *v = malloc(sizeof(*v));
	assert_int_equal(observer_snapshot(o, OBSERVER_SETUID_EXEC, v), 0);
	assert_false(v->available);
	assert_int_equal(observer_snapshot(o, OBSERVER_NCLASSES, v), -EINVAL);
	free(v);
	assert_false(observer_running(o));
	assert_int_equal(observer_fd(o), -1);
	assert_true(observer_poll(o, 0) < 0);
	result_free(&r);
	json_decref(params);
	host_free(&h);
	observer_free(o);
	observer_free(NULL);
}

/* A profile: two static sysctl checks and two runtime checks backing them. */
static char *write_profile(void)
{
	char *dir = make_temp_dir();
	char *text;
	assert_true(asprintf(&text,
			     "{\"format_version\":1,%s,\"checks\":["
			     "{\"name\":\"br01040300\",\"id\":\"1.4.3\",\"title\":\"Ensure unprivileged "
			     "eBPF is disabled\",\"mode\":\"Automatic\",\"kind\":\"sysctl\","
			     "\"params\":{\"keys\":{\"kernel.randomize_va_space\":[\"0\",\"1\",\"2\"]}},"
			     "\"remediation\":\"r\"},"
			     "{\"name\":\"br03020700\",\"id\":\"3.2.7\",\"title\":\"Ensure TCP SYN "
			     "Cookies is enabled\",\"mode\":\"Automatic\",\"kind\":\"sysctl\","
			     "\"params\":{\"keys\":{\"kernel.randomize_va_space\":\"99\"}},"
			     "\"remediation\":\"r\"},"
			     "{\"name\":\"rt_unprivileged_bpf\",\"id\":\"rt.unprivileged_bpf\","
			     "\"title\":\"Ensure no bpf() calls by non-root users are observed\","
			     "\"mode\":\"Automatic\",\"kind\":\"runtime\",\"params\":{\"class\":"
			     "\"unprivileged_bpf\",\"backs\":[\"1.4.3\"]},\"remediation\":\"r\"},"
			     "{\"name\":\"rt_ptrace_attach\",\"id\":\"rt.ptrace_attach\","
			     "\"title\":\"Ensure no ptrace attach is observed\",\"mode\":\"Automatic\","
			     "\"kind\":\"runtime\",\"params\":{\"class\":\"ptrace_attach\",\"backs\":[]},"
			     "\"remediation\":\"r\"}]}",
			     bm_json) > 0);
	write_file(dir, "level1/bottlerocket.json", text, 0644);
	free(text);
	return dir;
}

static char *render(const struct report *r, const char *format)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct writer_options wo = {0};
	assert_int_equal(report_writer_find(format)->write(r, &wo, f), 0);
	fclose(f);
	return buf;
}

static void report_membership_and_links(void **state)
{
	(void)state;
	char *dir = write_profile();
	struct profile p;
	char err[512];
	assert_int_equal(profile_load(dir, "bottlerocket", &p, err, sizeof(err)), 0);
	struct host h;
	assert_int_equal(host_init(&h, NULL), 0);

	/* No observer: exactly the static checks, and bloodhound's text. */
	struct report r;
	struct report_selection sel = {.level = 1};
	assert_int_equal(report_run(&h, &p, &sel, &r), 0);
	assert_int_equal(r.n_entries, 2);
	assert_int_equal(r.total, 2);
	char *text = render(&r, "text");
	assert_null(strstr(text, "observed"));
	assert_null(strstr(text, "rt."));
	free(text);
	text = render(&r, "json");
	assert_null(strstr(text, "\"observed\""));
	free(text);
	report_free(&r);

	/* Named with --check: it runs, and says why it SKIPs. */
	const char *only[] = {"rt_ptrace_attach", NULL};
	sel.only = only;
	assert_int_equal(report_run(&h, &p, &sel, &r), 0);
	assert_int_equal(r.n_entries, 1);
	assert_int_equal(r.entries[0].result.status, CHECK_SKIP);
	report_free(&r);
	sel.only = NULL;

	/* With an observer, --check 1.4.3 brings the runtime check backing it. */
	h.observer = observer_new(NULL);
	const char *item[] = {"1.4.3", NULL};
	sel.only = item;
	assert_int_equal(report_run(&h, &p, &sel, &r), 0);
	assert_int_equal(r.n_entries, 2);
	assert_string_equal(r.entries[1].def->name, "rt_unprivileged_bpf");
	assert_int_equal(r.entries[0].n_observed, 1);
	report_free(&r);
	sel.only = NULL;
	observer_free(h.observer);
	h.observer = NULL;
	/* ...and without one, only what is listed. */
	sel.only = item;
	assert_int_equal(report_run(&h, &p, &sel, &r), 0);
	assert_int_equal(r.n_entries, 1);
	report_free(&r);
	sel.only = NULL;

	/* An observer that could not start: runtime checks ride along as SKIP
	 * with its reason, not counted among the benchmark's items (bloodhound's
	 * numbers), and show beside what they back. */
	h.observer = observer_new(NULL);
	assert_int_equal(report_run(&h, &p, &sel, &r), 0);
	assert_int_equal(r.n_entries, 4);
	assert_int_equal(r.total, 2);
	assert_int_equal(r.skipped, 0);
	assert_int_equal(r.runtime.total, 2);
	assert_int_equal(r.runtime.skipped, 2);
	assert_false(r.entries[0].runtime);
	assert_true(r.entries[2].runtime);
	const struct report_entry *bpf = &r.entries[0];
	assert_string_equal(bpf->def->name, "br01040300");
	assert_int_equal(bpf->n_observed, 1);
	assert_string_equal(r.entries[bpf->observed[0]].def->name, "rt_unprivileged_bpf");
	assert_int_equal(r.entries[1].n_observed, 0); /* 3.2.7: nothing backs it */
	assert_int_equal(r.entries[2].n_observed, 0); /* runtime checks link nothing to themselves */
	/* bloodhound's text: the items only, no observed lines */
	text = render(&r, "text");
	assert_non_null(strstr(text, "[PASS] 1.4.3     Ensure unprivileged eBPF is disabled (Automatic)\n"
				     "[FAIL] 3.2.7 "));
	assert_null(strstr(text, "rt."));
	assert_non_null(strstr(text, "Total checks:    2\n"));
	free(text);
	json_t *doc = report_to_json(&r);
	assert_null(json_object_get(json_object_get(doc, "results"), "rt_unprivileged_bpf"));
	assert_int_equal(json_object_size(json_object_get(doc, "results")), 2);
	json_t *st = json_object_get(json_object_get(doc, "results"), "br01040300");
	/* bloodhound's fields first, additions after */
	const char *first_keys[] = {"name", "id", "level", "title", "mode", "status", "error"};
	void *it = json_object_iter(st);
	for (size_t i = 0; i < 7; i++, it = json_object_iter_next(st, it))
		assert_string_equal(json_object_iter_key(it), first_keys[i]);
	json_t *obs = json_array_get(json_object_get(st, "observed"), 0);
	assert_string_equal(json_string_value(json_object_get(obs, "check")), "rt_unprivileged_bpf");
	assert_string_equal(json_string_value(json_object_get(obs, "status")), "SKIP");
	assert_string_equal(json_string_value(json_object_get(obs, "error")),
			    "runtime observer not started");
	json_decref(doc);
	report_free(&r);

	/* The runtime report: the runtime checks are its items. */
	sel.view = REPORT_RUNTIME;
	assert_int_equal(report_run(&h, &p, &sel, &r), 0);
	assert_int_equal(r.n_entries, 2);
	assert_int_equal(r.total, 2);
	assert_int_equal(r.skipped, 2);
	assert_int_equal(r.status, CHECK_SKIP);
	assert_false(r.entries[0].runtime);
	assert_string_equal(r.bm->type, "runtime");
	assert_non_null(strstr(r.bm->name, ": runtime observation"));
	text = render(&r, "text");
	assert_non_null(strstr(text, "[SKIP] rt.ptrace_attach Ensure no ptrace attach is observed (Automatic)\n"));
	free(text);
	report_free(&r);
	sel.view = REPORT_BENCHMARK;
	observer_free(h.observer);
	h.observer = NULL;

	host_free(&h);
	profile_free(&p);
	rm_tree(dir);
	free(dir);
}

static struct observer_event event(uint32_t cls, uint32_t op)
{
	struct observer_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.raw.class_id = cls;
	ev.raw.op = op;
	ev.raw.pid = 4242;
	ev.raw.tgid = 4242;
	ev.raw.uid = 65534;
	ev.raw.euid = 65534;
	ev.raw.flags = OBS_F_HAS_RESULT;
	strcpy(ev.raw.comm, "cr-test");
	strcpy(ev.raw.pcomm, "bash");
	ev.time_ns = 1700000000123456789LL;
	return ev;
}

static void assert_describes(const struct observer_event *ev, const char *want)
{
	char buf[2048];
	observer_event_describe(ev, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void describing_events(void **state)
{
	(void)state;
	struct observer_event ev = event(OBS_UNPRIV_BPF, OBS_OP_BPF);
	ev.raw.ret = -1; /* EPERM */
	assert_describes(&ev, "bpf(BPF_MAP_CREATE) by euid 65534 = -1 EPERM");
	ev.raw.arg[0] = 5;
	assert_describes(&ev, "bpf(BPF_PROG_LOAD) by euid 65534 = -1 EPERM");
	ev.raw.arg[0] = 999;
	assert_describes(&ev, "bpf(999) by euid 65534 = -1 EPERM");
	json_t *j = observer_event_json(&ev);
	assert_string_equal(json_string_value(json_object_get(j, "errno")), "EPERM");
	assert_int_equal(json_integer_value(json_object_get(j, "result")), -1);
	assert_string_equal(json_string_value(json_object_get(j, "time")),
			    "2023-11-14T22:13:20.123456789Z");
	assert_string_equal(json_string_value(json_object_get(j, "comm")), "cr-test");
	json_decref(j);

	ev = event(OBS_USER_NAMESPACE, OBS_OP_UNSHARE);
	ev.raw.arg[0] = 0x10000000 | 0x00020000;
	assert_describes(&ev, "unshare(CLONE_NEWUSER|CLONE_NEWNS) = 0");

	/* sysctl path from the dentry walk: leaf first, NUL-separated, "sys" last */
	ev = event(OBS_SYSCTL_WRITE, OBS_OP_OPEN);
	static const char comps[] = "ip_forward\0ipv4\0net\0sys\0";
	memcpy(ev.raw.str, comps, sizeof(comps));
	ev.raw.flags |= OBS_F_PATH_REVERSED;
	ev.raw.arg[0] = 0x241;
	ev.raw.ret = 3;
	ev.host_netns_known = true;
	ev.host_netns = true;
	assert_describes(&ev, "open(\"/proc/sys/net/ipv4/ip_forward\", O_WRONLY|O_CREAT|O_TRUNC) = 3: "
			      "sysctl net.ipv4.ip_forward (host network namespace)");
	char subject[128];
	assert_true(observer_event_subject(&ev, subject, sizeof(subject)));
	assert_string_equal(subject, "net.ipv4.ip_forward");
	/* a failed open: the path as given */
	ev = event(OBS_SYSCTL_WRITE, OBS_OP_OPEN);
	strcpy(ev.raw.str, "/proc/sys/kernel/modprobe");
	ev.raw.arg[0] = 1;
	ev.raw.ret = -13;
	assert_describes(&ev, "open(\"/proc/sys/kernel/modprobe\", O_WRONLY) = -1 EACCES: sysctl "
			      "kernel.modprobe");

	/* module names: from the file, as modprobe spells them */
	ev = event(OBS_MODULE_LOAD, OBS_OP_FINIT_MODULE);
	strcpy(ev.raw.str, "nf-conntrack.ko.xz");
	ev.raw.arg[0] = 3;
	ev.raw.ret = -38;
	assert_describes(&ev, "finit_module(fd 3 \"nf-conntrack.ko.xz\", flags 0x0) = -1 ENOSYS");
	assert_true(observer_event_subject(&ev, subject, sizeof(subject)));
	assert_string_equal(subject, "nf_conntrack");
	ev.raw.flags |= OBS_F_MODULE_NAME;
	strcpy(ev.raw.str2, "sctp");
	assert_true(observer_event_subject(&ev, subject, sizeof(subject)));
	assert_string_equal(subject, "sctp");

	/* bytes from the kernel are escaped, never passed raw to JSON */
	ev = event(OBS_PTRACE_ATTACH, OBS_OP_PTRACE);
	memcpy(ev.raw.comm, "ev\x01l\xff", 6);
	ev.raw.arg[0] = 16;
	ev.raw.arg[1] = 77;
	strcpy(ev.target_comm, "victim");
	assert_describes(&ev, "ptrace(PTRACE_ATTACH, pid 77 \"victim\") = 0");
	j = observer_event_json(&ev);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "comm")), "ev\\x01l\\xff");
	assert_int_equal(json_integer_value(json_object_get(j, "target_pid")), 77);
	json_decref(j);
	char who[256];
	observer_event_who(&ev, who, sizeof(who));
	assert_string_equal(who, "pid 4242 (ev\\x01l\\xff, parent bash) uid 65534");

	ev = event(OBS_ROOT_REMOUNT, OBS_OP_MOUNT);
	strcpy(ev.raw.str, "/");
	strcpy(ev.raw.str2, "none");
	ev.raw.arg[0] = 0x20 | 0x1000;
	assert_describes(&ev, "mount(\"none\", \"/\", MS_REMOUNT|MS_BIND) = 0");

	ev = event(OBS_SETUID_EXEC, OBS_OP_EXEC);
	strcpy(ev.raw.str, "/usr/bin/su");
	ev.raw.euid = 0;
	ev.raw.gid = ev.raw.egid = 65534;
	assert_describes(&ev, "execve(\"/usr/bin/su\"): runs with euid 0 egid 65534 for uid 65534 gid 65534");

	ev = event(OBS_SELINUX_DENIAL, OBS_OP_AVC);
	ev.raw.flags = 0;
	strcpy(ev.raw.str, "system_u:system_r:container_t:s0");
	strcpy(ev.raw.str2, "system_u:object_r:etc_t:s0");
	strcpy(ev.raw.str3, "file");
	ev.raw.arg[0] = 0x2;
	assert_describes(&ev, "avc: denied 0x2 scontext=system_u:system_r:container_t:s0 "
			      "tcontext=system_u:object_r:etc_t:s0 tclass=file (permissive)");

	assert_int_equal(observer_class_from_name("setuid_exec"), OBSERVER_SETUID_EXEC);
	assert_int_equal(observer_class_from_name("nope"), -1);
	assert_string_equal(observer_class_noun(OBSERVER_PTRACE_ATTACH, 1), "ptrace attach");
	assert_string_equal(observer_class_noun(OBSERVER_PTRACE_ATTACH, 2), "ptrace attaches");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(validation),
		cmocka_unit_test(skip_without_observer),
		cmocka_unit_test(skip_offline_root),
		cmocka_unit_test(skip_observer_not_started),
		cmocka_unit_test(report_membership_and_links),
		cmocka_unit_test(describing_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
