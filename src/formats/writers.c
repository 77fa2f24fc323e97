/* The table of output formats. */
#include <string.h>
#include <strings.h>

#include "writer.h"

static const struct report_writer writers[] = {
	{"text", "text/plain; charset=utf-8", write_text, NULL},
	{"json", "application/json", write_json, NULL},
	{"ssm", "application/x-ndjson", write_ssm, NULL},
	{"xccdf", "application/xml", write_xccdf, NULL},
	{"asff", "application/x-ndjson", write_asff, asff_check_options},
	{"junit", "application/xml", write_junit, NULL},
};

/* Case-insensitive, as bloodhound's -f (the API passes the user's value on). */
const struct report_writer *report_writer_find(const char *name)
{
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (strcasecmp(writers[i].name, name) == 0)
			return &writers[i];
	return NULL;
}

const char *report_writer_names(void)
{
	static char names[256];
	if (!names[0])
		for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
			strncat(names, i ? ", " : "", sizeof(names) - strlen(names) - 1);
			strncat(names, writers[i].name, sizeof(names) - strlen(names) - 1);
		}
	return names;
}
