/* The HTTP side of cisreportd: libmicrohttpd (by default one thread per
 * connection) serving Bottlerocket's report endpoints, the settings and the
 * metrics, on connections that admission.c accepted (per-uid limits,
 * request deadlines), so a slow or stalled client holds only its own
 * thread, and not for long. */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "admission.h"
#include "cache.h"
#include "daemon.h"
#include "events.h"
#include "http_query.h"
#include "latency.h"
#include "stream.h"
#include "workers.h"
#include "formats/render.h"
#include "formats/writer.h"
#include "observer/observer.h"
#include "checks/kind.h"
#include "settings/report_build.h"

#define MAX_ECHO 64 /* longest piece of client input quoted back */
/* Bytes of an unwanted body read and thrown away before the connection is
 * simply closed. */
#define MAX_DISCARD (1u << 20)

enum route {
	ROUTE_NONE,
	ROUTE_REPORT_LIST,
	ROUTE_REPORT,
	ROUTE_SETTINGS,
	ROUTE_METRICS,
	ROUTE_EVENTS,
};

struct request {
	struct daemon *d;
	char target[256]; /* the request URI as received, printable, for the log */
	size_t target_len;
	char method[16];
	struct timespec start;
	long uid, pid; /* peer credentials (SO_PEERCRED); -1 when unknown */
	int fd;        /* the connection's, as admission.c knows it */
	bool may_change; /* root, the daemon's user or in --admin-group */
	unsigned status;
	size_t sent;
	unsigned retry_after_s; /* a 503 that passes: sent as Retry-After */
	bool seen;     /* counted in flight */
	enum route route;
	char report[64]; /* name in /report/<name> */
	struct http_target t; /* path and query, decoded by http_query.c */
	int target_rc;        /* its parse: 0, or the 400 in target_err */
	char target_err[256];
	char *body;
	size_t body_len, discarded;
	bool body_too_big;
	struct cache_body *sent_body; /* a cached body being sent: held until done */
	struct MHD_Connection *con;
	/* The answer, built by a handler (on a polling or a worker thread),
	 * queued by on_request on the connection's thread. */
	struct MHD_Response *resp;
	unsigned resp_status;
	/* Polling mode: the slow part was handed to a worker (the connection
	 * is suspended until it is done); work is what it runs. */
	bool deferred;
	struct worker_job job;
	enum MHD_Result (*work)(struct request *req);
	enum MHD_Result work_rc;
	const char *if_none_match; /* the header (the connection's memory) */
	/* A report between the cache look-up and its evaluation. */
	struct report_state {
		struct catalog *c;
		struct shared_settings *s;
		struct shared_observer *so;
		const struct profile *p;
		const struct report_writer *w;
		int lvl;
		enum report_view view;
		struct cache_key key;
		struct cache_request cr;
		struct cache *cache;
		enum latency_cache outcome;
	} rs;
};

/* Client input quoted in a message: printable ASCII, bounded. */
static void quote(char *dst, size_t size, const char *src)
{
	size_t n = 0;
	for (; src && *src && n + 4 < size; src++) {
		unsigned char c = (unsigned char)*src;
		if (n >= MAX_ECHO) {
			memcpy(dst + n, "...", 3);
			n += 3;
			break;
		}
		dst[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[n] = '\0';
}

/* A body for the log: printable, one line, bounded. */
static void quote_body(char *dst, size_t size, const char *body, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n + 4 < size; i++) {
		unsigned char c = (unsigned char)body[i];
		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		dst[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n + 4 >= size)
		memcpy(dst + n, "...", 3), n += 3;
	dst[n] = '\0';
}

static void request_free(struct request *req)
{
	if (req->resp)
		MHD_destroy_response(req->resp);
	if (req->target_rc == 0)
		http_target_free(&req->t);
	free(req->body);
	cache_body_unref(req->sent_body);
	free(req);
}

/* The answer is r (taken), queued when the handler returns (deliver). */
static enum MHD_Result stage(struct request *req, unsigned status, struct MHD_Response *r)
{
	if (req->resp)
		MHD_destroy_response(req->resp);
	req->resp = r;
	req->resp_status = req->status = status;
	return MHD_YES;
}

/* Queue what the handler staged; rc is what it returned. */
static enum MHD_Result deliver(struct request *req, struct MHD_Connection *con,
			       enum MHD_Result rc)
{
	/* Deferred: the worker's, not to be touched until resumed. */
	if (req->deferred || !req->resp)
		return rc;
	enum MHD_Result q = MHD_queue_response(con, req->resp_status, req->resp);
	MHD_destroy_response(req->resp);
	req->resp = NULL;
	return rc == MHD_YES ? q : rc;
}

/* Takes ownership of body (malloc'd). */
static enum MHD_Result respond(struct request *req,
			       unsigned status, const char *content_type, char *body, size_t len,
			       const char *allow)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (req->retry_after_s) {
		char secs[16];
		snprintf(secs, sizeof(secs), "%u", req->retry_after_s);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, secs);
	}
	if (atomic_load(&req->d->stopping))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	/* Answered (early errors before the body, too): no deadline now. */
	admission_request_in(req->d->admission, req->fd);
	req->sent = len;
	return stage(req, status, r);
}

