/* firewall_policy: the default policies of the filter table's built-in
 * chains, read from iptables-save / ip6tables-save.
 *
 * params: {"family": "ipv4"|"ipv6",
 *          "chains": {"INPUT": "DROP", "FORWARD": "DROP", "OUTPUT": "DROP"}}
 * With no filter table loaded at all, netfilter filters nothing: every
 * chain behaves as ACCEPT, which is what the evidence says. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iptables_save.h"
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
	ipt_save_prefetch(h, param_str(params, "family", "ipv4"));
}

static void firewall_policy_run(struct host *h, const json_t *params, struct check_result *r)
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

static int firewall_policy_inputs(const json_t *params, struct check_inputs *out)
{
	return inputs_add(out, INPUT_FIREWALL, param_str(params, "family", "ipv4"));
}

const struct check_kind firewall_policy_kind = {
	.name = "firewall_policy",
	.summary = "default policies of the filter table's chains (iptables-save / ip6tables-save)",
	.validate = firewall_policy_validate,
	.prepare = firewall_policy_prepare,
	.run = firewall_policy_run,
	.inputs = firewall_policy_inputs,
};
