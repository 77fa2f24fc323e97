#include "cache.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "daemon.h"
#include "events.h"
#include "watch.h"
#include "checks/kind.h"
#include "settings/settings.h"
#include "observer/observer.h"

/* Bodies kept: one per (report, level, format) in use, with room. */
#define MAX_BODIES 32

struct entry {
	const struct check_def *def;
	const struct profile *p;
	struct watch_freshness fresh;
	bool have;
	struct check_result result;
	struct timespec at;      /* wall clock of the evaluation */
	struct timespec mono_at; /* the same, monotonic */
	unsigned long long seq0;    /* changes seen before that evaluation began */
	unsigned long long changed; /* change number of its latest input change */
	char cause[512];            /* that change */
};

struct slot {
	struct cache_key k;
	struct cache_body *body;
	unsigned long long seq0;
	struct timespec deadline; /* monotonic; tv_sec 0: none */
	time_t expiry;            /* wall clock (a waiver expires); 0: none */
	size_t *entries;
	size_t n_entries;
	unsigned long long used;
};

struct cache {
	struct cache_config cfg;
	pthread_mutex_t lock;
	/* What entries point into, referenced: a reloaded catalog is never
	 * mistaken for this one. */
	const struct catalog *catalog;
	struct watch *watch;
	struct entry *entries;
	size_t n_entries;
	size_t *index; /* open addressing: check_def pointer -> entry + 1 */
	size_t index_size;
	unsigned long long seq; /* changes seen so far */
	struct slot slots[MAX_BODIES];
	unsigned long long uses;
	unsigned long long hits, misses, checks_run, checks_reused, notifications;
	char last_invalidation[128];
};

