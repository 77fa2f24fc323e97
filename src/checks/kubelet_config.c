/* kubelet_config: a field of the kubelet's KubeletConfiguration file (YAML).
 *
 * params:
 *   "path":    the config file, e.g. "/etc/kubernetes/kubelet/config"
 *   "field":   a dotted path, e.g. "authentication.anonymous.enabled"
 *              (or "fields": [...] when several must all pass)
 *   "test":    equals | not_equals   with "value" (string, integer, boolean)
 *              is_true | is_false    a YAML boolean
 *              set                   present, not null, not ""
 *              duration_nonzero      a Go duration ("4h0m0s") that is not 0
 *              positive              an integer > 0
 *              subset                a non-empty list, every item in "allowed"
 *              file_exists           a path (relative ones are relative to the
 *                                    config file, as for the kubelet) naming
 *                                    an existing regular file
 *   "default": what the kubelet uses when the field is absent or null (its
 *              documented default for config files); the test is applied
 *              to it and the evidence says "(default)". Without one, an
 *              absent field fails, and "default_description" says what the
 *              kubelet does instead (e.g. "Go's cipher suites").
 *   "field_is_path": equals/not_equals compare a relative path resolved
 *              against the config file's folder.
 *
 * Types are the kubelet's: a quoted "false" is a string, and the kubelet
 * refuses a string where a boolean belongs, so it is a type error (FAIL),
 * never false. A file that does not parse is SKIP with the parser's line
 * and column, never PASS. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go_duration.h"
#include "params.h"
#include "rooted_stat.h"
#include "yaml_doc.h"

#define KUBELET_CONFIG_MAX (1u << 20)
#define FIELD_MAX 255
#define FIELD_SEGMENTS_MAX 16
#define SHOW_MAX 160
#define KUBELET_KIND "KubeletConfiguration"

enum test {
	T_EQUALS,
	T_NOT_EQUALS,
	T_SET,
	T_IS_TRUE,
	T_IS_FALSE,
	T_DURATION_NONZERO,
	T_POSITIVE,
	T_SUBSET,
	T_FILE_EXISTS,
	T_COUNT,
};

static const char *const test_names[T_COUNT + 1] = {
	"equals", "not_equals", "set",    "is_true",     "is_false",
	"duration_nonzero", "positive", "subset", "file_exists", NULL,
};

/* What a test needs the field to be. */
enum want { W_ANY, W_BOOL, W_INT, W_STRING, W_DURATION, W_STRING_LIST };

static int test_from_name(const char *name)
{
	for (int i = 0; i < T_COUNT; i++)
		if (strcmp(test_names[i], name) == 0)
			return i;
	return -1;
}

static enum want test_want(enum test t, const json_t *value)
{
	switch (t) {
	case T_EQUALS:
	case T_NOT_EQUALS:
		return json_is_boolean(value) ? W_BOOL : json_is_integer(value) ? W_INT : W_STRING;
	case T_IS_TRUE:
	case T_IS_FALSE:
		return W_BOOL;
	case T_DURATION_NONZERO:
		return W_DURATION;
	case T_POSITIVE:
		return W_INT;
	case T_SUBSET:
		return W_STRING_LIST;
	case T_FILE_EXISTS:
		return W_STRING;
	default:
		return W_ANY;
	}
}

static const char *want_name(enum want w)
{
	switch (w) {
	case W_BOOL:
		return "a boolean";
	case W_INT:
		return "an integer";
	case W_STRING:
		return "a string";
	case W_DURATION:
		return "a duration string such as \"4h0m0s\"";
	case W_STRING_LIST:
		return "a list of strings";
	default:
		return "a value";
	}
}

/* ---- parameters ---- */

static bool field_is_valid(const char *f)
{
	size_t len = strlen(f), segments = 1;
	if (len == 0 || len > FIELD_MAX || f[0] == '.' || f[len - 1] == '.' || strstr(f, ".."))
		return false;
	for (const char *p = f; *p; p++) {
		if (*p == '.')
			segments++;
		else if ((unsigned char)*p <= ' ')
			return false;
	}
	return segments <= FIELD_SEGMENTS_MAX;
}

