#include "settings.h"
#include "util/utc_time.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/writer.h"
#include "util/atomic_file.h"
#include "util/safe_file.h"

#define DEFAULT_LEVEL 1
#define DEFAULT_FORMAT "text"

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t err_size,
						       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void waiver_free(struct waiver *w)
{
	free(w->check);
	free(w->reason);
	free(w->expires);
	free(w->approved_by);
	free(w->submitted_at);
	memset(w, 0, sizeof(*w));
}

static int waiver_copy(const struct waiver *src, struct waiver *dst)
{
	*dst = (struct waiver){
		.check = strdup(src->check),
		.reason = strdup(src->reason),
		.expires = strdup(src->expires),
		.expires_at = src->expires_at,
		.approved_by = strdup(src->approved_by),
		.submitted_uid = src->submitted_uid,
		.submitted_pid = src->submitted_pid,
		.submitted_at = src->submitted_at ? strdup(src->submitted_at) : NULL,
	};
	if (!dst->check || !dst->reason || !dst->expires || !dst->approved_by ||
	    (src->submitted_at && !dst->submitted_at)) {
		waiver_free(dst);
		return -ENOMEM;
	}
	return 0;
}

/* Every key a patch may set, for the messages that say what is allowed. */
#define SETTINGS_KEYS "level, format, observer, waivers, full_interval, max_watchers"

int settings_init(struct settings *s)
{
	*s = (struct settings){.level = DEFAULT_LEVEL, .observer = true};
	s->format = strdup(DEFAULT_FORMAT);
	s->changes = json_array();
	if (!s->format || !s->changes) {
		settings_free(s);
		return -ENOMEM;
	}
	return 0;
}

void settings_free(struct settings *s)
{
	for (size_t i = 0; i < s->n_waivers; i++)
		waiver_free(&s->waivers[i]);
	free(s->waivers);
	free(s->format);
	json_decref(s->changes);
	memset(s, 0, sizeof(*s));
}

int settings_copy(const struct settings *src, struct settings *dst)
{
	*dst = (struct settings){.level = src->level,
				 .observer = src->observer,
				 .full_interval_s = src->full_interval_s,
				 .max_watchers = src->max_watchers};
	dst->format = strdup(src->format);
	dst->waivers = calloc(src->n_waivers ? src->n_waivers : 1, sizeof(*dst->waivers));
	dst->changes = src->changes ? json_deep_copy(src->changes) : json_array();
	if (!dst->format || !dst->waivers || !dst->changes) {
		settings_free(dst);
		return -ENOMEM;
	}
	for (size_t i = 0; i < src->n_waivers; i++) {
		if (waiver_copy(&src->waivers[i], &dst->waivers[i]) < 0) {
			settings_free(dst);
			return -ENOMEM;
		}
		dst->n_waivers++;
	}
	return 0;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Exactly n digits at *p, advancing it. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

int rfc3339_parse(const char *text, time_t *out)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = text;
	int y, mo, d, h, mi, s;
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d))
		return -EINVAL;
	if (*p != 'T' && *p != 't')
		return -EINVAL;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
	    !digits(&p, 2, &s))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60)
		return -EINVAL;
	if (d > mdays[mo - 1] + (mo == 2 && is_leap(y)))
		return -EINVAL;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		while (isdigit((unsigned char)*p))
			p++;
	}
	long offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
		offset = sign * (oh * 3600L + om * 60L);
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			.tm_min = mi, .tm_sec = s == 60 ? 59 : s};
	time_t t = timegm(&tm);
	if (t == (time_t)-1 && !(y == 1969 && mo == 12 && d == 31))
		return -EINVAL;
	*out = t - offset;
	return 0;
}

/* Text shown in reports must not break their lines. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int waiver_string(const json_t *obj, const char *check, const char *key, size_t max,
			 char **out, char *err, size_t err_size)
{
	const json_t *v = json_object_get(obj, key);
	if (!v)
		return fail(err, err_size, "waivers.%s.%s: is required (a non-empty string)", check,
			    key);
	if (!json_is_string(v) || json_string_length(v) == 0)
		return fail(err, err_size, "waivers.%s.%s: must be a non-empty string", check, key);
	if (json_string_length(v) > max)
		return fail(err, err_size, "waivers.%s.%s: longer than %zu bytes", check, key, max);
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    !printable(json_string_value(v)))
		return fail(err, err_size, "waivers.%s.%s: must not contain control characters",
			    check, key);
	*out = strdup(json_string_value(v));
	return *out ? 0 : -ENOMEM;
}

static bool valid_check_name(const char *s)
{
	if (!*s || strlen(s) > WAIVER_MAX_CHECK_NAME)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' &&
		    *s != '-')
			return false;
	return true;
}

/* A waiver's "submitted-by" {"uid", "pid"} and "submitted-at", as the
 * daemon wrote them. */
