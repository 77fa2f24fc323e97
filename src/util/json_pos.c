#include "json_pos.h"

#include <errno.h>
#include <string.h>

/* The text has already been parsed by jansson, so it is valid JSON: this
 * scanner only needs to skip values correctly, not to validate them. */
struct scan {
	const char *p;
	int line, col;
};

/* Columns count characters, not bytes, as jansson's syntax errors do: a
 * UTF-8 continuation byte does not start a new column. */
static void advance(struct scan *s)
{
	if (!*s->p)
		return; /* never step past the end, even in text that is not JSON */
	if (*s->p == '\n') {
		s->line++;
		s->col = 1;
	} else if (((unsigned char)s->p[1] & 0xC0) != 0x80) {
		s->col++;
	}
	s->p++;
}

static void skip_ws(struct scan *s)
{
	while (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')
		advance(s);
}

/* Skips a string; if out is given, reports whether it equals key (simple
 * comparison of raw bytes: profile keys carry no escapes). */
static int skip_string(struct scan *s, const char *key)
{
	const char *start = s->p + 1;
	advance(s); /* opening quote */
	while (*s->p && *s->p != '"') {
		if (*s->p == '\\' && s->p[1])
			advance(s);
		advance(s);
	}
	size_t len = (size_t)(s->p - start);
	if (*s->p)
		advance(s);
	return key && strlen(key) == len && strncmp(start, key, len) == 0;
}

static void skip_value(struct scan *s);

static void skip_container(struct scan *s, char close)
{
	advance(s);
	skip_ws(s);
	while (*s->p && *s->p != close) {
		if (close == '}') {
			skip_string(s, NULL);
			skip_ws(s);
			advance(s); /* ':' */
			skip_ws(s);
		}
		skip_value(s);
		skip_ws(s);
		if (*s->p == ',') {
			advance(s);
			skip_ws(s);
		}
	}
	if (*s->p)
		advance(s);
}

static void skip_value(struct scan *s)
{
	skip_ws(s);
	switch (*s->p) {
	case '{':
		skip_container(s, '}');
		break;
	case '[':
		skip_container(s, ']');
		break;
	case '"':
		skip_string(s, NULL);
		break;
	default:
		while (*s->p && !strchr(",]} \t\r\n", *s->p))
			advance(s);
	}
}

/* With s at a container, move s to the start of the member seg names. */
static int enter(struct scan *s, const struct json_seg *seg)
{
	char open = seg->key ? '{' : '[';
	char close = seg->key ? '}' : ']';
	skip_ws(s);
	if (*s->p != open)
		return -ENOENT;
	advance(s);
	skip_ws(s);
	size_t i = 0;
	while (*s->p && *s->p != close) {
		int match;
		if (seg->key) {
			match = skip_string(s, seg->key);
			skip_ws(s);
			advance(s); /* ':' */
			skip_ws(s);
		} else {
			match = i == seg->index;
		}
		if (match)
			return 0;
		skip_value(s);
		skip_ws(s);
		if (*s->p == ',') {
			advance(s);
			skip_ws(s);
		}
		i++;
	}
	return -ENOENT;
}

int json_locate(const char *text, const struct json_seg *path, size_t n_path,
		int *line, int *col)
{
	struct scan s = {.p = text, .line = 1, .col = 1};
	skip_ws(&s);
	for (size_t i = 0; i < n_path; i++) {
		struct scan before = s;
		if (enter(&s, &path[i]) < 0) {
			*line = before.line;
			*col = before.col;
			return -ENOENT;
		}
	}
	skip_ws(&s);
	*line = s.line;
	*col = s.col;
	return 0;
}

int json_locate_items(const char *text, const struct json_seg *path, size_t n_path,
		      int *lines, size_t n)
{
	struct scan s = {.p = text, .line = 1, .col = 1};
	skip_ws(&s);
	for (size_t i = 0; i < n_path; i++)
		if (enter(&s, &path[i]) < 0)
			return -ENOENT;
	skip_ws(&s);
	if (*s.p != '[')
		return -ENOENT;
	advance(&s);
	skip_ws(&s);
	size_t found = 0;
	while (*s.p && *s.p != ']' && found < n) {
		lines[found++] = s.line;
		skip_value(&s);
		skip_ws(&s);
		if (*s.p == ',') {
			advance(&s);
			skip_ws(&s);
		}
	}
	return (int)found;
}
