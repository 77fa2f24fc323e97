/* nf_tables semantics over struct nfr_ruleset (see nft_eval.h). */
#include "nft_eval.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cls {
	CLS_ANY,   /* any packet of the family at the hook */
	CLS_LO,    /* loopback traffic: iif lo at input, oif lo at output */
	CLS_SPOOF, /* source in the loopback network, arriving on another interface */
};

struct pkt {
	int fam;
	enum nfr_hook hook;
	enum cls cls;
	const struct nfr_range *net; /* loopback network (CLS_LO, CLS_SPOOF) */
};

enum match { M_NONE, M_SOME, M_ALL };

enum res {
	R_CONT,       /* fell off the end (or returned) */
	R_ACCEPT,
	R_DROP,
	R_DROP_SADDR, /* CLS_LO: dropped by a loopback-source drop before any accept */
	R_OTHER,      /* queue, nat, unknown terminal statement */
	R_LIMIT,      /* too deep / too many steps */
	R_RETURN,     /* inside apply: the chain returns to its caller */
};

struct walk {
	const struct pkt *pkt;
	const struct nfr_table *table;
	size_t steps;
	/* the rule that decided, and the chain it is in */
	const struct nfr_rule *rule;
	const struct nfr_chain *rule_chain;
	/* CLS_LO: the first accept naming the class that does not count */
	const struct nfr_rule *miss;
	const struct nfr_chain *miss_chain;
	const char *miss_why;
};

/* The two sides of the loopback checks: traffic coming in (input, and
 * ingress and prerouting before it) and going out (output, and postrouting
 * and egress after it). */
static bool in_side(enum nfr_hook h)
{
	return h == NFR_HOOK_INPUT || h == NFR_HOOK_INGRESS || h == NFR_HOOK_PREROUTING;
}

static bool out_side(enum nfr_hook h)
{
	return h == NFR_HOOK_OUTPUT || h == NFR_HOOK_EGRESS || h == NFR_HOOK_POSTROUTING;
}

/* A filter chain: what a nat chain (its rules rewrite addresses, its verdict
 * is not the packet's fate) or a route chain is not. */
static bool is_filter(const struct nfr_chain *c)
{
	return c->type && strcmp(c->type, "filter") == 0;
}

static size_t addr_len(int fam)
{
	return fam == NFR_FAM_IP6 ? 16 : 4;
}

static bool name_is_lo(const char *name)
{
	size_t n = strlen(name);
	if (n && name[n - 1] == '*')
		return strncmp("lo", name, n - 1) == 0;
	return strcmp(name, "lo") == 0 || strcmp(name, "1") == 0; /* ifindex 1 is lo in every netns */
}

static bool name_is_everything(const char *name)
{
	return strcmp(name, "*") == 0;
}

/* An interface condition for the interface of the class (lo for CLS_LO,
 * "some interface other than lo" for CLS_SPOOF). */
static enum match iface_match(const struct nfr_cond *c, const struct pkt *p)
{
	bool all_lo = c->n_names > 0, any_lo = false, everything = false;
	for (size_t i = 0; i < c->n_names; i++) {
		bool lo = name_is_lo(c->names[i]);
		all_lo &= lo;
		any_lo |= lo;
		everything |= name_is_everything(c->names[i]);
	}
	if (p->cls == CLS_LO) {
		bool m = any_lo;
		return m != c->neg ? M_ALL : M_NONE;
	}
	if (p->cls == CLS_SPOOF) {
		if (!c->neg)
			return everything ? M_ALL : all_lo ? M_NONE : M_SOME;
		return everything ? M_NONE : all_lo ? M_ALL : M_SOME;
	}
	if (!c->neg && everything)
		return M_ALL;
	if (c->neg && c->n_names == 0)
		return M_ALL;
	return c->n_names == 0 && !c->neg ? M_NONE : M_SOME;
}

static bool range_covers(const struct nfr_range *r, const struct nfr_range *net, size_t n)
{
	return memcmp(r->lo, net->lo, n) <= 0 && memcmp(r->hi, net->hi, n) >= 0;
}

static bool range_disjoint(const struct nfr_range *r, const struct nfr_range *net, size_t n)
{
	return memcmp(r->hi, net->lo, n) < 0 || memcmp(r->lo, net->hi, n) > 0;
}

