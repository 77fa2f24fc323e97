/* Report latency histogram (latency.h). Observations come a few per
 * second at most; one mutex is plenty. */
#include "latency.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds in seconds: a cache hit is well under a millisecond, a full
 * run with iptables-save tens of milliseconds, a stuck command seconds. */
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				0.05,   0.1,   0.25,   0.5,   1,    2.5, 5, 10};
#define N_BOUNDS (sizeof(bounds) / sizeof(bounds[0]))

static const char *const cache_names[LATENCY_NCACHE] = {"hit", "miss", "off"};

struct series {
	char report[64];
	uint64_t buckets[N_BOUNDS]; /* not cumulative: each observation in one */
	uint64_t count;
	double sum;
};

struct latency {
	pthread_mutex_t lock;
	size_t n;
	/* [report][cache]; the last report slot is "other". */
	struct series s[LATENCY_MAX_REPORTS + 1][LATENCY_NCACHE];
};

struct latency *latency_new(void)
{
	struct latency *l = calloc(1, sizeof(*l));
	if (l)
		pthread_mutex_init(&l->lock, NULL);
	return l;
}

void latency_free(struct latency *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/* Report names are a profile's word (e.g. cis-k8s): anything else is not
 * written into a label unescaped, but counted as "other". */
static bool plain(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

static size_t slot(struct latency *l, const char *report)
{
	if (!plain(report))
		return LATENCY_MAX_REPORTS;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->s[i][0].report, report) == 0)
			return i;
	if (l->n == LATENCY_MAX_REPORTS || strlen(report) >= sizeof(l->s[0][0].report))
		return LATENCY_MAX_REPORTS;
	for (int c = 0; c < LATENCY_NCACHE; c++)
		strcpy(l->s[l->n][c].report, report);
	return l->n++;
}

void latency_observe(struct latency *l, const char *report, enum latency_cache c,
		     double seconds)
{
	if (!l || c < 0 || c >= LATENCY_NCACHE)
		return;
	pthread_mutex_lock(&l->lock);
	struct series *s = &l->s[slot(l, report)][c];
	size_t b = 0;
	while (b < N_BOUNDS && seconds > bounds[b])
		b++;
	if (b < N_BOUNDS)
		s->buckets[b]++;
	s->count++;
	s->sum += seconds;
	pthread_mutex_unlock(&l->lock);
}

static void write_series(FILE *f, const char *report, const char *cache,
			 const struct series *s)
{
	uint64_t cum = 0;
	for (size_t b = 0; b < N_BOUNDS; b++) {
		cum += s->buckets[b];
		fprintf(f,
			"cisreport_report_duration_seconds_bucket{report=\"%s\",cache=\"%s\",le=\"%g\"} %llu\n",
			report, cache, bounds[b], (unsigned long long)cum);
	}
	fprintf(f, "cisreport_report_duration_seconds_bucket{report=\"%s\",cache=\"%s\",le=\"+Inf\"} %llu\n",
		report, cache, (unsigned long long)s->count);
	fprintf(f, "cisreport_report_duration_seconds_sum{report=\"%s\",cache=\"%s\"} %.9g\n",
		report, cache, s->sum);
	fprintf(f, "cisreport_report_duration_seconds_count{report=\"%s\",cache=\"%s\"} %llu\n",
		report, cache, (unsigned long long)s->count);
}

void latency_write(struct latency *l, FILE *f)
{
	fputs("# HELP cisreport_report_duration_seconds Time from a report request to its answer "
	      "(GET /report/{name}, 200 and 304), by report and cache outcome.\n"
	      "# TYPE cisreport_report_duration_seconds histogram\n",
	      f);
	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i <= LATENCY_MAX_REPORTS; i++) {
		const char *name = i == LATENCY_MAX_REPORTS ? "other" : l->s[i][0].report;
		if (i < LATENCY_MAX_REPORTS && i >= l->n)
			continue;
		for (int c = 0; c < LATENCY_NCACHE; c++)
			if (l->s[i][c].count)
				write_series(f, name, cache_names[c], &l->s[i][c]);
	}
	pthread_mutex_unlock(&l->lock);
}
