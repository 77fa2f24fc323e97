/* Report rules, as bloodhound's: counts per status; the report is FAIL if
 * any check failed, else PASS if any passed, else SKIP. Selection by level
 * and by name or id; entries in name order; the timestamp as chrono prints. */
#include "testutil.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/profile.h"
#include "report/report.h"

static char *profiles, *root;
static struct profile prof;
static struct host host;

#define SYSCTL(name, id, key, want)                                                              \
	"{\"name\": \"" name "\", \"id\": \"" id "\", \"title\": \"" name "\", \"mode\": "         \
	"\"Automatic\", \"kind\": \"sysctl\", \"params\": {\"keys\": {\"" key "\": \"" want        \
	"\"}}, \"remediation\": \"r\"}"

static void put(const char *rel, const char *checks)
{
	char text[4096];
	snprintf(text, sizeof(text),
		 "{\"format_version\": 1, \"benchmark\": {\"type\": \"bottlerocket\", \"report\": "
		 "\"cis\", \"name\": \"B\", \"version\": \"v1\", \"url\": \"u\"}, \"checks\": [%s]}",
		 checks);
	write_file(profiles, rel, text, 0644);
}

static int setup(void **state)
{
	(void)state;
	profiles = make_temp_dir();
	root = make_temp_dir();
	write_file(root, "proc/sys/t/one", "1\n", 0644);
	write_file(root, "proc/sys/t/zero", "0\n", 0644);
	/* level 1: pass, fail, skip (missing), manual; level 2: pass */
	put("level1/a.json", SYSCTL("pass1", "1.1", "t.one", "1") ","
			     SYSCTL("fail1", "1.2", "t.zero", "1") ","
			     SYSCTL("skip1", "1.3", "t.missing", "1") ","
			     "{\"name\": \"manual1\", \"id\": \"1.4\", \"title\": \"m\", \"mode\": \"Manual\", "
			     "\"kind\": \"manual\"}");
	put("level2/b.json", SYSCTL("a-pass2", "2.1", "t.zero", "0"));
	char err[512];
	if (profile_load(profiles, NULL, &prof, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(host_init(&host, root), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	host_free(&host);
	profile_free(&prof);
	rm_tree(profiles);
	rm_tree(root);
	free(profiles);
	free(root);
	return 0;
}

static void run_selection(int level, const char *const *only, struct report *r)
{
	struct report_selection sel = {.level = level, .only = only};
	assert_int_equal(report_run(&host, &prof, &sel, r), 0);
}

static void assert_counts(const struct report *r, size_t total, size_t passed, size_t failed,
			  size_t skipped, enum check_status status)
{
	assert_int_equal(r->total, total);
	assert_int_equal(r->passed, passed);
	assert_int_equal(r->failed, failed);
	assert_int_equal(r->skipped, skipped);
	assert_int_equal(r->n_entries, total);
	if (r->status != status)
		fail_msg("report status %s, want %s", check_status_name(r->status),
			 check_status_name(status));
}

static void any_fail_is_fail(void **state)
{
	(void)state;
	struct report r;
	run_selection(1, NULL, &r);
	assert_counts(&r, 4, 1, 1, 2, CHECK_FAIL);
	assert_int_equal(r.level, 1);
	assert_string_equal(r.bm->name, "B");
	/* name order, each with its own verdict */
	assert_string_equal(r.entries[0].def->name, "fail1");
	assert_string_equal(r.entries[1].def->name, "manual1");
	assert_string_equal(r.entries[2].def->name, "pass1");
	assert_string_equal(r.entries[3].def->name, "skip1");
	assert_result(&r.entries[0].result, CHECK_FAIL, "t.zero: expected 1, found 0");
	assert_result(&r.entries[1].result, CHECK_SKIP, MANUAL_REASON);
	assert_int_equal(r.entries[1].result.outcome, OUTCOME_MANUAL);
	assert_result(&r.entries[2].result, CHECK_PASS, NULL);
	assert_string_equal(r.entries[2].result.error, "");
	assert_result(&r.entries[3].result, CHECK_SKIP, "cannot read /proc/sys/t/missing");
	assert_int_equal(r.entries[3].result.outcome, OUTCOME_UNABLE);
	report_free(&r);

	const char *const only[] = {"fail1", NULL};
	run_selection(2, only, &r);
	assert_counts(&r, 1, 0, 1, 0, CHECK_FAIL);
	report_free(&r);
}

static void pass_and_skip_is_pass(void **state)
{
	(void)state;
	struct report r;
	const char *const only[] = {"skip1", "pass1", "manual1", NULL};
	run_selection(1, only, &r);
	assert_counts(&r, 3, 1, 0, 2, CHECK_PASS);
	report_free(&r);
}

static void all_skip_is_skip(void **state)
{
	(void)state;
	struct report r;
	const char *const only[] = {"skip1", "manual1", NULL};
	run_selection(1, only, &r);
	assert_counts(&r, 2, 0, 0, 2, CHECK_SKIP);
	report_free(&r);
	/* nothing selected at all */
	const char *const none[] = {"nope", NULL};
	run_selection(1, none, &r);
	assert_counts(&r, 0, 0, 0, 0, CHECK_SKIP);
	report_free(&r);
}

static void level_filter_and_ids(void **state)
{
	(void)state;
	struct report r;
	run_selection(2, NULL, &r);
	assert_counts(&r, 5, 2, 1, 2, CHECK_FAIL);
	assert_string_equal(r.entries[0].def->name, "a-pass2");
	assert_int_equal(r.entries[0].def->level, 2);
	assert_int_equal(r.level, 2);
	report_free(&r);

	/* by benchmark id, and a level-2 check is left out at level 1 */
	const char *const ids[] = {"1.1", "2.1", NULL};
	run_selection(1, ids, &r);
	assert_counts(&r, 1, 1, 0, 0, CHECK_PASS);
	assert_string_equal(r.entries[0].def->name, "pass1");
	report_free(&r);
	run_selection(2, ids, &r);
	assert_counts(&r, 2, 2, 0, 0, CHECK_PASS);
	report_free(&r);
}

static void timestamp_is_chrono_format(void **state)
{
	(void)state;
	static const struct {
		time_t sec;
		long nsec;
		const char *want;
	} cases[] = {
		{0, 0, "1970-01-01T00:00:00Z"},
		{1714557600, 0, "2024-05-01T10:00:00Z"},
		{1714557600, 123000000, "2024-05-01T10:00:00.123Z"},
		{1714557600, 100000000, "2024-05-01T10:00:00.100Z"},
		{1714557600, 123456000, "2024-05-01T10:00:00.123456Z"},
		{1714557600, 1000, "2024-05-01T10:00:00.000001Z"},
		{1714557600, 123456789, "2024-05-01T10:00:00.123456789Z"},
		{1714557600, 1, "2024-05-01T10:00:00.000000001Z"},
		{1714557600, 999999999, "2024-05-01T10:00:00.999999999Z"},
		{4102444799, 500000000, "2099-12-31T23:59:59.500Z"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct timespec ts = {.tv_sec = cases[i].sec, .tv_nsec = cases[i].nsec};
		char buf[48];
		report_format_timestamp(&ts, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].want);
	}
}

static void report_carries_its_start_time(void **state)
{
	(void)state;
	struct timespec before, after;
	struct report r;
	clock_gettime(CLOCK_REALTIME, &before);
	run_selection(1, NULL, &r);
	clock_gettime(CLOCK_REALTIME, &after);
	assert_true(r.started.tv_sec >= before.tv_sec && r.started.tv_sec <= after.tv_sec);
	char want[48];
	report_format_timestamp(&r.started, want, sizeof(want));
	assert_string_equal(r.timestamp, want);
	regex_t re;
	assert_int_equal(regcomp(&re,
				 "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
				 "(\\.[0-9]{3}|\\.[0-9]{6}|\\.[0-9]{9})?Z$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	assert_int_equal(regexec(&re, r.timestamp, 0, NULL, 0), 0);
	regfree(&re);
	report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(any_fail_is_fail),
		cmocka_unit_test(pass_and_skip_is_pass),
		cmocka_unit_test(all_skip_is_skip),
		cmocka_unit_test(level_filter_and_ids),
		cmocka_unit_test(timestamp_is_chrono_format),
		cmocka_unit_test(report_carries_its_start_time),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
