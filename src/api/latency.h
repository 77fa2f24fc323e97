/* Report latency for /metrics: a Prometheus histogram per report name
 * (names come from the loaded profiles, so the series are bounded) and
 * per cache outcome. */
#ifndef CISREPORTD_LATENCY_H
#define CISREPORTD_LATENCY_H

#include <stdio.h>

/* Reports with their own series; answers for more names (after reloads
 * that renamed reports) go to report="other". */
#define LATENCY_MAX_REPORTS 16

enum latency_cache { LATENCY_HIT, LATENCY_MISS, LATENCY_UNCACHED, LATENCY_NCACHE };

struct latency;

struct latency *latency_new(void);
void latency_free(struct latency *l); /* NULL ok */

/* One report answered (200 or 304) in seconds. */
void latency_observe(struct latency *l, const char *report, enum latency_cache c,
		     double seconds);

/* The histogram family, HELP and TYPE first (none observed: just those). */
void latency_write(struct latency *l, FILE *f);

#endif
