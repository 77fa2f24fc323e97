/* json_compiled: a value encoded at build time rebuilds the same jansson
 * tree (same members in the same order, same types and values) as parsing
 * its JSON; and every shipped profile's params round-trip so. */
#include "testutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report/profile.h"
#include "util/json_compiled.h"

static void round_trip(const json_t *v)
{
	char *bytes;
	size_t len;
	assert_int_equal(json_compiled_encode(v, &bytes, &len), 0);
	assert_int_equal(strlen(bytes) <= len, 1);
	json_t *back = json_compiled_build(bytes);
	assert_non_null(back);
	/* json_equal ignores member order; the dumps (JSON_PRESERVE_ORDER is
	 * implied in jansson 2.14) do not. */
	char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	char *got = json_dumps(back, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_string_equal(got, want);
	assert_true(json_equal(v, back));
	free(want);
	free(got);
	json_decref(back);
	free(bytes);
}

static void values(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"{}", "[]", "\"\"", "0", "-9223372036854775808", "9223372036854775807", "1.5",
		"-0.1", "1e300", "5e-324", "true", "false", "null",
		"{\"e\":1,\"end\":\"e\",\"k\":{\"ke\":[]},\"\":\"empty key\"}",
		"[\"a\",[[]],{},{\"x\":[1,2.25,\"3\",null,true,false]}]",
		"{\"z\":1,\"a\":2,\"m\":3}", /* order kept */
		"\"\\u00e9\\u20ac\\ud83d\\ude00 tab\\t nl\\n quote\\\" backslash\\\\ \\u0001\"",
		"{\"keys\":{\"net.ipv4.conf.all.send_redirects\":\"0\"}}",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_error_t jerr;
		json_t *v = json_loads(texts[i], JSON_DECODE_ANY, &jerr);
		if (!v)
			fail_msg("%s: %s", texts[i], jerr.text);
		round_trip(v);
		json_decref(v);
	}
	/* deep nesting up to the limit builds; beyond it, NULL */
	json_t *deep = json_array(), *in = deep;
	for (int i = 0; i < 64; i++) {
		json_t *a = json_array();
		json_array_append_new(in, a);
		in = a;
	}
	round_trip(deep);
	json_array_append_new(in, json_array());
	char *bytes;
	size_t len;
	assert_int_equal(json_compiled_encode(deep, &bytes, &len), 0);
	assert_null(json_compiled_build(bytes));
	free(bytes);
	json_decref(deep);
}

static void not_encodable_or_not_an_encoding(void **state)
{
	(void)state;
	json_t *v = json_stringn("a\0b", 3);
	char *bytes = NULL;
	size_t len;
	assert_int_equal(json_compiled_encode(v, &bytes, &len), -EINVAL);
	assert_null(bytes);
	json_decref(v);
	assert_null(json_compiled_build(""));
	assert_null(json_compiled_build("x"));
	assert_null(json_compiled_build("o" "kk\0" "s1\0" "q")); /* object not closed */
	assert_null(json_compiled_build("a" "s1\0" "q"));
}

/* What the binary carries: every shipped check's params, parsed from the
 * JSON files here, encoded and rebuilt, is the tree the parse gave. */
static void shipped_params(void **state)
{
	(void)state;
	static const char *const types[] = {"bottlerocket", "kubernetes", "fips"};
	size_t n = 0;
	for (size_t t = 0; t < 3; t++) {
		struct profile p;
		char err[1024];
		assert_int_equal(profile_load(PROFILES, types[t], &p, err, sizeof(err)), 0);
		for (size_t i = 0; i < p.n_checks; i++) {
			if (p.checks[i].params) {
				round_trip(p.checks[i].params);
				n++;
			}
		}
		profile_free(&p);
	}
	assert_true(n > 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(values),
		cmocka_unit_test(not_encodable_or_not_an_encoding),
		cmocka_unit_test(shipped_params),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
