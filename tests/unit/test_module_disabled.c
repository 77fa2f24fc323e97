/* module_disabled kind: /proc/modules by exact name, built-in detection,
 * and the modprobe configuration as libkmod reads it. */
#include "testutil.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UDF "{\"module\":\"udf\",\"filesystem\":\"udf\"}"
#define SCTP "{\"module\":\"sctp\",\"protocol\":\"SCTP\"}"
#define REL "6.1.119"

static const char *const loaded_modules =
	"overlay 151552 12 - Live 0x0000000000000000\n"
	"bridge 307200 1 br_netfilter, Live 0x0000000000000000\n";

/* A host with loadable modules, udf neither loaded nor built in, and no
 * modprobe configuration yet. */
static char *base_tree(const char *proc_modules)
{
	char *t = make_temp_dir();
	write_file(t, "proc/sys/kernel/osrelease", REL "\n", 0644);
	if (proc_modules)
		write_file(t, "proc/modules", proc_modules, 0444);
	write_file(t, "lib/modules/" REL "/modules.builtin",
		   "kernel/fs/ext4/ext4.ko\nkernel/drivers/md/dm-verity.ko\n", 0644);
	write_file(t, "proc/filesystems", "nodev\tsysfs\nnodev\tproc\n\text4\n", 0444);
	write_file(t, "proc/net/protocols",
		   "protocol  size sockets  memory press maxhdr  slab module     cl co di\n"
		   "TCP       2264     31      42   no     320   yes  kernel      y  y  y\n",
		   0444);
	return t;
}



static void hardened_udf_and_sctp_pass(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("module_disabled", UDF, "hardened", &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_int_equal(r.n_evidence, 3);
	assert_string_equal(find_evidence(&r, "loaded")->actual, "not loaded (not in /proc/modules)");
	assert_string_equal(find_evidence(&r, "install command")->actual, "install udf /bin/true");
	assert_string_equal(find_evidence(&r, "install command")->expected,
			    "install udf /bin/true or /bin/false or /usr/bin/true or /usr/bin/false");
	assert_string_equal(find_evidence(&r, "built-in")->actual,
			    "not built in: not in /lib/modules/6.1.119/modules.builtin, no /sys/module/udf, udf not in /proc/filesystems");
	result_free(&r);
	run_kind("module_disabled", SCTP, "hardened", &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_true(strstr(find_evidence(&r, "built-in")->actual, "SCTP not in /proc/net/protocols"));
	result_free(&r);
}

static void loaded_module_fails(void **state)
{
	(void)state;
	char *t = base_tree("overlay 151552 12 - Live 0x0\nudf 118784 0 - Live 0x0\n");
	write_file(t, "etc/modprobe.d/udf.conf", "install udf /bin/true\n", 0644);
	struct check_result r;
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_FAIL,
		      "loaded: expected not loaded, found loaded (/proc/modules: udf 118784 0 - Live 0x0)");
	assert_true(find_evidence(&r, "install command")->ok);
	result_free(&r);
	free_temp_dir(t);
}

static void substring_names_are_not_the_module(void **state)
{
	(void)state;
	char *t = base_tree("udf_extra 16384 0 - Live 0x0\nxudf 16384 0 - Live 0x0\n"
			    "sctp_diag 16384 0 - Live 0x0\n");
	write_file(t, "etc/modprobe.d/off.conf", "install udf /bin/true\ninstall sctp /bin/false\n",
		   0644);
	struct check_result r;
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	run_kind("module_disabled", SCTP, t, &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "install command")->actual, "install sctp /bin/false");
	result_free(&r);
	free_temp_dir(t);
}

static void blacklist_alone_fails(void **state)
{
	(void)state;
	char *t = base_tree(loaded_modules);
	write_file(t, "etc/modprobe.d/blacklist.conf", "blacklist udf\n", 0644);
	struct check_result r;
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_FAIL,
		      "only \"blacklist udf\", which stops loading by alias but not an explicit \"modprobe udf\"");
	assert_false(find_evidence(&r, "install command")->ok);
	assert_true(find_evidence(&r, "loaded")->ok);
	result_free(&r);
	free_temp_dir(t);
}

