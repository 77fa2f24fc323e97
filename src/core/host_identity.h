/* Who the report is about: the host's name, machine and boot ids, OS and
 * kernel, read through the host handle (so --root trees work). Exports use
 * it for targets and stable finding ids; the evidence bundle records it. */
#ifndef CISREPORT_HOST_IDENTITY_H
#define CISREPORT_HOST_IDENTITY_H

#include <jansson.h>
#include <stdbool.h>

#include "host.h"

struct host_identity {
	char hostname[256];      /* /proc/sys/kernel/hostname, else /etc/hostname */
	char machine_id[64];     /* /etc/machine-id (32 hex digits when valid) */
	char boot_id[64];        /* /proc/sys/kernel/random/boot_id */
	char kernel_release[256]; /* /proc/sys/kernel/osrelease */
	char kernel_version[256]; /* /proc/sys/kernel/version */
	char arch[64];           /* /proc/sys/kernel/arch, else uname on the live host */
	char *os_release;        /* the os-release file's text, "" when unreadable */
	char os_release_path[32]; /* which file that was */
	json_t *os;              /* os-release parsed: {"ID": "bottlerocket", ...} */
	json_t *unreadable;      /* {"machine_id": "/etc/machine-id: No such file ..."} */
	bool machine_id_valid;
};

/* Read everything readable. Items that cannot be read are "" and named in
 * unreadable with path and reason; only -ENOMEM is an error. */
int host_identity_read(const struct host *h, struct host_identity *id);
void host_identity_free(struct host_identity *id);

/* A value of os-release ("" when absent), e.g. "PRETTY_NAME". */
const char *host_identity_os(const struct host_identity *id, const char *key);

/* The key that names this host in stable ids: the machine id when valid,
 * else the hostname, else "unknown-host". */
const char *host_identity_key(const struct host_identity *id);

/* The identity as a JSON object (for the evidence bundle's host.json). */
json_t *host_identity_json(const struct host_identity *id);

/* Parse os-release text (KEY=value, optionally quoted) into an object. */
json_t *os_release_parse(const char *text);

#endif
