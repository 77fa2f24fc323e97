/* The eBPF observer, live on this kernel (root only): for each event class
 * a helper process does the forbidden thing, and the report JSON (the same
 * document the json writer prints) must name it with the right pid, comm,
 * uid and CIS item. Also: observer unavailable (no BTF, no privilege) ->
 * runtime checks SKIP and the static verdicts do not change; a burst of
 * 100k events -> exact counters, losses counted. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "formats/writer.h"
#include "observer/observer.h"
#include "report/profile.h"
#include "report/report.h"

static char *tmp;     /* scratch: profiles, the setuid copy, junk module */
static char *profdir; /* runtime profiles + the static sysctl checks */

#ifdef CISREPORT_HAVE_BPF
static bool live(void)
{
	return geteuid() == 0;
}
#endif

/* The runtime profiles as shipped, plus the shipped sysctl checks (the
 * static checks they back) so the "observed" links can be asserted. */
static void copy_profiles(void)
{
	char path[4096], dst[4096];
	for (int level = 1; level <= 2; level++) {
		snprintf(path, sizeof(path), "%s/level%d/bottlerocket-runtime.json", PROFILES, level);
		json_error_t jerr;
		json_t *rt = json_load_file(path, 0, &jerr);
		assert_non_null(rt);
		snprintf(dst, sizeof(dst), "%s/level%d", profdir, level);
		mkdir(dst, 0755);
		snprintf(dst, sizeof(dst), "%s/level%d/bottlerocket-runtime.json", profdir, level);
		assert_int_equal(json_dump_file(rt, dst, JSON_INDENT(1)), 0);
		json_decref(rt);

		snprintf(path, sizeof(path), "%s/level%d/bottlerocket.json", PROFILES, level);
		json_t *st = json_load_file(path, 0, &jerr);
		assert_non_null(st);
		json_t *keep = json_array();
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(st, "checks"), i, c) {
			if (strcmp(json_string_value(json_object_get(c, "kind")), "sysctl") == 0)
				json_array_append(keep, c);
		}
		json_object_set_new(st, "checks", keep);
		snprintf(dst, sizeof(dst), "%s/level%d/bottlerocket.json", profdir, level);
		assert_int_equal(json_dump_file(st, dst, JSON_INDENT(1)), 0);
		json_decref(st);
	}
}

static int setup(void **state)
{
	(void)state;
	tmp = make_temp_dir();
	chmod(tmp, 0755); /* uid 65534 execs the setuid copy from here */
	if (asprintf(&profdir, "%s/profiles", tmp) < 0)
		return -1;
	mkdir(profdir, 0755);
	copy_profiles();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(tmp);
	free(tmp);
	free(profdir);
	return 0;
}

/* Run the report (level 2: every check) against the live host with obs
 * attached (NULL: none); returns the JSON document. */
static json_t *report_json(struct observer *obs)
{
	struct profile p;
	char err[512];
	int rc = profile_load(profdir, "bottlerocket", &p, err, sizeof(err));
	if (rc)
		fail_msg("profile: %s", err);
	struct host h;
	assert_int_equal(host_init(&h, NULL), 0);
	h.observer = obs;
	struct report r;
	struct report_selection sel = {.level = 2};
	assert_int_equal(report_run(&h, &p, &sel, &r), 0);
	json_t *doc = report_to_json_runtime(&r, true); /* the runtime entries too */
	assert_non_null(doc);
	report_free(&r);
	host_free(&h);
	profile_free(&p);
	return doc;
}

static json_t *result_of(json_t *doc, const char *name)
{
	json_t *e = json_object_get(json_object_get(doc, "results"), name);
	if (!e)
		fail_msg("no result %s in the report", name);
	return e;
}

#ifdef CISREPORT_HAVE_BPF

/* Run the helper with args; its JSON line. */
static json_t *run_actor(const char *a1, const char *a2)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(OBS_ACTOR, "obs_actor", a1, a2, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	char buf[4096];
	size_t used = 0;
	ssize_t n;
	while ((n = read(fds[0], buf + used, sizeof(buf) - 1 - used)) > 0)
		used += (size_t)n;
	close(fds[0]);
	buf[used] = '\0';
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("obs_actor %s failed (status 0x%x): %s", a1, status, buf);
	json_error_t jerr;
	json_t *j = json_loads(buf, JSON_DISABLE_EOF_CHECK, &jerr);
	if (!j)
		fail_msg("obs_actor %s printed no JSON: %s", a1, buf);
	return j;
}

