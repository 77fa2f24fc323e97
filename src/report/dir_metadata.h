/* A check folder's own description: bloodhound's metadata.json.
 *
 * Bottlerocket installs one beside the checker programs of each folder its
 * API server passes to bloodhound -c (os.spec in bottlerocket-core-kit):
 *   /usr/libexec/cis-checks/bottlerocket/metadata.json
 *     {"name": "CIS Bottlerocket Benchmark", "version": "v1.0.0",
 *      "url": "https://www.cisecurity.org/benchmark/bottlerocket"}
 * bloodhound reports its name, version and url (each optional) as the
 * report's; other members are ignored. cisreport adds one member that
 * bloodhound ignores: "type", the benchmark type of cisreport's profiles
 * that the folder stands for ("bottlerocket", "kubernetes", "fips"). That,
 * and never the folder's name, is how "-c DIR" picks a benchmark
 * (profile_load, docs/profile-format.md).
 *
 * Used by the profile loader and by the external checker runner alike: one
 * reader, one set of rules and error messages. */
#ifndef CISREPORT_DIR_METADATA_H
#define CISREPORT_DIR_METADATA_H

#include <stddef.h>

#define DIR_METADATA_FILE "metadata.json"
/* bloodhound's files are ~120 bytes; anything near this is not one. */
#define DIR_METADATA_MAX (64u << 10)

struct dir_metadata {
	char *name;    /* "CIS Bottlerocket Benchmark"; NULL when absent or null */
	char *version; /* "v1.0.0"; NULL when absent or null */
	char *url;     /* NULL when absent or null */
	char *type;    /* cisreport's "type" marker; NULL when absent or null */
};

/* Read DIR/metadata.json into *m (zeroed first, whatever the outcome).
 * Returns
 *   0        read; any member may still be NULL;
 *   -ENOENT  DIR has no metadata.json (not an error: bloodhound then reports
 *            no name, version or url); err is left empty;
 *   -EINVAL  present but not bloodhound's shape: not JSON, not an object,
 *            name/version/url/type not a string or null, "type" not
 *            [a-z0-9_-]+, larger than DIR_METADATA_MAX, a folder or not a regular file
 *            (a FIFO never blocks: util/safe_file);
 *            err says "DIR/metadata.json:LINE:COL: FIELD: problem" (or
 *            "DIR/metadata.json: problem" when no position applies);
 *   -ENOMEM, or another -errno when it cannot be read (err names it).
 * bloodhound silently ignores a metadata.json it cannot parse; cisreport
 * refuses it by name instead (docs/compatibility.md). */
int dir_metadata_read(const char *dir, struct dir_metadata *m, char *err, size_t err_size);
void dir_metadata_free(struct dir_metadata *m);

#endif
