/* yaml_doc: the bounded YAML tree behind kubelet_config. */
#include "testutil.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/yaml_doc.h"

static struct ydoc *load(const char *text)
{
	struct ydoc *d = NULL;
	struct ydoc_error err;
	int rc = ydoc_load(text, strlen(text), NULL, &d, &err);
	if (rc)
		fail_msg("load failed (%d) at %u:%u: %s", rc, err.line, err.column, err.message);
	return d;
}

static int load_err(const char *text, size_t len, const struct ydoc_limits *lim,
		    struct ydoc_error *err)
{
	struct ydoc *d = NULL;
	int rc = ydoc_load(text, len, lim, &d, err);
	assert_null(d);
	return rc;
}

static const struct ynode *get(const struct ydoc *d, const char *path)
{
	const struct ynode *n = NULL, *bad = NULL;
	char at[128];
	size_t dups;
	int rc = ydoc_lookup(d, path, &n, &bad, at, sizeof(at), &dups);
	if (rc)
		fail_msg("lookup %s: %d (at '%s')", path, rc, at);
	return n;
}

static void nested_lookup_and_positions(void **state)
{
	(void)state;
	struct ydoc *d = load("kind: KubeletConfiguration\n"
			      "authentication:\n"
			      "  anonymous:\n"
			      "    enabled: false\n"
			      "  x509:\n"
			      "    clientCAFile: \"/etc/kubernetes/pki/ca.crt\"\n");
	const struct ynode *n = get(d, "authentication.anonymous.enabled");
	assert_int_equal(n->type, YNODE_SCALAR);
	assert_string_equal(n->value, "false");
	assert_int_equal(n->line, 4);
	assert_int_equal(n->column, 14);
	assert_int_equal(n->style, YSTYLE_PLAIN);
	n = get(d, "authentication.x509.clientCAFile");
	assert_string_equal(n->value, "/etc/kubernetes/pki/ca.crt");
	assert_int_equal(n->style, YSTYLE_DOUBLE_QUOTED);
	assert_int_equal(get(d, "authentication")->type, YNODE_MAPPING);
	ydoc_free(d);
}

static void absent_null_and_not_a_mapping(void **state)
{
	(void)state;
	struct ydoc *d = load("a:\n  b: ~\nc: null\ns: text\nl: [1, 2]\n");
	const struct ynode *n, *bad;
	char at[64];
	size_t dups;
	assert_int_equal(ydoc_lookup(d, "a.b", &n, &bad, at, sizeof(at), &dups), -ENOENT);
	assert_string_equal(at, "a.b");
	assert_int_equal(ydoc_lookup(d, "c.x.y", &n, &bad, at, sizeof(at), &dups), -ENOENT);
	assert_string_equal(at, "c");
	assert_int_equal(ydoc_lookup(d, "zz.q", &n, &bad, at, sizeof(at), &dups), -ENOENT);
	assert_string_equal(at, "zz");
	assert_int_equal(ydoc_lookup(d, "s.x", &n, &bad, at, sizeof(at), &dups), -ENOTDIR);
	assert_string_equal(at, "s");
	assert_string_equal(bad->value, "text");
	assert_int_equal(ydoc_lookup(d, "l.x", &n, &bad, at, sizeof(at), &dups), -ENOTDIR);
	assert_int_equal(bad->type, YNODE_SEQUENCE);
	ydoc_free(d);
}

static void keys_are_exact(void **state)
{
	(void)state;
	struct ydoc *d = load("readOnlyPort: 1\nreadonlyport: 2\n'readOnlyPort ': 3\n");
	size_t count;
	const struct ynode *n = ynode_get(ydoc_root(d), "readOnlyPort", &count);
	assert_string_equal(n->value, "1");
	assert_int_equal(count, 1);
	ydoc_free(d);
}

static void duplicate_keys_last_wins(void **state)
{
	(void)state;
	struct ydoc *d = load("readOnlyPort: 0\nother: 1\nreadOnlyPort: 10255\n");
	const struct ynode *n, *bad;
	char at[64];
	size_t dups;
	assert_int_equal(ydoc_lookup(d, "readOnlyPort", &n, &bad, at, sizeof(at), &dups), 0);
	assert_string_equal(n->value, "10255");
	assert_int_equal(n->line, 3);
	assert_int_equal(dups, 2);
	ydoc_free(d);
}

static void merge_keys(void **state)
{
	(void)state;
	struct ydoc *d = load("base: &base {readOnlyPort: 10255, podPidsLimit: 100}\n"
			      "more: &more {makeIPTablesUtilChains: false}\n"
			      "cfg:\n"
			      "  <<: [*more, *base]\n"
			      "  podPidsLimit: 5\n"
			      "quoted:\n"
			      "  '<<': *base\n");
	assert_string_equal(get(d, "cfg.readOnlyPort")->value, "10255");
	assert_string_equal(get(d, "cfg.podPidsLimit")->value, "5");  /* explicit key wins */
	assert_string_equal(get(d, "cfg.makeIPTablesUtilChains")->value, "false");
	const struct ynode *n, *bad;
	char at[64];
	/* a quoted '<<' is an ordinary key, not a merge */
	assert_int_equal(ydoc_lookup(d, "quoted.readOnlyPort", &n, &bad, at, sizeof(at), NULL),
			 -ENOENT);
	ydoc_free(d);
}

