/* /sys/kernel/security/lockdown (checks/lockdown.c). */
#include "fuzz.h"
#include "checks/proc_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	char selected[32];
	if (lockdown_parse_selected(text, selected, sizeof(selected)) == 0)
		FUZZ_ASSERT(strlen(selected) > 0 && strlen(selected) < sizeof(selected));
	free(text);
	return 0;
}
