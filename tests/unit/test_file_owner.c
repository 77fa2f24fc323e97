/* file_owner: ids compared, names resolved through the host tree's own
 * passwd and group files. Changing owners needs root: those tests skip
 * otherwise. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char *tmp, *bare;

static int setup(void **state)
{
	(void)state;
	tmp = make_temp_dir();
	write_file(tmp, "etc/passwd",
		   "root:x:0:0:root:/root:/sbin/nologin\n"
		   "alice:x:1000:1000::/home/alice:/bin/sh\n"
		   "kube:x:1234:1234::/:/sbin/nologin\n"
		   "kubex:x:999:999::/:/sbin/nologin",  /* no final newline */
		   0644);
	write_file(tmp, "etc/group", "root:x:0:\nalice:x:1000:\nkube:x:1234:\n", 0644);
	write_file(tmp, "etc/kubernetes/pki/ca.crt", "ca\n", 0600);
	bare = make_temp_dir(); /* no passwd, no group */
	write_file(bare, "etc/kubernetes/pki/ca.crt", "ca\n", 0600);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(tmp);
	rm_tree(bare);
	free(tmp);
	free(bare);
	return 0;
}

static void owner(const char *root, uid_t uid, gid_t gid)
{
	if (geteuid() != 0)
		skip();
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/etc/kubernetes/pki/ca.crt", root);
	assert_int_equal(chown(p, uid, gid), 0);
}

#define CA_ROOT_ROOT \
	"{\"path\":\"/etc/kubernetes/pki/ca.crt\",\"user\":\"root\",\"group\":\"root\"}"

static void root_root_passes(void **state)
{
	(void)state;
	owner(tmp, 0, 0);
	struct check_result r;
	run_kind("file_owner", CA_ROOT_ROOT, tmp, &r);
	assert_result(&r, CHECK_PASS, NULL);
	const struct evidence *e = find_evidence(&r, "/etc/kubernetes/pki/ca.crt");
	assert_string_equal(e->expected, "root:root (0:0)");
	assert_string_equal(e->actual, "root:root (0:0)");
	result_free(&r);
}

static void wrong_user_or_group_fails(void **state)
{
	(void)state;
	struct check_result r;
	owner(tmp, 1000, 0);
	run_kind("file_owner", CA_ROOT_ROOT, tmp, &r);
	assert_result(&r, CHECK_FAIL,
		      "/etc/kubernetes/pki/ca.crt: expected root:root (0:0), found alice:root (1000:0)");
	result_free(&r);
	owner(tmp, 0, 1000);
	run_kind("file_owner", CA_ROOT_ROOT, tmp, &r);
	assert_result(&r, CHECK_FAIL, "found root:alice (0:1000)");
	result_free(&r);
	owner(tmp, 4242, 4243);
	run_kind("file_owner", CA_ROOT_ROOT, tmp, &r);
	assert_result(&r, CHECK_FAIL, "found ?:? (4242:4243)");
	result_free(&r);
	owner(tmp, 0, 0);
}

static void names_resolve_through_the_host_files(void **state)
{
	(void)state;
	struct check_result r;
	owner(tmp, 1234, 0);
	run_kind("file_owner",
		 "{\"path\":\"/etc/kubernetes/pki/ca.crt\",\"user\":\"kube\",\"group\":\"root\"}", tmp,
		 &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "/etc/kubernetes/pki/ca.crt")->expected,
			    "kube:root (1234:0)");
	result_free(&r);
	/* "kube" must not match "kubex", and the last line needs no newline */
	owner(tmp, 999, 0);
	run_kind("file_owner",
		 "{\"path\":\"/etc/kubernetes/pki/ca.crt\",\"user\":\"kubex\",\"group\":\"0\"}", tmp,
		 &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	owner(tmp, 0, 0);
}

static void unknown_names_are_skip(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("file_owner",
		 "{\"path\":\"/etc/kubernetes/pki/ca.crt\",\"user\":\"nobody2\",\"group\":\"root\"}",
		 tmp, &r);
	assert_result(&r, CHECK_SKIP, "\"nobody2\" is not in the host's /etc/passwd");
	result_free(&r);
	run_kind("file_owner",
		 "{\"path\":\"/etc/kubernetes/pki/ca.crt\",\"user\":\"root\",\"group\":\"wheel\"}",
		 tmp, &r);
	assert_result(&r, CHECK_SKIP, "\"wheel\" is not in the host's /etc/group");
	result_free(&r);
}

static void without_passwd_only_root_is_known(void **state)
{
	(void)state;
	struct check_result r;
	owner(bare, 0, 0);
	run_kind("file_owner", CA_ROOT_ROOT, bare, &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "/etc/kubernetes/pki/ca.crt")->actual,
			    "root:root (0:0)");
	result_free(&r);
	run_kind("file_owner",
		 "{\"path\":\"/etc/kubernetes/pki/ca.crt\",\"user\":\"kube\",\"group\":\"root\"}", bare,
		 &r);
	assert_result(&r, CHECK_SKIP, "cannot resolve \"kube\": the host has no /etc/passwd");
	result_free(&r);
	owner(bare, 1000, 0);
	run_kind("file_owner", CA_ROOT_ROOT, bare, &r);
	assert_result(&r, CHECK_FAIL, "found ?:root (1000:0)");
	result_free(&r);
}

static void missing_file_is_skip(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("file_owner", "{\"path\":\"/etc/nope\",\"user\":\"root\",\"group\":\"root\"}", tmp, &r);
	assert_result(&r, CHECK_SKIP, "cannot stat /etc/nope: No such file or directory");
	result_free(&r);
}

static void bad_params(void **state)
{
	(void)state;
	struct param_error err;
	assert_int_equal(validate_kind("file_owner", CA_ROOT_ROOT, &err), 0);
	assert_int_equal(validate_kind("file_owner", "{\"path\":\"/a\",\"user\":\"root\"}", &err), -EINVAL);
	assert_string_equal(err.field, "group");
	assert_int_equal(validate_kind("file_owner", "{\"path\":\"/a\",\"user\":\"ro ot\",\"group\":\"root\"}", &err), -EINVAL);
	assert_string_equal(err.field, "user");
	assert_int_equal(validate_kind("file_owner", "{\"path\":\"/a\",\"user\":\"a:b\",\"group\":\"root\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("file_owner", "{\"path\":\"rel\",\"user\":\"root\",\"group\":\"root\"}", &err), -EINVAL);
	assert_string_equal(err.field, "path");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(root_root_passes),
		cmocka_unit_test(wrong_user_or_group_fails),
		cmocka_unit_test(names_resolve_through_the_host_files),
		cmocka_unit_test(unknown_names_are_skip),
		cmocka_unit_test(without_passwd_only_root_is_known),
		cmocka_unit_test(missing_file_is_skip),
		cmocka_unit_test(bad_params),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
