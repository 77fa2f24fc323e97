/* `nft -j list ruleset` JSON -> struct nfr_ruleset (see nft_ruleset.h). */
#include "nft_ruleset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds a hostile document cannot push past: the walk is recursive over
 * set elements and values, and every name ends up in evidence. */
#define NFR_MAX_DEPTH 16
#define NFR_MAX_NAME 256
#define NFR_TEXT_MAX 400

struct text {
	char buf[NFR_TEXT_MAX];
	size_t len;
};

static void tput(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tput(struct text *t, const char *fmt, ...)
{
	if (t->len >= sizeof(t->buf) - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	t->len += (size_t)n;
	if (t->len >= sizeof(t->buf) - 1) {
		t->len = sizeof(t->buf) - 1;
		memcpy(t->buf + sizeof(t->buf) - 4, "...", 4);
	}
}

struct parse {
	struct nfr_ruleset *rs;
	char *err;
	size_t err_size;
	size_t item; /* index in the "nftables" array, for errors */
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parse *p, const char *fmt, ...)
{
	int n = snprintf(p->err, p->err_size, "nftables[%zu]: ", p->item);
	if (n < 0 || (size_t)n >= p->err_size)
		return -EINVAL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->err_size - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : 4;
	void *nv = reallocarray(v, ncap, size);
	if (!nv)
		return NULL;
	memset((char *)nv + *cap * size, 0, (ncap - *cap) * size);
	*cap = ncap;
	return nv;
}

const char *nfr_hook_name(enum nfr_hook hook)
{
	switch (hook) {
	case NFR_HOOK_PREROUTING: return "prerouting";
	case NFR_HOOK_INPUT: return "input";
	case NFR_HOOK_FORWARD: return "forward";
	case NFR_HOOK_OUTPUT: return "output";
	case NFR_HOOK_POSTROUTING: return "postrouting";
	case NFR_HOOK_INGRESS: return "ingress";
	case NFR_HOOK_EGRESS: return "egress";
	case NFR_HOOK_OTHER: return "other";
	case NFR_HOOK_NONE: break;
	}
	return "none";
}

int nfr_parse_net(int af, const char *text, struct nfr_range *out, int *prefix)
{
	char buf[INET6_ADDRSTRLEN + 8];
	if (!text || strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	int bits = af == AF_INET6 ? 128 : 32;
	int len = bits;
	char *slash = strchr(buf, '/');
	if (slash) {
		*slash++ = '\0';
		char *end;
		long v = strtol(slash, &end, 10);
		if (end == slash || *end || v < 0 || v > bits)
			return -EINVAL;
		len = (int)v;
	}
	unsigned char a[16] = {0};
	if (inet_pton(af, buf, a) != 1)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < bits / 8; i++) {
		int keep = len - i * 8;
		unsigned char mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff00 >> keep);
		out->lo[i] = a[i] & mask;
		out->hi[i] = (unsigned char)(a[i] | (unsigned char)~mask);
	}
	if (prefix)
		*prefix = len;
	return 0;
}

static void free_verdict(struct nfr_verdict *v)
{
	free(v->target);
	v->target = NULL;
}

static void free_cond(struct nfr_cond *c)
{
	for (size_t i = 0; i < c->n_names; i++)
		free(c->names[i]);
	free(c->names);
	free(c->ranges);
	free(c->what);
}

static void free_rule(struct nfr_rule *r)
{
	for (size_t i = 0; i < r->n_conds; i++)
		free_cond(&r->conds[i]);
	free(r->conds);
	free_verdict(&r->verdict);
	for (size_t i = 0; i < r->n_vmap; i++) {
		free(r->vmap[i].name);
		free_verdict(&r->vmap[i].verdict);
	}
	free(r->vmap);
	for (size_t i = 0; i < r->n_vmap_verdicts; i++)
		free_verdict(&r->vmap_verdicts[i]);
	free(r->vmap_verdicts);
	free(r->text);
}

void nfr_free(struct nfr_ruleset *rs)
{
	for (size_t t = 0; t < rs->n_tables; t++) {
		struct nfr_table *tab = &rs->tables[t];
		for (size_t c = 0; c < tab->n_chains; c++) {
			struct nfr_chain *ch = &tab->chains[c];
			for (size_t r = 0; r < ch->n_rules; r++)
				free_rule(&ch->rules[r]);
			free(ch->rules);
			free(ch->name);
			free(ch->type);
			free(ch->hook_name);
			for (size_t d = 0; d < ch->n_devs; d++)
				free(ch->devs[d]);
			free(ch->devs);
		}
		free(tab->chains);
		for (size_t s = 0; s < tab->n_sets; s++)
			free(tab->sets[s].name);
		free(tab->sets);
		free(tab->name);
		free(tab->family_name);
	}
	free(rs->tables);
	memset(rs, 0, sizeof(*rs));
}

/* A string member of o, or NULL; too long a name is refused by the caller. */
static const char *member_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int need_name(struct parse *p, const json_t *o, const char *what, const char *key,
		     const char **out)
{
	*out = member_str(o, key);
	if (!*out)
		return fail(p, "%s: \"%s\" missing or not a string", what, key);
	if (!(*out)[0] || strlen(*out) > NFR_MAX_NAME)
		return fail(p, "%s: \"%s\" is empty or longer than %d bytes", what, key, NFR_MAX_NAME);
	return 0;
}

static enum nfr_family family_of(const char *name)
{
	if (strcmp(name, "ip") == 0)
		return NFR_FAM_IP;
	if (strcmp(name, "ip6") == 0)
		return NFR_FAM_IP6;
	if (strcmp(name, "inet") == 0)
		return NFR_FAM_INET;
	return NFR_FAM_OTHER;
}

static enum nfr_table_kind kind_of(const char *name)
{
	if (family_of(name) != NFR_FAM_OTHER)
		return NFR_TK_L3;
	if (strcmp(name, "netdev") == 0)
		return NFR_TK_NETDEV;
	if (strcmp(name, "bridge") == 0)
		return NFR_TK_BRIDGE;
	if (strcmp(name, "arp") == 0)
		return NFR_TK_ARP;
	return NFR_TK_OTHER;
}

static struct nfr_table *find_table(struct nfr_ruleset *rs, const char *family, const char *name)
{
	for (size_t i = 0; i < rs->n_tables; i++)
		if (strcmp(rs->tables[i].family_name, family) == 0 &&
		    strcmp(rs->tables[i].name, name) == 0)
			return &rs->tables[i];
	return NULL;
}

const struct nfr_chain *nfr_table_chain(const struct nfr_table *t, const char *name)
{
	for (size_t i = 0; i < t->n_chains; i++)
		if (strcmp(t->chains[i].name, name) == 0)
			return &t->chains[i];
	return NULL;
}

static struct nfr_set *find_set(struct nfr_table *t, const char *name)
{
	for (size_t i = 0; i < t->n_sets; i++)
		if (strcmp(t->sets[i].name, name) == 0)
			return &t->sets[i];
	return NULL;
}

/* The table an object names (family + table members). */
static int object_table(struct parse *p, const json_t *o, const char *what, const char *key,
			struct nfr_table **out)
{
	const char *family, *table;
	int rc = need_name(p, o, what, "family", &family);
	if (!rc)
		rc = need_name(p, o, what, key, &table);
	if (rc)
		return rc;
	*out = find_table(p->rs, family, table);
	if (!*out)
		return fail(p, "%s: table %s %s is not in the ruleset", what, family, table);
	return 0;
}

static int parse_table(struct parse *p, const json_t *o)
{
	const char *family, *name;
	int rc = need_name(p, o, "table", "family", &family);
	if (!rc)
		rc = need_name(p, o, "table", "name", &name);
	if (rc)
		return rc;
	if (find_table(p->rs, family, name))
		return fail(p, "table: %s %s listed twice", family, name);
	struct nfr_ruleset *rs = p->rs;
	struct nfr_table *v = grow(rs->tables, &rs->cap_tables, rs->n_tables, sizeof(*v));
	if (!v)
		return -ENOMEM;
	rs->tables = v;
	struct nfr_table *t = &v[rs->n_tables];
	t->family = family_of(family);
	t->kind = kind_of(family);
	const json_t *flags = json_object_get(o, "flags"), *f;
	size_t i;
	if (json_is_string(flags))
		t->dormant = strcmp(json_string_value(flags), "dormant") == 0;
	json_array_foreach(flags, i, f)
		t->dormant |= json_is_string(f) && strcmp(json_string_value(f), "dormant") == 0;
	t->family_name = strdup(family);
	t->name = strdup(name);
	rs->n_tables++;
	return t->family_name && t->name ? 0 : -ENOMEM;
}

static const struct {
	const char *name;
	int prio;
} prio_names[] = {
	{"raw", -300}, {"mangle", -150}, {"dstnat", -100}, {"filter", 0},
	{"security", 50}, {"srcnat", 100},
};

static int parse_prio(struct parse *p, const json_t *v, int *out)
{
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		if (n < INT32_MIN || n > INT32_MAX)
			return fail(p, "chain: \"prio\" %" JSON_INTEGER_FORMAT " out of range", n);
		*out = (int)n;
		return 0;
	}
	const char *s = json_string_value(v);
	for (size_t i = 0; s && i < sizeof(prio_names) / sizeof(prio_names[0]); i++)
		if (strcmp(s, prio_names[i].name) == 0) {
			*out = prio_names[i].prio;
			return 0;
		}
	return fail(p, "chain: \"prio\" is not a number nor a known priority name");
}

