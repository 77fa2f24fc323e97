/* selinux kind: sestatus' items from selinuxfs (through libselinux) and
 * /etc/selinux/config under a host root. */
#include "testutil.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BOTTLEROCKET                                                                      \
	"{\"policy\":\"fortified\",\"mode\":\"enforcing\",\"config_mode\":\"enforcing\","     \
	"\"mls\":true,\"deny_unknown\":\"denied\",\"checkreqprot\":0}"

static const char *const mountinfo_selinuxfs =
	"22 1 254:0 / / ro,relatime shared:1 - ext4 /dev/dm-0 ro,seclabel\n"
	"24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw,seclabel\n"
	"26 24 0:20 / /sys/fs/selinux rw,nosuid,noexec,relatime shared:4 - selinuxfs selinuxfs rw\n";

/* A Bottlerocket-like SELinux state; tests then change one thing. */
static char *tree(void)
{
	char *t = make_temp_dir();
	write_file(t, "proc/self/mountinfo", mountinfo_selinuxfs, 0444);
	write_file(t, "proc/filesystems", "nodev\tsysfs\nnodev\tselinuxfs\n\text4\n", 0444);
	write_file(t, "sys/fs/selinux/enforce", "1", 0644);
	write_file(t, "sys/fs/selinux/mls", "1", 0444);
	write_file(t, "sys/fs/selinux/deny_unknown", "1", 0444);
	write_file(t, "sys/fs/selinux/reject_unknown", "0", 0444);
	write_file(t, "sys/fs/selinux/checkreqprot", "0", 0644);
	write_file(t, "etc/selinux/config", "SELINUX=enforcing\nSELINUXTYPE=fortified\n", 0644);
	return t;
}



static void hardened_passes(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("selinux", BOTTLEROCKET, "hardened", &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_int_equal(r.n_evidence, 7);
	assert_string_equal(find_evidence(&r, "SELinux status")->actual,
			    "enabled (selinuxfs mounted at /sys/fs/selinux)");
	assert_string_equal(find_evidence(&r, "Loaded policy name")->actual, "fortified");
	assert_string_equal(find_evidence(&r, "Current mode")->actual, "enforcing");
	assert_string_equal(find_evidence(&r, "Mode from config file")->actual, "enforcing");
	assert_string_equal(find_evidence(&r, "Policy MLS status")->actual, "enabled");
	assert_string_equal(find_evidence(&r, "Policy deny_unknown status")->actual, "denied");
	const struct evidence *e = find_evidence(&r, "Memory protection checking");
	assert_string_equal(e->expected, "actual (secure)");
	assert_string_equal(e->actual, "actual (secure)");
	result_free(&r);
}

static void permissive_fails(void **state)
{
	(void)state;
	char *t = tree();
	write_file(t, "sys/fs/selinux/enforce", "0", 0644);
	struct check_result r;
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_FAIL, "Current mode: expected enforcing, found permissive");
	assert_int_equal(r.n_evidence, 7);
	result_free(&r);
	run_kind("selinux", "{\"mode\":\"permissive\"}", t, &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	free_temp_dir(t);
}

static void config_file_is_parsed_like_libselinux(void **state)
{
	(void)state;
	char *t = tree();
	struct check_result r;
	/* libselinux: SELINUX= must start the line, its first recognised
	 * value wins; SELINUXTYPE= is matched in any case, the last wins. */
	write_file(t, "etc/selinux/config",
		   "# SELINUX=permissive\n  SELINUX=permissive\nselinux=permissive\nSELINUX=bogus\n"
		   "SELINUX=Enforcing  \nSELINUX=permissive\n"
		   "  # SELINUXTYPE=mls\nSELINUXTYPE=targeted\n  selinuxtype= fortified \n",
		   0644);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "Mode from config file")->actual, "enforcing");
	assert_string_equal(find_evidence(&r, "Loaded policy name")->actual, "fortified");
	result_free(&r);

	write_file(t, "etc/selinux/config", "SELINUX=permissive\nSELINUXTYPE=targeted\n", 0644);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_FAIL, "Loaded policy name: expected fortified, found targeted; Mode from config file: expected enforcing, found permissive");
	result_free(&r);

	write_file(t, "etc/selinux/config", "# nothing set\n", 0644);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_FAIL, "found no SELINUXTYPE= in /etc/selinux/config");
	assert_string_equal(find_evidence(&r, "Mode from config file")->actual,
			    "no SELINUX=enforcing|permissive|disabled line in /etc/selinux/config");
	result_free(&r);
	free_temp_dir(t);
}

