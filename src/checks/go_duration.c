/* A port of the rules of Go's time.ParseDuration and Duration.String, so a
 * duration means here exactly what it means to the kubelet. */
#include "go_duration.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define NS_LIMIT ((uint64_t)1 << 63) /* |int64 min|: the largest magnitude */

struct unit {
	const char *name;
	uint64_t ns;
};

/* Go accepts both MICRO SIGN (U+00B5) and GREEK SMALL LETTER MU (U+03BC). */
static const struct unit units[] = {
	{"ns", 1ull},
	{"us", 1000ull},
	{"\xc2\xb5s", 1000ull},
	{"\xce\xbcs", 1000ull},
	{"ms", 1000000ull},
	{"s", 1000000000ull},
	{"m", 60ull * 1000000000ull},
	{"h", 3600ull * 1000000000ull},
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int invalid(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EINVAL;
}

static int overflow(const char **why)
{
	if (why)
		*why = "out of range";
	return -ERANGE;
}

int go_duration_parse(const char *s, size_t len, int64_t *ns, const char **why)
{
	const char *p = s, *end = s + len;
	bool neg = false;
	uint64_t total = 0;

	if (p < end && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		p++;
	}
	if (end - p == 1 && *p == '0') {
		*ns = 0;
		return 0;
	}
	if (p == end)
		return invalid(why, "empty");
	while (p < end) {
		if (!(*p == '.' || is_digit(*p)))
			return invalid(why, "expected a number");
		/* integer part */
		uint64_t v = 0;
		const char *start = p;
		for (; p < end && is_digit(*p); p++) {
			if (v > NS_LIMIT / 10)
				return overflow(why);
			v = v * 10 + (uint64_t)(*p - '0');
			if (v > NS_LIMIT)
				return overflow(why);
		}
		bool pre = p != start, post = false;
		/* fraction: digits past what fits are read and ignored, as Go does */
		uint64_t f = 0;
		double scale = 1;
		if (p < end && *p == '.') {
			p++;
			start = p;
			bool full = false;
			for (; p < end && is_digit(*p); p++) {
				if (full)
					continue;
				if (f > (NS_LIMIT - 1) / 10) {
					full = true;
					continue;
				}
				uint64_t y = f * 10 + (uint64_t)(*p - '0');
				if (y > NS_LIMIT) {
					full = true;
					continue;
				}
				f = y;
				scale *= 10;
			}
			post = p != start;
		}
		if (!pre && !post)
			return invalid(why, "a '.' needs digits");
		/* unit: everything up to the next number */
		start = p;
		while (p < end && *p != '.' && !is_digit(*p))
			p++;
		if (p == start)
			return invalid(why, "missing unit (ns, us, ms, s, m or h)");
		const struct unit *u = NULL;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == (size_t)(p - start) &&
			    memcmp(units[i].name, start, (size_t)(p - start)) == 0)
				u = &units[i];
		if (!u)
			return invalid(why, "unknown unit (use ns, us, ms, s, m or h)");
		if (v > NS_LIMIT / u->ns)
			return overflow(why);
		v *= u->ns;
		if (f > 0) {
			v += (uint64_t)((double)f * ((double)u->ns / scale));
			if (v > NS_LIMIT)
				return overflow(why);
		}
		total += v;
		if (total > NS_LIMIT)
			return overflow(why);
	}
	if (neg) {
		*ns = total == NS_LIMIT ? INT64_MIN : -(int64_t)total;
		return 0;
	}
	if (total > NS_LIMIT - 1)
		return overflow(why);
	*ns = (int64_t)total;
	return 0;
}

/* Digits of v's last prec decimal places, trailing zeros dropped, written
 * backwards ending at w; the '.' only when a digit was written. */
static char *format_fraction(char *w, uint64_t *v, int prec)
{
	bool print = false;
	for (int i = 0; i < prec; i++) {
		uint64_t digit = *v % 10;
		print = print || digit != 0;
		if (print)
			*--w = (char)('0' + digit);
		*v /= 10;
	}
	if (print)
		*--w = '.';
	return w;
}

static char *format_int(char *w, uint64_t v)
{
	if (v == 0) {
		*--w = '0';
		return w;
	}
	while (v > 0) {
		*--w = (char)('0' + v % 10);
		v /= 10;
	}
	return w;
}

char *go_duration_format(int64_t ns, char *buf)
{
	char tmp[GO_DURATION_MAX];
	char *end = tmp + sizeof(tmp), *w = end;
	bool neg = ns < 0;
	uint64_t u = neg ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

	*--w = '\0';
	if (u < 1000000000ull) {
		/* under a second: the largest unit that keeps an integer part */
		int prec;
		*--w = 's';
		if (u == 0) {
			*--w = '0';
			strcpy(buf, w);
			return buf;
		} else if (u < 1000ull) {
			prec = 0;
			*--w = 'n';
		} else if (u < 1000000ull) {
			prec = 3;
			w -= 2;
			memcpy(w, "\xc2\xb5", 2);
		} else {
			prec = 6;
			*--w = 'm';
		}
		w = format_fraction(w, &u, prec);
		w = format_int(w, u);
	} else {
		*--w = 's';
		w = format_fraction(w, &u, 9);
		w = format_int(w, u % 60);
		u /= 60;
		if (u > 0) {
			*--w = 'm';
			w = format_int(w, u % 60);
			u /= 60;
			if (u > 0) {
				*--w = 'h';
				w = format_int(w, u);
			}
		}
	}
	if (neg)
		*--w = '-';
	strcpy(buf, w);
	return buf;
}
