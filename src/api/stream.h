/* GET /events: drift events as Server-Sent Events (one JSON event each,
 * with ids for Last-Event-ID), or ?since=ID: the ones kept, as JSON. */
#ifndef CISREPORTD_STREAM_H
#define CISREPORTD_STREAM_H

#include <jansson.h>
#include <stdbool.h>

struct daemon;
struct MHD_Response;

/* A decimal event id (since=, Last-Event-ID). */
bool event_id_valid(const char *s);
unsigned long long event_id_parse(const char *s);

/* {"events": [...], "first_kept": N, "last": N} for ?since=ID. */
json_t *events_list_json(struct daemon *d, unsigned long long since);

/* A stream of the events after id after. The caller has counted it in
 * d->watchers; the count drops when the stream ends (or here, on NULL:
 * out of memory). */
struct MHD_Response *events_stream_response(struct daemon *d, unsigned long long after);

#endif
