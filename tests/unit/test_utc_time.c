/* utc_format against gmtime_r + strftime, the functions it stands in for:
 * every day of 1969-2101 at varying times of day, leap days and century
 * years (1900, 2000, 2100, 2400), the first and last second of an era, and
 * the clamped ends. */
#include "testutil.h"

#include <string.h>
#include <time.h>

#include "util/utc_time.h"

static void same_as_gmtime(time_t t)
{
	struct tm tm;
	char want[64], got[UTC_TIME_LEN];
	gmtime_r(&t, &tm);
	strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
	utc_format(t, got);
	if (strcmp(want, got) != 0)
		fail_msg("%lld: got %s, want %s", (long long)t, got, want);
}

static void every_day(void **state)
{
	(void)state;
	/* 1969-01-01 to 2101-01-01, a different second of the day each day */
	for (time_t t = -31536000, k = 0; t < 4133980800; t += 86400, k++)
		same_as_gmtime(t + (k * 7919) % 86400);
}

static void edges(void **state)
{
	(void)state;
	static const time_t cases[] = {
		0, -1, 59, 60, 86399, 86400, -86400, -86401,
		951782400,   /* 2000-02-29 */
		951868800,   /* 2000-03-01 */
		-2203891200, /* 1900-02-28 */
		-2203804800, /* 1900-03-01: 1900 is no leap year */
		4107542400,  /* 2100-02-28 */
		4107628800,  /* 2100-03-01 */
		13574563200, /* 2400-02-29 */
		-30610224000, /* 1000-01-01 */
		253402300799, /* 9999-12-31T23:59:59 */
		1796319953,  /* 2026-12-03T17:45:53 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		same_as_gmtime(cases[i]);
}

static void clamped(void **state)
{
	(void)state;
	char got[UTC_TIME_LEN];
	utc_format((time_t)253402300800, got);
	assert_string_equal(got, "9999-12-31T23:59:59");
	utc_format((time_t)-62167219201, got);
	assert_string_equal(got, "0000-01-01T00:00:00");
	/* four digits always (RFC 3339), where strftime writes "0" */
	utc_format((time_t)-62167219200, got);
	assert_string_equal(got, "0000-01-01T00:00:00");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_day),
		cmocka_unit_test(edges),
		cmocka_unit_test(clamped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
