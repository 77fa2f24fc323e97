#include "utc_time.h"

#include <stdint.h>

/* Days since 1970-01-01 to a civil date: the days are counted in 400-year
 * eras starting on 0000-03-01, so that February, with its leap day, is the
 * last month of a year and leap years need no table. */
static void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	days += 719468; /* 0000-03-01 to 1970-01-01 */
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	unsigned doe = (unsigned)(days - era * 146097);                 /* [0, 146096] */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);         /* [0, 365] */
	unsigned mp = (5 * doy + 2) / 153;                              /* [0, 11], 0 = March */
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put_digits(char *p, unsigned v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void utc_format(time_t t, char out[UTC_TIME_LEN])
{
	/* 0000-01-01T00:00:00 and 9999-12-31T23:59:59 */
	const int64_t lo = -62167219200, hi = 253402300799;
	int64_t s = (int64_t)t < lo ? lo : (int64_t)t > hi ? hi : (int64_t)t;
	int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
	unsigned sec = (unsigned)(s - days * 86400);
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	put_digits(out, (unsigned)y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = 'T';
	put_digits(out + 11, sec / 3600, 2);
	out[13] = ':';
	put_digits(out + 14, sec / 60 % 60, 2);
	out[16] = ':';
	put_digits(out + 17, sec % 60, 2);
	out[19] = '\0';
}
