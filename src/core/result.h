/* The result of one check: a verdict, why, and per-item evidence. */
#ifndef CISREPORT_RESULT_H
#define CISREPORT_RESULT_H

#include <stdbool.h>
#include <stddef.h>

enum check_status { CHECK_PASS, CHECK_FAIL, CHECK_SKIP };

/* Machine-readable outcome, finer than the status: a SKIP says whether the
 * check is manual, does not apply to this host, or could not be checked. */
enum check_outcome {
	OUTCOME_PASS,
	OUTCOME_FAIL,
	OUTCOME_MANUAL,
	OUTCOME_NOT_APPLICABLE,
	OUTCOME_UNABLE,
};

struct evidence {
	char *item;     /* what was looked at, e.g. "fs.suid_dumpable" */
	char *expected; /* what the benchmark wants */
	char *actual;   /* what was found (or why it could not be read) */
	bool ok;
};

struct json_t;

struct check_result {
	enum check_status status;
	enum check_outcome outcome;
	char *error; /* bloodhound's "error" field: the reason, "" on PASS */
	struct evidence *evidence;
	size_t n_evidence, cap_evidence;
	/* Runtime checks: what the observer saw (a JSON object, owned; written
	 * as the entry's "observation"), else NULL. */
	struct json_t *observation;
};

#define MANUAL_REASON "Manual check, see benchmark for audit details."

void result_init(struct check_result *r);
void result_free(struct check_result *r);

/* Record one evidence item; printf-style "actual". Returns 0 or -ENOMEM. */
__attribute__((format(printf, 5, 6))) int
result_evidence(struct check_result *r, const char *item, const char *expected,
		bool ok, const char *actual_fmt, ...);

/* Set the verdict. The reason is printf-style; NULL means "". */
__attribute__((format(printf, 2, 3))) void result_pass(struct check_result *r,
							const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void result_fail(struct check_result *r,
							const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void
result_skip(struct check_result *r, enum check_outcome outcome, const char *fmt, ...);

/* PASS when every evidence item is ok, FAIL (naming the first bad items)
 * otherwise. Used by kinds whose verdict is "all items as expected". */
void result_from_evidence(struct check_result *r);

/* A deep copy of src into dst (a memo keeps results between reports).
 * Returns 0 or -ENOMEM (dst then freed and empty). */
int result_copy(struct check_result *dst, const struct check_result *src);

const char *check_status_name(enum check_status s);
const char *check_outcome_name(enum check_outcome o);

#endif
