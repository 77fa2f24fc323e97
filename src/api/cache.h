/* cisreportd's change-driven cache (docs/continuous.md): each check's last
 * result, kept until one of its declared inputs changes (watch.c), and the
 * finished body of each (report, level, format, settings) with its ETag.
 * Every request first drains the pending notifications, so an answer never
 * predates a change made before the request. */
#ifndef CISREPORTD_CACHE_H
#define CISREPORTD_CACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/inputs.h"
#include "report/report.h"

struct catalog;
struct observer;
struct report_writer;
struct events;
struct cache;

/* Seconds between full re-evaluations (the safety net). */
#define CACHE_DEFAULT_FULL_INTERVAL 300

struct cache_config {
	const char *root;
	bool mounted; /* root is the live machine's own, mounted (--host-root) */
	unsigned ttl_ms, firewall_ttl_ms;
	unsigned full_interval_s;
	struct events *events; /* drift events go here; NULL: none */
};

/* A finished body, shared by every request it answers. */
struct cache_body {
	atomic_int refs;
	char *bytes;
	size_t len;
	char etag[24]; /* "\"<16 hex>\"" */
	bool all_skip;  /* the report's status was SKIP: no check could run */
};
void cache_body_unref(struct cache_body *b);

/* What a body depends on besides the results. */
struct cache_key {
	const struct profile *p;
	int level;
	const struct report_writer *w;
	unsigned long settings_gen; /* the settings (waivers) in force */
	int observer; /* 0: none, 1: attached but not running, 2: running */
	int view;     /* enum report_view: the benchmark, or its runtime report */
};

struct cache *cache_new(const struct cache_config *cfg);
void cache_free(struct cache *c);

/* One report being answered: the memo report_run uses. */
struct cache_request {
	struct cache *c;
	struct report_memo memo;
	unsigned long long seq0; /* changes seen when it started */
	bool fresh;              /* ?fresh=true: run everything */
	bool observer;
	bool all_cacheable;      /* every check of the report can be cached */
};

/* Drain the notifications, then: the body of k if still valid (referenced
 * for the caller), else NULL with cr set up for report_run (sel->memo =
 * &cr->memo). fresh: always NULL, every check re-run. */
struct cache_body *cache_begin(struct cache *c, const struct catalog *cat,
			       struct observer *o, const struct cache_key *k, bool fresh,
			       struct cache_request *cr);

/* Keep the rendered body of a report built with cr (takes bytes); returns
 * it referenced for the caller, NULL when out of memory (bytes freed).
 * earliest_expiry: the first future waiver expiry (0: none). */
struct cache_body *cache_put(struct cache *c, struct cache_request *cr,
			     const struct cache_key *k, const struct report *r, char *bytes,
			     size_t len, time_t earliest_expiry);

/* For the background re-evaluation: drain the notifications (building the
 * cache for cat if needed); returns the change count (compare with the
 * last one) and fills fds (up to 4) with what to poll: inotify (POLLIN),
 * the mount table (POLLPRI), nf_tables notifications (POLLIN), the system
 * bus (POLLIN); *n_fds set; *timeout_ms lowered to when a
 * settling observer change needs one more look (watch_settle_ms);
 * *observer_classes: the observer classes whose events should wake the
 * caller (watch_observer_classes). */
unsigned long long cache_poll(struct cache *c, const struct catalog *cat, struct observer *o,
			      int *fds, short *events, size_t *n_fds, int *timeout_ms,
			      uint32_t *observer_classes);

/* Names of p's watched checks whose result is missing, changed or older
 * than the full interval (at most max); checks that are never cached are
 * left to requests. */
size_t cache_stale(struct cache *c, const struct profile *p, const char **names, size_t max);

/* Forget every result and body (SIGHUP, settings change, catalog reload). */
void cache_invalidate(struct cache *c, const char *why);

/* The waiver w (on a check of cat) has expired at `at`: a drift event
 * with the check's last status as from and to, when the check has run
 * and does not pass.
 * Returns true when an event was pushed. */
struct waiver;
bool cache_waiver_expired(struct cache *c, const struct catalog *cat, const struct waiver *w,
			  const struct timespec *at);

/* For /metrics. */
struct cache_stats {
	unsigned long long hits, misses, checks_run, checks_reused, notifications;
	unsigned long degraded[INPUT_NCLASSES];
	char degraded_reason[256];
	size_t checks, uncached;
};
void cache_stats(struct cache *c, struct cache_stats *out);

/* "" when every input is watched, else which classes fell back to a
 * time-to-live and why, for the report (report.watch_note). */
void cache_degraded_note(struct cache *c, char *buf, size_t size);

#endif
