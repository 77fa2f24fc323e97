/* A report: the checks of one benchmark up to a level, run against a host. */
#ifndef CISREPORT_REPORT_H
#define CISREPORT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "profile.h"
#include "core/host.h"
#include "core/result.h"

/* An accepted deviation (settings "waivers"): the check still runs and keeps
 * its real status; the waiver is shown beside it. */
struct report_waiver {
	char *reason;
	char *expires;     /* RFC 3339, as it was given */
	char *approved_by;
	bool expired;      /* expiry at or before the report's start */
};

struct report_entry {
	const struct check_def *def;
	struct check_result result;
	/* Runtime checks that back this one (kind->backs said yes for its id):
	 * indices into report.entries, shown as "observed" beside the result. */
	size_t *observed;
	size_t n_observed;
	struct report_waiver *waiver; /* NULL: not waived; owned by the report */
	/* A runtime observation (a kind that needs the observer) riding along
	 * a benchmark report: not one of the benchmark's items, so never in
	 * total/passed/failed/skipped/status, nor in bloodhound's formats (text,
	 * JSON results); the exports carry it, and items it backs show it as
	 * "observed". In a REPORT_RUNTIME report the runtime checks are the
	 * items and this is false. */
	bool runtime;
	struct timespec evaluated_at; /* wall clock when the check ran */
	bool reused;                  /* taken from a memo, not run for this report */
};

struct report {
	int level;
	const struct benchmark *bm;
	struct timespec started;   /* wall clock, for the timestamp */
	struct timespec finished;  /* wall clock when the last check ended */
	char timestamp[48];        /* bloodhound's format, e.g. 2024-05-01T10:00:00.123456789Z */
	/* The benchmark's items only (entries with runtime false): bloodhound's
	 * numbers. */
	size_t total, passed, failed, skipped;
	enum check_status status;  /* FAIL if any failed, PASS if any passed, else SKIP */
	/* The same for the runtime entries riding along (n_runtime of them). */
	struct report_tally {
		size_t total, passed, failed, skipped;
		enum check_status status;
	} runtime;
	/* REPORT_RUNTIME: the report's own benchmark description (bm points
	 * here), derived from the profile's. */
	struct benchmark view_bm;
	struct report_entry *entries; /* in profile (name) order */
	size_t n_entries;
	/* With a memo: the oldest result's evaluation time, and whether the
	 * JSON writer shows "as_of" and each result's "evaluated_at". */
	struct timespec as_of;
	bool show_freshness;
	/* Set by the daemon when some input could not be watched and is read
	 * again after a time-to-live instead ("" when every watch is set);
	 * the JSON writer shows it as "watch_degraded". */
	char watch_note[384];
};

/* Which checks to run: level <= level, and when only is non-NULL, those
 * whose name or id is listed (NULL-terminated). Checks of a kind that needs
 * the observer run only when the host has one, or when listed in only; with
 * an observer, the runtime checks backing a listed check come along. */
enum report_view {
	/* The benchmark: its items are the report; with an observer, the
	 * runtime checks ride along as runtime entries (see report_entry). */
	REPORT_BENCHMARK,
	/* The runtime report (cisreport --runtime, GET /report/runtime): the
	 * runtime checks of the benchmark are its items, observer or not (without
	 * one they SKIP saying why); name "<benchmark name>: runtime observation",
	 * type and report "runtime". */
	REPORT_RUNTIME,
};

struct report_selection {
	int level;
	enum report_view view;
	const char *const *only;
	const struct report_memo *memo; /* NULL: every check runs */
};

/* Results kept between reports (the daemon's cache, docs/continuous.md).
 * reuse: fill out with a copy of c's last result and *at with when it ran,
 * and return true, when that result is still fresh. store: keep a copy of
 * a result just run. Called from the thread running the report. */
struct report_memo {
	bool (*reuse)(void *ctx, const struct check_def *c, struct check_result *out,
		      struct timespec *at);
	void (*store)(void *ctx, const struct check_def *c, const struct check_result *r,
		      const struct timespec *at);
	void *ctx;
};

/* A level as bloodhound's -l takes it (a u8: Rust's parse, so an optional
 * '+' and decimal digits, leading zeros allowed): 0 to PROFILE_MAX_LEVEL.
 * Returns the level, or -1 when s is not one. */
int report_parse_level(const char *s);

/* Run the selected checks of p against h. Returns 0 or -ENOMEM. */
int report_run(struct host *h, const struct profile *p, const struct report_selection *sel,
	       struct report *out);
void report_free(struct report *r);
void report_waiver_free(struct report_waiver *w);

/* bloodhound's timestamp: RFC 3339 UTC, fraction as chrono prints it
 * (omitted when zero, else 3, 6 or 9 digits). */
void report_format_timestamp(const struct timespec *ts, char *buf, size_t size);

#endif