static void aliases_share_nodes(void **state)
{
	(void)state;
	struct ydoc *d = load("a: &x {k: v}\nb: *x\n");
	assert_ptr_equal(get(d, "a"), get(d, "b"));
	assert_string_equal(get(d, "b.k")->value, "v");
	ydoc_free(d);

	struct ydoc_error err;
	const char *self = "a: &x\n  b: *x\n";
	assert_int_equal(load_err(self, strlen(self), NULL, &err), -EINVAL);
	assert_non_null(strstr(err.message, "refers to a node that contains it"));
	const char *unknown = "a: *nope\n";
	assert_int_equal(load_err(unknown, strlen(unknown), NULL, &err), -EINVAL);
	assert_string_equal(err.message, "unknown anchor 'nope'");
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 4);
}

static void billion_laughs_stays_small(void **state)
{
	(void)state;
	/* Nine levels of ten aliases each: 10^9 nodes if expanded. */
	char text[4096];
	size_t used = (size_t)snprintf(text, sizeof(text), "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i <= 9; i++) {
		used += (size_t)snprintf(text + used, sizeof(text) - used, "a%d: &a%d [", i, i);
		for (int j = 0; j < 10; j++)
			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s*a%d",
						 j ? ", " : "", i - 1);
		used += (size_t)snprintf(text + used, sizeof(text) - used, "]\n");
	}
	struct ydoc *d = load(text);
	assert_int_equal(get(d, "a9")->n, 10);
	ydoc_free(d);
}

static void syntax_errors_name_line_and_column(void **state)
{
	(void)state;
	struct ydoc_error err;
	const char *bad = "kind: KubeletConfiguration\nreadOnlyPort: 0\n  podPidsLimit: 5\n";
	assert_int_equal(load_err(bad, strlen(bad), NULL, &err), -EINVAL);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.column, 15);
	assert_non_null(strstr(err.message, "mapping values are not allowed"));

	const char *unclosed = "a: [1, 2\nb: 3\n";
	assert_int_equal(load_err(unclosed, strlen(unclosed), NULL, &err), -EINVAL);
	assert_true(err.line >= 2);
	assert_non_null(strstr(err.message, "flow sequence"));

	const char *tab = "a:\n\tb: 1\n";
	assert_int_equal(load_err(tab, strlen(tab), NULL, &err), -EINVAL);
	assert_int_equal(err.line, 2);

	const char *latin1 = "a: caf\xe9\n";
	assert_int_equal(load_err(latin1, strlen(latin1), NULL, &err), -EINVAL);
	assert_non_null(strstr(err.message, "UTF-8"));
}

static void depth_limit(void **state)
{
	(void)state;
	struct ydoc_error err;
	/* flow: 100 nested sequences */
	char flow[256];
	memset(flow, '[', 100);
	memset(flow + 100, ']', 100);
	assert_int_equal(load_err(flow, 200, NULL, &err), -E2BIG);
	assert_string_equal(err.message, "nested deeper than 64 levels");
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 65);

	/* block: 70 nested mappings */
	char *block = calloc(1, 70 * 80);
	size_t used = 0;
	for (int i = 0; i < 70; i++)
		used += (size_t)sprintf(block + used, "%*sk%d:\n", i, "", i);
	assert_int_equal(load_err(block, used, NULL, &err), -E2BIG);
	assert_int_equal(err.line, 65);
	free(block);

	/* exactly at the limit is fine */
	struct ydoc_limits lim = YDOC_DEFAULT_LIMITS;
	lim.max_depth = 100;
	struct ydoc *d = NULL;
	assert_int_equal(ydoc_load(flow, 200, &lim, &d, &err), 0);
	ydoc_free(d);
}

