/* firewall_loopback: loopback traffic rules as the CIS benchmark means them.
 *
 * params: {"family": "ipv4"|"ipv6", "source": "127.0.0.0/8" | "::1"}
 *
 * nf_tables (firewall_source.h, nft_eval.c): every base chain at the input
 * (output) hook lets "iif lo" ("oif lo") traffic through and one accepts it
 * with an unrestricted rule before any drop that catches it; some base chain
 * at input drops <source> arriving on another interface. Jumps, gotos, sets
 * and verdict maps are followed.
 *
 * Legacy x_tables, read from iptables-save / ip6tables-save (filter table):
 *
 * Three rules must hold:
 *   INPUT  has "-i lo -j ACCEPT" with no other match, and no unconditional
 *          DROP/REJECT comes before it (that would shadow it);
 *   INPUT  drops (or rejects) source <source> after that accept, so spoofed
 *          loopback addresses arriving on other interfaces are dropped;
 *   OUTPUT has "-o lo -j ACCEPT" with no other match, not shadowed.
 * A rule with any further match (-p, --dport, -s, -d, -m state, ...) does
 * not count, nor does "! -i lo". A comment (-m comment) restricts nothing.
 * Jumps to user-defined chains are not followed: only rules written in
 * INPUT and OUTPUT themselves count. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firewall_source.h"
#include "iptables_save.h"
#include "nft_eval.h"
#include "params.h"

struct net {
	int af;
	unsigned char addr[16];
	int prefix;
};

/* "127.0.0.0/8", "127.0.0.1", "::1/128", "10.0.0.0/255.0.0.0" -> masked net. */
static int parse_net(const char *family, const char *text, struct net *out)
{
	char buf[INET6_ADDRSTRLEN + 48];
	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	memset(out, 0, sizeof(*out));
	out->af = strcmp(family, "ipv6") == 0 ? AF_INET6 : AF_INET;
	int bits = out->af == AF_INET6 ? 128 : 32;
	char *slash = strchr(buf, '/');
	out->prefix = bits;
	if (slash) {
		*slash++ = '\0';
		if (out->af == AF_INET && strchr(slash, '.')) {
			struct in_addr m;
			if (inet_pton(AF_INET, slash, &m) != 1)
				return -EINVAL;
			uint32_t mask = ntohl(m.s_addr);
			int len = 0;
			while (len < 32 && (mask & (0x80000000u >> len)))
				len++;
			if (len < 32 && (mask << len) != 0)
				return -EINVAL; /* not contiguous: no prefix form */
			out->prefix = len;
		} else {
			char *end;
			long v = strtol(slash, &end, 10);
			if (end == slash || *end || v < 0 || v > bits)
				return -EINVAL;
			out->prefix = (int)v;
		}
	}
	if (inet_pton(out->af, buf, out->addr) != 1)
		return -EINVAL;
	for (int i = 0; i < bits / 8; i++) {
		int keep = out->prefix - i * 8;
		if (keep <= 0)
			out->addr[i] = 0;
		else if (keep < 8)
			out->addr[i] &= (unsigned char)(0xff00 >> keep);
	}
	return 0;
}

static bool net_equal(const struct net *a, const struct net *b)
{
	return a->af == b->af && a->prefix == b->prefix &&
	       memcmp(a->addr, b->addr, a->af == AF_INET6 ? 16 : 4) == 0;
}

static void net_format(const struct net *n, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	inet_ntop(n->af, n->addr, addr, sizeof(addr));
	snprintf(buf, size, "%s/%d", addr, n->prefix);
}

/* What one rule matches and does, as far as this check cares. */
struct rule_view {
	const char *in_if, *out_if, *src, *target;
	bool in_neg, out_neg, src_neg, is_goto;
	char restriction[96]; /* the first other match, "" when none */
};

static bool is_opt(const char *a, const char *s, const char *l)
{
	return strcmp(a, s) == 0 || (l && strcmp(a, l) == 0);
}

