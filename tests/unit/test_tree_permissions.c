/* tree_permissions kind. Git stores no file modes, so every mode is set
 * here at runtime (write_file chmods). */
#include "testutil.h"
#include "unprivileged.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PARAMS                                                                       \
	"{\"path\":\"/var/log/journal\",\"deny_mask\":\"0007\","                     \
	"\"missing_reason\":\"journald is not storing logs persistently\"}"
#define MID "var/log/journal/ec2a6c3a1f9e4b0d8c7e5f6a2b3c4d5e"

static char *tmp;

static int fresh(void **state)
{
	(void)state;
	tmp = make_temp_dir();
	chmod(tmp, 0755);
	return 0;
}

static int cleanup(void **state)
{
	(void)state;
	rm_tree(tmp);
	free(tmp);
	return 0;
}

static void dir_mode(const char *rel, mode_t mode)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	assert_int_equal(chmod(p, mode), 0);
}

static void compliant_tree_passes(void **state)
{
	(void)state;
	write_file(tmp, MID "/system.journal", "x", 0640);
	write_file(tmp, MID "/user-1000.journal", "x", 0600);
	write_file(tmp, MID "/system@0005f1-abc.journal~", "x", 0640);
	dir_mode(MID, 02777); /* directories are not judged, only regular files */
	struct check_result r;
	run_kind("tree_permissions", PARAMS, tmp, &r);
	assert_result(&r, CHECK_PASS, NULL);
	const struct evidence *e = find_evidence(&r, "/var/log/journal");
	assert_string_equal(e->expected, "no regular file with any bit of 0007");
	assert_string_equal(e->actual, "3 regular files, none with bits of 0007");
	result_free(&r);
}

static void world_readable_file_fails(void **state)
{
	(void)state;
	write_file(tmp, MID "/system.journal", "x", 0644);
	write_file(tmp, MID "/user-1000.journal", "x", 0640);
	struct check_result r;
	run_kind("tree_permissions", PARAMS, tmp, &r);
	assert_result(&r, CHECK_FAIL,
		      "1 regular file under /var/log/journal has bits of 0007 set: "
		      "/var/log/journal/ec2a6c3a1f9e4b0d8c7e5f6a2b3c4d5e/system.journal (0644)");
	const struct evidence *e = find_evidence(&r, "/" MID "/system.journal");
	assert_string_equal(e->expected, "no bits of 0007");
	assert_string_equal(e->actual, "0644");
	assert_false(e->ok);
	assert_string_equal(find_evidence(&r, "offending files")->actual, "1 of 2 regular files");
	result_free(&r);
}

static void many_offenders_listed_up_to_limit(void **state)
{
	(void)state;
	for (int i = 0; i < 12; i++) {
		char rel[128];
		snprintf(rel, sizeof(rel), MID "/f%02d.journal", i);
		write_file(tmp, rel, "x", 0601 + (i % 7)); /* 0601..0607: all have an o bit */
	}
	struct check_result r;
	run_kind("tree_permissions",
		 "{\"path\":\"/var/log/journal\",\"deny_mask\":\"0007\",\"max_listed\":5}", tmp, &r);
	assert_result(&r, CHECK_FAIL, "12 regular files under /var/log/journal have bits of 0007 set: "
				      "/" MID "/f00.journal (0601), /" MID "/f01.journal (0602), /" MID
				      "/f02.journal (0603), ...");
	assert_int_equal(r.n_evidence, 6); /* 5 files + the count */
	assert_string_equal(find_evidence(&r, "/" MID "/f04.journal")->actual, "0605");
	assert_string_equal(find_evidence(&r, "offending files")->actual, "12 of 12 regular files");
	result_free(&r);
}

