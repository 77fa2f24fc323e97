/* The table of check kinds a profile may name. */
#include <string.h>

#include "kind.h"

extern const struct check_kind dm_verity_kind;
extern const struct check_kind lockdown_kind;
extern const struct check_kind manual_kind;
extern const struct check_kind module_disabled_kind;
extern const struct check_kind selinux_kind;
extern const struct check_kind sysctl_kind;
extern const struct check_kind chrony_kind;
extern const struct check_kind journald_kind;
extern const struct check_kind tree_permissions_kind;
extern const struct check_kind firewall_policy_kind;
extern const struct check_kind firewall_loopback_kind;

const struct check_kind *const check_kinds[] = {
	&dm_verity_kind,
	&lockdown_kind,
	&manual_kind,
	&module_disabled_kind,
	&selinux_kind,
	&sysctl_kind,
	&chrony_kind,
	&journald_kind,
	&tree_permissions_kind,
	&firewall_policy_kind,
	&firewall_loopback_kind,
	NULL,
};

const struct check_kind *check_kind_find(const char *name)
{
	for (size_t i = 0; check_kinds[i]; i++)
		if (strcmp(check_kinds[i]->name, name) == 0)
			return check_kinds[i];
	return NULL;
}
