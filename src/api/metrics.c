/* GET /metrics: Prometheus text exposition format 0.0.4. Every scrape runs
 * each loaded benchmark at its highest level against the live host, so the
 * gauges are the state at scrape time, like a report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "config.h"
#include "daemon.h"
#include "events.h"
#include "latency.h"
#include "core/nft_cache.h"
#include "formats/writer.h"
#include "observer/observer.h"
#include "settings/report_build.h"

struct scraped {
	const struct profile *p;
	struct report r;
	int max_level;
	double seconds;
	bool built; /* report_build ran: r is to be freed */
	bool ok;
};

/* A label value: backslash, double quote and newline escaped. */
static void label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f), fputc(*s, f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void bench_labels(FILE *f, const struct profile *p)
{
	fputs("benchmark=", f);
	label(f, p->bm.type);
	fputs(",report=", f);
	label(f, p->bm.report);
}

static void check_labels(FILE *f, const struct profile *p, const struct check_def *c)
{
	bench_labels(f, p);
	fputs(",name=", f);
	label(f, c->name);
	fputs(",id=", f);
	label(f, c->id);
	fprintf(f, ",level=\"%d\"", c->level);
}

static int status_value(enum check_status s)
{
	return s == CHECK_PASS ? 1 : s == CHECK_FAIL ? 0 : -1;
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void scrape(struct daemon *d, const struct catalog *c, struct observer *o,
		   const struct profile *p, const struct settings *s, struct scraped *out)
{
	out->p = p;
	out->max_level = 1;
	for (size_t i = 0; i < p->n_checks; i++)
		if (p->checks[i].level > out->max_level)
			out->max_level = p->checks[i].level;
	struct host *h = malloc(sizeof(*h));
	if (!h || daemon_host_init(d, h) < 0) {
		free(h);
		return;
	}
	h->observer = o;
	h->share = d->commands;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	unsigned long long cpu_start = daemon_thread_cpu_ns();
	struct report_selection sel = {.level = out->max_level};
	/* The cache's results where fresh, as a report would have them. */
	struct cache_request cr;
	if (d->cache) {
		struct cache_key none = {.p = NULL};
		cache_body_unref(cache_begin(d->cache, c, o, &none, false, &cr));
		sel.memo = &cr.memo;
	}
	out->built = true;
	out->ok = report_build(h, p, &sel, s, &out->r) == 0;
	daemon_count_evaluation(d, EVAL_SCRAPE, cpu_start);
	clock_gettime(CLOCK_MONOTONIC, &b);
	out->seconds = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	host_free(h);
	free(h);
}

static void write_checks(FILE *f, const struct scraped *sc, size_t n)
{
	family(f, "cisreport_check_status", "gauge",
	       "Result of each check at scrape time: 1 PASS, 0 FAIL, -1 SKIP.");
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; sc[i].ok && j < sc[i].r.n_entries; j++) {
			const struct report_entry *e = &sc[i].r.entries[j];
			fputs("cisreport_check_status{", f);
			check_labels(f, sc[i].p, e->def);
			fprintf(f, ",mode=\"%s\"} %d\n", e->def->manual ? "Manual" : "Automatic",
				status_value(e->result.status));
		}
	}
	family(f, "cisreport_check_waived", "gauge",
	       "Checks with a waiver in the settings: 1 active, 0 expired.");
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; sc[i].ok && j < sc[i].r.n_entries; j++) {
			const struct report_entry *e = &sc[i].r.entries[j];
			if (!e->waiver)
				continue;
			fputs("cisreport_check_waived{", f);
			check_labels(f, sc[i].p, e->def);
			fprintf(f, "} %d\n", e->waiver->expired ? 0 : 1);
		}
}

