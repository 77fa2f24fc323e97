/* Benchmark profiles: declarative check lists loaded from JSON files in
 * <dir>/level<N>/. A check's level is the N of its folder. */
#ifndef CISREPORT_PROFILE_H
#define CISREPORT_PROFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define PROFILE_FORMAT_VERSION 1
/* Levels are bloodhound's: 0 to 255 (a u8); folders level0 ... level255. */
#define PROFILE_MAX_LEVEL 255

struct check_kind;

struct benchmark {
	char *type;    /* "bottlerocket", "kubernetes", "fips" */
	char *report;  /* report name in the API: "cis", "cis-k8s", "fips" */
	char *name;    /* "CIS Bottlerocket Benchmark" */
	char *version; /* "v1.0.0" */
	char *url;
};

struct check_def {
	const char *name;  /* stable key, e.g. "br01040100" */
	const char *id;    /* benchmark item, e.g. "1.4.1" */
	const char *title;
	const char *remediation; /* "" when none */
	const char *kind_name;
	const struct check_kind *kind;
	const json_t *params;    /* owned by entry */
	bool manual;             /* mode "Manual" */
	int level;
	const char *source; /* "profiles/level1/bottlerocket.json:12" */
	json_t *entry;      /* the check's JSON object: owns the strings above */
};

struct profile {
	struct benchmark bm;
	struct check_def *checks; /* sorted by name, as bloodhound orders them */
	size_t n_checks;
	char **files; /* every profile file read for this benchmark */
	size_t n_files;
	char *dir;
	/* bloodhound checkers of dir merged into checks (docs/checkers.md):
	 * how many, and the executables left out, one sentence each (the CLI
	 * prints them, the daemon logs them). */
	size_t n_checkers;
	char **warnings;
	size_t n_warnings;
};

/* Load every profile file under dir and keep the checks of benchmark type.
 * type NULL: the type dir's metadata.json stands for (its "type", else the
 * type whose benchmark name is its "name"; report/dir_metadata.h), else the
 * only type present, else "bottlerocket"; never the folder's name. When
 * metadata.json stands for the type kept, its name, version and url are the
 * report's, as bloodhound reports them. A malformed metadata.json is an
 * error (-EINVAL, message naming it). Every file is
 * validated, whatever its type: a malformed profile is an error, never half
 * a report. The executables in dir itself are bloodhound checkers
 * (report/checker_dir.h): they join the folder's benchmark, sorted with
 * the profile checks by name; a name defined twice is an error. Returns 0; -ENOENT (no such dir / no checks of that type) or
 * -EINVAL (malformed), with a message "file:line:col: field: problem" in err. */
int profile_load(const char *dir, const char *type, struct profile *p, char *err,
		 size_t err_size);

/* profile_load for a report of levels 0..max_level: the files of the level
 * folders above it are not read (nor validated) once the type kept is
 * settled without them (given, named by metadata.json's "type", or two
 * types among the files read); otherwise they are read for their type, as
 * profile_load does. The checkers in dir are loaded whatever their level. */
int profile_load_levels(const char *dir, const char *type, int max_level, struct profile *p,
			char *err, size_t err_size);
void profile_free(struct profile *p);
/* n check_defs that own their entry and source, and the array. */
void check_defs_free(struct check_def *defs, size_t n);

/* One profile file from its bytes (name stands for its path in errors),
 * as profile_load reads each file of a directory at that level: the same
 * validation, the same errors. For tests and fuzzing (tests/fuzz/). */
int profile_load_text(const char *name, const char *text, size_t len, int level,
		      const char *type, struct profile *p, char *err, size_t err_size);

/* The profile directory used when none is given: beside the running
 * program (<exe dir>/../share/cisreport/profiles, so that the prefix given
 * to cmake --install holds), else the configured install directory, else
 * the source tree's (a program run from its build directory). The result
 * is a static buffer: call it from one thread. */
const char *profile_default_dir(void);

/* The shipped profiles, compiled at build time (tools/profile_compile, from
 * the same JSON files, which stay the source of truth): a profile file
 * byte-identical to one of these is taken from here instead of being parsed
 * and validated again (the build validated it with this loader). Any other
 * file, or any file when none is registered, is parsed as JSON. */
struct profile_shipped_check {
	const char *name, *id, *title, *remediation, *kind;
	bool manual;
	int line;           /* of the check's object in the file */
	const char *params; /* compiled (util/json_compiled.h), NULL: none */
};

struct profile_shipped_file {
	const char *rel; /* "level1/bottlerocket.json" */
	int level;
	const char *text; /* the file's bytes */
	size_t len;
	const char *type, *report, *name, *version, *url; /* its "benchmark" */
	const struct profile_shipped_check *checks;
	size_t n_checks;
};

struct profile_shipped {
	const struct profile_shipped_file *files;
	size_t n_files;
};

/* What the programs carry (generated profiles_shipped.c); set once by
 * main() through profile_use_shipped before any profile_load. */
extern const struct profile_shipped cisreport_shipped_profiles;
void profile_use_shipped(const struct profile_shipped *shipped);

/* A check by name ("br01040100") or benchmark id ("1.4.1"); NULL if none. */
const struct check_def *profile_find_check(const struct profile *p, const char *name_or_id);

#endif
