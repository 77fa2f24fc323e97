/* The benchmark profiles the daemon serves: every benchmark type found in
 * the profile directory, loaded once at start and again on SIGHUP. A
 * catalog is immutable and reference-counted, so a reload never pulls a
 * profile from under a request that is still running. */
#ifndef CISREPORTD_CATALOG_H
#define CISREPORTD_CATALOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "report/profile.h"

struct catalog {
	atomic_int refs;
	char *dir;
	struct profile *profiles; /* sorted by report name, then type */
	size_t n_profiles;
};

/* Load every benchmark type under dir. A malformed file, or a directory
 * without any check, is an error (message in err). Returns 0 or -errno. */
int catalog_load(const char *dir, struct catalog **out, char *err, size_t err_size);
struct catalog *catalog_ref(struct catalog *c);
void catalog_unref(struct catalog *c);

const struct profile *catalog_by_type(const struct catalog *c, const char *type);
const struct profile *catalog_by_report(const struct catalog *c, const char *report);
/* A check by name in any profile; NULL if none. */
const struct check_def *catalog_find_check(const struct catalog *c, const char *name);
/* A check by benchmark id ("1.4.1") in any profile, for hints; NULL if none. */
const struct check_def *catalog_find_check_id(const struct catalog *c, const char *id);

/* Is p one of the CIS benchmarks served at /report/cis?type=... (report
 * "cis" or "cis-..."), as Bottlerocket serves cis-k8s as type=kubernetes? */
bool catalog_is_cis(const struct profile *p);

/* The types of the CIS benchmarks ("bottlerocket, kubernetes") and all
 * report names ("cis, cis-k8s, fips"), comma-separated, into buf. */
void catalog_cis_types(const struct catalog *c, char *buf, size_t size);
void catalog_reports(const struct catalog *c, char *buf, size_t size);

#endif
