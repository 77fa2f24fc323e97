/* Go duration syntax: what time.ParseDuration accepts and rejects, and
 * Duration.String's output, checked against values Go itself produces. */
#include "testutil.h"

#include <errno.h>
#include <string.h>

#include "checks/go_duration.h"

static int64_t parse_ok(const char *s)
{
	int64_t ns = 12345;
	const char *why = NULL;
	int rc = go_duration_parse(s, strlen(s), &ns, &why);
	if (rc)
		fail_msg("\"%s\" rejected: %s", s, why ? why : "?");
	return ns;
}

static int parse_err(const char *s, const char **why)
{
	int64_t ns;
	*why = NULL;
	return go_duration_parse(s, strlen(s), &ns, why);
}

#define SEC 1000000000LL

static void accepts_kubernetes_forms(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("0"), 0);
	assert_int_equal(parse_ok("0s"), 0);
	assert_int_equal(parse_ok("-0"), 0);
	assert_int_equal(parse_ok("+0s"), 0);
	assert_int_equal(parse_ok("0h0m0s"), 0);
	assert_int_equal(parse_ok("4h0m0s"), 4 * 3600 * SEC);
	assert_int_equal(parse_ok("5m"), 300 * SEC);
	assert_int_equal(parse_ok("2m0s"), 120 * SEC);
	assert_int_equal(parse_ok("30s"), 30 * SEC);
	assert_int_equal(parse_ok("1.5h"), 5400 * SEC);
	assert_int_equal(parse_ok(".5s"), SEC / 2);
	assert_int_equal(parse_ok("1.s"), SEC);
	assert_int_equal(parse_ok("300ms"), 300000000LL);
	assert_int_equal(parse_ok("-1.5h"), -5400 * SEC);
	assert_int_equal(parse_ok("1h1m1s1ms1us1ns"),
			 3661 * SEC + 1000000LL + 1000LL + 1LL);
	assert_int_equal(parse_ok("1\xc2\xb5s"), 1000);  /* micro sign */
	assert_int_equal(parse_ok("1\xce\xbcs"), 1000);  /* greek mu */
	assert_int_equal(parse_ok("15m"), 900 * SEC);
	/* the largest and smallest values Go accepts */
	assert_true(parse_ok("9223372036854775807ns") == INT64_MAX);
	assert_true(parse_ok("-9223372036854775808ns") == INT64_MIN);
	/* fraction digits beyond what fits are ignored, not an error */
	assert_int_equal(parse_ok("0.100000000000000000000h"), 360 * SEC);
}

static void rejects_what_go_rejects(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(parse_err("", &why), -EINVAL);
	assert_int_equal(parse_err("-", &why), -EINVAL);
	assert_int_equal(parse_err("0x", &why), -EINVAL);
	assert_int_equal(parse_err("3", &why), -EINVAL);
	assert_string_equal(why, "missing unit (ns, us, ms, s, m or h)");
	assert_int_equal(parse_err("1d", &why), -EINVAL);
	assert_string_equal(why, "unknown unit (use ns, us, ms, s, m or h)");
	assert_int_equal(parse_err("s", &why), -EINVAL);
	assert_int_equal(parse_err(".s", &why), -EINVAL);
	assert_int_equal(parse_err("1 s", &why), -EINVAL);
	assert_int_equal(parse_err("1s ", &why), -EINVAL);
	assert_int_equal(parse_err("1S", &why), -EINVAL);
	assert_int_equal(parse_err("1h-1m", &why), -EINVAL);
	assert_int_equal(parse_err("9223372036854775808ns", &why), -ERANGE);
	assert_int_equal(parse_err("9223372036854775810ns", &why), -ERANGE);
	assert_int_equal(parse_err("3000000h", &why), -ERANGE);
	assert_int_equal(parse_err("99999999999999999999s", &why), -ERANGE);
}

static void not_nul_terminated(void **state)
{
	(void)state;
	int64_t ns;
	/* only the first 2 bytes count: "5m" */
	assert_int_equal(go_duration_parse("5m0x", 2, &ns, NULL), 0);
	assert_int_equal(ns, 300 * SEC);
}

static void formats_like_go(void **state)
{
	(void)state;
	char buf[GO_DURATION_MAX];
	assert_string_equal(go_duration_format(0, buf), "0s");
	assert_string_equal(go_duration_format(1, buf), "1ns");
	assert_string_equal(go_duration_format(1100, buf), "1.1\xc2\xb5s");
	assert_string_equal(go_duration_format(2200000, buf), "2.2ms");
	assert_string_equal(go_duration_format(300000000, buf), "300ms");
	assert_string_equal(go_duration_format(SEC + SEC / 2, buf), "1.5s");
	assert_string_equal(go_duration_format(300 * SEC, buf), "5m0s");
	assert_string_equal(go_duration_format(4 * 3600 * SEC, buf), "4h0m0s");
	assert_string_equal(go_duration_format(3661 * SEC + 1, buf), "1h1m1.000000001s");
	assert_string_equal(go_duration_format(-5400 * SEC, buf), "-1h30m0s");
	assert_string_equal(go_duration_format(INT64_MAX, buf), "2562047h47m16.854775807s");
	assert_string_equal(go_duration_format(INT64_MIN, buf), "-2562047h47m16.854775808s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_kubernetes_forms),
		cmocka_unit_test(rejects_what_go_rejects),
		cmocka_unit_test(not_nul_terminated),
		cmocka_unit_test(formats_like_go),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
