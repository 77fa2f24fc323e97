#include "pci_map.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "checks/kind.h"
#include "util/json_pos.h"
#include "util/safe_file.h"

#define PCI_MAP_MAX (1u << 20)

struct map_loader {
	const struct pci_map *m;
	char *err;
	size_t err_size;
};

__attribute__((format(printf, 4, 5))) static int
map_fail(struct map_loader *l, const struct json_seg *path, size_t n, const char *fmt, ...)
{
	int line = 1, col = 1;
	char field[256] = "";
	size_t used = 0;
	json_locate(l->m->text, path, n, &line, &col);
	for (size_t i = 0; i < n && used < sizeof(field); i++) {
		int w = path[i].key ? snprintf(field + used, sizeof(field) - used, "%s%s",
					      i ? "." : "", path[i].key)
				    : snprintf(field + used, sizeof(field) - used, "[%zu]",
					       path[i].index);
		if (w > 0)
			used += (size_t)w;
	}
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(l->err, l->err_size, "%s:%d:%d: %s%s%s", l->m->path, line, col, field,
		 field[0] ? ": " : "", msg);
	return -EINVAL;
}

static bool only_keys(const json_t *obj, const char *const *keys, const char **bad)
{
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		bool known = false;
		for (size_t i = 0; keys[i]; i++)
			known |= strcmp(keys[i], k) == 0;
		if (!known) {
			*bad = k;
			return false;
		}
	}
	return true;
}

static const json_t *find_requirement(const json_t *doc, const char *id)
{
	size_t i;
	const json_t *req;
	json_array_foreach(json_object_get(doc, "requirements"), i, req) {
		const json_t *rid = json_object_get(req, "id");
		if (json_is_string(rid) && strcmp(json_string_value(rid), id) == 0)
			return req;
	}
	return NULL;
}

/* A list of requirement ids that exist and are covered. */
static int check_id_list(struct map_loader *l, const json_t *list, struct json_seg *path,
			 size_t n)
{
	if (!json_is_array(list) || json_array_size(list) == 0)
		return map_fail(l, path, n, "must be a non-empty array of requirement ids");
	size_t i;
	const json_t *v;
	json_array_foreach(list, i, v) {
		path[n].key = NULL;
		path[n].index = i;
		if (!json_is_string(v))
			return map_fail(l, path, n + 1, "must be a requirement id string");
		const json_t *req = find_requirement(l->m->doc, json_string_value(v));
		if (!req)
			return map_fail(l, path, n + 1, "requirement \"%s\" is not listed in requirements",
					json_string_value(v));
		if (json_object_get(req, "not_covered"))
			return map_fail(l, path, n + 1,
					"requirement \"%s\" is marked not_covered: a check cannot evidence it",
					json_string_value(v));
	}
	return 0;
}