static void mls_unknown_handling_and_checkreqprot(void **state)
{
	(void)state;
	struct check_result r;
	char *t = tree();
	write_file(t, "sys/fs/selinux/mls", "0", 0444);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_FAIL, "Policy MLS status: expected enabled, found disabled");
	result_free(&r);
	free_temp_dir(t);

	t = tree();
	write_file(t, "sys/fs/selinux/deny_unknown", "0", 0444);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_FAIL, "Policy deny_unknown status: expected denied, found allowed");
	result_free(&r);
	write_file(t, "sys/fs/selinux/reject_unknown", "1", 0444);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_FAIL, "Policy deny_unknown status: expected denied, found rejected");
	result_free(&r);
	run_kind("selinux", "{\"deny_unknown\":[\"denied\",\"rejected\"]}", t, &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	/* Kernels older than reject_unknown have no file: deny_unknown decides. */
	remove_file(t, "sys/fs/selinux/reject_unknown");
	write_file(t, "sys/fs/selinux/deny_unknown", "1", 0444);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	free_temp_dir(t);

	t = tree();
	write_file(t, "sys/fs/selinux/checkreqprot", "1", 0644);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_FAIL,
		      "Memory protection checking: expected actual (secure), found requested (insecure)");
	result_free(&r);
	free_temp_dir(t);
}

static void not_enabled_fails_saying_why(void **state)
{
	(void)state;
	struct check_result r;
	char *t = tree();
	write_file(t, "proc/self/mountinfo",
		   "22 1 254:0 / / ro,relatime shared:1 - ext4 /dev/dm-0 ro\n", 0444);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_FAIL,
		      "SELinux is not enabled: the kernel has SELinux but selinuxfs is not mounted");
	assert_false(find_evidence(&r, "SELinux status")->ok);
	/* The configuration is still shown. */
	assert_true(find_evidence(&r, "Mode from config file")->ok);
	result_free(&r);
	write_file(t, "proc/filesystems", "nodev\tsysfs\n\text4\n", 0444);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_FAIL,
		      "SELinux is not enabled: this kernel has no SELinux (selinuxfs is not in /proc/filesystems)");
	result_free(&r);
	free_temp_dir(t);
}

static void missing_and_garbage_skip(void **state)
{
	(void)state;
	struct check_result r;
	char *t = tree();
	remove_file(t, "sys/fs/selinux/enforce");
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /sys/fs/selinux/enforce: No such file or directory");
	assert_int_equal(r.outcome, OUTCOME_UNABLE);
	result_free(&r);
	/* A plain wrong value still FAILs when another item is unknown. */
	write_file(t, "sys/fs/selinux/checkreqprot", "1", 0644);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_FAIL, "Memory protection checking");
	result_free(&r);
	free_temp_dir(t);

	t = tree();
	write_file(t, "sys/fs/selinux/enforce", "on", 0644);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /sys/fs/selinux/enforce: content is not a number");
	result_free(&r);
	free_temp_dir(t);

	t = tree();
	write_file(t, "sys/fs/selinux/mls", "yes", 0444);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /sys/fs/selinux/mls: not 0 or 1");
	result_free(&r);
	free_temp_dir(t);

	t = tree();
	remove_file(t, "etc/selinux/config");
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /etc/selinux/config: No such file or directory");
	result_free(&r);
	free_temp_dir(t);

	t = tree();
	remove_file(t, "proc/self/mountinfo");
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /proc/self/mountinfo: No such file or directory");
	result_free(&r);
	write_file(t, "proc/self/mountinfo", "garbage\n", 0444);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_SKIP, "/proc/self/mountinfo line 1 is not mountinfo syntax");
	result_free(&r);
	free_temp_dir(t);
}

