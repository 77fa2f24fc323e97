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

#define NFT_NETLINK_TRIES 4

/* Returns 0 and a new document in *out, or -errno with why filled:
 * -ENOPROTOOPT: the kernel has no nf_tables (or no nfnetlink);
 * -EPERM: not allowed (CAP_NET_ADMIN);
 * -EAGAIN: the ruleset kept changing under the dump;
 * other: the netlink error. */
int nft_netlink_ruleset(json_t **out, char *why, size_t why_size);

/* A non-blocking netlink socket in NFNLGRP_NFTABLES (every commit's changes
 * are multicast there, cisreportd's watch): the fd, or -errno. */
int nft_netlink_subscribe(void);

#endif
