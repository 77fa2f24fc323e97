/* Where a family's firewall rules are, for the firewall kinds.
 *
 * nf_tables (native nft tables, iptables-nft, firewalld, kube-proxy's
 * nftables mode) is read through the host (host_nft_ruleset: netlink live, a
 * captured `nft -j list ruleset` offline) and evaluated by nft_eval.c. Legacy
 * x_tables rules (ip_tables loaded: /proc/net/ip_tables_names, or
 * ip6_tables_names, non-empty) are not in nf_tables: they keep the
 * iptables-save path. A host with both has its packets pass both, and the
 * kinds evaluate both and merge the evidence (fw_merge). An offline tree
 * without a captured nf_tables ruleset uses its captured iptables-save output,
 * as before. */
#ifndef CISREPORT_FIREWALL_SOURCE_H
#define CISREPORT_FIREWALL_SOURCE_H

#include <limits.h>
#include <stdbool.h>

#include "core/host.h"
#include "core/result.h"
#include <jansson.h>
#include "nft_ruleset.h"

struct fw_source {
	bool nft;    /* rs is the nf_tables ruleset */
	const struct nfr_ruleset *rs; /* the host's, parsed once per report */
	char nft_source[PATH_MAX + 96];
	bool legacy; /* evaluate the iptables-save path */
	char legacy_note[160]; /* why the legacy path is used */
};

/* family: "ipv4" / "ipv6". Returns 0, or -errno with why filled (the
 * check is then SKIP: it cannot tell). */
int fw_source_load(struct host *h, const char *family, struct fw_source *out, char *why,
		   size_t why_size);
void fw_source_free(struct fw_source *s);

/* NFR_FAM_IP / NFR_FAM_IP6 for "ipv4" / "ipv6". */
int fw_family(const char *family);

/* r gets nft's and legacy's evidence, merged by item: an item in both is ok
 * when either is (any(item) true: a drop in either backend drops) or when
 * both are (any false: traffic must pass both); its actual names both. A
 * SKIP of either side makes r that SKIP. */
void fw_merge(struct check_result *r, const struct check_result *nft,
	      const struct check_result *legacy, bool (*any)(const char *item, const char *expected),
	      const char *legacy_note);

/* How a kind evaluates each backend, and how their items combine. */
struct fw_backends {
	void (*nft)(const json_t *params, const struct fw_source *src, struct check_result *r);
	void (*legacy)(struct host *h, const json_t *params, struct check_result *r);
	bool (*either)(const char *item, const char *expected);
};

/* Load the family's backends (params "family") and run the kind over the
 * ones that hold rules: nf_tables, legacy, or both merged (fw_merge). */
void fw_run(struct host *h, const json_t *params, struct check_result *r,
	    const struct fw_backends *b);

/* Whether the family's legacy x_tables are loaded (live: start
 * iptables-save early only then; nf_tables hosts run no command). */
bool fw_legacy_loaded(struct host *h, const char *family);

#endif
