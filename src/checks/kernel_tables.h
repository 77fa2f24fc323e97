/* Reading the kernel's own tables under a host root: the mount table
 * (/proc/self/mountinfo, parsed by libmount) and the registered filesystem
 * types (/proc/filesystems). Shared by the kinds that ask "is X mounted"
 * or "does this kernel know X". */
#ifndef CISREPORT_KERNEL_TABLES_H
#define CISREPORT_KERNEL_TABLES_H

#include <libmount/libmount.h>
#include <stdbool.h>

#include "core/host.h"

#define MOUNTINFO_PATH "/proc/self/mountinfo"
/* Seen from a container (host->mounted), the machine's mounts are its
 * init's: /proc/self would be the container's own. */
#define MOUNTINFO_PATH_MOUNTED "/proc/1/mountinfo"
#define MOUNTINFO(h) ((h)->mounted ? MOUNTINFO_PATH_MOUNTED : MOUNTINFO_PATH)
#define PROC_FILESYSTEMS_PATH "/proc/filesystems"

/* Parse <root>/proc/self/mountinfo, once per report (the table is kept with
 * the host's read of the file and shared by every check). Returns 0 and a
 * table to release with mnt_unref_table (not to change), or -errno from reading it, or -EINVAL when a line is
 * not mountinfo syntax (*bad_line is then its 1-based number). */
int mountinfo_load(const struct host *h, struct libmnt_table **out, int *bad_line);
/* The same over mountinfo text (len bytes; a NUL in it is line 1 bad). */
int mountinfo_parse(const char *text, size_t len, struct libmnt_table **out, int *bad_line);

/* The mount visible at target (the last one stacked there), or NULL. */
struct libmnt_fs *mountinfo_find_target(struct libmnt_table *tb, const char *target);

/* The last mount of filesystem type fstype, or NULL. */
struct libmnt_fs *mountinfo_find_fstype(struct libmnt_table *tb, const char *fstype);

/* Whether <root>/proc/filesystems lists fstype (exact name). 0 or -errno;
 * -EINVAL when the file is not in /proc/filesystems' format. */
int proc_filesystems_lists(const struct host *h, const char *fstype, bool *listed);

#endif
