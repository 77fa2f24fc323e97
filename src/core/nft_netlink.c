/* nf_tables ruleset over netlink -> nft JSON (see nft_netlink.h). */
#include "nft_netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dynlib/lib_nftnl.h"

#define RECV_BUF (64u << 10)
#define MAX_OBJECTS 1000000 /* per dump: a ruleset past this is refused */

struct nl_set {
	char *family, *table, *name;
	uint32_t flags, key_type, key_len;
	bool vmap;
	struct nftnl_set *elems; /* its elements, from GETSETELEM */
};

struct nl {
	const struct nftnl_lib *L;
	struct mnl_socket *sock;
	unsigned portid;
	uint32_t seq;
	char *buf;
	/* the dump */
	json_t *tables, *chains; /* arrays of items */
	struct nl_set *sets;
	size_t n_sets, cap_sets;
	struct nftnl_rule **rules;
	size_t n_rules, cap_rules;
	size_t objects;
	int cb_err; /* -errno from a callback */
	uint32_t gen;
	struct nftnl_set *cur_elems; /* the set a GETSETELEM dump fills */
};

static const char *family_name(uint32_t f)
{
	switch (f) {
	case NFPROTO_IPV4: return "ip";
	case NFPROTO_IPV6: return "ip6";
	case NFPROTO_INET: return "inet";
	case NFPROTO_ARP: return "arp";
	case NFPROTO_BRIDGE: return "bridge";
	case NFPROTO_NETDEV: return "netdev";
	}
	return "unknown";
}

static const char *hook_name(uint32_t family, uint32_t hook)
{
	if (family == NFPROTO_NETDEV)
		return hook == 0 ? "ingress" : "egress";
	if (family == NFPROTO_ARP)
		return hook == 0 ? "input" : hook == 1 ? "output" : "forward";
	static const char *const names[] = {"prerouting", "input", "forward", "output",
					    "postrouting", "ingress"};
	return hook < 6 ? names[hook] : "unknown";
}

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *nv = reallocarray(v, ncap, size);
	if (nv)
		*cap = ncap;
	return nv;
}

static void reset_dump(struct nl *n)
{
	json_decref(n->tables);
	json_decref(n->chains);
	n->tables = n->chains = NULL;
	for (size_t i = 0; i < n->n_sets; i++) {
		free(n->sets[i].family);
		free(n->sets[i].table);
		free(n->sets[i].name);
		if (n->sets[i].elems)
			n->L->set_free(n->sets[i].elems);
	}
	free(n->sets);
	n->sets = NULL;
	n->n_sets = n->cap_sets = 0;
	for (size_t i = 0; i < n->n_rules; i++)
		n->L->rule_free(n->rules[i]);
	free(n->rules);
	n->rules = NULL;
	n->n_rules = n->cap_rules = 0;
	n->objects = 0;
	n->cb_err = 0;
}

