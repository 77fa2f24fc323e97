/* Validating a kind's parameters: small helpers that fill a param_error
 * naming the parameter and what was expected of it. */
#ifndef CISREPORT_PARAMS_H
#define CISREPORT_PARAMS_H

#include <stdbool.h>

#include "kind.h"

__attribute__((format(printf, 3, 4))) int param_fail(struct param_error *err,
						      const char *field, const char *fmt,
						      ...);

/* Each returns 0, or -EINVAL with err set. */
int param_require_object(const json_t *params, struct param_error *err);
int param_string(const json_t *params, const char *key, bool required,
		 struct param_error *err);
/* A non-empty array of non-empty strings. */
int param_string_array(const json_t *params, const char *key, bool required,
		       struct param_error *err);
/* A non-empty object whose values are all strings. */
int param_string_map(const json_t *params, const char *key, bool required,
		     struct param_error *err);
int param_integer(const json_t *params, const char *key, bool required,
		  struct param_error *err);
int param_boolean(const json_t *params, const char *key, bool required,
		  struct param_error *err);
/* Every key of params is in the NULL-terminated list. */
int param_only(const json_t *params, const char *const allowed[],
	       struct param_error *err);

/* Accessors for validated params (defaults when absent). */
const char *param_str(const json_t *params, const char *key, const char *dflt);
long long param_int(const json_t *params, const char *key, long long dflt);
bool param_bool(const json_t *params, const char *key, bool dflt);

#endif
