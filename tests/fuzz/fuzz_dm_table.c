/* A device-mapper table as dmsetup prints it (checks/dm_verity.c). */
#include "fuzz.h"
#include "checks/proc_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	struct dm_line lines[16];
	size_t n;
	if (dm_table_parse(text, lines, 16, &n) == 0) {
		FUZZ_ASSERT(n > 0 && n <= 16);
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT(strlen(lines[i].type) < sizeof(lines[i].type));
	}
	free(text);
	return 0;
}