/* One request; replies to cb until the dump ends. Returns 0 or -errno. */
static int request(struct nl *n, uint16_t type, uint16_t flags, struct nftnl_set *elems_of,
		   mnl_cb_t cb)
{
	uint32_t seq = ++n->seq;
	uint16_t family = elems_of ? (uint16_t)n->L->set_get_u32(elems_of, NFTNL_SET_FAMILY)
				   : NFPROTO_UNSPEC;
	struct nlmsghdr *nlh = n->L->nlmsg_build_hdr(n->buf, type, family, flags, seq);
	if (elems_of)
		n->L->set_elems_nlmsg_build_payload(nlh, elems_of);
	if (n->L->socket_sendto(n->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t got = n->L->socket_recvfrom(n->sock, n->buf, RECV_BUF);
		if (got < 0)
			return errno == EINTR ? -EINTR : -errno;
		errno = 0;
		int rc = n->L->cb_run(n->buf, (size_t)got, seq, n->portid, cb, n);
		if (n->cb_err)
			return n->cb_err;
		if (rc < 0)
			return errno ? -errno : -EIO;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl *n = data;
	struct nftnl_gen *g = n->L->gen_alloc();
	if (!g) {
		n->cb_err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	if (n->L->gen_nlmsg_parse(nlh, g) == 0)
		n->gen = n->L->gen_get_u32(g, NFTNL_GEN_ID);
	n->L->gen_free(g);
	return MNL_CB_OK;
}

static int count(struct nl *n)
{
	if (++n->objects > MAX_OBJECTS) {
		n->cb_err = -EFBIG;
		return -1;
	}
	return 0;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl *n = data;
	if (count(n))
		return MNL_CB_ERROR;
	struct nftnl_table *t = n->L->table_alloc();
	if (!t || n->L->table_nlmsg_parse(nlh, t) < 0) {
		if (t)
			n->L->table_free(t);
		n->cb_err = t ? -EINVAL : -ENOMEM;
		return MNL_CB_ERROR;
	}
	json_t *o = json_pack("{s:s, s:s}", "family",
			      family_name(n->L->table_get_u32(t, NFTNL_TABLE_FAMILY)), "name",
			      n->L->table_get_str(t, NFTNL_TABLE_NAME));
	if (o && n->L->table_is_set(t, NFTNL_TABLE_FLAGS) &&
	    (n->L->table_get_u32(t, NFTNL_TABLE_FLAGS) & NFT_TABLE_F_DORMANT))
		json_object_set_new(o, "flags", json_pack("[s]", "dormant"));
	n->L->table_free(t);
	if (!o || json_array_append_new(n->tables, json_pack("{s:o}", "table", o))) {
		n->cb_err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl *n = data;
	if (count(n))
		return MNL_CB_ERROR;
	const struct nftnl_lib *L = n->L;
	struct nftnl_chain *c = L->chain_alloc();
	if (!c || L->chain_nlmsg_parse(nlh, c) < 0) {
		if (c)
			L->chain_free(c);
		n->cb_err = c ? -EINVAL : -ENOMEM;
		return MNL_CB_ERROR;
	}
	uint32_t family = L->chain_get_u32(c, NFTNL_CHAIN_FAMILY);
	json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "family", family_name(family), "table",
			      L->chain_get_str(c, NFTNL_CHAIN_TABLE), "name",
			      L->chain_get_str(c, NFTNL_CHAIN_NAME), "handle",
			      (json_int_t)(L->chain_is_set(c, NFTNL_CHAIN_HANDLE)
						   ? L->chain_get_u64(c, NFTNL_CHAIN_HANDLE)
						   : 0));
	if (o && L->chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
		const char *type = L->chain_is_set(c, NFTNL_CHAIN_TYPE)
					   ? L->chain_get_str(c, NFTNL_CHAIN_TYPE)
					   : "filter";
		uint32_t policy = L->chain_is_set(c, NFTNL_CHAIN_POLICY)
					  ? L->chain_get_u32(c, NFTNL_CHAIN_POLICY)
					  : NF_ACCEPT;
		json_object_set_new(o, "type", json_string(type));
		json_object_set_new(o, "hook",
				    json_string(hook_name(family, L->chain_get_u32(c, NFTNL_CHAIN_HOOKNUM))));
		json_object_set_new(o, "prio", json_integer(L->chain_get_s32(c, NFTNL_CHAIN_PRIO)));
		json_object_set_new(o, "policy", json_string(policy == NF_DROP ? "drop" : "accept"));
	}
	L->chain_free(c);
	if (!o || json_array_append_new(n->chains, json_pack("{s:o}", "chain", o))) {
		n->cb_err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl *n = data;
	if (count(n))
		return MNL_CB_ERROR;
	const struct nftnl_lib *L = n->L;
	struct nftnl_set *s = L->set_alloc();
	if (!s || L->set_nlmsg_parse(nlh, s) < 0) {
		if (s)
			L->set_free(s);
		n->cb_err = s ? -EINVAL : -ENOMEM;
		return MNL_CB_ERROR;
	}
	struct nl_set *v = grow(n->sets, &n->cap_sets, n->n_sets, sizeof(*v));
	if (!v) {
		L->set_free(s);
		n->cb_err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	n->sets = v;
	struct nl_set *e = memset(&v[n->n_sets++], 0, sizeof(*e));
	e->family = xstrdup(family_name(L->set_get_u32(s, NFTNL_SET_FAMILY)));
	e->table = xstrdup(L->set_get_str(s, NFTNL_SET_TABLE));
	e->name = xstrdup(L->set_get_str(s, NFTNL_SET_NAME));
	e->flags = L->set_get_u32(s, NFTNL_SET_FLAGS);
	e->key_type = L->set_get_u32(s, NFTNL_SET_KEY_TYPE);
	e->key_len = L->set_get_u32(s, NFTNL_SET_KEY_LEN);
	e->vmap = (e->flags & NFT_SET_MAP) && L->set_is_set(s, NFTNL_SET_DATA_TYPE) &&
		  L->set_get_u32(s, NFTNL_SET_DATA_TYPE) == NFT_DATA_VERDICT;
	/* The request for its elements names family, table and set. */
	e->elems = s;
	if (!e->family || !e->table || !e->name) {
		n->cb_err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl *n = data;
	if (count(n))
		return MNL_CB_ERROR;
	if (n->L->set_elems_nlmsg_parse(nlh, n->cur_elems) < 0) {
		n->cb_err = -EINVAL;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl *n = data;
	if (count(n))
		return MNL_CB_ERROR;
	struct nftnl_rule *r = n->L->rule_alloc();
	if (!r || n->L->rule_nlmsg_parse(nlh, r) < 0) {
		if (r)
			n->L->rule_free(r);
		n->cb_err = r ? -EINVAL : -ENOMEM;
		return MNL_CB_ERROR;
	}
	struct nftnl_rule **v = grow(n->rules, &n->cap_rules, n->n_rules, sizeof(*v));
	if (!v) {
		n->L->rule_free(r);
		n->cb_err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	n->rules = v;
	v[n->n_rules++] = r;
	return MNL_CB_OK;
}

/* ---- decoding rule bytecode ---- */

enum src_kind { SRC_NONE, SRC_META, SRC_PAYLOAD, SRC_CT, SRC_OTHER, SRC_IMM };

struct reg {
	enum src_kind kind;
	uint32_t key;            /* meta / ct key */
	uint32_t base, offset, len; /* payload */
	unsigned char mask[16];
	bool masked, odd; /* odd: xor or shift, the value is not the field's */
	char other[24];
};

struct decode {
	struct nl *n;
	const char *family, *table;
	uint32_t nfproto; /* 0 unknown, NFPROTO_IPV4, NFPROTO_IPV6 */
	uint8_t l4proto;  /* 0 unknown */
	struct reg regs[16];
	json_t *expr;
};

static int reg_slot(uint32_t reg)
{
	if (reg >= NFT_REG32_00 && reg <= NFT_REG32_15)
		return (int)(reg - NFT_REG32_00);
	if (reg >= NFT_REG_1 && reg <= NFT_REG_4)
		return (int)(reg - NFT_REG_1) * 4;
	return -1;
}

static struct reg *reg_at(struct decode *d, uint32_t reg)
{
	int s = reg_slot(reg);
	return s < 0 ? NULL : &d->regs[s];
}

static const char *meta_key_name(uint32_t key)
{
	static const char *const names[] = {
		[NFT_META_LEN] = "length", [NFT_META_PROTOCOL] = "protocol",
		[NFT_META_PRIORITY] = "priority", [NFT_META_MARK] = "mark",
		[NFT_META_IIF] = "iif", [NFT_META_OIF] = "oif",
		[NFT_META_IIFNAME] = "iifname", [NFT_META_OIFNAME] = "oifname",
		[NFT_META_IIFTYPE] = "iiftype", [NFT_META_OIFTYPE] = "oiftype",
		[NFT_META_SKUID] = "skuid", [NFT_META_SKGID] = "skgid",
		[NFT_META_NFTRACE] = "nftrace", [NFT_META_RTCLASSID] = "rtclassid",
		[NFT_META_SECMARK] = "secmark", [NFT_META_NFPROTO] = "nfproto",
		[NFT_META_L4PROTO] = "l4proto", [NFT_META_BRI_IIFNAME] = "ibrname",
		[NFT_META_BRI_OIFNAME] = "obrname", [NFT_META_PKTTYPE] = "pkttype",
		[NFT_META_CPU] = "cpu", [NFT_META_IIFGROUP] = "iifgroup",
		[NFT_META_OIFGROUP] = "oifgroup", [NFT_META_CGROUP] = "cgroup",
		[NFT_META_PRANDOM] = "random", [NFT_META_SECPATH] = "ipsec",
		[NFT_META_IIFKIND] = "iifkind", [NFT_META_OIFKIND] = "oifkind",
	};
	if (key < sizeof(names) / sizeof(names[0]) && names[key])
		return names[key];
	return "unknown";
}

static const char *ct_key_name(uint32_t key)
{
	static const char *const names[] = {
		[NFT_CT_STATE] = "state", [NFT_CT_DIRECTION] = "direction",
		[NFT_CT_STATUS] = "status", [NFT_CT_MARK] = "mark",
		[NFT_CT_SECMARK] = "secmark", [NFT_CT_EXPIRATION] = "expiration",
		[NFT_CT_HELPER] = "helper", [NFT_CT_L3PROTOCOL] = "l3proto",
		[NFT_CT_SRC] = "saddr", [NFT_CT_DST] = "daddr",
		[NFT_CT_PROTOCOL] = "protocol", [NFT_CT_PROTO_SRC] = "proto-src",
		[NFT_CT_PROTO_DST] = "proto-dst", [NFT_CT_LABELS] = "label",
		[NFT_CT_PKTS] = "packets", [NFT_CT_BYTES] = "bytes",
	};
	if (key < sizeof(names) / sizeof(names[0]) && names[key])
		return names[key];
	return "unknown";
}

/* What the payload field is, when it is an address field: the protocol
 * ("ip", "ip6"), the field, the full address length. */
static bool payload_addr(const struct decode *d, const struct reg *r, const char **proto,
			 const char **field, uint32_t *full)
{
	if (r->base != NFT_PAYLOAD_NETWORK_HEADER || r->odd || r->len == 0)
		return false;
	if (d->nfproto == NFPROTO_IPV4 && (r->offset == 12 || r->offset == 16) && r->len <= 4) {
		*proto = "ip";
		*field = r->offset == 12 ? "saddr" : "daddr";
		*full = 4;
		return true;
	}
	if (d->nfproto == NFPROTO_IPV6 && (r->offset == 8 || r->offset == 24) && r->len <= 16) {
		*proto = "ip6";
		*field = r->offset == 8 ? "saddr" : "daddr";
		*full = 16;
		return true;
	}
	return false;
}

static const char *l4_name(uint8_t p)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmpv6";
	case 132: return "sctp";
	case 33: return "dccp";
	case 136: return "udplite";
	}
	return NULL;
}

/* The left side of a match on register r. */
static json_t *left_of(const struct decode *d, const struct reg *r, uint32_t len)
{
	const char *proto, *field;
	uint32_t full;
	switch (r->kind) {
	case SRC_META:
		return json_pack("{s:{s:s}}", "meta", "key", meta_key_name(r->key));
	case SRC_CT:
		return json_pack("{s:{s:s}}", "ct", "key", ct_key_name(r->key));
	case SRC_PAYLOAD:
		if (payload_addr(d, r, &proto, &field, &full) && len <= full)
			return json_pack("{s:{s:s, s:s}}", "payload", "protocol", proto, "field", field);
		if (r->base == NFT_PAYLOAD_TRANSPORT_HEADER && l4_name(d->l4proto) &&
		    (d->l4proto == 6 || d->l4proto == 17) && r->len == 2 && !r->odd &&
		    (r->offset == 0 || r->offset == 2))
			return json_pack("{s:{s:s, s:s}}", "payload", "protocol", l4_name(d->l4proto),
					 "field", r->offset == 0 ? "sport" : "dport");
		if (d->nfproto == NFPROTO_IPV4 && r->base == NFT_PAYLOAD_NETWORK_HEADER)
			/* another IPv4 header field: still IPv4 only */
			return json_pack("{s:{s:s, s:s}}", "payload", "protocol", "ip", "field",
					 r->offset == 9 ? "protocol" : "other");
		if (d->nfproto == NFPROTO_IPV6 && r->base == NFT_PAYLOAD_NETWORK_HEADER)
			return json_pack("{s:{s:s, s:s}}", "payload", "protocol", "ip6", "field",
					 r->offset == 6 ? "nexthdr" : "other");
		return json_pack("{s:{s:s, s:I, s:I}}", "payload", "base",
				 r->base == NFT_PAYLOAD_LL_HEADER	 ? "ll"
				 : r->base == NFT_PAYLOAD_NETWORK_HEADER ? "nh"
				 : r->base == NFT_PAYLOAD_TRANSPORT_HEADER ? "th"
									: "inner",
				 "offset", (json_int_t)r->offset * 8, "len", (json_int_t)r->len * 8);
	case SRC_OTHER:
		return json_pack("{s:{}}", r->other);
	case SRC_NONE:
	case SRC_IMM:
		break;
	}
	return json_pack("{s:{}}", "unknown");
}

static json_t *hex_value(const unsigned char *p, uint32_t len)
{
	char buf[2 + 2 * 64 + 1] = "0x";
	if (len > 64)
		len = 64;
	for (uint32_t i = 0; i < len; i++)
		snprintf(buf + 2 + 2 * i, 3, "%02x", p[i]);
	return json_string(buf);
}

static uint64_t host_uint(const unsigned char *p, uint32_t len)
{
	/* meta and ct values are in host order, as the kernel stores them */
	uint64_t v = 0;
	if (len == 1)
		v = p[0];
	else if (len == 2) {
		uint16_t x;
		memcpy(&x, p, 2);
		v = x;
	} else if (len >= 4) {
		uint32_t x;
		memcpy(&x, p, 4);
		v = x;
	}
	return v;
}

static json_t *ifname_value(const unsigned char *p, uint32_t len)
{
	char name[IFNAMSIZ + 2];
	uint32_t n = 0;
	while (n < len && n < IFNAMSIZ && p[n])
		n++;
	memcpy(name, p, n);
	name[n] = '\0';
	if (n == len && n < IFNAMSIZ) /* no NUL compared: a prefix match, "eth*" */
		strcat(name, "*");
	return json_string(name);
}

static json_t *ifindex_value(const unsigned char *p, uint32_t len)
{
	uint32_t idx = (uint32_t)host_uint(p, len);
	char name[IF_NAMESIZE];
	if (idx == 1)
		return json_string("lo"); /* loopback is ifindex 1 in every namespace */
	if (if_indextoname(idx, name))
		return json_string(name);
	return json_integer(idx);
}

static int leading_ones(const unsigned char *m, uint32_t len, bool *contiguous)
{
	int n = 0;
	uint32_t i = 0;
	while (i < len && m[i] == 0xff) {
		n += 8;
		i++;
	}
	if (i < len) {
		unsigned char b = m[i];
		while (b & 0x80) {
			n++;
			b = (unsigned char)(b << 1);
		}
		*contiguous = b == 0;
		for (i++; i < len; i++)
			*contiguous &= m[i] == 0;
	} else {
		*contiguous = true;
	}
	return n;
}

/* An address of the field (len bytes of it, masked), as nft prints it. */
static json_t *addr_value(const struct reg *r, const unsigned char *p, uint32_t len, uint32_t full)
{
	unsigned char a[16] = {0};
	memcpy(a, p, len < full ? len : full);
	int prefix = (int)len * 8;
	if (r && r->masked) {
		bool contiguous;
		prefix = leading_ones(r->mask, len, &contiguous);
		if (!contiguous)
			return NULL;
	}
	char text[INET6_ADDRSTRLEN];
	inet_ntop(full == 16 ? AF_INET6 : AF_INET, a, text, sizeof(text));
	if ((uint32_t)prefix == full * 8)
		return json_string(text);
	return json_pack("{s:{s:s, s:i}}", "prefix", "addr", text, "len", prefix);
}

/* A value compared with register r, in r's terms. */
static json_t *value_of(const struct decode *d, const struct reg *r, const unsigned char *p,
			uint32_t len)
{
	const char *proto, *field;
	uint32_t full;
	if (r->kind == SRC_META && !r->odd) {
		switch (r->key) {
		case NFT_META_IIFNAME:
		case NFT_META_OIFNAME:
			if (!r->masked)
				return ifname_value(p, len);
			break;
		case NFT_META_IIF:
		case NFT_META_OIF:
			if (!r->masked)
				return ifindex_value(p, len);
			break;
		case NFT_META_NFPROTO:
			if (len >= 1 && !r->masked)
				return p[0] == NFPROTO_IPV4   ? json_string("ipv4")
				       : p[0] == NFPROTO_IPV6 ? json_string("ipv6")
							     : json_integer(p[0]);
			break;
		case NFT_META_L4PROTO:
			if (len >= 1 && !r->masked && l4_name(p[0]))
				return json_string(l4_name(p[0]));
			break;
		}
		if (len <= 4)
			return json_integer((json_int_t)host_uint(p, len));
	}
	if (r->kind == SRC_PAYLOAD && payload_addr(d, r, &proto, &field, &full) && len <= full) {
		json_t *v = addr_value(r, p, len, full);
		if (v)
			return v;
	}
	if (r->kind == SRC_PAYLOAD && len == 2 && !r->masked)
		return json_integer((p[0] << 8) | p[1]);
	if (r->kind == SRC_PAYLOAD && len == 1 && !r->masked)
		return json_integer(p[0]);
	return hex_value(p, len);
}

/* A match whose left side is no longer what the register holds (an odd
 * bitwise, or an address mask that is not a prefix) restricts, nothing more. */
static json_t *match(const char *op, json_t *left, json_t *right)
{
	if (!left || !right) {
		json_decref(left);
		json_decref(right);
		return NULL;
	}
	return json_pack("{s:{s:s, s:o, s:o}}", "match", "op", op, "left", left, "right", right);
}

static int append(struct decode *d, json_t *e)
{
	if (!e || json_array_append_new(d->expr, e))
		return -ENOMEM;
	return 0;
}

static const struct nl_set *find_set(const struct decode *d, const char *name)
{
	for (size_t i = 0; i < d->n->n_sets; i++) {
		const struct nl_set *s = &d->n->sets[i];
		if (strcmp(s->family, d->family) == 0 && strcmp(s->table, d->table) == 0 &&
		    strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

static json_t *verdict_json(int32_t verdict, const char *chain)
{
	switch (verdict) {
	case NF_ACCEPT: return json_pack("{s:n}", "accept");
	case NF_DROP: return json_pack("{s:n}", "drop");
	case NF_QUEUE: return json_pack("{s:n}", "queue");
	case NFT_CONTINUE:
	case NFT_BREAK: return json_pack("{s:n}", "continue");
	case NFT_RETURN: return json_pack("{s:n}", "return");
	case NFT_JUMP: return json_pack("{s:{s:s}}", "jump", "target", chain ? chain : "");
	case NFT_GOTO: return json_pack("{s:{s:s}}", "goto", "target", chain ? chain : "");
	}
	return json_pack("{s:n}", "queue"); /* NF_STOLEN and the like: ends the walk */
}

struct raw_elem {
	const unsigned char *key, *key_end;
	uint32_t key_len, key_end_len, flags;
	int32_t verdict;
	const char *chain;
	bool has_verdict;
};

static int raw_cmp(const void *a, const void *b)
{
	const struct raw_elem *x = a, *y = b;
	uint32_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);
	if (c)
		return c;
	/* an interval end sorts before a start at the same key */
	return (int)(y->flags & NFT_SET_ELEM_INTERVAL_END) - (int)(x->flags & NFT_SET_ELEM_INTERVAL_END);
}

/* The last address before an exclusive interval end. */
static void minus_one(unsigned char *a, uint32_t len)
{
	for (uint32_t i = len; i-- > 0;) {
		if (a[i]--)
			break;
	}
}

static json_t *addr_range(const unsigned char *lo, const unsigned char *hi, uint32_t full)
{
	/* a prefix when [lo, hi] is one */
	int prefix = -1;
	for (int len = 0; len <= (int)full * 8 && prefix < 0; len++) {
		bool ok = true;
		for (uint32_t i = 0; i < full && ok; i++) {
			int keep = len - (int)i * 8;
			unsigned char m = keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff00 >> keep);
			ok = (lo[i] & m) == (hi[i] & m) && (lo[i] & ~m & 0xff) == 0 &&
			     (hi[i] | m) == 0xff;
		}
		if (ok)
			prefix = len;
	}
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int af = full == 16 ? AF_INET6 : AF_INET;
	inet_ntop(af, lo, a, sizeof(a));
	inet_ntop(af, hi, b, sizeof(b));
	if (prefix == (int)full * 8)
		return json_string(a);
	if (prefix >= 0)
		return json_pack("{s:{s:s, s:i}}", "prefix", "addr", a, "len", prefix);
	return json_pack("{s:[s,s]}", "range", a, b);
}

/* The set's elements decoded as register r's values; for a verdict map,
 * [key, verdict] pairs. NULL on OOM. */
static json_t *set_elems(const struct decode *d, const struct nl_set *s, const struct reg *r,
			 bool concat)
{
	const struct nftnl_lib *L = d->n->L;
	json_t *out = json_array();
	if (!out || !s->elems)
		return out;
	struct nftnl_set_elems_iter *it = L->set_elems_iter_create(s->elems);
	if (!it) {
		json_decref(out);
		return NULL;
	}
	struct raw_elem *v = NULL;
	size_t n = 0, cap = 0;
	bool oom = false;
	for (struct nftnl_set_elem *e = L->set_elems_iter_next(it); e; e = L->set_elems_iter_next(it)) {
		struct raw_elem *nv = grow(v, &cap, n, sizeof(*v));
		if (!nv) {
			oom = true;
			break;
		}
		v = nv;
		struct raw_elem *x = memset(&v[n++], 0, sizeof(*x));
		x->key = L->set_elem_get(e, NFTNL_SET_ELEM_KEY, &x->key_len);
		if (L->set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END))
			x->key_end = L->set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &x->key_end_len);
		if (L->set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
			x->flags = L->set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
		if (L->set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT)) {
			x->has_verdict = true;
			x->verdict = (int32_t)L->set_elem_get_u32(e, NFTNL_SET_ELEM_VERDICT);
			if (L->set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN))
				x->chain = L->set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN);
		}
		if (!x->key)
			n--;
	}
	L->set_elems_iter_destroy(it);
	const char *proto, *field;
	uint32_t full = 0;
	bool addr = !concat && r && r->kind == SRC_PAYLOAD && payload_addr(d, r, &proto, &field, &full) &&
		    r->len == full && !r->masked;
	bool interval = (s->flags & NFT_SET_INTERVAL) != 0;
	if (interval && !oom)
		qsort(v, n, sizeof(*v), raw_cmp);
	for (size_t i = 0; i < n && !oom; i++) {
		struct raw_elem *x = &v[i];
		json_t *key;
		if (interval && (x->flags & NFT_SET_ELEM_INTERVAL_END))
			continue; /* the end of the previous start */
		if (interval && addr && x->key_len == full) {
			unsigned char hi[16];
			memset(hi, 0xff, sizeof(hi));
			if (x->key_end && x->key_end_len == full) {
				memcpy(hi, x->key_end, full);
			} else if (i + 1 < n && (v[i + 1].flags & NFT_SET_ELEM_INTERVAL_END) &&
				   v[i + 1].key_len == full) {
				memcpy(hi, v[i + 1].key, full);
				minus_one(hi, full);
			}
			key = addr_range(x->key, hi, full);
		} else if (!concat && r && x->key_len <= 16) {
			key = value_of(d, r, x->key, x->key_len);
		} else {
			key = hex_value(x->key, x->key_len);
		}
		json_t *item = key;
		if (key && s->vmap)
			item = json_pack("[o,o]", key, x->has_verdict ? verdict_json(x->verdict, x->chain)
								       : json_pack("{s:n}", "continue"));
		if (!item || json_array_append_new(out, item))
			oom = true;
	}
	free(v);
	if (oom) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static int decode_lookup(struct decode *d, struct nftnl_expr *e)
{
	const struct nftnl_lib *L = d->n->L;
	const char *name = L->expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
	struct reg *r = reg_at(d, L->expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG));
	const struct nl_set *s = name ? find_set(d, name) : NULL;
	if (!r || !s)
		return append(d, json_pack("{s:{}}", "lookup"));
	/* a key longer than the field loaded: a concatenation of fields */
	uint32_t field = r->kind == SRC_PAYLOAD ? (r->len + 3) & ~3u
			 : r->kind == SRC_META && (r->key == NFT_META_IIFNAME || r->key == NFT_META_OIFNAME) ? IFNAMSIZ
			 : r->kind == SRC_META ? 4
			 : r->kind == SRC_CT ? 16
			 : 0;
	bool concat = field == 0 || s->key_len > field;
	json_t *left = concat ? json_pack("{s:[]}", "concat") : left_of(d, r, r->len);
	json_t *right;
	if (s->flags & NFT_SET_ANONYMOUS)
		right = json_pack("{s:o}", "set", set_elems(d, s, r, concat));
	else {
		char ref[NFT_SET_MAXNAMELEN + 2];
		snprintf(ref, sizeof(ref), "@%s", s->name);
		right = json_string(ref);
	}
	bool has_dreg = L->expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG);
	if (has_dreg && L->expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG) == NFT_REG_VERDICT) {
		if (!left || !right) {
			json_decref(left);
			json_decref(right);
			return -ENOMEM;
		}
		return append(d, json_pack("{s:{s:o, s:o}}", "vmap", "key", left, "data", right));
	}
	if (has_dreg) {
		struct reg *dr = reg_at(d, L->expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG));
		if (dr) {
			memset(dr, 0, sizeof(*dr));
			dr->kind = SRC_OTHER;
			snprintf(dr->other, sizeof(dr->other), "map");
		}
	}
	bool inv = L->expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
		   (L->expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS) & NFT_LOOKUP_F_INV);
	return append(d, match(inv ? "!=" : "==", left, right));
}