static enum match saddr_match(const struct nfr_cond *c, const struct pkt *p)
{
	if (c->fam != p->fam)
		return M_NONE; /* ip saddr never matches an IPv6 packet, whatever the operator */
	if (p->cls != CLS_SPOOF)
		return M_SOME;
	size_t n = addr_len(p->fam);
	bool cover = false, disjoint = true;
	for (size_t i = 0; i < c->n_ranges; i++) {
		cover |= range_covers(&c->ranges[i], p->net, n);
		disjoint &= range_disjoint(&c->ranges[i], p->net, n);
	}
	if (cover)
		return c->neg ? M_NONE : M_ALL;
	if (disjoint)
		return c->neg ? M_ALL : M_NONE;
	return M_SOME;
}

static enum match cond_match(const struct nfr_cond *c, const struct pkt *p)
{
	switch (c->kind) {
	case NFR_C_NFPROTO:
		return ((c->fam & p->fam) != 0) != c->neg ? M_ALL : M_NONE;
	case NFR_C_SADDR:
		return saddr_match(c, p);
	case NFR_C_IIF:
		if (out_side(p->hook)) /* no input interface on output */
			return c->neg ? M_ALL : M_NONE;
		if (in_side(p->hook) && p->cls != CLS_ANY)
			return iface_match(c, p);
		return iface_match(c, &(struct pkt){.fam = p->fam, .hook = p->hook, .cls = CLS_ANY});
	case NFR_C_OIF:
		if (in_side(p->hook)) /* no output interface on input */
			return c->neg ? M_ALL : M_NONE;
		if (out_side(p->hook) && p->cls == CLS_LO)
			return iface_match(c, p);
		return iface_match(c, &(struct pkt){.fam = p->fam, .hook = p->hook, .cls = CLS_ANY});
	case NFR_C_OTHER:
		break;
	}
	return M_SOME;
}

/* How the rule's conditions match the class; *why is the first condition
 * that restricts it (M_SOME). */
static enum match rule_match(const struct nfr_rule *r, const struct pkt *p, const char **why)
{
	enum match m = M_ALL;
	*why = NULL;
	for (size_t i = 0; i < r->n_conds; i++) {
		enum match c = cond_match(&r->conds[i], p);
		if (c == M_NONE)
			return M_NONE;
		if (c == M_SOME && m == M_ALL) {
			m = M_SOME;
			const struct nfr_cond *cd = &r->conds[i];
			*why = cd->kind == NFR_C_OTHER ? cd->what
			       : cd->kind == NFR_C_SADDR ? "a source address"
			       : cd->kind == NFR_C_IIF   ? "an input interface"
			       : cd->kind == NFR_C_OIF   ? "an output interface"
							 : "the family";
		}
	}
	return m;
}

/* CLS_LO: a drop whose only restriction is a source address that overlaps
 * the loopback network catches loopback traffic. */
static bool drops_loopback_source(const struct nfr_rule *r, const struct pkt *p)
{
	if (r->verdict.kind != NFR_V_DROP && r->verdict.kind != NFR_V_REJECT)
		return false;
	bool overlap = false;
	for (size_t i = 0; i < r->n_conds; i++) {
		const struct nfr_cond *c = &r->conds[i];
		if (c->kind == NFR_C_SADDR) {
			if (c->neg || c->fam != p->fam)
				return false;
			for (size_t j = 0; j < c->n_ranges; j++)
				overlap |= !range_disjoint(&c->ranges[j], p->net, addr_len(p->fam));
		} else if (cond_match(c, p) != M_ALL) {
			return false;
		}
	}
	return overlap;
}

static bool is_class_iface_vmap(const struct nfr_rule *r, const struct pkt *p)
{
	return p->cls == CLS_LO &&
	       ((r->vmap_key == NFR_VMAP_IIF && in_side(p->hook)) ||
		(r->vmap_key == NFR_VMAP_OIF && out_side(p->hook)));
}

static enum res walk_chain(struct walk *w, const struct nfr_chain *c, int depth);

/* CLS_LO: the rule names the loopback interface of its direction (a near
 * miss when something else restricts it). */