void cache_body_unref(struct cache_body *b)
{
	if (!b || atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	free(b->bytes);
	free(b);
}

static size_t hash_ptr(const void *p, size_t size)
{
	uintptr_t x = (uintptr_t)p;
	x ^= x >> 17;
	x *= 0xed5ad4bbu;
	x ^= x >> 11;
	return (size_t)x & (size - 1);
}

static struct entry *find_entry(struct cache *c, const struct check_def *def)
{
	if (!c->index_size)
		return NULL;
	for (size_t i = hash_ptr(def, c->index_size);; i = (i + 1) & (c->index_size - 1)) {
		size_t v = c->index[i];
		if (!v)
			return NULL;
		if (c->entries[v - 1].def == def)
			return &c->entries[v - 1];
	}
}

static void clear_slot(struct slot *s)
{
	cache_body_unref(s->body);
	free(s->entries);
	memset(s, 0, sizeof(*s));
}

static void drop_all(struct cache *c)
{
	for (size_t i = 0; i < c->n_entries; i++)
		result_free(&c->entries[i].result);
	free(c->entries);
	free(c->index);
	c->entries = NULL;
	c->index = NULL;
	c->n_entries = c->index_size = 0;
	for (size_t i = 0; i < MAX_BODIES; i++)
		clear_slot(&c->slots[i]);
	watch_free(c->watch);
	c->watch = NULL;
	catalog_unref((struct catalog *)c->catalog);
	c->catalog = NULL;
}

struct cache *cache_new(const struct cache_config *cfg)
{
	struct cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = *cfg;
	if (!c->cfg.full_interval_s)
		c->cfg.full_interval_s = CACHE_DEFAULT_FULL_INTERVAL;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	drop_all(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Called by the watcher for a check whose input changed. */
static void on_changed(void *ctx, size_t id, const char *cause)
{
	struct cache *c = ctx;
	struct entry *e = &c->entries[id];
	e->changed = ++c->seq;
	snprintf(e->cause, sizeof(e->cause), "%s", cause);
	c->notifications++;
}

/* Entries and watches for every check of a catalog (a new catalog after
 * SIGHUP starts afresh). */
static int build(struct cache *c, const struct catalog *cat)
{
	drop_all(c);
	char err[256];
	struct watch_config wc = {.root = c->cfg.root,
				  .mounted = c->cfg.mounted,
				  .ttl_ms = c->cfg.ttl_ms,
				  .firewall_ttl_ms = c->cfg.firewall_ttl_ms};
	c->watch = watch_new(&wc, err, sizeof(err));
	if (!c->watch)
		daemon_log("watch: %s: every check is re-run for every report", err);
	size_t n = 0;
	for (size_t i = 0; i < cat->n_profiles; i++)
		n += cat->profiles[i].n_checks;
	c->entries = calloc(n ? n : 1, sizeof(*c->entries));
	c->index_size = 16;
	while (c->index_size < 2 * n)
		c->index_size *= 2;
	c->index = calloc(c->index_size, sizeof(*c->index));
	if (!c->entries || !c->index) {
		drop_all(c);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cat->n_profiles; i++) {
		const struct profile *p = &cat->profiles[i];
		for (size_t j = 0; j < p->n_checks; j++) {
			const struct check_def *def = &p->checks[j];
			struct entry *e = &c->entries[c->n_entries];
			e->def = def;
			e->p = p;
			struct check_inputs in = {0};
			int rc = 0;
			if (!def->kind->inputs || !c->watch)
				e->fresh.uncached = true;
			else if ((rc = def->kind->inputs(def->params, &in)) == 0)
				rc = watch_add(c->watch, c->n_entries, &in, &e->fresh);
			inputs_free(&in);
			if (rc) {
				drop_all(c);
				return rc;
			}
			size_t h = hash_ptr(def, c->index_size);
			while (c->index[h])
				h = (h + 1) & (c->index_size - 1);
			c->index[h] = ++c->n_entries;
		}
	}
	c->catalog = catalog_ref((struct catalog *)cat);
	return 0;
}

static long long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static unsigned ttl_of(const struct entry *e, bool observer)
{
	unsigned ttl = e->fresh.ttl_ms;
	unsigned more = observer ? 0 : e->fresh.ttl_without_observer_ms;
	if (more && (!ttl || more < ttl))
		ttl = more;
	return ttl;
}

static bool entry_fresh(const struct cache *c, const struct entry *e, bool observer,
			const struct timespec *now)
{
	if (!e->have || e->fresh.uncached || e->changed > e->seq0)
		return false;
	long long age = ms_between(&e->mono_at, now);
	if (age >= (long long)c->cfg.full_interval_s * 1000)
		return false;
	unsigned ttl = ttl_of(e, observer);
	return !ttl || age < (long long)ttl;
}

static bool slot_valid(const struct cache *c, const struct slot *s, const struct timespec *now)
{
	if (!s->body)
		return false;
	if (s->deadline.tv_sec && ms_between(now, &s->deadline) <= 0)
		return false;
	if (s->expiry && time(NULL) >= s->expiry)
		return false;
	for (size_t i = 0; i < s->n_entries; i++)
		if (c->entries[s->entries[i]].changed > s->seq0)
			return false;
	return true;
}

static struct slot *find_slot(struct cache *c, const struct cache_key *k)
{
	for (size_t i = 0; i < MAX_BODIES; i++) {
		struct slot *s = &c->slots[i];
		if (s->body && s->k.p == k->p && s->k.level == k->level && s->k.w == k->w &&
		    s->k.settings_gen == k->settings_gen && s->k.observer == k->observer &&
		    s->k.view == k->view)
			return s;
	}
	return NULL;
}

/* ---- the memo report_run uses ----------------------------------------- */

static bool memo_reuse(void *ctx, const struct check_def *def, struct check_result *out,
		       struct timespec *at)
{
	struct cache_request *cr = ctx;
	struct cache *c = cr->c;
	bool ok = false;
	pthread_mutex_lock(&c->lock);
	struct entry *e = c->catalog ? find_entry(c, def) : NULL;
	if (!e || e->fresh.uncached)
		cr->all_cacheable = false;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (e && !cr->fresh && entry_fresh(c, e, cr->observer, &now) &&
	    result_copy(out, &e->result) == 0) {
		*at = e->at;
		ok = true;
		c->checks_reused++;
	}
	pthread_mutex_unlock(&c->lock);
	return ok;
}

/* The first evidence items not as expected, else the reason. */
static void drift_evidence(const struct check_result *r, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < r->n_evidence && used + 8 < size; i++) {
		const struct evidence *ev = &r->evidence[i];
		if (ev->ok)
			continue;
		int n = snprintf(buf + used, size - used, "%s%s: expected %s, found %s",
				 used ? "; " : "", ev->item, ev->expected, ev->actual);
		if (n < 0)
			break;
		used += (size_t)n < size - used ? (size_t)n : size - used - 1;
	}
	if (!used)
		snprintf(buf, size, "%s", r->error ? r->error : "");
}

/* Who a drift event is about, and what its result shows. */
static void drift_subject(struct drift_event *ev, const struct check_def *def,
			  const struct profile *p, const struct check_result *r)
{
	snprintf(ev->check, sizeof(ev->check), "%s", def->name);
	snprintf(ev->bid, sizeof(ev->bid), "%s", def->id);
	snprintf(ev->type, sizeof(ev->type), "%s", p->bm.type);
	ev->level = def->level;
	drift_evidence(r, ev->evidence, sizeof(ev->evidence));
}

static void memo_store(void *ctx, const struct check_def *def, const struct check_result *r,
		       const struct timespec *at)
{
	struct cache_request *cr = ctx;
	struct cache *c = cr->c;
	struct drift_event ev;
	bool drift = false;
	pthread_mutex_lock(&c->lock);
	c->checks_run++;
	struct entry *e = c->catalog ? find_entry(c, def) : NULL;
	/* A result from before a newer one's start is not kept. */
	if (e && (!e->have || cr->seq0 >= e->seq0)) {
		if (e->have && e->result.status != r->status) {
			memset(&ev, 0, sizeof(ev));
			drift = true;
			drift_subject(&ev, def, e->p, r);
			ev.from = e->result.status;
			ev.to = r->status;
			snprintf(ev.cause, sizeof(ev.cause), "%s",
				 e->changed > e->seq0 ? e->cause
				 : cr->fresh	      ? "full evaluation requested (fresh)"
						      : "time-to-live or full re-evaluation");
			ev.at = *at;
		}
		struct check_result copy;
		if (result_copy(&copy, r) == 0) {
			result_free(&e->result);
			e->result = copy;
			e->have = true;
			e->at = *at;
			clock_gettime(CLOCK_MONOTONIC, &e->mono_at);
			e->seq0 = cr->seq0;
		}
	}
	pthread_mutex_unlock(&c->lock);
	if (drift && c->cfg.events)
		events_push(c->cfg.events, &ev);
}

bool cache_waiver_expired(struct cache *c, const struct catalog *cat, const struct waiver *w,
			  const struct timespec *at)
{
	const struct check_def *def = catalog_find_check(cat, w->check);
	if (!def || !c->cfg.events)
		return false;
	struct drift_event ev = {.change = DRIFT_WAIVER_EXPIRED, .at = *at};
	pthread_mutex_lock(&c->lock);
	struct entry *e = c->catalog == cat ? find_entry(c, def) : NULL;
	/* On a passing check a waiver accepts nothing: its end is no news. */
	bool known = e && e->have && e->result.status != CHECK_PASS;
	if (known) {
		drift_subject(&ev, def, e->p, &e->result);
		ev.from = ev.to = e->result.status;
	}
	pthread_mutex_unlock(&c->lock);
	if (!known)
		return false;
	/* reason, expires and approved-by are required, non-empty strings. */
	snprintf(ev.cause, sizeof(ev.cause), "waiver expired at %s (approved by %s: %s)", w->expires,
		 w->approved_by, w->reason);
	events_push(c->cfg.events, &ev);
	return true;
}

struct cache_body *cache_begin(struct cache *c, const struct catalog *cat,
			       struct observer *o, const struct cache_key *k, bool fresh,
			       struct cache_request *cr)
{
	memset(cr, 0, sizeof(*cr));
	cr->c = c;
	cr->fresh = fresh;
	cr->observer = o && observer_running(o);
	cr->all_cacheable = true;
	cr->memo = (struct report_memo){.reuse = memo_reuse, .store = memo_store, .ctx = cr};
	struct cache_body *b = NULL;
	pthread_mutex_lock(&c->lock);
	if (c->catalog != cat && build(c, cat) < 0)
		daemon_log("cache: out of memory: every check is re-run");
	if (c->watch)
		watch_drain(c->watch, o, on_changed, c);
	cr->seq0 = c->seq;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	struct slot *s = fresh ? NULL : find_slot(c, k);
	if (s && slot_valid(c, s, &now)) {
		b = s->body;
		atomic_fetch_add(&b->refs, 1);
		s->used = ++c->uses;
		c->hits++;
	} else {
		c->misses++;
	}
	pthread_mutex_unlock(&c->lock);
	return b;
}

static void etag_of(const char *bytes, size_t len, char *out, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)bytes[i]) * 0x100000001b3ull;
	snprintf(out, size, "\"%016llx\"", (unsigned long long)h);
}

