/* The nf_tables ruleset as the firewall kinds need it, parsed from the JSON
 * that `nft -j list ruleset` prints (and that core/nft_netlink.c builds from
 * a netlink dump of the kernel, in the same schema). Only the semantics is
 * kept: per rule, the conditions that decide which packets it matches
 * (input/output interface, layer 3 family, source address, "something
 * else"), and its verdict; named sets and verdict maps are resolved into the
 * rules that use them. nft_eval.c evaluates it; nothing here knows the
 * benchmark.
 *
 * The parser takes any bytes (it is fuzzed): a structural problem (not JSON,
 * no "nftables" array, a rule of an unknown chain, a set that is not there,
 * a chain without a name...) is an error naming the item and field. An
 * expression or statement it does not know is not an error: it becomes a
 * condition "restricted by <what>", which never makes a rule count as an
 * unrestricted accept or drop. */
#ifndef CISREPORT_NFT_RULESET_H
#define CISREPORT_NFT_RULESET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Families, as bits: inet is both. */
enum nfr_family {
	NFR_FAM_OTHER = 0, /* arp, bridge, netdev: no IPv4/IPv6 input/forward/output hooks */
	NFR_FAM_IP = 1,
	NFR_FAM_IP6 = 2,
	NFR_FAM_INET = 3,
};

/* What a table's base chains see (the family, as a kind of traffic). */
enum nfr_table_kind {
	NFR_TK_L3,     /* ip, ip6, inet: the IPv4/IPv6 stack's hooks (and inet's ingress) */
	NFR_TK_NETDEV, /* netdev: ingress/egress of its chains' devices, every protocol */
	NFR_TK_BRIDGE, /* bridge: frames crossing a bridge's ports */
	NFR_TK_ARP,    /* arp: ARP packets only */
	NFR_TK_OTHER,  /* a family this parser does not know */
};

enum nfr_hook {
	NFR_HOOK_NONE = 0, /* a regular chain */
	NFR_HOOK_PREROUTING,
	NFR_HOOK_INPUT,
	NFR_HOOK_FORWARD,
	NFR_HOOK_OUTPUT,
	NFR_HOOK_POSTROUTING,
	NFR_HOOK_INGRESS, /* netdev, inet: on the chain's devices, before prerouting */
	NFR_HOOK_EGRESS,  /* netdev: on the chain's devices, after postrouting */
	NFR_HOOK_OTHER,
};

enum nfr_verdict_kind {
	NFR_V_NONE,     /* no verdict: the next rule */
	NFR_V_ACCEPT,
	NFR_V_DROP,
	NFR_V_REJECT,   /* a drop that answers */
	NFR_V_JUMP,
	NFR_V_GOTO,
	NFR_V_RETURN,
	NFR_V_CONTINUE, /* explicit "continue": the next rule */
	NFR_V_OTHER,    /* queue, nat, an unknown target: ends the chain, neither accept nor drop */
};

struct nfr_verdict {
	enum nfr_verdict_kind kind;
	char *target; /* the chain of a jump or goto */
};

enum nfr_cond_kind {
	NFR_C_IIF,     /* meta iif / iifname */
	NFR_C_OIF,     /* meta oif / oifname */
	NFR_C_NFPROTO, /* meta nfproto (or the ip / ip6 of an address match) */
	NFR_C_SADDR,   /* ip saddr / ip6 saddr */
	NFR_C_OTHER,   /* anything else: protocol, port, state, destination, limit... */
};

struct nfr_range {
	unsigned char lo[16], hi[16]; /* inclusive, network order; IPv4 in the first 4 */
};

struct nfr_cond {
	enum nfr_cond_kind kind;
	bool neg;             /* != : matches what the value does not */
	int fam;              /* NFPROTO: NFR_FAM_IP or NFR_FAM_IP6; SADDR: the address family */
	char **names;         /* IIF/OIF: interface names ("eth*" is a prefix) */
	size_t n_names;
	struct nfr_range *ranges; /* SADDR: the addresses matched */
	size_t n_ranges;
	char *what;           /* OTHER: what restricts ("tcp dport", "ct state", "xt match conntrack") */
};

/* One element of a verdict map over interfaces: name -> verdict. */
struct nfr_vmap_elem {
	char *name;
	struct nfr_verdict verdict;
};

enum nfr_vmap_key {
	NFR_VMAP_NONE,
	NFR_VMAP_IIF,   /* iif / iifname vmap { ... } */
	NFR_VMAP_OIF,
	NFR_VMAP_OTHER, /* keyed by something else: which verdict applies depends on the packet */
};

struct nfr_rule {
	uint64_t handle;
	char *text; /* nft-like text of the rule, for evidence */
	struct nfr_cond *conds;
	size_t n_conds;
	struct nfr_verdict verdict;
	enum nfr_vmap_key vmap_key;
	struct nfr_vmap_elem *vmap; /* NFR_VMAP_IIF / _OIF: the map's elements */
	size_t n_vmap;
	struct nfr_verdict *vmap_verdicts; /* NFR_VMAP_OTHER: the verdicts the map can give */
	size_t n_vmap_verdicts;
};

struct nfr_chain {
	char *name;
	char *type; /* filter, nat, route; NULL for a regular chain */
	enum nfr_hook hook;
	char *hook_name;
	int prio;
	bool base;
	bool policy_drop; /* base chains: the policy; accept when absent */
	/* ingress/egress base chains: the devices ("dev"; "eth*" a prefix).
	 * devs_known false: the document does not say (nft before 1.0.7 does
	 * not print them). */
	char **devs;
	size_t n_devs;
	bool devs_known;
	struct nfr_rule *rules;
	size_t n_rules, cap_rules;
};

enum nfr_key {
	NFR_KEY_OTHER,
	NFR_KEY_IFNAME, /* ifname, or ifindex shown by name */
	NFR_KEY_IPV4,
	NFR_KEY_IPV6,
};

struct nfr_set {
	char *name;
	json_t *elem; /* while parsing: the "elem" array (the document's); NULL after */
	bool is_vmap;
};

struct nfr_table {
	enum nfr_family family;
	enum nfr_table_kind kind;
	char *family_name;
	char *name;
	bool dormant; /* flags "dormant": its base chains are not registered */
	struct nfr_chain *chains;
	size_t n_chains, cap_chains;
	struct nfr_set *sets;
	size_t n_sets, cap_sets;
};

struct nfr_ruleset {
	struct nfr_table *tables;
	size_t n_tables, cap_tables;
	size_t n_rules; /* all rules, for evidence */
};

/* Parse `nft -j list ruleset` text (any bytes; len need not be
 * NUL-terminated). Returns 0, -EINVAL with err filled (what and where), or
 * -ENOMEM. out is always safe to nfr_free. */
int nfr_parse(const char *buf, size_t len, struct nfr_ruleset *out, char *err, size_t err_size);
/* The same over a parsed document. */
int nfr_parse_json(const json_t *doc, struct nfr_ruleset *out, char *err, size_t err_size);
void nfr_free(struct nfr_ruleset *rs);

const struct nfr_chain *nfr_table_chain(const struct nfr_table *t, const char *name);
const char *nfr_hook_name(enum nfr_hook hook);

/* Parse an address or network ("127.0.0.0/8", "::1") of af (AF_INET,
 * AF_INET6) into the range it covers. Returns 0 or -EINVAL. */
int nfr_parse_net(int af, const char *text, struct nfr_range *out, int *prefix);

#endif
