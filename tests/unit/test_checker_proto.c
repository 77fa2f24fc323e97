/* bloodhound's checker protocol, the parsing half (core/checker_proto.c):
 * what `EXE metadata` and `EXE` print, read as bloodhound's serde structs
 * read them (sources/bloodhound/src/results.rs: CheckerMetadata {name, id,
 * level: u8, title, mode: Automatic|Manual}, CheckerResult {status:
 * PASS|FAIL|SKIP, error}). */
#include "testutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/checker_proto.h"

static int meta(const char *text, struct checker_meta *m, char *why)
{
	return checker_parse_metadata(text, strlen(text), m, why, 256);
}

static void metadata_as_bottlerocket_prints_it(void **state)
{
	(void)state;
	struct checker_meta m;
	char why[256];
	/* println!("{}", metadata): serde_json field order, a newline. */
	assert_int_equal(meta("{\"name\":\"br01020100\",\"id\":\"1.2.1\",\"level\":1,"
			      "\"title\":\"Ensure software update repositories are configured\","
			      "\"mode\":\"Manual\"}\n",
			      &m, why),
			 0);
	assert_string_equal(m.name, "br01020100");
	assert_string_equal(m.id, "1.2.1");
	assert_string_equal(m.title, "Ensure software update repositories are configured");
	assert_int_equal(m.level, 1);
	assert_true(m.manual);
	checker_meta_free(&m);
	/* Any order, white space around, unknown fields ignored (serde). */
	assert_int_equal(meta("  \n{\"mode\": \"Automatic\", \"title\": \"t\", \"extra\": [1],"
			      " \"level\": 255, \"id\": \"9\", \"name\": \"x y\"}\r\n\t",
			      &m, why),
			 0);
	assert_false(m.manual);
	assert_int_equal(m.level, 255);
	assert_string_equal(m.name, "x y");
	checker_meta_free(&m);
	assert_int_equal(meta("{\"name\":\"\",\"id\":\"\",\"level\":0,\"title\":\"\",\"mode\":\"Manual\"}",
			      &m, why),
			 0);
	assert_int_equal(m.level, 0);
	checker_meta_free(&m);
}

