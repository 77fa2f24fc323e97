/* The nf_tables ruleset as reports share it: a snapshot (one read of the
 * ruleset, its document and what the firewall kinds made of it, counted by
 * reference), and the process-wide cache of the last one read over netlink,
 * keyed by the network namespace and the ruleset generation it was read at.
 *
 * A live report asks the kernel for the generation first (one NFT_MSG_GETGEN
 * on the process's netlink socket, in its namespace: nft_netlink.h); while it is
 * the cached one, the cached snapshot is the ruleset, and no dump is taken.
 * The kernel bumps the generation at every commit of a ruleset change
 * (nf_tables_commit), so the cached document is never older than the
 * kernel's ruleset. A ruleset with parts that change without a commit
 * (nft_netlink_read.not_reusable) is never cached, nor is an error: the next
 * report reads again. The first read of a process is the plain dump, its
 * first GETGEN the same one: a one-report process (the CLI) pays nothing.
 *
 * A snapshot is immutable once made, except for its derived object, set once
 * (the first kept wins): it is shared by reports on several threads, which
 * only read its document and derived object and never touch the document's
 * jansson reference counts; the last unref frees them, on whichever thread. */
#ifndef CISREPORT_NFT_CACHE_H
#define CISREPORT_NFT_CACHE_H

#include "nft_netlink.h"

#include <jansson.h>
#include <stdint.h>

struct nft_snapshot;

/* A snapshot of doc (taken over), not cached (an offline capture): NULL when
 * out of memory (doc released then). */
struct nft_snapshot *nft_snapshot_new(json_t *doc);
struct nft_snapshot *nft_snapshot_ref(struct nft_snapshot *s);
void nft_snapshot_unref(struct nft_snapshot *s);
const json_t *nft_snapshot_doc(const struct nft_snapshot *s);

/* What a probe made of the document, or NULL before one is kept. keep
 * returns the object kept: obj, or the one another report kept first (obj is
 * then released); it must not change once kept. */
void *nft_snapshot_derived(struct nft_snapshot *s);
void *nft_snapshot_keep_derived(struct nft_snapshot *s, void *obj, void (*release)(void *));

/* The live ruleset (nft_netlink_ruleset_since): 0 and a reference to the
 * current snapshot in *out (nft_snapshot_unref it), or -errno with why as
 * nft_netlink_ruleset's. */
int nft_cache_ruleset(struct nft_snapshot **out, char *why, size_t why_size);

/* The same over another reader (the unit tests: replayed replies): read is
 * called as nft_netlink_ruleset_since. */
typedef int (*nft_cache_reader)(void *ctx, const struct nft_netlink_known *known, json_t **out,
				struct nft_netlink_read *rd, char *why, size_t why_size);
int nft_cache_ruleset_from(nft_cache_reader read, void *ctx, struct nft_snapshot **out, char *why,
			   size_t why_size);

/* Reads since the process started: dumps taken, and reads served by the
 * cached snapshot. */
void nft_cache_counts(unsigned long *dumps, unsigned long *unchanged);

/* Drops the cached snapshot (reports holding it keep theirs). */
void nft_cache_clear(void);

#endif