static json_int_t int_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		fail_msg("no integer \"%s\"", key);
	return json_integer_value(v);
}

static const char *str_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		fail_msg("no string \"%s\"", key);
	return json_string_value(v);
}

struct observed {
	json_t *doc;    /* the report */
	json_t *act;    /* what the helper says it did */
	json_t *entry;  /* the runtime check's result */
	json_t *sample; /* the event of the helper's pid */
};

/* Start a fresh observer, run the action, report, and find the helper's
 * event in the runtime check's samples. The host is shared with other
 * work: when the window was so busy that the helper's event is not among
 * the samples shown, observe again (a few times) rather than guess. */
static void observe(const char *check, const char *a1, const char *a2, struct observed *out)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		struct observer *o = observer_new(NULL);
		char err[256];
		if (observer_start(o, err, sizeof(err)))
			fail_msg("observer_start: %s", err);
		out->act = run_actor(a1, a2);
		out->doc = report_json(o);
		observer_free(o);
		out->entry = result_of(out->doc, check);
		json_t *obs = json_object_get(out->entry, "observation");
		assert_non_null(obs);
		json_int_t pid = int_of(out->act, "pid");
		size_t i;
		json_t *s;
		json_array_foreach(json_object_get(obs, "samples"), i, s) {
			if (int_of(s, "pid") == pid) {
				out->sample = s;
				return;
			}
		}
		json_int_t count = int_of(obs, "count");
		if ((size_t)count <= json_array_size(json_object_get(obs, "samples")))
			fail_msg("%s: pid %lld not observed (count %lld): %s", check, (long long)pid,
				 (long long)count, json_dumps(obs, 0));
		json_decref(out->doc);
		json_decref(out->act);
	}
	fail_msg("%s: too busy to find the helper's event in 4 windows", check);
}

static void observed_free(struct observed *o)
{
	json_decref(o->doc);
	json_decref(o->act);
}

/* What every class must show: the helper's pid, comm and uid, a FAIL, and
 * the CIS item it backs. */
static void assert_event(const struct observed *o, const char *comm, json_int_t uid,
			 const char *item)
{
	assert_int_equal(int_of(o->sample, "pid"), int_of(o->act, "pid"));
	assert_int_equal(int_of(o->sample, "tgid"), int_of(o->act, "tgid"));
	assert_string_equal(str_of(o->sample, "comm"), comm);
	assert_int_equal(int_of(o->sample, "uid"), uid);
	assert_string_equal(str_of(o->entry, "status"), "FAIL");
	assert_string_equal(str_of(o->entry, "kind"), "runtime");
	assert_non_null(strstr(str_of(o->entry, "error"), "observed"));
	json_t *obs = json_object_get(o->entry, "observation");
	assert_true(int_of(obs, "count") >= 1);
	assert_non_null(json_object_get(obs, "first"));
	bool backs = item == NULL;
	size_t i;
	json_t *b;
	json_array_foreach(json_object_get(obs, "backs"), i, b) backs |=
		item && strcmp(json_string_value(b), item) == 0;
	if (!backs)
		fail_msg("%s does not back %s", str_of(o->entry, "name"), item);
}

/* The static check of the item shows the runtime result beside its own. */
static void assert_linked(const struct observed *o, const char *static_name,
			  const char *rt_name)
{
	json_t *st = result_of(o->doc, static_name);
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(st, "observed"), i, l) {
		if (strcmp(str_of(l, "check"), rt_name) == 0) {
			assert_string_equal(str_of(l, "status"), "FAIL");
			assert_true(int_of(l, "count") >= 1);
			return;
		}
	}
	fail_msg("%s has no \"observed\" entry for %s", static_name, rt_name);
}

#define REQUIRE_LIVE()                                                                        \
	do {                                                                                  \
		if (!live()) {                                                                \
			print_message("not root: live eBPF test skipped\n");                  \
			skip();                                                               \
		}                                                                             \
	} while (0)

static void user_namespace_as_nobody(void **state)
{
	(void)state;
	REQUIRE_LIVE();
	struct observed o;
	observe("rt_user_namespace", "userns", NULL, &o);
	assert_event(&o, "cr-userns", 65534, "1.4.4");
	assert_string_equal(str_of(o.sample, "op"), "unshare");
	assert_non_null(strstr(str_of(o.sample, "flags"), "CLONE_NEWUSER"));
	assert_int_equal(int_of(o.sample, "result"), int_of(o.act, "result"));
	assert_linked(&o, "br01040400", "rt_user_namespace");
	observed_free(&o);
}