static void write_counts(FILE *f, const struct scraped *sc, size_t n)
{
	static const char *const names[] = {"pass", "fail", "skip"};
	family(f, "cisreport_checks", "gauge",
	       "Checks of level <= level by status, as a report at that level counts them.");
	for (size_t i = 0; i < n; i++) {
		for (int lvl = 1; sc[i].ok && lvl <= sc[i].max_level; lvl++) {
			size_t counts[3] = {0};
			/* the benchmark's items, as its report counts them */
			for (size_t j = 0; j < sc[i].r.n_entries; j++)
				if (sc[i].r.entries[j].def->level <= lvl && !sc[i].r.entries[j].runtime)
					counts[sc[i].r.entries[j].result.status]++;
			for (int st = 0; st < 3; st++) {
				fputs("cisreport_checks{", f);
				bench_labels(f, sc[i].p);
				fprintf(f, ",level=\"%d\",status=\"%s\"} %zu\n", lvl, names[st],
					counts[st]);
			}
		}
	}
	family(f, "cisreport_report_status", "gauge",
	       "Compliance result of the report at each level: 1 PASS, 0 FAIL, -1 SKIP.");
	for (size_t i = 0; i < n; i++) {
		for (int lvl = 1; sc[i].ok && lvl <= sc[i].max_level; lvl++) {
			enum check_status st = CHECK_SKIP;
			for (size_t j = 0; j < sc[i].r.n_entries; j++) {
				const struct report_entry *e = &sc[i].r.entries[j];
				if (e->def->level > lvl || e->runtime)
					continue;
				if (e->result.status == CHECK_FAIL)
					st = CHECK_FAIL;
				else if (e->result.status == CHECK_PASS && st == CHECK_SKIP)
					st = CHECK_PASS;
			}
			fputs("cisreport_report_status{", f);
			bench_labels(f, sc[i].p);
			fprintf(f, ",level=\"%d\"} %d\n", lvl, status_value(st));
		}
	}
	family(f, "cisreport_scrape_evaluation_seconds", "gauge",
	       "Time this scrape took to evaluate each benchmark (kept results reused).");
	for (size_t i = 0; i < n; i++) {
		if (!sc[i].ok)
			continue;
		fputs("cisreport_scrape_evaluation_seconds{", f);
		bench_labels(f, sc[i].p);
		fprintf(f, "} %.6f\n", sc[i].seconds);
	}
	family(f, "cisreport_last_evaluation_timestamp_seconds", "gauge",
	       "When the oldest result in this scrape's benchmark was evaluated (Unix time): "
	       "the report holds as of then (a report's as_of).");
	for (size_t i = 0; i < n; i++) {
		if (!sc[i].ok || !sc[i].r.n_entries)
			continue;
		fputs("cisreport_last_evaluation_timestamp_seconds{", f);
		bench_labels(f, sc[i].p);
		fprintf(f, "} %lld.%03ld\n", (long long)sc[i].r.as_of.tv_sec,
			sc[i].r.as_of.tv_nsec / 1000000);
	}
}

