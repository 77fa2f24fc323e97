/* The daemon's swappable state and its log. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

struct shared_settings *shared_settings_new(struct settings *s)
{
	struct shared_settings *ss = calloc(1, sizeof(*ss));
	if (!ss) {
		settings_free(s);
		return NULL;
	}
	static atomic_ulong gens;
	atomic_init(&ss->refs, 1);
	ss->gen = atomic_fetch_add(&gens, 1) + 1;
	ss->s = *s;
	memset(s, 0, sizeof(*s));
	return ss;
}

struct shared_settings *shared_settings_ref(struct shared_settings *s)
{
	atomic_fetch_add(&s->refs, 1);
	return s;
}

void shared_settings_unref(struct shared_settings *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	settings_free(&s->s);
	free(s);
}

void daemon_snapshot(struct daemon *d, struct catalog **c, struct shared_settings **s)
{
	pthread_mutex_lock(&d->lock);
	*c = catalog_ref(d->catalog);
	*s = shared_settings_ref(d->settings);
	pthread_mutex_unlock(&d->lock);
}

unsigned daemon_max_watchers(const struct daemon *d, const struct settings *s)
{
	return s->max_watchers ? s->max_watchers : d->opt.max_watchers;
}

unsigned daemon_full_interval_s(const struct daemon *d, const struct settings *s)
{
	return s->full_interval_s ? s->full_interval_s : d->opt.full_interval_s;
}

void daemon_install(struct daemon *d, struct catalog *c, struct shared_settings *s)
{
	struct catalog *old_c = NULL;
	struct shared_settings *old_s = NULL;
	pthread_mutex_lock(&d->lock);
	if (c) {
		old_c = d->catalog;
		d->catalog = c;
	}
	if (s) {
		old_s = d->settings;
		d->settings = s;
	}
	pthread_mutex_unlock(&d->lock);
	catalog_unref(old_c);
	shared_settings_unref(old_s);
}

void daemon_count_status(struct daemon *d, unsigned status)
{
	static const unsigned codes[N_TRACKED_CODES] = TRACKED_CODES;
	size_t slot = N_TRACKED_CODES; /* the others */
	for (size_t i = 0; i < N_TRACKED_CODES; i++)
		if (codes[i] == status)
			slot = i;
	atomic_fetch_add(&d->requests[slot], 1);
}

unsigned long long daemon_thread_cpu_ns(void)
{
	struct timespec t;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) < 0)
		return 0;
	return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

void daemon_count_evaluation(struct daemon *d, enum eval_trigger t, unsigned long long started_ns)
{
	unsigned long long now = daemon_thread_cpu_ns();
	if (started_ns && now > started_ns)
		atomic_fetch_add(&d->evaluation_cpu_ns[t], now - started_ns);
	atomic_fetch_add(&d->evaluations[t], 1);
}

const char *eval_trigger_name(enum eval_trigger t)
{
	static const char *const names[EVAL_NTRIGGERS] = {"request", "background", "scrape"};
	return names[t];
}

int daemon_host_init(const struct daemon *d, struct host *h)
{
	return d->opt.host_root ? host_init_mounted(h, d->opt.root) : host_init(h, d->opt.root);
}

void mhd_message(char *buf, size_t size, const char *fmt, va_list ap)
{
	vsnprintf(buf, size, fmt, ap);
	size_t n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
}

void daemon_log(const char *fmt, ...)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "cisreportd: ");
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	/* One write(2) per line: lines from many threads stay whole. */
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

void daemon_warn_unknown_waivers(const struct catalog *c, const struct settings *s)
{
	for (size_t i = 0; i < s->n_waivers; i++)
		if (!catalog_find_check(c, s->waivers[i].check))
			daemon_log("warning: waiver for \"%s\" names no loaded check; it is kept but applies to nothing",
				   s->waivers[i].check);
}