static void bpf_as_nobody(void **state)
{
	(void)state;
	REQUIRE_LIVE();
	struct observed o;
	observe("rt_unprivileged_bpf", "bpf", "1", &o);
	assert_event(&o, "cr-bpf", 65534, "1.4.3");
	assert_int_equal(int_of(o.sample, "euid"), 65534);
	assert_string_equal(str_of(o.sample, "command"), "BPF_MAP_CREATE");
	assert_int_equal(int_of(o.sample, "result"), -1); /* unprivileged bpf is refused here */
	assert_int_equal(int_of(o.act, "result"), -1);
	assert_linked(&o, "br01040300", "rt_unprivileged_bpf");
	observed_free(&o);
}

static void finit_module_on_junk(void **state)
{
	(void)state;
	REQUIRE_LIVE();
	struct observed o;
	observe("rt_module_load", "finit", tmp, &o);
	assert_event(&o, "cr-finit", 0, "1.1.1.1");
	assert_event(&o, "cr-finit", 0, "3.3.1");
	assert_string_equal(str_of(o.sample, "op"), "finit_module");
	assert_string_equal(str_of(o.sample, "file"), "junk.ko");
	assert_int_equal(int_of(o.sample, "fd"), int_of(o.act, "fd"));
	/* it fails (no module support, or not an ELF module), and is still seen */
	assert_int_equal(int_of(o.sample, "result"), -1);
	assert_int_equal(int_of(o.act, "result"), -1);
	observed_free(&o);
}

static void sysctl_write_in_private_netns(void **state)
{
	(void)state;
	REQUIRE_LIVE();
	struct observed o;
	observe("rt_sysctl_write", "sysctl-netns", NULL, &o);
	assert_event(&o, "cr-sysctl", 0, "3.1.1");
	assert_string_equal(str_of(o.sample, "sysctl"), "net.ipv4.conf.all.send_redirects");
	assert_string_equal(str_of(o.sample, "path"),
			    "/proc/sys/net/ipv4/conf/all/send_redirects");
	assert_false(json_is_true(json_object_get(o.sample, "host_netns")));
	assert_true(int_of(o.sample, "result") >= 0);
	/* narrowed per item: 3.1.1 (send_redirects) fails, 3.2.7 does not */
	assert_linked(&o, "br03010100", "rt_sysctl_write");
	json_t *items = json_object_get(json_object_get(o.entry, "observation"), "items");
	assert_string_equal(str_of(json_object_get(items, "3.1.1"), "status"), "FAIL");
	assert_int_equal(int_of(json_object_get(items, "3.1.1"), "host_netns_count"), 0);
	observed_free(&o);
}

static void ptrace_attach_to_child(void **state)
{
	(void)state;
	REQUIRE_LIVE();
	struct observed o;
	observe("rt_ptrace_attach", "ptrace", NULL, &o);
	assert_event(&o, "cr-tracer", 0, NULL);
	assert_string_equal(str_of(o.sample, "request"), "PTRACE_ATTACH");
	assert_int_equal(int_of(o.sample, "target_pid"), int_of(o.act, "target_pid"));
	assert_string_equal(str_of(o.sample, "target_comm"), "cr-tracee");
	assert_int_equal(int_of(o.sample, "result"), 0);
	observed_free(&o);
}

static void setuid_root_exec(void **state)
{
	(void)state;
	REQUIRE_LIVE();
	char path[4096];
	snprintf(path, sizeof(path), "%s/cr-suid", tmp);
	int in = open(OBS_ACTOR, O_RDONLY), out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	assert_true(in >= 0 && out >= 0);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(chmod(path, 04755), 0);

	struct observed o;
	observe("rt_setuid_exec", "setuid-exec", path, &o);
	assert_int_equal(int_of(o.act, "euid"), 0); /* the exec really gained root */
	assert_event(&o, "cr-suid", 65534, "1.4.1");
	assert_int_equal(int_of(o.sample, "euid"), 0);
	assert_int_equal(int_of(o.sample, "gid"), 65534);
	assert_int_equal(int_of(o.sample, "egid"), 65534);
	assert_string_equal(str_of(o.sample, "op"), "execve");
	assert_string_equal(str_of(o.sample, "file"), path);
	assert_linked(&o, "br01040100", "rt_setuid_exec");
	observed_free(&o);
	unlink(path);
}