static void view_rule(const struct ipt_rule *rule, struct rule_view *v)
{
	memset(v, 0, sizeof(*v));
	bool neg = false;
	for (size_t i = 0; i < rule->argc; i++) {
		const char *a = rule->argv[i];
		const char *next = i + 1 < rule->argc ? rule->argv[i + 1] : NULL;
		if (v->target)
			break; /* what follows the target are its options (--reject-with) */
		if (strcmp(a, "!") == 0) {
			neg = true;
			continue;
		}
		if (is_opt(a, "-i", "--in-interface") && next) {
			v->in_if = next;
			v->in_neg = neg;
			i++;
		} else if (is_opt(a, "-o", "--out-interface") && next) {
			v->out_if = next;
			v->out_neg = neg;
			i++;
		} else if ((is_opt(a, "-s", "--source") || strcmp(a, "--src") == 0) && next) {
			v->src = next;
			v->src_neg = neg;
			i++;
		} else if (is_opt(a, "-j", "--jump") && next) {
			v->target = next;
			i++;
		} else if (is_opt(a, "-g", "--goto") && next) {
			v->target = next;
			v->is_goto = true;
			i++;
		} else if (is_opt(a, "-m", "--match") && next && strcmp(next, "comment") == 0) {
			i++;
			if (i + 2 < rule->argc && strcmp(rule->argv[i + 1], "--comment") == 0)
				i += 2;
		} else if (!v->restriction[0]) {
			if (a[0] == '-' && next && next[0] != '-' && strcmp(next, "!") != 0)
				snprintf(v->restriction, sizeof(v->restriction), "%s%s %s",
					 neg ? "! " : "", a, next);
			else
				snprintf(v->restriction, sizeof(v->restriction), "%s%s",
					 neg ? "! " : "", a);
		}
		neg = false;
	}
}

static bool is_drop(const struct rule_view *v)
{
	return v->target && !v->is_goto &&
	       (strcmp(v->target, "DROP") == 0 || strcmp(v->target, "REJECT") == 0);
}

/* The interface option of this direction: -i on INPUT, -o on OUTPUT. */
static const char *dir_if(const struct rule_view *v, bool input, bool *neg)
{
	*neg = input ? v->in_neg : v->out_neg;
	return input ? v->in_if : v->out_if;
}

static bool is_lo_accept(const struct rule_view *v, bool input)
{
	bool neg;
	const char *ifname = dir_if(v, input, &neg);
	const char *other = input ? v->out_if : v->in_if;
	return ifname && strcmp(ifname, "lo") == 0 && !neg && !other && !v->src &&
	       !v->restriction[0] && v->target && !v->is_goto &&
	       strcmp(v->target, "ACCEPT") == 0;
}

/* Why an ACCEPT that names lo is not the unrestricted loopback accept, or
 * NULL when the rule is not such a near miss. */
static const char *near_miss(const struct rule_view *v, bool input, char *buf, size_t size)
{
	bool neg;
	const char *ifname = dir_if(v, input, &neg);
	if (!ifname || strcmp(ifname, "lo") != 0 || !v->target ||
	    strcmp(v->target, "ACCEPT") != 0)
		return NULL;
	if (neg)
		snprintf(buf, size, "it is negated (! %s lo)", input ? "-i" : "-o");
	else if (v->src)
		snprintf(buf, size, "it is restricted by %s-s %s", v->src_neg ? "! " : "", v->src);
	else if (v->restriction[0])
		snprintf(buf, size, "it is restricted by %s", v->restriction);
	else if (input ? v->out_if : v->in_if)
		snprintf(buf, size, "it is restricted by %s %s", input ? "-o" : "-i",
			 input ? v->out_if : v->in_if);
	else
		return NULL;
	return buf;
}

/* A DROP/REJECT that catches all loopback traffic of this direction. */
static bool is_blanket_drop(const struct rule_view *v, bool input)
{
	bool neg;
	const char *ifname = dir_if(v, input, &neg);
	const char *other = input ? v->out_if : v->in_if;
	if (!is_drop(v) || v->src || v->restriction[0] || other)
		return false;
	return !ifname || (strcmp(ifname, "lo") == 0 && !neg);
}

/* "-s <source> -j DROP" (or REJECT), optionally limited to "! -i lo". */
static bool is_source_drop(const struct rule_view *v, const char *family, const struct net *want,
			   bool *not_lo)
{
	struct net n;
	if (!is_drop(v) || !v->src || v->src_neg || v->restriction[0] || v->out_if)
		return false;
	if (parse_net(family, v->src, &n) || !net_equal(&n, want))
		return false;
	*not_lo = v->in_if && strcmp(v->in_if, "lo") == 0 && v->in_neg;
	return !v->in_if || *not_lo;
}

struct accept_scan {
	size_t accept;  /* 1-based position of the unrestricted accept, 0 if none */
	size_t blanket; /* first unconditional DROP/REJECT before it, 0 if none */
	size_t miss;    /* first near miss, 0 if none */
	char miss_why[160];
};

