/* The nf_tables netlink decoder (core/nft_netlink.c): the input is the
 * kernel's side of a dump, a sequence of reply datagrams (tests/fuzz/replay.h:
 * tables, chains, sets, set elements, rules, the generation before and
 * after), decoded through nft_netlink_ruleset_io() exactly as from the
 * socket. Seeds: real dumps of tests/fixtures/nft/ captured from the kernel
 * in a private network namespace (capture_nft_netlink.sh). What decodes is
 * then read by the JSON ruleset reader and evaluated, as the report does. */
#include <jansson.h>

#include "fuzz.h"
#include "fuzz_nft.h"
#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct replay r;
	json_t *doc = (json_t *)1;
	char why[512];
	int rc = replay_ruleset(data, size, &r, &doc, why, sizeof(why));
	/* a result, or an errno and a reason; never both */
	FUZZ_ASSERT(rc <= 0);
	FUZZ_ASSERT(rc == 0 ? doc != NULL && why[0] == '\0' : doc == NULL && why[0] != '\0');
	if (rc == 0) {
		struct nfr_ruleset rs;
		char err[512];
		if (nfr_parse_json(doc, &rs, err, sizeof(err)) == 0)
			fuzz_nft_evaluate(&rs);
		nfr_free(&rs);
	}
	json_decref(doc);
	return 0;
}
