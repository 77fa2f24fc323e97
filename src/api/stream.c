#include "stream.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "daemon.h"
#include "events.h"

/* A stream sends a comment this often when idle, so that proxies and
 * clients see a live connection. */
#define KEEPALIVE_MS 15000
/* How long one wait for events lasts before the stream looks at shutdown. */
#define WAIT_MS 1000
#define BATCH 16

struct event_stream {
	struct daemon *d;
	unsigned long long last; /* id of the last event sent */
	char *pending;           /* formatted, not yet handed to the library */
	size_t pending_len, pending_off;
	int idle_ms;
	bool hello;
	/* Polling mode: the connection, suspended while there is nothing to
	 * send (hub.suspended), and when it last sent something. */
	struct MHD_Connection *con;
	struct stream_hub *hub;
	struct event_stream *next; /* in hub->suspended */
	bool suspended;
	struct timespec sent_at;
};

/* Polling mode (stream.h): the suspended streams, resumed by a new event,
 * by their keep-alive time (the hub's thread) or by the stop. */
struct stream_hub {
	struct daemon *d;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct event_stream *suspended;
	bool closing; /* streams end (SIGTERM) */
	bool stop;    /* the thread ends */
	pthread_t thread;
	bool running;
};

bool event_id_valid(const char *s)
{
	if (!s || !*s || strlen(s) > 19)
		return false;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

unsigned long long event_id_parse(const char *s)
{
	return strtoull(s, NULL, 10);
}

json_t *events_list_json(struct daemon *d, unsigned long long since)
{
	json_t *list = json_array();
	struct drift_event batch[BATCH];
	unsigned long long first = 0, cursor = since;
	size_t n;
	while (list && (n = events_since(d->events, cursor, batch, BATCH, &first)) > 0) {
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, drift_event_json(&batch[i]));
		cursor = batch[n - 1].id;
	}
	if (!list)
		return NULL;
	return json_pack("{s:o, s:I, s:I}", "events", list, "first_kept", (json_int_t)first,
			 "last", (json_int_t)events_total(d->events));
}

static int append(struct event_stream *st, const char *text)
{
	size_t n = strlen(text);
	char *p = realloc(st->pending, st->pending_len + n + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p + st->pending_len, text, n + 1);
	st->pending = p;
	st->pending_len += n;
	return 0;
}

/* Format the events after st->last into pending: how many (-1: out of
 * memory). */
static int format_events(struct event_stream *st)
{
	struct drift_event batch[BATCH];
	unsigned long long first;
	size_t n = events_since(st->d->events, st->last, batch, BATCH, &first);
	for (size_t i = 0; i < n; i++) {
		json_t *doc = drift_event_json(&batch[i]);
		char *json = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(doc);
		char head[64];
		snprintf(head, sizeof(head), "id: %llu\nevent: drift\ndata: ", batch[i].id);
		int rc = json ? append(st, head) : -ENOMEM;
		if (!rc)
			rc = append(st, json);
		if (!rc)
			rc = append(st, "\n\n");
		free(json);
		if (rc)
			return -1;
		st->last = batch[i].id;
	}
	return (int)n;
}

static void clear_pending(struct event_stream *st)
{
	free(st->pending);
	st->pending = NULL;
	st->pending_len = st->pending_off = 0;
}

/* Reconnect after 1 s; the comment opens the stream at once. */
static const char HELLO[] = "retry: 1000\n: cisreportd drift events\n\n";

/* Thread per connection: format the next events (or a keep-alive) into
 * pending, waiting for them; false at the end. */
static bool refill(struct event_stream *st)
{
	clear_pending(st);
	if (!st->hello) {
		st->hello = true;
		return append(st, HELLO) == 0;
	}
	while (!atomic_load(&st->d->stopping)) {
		int n = format_events(st);
		if (n)
			return n > 0;
		events_wait(st->d->events, st->last, WAIT_MS);
		st->idle_ms += WAIT_MS;
		if (st->idle_ms >= KEEPALIVE_MS) {
			st->idle_ms = 0;
			return append(st, ": keep-alive\n\n") == 0;
		}
	}
	return false;
}

static long long ms_since(const struct timespec *t, const struct timespec *now)
{
	return (long long)(now->tv_sec - t->tv_sec) * 1000 + (now->tv_nsec - t->tv_nsec) / 1000000;
}

/* Polling mode: the next events (or a keep-alive) into pending, never
 * waiting: 1 something to send, 0 nothing (the connection is suspended
 * until an event, its keep-alive time or the stop), -1 the end. Under the
 * hub's lock, so an event pushed after the look resumes it (hub_wake). */
static int refill_nowait(struct event_stream *st)
{
	struct stream_hub *hub = st->hub;
	clear_pending(st);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!st->hello) {
		st->hello = true;
		st->sent_at = now;
		return append(st, HELLO) == 0 ? 1 : -1;
	}
	pthread_mutex_lock(&hub->lock);
	int rc = hub->closing || atomic_load(&st->d->stopping) ? -1 : format_events(st);
	if (rc == 0 && ms_since(&st->sent_at, &now) >= KEEPALIVE_MS)
		rc = append(st, ": keep-alive\n\n") == 0 ? 1 : -1;
	if (rc == 0) {
		st->suspended = true;
		st->next = hub->suspended;
		hub->suspended = st;
		MHD_suspend_connection(st->con);
		pthread_cond_signal(&hub->cond); /* its keep-alive time */
	} else if (rc > 0) {
		st->sent_at = now;
	}
	pthread_mutex_unlock(&hub->lock);
	return rc;
}

