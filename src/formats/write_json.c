/* JSON: bloodhound's document, compact on one line, keys in its order;
 * cisreport's additions come after the fields bloodhound defines.
 *
 * write_json writes the document in one pass into one buffer, escaping as
 * jansson's json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) does, and hands
 * it over in one write() (writer_emit); report_to_json builds the same
 * document as a jansson tree for the evidence bundle. The two give the same
 * bytes (tests/unit/test_writers.c compares them); a report holding a
 * string that is not valid UTF-8, which jansson would drop, is written
 * through the tree so that it stays so. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

static json_t *evidence_json(const struct check_result *res)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < res->n_evidence; i++) {
		const struct evidence *ev = &res->evidence[i];
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b}", "item", ev->item,
						     "expected", ev->expected, "actual",
						     ev->actual, "ok", ev->ok));
	}
	return arr;
}
/* The runtime checks backing this entry, in brief: which check, its
 * status, and what it counted. A runtime check may narrow its evidence per
 * item (observation.items.<id>: e.g. only writes to this item's sysctls). */
static json_t *observed_json(const struct report *r, const struct report_entry *e)
{
	static const char *const class_keys[] = {"count", "lost", "first", "last", NULL};
	static const char *const item_keys[] = {"count", "lower_bound", "first", "last",
						"subjects", "summary", NULL};
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < e->n_observed; i++) {
		const struct report_entry *rt = &r->entries[e->observed[i]];
		const json_t *obs = rt->result.observation;
		const json_t *item = json_object_get(json_object_get(obs, "items"), e->def->id);
		const char *status = item ? json_string_value(json_object_get(item, "status"))
					  : check_status_name(rt->result.status);
		/* narrowed: the class-wide reason would name other subjects */
		const char *error = item ? "" : rt->result.error ? rt->result.error : "";
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "check", rt->def->name, "id",
				      rt->def->id, "status", status ? status : "SKIP", "error", error);
		const json_t *from = item ? item : obs;
		const char *const *keys = item ? item_keys : class_keys;
		if (o && obs)
			json_object_set(o, "class", json_object_get(obs, "class"));
		for (size_t k = 0; o && keys[k]; k++) {
			json_t *v = json_object_get(from, keys[k]);
			if (v)
				json_object_set(o, keys[k], v);
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *entry_json(const struct report *r, const struct report_entry *e)
{
	const struct check_def *d = e->def;
	const struct check_result *res = &e->result;
	json_t *o = json_object();
	if (!o)
		return NULL;
	/* bloodhound's fields, in its order */
	json_object_set_new(o, "name", json_string(d->name));
	json_object_set_new(o, "id", json_string(d->id));
	json_object_set_new(o, "level", json_integer(d->level));
	json_object_set_new(o, "title", json_string(d->title));
	json_object_set_new(o, "mode", json_string(d->manual ? "Manual" : "Automatic"));
	json_object_set_new(o, "status", json_string(check_status_name(res->status)));
	json_object_set_new(o, "error", json_string(res->error ? res->error : ""));
	/* cisreport's additions */
	json_object_set_new(o, "outcome", json_string(check_outcome_name(res->outcome)));
	json_object_set_new(o, "kind", json_string(d->kind_name));
	json_object_set_new(o, "evidence", evidence_json(res));
	json_object_set_new(o, "remediation", json_string(d->remediation));
	if (res->observation)
		json_object_set(o, "observation", res->observation);
	if (e->n_observed)
		json_object_set_new(o, "observed", observed_json(r, e));
	if (e->waiver) {
		const struct report_waiver *w = e->waiver;
		json_object_set_new(o, "waiver",
				    json_pack("{s:s, s:s, s:s, s:s}", "reason", w->reason, "expires",
					      w->expires, "approved_by", w->approved_by, "state",
					      w->expired ? "expired" : "active"));
	}
	/* The daemon's cache: when this result was found (docs/continuous.md). */
	if (r->show_freshness) {
		char at[48];
		report_format_timestamp(&e->evaluated_at, at, sizeof(at));
		json_object_set_new(o, "evaluated_at", json_string(at));
	}
	return o;
}

/* A field added here goes into put_report too (and into the report of
 * json_one_pass_equals_the_tree in tests/unit/test_writers.c, which then
 * fails until it does). */
json_t *report_to_json(const struct report *r)
{
	return report_to_json_runtime(r, false);
}

json_t *report_to_json_runtime(const struct report *r, bool with_runtime)
{
	json_t *doc = json_object();
	json_t *results = json_object();
	if (!doc || !results) {
		json_decref(doc);
		json_decref(results);
		return NULL;
	}
	json_object_set_new(doc, "level", json_integer(r->level));
	json_object_set_new(doc, "total", json_integer((json_int_t)r->total));
	json_object_set_new(doc, "passed", json_integer((json_int_t)r->passed));
	json_object_set_new(doc, "skipped", json_integer((json_int_t)r->skipped));
	json_object_set_new(doc, "failed", json_integer((json_int_t)r->failed));
	json_object_set_new(doc, "status", json_string(check_status_name(r->status)));
	json_object_set_new(doc, "timestamp", json_string(r->timestamp));
	if (r->show_freshness) {
		char as_of[48];
		report_format_timestamp(&r->as_of, as_of, sizeof(as_of));
		json_object_set_new(doc, "as_of", json_string(as_of));
		if (r->watch_note[0])
			json_object_set_new(doc, "watch_degraded", json_string(r->watch_note));
	}
	if (r->bm->name)
		json_object_set_new(doc, "name", json_string(r->bm->name));
	if (r->bm->version)
		json_object_set_new(doc, "version", json_string(r->bm->version));
	if (r->bm->url)
		json_object_set_new(doc, "url", json_string(r->bm->url));
	/* bloodhound's results are the benchmark's items; runtime entries
	 * show as the "observed" of the items they back (their own report is
	 * GET /report/runtime, cisreport --runtime). */
	for (size_t i = 0; i < r->n_entries; i++)
		if (with_runtime || !r->entries[i].runtime)
			json_object_set_new(results, r->entries[i].def->name,
					    entry_json(r, &r->entries[i]));
	json_object_set_new(doc, "results", results);
	json_object_set_new(doc, "type", json_string(r->bm->type));
	return doc;
}

/* ---- the one-pass writer ---- */

struct jbuf {
	char *p;
	size_t len, cap;
	bool failed; /* out of memory */
};

static bool reserve(struct jbuf *b, size_t more)
{
	if (b->failed)
		return false;
	if (b->len + more <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 16384;
	while (cap < b->len + more)
		cap *= 2;
	char *n = realloc(b->p, cap);
	if (!n) {
		b->failed = true;
		return false;
	}
	b->p = n;
	b->cap = cap;
	return true;
}

static void put(struct jbuf *b, const char *s, size_t n)
{
	if (reserve(b, n)) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

#define PUT_LIT(b, lit) put(b, lit, sizeof(lit) - 1)

/* A JSON string as jansson writes it without JSON_ENSURE_ASCII: '"', '\\'
 * and the C0 controls escaped (\b \f \n \r \t, else \u00XX), the rest as is. */
static void put_str(struct jbuf *b, const char *s)
{
	size_t n = strlen(s);
	if (!reserve(b, n + 2))
		return;
	b->p[b->len++] = '"';
	const char *run = s;
	for (const char *c = s;; c++) {
		unsigned char ch = (unsigned char)*c;
		if (ch && ch != '"' && ch != '\\' && ch >= 0x20)
			continue;
		put(b, run, (size_t)(c - run));
		if (!ch)
			break;
		char esc[8];
		switch (ch) {
		case '"': memcpy(esc, "\\\"", 3); break;
		case '\\': memcpy(esc, "\\\\", 3); break;
		case '\b': memcpy(esc, "\\b", 3); break;
		case '\f': memcpy(esc, "\\f", 3); break;
		case '\n': memcpy(esc, "\\n", 3); break;
		case '\r': memcpy(esc, "\\r", 3); break;
		case '\t': memcpy(esc, "\\t", 3); break;
		default: snprintf(esc, sizeof(esc), "\\u%04X", ch); break;
		}
		put(b, esc, strlen(esc));
		run = c + 1;
	}
	PUT_LIT(b, "\"");
}

/* ,"key": (the comma unless first) */
static void put_key(struct jbuf *b, const char *key, bool first)
{
	if (!first)
		PUT_LIT(b, ",");
	put_str(b, key);
	PUT_LIT(b, ":");
}

static void put_int(struct jbuf *b, long long v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%lld", v);
	put(b, num, (size_t)n);
}

static void put_member_str(struct jbuf *b, const char *key, const char *v, bool first)
{
	put_key(b, key, first);
	put_str(b, v);
}

/* A jansson value kept in the report (an observation), as jansson dumps it. */
static void put_json(struct jbuf *b, const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (!text) {
		b->failed = true;
		return;
	}
	put(b, text, strlen(text));
	free(text);
}

/* Valid UTF-8 as jansson accepts it (no overlong forms, no surrogates,
 * nothing above U+10FFFF); NULL is "" and valid. */
static bool utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		unsigned c = *p;
		if (c < 0x80) {
			p++;
			continue;
		}
		size_t n;
		unsigned cp;
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		p += n + 1;
	}
	return true;
}

static bool entry_strings_ok(const struct report_entry *e)
{
	const struct check_def *d = e->def;
	const struct check_result *res = &e->result;
	if (!utf8_ok(d->name) || !utf8_ok(d->id) || !utf8_ok(d->title) ||
	    !utf8_ok(d->kind_name) || !utf8_ok(d->remediation) || !utf8_ok(res->error))
		return false;
	for (size_t i = 0; i < res->n_evidence; i++)
		if (!utf8_ok(res->evidence[i].item) || !utf8_ok(res->evidence[i].expected) ||
		    !utf8_ok(res->evidence[i].actual))
			return false;
	if (e->waiver && (!utf8_ok(e->waiver->reason) || !utf8_ok(e->waiver->expires) ||
			  !utf8_ok(e->waiver->approved_by)))
		return false;
	return true;
}

/* What the one-pass writer covers: every string valid UTF-8 (and no
 * runtime backing: "observed" is built from the runtime checks' jansson
 * observations, so the tree writes it). */
static bool one_pass_ok(const struct report *r)
{
	if (!utf8_ok(r->timestamp) || !utf8_ok(r->bm->name) || !utf8_ok(r->bm->version) ||
	    !utf8_ok(r->bm->url) || !utf8_ok(r->bm->type) || !utf8_ok(r->watch_note))
		return false;
	for (size_t i = 0; i < r->n_entries; i++)
		if (r->entries[i].n_observed || !entry_strings_ok(&r->entries[i]))
			return false;
	return true;
}

static void put_entry(struct jbuf *b, const struct report *r, const struct report_entry *e)
{
	const struct check_def *d = e->def;
	const struct check_result *res = &e->result;
	/* bloodhound's fields, in its order */
	PUT_LIT(b, "{");
	put_member_str(b, "name", d->name, true);
	put_member_str(b, "id", d->id, false);
	put_key(b, "level", false);
	put_int(b, d->level);
	put_member_str(b, "title", d->title, false);
	put_member_str(b, "mode", d->manual ? "Manual" : "Automatic", false);
	put_member_str(b, "status", check_status_name(res->status), false);
	put_member_str(b, "error", res->error ? res->error : "", false);
	/* cisreport's additions */
	put_member_str(b, "outcome", check_outcome_name(res->outcome), false);
	put_member_str(b, "kind", d->kind_name, false);
	put_key(b, "evidence", false);
	PUT_LIT(b, "[");
	for (size_t i = 0; i < res->n_evidence; i++) {
		const struct evidence *ev = &res->evidence[i];
		if (i)
			PUT_LIT(b, ",");
		PUT_LIT(b, "{");
		put_member_str(b, "item", ev->item, true);
		put_member_str(b, "expected", ev->expected, false);
		put_member_str(b, "actual", ev->actual, false);
		put_key(b, "ok", false);
		if (ev->ok)
			PUT_LIT(b, "true}");
		else
			PUT_LIT(b, "false}");
	}
	PUT_LIT(b, "]");
	put_member_str(b, "remediation", d->remediation, false);
	if (res->observation) {
		put_key(b, "observation", false);
		put_json(b, res->observation);
	}
	if (e->waiver) {
		const struct report_waiver *w = e->waiver;
		put_key(b, "waiver", false);
		PUT_LIT(b, "{");
		put_member_str(b, "reason", w->reason, true);
		put_member_str(b, "expires", w->expires, false);
		put_member_str(b, "approved_by", w->approved_by, false);
		put_member_str(b, "state", w->expired ? "expired" : "active", false);
		PUT_LIT(b, "}");
	}
	if (r->show_freshness) {
		char at[48];
		report_format_timestamp(&e->evaluated_at, at, sizeof(at));
		put_member_str(b, "evaluated_at", at, false);
	}
	PUT_LIT(b, "}");
}

/* The document, as report_to_json + json_dumps would write it. */
static void put_report(struct jbuf *b, const struct report *r)
{
	PUT_LIT(b, "{\"level\":");
	put_int(b, r->level);
	put_key(b, "total", false);
	put_int(b, (long long)r->total);
	put_key(b, "passed", false);
	put_int(b, (long long)r->passed);
	put_key(b, "skipped", false);
	put_int(b, (long long)r->skipped);
	put_key(b, "failed", false);
	put_int(b, (long long)r->failed);
	put_member_str(b, "status", check_status_name(r->status), false);
	put_member_str(b, "timestamp", r->timestamp, false);
	if (r->show_freshness) {
		char as_of[48];
		report_format_timestamp(&r->as_of, as_of, sizeof(as_of));
		put_member_str(b, "as_of", as_of, false);
		if (r->watch_note[0])
			put_member_str(b, "watch_degraded", r->watch_note, false);
	}
	if (r->bm->name)
		put_member_str(b, "name", r->bm->name, false);
	if (r->bm->version)
		put_member_str(b, "version", r->bm->version, false);
	if (r->bm->url)
		put_member_str(b, "url", r->bm->url, false);
	put_key(b, "results", false);
	PUT_LIT(b, "{");
	/* the benchmark's items only, as report_to_json */
	bool first = true;
	for (size_t i = 0; i < r->n_entries; i++) {
		if (r->entries[i].runtime)
			continue;
		put_key(b, r->entries[i].def->name, first);
		put_entry(b, r, &r->entries[i]);
		first = false;
	}
	PUT_LIT(b, "}");
	put_member_str(b, "type", r->bm->type, false);
	PUT_LIT(b, "}\n");
}

int write_json(const struct report *r, const struct writer_options *o, FILE *out)
{
	(void)o;
	struct jbuf b = {0};
	if (one_pass_ok(r)) {
		put_report(&b, r);
	} else {
		json_t *doc = report_to_json(r);
		char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(doc);
		if (text) {
			put(&b, text, strlen(text));
			PUT_LIT(&b, "\n");
		} else {
			b.failed = true;
		}
		free(text);
	}
	if (b.failed) {
		free(b.p);
		return -ENOMEM;
	}
	int rc = writer_emit(out, b.p, b.len);
	free(b.p);
	return rc;
}
