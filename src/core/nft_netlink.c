/* nf_tables ruleset over netlink -> nft JSON (see nft_netlink.h).
 *
 * No library: a NETLINK_NETFILTER socket, the kernel's uapi headers, and an
 * attribute walk of the NFT_MSG_NEW* replies (tables, chains, sets, set
 * elements, rules with their expressions as nested attributes). Every length
 * is checked against the message it is in; a malformed message is -EBADMSG (the
 * kernel's -EINVAL means it has no nf_tables). */
#include "nft_netlink.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RECV_BUF (64u << 10)
#define MAX_OBJECTS 1000000 /* per dump: a ruleset past this is refused */
#define MAX_ATTR 31         /* above every NFTA_*_MAX this file reads */

typedef const struct nlattr *attrs[MAX_ATTR + 1];

/* One element of a set, copied out of its NEWSETELEM message. */
struct nl_elem {
	unsigned char key[NFT_DATA_VALUE_MAXLEN], key_end[NFT_DATA_VALUE_MAXLEN];
	uint32_t key_len, key_end_len, flags;
	int32_t verdict;
	char *chain;
	bool has_key_end, has_verdict;
};

struct nl_set {
	const char *family;
	uint8_t nfproto;
	char *table, *name;
	uint32_t flags, key_type, key_len;
	bool vmap;
	struct nl_elem *elems;
	size_t n_elems, cap_elems;
};

struct nl {
	const struct nft_netlink_io *io;
	uint32_t seq;
	char *buf;
	/* the dump */
	json_t *tables, *chains, *rules; /* arrays of items */
	struct nl_set *sets;
	size_t n_sets, cap_sets;
	struct nl_set *cur; /* the set a GETSETELEM dump fills */
	size_t objects;
	uint32_t gen;
	bool got_gen;
	/* the caller's generation: a dump that starts at it is not taken */
	const uint32_t *known;
	bool unchanged;
	/* what in the document can change while the generation stays (see
	 * nft_netlink_read.not_reusable) */
	const char *not_reusable;
};

/* ---- netlink attributes ---- */

static const void *apayload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static uint32_t alen(const struct nlattr *a)
{
	return (uint32_t)a->nla_len - NLA_HDRLEN;
}

/* The next attribute of [*p, *p + *len), or NULL at the end; -EBADMSG in *err
 * when one does not fit. */
static const struct nlattr *next_attr(const char **p, size_t *len, int *err)
{
	if (*len < NLA_HDRLEN)
		return NULL;
	const struct nlattr *a = (const struct nlattr *)*p;
	if (a->nla_len < NLA_HDRLEN || a->nla_len > *len) {
		*err = -EBADMSG;
		return NULL;
	}
	size_t step = NLA_ALIGN(a->nla_len);
	if (step > *len)
		step = *len;
	*p += step;
	*len -= step;
	return a;
}

/* tb[type] = the last attribute of that type (types above max ignored). */
static int parse_attrs(const void *data, size_t len, attrs tb)
{
	memset(tb, 0, sizeof(attrs));
	const char *p = data;
	int err = 0;
	const struct nlattr *a;
	while ((a = next_attr(&p, &len, &err)))
		if ((a->nla_type & NLA_TYPE_MASK) <= MAX_ATTR)
			tb[a->nla_type & NLA_TYPE_MASK] = a;
	return err;
}

static int parse_nested(const struct nlattr *a, attrs tb)
{
	if (!a) {
		memset(tb, 0, sizeof(attrs));
		return 0;
	}
	return parse_attrs(apayload(a), alen(a), tb);
}

static uint32_t get_u32(const struct nlattr *a)
{
	uint32_t v = 0;
	if (a && alen(a) >= 4)
		memcpy(&v, apayload(a), 4);
	return ntohl(v);
}

static uint64_t get_u64(const struct nlattr *a)
{
	uint64_t v = 0;
	if (a && alen(a) >= 8)
		memcpy(&v, apayload(a), 8);
	return be64toh(v);
}

/* A NUL-terminated string attribute, or NULL. */
static const char *get_str(const struct nlattr *a)
{
	if (!a || alen(a) == 0 || !memchr(apayload(a), '\0', alen(a)))
		return NULL;
	return apayload(a);
}

/* The bytes of an nft_data attribute's NFTA_DATA_VALUE, or NULL. */
static const unsigned char *data_value(const struct nlattr *a, uint32_t *len)
{
	attrs tb;
	*len = 0;
	if (!a || parse_nested(a, tb) || !tb[NFTA_DATA_VALUE])
		return NULL;
	*len = alen(tb[NFTA_DATA_VALUE]);
	return apayload(tb[NFTA_DATA_VALUE]);
}

/* The verdict of an nft_data attribute's NFTA_DATA_VERDICT. */
static bool data_verdict(const struct nlattr *a, int32_t *code, const char **chain)
{
	attrs tb, vt;
	*chain = NULL;
	if (!a || parse_nested(a, tb) || !tb[NFTA_DATA_VERDICT] ||
	    parse_nested(tb[NFTA_DATA_VERDICT], vt) || !vt[NFTA_VERDICT_CODE])
		return false;
	*code = (int32_t)get_u32(vt[NFTA_VERDICT_CODE]);
	*chain = get_str(vt[NFTA_VERDICT_CHAIN]);
	return true;
}