static char *json_body(json_t *doc, size_t *len)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!text)
		return NULL;
	/* One line, newline-terminated, as the CLI prints JSON. */
	size_t n = strlen(text);
	char *out = realloc(text, n + 2);
	if (!out) {
		free(text);
		return NULL;
	}
	out[n] = '\n';
	out[n + 1] = '\0';
	*len = n + 1;
	return out;
}

static enum MHD_Result respond_json(struct request *req,
				    unsigned status, json_t *doc, const char *allow)
{
	size_t len;
	char *body = json_body(doc, &len);
	if (!body)
		return MHD_NO;
	return respond(req, status, "application/json", body, len, allow);
}

/* Every error body is {"error": "..."}; the message says what is allowed. */
__attribute__((format(printf, 4, 5))) static enum MHD_Result
respond_error(struct request *req, unsigned status,
	      const char *allow, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages are ASCII (input is quoted through quote()); anything else,
	 * e.g. a cut in a profile's UTF-8, must not make an invalid document. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return respond_json(req, status, json_pack("{s:s}", "error", msg), allow);
}

static enum MHD_Result respond_oom(struct request *req)
{
	return respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
}

/* ---- routing ---------------------------------------------------------- */

static enum route match_route(struct request *req)
{
	const char *url = req->t.path;
	if (strcmp(url, "/report") == 0)
		return ROUTE_REPORT_LIST;
	if (strcmp(url, "/settings") == 0)
		return ROUTE_SETTINGS;
	if (strcmp(url, "/metrics") == 0)
		return ROUTE_METRICS;
	if (strcmp(url, "/events") == 0)
		return ROUTE_EVENTS;
	if (strncmp(url, "/report/", 8) == 0) {
		const char *name = url + 8;
		size_t len = strlen(name);
		if (len == 0 || len >= sizeof(req->report) || strchr(name, '/'))
			return ROUTE_NONE;
		memcpy(req->report, name, len + 1);
		return ROUTE_REPORT;
	}
	return ROUTE_NONE;
}

static const char *allowed_methods(enum route r)
{
	return r == ROUTE_SETTINGS ? "GET, HEAD, PATCH" : "GET, HEAD";
}

static bool method_allowed(enum route r, const char *method)
{
	if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
		return true;
	return r == ROUTE_SETTINGS && strcmp(method, MHD_HTTP_METHOD_PATCH) == 0;
}

static const struct http_arg *arg(const struct request *req, const char *key)
{
	return http_target_arg(&req->t, key);
}

/* Query parameters: only the allowed ones, each once, each with a value. */
static enum MHD_Result check_query(struct request *req)
{
	char path[96];
	quote(path, sizeof(path), req->t.path);
	for (size_t i = 0; i < req->t.n_args; i++) {
		const struct http_arg *a = &req->t.args[i];
		bool known = req->route == ROUTE_REPORT && !a->key_too_long &&
			     (strcmp(a->key, "type") == 0 || strcmp(a->key, "level") == 0 ||
			      strcmp(a->key, "format") == 0 || strcmp(a->key, "fresh") == 0);
		if (req->route == ROUTE_EVENTS && !a->key_too_long && strcmp(a->key, "since") == 0)
			known = true;
		char key[48];
		quote(key, sizeof(key), a->key_too_long ? "(too long)" : a->key);
		if (!known) {
			if (req->route == ROUTE_REPORT)
				return respond_error(req, MHD_HTTP_BAD_REQUEST, NULL,
						     "unknown query parameter '%s' for %s; allowed: type, level, format, fresh",
						     key, path);
			if (req->route == ROUTE_EVENTS)
				return respond_error(req, MHD_HTTP_BAD_REQUEST, NULL,
						     "unknown query parameter '%s' for %s; allowed: since",
						     key, path);
			return respond_error(req, MHD_HTTP_BAD_REQUEST, NULL,
					     "%s takes no query parameters (got '%s')", path, key);
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(req->t.args[j].key, a->key) == 0)
				return respond_error(req, MHD_HTTP_BAD_REQUEST, NULL,
						     "query parameter '%s' given more than once", a->key);
		if (!a->value || !*a->value)
			return respond_error(req, MHD_HTTP_BAD_REQUEST, NULL,
					     "query parameter '%s' needs a value (e.g. %s)", a->key,
					     strcmp(a->key, "type") == 0    ? "type=bottlerocket"
					     : strcmp(a->key, "level") == 0 ? "level=1"
					     : strcmp(a->key, "fresh") == 0 ? "fresh=true"
					     : strcmp(a->key, "since") == 0 ? "since=0"
									    : "format=json");
	}
	const struct http_arg *fresh = arg(req, "fresh"), *since = arg(req, "since");
	if (fresh && strcmp(fresh->value, "true") && strcmp(fresh->value, "false")) {
		char q[96];
		quote(q, sizeof(q), fresh->value);
		return respond_error(req, MHD_HTTP_BAD_REQUEST, NULL,
				     "invalid fresh '%s'; options are true or false", q);
	}
	if (since && !event_id_valid(since->value)) {
		char q[96];
		quote(q, sizeof(q), since->value);
		return respond_error(req, MHD_HTTP_BAD_REQUEST, NULL,
				     "invalid since '%s'; an event id: a decimal number, 0 for all kept", q);
	}
	const struct http_arg *level = arg(req, "level"), *format = arg(req, "format");
	if (level && report_parse_level(level->value) < 0) {
		char q[96];
		quote(q, sizeof(q), level->value);
		return respond_error(req, MHD_HTTP_BAD_REQUEST, NULL,
				     "invalid level '%s'; a number from 0 to 255, as bloodhound's -l", q);
	}
	if (format && !report_writer_find(format->value)) {
		char q[96];
		quote(q, sizeof(q), format->value);
		return respond_error(req, MHD_HTTP_BAD_REQUEST, NULL,
				     "invalid format '%s'; options are: %s", q,
				     report_writer_names());
	}
	return MHD_YES;
}