static const char *ct_state_names[] = {"invalid", "established", "related", "new", NULL, NULL,
				       "untracked"};

static int decode_cmp(struct decode *d, struct nftnl_expr *e)
{
	const struct nftnl_lib *L = d->n->L;
	struct reg *r = reg_at(d, L->expr_get_u32(e, NFTNL_EXPR_CMP_SREG));
	uint32_t len = 0;
	const unsigned char *data = L->expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
	uint32_t op = L->expr_get_u32(e, NFTNL_EXPR_CMP_OP);
	static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
	const char *ops_s = op < 6 ? ops[op] : "?";
	if (!r || !data || r->kind == SRC_NONE || r->kind == SRC_IMM)
		return append(d, json_pack("{s:{}}", "cmp"));
	/* context for what follows: the family and the transport protocol */
	if (r->kind == SRC_META && op == NFT_CMP_EQ && len >= 1 && !r->masked) {
		if (r->key == NFT_META_NFPROTO)
			d->nfproto = data[0];
		else if (r->key == NFT_META_L4PROTO)
			d->l4proto = data[0];
	}
	if (r->kind == SRC_PAYLOAD && r->base == NFT_PAYLOAD_NETWORK_HEADER && op == NFT_CMP_EQ &&
	    len == 1 && !r->masked &&
	    ((d->nfproto == NFPROTO_IPV4 && r->offset == 9) || (d->nfproto == NFPROTO_IPV6 && r->offset == 6)))
		d->l4proto = data[0];
	/* ct state established,related: (state & mask) != 0 */
	if (r->kind == SRC_CT && r->key == NFT_CT_STATE && r->masked && op == NFT_CMP_NEQ) {
		uint32_t mask = (uint32_t)host_uint(r->mask, 4);
		json_t *states = json_array();
		for (int b = 0; states && b < 7; b++)
			if ((mask & (1u << b)) && ct_state_names[b])
				json_array_append_new(states, json_string(ct_state_names[b]));
		return append(d, match("in", left_of(d, r, len), states));
	}
	if (r->odd)
		return append(d, match(ops_s, left_of(d, r, len), hex_value(data, len)));
	return append(d, match(ops_s, left_of(d, r, len), value_of(d, r, data, len)));
}