static enum nfr_hook hook_of(const char *name)
{
	static const char *const names[] = {"prerouting", "input", "forward", "output",
					    "postrouting", "ingress", "egress"};
	for (size_t i = 0; i < 7; i++)
		if (strcmp(name, names[i]) == 0)
			return (enum nfr_hook)(NFR_HOOK_PREROUTING + i);
	return NFR_HOOK_OTHER;
}

/* "dev": one device name, or an array of them. */
static int parse_devices(struct parse *p, struct nfr_chain *c, const json_t *dev)
{
	if (!dev)
		return 0;
	size_t n = json_is_array(dev) ? json_array_size(dev) : 1;
	if (!json_is_array(dev) && !json_is_string(dev))
		return fail(p, "chain %s: \"dev\" is not a name nor an array of names", c->name);
	if (n > 4096)
		return fail(p, "chain %s: \"dev\" lists more than 4096 devices", c->name);
	c->devs_known = true;
	c->devs = calloc(n ? n : 1, sizeof(*c->devs));
	if (!c->devs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *name = json_string_value(json_is_array(dev) ? json_array_get(dev, i) : dev);
		if (!name || strlen(name) > NFR_MAX_NAME)
			return fail(p, "chain %s: \"dev\"[%zu] is not a device name", c->name, i);
		if (!(c->devs[c->n_devs] = strdup(name)))
			return -ENOMEM;
		c->n_devs++;
	}
	return 0;
}

