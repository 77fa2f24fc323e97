/* The kernel's nf_tables ruleset, read in-process over netlink (a
 * NETLINK_NETFILTER socket and the kernel's uapi headers, no library), as a
 * JSON document in the schema of `nft -j list ruleset`: the same bytes a
 * --root fixture captures, parsed by the same parser (checks/nft_ruleset.c).
 * Every table of every family is read (ip, ip6, inet, netdev, bridge, arp);
 * a base chain on devices has them as "dev", as nft 1.0.7 and later print.
 *
 * The bytecode of each rule is decoded back to what it matches: interface
 * and family matches, addresses (with masks and prefixes), set lookups and
 * verdict maps (elements read), verdicts, iptables-nft's xt matches and
 * targets by name; anything else is named for what it is, and never dropped:
 * a rule keeps every restriction it has.
 *
 * The dump is consistent: the ruleset generation is read before and after,
 * and a dump that the kernel marks interrupted, or whose generation moved,
 * is taken again (NFT_NETLINK_TRIES times). A caller holding the document
 * of a generation can skip the dump while it stays (nft_netlink_ruleset_since,
 * core/nft_cache.h); the decoder says what in a ruleset changes without a
 * new generation, which makes its document good for one read only. */
#ifndef CISREPORT_NFT_NETLINK_H
#define CISREPORT_NFT_NETLINK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NFT_NETLINK_TRIES 4

/* Returns 0 and a new document in *out, or -errno with why filled:
 * -ENOPROTOOPT: the kernel has no nf_tables (or no nfnetlink);
 * -EPERM: not allowed (CAP_NET_ADMIN);
 * -EAGAIN: the ruleset kept changing under the dump;
 * other: the netlink error. */
int nft_netlink_ruleset(json_t **out, char *why, size_t why_size);

/* A document the caller holds: the network namespace (its socket's
 * SO_NETNS_COOKIE) and the generation it was read at. */
struct nft_netlink_known {
	uint64_t netns;
	uint32_t generation;
};

/* The generation of known if it was read in namespace netns (0: unknown,
 * never the same), else NULL: what a read in netns may skip its dump for. */
const uint32_t *nft_netlink_known_generation(const struct nft_netlink_known *known, uint64_t netns);

/* What a read found besides its document. */
struct nft_netlink_read {
	/* the kernel's generation was still the known one (its first
	 * NFT_MSG_GETGEN said so): no dump was taken, *out is NULL */
	bool unchanged;
	uint32_t generation;
	uint64_t netns; /* the socket's namespace; 0: the kernel does not say */
	/* NULL, or what in the ruleset can change with no new generation (a
	 * static string): the generation counts commits, and set elements
	 * that expire or that rules add, chains on devices that go away,
	 * tables released with their owner and interface names change without
	 * one. Such a document is good for the read that took it only. */
	const char *not_reusable;
};

/* nft_netlink_ruleset, unless the caller's document is still the kernel's:
 * when known is in this socket's namespace and the generation is still
 * known->generation, returns 0 with rd->unchanged and no dump (one round
 * trip); otherwise the dump, its first GETGEN the same request. Either way
 * rd says the generation and namespace read. */
int nft_netlink_ruleset_since(const struct nft_netlink_known *known, json_t **out,
			      struct nft_netlink_read *rd, char *why, size_t why_size);

/* Both read over one NETLINK_NETFILTER socket the process keeps, in its
 * network namespace (premise: the process does not change it after its
 * first read, as core/live_files assumes); a read while another holds it
 * opens its own, a failed read closes it, a forked child opens its own.
 * How many sockets reads opened since the process started (for tests). */
unsigned long nft_netlink_sockets_opened(void);

/* The seam under nft_netlink_ruleset, for the fuzz harness and the capture
 * helper (tests/fuzz/fuzz_nft_netlink.c, tests/helpers/nft_capture.c): the
 * same dumps, retries, decoding and errors over another transport. send gets
 * each request, one netlink message, and returns 0 or -errno; recv fills buf
 * with the next reply datagram and returns its whole length, more than size
 * when it did not fit (recv's MSG_TRUNC), or -errno (-EINTR: asked again).
 * seq is the sequence number before the first request: each request has the
 * next one, and a reply to another is skipped. nft_netlink_ruleset is this
 * over its NETLINK_NETFILTER socket with seq = time(NULL). */
struct nft_netlink_io {
	int (*send)(void *ctx, const void *msg, size_t len);
	ssize_t (*recv)(void *ctx, void *buf, size_t size);
	void *ctx;
};

int nft_netlink_ruleset_io(const struct nft_netlink_io *io, uint32_t seq, json_t **out, char *why,
			   size_t why_size);
/* The same, unless the generation is still *known_generation (NULL: a dump
 * in any case); rd as nft_netlink_ruleset_since's, netns left 0. */
int nft_netlink_ruleset_io_since(const struct nft_netlink_io *io, uint32_t seq,
				 const uint32_t *known_generation, json_t **out,
				 struct nft_netlink_read *rd, char *why, size_t why_size);

/* A non-blocking netlink socket in NFNLGRP_NFTABLES (every commit's changes
 * are multicast there, cisreportd's watch): the fd, or -errno. */
int nft_netlink_subscribe(void);

#endif
