#include "result.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

void result_init(struct check_result *r)
{
	memset(r, 0, sizeof(*r));
	r->status = CHECK_SKIP;
	r->outcome = OUTCOME_UNABLE;
}

void result_free(struct check_result *r)
{
	for (size_t i = 0; i < r->n_evidence; i++) {
		free(r->evidence[i].item);
		free(r->evidence[i].expected);
		free(r->evidence[i].actual);
	}
	free(r->evidence);
	free(r->error);
	json_decref(r->observation);
	memset(r, 0, sizeof(*r));
}

int result_copy(struct check_result *dst, const struct check_result *src)
{
	result_init(dst);
	dst->status = src->status;
	dst->outcome = src->outcome;
	dst->error = src->error ? strdup(src->error) : NULL;
	bool ok = !src->error || dst->error;
	for (size_t i = 0; ok && i < src->n_evidence; i++) {
		const struct evidence *e = &src->evidence[i];
		ok = result_evidence(dst, e->item, e->expected, e->ok, "%s", e->actual) == 0;
	}
	/* Observations are never changed once written: shared, not copied. */
	dst->observation = json_incref(src->observation);
	if (!ok) {
		result_free(dst);
		return -ENOMEM;
	}
	return 0;
}

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (!fmt)
		return strdup("");
	/* Most evidence is one string ("%s"): a copy, not a stdio stream. */
	if (strcmp(fmt, "%s") == 0) {
		const char *arg = va_arg(ap, const char *);
		return strdup(arg ? arg : "(null)");
	}
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

int result_evidence(struct check_result *r, const char *item, const char *expected,
		    bool ok, const char *actual_fmt, ...)
{
	if (r->n_evidence == r->cap_evidence) {
		size_t cap = r->cap_evidence ? r->cap_evidence * 2 : 4;
		struct evidence *e = realloc(r->evidence, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		r->evidence = e;
		r->cap_evidence = cap;
	}
	va_list ap;
	va_start(ap, actual_fmt);
	char *actual = vformat(actual_fmt, ap);
	va_end(ap);
	struct evidence *e = &r->evidence[r->n_evidence];
	e->item = strdup(item ? item : "");
	e->expected = strdup(expected ? expected : "");
	e->actual = actual;
	e->ok = ok;
	if (!e->item || !e->expected || !e->actual) {
		free(e->item);
		free(e->expected);
		free(e->actual);
		return -ENOMEM;
	}
	r->n_evidence++;
	return 0;
}

static void set_verdict(struct check_result *r, enum check_status s,
			enum check_outcome o, const char *fmt, va_list ap)
{
	free(r->error);
	r->error = vformat(fmt, ap);
	r->status = s;
	r->outcome = o;
}

void result_pass(struct check_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_verdict(r, CHECK_PASS, OUTCOME_PASS, fmt, ap);
	va_end(ap);
}

void result_fail(struct check_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_verdict(r, CHECK_FAIL, OUTCOME_FAIL, fmt, ap);
	va_end(ap);
}

void result_skip(struct check_result *r, enum check_outcome outcome, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_verdict(r, CHECK_SKIP, outcome, fmt, ap);
	va_end(ap);
}

void result_from_evidence(struct check_result *r)
{
	char msg[1024];
	size_t len = 0;
	size_t bad = 0;
	msg[0] = '\0';
	for (size_t i = 0; i < r->n_evidence; i++) {
		const struct evidence *e = &r->evidence[i];
		if (e->ok)
			continue;
		if (len < sizeof(msg)) {
			int n = snprintf(msg + len, sizeof(msg) - len, "%s%s: expected %s, found %s",
					 bad ? "; " : "", e->item, e->expected, e->actual);
			if (n > 0)
				len += (size_t)n;
		}
		bad++;
	}
	if (bad == 0)
		result_pass(r, NULL);
	else
		result_fail(r, "%s", msg);
}

const char *check_status_name(enum check_status s)
{
	switch (s) {
	case CHECK_PASS:
		return "PASS";
	case CHECK_FAIL:
		return "FAIL";
	default:
		return "SKIP";
	}
}

const char *check_outcome_name(enum check_outcome o)
{
	switch (o) {
	case OUTCOME_PASS:
		return "pass";
	case OUTCOME_FAIL:
		return "fail";
	case OUTCOME_MANUAL:
		return "manual";
	case OUTCOME_NOT_APPLICABLE:
		return "not_applicable";
	default:
		return "unable_to_check";
	}
}