static void blacklist_only_fixture_fails(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("module_disabled", SCTP, "module_disabled-blacklist-only", &r);
	assert_result(&r, CHECK_FAIL,
		      "install command: expected install sctp /bin/true or /bin/false or /usr/bin/true or /usr/bin/false, "
		      "found none; only \"blacklist sctp\", which stops loading by alias but not an explicit \"modprobe sctp\"");
	assert_true(find_evidence(&r, "loaded")->ok);
	assert_true(find_evidence(&r, "built-in")->ok);
	result_free(&r);
}

static void no_configuration_fails(void **state)
{
	(void)state;
	char *t = base_tree(loaded_modules);
	struct check_result r;
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_FAIL, "install command: expected install udf /bin/true");
	assert_string_equal(find_evidence(&r, "install command")->actual,
			    "none: \"modprobe udf\" would load it");
	result_free(&r);
	free_temp_dir(t);
}

static void non_disabling_install_commands_fail(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"install udf /sbin/modprobe --ignore-install udf\n",
		"install udf /bin/true; /sbin/modprobe --ignore-install udf\n",
		"install udf /bin/true && insmod /tmp/udf.ko\n",
		"install udf /bin/truex\n",
		"install udf /usr/local/bin/true\n",
		"install udf /bin/true $(insmod x)\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *t = base_tree(loaded_modules);
		write_file(t, "etc/modprobe.d/udf.conf", bad[i], 0644);
		struct check_result r;
		run_kind("module_disabled", UDF, t, &r);
		if (r.status != CHECK_FAIL)
			fail_msg("%s was accepted: %s", bad[i], r.error);
		assert_true(strstr(r.error, "runs something other than a disabling command") != NULL);
		result_free(&r);
		free_temp_dir(t);
	}
}

static void accepted_commands_come_from_params(void **state)
{
	(void)state;
	char *t = base_tree(loaded_modules);
	write_file(t, "etc/modprobe.d/udf.conf", "install udf /usr/bin/false udf\n", 0644);
	struct check_result r;
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_PASS, NULL); /* plain arguments are harmless */
	result_free(&r);
	run_kind("module_disabled", "{\"module\":\"udf\",\"install_commands\":[\"/bin/false\"]}", t,
		 &r);
	assert_result(&r, CHECK_FAIL, "expected install udf /bin/false, found install udf /usr/bin/false udf");
	result_free(&r);
	free_temp_dir(t);
}

/* libkmod semantics, not a grep: a file in /etc/modprobe.d hides the file
 * of the same name in /lib/modprobe.d; /usr/lib/modprobe.d counts. */
static void modprobe_directories_as_kmod_reads_them(void **state)
{
	(void)state;
	char *t = base_tree(loaded_modules);
	write_file(t, "lib/modprobe.d/udf.conf", "install udf /bin/true\n", 0644);
	struct check_result r;
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	write_file(t, "etc/modprobe.d/udf.conf", "blacklist udf\n", 0644);
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_FAIL, "only \"blacklist udf\"");
	result_free(&r);
	free_temp_dir(t);

	t = base_tree(loaded_modules);
	write_file(t, "usr/lib/modprobe.d/50-off.conf", "# off\ninstall udf /bin/false\n", 0644);
	write_file(t, "etc/modprobe.d/udf.conf.disabled", "install udf /sbin/modprobe\n", 0644);
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	/* The first install line for a module wins, in file order. */
	write_file(t, "run/modprobe.d/10-first.conf", "install udf /bin/sh -c true\n", 0644);
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_FAIL, "install udf /bin/sh -c true");
	result_free(&r);
	free_temp_dir(t);
}

/* The modprobe configuration's libkmod context is kept across reports
 * (cisreportd re-evaluates them again and again) only while nothing in it
 * changed: a configuration as old as a few seconds is read once, and any
 * change to it, even one keeping the file's size, is seen at once. */
static void kept_configuration_sees_every_change(void **state)
{
	(void)state;
	char *t = base_tree(loaded_modules);
	write_file(t, "etc/modprobe.d/udf.conf", "install udf /bin/true\n", 0644);
	sleep(3); /* older than the racy window: the context is kept */
	struct check_result r;
	for (int i = 0; i < 2; i++) {
		run_kind("module_disabled", UDF, t, &r);
		assert_result(&r, CHECK_PASS, NULL);
		result_free(&r);
	}
	/* same size, same name, at once: seen */
	write_file(t, "etc/modprobe.d/udf.conf", "install udf /bin/echo\n", 0644);
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_FAIL, "install udf /bin/echo");
	result_free(&r);
	sleep(3);
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_FAIL, "install udf /bin/echo");
	result_free(&r);
	/* a file added beside it (the directory changed) */
	write_file(t, "etc/modprobe.d/00-first.conf", "install udf /bin/false\n", 0644);
	sleep(3);
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "install command")->actual, "install udf /bin/false");
	result_free(&r);
	free_temp_dir(t);
}