static int decode_range(struct decode *d, struct nftnl_expr *e)
{
	const struct nftnl_lib *L = d->n->L;
	struct reg *r = reg_at(d, L->expr_get_u32(e, NFTNL_EXPR_RANGE_SREG));
	uint32_t l1 = 0, l2 = 0;
	const unsigned char *from = L->expr_get(e, NFTNL_EXPR_RANGE_FROM_DATA, &l1);
	const unsigned char *to = L->expr_get(e, NFTNL_EXPR_RANGE_TO_DATA, &l2);
	if (!r || !from || !to || r->kind == SRC_NONE || r->kind == SRC_IMM)
		return append(d, json_pack("{s:{}}", "range"));
	const char *op = L->expr_get_u32(e, NFTNL_EXPR_RANGE_OP) == NFT_RANGE_NEQ ? "!=" : "==";
	const char *proto, *field;
	uint32_t full;
	if (r->kind == SRC_PAYLOAD && payload_addr(d, r, &proto, &field, &full) && l1 == full &&
	    l2 == full && !r->masked)
		return append(d, match(op, left_of(d, r, l1), addr_range(from, to, full)));
	json_t *a = value_of(d, r, from, l1), *b = value_of(d, r, to, l2);
	if (!a || !b) {
		json_decref(a);
		json_decref(b);
		return -ENOMEM;
	}
	return append(d, match(op, left_of(d, r, l1), json_pack("{s:[o,o]}", "range", a, b)));
}