static int validate_default(enum test t, const json_t *value, const json_t *dflt,
			    struct param_error *err)
{
	if (!dflt)
		return 0;
	if (t == T_SET || t == T_FILE_EXISTS)
		return param_fail(err, "default", "is not allowed with test \"%s\"", test_names[t]);
	switch (test_want(t, value)) {
	case W_BOOL:
		if (!json_is_boolean(dflt))
			return param_fail(err, "default", "must be true or false for test \"%s\"",
					  test_names[t]);
		return 0;
	case W_INT:
		if (!json_is_integer(dflt))
			return param_fail(err, "default", "must be an integer for test \"%s\"",
					  test_names[t]);
		return 0;
	case W_STRING:
		if (!json_is_string(dflt))
			return param_fail(err, "default", "must be a string for test \"%s\"",
					  test_names[t]);
		return 0;
	case W_DURATION: {
		int64_t ns;
		if (!json_is_string(dflt) ||
		    go_duration_parse(json_string_value(dflt), json_string_length(dflt), &ns, NULL))
			return param_fail(err, "default", "must be a Go duration such as \"4h0m0s\"");
		return 0;
	}
	case W_STRING_LIST: {
		size_t i;
		const json_t *e;
		if (!json_is_array(dflt))
			return param_fail(err, "default", "must be an array of strings");
		json_array_foreach(dflt, i, e) if (!json_is_string(e)) return param_fail(
			err, "default", "element %zu must be a string", i);
		return 0;
	}
	default:
		return 0;
	}
}

static int kubelet_config_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"path",    "field",   "fields",
					      "test",    "value",   "allowed",
					      "default", "default_description",
					      "field_is_path", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string(params, "path", true, err);
	if (!rc)
		rc = param_string(params, "test", true, err);
	if (!rc)
		rc = param_string(params, "field", false, err);
	if (!rc)
		rc = param_string_array(params, "fields", false, err);
	if (!rc)
		rc = param_string(params, "default_description", false, err);
	if (!rc)
		rc = param_boolean(params, "field_is_path", false, err);
	if (rc)
		return rc;
	if (param_str(params, "path", "")[0] != '/')
		return param_fail(err, "path", "must be an absolute path");

	const json_t *field = json_object_get(params, "field"),
		     *fields = json_object_get(params, "fields");
	if (!field == !fields)
		return param_fail(err, "field", "give exactly one of \"field\" and \"fields\"");
	if (field && !field_is_valid(json_string_value(field)))
		return param_fail(err, "field",
				  "must be a dotted path such as \"authentication.anonymous.enabled\" (at most %d parts)",
				  FIELD_SEGMENTS_MAX);
	size_t i;
	const json_t *f;
	json_array_foreach(fields, i, f) if (!field_is_valid(json_string_value(f))) return param_fail(
		err, "fields", "element %zu must be a dotted path such as \"tlsCertFile\"", i);

	int t = test_from_name(param_str(params, "test", ""));
	if (t < 0)
		return param_fail(err, "test",
				  "unknown test \"%s\" (allowed: equals, not_equals, set, is_true, is_false, duration_nonzero, positive, subset, file_exists)",
				  param_str(params, "test", ""));
	const json_t *value = json_object_get(params, "value");
	if (t == T_EQUALS || t == T_NOT_EQUALS) {
		if (!value)
			return param_fail(err, "value", "is required for test \"%s\"", test_names[t]);
		if (!json_is_string(value) && !json_is_integer(value) && !json_is_boolean(value))
			return param_fail(err, "value", "must be a string, an integer or a boolean");
	} else if (value) {
		return param_fail(err, "value", "is only used by tests equals and not_equals");
	}
	if (t == T_SUBSET) {
		if ((rc = param_string_array(params, "allowed", true, err)))
			return rc;
	} else if (json_object_get(params, "allowed")) {
		return param_fail(err, "allowed", "is only used by test subset");
	}
	if (json_object_get(params, "field_is_path") && !json_is_string(value))
		return param_fail(err, "field_is_path",
				  "is only used by equals and not_equals with a string value");
	return validate_default(t, value, json_object_get(params, "default"), err);
}

/* ---- evaluation ---- */