/* ---- the socket ---- */

static int put_str(struct nlmsghdr *nlh, size_t room, uint16_t type, const char *s)
{
	size_t n = strlen(s) + 1;
	size_t need = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(NLA_HDRLEN + n);
	if (need > room)
		return -ENAMETOOLONG;
	struct nlattr *a = (struct nlattr *)((char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	memcpy((char *)a + NLA_HDRLEN, s, n);
	memset((char *)a + NLA_HDRLEN + n, 0, NLA_ALIGN(a->nla_len) - a->nla_len);
	nlh->nlmsg_len = (uint32_t)need;
	return 0;
}

typedef int (*msg_cb)(struct nl *n, uint8_t family, attrs tb);

/* The next message of a datagram, *len bytes left from m: NLMSG_NEXT, but a
 * last message whose aligned length passes the end leaves nothing (there,
 * NLMSG_NEXT's len wraps round and the walk goes on past the buffer). */
static const struct nlmsghdr *next_msg(const struct nlmsghdr *m, size_t *len)
{
	size_t step = NLMSG_ALIGN(m->nlmsg_len);
	if (step > *len)
		step = *len;
	*len -= step;
	return (const struct nlmsghdr *)((const char *)m + step);
}

/* The kernel's error code of an NLMSG_ERROR or NLMSG_DONE: -errno, or
 * -EBADMSG for a value no errno is (positive, or past -4095 up to INT_MIN,
 * which cannot even be negated). */
static int kernel_err(int e)
{
	return e <= 0 && e > -4096 ? e : -EBADMSG;
}

/* One request (the elements of set s, for GETSETELEM); each NEW reply's
 * attributes to cb. A dump runs to its NLMSG_DONE even when marked
 * interrupted, so the socket holds nothing stale; it then returns -EINTR.
 * Returns 0 or -errno. */
static int request(struct nl *n, uint16_t type, bool dump, const struct nl_set *s, msg_cb cb)
{
	union {
		char buf[1024];
		struct nlmsghdr align;
	} req;
	memset(&req, 0, sizeof(struct nlmsghdr) + NLMSG_ALIGN(sizeof(struct nfgenmsg)));
	struct nlmsghdr *nlh = &req.align;
	uint32_t seq = ++n->seq;
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(struct nfgenmsg));
	nlh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | type);
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0));
	nlh->nlmsg_seq = seq;
	struct nfgenmsg *g = NLMSG_DATA(nlh);
	g->nfgen_family = s ? s->nfproto : NFPROTO_UNSPEC;
	g->version = NFNETLINK_V0;
	if (s && (put_str(nlh, sizeof(req), NFTA_SET_ELEM_LIST_TABLE, s->table) ||
		  put_str(nlh, sizeof(req), NFTA_SET_ELEM_LIST_SET, s->name)))
		return -ENAMETOOLONG;
	int sent = n->io->send(n->io->ctx, nlh, nlh->nlmsg_len);
	if (sent < 0)
		return sent;
	uint16_t reply = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | (type - 1)); /* GETx -> NEWx */
	int rc = 0;
	bool intr = false;
	for (;;) {
		ssize_t got = n->io->recv(n->io->ctx, n->buf, RECV_BUF);
		if (got == -EINTR)
			continue;
		if (got < 0)
			return (int)got;
		if ((size_t)got > RECV_BUF)
			return -EMSGSIZE;
		size_t len = (size_t)got;
		for (const struct nlmsghdr *m = (const struct nlmsghdr *)n->buf; NLMSG_OK(m, len);
		     m = next_msg(m, &len)) {
			if (m->nlmsg_seq != seq)
				continue; /* a reply to an earlier request */
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (m->nlmsg_type == NLMSG_DONE) {
				int err = 0;
				if (m->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&err, NLMSG_DATA(m), sizeof(int));
				return rc ? rc : err < 0 ? kernel_err(err) : intr ? -EINTR : 0;
			}
			if (m->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr e = {.error = -EBADMSG};
				if (m->nlmsg_len >= NLMSG_LENGTH(sizeof(e)))
					memcpy(&e, NLMSG_DATA(m), sizeof(e));
				return rc ? rc : kernel_err(e.error);
			}
			if (m->nlmsg_type != reply || rc)
				continue;
			if (m->nlmsg_len < NLMSG_LENGTH(sizeof(struct nfgenmsg))) {
				rc = -EBADMSG;
			} else {
				const struct nfgenmsg *mg = NLMSG_DATA(m);
				size_t off = NLMSG_ALIGN(sizeof(*mg));
				attrs tb;
				size_t plen = m->nlmsg_len - NLMSG_HDRLEN;
				rc = parse_attrs((const char *)mg + off, plen > off ? plen - off : 0, tb);
				if (!rc)
					rc = cb(n, mg->nfgen_family, tb);
			}
			if (!dump)
				return rc;
		}
	}
}

static int gen_cb(struct nl *n, uint8_t family, attrs tb)
{
	(void)family;
	if (!tb[NFTA_GEN_ID])
		return -EBADMSG;
	n->gen = get_u32(tb[NFTA_GEN_ID]);
	n->got_gen = true;
	return 0;
}

