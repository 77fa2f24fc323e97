/* UTF-8 made safe for strict consumers (XML, SSM, ASFF, JUnit, the
 * evidence bundle), and text bounded on a character boundary. */
#ifndef CISREPORT_UTF8_H
#define CISREPORT_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* A malloc'd copy of s that is valid UTF-8: each byte of an invalid
 * sequence becomes U+FFFD. With for_xml, the C0 controls XML 1.0 forbids
 * (all but tab, LF, CR) and U+FFFE/U+FFFF become U+FFFD too. NULL is "". */
char *utf8_clean(const char *s, bool for_xml);

/* The longest prefix of s, at most max bytes, that ends on a character
 * boundary (s is valid UTF-8). */
size_t utf8_prefix(const char *s, size_t max);

/* s (valid UTF-8) cut to at most max bytes. When it is longer the kept
 * prefix is followed by " [truncated: N of M bytes]" and the whole is still
 * at most max bytes; *truncated says so (may be NULL). malloc'd. */
char *text_bounded(const char *s, size_t max, bool *truncated);

#endif
