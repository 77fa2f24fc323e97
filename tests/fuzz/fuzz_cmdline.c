/* /proc/cmdline as the kernel splits it (checks/dm_verity.c). */
#include "fuzz.h"
#include "checks/proc_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	struct cmdline c;
	if (cmdline_parse(text, &c) == 0) {
		for (size_t i = 0; i < c.n_kernel; i++)
			FUZZ_ASSERT(c.kernel[i] != NULL);
		cmdline_free(&c);
	}
	free(text);
	return 0;
}