static int count(struct nl *n)
{
	return ++n->objects > MAX_OBJECTS ? -EFBIG : 0;
}

/* ---- tables, chains, sets, elements ---- */

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
		return hook == NF_NETDEV_INGRESS ? "ingress" : hook == NF_NETDEV_EGRESS ? "egress" : "unknown";
	if (family == NFPROTO_ARP)
		return hook == 0 ? "input" : hook == 1 ? "output" : hook == 2 ? "forward" : "unknown";
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
	json_decref(n->rules);
	n->tables = n->chains = n->rules = NULL;
	for (size_t i = 0; i < n->n_sets; i++) {
		struct nl_set *s = &n->sets[i];
		free(s->table);
		free(s->name);
		for (size_t e = 0; e < s->n_elems; e++)
			free(s->elems[e].chain);
		free(s->elems);
	}
	free(n->sets);
	n->sets = NULL;
	n->n_sets = n->cap_sets = 0;
	n->cur = NULL;
	n->objects = 0;
	n->not_reusable = NULL;
}

/* The generation counts commits only: what else changes a dump makes the
 * document good for the read that took it, and no longer. */
static void not_reusable(struct nl *n, const char *why)
{
	if (!n->not_reusable)
		n->not_reusable = why;
}

static int append_item(json_t *array, const char *key, json_t *o)
{
	if (!o)
		return -ENOMEM;
	return json_array_append_new(array, json_pack("{s:o}", key, o)) ? -ENOMEM : 0;
}

static int table_cb(struct nl *n, uint8_t family, attrs tb)
{
	if (count(n))
		return -EFBIG;
	const char *name = get_str(tb[NFTA_TABLE_NAME]);
	if (!name)
		return -EBADMSG;
	json_t *o = json_pack("{s:s, s:s}", "family", family_name(family), "name", name);
	if (get_u32(tb[NFTA_TABLE_FLAGS]) & NFT_TABLE_F_OWNER)
		/* released with its owner's socket, outside any commit */
		not_reusable(n, "a table owned by a process");
	if (o && (get_u32(tb[NFTA_TABLE_FLAGS]) & NFT_TABLE_F_DORMANT))
		json_object_set_new(o, "flags", json_pack("[s]", "dormant"));
	return append_item(n->tables, "table", o);
}

/* A device name as nft prints it; one without its NUL is a prefix
 * (kernels with wildcard hooks: "eth*"). */
static json_t *device_json(const struct nlattr *a)
{
	char name[IFNAMSIZ + 2];
	uint32_t len = a ? alen(a) : 0;
	const char *p = a ? apayload(a) : "";
	uint32_t k = 0;
	while (k < len && k < IFNAMSIZ && p[k])
		k++;
	memcpy(name, p, k);
	name[k] = '\0';
	if (k == len && k < IFNAMSIZ)
		strcat(name, "*");
	return json_string(name);
}

/* The devices of a netdev (or inet ingress) base chain: "dev" as nft >=
 * 1.0.7 prints it, a string for one, an array for more; NULL for none. */
static json_t *chain_devices(attrs hook)
{
	json_t *devs = json_array();
	if (!devs)
		return NULL;
	if (hook[NFTA_HOOK_DEVS]) {
		const char *p = apayload(hook[NFTA_HOOK_DEVS]);
		size_t len = alen(hook[NFTA_HOOK_DEVS]);
		int err = 0;
		const struct nlattr *a;
		while ((a = next_attr(&p, &len, &err)))
			if ((a->nla_type & NLA_TYPE_MASK) == NFTA_DEVICE_NAME)
				json_array_append_new(devs, device_json(a));
	} else if (hook[NFTA_HOOK_DEV]) {
		json_array_append_new(devs, device_json(hook[NFTA_HOOK_DEV]));
	}
	if (json_array_size(devs) == 1) {
		json_t *one = json_incref(json_array_get(devs, 0));
		json_decref(devs);
		return one;
	}
	if (json_array_size(devs) == 0) {
		json_decref(devs);
		return NULL;
	}
	return devs;
}

