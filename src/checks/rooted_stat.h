/* stat() of a host path with symlinks resolved inside the host root.
 *
 * With --root DIR, a symlink in the tree such as /etc/x -> /usr/share/x
 * must lead to DIR/usr/share/x, not to the machine running the report.
 * host_open (openat2 RESOLVE_IN_ROOT) does exactly that. */
#ifndef CISREPORT_ROOTED_STAT_H
#define CISREPORT_ROOTED_STAT_H

#include <sys/stat.h>

#include "core/host.h"

/* Returns 0 or -errno (-ENOENT, -EACCES, -ELOOP, ...). */
int rooted_stat(const struct host *h, const char *abs, struct stat *st);

/* "regular file", "directory", "symbolic link", ... */
const char *file_type_name(mode_t mode);

#endif
