#include "inputs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int inputs_add(struct check_inputs *in, enum input_class cls, const char *name)
{
	if (in->n == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 4;
		struct check_input *v = realloc(in->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		in->v = v;
		in->cap = cap;
	}
	char *copy = strdup(name ? name : "");
	if (!copy)
		return -ENOMEM;
	in->v[in->n++] = (struct check_input){.cls = cls, .name = copy};
	return 0;
}

void inputs_free(struct check_inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->v[i].name);
	free(in->v);
	memset(in, 0, sizeof(*in));
}

const char *input_class_name(enum input_class cls)
{
	static const char *const names[INPUT_NCLASSES] = {
		[INPUT_PATH] = "path",         [INPUT_TREE] = "tree",
		[INPUT_SYSCTL] = "sysctl",     [INPUT_MOUNTS] = "mounts",
		[INPUT_SELINUX] = "selinux",   [INPUT_MODULES] = "modules",
		[INPUT_FIREWALL] = "firewall", [INPUT_PROCESSES] = "processes",
		[INPUT_UNITS] = "units",       [INPUT_KERNEL] = "kernel",
		[INPUT_OBSERVER] = "observer",
	};
	return (unsigned)cls < INPUT_NCLASSES ? names[cls] : "unknown";
}
