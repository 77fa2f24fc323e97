/* A JSON value compiled at build time into bytes that rebuild its jansson
 * tree without parsing: tools/profile_compile stores each shipped check's
 * params this way, so a report builds them (json_compiled_build) instead of
 * lexing JSON text. The value was parsed and validated when it was compiled;
 * the bytes are trusted and never come from outside the binary.
 *
 * Encoding, one value: 'o' ('k' key NUL value)... 'e' | 'a' value... 'e' |
 * 's' bytes NUL | 'i' decimal NUL | 'r' C99 hex float NUL | 't' | 'f' | 'n'.
 * Object members keep their order (jansson iterates in insertion order). */
#ifndef CISREPORT_JSON_COMPILED_H
#define CISREPORT_JSON_COMPILED_H

#include <jansson.h>
#include <stddef.h>

/* v encoded into *out (malloc'd, *len bytes, NUL-terminated beyond that);
 * 0, -ENOMEM, or -EINVAL for a string or key holding a NUL byte. */
int json_compiled_encode(const json_t *v, char **out, size_t *len);

/* The tree the bytes stand for (a new reference), or NULL when out of
 * memory or the bytes are not an encoding. */
json_t *json_compiled_build(const char *bytes);

#endif
