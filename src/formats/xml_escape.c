#include "xml_escape.h"

#include <stdbool.h>
#include <stdlib.h>

#include "util/utf8.h"

static void put_escaped(FILE *out, const char *s, bool attr)
{
	if (!s)
		return;
	char *clean = utf8_clean(s, true);
	if (!clean) {
		fputs("(out of memory)", out);
		return;
	}
	for (const char *p = clean; *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs(attr ? "&quot;" : "\"", out);
			break;
		case '\'':
			fputs(attr ? "&apos;" : "'", out);
			break;
		case '\t':
			fputs(attr ? "&#9;" : "\t", out);
			break;
		case '\n':
			fputs(attr ? "&#10;" : "\n", out);
			break;
		case '\r':
			fputs("&#13;", out); /* a raw CR would be normalized away */
			break;
		default:
			fputc(*p, out);
		}
	}
	free(clean);
}

void xml_text(FILE *out, const char *s)
{
	put_escaped(out, s, false);
}

void xml_attr(FILE *out, const char *s)
{
	put_escaped(out, s, true);
}
