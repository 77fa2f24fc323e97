/* Helpers shared by the export writers (SSM, XCCDF, ASFF, JUnit) and the
 * evidence bundle: evidence lines, severities, times, the host described.
 * Text made safe for strict consumers is in util/utf8.h. */
#ifndef CISREPORT_EXPORT_UTIL_H
#define CISREPORT_EXPORT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/result.h"

struct report;
struct writer_options;
struct host_identity;

/* Evidence of a result on one line per item ("item: expected E, found A
 * [ok|BAD]"), joined by sep. malloc'd, "" when there is none. */
char *evidence_lines(const struct check_result *r, const char *sep);

/* Severity of a check from its CIS level: level 1 "medium", 2+ "low". The
 * level says how essential the recommendation is, not how it went. */
const char *level_severity(int level);

/* RFC 3339 UTC with milliseconds: "2024-05-01T10:00:00.123Z". */
void format_time_ms(const struct timespec *ts, char *buf, size_t size);
/* RFC 3339 UTC, whole seconds: "2024-05-01T10:00:00Z" (local: no "Z"). */
void format_time_s(const struct timespec *ts, bool zone, char *buf, size_t size);

/* Seconds between the report's start and end (0 if unknown). */
double report_duration(const struct report *r);

/* The identity of the host the report describes: o->host, or else read
 * through o->report_host, or else the live host's, read into *buf (which
 * the caller frees with host_identity_free). */
const struct host_identity *writer_host(const struct writer_options *o,
					struct host_identity *buf);

#endif