static int decode_expr(struct decode *d, struct nftnl_expr *e)
{
	const struct nftnl_lib *L = d->n->L;
	const char *name = L->expr_get_str(e, NFTNL_EXPR_NAME);
	if (!name)
		return append(d, json_pack("{s:{}}", "unknown"));
	if (strcmp(name, "meta") == 0 || strcmp(name, "ct") == 0 || strcmp(name, "payload") == 0) {
		bool meta = name[0] == 'm', ct = name[0] == 'c';
		uint16_t dreg_attr = meta ? NFTNL_EXPR_META_DREG : ct ? NFTNL_EXPR_CT_DREG : NFTNL_EXPR_PAYLOAD_DREG;
		if (!L->expr_is_set(e, dreg_attr))
			/* meta mark set, ct mark set, payload mangling */
			return append(d, json_pack("{s:n}", "mangle"));
		struct reg *r = reg_at(d, L->expr_get_u32(e, dreg_attr));
		if (!r)
			return append(d, json_pack("{s:{}}", name));
		memset(r, 0, sizeof(*r));
		if (meta) {
			r->kind = SRC_META;
			r->key = L->expr_get_u32(e, NFTNL_EXPR_META_KEY);
		} else if (ct) {
			r->kind = SRC_CT;
			r->key = L->expr_get_u32(e, NFTNL_EXPR_CT_KEY);
			if (L->expr_is_set(e, NFTNL_EXPR_CT_DIR)) {
				r->kind = SRC_OTHER;
				snprintf(r->other, sizeof(r->other), "ct");
			}
		} else {
			r->kind = SRC_PAYLOAD;
			r->base = L->expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
			r->offset = L->expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
			r->len = L->expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
			if (d->nfproto == 0 && strcmp(d->family, "ip") == 0)
				d->nfproto = NFPROTO_IPV4;
			if (d->nfproto == 0 && strcmp(d->family, "ip6") == 0)
				d->nfproto = NFPROTO_IPV6;
		}
		return 0;
	}
	if (strcmp(name, "bitwise") == 0) {
		struct reg *s = reg_at(d, L->expr_get_u32(e, NFTNL_EXPR_BITWISE_SREG));
		struct reg *dr = reg_at(d, L->expr_get_u32(e, NFTNL_EXPR_BITWISE_DREG));
		if (!s || !dr)
			return append(d, json_pack("{s:{}}", "bitwise"));
		struct reg copy = *s;
		uint32_t ml = 0, xl = 0;
		const unsigned char *mask = L->expr_get(e, NFTNL_EXPR_BITWISE_MASK, &ml);
		const unsigned char *xor = L->expr_get(e, NFTNL_EXPR_BITWISE_XOR, &xl);
		bool bool_op = !L->expr_is_set(e, NFTNL_EXPR_BITWISE_OP) ||
			       L->expr_get_u32(e, NFTNL_EXPR_BITWISE_OP) == NFT_BITWISE_BOOL;
		bool xor_zero = true;
		for (uint32_t i = 0; xor && i < xl; i++)
			xor_zero &= xor[i] == 0;
		if (!bool_op || !mask || !xor_zero || ml > 16 || copy.masked) {
			copy.odd = true;
		} else {
			copy.masked = true;
			memset(copy.mask, 0, sizeof(copy.mask));
			memcpy(copy.mask, mask, ml);
		}
		*dr = copy;
		return 0;
	}
	if (strcmp(name, "cmp") == 0)
		return decode_cmp(d, e);
	if (strcmp(name, "lookup") == 0)
		return decode_lookup(d, e);
	if (strcmp(name, "range") == 0)
		return decode_range(d, e);
	if (strcmp(name, "immediate") == 0) {
		uint32_t dreg = L->expr_get_u32(e, NFTNL_EXPR_IMM_DREG);
		if (dreg != NFT_REG_VERDICT) {
			struct reg *r = reg_at(d, dreg);
			if (r) {
				memset(r, 0, sizeof(*r));
				r->kind = SRC_IMM;
			}
			return 0;
		}
		const char *chain = L->expr_is_set(e, NFTNL_EXPR_IMM_CHAIN)
					    ? L->expr_get_str(e, NFTNL_EXPR_IMM_CHAIN)
					    : NULL;
		return append(d, verdict_json((int32_t)L->expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT), chain));
	}
	if (strcmp(name, "match") == 0 || strcmp(name, "target") == 0) {
		const char *xt = L->expr_get_str(e, name[0] == 'm' ? NFTNL_EXPR_MT_NAME : NFTNL_EXPR_TG_NAME);
		return append(d, json_pack("{s:{s:s, s:s}}", "xt", "type", name, "name", xt ? xt : "?"));
	}
	/* Loads of other fields: what matches on them restricts. */
	static const char *const loads[] = {"fib", "rt", "socket", "osf", "exthdr", "hash",
					    "numgen", "tunnel", "xfrm", "inner", NULL};
	for (size_t i = 0; loads[i]; i++) {
		if (strcmp(name, loads[i]) != 0)
			continue;
		/* the dreg attribute is the first of each of these expressions */
		uint16_t dreg = NFTNL_EXPR_BASE;
		if (strcmp(name, "fib") == 0)
			dreg = NFTNL_EXPR_FIB_DREG;
		else if (strcmp(name, "rt") == 0)
			dreg = NFTNL_EXPR_RT_DREG;
		else if (strcmp(name, "socket") == 0)
			dreg = NFTNL_EXPR_SOCKET_DREG;
		else if (strcmp(name, "osf") == 0)
			dreg = NFTNL_EXPR_OSF_DREG;
		else if (strcmp(name, "exthdr") == 0)
			dreg = NFTNL_EXPR_EXTHDR_DREG;
		else if (strcmp(name, "hash") == 0)
			dreg = NFTNL_EXPR_HASH_DREG;
		else if (strcmp(name, "numgen") == 0)
			dreg = NFTNL_EXPR_NG_DREG;
		struct reg *r = L->expr_is_set(e, dreg) ? reg_at(d, L->expr_get_u32(e, dreg)) : NULL;
		if (!r)
			return append(d, json_pack("{s:n}", "mangle"));
		memset(r, 0, sizeof(*r));
		r->kind = SRC_OTHER;
		snprintf(r->other, sizeof(r->other), "%s", name);
		return 0;
	}
	static const struct {
		const char *expr, *json;
	} map[] = {
		{"counter", "counter"}, {"log", "log"}, {"notrack", "notrack"}, {"dup", "dup"},
		{"dynset", "set"}, {"flow_offload", "flow"}, {"reject", "reject"},
		{"nat", "snat"}, {"masq", "masquerade"}, {"redir", "redirect"},
		{"tproxy", "tproxy"}, {"queue", "queue"}, {"fwd", "fwd"}, {"synproxy", "synproxy"},
		{"limit", "limit"}, {"quota", "quota"}, {"connlimit", "ct count"},
		{"objref", "objref"}, {"last", "counter"}, {"secmark", "secmark"},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(name, map[i].expr) == 0)
			return append(d, json_pack("{s:n}", map[i].json));
	return append(d, json_pack("{s:n}", name));
}

