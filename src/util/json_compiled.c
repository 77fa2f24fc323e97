#include "json_compiled.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	char *p;
	size_t len, cap;
	int rc;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->rc)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->rc = -ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void put_c(struct buf *b, char c)
{
	put(b, &c, 1);
}

/* A string with its NUL; one with a NUL inside cannot be encoded. */
static void put_z(struct buf *b, const char *s, size_t n)
{
	if (memchr(s, '\0', n)) {
		b->rc = b->rc ? b->rc : -EINVAL;
		return;
	}
	put(b, s, n);
	put_c(b, '\0');
}

static void enc(struct buf *b, const json_t *v)
{
	char num[64];
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		put_c(b, 'o');
		const char *k;
		const json_t *m;
		json_object_foreach((json_t *)v, k, m) {
			put_c(b, 'k');
			put_z(b, k, strlen(k));
			enc(b, m);
		}
		put_c(b, 'e');
		break;
	}
	case JSON_ARRAY: {
		put_c(b, 'a');
		size_t i;
		const json_t *m;
		json_array_foreach(v, i, m)
			enc(b, m);
		put_c(b, 'e');
		break;
	}
	case JSON_STRING:
		put_c(b, 's');
		put_z(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		put_c(b, 'i');
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		put_z(b, num, strlen(num));
		break;
	case JSON_REAL:
		put_c(b, 'r');
		snprintf(num, sizeof(num), "%a", json_real_value(v));
		put_z(b, num, strlen(num));
		break;
	case JSON_TRUE:
		put_c(b, 't');
		break;
	case JSON_FALSE:
		put_c(b, 'f');
		break;
	case JSON_NULL:
		put_c(b, 'n');
		break;
	}
}

int json_compiled_encode(const json_t *v, char **out, size_t *len)
{
	struct buf b = {0};
	enc(&b, v);
	if (b.rc) {
		free(b.p);
		return b.rc;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

/* Deeper than any profile's params: bytes that nest further are not ours. */
#define MAX_DEPTH 64

static json_t *build(const char **p, int depth)
{
	if (depth > MAX_DEPTH)
		return NULL;
	const char *s = *p;
	char tag = *s++;
	json_t *v = NULL;
	size_t n;
	switch (tag) {
	case 'o':
		v = json_object();
		while (v && *s == 'k') {
			const char *key = ++s;
			s += strlen(s) + 1;
			json_t *m = build(&s, depth + 1);
			if (!m || json_object_set_new_nocheck(v, key, m)) {
				json_decref(v);
				return NULL;
			}
		}
		if (*s++ != 'e') {
			json_decref(v);
			return NULL;
		}
		break;
	case 'a':
		v = json_array();
		while (v && *s != 'e') {
			json_t *m = build(&s, depth + 1);
			if (!m || json_array_append_new(v, m)) {
				json_decref(v);
				return NULL;
			}
		}
		s++;
		break;
	case 's':
		n = strlen(s);
		v = json_stringn_nocheck(s, n);
		s += n + 1;
		break;
	case 'i':
		v = json_integer(strtoll(s, NULL, 10));
		s += strlen(s) + 1;
		break;
	case 'r':
		v = json_real(strtod(s, NULL));
		s += strlen(s) + 1;
		break;
	case 't':
		v = json_true();
		break;
	case 'f':
		v = json_false();
		break;
	case 'n':
		v = json_null();
		break;
	default:
		return NULL;
	}
	*p = s;
	return v;
}

json_t *json_compiled_build(const char *bytes)
{
	const char *p = bytes;
	return build(&p, 0);
}
