/* GET /events: drift events as Server-Sent Events (one JSON event each,
 * with ids for Last-Event-ID), or ?since=ID: the ones kept, as JSON. */
#ifndef CISREPORTD_STREAM_H
#define CISREPORTD_STREAM_H

#include <jansson.h>
#include <stdbool.h>

struct daemon;
struct MHD_Response;
struct MHD_Connection;
struct stream_hub;

/* A decimal event id (since=, Last-Event-ID). */
bool event_id_valid(const char *s);
unsigned long long event_id_parse(const char *s);

/* {"events": [...], "first_kept": N, "last": N} for ?since=ID. */
json_t *events_list_json(struct daemon *d, unsigned long long since);

/* A stream of the events after id after. The caller has counted it in
 * d->watchers; the count drops when the stream ends (or here, on NULL:
 * out of memory). hub NULL (thread per connection): the library's reader
 * waits for events on the connection's thread. Else (polling threads) it
 * never waits: con is suspended while there is nothing to send and
 * resumed by the hub. */
struct MHD_Response *events_stream_response(struct daemon *d, unsigned long long after,
					    struct stream_hub *hub, struct MHD_Connection *con);

/* Polling mode: the streams' hub (a thread that sleeps unless a suspended
 * stream's keep-alive is due), listening to d->events. NULL: no memory
 * or thread. */
struct stream_hub *stream_hub_start(struct daemon *d);
/* SIGTERM: every stream ends (resumed, it sends its end). */
void stream_hub_close(struct stream_hub *hub);
/* After the HTTP server has stopped. NULL ok. */
void stream_hub_free(struct stream_hub *hub);

#endif
