/* The mapping of benchmark checks to PCI DSS requirement 2.2.x. It is data
 * (profiles/pci-dss-2.2.json), not code: which requirements exist, which no
 * check covers and why, and per benchmark type which check ids evidence
 * which requirements. */
#ifndef CISREPORT_PCI_MAP_H
#define CISREPORT_PCI_MAP_H

#include <jansson.h>
#include <stddef.h>

struct check_def;
struct report;

#define PCI_MAP_FILE "pci-dss-2.2.json"
#define PCI_MAP_FORMAT_VERSION 1

struct pci_map {
	json_t *doc;
	char *path;
	char *text; /* the file as read, for the evidence bundle */
	size_t text_len;
};

/* Load and validate. Returns 0, -ENOENT (no such file) or -EINVAL with
 * "file:line:col: field: problem" in err. */
int pci_map_load(const char *path, struct pci_map *m, char *err, size_t err_size);
void pci_map_free(struct pci_map *m);

const char *pci_map_standard(const struct pci_map *m); /* "PCI DSS" */
const char *pci_map_version(const struct pci_map *m);  /* "v4.0" */

/* The requirement ids (JSON array of strings) check check_id of benchmark
 * type evidences, or NULL when the mapping does not name it. */
const json_t *pci_map_check(const struct pci_map *m, const char *type, const char *check_id);

/* The requirements a check of benchmark type evidences, as a new array
 * (empty when none): the mapping's entry for its id; else, for a runtime
 * check (a kind that backs benchmark items), the union of the requirements
 * of the mapped items it backs, with those items in *via when via is
 * non-NULL (a new array; NULL when the mapping names the check itself or
 * it backs no mapped item).
 * NULL only when out of memory. */
json_t *pci_map_requirements(const struct pci_map *m, const char *type,
			     const struct check_def *def, json_t **via);

/* The evidence bundle's mapping document for this report: every check with
 * its requirements and result, every requirement with the checks that
 * evidence it (and their counts) and the runtime checks observing it, the
 * requirements no check covers with the reason, the runtime checks that
 * back no mapped item (supporting evidence) and the checks the mapping does
 * not name. */
json_t *pci_map_report(const struct pci_map *m, const struct report *r);

#endif
