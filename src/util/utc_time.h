/* A UTC date-time from seconds since the epoch, as strftime's
 * "%Y-%m-%dT%H:%M:%S" writes it for gmtime_r's broken-down time, without
 * gmtime_r: glibc's gmtime_r loads the local time zone (/etc/localtime,
 * seven system calls) on its first call, which a UTC timestamp never
 * needs. Proleptic Gregorian calendar; years 0000-9999, always four digits
 * (RFC 3339; strftime writes "0" for year 0), others clamped to that range. */
#ifndef CISREPORT_UTC_TIME_H
#define CISREPORT_UTC_TIME_H

#include <time.h>

#define UTC_TIME_LEN 20 /* "2026-12-03T17:45:53" and its NUL */

void utc_format(time_t t, char out[UTC_TIME_LEN]);

#endif
