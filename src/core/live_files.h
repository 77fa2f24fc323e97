/* The live kernel's pseudo-files, kept open for the life of the process.
 *
 * A sysctl or a /proc table is made anew by the kernel at each read from
 * offset 0, so the open (a path walk), the fstat and the close that every
 * read of it paid (each report, each daemon request: some 40 files) buy
 * nothing the next read needs. This keeps the descriptors, never the
 * contents: each read is a pread from offset 0 of what the kernel holds now.
 *
 * Only for the live machine without a root prefix, and only for the paths
 * live_files_covers names: /proc/sys/... and a short list of fixed /proc,
 * /sys files the checks read; never /proc/PID/... (pids are reused) nor a
 * file on disk (it may be replaced by a rename). A descriptor is kept only
 * for a regular file on procfs, sysfs or securityfs (fstatfs, at its open).
 *
 * What a read answers is what a fresh open and read would answer:
 *  - a file that went away (a sysctl unregistered, a module's /proc file
 *    removed: ENOENT, EIO, ENODEV on the old descriptor) is opened afresh
 *    once, so a file re-created meanwhile is read, else the open's error;
 *  - an open that fails is not kept (the file may appear: a module loads);
 *  - a change of this mount namespace's mount table (poll on a mountinfo
 *    descriptor: POLLPRI) reopens every path at its next read, so a path
 *    is resolved as the mounts are now (securityfs unmounted, /proc/sys
 *    remounted); a report looks once, at its first read
 *    (live_files_read_as_of), and resolves every path as the mounts were
 *    then, as one look at the mount table would;
 *  - a child forked from this process reads afresh (it may drop privileges
 *    or change namespaces; the descriptors are its parent's opens).
 * Premise: this process itself does not change its credentials or its
 * namespaces after its first read (cisreport and cisreportd do not).
 *
 * Thread-safe: one read at a time per file (a whole read holds the file's
 * lock: offsets of two readers of one seq_file never interleave). Bounded:
 * LIVE_FILES_MAX paths; beyond that, reads open, read and close as before. */
#ifndef CISREPORT_LIVE_FILES_H
#define CISREPORT_LIVE_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIVE_FILES_MAX 256

/* Whether abs (an absolute path on the live machine) is one of the kernel's
 * pseudo-files this serves. */
bool live_files_covers(const char *abs);

/* Read abs (one live_files_covers names) as util/safe_file's safe_read
 * would: 0 and a malloc'd NUL-terminated *out (and *len), or the same
 * -errno a fresh open and read gives. */
int live_files_read(const char *abs, size_t max, char **out, size_t *len);

/* The mount table's generation now (one poll of the watch): what a report
 * takes once and passes to each live_files_read_as_of. */
uint64_t live_files_mounts(void);

/* live_files_read, with the mounts as the caller saw them at mounts_gen (a
 * live_files_mounts value): a descriptor opened before a change that
 * mounts_gen counts is opened afresh; one opened since is read. */
int live_files_read_as_of(const char *abs, uint64_t mounts_gen, size_t max, char **out,
			  size_t *len);

/* How many reads went through a kept descriptor, and how many opened one
 * (first reads, reopens): for tests and measurements. */
void live_files_counts(unsigned long *kept_reads, unsigned long *opens);

#endif
