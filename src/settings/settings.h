/* The agent's own settings: report defaults, the observer switch and
 * waivers. One JSON file, shared by the CLI (--settings FILE) and the API
 * daemon (<state-dir>/settings.json, changed with PATCH /settings):
 *
 *   {"level": 1, "format": "text", "observer": true,
 *    "waivers": {"br01040100": {"reason": "...", "expires": "2026-12-31T00:00:00Z",
 *                               "approved-by": "security team"}}}
 *
 * A settings value is immutable once built: changes make a new one. */
#ifndef CISREPORT_SETTINGS_H
#define CISREPORT_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "report/report.h"

#define SETTINGS_FILE_NAME "settings.json"
#define SETTINGS_MAX_FILE (1u << 20)
#define SETTINGS_MAX_WAIVERS 1024
#define WAIVER_MAX_REASON 1024
#define WAIVER_MAX_APPROVER 256
#define WAIVER_MAX_CHECK_NAME 128
#define SETTINGS_MAX_CHANGES 32
#define SETTINGS_MAX_FULL_INTERVAL 86400
#define SETTINGS_MAX_WATCHERS 4096

struct waiver {
	char *check;       /* check name, e.g. "br01040100" */
	char *reason;
	char *expires;     /* RFC 3339, as given */
	time_t expires_at; /* the same instant, seconds since the epoch */
	char *approved_by; /* as the submitter said: a claim, never checked */
	/* Who submitted it, as the daemon saw the peer (SO_PEERCRED), and
	 * when: kept next to approved-by, never instead. uid -1 and at NULL:
	 * not known (written by hand or by an older version). */
	long submitted_uid, submitted_pid;
	char *submitted_at; /* RFC 3339 UTC */
};

/* The peer a change comes from (PATCH /settings), recorded in the settings. */
struct settings_actor {
	long uid, pid;
	time_t at;
};

struct settings {
	int level;      /* default report level when a request names none */
	char *format;   /* default report format */
	bool observer;  /* run the runtime observer */
	/* cisreportd's tunables; 0: not set, the daemon's option applies. */
	unsigned full_interval_s; /* safety-net full re-evaluation, seconds */
	unsigned max_watchers;    /* GET /events streams open at once */
	struct waiver *waivers; /* sorted by check name */
	size_t n_waivers;
	/* The last SETTINGS_MAX_CHANGES changes, oldest first, each
	 * {"at", "uid", "pid", "changed": ["level", "waivers.<check>", ...]};
	 * never NULL once built. Kept by the daemon, never set by a patch. */
	json_t *changes;
};

/* What a change is checked against, beyond types and ranges. */
struct settings_rules {
	/* Does a check of this name exist? May write a hint for the error
	 * message (e.g. the name of the check whose id was given). NULL:
	 * any well-formed name is accepted. */
	bool (*check_exists)(const char *name, char *hint, size_t hint_size, void *ctx);
	void *ctx;
	/* When non-zero, a waiver being set must expire after this instant. */
	time_t now;
	/* Who makes the change: recorded in "changes" and on each waiver set.
	 * NULL: not recorded. */
	const struct settings_actor *actor;
};

/* Defaults: level 1, format text, observer on, no waivers. */
int settings_init(struct settings *s);
void settings_free(struct settings *s);
int settings_copy(const struct settings *src, struct settings *dst);

/* Apply a JSON merge patch: top-level keys replace, "waivers" merges per
 * check (a waiver null removes it). Unknown key, bad type or value, unknown
 * check, past expiry → -EINVAL with a message naming the field and what is
 * allowed; base is never modified. On success *out is a new settings value.
 * With rules (a client's change) the fields the daemon keeps ("changes",
 * a waiver's "submitted-by" and "submitted-at") are refused; with rules NULL
 * (a whole document read from a file) they are read back. */
int settings_patch(const struct settings *base, const json_t *patch,
		   const struct settings_rules *rules, struct settings *out, char *err,
		   size_t err_size);

/* Load a settings file (a full document, validated like a patch over the
 * defaults, without the check and expiry rules: an expired waiver stays and
 * is reported as expired). A missing file gives the defaults and sets
 * *missing when missing is non-NULL. Returns 0 or -errno with err set. */
int settings_load(const char *path, struct settings *s, bool *missing, char *err,
		  size_t err_size);
/* The same with util/safe_file flags (SAFE_NOFOLLOW: the daemon's own
 * state file, where a symlink is not expected). A FIFO, a device or a
 * directory is an error naming the path ("not a regular file", "is a
 * directory"), never a blocking read. */
int settings_load_at(const char *path, unsigned safe_flags, struct settings *s, bool *missing,
		     char *err, size_t err_size);
/* A settings document over the defaults from its bytes (path names it in
 * errors): what settings_load does after reading, for tests and fuzzing. */
int settings_parse(const char *path, const char *text, size_t len, struct settings *s,
		   char *err, size_t err_size);

/* A client's patch as the bytes of its body (PATCH /settings): JSON parsed
 * with duplicates refused, then settings_patch. The whole handler over a
 * buffer, for tests and fuzzing. Returns 0, -EINVAL (err says why, naming
 * line and column for bad JSON) or -ENOMEM. */
int settings_patch_text(const struct settings *base, const char *body, size_t len,
			const struct settings_rules *rules, struct settings *out, char *err,
			size_t err_size);

/* The document, in the file's form (keys in a fixed order). */
json_t *settings_to_json(const struct settings *s);

/* Write the settings atomically (temp + fsync + rename + directory fsync),
 * mode 0600; with group >= 0 the file is given that group and mode 0640
 * (the temporary file stays 0600 until it is in place). */
int settings_save(const char *path, const struct settings *s, long group);

const struct waiver *settings_find_waiver(const struct settings *s, const char *check);

/* Attach the waivers to the report's entries, marking those whose expiry is
 * at or before now as expired. Statuses and counts are not changed.
 * Returns 0 or -ENOMEM. */
/* The first waiver expiry after now (a report's waiver state changes
 * then), or 0 when none is ahead. */
time_t settings_next_expiry(const struct settings *s, time_t now);

int settings_apply_waivers(const struct settings *s, struct report *r, time_t now);

/* RFC 3339 date-time ("2026-12-31T23:59:59Z", "...+02:00", fractions
 * allowed) to seconds since the epoch. Returns 0 or -EINVAL. */
int rfc3339_parse(const char *text, time_t *out);

#endif