static enum MHD_Result add_header_size(void *cls, enum MHD_ValueKind kind, const char *key,
				       const char *value)
{
	(void)kind;
	size_t *total = cls;
	*total += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
	return MHD_YES;
}

/* First call for a request: headers are in. Sizes, route, method, declared
 * body size and query are checked now, so errors need not wait for a body. */
static enum MHD_Result begin(struct request *req,
			     const char *method)
{
	if (req->target_len > MAX_TARGET)
		return respond_error(req, MHD_HTTP_URI_TOO_LONG, NULL,
				     "request target of %zu bytes is too long: at most %u",
				     req->target_len, MAX_TARGET);
	size_t header_bytes = 0;
	MHD_get_connection_values(req->con, MHD_HEADER_KIND, add_header_size, &header_bytes);
	if (header_bytes > MAX_HEADER_BYTES)
		return respond_error(req, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, NULL,
				     "request headers of %zu bytes are too large: at most %u in all",
				     header_bytes, MAX_HEADER_BYTES);
	if (req->target_rc == -ENOMEM)
		return respond_oom(req);
	if (req->target_rc)
		return respond_error(req, MHD_HTTP_BAD_REQUEST, NULL, "%s", req->target_err);
	char path[96];
	quote(path, sizeof(path), req->t.path_too_long ? "(too long)" : req->t.path);
	req->route = match_route(req);
	if (req->route == ROUTE_NONE)
		return respond_error(req, MHD_HTTP_NOT_FOUND, NULL,
				     "no such path '%s'; paths are /report, /report/{name}, /settings, /metrics, /events",
				     path);
	if (!method_allowed(req->route, method))
		return respond_error(req, MHD_HTTP_METHOD_NOT_ALLOWED,
				     allowed_methods(req->route),
				     "method %s is not allowed on %s; allowed: %s", req->method, path,
				     allowed_methods(req->route));
	if (strcmp(method, MHD_HTTP_METHOD_PATCH) == 0 && !req->may_change) {
		daemon_log("denied: uid=%ld pid=%ld may not change settings", req->uid, req->pid);
		if (req->d->admin_gid >= 0)
			return respond_error(req, MHD_HTTP_FORBIDDEN, NULL,
					     "uid %ld may read but not change settings: that needs root or a member of the admin group '%s' (cisreportd --admin-group)",
					     req->uid, req->d->opt.admin_group);
		return respond_error(req, MHD_HTTP_FORBIDDEN, NULL,
				     "uid %ld may read but not change settings: that needs root (cisreportd --admin-group names a group that may too)",
				     req->uid);
	}
	const char *length =
		MHD_lookup_connection_value(req->con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (length) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(length, &end, 10);
		/* A body of up to MAX_DISCARD is read and thrown away before the
		 * 413 (finish): answered at once, the client still sending would
		 * meet a reset (the socket closed with its bytes unread) and
		 * might never read why. */
		if (errno || n > MAX_DISCARD)
			return respond_error(req, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
					     "request body too large: at most %u bytes", MAX_BODY);
		if (n > MAX_BODY)
			req->body_too_big = true;
	}
	return check_query(req);
}

/* Body bytes: kept for PATCH /settings (bounded), thrown away otherwise. */
static enum MHD_Result absorb(struct request *req, const char *data, size_t size)
{
	bool keep = req->route == ROUTE_SETTINGS && strcmp(req->method, "PATCH") == 0;
	if (keep && !req->body_too_big && req->body_len + size <= MAX_BODY) {
		char *b = realloc(req->body, req->body_len + size + 1);
		if (!b)
			return MHD_NO;
		memcpy(b + req->body_len, data, size);
		req->body = b;
		req->body_len += size;
		b[req->body_len] = '\0';
		return MHD_YES;
	}
	if (keep || req->body_len + req->discarded + size > MAX_BODY)
		req->body_too_big = true;
	req->discarded += size;
	/* A body without end (chunked) is not read forever. */
	return req->discarded > MAX_DISCARD ? MHD_NO : MHD_YES;
}

/* ---- endpoints -------------------------------------------------------- */

/* The profile of type whose runtime checks make GET /report/runtime; NULL
 * when it has none. */
static const struct profile *runtime_profile(const struct catalog *c, const char *type)
{
	const struct profile *p = catalog_by_type(c, type);
	for (size_t i = 0; p && i < p->n_checks; i++)
		if (p->checks[i].kind->needs_observer)
			return p;
	return NULL;
}

/* bloodhound exits 4 when no check could run, and Bottlerocket's API server
 * turns that into 500 "Failed to generate report, exit code: 4, stderr:
 * Warning: No checks were able to run" (apiserver/src/server/mod.rs), so
 * apiclient exits 1: the same answer here, with the first reason. */