static void node_and_anchor_limits(void **state)
{
	(void)state;
	struct ydoc_error err;
	size_t n = 100001;
	char *big = malloc(n * 4 + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(big + i * 4, "- 1\n", 4);
	assert_int_equal(load_err(big, n * 4, NULL, &err), -E2BIG);
	assert_string_equal(err.message, "more than 100000 nodes");
	free(big);

	char anchors[16384];
	size_t used = 0;
	for (int i = 0; i < 300; i++)
		used += (size_t)snprintf(anchors + used, sizeof(anchors) - used, "k%d: &a%d v\n", i, i);
	assert_int_equal(load_err(anchors, used, NULL, &err), -E2BIG);
	assert_string_equal(err.message, "more than 256 anchors");
}

static void first_document_only_and_empty(void **state)
{
	(void)state;
	struct ydoc *d = load("---\na: 1\n---\nb: 2\n...\n--- [unclosed\n");
	assert_string_equal(get(d, "a")->value, "1");
	const struct ynode *n, *bad;
	char at[16];
	assert_int_equal(ydoc_lookup(d, "b", &n, &bad, at, sizeof(at), NULL), -ENOENT);
	ydoc_free(d);

	d = load("");
	assert_null(ydoc_root(d));
	assert_int_equal(ydoc_lookup(d, "a", &n, &bad, at, sizeof(at), NULL), -ENOENT);
	ydoc_free(d);
	d = load("# only a comment\n");
	assert_null(ydoc_root(d));
	ydoc_free(d);
}

static struct yscalar resolve_one(const char *yaml_value)
{
	char text[256];
	snprintf(text, sizeof(text), "v: %s\n", yaml_value);
	struct ydoc *d = load(text);
	const struct ynode *n = ynode_get(ydoc_root(d), "v", NULL);
	assert_non_null(n);
	struct yscalar s = ynode_resolve(n);
	ydoc_free(d);
	return s;
}

static void scalar_resolution(void **state)
{
	(void)state;
	struct yscalar s;
	assert_int_equal(resolve_one("false").kind, YSCALAR_BOOL);
	assert_false(resolve_one("false").b);
	assert_true(resolve_one("True").b);
	assert_true(resolve_one("yes").b);   /* YAML 1.1, as go-yaml v2 */
	assert_true(resolve_one("ON").b);
	assert_false(resolve_one("off").b);
	assert_false(resolve_one("n").b);
	assert_int_equal(resolve_one("\"false\"").kind, YSCALAR_STRING);
	assert_int_equal(resolve_one("'false'").kind, YSCALAR_STRING);
	assert_int_equal(resolve_one("fAlse").kind, YSCALAR_STRING);
	assert_int_equal(resolve_one("|\n  false").kind, YSCALAR_STRING);
	assert_int_equal(resolve_one("~").kind, YSCALAR_NULL);
	assert_int_equal(resolve_one("").kind, YSCALAR_NULL);
	assert_int_equal(resolve_one("Null").kind, YSCALAR_NULL);
	s = resolve_one("0");
	assert_int_equal(s.kind, YSCALAR_INT);
	assert_int_equal(s.i, 0);
	assert_int_equal(resolve_one("-10255").i, -10255);
	assert_int_equal(resolve_one("+7").i, 7);
	assert_int_equal(resolve_one("0x10").i, 16);
	assert_int_equal(resolve_one("0755").i, 493);
	assert_int_equal(resolve_one("0o17").i, 15);
	assert_int_equal(resolve_one("0b101").i, 5);
	assert_int_equal(resolve_one("1_000").i, 1000);
	assert_true(resolve_one("9223372036854775807").i == INT64_MAX);
	assert_int_equal(resolve_one("9223372036854775808").kind, YSCALAR_FLOAT);
	/* not octal; go-yaml v2 then reads it as the float 89 */
	assert_int_equal(resolve_one("089").kind, YSCALAR_FLOAT);
	s = resolve_one("1.5");
	assert_int_equal(s.kind, YSCALAR_FLOAT);
	assert_true(s.f == 1.5);
	assert_true(resolve_one("1e3").f == 1000.0);
	assert_true(isinf(resolve_one(".inf").f));
	assert_true(isnan(resolve_one(".NaN").f));
	assert_int_equal(resolve_one("\"0\"").kind, YSCALAR_STRING);
	assert_int_equal(resolve_one("4h0m0s").kind, YSCALAR_STRING);
	assert_int_equal(resolve_one("Webhook").kind, YSCALAR_STRING);
	/* explicit tags */
	assert_int_equal(resolve_one("!!str 123").kind, YSCALAR_STRING);
	assert_int_equal(resolve_one("! 123").kind, YSCALAR_STRING);
	s = resolve_one("!!bool \"true\"");
	assert_int_equal(s.kind, YSCALAR_BOOL);
	assert_true(s.b);
	assert_int_equal(resolve_one("!!int \"42\"").i, 42);
	assert_int_equal(resolve_one("!!int forty").kind, YSCALAR_INVALID);
	assert_int_equal(resolve_one("!custom 1").kind, YSCALAR_OTHER);
}

static void nul_in_quoted_scalar(void **state)
{
	(void)state;
	struct ydoc *d = load("v: \"a\\0b\"\n");
	const struct ynode *n = get(d, "v");
	assert_int_equal(n->len, 3);
	assert_int_equal(n->value[1], '\0');
	assert_int_equal(ynode_resolve(n).kind, YSCALAR_STRING);
	ydoc_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nested_lookup_and_positions),
		cmocka_unit_test(absent_null_and_not_a_mapping),
		cmocka_unit_test(keys_are_exact),
		cmocka_unit_test(duplicate_keys_last_wins),
		cmocka_unit_test(merge_keys),
		cmocka_unit_test(aliases_share_nodes),
		cmocka_unit_test(billion_laughs_stays_small),
		cmocka_unit_test(syntax_errors_name_line_and_column),
		cmocka_unit_test(depth_limit),
		cmocka_unit_test(node_and_anchor_limits),
		cmocka_unit_test(first_document_only_and_empty),
		cmocka_unit_test(scalar_resolution),
		cmocka_unit_test(nul_in_quoted_scalar),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