struct ctx {
	struct host *h;
	const json_t *params;
	const char *config_path;
	enum test test;
	enum want want;
	const json_t *value;
	char expected[1024];
	bool failed;        /* some field is definitely wrong */
	char unknown[512];  /* why some field could not be checked */
	struct check_result *r;
};

/* Printable, bounded copy of a value for evidence. */
static void show(const char *s, size_t len, char *buf, size_t size)
{
	size_t w = 0;
	size_t limit = size - 4 < SHOW_MAX ? size - 4 : SHOW_MAX;
	for (size_t i = 0; i < len && w < limit; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[w++] = c < ' ' || c == 0x7f ? '?' : (char)c;
	}
	if (len > w && w >= limit) {
		memcpy(buf + w, "...", 3);
		w += 3;
	}
	buf[w] = '\0';
}

/* A scalar as written: quoted styles keep their quotes so that the reader
 * sees "false" is not false. */
static void show_node(const struct ynode *n, char *buf, size_t size)
{
	if (n->type != YNODE_SCALAR) {
		snprintf(buf, size, "a %s", ynode_type_name(n->type));
		return;
	}
	char inner[SHOW_MAX + 8];
	show(n->value, n->len, inner, sizeof(inner));
	if (n->style == YSTYLE_DOUBLE_QUOTED)
		snprintf(buf, size, "\"%s\"", inner);
	else if (n->style == YSTYLE_SINGLE_QUOTED)
		snprintf(buf, size, "'%s'", inner);
	else
		snprintf(buf, size, "%s", inner);
}

/* " (line 5)" plus a note when the key was given more than once. */
static void where(const struct ynode *n, size_t dups, char *buf, size_t size)
{
	if (dups > 1)
		snprintf(buf, size, "line %u; the key appears %zu times and the last one counts",
			 n->line, dups);
	else
		snprintf(buf, size, "line %u", n->line);
}

static void type_error(struct ctx *c, const char *field, const struct ynode *n, size_t dups)
{
	char shown[SHOW_MAX + 16], at[128], what[96];
	show_node(n, shown, sizeof(shown));
	where(n, dups, at, sizeof(at));
	if (n->type != YNODE_SCALAR) {
		snprintf(what, sizeof(what), "a %s", ynode_type_name(n->type));
	} else {
		struct yscalar s = ynode_resolve(n);
		if (s.kind == YSCALAR_STRING && n->style != YSTYLE_PLAIN)
			snprintf(what, sizeof(what), "a %s string", yscalar_style_name(n->style));
		else if (s.kind == YSCALAR_INT)
			snprintf(what, sizeof(what), "an integer");
		else
			snprintf(what, sizeof(what), "a %s", yscalar_kind_name(s.kind));
	}
	c->failed = true;
	result_evidence(c->r, field, c->expected, false, "%s (%s: %s, not %s)", shown, at, what,
			want_name(c->want));
}

static int scalar_int(const struct ynode *n, int64_t *out)
{
	if (n->type != YNODE_SCALAR)
		return -EINVAL;
	struct yscalar s = ynode_resolve(n);
	if (s.kind == YSCALAR_INT) {
		*out = s.i;
		return 0;
	}
	/* The kubelet's YAML-to-JSON step writes an integral float as an
	 * integer, so "0.0" is a valid port. */
	if (s.kind == YSCALAR_FLOAT && s.f > -9.2e18 && s.f < 9.2e18 &&
	    s.f == (double)(int64_t)s.f) {
		*out = (int64_t)s.f;
		return 0;
	}
	return -EINVAL;
}

static bool scalar_string(const struct ynode *n)
{
	return n->type == YNODE_SCALAR && ynode_resolve(n).kind == YSCALAR_STRING;
}