static json_t *decode_rule(struct nl *n, struct nftnl_rule *r)
{
	const struct nftnl_lib *L = n->L;
	struct decode d = {.n = n};
	d.family = family_name(L->rule_get_u32(r, NFTNL_RULE_FAMILY));
	d.table = L->rule_get_str(r, NFTNL_RULE_TABLE);
	if (!d.table)
		d.table = "";
	d.expr = json_array();
	if (!d.expr)
		return NULL;
	struct nftnl_expr_iter *it = L->expr_iter_create(r);
	if (!it) {
		json_decref(d.expr);
		return NULL;
	}
	int rc = 0;
	for (struct nftnl_expr *e = L->expr_iter_next(it); e && !rc; e = L->expr_iter_next(it))
		rc = decode_expr(&d, e);
	L->expr_iter_destroy(it);
	/* a verdict is the last thing nft shows: statements after it are
	 * never reached */
	size_t cut = json_array_size(d.expr);
	for (size_t i = 0; i < json_array_size(d.expr); i++) {
		const char *k = json_object_iter_key(json_object_iter(json_array_get(d.expr, i)));
		if (k && (strcmp(k, "accept") == 0 || strcmp(k, "drop") == 0 || strcmp(k, "jump") == 0 ||
			  strcmp(k, "goto") == 0 || strcmp(k, "return") == 0 || strcmp(k, "queue") == 0 ||
			  strcmp(k, "vmap") == 0 || strcmp(k, "reject") == 0)) {
			cut = i + 1;
			break;
		}
	}
	while (!rc && json_array_size(d.expr) > cut)
		json_array_remove(d.expr, cut);
	/* nft does not print the dependency of a field match: meta nfproto
	 * before ip saddr (the parser implies it back from the field), meta
	 * l4proto before tcp dport */
	for (size_t i = 0; !rc && i + 1 < json_array_size(d.expr);) {
		json_t *m = json_object_get(json_array_get(d.expr, i), "match");
		json_t *next = json_object_get(json_array_get(d.expr, i + 1), "match");
		const char *key = json_string_value(json_object_get(json_object_get(json_object_get(m, "left"), "meta"), "key"));
		const char *val = json_string_value(json_object_get(m, "right"));
		const char *op = json_string_value(json_object_get(m, "op"));
		const char *proto = json_string_value(json_object_get(json_object_get(json_object_get(next, "left"), "payload"), "protocol"));
		bool dep = key && val && op && proto && strcmp(op, "==") == 0 &&
			   ((strcmp(key, "nfproto") == 0 &&
			     ((strcmp(val, "ipv4") == 0 && strcmp(proto, "ip") == 0) ||
			      (strcmp(val, "ipv6") == 0 && strcmp(proto, "ip6") == 0))) ||
			    (strcmp(key, "l4proto") == 0 && strcmp(val, proto) == 0));
		if (dep)
			json_array_remove(d.expr, i);
		else
			i++;
	}
	if (rc) {
		json_decref(d.expr);
		return NULL;
	}
	return json_pack("{s:{s:s, s:s, s:s, s:I, s:o}}", "rule", "family", d.family, "table",
			 d.table, "chain", L->rule_get_str(r, NFTNL_RULE_CHAIN) ? L->rule_get_str(r, NFTNL_RULE_CHAIN) : "",
			 "handle", (json_int_t)L->rule_get_u64(r, NFTNL_RULE_HANDLE), "expr", d.expr);
}

