/* The evaluations the firewall kinds make over a ruleset read by
 * checks/nft_ruleset.c (checks/nft_eval.c): default policy per hook,
 * loopback accept, spoofed loopback drop, for IPv4 and IPv6. Shared by
 * fuzz_nft_ruleset (JSON) and fuzz_nft_netlink (netlink replies). */
#ifndef CISREPORT_FUZZ_NFT_H
#define CISREPORT_FUZZ_NFT_H

#include <sys/socket.h>

#include "fuzz.h"
#include "checks/nft_eval.h"
#include "checks/nft_ruleset.h"

static inline void fuzz_nft_evaluate(const struct nfr_ruleset *rs)
{
	static const int fams[] = {NFR_FAM_IP, NFR_FAM_IP6};
	static const char *const lo[] = {"127.0.0.0/8", "::1"};
	static const int afs[] = {AF_INET, AF_INET6};
	for (size_t i = 0; i < 2; i++) {
		struct nfe_result r;
		struct nfr_range range;
		int prefix;
		FUZZ_ASSERT(nfr_parse_net(afs[i], lo[i], &range, &prefix) == 0);
		nfe_default_policy(rs, fams[i], NFR_HOOK_INPUT, true, &r);
		nfe_default_policy(rs, fams[i], NFR_HOOK_FORWARD, true, &r);
		nfe_default_policy(rs, fams[i], NFR_HOOK_OUTPUT, false, &r);
		nfe_loopback_accept(rs, fams[i], NFR_HOOK_INPUT, &range, &r);
		nfe_loopback_accept(rs, fams[i], NFR_HOOK_OUTPUT, &range, &r);
		nfe_spoof_drop(rs, fams[i], &range, &r);
	}
}

#endif
