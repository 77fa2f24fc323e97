/* Whether an executable found in a folder may be run (bloodhound's
 * checkers, docs/checkers.md). bloodhound runs any executable in its -c
 * folder; cisreport runs one only when nobody but root or the user running
 * the report could have put it there or changed it:
 *
 *  - the file (symlinks followed, as exec follows them) is a regular file,
 *    owned by root or by uid, and not writable by group or others;
 *  - the folder holding that file, and the folder it was found in (the -c
 *    folder, when the entry is a symlink to elsewhere), are each owned by
 *    root or by uid and not writable by group or others.
 *
 * Symlinks in between (a chain through a third folder) are not checked. */
#ifndef CISREPORT_EXEC_TRUST_H
#define CISREPORT_EXEC_TRUST_H

#include <stddef.h>
#include <sys/types.h>

/* 0 when path (an entry of folder dir) may be run; else -EPERM (or
 * -errno when it cannot be looked at) and a sentence naming the file and
 * why in why, e.g. "/c/br01 is group-writable (mode 0775)". */
int exec_trusted(const char *dir, const char *path, uid_t uid, char *why, size_t why_size);

#endif
