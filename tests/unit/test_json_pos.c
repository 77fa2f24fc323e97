/* json_locate: where a value sits in JSON text (1-based line and column, in
 * characters), and the deepest container found when the path is missing. */
#include "testutil.h"

#include <errno.h>

#include "util/json_pos.h"

/* Tricky on purpose: strings holding brackets, commas, colons, escaped
 * quotes and backslashes; nested arrays; tabs; CRLF; multi-byte UTF-8. */
static const char text[] =
	"{\n"                                            /* 1 */
	"  \"a\": 1,\n"                                  /* 2 */
	"  \"b\": {\"c\": [10, {\"d\": \"x,}]\"}, 30]},\n" /* 3 */
	"  \"s\": \"q\\\"{[\\\\\", \"t\": true,\n"       /* 4: "s": "q\"{[\\", "t": true */
	"\t\"u\": [[], [1, [2, 3]], {}],\r\n"            /* 5 */
	"  \"é\": \"ü\", \"v\": null\n"                  /* 6 */
	"}\n";

static void at(const struct json_seg *path, size_t n, int want_rc, int want_line, int want_col)
{
	int line = -1, col = -1;
	int rc = json_locate(text, path, n, &line, &col);
	if (rc != want_rc || line != want_line || col != want_col)
		fail_msg("got rc %d at %d:%d, want rc %d at %d:%d", rc, line, col, want_rc, want_line,
			 want_col);
}

#define K(k) {.key = (k)}
#define I(i) {.index = (i)}

static void root_and_members(void **state)
{
	(void)state;
	at(NULL, 0, 0, 1, 1);
	at((struct json_seg[]){K("a")}, 1, 0, 2, 8);
	at((struct json_seg[]){K("b")}, 1, 0, 3, 8);
	at((struct json_seg[]){K("b"), K("c")}, 2, 0, 3, 14);
	at((struct json_seg[]){K("b"), K("c"), I(0)}, 3, 0, 3, 15);
	at((struct json_seg[]){K("b"), K("c"), I(1)}, 3, 0, 3, 19);
	at((struct json_seg[]){K("b"), K("c"), I(1), K("d")}, 4, 0, 3, 25);
	at((struct json_seg[]){K("b"), K("c"), I(2)}, 3, 0, 3, 34);
}

static void strings_with_escapes_are_skipped(void **state)
{
	(void)state;
	at((struct json_seg[]){K("s")}, 1, 0, 4, 8);
	at((struct json_seg[]){K("t")}, 1, 0, 4, 24);
}

static void tabs_crlf_nested_arrays(void **state)
{
	(void)state;
	at((struct json_seg[]){K("u")}, 1, 0, 5, 7);
	at((struct json_seg[]){K("u"), I(1)}, 2, 0, 5, 12);
	at((struct json_seg[]){K("u"), I(1), I(1), I(1)}, 4, 0, 5, 20);
	at((struct json_seg[]){K("u"), I(2)}, 2, 0, 5, 25);
}

static void columns_count_characters(void **state)
{
	(void)state;
	/* "é" and "ü" are two bytes each, one column each. */
	at((struct json_seg[]){K("é")}, 1, 0, 6, 8);
	at((struct json_seg[]){K("v")}, 1, 0, 6, 18);
}

static void missing_paths_point_at_the_deepest_container(void **state)
{
	(void)state;
	at((struct json_seg[]){K("zz")}, 1, -ENOENT, 1, 1);
	at((struct json_seg[]){K("b"), K("zz")}, 2, -ENOENT, 3, 8);
	at((struct json_seg[]){K("b"), K("c"), I(3)}, 3, -ENOENT, 3, 14);
	/* an index into an object, a key into an array or a scalar */
	at((struct json_seg[]){K("b"), I(0)}, 2, -ENOENT, 3, 8);
	at((struct json_seg[]){K("u"), K("x")}, 2, -ENOENT, 5, 7);
	at((struct json_seg[]){K("a"), K("x")}, 2, -ENOENT, 2, 8);
	/* a key is matched whole, not as a prefix */
	at((struct json_seg[]){K("")}, 1, -ENOENT, 1, 1);
}

static void leading_whitespace_and_scalars(void **state)
{
	(void)state;
	int line, col;
	assert_int_equal(json_locate("\n\n   [1,\n 2]", (struct json_seg[]){I(1)}, 1, &line, &col), 0);
	assert_int_equal(line, 4);
	assert_int_equal(col, 2);
	assert_int_equal(json_locate("  42", NULL, 0, &line, &col), 0);
	assert_int_equal(line, 1);
	assert_int_equal(col, 3);
	/* Not JSON: the scanner stops at the end and never reads past it. */
	assert_int_equal(json_locate("{\"a\": [1, 2", (struct json_seg[]){K("a"), I(5)}, 2, &line, &col),
			 -ENOENT);
	assert_int_equal(json_locate("{\"a", (struct json_seg[]){K("b")}, 1, &line, &col), -ENOENT);
	assert_int_equal(json_locate("", (struct json_seg[]){K("b")}, 1, &line, &col), -ENOENT);
	assert_int_equal(line, 1);
	assert_int_equal(col, 1);
}

/* json_locate_items: every item's line in one walk, the same lines
 * json_locate gives item by item. */
static void items_in_one_walk(void **state)
{
	(void)state;
	static const char checks[] = "{\"x\": {\"checks\": [0]},\n"
				     " \"checks\": [\n"
				     "  {\"a\": \"],\\\"\"},\n"
				     "  [1,\n 2], \"s\"\n"
				     "  ,\r\n\t3]}\n";
	int lines[8] = {0};
	struct json_seg path[2] = {K("checks"), I(0)};
	assert_int_equal(json_locate_items(checks, path, 1, lines, 8), 4);
	int want[] = {3, 4, 5, 7};
	for (size_t i = 0; i < 4; i++) {
		int line = 0, col = 0;
		path[1].index = i;
		assert_int_equal(json_locate(checks, path, 2, &line, &col), 0);
		assert_int_equal(line, want[i]);
		assert_int_equal(lines[i], want[i]);
	}
	/* fewer asked than there are */
	int two[2] = {0};
	assert_int_equal(json_locate_items(checks, path, 1, two, 2), 2);
	assert_int_equal(two[1], 4);
	/* not an array, or absent */
	assert_int_equal(json_locate_items(checks, (struct json_seg[]){K("x")}, 1, lines, 8), -ENOENT);
	assert_int_equal(json_locate_items(checks, (struct json_seg[]){K("y")}, 1, lines, 8), -ENOENT);
	assert_int_equal(json_locate_items("[]", NULL, 0, lines, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(root_and_members),
		cmocka_unit_test(items_in_one_walk),
		cmocka_unit_test(strings_with_escapes_are_skipped),
		cmocka_unit_test(tabs_crlf_nested_arrays),
		cmocka_unit_test(columns_count_characters),
		cmocka_unit_test(missing_paths_point_at_the_deepest_container),
		cmocka_unit_test(leading_whitespace_and_scalars),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