struct cache_body *cache_put(struct cache *c, struct cache_request *cr,
			     const struct cache_key *k, const struct report *r, char *bytes,
			     size_t len, time_t earliest_expiry)
{
	struct cache_body *b = calloc(1, sizeof(*b));
	if (!b) {
		free(bytes);
		return NULL;
	}
	atomic_init(&b->refs, 1);
	b->bytes = bytes;
	b->len = len;
	b->all_skip = r->status == CHECK_SKIP;
	etag_of(bytes, len, b->etag, sizeof(b->etag));
	if (!cr->all_cacheable)
		return b;
	size_t *idx = calloc(r->n_entries ? r->n_entries : 1, sizeof(*idx));
	if (!idx)
		return b;
	pthread_mutex_lock(&c->lock);
	struct timespec deadline = {0};
	size_t n = 0;
	bool ok = c->catalog != NULL;
	for (size_t i = 0; ok && i < r->n_entries; i++) {
		struct entry *e = find_entry(c, r->entries[i].def);
		if (!e || !e->have || e->fresh.uncached) {
			ok = false;
			break;
		}
		idx[n++] = (size_t)(e - c->entries);
		/* The body lives no longer than its shortest-lived result. */
		long long life = (long long)c->cfg.full_interval_s * 1000;
		unsigned ttl = ttl_of(e, cr->observer);
		if (ttl && ttl < life)
			life = ttl;
		struct timespec end = e->mono_at;
		end.tv_sec += life / 1000;
		end.tv_nsec += (life % 1000) * 1000000L;
		if (end.tv_nsec >= 1000000000L) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000L;
		}
		if (!deadline.tv_sec || ms_between(&end, &deadline) > 0)
			deadline = end;
	}
	if (ok) {
		struct slot *s = find_slot(c, k);
		for (size_t i = 0; !s && i < MAX_BODIES; i++)
			if (!c->slots[i].body)
				s = &c->slots[i];
		for (size_t i = 0; !s && i < MAX_BODIES; i++)
			if (!s || c->slots[i].used < s->used)
				s = &c->slots[i];
		if (!s)
			s = &c->slots[0];
		clear_slot(s);
		s->k = *k;
		s->body = b;
		atomic_fetch_add(&b->refs, 1);
		s->seq0 = cr->seq0;
		s->deadline = deadline;
		s->expiry = earliest_expiry;
		s->entries = idx;
		s->n_entries = n;
		s->used = ++c->uses;
		idx = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	free(idx);
	return b;
}

