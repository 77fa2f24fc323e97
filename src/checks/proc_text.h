/* The kernel's text tables the kinds parse, as functions over a buffer so
 * that tests and the fuzzers (tests/fuzz/) call them without a host tree.
 * Each kind reads its file through the host and calls these. The mount
 * table's parser is mountinfo_parse (kernel_tables.h). */
#ifndef CISREPORT_PROC_TEXT_H
#define CISREPORT_PROC_TEXT_H

#include <stddef.h>

/* /sys/kernel/security/lockdown: the one bracketed word of
 * "none [integrity] confidentiality", into selected (size bytes). 0, or
 * -EINVAL unless every word is a plain lowercase word and exactly one is
 * bracketed. */
int lockdown_parse_selected(const char *text, char *selected, size_t size);

/* /proc/modules ("name size refs deps state addr" per line; text is
 * modified): 1 when module is listed (its line into line_out), 0 when not,
 * -EINVAL when a line is not of that form (*bad_line its number among
 * the non-empty lines, *bad_text the line). */
int proc_modules_find(char *text, const char *module, char *line_out, size_t size,
		      size_t *bad_line, const char **bad_text);

/* /proc/cmdline split as the kernel splits it (lib/cmdline.c next_arg):
 * kernel parameters, and those after "--" for init. text is modified. */
struct cmdline {
	char **kernel; /* "param" or "param=value", quotes removed */
	size_t n_kernel;
	char **init; /* after "--" */
	size_t n_init;
};
int cmdline_parse(char *text, struct cmdline *c); /* 0 or -ENOMEM */
void cmdline_free(struct cmdline *c);

/* A device-mapper table ("start length type params" lines, as dmsetup
 * table prints it). text is modified; params point into it. 0, -EINVAL
 * (a line of another form, or none), -E2BIG (more than max lines). */
struct dm_line {
	char type[64];
	const char *params;
};
int dm_table_parse(char *text, struct dm_line *lines, size_t max, size_t *n);

#endif