static int parse_submitter(const char *check, const json_t *v, struct waiver *w, char *err,
			   size_t err_size)
{
	const json_t *by = json_object_get(v, "submitted-by");
	const json_t *at = json_object_get(v, "submitted-at");
	if (!by && !at)
		return 0;
	const json_t *uid = json_object_get(by, "uid"), *pid = json_object_get(by, "pid");
	if (!json_is_object(by) || json_object_size(by) != 2 || !json_is_integer(uid) ||
	    !json_is_integer(pid) || !json_is_string(at))
		return fail(err, err_size,
			    "waivers.%s: \"submitted-by\" must be {\"uid\": N, \"pid\": N} with \"submitted-at\" (an RFC 3339 date-time)",
			    check);
	time_t t;
	if (rfc3339_parse(json_string_value(at), &t) < 0)
		return fail(err, err_size, "waivers.%s.submitted-at: not an RFC 3339 date-time",
			    check);
	w->submitted_uid = (long)json_integer_value(uid);
	w->submitted_pid = (long)json_integer_value(pid);
	w->submitted_at = strdup(json_string_value(at));
	return w->submitted_at ? 0 : -ENOMEM;
}

static void format_time(time_t t, char out[32])
{
	char base[UTC_TIME_LEN];
	utc_format(t, base);
	snprintf(out, 32, "%sZ", base);
}

