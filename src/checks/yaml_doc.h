/* A bounded YAML document tree, loaded with libyaml's event parser.
 *
 * Only the first document of a stream is loaded. Limits on nesting depth,
 * node count and anchors keep a hostile file from costing more than a
 * small, fixed amount of time and memory. Aliases share the anchored node
 * (nothing is copied, so "billion laughs" stays small); an alias to a node
 * that is still open (a cycle) is an error. Scalars keep their style and
 * explicit tag, so a quoted "false" can be told from a plain false. */
#ifndef CISREPORT_YAML_DOC_H
#define CISREPORT_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ynode_type { YNODE_SCALAR, YNODE_SEQUENCE, YNODE_MAPPING };

enum yscalar_style {
	YSTYLE_PLAIN,
	YSTYLE_SINGLE_QUOTED,
	YSTYLE_DOUBLE_QUOTED,
	YSTYLE_LITERAL,
	YSTYLE_FOLDED,
};

struct ynode;

struct ypair {
	struct ynode *key, *value;
};

struct ynode {
	enum ynode_type type;
	unsigned line, column; /* 1-based start */
	bool complete;         /* end event seen (collections) */
	/* scalars */
	char *value; /* NUL-terminated copy; may also hold NULs inside */
	size_t len;
	enum yscalar_style style;
	char *tag; /* explicit tag as resolved by libyaml, or NULL */
	/* sequences: items; mappings: pairs */
	struct ynode **items;
	struct ypair *pairs;
	size_t n, cap;
};

struct ydoc_limits {
	unsigned max_depth;  /* nesting of collections */
	size_t max_nodes;    /* scalars + collections (aliases count too) */
	size_t max_anchors;
};

#define YDOC_DEFAULT_LIMITS {.max_depth = 64, .max_nodes = 100000, .max_anchors = 256}

struct ydoc_error {
	unsigned line, column; /* 1-based; 0 when not tied to a place */
	char message[256];
};

struct ydoc;

/* Load the first document of text (len bytes). Returns 0; -EINVAL for a
 * syntax error or an unsupported construct, -E2BIG when a limit is hit
 * (err says where and which), -ENOMEM, -ELIBACC when libyaml cannot be
 * loaded (err says why). An empty stream loads as a document without a
 * root. */
int ydoc_load(const char *text, size_t len, const struct ydoc_limits *limits,
	      struct ydoc **out, struct ydoc_error *err);
void ydoc_free(struct ydoc *d);

/* The root node, or NULL for an empty document. */
const struct ynode *ydoc_root(const struct ydoc *d);

/* The value under key (exact bytes) in a mapping. The last of duplicate
 * keys wins (as the kubelet's decoder does); *count tells how many there
 * were. YAML merge keys ("<<") are followed when the key is not explicit.
 * Returns NULL when absent. */
const struct ynode *ynode_get(const struct ynode *map, const char *key, size_t *count);

/* Walk a dotted path ("authentication.anonymous.enabled") from the root.
 * Returns 0 with *out set; -ENOENT when a segment is absent or null (*at
 * is the dotted prefix that was absent); -ENOTDIR when a node on the way
 * is not a mapping (*bad is that node, *at its dotted path). */
int ydoc_lookup(const struct ydoc *d, const char *path, const struct ynode **out,
		const struct ynode **bad, char *at, size_t at_size, size_t *dups);

/* What a scalar means, resolved as the kubelet's YAML decoder (YAML 1.1
 * rules of go-yaml v2) resolves it. */
enum yscalar_kind {
	YSCALAR_NULL,
	YSCALAR_BOOL,
	YSCALAR_INT,
	YSCALAR_FLOAT,
	YSCALAR_STRING,
	YSCALAR_INVALID, /* explicit core tag whose text does not fit it */
	YSCALAR_OTHER,   /* non-core explicit tag */
};

struct yscalar {
	enum yscalar_kind kind;
	bool b;
	int64_t i;
	double f;
};

struct yscalar ynode_resolve(const struct ynode *scalar);
/* "null", "boolean", "integer", "float", "string", ... for messages */
const char *yscalar_kind_name(enum yscalar_kind k);
/* "plain", "single-quoted", ... */
const char *yscalar_style_name(enum yscalar_style s);
/* "scalar", "sequence", "mapping" */
const char *ynode_type_name(enum ynode_type t);

#endif
