/* lockdown kind: the bracketed mode of securityfs' lockdown file, what an
 * unmounted securityfs means, and the live host. */
#include "testutil.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BOTH "{\"accept\":[\"integrity\",\"confidentiality\"]}"
#define INTEGRITY_ONLY "{\"accept\":[\"integrity\"]}"

static const char *const mountinfo_with_securityfs =
	"22 1 254:0 / / ro,relatime shared:1 - ext4 /dev/dm-0 ro\n"
	"24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw\n"
	"25 24 0:7 / /sys/kernel/security rw,nosuid,nodev,noexec,relatime shared:3 - securityfs securityfs rw\n";
static const char *const mountinfo_without_securityfs =
	"22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
	"24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw\n";

static char *tree_with(const char *lockdown)
{
	char *t = make_temp_dir();
	write_file(t, "proc/self/mountinfo", mountinfo_with_securityfs, 0444);
	if (lockdown)
		write_file(t, "sys/kernel/security/lockdown", lockdown, 0444);
	return t;
}


static void hardened_integrity_passes(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("lockdown", BOTH, "hardened", &r);
	assert_result(&r, CHECK_PASS, NULL);
	const struct evidence *e = find_evidence(&r, "lockdown mode");
	assert_string_equal(e->expected, "integrity or confidentiality");
	assert_string_equal(e->actual,
			    "integrity (/sys/kernel/security/lockdown: none [integrity] confidentiality)");
	result_free(&r);
	run_kind("lockdown", INTEGRITY_ONLY, "hardened", &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
}

static void confidentiality_is_accepted_unless_narrowed(void **state)
{
	(void)state;
	char *t = tree_with("none integrity [confidentiality]\n");
	struct check_result r;
	run_kind("lockdown", BOTH, t, &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "lockdown mode")->actual,
			    "confidentiality (/sys/kernel/security/lockdown: none integrity [confidentiality])");
	result_free(&r);
	run_kind("lockdown", INTEGRITY_ONLY, t, &r);
	assert_result(&r, CHECK_FAIL, "lockdown mode: expected integrity, found confidentiality");
	result_free(&r);
	free_temp_dir(t);
}

static void none_fails(void **state)
{
	(void)state;
	char *t = tree_with("[none] integrity confidentiality\n");
	struct check_result r;
	run_kind("lockdown", BOTH, t, &r);
	assert_result(&r, CHECK_FAIL,
		      "lockdown mode: expected integrity or confidentiality, found none (");
	assert_false(find_evidence(&r, "lockdown mode")->ok);
	result_free(&r);
	free_temp_dir(t);
}

static void garbage_skips(void **state)
{
	(void)state;
	static const char *const garbage[] = {
		"none integrity confidentiality\n", /* nothing selected */
		"[none] [integrity]\n",             /* two selected */
		"none [INTEGRITY]\n",
		"none [integrity confidentiality\n",
		"none [] integrity\n",
		"\n",
		"",
	};
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		char *t = tree_with(garbage[i]);
		struct check_result r;
		run_kind("lockdown", BOTH, t, &r);
		if (r.status != CHECK_SKIP)
			fail_msg("\"%s\" gave %s", garbage[i], check_status_name(r.status));
		assert_true(strstr(r.error, "does not show one [selected] mode") != NULL);
		assert_int_equal(r.outcome, OUTCOME_UNABLE);
		result_free(&r);
		free_temp_dir(t);
	}
	char *t = tree_with(NULL);
	write_bytes(t, "sys/kernel/security/lockdown", "[integrity]\0x", 13, 0444);
	struct check_result r;
	run_kind("lockdown", BOTH, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /sys/kernel/security/lockdown: not a regular text file");
	result_free(&r);
	free_temp_dir(t);
}

static void securityfs_without_lockdown_lsm_fails(void **state)
{
	(void)state;
	char *t = tree_with(NULL);
	write_file(t, "sys/kernel/security/lsm", "capability,yama,selinux,bpf", 0444);
	struct check_result r;
	run_kind("lockdown", BOTH, t, &r);
	assert_result(&r, CHECK_FAIL, "the kernel has no lockdown LSM: securityfs is mounted at /sys/kernel/security but has no lockdown file");
	assert_string_equal(find_evidence(&r, "lockdown mode")->actual,
			    "no lockdown LSM: securityfs has no lockdown file (active LSMs: capability,yama,selinux,bpf)");
	result_free(&r);
	free_temp_dir(t);
}

static void unmounted_securityfs_in_a_tree_skips(void **state)
{
	(void)state;
	char *t = make_temp_dir();
	write_file(t, "proc/self/mountinfo", mountinfo_without_securityfs, 0444);
	struct check_result r;
	run_kind("lockdown", BOTH, t, &r);
	assert_result(&r, CHECK_SKIP, "securityfs is not mounted at /sys/kernel/security in this host tree");
	result_free(&r);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/proc/self/mountinfo", t);
	unlink(path);
	run_kind("lockdown", BOTH, t, &r);
	assert_result(&r, CHECK_SKIP,
		      "no /sys/kernel/security/lockdown, and cannot tell whether securityfs is mounted: cannot read /proc/self/mountinfo: No such file or directory");
	result_free(&r);
	write_file(t, "proc/self/mountinfo", "22 1 254:0 / / rw - ext4 /dev/vda rw\nnot a mount line\n", 0444);
	run_kind("lockdown", BOTH, t, &r);
	assert_result(&r, CHECK_SKIP, "/proc/self/mountinfo line 2 is not mountinfo syntax");
	result_free(&r);
	free_temp_dir(t);
}

