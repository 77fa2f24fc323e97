/* Bounded YAML loading over libyaml's event parser. The document API
 * (yaml_parser_load) would build the whole tree before we could say no to
 * it and drops the difference between an implicit and an explicit tag, so
 * the tree is built here from events, with limits checked as it grows. */
#include "yaml_doc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib/lib_yaml.h"

#define MERGE_DEPTH_MAX 8

struct anchor {
	char *name;
	struct ynode *node;
};

struct ydoc {
	struct ynode *root;
	struct ynode **all; /* every node, for freeing (aliases are not here) */
	size_t n_all, cap_all;
	struct anchor *anchors;
	size_t n_anchors;
};

static void set_error(struct ydoc_error *err, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_error(struct ydoc_error *err, unsigned line, unsigned col, const char *fmt, ...)
{
	if (!err)
		return;
	err->line = line;
	err->column = col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static void node_free(struct ynode *n)
{
	free(n->value);
	free(n->tag);
	free(n->items);
	free(n->pairs);
	free(n);
}

void ydoc_free(struct ydoc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_all; i++)
		node_free(d->all[i]);
	free(d->all);
	for (size_t i = 0; i < d->n_anchors; i++)
		free(d->anchors[i].name);
	free(d->anchors);
	free(d);
}

const struct ynode *ydoc_root(const struct ydoc *d)
{
	return d->root;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 4;
	void *p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static struct ynode *new_node(struct ydoc *d, enum ynode_type type, const yaml_mark_t *m)
{
	struct ynode *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	if (grow((void **)&d->all, &d->cap_all, d->n_all, sizeof(*d->all))) {
		free(n);
		return NULL;
	}
	d->all[d->n_all++] = n;
	n->type = type;
	n->line = (unsigned)m->line + 1;
	n->column = (unsigned)m->column + 1;
	n->complete = type == YNODE_SCALAR;
	return n;
}

static int add_anchor(struct ydoc *d, const yaml_char_t *name, struct ynode *n,
		      const struct ydoc_limits *lim, struct ydoc_error *err)
{
	if (!name)
		return 0;
	/* A redefined anchor shadows the old one from here on. */
	for (size_t i = 0; i < d->n_anchors; i++) {
		if (strcmp(d->anchors[i].name, (const char *)name) == 0) {
			d->anchors[i].node = n;
			return 0;
		}
	}
	if (d->n_anchors >= lim->max_anchors) {
		set_error(err, n->line, n->column, "more than %zu anchors", lim->max_anchors);
		return -E2BIG;
	}
	struct anchor *a = realloc(d->anchors, (d->n_anchors + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	d->anchors = a;
	a[d->n_anchors].name = strdup((const char *)name);
	if (!a[d->n_anchors].name)
		return -ENOMEM;
	a[d->n_anchors++].node = n;
	return 0;
}

/* The open collections, innermost last; a mapping may hold a key that is
 * waiting for its value. */
struct frame {
	struct ynode *node;
	struct ynode *pending_key;
};

struct builder {
	struct ydoc *d;
	const struct ydoc_limits *lim;
	struct ydoc_error *err;
	struct frame *stack;
	size_t depth;
	size_t n_nodes;
};

static int attach(struct builder *b, struct ynode *n)
{
	if (b->depth == 0) {
		b->d->root = n;
		return 0;
	}
	struct frame *f = &b->stack[b->depth - 1];
	struct ynode *parent = f->node;
	if (parent->type == YNODE_SEQUENCE) {
		if (grow((void **)&parent->items, &parent->cap, parent->n, sizeof(*parent->items)))
			return -ENOMEM;
		parent->items[parent->n++] = n;
		return 0;
	}
	if (!f->pending_key) {
		f->pending_key = n;
		return 0;
	}
	if (grow((void **)&parent->pairs, &parent->cap, parent->n, sizeof(*parent->pairs)))
		return -ENOMEM;
	parent->pairs[parent->n].key = f->pending_key;
	parent->pairs[parent->n].value = n;
	parent->n++;
	f->pending_key = NULL;
	return 0;
}

static int count_node(struct builder *b, const yaml_mark_t *m)
{
	if (++b->n_nodes > b->lim->max_nodes) {
		set_error(b->err, (unsigned)m->line + 1, (unsigned)m->column + 1,
			  "more than %zu nodes", b->lim->max_nodes);
		return -E2BIG;
	}
	return 0;
}

static enum yscalar_style map_style(yaml_scalar_style_t s)
{
	switch (s) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		return YSTYLE_SINGLE_QUOTED;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		return YSTYLE_DOUBLE_QUOTED;
	case YAML_LITERAL_SCALAR_STYLE:
		return YSTYLE_LITERAL;
	case YAML_FOLDED_SCALAR_STYLE:
		return YSTYLE_FOLDED;
	default:
		return YSTYLE_PLAIN;
	}
}

static int on_event(struct builder *b, const yaml_event_t *ev, bool *done)
{
	const yaml_mark_t *m = &ev->start_mark;
	struct ynode *n;
	int rc;

	switch (ev->type) {
	case YAML_DOCUMENT_END_EVENT:
	case YAML_STREAM_END_EVENT:
		*done = true;
		return 0;
	case YAML_ALIAS_EVENT: {
		if ((rc = count_node(b, m)))
			return rc;
		struct ynode *target = NULL;
		for (size_t i = 0; i < b->d->n_anchors; i++)
			if (strcmp(b->d->anchors[i].name, (const char *)ev->data.alias.anchor) == 0)
				target = b->d->anchors[i].node;
		if (!target) {
			set_error(b->err, (unsigned)m->line + 1, (unsigned)m->column + 1,
				  "unknown anchor '%s'", (const char *)ev->data.alias.anchor);
			return -EINVAL;
		}
		if (!target->complete) {
			set_error(b->err, (unsigned)m->line + 1, (unsigned)m->column + 1,
				  "alias '%s' refers to a node that contains it",
				  (const char *)ev->data.alias.anchor);
			return -EINVAL;
		}
		return attach(b, target);
	}
	case YAML_SCALAR_EVENT:
		if ((rc = count_node(b, m)))
			return rc;
		n = new_node(b->d, YNODE_SCALAR, m);
		if (!n)
			return -ENOMEM;
		n->len = ev->data.scalar.length;
		n->value = malloc(n->len + 1);
		if (!n->value)
			return -ENOMEM;
		memcpy(n->value, ev->data.scalar.value, n->len);
		n->value[n->len] = '\0';
		n->style = map_style(ev->data.scalar.style);
		if (ev->data.scalar.tag) {
			n->tag = strdup((const char *)ev->data.scalar.tag);
			if (!n->tag)
				return -ENOMEM;
		}
		if ((rc = add_anchor(b->d, ev->data.scalar.anchor, n, b->lim, b->err)))
			return rc;
		return attach(b, n);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
		if ((rc = count_node(b, m)))
			return rc;
		if (b->depth >= b->lim->max_depth) {
			set_error(b->err, (unsigned)m->line + 1, (unsigned)m->column + 1,
				  "nested deeper than %u levels", b->lim->max_depth);
			return -E2BIG;
		}
		n = new_node(b->d, seq ? YNODE_SEQUENCE : YNODE_MAPPING, m);
		if (!n)
			return -ENOMEM;
		const yaml_char_t *anchor =
			seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
		if ((rc = add_anchor(b->d, anchor, n, b->lim, b->err)))
			return rc;
		if ((rc = attach(b, n)))
			return rc;
		b->stack[b->depth].node = n;
		b->stack[b->depth].pending_key = NULL;
		b->depth++;
		return 0;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth == 0)
			return -EINVAL; /* libyaml never does this */
		b->stack[--b->depth].node->complete = true;
		return 0;
	default: /* stream and document start: nothing to build */
		return 0;
	}
}

int ydoc_load(const char *text, size_t len, const struct ydoc_limits *limits,
	      struct ydoc **out, struct ydoc_error *err)
{
	static const struct ydoc_limits dflt = YDOC_DEFAULT_LIMITS;
	const struct ydoc_limits *lim = limits ? limits : &dflt;
	if (err)
		memset(err, 0, sizeof(*err));
	*out = NULL;

	char why[512];
	const struct yaml_lib *y = yaml_lib_get(why, sizeof(why));
	if (!y) {
		set_error(err, 0, 0, "%s", why);
		return -ELIBACC;
	}
	struct ydoc *d = calloc(1, sizeof(*d));
	struct builder b = {.d = d, .lim = lim, .err = err};
	if (!d)
		return -ENOMEM;
	b.stack = calloc(lim->max_depth + 1, sizeof(*b.stack));
	if (!b.stack) {
		free(d);
		return -ENOMEM;
	}
	yaml_parser_t parser;
	if (!y->parser_initialize(&parser)) {
		free(b.stack);
		free(d);
		return -ENOMEM;
	}
	y->parser_set_input_string(&parser, (const unsigned char *)text, len);

	int rc = 0;
	bool done = false;
	while (!done && !rc) {
		yaml_event_t ev;
		if (!y->parser_parse(&parser, &ev)) {
			if (parser.error == YAML_MEMORY_ERROR) {
				rc = -ENOMEM;
				break;
			}
			const yaml_mark_t *pm = &parser.problem_mark;
			/* The reader reports offsets, the scanner and parser lines. */
			unsigned line = parser.error == YAML_READER_ERROR ? 0 : (unsigned)pm->line + 1;
			unsigned col = parser.error == YAML_READER_ERROR ? 0 : (unsigned)pm->column + 1;
			if (parser.context)
				set_error(err, line, col, "%s %s (line %u, column %u)",
					  parser.problem ? parser.problem : "syntax error",
					  parser.context, (unsigned)parser.context_mark.line + 1,
					  (unsigned)parser.context_mark.column + 1);
			else if (parser.error == YAML_READER_ERROR)
				set_error(err, 0, 0, "%s at byte %zu",
					  parser.problem ? parser.problem : "unreadable input",
					  parser.problem_offset);
			else
				set_error(err, line, col, "%s",
					  parser.problem ? parser.problem : "syntax error");
			rc = -EINVAL;
			break;
		}
		rc = on_event(&b, &ev, &done);
		y->event_delete(&ev);
	}
	y->parser_delete(&parser);
	free(b.stack);
	if (rc) {
		if (rc == -ENOMEM)
			set_error(err, 0, 0, "out of memory");
		ydoc_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

static bool key_is(const struct ynode *k, const char *key, size_t klen)
{
	return k->type == YNODE_SCALAR && k->len == klen && memcmp(k->value, key, klen) == 0;
}

static bool is_merge_key(const struct ynode *k)
{
	return k->type == YNODE_SCALAR && k->style == YSTYLE_PLAIN && !k->tag && k->len == 2 &&
	       memcmp(k->value, "<<", 2) == 0;
}

static const struct ynode *get_in(const struct ynode *map, const char *key, size_t klen,
				  size_t *count, unsigned merge_depth)
{
	const struct ynode *found = NULL;
	size_t c = 0;
	for (size_t i = 0; i < map->n; i++) {
		if (key_is(map->pairs[i].key, key, klen) && !is_merge_key(map->pairs[i].key)) {
			found = map->pairs[i].value;
			c++;
		}
	}
	if (count)
		*count = c;
	if (found || merge_depth >= MERGE_DEPTH_MAX)
		return found;
	/* Merge keys: a mapping, or a list of mappings where earlier ones win. */
	for (size_t i = 0; i < map->n; i++) {
		if (!is_merge_key(map->pairs[i].key))
			continue;
		const struct ynode *v = map->pairs[i].value;
		if (v->type == YNODE_MAPPING)
			return get_in(v, key, klen, count, merge_depth + 1);
		if (v->type == YNODE_SEQUENCE) {
			for (size_t j = 0; j < v->n; j++) {
				if (v->items[j]->type != YNODE_MAPPING)
					continue;
				const struct ynode *r =
					get_in(v->items[j], key, klen, count, merge_depth + 1);
				if (r)
					return r;
			}
		}
	}
	return NULL;
}

const struct ynode *ynode_get(const struct ynode *map, const char *key, size_t *count)
{
	if (count)
		*count = 0;
	if (!map || map->type != YNODE_MAPPING)
		return NULL;
	return get_in(map, key, strlen(key), count, 0);
}

static bool is_null(const struct ynode *n)
{
	return n->type == YNODE_SCALAR && ynode_resolve(n).kind == YSCALAR_NULL;
}

int ydoc_lookup(const struct ydoc *d, const char *path, const struct ynode **out,
		const struct ynode **bad, char *at, size_t at_size, size_t *dups)
{
	const struct ynode *cur = d->root;
	const char *seg = path;
	*out = NULL;
	if (bad)
		*bad = NULL;
	if (dups)
		*dups = 0;
	for (;;) {
		const char *dot = strchr(seg, '.');
		size_t slen = dot ? (size_t)(dot - seg) : strlen(seg);
		size_t prefix = (size_t)(seg - path); /* dotted path of cur */
		if (!cur || is_null(cur)) {
			if (at)
				snprintf(at, at_size, "%.*s", (int)(prefix ? prefix - 1 : 0), path);
			return -ENOENT;
		}
		if (cur->type != YNODE_MAPPING) {
			if (bad)
				*bad = cur;
			if (at)
				snprintf(at, at_size, "%.*s", (int)(prefix ? prefix - 1 : 0), path);
			return -ENOTDIR;
		}
		size_t count = 0;
		cur = get_in(cur, seg, slen, &count, 0);
		if (!dot) {
			if (!cur || is_null(cur)) {
				if (at)
					snprintf(at, at_size, "%s", path);
				return -ENOENT;
			}
			if (dups)
				*dups = count;
			*out = cur;
			return 0;
		}
		seg = dot + 1;
	}
}

/* ---- scalar resolution (YAML 1.1 as go-yaml v2 applies it) ---- */

static bool in_list(const char *v, const char *const list[])
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(v, list[i]) == 0)
			return true;
	return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"y", "Y", "yes", "Yes", "YES", "true", "True",
					 "TRUE", "on", "On", "ON", NULL};
static const char *const false_words[] = {"n", "N", "no", "No", "NO", "false", "False",
					  "FALSE", "off", "Off", "OFF", NULL};

/* Go's strconv.ParseInt(s, 0, 64) after go-yaml removed underscores:
 * optional sign, then 0x / 0o / 0b / leading-0 octal / decimal. */
static bool parse_int(const char *s, int64_t *out)
{
	char buf[80];
	size_t n = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '_')
			continue;
		if (n + 1 >= sizeof(buf))
			return false;
		buf[n++] = *p;
	}
	buf[n] = '\0';
	const char *p = buf;
	bool neg = false;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
		base = 8;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
		base = 2;
		p += 2;
	} else if (p[0] == '0' && p[1]) {
		base = 8;
		p += 1;
	}
	if (!*p)
		return false;
	uint64_t v = 0;
	for (; *p; p++) {
		int dg;
		if (*p >= '0' && *p <= '9')
			dg = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			dg = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			dg = *p - 'A' + 10;
		else
			return false;
		if (dg >= base)
			return false;
		if (v > (UINT64_MAX - (uint64_t)dg) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)dg;
	}
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return false;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return false;
		*out = (int64_t)v;
	}
	return true;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ and the .inf/.nan words */
