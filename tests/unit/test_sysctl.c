/* sysctl kind: exact comparison over fixture trees and scratch trees. */
#include "testutil.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static char *tmp;

static int setup(void **state)
{
	(void)state;
	tmp = make_temp_dir();
	write_file(tmp, "proc/sys/fs/suid_dumpable", "0\n", 0644);
	write_file(tmp, "proc/sys/kernel/randomize_va_space", "2\n", 0644);
	write_file(tmp, "proc/sys/net/ipv4/tcp_syncookies", "10\n", 0644);
	write_file(tmp, "proc/sys/net/ipv4/tcp_rmem", "4096\t131072\t6291456\n", 0644);
	write_file(tmp, "proc/sys/kernel/empty", "", 0644);
	write_bytes(tmp, "proc/sys/kernel/garbage", "1\0junk", 6, 0644);
	write_file(tmp, "proc/sys/kernel/unreadable", "1\n", 0000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(tmp);
	free(tmp);
	return 0;
}

static void pass_single(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("sysctl", "{\"keys\":{\"fs.suid_dumpable\":\"0\"}}", tmp, &r);
	assert_result(&r, CHECK_PASS, NULL);
	const struct evidence *e = find_evidence(&r, "fs.suid_dumpable");
	assert_string_equal(e->expected, "0");
	assert_string_equal(e->actual, "0");
	assert_true(e->ok);
	result_free(&r);
}

static void ten_is_not_one(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("sysctl", "{\"keys\":{\"net.ipv4.tcp_syncookies\":\"1\"}}", tmp, &r);
	assert_result(&r, CHECK_FAIL, "net.ipv4.tcp_syncookies: expected 1, found 10");
	assert_false(find_evidence(&r, "net.ipv4.tcp_syncookies")->ok);
	result_free(&r);
}

static void several_keys_one_wrong(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("sysctl",
		 "{\"keys\":{\"fs.suid_dumpable\":\"0\",\"kernel.randomize_va_space\":\"1\"}}", tmp,
		 &r);
	assert_result(&r, CHECK_FAIL, "kernel.randomize_va_space: expected 1, found 2");
	assert_int_equal(r.n_evidence, 2);
	assert_true(find_evidence(&r, "fs.suid_dumpable")->ok);
	result_free(&r);
}

static void alternatives_and_whitespace(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("sysctl", "{\"keys\":{\"net.ipv4.tcp_rmem\":[\"1 2 3\",\"4096 131072  6291456\"]}}",
		 tmp, &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "net.ipv4.tcp_rmem")->actual, "4096 131072 6291456");
	result_free(&r);
}

/* The expected value is folded as the actual one is: blanks at either end
 * and runs of blanks or tabs inside do not matter; every other byte does. */
static void expected_is_folded_too(void **state)
{
	(void)state;
	static const struct {
		const char *want;
		enum check_status status;
	} cases[] = {
		{" \t4096\t131072 6291456\n ", CHECK_PASS},
		{"4096 131072 6291456 ", CHECK_PASS},
		{"4096 131072", CHECK_FAIL},           /* a prefix of the value */
		{"4096 131072 62914560", CHECK_FAIL},  /* longer */
		{"4096 131072 6291456 1", CHECK_FAIL}, /* one field more */
		{"4096131072 6291456", CHECK_FAIL},    /* a blank is not nothing */
		{"", CHECK_FAIL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *params = json_pack("{s:{s:s}}", "keys", "net.ipv4.tcp_rmem", cases[i].want);
		char *text = json_dumps(params, 0);
		struct check_result r;
		run_kind("sysctl", text, tmp, &r);
		if (r.status != cases[i].status)
			fail_msg("expected \"%s\": status %d, want %d", cases[i].want, r.status,
				 cases[i].status);
		result_free(&r);
		free(text);
		json_decref(params);
	}
}

static void missing_key_is_skip_naming_path(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("sysctl", "{\"keys\":{\"user.max_user_namespaces\":\"0\"}}", tmp, &r);
	assert_result(&r, CHECK_SKIP, "/proc/sys/user/max_user_namespaces: No such file or directory");
	assert_int_equal(r.outcome, OUTCOME_UNABLE);
	result_free(&r);
}

static void wrong_value_beats_missing(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("sysctl",
		 "{\"keys\":{\"user.max_user_namespaces\":\"0\",\"net.ipv4.tcp_syncookies\":\"1\"}}",
		 tmp, &r);
	assert_result(&r, CHECK_FAIL, NULL);
	result_free(&r);
}

static void empty_and_garbage(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("sysctl", "{\"keys\":{\"kernel.empty\":\"1\"}}", tmp, &r);
	assert_result(&r, CHECK_FAIL, "expected 1, found ");
	result_free(&r);
	run_kind("sysctl", "{\"keys\":{\"kernel.garbage\":\"1\"}}", tmp, &r);
	assert_result(&r, CHECK_SKIP, "not a regular text file");
	result_free(&r);
}

static void unreadable(void **state)
{
	(void)state;
	if (geteuid() == 0)
		skip(); /* root reads mode-0 files */
	struct check_result r;
	run_kind("sysctl", "{\"keys\":{\"kernel.unreadable\":\"1\"}}", tmp, &r);
	assert_result(&r, CHECK_SKIP, "Permission denied");
	result_free(&r);
}

static void bad_params(void **state)
{
	(void)state;
	struct param_error err;
	assert_int_equal(validate_kind("sysctl", "{}", &err), -EINVAL);
	assert_string_equal(err.field, "keys");
	assert_int_equal(validate_kind("sysctl", "{\"keys\":{\"../etc/passwd\":\"1\"}}", &err), -EINVAL);
	assert_int_equal(validate_kind("sysctl", "{\"keys\":{\"a.b\":1}}", &err), -EINVAL);
	assert_int_equal(validate_kind("sysctl", "{\"keys\":{\"a.b\":\"1\"},\"x\":1}", &err), -EINVAL);
	assert_string_equal(err.field, "x");
	assert_int_equal(validate_kind("sysctl", "{\"keys\":{\"a.b\":\"1\"}}", &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pass_single),
		cmocka_unit_test(ten_is_not_one),
		cmocka_unit_test(several_keys_one_wrong),
		cmocka_unit_test(alternatives_and_whitespace),
		cmocka_unit_test(expected_is_folded_too),
		cmocka_unit_test(missing_key_is_skip_naming_path),
		cmocka_unit_test(wrong_value_beats_missing),
		cmocka_unit_test(empty_and_garbage),
		cmocka_unit_test(unreadable),
		cmocka_unit_test(bad_params),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
