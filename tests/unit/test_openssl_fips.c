/* openssl_fips: the agent's own OpenSSL, probed through the real provider
 * API. No FIPS provider ships with Debian, so the tests stage provider
 * folders (OPENSSL_MODULES): none, a corrupt module, and a real provider
 * module (legacy.so) installed under the name fips.so, which loads but is
 * not activated. The agent's default context reads an empty config file
 * (OPENSSL_CONF set before OpenSSL starts), so it is the same everywhere. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

static char *tmp;

static int setup(void **state)
{
	(void)state;
	tmp = make_temp_dir();
	write_file(tmp, "openssl.cnf", "# empty: no providers configured\n", 0644);
	char conf[PATH_MAX];
	snprintf(conf, sizeof(conf), "%s/openssl.cnf", tmp);
	setenv("OPENSSL_CONF", conf, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unsetenv("OPENSSL_MODULES");
	rm_tree(tmp);
	free(tmp);
	return 0;
}

static void modules_in(const char *sub)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", tmp, sub);
	mkdir(dir, 0755);
	setenv("OPENSSL_MODULES", dir, 1);
}

static void offline_root_is_not_applicable(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("openssl_fips", NULL, "fips-enabled", &r);
	assert_result(&r, CHECK_SKIP, "examined on the live host only (--root given)");
	assert_int_equal(r.outcome, OUTCOME_NOT_APPLICABLE);
	result_free(&r);
}

static void no_provider_installed(void **state)
{
	(void)state;
	modules_in("none");
	struct check_result r;
	run_kind("openssl_fips", "{\"provider\":\"fips\"}", NULL, &r);
	assert_result(&r, CHECK_SKIP, "no FIPS provider is installed for this agent's OpenSSL (");
	assert_result(&r, CHECK_SKIP, "/none/fips.so: No such file or directory)");
	assert_int_equal(r.outcome, OUTCOME_NOT_APPLICABLE);
	const struct evidence *e = find_evidence(&r, "OpenSSL library");
	assert_true(e->ok);
	assert_string_equal(e->actual, OpenSSL_version(OPENSSL_VERSION));
	assert_false(find_evidence(&r, "provider module")->ok);
	result_free(&r);
}

static void corrupt_provider_fails(void **state)
{
	(void)state;
	modules_in("corrupt");
	write_file(tmp, "corrupt/fips.so", "this is not an ELF file\n", 0644);
	struct check_result r;
	run_kind("openssl_fips", NULL, NULL, &r);
	assert_result(&r, CHECK_FAIL, "/corrupt/fips.so is installed but does not load: ");
	const struct evidence *e = find_evidence(&r, "provider load test");
	assert_false(e->ok);
	assert_non_null(strstr(e->actual, "does not load"));
	assert_non_null(strstr(e->actual, "fips.so"));
	assert_string_equal(find_evidence(&r, "provider in the agent's default context")->actual,
			    "not loaded");
	result_free(&r);
}

static void installed_but_not_activated_fails(void **state)
{
	(void)state;
	const char *v = OpenSSL_version(OPENSSL_MODULES_DIR);
	const char *q = strchr(v, '"');
	char legacy[PATH_MAX];
	snprintf(legacy, sizeof(legacy), "%.*s/legacy.so", (int)(strrchr(v, '"') - q - 1), q + 1);
	FILE *in = fopen(legacy, "rb");
	if (!in)
		skip(); /* no legacy provider module to stage */
	static char buf[4 << 20];
	size_t n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	modules_in("staged");
	write_bytes(tmp, "staged/fips.so", buf, n, 0755);

	struct check_result r;
	run_kind("openssl_fips", NULL, NULL, &r);
	assert_result(&r, CHECK_FAIL,
		      "/staged/fips.so is installed and works, but the agent's OpenSSL configuration does not activate it");
	const struct evidence *e = find_evidence(&r, "provider load test");
	assert_true(e->ok);
	assert_non_null(strstr(e->actual, "loads and passes its self-test: OpenSSL Legacy Provider"));
	result_free(&r);
}

/* The "loaded" branch, through a provider every OpenSSL 3 has active: the
 * default one. It is loaded, but nothing requires fips=yes. */
static void loaded_without_fips_properties_fails(void **state)
{
	(void)state;
	unsetenv("OPENSSL_MODULES");
	struct check_result r;
	run_kind("openssl_fips", "{\"provider\":\"default\"}", NULL, &r);
	assert_result(&r, CHECK_FAIL, "default properties: expected fips=yes, found fips=yes not required");
	assert_true(find_evidence(&r, "provider in the agent's default context")->ok);
	assert_non_null(strstr(find_evidence(&r, "provider in the agent's default context")->actual,
			       "OpenSSL Default Provider"));
	assert_true(find_evidence(&r, "provider self-test")->ok);
	const struct evidence *e = find_evidence(&r, "SHA2-256 fetched with default properties");
	assert_true(e->ok);
	assert_string_equal(e->actual, "from provider default");
	result_free(&r);
}

static void bad_params(void **state)
{
	(void)state;
	struct param_error err;
	assert_int_equal(validate_kind("openssl_fips", NULL, &err), 0);
	assert_int_equal(validate_kind("openssl_fips", "{}", &err), 0);
	assert_int_equal(validate_kind("openssl_fips", "{\"provider\":\"../x\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("openssl_fips", "{\"provider\":\"\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("openssl_fips", "{\"module\":\"x\"}", &err), -EINVAL);
	assert_string_equal(err.field, "module");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offline_root_is_not_applicable),
		cmocka_unit_test(no_provider_installed),
		cmocka_unit_test(corrupt_provider_fails),
		cmocka_unit_test(installed_but_not_activated_fails),
		cmocka_unit_test(loaded_without_fips_properties_fails),
		cmocka_unit_test(bad_params),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