static void unreadable_skips(void **state)
{
	(void)state;
	struct check_result r;
	char *t = tree();
	remove_file(t, "sys/fs/selinux/deny_unknown");
	/* A socket where the file should be: even root cannot open it. */
	make_socket(t, "sys/fs/selinux/deny_unknown");
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_SKIP, "/sys/fs/selinux/deny_unknown: No such device or address");
	result_free(&r);
	free_temp_dir(t);
	if (geteuid() == 0)
		skip(); /* root reads mode-0 files */
	t = tree();
	write_file(t, "etc/selinux/config", "SELINUX=enforcing\n", 0000);
	run_kind("selinux", BOTTLEROCKET, t, &r);
	assert_result(&r, CHECK_SKIP, "Permission denied");
	result_free(&r);
	free_temp_dir(t);
}

/* This machine's kernel has no SELinux: the live probe must say so. */
static void live_host(void **state)
{
	(void)state;
	FILE *f = fopen("/proc/filesystems", "r");
	char line[256];
	bool has_selinuxfs = false;
	while (f && fgets(line, sizeof(line), f))
		has_selinuxfs |= strstr(line, "\tselinuxfs\n") != NULL;
	if (f)
		fclose(f);
	if (has_selinuxfs)
		skip(); /* a kernel with SELinux: the verdict depends on its state */
	struct check_result r;
	run_kind("selinux", BOTTLEROCKET, NULL, &r);
	assert_result(&r, CHECK_FAIL,
		      "SELinux is not enabled: this kernel has no SELinux (selinuxfs is not in /proc/filesystems)");
	result_free(&r);
}

static void bad_params(void **state)
{
	(void)state;
	struct param_error err;
	assert_int_equal(validate_kind("selinux", "{\"mode\":\"disabled\"}", &err), -EINVAL);
	assert_string_equal(err.field, "mode");
	assert_string_equal(err.message, "\"disabled\" is not allowed (allowed: enforcing, permissive)");
	assert_int_equal(validate_kind("selinux", "{\"config_mode\":\"off\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("selinux", "{\"mls\":1}", &err), -EINVAL);
	assert_int_equal(validate_kind("selinux", "{\"deny_unknown\":\"deny\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("selinux", "{\"deny_unknown\":[]}", &err), -EINVAL);
	assert_int_equal(validate_kind("selinux", "{\"checkreqprot\":2}", &err), -EINVAL);
	assert_int_equal(validate_kind("selinux", "{\"policy\":\"\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("selinux", "{\"enforce\":1}", &err), -EINVAL);
	assert_string_equal(err.field, "enforce");
	assert_int_equal(validate_kind("selinux", BOTTLEROCKET, &err), 0);
}

static void profile_entries_validate(void **state)
{
	(void)state;
	assert_int_equal(validate_profile_entries("selinux"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hardened_passes),
		cmocka_unit_test(permissive_fails),
		cmocka_unit_test(config_file_is_parsed_like_libselinux),
		cmocka_unit_test(mls_unknown_handling_and_checkreqprot),
		cmocka_unit_test(not_enabled_fails_saying_why),
		cmocka_unit_test(missing_and_garbage_skip),
		cmocka_unit_test(unreadable_skips),
		cmocka_unit_test(live_host),
		cmocka_unit_test(bad_params),
		cmocka_unit_test(profile_entries_validate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
