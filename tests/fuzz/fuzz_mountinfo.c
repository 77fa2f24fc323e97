/* /proc/self/mountinfo through libmount (checks/kernel_tables.c), and the
 * lookups the kinds make in the table. */
#include "fuzz.h"
#include "checks/kernel_tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct libmnt_table *tb;
	int bad;
	if (mountinfo_parse((const char *)data, size, &tb, &bad) != 0)
		return 0;
	mountinfo_find_target(tb, "/");
	mountinfo_find_fstype(tb, "selinuxfs");
	mnt_unref_table(tb);
	return 0;
}
