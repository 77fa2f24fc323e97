/* Drift events: a check whose status changed (PASS, FAIL, SKIP), with the
 * input that caused it, or whose waiver expired (its status stands, but is
 * no longer accepted). Kept in a bounded ring for GET /events?since=ID and
 * the Server-Sent Events stream, logged, and counted for /metrics. */
#ifndef CISREPORTD_EVENTS_H
#define CISREPORTD_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/result.h"

#define EVENTS_DEFAULT_RING 1024

enum drift_change {
	DRIFT_STATUS,         /* from != to */
	DRIFT_WAIVER_EXPIRED, /* from == to: the waiver on it ran out */
};

struct drift_event {
	unsigned long long id; /* from 1, assigned by events_push */
	enum drift_change change;
	char check[96], bid[32], type[32];
	int level;
	enum check_status from, to;
	char cause[512];
	char evidence[512]; /* the first evidence items not as expected, or the reason */
	struct timespec at;  /* wall clock */
};

struct events;

struct events *events_new(size_t ring);
void events_free(struct events *e);

/* Number, log and keep ev; wakes every waiting stream. */
void events_push(struct events *e, struct drift_event *ev);

/* Events with id > since, oldest first, appended to out (at most max).
 * *first_kept: the oldest id still in the ring (0: empty). */
size_t events_since(struct events *e, unsigned long long since, struct drift_event *out,
		    size_t max, unsigned long long *first_kept);

/* Wait until an event with id > after exists, or timeout_ms passes, or
 * events_wake_all. Returns the newest id. */
unsigned long long events_wait(struct events *e, unsigned long long after, int timeout_ms);
void events_wake_all(struct events *e);

unsigned long long events_total(struct events *e);

/* fn(ctx) after every events_push, outside the ring's lock (NULL: none). */
void events_set_listener(struct events *e, void (*fn)(void *ctx), void *ctx);

json_t *drift_event_json(const struct drift_event *ev);

#endif
