/* Output files are never half-written: write to a temporary file in the
 * same directory, fsync, then rename over the target.
 *
 * The temporary file is "<target>.tmp.XXXXXX", created O_EXCL with mode
 * 0600 whatever the final mode (which, and the group if one is asked for,
 * it gets just before the rename), and unlinked on every error path. A
 * writer killed mid-way (kill -9, power loss) leaves the target old or new
 * and at most one such file: atomic_remove_stale() removes those of a
 * target, which cisreportd does for its state at start-up.
 *
 * Fault injection for tests: CISREPORT_FAULT_ATOMIC=STAGE makes the writer
 * kill itself (SIGKILL) at that stage of every atomic write: "open" (temp
 * created, empty), "write" (temp written, not synced), "rename" (synced,
 * before the rename), "renamed" (after the rename, before the directory
 * fsync). */
#ifndef CISREPORT_ATOMIC_FILE_H
#define CISREPORT_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

struct atomic_file {
	FILE *f;
	char *path;
	char *tmp;
	int mode;
	long gid; /* -1: keep the writer's */
};

/* Returns 0 or -errno. mode is the final file mode (e.g. 0644). */
int atomic_open(struct atomic_file *af, const char *path, int mode);
/* Give the file this group before it is renamed into place (-1: none). */
void atomic_set_group(struct atomic_file *af, long gid);
/* Flush, fsync and rename into place. Returns 0 or -errno (file removed). */
int atomic_commit(struct atomic_file *af);
/* Throw the temporary file away. */
void atomic_abort(struct atomic_file *af);

/* Write len bytes to path atomically. */
int atomic_write(const char *path, const void *data, size_t len, int mode);
/* The same, the file given group gid (>= 0) before the rename. */
int atomic_write_group(const char *path, const void *data, size_t len, int mode, long gid);

/* Remove the temporary files our writes of path leave when killed
 * ("<path>.tmp." and six letters or digits, regular files; nothing else),
 * calling removed(name) for each. Call when no writer of path can be
 * running. Returns how many were removed, or -errno. */
int atomic_remove_stale(const char *path, void (*removed)(const char *tmp, void *arg), void *arg);

/* CISREPORT_FAULT_ATOMIC=stage: SIGKILL here (for writers built on these). */
void atomic_fault_point(const char *stage);

/* A directory built whole (an evidence bundle): made as
 * "<target>.tmp.XXXXXX" (mkdtemp: new, mode 0700 while it is built) in the
 * target's directory, held by its writer with flock(LOCK_EX) on fd, given
 * its final mode, fsynced and renamed into place only when complete; the
 * target must not exist (RENAME_NOREPLACE: never over another directory).
 * Any error path removes the whole temporary tree. A writer killed mid-way
 * leaves no target and one such directory, which atomic_dir_remove_stale()
 * removes (it knows a live writer's by its lock). Fault stages as above:
 * "open" (created, empty), "rename" (complete, before the rename),
 * "renamed"; writers call atomic_fault_point("write") after their first
 * file. */
struct atomic_dir {
	int fd;     /* the temporary directory: create the contents relative to it */
	char *path;
	char *tmp;
	int mode;
};

/* Returns 0 or -errno. mode is the directory's final mode (e.g. 0755). */
int atomic_dir_open(struct atomic_dir *ad, const char *path, int mode);
/* fsync, final mode, rename into place (-EEXIST if the target appeared),
 * fsync of the parent. Returns 0 or -errno (the temporary tree removed). */
int atomic_dir_commit(struct atomic_dir *ad);
/* Remove the temporary tree. */
void atomic_dir_abort(struct atomic_dir *ad);

/* Remove the temporary directories atomic_dir writers leave when killed:
 * "<path>.tmp." and six letters or digits, a directory (never a link), of
 * this user, that no live writer holds. With names (NULL-terminated), also
 * those of any other target in path's directory ("*.tmp.XXXXXX", same
 * rules) whose top-level entries are all among names, i.e. made by the same
 * kind of writer for an earlier target. Calls removed(tmp) for each.
 * Returns how many were removed, or -errno. */
int atomic_dir_remove_stale(const char *path, const char *const *names,
			    void (*removed)(const char *tmp, void *arg), void *arg);

#endif