static int parse_waiver(const char *check, const json_t *v, const struct settings_rules *rules,
			struct waiver *w, char *err, size_t err_size)
{
	/* The last two only in a file: the daemon writes them. */
	static const char *const keys[] = {"reason",       "expires",      "approved-by",
					   "submitted-by", "submitted-at", NULL};
	size_t n_keys = rules ? 3 : 5;
	memset(w, 0, sizeof(*w));
	w->submitted_uid = w->submitted_pid = -1;
	char hint[256] = "";
	if (rules && rules->check_exists && !rules->check_exists(check, hint, sizeof(hint), rules->ctx))
		return fail(err, err_size, "waivers: no check named \"%.64s\" in the loaded profiles%s%s",
			    check, hint[0] ? "; " : "", hint);
	if (!valid_check_name(check))
		return fail(err, err_size,
			    "waivers: \"%.64s\" is not a check name (lower-case letters, digits, '-' or '_', at most %d)",
			    check, WAIVER_MAX_CHECK_NAME);
	if (!json_is_object(v))
		return fail(err, err_size,
			    "waivers.%s: must be an object {\"reason\", \"expires\", \"approved-by\"}, or null to remove the waiver",
			    check);
	const char *k;
	const json_t *f;
	json_object_foreach((json_t *)v, k, f) {
		bool known = false, daemons = false;
		for (size_t i = 0; keys[i]; i++) {
			known |= i < n_keys && strcmp(k, keys[i]) == 0;
			daemons |= i >= n_keys && strcmp(k, keys[i]) == 0;
		}
		if (daemons)
			return fail(err, err_size,
				    "waivers.%s.%s: is recorded by the daemon (the peer that submits the waiver), not set by a client; send reason, expires, approved-by",
				    check, k);
		if (!known)
			return fail(err, err_size,
				    "waivers.%s: unknown field \"%.64s\" (allowed: reason, expires, approved-by)",
				    check, k);
	}
	int rc;
	w->check = strdup(check);
	if (!w->check)
		return -ENOMEM;
	if ((rc = waiver_string(v, check, "reason", WAIVER_MAX_REASON, &w->reason, err, err_size)) ||
	    (rc = waiver_string(v, check, "approved-by", WAIVER_MAX_APPROVER, &w->approved_by, err,
				err_size)) ||
	    (rc = waiver_string(v, check, "expires", 64, &w->expires, err, err_size)) ||
	    (!rules && (rc = parse_submitter(check, v, w, err, err_size))))
		goto out;
	if (rules && rules->actor) {
		char at[32];
		format_time(rules->actor->at, at);
		w->submitted_uid = rules->actor->uid;
		w->submitted_pid = rules->actor->pid;
		if (!(w->submitted_at = strdup(at))) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (rfc3339_parse(w->expires, &w->expires_at) < 0) {
		rc = fail(err, err_size,
			  "waivers.%s.expires: \"%s\" is not an RFC 3339 date-time (e.g. 2026-12-31T23:59:59Z)",
			  check, w->expires);
		goto out;
	}
	if (rules && rules->now && w->expires_at <= rules->now) {
		rc = fail(err, err_size,
			  "waivers.%s.expires: %s is not in the future; a waiver must expire after now",
			  check, w->expires);
		goto out;
	}
	return 0;
out:
	waiver_free(w);
	return rc;
}

static int by_check(const void *a, const void *b)
{
	return strcmp(((const struct waiver *)a)->check, ((const struct waiver *)b)->check);
}

static ssize_t find_index(const struct settings *s, const char *check)
{
	for (size_t i = 0; i < s->n_waivers; i++)
		if (strcmp(s->waivers[i].check, check) == 0)
			return (ssize_t)i;
	return -1;
}

/* Merge the "waivers" member of a patch into out (a copy of the base). */
static int patch_waivers(struct settings *out, const json_t *patch,
			 const struct settings_rules *rules, char *err, size_t err_size)
{
	if (!json_is_object(patch))
		return fail(err, err_size,
			    "waivers: must be an object of check name to {\"reason\", \"expires\", \"approved-by\"}");
	const char *check;
	const json_t *v;
	json_object_foreach((json_t *)patch, check, v) {
		ssize_t at = find_index(out, check);
		if (json_is_null(v)) {
			if (at >= 0) {
				waiver_free(&out->waivers[at]);
				out->waivers[at] = out->waivers[--out->n_waivers];
			}
			continue;
		}
		struct waiver w;
		int rc = parse_waiver(check, v, rules, &w, err, err_size);
		if (rc)
			return rc;
		if (at >= 0) {
			waiver_free(&out->waivers[at]);
			out->waivers[at] = w;
			continue;
		}
		if (out->n_waivers >= SETTINGS_MAX_WAIVERS) {
			waiver_free(&w);
			return fail(err, err_size, "waivers: more than %d waivers", SETTINGS_MAX_WAIVERS);
		}
		struct waiver *n = realloc(out->waivers, (out->n_waivers + 1) * sizeof(*n));
		if (!n) {
			waiver_free(&w);
			return -ENOMEM;
		}
		out->waivers = n;
		out->waivers[out->n_waivers++] = w;
	}
	qsort(out->waivers, out->n_waivers, sizeof(*out->waivers), by_check);
	return 0;
}

/* "changes" from a file: the shape the daemon writes, at most the last
 * SETTINGS_MAX_CHANGES kept. */
static int read_changes(struct settings *out, const json_t *v, char *err, size_t err_size)
{
	if (!json_is_array(v))
		return fail(err, err_size, "changes: must be an array");
	size_t i;
	const json_t *c;
	json_array_foreach(v, i, c) {
		const json_t *at = json_object_get(c, "at"), *changed = json_object_get(c, "changed");
		if (!json_is_string(at) || !json_is_integer(json_object_get(c, "uid")) ||
		    !json_is_integer(json_object_get(c, "pid")) || !json_is_array(changed))
			return fail(err, err_size,
				    "changes[%zu]: must be {\"at\", \"uid\", \"pid\", \"changed\": [...]}",
				    i);
	}
	json_t *copy = json_deep_copy(v);
	if (!copy)
		return -ENOMEM;
	while (json_array_size(copy) > SETTINGS_MAX_CHANGES)
		json_array_remove(copy, 0);
	json_decref(out->changes);
	out->changes = copy;
	return 0;
}

/* Append who changed which keys ("waivers.<check>" per waiver) and when. */
static int record_change(struct settings *out, const json_t *patch,
			 const struct settings_actor *actor)
{
	json_t *changed = json_array();
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)patch, k, v) {
		if (strcmp(k, "waivers") || !json_is_object(v)) {
			json_array_append_new(changed, json_string(k));
			continue;
		}
		const char *check;
		const json_t *w;
		json_object_foreach((json_t *)v, check, w) {
			char name[WAIVER_MAX_CHECK_NAME + 32];
			snprintf(name, sizeof(name), "waivers.%s%s", check,
				 json_is_null(w) ? " (removed)" : "");
			json_array_append_new(changed, json_string(name));
		}
	}
	char at[32];
	format_time(actor->at, at);
	json_t *entry = json_pack("{s:s, s:I, s:I, s:o}", "at", at, "uid", (json_int_t)actor->uid,
				  "pid", (json_int_t)actor->pid, "changed", changed);
	if (!entry || json_array_append_new(out->changes, entry) < 0)
		return -ENOMEM;
	while (json_array_size(out->changes) > SETTINGS_MAX_CHANGES)
		json_array_remove(out->changes, 0);
	return 0;
}

