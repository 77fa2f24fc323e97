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
 * is taken again (NFT_NETLINK_TRIES times). */
#ifndef CISREPORT_NFT_NETLINK_H
#define CISREPORT_NFT_NETLINK_H

#include <jansson.h>
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

/* A non-blocking netlink socket in NFNLGRP_NFTABLES (every commit's changes
 * are multicast there, cisreportd's watch): the fd, or -errno. */
int nft_netlink_subscribe(void);

#endif
