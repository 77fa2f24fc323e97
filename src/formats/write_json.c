/* JSON: bloodhound's document, compact on one line, keys in its order;
 * cisreport's additions come after the fields bloodhound defines.
 *
 * write_json writes the document in one pass into one buffer, escaping as
 * jansson's json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) does, and hands
 * it over in one write() (writer_emit); report_to_json builds the same
 * document as a jansson tree for the evidence bundle. The two give the same
 * bytes (tests/unit/test_writers.c compares them, runtime backing
 * included); a report holding a string that is not valid UTF-8, which
 * jansson would drop, is written through the tree so that it stays so. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
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
/* One runtime check backing entry e, as both writers put it: which check,
 * its status and error, and the observation the counts come from with the
 * keys to take. A runtime check may narrow its evidence per item
 * (observation.items.<id>: e.g. only writes to this item's sysctls). */
struct observed_row {
	const struct report_entry *rt;
	json_t *cls;        /* the observation's "class", or NULL */
	const char *status; /* "SKIP" when the item says none */
	const char *error;
	const json_t *from; /* the item, or the whole observation */
	const char *const *keys;
};

static void observed_row(const struct report *r, const struct report_entry *e, size_t i,
			 struct observed_row *row)
{
	static const char *const class_keys[] = {"count", "lost", "first", "last", NULL};
	static const char *const item_keys[] = {"count", "lower_bound", "first", "last",
						"subjects", "summary", NULL};
	const struct report_entry *rt = &r->entries[e->observed[i]];
	const json_t *obs = rt->result.observation;
	const json_t *item = json_object_get(json_object_get(obs, "items"), e->def->id);
	const char *status = item ? json_string_value(json_object_get(item, "status"))
				  : check_status_name(rt->result.status);
	row->rt = rt;
	row->cls = json_object_get(obs, "class");
	row->status = status ? status : "SKIP";
	/* narrowed: the class-wide reason would name other subjects */
	row->error = item ? "" : rt->result.error ? rt->result.error : "";
	row->from = item ? item : obs;
	row->keys = item ? item_keys : class_keys;
}