static bool names_class_iface(const struct nfr_rule *r, const struct pkt *p)
{
	if (p->cls != CLS_LO)
		return false;
	enum nfr_cond_kind k = in_side(p->hook) ? NFR_C_IIF : NFR_C_OIF;
	for (size_t i = 0; i < r->n_conds; i++)
		if (r->conds[i].kind == k && !r->conds[i].neg && cond_match(&r->conds[i], p) == M_ALL)
			return true;
	return is_class_iface_vmap(r, p);
}

static enum res apply(struct walk *w, const struct nfr_chain *c, const struct nfr_rule *r,
		      const struct nfr_verdict *v, int depth)
{
	switch (v->kind) {
	case NFR_V_NONE:
	case NFR_V_CONTINUE:
		return R_CONT;
	case NFR_V_ACCEPT:
	case NFR_V_DROP:
	case NFR_V_REJECT:
	case NFR_V_OTHER:
		w->rule = r;
		w->rule_chain = c;
		return v->kind == NFR_V_ACCEPT ? R_ACCEPT : v->kind == NFR_V_OTHER ? R_OTHER : R_DROP;
	case NFR_V_RETURN:
		return R_RETURN;
	case NFR_V_JUMP:
	case NFR_V_GOTO: {
		const struct nfr_chain *target = nfr_table_chain(w->table, v->target);
		if (!target || target->base)
			return R_CONT; /* the kernel refuses both; a fixture could say so */
		if (depth + 1 >= NFE_MAX_DEPTH) {
			w->rule = r;
			w->rule_chain = c;
			return R_LIMIT;
		}
		enum res res = walk_chain(w, target, depth + 1);
		if (v->kind == NFR_V_GOTO && res == R_CONT)
			return R_RETURN; /* a goto does not come back here */
		return res;
	}
	}
	return R_CONT;
}

static enum res walk_chain(struct walk *w, const struct nfr_chain *c, int depth)
{
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct nfr_rule *r = &c->rules[i];
		if (++w->steps > NFE_MAX_STEPS) {
			w->rule = r;
			w->rule_chain = c;
			return R_LIMIT;
		}
		const char *why;
		enum match m = rule_match(r, w->pkt, &why);
		if (m == M_NONE)
			continue;
		const struct nfr_verdict *v = &r->verdict;
		if (r->vmap_key != NFR_VMAP_NONE) {
			if (m != M_ALL || !is_class_iface_vmap(r, w->pkt)) {
				if (!why)
					why = "the key of its verdict map";
				m = M_SOME;
				v = NULL;
			} else {
				v = NULL;
				for (size_t k = 0; k < r->n_vmap && !v; k++)
					if (name_is_lo(r->vmap[k].name))
						v = &r->vmap[k].verdict;
				if (!v)
					continue; /* no element for lo: the next rule */
			}
		}
		if (m == M_SOME) {
			if (w->pkt->cls == CLS_LO && v && drops_loopback_source(r, w->pkt)) {
				w->rule = r;
				w->rule_chain = c;
				return R_DROP_SADDR;
			}
			bool accepts = v ? v->kind == NFR_V_ACCEPT : false;
			for (size_t k = 0; !v && k < r->n_vmap; k++)
				accepts |= r->vmap[k].verdict.kind == NFR_V_ACCEPT;
			for (size_t k = 0; !v && k < r->n_vmap_verdicts; k++)
				accepts |= r->vmap_verdicts[k].kind == NFR_V_ACCEPT;
			if (accepts && !w->miss && names_class_iface(r, w->pkt)) {
				w->miss = r;
				w->miss_chain = c;
				w->miss_why = why;
			}
			continue;
		}
		enum res res = apply(w, c, r, v, depth);
		if (res == R_CONT)
			continue;
		if (res == R_RETURN)
			return R_CONT;
		return res;
	}
	return R_CONT;
}

/* ---- the base chains at a hook ---- */

struct base {
	const struct nfr_table *table;
	const struct nfr_chain *chain;
	bool maybe; /* on lo? the document does not list its devices */
};

static int base_cmp(const void *a, const void *b)
{
	const struct base *x = a, *y = b;
	return (x->chain->prio > y->chain->prio) - (x->chain->prio < y->chain->prio);
}

enum on_lo { LO_NO, LO_YES, LO_UNKNOWN };

