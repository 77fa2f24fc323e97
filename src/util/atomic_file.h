/* Output files are never half-written: write to a temporary file in the
 * same directory, fsync, then rename over the target. */
#ifndef CISREPORT_ATOMIC_FILE_H
#define CISREPORT_ATOMIC_FILE_H

#include <stdio.h>

struct atomic_file {
	FILE *f;
	char *path;
	char *tmp;
};

/* Returns 0 or -errno. mode is the final file mode (e.g. 0644). */
int atomic_open(struct atomic_file *af, const char *path, int mode);
/* Flush, fsync and rename into place. Returns 0 or -errno (file removed). */
int atomic_commit(struct atomic_file *af);
/* Throw the temporary file away. */
void atomic_abort(struct atomic_file *af);

/* Write len bytes to path atomically. */
int atomic_write(const char *path, const void *data, size_t len, int mode);

#endif