static enum MHD_Result respond_all_skip(struct request *req,
					const struct report *r)
{
	const struct report_entry *first = NULL;
	for (size_t i = 0; i < r->n_entries && !first; i++)
		if (!r->entries[i].runtime)
			first = &r->entries[i];
	return respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
			     "Failed to generate report: Warning: No checks were able to run (all %zu checks of report %s at level %d SKIPped; first, %s: %s)",
			     r->total, r->bm->report, r->level, first ? first->def->name : "-",
			     first && first->result.error ? first->result.error : "");
}

static enum MHD_Result get_report_list(struct request *req)
{
	struct catalog *c;
	struct shared_settings *s;
	daemon_snapshot(req->d, &c, &s);
	json_t *list = json_array();
	for (size_t i = 0; list && i < c->n_profiles; i++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "name",
						      c->profiles[i].bm.report, "description",
						      c->profiles[i].bm.name));
	/* cisreport's own: the runtime checks, a report of their own */
	const struct profile *rt = runtime_profile(c, "bottlerocket");
	if (list && rt) {
		char desc[256];
		snprintf(desc, sizeof(desc), "%s: runtime observation", rt->bm.name);
		json_array_append_new(list, json_pack("{s:s, s:s}", "name", "runtime", "description",
						      desc));
	}
	catalog_unref(c);
	shared_settings_unref(s);
	return list ? respond_json(req, MHD_HTTP_OK, list, NULL) : respond_oom(req);
}

/* Which profile a /report/<name>?type= request means, or an error sent. */
static const struct profile *resolve_report(struct request *req,
					    const struct catalog *c, enum MHD_Result *sent,
					    enum report_view *view)
{
	*view = REPORT_BENCHMARK;
	const struct http_arg *type = arg(req, "type");
	char name[96], t[96], known[512];
	quote(name, sizeof(name), req->report);
	if (strcmp(req->report, "runtime") == 0) {
		/* cisreport's: /report/runtime?type=bottlerocket (the default) */
		const char *want = type ? type->value : "bottlerocket";
		const struct profile *p = runtime_profile(c, want);
		if (p) {
			*view = REPORT_RUNTIME;
			return p;
		}
		quote(t, sizeof(t), want);
		*sent = respond_error(req, MHD_HTTP_UNPROCESSABLE_CONTENT, NULL,
				      "report type '%s' has no runtime checks", t);
		return NULL;
	}
	if (strcmp(req->report, "cis") == 0) {
		/* Bottlerocket: /report/cis?type=bottlerocket|kubernetes */
		const char *want = type ? type->value : "bottlerocket";
		const struct profile *p = catalog_by_type(c, want);
		if (p && catalog_is_cis(p))
			return p;
		quote(t, sizeof(t), want);
		catalog_cis_types(c, known, sizeof(known));
		*sent = respond_error(req, MHD_HTTP_UNPROCESSABLE_CONTENT, NULL,
				      "report type '%s' is not supported for cis; types: %s", t,
				      known[0] ? known : "(none loaded)");
		return NULL;
	}
	const struct profile *p = catalog_by_report(c, req->report);
	if (!p) {
		catalog_reports(c, known, sizeof(known));
		*sent = respond_error(req, MHD_HTTP_NOT_FOUND, NULL,
				      "no report '%s'; reports: %s (GET /report lists them)", name,
				      known);
		return NULL;
	}
	if (type && strcmp(type->value, p->bm.type)) {
		quote(t, sizeof(t), type->value);
		*sent = respond_error(req, MHD_HTTP_UNPROCESSABLE_CONTENT, NULL,
				      "report type '%s' is not supported for %s; type: %s", t, name,
				      p->bm.type);
		return NULL;
	}
	return p;
}

/* A body from the cache (or just built): 304 when the client has it. */
static enum MHD_Result respond_body(struct request *req,
				    const char *content_type, struct cache_body *b)
{
	const char *match = req->if_none_match;
	bool unchanged = match && (strstr(match, b->etag) || strcmp(match, "*") == 0);
	struct MHD_Response *r =
		unchanged ? MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT)
			  : MHD_create_response_from_buffer(b->len, b->bytes,
							    MHD_RESPMEM_PERSISTENT);
	if (!r) {
		cache_body_unref(b);
		return MHD_NO;
	}
	req->sent_body = b; /* the bytes stay until the response is done */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	/* Cached, but a client must ask again: the ETag tells it what it has. */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, b->etag);
	if (atomic_load(&req->d->stopping))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	unsigned status = unchanged ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK;
	req->sent = unchanged ? 0 : b->len;
	return stage(req, status, r);
}

/* ?fresh=true or Cache-Control: no-cache: every check runs now. */
static bool wants_fresh(const struct request *req)
{
	const struct http_arg *fresh = arg(req, "fresh");
	if (fresh)
		return strcmp(fresh->value, "true") == 0;
	const char *cc =
		MHD_lookup_connection_value(req->con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CACHE_CONTROL);
	return cc && strstr(cc, "no-cache");
}

/* Polling mode: run req->work on a worker, the connection suspended
 * until it is done (on_request then queues its answer). Thread per
 * connection: now. */
static void run_job(struct worker_job *job)
{
	struct request *req = (struct request *)((char *)job - offsetof(struct request, job));
	struct MHD_Connection *con = req->con;
	req->work_rc = req->work(req);
	/* req is the connection's again from here. */
	MHD_resume_connection(con);
}

