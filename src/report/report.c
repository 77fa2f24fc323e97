#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/kind.h"
#include "util/utc_time.h"

void report_format_timestamp(const struct timespec *ts, char *buf, size_t size)
{
	char base[UTC_TIME_LEN];
	utc_format(ts->tv_sec, base);
	long ns = ts->tv_nsec;
	if (ns == 0)
		snprintf(buf, size, "%sZ", base);
	else if (ns % 1000000 == 0)
		snprintf(buf, size, "%s.%03ldZ", base, ns / 1000000);
	else if (ns % 1000 == 0)
		snprintf(buf, size, "%s.%06ldZ", base, ns / 1000);
	else
		snprintf(buf, size, "%s.%09ldZ", base, ns);
}

int report_parse_level(const char *s)
{
	if (*s == '+')
		s++;
	if (!*s)
		return -1;
	long v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > PROFILE_MAX_LEVEL)
			return -1;
	}
	return (int)v;
}

static bool timespec_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static bool listed(const struct check_def *c, const char *const *only)
{
	for (size_t i = 0; only && only[i]; i++)
		if (strcmp(only[i], c->name) == 0 || strcmp(only[i], c->id) == 0)
			return true;
	return false;
}

/* With an observer, a runtime check comes along with the checks it backs:
 * "--check 1.4.4 --observe 30s" shows configured and observed. */
static bool backs_listed(const struct profile *p, const struct check_def *c,
			 const char *const *only)
{
	for (size_t i = 0; i < p->n_checks; i++) {
		const struct check_def *other = &p->checks[i];
		if (other != c && listed(other, only) && c->kind->backs(c->params, other->id))
			return true;
	}
	return false;
}

static bool selected(const struct host *h, const struct profile *p, const struct check_def *c,
		     const struct report_selection *sel)
{
	if (c->level > sel->level)
		return false;
	if (sel->view == REPORT_RUNTIME)
		return c->kind->needs_observer && (!sel->only || listed(c, sel->only));
	if (sel->only)
		return listed(c, sel->only) ||
		       (h->observer && c->kind->backs && backs_listed(p, c, sel->only));
	return !c->kind->needs_observer || h->observer;
}

/* Runtime evidence beside configuration: link each check to the runtime
 * checks that back its benchmark item. */
static int link_observed(struct report *r)
{
	for (size_t i = 0; i < r->n_entries; i++) {
		struct report_entry *e = &r->entries[i];
		if (e->def->kind->backs)
			continue;
		for (size_t j = 0; j < r->n_entries; j++) {
			const struct check_def *rt = r->entries[j].def;
			if (!rt->kind->backs || !rt->kind->backs(rt->params, e->def->id))
				continue;
			size_t *n = realloc(e->observed, (e->n_observed + 1) * sizeof(*n));
			if (!n)
				return -ENOMEM;
			e->observed = n;
			e->observed[e->n_observed++] = j;
		}
	}
	return 0;
}

static void count(struct report_tally *t, enum check_status s)
{
	t->total++;
	switch (s) {
	case CHECK_FAIL:
		t->failed++;
		t->status = CHECK_FAIL;
		break;
	case CHECK_PASS:
		t->passed++;
		if (t->status == CHECK_SKIP)
			t->status = CHECK_PASS;
		break;
	default:
		t->skipped++;
	}
}

/* The runtime report's description: the benchmark's, renamed. */
static int runtime_benchmark(const struct benchmark *from, struct benchmark *to)
{
	to->type = strdup("runtime");
	to->report = strdup("runtime");
	if (asprintf(&to->name, "%s: runtime observation", from->name) < 0)
		to->name = NULL;
	to->version = strdup(from->version);
	to->url = strdup(from->url);
	return to->type && to->report && to->name && to->version && to->url ? 0 : -ENOMEM;
}

int report_run(struct host *h, const struct profile *p, const struct report_selection *sel,
	       struct report *out)
{
	memset(out, 0, sizeof(*out));
	out->level = sel->level;
	out->bm = &p->bm;
	out->status = CHECK_SKIP;
	out->runtime.status = CHECK_SKIP;
	if (sel->view == REPORT_RUNTIME) {
		if (runtime_benchmark(&p->bm, &out->view_bm) < 0)
			return -ENOMEM;
		out->bm = &out->view_bm;
	}
	clock_gettime(CLOCK_REALTIME, &out->started);
	report_format_timestamp(&out->started, out->timestamp, sizeof(out->timestamp));

	out->entries = calloc(p->n_checks ? p->n_checks : 1, sizeof(*out->entries));
	if (!out->entries)
		return -ENOMEM;
	/* One read per file per report: what an earlier report on this host
	 * handle read is not this one's state. */
	host_forget_all(h);
	for (size_t i = 0; i < p->n_checks; i++) {
		const struct check_def *c = &p->checks[i];
		if (!selected(h, p, c, sel))
			continue;
		struct report_entry *e = &out->entries[out->n_entries++];
		e->def = c;
		e->runtime = sel->view == REPORT_BENCHMARK && c->kind->needs_observer;
		result_init(&e->result);
	}
	const struct report_memo *memo = sel->memo;
	for (size_t i = 0; memo && i < out->n_entries; i++) {
		struct report_entry *e = &out->entries[i];
		e->reused = memo->reuse(memo->ctx, e->def, &e->result, &e->evaluated_at);
	}
	/* Slow work (external commands) starts first and overlaps the reads. */
	for (size_t i = 0; i < out->n_entries; i++) {
		const struct check_def *c = out->entries[i].def;
		if (c->kind->prepare && !out->entries[i].reused)
			c->kind->prepare(h, c->params);
	}
	for (size_t i = 0; i < out->n_entries; i++) {
		struct report_entry *e = &out->entries[i];
		if (!e->reused) {
			e->def->kind->run(h, e->def->params, &e->result);
			if (!e->result.error)
				result_skip(&e->result, OUTCOME_UNABLE, "check produced no verdict");
			clock_gettime(CLOCK_REALTIME, &e->evaluated_at);
			if (memo)
				memo->store(memo->ctx, e->def, &e->result, &e->evaluated_at);
		}
		if (e->runtime) {
			count(&out->runtime, e->result.status);
		} else {
			struct report_tally t = {out->total, out->passed, out->failed, out->skipped,
						 out->status};
			count(&t, e->result.status);
			out->total = t.total;
			out->passed = t.passed;
			out->failed = t.failed;
			out->skipped = t.skipped;
			out->status = t.status;
		}
		if (i == 0 || timespec_before(&e->evaluated_at, &out->as_of))
			out->as_of = e->evaluated_at;
	}
	out->show_freshness = memo != NULL;
	clock_gettime(CLOCK_REALTIME, &out->finished);
	return link_observed(out);
}

void report_waiver_free(struct report_waiver *w)
{
	if (!w)
		return;
	free(w->reason);
	free(w->expires);
	free(w->approved_by);
	free(w);
}

void report_free(struct report *r)
{
	for (size_t i = 0; i < r->n_entries; i++) {
		result_free(&r->entries[i].result);
		free(r->entries[i].observed);
		report_waiver_free(r->entries[i].waiver);
	}
	free(r->entries);
	free(r->view_bm.type);
	free(r->view_bm.report);
	free(r->view_bm.name);
	free(r->view_bm.version);
	free(r->view_bm.url);
	memset(r, 0, sizeof(*r));
}