/* Whether an ingress/egress chain is on the loopback device. */
static enum on_lo chain_on_lo(const struct nfr_chain *c)
{
	if (!c->devs_known)
		return LO_UNKNOWN;
	for (size_t i = 0; i < c->n_devs; i++)
		if (name_is_lo(c->devs[i]))
			return LO_YES;
	return LO_NO;
}

/* Whether a base chain of table t at hook sees packets of fam: the IPv4/IPv6
 * hooks are ip/ip6/inet tables'; ingress is netdev's (every protocol) and
 * inet's (IPv4 and IPv6), egress netdev's. Dormant tables register nothing. */
static bool sees(const struct nfr_table *t, int fam, enum nfr_hook hook)
{
	if (t->dormant)
		return false;
	if (hook == NFR_HOOK_INGRESS || hook == NFR_HOOK_EGRESS)
		return t->kind == NFR_TK_NETDEV || (t->kind == NFR_TK_L3 && (t->family & fam));
	return t->kind == NFR_TK_L3 && (t->family & fam);
}

/* Which base chains add_hook_chains takes: all, those on lo (ingress and
 * egress: or that may be), the filter ones (prerouting and postrouting,
 * where nat chains are too). */
enum pick { PICK_ALL, PICK_LO, PICK_FILTER };

/* Appends to v the base chains of fam at hook in priority order (stable
 * for equal priorities: table order, as listed), as pick says. */
static void add_hook_chains(const struct nfr_ruleset *rs, int fam, enum nfr_hook hook, enum pick pick,
			    struct base *v, size_t *n)
{
	size_t first = *n;
	for (size_t t = 0; t < rs->n_tables; t++) {
		const struct nfr_table *tab = &rs->tables[t];
		if (!sees(tab, fam, hook))
			continue;
		for (size_t c = 0; c < tab->n_chains; c++) {
			const struct nfr_chain *ch = &tab->chains[c];
			if (!ch->base || ch->hook != hook || (pick == PICK_FILTER && !is_filter(ch)))
				continue;
			enum on_lo lo = pick == PICK_LO ? chain_on_lo(ch) : LO_YES;
			if (lo != LO_NO)
				v[(*n)++] = (struct base){tab, ch, lo == LO_UNKNOWN};
		}
	}
	for (size_t i = first + 1; i < *n; i++)
		for (size_t j = i; j > first && base_cmp(&v[j - 1], &v[j]) > 0; j--) {
			struct base tmp = v[j];
			v[j] = v[j - 1];
			v[j - 1] = tmp;
		}
}

/* Room for every chain of the ruleset; NULL with out UNABLE when out of
 * memory. */
static struct base *chains_array(const struct nfr_ruleset *rs, struct nfe_result *out)
{
	size_t total = 0;
	for (size_t t = 0; t < rs->n_tables; t++)
		total += rs->tables[t].n_chains;
	struct base *v = calloc(total ? total : 1, sizeof(*v));
	if (!v) {
		out->verdict = NFE_UNABLE;
		snprintf(out->text, sizeof(out->text), "out of memory");
	}
	return v;
}

/* The base chains of fam at hook, in priority order (malloc'd). */
static struct base *hook_chains(const struct nfr_ruleset *rs, int fam, enum nfr_hook hook,
				size_t *n, struct nfe_result *out)
{
	*n = 0;
	struct base *v = chains_array(rs, out);
	if (v)
		add_hook_chains(rs, fam, hook, PICK_ALL, v, n);
	return v;
}

