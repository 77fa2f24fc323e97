#include "events.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "report/report.h"

struct events {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct drift_event *ring;
	size_t size;
	unsigned long long next_id; /* id of the next event */
	unsigned long wakes;        /* events_wake_all calls */
	void (*listener)(void *ctx);
	void *listener_ctx;
	unsigned listener_calls; /* running now: a new listener waits for them */
};

struct events *events_new(size_t ring)
{
	struct events *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->size = ring ? ring : EVENTS_DEFAULT_RING;
	e->ring = calloc(e->size, sizeof(*e->ring));
	if (!e->ring) {
		free(e);
		return NULL;
	}
	pthread_mutex_init(&e->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cond, &attr);
	pthread_condattr_destroy(&attr);
	e->next_id = 1;
	return e;
}

void events_free(struct events *e)
{
	if (!e)
		return;
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->cond);
	free(e->ring);
	free(e);
}

void events_push(struct events *e, struct drift_event *ev)
{
	pthread_mutex_lock(&e->lock);
	ev->id = e->next_id++;
	e->ring[ev->id % e->size] = *ev;
	pthread_cond_broadcast(&e->cond);
	void (*listener)(void *) = e->listener;
	void *ctx = e->listener_ctx;
	e->listener_calls += listener != NULL;
	pthread_mutex_unlock(&e->lock);
	if (listener) {
		listener(ctx);
		pthread_mutex_lock(&e->lock);
		if (--e->listener_calls == 0)
			pthread_cond_broadcast(&e->cond);
		pthread_mutex_unlock(&e->lock);
	}
	char at[48];
	report_format_timestamp(&ev->at, at, sizeof(at));
	daemon_log("drift id=%llu check=%s (%s) %s -> %s%s cause=\"%s\" at=%s", ev->id, ev->check,
		   ev->bid, check_status_name(ev->from), check_status_name(ev->to),
		   ev->change == DRIFT_WAIVER_EXPIRED ? " (waiver expired)" : "", ev->cause, at);
}

size_t events_since(struct events *e, unsigned long long since, struct drift_event *out,
		    size_t max, unsigned long long *first_kept)
{
	pthread_mutex_lock(&e->lock);
	unsigned long long last = e->next_id - 1;
	unsigned long long first = last >= e->size ? last - e->size + 1 : 1;
	*first_kept = last ? first : 0;
	size_t n = 0;
	for (unsigned long long id = since + 1 > first ? since + 1 : first; id <= last && n < max;
	     id++)
		out[n++] = e->ring[id % e->size];
	pthread_mutex_unlock(&e->lock);
	return n;
}

unsigned long long events_wait(struct events *e, unsigned long long after, int timeout_ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&e->lock);
	unsigned long wakes = e->wakes;
	while (e->next_id - 1 <= after && e->wakes == wakes &&
	       pthread_cond_timedwait(&e->cond, &e->lock, &until) != ETIMEDOUT)
		;
	unsigned long long newest = e->next_id - 1;
	pthread_mutex_unlock(&e->lock);
	return newest;
}

void events_wake_all(struct events *e)
{
	pthread_mutex_lock(&e->lock);
	e->wakes++;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

void events_set_listener(struct events *e, void (*fn)(void *ctx), void *ctx)
{
	pthread_mutex_lock(&e->lock);
	e->listener = fn;
	e->listener_ctx = ctx;
	/* The previous one is not called after this returns. */
	while (e->listener_calls)
		pthread_cond_wait(&e->cond, &e->lock);
	pthread_mutex_unlock(&e->lock);
}

unsigned long long events_total(struct events *e)
{
	pthread_mutex_lock(&e->lock);
	unsigned long long n = e->next_id - 1;
	pthread_mutex_unlock(&e->lock);
	return n;
}

json_t *drift_event_json(const struct drift_event *ev)
{
	char at[48];
	report_format_timestamp(&ev->at, at, sizeof(at));
	return json_pack("{s:I, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "event_id",
			 (json_int_t)ev->id, "check", ev->check, "id", ev->bid, "level", ev->level,
			 "type", ev->type, "change",
			 ev->change == DRIFT_WAIVER_EXPIRED ? "waiver_expired" : "status", "from",
			 check_status_name(ev->from), "to", check_status_name(ev->to), "cause",
			 ev->cause, "evidence", ev->evidence, "at", at);
}