/* The library's reader. Thread per connection: blocks this connection's
 * thread only. Polling: never blocks (refill_nowait). */
static ssize_t read_events(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct event_stream *st = cls;
	if (st->pending_off == st->pending_len) {
		if (st->hub) {
			int rc = refill_nowait(st);
			if (rc < 0)
				return MHD_CONTENT_READER_END_OF_STREAM;
			if (rc == 0)
				return 0; /* suspended: called again when resumed */
		} else {
			st->idle_ms = st->pending ? 0 : st->idle_ms;
			if (!refill(st))
				return MHD_CONTENT_READER_END_OF_STREAM;
		}
	}
	size_t n = st->pending_len - st->pending_off;
	if (n > max)
		n = max;
	memcpy(buf, st->pending + st->pending_off, n);
	st->pending_off += n;
	return (ssize_t)n;
}

/* Take st off the suspended list (hub lock held). */
static void unlink_suspended(struct stream_hub *hub, struct event_stream *st)
{
	for (struct event_stream **p = &hub->suspended; *p; p = &(*p)->next)
		if (*p == st) {
			*p = st->next;
			break;
		}
	st->suspended = false;
	st->next = NULL;
}

static void free_stream(void *cls)
{
	struct event_stream *st = cls;
	if (st->hub) {
		pthread_mutex_lock(&st->hub->lock);
		if (st->suspended)
			unlink_suspended(st->hub, st);
		pthread_mutex_unlock(&st->hub->lock);
	}
	atomic_fetch_sub(&st->d->watchers, 1);
	free(st->pending);
	free(st);
}

struct MHD_Response *events_stream_response(struct daemon *d, unsigned long long after,
					    struct stream_hub *hub, struct MHD_Connection *con)
{
	struct event_stream *st = calloc(1, sizeof(*st));
	if (!st) {
		atomic_fetch_sub(&d->watchers, 1);
		return NULL;
	}
	st->d = d;
	st->last = after;
	st->hub = hub;
	st->con = con;
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
								   read_events, st, free_stream);
	if (!r)
		free_stream(st);
	return r;
}

/* ---- polling mode: the hub ---------------------------------------------- */

/* Resume the suspended streams (all, or those whose keep-alive is due by
 * now); hub lock held. Returns the earliest keep-alive time left (ms from
 * now; -1: none). */
static long long resume(struct stream_hub *hub, bool all)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long next = -1;
	for (struct event_stream **p = &hub->suspended; *p;) {
		struct event_stream *st = *p;
		long long left = KEEPALIVE_MS - ms_since(&st->sent_at, &now);
		if (all || left <= 0) {
			*p = st->next;
			st->next = NULL;
			st->suspended = false;
			MHD_resume_connection(st->con);
			continue;
		}
		if (next < 0 || left < next)
			next = left;
		p = &st->next;
	}
	return next;
}

static void on_event(void *ctx)
{
	struct stream_hub *hub = ctx;
	pthread_mutex_lock(&hub->lock);
	if (hub->suspended)
		resume(hub, true);
	pthread_mutex_unlock(&hub->lock);
}

/* Wakes only for the keep-alives of suspended streams: none open, no
 * wake-up. */
static void *hub_run(void *arg)
{
	struct stream_hub *hub = arg;
	pthread_mutex_lock(&hub->lock);
	while (!hub->stop) {
		long long next = resume(hub, false);
		if (next < 0) {
			pthread_cond_wait(&hub->cond, &hub->lock);
			continue;
		}
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += next / 1000;
		until.tv_nsec += (long)(next % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&hub->cond, &hub->lock, &until);
	}
	pthread_mutex_unlock(&hub->lock);
	return NULL;
}

struct stream_hub *stream_hub_start(struct daemon *d)
{
	struct stream_hub *hub = calloc(1, sizeof(*hub));
	if (!hub)
		return NULL;
	hub->d = d;
	pthread_mutex_init(&hub->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&hub->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&hub->thread, NULL, hub_run, hub) != 0) {
		stream_hub_free(hub);
		return NULL;
	}
	hub->running = true;
	events_set_listener(d->events, on_event, hub);
	return hub;
}

void stream_hub_close(struct stream_hub *hub)
{
	if (!hub)
		return;
	pthread_mutex_lock(&hub->lock);
	hub->closing = true;
	resume(hub, true);
	pthread_mutex_unlock(&hub->lock);
}

void stream_hub_free(struct stream_hub *hub)
{
	if (!hub)
		return;
	if (hub->running) {
		events_set_listener(hub->d->events, NULL, NULL);
		pthread_mutex_lock(&hub->lock);
		hub->stop = hub->closing = true;
		resume(hub, true);
		pthread_cond_signal(&hub->cond);
		pthread_mutex_unlock(&hub->lock);
		pthread_join(hub->thread, NULL);
	}
	pthread_mutex_destroy(&hub->lock);
	pthread_cond_destroy(&hub->cond);
	free(hub);
}