/* The runtime checks backing this entry, in brief (observed_row). */
static json_t *observed_json(const struct report *r, const struct report_entry *e)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < e->n_observed; i++) {
		struct observed_row row;
		observed_row(r, e, i, &row);
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "check", row.rt->def->name, "id",
				      row.rt->def->id, "status", row.status, "error", row.error);
		if (o && row.cls)
			json_object_set(o, "class", row.cls);
		for (size_t k = 0; o && row.keys[k]; k++) {
			json_t *v = json_object_get(row.from, row.keys[k]);
			if (v)
				json_object_set(o, row.keys[k], v);
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
	bool failed;  /* out of memory */
	bool invalid; /* a string was not valid UTF-8: the tree writes it */
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

/* The length of the valid UTF-8 sequence at p (lead byte >= 0x80) as
 * jansson accepts it (no overlong forms, no surrogates, nothing above
 * U+10FFFF), within end; 0 when it is not one. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned c = *p, cp;
	size_t n;
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
		return 0;
	}
	if ((size_t)(end - p) <= n)
		return 0;
	for (size_t i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n + 1;
}

/* Whether any of the 8 bytes of v needs a look: a C0 control, '"', '\\',
 * or a byte >= 0x80 (UTF-8 to check). */
static inline bool word_special(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t quote = v ^ (ones * '"'), bslash = v ^ (ones * '\\');
	uint64_t t = ((v - ones * 0x20) & ~v) | ((quote - ones) & ~quote) |
		     ((bslash - ones) & ~bslash) | v;
	return (t & high) != 0;
}

/* A JSON string as jansson writes it without JSON_ENSURE_ASCII: '"', '\\'
 * and the C0 controls escaped (\b \f \n \r \t, else \u00XX), the rest as
 * is; a string that is not valid UTF-8 marks the buffer invalid (jansson
 * would drop it: the tree writes that report). Eight bytes are looked at
 * at once: most strings need no escape at all. */
static void put_str(struct jbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t n = strlen((const char *)s);
	if (!reserve(b, n + 2))
		return;
	b->p[b->len++] = '"';
	const unsigned char *end = s + n, *run = s, *c = s;
	for (;;) {
		while (end - c >= 8) {
			uint64_t v;
			memcpy(&v, c, 8);
			if (word_special(v))
				break;
			c += 8;
		}
		while (c < end && *c >= 0x20 && *c != '"' && *c != '\\' && *c < 0x80)
			c++;
		if (c == end)
			break;
		if (*c >= 0x80) {
			size_t k = utf8_seq(c, end);
			if (!k) {
				b->invalid = true;
				return;
			}
			c += k;
			continue;
		}
		put(b, (const char *)run, (size_t)(c - run));
		char esc[8];
		size_t el = 2;
		esc[0] = '\\';
		switch (*c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = "0123456789ABCDEF"[*c >> 4];
			esc[5] = "0123456789ABCDEF"[*c & 15];
			el = 6;
			break;
		}
		put(b, esc, el);
		run = ++c;
	}
	put(b, (const char *)run, (size_t)(end - run));
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
	char num[24];
	size_t i = sizeof(num);
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do
		num[--i] = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		num[--i] = '-';
	put(b, num + i, sizeof(num) - i);
}

/* A member whose key is a literal needing no escape: ,"key": at once. */
#define PUT_MEMBER_STR(b, key, v) (PUT_LIT(b, ",\"" key "\":"), put_str(b, v))

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

/* "observed": the runtime checks backing this entry, as observed_json
 * builds them (the values kept from their jansson observations dumped as
 * jansson dumps them). */
static void put_observed(struct jbuf *b, const struct report *r, const struct report_entry *e)
{
	PUT_LIT(b, ",\"observed\":[");
	for (size_t i = 0; i < e->n_observed; i++) {
		struct observed_row row;
		observed_row(r, e, i, &row);
		if (i)
			PUT_LIT(b, ",");
		PUT_LIT(b, "{\"check\":");
		put_str(b, row.rt->def->name);
		PUT_MEMBER_STR(b, "id", row.rt->def->id);
		PUT_MEMBER_STR(b, "status", row.status);
		PUT_MEMBER_STR(b, "error", row.error);
		if (row.cls) {
			PUT_LIT(b, ",\"class\":");
			put_json(b, row.cls);
		}
		for (const char *const *k = row.keys; *k; k++) {
			const json_t *v = json_object_get(row.from, *k);
			if (!v)
				continue;
			PUT_LIT(b, ",");
			put_str(b, *k);
			PUT_LIT(b, ":");
			put_json(b, v);
		}
		PUT_LIT(b, "}");
	}
	PUT_LIT(b, "]");
}

static void put_entry(struct jbuf *b, const struct report *r, const struct report_entry *e)
{
	const struct check_def *d = e->def;
	const struct check_result *res = &e->result;
	/* bloodhound's fields, in its order */
	PUT_LIT(b, "{\"name\":");
	put_str(b, d->name);
	PUT_MEMBER_STR(b, "id", d->id);
	PUT_LIT(b, ",\"level\":");
	put_int(b, d->level);
	PUT_MEMBER_STR(b, "title", d->title);
	PUT_MEMBER_STR(b, "mode", d->manual ? "Manual" : "Automatic");
	PUT_MEMBER_STR(b, "status", check_status_name(res->status));
	PUT_MEMBER_STR(b, "error", res->error ? res->error : "");
	/* cisreport's additions */
	PUT_MEMBER_STR(b, "outcome", check_outcome_name(res->outcome));
	PUT_MEMBER_STR(b, "kind", d->kind_name);
	PUT_LIT(b, ",\"evidence\":[");
	for (size_t i = 0; i < res->n_evidence; i++) {
		const struct evidence *ev = &res->evidence[i];
		if (i)
			PUT_LIT(b, ",");
		PUT_LIT(b, "{\"item\":");
		put_str(b, ev->item);
		PUT_MEMBER_STR(b, "expected", ev->expected);
		PUT_MEMBER_STR(b, "actual", ev->actual);
		if (ev->ok)
			PUT_LIT(b, ",\"ok\":true}");
		else
			PUT_LIT(b, ",\"ok\":false}");
	}
	PUT_LIT(b, "]");
	PUT_MEMBER_STR(b, "remediation", d->remediation);
	if (res->observation) {
		PUT_LIT(b, ",\"observation\":");
		put_json(b, res->observation);
	}
	if (e->n_observed)
		put_observed(b, r, e);
	if (e->waiver) {
		const struct report_waiver *w = e->waiver;
		PUT_LIT(b, ",\"waiver\":{\"reason\":");
		put_str(b, w->reason);
		PUT_MEMBER_STR(b, "expires", w->expires);
		PUT_MEMBER_STR(b, "approved_by", w->approved_by);
		PUT_MEMBER_STR(b, "state", w->expired ? "expired" : "active");
		PUT_LIT(b, "}");
	}
	if (r->show_freshness) {
		char at[48];
		report_format_timestamp(&e->evaluated_at, at, sizeof(at));
		PUT_MEMBER_STR(b, "evaluated_at", at);
	}
	PUT_LIT(b, "}");
}

/* The document, as report_to_json + json_dumps would write it. */
static void put_report(struct jbuf *b, const struct report *r)
{
	PUT_LIT(b, "{\"level\":");
	put_int(b, r->level);
	PUT_LIT(b, ",\"total\":");
	put_int(b, (long long)r->total);
	PUT_LIT(b, ",\"passed\":");
	put_int(b, (long long)r->passed);
	PUT_LIT(b, ",\"skipped\":");
	put_int(b, (long long)r->skipped);
	PUT_LIT(b, ",\"failed\":");
	put_int(b, (long long)r->failed);
	PUT_MEMBER_STR(b, "status", check_status_name(r->status));
	PUT_MEMBER_STR(b, "timestamp", r->timestamp);
	if (r->show_freshness) {
		char as_of[48];
		report_format_timestamp(&r->as_of, as_of, sizeof(as_of));
		PUT_MEMBER_STR(b, "as_of", as_of);
		if (r->watch_note[0])
			PUT_MEMBER_STR(b, "watch_degraded", r->watch_note);
	}
	if (r->bm->name)
		PUT_MEMBER_STR(b, "name", r->bm->name);
	if (r->bm->version)
		PUT_MEMBER_STR(b, "version", r->bm->version);
	if (r->bm->url)
		PUT_MEMBER_STR(b, "url", r->bm->url);
	PUT_LIT(b, ",\"results\":{");
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
	PUT_MEMBER_STR(b, "type", r->bm->type);
	PUT_LIT(b, "}\n");
}

int render_json(const struct report *r, const struct writer_options *o, char **buf, size_t *len)
{
	(void)o;
	struct jbuf b = {0};
	/* Sized once for the whole report (an entry takes 500-700 bytes), so
	 * that it is not copied as it grows. */
	reserve(&b, 1024 + 768 * r->n_entries);
	put_report(&b, r);
	if (b.invalid) {
		b.len = 0;
		b.invalid = false;
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
	/* NUL-terminated, as report_render's buffers are (not counted) */
	if (reserve(&b, 1))
		b.p[b.len] = '\0';
	if (b.failed) {
		free(b.p);
		return -ENOMEM;
	}
	*buf = b.p;
	*len = b.len;
	return 0;
}

int write_json(const struct report *r, const struct writer_options *o, FILE *out)
{
	return writer_emit_rendered(render_json, r, o, out);
}
