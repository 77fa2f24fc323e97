/* The FIPS report's checks, as profiles/level0/fips.json states them, over
 * the fips-enabled, fips-disabled and fips-missing fixture trees. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *profile;

static int setup(void **state)
{
	(void)state;
	json_error_t e;
	profile = json_load_file(PROFILES "/level0/fips.json", 0, &e);
	if (!profile)
		fail_msg("profile: %s", e.text);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(profile);
	return 0;
}

static void run_check(const char *name, const char *root, struct check_result *r)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(profile, "checks"), i, c) {
		if (strcmp(json_string_value(json_object_get(c, "name")), name))
			continue;
		char *params = json_dumps(json_object_get(c, "params"), 0);
		run_kind(json_string_value(json_object_get(c, "kind")), params, root, r);
		free(params);
		return;
	}
	fail_msg("no check %s", name);
}

static void enabled_host_passes(void **state)
{
	(void)state;
	static const char *const names[] = {"fips01000000", "fips01010000", "fips01020000"};
	for (size_t i = 0; i < 3; i++) {
		struct check_result r;
		run_check(names[i], "fips-enabled", &r);
		assert_result(&r, CHECK_PASS, NULL);
		result_free(&r);
	}
	struct check_result r;
	run_check("fips01010000", "fips-enabled", &r);
	const struct evidence *e = find_evidence(&r, "crypto.fips_name");
	assert_string_equal(e->expected, "Amazon Linux 2023 Kernel Cryptographic API");
	assert_string_equal(e->actual, "Amazon Linux 2023 Kernel Cryptographic API");
	result_free(&r);
}

static void disabled_host_says_what_it_found(void **state)
{
	(void)state;
	struct check_result r;
	run_check("fips01000000", "fips-disabled", &r);
	assert_result(&r, CHECK_FAIL, "crypto.fips_enabled: expected 1, found 0");
	result_free(&r);
	run_check("fips01010000", "fips-disabled", &r);
	assert_result(&r, CHECK_FAIL,
		      "crypto.fips_name: expected Amazon Linux 2023 Kernel Cryptographic API, found Linux Kernel Cryptographic API");
	result_free(&r);
	run_check("fips01020000", "fips-disabled", &r);
	assert_result(&r, CHECK_FAIL, "/etc/.fips-kernel-check-passed: expected exists, found missing");
	result_free(&r);
}

static void kernel_without_fips_support(void **state)
{
	(void)state;
	struct check_result r;
	run_check("fips01000000", "fips-missing", &r);
	assert_result(&r, CHECK_SKIP, "cannot read /proc/sys/crypto/fips_enabled: No such file or directory");
	result_free(&r);
	run_check("fips01010000", "fips-missing", &r);
	assert_result(&r, CHECK_SKIP, "cannot read /proc/sys/crypto/fips_name: No such file or directory");
	result_free(&r);
	run_check("fips01020000", "fips-missing", &r);
	assert_result(&r, CHECK_FAIL, "/etc/.fips-module-check-passed: expected exists, found missing");
	result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(enabled_host_passes),
		cmocka_unit_test(disabled_host_says_what_it_found),
		cmocka_unit_test(kernel_without_fips_support),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
