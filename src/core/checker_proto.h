/* bloodhound's checker protocol (docs/checkers.md), the part that reads
 * what a checker prints: `EXE metadata` prints CheckerMetadata, `EXE`
 * prints CheckerResult, each one JSON object, read as bloodhound reads them
 * (serde_json over the lossily decoded stdout): surrounding white space is
 * fine, anything after the object is not; every field is required, a
 * repeated field is an error, unknown fields are ignored; the enums are
 * spelled exactly "Automatic"/"Manual" and "PASS"/"FAIL"/"SKIP"; level is
 * an integer 0-255 (a u8; 1.0 is not one). */
#ifndef CISREPORT_CHECKER_PROTO_H
#define CISREPORT_CHECKER_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "result.h"

#define CHECKER_MAX_LEVEL 255

struct checker_meta {
	char *name;  /* the key the report is sorted by */
	char *id;    /* benchmark item, "1.4.1" */
	char *title;
	int level;   /* 0-255 */
	bool manual; /* mode "Manual" */
};

/* Parse the output of `EXE metadata` (len bytes, need not be
 * NUL-terminated). Returns 0, or -EINVAL with why (e.g. "level: must be an
 * integer 0-255, not 256") in why; -ENOMEM. m is empty on failure. */
int checker_parse_metadata(const char *out, size_t len, struct checker_meta *m, char *why,
			   size_t why_size);
void checker_meta_free(struct checker_meta *m);

/* Parse the output of `EXE`: the status and the error text (malloc'd,
 * valid UTF-8). Returns 0, or -EINVAL with why; -ENOMEM. */
int checker_parse_result(const char *out, size_t len, enum check_status *status, char **error,
			 char *why, size_t why_size);

/* Bytes as text for a JSON string: invalid UTF-8 and NUL bytes become
 * U+FFFD, as bloodhound's from_utf8_lossy does for the first (it keeps a
 * NUL; a C string cannot). malloc'd, NULL on no memory. */
char *checker_text(const char *bytes, size_t len);

#endif