static void unreadable_skips(void **state)
{
	(void)state;
	char *t = tree_with(NULL);
	write_file(t, "sys/kernel/security/lsm", "lockdown", 0444);
	/* A socket where the file should be: even root cannot open it. */
	make_socket(t, "sys/kernel/security/lockdown");
	struct check_result r;
	run_kind("lockdown", BOTH, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /sys/kernel/security/lockdown: No such device or address");
	result_free(&r);
	free_temp_dir(t);
	if (geteuid() == 0)
		skip(); /* root reads mode-0 files */
	t = tree_with("none [integrity] confidentiality\n");
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/sys/kernel/security/lockdown", t);
	chmod(path, 0);
	run_kind("lockdown", BOTH, t, &r);
	assert_result(&r, CHECK_SKIP, "Permission denied");
	result_free(&r);
	free_temp_dir(t);
}

/* In a child with its own mount namespace and securityfs unmounted there,
 * so the host's mounts are untouched: as root the kind mounts securityfs
 * and reads the kernel's real mode; as nobody it must SKIP. */
static int live_child(bool drop_to_nobody)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		perror("unshare/mount");
		return 10;
	}
	while (umount2("/sys/kernel/security", MNT_DETACH) == 0)
		;
	if (access("/sys/kernel/security/lockdown", F_OK) == 0) {
		fprintf(stderr, "securityfs still mounted\n");
		return 11;
	}
	if (drop_to_nobody && (setgid(65534) < 0 || setuid(65534) < 0))
		return 12;
	/* No cmocka assertions in the child: run the kind by hand. */
	struct check_result r;
	struct host h;
	json_t *params = json_loads(BOTH, 0, NULL);
	if (!params || host_init(&h, NULL) != 0)
		return 18;
	result_init(&r);
	check_kind_find("lockdown")->run(&h, params, &r);
	host_free(&h);
	json_decref(params);
	if (drop_to_nobody) {
		int ok = r.status == CHECK_SKIP &&
			 strstr(r.error, "securityfs is not mounted at /sys/kernel/security and only root can mount it");
		if (!ok)
			fprintf(stderr, "as nobody: %s: %s\n", check_status_name(r.status), r.error);
		result_free(&r);
		return ok ? 0 : 13;
	}
	/* The kernel's own answer, read directly now that securityfs is up. */
	char truth[256] = "";
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");
	if (!f || !fgets(truth, sizeof(truth), f)) {
		fprintf(stderr, "kind did not leave securityfs mounted: %s\n", r.error);
		return 14;
	}
	fclose(f);
	truth[strcspn(truth, "\n")] = '\0';
	const struct evidence *mounted = NULL, *mode = NULL;
	for (size_t i = 0; i < r.n_evidence; i++) {
		if (strcmp(r.evidence[i].item, "securityfs") == 0)
			mounted = &r.evidence[i];
		if (strcmp(r.evidence[i].item, "lockdown mode") == 0)
			mode = &r.evidence[i];
	}
	char want_actual[400];
	const char *sel = strchr(truth, '[');
	int n = sel ? (int)strcspn(sel + 1, "]") : 0;
	snprintf(want_actual, sizeof(want_actual), "%.*s (/sys/kernel/security/lockdown: %s)", n,
		 sel ? sel + 1 : "", truth);
	bool accepted = strstr(truth, "[integrity]") || strstr(truth, "[confidentiality]");
	int rc = 0;
	if (!mounted || !strstr(mounted->actual, "cisreport mounted it"))
		rc = 15;
	else if (!mode || strcmp(mode->actual, want_actual) != 0)
		rc = 16;
	else if (r.status != (accepted ? CHECK_PASS : CHECK_FAIL))
		rc = 17;
	if (rc)
		fprintf(stderr, "live: %s: %s; truth \"%s\"; mode \"%s\"\n", check_status_name(r.status),
			r.error, truth, mode ? mode->actual : "(none)");
	result_free(&r);
	return rc;
}

static int run_live_child(bool drop)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(live_child(drop));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void live_host_mounts_securityfs(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* needs a private mount namespace */
	assert_int_equal(run_live_child(false), 0);
	assert_int_equal(run_live_child(true), 0);
}

static void bad_params(void **state)
{
	(void)state;
	struct param_error err;
	assert_int_equal(validate_kind("lockdown", "{}", &err), -EINVAL);
	assert_string_equal(err.field, "accept");
	assert_int_equal(validate_kind("lockdown", "{\"accept\":[]}", &err), -EINVAL);
	assert_int_equal(validate_kind("lockdown", "{\"accept\":[\"strict\"]}", &err), -EINVAL);
	assert_string_equal(err.message,
			    "\"strict\" is not a lockdown mode (allowed: none, integrity, confidentiality)");
	assert_int_equal(validate_kind("lockdown", "{\"accept\":\"integrity\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("lockdown", BOTH, &err), 0);
}

static void profile_entries_validate(void **state)
{
	(void)state;
	assert_int_equal(validate_profile_entries("lockdown"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hardened_integrity_passes),
		cmocka_unit_test(confidentiality_is_accepted_unless_narrowed),
		cmocka_unit_test(none_fails),
		cmocka_unit_test(garbage_skips),
		cmocka_unit_test(securityfs_without_lockdown_lsm_fails),
		cmocka_unit_test(unmounted_securityfs_in_a_tree_skips),
		cmocka_unit_test(unreadable_skips),
		cmocka_unit_test(live_host_mounts_securityfs),
		cmocka_unit_test(bad_params),
		cmocka_unit_test(profile_entries_validate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