void cache_invalidate(struct cache *c, const char *why)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < MAX_BODIES; i++)
		clear_slot(&c->slots[i]);
	/* Results stay (for drift), but none is fresh any more. */
	for (size_t i = 0; i < c->n_entries; i++) {
		c->entries[i].changed = ++c->seq;
		snprintf(c->entries[i].cause, sizeof(c->entries[i].cause), "%s", why);
	}
	snprintf(c->last_invalidation, sizeof(c->last_invalidation), "%s", why);
	pthread_mutex_unlock(&c->lock);
}

void cache_stats(struct cache *c, struct cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->lock);
	out->hits = c->hits;
	out->misses = c->misses;
	out->checks_run = c->checks_run;
	out->checks_reused = c->checks_reused;
	out->notifications = c->notifications;
	out->checks = c->n_entries;
	for (size_t i = 0; i < c->n_entries; i++)
		out->uncached += c->entries[i].fresh.uncached;
	if (c->watch) {
		for (int i = 0; i < INPUT_NCLASSES; i++)
			out->degraded[i] = watch_degraded(c->watch, (enum input_class)i);
		snprintf(out->degraded_reason, sizeof(out->degraded_reason), "%s",
			 watch_degraded_reason(c->watch));
	}
	pthread_mutex_unlock(&c->lock);
}

