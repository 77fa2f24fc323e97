/* dm_verity kind: the kernel command line split as the kernel splits it,
 * the root device's verity table and status, and the root mount. */
#include "testutil.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PARAMS                                                                               \
	"{\"cmdline\":[\"root=/dev/dm-0\"],\"dm_create_prefix\":\"root,,,ro,0\","                 \
	"\"dm_create_options\":[\"restart_on_corruption\"],\"device\":\"root\",\"mountpoint\":\"/\"}"

#define VERITY_ARGS                                                                          \
	"1884160 verity 1 PARTUUID=2cbd8f6c/PARTNROFF=1 PARTUUID=2cbd8f6c/PARTNROFF=2 4096 4096 " \
	"235520 1 sha256 8d4f1f3a9c2b7e6d 5f2e9c8b7a6d5e4f"
#define GOOD_CMDLINE                                                                         \
	"BOOT_IMAGE=(hd0,gpt2)/vmlinuz console=ttyS0,115200n8 root=/dev/dm-0 rootwait ro "        \
	"\"dm-mod.create=root,,,ro,0 " VERITY_ARGS " 2 restart_on_corruption ignore_zero_blocks\" " \
	"-- systemd.log_target=journal-or-kmsg\n"
#define GOOD_TABLE                                                                           \
	"0 1884160 verity 1 259:3 259:4 4096 4096 235520 1 sha256 8d4f1f3a9c2b7e6d "             \
	"5f2e9c8b7a6d5e4f 2 restart_on_corruption ignore_zero_blocks\n"
#define GOOD_MOUNTINFO                                                                       \
	"22 1 254:0 / / ro,relatime shared:1 - ext4 /dev/dm-0 ro,seclabel\n"                      \
	"23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"

/* A verity-protected host; tests then break one thing. */
static char *tree(void)
{
	char *t = make_temp_dir();
	write_file(t, "proc/cmdline", GOOD_CMDLINE, 0444);
	write_file(t, "proc/self/mountinfo", GOOD_MOUNTINFO, 0444);
	write_file(t, ".cisreport/dm/root/table", GOOD_TABLE, 0644);
	write_file(t, ".cisreport/dm/root/status", "0 1884160 verity V -\n", 0644);
	write_file(t, "sys/block/dm-0/dev", "254:0\n", 0444);
	write_file(t, "sys/block/dm-0/dm/name", "root\n", 0444);
	return t;
}