static void builtin_module_fails(void **state)
{
	(void)state;
	char *t = base_tree(loaded_modules);
	write_file(t, "etc/modprobe.d/udf.conf", "install udf /bin/true\n", 0644);
	write_file(t, "lib/modules/" REL "/modules.builtin", "kernel/fs/ext4/ext4.ko\nkernel/fs/udf/udf.ko\n",
		   0644);
	struct check_result r;
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_FAIL,
		      "built into the kernel (/lib/modules/6.1.119/modules.builtin lists kernel/fs/udf/udf.ko), cannot be disabled");
	result_free(&r);
	free_temp_dir(t);

	/* No loadable modules, but the filesystem is registered: built in. */
	t = base_tree(NULL);
	write_file(t, "proc/filesystems", "nodev\tproc\n\text4\n\tudf\n", 0444);
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_FAIL, "/proc/filesystems lists filesystem udf although the module is not loaded");
	assert_true(find_evidence(&r, "loaded")->ok);
	result_free(&r);
	free_temp_dir(t);

	t = base_tree(loaded_modules);
	write_file(t, "etc/modprobe.d/sctp.conf", "install sctp /bin/true\n", 0644);
	write_file(t, "sys/module/sctp/parameters/no_checksums", "N\n", 0444);
	run_kind("module_disabled", "{\"module\":\"sctp\"}", t, &r);
	assert_result(&r, CHECK_FAIL, "/sys/module/sctp exists although the module is not loaded");
	result_free(&r);
	free_temp_dir(t);

	t = base_tree(loaded_modules);
	write_file(t, "etc/modprobe.d/sctp.conf", "install sctp /bin/true\n", 0644);
	write_file(t, "proc/net/protocols", "protocol  size sockets\nSCTPv6 1 0\nSCTP 1 0\n", 0444);
	run_kind("module_disabled", SCTP, t, &r);
	assert_result(&r, CHECK_FAIL, "/proc/net/protocols lists protocol SCTP");
	result_free(&r);
	free_temp_dir(t);
}

static void no_module_support_passes(void **state)
{
	(void)state;
	char *t = base_tree(NULL);
	struct check_result r;
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "loaded")->actual,
			    "cannot be loaded: the kernel has no loadable module support (/proc/modules does not exist)");
	const struct evidence *e = find_evidence(&r, "install command");
	assert_true(e->ok);
	assert_string_equal(e->actual,
			    "not applicable: without loadable module support no modprobe configuration can load udf");
	result_free(&r);
	free_temp_dir(t);
}

static void missing_and_garbage_skip(void **state)
{
	(void)state;
	struct check_result r;
	char *t = base_tree(loaded_modules);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/proc/sys/kernel/osrelease", t);
	unlink(path);
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /proc/sys/kernel/osrelease: No such file or directory");
	assert_int_equal(r.outcome, OUTCOME_UNABLE);
	result_free(&r);
	write_file(t, "proc/sys/kernel/osrelease", "6.1 with spaces\n", 0644);
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_SKIP, "does not hold a kernel release");
	result_free(&r);
	free_temp_dir(t);

	t = base_tree("overlay 151552 12 - Live 0x0\n\xff\xfe garbage\n");
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_SKIP, "/proc/modules line 2 is not");
	result_free(&r);
	write_bytes(t, "proc/modules", "udf 1 0\0", 8, 0444);
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_SKIP, "/proc/modules is not text");
	result_free(&r);
	free_temp_dir(t);

	t = base_tree(loaded_modules);
	snprintf(path, sizeof(path), "%s/proc/filesystems", t);
	unlink(path);
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /proc/filesystems: No such file or directory");
	result_free(&r);
	write_file(t, "proc/filesystems", "this is not the format\n", 0444);
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_SKIP, "/proc/filesystems is not in its usual format");
	result_free(&r);
	free_temp_dir(t);
}

