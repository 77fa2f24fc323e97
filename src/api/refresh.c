/* The background re-evaluation: between requests, a change to a watched
 * input re-runs the checks it touches at once, so a drift event (and its
 * log line) follows the change without anyone asking for a report. Inputs
 * on a time-to-live are left to requests and to the full re-evaluation
 * every --full-interval: running iptables-save every second on an idle
 * host would cost more than the whole idle daemon may. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "daemon.h"
#include "observer/observer.h"
#include "settings/report_build.h"
#include "settings/settings.h"

/* The thread wakes this often to see whether to stop. */
#define IDLE_LOOK_MS 1000
#define MAX_STALE 1024

static void refresh_profile(struct daemon *d, const struct catalog *c,
			    const struct profile *p, struct shared_observer *so)
{
	const char *names[MAX_STALE + 1];
	size_t n = cache_stale(d->cache, p, names, MAX_STALE);
	if (!n)
		return;
	names[n] = NULL;
	unsigned long long cpu_start = daemon_thread_cpu_ns();
	struct cache_key key = {.p = NULL}; /* matches no body: results only */
	struct cache_request cr;
	cache_body_unref(cache_begin(d->cache, c, so ? so->o : NULL, &key, false, &cr));
	struct host h;
	if (daemon_host_init(d, &h) < 0)
		return;
	h.observer = so ? so->o : NULL;
	h.share = d->commands;
	struct report r;
	struct report_selection sel = {.level = INT_MAX, .only = names, .memo = &cr.memo};
	report_run(&h, p, &sel, &r);
	report_free(&r);
	host_free(&h);
	daemon_count_evaluation(d, EVAL_BACKGROUND, cpu_start);
}

/* Waivers whose expiry is in (*announced, now] are drift events; *announced
 * moves to now. Returns the milliseconds until the next expiry, or -1. */
static int announce_expired_waivers(struct daemon *d, const struct catalog *c,
				    const struct settings *s, time_t *announced)
{
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	for (size_t i = 0; i < s->n_waivers; i++) {
		const struct waiver *w = &s->waivers[i];
		if (w->expires_at > *announced && w->expires_at <= wall.tv_sec)
			(void)cache_waiver_expired(d->cache, c, w, &wall);
	}
	*announced = wall.tv_sec;
	time_t next = settings_next_expiry(s, wall.tv_sec);
	if (!next)
		return -1;
	/* Expiries have second resolution: wake just after the second turns. */
	long long ms = (long long)(next - wall.tv_sec) * 1000 - wall.tv_nsec / 1000000 + 5;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void *refresher(void *arg)
{
	struct daemon *d = arg;
	unsigned long long seen = ~0ull;
	struct timespec last_full = {0};
	/* Waivers expired before the daemon started are not news. */
	time_t announced = time(NULL);
	while (!atomic_load(&d->refresher_stop) && !atomic_load(&d->stopping)) {
		struct catalog *c;
		struct shared_settings *s;
		daemon_snapshot(d, &c, &s);
		struct shared_observer *so = daemon_observer(d, NULL, 0);
		int fds[4];
		short events[4];
		size_t n_fds;
		int timeout = IDLE_LOOK_MS;
		uint32_t wake_classes;
		unsigned long long seq = cache_poll(d->cache, c, so ? so->o : NULL, fds, events,
						    &n_fds, &timeout, &wake_classes);
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		bool full_due = now.tv_sec - last_full.tv_sec >=
				(time_t)daemon_full_interval_s(d, &s->s);
		if (seq != seen || full_due) {
			seen = seq;
			if (full_due)
				last_full = now;
			for (size_t i = 0; i < c->n_profiles; i++)
				refresh_profile(d, c, &c->profiles[i], so);
		}
		int until_expiry = announce_expired_waivers(d, c, &s->s, &announced);
		if (until_expiry >= 0 && until_expiry < timeout)
			timeout = until_expiry;
		catalog_unref(c);
		shared_settings_unref(s);
		struct pollfd p[5];
		for (size_t i = 0; i < n_fds; i++)
			p[i] = (struct pollfd){.fd = fds[i], .events = events[i]};
		/* The observer's events of a watched class wake us too (sysctl
		 * writes, module loads, the runtime checks' classes). A duplicate
		 * of its descriptor: the observer itself is not held across the
		 * wait, so switching it off frees it at once. */
		int wake = so && observer_running(so->o) && wake_classes
				   ? observer_wake_fd(so->o, wake_classes)
				   : -1;
		if (wake >= 0)
			wake = fcntl(wake, F_DUPFD_CLOEXEC, 0);
		shared_observer_unref(so);
		if (wake >= 0)
			p[n_fds++] = (struct pollfd){.fd = wake, .events = POLLIN};
		(void)poll(p, n_fds, timeout);
		if (wake >= 0) {
			uint64_t drained;
			if (read(wake, &drained, sizeof(drained)) < 0)
				drained = 0;
			close(wake);
		}
	}
	return NULL;
}

int refresher_start(struct daemon *d)
{
	atomic_store(&d->refresher_stop, false);
	int rc = pthread_create(&d->refresher, NULL, refresher, d);
	if (rc)
		return -rc;
	d->refresher_running = true;
	return 0;
}

void refresher_stop(struct daemon *d)
{
	if (!d->refresher_running)
		return;
	atomic_store(&d->refresher_stop, true);
	pthread_join(d->refresher, NULL);
	d->refresher_running = false;
}
