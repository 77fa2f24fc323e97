#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when invalid;
 * *cp gets the code point. */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	size_t n;
	uint32_t c, min;
	if ((p[0] & 0xE0) == 0xC0) {
		n = 2, c = p[0] & 0x1F, min = 0x80;
	} else if ((p[0] & 0xF0) == 0xE0) {
		n = 3, c = p[0] & 0x0F, min = 0x800;
	} else if ((p[0] & 0xF8) == 0xF0) {
		n = 4, c = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) /* also stops at the NUL terminator */
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

char *utf8_clean(const char *s, bool for_xml)
{
	if (!s)
		s = "";
	size_t len = strlen(s);
	/* Worst case every byte becomes a 3-byte replacement. */
	char *out = malloc(len * 3 + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t cp;
		size_t n = utf8_seq(p, &cp);
		bool bad = n == 0;
		if (!bad && for_xml)
			bad = (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE ||
			      cp == 0xFFFF;
		if (bad) {
			memcpy(out + o, replacement, 3);
			o += 3;
			p += n ? n : 1;
			continue;
		}
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	return out;
}

size_t utf8_prefix(const char *s, size_t max)
{
	size_t len = strlen(s);
	if (len <= max)
		return len;
	size_t n = max;
	/* Step back over continuation bytes to the start of a character. */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

char *text_bounded(const char *s, size_t max, bool *truncated)
{
	if (!s)
		s = "";
	size_t len = strlen(s);
	if (truncated)
		*truncated = len > max;
	if (len <= max)
		return strdup(s);
	char marker[96];
	size_t keep = 0;
	/* The marker names the kept length, which depends on the marker's own
	 * length: settle it in two rounds (the digits can only shrink). */
	for (int round = 0; round < 2; round++) {
		snprintf(marker, sizeof(marker), " [truncated: %zu of %zu bytes]", keep, len);
		size_t room = strlen(marker) < max ? max - strlen(marker) : 0;
		keep = utf8_prefix(s, room);
	}
	snprintf(marker, sizeof(marker), " [truncated: %zu of %zu bytes]", keep, len);
	if (strlen(marker) > max) {
		/* A limit smaller than any marker: plain cut. */
		keep = utf8_prefix(s, max);
		marker[0] = '\0';
	}
	char *out = malloc(keep + strlen(marker) + 1);
	if (!out)
		return NULL;
	memcpy(out, s, keep);
	strcpy(out + keep, marker);
	return out;
}