/* A daemon tunable: an integer 1..max, or null for the daemon's option. */
static int patch_count(const json_t *v, const char *key, unsigned max, const char *unit,
		       unsigned *out, char *err, size_t err_size)
{
	if (json_is_null(v)) {
		*out = 0;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > max)
		return fail(err, err_size,
			    "%s: must be a number of %s from 1 to %u, or null for the daemon's option",
			    key, unit, max);
	*out = (unsigned)json_integer_value(v);
	return 0;
}

int settings_patch(const struct settings *base, const json_t *patch,
		   const struct settings_rules *rules, struct settings *out, char *err,
		   size_t err_size)
{
	if (!json_is_object(patch))
		return fail(err, err_size,
			    "settings must be a JSON object with any of: " SETTINGS_KEYS);
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)patch, k, v) {
		bool known = strcmp(k, "level") == 0 || strcmp(k, "format") == 0 ||
			     strcmp(k, "observer") == 0 || strcmp(k, "waivers") == 0 ||
			     strcmp(k, "full_interval") == 0 || strcmp(k, "max_watchers") == 0;
		if (strcmp(k, "changes") == 0) {
			if (rules)
				return fail(err, err_size,
					    "\"changes\" is the daemon's record of who changed what and when, not a setting (allowed: " SETTINGS_KEYS ")");
			known = true;
		}
		if (!known)
			return fail(err, err_size,
				    "unknown setting \"%.64s\" (allowed: " SETTINGS_KEYS ")",
				    k);
	}
	int rc = settings_copy(base, out);
	if (rc)
		return rc;
	if ((v = json_object_get(patch, "level"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > PROFILE_MAX_LEVEL) {
			rc = fail(err, err_size, "level: must be a number from 0 to 255");
			goto out;
		}
		out->level = (int)json_integer_value(v);
	}
	if ((v = json_object_get(patch, "format"))) {
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
		    !report_writer_find(json_string_value(v))) {
			rc = fail(err, err_size, "format: must be one of: %s", report_writer_names());
			goto out;
		}
		char *f = strdup(json_string_value(v));
		if (!f) {
			rc = -ENOMEM;
			goto out;
		}
		free(out->format);
		out->format = f;
	}
	if ((v = json_object_get(patch, "observer"))) {
		if (!json_is_boolean(v)) {
			rc = fail(err, err_size, "observer: must be true or false");
			goto out;
		}
		out->observer = json_is_true(v);
	}
	if ((v = json_object_get(patch, "full_interval")) &&
	    (rc = patch_count(v, "full_interval", SETTINGS_MAX_FULL_INTERVAL, "seconds",
			      &out->full_interval_s, err, err_size)))
		goto out;
	if ((v = json_object_get(patch, "max_watchers")) &&
	    (rc = patch_count(v, "max_watchers", SETTINGS_MAX_WATCHERS, "streams",
			      &out->max_watchers, err, err_size)))
		goto out;
	if ((v = json_object_get(patch, "waivers")) &&
	    (rc = patch_waivers(out, v, rules, err, err_size)))
		goto out;
	if (!rules && (v = json_object_get(patch, "changes")))
		rc = read_changes(out, v, err, err_size);
	else if (rules && rules->actor)
		rc = record_change(out, patch, rules->actor);
out:
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, err_size, "out of memory");
		settings_free(out);
	}
	return rc;
}