static bool parse_float(const char *s, double *out)
{
	static const char *const inf[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
	static const char *const ninf[] = {"-.inf", "-.Inf", "-.INF", NULL};
	static const char *const nan_words[] = {".nan", ".NaN", ".NAN", NULL};
	if (in_list(s, inf)) {
		*out = INFINITY;
		return true;
	}
	if (in_list(s, ninf)) {
		*out = -INFINITY;
		return true;
	}
	if (in_list(s, nan_words)) {
		*out = NAN;
		return true;
	}
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	size_t int_digits = 0, frac_digits = 0;
	while (*p >= '0' && *p <= '9') {
		p++;
		int_digits++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			p++;
			frac_digits++;
		}
		if (int_digits == 0 && frac_digits == 0)
			return false;
	} else if (int_digits == 0) {
		return false;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return false;
	*out = strtod(s, NULL);
	return true;
}

static struct yscalar resolve_text(const char *v, enum yscalar_kind want)
{
	struct yscalar r = {.kind = YSCALAR_STRING};
	bool any = want == YSCALAR_STRING; /* STRING here means "implicit" */
	if ((any || want == YSCALAR_NULL) && in_list(v, null_words)) {
		r.kind = YSCALAR_NULL;
		return r;
	}
	if ((any || want == YSCALAR_BOOL) && in_list(v, true_words)) {
		r.kind = YSCALAR_BOOL;
		r.b = true;
		return r;
	}
	if ((any || want == YSCALAR_BOOL) && in_list(v, false_words)) {
		r.kind = YSCALAR_BOOL;
		r.b = false;
		return r;
	}
	if ((any || want == YSCALAR_INT) && parse_int(v, &r.i)) {
		r.kind = YSCALAR_INT;
		return r;
	}
	if ((any || want == YSCALAR_FLOAT) && parse_float(v, &r.f)) {
		r.kind = YSCALAR_FLOAT;
		return r;
	}
	r.kind = any ? YSCALAR_STRING : YSCALAR_INVALID;
	return r;
}

#define CORE_TAG "tag:yaml.org,2002:"

struct yscalar ynode_resolve(const struct ynode *n)
{
	struct yscalar r = {.kind = YSCALAR_STRING};
	if (n->type != YNODE_SCALAR) {
		r.kind = YSCALAR_OTHER;
		return r;
	}
	if (n->tag) {
		if (strcmp(n->tag, "!") == 0 || strcmp(n->tag, CORE_TAG "str") == 0)
			return r;
		static const struct {
			const char *tag;
			enum yscalar_kind kind;
		} core[] = {
			{CORE_TAG "null", YSCALAR_NULL},
			{CORE_TAG "bool", YSCALAR_BOOL},
			{CORE_TAG "int", YSCALAR_INT},
			{CORE_TAG "float", YSCALAR_FLOAT},
		};
		for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++)
			if (strcmp(n->tag, core[i].tag) == 0)
				return memchr(n->value, '\0', n->len)
					       ? (struct yscalar){.kind = YSCALAR_INVALID}
					       : resolve_text(n->value, core[i].kind);
		r.kind = YSCALAR_OTHER;
		return r;
	}
	if (n->style != YSTYLE_PLAIN)
		return r;
	/* A plain scalar cannot hold a NUL, but stay safe. */
	if (memchr(n->value, '\0', n->len))
		return r;
	return resolve_text(n->value, YSCALAR_STRING);
}

const char *yscalar_kind_name(enum yscalar_kind k)
{
	switch (k) {
	case YSCALAR_NULL:
		return "null";
	case YSCALAR_BOOL:
		return "boolean";
	case YSCALAR_INT:
		return "integer";
	case YSCALAR_FLOAT:
		return "float";
	case YSCALAR_STRING:
		return "string";
	case YSCALAR_INVALID:
		return "value its explicit tag rejects";
	default:
		return "value with an unknown tag";
	}
}

const char *yscalar_style_name(enum yscalar_style s)
{
	switch (s) {
	case YSTYLE_SINGLE_QUOTED:
		return "single-quoted";
	case YSTYLE_DOUBLE_QUOTED:
		return "double-quoted";
	case YSTYLE_LITERAL:
		return "literal block";
	case YSTYLE_FOLDED:
		return "folded block";
	default:
		return "plain";
	}
}

const char *ynode_type_name(enum ynode_type t)
{
	switch (t) {
	case YNODE_SEQUENCE:
		return "sequence";
	case YNODE_MAPPING:
		return "mapping";
	default:
		return "scalar";
	}
}
