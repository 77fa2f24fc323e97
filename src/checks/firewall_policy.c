/* firewall_policy: default deny per hook.
 *
 * params: {"family": "ipv4"|"ipv6",
 *          "chains": {"INPUT": "DROP", "FORWARD": "DROP", "OUTPUT": "DROP"}}
 *
 * nf_tables (firewall_source.h): the chain names are the hooks (input,
 * forward, output); a hook denies by default when some base chain at it, in
 * any ip/ip6/inet table, drops what no rule accepts (nft_eval.c). Legacy
 * x_tables: the policies of the filter table's built-in chains, read from
 * iptables-save / ip6tables-save; with no filter table loaded at all,
 * netfilter filters nothing: every chain behaves as ACCEPT, which is what the
 * evidence says. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "firewall_source.h"
#include "iptables_save.h"
#include "nft_eval.h"
#include "params.h"

static int firewall_policy_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"family", "chains", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string(params, "family", true, err);
	if (!rc)
		rc = param_string_map(params, "chains", true, err);
	if (rc)
		return rc;
	if (!ipt_family_valid(param_str(params, "family", NULL)))
		return param_fail(err, "family", "must be \"ipv4\" or \"ipv6\"");
	const char *chain;
	const json_t *policy;
	json_object_foreach(json_object_get(params, "chains"), chain, policy) {
		const char *p = json_string_value(policy);
		if (!chain[0] || strlen(chain) > 28 || strpbrk(chain, " \t\n"))
			return param_fail(err, "chains", "\"%s\" is not a chain name", chain);
		if (strcmp(p, "ACCEPT") != 0 && strcmp(p, "DROP") != 0)
			return param_fail(err, "chains",
					  "policy of \"%s\" must be \"ACCEPT\" or \"DROP\" (the only chain policies)",
					  chain);
	}
	return 0;
}

static void firewall_policy_prepare(struct host *h, const json_t *params)
{
	const char *family = param_str(params, "family", "ipv4");
	if (!h->live || fw_legacy_loaded(h, family))
		ipt_save_prefetch(h, family);
}

static void legacy_run(struct host *h, const json_t *params, struct check_result *r)
{
	const char *family = param_str(params, "family", "ipv4");
	const json_t *chains = json_object_get(params, "chains");
	struct ipt_save save;
	char source[PATH_MAX + 64], why[PATH_MAX + 128];
	if (ipt_save_load(h, family, &save, source, sizeof(source), why, sizeof(why))) {
		result_skip(r, OUTCOME_UNABLE, "%s", why);
		return;
	}
	const struct ipt_table *filter = ipt_save_table(&save, "filter");
	const char *chain;
	const json_t *want;
	json_object_foreach((json_t *)chains, chain, want) {
		char item[64];
		snprintf(item, sizeof(item), "%s policy", chain);
		const char *expected = json_string_value(want);
		if (!filter) {
			result_evidence(r, item, expected, strcmp(expected, "ACCEPT") == 0,
					"ACCEPT (no filter table loaded)");
			continue;
		}
		const struct ipt_chain *c = ipt_table_chain(filter, chain);
		if (!c) {
			/* nftables without this base chain hooks nothing here. */
			result_evidence(r, item, expected, strcmp(expected, "ACCEPT") == 0,
					"ACCEPT (no %s chain in the filter table)", chain);
			continue;
		}
		if (strcmp(c->policy, "-") == 0) {
			result_evidence(r, item, expected, false,
					"none (%s is a user-defined chain)", chain);
			continue;
		}
		result_evidence(r, item, expected, strcmp(c->policy, expected) == 0, "%s",
				c->policy);
	}
	result_evidence(r, "source", "iptables-save format", true, "%s", source);
	ipt_save_free(&save);
	result_from_evidence(r);
}

static enum nfr_hook chain_hook(const char *chain)
{
	static const char *const names[] = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"};
	for (size_t i = 0; i < 5; i++)
		if (strcasecmp(chain, names[i]) == 0)
			return (enum nfr_hook)(NFR_HOOK_PREROUTING + i);
	return NFR_HOOK_NONE;
}

static void nft_run(const json_t *params, const struct fw_source *src, struct check_result *r)
{
	int fam = fw_family(param_str(params, "family", "ipv4"));
	const char *chain;
	const json_t *want;
	json_object_foreach((json_t *)json_object_get(params, "chains"), chain, want) {
		char item[64];
		snprintf(item, sizeof(item), "%s policy", chain);
		const char *expected = json_string_value(want);
		enum nfr_hook hook = chain_hook(chain);
		if (hook == NFR_HOOK_NONE) {
			result_evidence(r, item, expected, false,
					"none (%s is not a netfilter hook: nf_tables has no policy for it)",
					chain);
			continue;
		}
		struct nfe_result res;
		nfe_default_policy(src->rs, fam, hook, strcmp(expected, "DROP") == 0, &res);
		if (res.verdict == NFE_UNABLE) {
			result_skip(r, OUTCOME_UNABLE, "%s: %s", item, res.text);
			return;
		}
		result_evidence(r, item, expected, res.verdict == NFE_OK, "%s", res.text);
	}
	result_evidence(r, "source", "the nf_tables ruleset", true, "%s (%zu tables, %zu rules)",
			src->nft_source, src->rs->n_tables, src->rs->n_rules);
	result_from_evidence(r);
}

/* A default deny in either backend denies; a hook meant to accept must
 * accept in both. */
static bool policy_either(const char *item, const char *expected)
{
	return strcmp(expected, "DROP") == 0;
}

static void firewall_policy_run(struct host *h, const json_t *params, struct check_result *r)
{
	const struct fw_backends b = {nft_run, legacy_run, policy_either};
	fw_run(h, params, r, &b);
}

static int firewall_policy_inputs(const json_t *params, struct check_inputs *out)
{
	return inputs_add(out, INPUT_FIREWALL, param_str(params, "family", "ipv4"));
}

const struct check_kind firewall_policy_kind = {
	.name = "firewall_policy",
	.summary = "default deny per hook (nf_tables over netlink; legacy iptables-save)",
	.validate = firewall_policy_validate,
	.prepare = firewall_policy_prepare,
	.run = firewall_policy_run,
	.inputs = firewall_policy_inputs,
};
