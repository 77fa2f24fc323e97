/* JSON: bloodhound's document, compact on one line, keys in its order;
 * cisreport's additions come after the fields bloodhound defines. */
#include <errno.h>
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

int write_json(const struct report *r, const struct writer_options *o, FILE *out)
{
	(void)o;
	json_t *doc = report_to_json(r);
	if (!doc)
		return -ENOMEM;
	/* Dump to one string and write it once: json_dumpf writes token by
	 * token, which costs more than building the document. */
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!text)
		return -ENOMEM;
	int rc = fputs(text, out);
	free(text);
	if (rc == EOF || fputc('\n', out) == EOF)
		return -EIO;
	return ferror(out) ? -EIO : 0;
}