/* The mount options of "/" as this (host) mount namespace sees them. */
static void root_mount_line(char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	assert_non_null(f);
	char line[4096];
	buf[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		char mnt[4096], opts[4096];
		if (sscanf(line, "%*s %*s %*s %*s %4095s %4095s", mnt, opts) == 2 &&
		    strcmp(mnt, "/") == 0)
			snprintf(buf, size, "%s", opts);
	}
	fclose(f);
	assert_true(buf[0] != '\0');
}

static void remount_root_in_private_namespace(void **state)
{
	(void)state;
	REQUIRE_LIVE();
	char before[4096], after[4096];
	root_mount_line(before, sizeof(before));
	struct observed o;
	observe("rt_root_remount", "remount", NULL, &o);
	root_mount_line(after, sizeof(after));
	assert_string_equal(before, after); /* the host's / did not change */
	assert_event(&o, "cr-remount", 0, "1.3.1");
	assert_string_equal(str_of(o.sample, "op"), "mount");
	assert_string_equal(str_of(o.sample, "target"), "/");
	assert_non_null(strstr(str_of(o.sample, "flags"), "MS_REMOUNT"));
	assert_int_equal(int_of(o.sample, "result"), int_of(o.act, "result"));
	observed_free(&o);
}

/* Static verdicts must be the same with and without a (failed) observer. */
static void assert_static_unchanged(json_t *without, json_t *with)
{
	const char *name;
	json_t *e;
	size_t n_static = 0;
	json_object_foreach(json_object_get(without, "results"), name, e) {
		json_t *other = result_of(with, name);
		assert_string_equal(str_of(e, "status"), str_of(other, "status"));
		assert_string_equal(str_of(e, "error"), str_of(other, "error"));
		assert_true(json_equal(json_object_get(e, "evidence"),
				       json_object_get(other, "evidence")));
		n_static++;
	}
	assert_true(n_static > 0);
}

static void assert_runtime_skipped(json_t *doc, const char *needle)
{
	const char *name;
	json_t *e;
	size_t n = 0;
	json_object_foreach(json_object_get(doc, "results"), name, e) {
		if (strcmp(str_of(e, "kind"), "runtime"))
			continue;
		n++;
		assert_string_equal(str_of(e, "status"), "SKIP");
		if (!strstr(str_of(e, "error"), needle))
			fail_msg("%s: reason '%s' lacks '%s'", name, str_of(e, "error"), needle);
	}
	assert_int_equal(n, 8);
}

static void no_btf_skips_runtime_checks(void **state)
{
	(void)state;
	REQUIRE_LIVE();
	struct observer_options opts = {.btf_path = "/nonexistent/vmlinux"};
	struct observer *o = observer_new(&opts);
	char err[256];
	assert_true(observer_start(o, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "BTF"));
	assert_non_null(strstr(err, "/nonexistent/vmlinux"));
	json_t *without = report_json(NULL);
	json_t *with = report_json(o);
	assert_runtime_skipped(with, "cannot read kernel BTF (/nonexistent/vmlinux)");
	assert_static_unchanged(without, with);
	/* without an observer the runtime checks are not in the report at all */
	assert_null(json_object_get(json_object_get(without, "results"), "rt_module_load"));
	json_decref(without);
	json_decref(with);
	observer_free(o);
}

static void no_privilege_skips_runtime_checks(void **state)
{
	(void)state;
	REQUIRE_LIVE();
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* a non-root process: the observer must refuse to load, not crash */
		close(fds[0]);
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(3);
		struct observer *o = observer_new(NULL);
		char err[256];
		int rc = observer_start(o, err, sizeof(err));
		json_t *doc = rc < 0 ? report_json(o) : NULL;
		char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
		if (text && write(fds[1], text, strlen(text)) < 0)
			_exit(4);
		_exit(rc < 0 ? 0 : 1);
	}
	close(fds[1]);
	char *buf = malloc(1 << 20);
	size_t used = 0;
	ssize_t n;
	while ((n = read(fds[0], buf + used, (1 << 20) - 1 - used)) > 0)
		used += (size_t)n;
	buf[used] = '\0';
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	json_t *with = json_loads(buf, 0, NULL);
	free(buf);
	assert_non_null(with);
	assert_runtime_skipped(with, "Operation not permitted (the observer needs root");
	json_t *without = report_json(NULL);
	assert_static_unchanged(without, with);
	json_decref(with);
	json_decref(without);
}

#define BURST 100000

