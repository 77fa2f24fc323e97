#include "stream.h"

#include <errno.h>
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

/* Format the next events (or a keep-alive) into pending; false at the end. */
static bool refill(struct event_stream *st)
{
	free(st->pending);
	st->pending = NULL;
	st->pending_len = st->pending_off = 0;
	if (!st->hello) {
		st->hello = true;
		/* Reconnect after 1 s; the comment opens the stream at once. */
		return append(st, "retry: 1000\n: cisreportd drift events\n\n") == 0;
	}
	while (!atomic_load(&st->d->stopping)) {
		struct drift_event batch[BATCH];
		unsigned long long first;
		size_t n = events_since(st->d->events, st->last, batch, BATCH, &first);
		for (size_t i = 0; i < n; i++) {
			char *json = json_dumps(drift_event_json(&batch[i]) ?: json_null(),
						JSON_COMPACT | JSON_PRESERVE_ORDER);
			char head[64];
			snprintf(head, sizeof(head), "id: %llu\nevent: drift\ndata: ", batch[i].id);
			int rc = json ? append(st, head) : -ENOMEM;
			if (!rc)
				rc = append(st, json);
			if (!rc)
				rc = append(st, "\n\n");
			free(json);
			if (rc)
				return false;
			st->last = batch[i].id;
		}
		if (n)
			return true;
		events_wait(st->d->events, st->last, WAIT_MS);
		st->idle_ms += WAIT_MS;
		if (st->idle_ms >= KEEPALIVE_MS) {
			st->idle_ms = 0;
			return append(st, ": keep-alive\n\n") == 0;
		}
	}
	return false;
}

/* The library's reader: blocks this connection's thread only (the stream
 * is served in thread-per-connection mode). */
static ssize_t read_events(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct event_stream *st = cls;
	if (st->pending_off == st->pending_len) {
		st->idle_ms = st->pending ? 0 : st->idle_ms;
		if (!refill(st))
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	size_t n = st->pending_len - st->pending_off;
	if (n > max)
		n = max;
	memcpy(buf, st->pending + st->pending_off, n);
	st->pending_off += n;
	return (ssize_t)n;
}

static void free_stream(void *cls)
{
	struct event_stream *st = cls;
	atomic_fetch_sub(&st->d->watchers, 1);
	free(st->pending);
	free(st);
}

struct MHD_Response *events_stream_response(struct daemon *d, unsigned long long after)
{
	struct event_stream *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->d = d;
	st->last = after;
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
								   read_events, st, free_stream);
	if (!r)
		free_stream(st);
	return r;
}
