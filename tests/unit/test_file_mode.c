/* file_mode: the maximum mode is a mask, special bits included. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp;

static int setup(void **state)
{
	(void)state;
	tmp = make_temp_dir();
	write_file(tmp, "etc/kubernetes/kubelet/config", "kind: KubeletConfiguration\n", 0600);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(tmp);
	free(tmp);
	return 0;
}

static void set_mode(const char *rel, mode_t mode)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	assert_int_equal(chmod(p, mode), 0);
}

/* Run with the file at mode and max_mode max; returns the result. */
static void run_mode(mode_t mode, const char *max, struct check_result *r)
{
	set_mode("etc/kubernetes/kubelet/config", mode);
	char params[256];
	snprintf(params, sizeof(params),
		 "{\"path\":\"/etc/kubernetes/kubelet/config\",\"max_mode\":\"%s\"}", max);
	run_kind("file_mode", params, tmp, r);
}

static void within_the_mask_passes(void **state)
{
	(void)state;
	static const mode_t ok644[] = {0644, 0640, 0604, 0600, 0444, 0400, 0000};
	for (size_t i = 0; i < sizeof(ok644) / sizeof(ok644[0]); i++) {
		struct check_result r;
		run_mode(ok644[i], "0644", &r);
		assert_result(&r, CHECK_PASS, NULL);
		const struct evidence *e = find_evidence(&r, "/etc/kubernetes/kubelet/config");
		assert_string_equal(e->expected, "0644 or more restrictive");
		char want[8];
		snprintf(want, sizeof(want), "%04o", (unsigned)ok644[i]);
		assert_string_equal(e->actual, want);
		result_free(&r);
	}
}

static void bits_outside_the_mask_fail(void **state)
{
	(void)state;
	static const struct {
		mode_t mode;
		const char *max, *actual;
	} cases[] = {
		{0664, "0644", "0664 (not allowed: g+w)"},
		/* numerically smaller than 644, still wrong */
		{0611, "0644", "0611 (not allowed: g+x, o+x)"},
		{0755, "0644", "0755 (not allowed: u+x, g+x, o+x)"},
		{0644, "0600", "0644 (not allowed: g+r, o+r)"},
		{0700, "0600", "0700 (not allowed: u+x)"},
		{04644, "0644", "4644 (not allowed: u+s (setuid))"},
		{02600, "0600", "2600 (not allowed: g+s (setgid))"},
		{01644, "0644", "1644 (not allowed: +t (sticky))"},
		{07777, "0600",
		 "7777 (not allowed: u+s (setuid), g+s (setgid), +t (sticky), u+x, g+r, g+w, g+x, o+r, o+w, o+x)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct check_result r;
		run_mode(cases[i].mode, cases[i].max, &r);
		assert_result(&r, CHECK_FAIL, "/etc/kubernetes/kubelet/config: expected");
		const struct evidence *e = find_evidence(&r, "/etc/kubernetes/kubelet/config");
		assert_false(e->ok);
		assert_string_equal(e->actual, cases[i].actual);
		result_free(&r);
	}
}

static void special_bits_allowed_only_when_in_the_mask(void **state)
{
	(void)state;
	struct check_result r;
	run_mode(01644, "1644", &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
}

static void missing_file_is_skip(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("file_mode", "{\"path\":\"/etc/kubernetes/pki/ca.crt\",\"max_mode\":\"0600\"}", tmp,
		 &r);
	assert_result(&r, CHECK_SKIP,
		      "cannot stat /etc/kubernetes/pki/ca.crt: No such file or directory");
	assert_int_equal(r.outcome, OUTCOME_UNABLE);
	result_free(&r);
}

static void directory_is_skip(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("file_mode", "{\"path\":\"/etc/kubernetes\",\"max_mode\":\"0600\"}", tmp, &r);
	assert_result(&r, CHECK_SKIP, "/etc/kubernetes is a directory, not a regular file");
	result_free(&r);
}

static void symlinks_resolve_inside_the_root(void **state)
{
	(void)state;
	/* etc/link -> /etc/target: inside the tree, not the machine's /etc. */
	write_file(tmp, "etc/target", "x\n", 0600);
	char link[PATH_MAX];
	snprintf(link, sizeof(link), "%s/etc/link", tmp);
	assert_int_equal(symlink("/etc/target", link), 0);
	snprintf(link, sizeof(link), "%s/etc/escape", tmp);
	assert_int_equal(symlink("../../../../../../etc/target", link), 0);
	struct check_result r;
	run_kind("file_mode", "{\"path\":\"/etc/link\",\"max_mode\":\"0600\"}", tmp, &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "/etc/link")->actual, "0600");
	result_free(&r);
	run_kind("file_mode", "{\"path\":\"/etc/escape\",\"max_mode\":\"0600\"}", tmp, &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	set_mode("etc/target", 0666);
	run_kind("file_mode", "{\"path\":\"/etc/link\",\"max_mode\":\"0600\"}", tmp, &r);
	assert_result(&r, CHECK_FAIL, "0666 (not allowed: g+r, g+w, o+r, o+w)");
	result_free(&r);
}

static void bad_params(void **state)
{
	(void)state;
	struct param_error err;
	assert_int_equal(validate_kind("file_mode", "{\"path\":\"/a\",\"max_mode\":\"644\"}", &err), 0);
	assert_int_equal(validate_kind("file_mode", "{\"path\":\"/a\",\"max_mode\":\"0644\"}", &err), 0);
	static const char *const bad_modes[] = {"0x1", "99999", "0888", "64", "", "07777777", "rw-r--r--"};
	for (size_t i = 0; i < sizeof(bad_modes) / sizeof(bad_modes[0]); i++) {
		char p[128];
		snprintf(p, sizeof(p), "{\"path\":\"/a\",\"max_mode\":\"%s\"}", bad_modes[i]);
		assert_int_equal(validate_kind("file_mode", p, &err), -EINVAL);
		assert_string_equal(err.field, "max_mode");
	}
	assert_int_equal(validate_kind("file_mode", "{\"path\":\"/a\",\"max_mode\":644}", &err), -EINVAL);
	assert_int_equal(validate_kind("file_mode", "{\"max_mode\":\"0644\"}", &err), -EINVAL);
	assert_string_equal(err.field, "path");
	assert_int_equal(validate_kind("file_mode", "{\"path\":\"a/b\",\"max_mode\":\"0644\"}", &err), -EINVAL);
	assert_string_equal(err.message, "must be an absolute path");
	assert_int_equal(validate_kind("file_mode", "{\"path\":\"/a\",\"max_mode\":\"0644\",\"mode\":1}", &err), -EINVAL);
	assert_string_equal(err.field, "mode");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(within_the_mask_passes),
		cmocka_unit_test(bits_outside_the_mask_fail),
		cmocka_unit_test(special_bits_allowed_only_when_in_the_mask),
		cmocka_unit_test(missing_file_is_skip),
		cmocka_unit_test(directory_is_skip),
		cmocka_unit_test(symlinks_resolve_inside_the_root),
		cmocka_unit_test(bad_params),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
