/* checker: run one of bloodhound's checker programs (docs/checkers.md) and
 * take its verdict. `EXE` prints {"status","error"}; a non-zero exit, a
 * timeout or output that does not parse is SKIP with the checker's stderr
 * as the reason, as bloodhound does. Every checker of a report starts in
 * prepare and runs beside the others (core/spawn_set.c); run collects one
 * while draining them all.
 *
 * The profile loader makes these entries from the executables of a -c
 * folder (report/checker_dir.c); params: "path" (absolute, the entry in the
 * folder: argv[0], which multi-call checkers dispatch on), "manual" (mode
 * Manual: its SKIP is a manual audit), "refused" (the loader would not run
 * it: why; the check SKIPs with that). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "params.h"
#include "core/checker_proto.h"
#include "core/exec_trust.h"

static int checker_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"path", "manual", "refused", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string(params, "path", true, err);
	if (!rc)
		rc = param_boolean(params, "manual", false, err);
	if (!rc)
		rc = param_string(params, "refused", false, err);
	if (!rc && param_str(params, "path", "")[0] != '/')
		rc = param_fail(err, "path", "must be an absolute path");
	return rc;
}

/* The folder an entry was found in: its path up to the last slash. */
static void entry_dir(const char *path, char *buf, size_t size)
{
	snprintf(buf, size, "%s", path);
	char *slash = strrchr(buf, '/');
	if (slash == buf)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
}

/* Start the checker at path once per report, unless the rule of
 * core/exec_trust.h refuses it. Returns its index or -ENOMEM. */
static int checker_start(struct host *h, const char *path)
{
	int idx = spawn_set_find(&h->checkers, path);
	if (idx >= 0)
		return idx;
	char dir[4096], why[PATH_MAX * 2 + 256];
	entry_dir(path, dir, sizeof(dir));
	if (exec_trusted(dir, path, geteuid(), why, sizeof(why)) < 0)
		return spawn_set_refuse(&h->checkers, path, why);
	char *argv[] = {(char *)path, NULL};
	return spawn_set_start(&h->checkers, path, path, argv, h->checker_timeout_ms);
}

static void checker_prepare(struct host *h, const json_t *params)
{
	if (h->live && !param_str(params, "refused", NULL))
		checker_start(h, param_str(params, "path", ""));
}

/* stderr as bloodhound gives it (all of it, lossily decoded), plus a note
 * when it was cut; "" when there was none. */
static char *stderr_text(const struct spawn_proc *p)
{
	char *text = checker_text(p->err.data, p->err.len);
	if (!text || !p->err.truncated)
		return text;
	char *more = NULL;
	if (asprintf(&more, "%s [stderr truncated at %u KiB]", text, SPAWN_MAX_OUTPUT >> 10) < 0)
		more = NULL;
	free(text);
	return more;
}

static void describe_end(const struct spawn_proc *p, char *buf, size_t size)
{
	if (p->timed_out)
		snprintf(buf, size, "killed after the %d ms timeout", p->timeout_ms);
	else if (p->term_signal)
		snprintf(buf, size, "killed by signal %d (%s)", p->term_signal,
			 strsignal(p->term_signal));
	else
		snprintf(buf, size, "exit status %d", p->exit_status);
}

static void verdict(const struct spawn_proc *p, bool manual, struct check_result *r)
{
	char end[128];
	describe_end(p, end, sizeof(end));
	bool ran_ok = !p->timed_out && !p->term_signal && p->exit_status == 0;
	result_evidence(r, "checker", "exit status 0, {\"status\",\"error\"} on stdout", ran_ok,
			"%s; stdout %zu bytes%s; stderr %zu bytes%s; %lld ms", end, p->out.len,
			p->out.truncated ? " (more dropped)" : "", p->err.len,
			p->err.truncated ? " (more dropped)" : "", p->ended_ms - p->started_ms);

	char why[512] = "";
	enum check_status status = CHECK_SKIP;
	char *error = NULL;
	int rc = -EINVAL;
	if (ran_ok) {
		if (p->out.truncated)
			snprintf(why, sizeof(why), "stdout is larger than %u KiB",
				 SPAWN_MAX_OUTPUT >> 10);
		else
			rc = checker_parse_result(p->out.data, p->out.len, &status, &error, why,
						  sizeof(why));
	}
	if (rc == -ENOMEM) {
		result_skip(r, OUTCOME_UNABLE, "out of memory");
		return;
	}
	if (rc == 0) {
		if (status == CHECK_PASS)
			result_pass(r, "%s", error);
		else if (status == CHECK_FAIL)
			result_fail(r, "%s", error);
		else
			result_skip(r, manual ? OUTCOME_MANUAL : OUTCOME_UNABLE, "%s", error);
		free(error);
		return;
	}
	/* SKIP with the checker's stderr as the error, as bloodhound; when it
	 * wrote none, say what went wrong instead of leaving it empty. */
	char *err_text = stderr_text(p);
	if (err_text && err_text[0])
		result_skip(r, OUTCOME_UNABLE, "%s", err_text);
	else if (!ran_ok)
		result_skip(r, OUTCOME_UNABLE, "checker %s, and wrote nothing to stderr", end);
	else
		result_skip(r, OUTCOME_UNABLE, "checker output is not a bloodhound result: %s", why);
	free(err_text);
}

static void checker_run(struct host *h, const json_t *params, struct check_result *r)
{
	const char *path = param_str(params, "path", "");
	const char *refused = param_str(params, "refused", NULL);
	if (refused) {
		result_skip(r, OUTCOME_UNABLE, "not run: %s", refused);
		return;
	}
	if (!h->live) {
		result_skip(r, OUTCOME_UNABLE,
			    "not run: a checker probes the live host, and this report reads %s (--root)",
			    h->root);
		return;
	}
	int idx = checker_start(h, path);
	if (idx < 0) {
		result_skip(r, OUTCOME_UNABLE, "out of memory");
		return;
	}
	spawn_set_wait(&h->checkers, idx);
	const struct spawn_proc *p = &h->checkers.procs[idx];
	if (p->refused) {
		result_skip(r, OUTCOME_UNABLE, "not run: %s", p->refused);
		return;
	}
	if (p->start_err) {
		/* bloodhound: "Error executing NAME checker." */
		result_skip(r, OUTCOME_UNABLE, "Error executing %s checker: %s", path,
			    strerror(-p->start_err));
		return;
	}
	verdict(p, param_bool(params, "manual", false), r);
}

const struct check_kind checker_kind = {
	.name = "checker",
	.summary = "a bloodhound checker program: its {status,error} (docs/checkers.md)",
	.validate = checker_validate,
	.prepare = checker_prepare,
	.run = checker_run,
	/* What a program reads is unknown: run for every report. */
	.inputs = NULL,
};
