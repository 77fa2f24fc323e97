/* /proc/self/mountinfo (checks/kernel_tables.c: the parser, every field of
 * every entry), and the lookups the kinds make in the table. */
#include "fuzz.h"
#include "checks/kernel_tables.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mount_table *tb;
	int bad;
	if (mountinfo_parse((const char *)data, size, &tb, &bad) != 0)
		return 0;
	size_t sum = 0;
	for (size_t i = 0; i < tb->n; i++) {
		const struct mount_entry *e = &tb->entries[i];
		sum += strlen(e->root) + strlen(e->target) + strlen(e->vfs_options) +
		       strlen(e->fstype) + strlen(e->source) + strlen(e->fs_options) +
		       (e->opt_fields ? strlen(e->opt_fields) : 0);
		mount_option_set(e->vfs_options, "ro");
		mountinfo_find_target(tb, e->target);
	}
	mountinfo_find_target(tb, "/");
	mountinfo_find_fstype(tb, "selinuxfs");
	mount_table_unref(tb);
	return sum == (size_t)-1;
}
