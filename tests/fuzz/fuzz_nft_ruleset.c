/* The nf_tables JSON ruleset reader (checks/nft_ruleset.c, `nft -j list
 * ruleset`) and the evaluations the firewall kinds make over what it read
 * (checks/nft_eval.c): default policy, loopback accept, spoofed loopback. */
#include <sys/socket.h>

#include "fuzz.h"
#include "checks/nft_eval.h"
#include "checks/nft_ruleset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nfr_ruleset rs;
	char err[512];
	if (nfr_parse((const char *)data, size, &rs, err, sizeof(err)) == 0) {
		static const int fams[] = {NFR_FAM_IP, NFR_FAM_IP6};
		static const char *const lo[] = {"127.0.0.0/8", "::1"};
		static const int afs[] = {AF_INET, AF_INET6};
		for (size_t i = 0; i < 2; i++) {
			struct nfe_result r;
			struct nfr_range range;
			int prefix;
			FUZZ_ASSERT(nfr_parse_net(afs[i], lo[i], &range, &prefix) == 0);
			nfe_default_policy(&rs, fams[i], NFR_HOOK_INPUT, true, &r);
			nfe_default_policy(&rs, fams[i], NFR_HOOK_FORWARD, true, &r);
			nfe_default_policy(&rs, fams[i], NFR_HOOK_OUTPUT, false, &r);
			nfe_loopback_accept(&rs, fams[i], NFR_HOOK_INPUT, &range, &r);
			nfe_loopback_accept(&rs, fams[i], NFR_HOOK_OUTPUT, &range, &r);
			nfe_spoof_drop(&rs, fams[i], &range, &r);
		}
	}
	nfr_free(&rs);
	return 0;
}