static enum MHD_Result defer(struct request *req, enum MHD_Result (*work)(struct request *))
{
	if (!req->d->workers)
		return work(req);
	req->work = work;
	req->deferred = true;
	req->job.fn = run_job;
	MHD_suspend_connection(req->con);
	workers_submit(req->d->workers, &req->job);
	return MHD_YES;
}

/* The end of a report request, wherever it was answered. */
static enum MHD_Result report_done(struct request *req, enum MHD_Result sent)
{
	struct report_state *rs = &req->rs;
	if (rs->p && (req->status == MHD_HTTP_OK || req->status == MHD_HTTP_NOT_MODIFIED)) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		latency_observe(req->d->latency, rs->p->bm.report, rs->outcome,
				(double)(now.tv_sec - req->start.tv_sec) +
					(double)(now.tv_nsec - req->start.tv_nsec) / 1e9);
	}
	shared_observer_unref(rs->so);
	catalog_unref(rs->c);
	shared_settings_unref(rs->s);
	rs->so = NULL;
	rs->c = NULL;
	rs->s = NULL;
	return sent;
}

/* A report not in the cache: evaluated (the checks whose inputs changed,
 * or every one), rendered, kept. On a worker in polling mode. */
static enum MHD_Result build_report(struct request *req)
{
	struct report_state *rs = &req->rs;
	const struct profile *p = rs->p;
	struct cache *cache = rs->cache;
	enum MHD_Result sent;
	/* The evaluation: the host handle, the checks and the body, not the
	 * answer's sending nor the frees after it. */
	unsigned long long cpu_start = daemon_thread_cpu_ns();
	struct host *h = malloc(sizeof(*h));
	int rc = h ? daemon_host_init(req->d, h) : -ENOMEM;
	if (rc) {
		free(h);
		return report_done(req, respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
						      "host root: %s", strerror(-rc)));
	}
	h->observer = rs->so ? rs->so->o : NULL;
	h->share = req->d->commands;
	struct report r;
	struct report_selection sel = {
		.level = rs->lvl, .view = rs->view, .memo = cache ? &rs->cr.memo : NULL};
	rc = report_build(h, p, &sel, &rs->s->s, &r);
	if (!rc && cache)
		cache_degraded_note(cache, r.watch_note, sizeof(r.watch_note));
	if (rc) {
		report_free(&r);
		sent = respond_oom(req);
		goto out;
	}
	if (r.n_entries == 0) {
		report_free(&r);
		sent = respond_error(req, MHD_HTTP_UNPROCESSABLE_CONTENT, NULL,
				     "report %s has no checks of level <= %d", p->bm.report, rs->lvl);
		goto out;
	}
	if (r.status == CHECK_SKIP) {
		daemon_count_evaluation(req->d, EVAL_REQUEST, cpu_start); /* the checks ran */
		sent = respond_all_skip(req, &r);
		report_free(&r);
		goto out;
	}
	char *body;
	size_t len;
	char why[1024] = ""; /* the writer's own explanation, when it has one */
	struct writer_options wo = {.report_host = h, .error = why, .error_size = sizeof(why)};
	const struct report_writer *w = rs->w;
	rc = report_render(&r, w, &wo, &body, &len);
	daemon_count_evaluation(req->d, EVAL_REQUEST, cpu_start);
	if (rc) {
		sent = respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
				     "cannot render the %s report: %s", w->name,
				     why[0] ? why : strerror(-rc));
	} else if (!cache) {
		sent = respond(req, MHD_HTTP_OK, w->content_type, body, len, NULL);
	} else {
		struct cache_body *b = cache_put(cache, &rs->cr, &rs->key, &r, body, len,
						 settings_next_expiry(&rs->s->s, r.started.tv_sec));
		sent = b ? respond_body(req, w->content_type, b) : respond_oom(req);
	}
	report_free(&r);
out:
	host_free(h);
	free(h);
	return report_done(req, sent);
}

/* On the connection's thread: a cache hit is answered at once, anything
 * else goes to build_report (defer). */
static enum MHD_Result get_report(struct request *req)
{
	struct report_state *rs = &req->rs;
	daemon_snapshot(req->d, &rs->c, &rs->s);
	enum MHD_Result sent = MHD_YES;
	/* Held for the whole report: switching the observer off meanwhile
	 * does not free it under this request. */
	rs->outcome = LATENCY_NCACHE; /* not a report answered */
	rs->p = resolve_report(req, rs->c, &sent, &rs->view);
	if (!rs->p)
		return report_done(req, sent);
	const struct http_arg *level = arg(req, "level"), *format = arg(req, "format");
	rs->lvl = level ? report_parse_level(level->value) : rs->s->s.level;
	rs->w = report_writer_find(format ? format->value : rs->s->s.format);
	if (!rs->w) /* settings were validated; a writer cannot vanish */
		rs->w = report_writer_find("text");
	req->if_none_match = MHD_lookup_connection_value(req->con, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_IF_NONE_MATCH);

