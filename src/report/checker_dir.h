/* The bloodhound checkers of a -c folder (docs/checkers.md): every entry
 * that is not a directory and has an execute bit (symlinks followed), as
 * bloodhound finds them, each asked for `EXE metadata`, all at once. The
 * profile loader merges them with the folder's JSON profiles. */
#ifndef CISREPORT_CHECKER_DIR_H
#define CISREPORT_CHECKER_DIR_H

#include <stddef.h>

#include "profile.h"
#include "util/dir_list.h"

struct checker_dir {
	/* Entries of kind "checker"; each owns its strings through ->entry
	 * and ->source, as profile checks do (moved into a profile). */
	struct check_def *defs;
	size_t n_defs;
	/* Files left out, one sentence each ("DIR/x: not a checker: ..."),
	 * as bloodhound leaves out what does not give metadata. */
	char **warnings;
	size_t n_warnings;
	size_t n_executables; /* executables seen, refused ones included */
};

/* Scan dir. A checker whose metadata parses becomes a check of its level;
 * one the trust rule (core/exec_trust.h) refuses is not run at all and
 * becomes a SKIP check named by its file name, at level 0 (so every report
 * shows it), with the reason; one whose metadata does not parse, or does
 * not come within host_checker_timeout(), is left out with a warning. Returns 0, or
 * -ENOENT (no such folder) / -ENOMEM with err set. */
int checker_dir_load(const char *dir, struct checker_dir *out, char *err, size_t err_size);
/* The same over dir's entries as the caller listed them (the profile
 * loader lists the folder once for its level folders and its checkers). */
int checker_dir_load_listed(const char *dir, const struct dir_list *entries,
			    struct checker_dir *out, char *err, size_t err_size);
void checker_dir_free(struct checker_dir *d);

#endif
