/* The table of check kinds a profile may name. */
#include <string.h>

#include "kind.h"

extern const struct check_kind checker_kind;
extern const struct check_kind chrony_kind;
extern const struct check_kind dm_verity_kind;
extern const struct check_kind file_mode_kind;
extern const struct check_kind file_owner_kind;
extern const struct check_kind files_exist_kind;
extern const struct check_kind firewall_loopback_kind;
extern const struct check_kind firewall_policy_kind;
extern const struct check_kind journald_kind;
extern const struct check_kind kubelet_config_kind;
extern const struct check_kind lockdown_kind;
extern const struct check_kind manual_kind;
extern const struct check_kind module_disabled_kind;
extern const struct check_kind openssl_fips_kind;
extern const struct check_kind runtime_kind;
extern const struct check_kind selinux_kind;
extern const struct check_kind sysctl_kind;
extern const struct check_kind tree_permissions_kind;

const struct check_kind *const check_kinds[] = {
	&checker_kind,
	&chrony_kind,
	&dm_verity_kind,
	&file_mode_kind,
	&file_owner_kind,
	&files_exist_kind,
	&firewall_loopback_kind,
	&firewall_policy_kind,
	&journald_kind,
	&kubelet_config_kind,
	&lockdown_kind,
	&manual_kind,
	&module_disabled_kind,
	&openssl_fips_kind,
	&runtime_kind,
	&selinux_kind,
	&sysctl_kind,
	&tree_permissions_kind,
	NULL,
};

const struct check_kind *check_kind_find(const char *name)
{
	for (size_t i = 0; check_kinds[i]; i++)
		if (strcmp(check_kinds[i]->name, name) == 0)
			return check_kinds[i];
	return NULL;
}
