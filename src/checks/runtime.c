/* runtime: what the host *did*, from the eBPF observer, as evidence for a
 * benchmark item whose configuration the static checks verify.
 *
 * params: {"class": "unprivileged_bpf", "backs": ["1.4.3"], "samples": 5}
 *   class    one of the observer's event classes (module_load,
 *            unprivileged_bpf, user_namespace, root_remount, sysctl_write,
 *            selinux_denial, ptrace_attach, setuid_exec)
 *   backs    benchmark items this gives runtime evidence for; the report
 *            shows this check's result beside theirs ([] = general hardening)
 *   samples  events to show, 1..16 [default 5]
 *   subjects optional {item: [subject, ...]}: for an item listed here, only
 *            events about these subjects (sysctl names for sysctl_write,
 *            module names for module_load, files for setuid_exec) count as
 *            evidence for it; e.g. {"1.4.1": ["fs.suid_dumpable"]}
 *
 * PASS when nothing of the class was observed during the observation window,
 * FAIL with the exact count, first/last time and sample events otherwise,
 * SKIP with the reason when the observer (or this class) is not available. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "params.h"
#include "observer/observer.h"

#define RUNTIME_DEFAULT_SAMPLES 5

static int runtime_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"class", "backs", "samples", "subjects", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string(params, "class", true, err);
	if (!rc)
		rc = param_integer(params, "samples", false, err);
	if (rc)
		return rc;
	const char *cls = param_str(params, "class", "");
	if (observer_class_from_name(cls) < 0) {
		char list[256] = "";
		for (int i = 0; i < OBSERVER_NCLASSES; i++) {
			strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
			strncat(list, observer_class_name(i), sizeof(list) - strlen(list) - 1);
		}
		return param_fail(err, "class", "unknown class \"%s\" (known: %s)", cls, list);
	}
	const json_t *backs = json_object_get(params, "backs");
	if (!json_is_array(backs))
		return param_fail(err, "backs",
				  "must be an array of benchmark item ids (e.g. [\"1.4.3\"]), [] for none");
	size_t i;
	const json_t *b;
	json_array_foreach(backs, i, b) {
		if (!json_is_string(b) || json_string_length(b) == 0)
			return param_fail(err, "backs", "must list non-empty strings only");
	}
	const json_t *subjects = json_object_get(params, "subjects");
	if (subjects && !json_is_object(subjects))
		return param_fail(err, "subjects",
				  "must be an object of benchmark item id to an array of subjects");
	const char *item;
	const json_t *list;
	json_object_foreach((json_t *)subjects, item, list) {
		bool backed = false;
		json_array_foreach(backs, i, b) backed |= strcmp(json_string_value(b), item) == 0;
		if (!backed)
			return param_fail(err, "subjects", "item \"%s\" is not in \"backs\"", item);
		if (!json_is_array(list) || json_array_size(list) == 0)
			return param_fail(err, "subjects",
					  "value of \"%s\" must be a non-empty array of strings", item);
		json_array_foreach(list, i, b) {
			if (!json_is_string(b) || json_string_length(b) == 0)
				return param_fail(err, "subjects",
						  "value of \"%s\" must list non-empty strings only",
						  item);
		}
	}
	long long n = param_int(params, "samples", RUNTIME_DEFAULT_SAMPLES);
	if (n < 1 || n > OBSERVER_MAX_SAMPLES)
		return param_fail(err, "samples", "must be 1 to %d, not %lld", OBSERVER_MAX_SAMPLES, n);
	return 0;
}

static bool runtime_backs(const json_t *params, const char *id)
{
	size_t i;
	const json_t *b;
	json_array_foreach(json_object_get(params, "backs"), i, b) {
		if (strcmp(json_string_value(b), id) == 0)
			return true;
	}
	return false;
}

static void set_time(json_t *o, const char *key, int64_t ns)
{
	char buf[48];
	observer_format_time(ns, buf, sizeof(buf));
	json_object_set_new(o, key, json_string(buf));
}

static bool subject_listed(const json_t *list, const char *name)
{
	size_t i;
	const json_t *s;
	json_array_foreach(list, i, s) {
		if (strcmp(json_string_value(s), name) == 0)
			return true;
	}
	return false;
}

/* Evidence for one backed item restricted to its subjects: what the report
 * shows beside that item instead of the whole class. */
