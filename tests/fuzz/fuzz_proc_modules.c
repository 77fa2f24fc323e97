/* /proc/modules (checks/module_disabled.c). */
#include <errno.h>

#include "fuzz.h"
#include "checks/proc_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	char line[256];
	size_t bad = 0;
	const char *bad_text = NULL;
	int rc = proc_modules_find(text, "udf", line, sizeof(line), &bad, &bad_text);
	FUZZ_ASSERT(rc == -EINVAL || rc == 0 || rc == 1);
	FUZZ_ASSERT(rc >= 0 || (bad > 0 && bad_text));
	free(text);
	return 0;
}
