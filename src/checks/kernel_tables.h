/* Reading the kernel's own tables under a host root: the mount table
 * (/proc/self/mountinfo, proc(5)) and the registered filesystem types
 * (/proc/filesystems). Shared by the kinds that ask "is X mounted" or "does
 * this kernel know X".
 *
 * The mount table is parsed here, as libmount's mountinfo parser reads it
 * (libmount 2.38; tests/unit/test_mountinfo.c compares the two line by
 * line): fields unescaped (\ooo), blank and '#' lines skipped, the first
 * malformed line an error. (libmount also guesses a table's format from
 * its first line and reads an fstab-format file as fstab; here that is
 * "line 1 is not mountinfo syntax".) It used
 * to be libmount itself; linking it (with libblkid, libselinux, libpcre2)
 * cost every run of cisreport about 0.3 M instructions of relocation and
 * its parse another 0.15 M (docs/performance.md). */
#ifndef CISREPORT_KERNEL_TABLES_H
#define CISREPORT_KERNEL_TABLES_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/host.h"

#define MOUNTINFO_PATH "/proc/self/mountinfo"
/* Seen from a container (host->mounted), the machine's mounts are its
 * init's: /proc/self would be the container's own. */
#define MOUNTINFO_PATH_MOUNTED "/proc/1/mountinfo"
#define MOUNTINFO(h) ((h)->mounted ? MOUNTINFO_PATH_MOUNTED : MOUNTINFO_PATH)
#define PROC_FILESYSTEMS_PATH "/proc/filesystems"

/* One line of mountinfo (proc(5)); every string is unescaped and
 * non-empty, but source may be "" (the kernel shows none). */
struct mount_entry {
	int id, parent;
	dev_t devno;       /* major:minor */
	const char *root;  /* within the filesystem */
	const char *target; /* the mount point */
	const char *vfs_options; /* per-mount: "ro,nosuid,..." */
	const char *opt_fields;  /* "shared:1 master:2", NULL when none */
	const char *fstype;
	const char *source;
	const char *fs_options; /* per-superblock */
};

struct mount_table {
	struct mount_entry *entries; /* in the file's order */
	size_t n;
	/* private */
	char *strings;
	char **resolved; /* sources named from /sys (the kernel's "/dev/root") */
	size_t n_resolved;
	int refs;
};

/* Parse <root>/proc/self/mountinfo, once per report (the table is kept with
 * the host's read of the file and shared by every check). Returns 0 and a
 * table to release with mount_table_unref (not to change), or -errno from
 * reading it, or -EINVAL when a line is not mountinfo syntax (*bad_line is
 * then its 1-based number). */
int mountinfo_load(const struct host *h, struct mount_table **out, int *bad_line);
/* The same over mountinfo text (len bytes; a NUL in it is line 1 bad). */
int mountinfo_parse(const char *text, size_t len, struct mount_table **out, int *bad_line);
void mount_table_unref(struct mount_table *tb);

/* The mount visible at target (the last one stacked there; paths compared
 * as libmount does: repeated and trailing slashes do not count), or NULL. */
const struct mount_entry *mountinfo_find_target(const struct mount_table *tb, const char *target);

/* The last mount of filesystem type fstype, or NULL. */
const struct mount_entry *mountinfo_find_fstype(const struct mount_table *tb, const char *fstype);

/* Whether the comma-separated option string has option name ("ro"), with
 * or without a value ("mode=755" has "mode"); a quoted value may hold
 * commas. */
bool mount_option_set(const char *options, const char *name);

/* Whether <root>/proc/filesystems lists fstype (exact name). 0 or -errno;
 * -EINVAL when the file is not in /proc/filesystems' format. */
int proc_filesystems_lists(const struct host *h, const char *fstype, bool *listed);

#endif
