/* files_exist: every listed file exists (e.g. the FIPS self-test markers).
 *
 * params: {"paths": ["/etc/.fips-kernel-check-passed", "/etc/.fips-module-check-passed"]}
 * Every path is checked and reported, so one missing file never hides
 * another. A path that cannot be checked (EACCES, ELOOP) is SKIP unless
 * another one is definitely missing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "params.h"
#include "rooted_stat.h"

static int files_exist_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"paths", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string_array(params, "paths", true, err);
	if (rc)
		return rc;
	size_t i;
	const json_t *p;
	json_array_foreach(json_object_get(params, "paths"), i, p) {
		if (json_string_value(p)[0] != '/')
			return param_fail(err, "paths", "element %zu must be an absolute path", i);
	}
	return 0;
}

static void files_exist_run(struct host *h, const json_t *params, struct check_result *r)
{
	size_t i;
	const json_t *p;
	bool missing = false;
	char unknown[512] = "";
	json_array_foreach(json_object_get(params, "paths"), i, p) {
		const char *path = json_string_value(p);
		struct stat st;
		int rc = rooted_stat(h, path, &st);
		if (rc == 0) {
			result_evidence(r, path, "exists", true, "exists (%s)", file_type_name(st.st_mode));
		} else if (rc == -ENOENT || rc == -ENOTDIR) {
			missing = true;
			result_evidence(r, path, "exists", false, "missing (%s)", host_strerror(rc));
		} else {
			result_evidence(r, path, "exists", false, "cannot check: %s", host_strerror(rc));
			if (!unknown[0])
				snprintf(unknown, sizeof(unknown), "cannot check %s: %s", path,
					 host_strerror(rc));
		}
	}
	if (!missing && unknown[0])
		result_skip(r, OUTCOME_UNABLE, "%s", unknown);
	else
		result_from_evidence(r);
}

static int files_exist_inputs(const json_t *params, struct check_inputs *out)
{
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(params, "paths"), i, e) {
		int rc = inputs_add(out, INPUT_PATH, json_string_value(e));
		if (rc)
			return rc;
	}
	return 0;
}

const struct check_kind files_exist_kind = {
	.name = "files_exist",
	.summary = "every listed file exists",
	.validate = files_exist_validate,
	.run = files_exist_run,
	.inputs = files_exist_inputs,
};
