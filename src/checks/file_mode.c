/* file_mode: a file's permission bits are within a maximum ("644 or more
 * restrictive").
 *
 * params: {"path": "/etc/kubernetes/kubelet/config", "max_mode": "0600"}
 * The maximum is a mask: any bit set in the file's mode and not in the
 * mask fails the check, setuid, setgid and sticky included. "0640" passes
 * max_mode "0644"; "0611" fails it (g+x, o+x) although 611 < 644: modes
 * are compared bit by bit, never as numbers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "rooted_stat.h"

static int parse_mode(const char *s, mode_t *out)
{
	size_t n = strlen(s);
	if (n < 3 || n > 4)
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '7')
			return -EINVAL;
	unsigned long v = strtoul(s, NULL, 8);
	if (v > 07777)
		return -EINVAL;
	*out = (mode_t)v;
	return 0;
}

static int validate_path(const json_t *params, const char *key, struct param_error *err)
{
	const char *p = param_str(params, key, "");
	if (p[0] != '/')
		return param_fail(err, key, "must be an absolute path");
	return 0;
}

static int file_mode_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"path", "max_mode", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string(params, "path", true, err);
	if (!rc)
		rc = param_string(params, "max_mode", true, err);
	if (rc)
		return rc;
	if ((rc = validate_path(params, "path", err)))
		return rc;
	mode_t m;
	if (parse_mode(param_str(params, "max_mode", ""), &m))
		return param_fail(err, "max_mode",
				  "must be an octal mode of 3 or 4 digits such as \"0644\"");
	return 0;
}

/* The bits outside the mask, in chmod's words: "g+w, o+r, u+s". */
static void describe_extra(mode_t extra, char *buf, size_t size)
{
	static const struct {
		mode_t bit;
		const char *name;
	} bits[] = {
		{S_ISUID, "u+s (setuid)"}, {S_ISGID, "g+s (setgid)"}, {S_ISVTX, "+t (sticky)"},
		{S_IRUSR, "u+r"},          {S_IWUSR, "u+w"},          {S_IXUSR, "u+x"},
		{S_IRGRP, "g+r"},          {S_IWGRP, "g+w"},          {S_IXGRP, "g+x"},
		{S_IROTH, "o+r"},          {S_IWOTH, "o+w"},          {S_IXOTH, "o+x"},
	};
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(extra & bits[i].bit))
			continue;
		int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", bits[i].name);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

static void file_mode_run(struct host *h, const json_t *params, struct check_result *r)
{
	const char *path = param_str(params, "path", "");
	mode_t max = 0;
	parse_mode(param_str(params, "max_mode", ""), &max);
	char expected[64];
	snprintf(expected, sizeof(expected), "%04o or more restrictive", (unsigned)max);

	struct stat st;
	int rc = rooted_stat(h, path, &st);
	if (rc) {
		result_evidence(r, path, expected, false, "cannot stat: %s", host_strerror(rc));
		result_skip(r, OUTCOME_UNABLE, "cannot stat %s: %s", path, host_strerror(rc));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		result_evidence(r, path, expected, false, "a %s", file_type_name(st.st_mode));
		result_skip(r, OUTCOME_UNABLE, "%s is a %s, not a regular file", path,
			    file_type_name(st.st_mode));
		return;
	}
	mode_t mode = st.st_mode & 07777;
	mode_t extra = mode & ~max;
	if (!extra) {
		result_evidence(r, path, expected, true, "%04o", (unsigned)mode);
	} else {
		char names[160];
		describe_extra(extra, names, sizeof(names));
		result_evidence(r, path, expected, false, "%04o (not allowed: %s)", (unsigned)mode,
				names);
	}
	result_from_evidence(r);
}

static int file_mode_inputs(const json_t *params, struct check_inputs *out)
{
	return inputs_add(out, INPUT_PATH, param_str(params, "path", "/"));
}

const struct check_kind file_mode_kind = {
	.name = "file_mode",
	.summary = "a file's permission bits stay within a maximum mode (a mask)",
	.validate = file_mode_validate,
	.run = file_mode_run,
	.inputs = file_mode_inputs,
};