	rs->so = daemon_observer(req->d, NULL, 0);
	rs->key = (struct cache_key){.p = rs->p,
				     .level = rs->lvl,
				     .w = rs->w,
				     .settings_gen = rs->s->gen,
				     .observer = !rs->so ? 0 : observer_running(rs->so->o) ? 2 : 1,
				     .view = rs->view};
	rs->cache = req->d->cache;
	struct cache_body *b =
		rs->cache ? cache_begin(rs->cache, rs->c, rs->so ? rs->so->o : NULL, &rs->key,
					wants_fresh(req), &rs->cr)
			  : NULL;
	rs->outcome = !rs->cache ? LATENCY_UNCACHED : b ? LATENCY_HIT : LATENCY_MISS;
	if (b && b->all_skip) {
		/* The answer is an error naming a reason, which is in the report:
		 * build it again, past the cache (cr was not set up for a run). */
		cache_body_unref(b);
		rs->cache = NULL;
	} else if (b) {
		return report_done(req, respond_body(req, rs->w->content_type, b));
	}
	return defer(req, build_report);
}

static enum MHD_Result get_settings(struct request *req)
{
	struct catalog *c;
	struct shared_settings *s;
	daemon_snapshot(req->d, &c, &s);
	json_t *doc = settings_to_json(&s->s);
	catalog_unref(c);
	shared_settings_unref(s);
	return doc ? respond_json(req, MHD_HTTP_OK, doc, NULL) : respond_oom(req);
}

static bool check_exists(const char *name, char *hint, size_t hint_size, void *ctx)
{
	const struct catalog *c = ctx;
	if (catalog_find_check(c, name))
		return true;
	const struct check_def *by_id = catalog_find_check_id(c, name);
	if (by_id)
		snprintf(hint, hint_size, "\"%s\" is the id of check \"%s\": waivers name checks",
			 by_id->id, by_id->name);
	else
		snprintf(hint, hint_size, "check names are listed in the JSON report's \"results\"");
	return false;
}

static enum MHD_Result patch_settings(struct request *req)
{
	struct daemon *d = req->d;
	if (req->body_too_big)
		return respond_error(req, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
				     "request body too large: at most %u bytes", MAX_BODY);
	pthread_mutex_lock(&d->patch_lock);
	struct catalog *c;
	struct shared_settings *cur;
	daemon_snapshot(d, &c, &cur);
	/* Who asked is recorded in the settings: with each waiver it sets and
	 * in "changes". */
	struct settings_actor actor = {.uid = req->uid, .pid = req->pid, .at = time(NULL)};
	struct settings_rules rules = {
		.check_exists = check_exists, .ctx = c, .now = actor.at, .actor = &actor};
	struct settings next;
	char err[768];
	enum MHD_Result sent;
	int rc = settings_patch_text(&cur->s, req->body, req->body_len, &rules, &next, err,
				     sizeof(err));
	if (rc == -ENOMEM) {
		sent = respond_oom(req);
	} else if (rc) {
		sent = respond_error(req, MHD_HTTP_BAD_REQUEST, NULL, "%s", err);
	} else if ((rc = settings_save(d->settings_path, &next, d->admin_gid)) < 0) {
		settings_free(&next);
		daemon_log("cannot save settings to %s: %s", d->settings_path, strerror(-rc));
		sent = respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
				     "cannot save settings to %s: %s (nothing changed)",
				     d->settings_path, strerror(-rc));
	} else {
		struct shared_settings *ns = shared_settings_new(&next);
		if (!ns) {
			sent = respond_oom(req);
		} else {
			char text[320];
			quote_body(text, sizeof(text), req->body, req->body_len);
			daemon_log("settings changed by uid=%ld pid=%ld: %s", req->uid, req->pid, text);
			json_t *doc = settings_to_json(&ns->s);
			bool observe = ns->s.observer;
			daemon_install(d, NULL, ns);
			/* Started (or stopped) before the answer: the next
			 * report already follows the switch. */
			daemon_observer_follow(d, observe);
			sent = doc ? respond_json(req, MHD_HTTP_OK, doc, NULL)
				   : respond_oom(req);
		}
	}
	catalog_unref(c);
	shared_settings_unref(cur);
	pthread_mutex_unlock(&d->patch_lock);
	return sent;
}

static enum MHD_Result get_metrics(struct request *req)
{
	struct catalog *c;
	struct shared_settings *s;
	daemon_snapshot(req->d, &c, &s);
	char *body;
	size_t len;
	int rc = metrics_render(req->d, c, &s->s, &body, &len);
	catalog_unref(c);
	shared_settings_unref(s);
	if (rc)
		return respond_oom(req);
	return respond(req, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body,
		       len, NULL);
}

/* GET /events?since=ID: the events kept after ID, as JSON; GET /events:
 * a stream of them (Server-Sent Events), resumed after Last-Event-ID. */
static enum MHD_Result get_events(struct request *req)
{
	struct daemon *d = req->d;
	const struct http_arg *since = arg(req, "since");
	if (since) {
		json_t *doc = events_list_json(d, event_id_parse(since->value));
		return doc ? respond_json(req, MHD_HTTP_OK, doc, NULL) : respond_oom(req);
	}
	const char *last = MHD_lookup_connection_value(req->con, MHD_HEADER_KIND, "Last-Event-ID");
	if (last && !event_id_valid(last)) {
		char q[96];
		quote(q, sizeof(q), last);
		return respond_error(req, MHD_HTTP_BAD_REQUEST, NULL,
				     "invalid Last-Event-ID '%s'; an event id: a decimal number", q);
	}
	struct catalog *c;
	struct shared_settings *s;
	daemon_snapshot(d, &c, &s);
	unsigned max = daemon_max_watchers(d, &s->s);
	catalog_unref(c);
	shared_settings_unref(s);
	if (atomic_fetch_add(&d->watchers, 1) >= max) {
		atomic_fetch_sub(&d->watchers, 1);
		/* Streams end when their clients leave: worth trying again. */
		req->retry_after_s = 5;
		return respond_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
				     "too many event streams open (at most %u); try again later or poll GET /events?since=ID",
				     max);
	}
	struct MHD_Response *r = events_stream_response(d, last ? event_id_parse(last) : 0,
							d->streams, d->streams ? req->con : NULL);
	if (!r)
		return respond_oom(req);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	return stage(req, MHD_HTTP_OK, r);
}

