/* What a check's verdict depends on, declared by its kind as data, so that
 * the daemon can watch those inputs and re-run the check only when one of
 * them changes (docs/continuous.md). A kind that cannot say what it reads
 * declares nothing (its inputs hook is NULL) and is never cached. */
#ifndef CISREPORT_INPUTS_H
#define CISREPORT_INPUTS_H

#include <stdbool.h>
#include <stddef.h>

enum input_class {
	INPUT_PATH,      /* a file, or a directory and its entries (host-absolute path) */
	INPUT_TREE,      /* a directory and everything below it */
	INPUT_SYSCTL,    /* one kernel parameter, by name ("net.ipv4.ip_forward") */
	INPUT_MOUNTS,    /* the mount table */
	INPUT_SELINUX,   /* the kernel's SELinux state (enforcing, policy) */
	INPUT_MODULES,   /* the loaded kernel modules */
	INPUT_FIREWALL,  /* the netfilter ruleset */
	INPUT_PROCESSES, /* running processes (name) */
	INPUT_UNITS,     /* systemd units (name) */
	INPUT_KERNEL,    /* other kernel state with no notification (name says which) */
	INPUT_OBSERVER,  /* the runtime observer's events of one class (name: "user_namespace", ...) */
	INPUT_NCLASSES,
};

struct check_input {
	enum input_class cls;
	char *name; /* path, sysctl name, process or unit; "" for whole-host inputs */
};

struct check_inputs {
	struct check_input *v;
	size_t n, cap;
};

/* Add one input; the name is copied. Returns 0 or -ENOMEM. */
int inputs_add(struct check_inputs *in, enum input_class cls, const char *name);
void inputs_free(struct check_inputs *in);

/* "path", "tree", "sysctl", ... for logs, metrics and docs. */
const char *input_class_name(enum input_class cls);

#endif
