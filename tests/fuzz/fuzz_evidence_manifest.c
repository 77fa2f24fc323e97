/* The evidence bundle verifier's manifest check (evidence/evidence_verify.c):
 * "<sha256>  <path>" lines, paths confined to the bundle, duplicates. */
#include <stdio.h>

#include "fuzz.h"
#include "evidence/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!sink)
		sink = fopen("/dev/null", "w");
	struct evidence_verification v;
	evidence_manifest_check((const char *)data, size, sink, &v);
	return 0;
}