static json_t *set_json(struct nl *n, const struct nl_set *s)
{
	struct decode d = {.n = n, .family = s->family, .table = s->table};
	/* A named set's elements are decoded by its key type (nft's
	 * datatypes: 7 ipv4_addr, 8 ipv6_addr, 20 iface_index, 41 ifname). */
	struct reg r = {0};
	bool known = true;
	switch (s->key_type) {
	case 7:
		r = (struct reg){.kind = SRC_PAYLOAD, .base = NFT_PAYLOAD_NETWORK_HEADER, .offset = 12, .len = 4};
		d.nfproto = NFPROTO_IPV4;
		break;
	case 8:
		r = (struct reg){.kind = SRC_PAYLOAD, .base = NFT_PAYLOAD_NETWORK_HEADER, .offset = 8, .len = 16};
		d.nfproto = NFPROTO_IPV6;
		break;
	case 20:
		r = (struct reg){.kind = SRC_META, .key = NFT_META_IIF};
		break;
	case 41:
		r = (struct reg){.kind = SRC_META, .key = NFT_META_IIFNAME};
		break;
	default:
		known = false;
	}
	json_t *elems = set_elems(&d, s, known ? &r : NULL, !known);
	if (!elems)
		return NULL;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "family", s->family, "table", s->table,
			      "name", s->name, "type",
			      s->key_type == 7 ? "ipv4_addr" : s->key_type == 8 ? "ipv6_addr"
			      : s->key_type == 20 ? "iface_index" : s->key_type == 41 ? "ifname" : "other",
			      "elem", elems);
	if (o && s->vmap)
		json_object_set_new(o, "map", json_string("verdict"));
	return json_pack("{s:o}", s->vmap ? "map" : "set", o);
}

