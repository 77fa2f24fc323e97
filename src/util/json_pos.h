/* Where a value sits in JSON text. jansson keeps no source positions, so a
 * profile error found after parsing (a bad field, not bad syntax) is located
 * by walking the text again along the field's path. */
#ifndef CISREPORT_JSON_POS_H
#define CISREPORT_JSON_POS_H

#include <stddef.h>

struct json_seg {
	const char *key; /* object member, or NULL for an array index */
	size_t index;
};

/* Find the value at path in text. On success sets *line and *col (1-based) of
 * the value's first character and returns 0; -ENOENT when the path does not
 * exist (then *line and *col point at the deepest container found). */
int json_locate(const char *text, const struct json_seg *path, size_t n_path,
		int *line, int *col);

/* The lines (1-based) of the first n items of the array at path, in one walk
 * of the text (json_locate per item would walk it again for each). Returns
 * how many items were located (fewer than n when the array is shorter), or
 * -ENOENT when path is not an array. */
int json_locate_items(const char *text, const struct json_seg *path, size_t n_path,
		      int *lines, size_t n);

#endif