int settings_parse(const char *path, const char *text, size_t len, struct settings *s,
		   char *err, size_t err_size)
{
	struct settings defaults;
	int rc = settings_init(&defaults);
	if (rc)
		return rc;
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		settings_free(&defaults);
		snprintf(err, err_size, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	char msg[512];
	rc = settings_patch(&defaults, doc, NULL, s, msg, sizeof(msg));
	json_decref(doc);
	settings_free(&defaults);
	if (rc)
		snprintf(err, err_size, "%s: %s", path, msg);
	return rc;
}

int settings_load_at(const char *path, unsigned safe_flags, struct settings *s, bool *missing,
		     char *err, size_t err_size)
{
	if (missing)
		*missing = false;
	/* util/safe_file: a FIFO or a link to /dev/zero here is an error
	 * naming the path, never a read that blocks (the daemon reloads this
	 * on SIGHUP). */
	char *text;
	size_t len;
	int rc = safe_read(AT_FDCWD, path, safe_flags, SETTINGS_MAX_FILE, &text, &len);
	if (rc == -ENOENT) {
		if (missing)
			*missing = true;
		return settings_init(s);
	}
	if (rc) {
		if (rc == -EFBIG)
			snprintf(err, err_size, "%s: larger than %u bytes", path, SETTINGS_MAX_FILE);
		else
			snprintf(err, err_size, "%s: %s", path, safe_strerror(rc));
		return rc;
	}
	rc = settings_parse(path, text, len, s, err, err_size);
	free(text);
	return rc;
}

int settings_load(const char *path, struct settings *s, bool *missing, char *err,
		  size_t err_size)
{
	return settings_load_at(path, 0, s, missing, err, err_size);
}

json_t *settings_to_json(const struct settings *s)
{
	json_t *waivers = json_object();
	if (!waivers)
		return NULL;
	for (size_t i = 0; i < s->n_waivers; i++) {
		const struct waiver *w = &s->waivers[i];
		json_t *o = json_pack("{s:s, s:s, s:s}", "reason", w->reason, "expires", w->expires,
				      "approved-by", w->approved_by);
		if (o && w->submitted_at) {
			json_object_set_new(o, "submitted-by",
					    json_pack("{s:I, s:I}", "uid", (json_int_t)w->submitted_uid,
						      "pid", (json_int_t)w->submitted_pid));
			json_object_set_new(o, "submitted-at", json_string(w->submitted_at));
		}
		json_object_set_new(waivers, w->check, o);
	}
	json_t *doc = json_pack("{s:i, s:s, s:b}", "level", s->level, "format", s->format,
				"observer", s->observer);
	/* Daemon tunables appear once set: a file without them stays as it was. */
	if (doc && s->full_interval_s)
		json_object_set_new(doc, "full_interval", json_integer(s->full_interval_s));
	if (doc && s->max_watchers)
		json_object_set_new(doc, "max_watchers", json_integer(s->max_watchers));
	if (!doc || json_object_set_new(doc, "waivers", waivers) < 0 ||
	    json_object_set(doc, "changes", s->changes ? s->changes : json_array()) < 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int settings_patch_text(const struct settings *base, const char *body, size_t len,
			const struct settings_rules *rules, struct settings *out, char *err,
			size_t err_size)
{
	json_error_t jerr;
	json_t *patch = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!patch) {
		char why[160];
		size_t n = 0;
		for (const char *p = jerr.text; *p && n + 1 < sizeof(why); p++)
			why[n++] = (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?';
		why[n] = '\0';
		return fail(err, err_size,
			    "body is not JSON (%s at line %d, column %d); send an object with any of: " SETTINGS_KEYS,
			    why, jerr.line, jerr.column);
	}
	int rc = settings_patch(base, patch, rules, out, err, err_size);
	json_decref(patch);
	return rc;
}

int settings_save(const char *path, const struct settings *s, long group)
{
	json_t *doc = settings_to_json(s);
	if (!doc)
		return -ENOMEM;
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!text)
		return -ENOMEM;
	/* The file ends with a newline: it takes the place of the NUL, and the
	 * length is given explicitly. */
	size_t len = strlen(text);
	text[len] = '\n';
	/* Waivers and who changed what: not for every reader. */
	/* Group and mode set on the temporary file, before the rename. */
	int rc = atomic_write_group(path, text, len + 1, group >= 0 ? 0640 : 0600, group);
	free(text);
	return rc;
}

const struct waiver *settings_find_waiver(const struct settings *s, const char *check)
{
	ssize_t at = find_index(s, check);
	return at >= 0 ? &s->waivers[at] : NULL;
}

time_t settings_next_expiry(const struct settings *s, time_t now)
{
	time_t next = 0;
	for (size_t i = 0; i < s->n_waivers; i++) {
		time_t t = s->waivers[i].expires_at;
		if (t > now && (!next || t < next))
			next = t;
	}
	return next;
}

int settings_apply_waivers(const struct settings *s, struct report *r, time_t now)
{
	for (size_t i = 0; i < r->n_entries; i++) {
		struct report_entry *e = &r->entries[i];
		const struct waiver *w = settings_find_waiver(s, e->def->name);
		if (!w)
			continue;
		struct report_waiver *rw = calloc(1, sizeof(*rw));
		if (!rw)
			return -ENOMEM;
		rw->reason = strdup(w->reason);
		rw->expires = strdup(w->expires);
		rw->approved_by = strdup(w->approved_by);
		rw->expired = w->expires_at <= now;
		report_waiver_free(e->waiver);
		e->waiver = rw;
		if (!rw->reason || !rw->expires || !rw->approved_by)
			return -ENOMEM;
	}
	return 0;
}