static void write_daemon(FILE *f, struct daemon *d, const struct settings *s)
{
	static const unsigned codes[N_TRACKED_CODES] = TRACKED_CODES;
	family(f, "cisreport_build_info", "gauge",
	       "Always 1: the version and build features of this cisreportd.");
	fputs("cisreport_build_info{version=", f);
	label(f, CISREPORT_VERSION);
	fputs(",features=", f);
	label(f, CISREPORT_FEATURES);
	fputs("} 1\n", f);
	latency_write(d->latency, f);
	family(f, "cisreport_http_requests_total", "counter",
	       "Requests answered on the Unix socket, by status code (\"other\": any other code).");
	for (size_t i = 0; i <= N_TRACKED_CODES; i++) {
		unsigned long v = atomic_load(&d->requests[i]);
		if (i < N_TRACKED_CODES)
			fprintf(f, "cisreport_http_requests_total{code=\"%u\"} %lu\n", codes[i], v);
		else
			fprintf(f, "cisreport_http_requests_total{code=\"other\"} %lu\n", v);
	}
	if (d->metrics_mhd) {
		static const char *const mcodes[] = {"200", "404", "405", "other"};
		family(f, "cisreport_metrics_listener_requests_total", "counter",
		       "Requests answered by the --metrics-listen listener, by status code.");
		for (size_t i = 0; i < 4; i++)
			fprintf(f, "cisreport_metrics_listener_requests_total{code=\"%s\"} %lu\n",
				mcodes[i], atomic_load(&d->metrics_requests[i]));
	}
	family(f, "cisreport_http_requests_in_flight", "gauge", "Requests being answered now.");
	fprintf(f, "cisreport_http_requests_in_flight %ld\n", atomic_load(&d->in_flight));
	family(f, "cisreport_start_time_seconds", "gauge", "When the daemon started (Unix time).");
	fprintf(f, "cisreport_start_time_seconds %lld.%03ld\n", (long long)d->started.tv_sec,
		d->started.tv_nsec / 1000000);
	family(f, "cisreport_evaluations_total", "counter",
	       "Evaluations of checks, by what asked for them (request, background, scrape).");
	for (int t = 0; t < EVAL_NTRIGGERS; t++)
		fprintf(f, "cisreport_evaluations_total{trigger=\"%s\"} %lu\n",
			eval_trigger_name((enum eval_trigger)t), atomic_load(&d->evaluations[t]));
	family(f, "cisreport_evaluation_cpu_seconds_total", "counter",
	       "CPU time of the threads that ran those evaluations, spent in them.");
	for (int t = 0; t < EVAL_NTRIGGERS; t++)
		fprintf(f, "cisreport_evaluation_cpu_seconds_total{trigger=\"%s\"} %.6f\n",
			eval_trigger_name((enum eval_trigger)t),
			(double)atomic_load(&d->evaluation_cpu_ns[t]) / 1e9);
	family(f, "cisreport_reloads_total", "counter",
	       "SIGHUP reloads of profiles and settings, by result.");
	fprintf(f, "cisreport_reloads_total{result=\"ok\"} %lu\n", atomic_load(&d->reloads));
	fprintf(f, "cisreport_reloads_total{result=\"error\"} %lu\n",
		atomic_load(&d->reload_failures));
	unsigned long dumps, unchanged;
	nft_cache_counts(&dumps, &unchanged);
	family(f, "cisreport_nft_ruleset_reads_total", "counter",
	       "nf_tables ruleset reads over netlink: dumped, or the kept one (generation unchanged).");
	fprintf(f, "cisreport_nft_ruleset_reads_total{result=\"dump\"} %lu\n", dumps);
	fprintf(f, "cisreport_nft_ruleset_reads_total{result=\"unchanged\"} %lu\n", unchanged);
	family(f, "cisreport_waivers", "gauge", "Waivers in the settings.");
	fprintf(f, "cisreport_waivers %zu\n", s->n_waivers);
	family(f, "cisreport_observer_enabled", "gauge",
	       "The settings' observer switch (1 on, 0 off).");
	fprintf(f, "cisreport_observer_enabled %d\n", s->observer ? 1 : 0);
}

/* The observer's state and its counters. The counters are the kernel's
 * (exact) and start at 0 with each observer: switching it off and on is a
 * counter reset, which cisreport_observer_start_time_seconds dates. */
static void write_observer(FILE *f, struct observer *o, const char *off_reason)
{
	family(f, "cisreport_observer_up", "gauge",
	       "Runtime observer: 1 running; 0 off (settings, --root) or unavailable (no "
	       "privilege, no BTF, built without eBPF), the reason in the label.");
	const char *state = !o ? "off" : observer_running(o) ? "running" : "unavailable";
	fprintf(f, "cisreport_observer_up{state=\"%s\",reason=", state);
	label(f, !o ? off_reason : observer_reason(o));
	fprintf(f, "} %d\n", observer_running(o) ? 1 : 0);
	if (!observer_running(o))
		return;
	int64_t since = observer_since_ns(o);
	family(f, "cisreport_observer_start_time_seconds", "gauge",
	       "When the running observer started (Unix time): the runtime checks and the event "
	       "counters cover the time since.");
	fprintf(f, "cisreport_observer_start_time_seconds %lld.%03lld\n",
		(long long)(since / 1000000000), (long long)(since % 1000000000 / 1000000));
	struct observer_class_view *v = malloc(sizeof(*v) * OBSERVER_NCLASSES);
	if (!v)
		return;
	for (int i = 0; i < OBSERVER_NCLASSES; i++)
		observer_snapshot(o, (enum observer_class)i, &v[i]);
	family(f, "cisreport_observer_class_available", "gauge",
	       "Event classes the observer watches: 1 attached, 0 not (the reason in the label).");
	for (int i = 0; i < OBSERVER_NCLASSES; i++) {
		fprintf(f, "cisreport_observer_class_available{class=\"%s\",reason=",
			observer_class_name(v[i].cls));
		label(f, v[i].available ? "" : v[i].reason);
		fprintf(f, "} %d\n", v[i].available ? 1 : 0);
	}
	family(f, "cisreport_observed_events_total", "counter",
	       "Events of each class seen by the kernel programs since the observer started "
	       "(exact, lost ones included).");
	for (int i = 0; i < OBSERVER_NCLASSES; i++)
		if (v[i].available)
			fprintf(f, "cisreport_observed_events_total{class=\"%s\"} %llu\n",
				observer_class_name(v[i].cls), (unsigned long long)v[i].count);
	family(f, "cisreport_observed_events_lost_total", "counter",
	       "Of those, events whose details were dropped because the ring buffer was full.");
	for (int i = 0; i < OBSERVER_NCLASSES; i++)
		if (v[i].available)
			fprintf(f, "cisreport_observed_events_lost_total{class=\"%s\"} %llu\n",
				observer_class_name(v[i].cls), (unsigned long long)v[i].lost);
	free(v);
}