static int parse_chain(struct parse *p, const json_t *o)
{
	struct nfr_table *t;
	const char *name;
	int rc = object_table(p, o, "chain", "table", &t);
	if (!rc)
		rc = need_name(p, o, "chain", "name", &name);
	if (rc)
		return rc;
	if (nfr_table_chain(t, name))
		return fail(p, "chain: %s listed twice in table %s %s", name, t->family_name, t->name);
	const json_t *hook = json_object_get(o, "hook");
	enum nfr_hook h = NFR_HOOK_NONE;
	int prio = 0;
	bool drop = false;
	const char *type = NULL;
	if (hook) {
		if (!json_is_string(hook))
			return fail(p, "chain %s: \"hook\" is not a string", name);
		h = hook_of(json_string_value(hook));
		rc = parse_prio(p, json_object_get(o, "prio"), &prio);
		if (rc)
			return rc;
		const json_t *policy = json_object_get(o, "policy");
		if (policy) {
			const char *pol = json_string_value(policy);
			if (!pol || (strcmp(pol, "accept") != 0 && strcmp(pol, "drop") != 0))
				return fail(p, "chain %s: \"policy\" must be \"accept\" or \"drop\"", name);
			drop = strcmp(pol, "drop") == 0;
		}
		type = member_str(o, "type");
		if (!type)
			return fail(p, "chain %s: base chain without a \"type\"", name);
	}
	struct nfr_chain *v = grow(t->chains, &t->cap_chains, t->n_chains, sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->chains = v;
	struct nfr_chain *c = &v[t->n_chains++];
	c->name = strdup(name);
	c->base = hook != NULL;
	c->hook = h;
	c->prio = prio;
	c->policy_drop = drop;
	c->type = type ? strdup(type) : NULL;
	c->hook_name = hook ? strdup(json_string_value(hook)) : NULL;
	if (!c->name || (type && !c->type) || (hook && !c->hook_name))
		return -ENOMEM;
	return hook ? parse_devices(p, c, json_object_get(o, "dev")) : 0;
}

static int parse_set(struct parse *p, const json_t *o, bool is_map)
{
	struct nfr_table *t;
	const char *name;
	const char *what = is_map ? "map" : "set";
	int rc = object_table(p, o, what, "table", &t);
	if (!rc)
		rc = need_name(p, o, what, "name", &name);
	if (rc)
		return rc;
	if (find_set(t, name))
		return fail(p, "%s: %s listed twice in table %s %s", what, name, t->family_name, t->name);
	const json_t *elem = json_object_get(o, "elem");
	if (elem && !json_is_array(elem))
		return fail(p, "%s %s: \"elem\" is not an array", what, name);
	struct nfr_set *v = grow(t->sets, &t->cap_sets, t->n_sets, sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->sets = v;
	struct nfr_set *s = &v[t->n_sets++];
	s->name = strdup(name);
	s->elem = (json_t *)elem;
	s->is_vmap = is_map && json_is_string(json_object_get(o, "map")) &&
		     strcmp(member_str(o, "map"), "verdict") == 0;
	return s->name ? 0 : -ENOMEM;
}

/* ---- rules ---- */

struct rule_parse {
	struct parse *p;
	struct nfr_table *table;
	struct nfr_rule *rule;
	struct text text;
	size_t expr; /* index in "expr", for errors */
};

/* The one key of a {"key": value} expression object. */
static const char *only_key(const json_t *o, const json_t **value)
{
	if (!json_is_object(o) || json_object_size(o) != 1)
		return NULL;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v) {
		*value = v;
		return key;
	}
	return NULL;
}

/* nft-like text of a value or expression. */
static void render_q(struct text *t, const json_t *v, int depth, bool quote);

static void render(struct text *t, const json_t *v, int depth)
{
	render_q(t, v, depth, false);
}

/* quote: strings are names (interfaces), printed in quotes as nft does. */
static void render_q(struct text *t, const json_t *v, int depth, bool quote)
{
	if (depth > NFR_MAX_DEPTH) {
		tput(t, "...");
		return;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		tput(t, s[0] == '@' || !quote ? "%.*s" : "\"%.*s\"", 64, s);
		return;
	}
	if (json_is_integer(v)) {
		tput(t, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	}
	if (json_is_null(v) || json_is_true(v) || json_is_false(v)) {
		tput(t, "%s", json_is_null(v) ? "null" : json_is_true(v) ? "true" : "false");
		return;
	}
	if (json_is_real(v)) {
		tput(t, "%g", json_real_value(v));
		return;
	}
	if (json_is_array(v)) {
		/* a map element [key, value], or a list of flags */
		if (json_array_size(v) == 2 && depth > 0) {
			render_q(t, json_array_get(v, 0), depth + 1, quote);
			tput(t, " : ");
			render_q(t, json_array_get(v, 1), depth + 1, quote);
			return;
		}
		size_t i;
		const json_t *e;
		json_array_foreach(v, i, e) {
			if (i >= 8) {
				tput(t, ",...");
				break;
			}
			if (i)
				tput(t, ",");
			render_q(t, e, depth + 1, quote);
		}
		return;
	}
	const json_t *val;
	const char *key = only_key(v, &val);
	if (!key) {
		tput(t, "{...}");
		return;
	}
	if (strcmp(key, "set") == 0 && json_is_array(val)) {
		tput(t, "{ ");
		size_t i;
		const json_t *e;
		json_array_foreach(val, i, e) {
			if (i >= 8) {
				tput(t, ", ...");
				break;
			}
			if (i)
				tput(t, ", ");
			render_q(t, e, depth + 1, quote);
		}
		tput(t, " }");
	} else if (strcmp(key, "prefix") == 0) {
		const json_t *addr = json_object_get(val, "addr");
		tput(t, "%.*s/", 64, json_is_string(addr) ? json_string_value(addr) : "?");
		render_q(t, json_object_get(val, "len"), depth + 1, quote);
	} else if (strcmp(key, "range") == 0 && json_is_array(val) && json_array_size(val) == 2) {
		render_q(t, json_array_get(val, 0), depth + 1, quote);
		tput(t, "-");
		render_q(t, json_array_get(val, 1), depth + 1, quote);
	} else if (strcmp(key, "meta") == 0 && json_is_string(json_object_get(val, "key"))) {
		const char *k = member_str(val, "key");
		bool bare = strcmp(k, "iif") == 0 || strcmp(k, "oif") == 0 ||
			    strcmp(k, "iifname") == 0 || strcmp(k, "oifname") == 0;
		tput(t, "%s%.*s", bare ? "" : "meta ", 32, k);
	} else if (strcmp(key, "payload") == 0 && json_is_string(json_object_get(val, "protocol"))) {
		tput(t, "%.*s %.*s", 32, member_str(val, "protocol"), 32,
		     member_str(val, "field") ? member_str(val, "field") : "?");
	} else if (strcmp(key, "payload") == 0) {
		tput(t, "@%.*s,", 8, member_str(val, "base") ? member_str(val, "base") : "?");
		render_q(t, json_object_get(val, "offset"), depth + 1, quote);
		tput(t, ",");
		render_q(t, json_object_get(val, "len"), depth + 1, quote);
	} else if ((strcmp(key, "ct") == 0 || strcmp(key, "rt") == 0 ||
		    strcmp(key, "socket") == 0 || strcmp(key, "osf") == 0) &&
		   json_is_string(json_object_get(val, "key"))) {
		tput(t, "%s %.*s", key, 32, member_str(val, "key"));
	} else if (strcmp(key, "fib") == 0) {
		tput(t, "fib ");
		render_q(t, json_object_get(val, "flags"), depth + 1, quote);
		tput(t, " %.*s", 32, member_str(val, "result") ? member_str(val, "result") : "");
	} else if (strcmp(key, "jump") == 0 || strcmp(key, "goto") == 0) {
		const json_t *target = json_object_get(val, "target");
		tput(t, "%s %.*s", key, 64, json_is_string(target) ? json_string_value(target) : "?");
	} else if (json_is_null(val)) {
		tput(t, "%.*s", 32, key);
	} else {
		tput(t, "%.*s", 32, key);
	}
}

static int add_cond(struct rule_parse *rp, enum nfr_cond_kind kind, bool neg, struct nfr_cond **out)
{
	struct nfr_rule *r = rp->rule;
	struct nfr_cond *v = reallocarray(r->conds, r->n_conds + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->conds = v;
	*out = memset(&v[r->n_conds++], 0, sizeof(*v));
	(*out)->kind = kind;
	(*out)->neg = neg;
	return 0;
}

static int add_other(struct rule_parse *rp, const json_t *what_json, const char *what_text)
{
	struct nfr_cond *c;
	int rc = add_cond(rp, NFR_C_OTHER, false, &c);
	if (rc)
		return rc;
	struct text t = {.len = 0};
	if (what_json)
		render(&t, what_json, 0);
	else
		tput(&t, "%s", what_text);
	c->what = strdup(t.buf);
	return c->what ? 0 : -ENOMEM;
}

static int rfail(struct rule_parse *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rfail(struct rule_parse *rp, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail(rp->p, "rule handle %" PRIu64 ": expr[%zu]: %s", rp->rule->handle, rp->expr, msg);
}

/* The element values of a set expression, a "@name" reference or a single
 * value, with the {"elem": {"val": ...}} wrappers taken off. */
static int values_of(struct rule_parse *rp, const json_t *right, const json_t **list,
		     const json_t **single)
{
	*list = NULL;
	*single = NULL;
	const char *s = json_string_value(right);
	if (s && s[0] == '@') {
		struct nfr_set *set = find_set(rp->table, s + 1);
		if (!set)
			return rfail(rp, "set %.64s is not in table %s %s", s, rp->table->family_name,
				     rp->table->name);
		*list = set->elem; /* may be NULL: an empty set */
		return 0;
	}
	const json_t *val;
	const char *key = only_key(right, &val);
	if (key && strcmp(key, "set") == 0) {
		if (!json_is_array(val))
			return rfail(rp, "\"set\" is not an array");
		*list = val;
		return 0;
	}
	if (json_is_array(right)) {
		*list = right;
		return 0;
	}
	*single = right;
	return 0;
}

static const json_t *unwrap_elem(const json_t *e)
{
	const json_t *val;
	const char *key = only_key(e, &val);
	if (key && strcmp(key, "elem") == 0 && json_is_object(val) && json_object_get(val, "val"))
		return json_object_get(val, "val");
	return e;
}

static int add_name(struct nfr_cond *c, const char *name)
{
	char **v = reallocarray(c->names, c->n_names + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->names = v;
	v[c->n_names] = strndup(name, NFR_MAX_NAME);
	if (!v[c->n_names])
		return -ENOMEM;
	c->n_names++;
	return 0;
}

static int iface_value(struct rule_parse *rp, struct nfr_cond *c, const json_t *v)
{
	v = unwrap_elem(v);
	char num[32];
	const char *name = json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		name = num;
	}
	if (!name)
		return rfail(rp, "an interface is not a name or an index");
	return add_name(c, name);
}

static int addr_value(struct rule_parse *rp, struct nfr_cond *c, const json_t *v, int depth)
{
	v = unwrap_elem(v);
	struct nfr_range r;
	int af = c->fam == NFR_FAM_IP6 ? AF_INET6 : AF_INET;
	const json_t *val;
	const char *key = only_key(v, &val);
	if (json_is_string(v)) {
		if (nfr_parse_net(af, json_string_value(v), &r, NULL))
			return rfail(rp, "\"%.64s\" is not an address", json_string_value(v));
	} else if (key && strcmp(key, "prefix") == 0) {
		const char *addr = member_str(val, "addr");
		const json_t *len = json_object_get(val, "len");
		char buf[INET6_ADDRSTRLEN + 8];
		if (!addr || !json_is_integer(len) || strlen(addr) >= INET6_ADDRSTRLEN)
			return rfail(rp, "a prefix without \"addr\" and \"len\"");
		snprintf(buf, sizeof(buf), "%s/%" JSON_INTEGER_FORMAT, addr, json_integer_value(len));
		if (nfr_parse_net(af, buf, &r, NULL))
			return rfail(rp, "\"%s\" is not a network", buf);
	} else if (key && strcmp(key, "range") == 0 && json_is_array(val) && json_array_size(val) == 2) {
		struct nfr_range a, b;
		if (nfr_parse_net(af, json_string_value(json_array_get(val, 0)), &a, NULL) ||
		    nfr_parse_net(af, json_string_value(json_array_get(val, 1)), &b, NULL))
			return rfail(rp, "a range that is not two addresses");
		memcpy(r.lo, a.lo, 16);
		memcpy(r.hi, b.hi, 16);
	} else if (key && strcmp(key, "set") == 0 && json_is_array(val) && depth < 2) {
		size_t i;
		const json_t *e;
		json_array_foreach(val, i, e) {
			int rc = addr_value(rp, c, e, depth + 1);
			if (rc)
				return rc;
		}
		return 0;
	} else {
		return rfail(rp, "an address that is not an address, prefix or range");
	}
	struct nfr_range *nv = reallocarray(c->ranges, c->n_ranges + 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	c->ranges = nv;
	nv[c->n_ranges++] = r;
	return 0;
}

static int fill_values(struct rule_parse *rp, struct nfr_cond *c, const json_t *right,
		       int (*one)(struct rule_parse *, struct nfr_cond *, const json_t *))
{
	const json_t *list, *single;
	int rc = values_of(rp, right, &list, &single);
	if (rc)
		return rc;
	if (single)
		return one(rp, c, single);
	size_t i;
	const json_t *e;
	json_array_foreach(list, i, e) {
		rc = one(rp, c, e);
		if (rc)
			return rc;
	}
	return 0;
}

static int addr_one(struct rule_parse *rp, struct nfr_cond *c, const json_t *v)
{
	return addr_value(rp, c, v, 0);
}

static int nfproto_one(struct rule_parse *rp, struct nfr_cond *c, const json_t *v)
{
	v = unwrap_elem(v);
	const char *s = json_string_value(v);
	if (s && (strcmp(s, "ipv4") == 0 || strcmp(s, "ip") == 0))
		c->fam |= NFR_FAM_IP;
	else if (s && (strcmp(s, "ipv6") == 0 || strcmp(s, "ip6") == 0))
		c->fam |= NFR_FAM_IP6;
	else if (json_is_integer(v) && json_integer_value(v) == 2)
		c->fam |= NFR_FAM_IP;
	else if (json_is_integer(v) && json_integer_value(v) == 10)
		c->fam |= NFR_FAM_IP6;
	/* another family (arp...) matches neither */
	return 0;
}

static int parse_match(struct rule_parse *rp, const json_t *m)
{
	const json_t *left = json_object_get(m, "left"), *right = json_object_get(m, "right");
	const char *op = member_str(m, "op");
	if (!left || !right || !op)
		return rfail(rp, "match without \"op\", \"left\" and \"right\"");
	bool eq = strcmp(op, "==") == 0 || strcmp(op, "in") == 0;
	bool neq = strcmp(op, "!=") == 0;
	const json_t *lval;
	const char *lkey = only_key(left, &lval);
	const char *mkey = lkey && strcmp(lkey, "meta") == 0 ? member_str(lval, "key") : NULL;
	bool names = mkey && (strcmp(mkey, "iif") == 0 || strcmp(mkey, "iifname") == 0 ||
			      strcmp(mkey, "oif") == 0 || strcmp(mkey, "oifname") == 0);
	render(&rp->text, left, 0);
	tput(&rp->text, " ");
	if (!eq)
		tput(&rp->text, "%.8s ", op);
	render_q(&rp->text, right, 0, names);
	tput(&rp->text, " ");
	if ((eq || neq) && lkey && strcmp(lkey, "meta") == 0) {
		const char *k = member_str(lval, "key");
		enum nfr_cond_kind kind = NFR_C_OTHER;
		if (k && (strcmp(k, "iif") == 0 || strcmp(k, "iifname") == 0))
			kind = NFR_C_IIF;
		else if (k && (strcmp(k, "oif") == 0 || strcmp(k, "oifname") == 0))
			kind = NFR_C_OIF;
		else if (k && (strcmp(k, "nfproto") == 0 || strcmp(k, "protocol") == 0))
			kind = NFR_C_NFPROTO; /* protocol: the ethertype, "ip", "ip6" */
		if (kind != NFR_C_OTHER) {
			struct nfr_cond *c;
			int rc = add_cond(rp, kind, neq, &c);
			if (rc)
				return rc;
			return fill_values(rp, c, right, kind == NFR_C_NFPROTO ? nfproto_one : iface_value);
		}
	}
	if ((eq || neq) && lkey && strcmp(lkey, "payload") == 0) {
		const char *proto = member_str(lval, "protocol"), *field = member_str(lval, "field");
		if (proto && field && strcmp(field, "saddr") == 0 &&
		    (strcmp(proto, "ip") == 0 || strcmp(proto, "ip6") == 0)) {
			struct nfr_cond *c;
			int rc = add_cond(rp, NFR_C_SADDR, neq, &c);
			if (rc)
				return rc;
			c->fam = strcmp(proto, "ip") == 0 ? NFR_FAM_IP : NFR_FAM_IP6;
			return fill_values(rp, c, right, addr_one);
		}
	}
	/* Anything else restricts. An address match of the other family
	 * (ip daddr in an inet table) also limits the rule to its family. */
	if (lkey && strcmp(lkey, "payload") == 0) {
		const char *proto = member_str(lval, "protocol");
		if (proto && (strcmp(proto, "ip") == 0 || strcmp(proto, "ip6") == 0)) {
			struct nfr_cond *c;
			int rc = add_cond(rp, NFR_C_NFPROTO, false, &c);
			if (rc)
				return rc;
			c->fam = strcmp(proto, "ip") == 0 ? NFR_FAM_IP : NFR_FAM_IP6;
		}
	}
	return add_other(rp, left, NULL);
}

static int parse_verdict_value(struct rule_parse *rp, const json_t *v, struct nfr_verdict *out)
{
	const json_t *val;
	const char *key = only_key(v, &val);
	memset(out, 0, sizeof(*out));
	if (!key)
		return rfail(rp, "a verdict that is not an object with one key");
	if (strcmp(key, "accept") == 0)
		out->kind = NFR_V_ACCEPT;
	else if (strcmp(key, "drop") == 0)
		out->kind = NFR_V_DROP;
	else if (strcmp(key, "return") == 0)
		out->kind = NFR_V_RETURN;
	else if (strcmp(key, "continue") == 0)
		out->kind = NFR_V_CONTINUE;
	else if (strcmp(key, "jump") == 0 || strcmp(key, "goto") == 0) {
		const char *target = member_str(val, "target");
		if (!target || !target[0] || strlen(target) > NFR_MAX_NAME)
			return rfail(rp, "%s without a \"target\" chain", key);
		out->kind = strcmp(key, "jump") == 0 ? NFR_V_JUMP : NFR_V_GOTO;
		out->target = strdup(target);
		if (!out->target)
			return -ENOMEM;
		if (!nfr_table_chain(rp->table, target))
			return rfail(rp, "%s to chain %.64s, which is not in table %s %s", key, target,
				     rp->table->family_name, rp->table->name);
	} else if (strcmp(key, "queue") == 0)
		out->kind = NFR_V_OTHER;
	else
		return rfail(rp, "\"%.32s\" is not a verdict", key);
	return 0;
}

static int parse_vmap(struct rule_parse *rp, const json_t *vm)
{
	const json_t *key = json_object_get(vm, "key"), *data = json_object_get(vm, "data");
	if (!key || !data)
		return rfail(rp, "vmap without \"key\" and \"data\"");
	struct nfr_rule *r = rp->rule;
	render(&rp->text, key, 0);
	tput(&rp->text, " vmap ");
	render_q(&rp->text, data, 0, true);
	tput(&rp->text, " ");
	const json_t *kval;
	const char *kkey = only_key(key, &kval);
	const char *mk = kkey && strcmp(kkey, "meta") == 0 ? member_str(kval, "key") : NULL;
	if (mk && (strcmp(mk, "iif") == 0 || strcmp(mk, "iifname") == 0))
		r->vmap_key = NFR_VMAP_IIF;
	else if (mk && (strcmp(mk, "oif") == 0 || strcmp(mk, "oifname") == 0))
		r->vmap_key = NFR_VMAP_OIF;
	else
		r->vmap_key = NFR_VMAP_OTHER;
	const json_t *list, *single;
	int rc = values_of(rp, data, &list, &single);
	if (rc)
		return rc;
	if (single)
		return rfail(rp, "vmap data is not a map");
	size_t i;
	const json_t *e;
	json_array_foreach(list, i, e) {
		if (!json_is_array(e) || json_array_size(e) != 2)
			return rfail(rp, "vmap element %zu is not a [key, verdict] pair", i);
		struct nfr_verdict v;
		rc = parse_verdict_value(rp, json_array_get(e, 1), &v);
		if (rc) {
			free_verdict(&v);
			return rc;
		}
		if (r->vmap_key == NFR_VMAP_OTHER) {
			struct nfr_verdict *nv =
				reallocarray(r->vmap_verdicts, r->n_vmap_verdicts + 1, sizeof(*nv));
			if (!nv) {
				free_verdict(&v);
				return -ENOMEM;
			}
			r->vmap_verdicts = nv;
			nv[r->n_vmap_verdicts++] = v;
			continue;
		}
		const json_t *k = unwrap_elem(json_array_get(e, 0));
		char num[32];
		const char *name = json_string_value(k);
		if (json_is_integer(k)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(k));
			name = num;
		}
		if (!name) {
			free_verdict(&v);
			return rfail(rp, "vmap element %zu: the key is not an interface", i);
		}
		struct nfr_vmap_elem *nv = reallocarray(r->vmap, r->n_vmap + 1, sizeof(*nv));
		if (!nv) {
			free_verdict(&v);
			return -ENOMEM;
		}
		r->vmap = nv;
		nv[r->n_vmap].verdict = v;
		nv[r->n_vmap].name = strndup(name, NFR_MAX_NAME);
		if (!nv[r->n_vmap++].name)
			return -ENOMEM;
	}
	return 0;
}

/* xt targets of iptables-nft that let the packet go on to the next rule. */
static bool xt_target_continues(const char *name)
{
	static const char *const names[] = {"LOG", "NFLOG", "MARK", "CONNMARK", "CLASSIFY",
					    "DSCP", "TOS", "TCPMSS", "CT", "NOTRACK", "TRACE",
					    "AUDIT", "CHECKSUM", "SET", "ULOG", "IDLETIMER",
					    "LED", "SECMARK", "CONNSECMARK", "TTL", "HL", NULL};
	for (size_t i = 0; names[i]; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static int set_verdict(struct rule_parse *rp, enum nfr_verdict_kind kind)
{
	free_verdict(&rp->rule->verdict);
	rp->rule->verdict.kind = kind;
	return 0;
}

static int parse_expr(struct rule_parse *rp, const json_t *e)
{
	const json_t *val;
	const char *key = only_key(e, &val);
	if (!key)
		return rfail(rp, "not an object with one key");
	if (rp->rule->verdict.kind != NFR_V_NONE || rp->rule->vmap_key != NFR_VMAP_NONE)
		/* nothing after a verdict is reached; nft never prints it */
		return rfail(rp, "\"%.32s\" after the rule's verdict", key);
	if (strcmp(key, "match") == 0)
		return parse_match(rp, val);
	if (strcmp(key, "vmap") == 0)
		return parse_vmap(rp, val);
	if (strcmp(key, "accept") == 0 || strcmp(key, "drop") == 0 || strcmp(key, "return") == 0 ||
	    strcmp(key, "continue") == 0 || strcmp(key, "jump") == 0 || strcmp(key, "goto") == 0 ||
	    strcmp(key, "queue") == 0) {
		render(&rp->text, e, 0);
		free_verdict(&rp->rule->verdict);
		return parse_verdict_value(rp, e, &rp->rule->verdict);
	}
	if (strcmp(key, "reject") == 0) {
		tput(&rp->text, "reject");
		return set_verdict(rp, NFR_V_REJECT);
	}
	if (strcmp(key, "xt") == 0) {
		const char *type = member_str(val, "type"), *name = member_str(val, "name");
		if (!type || !name)
			return rfail(rp, "xt without \"type\" and \"name\"");
		tput(&rp->text, "xt %.16s \"%.32s\" ", type, name);
		if (strcmp(type, "match") == 0) {
			if (strcmp(name, "comment") == 0)
				return 0;
			struct text t = {.len = 0};
			tput(&t, "xt match %.32s", name);
			return add_other(rp, NULL, t.buf);
		}
		if (strcmp(type, "target") == 0) {
			if (strcmp(name, "REJECT") == 0)
				return set_verdict(rp, NFR_V_REJECT);
			if (xt_target_continues(name))
				return 0;
			return set_verdict(rp, NFR_V_OTHER);
		}
		struct text t = {.len = 0};
		tput(&t, "xt %.16s %.32s", type, name);
		return add_other(rp, NULL, t.buf);
	}
	/* Statements that match every packet and let it go on. */
	static const char *const pass[] = {"counter", "log", "mangle", "notrack", "flow",
					   "dup", "set", "ct helper", "ct timeout",
					   "ct expectation", "secmark", NULL};
	for (size_t i = 0; pass[i]; i++)
		if (strcmp(key, pass[i]) == 0) {
			tput(&rp->text, "%s ", key);
			return 0;
		}
	/* Statements that end the packet's walk, neither accept nor drop. */
	static const char *const end[] = {"snat", "dnat", "masquerade", "redirect", "tproxy",
					  "fwd", "synproxy", NULL};
	for (size_t i = 0; end[i]; i++)
		if (strcmp(key, end[i]) == 0) {
			tput(&rp->text, "%s", key);
			return set_verdict(rp, NFR_V_OTHER);
		}
	/* limit, quota, ct count, meter, anything unknown: matches only some
	 * packets, as far as this evaluator can tell. */
	tput(&rp->text, "%.32s ", key);
	return add_other(rp, NULL, key);
}

static int parse_rule(struct parse *p, const json_t *o)
{
	struct nfr_table *t;
	const char *chain;
	int rc = object_table(p, o, "rule", "table", &t);
	if (!rc)
		rc = need_name(p, o, "rule", "chain", &chain);
	if (rc)
		return rc;
	struct nfr_chain *c = (struct nfr_chain *)nfr_table_chain(t, chain);
	if (!c)
		return fail(p, "rule: chain %s is not in table %s %s", chain, t->family_name, t->name);
	const json_t *handle = json_object_get(o, "handle"), *expr = json_object_get(o, "expr");
	if (!json_is_integer(handle) || json_integer_value(handle) < 0)
		return fail(p, "rule in chain %s: \"handle\" missing or not a number", chain);
	if (!json_is_array(expr))
		return fail(p, "rule handle %" JSON_INTEGER_FORMAT ": \"expr\" missing or not an array",
			    json_integer_value(handle));
	struct nfr_rule *v = grow(c->rules, &c->cap_rules, c->n_rules, sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->rules = v;
	struct rule_parse rp = {.p = p, .table = t, .rule = &v[c->n_rules++]};
	rp.rule->handle = (uint64_t)json_integer_value(handle);
	p->rs->n_rules++;
	const json_t *e;
	json_array_foreach(expr, rp.expr, e) {
		rc = parse_expr(&rp, e);
		if (rc)
			return rc;
	}
	const char *comment = member_str(o, "comment");
	if (comment)
		tput(&rp.text, " comment \"%.64s\"", comment);
	while (rp.text.len && rp.text.buf[rp.text.len - 1] == ' ')
		rp.text.buf[--rp.text.len] = '\0';
	rp.rule->text = strdup(rp.text.len ? rp.text.buf : "(empty rule)");
	return rp.rule->text ? 0 : -ENOMEM;
}

static int parse_pass(struct parse *p, const json_t *items, int pass)
{
	const json_t *item;
	json_array_foreach(items, p->item, item) {
		if (!json_is_object(item) || json_object_size(item) != 1)
			return fail(p, "not an object with one key");
		const json_t *o;
		const char *key = only_key(item, &o);
		if (!json_is_object(o) && strcmp(key, "metainfo") != 0)
			return fail(p, "\"%.32s\" is not an object", key);
		int rc = 0;
		if (pass == 0 && strcmp(key, "table") == 0)
			rc = parse_table(p, o);
		else if (pass == 1 && strcmp(key, "chain") == 0)
			rc = parse_chain(p, o);
		else if (pass == 1 && (strcmp(key, "set") == 0 || strcmp(key, "map") == 0))
			rc = parse_set(p, o, strcmp(key, "map") == 0);
		else if (pass == 2 && strcmp(key, "rule") == 0)
			rc = parse_rule(p, o);
		/* metainfo, flowtable, counter, quota, ct helper... objects:
		 * nothing a verdict depends on. */
		if (rc)
			return rc;
	}
	return 0;
}

int nfr_parse_json(const json_t *doc, struct nfr_ruleset *out, char *err, size_t err_size)
{
	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	struct parse p = {.rs = out, .err = err, .err_size = err_size};
	const json_t *items = json_object_get(doc, "nftables");
	if (!json_is_array(items)) {
		snprintf(err, err_size, "not an nft JSON ruleset: no \"nftables\" array");
		return -EINVAL;
	}
	int rc = 0;
	for (int pass = 0; pass < 3 && !rc; pass++)
		rc = parse_pass(&p, items, pass);
	if (rc == -ENOMEM)
		snprintf(err, err_size, "out of memory");
	if (rc) {
		nfr_free(out);
		return rc;
	}
	/* The rules hold what they took from the sets; the elements belong
	 * to the document. */
	for (size_t t = 0; t < out->n_tables; t++)
		for (size_t s = 0; s < out->tables[t].n_sets; s++)
			out->tables[t].sets[s].elem = NULL;
	return 0;
}

int nfr_parse(const char *buf, size_t len, struct nfr_ruleset *out, char *err, size_t err_size)
{
	memset(out, 0, sizeof(*out));
	json_error_t jerr;
	json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		snprintf(err, err_size, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	int rc = nfr_parse_json(doc, out, err, err_size);
	json_decref(doc);
	return rc;
}