static void scan_accept(const struct ipt_chain *c, bool input, struct accept_scan *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < c->n_rules; i++) {
		struct rule_view v;
		view_rule(&c->rules[i], &v);
		if (is_lo_accept(&v, input)) {
			s->accept = i + 1;
			return;
		}
		if (!s->blanket && is_blanket_drop(&v, input))
			s->blanket = i + 1;
		if (!s->miss && near_miss(&v, input, s->miss_why, sizeof(s->miss_why)))
			s->miss = i + 1;
	}
}

static void accept_evidence(struct check_result *r, const struct ipt_chain *c, bool input,
			    const struct accept_scan *s)
{
	const char *item = input ? "INPUT -i lo -j ACCEPT" : "OUTPUT -o lo -j ACCEPT";
	const char *expected = "present, unrestricted, not after an unconditional DROP/REJECT";
	if (s->accept && s->blanket) {
		result_evidence(r, item, expected, false,
				"rule %zu (%s) is shadowed by rule %zu (%s) before it", s->accept,
				c->rules[s->accept - 1].text, s->blanket,
				c->rules[s->blanket - 1].text);
	} else if (s->accept) {
		result_evidence(r, item, expected, true, "rule %zu: %s", s->accept,
				c->rules[s->accept - 1].text);
	} else if (s->miss) {
		result_evidence(r, item, expected, false, "not found: rule %zu (%s) does not count: %s",
				s->miss, c->rules[s->miss - 1].text, s->miss_why);
	} else {
		result_evidence(r, item, expected, false, "not found among the %zu rules of %s",
				c->n_rules, c->name);
	}
}

static void source_drop_evidence(struct check_result *r, const struct ipt_chain *input,
				 const char *family, const struct net *want,
				 const struct accept_scan *s)
{
	char net[INET6_ADDRSTRLEN + 8], item[96];
	net_format(want, net, sizeof(net));
	snprintf(item, sizeof(item), "INPUT -s %s -j DROP", net);
	const char *expected = "present, after the lo accept";
	for (size_t i = 0; i < input->n_rules; i++) {
		struct rule_view v;
		bool not_lo = false;
		view_rule(&input->rules[i], &v);
		if (!is_source_drop(&v, family, want, &not_lo))
			continue;
		const char *text = input->rules[i].text;
		if (not_lo || (s->accept && s->accept < i + 1))
			result_evidence(r, item, expected, true, "rule %zu: %s", i + 1, text);
		else if (s->accept)
			result_evidence(r, item, expected, false,
					"rule %zu (%s) comes before the lo accept at rule %zu", i + 1,
					text, s->accept);
		else
			result_evidence(r, item, expected, false,
					"rule %zu (%s), but no unrestricted lo accept precedes it", i + 1,
					text);
		return;
	}
	result_evidence(r, item, expected, false, "no rule of INPUT drops source %s", net);
}

static int firewall_loopback_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"family", "source", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string(params, "family", true, err);
	if (!rc)
		rc = param_string(params, "source", true, err);
	if (rc)
		return rc;
	const char *family = param_str(params, "family", NULL);
	if (!ipt_family_valid(family))
		return param_fail(err, "family", "must be \"ipv4\" or \"ipv6\"");
	struct net n;
	if (parse_net(family, param_str(params, "source", NULL), &n))
		return param_fail(err, "source", "must be an %s address or network (e.g. %s)",
				  family, strcmp(family, "ipv6") == 0 ? "::1" : "127.0.0.0/8");
	return 0;
}

static void firewall_loopback_prepare(struct host *h, const json_t *params)
{
	const char *family = param_str(params, "family", "ipv4");
	if (!h->live || fw_legacy_loaded(h, family))
		ipt_save_prefetch(h, family);
}

static void missing_chain(struct check_result *r, const char *item, const char *why)
{
	result_evidence(r, item, "present", false, "%s", why);
}