static json_t *item_json(const struct observer_class_view *v, const json_t *list)
{
	uint64_t count = 0, host = 0;
	int64_t first = 0, last = 0;
	const struct observer_subject *first_s = NULL;
	char names[512] = "";
	size_t used = 0;
	for (size_t i = 0; i < v->n_subjects; i++) {
		const struct observer_subject *s = &v->subjects[i];
		if (!subject_listed(list, s->name))
			continue;
		count += s->count;
		host += s->host_count;
		if (!first || s->first_ns < first) {
			first = s->first_ns;
			first_s = s;
		}
		if (s->last_ns > last)
			last = s->last_ns;
		int n = snprintf(names + used, sizeof(names) - used, "%s%s x%" PRIu64,
				 used ? ", " : "", s->name, s->count);
		if (n > 0 && (size_t)n < sizeof(names) - used)
			used += (size_t)n;
	}
	/* Lost events or a full subject table make the count a lower bound. */
	bool partial = v->lost || v->unlisted;
	double secs = (double)(v->until_ns - v->since_ns) / 1e9;
	char watched[512] = "", summary[1400];
	used = 0;
	size_t i;
	const json_t *s;
	json_array_foreach(list, i, s) {
		int n = snprintf(watched + used, sizeof(watched) - used, "%s%s", i ? ", " : "",
				 json_string_value(s));
		if (n > 0 && (size_t)n < sizeof(watched) - used)
			used += (size_t)n;
	}
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "status", json_string(count ? "FAIL" : "PASS"));
	json_object_set(o, "subjects", (json_t *)list);
	json_object_set_new(o, "count", json_integer((json_int_t)count));
	if (v->cls == OBSERVER_SYSCTL_WRITE)
		json_object_set_new(o, "host_netns_count", json_integer((json_int_t)host));
	json_object_set_new(o, "lower_bound", json_boolean(partial));
	char since[48];
	observer_format_time(v->since_ns, since, sizeof(since));
	if (!count) {
		snprintf(summary, sizeof(summary), "%snone for %s in %.0f s of observation (since %s)",
			 partial ? "apparently " : "", watched, secs, since);
	} else {
		char t1[48], t2[48], hostpart[64] = "";
		observer_format_time(first, t1, sizeof(t1));
		observer_format_time(last, t2, sizeof(t2));
		set_time(o, "first", first);
		set_time(o, "last", last);
		/* Only net.* sysctls are per network namespace. */
		if (v->cls == OBSERVER_SYSCTL_WRITE && strncmp(first_s->name, "net.", 4) == 0)
			snprintf(hostpart, sizeof(hostpart), "; %" PRIu64 " in the host network namespace",
				 host);
		snprintf(summary, sizeof(summary),
			 "%s%" PRIu64 " %s since %s: %s (first %s by pid %u (%s) uid %u, last %s)%s",
			 partial ? "at least " : "", count, observer_class_noun(v->cls, count), since,
			 names, t1, first_s->first_pid, first_s->first_comm, first_s->first_uid, t2,
			 hostpart);
	}
	json_object_set_new(o, "summary", json_string(summary));
	return o;
}

static json_t *observation_json(const struct observer_class_view *v, const json_t *params,
				size_t samples)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "class", json_string(observer_class_name(v->cls)));
	json_object_set(o, "backs", json_object_get(params, "backs"));
	set_time(o, "since", v->since_ns);
	set_time(o, "until", v->until_ns);
	json_object_set_new(o, "duration_s",
			    json_real((double)((v->until_ns - v->since_ns) / 1000000) / 1000.0));
	json_object_set_new(o, "count", json_integer((json_int_t)v->count));
	json_object_set_new(o, "received", json_integer((json_int_t)v->received));
	json_object_set_new(o, "lost", json_integer((json_int_t)v->lost));
	if (v->count) {
		set_time(o, "first", v->first_ns);
		set_time(o, "last", v->last_ns);
	}
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < v->n_samples && i < samples; i++)
		json_array_append_new(arr, observer_event_json(&v->samples[i]));
	json_object_set_new(o, "samples", arr);
	json_t *subj = json_array();
	for (size_t i = 0; subj && i < v->n_subjects; i++) {
		const struct observer_subject *s = &v->subjects[i];
		json_t *so = json_pack("{s:s, s:I}", "name", s->name, "count", (json_int_t)s->count);
		if (so && v->cls == OBSERVER_SYSCTL_WRITE)
			json_object_set_new(so, "host_netns_count", json_integer((json_int_t)s->host_count));
		json_array_append_new(subj, so);
	}
	json_object_set_new(o, "subjects", subj);
	const json_t *filters = json_object_get(params, "subjects");
	if (filters) {
		json_t *items = json_object();
		const char *item;
		const json_t *list;
		json_object_foreach((json_t *)filters, item, list)
			json_object_set_new(items, item, item_json(v, list));
		json_object_set_new(o, "items", items);
	}
	return o;
}

