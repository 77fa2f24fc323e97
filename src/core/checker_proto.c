#include "checker_proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/utf8.h"

char *checker_text(const char *bytes, size_t len)
{
	/* U+FFFD for each NUL, then the same for invalid sequences. */
	size_t nuls = 0;
	for (size_t i = 0; i < len; i++)
		nuls += bytes[i] == '\0';
	char *raw = malloc(len + 2 * nuls + 1);
	if (!raw)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (bytes[i] == '\0') {
			memcpy(raw + o, "\xEF\xBF\xBD", 3);
			o += 3;
		} else {
			raw[o++] = bytes[i];
		}
	}
	raw[o] = '\0';
	char *clean = utf8_clean(raw, false);
	free(raw);
	return clean;
}

/* The output as one JSON object, or -EINVAL with why. */
static int parse_object(const char *out, size_t len, json_t **root, char *why, size_t why_size)
{
	*root = NULL;
	if (memchr(out, '\0', len)) {
		snprintf(why, why_size, "output holds a NUL byte");
		return -EINVAL;
	}
	char *text = checker_text(out, len);
	if (!text)
		return -ENOMEM;
	size_t i = strspn(text, " \t\r\n");
	if (!text[i]) {
		snprintf(why, why_size, "no output (a JSON object was expected)");
		free(text);
		return -EINVAL;
	}
	json_error_t jerr;
	*root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (!*root) {
		snprintf(why, why_size, "not JSON: line %d column %d: %s", jerr.line, jerr.column,
			 jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(*root)) {
		json_decref(*root);
		*root = NULL;
		snprintf(why, why_size, "not a JSON object");
		return -EINVAL;
	}
	return 0;
}

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* A required string member, or NULL with why. */
static const char *need_string(const json_t *o, const char *key, char *why, size_t why_size)
{
	const json_t *v = json_object_get(o, key);
	if (!v) {
		snprintf(why, why_size, "\"%s\" is missing", key);
		return NULL;
	}
	if (!json_is_string(v)) {
		snprintf(why, why_size, "\"%s\" must be a string, not %s", key, json_kind(v));
		return NULL;
	}
	return json_string_value(v);
}

void checker_meta_free(struct checker_meta *m)
{
	free(m->name);
	free(m->id);
	free(m->title);
	memset(m, 0, sizeof(*m));
}

int checker_parse_metadata(const char *out, size_t len, struct checker_meta *m, char *why,
			   size_t why_size)
{
	memset(m, 0, sizeof(*m));
	json_t *root;
	int rc = parse_object(out, len, &root, why, why_size);
	if (rc)
		return rc;
	rc = -EINVAL;
	const char *name = need_string(root, "name", why, why_size);
	const char *id = name ? need_string(root, "id", why, why_size) : NULL;
	const char *title = id ? need_string(root, "title", why, why_size) : NULL;
	const char *mode = title ? need_string(root, "mode", why, why_size) : NULL;
	if (!mode)
		goto out;
	const json_t *level = json_object_get(root, "level");
	if (!level) {
		snprintf(why, why_size, "\"level\" is missing");
		goto out;
	}
	if (!json_is_integer(level) || json_integer_value(level) < 0 ||
	    json_integer_value(level) > CHECKER_MAX_LEVEL) {
		if (json_is_integer(level))
			snprintf(why, why_size, "\"level\" must be an integer 0-%d, not %lld",
				 CHECKER_MAX_LEVEL, (long long)json_integer_value(level));
		else
			snprintf(why, why_size, "\"level\" must be an integer 0-%d, not %s",
				 CHECKER_MAX_LEVEL, json_kind(level));
		goto out;
	}
	if (strcmp(mode, "Automatic") && strcmp(mode, "Manual")) {
		snprintf(why, why_size, "\"mode\" must be \"Automatic\" or \"Manual\", not \"%s\"", mode);
		goto out;
	}
	m->name = strdup(name);
	m->id = strdup(id);
	m->title = strdup(title);
	m->level = (int)json_integer_value(level);
	m->manual = strcmp(mode, "Manual") == 0;
	if (!m->name || !m->id || !m->title) {
		checker_meta_free(m);
		rc = -ENOMEM;
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int checker_parse_result(const char *out, size_t len, enum check_status *status, char **error,
			 char *why, size_t why_size)
{
	*error = NULL;
	json_t *root;
	int rc = parse_object(out, len, &root, why, why_size);
	if (rc)
		return rc;
	rc = -EINVAL;
	const char *st = need_string(root, "status", why, why_size);
	const char *err = st ? need_string(root, "error", why, why_size) : NULL;
	if (!err)
		goto out;
	if (strcmp(st, "PASS") == 0) {
		*status = CHECK_PASS;
	} else if (strcmp(st, "FAIL") == 0) {
		*status = CHECK_FAIL;
	} else if (strcmp(st, "SKIP") == 0) {
		*status = CHECK_SKIP;
	} else {
		snprintf(why, why_size, "\"status\" must be \"PASS\", \"FAIL\" or \"SKIP\", not \"%s\"",
			 st);
		goto out;
	}
	*error = strdup(err);
	rc = *error ? 0 : -ENOMEM;
out:
	json_decref(root);
	return rc;
}