static void legacy_run(struct host *h, const json_t *params, struct check_result *r)
{
	const char *family = param_str(params, "family", "ipv4");
	struct net want;
	parse_net(family, param_str(params, "source", ""), &want);
	char net[INET6_ADDRSTRLEN + 8], drop_item[96];
	net_format(&want, net, sizeof(net));
	snprintf(drop_item, sizeof(drop_item), "INPUT -s %s -j DROP", net);

	struct ipt_save save;
	char source[PATH_MAX + 64], why[PATH_MAX + 128];
	if (ipt_save_load(h, family, &save, source, sizeof(source), why, sizeof(why))) {
		result_skip(r, OUTCOME_UNABLE, "%s", why);
		return;
	}
	const struct ipt_table *filter = ipt_save_table(&save, "filter");
	const struct ipt_chain *input = filter ? ipt_table_chain(filter, "INPUT") : NULL;
	const struct ipt_chain *output = filter ? ipt_table_chain(filter, "OUTPUT") : NULL;
	const char *no_input = filter ? "no INPUT chain in the filter table" : "no filter table loaded";
	const char *no_output = filter ? "no OUTPUT chain in the filter table" : "no filter table loaded";

	struct accept_scan in_scan, out_scan;
	if (input) {
		scan_accept(input, true, &in_scan);
		accept_evidence(r, input, true, &in_scan);
		source_drop_evidence(r, input, family, &want, &in_scan);
	} else {
		missing_chain(r, "INPUT -i lo -j ACCEPT", no_input);
		missing_chain(r, drop_item, no_input);
	}
	if (output) {
		scan_accept(output, false, &out_scan);
		accept_evidence(r, output, false, &out_scan);
	} else {
		missing_chain(r, "OUTPUT -o lo -j ACCEPT", no_output);
	}
	result_evidence(r, "source", "iptables-save format", true, "%s", source);
	ipt_save_free(&save);
	result_from_evidence(r);
}

static void nft_run(const json_t *params, const struct fw_source *src, struct check_result *r)
{
	const char *family = param_str(params, "family", "ipv4");
	int fam = fw_family(family);
	struct net want;
	parse_net(family, param_str(params, "source", ""), &want);
	char net[INET6_ADDRSTRLEN + 8], drop_item[96];
	net_format(&want, net, sizeof(net));
	snprintf(drop_item, sizeof(drop_item), "INPUT -s %s -j DROP", net);
	struct nfr_range range;
	nfr_parse_net(want.af, net, &range, NULL);

	struct nfe_result in, spoof, out;
	nfe_loopback_accept(src->rs, fam, NFR_HOOK_INPUT, &range, &in);
	nfe_spoof_drop(src->rs, fam, &range, &spoof);
	nfe_loopback_accept(src->rs, fam, NFR_HOOK_OUTPUT, &range, &out);
	const struct nfe_result *all[] = {&in, &spoof, &out};
	for (size_t i = 0; i < 3; i++)
		if (all[i]->verdict == NFE_UNABLE) {
			result_skip(r, OUTCOME_UNABLE, "%s", all[i]->text);
			return;
		}
	result_evidence(r, "INPUT -i lo -j ACCEPT",
			"every base chain at the input hook passes iif lo traffic, one accepts it unrestricted before any drop",
			in.verdict == NFE_OK, "%s", in.text);
	char expected[128];
	snprintf(expected, sizeof(expected), "a rule at the input hook drops source %s not arriving on lo", net);
	result_evidence(r, drop_item, expected, spoof.verdict == NFE_OK, "%s", spoof.text);
	result_evidence(r, "OUTPUT -o lo -j ACCEPT",
			"every base chain at the output hook passes oif lo traffic, one accepts it unrestricted before any drop",
			out.verdict == NFE_OK, "%s", out.text);
	result_evidence(r, "source", "the nf_tables ruleset", true, "%s (%zu tables, %zu rules)",
			src->nft_source, src->rs->n_tables, src->rs->n_rules);
	result_from_evidence(r);
}

/* The spoofed-source drop in either backend drops; loopback traffic must
 * pass both. */
static bool loopback_either(const char *item, const char *expected)
{
	return strstr(item, "-j DROP") != NULL;
}

static void firewall_loopback_run(struct host *h, const json_t *params, struct check_result *r)
{
	const struct fw_backends b = {nft_run, legacy_run, loopback_either};
	fw_run(h, params, r, &b);
}

/* The ruleset, whichever family (iptables-save reads both tables). */
static int firewall_loopback_inputs(const json_t *params, struct check_inputs *out)
{
	return inputs_add(out, INPUT_FIREWALL, param_str(params, "family", "ipv4"));
}

const struct check_kind firewall_loopback_kind = {
	.name = "firewall_loopback",
	.summary = "loopback accept before any drop, spoofed loopback sources dropped (nf_tables over netlink; legacy iptables-save)",
	.validate = firewall_loopback_validate,
	.prepare = firewall_loopback_prepare,
	.run = firewall_loopback_run,
	.inputs = firewall_loopback_inputs,
};