/* The whole request is in: answer it. */
static enum MHD_Result finish(struct request *req)
{
	if (req->body_too_big)
		return respond_error(req, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
				     "request body too large: at most %u bytes", MAX_BODY);
	switch (req->route) {
	case ROUTE_REPORT_LIST:
		return get_report_list(req);
	case ROUTE_REPORT:
		return get_report(req);
	case ROUTE_SETTINGS:
		/* A file written and synced, maybe an observer started. */
		if (strcmp(req->method, "PATCH") == 0)
			return defer(req, patch_settings);
		return get_settings(req);
	case ROUTE_METRICS:
		/* Every benchmark evaluated, at its highest level. */
		return defer(req, get_metrics);
	case ROUTE_EVENTS:
		return get_events(req);
	default:
		return MHD_NO;
	}
}

/* ---- libmicrohttpd callbacks ------------------------------------------ */

/* Is the peer in group gid, by its primary group or its supplementary
 * groups (SO_PEERGROUPS: the groups it had when it connected)? */
static bool peer_in_group(int fd, const struct ucred *cred, gid_t gid)
{
	if (cred->gid == gid)
		return true;
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	int rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len);
	if (rc < 0 && errno == ERANGE && (groups = malloc(len)))
		rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len);
	bool in = false;
	for (size_t i = 0; rc == 0 && i < len / sizeof(gid_t); i++)
		in |= groups[i] == gid;
	if (groups != small)
		free(groups);
	return in;
}

/* Every request asks the kernel who is on the other end: reading needs
 * only the socket (its mode and group); changing needs root, the daemon's
 * own user or --admin-group. */
static void peer_credentials(struct request *req)
{
	req->uid = req->pid = -1;
	req->fd = -1;
	req->may_change = false;
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(req->con, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!info)
		return;
	req->fd = info->connect_fd;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(info->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return;
	req->uid = (long)cred.uid;
	req->pid = (long)cred.pid;
	req->may_change = cred.uid == 0 || cred.uid == geteuid() ||
			  (req->d->admin_gid >= 0 &&
			   peer_in_group(info->connect_fd, &cred, (gid_t)req->d->admin_gid));
}

static struct request *request_new(struct daemon *d, struct MHD_Connection *con,
				   const char *uri)
{
	struct request *req = calloc(1, sizeof(*req));
	if (!req)
		return NULL;
	req->d = d;
	req->con = con;
	clock_gettime(CLOCK_MONOTONIC, &req->start);
	/* Printable, like quote(), but the log keeps more of the URI. */
	size_t n = 0;
	for (const char *p = uri; p && *p && n + 1 < sizeof(req->target); p++, n++)
		req->target[n] = (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?';
	req->target[n] = '\0';
	req->target_len = uri ? strlen(uri) : 0;
	req->target_rc = http_target_parse(uri ? uri : "", req->target_len, &req->t,
					   req->target_err, sizeof(req->target_err));
	peer_credentials(req);
	return req;
}

/* Called with the raw URI before it is parsed: the per-request state
 * starts here, so the log line has the query string. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	return request_new(cls, con, uri);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	(void)version;
	struct daemon *d = cls;
	struct request *req = *req_cls;
	if (!req && !(req = *req_cls = request_new(d, con, url)))
		return MHD_NO;
	if (req->deferred) {
		/* Resumed: the worker is done. */
		req->deferred = false;
		return deliver(req, con, req->work_rc);
	}
	if (!req->seen) {
		req->seen = true;
		atomic_fetch_add(&d->in_flight, 1);
		quote(req->method, sizeof(req->method), method);
		return deliver(req, con, begin(req, method));
	}
	if (*upload_data_size) {
		enum MHD_Result rc = absorb(req, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return rc;
	}
	/* The whole request is in: what follows (a report, a stream) is not
	 * bound by the request deadline. */
	admission_request_in(d->admission, req->fd);
	return deliver(req, con, finish(req));
}

static void on_completed(void *cls, struct MHD_Connection *con, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)con;
	struct daemon *d = cls;
	struct request *req = *req_cls;
	if (!req)
		return;
	*req_cls = NULL;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double ms = (double)(now.tv_sec - req->start.tv_sec) * 1e3 +
		    (double)(now.tv_nsec - req->start.tv_nsec) / 1e6;
	static const char *const ends[] = {
		[MHD_REQUEST_TERMINATED_COMPLETED_OK] = "",
		[MHD_REQUEST_TERMINATED_WITH_ERROR] = " (connection error)",
		[MHD_REQUEST_TERMINATED_TIMEOUT_REACHED] = " (idle timeout)",
		[MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN] = " (shutdown)",
		[MHD_REQUEST_TERMINATED_READ_ERROR] = " (client went away)",
		[MHD_REQUEST_TERMINATED_CLIENT_ABORT] = " (client aborted)",
	};
	const char *end = (size_t)toe < sizeof(ends) / sizeof(ends[0]) && ends[toe] ? ends[toe] : "";
	if (req->status) {
		daemon_count_status(d, req->status);
		daemon_log("uid=%ld pid=%ld %s \"%s\" %u %zu %.2fms%s", req->uid, req->pid,
			   req->method[0] ? req->method : "-", req->target, req->status, req->sent,
			   ms, end);
	} else {
		daemon_log("uid=%ld pid=%ld %s \"%s\" - - %.2fms%s", req->uid, req->pid,
			   req->method[0] ? req->method : "-", req->target, ms, end);
	}
	if (req->seen)
		atomic_fetch_sub(&d->in_flight, 1);
	/* Keep-alive: the next request has its own deadline from now. */
	admission_answered(d->admission, req->fd);
	request_free(req);
}

