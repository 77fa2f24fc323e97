/* Text safety for the exports: UTF-8 cleaning, bounded cuts, XML escaping. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "formats/export_util.h"
#include "formats/xml_escape.h"
#include "util/utf8.h"

static void clean_keeps_valid_utf8(void **state)
{
	(void)state;
	char *s = utf8_clean("plain \xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x92", false);
	assert_string_equal(s, "plain \xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x92");
	free(s);
	s = utf8_clean(NULL, false);
	assert_string_equal(s, "");
	free(s);
}

static void clean_replaces_invalid_bytes(void **state)
{
	(void)state;
	/* stray continuation, truncated sequence, overlong '/', surrogate, > U+10FFFF */
	char *s = utf8_clean("a\x80" "b\xC3" "c\xC0\xAF" "d\xED\xA0\x80" "e\xF4\x90\x80\x80", false);
	assert_string_equal(s, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD"
			       "d\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
			       "e\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	free(s);
}

static void clean_for_xml_drops_controls(void **state)
{
	(void)state;
	char *s = utf8_clean("tab\there\nnl\x01" "bell\x07" "esc\x1b" "ff\xEF\xBF\xBF", true);
	assert_string_equal(s, "tab\there\nnl\xEF\xBF\xBD" "bell\xEF\xBF\xBD" "esc\xEF\xBF\xBD"
			       "ff\xEF\xBF\xBD");
	free(s);
	/* for JSON the controls stay (jansson escapes them) */
	s = utf8_clean("x\x01y", false);
	assert_string_equal(s, "x\x01y");
	free(s);
}

static void prefix_stops_on_character_boundary(void **state)
{
	(void)state;
	const char *s = "ab\xE2\x82\xAC" "cd"; /* a b EURO c d */
	assert_int_equal(utf8_prefix(s, 100), 7);
	assert_int_equal(utf8_prefix(s, 5), 5);
	assert_int_equal(utf8_prefix(s, 4), 2);
	assert_int_equal(utf8_prefix(s, 3), 2);
	assert_int_equal(utf8_prefix(s, 0), 0);
}

static void bounded_text_is_at_most_max(void **state)
{
	(void)state;
	bool cut = true;
	char *s = text_bounded("short", 10, &cut);
	assert_string_equal(s, "short");
	assert_false(cut);
	free(s);
	s = text_bounded("exactly10!", 10, &cut);
	assert_string_equal(s, "exactly10!");
	assert_false(cut);
	free(s);

	char big[5000];
	memset(big, 'e', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s = text_bounded(big, 4096, &cut);
	assert_true(cut);
	assert_int_equal(strlen(s), 4096);
	assert_non_null(strstr(s, " [truncated: 4064 of 4999 bytes]"));
	assert_int_equal(strspn(s, "e"), 4064);
	free(s);

	/* a multi-byte character is never split */
	char euros[3 * 100 + 1] = "";
	for (int i = 0; i < 100; i++)
		strcat(euros, "\xE2\x82\xAC");
	for (size_t max = 30; max < 60; max++) {
		s = text_bounded(euros, max, &cut);
		assert_true(strlen(s) <= max);
		char *again = utf8_clean(s, false);
		assert_string_equal(again, s); /* still valid UTF-8 */
		free(again);
		free(s);
	}
	/* a limit below any marker: a plain cut */
	s = text_bounded("abcdefghij", 4, &cut);
	assert_string_equal(s, "abcd");
	free(s);
}

static char *xml_of(void (*fn)(FILE *, const char *), const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	fn(f, in);
	fclose(f);
	return buf;
}

static void xml_escaping(void **state)
{
	(void)state;
	char *s = xml_of(xml_text, "a<b>&\"c\"'d'\n");
	assert_string_equal(s, "a&lt;b&gt;&amp;\"c\"'d'\n");
	free(s);
	s = xml_of(xml_attr, "a<b>&\"c\"'d'\t\n\r");
	assert_string_equal(s, "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;&#9;&#10;&#13;");
	free(s);
	s = xml_of(xml_text, "bad\x01\xFF]]>");
	assert_string_equal(s, "bad\xEF\xBF\xBD\xEF\xBF\xBD]]&gt;");
	free(s);
	s = xml_of(xml_text, NULL);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clean_keeps_valid_utf8),
		cmocka_unit_test(clean_replaces_invalid_bytes),
		cmocka_unit_test(clean_for_xml_drops_controls),
		cmocka_unit_test(prefix_stops_on_character_boundary),
		cmocka_unit_test(bounded_text_is_at_most_max),
		cmocka_unit_test(xml_escaping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