static int gen_id(struct nl *n, uint32_t *out)
{
	n->gen = 0;
	int rc = request(n, NFT_MSG_GETGEN, NLM_F_REQUEST | NLM_F_ACK, NULL, gen_cb);
	*out = n->gen;
	return rc;
}

/* One consistent dump into *doc, or -EAGAIN when it has to be taken again. */
static int dump_once(struct nl *n, json_t **doc)
{
	const struct nftnl_lib *L = n->L;
	uint32_t gen_before, gen_after;
	int rc = gen_id(n, &gen_before);
	if (rc)
		return rc;
	n->tables = json_array();
	n->chains = json_array();
	if (!n->tables || !n->chains)
		return -ENOMEM;
	const uint16_t dumpf = NLM_F_REQUEST | NLM_F_DUMP;
	rc = request(n, NFT_MSG_GETTABLE, dumpf, NULL, table_cb);
	if (!rc)
		rc = request(n, NFT_MSG_GETCHAIN, dumpf, NULL, chain_cb);
	if (!rc)
		rc = request(n, NFT_MSG_GETSET, dumpf, NULL, set_cb);
	for (size_t i = 0; !rc && i < n->n_sets; i++) {
		n->cur_elems = n->sets[i].elems;
		rc = request(n, NFT_MSG_GETSETELEM, dumpf, n->sets[i].elems, elems_cb);
		n->cur_elems = NULL;
	}
	if (!rc)
		rc = request(n, NFT_MSG_GETRULE, dumpf, NULL, rule_cb);
	if (!rc)
		rc = gen_id(n, &gen_after);
	if (rc == -EINTR || rc == -ENOENT || rc == -EBUSY)
		return -EAGAIN; /* interrupted dump, or an object gone meanwhile */
	if (rc)
		return rc;
	if (gen_before != gen_after)
		return -EAGAIN;
	json_t *items = json_array();
	if (!items)
		return -ENOMEM;
	json_t *meta = json_pack("{s:{s:s, s:i, s:I}}", "metainfo", "version", "cisreport-netlink",
				 "json_schema_version", 1, "generation", (json_int_t)gen_after);
	rc = meta && !json_array_append_new(items, meta) && !json_array_extend(items, n->tables)
		     ? 0 : -ENOMEM;
	for (size_t i = 0; !rc && i < n->n_sets; i++) {
		json_t *s = set_json(n, &n->sets[i]);
		if (!s || json_array_append_new(items, s))
			rc = -ENOMEM;
	}
	if (!rc && json_array_extend(items, n->chains))
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < n->n_rules; i++) {
		json_t *r = decode_rule(n, n->rules[i]);
		if (!r || json_array_append_new(items, r))
			rc = -ENOMEM;
	}
	(void)L;
	if (!rc) {
		*doc = json_pack("{s:o}", "nftables", items);
		return *doc ? 0 : -ENOMEM;
	}
	json_decref(items);
	return rc;
}

int nft_netlink_ruleset(json_t **out, char *why, size_t why_size)
{
	*out = NULL;
	why[0] = '\0';
	char lib_why[512];
	const struct nftnl_lib *L = nftnl_lib_get(lib_why, sizeof(lib_why));
	if (!L) {
		snprintf(why, why_size, "%s", lib_why);
		return -ENOSYS;
	}
	struct nl n = {.L = L, .seq = (uint32_t)time(NULL)};
	n.sock = L->socket_open(NETLINK_NETFILTER);
	if (!n.sock) {
		int err = errno;
		snprintf(why, why_size, "no nf_tables: cannot open a netfilter netlink socket: %s",
			 strerror(err));
		return err == EPROTONOSUPPORT || err == EAFNOSUPPORT ? -ENOPROTOOPT : -err;
	}
	int rc = 0;
	n.buf = malloc(RECV_BUF);
	if (!n.buf)
		rc = -ENOMEM;
	else if (L->socket_bind(n.sock, 0, MNL_SOCKET_AUTOPID) < 0)
		rc = -errno;
	n.portid = L->socket_get_portid(n.sock);
	int tries = 0;
	while (!rc || rc == -EAGAIN) {
		if (tries++ >= NFT_NETLINK_TRIES)
			break;
		reset_dump(&n);
		rc = dump_once(&n, out);
		if (!rc)
			break;
	}
	reset_dump(&n);
	free(n.buf);
	L->socket_close(n.sock);
	if (!rc)
		return 0;
	if (rc == -EAGAIN)
		snprintf(why, why_size, "the nf_tables ruleset kept changing during the netlink dump (%d tries)",
			 NFT_NETLINK_TRIES);
	else if (rc == -EPERM || rc == -EACCES)
		snprintf(why, why_size,
			 "reading the nf_tables ruleset over netlink: %s (it needs root, CAP_NET_ADMIN)",
			 strerror(-rc));
	else if (rc == -EOPNOTSUPP || rc == -EPROTONOSUPPORT || rc == -EAFNOSUPPORT || rc == -EINVAL) {
		snprintf(why, why_size, "no nf_tables in this kernel (netlink: %s)", strerror(-rc));
		rc = -ENOPROTOOPT;
	} else if (rc == -EFBIG)
		snprintf(why, why_size, "the nf_tables ruleset has more than %d objects", MAX_OBJECTS);
	else
		snprintf(why, why_size, "reading the nf_tables ruleset over netlink: %s", strerror(-rc));
	return rc;
}
