/* A check kind: one kind of probe (sysctl, module, SELinux, ...). A profile
 * entry names its kind and gives the kind's parameters; the kind validates
 * them when the profile loads and runs them against a host. */
#ifndef CISREPORT_KIND_H
#define CISREPORT_KIND_H

#include <jansson.h>
#include <stdbool.h>

#include "core/host.h"
#include "core/inputs.h"
#include "core/result.h"

/* A parameter problem found at load time: which parameter, and what is
 * wrong with it. The profile loader adds file, line and column. */
struct param_error {
	char field[128]; /* top-level key under "params" ("" for params itself) */
	char message[256];
};

struct check_kind {
	const char *name;
	/* One line for --help and docs. */
	const char *summary;
	/* Check params at profile load; 0, or -EINVAL with err filled. */
	int (*validate)(const json_t *params, struct param_error *err);
	/* Optional: start slow work early (e.g. a command) before any check runs. */
	void (*prepare)(struct host *h, const json_t *params);
	/* Probe the host and set r's verdict, reason and evidence. */
	void (*run)(struct host *h, const json_t *params, struct check_result *r);
	/* Runtime kinds read the observer: their checks join a report only
	 * when one is attached to the host (or when named with --check), so a
	 * plain report lists exactly bloodhound's checks. */
	bool needs_observer;
	/* Optional: does this check give runtime evidence for benchmark item
	 * id? The report then shows its result beside that item's. */
	bool (*backs)(const json_t *params, const char *id);
	/* What the verdict depends on, as data the daemon watches
	 * (docs/continuous.md): add each input to out; 0 or -ENOMEM. NULL:
	 * the kind cannot say, and its checks are re-run for every report. */
	int (*inputs)(const json_t *params, struct check_inputs *out);
};

const struct check_kind *check_kind_find(const char *name);

/* All kinds, NULL-terminated (for --list-kinds and docs). */
extern const struct check_kind *const check_kinds[];

#endif
