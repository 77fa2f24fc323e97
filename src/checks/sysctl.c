/* sysctl: kernel parameters read from /proc/sys, compared exactly.
 *
 * params: {"keys": {"fs.suid_dumpable": "0", "kernel.x": ["1", "2"]}}
 * A value is the one accepted string, or a list of accepted strings. Runs of
 * whitespace are folded (multi-value sysctls separate fields with tabs), and
 * nothing else is forgiven: "10" is not "1". */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "params.h"

#define SYSCTL_VALUE_MAX 4096

static bool key_is_safe(const char *key)
{
	if (!*key || *key == '.' || *key == '/')
		return false;
	if (strstr(key, "..") || strstr(key, "//"))
		return false;
	for (const char *p = key; *p; p++)
		if (*p == '\n' || *p == ' ')
			return false;
	return true;
}

static int sysctl_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"keys", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (rc)
		return rc;
	const json_t *keys = json_object_get(params, "keys");
	if (!json_is_object(keys) || json_object_size(keys) == 0)
		return param_fail(err, "keys", "must be a non-empty object of sysctl name to value");
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)keys, k, v) {
		if (!key_is_safe(k))
			return param_fail(err, "keys", "\"%s\" is not a sysctl name", k);
		if (json_is_string(v))
			continue;
		if (!json_is_array(v) || json_array_size(v) == 0)
			return param_fail(err, "keys", "value of \"%s\" must be a string or a non-empty array of strings", k);
		size_t i;
		const json_t *e;
		json_array_foreach(v, i, e) if (!json_is_string(e))
			return param_fail(err, "keys", "value of \"%s\" must list strings only", k);
	}
	return 0;
}

/* "net.ipv4.tcp_syncookies" -> "/proc/sys/net/ipv4/tcp_syncookies". A name
 * with a slash is already a path (needed for names holding dots, e.g. a
 * VLAN interface "eth0.100"). */
static int sysctl_path(const char *key, char *buf, size_t size)
{
	static const char prefix[] = "/proc/sys/";
	size_t plen = sizeof(prefix) - 1, klen = strlen(key);
	if (plen + klen >= size)
		return -ENAMETOOLONG;
	memcpy(buf, prefix, plen);
	memcpy(buf + plen, key, klen + 1);
	if (!strchr(key, '/'))
		for (char *p = buf + plen; *p; p++)
			if (*p == '.')
				*p = '/';
	return 0;
}

static bool is_fold_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Fold whitespace runs into one space and trim both ends, in place. */
static void fold_space(char *s)
{
	char *w = s;
	bool space = false;
	for (char *p = s; *p; p++) {
		if (is_fold_space(*p)) {
			space = w != s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = false;
		*w++ = *p;
	}
	*w = '\0';
}

/* Whether folded (fold_space'd) equals raw once raw is folded the same way;
 * compared as it goes, without a copy. */
static bool equals_folded(const char *folded, const char *raw)
{
	const char *a = folded, *p = raw;
	while (is_fold_space(*p))
		p++;
	while (*p) {
		if (is_fold_space(*p)) {
			while (is_fold_space(*p))
				p++;
			if (!*p)
				break; /* trailing blanks are trimmed */
			if (*a++ != ' ')
				return false;
			continue;
		}
		if (*a++ != *p++)
			return false;
	}
	return *a == '\0';
}

static bool value_matches(const char *actual, const json_t *want)
{
	if (json_is_string(want))
		return equals_folded(actual, json_string_value(want));
	size_t i;
	const json_t *e;
	json_array_foreach(want, i, e) if (value_matches(actual, e)) return true;
	return false;
}

static void describe_expected(const json_t *want, char *buf, size_t size)
{
	if (json_is_string(want)) {
		/* as snprintf "%s" would, without stdio */
		const char *v = json_string_value(want);
		size_t n = strnlen(v, size - 1);
		memcpy(buf, v, n);
		buf[n] = '\0';
		return;
	}
	size_t used = 0, i;
	const json_t *e;
	buf[0] = '\0';
	json_array_foreach(want, i, e) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? " or " : "",
				 json_string_value(e));
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

static void sysctl_run(struct host *h, const json_t *params, struct check_result *r)
{
	const json_t *keys = json_object_get(params, "keys");
	const char *k;
	const json_t *want;
	char unreadable[512] = "";
	bool failed = false;
	json_object_foreach((json_t *)keys, k, want) {
		char path[PATH_MAX], value[SYSCTL_VALUE_MAX], expected[256];
		describe_expected(want, expected, sizeof(expected));
		int rc = sysctl_path(k, path, sizeof(path));
		if (!rc)
			rc = host_read_value(h, path, value, sizeof(value));
		if (rc) {
			result_evidence(r, k, expected, false, "unreadable: %s: %s", path,
					host_strerror(rc));
			if (!unreadable[0])
				snprintf(unreadable, sizeof(unreadable), "cannot read %s: %s", path,
					 host_strerror(rc));
			continue;
		}
		fold_space(value);
		bool ok = value_matches(value, want);
		failed |= !ok;
		result_evidence(r, k, expected, ok, "%s", value);
	}
	/* A wrong value is a definite FAIL even if another key was unreadable;
	 * an unreadable key with no wrong value means we do not know. */
	if (!failed && unreadable[0])
		result_skip(r, OUTCOME_UNABLE, "%s", unreadable);
	else
		result_from_evidence(r);
}

static int sysctl_inputs(const json_t *params, struct check_inputs *out)
{
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)json_object_get(params, "keys"), k, v) {
		int rc = inputs_add(out, INPUT_SYSCTL, k);
		if (rc)
			return rc;
	}
	return 0;
}

const struct check_kind sysctl_kind = {
	.name = "sysctl",
	.summary = "kernel parameters under /proc/sys equal the expected values",
	.validate = sysctl_validate,
	.run = sysctl_run,
	.inputs = sysctl_inputs,
};