static int chain_cb(struct nl *n, uint8_t family, attrs tb)
{
	if (count(n))
		return -EFBIG;
	const char *table = get_str(tb[NFTA_CHAIN_TABLE]), *name = get_str(tb[NFTA_CHAIN_NAME]);
	if (!table || !name)
		return -EBADMSG;
	json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "family", family_name(family), "table", table,
			      "name", name, "handle", (json_int_t)get_u64(tb[NFTA_CHAIN_HANDLE]));
	attrs hook;
	if (o && tb[NFTA_CHAIN_HOOK]) {
		if (parse_nested(tb[NFTA_CHAIN_HOOK], hook)) {
			json_decref(o);
			return -EBADMSG;
		}
		const char *type = get_str(tb[NFTA_CHAIN_TYPE]);
		uint32_t policy = tb[NFTA_CHAIN_POLICY] ? get_u32(tb[NFTA_CHAIN_POLICY]) : NF_ACCEPT;
		const char *hname = hook_name(family, get_u32(hook[NFTA_HOOK_HOOKNUM]));
		json_t *devs = chain_devices(hook);
		/* a chain on devices that has none hooks nothing (nft prints
		 * no "dev" then, which the parser takes for "not listed") */
		if (!devs && (strcmp(hname, "ingress") == 0 || strcmp(hname, "egress") == 0))
			devs = json_array();
		if (devs) {
			/* a device that goes away takes its hook, or (before
			 * Linux 6.16's hooks by name) the whole chain, with no
			 * commit */
			not_reusable(n, "a base chain on devices");
			json_object_set_new(o, "dev", devs);
		}
		json_object_set_new(o, "type", json_string(type ? type : "filter"));
		json_object_set_new(o, "hook", json_string(hname));
		json_object_set_new(o, "prio", json_integer((int32_t)get_u32(hook[NFTA_HOOK_PRIORITY])));
		json_object_set_new(o, "policy", json_string(policy == NF_DROP ? "drop" : "accept"));
	}
	return append_item(n->chains, "chain", o);
}