static int validate(struct map_loader *l)
{
	const json_t *doc = l->m->doc;
	static const char *const top[] = {"format_version", "standard", "version", "requirement",
					  "title", "requirements", "report_requirements",
					  "benchmarks", NULL};
	struct json_seg path[4] = {{0}};
	const char *bad;
	if (!json_is_object(doc))
		return map_fail(l, NULL, 0, "the mapping must be a JSON object");
	if (!only_keys(doc, top, &bad)) {
		path[0].key = bad;
		return map_fail(l, path, 1,
				"unknown field (allowed: format_version, standard, version, requirement, title, requirements, report_requirements, benchmarks)");
	}
	const json_t *ver = json_object_get(doc, "format_version");
	path[0].key = "format_version";
	if (!json_is_integer(ver) || json_integer_value(ver) != PCI_MAP_FORMAT_VERSION)
		return map_fail(l, ver ? path : NULL, ver ? 1 : 0,
				"format_version must be %d", PCI_MAP_FORMAT_VERSION);
	static const char *const strings[] = {"standard", "version", "requirement", "title"};
	for (size_t i = 0; i < 4; i++) {
		const json_t *s = json_object_get(doc, strings[i]);
		path[0].key = strings[i];
		if (!json_is_string(s) || json_string_length(s) == 0)
			return map_fail(l, path, s ? 1 : 0, "\"%s\" must be a non-empty string",
					strings[i]);
	}
	const json_t *reqs = json_object_get(doc, "requirements");
	path[0].key = "requirements";
	if (!json_is_array(reqs) || json_array_size(reqs) == 0)
		return map_fail(l, path, reqs ? 1 : 0, "requirements must be a non-empty array");
	size_t i;
	const json_t *req;
	json_array_foreach(reqs, i, req) {
		static const char *const rkeys[] = {"id", "title", "note", "not_covered", NULL};
		path[1].key = NULL;
		path[1].index = i;
		if (!json_is_object(req))
			return map_fail(l, path, 2, "each requirement must be an object");
		if (!only_keys(req, rkeys, &bad)) {
			path[2].key = bad;
			return map_fail(l, path, 3,
					"unknown field (allowed: id, title, note, not_covered)");
		}
		for (size_t k = 0; k < 4; k++) {
			const json_t *v = json_object_get(req, rkeys[k]);
			path[2].key = rkeys[k];
			if (k < 2 && !v)
				return map_fail(l, path, 2, "\"%s\" is required", rkeys[k]);
			if (v && (!json_is_string(v) || json_string_length(v) == 0))
				return map_fail(l, path, 3, "must be a non-empty string");
		}
		const char *id = json_string_value(json_object_get(req, "id"));
		if (find_requirement(doc, id) != req) {
			path[2].key = "id";
			return map_fail(l, path, 3, "requirement \"%s\" is listed twice", id);
		}
	}
	path[0].key = "report_requirements";
	int rc = check_id_list(l, json_object_get(doc, "report_requirements"), path, 1);
	if (rc)
		return rc;
	const json_t *bms = json_object_get(doc, "benchmarks");
	path[0].key = "benchmarks";
	if (!json_is_object(bms))
		return map_fail(l, path, bms ? 1 : 0, "benchmarks must be an object of benchmark type to check mapping");
	const char *type;
	const json_t *checks;
	json_object_foreach((json_t *)bms, type, checks) {
		path[1].key = type;
		if (!json_is_object(checks))
			return map_fail(l, path, 2, "must be an object of check id to requirement ids");
		const char *cid;
		const json_t *list;
		json_object_foreach((json_t *)checks, cid, list) {
			path[2].key = cid;
			rc = check_id_list(l, list, path, 3);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int pci_map_load(const char *path, struct pci_map *m, char *err, size_t err_size)
{
	memset(m, 0, sizeof(*m));
	m->path = strdup(path);
	if (!m->path)
		return -ENOMEM;
	int rc = safe_read(AT_FDCWD, path, 0, PCI_MAP_MAX, &m->text, &m->text_len);
	if (rc) {
		snprintf(err, err_size, "%s: cannot read: %s", path,
			 rc == -EFBIG ? "larger than 1 MiB" : safe_strerror(rc));
		pci_map_free(m);
		return rc == -ENOENT ? -ENOENT : -EINVAL;
	}
	json_error_t jerr;
	m->doc = json_loads(m->text, JSON_REJECT_DUPLICATES, &jerr);
	if (!m->doc) {
		snprintf(err, err_size, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		pci_map_free(m);
		return -EINVAL;
	}
	struct map_loader l = {.m = m, .err = err, .err_size = err_size};
	rc = validate(&l);
	if (rc)
		pci_map_free(m);
	return rc;
}

void pci_map_free(struct pci_map *m)
{
	json_decref(m->doc);
	free(m->path);
	free(m->text);
	memset(m, 0, sizeof(*m));
}

const char *pci_map_standard(const struct pci_map *m)
{
	return json_string_value(json_object_get(m->doc, "standard"));
}

const char *pci_map_version(const struct pci_map *m)
{
	return json_string_value(json_object_get(m->doc, "version"));
}

const json_t *pci_map_check(const struct pci_map *m, const char *type, const char *check_id)
{
	const json_t *checks = json_object_get(json_object_get(m->doc, "benchmarks"), type);
	return json_object_get(checks, check_id);
}

static bool list_has(const json_t *list, const char *s)
{
	size_t i;
	const json_t *v;
	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* In the mapping's order of requirements, so a union reads like the
 * mapping itself. */
static int add_requirements(const json_t *doc, json_t *into, const json_t *list)
{
	json_t *merged = json_array();
	if (!merged)
		return -ENOMEM;
	size_t i;
	const json_t *req;
	json_array_foreach(json_object_get(doc, "requirements"), i, req) {
		const char *id = json_string_value(json_object_get(req, "id"));
		if (list_has(into, id) || list_has(list, id))
			json_array_append_new(merged, json_string(id));
	}
	int rc = json_array_clear(into) == 0 && json_array_extend(into, merged) == 0 ? 0 : -ENOMEM;
	json_decref(merged);
	return rc;
}

json_t *pci_map_requirements(const struct pci_map *m, const char *type,
			     const struct check_def *def, json_t **via)
{
	if (via)
		*via = NULL;
	const json_t *mapped = pci_map_check(m, type, def->id);
	if (mapped || !def->kind || !def->kind->backs)
		return mapped ? json_deep_copy(mapped) : json_array();
	/* A runtime check evidences what the items it backs evidence: its
	 * observations are the runtime side of those items. */
	json_t *reqs = json_array();
	json_t *items = json_array();
	if (!reqs || !items)
		goto nomem;
	const char *item;
	const json_t *list;
	json_object_foreach(json_object_get(json_object_get(m->doc, "benchmarks"), type), item,
			    list) {
		if (!def->kind->backs(def->params, item))
			continue;
		if (add_requirements(m->doc, reqs, list) < 0 ||
		    json_array_append_new(items, json_string(item)) < 0)
			goto nomem;
	}
	if (via && json_array_size(items))
		*via = items;
	else
		json_decref(items);
	return reqs;
nomem:
	json_decref(reqs);
	json_decref(items);
	return NULL;
}

static void count_status(const struct report_entry *e, size_t *passed, size_t *failed,
			 size_t *skipped)
{
	switch (e->result.status) {
	case CHECK_PASS:
		(*passed)++;
		break;
	case CHECK_FAIL:
		(*failed)++;
		break;
	default:
		(*skipped)++;
	}
}

json_t *pci_map_report(const struct pci_map *m, const struct report *r)
{
	json_t *doc = json_object();
	json_t *reqs = json_array();
	json_t *checks = json_array();
	json_t *unmapped = json_array();
	json_t *supporting = json_array();
	json_t **reqs_of = calloc(r->n_entries ? r->n_entries : 1, sizeof(*reqs_of));
	json_t **via_of = calloc(r->n_entries ? r->n_entries : 1, sizeof(*via_of));
	if (!doc || !reqs || !checks || !unmapped || !supporting || !reqs_of || !via_of)
		goto nomem;
	const json_t *report_reqs = json_object_get(m->doc, "report_requirements");
	bool type_known = json_object_get(json_object_get(m->doc, "benchmarks"), r->bm->type);
	json_object_set_new(doc, "standard", json_string(pci_map_standard(m)));
	json_object_set_new(doc, "version", json_string(pci_map_version(m)));
	json_object_set(doc, "requirement", json_object_get(m->doc, "requirement"));
	json_object_set(doc, "title", json_object_get(m->doc, "title"));
	json_object_set_new(doc, "benchmark",
			    json_pack("{s:s, s:s, s:s, s:i}", "type", r->bm->type, "name",
				      r->bm->name, "version", r->bm->version, "level", r->level));
	if (!type_known) {
		char note[200];
		snprintf(note, sizeof(note),
			 "the mapping names no check of benchmark type %s: only the requirements the whole report evidences are covered",
			 r->bm->type);
		json_object_set_new(doc, "note", json_string(note));
	}

	for (size_t i = 0; i < r->n_entries; i++) {
		const struct report_entry *e = &r->entries[i];
		bool runtime = e->def->kind && e->def->kind->needs_observer;
		reqs_of[i] = pci_map_requirements(m, r->bm->type, e->def, &via_of[i]);
		if (!reqs_of[i])
			goto nomem;
		json_t *c = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:O}", "name",
				      e->def->name, "id", e->def->id, "title", e->def->title,
				      "level", e->def->level, "mode",
				      e->def->manual ? "Manual" : "Automatic", "status",
				      check_status_name(e->result.status), "outcome",
				      check_outcome_name(e->result.outcome), "requirements",
				      reqs_of[i]);
		if (!c || json_array_append_new(checks, c) < 0)
			goto nomem;
		if (runtime)
			json_object_set_new(c, "runtime", json_true());
		if (via_of[i])
			json_object_set(c, "mapped_via", via_of[i]);
		if (e->waiver) /* the justification is in waivers.json */
			json_object_set_new(c, "waiver",
					    json_string(e->waiver->expired ? "expired" : "active"));
		if (json_array_size(reqs_of[i]))
			continue;
		if (runtime) {
			/* e.g. ptrace attaches: hardening evidence the benchmark
			 * has no item for; shown, but claimed for no requirement */
			json_t *s = json_pack("{s:s, s:s, s:s, s:s}", "name", e->def->name, "id",
					      e->def->id, "status",
					      check_status_name(e->result.status), "reason",
					      "runtime observation backing no benchmark item the mapping names: supporting evidence, no 2.2.x requirement claimed");
			if (!s || json_array_append_new(supporting, s) < 0)
				goto nomem;
		} else {
			json_array_append_new(unmapped, json_string(e->def->name));
		}
	}

	size_t i;
	const json_t *req;
	json_array_foreach(json_object_get(m->doc, "requirements"), i, req) {
		const char *id = json_string_value(json_object_get(req, "id"));
		json_t *o = json_pack("{s:s, s:O}", "id", id, "title", json_object_get(req, "title"));
		if (!o || json_array_append_new(reqs, o) < 0)
			goto nomem;
		const json_t *why = json_object_get(req, "not_covered");
		if (why) {
			json_object_set_new(o, "covered", json_false());
			json_object_set(o, "reason", (json_t *)why);
			continue;
		}
		json_t *names = json_array();
		json_t *observers = json_array();
		size_t passed = 0, failed = 0, skipped = 0;
		for (size_t k = 0; names && observers && k < r->n_entries; k++) {
			const struct report_entry *e = &r->entries[k];
			if (!list_has(reqs_of[k], id))
				continue;
			if (e->def->kind && e->def->kind->needs_observer) {
				json_array_append_new(
					observers,
					json_pack("{s:s, s:s, s:s, s:O}", "check", e->def->name, "id",
						  e->def->id, "status",
						  check_status_name(e->result.status), "via",
						  via_of[k] ? via_of[k] : json_null()));
				continue;
			}
			json_array_append_new(names, json_string(e->def->name));
			count_status(e, &passed, &failed, &skipped);
		}
		bool by_report = list_has(report_reqs, id);
		bool covered = by_report || json_array_size(names) > 0 ||
			       json_array_size(observers) > 0;
		json_object_set_new(o, "covered", json_boolean(covered));
		json_object_set_new(o, "evidenced_by_whole_report", json_boolean(by_report));
		if (json_object_get(req, "note"))
			json_object_set(o, "note", json_object_get(req, "note"));
		if (covered && !by_report && json_array_size(names) == 0) {
			/* said, so runtime evidence is not read as configuration */
			json_object_set_new(o, "reason",
					    json_string("only runtime observations (observed_by) evidence it in this report: no configuration check of this report maps to it"));
		} else if (!covered) {
			char why_text[200];
			if (type_known)
				snprintf(why_text, sizeof(why_text),
					 "no check of this report (%s, level %d) maps to it",
					 r->bm->type, r->level);
			else
				snprintf(why_text, sizeof(why_text),
					 "the mapping names no check of benchmark type %s",
					 r->bm->type);
			json_object_set_new(o, "reason", json_string(why_text));
		}
		json_object_set_new(o, "checks", names);
		json_object_set_new(o, "passed", json_integer((json_int_t)passed));
		json_object_set_new(o, "failed", json_integer((json_int_t)failed));
		json_object_set_new(o, "skipped", json_integer((json_int_t)skipped));
		json_object_set_new(o, "observed_by", observers);
	}
	json_object_set_new(doc, "requirements", reqs);
	json_object_set_new(doc, "checks", checks);
	json_object_set_new(doc, "supporting_checks", supporting);
	json_object_set_new(doc, "unmapped_checks", unmapped);
	for (size_t k = 0; k < r->n_entries; k++) {
		json_decref(reqs_of[k]);
		json_decref(via_of[k]);
	}
	free(reqs_of);
	free(via_of);
	return doc;
nomem:
	for (size_t k = 0; reqs_of && via_of && k < r->n_entries; k++) {
		json_decref(reqs_of[k]);
		json_decref(via_of[k]);
	}
	free(reqs_of);
	free(via_of);
	json_decref(doc);
	json_decref(reqs);
	json_decref(checks);
	json_decref(unmapped);
	json_decref(supporting);
	return NULL;
}
