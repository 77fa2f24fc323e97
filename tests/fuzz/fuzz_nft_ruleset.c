/* The nf_tables JSON ruleset reader (checks/nft_ruleset.c, `nft -j list
 * ruleset`) and the evaluations the firewall kinds make over what it read
 * (checks/nft_eval.c): default policy, loopback accept, spoofed loopback. */
#include "fuzz.h"
#include "fuzz_nft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nfr_ruleset rs;
	char err[512];
	if (nfr_parse((const char *)data, size, &rs, err, sizeof(err)) == 0)
		fuzz_nft_evaluate(&rs);
	nfr_free(&rs);
	return 0;
}