static void burst_counts_exactly(void **state)
{
	(void)state;
	REQUIRE_LIVE();
	/* A tiny ring buffer nobody drains during the burst: most events must
	 * be lost, and counted as lost. */
	struct observer_options small = {.ringbuf_bytes = 16384, .manual_poll = true};
	struct observer *tight = observer_new(&small);
	/* The default observer with its drain thread, alongside. */
	struct observer *normal = observer_new(NULL);
	char err[256];
	assert_int_equal(observer_start(tight, err, sizeof(err)), 0);
	assert_int_equal(observer_start(normal, err, sizeof(err)), 0);
	assert_true(observer_fd(tight) >= 0);
	assert_int_equal(observer_fd(normal), -1);

	json_t *act = run_actor("bpf", "100000");
	assert_int_equal(int_of(act, "calls"), BURST);

	struct observer *both[2] = {tight, normal};
	for (int i = 0; i < 2; i++) {
		struct observer_class_view *v = malloc(sizeof(*v));
		assert_int_equal(observer_snapshot(both[i], OBSERVER_UNPRIV_BPF, v), 0);
		assert_true(v->available);
		assert_int_equal(v->count, BURST);
		assert_int_equal(v->received + v->lost, BURST);
		assert_true(v->received > 0);
		if (i == 0)
			assert_true(v->lost > 0);
		assert_true(v->n_samples > 0);
		assert_int_equal(v->samples[0].raw.tgid, int_of(act, "tgid"));
		assert_true(v->first_ns <= v->last_ns);
		free(v);
	}
	/* The report says it too. */
	json_t *doc = report_json(tight);
	json_t *obs = json_object_get(result_of(doc, "rt_unprivileged_bpf"), "observation");
	assert_int_equal(int_of(obs, "count"), BURST);
	assert_int_equal(int_of(obs, "received") + int_of(obs, "lost"), BURST);
	assert_true(int_of(obs, "lost") > 0);
	assert_non_null(strstr(str_of(result_of(doc, "rt_unprivileged_bpf"), "error"),
			       "not delivered in detail: ring buffer full"));
	json_decref(doc);
	json_decref(act);
	observer_free(tight);
	observer_free(normal);
}

/* Where the tracepoint exists, the SELinux program must verify and attach,
 * even on a host where SELinux is off (then the class says why it SKIPs). */
static void selinux_class_loads_or_says_why(void **state)
{
	(void)state;
	REQUIRE_LIVE();
	struct observer_options forced = {.force_selinux = true};
	struct observer *o = observer_new(&forced);
	char err[256];
	assert_int_equal(observer_start(o, err, sizeof(err)), 0);
	struct observer_class_view *v = malloc(sizeof(*v));
	observer_snapshot(o, OBSERVER_SELINUX_DENIAL, v);
	if (!v->available)
		assert_non_null(strstr(v->reason, "no avc:selinux_audited tracepoint"));
	observer_free(o);

	o = observer_new(NULL);
	assert_int_equal(observer_start(o, err, sizeof(err)), 0);
	observer_snapshot(o, OBSERVER_SELINUX_DENIAL, v);
	json_t *doc = report_json(o);
	json_t *e = result_of(doc, "rt_selinux_denial");
	if (!v->available) {
		assert_string_equal(str_of(e, "status"), "SKIP");
		assert_string_equal(str_of(e, "error"), v->reason);
	}
	json_decref(doc);
	free(v);
	observer_free(o);
}

#else /* built without the observer */

static void built_without_bpf(void **state)
{
	(void)state;
	struct observer *o = observer_new(NULL);
	char err[256];
	assert_int_equal(observer_start(o, err, sizeof(err)), -ENOTSUP);
	assert_non_null(strstr(err, "built without the eBPF observer"));
	json_t *doc = report_json(o);
	json_t *e = result_of(doc, "rt_module_load");
	assert_string_equal(json_string_value(json_object_get(e, "status")), "SKIP");
	json_decref(doc);
	observer_free(o);
}

#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
#ifdef CISREPORT_HAVE_BPF
		cmocka_unit_test(user_namespace_as_nobody),
		cmocka_unit_test(bpf_as_nobody),
		cmocka_unit_test(finit_module_on_junk),
		cmocka_unit_test(sysctl_write_in_private_netns),
		cmocka_unit_test(ptrace_attach_to_child),
		cmocka_unit_test(setuid_root_exec),
		cmocka_unit_test(remount_root_in_private_namespace),
		cmocka_unit_test(no_btf_skips_runtime_checks),
		cmocka_unit_test(no_privilege_skips_runtime_checks),
		cmocka_unit_test(burst_counts_exactly),
		cmocka_unit_test(selinux_class_loads_or_says_why),
#else
		cmocka_unit_test(built_without_bpf),
#endif
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