static void metadata_refused_like_serde(void **state)
{
	(void)state;
	static const struct {
		const char *text, *why;
	} cases[] = {
		{"", "no output"},
		{"  \n", "no output"},
		{"garbage", "not JSON"},
		{"[\"a\"]", "not a JSON object"},
		{"{\"id\":\"1\",\"level\":1,\"title\":\"t\",\"mode\":\"Manual\"}", "\"name\" is missing"},
		{"{\"name\":\"n\",\"level\":1,\"title\":\"t\",\"mode\":\"Manual\"}", "\"id\" is missing"},
		{"{\"name\":\"n\",\"id\":\"1\",\"title\":\"t\",\"mode\":\"Manual\"}", "\"level\" is missing"},
		{"{\"name\":\"n\",\"id\":\"1\",\"level\":1,\"mode\":\"Manual\"}", "\"title\" is missing"},
		{"{\"name\":\"n\",\"id\":\"1\",\"level\":1,\"title\":\"t\"}", "\"mode\" is missing"},
		{"{\"name\":1,\"id\":\"1\",\"level\":1,\"title\":\"t\",\"mode\":\"Manual\"}",
		 "\"name\" must be a string, not an integer"},
		{"{\"name\":null,\"id\":\"1\",\"level\":1,\"title\":\"t\",\"mode\":\"Manual\"}",
		 "\"name\" must be a string, not null"},
		{"{\"name\":\"n\",\"id\":\"1\",\"level\":256,\"title\":\"t\",\"mode\":\"Manual\"}",
		 "\"level\" must be an integer 0-255, not 256"},
		{"{\"name\":\"n\",\"id\":\"1\",\"level\":-1,\"title\":\"t\",\"mode\":\"Manual\"}",
		 "not -1"},
		{"{\"name\":\"n\",\"id\":\"1\",\"level\":1.0,\"title\":\"t\",\"mode\":\"Manual\"}",
		 "not a number with a fraction"},
		{"{\"name\":\"n\",\"id\":\"1\",\"level\":\"1\",\"title\":\"t\",\"mode\":\"Manual\"}",
		 "not a string"},
		{"{\"name\":\"n\",\"id\":\"1\",\"level\":1,\"title\":\"t\",\"mode\":\"manual\"}",
		 "\"mode\" must be \"Automatic\" or \"Manual\", not \"manual\""},
		/* serde_json: trailing characters; a field given twice. */
		{"{\"name\":\"n\",\"id\":\"1\",\"level\":1,\"title\":\"t\",\"mode\":\"Manual\"} x",
		 "not JSON"},
		{"{\"name\":\"n\",\"id\":\"1\",\"level\":1,\"title\":\"t\",\"mode\":\"Manual\"}{}",
		 "not JSON"},
		{"{\"name\":\"n\",\"name\":\"m\",\"id\":\"1\",\"level\":1,\"title\":\"t\",\"mode\":\"Manual\"}",
		 "duplicate"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct checker_meta m;
		char why[256] = "";
		int rc = meta(cases[i].text, &m, why);
		if (rc != -EINVAL || !strstr(why, cases[i].why))
			fail_msg("case %zu (%s): rc %d, why \"%s\", wanted \"%s\"", i, cases[i].text, rc,
				 why, cases[i].why);
		assert_null(m.name);
	}
	/* A NUL byte anywhere is not JSON (serde: control character). */
	struct checker_meta m;
	char why[256];
	static const char nul[] = "{\"name\":\"n\0\"}";
	assert_int_equal(checker_parse_metadata(nul, sizeof(nul) - 1, &m, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "NUL"));
}

static void metadata_invalid_utf8_decoded_lossily(void **state)
{
	(void)state;
	struct checker_meta m;
	char why[256];
	/* from_utf8_lossy: the bad byte is U+FFFD, the metadata still parses. */
	assert_int_equal(meta("{\"name\":\"n\",\"id\":\"1\",\"level\":2,\"title\":\"caf\xe9\","
			      "\"mode\":\"Automatic\"}",
			      &m, why),
			 0);
	assert_string_equal(m.title, "caf\xEF\xBF\xBD");
	checker_meta_free(&m);
}

static int result(const char *text, enum check_status *st, char **error, char *why)
{
	return checker_parse_result(text, strlen(text), st, error, why, 256);
}

static void results_parse(void **state)
{
	(void)state;
	enum check_status st;
	char *error;
	char why[256];
	assert_int_equal(result("{\"status\":\"PASS\",\"error\":\"\"}\n", &st, &error, why), 0);
	assert_int_equal(st, CHECK_PASS);
	assert_string_equal(error, "");
	free(error);
	assert_int_equal(result("{\"error\":\"file /etc/x has extra permissions: 0x777\",\"status\":\"FAIL\"}",
				&st, &error, why),
			 0);
	assert_int_equal(st, CHECK_FAIL);
	assert_string_equal(error, "file /etc/x has extra permissions: 0x777");
	free(error);
	assert_int_equal(result("{\"status\":\"SKIP\",\"error\":\"Manual check, see benchmark for audit details.\"}",
				&st, &error, why),
			 0);
	assert_int_equal(st, CHECK_SKIP);
	assert_string_equal(error, MANUAL_REASON);
	free(error);
	/* "error" keeps what the checker said, escapes decoded. */
	assert_int_equal(result("{\"status\":\"FAIL\",\"error\":\"a\\nb \\u00e9\"}", &st, &error, why), 0);
	assert_string_equal(error, "a\nb \xc3\xa9");
	free(error);
}

static void results_refused_like_serde(void **state)
{
	(void)state;
	static const struct {
		const char *text, *why;
	} cases[] = {
		{"", "no output"},
		{"{\"status\":\"PASS\"}", "\"error\" is missing"},
		{"{\"error\":\"\"}", "\"status\" is missing"},
		{"{\"status\":\"pass\",\"error\":\"\"}", "\"status\" must be \"PASS\", \"FAIL\" or \"SKIP\", not \"pass\""},
		{"{\"status\":\"ERROR\",\"error\":\"\"}", "not \"ERROR\""},
		{"{\"status\":\"PASS\",\"error\":null}", "\"error\" must be a string, not null"},
		{"{\"status\":true,\"error\":\"\"}", "\"status\" must be a string, not a boolean"},
		{"{\"status\":\"PASS\",\"error\":\"\"}\nPASS", "not JSON"},
		{"PASS", "not JSON"},
		{"\"PASS\"", "not JSON"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum check_status st;
		char *error = (char *)"x";
		char why[256] = "";
		int rc = result(cases[i].text, &st, &error, why);
		if (rc != -EINVAL || !strstr(why, cases[i].why))
			fail_msg("case %zu (%s): rc %d, why \"%s\", wanted \"%s\"", i, cases[i].text, rc,
				 why, cases[i].why);
		assert_null(error);
	}
}

static void text_is_json_safe(void **state)
{
	(void)state;
	char *t = checker_text("a\0b\xff" "c\n", 6);
	assert_string_equal(t, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\n");
	free(t);
	t = checker_text("", 0);
	assert_string_equal(t, "");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(metadata_as_bottlerocket_prints_it),
		cmocka_unit_test(metadata_refused_like_serde),
		cmocka_unit_test(metadata_invalid_utf8_decoded_lossily),
		cmocka_unit_test(results_parse),
		cmocka_unit_test(results_refused_like_serde),
		cmocka_unit_test(text_is_json_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