static void out_put(struct nfe_result *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_put(struct nfe_result *out, const char *fmt, ...)
{
	size_t len = strlen(out->text);
	if (len >= sizeof(out->text) - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->text + len, sizeof(out->text) - len, fmt, ap);
	va_end(ap);
}

static void chain_label(struct nfe_result *out, const struct base *b)
{
	const struct nfr_chain *c = b->chain;
	out_put(out, "%s %s %s (%.32s hook %.32s", b->table->family_name, b->table->name, c->name,
		c->type ? c->type : "?", c->hook_name ? c->hook_name : nfr_hook_name(c->hook));
	if (c->hook == NFR_HOOK_INGRESS || c->hook == NFR_HOOK_EGRESS) {
		if (!c->devs_known)
			out_put(out, " devices not listed");
		else if (c->n_devs == 0)
			out_put(out, " no device");
		for (size_t i = 0; c->devs_known && i < c->n_devs && i < 4; i++)
			out_put(out, "%s%.32s", i ? ", " : c->n_devs > 1 ? " devices " : " device ", c->devs[i]);
		if (c->devs_known && c->n_devs > 4)
			out_put(out, ", ...");
	}
	out_put(out, ", priority %d, policy %s)", c->prio, c->policy_drop ? "drop" : "accept");
}

/* The base chains of other kinds of table that a packet of fam at hook
 * may also pass, and why they do not decide for the whole hook: "; not
 * counted: <chain> (its devices only)". */
static void not_counted(const struct nfr_ruleset *rs, int fam, enum nfr_hook hook,
			struct nfe_result *out)
{
	bool first = true;
	for (size_t t = 0; t < rs->n_tables; t++) {
		const struct nfr_table *tab = &rs->tables[t];
		if (tab->dormant)
			continue;
		for (size_t c = 0; c < tab->n_chains; c++) {
			const struct nfr_chain *ch = &tab->chains[c];
			const char *why = NULL;
			if (!ch->base)
				continue;
			if (ch->hook == NFR_HOOK_INGRESS && hook != NFR_HOOK_OUTPUT && sees(tab, fam, ch->hook))
				why = "before the IP stack, on its devices only";
			else if (ch->hook == NFR_HOOK_EGRESS && hook != NFR_HOOK_INPUT && sees(tab, fam, ch->hook))
				why = "after the IP stack, on its devices only";
			else if (ch->hook == NFR_HOOK_PREROUTING && is_filter(ch) && hook != NFR_HOOK_OUTPUT &&
				 sees(tab, fam, ch->hook))
				why = "prerouting, before the input and forward hooks the benchmark names";
			else if (ch->hook == NFR_HOOK_POSTROUTING && is_filter(ch) && hook != NFR_HOOK_INPUT &&
				 sees(tab, fam, ch->hook))
				why = "postrouting, after the forward and output hooks the benchmark names";
			else if (tab->kind == NFR_TK_BRIDGE && ch->hook == hook)
				why = "bridged frames only, not routed or local IP traffic";
			else if (tab->kind == NFR_TK_ARP && ch->hook == hook)
				why = "ARP packets only";
			if (!why)
				continue;
			out_put(out, "%s", first ? "; not counted: " : "; ");
			first = false;
			chain_label(out, &(struct base){tab, ch, false});
			out_put(out, ": %s", why);
		}
	}
}

static void rule_label(struct nfe_result *out, const struct base *b, const struct nfr_chain *in,
		       const struct nfr_rule *r)
{
	out_put(out, "rule handle %" PRIu64, r->handle);
	if (in && in != b->chain)
		out_put(out, " in chain %s", in->name);
	out_put(out, " (%s)", r->text);
}

static const char *fam_name(int fam)
{
	return fam == NFR_FAM_IP6 ? "IPv6" : "IPv4";
}

static void limit_text(struct nfe_result *out, const struct walk *w, const struct base *b)
{
	out->verdict = NFE_UNABLE;
	out->text[0] = '\0';
	out_put(out, "cannot evaluate ");
	chain_label(out, b);
	out_put(out, ": ");
	if (w->steps > NFE_MAX_STEPS)
		out_put(out, "more than %d rule visits", NFE_MAX_STEPS);
	else
		out_put(out, "jumps nested deeper than %d", NFE_MAX_DEPTH);
	if (w->rule) {
		out_put(out, " at ");
		rule_label(out, b, w->rule_chain, w->rule);
	}
}

void nfe_default_policy(const struct nfr_ruleset *rs, int fam, enum nfr_hook hook, bool want_drop,
			struct nfe_result *out)
{
	memset(out, 0, sizeof(*out));
	size_t n;
	struct base *v = hook_chains(rs, fam, hook, &n, out);
	if (!v)
		return;
	struct pkt p = {.fam = fam, .hook = hook, .cls = CLS_ANY};
	struct nfe_result detail = {.verdict = NFE_OK};
	bool deny = false;
	for (size_t i = 0; i < n; i++) {
		struct walk w = {.pkt = &p, .table = v[i].table};
		enum res res = walk_chain(&w, v[i].chain, 0);
		if (res == R_LIMIT) {
			limit_text(out, &w, &v[i]);
			free(v);
			return;
		}
		out_put(&detail, "%s", i ? "; " : "");
		chain_label(&detail, &v[i]);
		if (res == R_CONT) {
			deny |= v[i].chain->policy_drop;
			continue;
		}
		out_put(&detail, ", but ");
		rule_label(&detail, &v[i], w.rule_chain, w.rule);
		out_put(&detail, " %s every packet first",
			res == R_ACCEPT ? "accepts" : res == R_DROP ? "drops" : "ends the walk of");
		deny |= res == R_DROP;
	}
	out->verdict = deny == want_drop ? NFE_OK : NFE_NOT_OK;
	if (n == 0)
		snprintf(out->text, sizeof(out->text),
			 "ACCEPT (no nf_tables base chain at the %s hook sees %s)", nfr_hook_name(hook),
			 fam_name(fam));
	else
		snprintf(out->text, sizeof(out->text), "%s: %s", deny ? "DROP" : "ACCEPT", detail.text);
	not_counted(rs, fam, hook, out);
	free(v);
}

void nfe_loopback_accept(const struct nfr_ruleset *rs, int fam, enum nfr_hook hook,
			 const struct nfr_range *loopback, struct nfe_result *out)
{
	memset(out, 0, sizeof(*out));
	/* Loopback traffic coming in passes the ingress chains on lo, the
	 * prerouting filter chains, then the input hook; going out, the
	 * output hook, the postrouting filter chains, then egress on lo. A
	 * drop in any of them stops it before (or after) the input (output)
	 * hook's accept. */
	struct base *v = chains_array(rs, out);
	if (!v)
		return;
	size_t n = 0, n_around = 0;
	if (hook == NFR_HOOK_INPUT) {
		add_hook_chains(rs, fam, NFR_HOOK_INGRESS, PICK_LO, v, &n);
		add_hook_chains(rs, fam, NFR_HOOK_PREROUTING, PICK_FILTER, v, &n);
	}
	n_around = n;
	add_hook_chains(rs, fam, hook, PICK_ALL, v, &n);
	size_t n_hook = n - n_around;
	if (hook == NFR_HOOK_OUTPUT) {
		add_hook_chains(rs, fam, NFR_HOOK_POSTROUTING, PICK_FILTER, v, &n);
		add_hook_chains(rs, fam, NFR_HOOK_EGRESS, PICK_LO, v, &n);
	}
	n_around += n - n_around - n_hook;
	const char *dir = hook == NFR_HOOK_INPUT ? "iif" : "oif";
	struct nfe_result ok = {.verdict = NFE_OK}, bad = {.verdict = NFE_OK}, miss = {.verdict = NFE_OK};
	bool accepted = false, failed = false;
	for (size_t i = 0; i < n && !failed; i++) {
		struct pkt p = {.fam = fam, .hook = v[i].chain->hook, .cls = CLS_LO, .net = loopback};
		struct walk w = {.pkt = &p, .table = v[i].table};
		enum res res = walk_chain(&w, v[i].chain, 0);
		if (v[i].maybe && res != R_LIMIT && res != R_ACCEPT &&
		    (res != R_CONT || v[i].chain->policy_drop)) {
			/* it would stop lo traffic, if it is on lo */
			out->verdict = NFE_UNABLE;
			out_put(out, "cannot tell: ");
			chain_label(out, &v[i]);
			out_put(out, " would stop %s lo traffic if it is on lo, and the ruleset does not list its "
				"devices (nft before 1.0.7 does not print them)", dir);
			free(v);
			return;
		}
		if (v[i].maybe && res == R_ACCEPT)
			continue; /* an accept on devices not known: does not count */
		if (res == R_OTHER &&
		    (v[i].chain->hook == NFR_HOOK_PREROUTING || v[i].chain->hook == NFR_HOOK_POSTROUTING))
			continue; /* raw and mangle chains' targets (CT, MARK, ...) let the packet go on */
		switch (res) {
		case R_LIMIT:
			limit_text(out, &w, &v[i]);
			free(v);
			return;
		case R_ACCEPT:
			accepted = true;
			out_put(&ok, "%s", ok.text[0] ? "; " : "");
			rule_label(&ok, &v[i], w.rule_chain, w.rule);
			out_put(&ok, " in ");
			chain_label(&ok, &v[i]);
			break;
		case R_CONT:
			if (!v[i].chain->policy_drop)
				break; /* not filtered here */
			failed = true;
			chain_label(&bad, &v[i]);
			out_put(&bad, ": %s lo traffic falls to the policy drop", dir);
			break;
		case R_DROP:
		case R_OTHER:
			failed = true;
			rule_label(&bad, &v[i], w.rule_chain, w.rule);
			out_put(&bad, " in ");
			chain_label(&bad, &v[i]);
			out_put(&bad, " %s %s lo traffic before any unrestricted %s \"lo\" accept",
				res == R_DROP ? "drops" : "takes", dir, dir);
			break;
		case R_RETURN: /* never returned by walk_chain */
		case R_DROP_SADDR:
			failed = true;
			rule_label(&bad, &v[i], w.rule_chain, w.rule);
			out_put(&bad, " in ");
			chain_label(&bad, &v[i]);
			out_put(&bad, " drops loopback-sourced %s lo traffic before the lo accept", dir);
			break;
		}
		if (w.miss && !miss.text[0]) {
			out_put(&miss, "; ");
			rule_label(&miss, &v[i], w.miss_chain, w.miss);
			out_put(&miss, " does not count: it is restricted by %s", w.miss_why);
		}
	}
	free(v);
	if (failed) {
		out->verdict = NFE_NOT_OK;
		snprintf(out->text, sizeof(out->text), "%s%s", bad.text, miss.text);
	} else if (!accepted) {
		out->verdict = NFE_NOT_OK;
		if (n == 0)
			snprintf(out->text, sizeof(out->text),
				 "not found: no nf_tables base chain at the %s hook sees %s",
				 nfr_hook_name(hook), fam_name(fam));
		else
			snprintf(out->text, sizeof(out->text),
				 "not found: no rule of the %zu base chain(s) at the %s hook%s accepts all %s lo traffic%s",
				 n_hook, nfr_hook_name(hook),
				 n_around ? (hook == NFR_HOOK_INPUT ? " (and at ingress on lo or prerouting)"
								    : " (and at postrouting or egress on lo)")
					  : "",
				 dir, miss.text);
	} else {
		out->verdict = NFE_OK;
		snprintf(out->text, sizeof(out->text), "%s", ok.text);
	}
}

void nfe_spoof_drop(const struct nfr_ruleset *rs, int fam, const struct nfr_range *loopback,
		    struct nfe_result *out)
{
	memset(out, 0, sizeof(*out));
	size_t n;
	struct base *v = hook_chains(rs, fam, NFR_HOOK_INPUT, &n, out);
	if (!v)
		return;
	struct pkt p = {.fam = fam, .hook = NFR_HOOK_INPUT, .cls = CLS_SPOOF, .net = loopback};
	struct nfe_result passed = {.verdict = NFE_OK};
	for (size_t i = 0; i < n; i++) {
		struct walk w = {.pkt = &p, .table = v[i].table};
		enum res res = walk_chain(&w, v[i].chain, 0);
		if (res == R_LIMIT) {
			limit_text(out, &w, &v[i]);
			free(v);
			return;
		}
		if (res == R_DROP) {
			out->verdict = NFE_OK;
			rule_label(out, &v[i], w.rule_chain, w.rule);
			out_put(out, " in ");
			chain_label(out, &v[i]);
			free(v);
			return;
		}
		out_put(&passed, "; ");
		chain_label(&passed, &v[i]);
		if (res == R_ACCEPT || res == R_OTHER) {
			out_put(&passed, ": ");
			rule_label(&passed, &v[i], w.rule_chain, w.rule);
			out_put(&passed, " %s them first", res == R_ACCEPT ? "accepts" : "takes");
		} else {
			out_put(&passed, ": no rule drops them");
		}
	}
	free(v);
	out->verdict = NFE_NOT_OK;
	snprintf(out->text, sizeof(out->text),
		 "no rule at the input hook drops %s traffic from the loopback network arriving on another interface%s",
		 fam_name(fam), passed.text);
	not_counted(rs, fam, NFR_HOOK_INPUT, out);
}