unsigned long long cache_poll(struct cache *c, const struct catalog *cat, struct observer *o,
			      int *fds, short *events, size_t *n_fds, int *timeout_ms,
			      uint32_t *observer_classes)
{
	pthread_mutex_lock(&c->lock);
	if (c->catalog != cat && build(c, cat) < 0)
		daemon_log("cache: out of memory: every check is re-run");
	/* The system bus lost: connect again, without the lock (a request
	 * never waits on a bus that is slow to answer). */
	struct watch *w = c->watch;
	if (w && watch_bus_retry_due(w)) {
		pthread_mutex_unlock(&c->lock);
		char why[256] = "";
		struct watch_bus_conn *conn = watch_bus_connect(w, why, sizeof(why));
		pthread_mutex_lock(&c->lock);
		char msg[512] = "";
		if (c->watch == w)
			watch_bus_adopt(w, conn, why, on_changed, c, msg, sizeof(msg));
		else
			watch_bus_conn_free(conn);
		if (msg[0])
			daemon_log("%s", msg);
	}
	*n_fds = 0;
	*observer_classes = 0;
	if (c->watch) {
		*observer_classes = watch_observer_classes(c->watch);
		watch_drain(c->watch, o, on_changed, c);
		if (watch_inotify_fd(c->watch) >= 0) {
			fds[*n_fds] = watch_inotify_fd(c->watch);
			events[(*n_fds)++] = POLLIN;
		}
		if (watch_mounts_fd(c->watch) >= 0) {
			fds[*n_fds] = watch_mounts_fd(c->watch);
			events[(*n_fds)++] = POLLPRI;
		}
		if (watch_nft_fd(c->watch) >= 0) {
			fds[*n_fds] = watch_nft_fd(c->watch);
			events[(*n_fds)++] = POLLIN;
		}
		if (watch_bus_fd(c->watch) >= 0) {
			fds[*n_fds] = watch_bus_fd(c->watch);
			events[(*n_fds)++] = POLLIN;
		}
		int settle = watch_settle_ms(c->watch);
		if (settle >= 0 && settle < *timeout_ms)
			*timeout_ms = settle + 1;
	}
	unsigned long long seq = c->seq;
	pthread_mutex_unlock(&c->lock);
	return seq;
}

size_t cache_stale(struct cache *c, const struct profile *p, const char **names, size_t max)
{
	size_t n = 0;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n_entries && n < max; i++) {
		const struct entry *e = &c->entries[i];
		if (e->p != p || e->fresh.uncached)
			continue;
		bool stale = !e->have || e->changed > e->seq0 ||
			     ms_between(&e->mono_at, &now) >= (long long)c->cfg.full_interval_s * 1000;
		if (stale)
			names[n++] = e->def->name;
	}
	pthread_mutex_unlock(&c->lock);
	return n;
}

void cache_degraded_note(struct cache *c, char *buf, size_t size)
{
	buf[0] = '\0';
	size_t used = 0;
	pthread_mutex_lock(&c->lock);
	for (int i = 0; c->watch && i < INPUT_NCLASSES && used + 1 < size; i++) {
		unsigned long n = watch_degraded(c->watch, (enum input_class)i);
		if (!n)
			continue;
		int k = snprintf(buf + used, size - used, "%s%lu %s input%s", used ? ", " : "", n,
				 input_class_name((enum input_class)i), n == 1 ? "" : "s");
		used += k > 0 && (size_t)k < size - used ? (size_t)k : size - used - 1;
	}
	if (used && used + 1 < size)
		snprintf(buf + used, size - used,
			 " not watched (last: %s): re-read after their time-to-live instead",
			 watch_degraded_reason(c->watch));
	pthread_mutex_unlock(&c->lock);
}