static void runtime_run(struct host *h, const json_t *params, struct check_result *r)
{
	int cls = observer_class_from_name(param_str(params, "class", ""));
	size_t samples = (size_t)param_int(params, "samples", RUNTIME_DEFAULT_SAMPLES);
	if (!h->live) {
		result_skip(r, OUTCOME_NOT_APPLICABLE,
			    "runtime observation watches the live host, not an offline root (--root)");
		return;
	}
	if (!h->observer) {
#ifdef CISREPORT_HAVE_BPF
		result_skip(r, OUTCOME_UNABLE,
			    "runtime observation not running (use --observe DURATION, or the "
			    "cisreportd daemon)");
#else
		result_skip(r, OUTCOME_UNABLE, "built without the eBPF observer: %s",
			    CISREPORT_BPF_REASON);
#endif
		return;
	}
	struct observer_class_view *v = malloc(sizeof(*v));
	if (!v) {
		result_skip(r, OUTCOME_UNABLE, "out of memory");
		return;
	}
	observer_snapshot(h->observer, (enum observer_class)cls, v);
	if (!v->available) {
		result_skip(r, OUTCOME_UNABLE, "%s", v->reason);
		free(v);
		return;
	}
	r->observation = observation_json(v, params, samples);
	const char *noun = observer_class_noun(v->cls, v->count);
	double secs = (double)(v->until_ns - v->since_ns) / 1e9;
	char since[48];
	observer_format_time(v->since_ns, since, sizeof(since));
	if (v->count == 0) {
		result_evidence(r, observer_class_name(v->cls), "none", true,
				"none in %.0f s of observation (since %s)", secs, since);
		result_from_evidence(r);
		free(v);
		return;
	}
	char first[48], last[48], lost[96] = "";
	observer_format_time(v->first_ns, first, sizeof(first));
	observer_format_time(v->last_ns, last, sizeof(last));
	if (v->lost)
		snprintf(lost, sizeof(lost), " (%" PRIu64 " not delivered in detail: ring buffer full)",
			 v->lost);
	result_evidence(r, observer_class_name(v->cls), "none", false,
			"%" PRIu64 " in %.0f s of observation (since %s), first %s, last %s%s",
			v->count, secs, since, first, last, lost);
	for (size_t i = 0; i < v->n_samples && i < samples; i++) {
		const struct observer_event *ev = &v->samples[i];
		char detail[1600], who[200], item[32];
		observer_event_describe(ev, detail, sizeof(detail));
		observer_event_who(ev, who, sizeof(who));
		snprintf(item, sizeof(item), "event %zu", i + 1);
		result_evidence(r, item, "none", false, "%s: %s", who, detail);
	}
	if (v->n_samples) {
		const struct observer_event *ev = &v->samples[0];
		char detail[1600], who[200];
		observer_event_describe(ev, detail, sizeof(detail));
		observer_event_who(ev, who, sizeof(who));
		result_fail(r, "%" PRIu64 " %s observed since %s (first %s, last %s)%s; first: %s: %s",
			    v->count, noun, since, first, last, lost, who, detail);
	} else {
		result_fail(r, "%" PRIu64 " %s observed since %s (first %s, last %s)%s", v->count,
			    noun, since, first, last, lost);
	}
	free(v);
}

/* What the observer saw of the class: the daemon re-runs the check when
 * the observer's count of that class moves (and when the observer is
 * switched on or off); "until" and the window's length are as of the
 * result's evaluated_at. */
static int runtime_inputs(const json_t *params, struct check_inputs *out)
{
	return inputs_add(out, INPUT_OBSERVER, param_str(params, "class", ""));
}

const struct check_kind runtime_kind = {
	.name = "runtime",
	.summary = "nothing of an event class was observed at runtime by the eBPF observer",
	.validate = runtime_validate,
	.run = runtime_run,
	.needs_observer = true,
	.backs = runtime_backs,
	.inputs = runtime_inputs,
};