static void mask_is_a_parameter(void **state)
{
	(void)state;
	write_file(tmp, MID "/system.journal", "x", 0640);
	struct check_result r;
	run_kind("tree_permissions", "{\"path\":\"/var/log/journal\",\"deny_mask\":\"0027\"}", tmp, &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	run_kind("tree_permissions", "{\"path\":\"/var/log/journal\",\"deny_mask\":\"0037\"}", tmp, &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	write_file(tmp, MID "/system.journal", "x", 0660);
	run_kind("tree_permissions", "{\"path\":\"/var/log/journal\",\"deny_mask\":\"0027\"}", tmp, &r);
	assert_result(&r, CHECK_FAIL, "(0660)");
	result_free(&r);
}

static void symlinks_are_not_followed(void **state)
{
	(void)state;
	write_file(tmp, MID "/system.journal", "x", 0640);
	write_file(tmp, "elsewhere/open/secret", "x", 0666);
	char link[PATH_MAX], target[PATH_MAX];
	snprintf(target, sizeof(target), "%s/elsewhere/open/secret", tmp);
	snprintf(link, sizeof(link), "%s/" MID "/link-to-file", tmp);
	assert_int_equal(symlink(target, link), 0);
	snprintf(target, sizeof(target), "%s/elsewhere/open", tmp);
	snprintf(link, sizeof(link), "%s/" MID "/link-to-dir", tmp);
	assert_int_equal(symlink(target, link), 0);
	struct check_result r;
	run_kind("tree_permissions", PARAMS, tmp, &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "/var/log/journal")->actual,
			    "1 regular file, none with bits of 0007");
	result_free(&r);
	/* nor is the path itself when it is a link */
	write_file(tmp, "real/log/x", "x", 0666);
	snprintf(target, sizeof(target), "%s/real/log", tmp);
	snprintf(link, sizeof(link), "%s/var/log/linked", tmp);
	assert_int_equal(symlink(target, link), 0);
	run_kind("tree_permissions", "{\"path\":\"/var/log/linked\",\"deny_mask\":\"0007\"}", tmp, &r);
	assert_result(&r, CHECK_SKIP, "/var/log/linked is a symlink; it is not followed");
	result_free(&r);
}

static void missing_is_not_a_vacuous_pass(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("tree_permissions", PARAMS, tmp, &r);
	assert_result(&r, CHECK_SKIP,
		      "/var/log/journal does not exist (journald is not storing logs persistently)");
	assert_int_equal(r.outcome, OUTCOME_UNABLE);
	result_free(&r);
	write_file(tmp, "var/log/journal", "not a dir", 0644);
	run_kind("tree_permissions", PARAMS, tmp, &r);
	assert_result(&r, CHECK_SKIP, "/var/log/journal is not a directory");
	result_free(&r);
}

static void limits_stop_the_walk(void **state)
{
	(void)state;
	write_file(tmp, "var/log/journal/a/b/c/d/deep.journal", "x", 0640);
	struct check_result r;
	run_kind("tree_permissions", "{\"path\":\"/var/log/journal\",\"deny_mask\":\"0007\",\"max_depth\":3}", tmp, &r);
	assert_result(&r, CHECK_SKIP, "walk of /var/log/journal stopped, limit reached: "
				      "/var/log/journal/a/b/c/d is deeper than 3 levels");
	result_free(&r);
	run_kind("tree_permissions", "{\"path\":\"/var/log/journal\",\"deny_mask\":\"0007\",\"max_depth\":4}", tmp, &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	for (int i = 0; i < 5; i++) {
		char rel[64];
		snprintf(rel, sizeof(rel), "var/log/journal/f%d", i);
		write_file(tmp, rel, "x", 0600);
	}
	run_kind("tree_permissions", "{\"path\":\"/var/log/journal\",\"deny_mask\":\"0007\",\"max_files\":4}", tmp, &r);
	assert_result(&r, CHECK_SKIP, "limit reached: /var/log/journal holds more than 4 entries");
	result_free(&r);
	/* 6 entries in the top directory, 7 regular files in all */
	write_file(tmp, "var/log/journal/a/g.journal", "x", 0600);
	run_kind("tree_permissions", "{\"path\":\"/var/log/journal\",\"deny_mask\":\"0007\",\"max_files\":6}", tmp, &r);
	assert_result(&r, CHECK_SKIP, "limit reached: more than 6 regular files");
	assert_string_equal(find_evidence(&r, "/var/log/journal")->actual,
			    "walk stopped after 6 regular files: more than 6 regular files");
	result_free(&r);
	/* an offender found before the limit is still a definite FAIL */
	write_file(tmp, "var/log/journal/f0", "x", 0604);
	run_kind("tree_permissions", "{\"path\":\"/var/log/journal\",\"deny_mask\":\"0007\",\"max_files\":6}", tmp, &r);
	assert_result(&r, CHECK_FAIL, "/var/log/journal/f0 (0604)");
	assert_string_equal(find_evidence(&r, "offending files")->actual,
			    "1 of 6 regular files; walk stopped: more than 6 regular files");
	result_free(&r);
}

static void unreadable_subdirectory(void **state)
{
	(void)state;
	write_file(tmp, MID "/system.journal", "x", 0640);
	write_file(tmp, "var/log/journal/locked/user.journal", "x", 0640);
	dir_mode("var/log/journal/locked", 0700);
	struct unpriv_result u;
	run_kind_unprivileged("tree_permissions", PARAMS, tmp, &u);
	assert_int_equal(u.status, CHECK_SKIP);
	assert_string_equal(u.error, "cannot read /var/log/journal/locked: Permission denied");
	/* with an offender elsewhere it is a FAIL that still names the gap */
	write_file(tmp, MID "/system.journal", "x", 0644);
	run_kind_unprivileged("tree_permissions", PARAMS, tmp, &u);
	assert_int_equal(u.status, CHECK_FAIL);
	assert_non_null(strstr(u.evidence, "unreadable|cannot read /var/log/journal/locked: Permission denied"));
	/* the top directory itself */
	dir_mode("var/log", 0700);
	run_kind_unprivileged("tree_permissions", PARAMS, tmp, &u);
	assert_int_equal(u.status, CHECK_SKIP);
	assert_string_equal(u.error, "cannot read /var/log/journal: Permission denied");
}

/* The shared hardened tree: git keeps its journal file at 0644, so as
 * checked out it fails; a copy chmodded to 0640, as the e2e tests make,
 * passes. */
static void hardened_tree(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("tree_permissions", PARAMS, "hardened", &r);
	if (r.status == CHECK_FAIL)
		assert_non_null(strstr(r.error, "system.journal (0644)"));
	result_free(&r);
	char cmd[PATH_MAX * 2];
	snprintf(cmd, sizeof(cmd), "cp -a '%s/hardened/var' '%s/'", FIXTURES, tmp);
	assert_int_equal(system(cmd), 0);
	dir_mode(MID "/system.journal", 0640);
	run_kind("tree_permissions", PARAMS, tmp, &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
}

static void bad_params(void **state)
{
	(void)state;
	struct param_error err;
	assert_int_equal(validate_kind("tree_permissions", "{\"path\":\"/x\",\"deny_mask\":\"o+r\"}", &err), -EINVAL);
	assert_string_equal(err.field, "deny_mask");
	assert_int_equal(validate_kind("tree_permissions", "{\"path\":\"/x\",\"deny_mask\":\"0\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("tree_permissions", "{\"path\":\"/x\",\"deny_mask\":\"17777\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("tree_permissions", "{\"path\":\"/x\",\"deny_mask\":\"0089\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("tree_permissions", "{\"path\":\"x\",\"deny_mask\":\"0007\"}", &err), -EINVAL);
	assert_string_equal(err.field, "path");
	assert_int_equal(validate_kind("tree_permissions", "{\"path\":\"/a/../b\",\"deny_mask\":\"0007\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("tree_permissions", "{\"path\":\"/x\",\"deny_mask\":\"0007\",\"max_depth\":0}", &err), -EINVAL);
	assert_string_equal(err.field, "max_depth");
	assert_int_equal(validate_kind("tree_permissions", "{\"path\":\"/x\",\"deny_mask\":\"0007\",\"max_files\":\"many\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("tree_permissions", "{\"path\":\"/x\",\"deny_mask\":\"0007\",\"max_listed\":0}", &err), -EINVAL);
	assert_int_equal(validate_kind("tree_permissions", "{\"path\":\"/x\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("tree_permissions", "{\"path\":\"/x\",\"deny_mask\":\"007\"}", &err), 0);
	assert_int_equal(validate_kind("tree_permissions", PARAMS, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(compliant_tree_passes, fresh, cleanup),
		cmocka_unit_test_setup_teardown(world_readable_file_fails, fresh, cleanup),
		cmocka_unit_test_setup_teardown(many_offenders_listed_up_to_limit, fresh, cleanup),
		cmocka_unit_test_setup_teardown(mask_is_a_parameter, fresh, cleanup),
		cmocka_unit_test_setup_teardown(symlinks_are_not_followed, fresh, cleanup),
		cmocka_unit_test_setup_teardown(missing_is_not_a_vacuous_pass, fresh, cleanup),
		cmocka_unit_test_setup_teardown(limits_stop_the_walk, fresh, cleanup),
		cmocka_unit_test_setup_teardown(unreadable_subdirectory, fresh, cleanup),
		cmocka_unit_test_setup_teardown(hardened_tree, fresh, cleanup),
		cmocka_unit_test(bad_params),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