static void on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)socket_context;
	struct daemon *d = cls;
	if (code != MHD_CONNECTION_NOTIFY_CLOSED)
		return;
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
	/* Before MHD closes the descriptor: the slot is free before the
	 * number can be reused. */
	if (info)
		admission_closed(d->admission, info->connect_fd);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	mhd_message(msg, sizeof(msg), fmt, ap);
	/* Connections come through MHD_add_connection, so the library does not
	 * know they are Unix sockets and tries TCP options on them once. */
	if (strstr(msg, "TCP_NODELAY") || strstr(msg, "TCP_CORK") ||
	    strstr(msg, "Failed to push the data"))
		return;
	daemon_log("libmicrohttpd: %s", msg);
}

int server_start(struct daemon *d, int listen_fd, char *err, size_t err_size)
{
	/* The names list is built on first use: build it before threads run. */
	(void)report_writer_names();
	/* Default: --threads N polling threads share all connections
	 * (non-blocking I/O, so stalled clients block nobody) and answer what
	 * is in memory; what may take long (a report to evaluate, /metrics,
	 * PATCH /settings) goes to --workers threads, its connection
	 * suspended meanwhile, and event streams are suspended while they
	 * have nothing to send: no thread switch per request, and a report
	 * that waits (for iptables-save, say) holds up no poller.
	 * --threads 0: a thread per connection, everything on it. */
	/* poll(), not epoll: libmicrohttpd 0.9.75's edge-triggered epoll
	 * loop does not notice a client that half-closes in the middle of a
	 * request (its data and FIN read in one go) until a timeout; poll
	 * reports the end at once, as the thread per connection does. */
	unsigned mode = d->opt.threads ? MHD_USE_POLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME
				       : MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION;
	if (d->opt.threads) {
		if (!(d->workers = workers_start(d->opt.workers, err, err_size)))
			return -EINVAL;
		if (!(d->streams = stream_hub_start(d))) {
			snprintf(err, err_size, "cannot start the event streams' thread");
			workers_stop(d->workers);
			d->workers = NULL;
			return -EINVAL;
		}
	}
	/* A pool only for N > 1: the library warns about a size of 0 or 1
	 * (one polling thread is no pool). */
	struct MHD_OptionItem pool[] = {
		{d->opt.threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
		 (intptr_t)d->opt.threads, NULL},
		{MHD_OPTION_END, 0, NULL},
	};
	/* No listening socket for MHD: admission.c accepts, checks the peer
	 * and hands each connection over with MHD_add_connection. */
	d->mhd = MHD_start_daemon(
		mode | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			MHD_USE_NO_LISTEN_SOCKET,
		0, NULL, NULL, on_request, d,
		/* First, so that every message of the library comes through it. */
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, d,
		MHD_OPTION_ARRAY, pool,
		MHD_OPTION_CONNECTION_TIMEOUT, d->opt.idle_timeout,
		/* admission.c's limits come first; root has as many again. */
		MHD_OPTION_CONNECTION_LIMIT, 2 * d->opt.max_connections,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, d,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, d,
		MHD_OPTION_END);
	if (d->mhd && !(d->admission = admission_start(d, d->mhd, listen_fd, err, err_size))) {
		MHD_stop_daemon(d->mhd);
		d->mhd = NULL;
	} else if (!d->mhd) {
		snprintf(err, err_size, "cannot start the HTTP server (libmicrohttpd) on the socket");
	}
	if (!d->mhd) {
		stream_hub_free(d->streams);
		workers_stop(d->workers);
		d->streams = NULL;
		d->workers = NULL;
		return -EINVAL;
	}
	return 0;
}

int server_quiesce(struct daemon *d)
{
	int fd = admission_stop(d->admission);
	/* Streams end now (their clients reconnect to the next daemon). */
	stream_hub_close(d->streams);
	return fd;
}

void server_stop(struct daemon *d)
{
	admission_stop(d->admission);
	stream_hub_close(d->streams);
	/* What workers still run ends first: each resumes its connection. */
	workers_stop(d->workers);
	d->workers = NULL;
	if (d->mhd)
		MHD_stop_daemon(d->mhd);
	d->mhd = NULL;
	stream_hub_free(d->streams);
	d->streams = NULL;
	admission_free(d->admission);
	d->admission = NULL;
}