static void hardened_passes(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("dm_verity", PARAMS, "hardened", &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_int_equal(r.n_evidence, 5);
	assert_string_equal(find_evidence(&r, "cmdline root=/dev/dm-0")->actual, "present");
	const struct evidence *e = find_evidence(&r, "cmdline dm-mod.create");
	assert_string_equal(e->expected, "starts with root,,,ro,0, has restart_on_corruption");
	assert_true(strncmp(e->actual, "root,,,ro,0 1884160 verity 1 PARTUUID=", 38) == 0);
	assert_true(strstr(find_evidence(&r, "dm table root")->actual, " verity 1 259:3 259:4 "));
	assert_string_equal(find_evidence(&r, "dm status root")->actual,
			    "0 1884160 verity V - (verified)");
	e = find_evidence(&r, "mount /");
	assert_string_equal(e->expected, "read-only from device-mapper device root (/dev/dm-0)");
	assert_string_equal(e->actual, "/dev/dm-0 (254:0, ext4), options ro,relatime, read-only");
	result_free(&r);
}

static void corrupted_fixture_fails(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("dm_verity", PARAMS, "dm_verity-corrupted", &r);
	assert_result(&r, CHECK_FAIL,
		      "dm status root: expected verity V (verified), found corrupted: a block failed verification (0 1884160 verity C -)");
	result_free(&r);
}

static void cmdline_requirements(void **state)
{
	(void)state;
	static const struct {
		const char *cmdline, *reason;
	} cases[] = {
		/* The arguments only after "--" belong to init. */
		{"console=ttyS0 ro -- root=/dev/dm-0 \"dm-mod.create=root,,,ro,0 " VERITY_ARGS
		 " 1 restart_on_corruption\"\n",
		 "cmdline root=/dev/dm-0: expected kernel argument present, found absent (only after \"--\", which passes it to init, not the kernel); "
		 "cmdline dm-mod.create: expected starts with root,,,ro,0, has restart_on_corruption, found absent (only after \"--\""},
		{"root=/dev/dm-01 \"dm-mod.create=root,,,ro,0 " VERITY_ARGS " 1 restart_on_corruption\"\n",
		 "cmdline root=/dev/dm-0: expected kernel argument present, found absent"},
		{"root=/dev/dm-0 \"dm-mod.create=root,,,rw,0 " VERITY_ARGS " 1 restart_on_corruption\"\n",
		 "found does not start with root,,,ro,0: root,,,rw,0 1884160"},
		{"root=/dev/dm-0 \"dm-mod.create=root,,,ro,0 " VERITY_ARGS " 1 ignore_zero_blocks\"\n",
		 "found lacks restart_on_corruption: root,,,ro,0"},
		/* Whole words only. */
		{"root=/dev/dm-0 \"dm-mod.create=root,,,ro,0 " VERITY_ARGS " 1 restart_on_corruption_x\"\n",
		 "found lacks restart_on_corruption"},
		/* The kernel keeps the last dm-mod.create. */
		{"root=/dev/dm-0 \"dm-mod.create=root,,,ro,0 " VERITY_ARGS " 1 restart_on_corruption\" "
		 "dm-mod.create=root,,,ro,0\n",
		 "found lacks restart_on_corruption: root,,,ro,0"},
		/* Without quotes the value ends at the first space. */
		{"root=/dev/dm-0 dm-mod.create=root,,,ro,0 " VERITY_ARGS " 1 restart_on_corruption\n",
		 "found lacks restart_on_corruption: root,,,ro,0"},
		{"\n", "cmdline root=/dev/dm-0: expected kernel argument present, found absent"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = tree();
		write_file(t, "proc/cmdline", cases[i].cmdline, 0444);
		struct check_result r;
		run_kind("dm_verity", PARAMS, t, &r);
		if (r.status != CHECK_FAIL || !strstr(r.error, cases[i].reason))
			fail_msg("case %zu: %s: %s", i, check_status_name(r.status), r.error);
		/* The device itself is still fine. */
		assert_true(find_evidence(&r, "dm status root")->ok);
		result_free(&r);
		free_temp_dir(t);
	}
}

static void cmdline_quoting(void **state)
{
	(void)state;
	static const char *const passing[] = {
		/* The whole argument quoted, as GRUB writes it. */
		"ro \"dm-mod.create=root,,,ro,0 " VERITY_ARGS " 2 restart_on_corruption ignore_zero_blocks\" root=/dev/dm-0",
		/* The value quoted. */
		"dm-mod.create=\"root,,,ro,0 " VERITY_ARGS " 1 restart_on_corruption\" root=/dev/dm-0\n",
		/* An argument quoted for no reason is still that argument. */
		"\"root=/dev/dm-0\"\tdm-mod.create=\"root,,,ro,0 " VERITY_ARGS " 1 restart_on_corruption\" -- x",
	};
	for (size_t i = 0; i < sizeof(passing) / sizeof(passing[0]); i++) {
		char *t = tree();
		write_file(t, "proc/cmdline", passing[i], 0444);
		struct check_result r;
		run_kind("dm_verity", PARAMS, t, &r);
		if (r.status != CHECK_PASS)
			fail_msg("case %zu: %s: %s", i, check_status_name(r.status), r.error);
		result_free(&r);
		free_temp_dir(t);
	}
}

static void device_failures(void **state)
{
	(void)state;
	struct check_result r;
	char *t = tree();
	write_file(t, ".cisreport/dm/root/status", "0 1884160 verity C -\n", 0644);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_FAIL, "corrupted: a block failed verification");
	result_free(&r);
	free_temp_dir(t);

	t = tree();
	write_file(t, ".cisreport/dm/root/table", "0 1884160 linear 259:3 0\n", 0644);
	write_file(t, ".cisreport/dm/root/status", "0 1884160 linear \n", 0644);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_FAIL,
		      "dm table root: expected verity target with restart_on_corruption, found linear target, not verity: 0 1884160 linear 259:3 0");
	assert_false(find_evidence(&r, "dm status root")->ok);
	result_free(&r);
	free_temp_dir(t);

	t = tree();
	write_file(t, ".cisreport/dm/root/table",
		   "0 1884160 verity 1 259:3 259:4 4096 4096 235520 1 sha256 8d4f 5f2e\n", 0644);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_FAIL, "found verity without restart_on_corruption: 0 1884160 verity");
	result_free(&r);
	free_temp_dir(t);
}

