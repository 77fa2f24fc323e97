/* XML output for the XML writers (XCCDF, JUnit): one place that escapes,
 * and that turns text XML 1.0 cannot carry (invalid UTF-8, most control
 * characters) into U+FFFD, so every document stays well-formed. */
#ifndef CISREPORT_XML_ESCAPE_H
#define CISREPORT_XML_ESCAPE_H

#include <stdio.h>

/* Character data: & < > escaped. NULL writes nothing. */
void xml_text(FILE *out, const char *s);
/* An attribute value (for "..." quoting): also " ' and tab/newline/CR as
 * character references, so attribute normalization keeps them. */
void xml_attr(FILE *out, const char *s);

#endif