/* Drop "." and empty segments and apply ".." lexically, in place. */
static void normalize_path(char *p)
{
	char *out = p;
	const char *in = p;
	while (*in) {
		while (*in == '/')
			in++;
		const char *seg = in;
		while (*in && *in != '/')
			in++;
		size_t len = (size_t)(in - seg);
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > p && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, seg, len);
		out += len;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

/* A relative path in a KubeletConfiguration is relative to the config
 * file's folder (the kubelet resolves it so). */
static void resolve_path(const struct ctx *c, const char *p, char *buf, size_t size)
{
	if (p[0] == '/') {
		snprintf(buf, size, "%s", p);
	} else {
		const char *slash = strrchr(c->config_path, '/');
		int dirlen = (int)(slash - c->config_path);
		snprintf(buf, size, "%.*s/%s", dirlen, c->config_path, p);
	}
	normalize_path(buf);
}

static bool str_equals(const struct ctx *c, const char *s, size_t len)
{
	const char *want = json_string_value(c->value);
	if (memchr(s, '\0', len))
		return false;
	if (param_bool(c->params, "field_is_path", false)) {
		char resolved[PATH_MAX];
		resolve_path(c, s, resolved, sizeof(resolved));
		return strcmp(resolved, want) == 0;
	}
	return strlen(want) == len && memcmp(want, s, len) == 0;
}

static bool in_allowed(const struct ctx *c, const char *s, size_t len)
{
	size_t i;
	const json_t *a;
	json_array_foreach(json_object_get(c->params, "allowed"), i, a) {
		if (json_string_length(a) == len && memcmp(json_string_value(a), s, len) == 0)
			return true;
	}
	return false;
}

static void check_file(struct ctx *c, const char *field, const char *value, size_t len,
		       const char *at)
{
	char path[PATH_MAX], shown[SHOW_MAX + 8];
	show(value, len, shown, sizeof(shown));
	if (len == 0 || memchr(value, '\0', len)) {
		c->failed = true;
		result_evidence(c->r, field, c->expected, false, "\"%s\" (%s: not a usable path)",
				shown, at);
		return;
	}
	resolve_path(c, value, path, sizeof(path));
	struct stat st;
	int rc = rooted_stat(c->h, path, &st);
	if (rc == 0 && S_ISREG(st.st_mode)) {
		result_evidence(c->r, field, c->expected, true, "%s (%s; exists)", path, at);
	} else if (rc == 0) {
		c->failed = true;
		result_evidence(c->r, field, c->expected, false, "%s (%s; a %s, not a regular file)",
				path, at, file_type_name(st.st_mode));
	} else if (rc == -ENOENT || rc == -ENOTDIR) {
		c->failed = true;
		result_evidence(c->r, field, c->expected, false, "%s (%s; missing: %s)", path, at,
				host_strerror(rc));
	} else {
		result_evidence(c->r, field, c->expected, false, "%s (%s; cannot check: %s)", path,
				at, host_strerror(rc));
		if (!c->unknown[0])
			snprintf(c->unknown, sizeof(c->unknown), "cannot check %s named by %s: %s",
				 path, field, host_strerror(rc));
	}
}

static void verdict(struct ctx *c, const char *field, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void verdict(struct ctx *c, const char *field, bool ok, const char *fmt, ...)
{
	char actual[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(actual, sizeof(actual), fmt, ap);
	va_end(ap);
	c->failed |= !ok;
	result_evidence(c->r, field, c->expected, ok, "%s", actual);
}

/* Join list items for evidence, and the disallowed ones separately. */
struct list_view {
	char all[1024], bad[1024];
	size_t n_bad;
};

static void list_add(struct ctx *c, struct list_view *v, const char *s, size_t len, bool first)
{
	char item[SHOW_MAX + 8];
	show(s, len, item, sizeof(item));
	size_t used = strlen(v->all);
	snprintf(v->all + used, sizeof(v->all) - used, "%s%s", first ? "" : ", ", item);
	if (!in_allowed(c, s, len)) {
		used = strlen(v->bad);
		snprintf(v->bad + used, sizeof(v->bad) - used, "%s%s", v->n_bad ? ", " : "", item);
		v->n_bad++;
	}
}

static void check_default(struct ctx *c, const char *field, const char *note);

static void check_node(struct ctx *c, const char *field, const struct ynode *n, size_t dups)
{
	char at[128], shown[SHOW_MAX + 16];
	where(n, dups, at, sizeof(at));
	show_node(n, shown, sizeof(shown));

	switch (c->want) {
	case W_ANY: /* set */
		if (n->type == YNODE_SCALAR && n->len == 0)
			verdict(c, field, false, "\"\" (%s: empty)", at);
		else
			verdict(c, field, true, "%s (%s)", shown, at);
		return;
	case W_BOOL: {
		struct yscalar s = n->type == YNODE_SCALAR ? ynode_resolve(n)
							   : (struct yscalar){.kind = YSCALAR_OTHER};
		if (s.kind != YSCALAR_BOOL)
			return type_error(c, field, n, dups);
		bool want = c->test == T_IS_TRUE ||
			    (c->test != T_IS_FALSE && json_is_true(c->value));
		bool ok = c->test == T_NOT_EQUALS ? s.b != want : s.b == want;
		verdict(c, field, ok, "%s (%s)", shown, at);
		return;
	}
	case W_INT: {
		int64_t v;
		if (scalar_int(n, &v))
			return type_error(c, field, n, dups);
		bool ok;
		if (c->test == T_POSITIVE)
			ok = v > 0;
		else
			ok = (v == json_integer_value(c->value)) == (c->test == T_EQUALS);
		char canon[32];
		snprintf(canon, sizeof(canon), "%lld", (long long)v);
		if (strcmp(canon, n->value))
			verdict(c, field, ok, "%s (= %s, %s)", shown, canon, at);
		else
			verdict(c, field, ok, "%s (%s)", shown, at);
		return;
	}
	case W_STRING:
		if (!scalar_string(n))
			return type_error(c, field, n, dups);
		if (c->test == T_FILE_EXISTS)
			return check_file(c, field, n->value, n->len, at);
		if (param_bool(c->params, "field_is_path", false) && n->value[0] != '/' &&
		    !memchr(n->value, '\0', n->len)) {
			char resolved[PATH_MAX];
			resolve_path(c, n->value, resolved, sizeof(resolved));
			verdict(c, field, str_equals(c, n->value, n->len) == (c->test == T_EQUALS),
				"%s (= %s, %s)", shown, resolved, at);
			return;
		}
		verdict(c, field, str_equals(c, n->value, n->len) == (c->test == T_EQUALS), "%s (%s)",
			shown, at);
		return;
	case W_DURATION: {
		if (!scalar_string(n))
			return type_error(c, field, n, dups);
		int64_t ns;
		const char *why = "";
		if (go_duration_parse(n->value, n->len, &ns, &why)) {
			c->failed = true;
			result_evidence(c->r, field, c->expected, false,
					"%s (%s: not a duration: %s)", shown, at, why);
			return;
		}
		char canon[GO_DURATION_MAX];
		go_duration_format(ns, canon);
		if (strlen(canon) != n->len || memcmp(canon, n->value, n->len))
			verdict(c, field, ns != 0, "%s (= %s, %s)", shown, canon, at);
		else
			verdict(c, field, ns != 0, "%s (%s)", shown, at);
		return;
	}
	case W_STRING_LIST: {
		if (n->type != YNODE_SEQUENCE)
			return type_error(c, field, n, dups);
		if (n->n == 0) {
			/* The kubelet treats an empty list as not set. */
			char note[96];
			snprintf(note, sizeof(note), "the list at %s is empty", at);
			return check_default(c, field, note);
		}
		struct list_view v = {.all = "", .bad = ""};
		for (size_t i = 0; i < n->n; i++) {
			const struct ynode *item = n->items[i];
			if (!scalar_string(item)) {
				char ishown[SHOW_MAX + 16];
				show_node(item, ishown, sizeof(ishown));
				c->failed = true;
				result_evidence(c->r, field, c->expected, false,
						"item %zu %s (line %u) is not a string", i + 1,
						ishown, item->line);
				return;
			}
			list_add(c, &v, item->value, item->len, i == 0);
		}
		if (v.n_bad)
			verdict(c, field, false, "%s (%s); not allowed: %s", v.all, at, v.bad);
		else
			verdict(c, field, true, "%s (%s)", v.all, at);
		return;
	}
	}
}

/* The field is absent (or null, or an empty list): the kubelet's default
 * applies, when the profile states it. */
static void check_default(struct ctx *c, const char *field, const char *note)
{
	const json_t *d = json_object_get(c->params, "default");
	const char *desc = param_str(c->params, "default_description", NULL);
	char tail[160] = "";
	if (note)
		snprintf(tail, sizeof(tail), "; %s", note);
	if (!d) {
		if (desc)
			verdict(c, field, false, "default (%s%s)", desc, tail);
		else
			verdict(c, field, false, "not set%s%s%s", note ? " (" : "", note ? note : "",
				note ? ")" : "");
		return;
	}
	switch (c->want) {
	case W_BOOL: {
		bool b = json_is_true(d);
		bool want = c->test == T_IS_TRUE ||
			    (c->test != T_IS_FALSE && json_is_true(c->value));
		bool ok = c->test == T_NOT_EQUALS ? b != want : b == want;
		verdict(c, field, ok, "%s (default%s)", b ? "true" : "false", tail);
		return;
	}
	case W_INT: {
		long long v = json_integer_value(d);
		bool ok = c->test == T_POSITIVE
				  ? v > 0
				  : (v == json_integer_value(c->value)) == (c->test == T_EQUALS);
		verdict(c, field, ok, "%lld (default%s)", v, tail);
		return;
	}
	case W_STRING: {
		char shown[SHOW_MAX + 8];
		show(json_string_value(d), json_string_length(d), shown, sizeof(shown));
		verdict(c, field,
			str_equals(c, json_string_value(d), json_string_length(d)) ==
				(c->test == T_EQUALS),
			"%s (default%s)", shown, tail);
		return;
	}
	case W_DURATION: {
		int64_t ns = 0;
		go_duration_parse(json_string_value(d), json_string_length(d), &ns, NULL);
		char canon[GO_DURATION_MAX];
		verdict(c, field, ns != 0, "%s (default%s)", go_duration_format(ns, canon), tail);
		return;
	}
	case W_STRING_LIST: {
		struct list_view v = {.all = "", .bad = ""};
		size_t i;
		const json_t *e;
		json_array_foreach(d, i, e) list_add(c, &v, json_string_value(e), json_string_length(e),
						     i == 0);
		if (json_array_size(d) == 0)
			verdict(c, field, false, "[] (default%s)", tail);
		else if (v.n_bad)
			verdict(c, field, false, "%s (default%s); not allowed: %s", v.all, tail, v.bad);
		else
			verdict(c, field, true, "%s (default%s)", v.all, tail);
		return;
	}
	default:
		verdict(c, field, false, "not set%s", tail);
	}
}

static void check_field(struct ctx *c, const struct ydoc *d, const char *field)
{
	const struct ynode *n = NULL, *bad = NULL;
	char at[FIELD_MAX + 1];
	size_t dups = 0;
	int rc = ydoc_lookup(d, field, &n, &bad, at, sizeof(at), &dups);
	if (rc == -ENOTDIR) {
		char shown[SHOW_MAX + 16];
		show_node(bad, shown, sizeof(shown));
		c->failed = true;
		result_evidence(c->r, field, c->expected, false, "%s is %s (line %u), not a mapping",
				at, shown, bad->line);
		return;
	}
	if (rc == -ENOENT)
		return check_default(c, field, NULL);
	check_node(c, field, n, dups);
}

static void describe_expected(struct ctx *c)
{
	char *e = c->expected;
	size_t size = sizeof(c->expected);
	const json_t *v = c->value;
	char val[SHOW_MAX + 8] = "";
	if (json_is_string(v))
		show(json_string_value(v), json_string_length(v), val, sizeof(val));
	else if (json_is_integer(v))
		snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(val, sizeof(val), "%s", json_is_true(v) ? "true" : "false");
	switch (c->test) {
	case T_EQUALS:
		snprintf(e, size, "%s", val);
		break;
	case T_NOT_EQUALS:
		snprintf(e, size, "not %s", val);
		break;
	case T_SET:
		snprintf(e, size, "set");
		break;
	case T_IS_TRUE:
		snprintf(e, size, "true");
		break;
	case T_IS_FALSE:
		snprintf(e, size, "false");
		break;
	case T_DURATION_NONZERO:
		snprintf(e, size, "a non-zero duration");
		break;
	case T_POSITIVE:
		snprintf(e, size, "a positive integer");
		break;
	case T_FILE_EXISTS:
		snprintf(e, size, "an existing file");
		break;
	case T_SUBSET: {
		size_t used = (size_t)snprintf(e, size, "only ");
		size_t i;
		const json_t *a;
		json_array_foreach(json_object_get(c->params, "allowed"), i, a) {
			if (used >= size)
				break;
			int n = snprintf(e + used, size - used, "%s%s", i ? ", " : "",
					 json_string_value(a));
			if (n > 0)
				used += (size_t)n;
		}
		break;
	}
	default:
		e[0] = '\0';
	}
}

static void kubelet_config_run(struct host *h, const json_t *params, struct check_result *r)
{
	struct ctx c = {
		.h = h,
		.params = params,
		.config_path = param_str(params, "path", ""),
		.test = (enum test)test_from_name(param_str(params, "test", "")),
		.value = json_object_get(params, "value"),
		.r = r,
	};
	c.want = test_want(c.test, c.value);
	describe_expected(&c);

	char *text = NULL;
	size_t len = 0;
	int rc = host_read_file(h, c.config_path, KUBELET_CONFIG_MAX, &text, &len);
	if (rc == -EFBIG) {
		result_skip(r, OUTCOME_UNABLE, "%s is larger than %u KiB, the most this check loads",
			    c.config_path, KUBELET_CONFIG_MAX / 1024);
		return;
	}
	if (rc) {
		result_skip(r, OUTCOME_UNABLE, "cannot read %s: %s", c.config_path,
			    host_strerror(rc));
		return;
	}
	struct ydoc *d = NULL;
	struct ydoc_error yerr;
	rc = ydoc_load(text, len, NULL, &d, &yerr);
	free(text);
	if (rc) {
		const char *what = rc == -E2BIG ? "not loaded" : "cannot parse";
		if (yerr.line)
			result_skip(r, OUTCOME_UNABLE, "%s %s: line %u, column %u: %s", what,
				    c.config_path, yerr.line, yerr.column, yerr.message);
		else
			result_skip(r, OUTCOME_UNABLE, "%s %s: %s", what, c.config_path,
				    yerr.message);
		return;
	}
	const struct ynode *root = ydoc_root(d);
	if (!root) {
		result_skip(r, OUTCOME_UNABLE, "%s is empty: no %s in it", c.config_path,
			    KUBELET_KIND);
		goto out;
	}
	if (root->type != YNODE_MAPPING) {
		result_skip(r, OUTCOME_UNABLE, "%s is not a %s: its top level is a %s, not a mapping",
			    c.config_path, KUBELET_KIND, ynode_type_name(root->type));
		goto out;
	}
	const struct ynode *kind = ynode_get(root, "kind", NULL);
	if (kind && (kind->type != YNODE_SCALAR || kind->len != strlen(KUBELET_KIND) ||
		     memcmp(kind->value, KUBELET_KIND, kind->len))) {
		char shown[SHOW_MAX + 16];
		show_node(kind, shown, sizeof(shown));
		result_skip(r, OUTCOME_UNABLE, "%s is not a %s (kind: %s, line %u)", c.config_path,
			    KUBELET_KIND, shown, kind->line);
		goto out;
	}

	const json_t *fields = json_object_get(params, "fields");
	if (fields) {
		size_t i;
		const json_t *f;
		json_array_foreach(fields, i, f) check_field(&c, d, json_string_value(f));
	} else {
		check_field(&c, d, param_str(params, "field", ""));
	}
	if (!c.failed && c.unknown[0])
		result_skip(r, OUTCOME_UNABLE, "%s", c.unknown);
	else
		result_from_evidence(r);
out:
	ydoc_free(d);
}

/* The config file. A field that names another file (field_is_path) makes
 * that file an input the kind cannot name ahead: such checks are re-run
 * for every report. */
static int kubelet_config_inputs(const json_t *params, struct check_inputs *out)
{
	if (param_bool(params, "field_is_path", false))
		return inputs_add(out, INPUT_KERNEL, "uncached");
	return inputs_add(out, INPUT_PATH, param_str(params, "path", "/"));
}

const struct check_kind kubelet_config_kind = {
	.name = "kubelet_config",
	.summary = "a field of the kubelet's KubeletConfiguration YAML passes a test",
	.validate = kubelet_config_validate,
	.run = kubelet_config_run,
	.inputs = kubelet_config_inputs,
};