static void unreadable_things_skip(void **state)
{
	(void)state;
	struct check_result r;
	char *t = base_tree(loaded_modules);
	write_file(t, "etc/modprobe.d/udf.conf", "install udf /bin/true\n", 0644);
	make_socket(t, "etc/modprobe.d/hidden.conf");
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_SKIP,
		      "cannot read /etc/modprobe.d/hidden.conf: No such device or address");
	result_free(&r);
	free_temp_dir(t);

	t = base_tree(NULL);
	make_socket(t, "proc/modules");
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /proc/modules: No such device or address");
	result_free(&r);
	free_temp_dir(t);

	if (geteuid() == 0)
		skip(); /* root reads mode-0 files and directories */
	t = base_tree(loaded_modules);
	write_file(t, "etc/modprobe.d/udf.conf", "install udf /bin/true\n", 0000);
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /etc/modprobe.d/udf.conf: Permission denied");
	result_free(&r);
	free_temp_dir(t);
}

/* This machine's kernel has no loadable module support: the real probe
 * must say so and find udf neither loadable nor built in. */
static void live_host_without_modules(void **state)
{
	(void)state;
	if (access("/proc/modules", F_OK) == 0)
		skip(); /* a kernel with modules: the verdict depends on its config */
	FILE *f = fopen("/proc/filesystems", "r");
	char line[256];
	bool udf_registered = false;
	while (f && fgets(line, sizeof(line), f))
		udf_registered |= strcmp(line, "\tudf\n") == 0;
	if (f)
		fclose(f);
	struct check_result r;
	run_kind("module_disabled", UDF, NULL, &r);
	if (udf_registered) {
		assert_result(&r, CHECK_FAIL, "built into the kernel");
	} else {
		assert_result(&r, CHECK_PASS, NULL);
		assert_true(strstr(find_evidence(&r, "loaded")->actual,
				   "no loadable module support (/proc/modules does not exist)"));
		assert_true(strstr(find_evidence(&r, "built-in")->actual, "udf not in /proc/filesystems"));
	}
	result_free(&r);
}

static void bad_params(void **state)
{
	(void)state;
	struct param_error err;
	assert_int_equal(validate_kind("module_disabled", "{}", &err), -EINVAL);
	assert_string_equal(err.field, "module");
	assert_int_equal(validate_kind("module_disabled", "{\"module\":\"../udf\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("module_disabled", "{\"module\":\"udf\",\"install_commands\":[\"true\"]}", &err),
			 -EINVAL);
	assert_string_equal(err.field, "install_commands");
	assert_int_equal(validate_kind("module_disabled", "{\"module\":\"udf\",\"install_commands\":[\"/bin/true x\"]}", &err),
			 -EINVAL);
	assert_int_equal(validate_kind("module_disabled", "{\"module\":\"udf\",\"filesystem\":\"a b\"}", &err),
			 -EINVAL);
	assert_int_equal(validate_kind("module_disabled", "{\"module\":\"udf\",\"x\":1}", &err), -EINVAL);
	assert_string_equal(err.field, "x");
	assert_int_equal(validate_kind("module_disabled", UDF, &err), 0);
	assert_int_equal(validate_kind("module_disabled", SCTP, &err), 0);
}

/* The shipped profiles' entries of this kind carry valid params. */
static void profile_entries_validate(void **state)
{
	(void)state;
	assert_int_equal(validate_profile_entries("module_disabled"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hardened_udf_and_sctp_pass),
		cmocka_unit_test(loaded_module_fails),
		cmocka_unit_test(substring_names_are_not_the_module),
		cmocka_unit_test(blacklist_alone_fails),
		cmocka_unit_test(blacklist_only_fixture_fails),
		cmocka_unit_test(no_configuration_fails),
		cmocka_unit_test(non_disabling_install_commands_fail),
		cmocka_unit_test(accepted_commands_come_from_params),
		cmocka_unit_test(modprobe_directories_as_kmod_reads_them),
		cmocka_unit_test(kept_configuration_sees_every_change),
		cmocka_unit_test(builtin_module_fails),
		cmocka_unit_test(no_module_support_passes),
		cmocka_unit_test(missing_and_garbage_skip),
		cmocka_unit_test(unreadable_things_skip),
		cmocka_unit_test(live_host_without_modules),
		cmocka_unit_test(bad_params),
		cmocka_unit_test(profile_entries_validate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
