/* Request target parsing (http_query.h). libmicrohttpd decodes with
 * C strings, so "%00" cut a path or a value short; here every piece is
 * decoded with its length and a NUL is an error, never an end. */
#include "http_query.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Printable copy of at most 3 raw bytes at p for a message. */
static void show(char out[16], const char *p, const char *end)
{
	size_t n = 0;
	for (; p < end && n < 3; p++)
		out[n++] = (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?';
	out[n] = '\0';
}

/* Decode [p, end) into a new NUL-terminated string (*out, length *n).
 * what names the piece for messages ("path", "query"); offset is where p
 * starts in the target. */
static int decode(const char *p, const char *end, bool plus_is_space, const char *what,
		  size_t offset, char **out, size_t *n, char *err, size_t err_size)
{
	char *d = malloc((size_t)(end - p) + 1);
	if (!d)
		return -ENOMEM;
	size_t k = 0;
	for (const char *s = p; s < end; s++) {
		size_t at = offset + (size_t)(s - p);
		if (*s == '\0') {
			snprintf(err, err_size, "%s has a NUL byte at offset %zu; not allowed", what,
				 at);
			free(d);
			return -EINVAL;
		}
		if (*s == '%') {
			int hi = s + 1 < end ? hex(s[1]) : -1, lo = s + 2 < end ? hex(s[2]) : -1;
			if (hi < 0 || lo < 0) {
				char q[16];
				show(q, s, end);
				snprintf(err, err_size,
					 "%s has a malformed escape '%s' at offset %zu; use %%XX with two hex digits",
					 what, q, at);
				free(d);
				return -EINVAL;
			}
			if (hi == 0 && lo == 0) {
				snprintf(err, err_size, "%s has an escaped NUL '%%00' at offset %zu; not allowed",
					 what, at);
				free(d);
				return -EINVAL;
			}
			d[k++] = (char)(hi << 4 | lo);
			s += 2;
			continue;
		}
		d[k++] = plus_is_space && *s == '+' ? ' ' : *s;
	}
	d[k] = '\0';
	*out = d;
	*n = k;
	return 0;
}

static int parse_arg(const char *p, const char *end, size_t offset, struct http_arg *a,
		     char *err, size_t err_size)
{
	const char *eq = memchr(p, '=', (size_t)(end - p));
	char *key;
	size_t key_len;
	int rc = decode(p, eq ? eq : end, true, "query", offset, &key, &key_len, err, err_size);
	if (rc)
		return rc;
	a->key_too_long = key_len > HTTP_MAX_KEY;
	memcpy(a->key, key, a->key_too_long ? HTTP_MAX_KEY : key_len);
	a->key[a->key_too_long ? HTTP_MAX_KEY : key_len] = '\0';
	free(key);
	a->value = NULL;
	if (!eq)
		return 0;
	size_t value_len;
	return decode(eq + 1, end, true, "query", offset + (size_t)(eq + 1 - p), &a->value,
		      &value_len, err, err_size);
}

int http_target_parse(const char *raw, size_t len, struct http_target *t, char *err,
		      size_t err_size)
{
	memset(t, 0, sizeof(*t));
	const char *end = raw + len;
	const char *q = memchr(raw, '?', len);
	const char *path_end = q ? q : end;
	char *path;
	size_t path_len;
	int rc = decode(raw, path_end, false, "path", 0, &path, &path_len, err, err_size);
	if (rc)
		return rc;
	if (path_len > HTTP_MAX_PATH)
		t->path_too_long = true;
	else
		memcpy(t->path, path, path_len + 1);
	free(path);
	for (const char *p = q ? q + 1 : end; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *piece_end = amp ? amp : end;
		if (piece_end > p && !(piece_end - p == 1 && *p == '=')) {
			if (t->n_args == HTTP_MAX_QUERY_ARGS) {
				snprintf(err, err_size, "too many query parameters (at most %d)",
					 HTTP_MAX_QUERY_ARGS);
				http_target_free(t);
				return -E2BIG;
			}
			rc = parse_arg(p, piece_end, (size_t)(p - raw), &t->args[t->n_args], err,
				       err_size);
			if (rc) {
				http_target_free(t);
				return rc;
			}
			t->n_args++;
		}
		p = piece_end + (amp ? 1 : 0);
	}
	return 0;
}

void http_target_free(struct http_target *t)
{
	for (size_t i = 0; i < t->n_args; i++)
		free(t->args[i].value);
	t->n_args = 0;
}

const struct http_arg *http_target_arg(const struct http_target *t, const char *key)
{
	for (size_t i = 0; i < t->n_args; i++)
		if (!t->args[i].key_too_long && strcmp(t->args[i].key, key) == 0)
			return &t->args[i];
	return NULL;
}
