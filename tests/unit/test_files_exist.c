/* files_exist: every path reported; one missing file fails the check. */
#include "testutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MARKERS \
	"{\"paths\":[\"/etc/.fips-kernel-check-passed\",\"/etc/.fips-module-check-passed\"]}"

static void both_present(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("files_exist", MARKERS, "fips-enabled", &r);
	assert_result(&r, CHECK_PASS, NULL);
	const struct evidence *e = find_evidence(&r, "/etc/.fips-kernel-check-passed");
	assert_string_equal(e->expected, "exists");
	assert_string_equal(e->actual, "exists (regular file)");
	assert_true(find_evidence(&r, "/etc/.fips-module-check-passed")->ok);
	result_free(&r);
}

static void both_missing_both_named(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("files_exist", MARKERS, "fips-disabled", &r);
	assert_result(&r, CHECK_FAIL,
		      "/etc/.fips-kernel-check-passed: expected exists, found missing (No such file or directory); "
		      "/etc/.fips-module-check-passed: expected exists, found missing (No such file or directory)");
	result_free(&r);
}

static void one_missing(void **state)
{
	(void)state;
	char *tmp = make_temp_dir();
	write_file(tmp, "etc/.fips-kernel-check-passed", "", 0644);
	struct check_result r;
	run_kind("files_exist", MARKERS, tmp, &r);
	assert_result(&r, CHECK_FAIL, "/etc/.fips-module-check-passed: expected exists, found missing");
	assert_true(find_evidence(&r, "/etc/.fips-kernel-check-passed")->ok);
	assert_false(find_evidence(&r, "/etc/.fips-module-check-passed")->ok);
	assert_null(strstr(r.error, "kernel-check"));
	result_free(&r);
	/* a path through a regular file: ENOTDIR is "missing" too */
	run_kind("files_exist", "{\"paths\":[\"/etc/.fips-kernel-check-passed/x\"]}", tmp, &r);
	assert_result(&r, CHECK_FAIL, "missing (Not a directory)");
	result_free(&r);
	rm_tree(tmp);
	free(tmp);
}

static void bad_params(void **state)
{
	(void)state;
	struct param_error err;
	assert_int_equal(validate_kind("files_exist", MARKERS, &err), 0);
	assert_int_equal(validate_kind("files_exist", "{\"paths\":[]}", &err), -EINVAL);
	assert_int_equal(validate_kind("files_exist", "{\"paths\":[\"rel\"]}", &err), -EINVAL);
	assert_string_equal(err.message, "element 0 must be an absolute path");
	assert_int_equal(validate_kind("files_exist", "{\"path\":\"/a\"}", &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_present),
		cmocka_unit_test(both_missing_both_named),
		cmocka_unit_test(one_missing),
		cmocka_unit_test(bad_params),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
