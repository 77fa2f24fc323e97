#include "params.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int param_fail(struct param_error *err, const char *field, const char *fmt, ...)
{
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int param_require_object(const json_t *params, struct param_error *err)
{
	if (!json_is_object(params))
		return param_fail(err, "", "must be an object");
	return 0;
}

static int missing(const json_t *params, const char *key, bool required,
		   struct param_error *err, const json_t **v)
{
	*v = json_object_get(params, key);
	if (*v)
		return 0;
	return required ? param_fail(err, key, "is required") : 1;
}

int param_string(const json_t *params, const char *key, bool required,
		 struct param_error *err)
{
	const json_t *v;
	int rc = missing(params, key, required, err, &v);
	if (rc)
		return rc < 0 ? rc : 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return param_fail(err, key, "must be a non-empty string");
	return 0;
}

int param_string_array(const json_t *params, const char *key, bool required,
		       struct param_error *err)
{
	const json_t *v;
	int rc = missing(params, key, required, err, &v);
	if (rc)
		return rc < 0 ? rc : 0;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return param_fail(err, key, "must be a non-empty array of strings");
	size_t i;
	const json_t *e;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e) || json_string_length(e) == 0)
			return param_fail(err, key, "element %zu must be a non-empty string", i);
	}
	return 0;
}

int param_string_map(const json_t *params, const char *key, bool required,
		     struct param_error *err)
{
	const json_t *v;
	int rc = missing(params, key, required, err, &v);
	if (rc)
		return rc < 0 ? rc : 0;
	if (!json_is_object(v) || json_object_size(v) == 0)
		return param_fail(err, key, "must be a non-empty object of strings");
	const char *k;
	const json_t *e;
	json_object_foreach((json_t *)v, k, e) {
		if (!json_is_string(e))
			return param_fail(err, key, "value of \"%s\" must be a string", k);
	}
	return 0;
}

int param_integer(const json_t *params, const char *key, bool required,
		  struct param_error *err)
{
	const json_t *v;
	int rc = missing(params, key, required, err, &v);
	if (rc)
		return rc < 0 ? rc : 0;
	if (!json_is_integer(v))
		return param_fail(err, key, "must be an integer");
	return 0;
}

int param_boolean(const json_t *params, const char *key, bool required,
		  struct param_error *err)
{
	const json_t *v;
	int rc = missing(params, key, required, err, &v);
	if (rc)
		return rc < 0 ? rc : 0;
	if (!json_is_boolean(v))
		return param_fail(err, key, "must be true or false");
	return 0;
}

int param_only(const json_t *params, const char *const allowed[], struct param_error *err)
{
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)params, k, v) {
		bool ok = false;
		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], k) == 0)
				ok = true;
		if (!ok) {
			char list[200] = "";
			for (size_t i = 0; allowed[i]; i++) {
				strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
				strncat(list, allowed[i], sizeof(list) - strlen(list) - 1);
			}
			if (!allowed[0])
				return param_fail(err, k, "unknown parameter (this kind takes none)");
			return param_fail(err, k, "unknown parameter (allowed: %s)", list);
		}
	}
	return 0;
}

const char *param_str(const json_t *params, const char *key, const char *dflt)
{
	const json_t *v = json_object_get(params, key);
	return json_is_string(v) ? json_string_value(v) : dflt;
}

long long param_int(const json_t *params, const char *key, long long dflt)
{
	const json_t *v = json_object_get(params, key);
	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

bool param_bool(const json_t *params, const char *key, bool dflt)
{
	const json_t *v = json_object_get(params, key);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}