/* The cache, its watches and drift (docs/continuous.md). */
static void write_continuous(FILE *f, struct daemon *d)
{
	family(f, "cisreport_drift_events_total", "counter",
	       "Check status changes seen (drift events, GET /events).");
	fprintf(f, "cisreport_drift_events_total %llu\n", d->events ? events_total(d->events) : 0);
	family(f, "cisreport_event_streams", "gauge", "GET /events streams open now.");
	fprintf(f, "cisreport_event_streams %u\n", atomic_load(&d->watchers));
	if (!d->cache)
		return;
	struct cache_stats st;
	cache_stats(d->cache, &st);
	family(f, "cisreport_cache_requests_total", "counter",
	       "Report requests answered with a kept body (hit) or built (miss).");
	fprintf(f, "cisreport_cache_requests_total{result=\"hit\"} %llu\n", st.hits);
	fprintf(f, "cisreport_cache_requests_total{result=\"miss\"} %llu\n", st.misses);
	family(f, "cisreport_cache_checks_total", "counter",
	       "Checks run, and checks whose kept result was still fresh (reused).");
	fprintf(f, "cisreport_cache_checks_total{result=\"run\"} %llu\n", st.checks_run);
	fprintf(f, "cisreport_cache_checks_total{result=\"reused\"} %llu\n", st.checks_reused);
	family(f, "cisreport_cache_uncached_checks", "gauge",
	       "Checks whose kind cannot say what it reads: run for every report.");
	fprintf(f, "cisreport_cache_uncached_checks %zu\n", st.uncached);
	family(f, "cisreport_watch_notifications_total", "counter",
	       "Input changes notified to the cache (per check touched).");
	fprintf(f, "cisreport_watch_notifications_total %llu\n", st.notifications);
	family(f, "cisreport_watch_degraded", "gauge",
	       "Inputs whose watch could not be set, kept fresh by their time-to-live instead.");
	for (int i = 0; i < INPUT_NCLASSES; i++)
		fprintf(f, "cisreport_watch_degraded{input=\"%s\"} %lu\n",
			input_class_name((enum input_class)i), st.degraded[i]);
}

int metrics_render(struct daemon *d, const struct catalog *c, const struct settings *s,
		   char **buf, size_t *len)
{
	struct scraped *sc = calloc(c->n_profiles ? c->n_profiles : 1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	/* One observer for the whole scrape: the checks and the counters
	 * come from the same one even if it is switched meanwhile. */
	char off[256] = "";
	struct shared_observer *so = daemon_observer(d, off, sizeof(off));
	struct observer *o = so ? so->o : NULL;
	for (size_t i = 0; i < c->n_profiles; i++)
		scrape(d, c, o, &c->profiles[i], s, &sc[i]);
	*buf = NULL;
	*len = 0;
	FILE *f = open_memstream(buf, len);
	int rc = f ? 0 : -ENOMEM;
	if (f) {
		write_checks(f, sc, c->n_profiles);
		write_counts(f, sc, c->n_profiles);
		write_daemon(f, d, s);
		write_observer(f, o, off);
		write_continuous(f, d);
		if (fclose(f) == EOF) {
			free(*buf);
			*buf = NULL;
			rc = -ENOMEM;
		}
	}
	for (size_t i = 0; i < c->n_profiles; i++)
		if (sc[i].built)
			report_free(&sc[i].r);
	free(sc);
	shared_observer_unref(so);
	return rc;
}
