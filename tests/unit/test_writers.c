/* Writers over a synthetic report: bloodhound's text layout byte for byte
 * ("%-17s" labels, "[STATUS] %-9s title (Mode)"), the verbose details, and
 * the JSON document with bloodhound's key order, compact on one line. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/render.h"
#include "formats/writer.h"

static struct benchmark bm = {
	.type = "synthetic",
	.report = "cis",
	.name = "Synthetic \"Benchmark\"",
	.version = "v9.9",
	.url = "https://example.invalid/b?x=1&y=2",
};
static struct check_def defs[4] = {
	{.name = "c1", .id = "1.1", .title = "First check", .remediation = "Do this.",
	 .kind_name = "sysctl", .level = 1},
	{.name = "c2", .id = "1.2.3.4.5.6", .title = "Manual one", .remediation = "",
	 .kind_name = "manual", .manual = true, .level = 1},
	{.name = "c3", .id = "2.1", .title = "Third \"quoted\"\tcafé", .remediation = "Keep it.",
	 .kind_name = "sysctl", .level = 2},
	{.name = "c4", .id = "2.2", .title = "Could not", .remediation = "Fix /x.",
	 .kind_name = "sysctl", .level = 2},
};
static struct report_entry entries[4];
static struct report rep;

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < 4; i++) {
		entries[i].def = &defs[i];
		result_init(&entries[i].result);
	}
	struct check_result *r = &entries[0].result;
	result_evidence(r, "a.ok", "1", true, "1");
	result_evidence(r, "a.bad", "0", false, "2");
	result_from_evidence(r);
	result_skip(&entries[1].result, OUTCOME_MANUAL, MANUAL_REASON);
	r = &entries[2].result;
	result_evidence(r, "k", "v", true, "v");
	result_from_evidence(r);
	r = &entries[3].result;
	result_evidence(r, "x", "1", false, "unreadable: /x: %s\x01", "Permission denied");
	result_skip(r, OUTCOME_UNABLE, "cannot read /x: Permission denied");
	rep = (struct report){
		.level = 2,
		.bm = &bm,
		.started = {.tv_sec = 1714557600, .tv_nsec = 123000000},
		.timestamp = "2024-05-01T10:00:00.123Z",
		.total = 4,
		.passed = 1,
		.failed = 1,
		.skipped = 2,
		.status = CHECK_FAIL,
		.entries = entries,
		.n_entries = 4,
	};
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < 4; i++)
		result_free(&entries[i].result);
	return 0;
}

/* Run a writer into memory; returns the malloc'd output. */
static char *render(const char *format, bool verbose)
{
	const struct report_writer *w = report_writer_find(format);
	assert_non_null(w);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct writer_options o = {.verbose = verbose};
	assert_int_equal(w->write(&rep, &o, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(strlen(buf), len);
	return buf;
}

static void assert_text(const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		size_t i = 0;
		while (got[i] && got[i] == want[i])
			i++;
		fail_msg("output differs at byte %zu\n--- got:\n%s\n--- want:\n%s", i, got, want);
	}
}

static const char text_head[] = "Benchmark name:  Synthetic \"Benchmark\"\n"
				"Version:         v9.9\n"
				"Reference:       https://example.invalid/b?x=1&y=2\n"
				"Benchmark level: 2\n"
				"Start time:      2024-05-01T10:00:00.123Z\n"
				"\n";
static const char text_tail[] = "\n"
				"Passed:          1\n"
				"Failed:          1\n"
				"Skipped:         2\n"
				"Total checks:    4\n"
				"\n"
				"Compliance check result: FAIL\n";

static void text_is_bloodhounds_layout(void **state)
{
	(void)state;
	char want[4096];
	snprintf(want, sizeof(want), "%s%s%s", text_head,
		 "[FAIL] 1.1       First check (Automatic)\n"
		 "[SKIP] 1.2.3.4.5.6 Manual one (Manual)\n"
		 "[PASS] 2.1       Third \"quoted\"\tcafé (Automatic)\n"
		 "[SKIP] 2.2       Could not (Automatic)\n",
		 text_tail);
	char *got = render("text", false);
	assert_text(got, want);
	free(got);
}

static void verbose_text_shows_evidence_reason_remediation(void **state)
{
	(void)state;
	char want[4096];
	snprintf(want, sizeof(want), "%s%s%s", text_head,
		 "[FAIL] 1.1       First check (Automatic)\n"
		 "          ok  a.ok: expected 1, found 1\n"
		 "          BAD a.bad: expected 0, found 2\n"
		 "          reason: a.bad: expected 0, found 2\n"
		 "          remediation: Do this.\n"
		 "[SKIP] 1.2.3.4.5.6 Manual one (Manual)\n"
		 "          reason: Manual check, see benchmark for audit details.\n"
		 "[PASS] 2.1       Third \"quoted\"\tcafé (Automatic)\n"
		 "          ok  k: expected v, found v\n"
		 "[SKIP] 2.2       Could not (Automatic)\n"
		 "          BAD x: expected 1, found unreadable: /x: Permission denied\x01\n"
		 "          reason: cannot read /x: Permission denied\n",
		 text_tail);
	char *got = render("text", true);
	assert_text(got, want);
	free(got);
}

static void text_without_metadata(void **state)
{
	(void)state;
	/* bloodhound prints name, version and url only when known. */
	struct benchmark bare = {.type = "synthetic"};
	rep.bm = &bare;
	rep.n_entries = 0;
	rep.total = rep.passed = rep.failed = rep.skipped = 0;
	rep.status = CHECK_SKIP;
	char *got = render("text", false);
	assert_text(got, "Benchmark level: 2\n"
			 "Start time:      2024-05-01T10:00:00.123Z\n"
			 "\n"
			 "\n"
			 "Passed:          0\n"
			 "Failed:          0\n"
			 "Skipped:         0\n"
			 "Total checks:    0\n"
			 "\n"
			 "Compliance check result: SKIP\n");
	free(got);
	got = render("json", false);
	assert_text(got, "{\"level\":2,\"total\":0,\"passed\":0,\"skipped\":0,\"failed\":0,"
			 "\"status\":\"SKIP\",\"timestamp\":\"2024-05-01T10:00:00.123Z\","
			 "\"results\":{},\"type\":\"synthetic\"}\n");
	free(got);
}

static void json_is_bloodhounds_document_extended(void **state)
{
	(void)state;
	const char *want =
		"{\"level\":2,\"total\":4,\"passed\":1,\"skipped\":2,\"failed\":1,\"status\":\"FAIL\","
		"\"timestamp\":\"2024-05-01T10:00:00.123Z\",\"name\":\"Synthetic \\\"Benchmark\\\"\","
		"\"version\":\"v9.9\",\"url\":\"https://example.invalid/b?x=1&y=2\",\"results\":{"
		"\"c1\":{\"name\":\"c1\",\"id\":\"1.1\",\"level\":1,\"title\":\"First check\","
		"\"mode\":\"Automatic\",\"status\":\"FAIL\",\"error\":\"a.bad: expected 0, found 2\","
		"\"outcome\":\"fail\",\"kind\":\"sysctl\",\"evidence\":["
		"{\"item\":\"a.ok\",\"expected\":\"1\",\"actual\":\"1\",\"ok\":true},"
		"{\"item\":\"a.bad\",\"expected\":\"0\",\"actual\":\"2\",\"ok\":false}],"
		"\"remediation\":\"Do this.\"},"
		"\"c2\":{\"name\":\"c2\",\"id\":\"1.2.3.4.5.6\",\"level\":1,\"title\":\"Manual one\","
		"\"mode\":\"Manual\",\"status\":\"SKIP\","
		"\"error\":\"Manual check, see benchmark for audit details.\",\"outcome\":\"manual\","
		"\"kind\":\"manual\",\"evidence\":[],\"remediation\":\"\"},"
		"\"c3\":{\"name\":\"c3\",\"id\":\"2.1\",\"level\":2,\"title\":\"Third \\\"quoted\\\"\\tcafé\","
		"\"mode\":\"Automatic\",\"status\":\"PASS\",\"error\":\"\",\"outcome\":\"pass\","
		"\"kind\":\"sysctl\",\"evidence\":[{\"item\":\"k\",\"expected\":\"v\",\"actual\":\"v\","
		"\"ok\":true}],\"remediation\":\"Keep it.\"},"
		"\"c4\":{\"name\":\"c4\",\"id\":\"2.2\",\"level\":2,\"title\":\"Could not\","
		"\"mode\":\"Automatic\",\"status\":\"SKIP\",\"error\":\"cannot read /x: Permission denied\","
		"\"outcome\":\"unable_to_check\",\"kind\":\"sysctl\",\"evidence\":[{\"item\":\"x\","
		"\"expected\":\"1\",\"actual\":\"unreadable: /x: Permission denied\\u0001\",\"ok\":false}],"
		"\"remediation\":\"Fix /x.\"}},"
		"\"type\":\"synthetic\"}\n";
	char *got = render("json", false);
	assert_text(got, want);
	free(got);
	/* -v changes nothing in JSON */
	got = render("json", true);
	assert_text(got, want);
	free(got);
}

/* The one-pass JSON writer against the jansson tree it replaced
 * (report_to_json + json_dumps): the same bytes, whatever the strings hold
 * (every ASCII byte, 2-, 3- and 4-byte UTF-8, and invalid UTF-8, which
 * jansson drops), with a waiver and the daemon's freshness fields. */
static void json_one_pass_equals_the_tree(void **state)
{
	(void)state;
	char all[128];
	for (int c = 1; c < 128; c++)
		all[c - 1] = (char)c;
	all[127] = '\0';
	const char *titles[] = {all, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x7f/\\",
				"bad \xc3 utf-8", "overlong \xc0\xaf", "surrogate \xed\xa0\x80"};
	struct report_waiver w = {.reason = "r\n", .expires = "2030-01-01", .approved_by = "a\"b"};
	for (size_t t = 0; t < sizeof(titles) / sizeof(titles[0]); t++) {
		defs[2].title = titles[t];
		result_evidence(&entries[0].result, titles[t], "\t", true, "%s", all);
		entries[3].waiver = &w;
		rep.show_freshness = t % 2 == 1;
		entries[t % 4].runtime = t >= 2; /* riding along: not in the results */
		snprintf(rep.watch_note, sizeof(rep.watch_note), "%s", t == 1 ? titles[t] : "");
		char *got = render("json", false);
		json_t *doc = report_to_json(&rep);
		assert_non_null(doc);
		char *tree = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(doc);
		assert_non_null(tree);
		size_t n = strlen(tree);
		char *want = malloc(n + 2);
		assert_non_null(want);
		memcpy(want, tree, n);
		memcpy(want + n, "\n", 2);
		assert_text(got, want);
		free(got);
		free(tree);
		free(want);
	}
	entries[3].waiver = NULL;
	for (size_t i = 0; i < 4; i++)
		entries[i].runtime = false;
	rep.show_freshness = false;
	rep.watch_note[0] = '\0';
	defs[2].title = "Third \"quoted\"\tcaf\xc3\xa9";
}

/* Runtime backing ("observed": a runtime check's status, class and counts
 * beside the items it backs, narrowed per item where its observation has
 * one) in one pass too: the same bytes as the tree. */
static void json_one_pass_with_runtime_backing(void **state)
{
	(void)state;
	entries[3].runtime = true;
	entries[3].result.observation = json_pack(
		"{s:s, s:i, s:i, s:s, s:s, s:{s:{s:s, s:i, s:b, s:[s], s:s}}}", "class", "sysctl_write",
		"count", 3, "lost", 0, "first", "2024-05-01T09:00:00Z", "last", "2024-05-01T09:59:00Z",
		"items", "1.1", "status", "FAIL", "count", 1, "lower_bound", false, "subjects",
		"net.\"x\"", "summary", "one write\n");
	assert_non_null(entries[3].result.observation);
	size_t backs[] = {3};
	entries[0].observed = backs; /* "1.1": narrowed to its item */
	entries[0].n_observed = 1;
	entries[2].observed = backs; /* "2.1": the class as a whole */
	entries[2].n_observed = 1;
	const char *errors[] = {NULL, "bad \xc3 utf-8"};
	for (size_t t = 0; t < 2; t++) {
		free(entries[3].result.error);
		entries[3].result.error = errors[t] ? strdup(errors[t]) : NULL;
		char *got = render("json", false);
		assert_non_null(strstr(got, "\"observed\":[{\"check\":\"c4\""));
		json_t *doc = report_to_json(&rep);
		char *tree = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(doc);
		assert_non_null(tree);
		size_t n = strlen(tree);
		assert_int_equal(strlen(got), n + 1);
		assert_memory_equal(got, tree, n);
		free(got);
		free(tree);
	}
	entries[0].observed = entries[2].observed = NULL;
	entries[0].n_observed = entries[2].n_observed = 0;
	entries[3].runtime = false;
}

static void write_errors_are_reported(void **state)
{
	(void)state;
	const char *formats[] = {"text", "json"};
	for (size_t i = 0; i < 2; i++) {
		FILE *f = fopen("/dev/full", "w");
		assert_non_null(f);
		setvbuf(f, NULL, _IONBF, 0);
		struct writer_options o = {0};
		assert_int_equal(report_writer_find(formats[i])->write(&rep, &o, f), -EIO);
		fclose(f);
	}
}

/* report_render (the API's bodies) takes the buffer a one-pass writer built
 * as it is: the same bytes its write gives, NUL-terminated, for every
 * format, verbose or not. */
static void render_equals_write(void **state)
{
	(void)state;
	const char *formats[] = {"text", "json", "ssm", "xccdf", "junit"};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		for (int verbose = 0; verbose < 2; verbose++) {
			char *written = render(formats[i], verbose);
			const struct report_writer *w = report_writer_find(formats[i]);
			struct writer_options o = {.verbose = verbose};
			char *buf = NULL;
			size_t len = 0;
			assert_int_equal(report_render(&rep, w, &o, &buf, &len), 0);
			assert_int_equal(len, strlen(written));
			assert_int_equal(buf[len], '\0');
			assert_text(buf, written);
			free(buf);
			free(written);
		}
	}
	assert_non_null(report_writer_find("json")->render);
	assert_non_null(report_writer_find("text")->render);
}

static void writer_table(void **state)
{
	(void)state;
	assert_string_equal(report_writer_find("text")->name, "text");
	assert_string_equal(report_writer_find("json")->name, "json");
	/* bloodhound accepts -f in any case */
	assert_string_equal(report_writer_find("JSON")->name, "json");
	assert_string_equal(report_writer_find("Text")->name, "text");
	assert_string_equal(report_writer_find("json")->content_type, "application/json");
	assert_null(report_writer_find("xml"));
	assert_null(report_writer_find(""));
	assert_null(report_writer_find("jso"));
	const char *names = report_writer_names();
	assert_memory_equal(names, "text, json", strlen("text, json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(text_is_bloodhounds_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(verbose_text_shows_evidence_reason_remediation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(json_is_bloodhounds_document_extended, setup, teardown),
		cmocka_unit_test_setup_teardown(text_without_metadata, setup, teardown),
		cmocka_unit_test_setup_teardown(json_one_pass_equals_the_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(json_one_pass_with_runtime_backing, setup, teardown),
		cmocka_unit_test_setup_teardown(write_errors_are_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(render_equals_write, setup, teardown),
		cmocka_unit_test(writer_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
