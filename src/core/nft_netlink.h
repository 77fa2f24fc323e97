/* The kernel's nf_tables ruleset, read in-process over netlink (libmnl +
 * libnftnl, loaded on demand: dynlib/lib_nftnl.c), as a JSON document in the
 * schema of `nft -j list ruleset`: the same bytes a --root fixture captures,
 * parsed by the same parser (checks/nft_ruleset.c).
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
 * -ENOSYS: libnftnl/libmnl cannot be loaded;
 * other: the netlink error. */
int nft_netlink_ruleset(json_t **out, char *why, size_t why_size);

#endif
