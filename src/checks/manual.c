/* manual: a benchmark item that needs a person to audit it. It always
 * reports SKIP with the benchmark's manual-audit reason. */
#include "params.h"

static int manual_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {NULL};
	if (!params)
		return 0;
	int rc = param_require_object(params, err);
	return rc ? rc : param_only(params, allowed, err);
}

static void manual_run(struct host *h, const json_t *params, struct check_result *r)
{
	(void)h;
	(void)params;
	result_skip(r, OUTCOME_MANUAL, MANUAL_REASON);
}

/* A manual check reads nothing: its SKIP never changes. */
static int manual_inputs(const json_t *params, struct check_inputs *out)
{
	(void)params;
	(void)out;
	return 0;
}

const struct check_kind manual_kind = {
	.name = "manual",
	.summary = "audited by a person; always SKIP with the manual-audit reason",
	.validate = manual_validate,
	.run = manual_run,
	.inputs = manual_inputs,
};
