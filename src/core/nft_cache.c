/* Shared nf_tables snapshots and the process-wide cache of the last one
 * read over netlink (see nft_cache.h). */
#include "nft_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nft_snapshot {
	atomic_uint refs;
	json_t *doc;
	/* where it was read (cached snapshots only) */
	uint64_t netns;
	uint32_t generation;
	void *derived; /* under lock */
	void (*release)(void *);
};

/* Guards cached and every snapshot's derived object: held for a few
 * pointer moves, never across a read. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct nft_snapshot *cached;
static atomic_ulong n_dumps, n_unchanged;

struct nft_snapshot *nft_snapshot_new(json_t *doc)
{
	struct nft_snapshot *s = calloc(1, sizeof(*s));
	if (!s) {
		json_decref(doc);
		return NULL;
	}
	atomic_init(&s->refs, 1);
	s->doc = doc;
	return s;
}

struct nft_snapshot *nft_snapshot_ref(struct nft_snapshot *s)
{
	if (s)
		atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void nft_snapshot_unref(struct nft_snapshot *s)
{
	/* acq_rel: every other holder's reads happen before the free */
	if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (s->derived)
		s->release(s->derived);
	json_decref(s->doc);
	free(s);
}

const json_t *nft_snapshot_doc(const struct nft_snapshot *s)
{
	return s->doc;
}

void *nft_snapshot_derived(struct nft_snapshot *s)
{
	pthread_mutex_lock(&lock);
	void *obj = s->derived;
	pthread_mutex_unlock(&lock);
	return obj;
}

void *nft_snapshot_keep_derived(struct nft_snapshot *s, void *obj, void (*release)(void *))
{
	pthread_mutex_lock(&lock);
	void *kept = s->derived;
	if (!kept) {
		s->derived = kept = obj;
		s->release = release;
	}
	pthread_mutex_unlock(&lock);
	if (kept != obj)
		release(obj); /* another report parsed the same document first */
	return kept;
}

/* The new read becomes the cached one, if it can be reused; one that
 * cannot, in the cached one's namespace, drops that (it is older). */
static void cache_replace(struct nft_snapshot *s, const struct nft_netlink_read *rd)
{
	struct nft_snapshot *old = NULL;
	pthread_mutex_lock(&lock);
	if (!rd->not_reusable && rd->netns) {
		old = cached;
		cached = nft_snapshot_ref(s);
	} else if (cached && cached->netns == rd->netns) {
		old = cached;
		cached = NULL;
	}
	pthread_mutex_unlock(&lock);
	nft_snapshot_unref(old);
}

int nft_cache_ruleset_from(nft_cache_reader read, void *ctx, struct nft_snapshot **out, char *why,
			   size_t why_size)
{
	*out = NULL;
	pthread_mutex_lock(&lock);
	struct nft_snapshot *held = nft_snapshot_ref(cached);
	pthread_mutex_unlock(&lock);
	struct nft_netlink_known known = {0};
	if (held)
		known = (struct nft_netlink_known){.netns = held->netns, .generation = held->generation};
	json_t *doc = NULL;
	struct nft_netlink_read rd;
	int rc = read(ctx, held ? &known : NULL, &doc, &rd, why, why_size);
	if (!rc && rd.unchanged && held && rd.netns == held->netns &&
	    rd.generation == held->generation) {
		atomic_fetch_add_explicit(&n_unchanged, 1, memory_order_relaxed);
		*out = held;
		return 0;
	}
	nft_snapshot_unref(held);
	if (rc)
		return rc; /* never cached: the next report reads again */
	if (!doc) {
		/* "unchanged" with nothing held: the reader's mistake */
		snprintf(why, why_size, "reading the nf_tables ruleset over netlink: %s",
			 strerror(EPROTO));
		return -EPROTO;
	}
	atomic_fetch_add_explicit(&n_dumps, 1, memory_order_relaxed);
	struct nft_snapshot *s = nft_snapshot_new(doc);
	if (!s) {
		snprintf(why, why_size, "reading the nf_tables ruleset over netlink: %s",
			 strerror(ENOMEM));
		return -ENOMEM;
	}
	s->netns = rd.netns;
	s->generation = rd.generation;
	cache_replace(s, &rd);
	*out = s;
	return 0;
}

static int netlink_reader(void *ctx, const struct nft_netlink_known *known, json_t **out,
			  struct nft_netlink_read *rd, char *why, size_t why_size)
{
	(void)ctx;
	return nft_netlink_ruleset_since(known, out, rd, why, why_size);
}

int nft_cache_ruleset(struct nft_snapshot **out, char *why, size_t why_size)
{
	return nft_cache_ruleset_from(netlink_reader, NULL, out, why, why_size);
}

void nft_cache_counts(unsigned long *dumps, unsigned long *unchanged)
{
	*dumps = atomic_load_explicit(&n_dumps, memory_order_relaxed);
	*unchanged = atomic_load_explicit(&n_unchanged, memory_order_relaxed);
}

void nft_cache_clear(void)
{
	pthread_mutex_lock(&lock);
	struct nft_snapshot *old = cached;
	cached = NULL;
	pthread_mutex_unlock(&lock);
	nft_snapshot_unref(old);
}
