/* Go durations (checks/go_duration.c): parse, and what parses formats to a
 * text that parses back to the same value. */
#include <inttypes.h>

#include "fuzz.h"
#include "checks/go_duration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t ns;
	const char *why;
	if (go_duration_parse((const char *)data, size, &ns, &why) == 0) {
		char buf[GO_DURATION_MAX];
		go_duration_format(ns, buf);
		FUZZ_ASSERT(strlen(buf) < GO_DURATION_MAX);
		int64_t back;
		FUZZ_ASSERT(go_duration_parse(buf, strlen(buf), &back, &why) == 0);
		FUZZ_ASSERT(back == ns);
	}
	return 0;
}
