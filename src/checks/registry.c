/* The table of check kinds a profile may name. */
#include <string.h>

#include "kind.h"

extern const struct check_kind manual_kind;
extern const struct check_kind sysctl_kind;
extern const struct check_kind runtime_kind;

const struct check_kind *const check_kinds[] = {
	&manual_kind,
	&sysctl_kind,
	&runtime_kind,
	NULL,
};

const struct check_kind *check_kind_find(const char *name)
{
	for (size_t i = 0; check_kinds[i]; i++)
		if (strcmp(check_kinds[i]->name, name) == 0)
			return check_kinds[i];
	return NULL;
}
