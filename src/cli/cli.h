/* What the cisreport subcommands (report, evidence, verify) share;
 * cli_common.c holds it, so main.c and the subcommands depend on it and
 * never on each other. */
#ifndef CISREPORT_CLI_H
#define CISREPORT_CLI_H

#include <stdbool.h>
#include <stddef.h>

struct pci_map;

/* bloodhound's exit codes, and verify's */
enum {
	EXIT_USAGE = 1,
	EXIT_CHECKS_NOT_FOUND = 2,
	EXIT_OUTPUT_ERROR = 3,
	EXIT_NO_CHECK_RAN = 4,
	EXIT_VERIFY_FAILED = 5,
};

/* cli_common.c */
bool parse_int(const char *s, long lo, long hi, long *out);
bool dir_exists(const char *p);
const char *default_check_dir(void);

/* The PCI DSS mapping: path when given, else
 * <check_dir>/pci-dss-2.2.json, else the default profile directory's.
 * Returns 0, -ENOENT (none found, places named in err) or -EINVAL. */
int cli_load_pci_map(const char *path, const char *check_dir, struct pci_map *m, char *err,
		     size_t err_size);

int cmd_evidence(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
