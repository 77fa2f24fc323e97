/* Report writers: one per output format, all over the same report model. */
#ifndef CISREPORT_WRITER_H
#define CISREPORT_WRITER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "report.h"

struct writer_options {
	bool verbose; /* text: evidence and remediation under each check */
};

struct report_writer {
	const char *name;         /* value of -f / format= */
	const char *content_type; /* for the API */
	int (*write)(const struct report *r, const struct writer_options *o, FILE *out);
};

const struct report_writer *report_writer_find(const char *name);
/* "text, json, ..." for usage messages. */
const char *report_writer_names(void);

/* The bloodhound-compatible JSON document (extended), for writers and the API. */
json_t *report_to_json(const struct report *r);

int write_text(const struct report *r, const struct writer_options *o, FILE *out);
int write_json(const struct report *r, const struct writer_options *o, FILE *out);

#endif