static void root_mount_failures(void **state)
{
	(void)state;
	struct check_result r;
	char *t = tree();
	write_file(t, "proc/self/mountinfo",
		   "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/dm-0 ro,seclabel\n", 0444);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_FAIL,
		      "mount /: expected read-only from device-mapper device root (/dev/dm-0), found /dev/dm-0 (254:0, ext4), options rw,relatime, read-write");
	result_free(&r);

	/* The visible mount is the last one stacked on the mountpoint. */
	write_file(t, "proc/self/mountinfo",
		   GOOD_MOUNTINFO "40 22 259:3 / / ro,relatime - ext4 /dev/nvme0n1p3 ro\n", 0444);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_FAIL, "found not from root: /dev/nvme0n1p3 (259:3, ext4)");
	result_free(&r);

	/* The device number decides, not the name. */
	write_file(t, "proc/self/mountinfo",
		   "22 1 254:1 / / ro,relatime shared:1 - ext4 /dev/dm-0 ro\n", 0444);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_FAIL, "found not from root: /dev/dm-0 (254:1, ext4)");
	result_free(&r);

	write_file(t, "proc/self/mountinfo", "23 22 0:21 / /proc rw - proc proc rw\n", 0444);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_FAIL, "found nothing is mounted at /");
	result_free(&r);
	free_temp_dir(t);

	/* Without sysfs to give its number, only /dev/mapper/<name> ties a
	 * mount to the device. */
	t = tree();
	remove_file(t, "sys/block/dm-0/dev");
	remove_file(t, "sys/block/dm-0/dm/name");
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot tell whether /dev/dm-0 (mounted at /) is device-mapper device root");
	result_free(&r);
	write_file(t, "proc/self/mountinfo",
		   "22 1 254:0 / / ro,relatime - ext4 /dev/mapper/root ro\n", 0444);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	free_temp_dir(t);
}

/* No device: its items are not applicable and the command line decides. */
static void absent_device(void **state)
{
	(void)state;
	struct check_result r;
	char *t = tree();
	remove_file(t, ".cisreport/dm/root/table");
	remove_file(t, ".cisreport/dm/root/status");
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_PASS, NULL);
	const struct evidence *e = find_evidence(&r, "dm table root");
	assert_true(e->ok);
	assert_string_equal(e->actual,
			    "not applicable: no device-mapper device root captured in this host tree (/.cisreport/dm/root/table)");
	assert_true(strncmp(find_evidence(&r, "mount /")->actual, "not applicable: ", 16) == 0);
	result_free(&r);
	write_file(t, "proc/cmdline", "root=/dev/vda1 ro\n", 0444);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_FAIL, "cmdline root=/dev/dm-0: expected kernel argument present, found absent");
	result_free(&r);
	free_temp_dir(t);
}

static void missing_and_garbage(void **state)
{
	(void)state;
	struct check_result r;
	char *t = tree();
	remove_file(t, "proc/cmdline");
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /proc/cmdline: No such file or directory");
	assert_int_equal(r.outcome, OUTCOME_UNABLE);
	result_free(&r);
	write_bytes(t, "proc/cmdline", "root=/dev/dm-0\0junk", 19, 0444);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /proc/cmdline: not a regular text file");
	result_free(&r);
	free_temp_dir(t);

	t = tree();
	remove_file(t, ".cisreport/dm/root/status");
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /.cisreport/dm/root/status: No such file or directory");
	result_free(&r);
	free_temp_dir(t);

	t = tree();
	write_file(t, ".cisreport/dm/root/table", "device-mapper: table ioctl on root failed\n", 0644);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_SKIP, "the table of root is not \"start length type params\" lines");
	result_free(&r);
	free_temp_dir(t);

	t = tree();
	write_file(t, ".cisreport/dm/root/status", "0 1884160 verity P\n", 0644);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_SKIP, "unrecognised verity status of root: \"0 1884160 verity P\"");
	result_free(&r);
	/* ... but a clear failure elsewhere still FAILs. */
	write_file(t, "proc/cmdline", "root=/dev/sda1\n", 0444);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_FAIL, "cmdline root=/dev/dm-0");
	result_free(&r);
	free_temp_dir(t);

	t = tree();
	write_file(t, "proc/self/mountinfo", "22 1 254:0 / / ro - ext4 /dev/dm-0 ro\nrubbish\n", 0444);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_SKIP, "/proc/self/mountinfo line 2 is not mountinfo syntax");
	result_free(&r);
	remove_file(t, "proc/self/mountinfo");
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /proc/self/mountinfo: No such file or directory");
	result_free(&r);
	free_temp_dir(t);
}