static int set_cb(struct nl *n, uint8_t family, attrs tb)
{
	if (count(n))
		return -EFBIG;
	const char *table = get_str(tb[NFTA_SET_TABLE]), *name = get_str(tb[NFTA_SET_NAME]);
	if (!table || !name)
		return -EBADMSG;
	struct nl_set *v = grow(n->sets, &n->cap_sets, n->n_sets, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n->sets = v;
	struct nl_set *s = memset(&v[n->n_sets++], 0, sizeof(*s));
	s->family = family_name(family);
	s->nfproto = family;
	s->table = strdup(table);
	s->name = strdup(name);
	s->flags = get_u32(tb[NFTA_SET_FLAGS]);
	s->key_type = get_u32(tb[NFTA_SET_KEY_TYPE]);
	s->key_len = get_u32(tb[NFTA_SET_KEY_LEN]);
	if (s->flags & (NFT_SET_TIMEOUT | NFT_SET_EVAL))
		/* elements expire, or the packet path adds them */
		not_reusable(n, "a set with timeouts or updated from the packet path");
	s->vmap = (s->flags & NFT_SET_MAP) && tb[NFTA_SET_DATA_TYPE] &&
		  get_u32(tb[NFTA_SET_DATA_TYPE]) == NFT_DATA_VERDICT;
	return s->table && s->name ? 0 : -ENOMEM;
}

static int copy_key(const struct nlattr *a, unsigned char *out, uint32_t *len)
{
	const unsigned char *p = data_value(a, len);
	if (!p || *len > NFT_DATA_VALUE_MAXLEN)
		return -EBADMSG;
	memcpy(out, p, *len);
	return 0;
}

static int elems_cb(struct nl *n, uint8_t family, attrs tb)
{
	(void)family;
	struct nl_set *s = n->cur;
	const struct nlattr *list = tb[NFTA_SET_ELEM_LIST_ELEMENTS];
	if (!list)
		return 0;
	const char *p = apayload(list);
	size_t len = alen(list);
	int err = 0;
	const struct nlattr *a;
	while ((a = next_attr(&p, &len, &err))) {
		if ((a->nla_type & NLA_TYPE_MASK) != NFTA_LIST_ELEM)
			continue;
		if (count(n))
			return -EFBIG;
		attrs et;
		if (parse_nested(a, et))
			return -EBADMSG;
		if (!et[NFTA_SET_ELEM_KEY])
			continue; /* a catch-all element: no key to show */
		struct nl_elem *v = grow(s->elems, &s->cap_elems, s->n_elems, sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->elems = v;
		struct nl_elem *e = memset(&v[s->n_elems], 0, sizeof(*e));
		if (copy_key(et[NFTA_SET_ELEM_KEY], e->key, &e->key_len))
			return -EBADMSG;
		if (et[NFTA_SET_ELEM_KEY_END]) {
			if (copy_key(et[NFTA_SET_ELEM_KEY_END], e->key_end, &e->key_end_len))
				return -EBADMSG;
			e->has_key_end = true;
		}
		e->flags = get_u32(et[NFTA_SET_ELEM_FLAGS]);
		const char *chain;
		if (data_verdict(et[NFTA_SET_ELEM_DATA], &e->verdict, &chain)) {
			e->has_verdict = true;
			if (chain && !(e->chain = strdup(chain)))
				return -ENOMEM;
		}
		s->n_elems++;
	}
	return err;
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

static json_t *ifindex_value(struct nl *n, const unsigned char *p, uint32_t len)
{
	uint32_t idx = (uint32_t)host_uint(p, len);
	char name[IF_NAMESIZE];
	if (idx == 1)
		return json_string("lo"); /* loopback is ifindex 1 in every namespace */
	/* the name is the interface table's, which no commit counts */
	not_reusable(n, "an interface index shown by name");
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
				return ifindex_value(d->n, p, len);
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
		case NFT_META_PROTOCOL: /* the ethertype, network order */
			if (len == 2 && !r->masked) {
				unsigned type = (unsigned)(p[0] << 8 | p[1]);
				return type == 0x0800   ? json_string("ip")
				       : type == 0x86dd ? json_string("ip6")
				       : type == 0x0806 ? json_string("arp")
				       : type == 0x8100 ? json_string("8021q")
				       : type == 0x88a8 ? json_string("8021ad")
							: json_integer(type);
			}
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
	json_t *out = json_array();
	if (!out || s->n_elems == 0)
		return out;
	struct raw_elem *v = calloc(s->n_elems, sizeof(*v));
	if (!v) {
		json_decref(out);
		return NULL;
	}
	size_t n = s->n_elems;
	for (size_t i = 0; i < n; i++) {
		const struct nl_elem *e = &s->elems[i];
		v[i] = (struct raw_elem){.key = e->key, .key_len = e->key_len, .flags = e->flags,
					 .verdict = e->verdict, .chain = e->chain,
					 .has_verdict = e->has_verdict};
		if (e->has_key_end) {
			v[i].key_end = e->key_end;
			v[i].key_end_len = e->key_end_len;
		}
	}
	const char *proto, *field;
	uint32_t full = 0;
	bool addr = !concat && r && r->kind == SRC_PAYLOAD && payload_addr(d, r, &proto, &field, &full) &&
		    r->len == full && !r->masked;
	bool interval = (s->flags & NFT_SET_INTERVAL) != 0;
	if (interval)
		qsort(v, n, sizeof(*v), raw_cmp);
	bool oom = false;
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

static int decode_lookup(struct decode *d, attrs tb)
{
	const char *name = get_str(tb[NFTA_LOOKUP_SET]);
	struct reg *r = reg_at(d, get_u32(tb[NFTA_LOOKUP_SREG]));
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
	bool has_dreg = tb[NFTA_LOOKUP_DREG] != NULL;
	if (has_dreg && get_u32(tb[NFTA_LOOKUP_DREG]) == NFT_REG_VERDICT) {
		if (!left || !right) {
			json_decref(left);
			json_decref(right);
			return -ENOMEM;
		}
		return append(d, json_pack("{s:{s:o, s:o}}", "vmap", "key", left, "data", right));
	}
	if (has_dreg) {
		struct reg *dr = reg_at(d, get_u32(tb[NFTA_LOOKUP_DREG]));
		if (dr) {
			memset(dr, 0, sizeof(*dr));
			dr->kind = SRC_OTHER;
			snprintf(dr->other, sizeof(dr->other), "map");
		}
	}
	bool inv = get_u32(tb[NFTA_LOOKUP_FLAGS]) & NFT_LOOKUP_F_INV;
	return append(d, match(inv ? "!=" : "==", left, right));
}

static const char *ct_state_names[] = {"invalid", "established", "related", "new", NULL, NULL,
				       "untracked"};

static int decode_cmp(struct decode *d, attrs tb)
{
	struct reg *r = reg_at(d, get_u32(tb[NFTA_CMP_SREG]));
	uint32_t len = 0;
	const unsigned char *data = data_value(tb[NFTA_CMP_DATA], &len);
	uint32_t op = get_u32(tb[NFTA_CMP_OP]);
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
		else if (r->key == NFT_META_PROTOCOL && len == 2) /* the ethertype (netdev) */
			d->nfproto = ((data[0] << 8) | data[1]) == 0x0800   ? NFPROTO_IPV4
				     : ((data[0] << 8) | data[1]) == 0x86dd ? NFPROTO_IPV6
									    : d->nfproto;
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

static int decode_range(struct decode *d, attrs tb)
{
	struct reg *r = reg_at(d, get_u32(tb[NFTA_RANGE_SREG]));
	uint32_t l1 = 0, l2 = 0;
	const unsigned char *from = data_value(tb[NFTA_RANGE_FROM_DATA], &l1);
	const unsigned char *to = data_value(tb[NFTA_RANGE_TO_DATA], &l2);
	if (!r || !from || !to || r->kind == SRC_NONE || r->kind == SRC_IMM)
		return append(d, json_pack("{s:{}}", "range"));
	const char *op = get_u32(tb[NFTA_RANGE_OP]) == NFT_RANGE_NEQ ? "!=" : "==";
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

static int decode_bitwise(struct decode *d, attrs tb)
{
	struct reg *s = reg_at(d, get_u32(tb[NFTA_BITWISE_SREG]));
	struct reg *dr = reg_at(d, get_u32(tb[NFTA_BITWISE_DREG]));
	if (!s || !dr)
		return append(d, json_pack("{s:{}}", "bitwise"));
	struct reg copy = *s;
	uint32_t ml = 0, xl = 0;
	const unsigned char *mask = data_value(tb[NFTA_BITWISE_MASK], &ml);
	const unsigned char *xor = data_value(tb[NFTA_BITWISE_XOR], &xl);
	bool bool_op = !tb[NFTA_BITWISE_OP] || get_u32(tb[NFTA_BITWISE_OP]) == NFT_BITWISE_BOOL;
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

static int decode_expr(struct decode *d, const char *name, attrs tb)
{
	if (strcmp(name, "meta") == 0 || strcmp(name, "ct") == 0 || strcmp(name, "payload") == 0) {
		bool meta = name[0] == 'm', ct = name[0] == 'c';
		uint16_t dreg_attr = meta ? NFTA_META_DREG : ct ? NFTA_CT_DREG : NFTA_PAYLOAD_DREG;
		if (!tb[dreg_attr])
			/* meta mark set, ct mark set, payload mangling */
			return append(d, json_pack("{s:n}", "mangle"));
		struct reg *r = reg_at(d, get_u32(tb[dreg_attr]));
		if (!r)
			return append(d, json_pack("{s:{}}", name));
		memset(r, 0, sizeof(*r));
		if (meta) {
			r->kind = SRC_META;
			r->key = get_u32(tb[NFTA_META_KEY]);
		} else if (ct) {
			r->kind = SRC_CT;
			r->key = get_u32(tb[NFTA_CT_KEY]);
			if (tb[NFTA_CT_DIRECTION]) {
				r->kind = SRC_OTHER;
				snprintf(r->other, sizeof(r->other), "ct");
			}
		} else {
			r->kind = SRC_PAYLOAD;
			r->base = get_u32(tb[NFTA_PAYLOAD_BASE]);
			r->offset = get_u32(tb[NFTA_PAYLOAD_OFFSET]);
			r->len = get_u32(tb[NFTA_PAYLOAD_LEN]);
			if (d->nfproto == 0 && strcmp(d->family, "ip") == 0)
				d->nfproto = NFPROTO_IPV4;
			if (d->nfproto == 0 && strcmp(d->family, "ip6") == 0)
				d->nfproto = NFPROTO_IPV6;
		}
		return 0;
	}
	if (strcmp(name, "bitwise") == 0)
		return decode_bitwise(d, tb);
	if (strcmp(name, "cmp") == 0)
		return decode_cmp(d, tb);
	if (strcmp(name, "lookup") == 0)
		return decode_lookup(d, tb);
	if (strcmp(name, "range") == 0)
		return decode_range(d, tb);
	if (strcmp(name, "immediate") == 0) {
		uint32_t dreg = get_u32(tb[NFTA_IMMEDIATE_DREG]);
		if (dreg != NFT_REG_VERDICT) {
			struct reg *r = reg_at(d, dreg);
			if (r) {
				memset(r, 0, sizeof(*r));
				r->kind = SRC_IMM;
			}
			return 0;
		}
		int32_t code = NFT_CONTINUE;
		const char *chain = NULL;
		if (!data_verdict(tb[NFTA_IMMEDIATE_DATA], &code, &chain))
			return -EBADMSG;
		return append(d, verdict_json(code, chain));
	}
	if (strcmp(name, "match") == 0 || strcmp(name, "target") == 0) {
		const char *xt = get_str(tb[name[0] == 'm' ? NFTA_MATCH_NAME : NFTA_TARGET_NAME]);
		return append(d, json_pack("{s:{s:s, s:s}}", "xt", "type", name, "name", xt ? xt : "?"));
	}
	/* Loads of other fields: what matches on them restricts. */
	static const struct {
		const char *name;
		uint16_t dreg;
	} loads[] = {
		{"fib", NFTA_FIB_DREG}, {"rt", NFTA_RT_DREG}, {"socket", NFTA_SOCKET_DREG},
		{"osf", NFTA_OSF_DREG}, {"exthdr", NFTA_EXTHDR_DREG}, {"hash", NFTA_HASH_DREG},
		{"numgen", NFTA_NG_DREG}, {"tunnel", NFTA_TUNNEL_DREG}, {"xfrm", NFTA_XFRM_DREG},
	};
	for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++) {
		if (strcmp(name, loads[i].name) != 0)
			continue;
		struct reg *r = tb[loads[i].dreg] ? reg_at(d, get_u32(tb[loads[i].dreg])) : NULL;
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
	if (strcmp(name, "dynset") == 0)
		not_reusable(d->n, "a rule that updates a set from the packet path");
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(name, map[i].expr) == 0)
			return append(d, json_pack("{s:n}", map[i].json));
	/* anything else (inner, a newer expression): restricts the rule */
	return append(d, json_pack("{s:n}", name));
}

static bool is_verdict_key(const char *k)
{
	static const char *const keys[] = {"accept", "drop", "jump", "goto", "return",
					   "queue", "vmap", "reject", NULL};
	for (size_t i = 0; k && keys[i]; i++)
		if (strcmp(k, keys[i]) == 0)
			return true;
	return false;
}

/* nft does not print the dependency of a field match: meta nfproto before
 * ip saddr (the parser implies it back from the field), meta protocol (the
 * ethertype, netdev) likewise, meta l4proto before tcp dport. */
static bool is_dependency(json_t *m, json_t *next)
{
	const char *key = json_string_value(json_object_get(json_object_get(json_object_get(m, "left"), "meta"), "key"));
	const char *val = json_string_value(json_object_get(m, "right"));
	const char *op = json_string_value(json_object_get(m, "op"));
	const char *proto = json_string_value(json_object_get(json_object_get(json_object_get(next, "left"), "payload"), "protocol"));
	if (!key || !val || !op || !proto || strcmp(op, "==") != 0)
		return false;
	if (strcmp(key, "nfproto") == 0)
		return (strcmp(val, "ipv4") == 0 && strcmp(proto, "ip") == 0) ||
		       (strcmp(val, "ipv6") == 0 && strcmp(proto, "ip6") == 0);
	return (strcmp(key, "l4proto") == 0 || strcmp(key, "protocol") == 0) && strcmp(val, proto) == 0;
}

static json_t *decode_rule(struct nl *n, uint8_t family, attrs tb, int *rc)
{
	struct decode d = {.n = n};
	d.family = family_name(family);
	d.table = get_str(tb[NFTA_RULE_TABLE]);
	const char *chain = get_str(tb[NFTA_RULE_CHAIN]);
	*rc = -EBADMSG;
	if (!d.table || !chain)
		return NULL;
	*rc = -ENOMEM;
	d.expr = json_array();
	if (!d.expr)
		return NULL;
	*rc = 0;
	if (tb[NFTA_RULE_EXPRESSIONS]) {
		const char *p = apayload(tb[NFTA_RULE_EXPRESSIONS]);
		size_t len = alen(tb[NFTA_RULE_EXPRESSIONS]);
		const struct nlattr *a;
		while (!*rc && (a = next_attr(&p, &len, rc))) {
			if ((a->nla_type & NLA_TYPE_MASK) != NFTA_LIST_ELEM)
				continue;
			attrs et, data;
			const char *name;
			if (parse_nested(a, et) || !(name = get_str(et[NFTA_EXPR_NAME])) ||
			    parse_nested(et[NFTA_EXPR_DATA], data))
				*rc = -EBADMSG;
			else
				*rc = decode_expr(&d, name, data);
		}
	}
	/* a verdict is the last thing nft shows: statements after it are
	 * never reached */
	size_t cut = json_array_size(d.expr);
	for (size_t i = 0; i < json_array_size(d.expr); i++) {
		if (is_verdict_key(json_object_iter_key(json_object_iter(json_array_get(d.expr, i))))) {
			cut = i + 1;
			break;
		}
	}
	while (!*rc && json_array_size(d.expr) > cut)
		json_array_remove(d.expr, cut);
	for (size_t i = 0; !*rc && i + 1 < json_array_size(d.expr);) {
		if (is_dependency(json_object_get(json_array_get(d.expr, i), "match"),
				  json_object_get(json_array_get(d.expr, i + 1), "match")))
			json_array_remove(d.expr, i);
		else
			i++;
	}
	if (*rc) {
		json_decref(d.expr);
		return NULL;
	}
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:o}", "family", d.family, "table", d.table,
			      "chain", chain, "handle", (json_int_t)get_u64(tb[NFTA_RULE_HANDLE]),
			      "expr", d.expr);
	if (!o)
		*rc = -ENOMEM;
	return o;
}

/* Rules come after every set and element: each is decoded as it arrives. */
static int rule_cb(struct nl *n, uint8_t family, attrs tb)
{
	if (count(n))
		return -EFBIG;
	int rc;
	json_t *o = decode_rule(n, family, tb, &rc);
	return rc ? rc : append_item(n->rules, "rule", o);
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
	n->got_gen = false;
	int rc = request(n, NFT_MSG_GETGEN, false, NULL, gen_cb);
	if (!rc && !n->got_gen)
		rc = -EBADMSG;
	*out = n->gen;
	return rc;
}

/* One consistent dump into *doc, or -EAGAIN when it has to be taken again.
 * No table: nothing else can exist, the other dumps are not asked for.
 * At the caller's known generation, none is taken (n->unchanged). */
static int dump_once(struct nl *n, json_t **doc)
{
	uint32_t gen_before, gen_after;
	int rc = gen_id(n, &gen_before);
	if (rc)
		return rc;
	if (n->known && gen_before == *n->known) {
		n->unchanged = true;
		return 0;
	}
	n->tables = json_array();
	n->chains = json_array();
	n->rules = json_array();
	if (!n->tables || !n->chains || !n->rules)
		return -ENOMEM;
	rc = request(n, NFT_MSG_GETTABLE, true, NULL, table_cb);
	bool any = json_array_size(n->tables) > 0;
	if (!rc && any)
		rc = request(n, NFT_MSG_GETCHAIN, true, NULL, chain_cb);
	if (!rc && any)
		rc = request(n, NFT_MSG_GETSET, true, NULL, set_cb);
	for (size_t i = 0; !rc && i < n->n_sets; i++) {
		n->cur = &n->sets[i];
		rc = request(n, NFT_MSG_GETSETELEM, true, n->cur, elems_cb);
		n->cur = NULL;
	}
	if (!rc && any)
		rc = request(n, NFT_MSG_GETRULE, true, NULL, rule_cb);
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
	if (!rc && (json_array_extend(items, n->chains) || json_array_extend(items, n->rules)))
		rc = -ENOMEM;
	if (!rc) {
		*doc = json_pack("{s:o}", "nftables", items);
		return *doc ? 0 : -ENOMEM;
	}
	json_decref(items);
	return rc;
}

/* ---- the transport ---- */

static int sock_send(void *ctx, const void *msg, size_t len)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	if (sendto(*(int *)ctx, msg, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

static ssize_t sock_recv(void *ctx, void *buf, size_t size)
{
	ssize_t got = recv(*(int *)ctx, buf, size, MSG_TRUNC);
	return got < 0 ? -errno : got;
}

/* The network namespace of socket fd, or 0 when the kernel does not say
 * (SO_NETNS_COOKIE: Linux 5.14). A cookie is never reused for another
 * namespace while the system runs, as an inode number could be. */
static uint64_t socket_netns(int fd)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) || len != sizeof(cookie))
		return 0;
	return cookie;
}

const uint32_t *nft_netlink_known_generation(const struct nft_netlink_known *known, uint64_t netns)
{
	/* generations count per namespace: another's may be the same number */
	return known && netns && known->netns == netns ? &known->generation : NULL;
}

int nft_netlink_ruleset(json_t **out, char *why, size_t why_size)
{
	struct nft_netlink_read rd;
	return nft_netlink_ruleset_since(NULL, out, &rd, why, why_size);
}

/* The socket reads keep for the next one: a process does not change its
 * network namespace after its first read (the premise core/live_files has
 * too), so one socket serves every read of the process, in its namespace,
 * one read at a time. A read that finds it in use opens its own; a read that
 * fails closes it (it may hold replies the read did not take); a forked child
 * never uses its parent's. */
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static int kept_fd = -1;
static uint64_t kept_netns;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;
static atomic_bool kept_forked;
static atomic_ulong sockets_opened;

static void kept_forked_child(void)
{
	atomic_store(&kept_forked, true);
}

static void kept_register(void)
{
	pthread_atfork(NULL, NULL, kept_forked_child);
}

unsigned long nft_netlink_sockets_opened(void)
{
	return atomic_load(&sockets_opened);
}

static int open_socket(int *fd, uint64_t *netns, char *why, size_t why_size)
{
	*fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (*fd < 0) {
		int err = errno;
		snprintf(why, why_size, "no nf_tables: cannot open a netfilter netlink socket: %s",
			 strerror(err));
		return err == EPROTONOSUPPORT || err == EAFNOSUPPORT ? -ENOPROTOOPT : -err;
	}
	atomic_fetch_add(&sockets_opened, 1);
	*netns = socket_netns(*fd);
	return 0;
}

int nft_netlink_ruleset_since(const struct nft_netlink_known *known, json_t **out,
			      struct nft_netlink_read *rd, char *why, size_t why_size)
{
	*out = NULL;
	*rd = (struct nft_netlink_read){0};
	why[0] = '\0';
	pthread_once(&kept_once, kept_register);
	/* kept: this read holds the process's socket (kept_lock) */
	bool kept = !atomic_load(&kept_forked) && pthread_mutex_trylock(&kept_lock) == 0;
	int fd = -1;
	uint64_t netns = 0;
	if (kept && kept_fd >= 0) {
		fd = kept_fd;
		netns = kept_netns;
	} else {
		int rc = open_socket(&fd, &netns, why, why_size);
		if (rc) {
			if (kept)
				pthread_mutex_unlock(&kept_lock);
			return rc;
		}
		if (kept) {
			kept_fd = fd;
			kept_netns = netns;
		}
	}
	struct nft_netlink_io io = {.send = sock_send, .recv = sock_recv, .ctx = &fd};
	int rc = nft_netlink_ruleset_io_since(&io, (uint32_t)time(NULL),
					      nft_netlink_known_generation(known, netns), out, rd,
					      why, why_size);
	if (kept) {
		if (rc) {
			close(kept_fd);
			kept_fd = -1;
		}
		pthread_mutex_unlock(&kept_lock);
	} else {
		close(fd);
	}
	rd->netns = netns;
	if (!netns && !rd->not_reusable)
		rd->not_reusable = "a socket whose network namespace the kernel does not name";
	return rc;
}

int nft_netlink_ruleset_io(const struct nft_netlink_io *io, uint32_t seq, json_t **out, char *why,
			   size_t why_size)
{
	struct nft_netlink_read rd;
	return nft_netlink_ruleset_io_since(io, seq, NULL, out, &rd, why, why_size);
}

int nft_netlink_ruleset_io_since(const struct nft_netlink_io *io, uint32_t seq,
				 const uint32_t *known_generation, json_t **out,
				 struct nft_netlink_read *rd, char *why, size_t why_size)
{
	*out = NULL;
	*rd = (struct nft_netlink_read){0};
	why[0] = '\0';
	struct nl n = {.io = io, .seq = seq, .known = known_generation};
	int rc = 0;
	n.buf = malloc(RECV_BUF);
	if (!n.buf)
		rc = -ENOMEM;
	int tries = 0;
	while (!rc || rc == -EAGAIN) {
		if (tries++ >= NFT_NETLINK_TRIES)
			break;
		reset_dump(&n);
		rc = dump_once(&n, out);
		if (!rc)
			break;
	}
	rd->unchanged = !rc && n.unchanged;
	rd->generation = rd->unchanged ? *known_generation : n.gen;
	rd->not_reusable = n.not_reusable;
	reset_dump(&n);
	free(n.buf);
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

int nft_netlink_subscribe(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);
	if (fd < 0)
		return -errno;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1u << (NFNLGRP_NFTABLES - 1)};
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	return fd;
}