static void unreadable(void **state)
{
	(void)state;
	struct check_result r;
	char *t = tree();
	/* A socket where the file should be: even root cannot open it. */
	remove_file(t, ".cisreport/dm/root/table");
	make_socket(t, ".cisreport/dm/root/table");
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /.cisreport/dm/root/table: No such device or address");
	result_free(&r);
	free_temp_dir(t);
	if (geteuid() == 0)
		skip(); /* root reads mode-0 files */
	t = tree();
	write_file(t, ".cisreport/dm/root/status", "0 1884160 verity V -\n", 0000);
	run_kind("dm_verity", PARAMS, t, &r);
	assert_result(&r, CHECK_SKIP, "cannot read /.cisreport/dm/root/status: Permission denied");
	result_free(&r);
	free_temp_dir(t);
}

/* This machine boots without dm-verity and its kernel has no
 * device-mapper: the live probe must FAIL on the command line and record
 * the device as not applicable. */
static void live_host(void **state)
{
	(void)state;
	char cmdline[8192] = "", devices[8192] = "";
	FILE *f = fopen("/proc/cmdline", "r");
	if (f) {
		size_t n = fread(cmdline, 1, sizeof(cmdline) - 1, f);
		cmdline[n] = '\0';
		fclose(f);
	}
	f = fopen("/proc/devices", "r");
	if (f) {
		size_t n = fread(devices, 1, sizeof(devices) - 1, f);
		devices[n] = '\0';
		fclose(f);
	}
	struct stat st;
	if (strstr(cmdline, "dm-mod.create") || strstr(devices, "device-mapper") ||
	    lstat("/sys/class/misc/device-mapper", &st) == 0)
		skip(); /* a dm-verity or device-mapper host: the result depends on it */
	/* where sysfs shows the misc class, its device-mapper entry is looked at */
	const char *absent = stat("/sys/class/misc", &st) == 0
				     ? "not applicable: the kernel has no device-mapper (no /sys/class/misc/device-mapper)"
				     : "not applicable: the kernel has no device-mapper (not in /proc/devices)";
	struct check_result r;
	run_kind("dm_verity", PARAMS, NULL, &r);
	assert_result(&r, CHECK_FAIL, "cmdline dm-mod.create: expected starts with root,,,ro,0");
	const struct evidence *e = find_evidence(&r, "dm status root");
	assert_true(e->ok);
	assert_string_equal(e->actual, absent);
	assert_true(strstr(find_evidence(&r, "mount /")->actual, "; / is "));
	result_free(&r);
}

static void bad_params(void **state)
{
	(void)state;
	struct param_error err;
	assert_int_equal(validate_kind("dm_verity", "{}", &err), -EINVAL);
	assert_int_equal(validate_kind("dm_verity", "{\"cmdline\":[\"a b\"]}", &err), -EINVAL);
	assert_string_equal(err.field, "cmdline");
	assert_int_equal(validate_kind("dm_verity", "{\"device\":\"../x\"}", &err), -EINVAL);
	assert_string_equal(err.field, "device");
	assert_int_equal(validate_kind("dm_verity", "{\"device\":\"root\",\"mountpoint\":\"rel\"}", &err),
			 -EINVAL);
	assert_int_equal(validate_kind("dm_verity", "{\"mountpoint\":\"/\"}", &err), -EINVAL);
	assert_string_equal(err.field, "mountpoint");
	assert_int_equal(validate_kind("dm_verity", "{\"dm_create_options\":[\"\"]}", &err), -EINVAL);
	assert_int_equal(validate_kind("dm_verity", "{\"cmdline\":[\"ro\"],\"y\":1}", &err), -EINVAL);
	assert_string_equal(err.field, "y");
	assert_int_equal(validate_kind("dm_verity", PARAMS, &err), 0);
}

static void profile_entries_validate(void **state)
{
	(void)state;
	assert_int_equal(validate_profile_entries("dm_verity"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hardened_passes),
		cmocka_unit_test(corrupted_fixture_fails),
		cmocka_unit_test(cmdline_requirements),
		cmocka_unit_test(cmdline_quoting),
		cmocka_unit_test(device_failures),
		cmocka_unit_test(root_mount_failures),
		cmocka_unit_test(absent_device),
		cmocka_unit_test(missing_and_garbage),
		cmocka_unit_test(unreadable),
		cmocka_unit_test(live_host),
		cmocka_unit_test(bad_params),
		cmocka_unit_test(profile_entries_validate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
