/* Settings and waivers: validation messages, merge semantics, the file
 * (load, save, missing, garbage), and waivers as reports show them. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/render.h"
#include "settings/report_build.h"
#include "settings/settings.h"

#define FUTURE "2099-12-31T23:59:59Z"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);
	if (!j)
		fail_msg("test JSON does not parse: %s", e.text);
	return j;
}

/* Patch defaults with text; returns the rc and leaves the message in err. */
static int patch(const char *text, const struct settings_rules *rules, struct settings *out,
		 char *err, size_t size)
{
	struct settings base;
	assert_int_equal(settings_init(&base), 0);
	json_t *j = parse(text);
	err[0] = '\0';
	int rc = settings_patch(&base, j, rules, out, err, size);
	json_decref(j);
	settings_free(&base);
	return rc;
}

static void assert_rejected(const char *text, const struct settings_rules *rules,
			    const char *needle)
{
	struct settings out;
	char err[512];
	int rc = patch(text, rules, &out, err, sizeof(err));
	if (rc != -EINVAL)
		fail_msg("%s: accepted (rc %d)", text, rc);
	if (!strstr(err, needle))
		fail_msg("%s: message '%s' does not contain '%s'", text, err, needle);
}

static void rfc3339(void **state)
{
	(void)state;
	time_t t;
	assert_int_equal(rfc3339_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(rfc3339_parse("2024-02-29T12:00:00Z", &t), 0);
	assert_int_equal(t, 1709208000);
	assert_int_equal(rfc3339_parse("2024-02-29T14:00:00+02:00", &t), 0);
	assert_int_equal(t, 1709208000);
	assert_int_equal(rfc3339_parse("2024-02-29t11:30:00.123456-00:30", &t), 0);
	assert_int_equal(t, 1709208000);
	static const char *const bad[] = {
		"", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
		"2024-01-01 00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:00:00",
		"2024-01-01T00:00:00+0200", "2024-01-01T00:00:00Zjunk", "2024-1-01T00:00:00Z",
		"2024-01-01T00:00:00.Z", "next year", NULL,
	};
	for (size_t i = 0; bad[i]; i++)
		if (rfc3339_parse(bad[i], &t) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
}

static void defaults_and_json(void **state)
{
	(void)state;
	struct settings s;
	assert_int_equal(settings_init(&s), 0);
	json_t *j = settings_to_json(&s);
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(text, "{\"level\":1,\"format\":\"text\",\"observer\":true,\"waivers\":{},\"changes\":[]}");
	free(text);
	json_decref(j);
	settings_free(&s);
}

static void validation_messages(void **state)
{
	(void)state;
	assert_rejected("[]", NULL, "must be a JSON object");
	assert_rejected("{\"colour\": 1}", NULL,
			"unknown setting \"colour\" (allowed: level, format, observer, waivers, full_interval, max_watchers)");
	assert_rejected("{\"level\": \"1\"}", NULL, "level: must be a number from 0 to 255");
	assert_rejected("{\"level\": 256}", NULL, "level: must be a number from 0 to 255");
	assert_rejected("{\"level\": -1}", NULL, "level: must be a number from 0 to 255");
	assert_rejected("{\"level\": 1.0}", NULL, "level: must be a number from 0 to 255");
	assert_rejected("{\"format\": \"xml\"}", NULL, "format: must be one of: text, json");
	assert_rejected("{\"observer\": 1}", NULL, "observer: must be true or false");
	assert_rejected("{\"waivers\": null}", NULL, "waivers: must be an object");
	assert_rejected("{\"waivers\": {\"BR01\": {}}}", NULL, "is not a check name");
	assert_rejected("{\"waivers\": {\"br01\": 5}}", NULL, "waivers.br01: must be an object");
	assert_rejected("{\"waivers\": {\"br01\": {\"expires\": \"" FUTURE "\", \"approved-by\": \"a\"}}}",
			NULL, "waivers.br01.reason: is required");
	assert_rejected("{\"waivers\": {\"br01\": {\"reason\": \"\", \"expires\": \"" FUTURE
			"\", \"approved-by\": \"a\"}}}",
			NULL, "waivers.br01.reason: must be a non-empty string");
	assert_rejected("{\"waivers\": {\"br01\": {\"reason\": \"r\", \"expires\": \"" FUTURE
			"\", \"approved_by\": \"a\"}}}",
			NULL, "unknown field \"approved_by\" (allowed: reason, expires, approved-by)");
	assert_rejected("{\"waivers\": {\"br01\": {\"reason\": \"r\\u0007\", \"expires\": \"" FUTURE
			"\", \"approved-by\": \"a\"}}}",
			NULL, "waivers.br01.reason: must not contain control characters");
	assert_rejected("{\"waivers\": {\"br01\": {\"reason\": \"r\", \"expires\": \"soon\", \"approved-by\": \"a\"}}}",
			NULL, "waivers.br01.expires: \"soon\" is not an RFC 3339 date-time");
}

/* The daemon's tunables: 1..max or null (back to the daemon's option); shown
 * by settings_to_json only once set. */
static void daemon_tunables(void **state)
{
	(void)state;
	assert_rejected("{\"full_interval\": 0}", NULL,
			"full_interval: must be a number of seconds from 1 to 86400, or null for the daemon's option");
	assert_rejected("{\"full_interval\": \"300\"}", NULL, "full_interval: must be a number of seconds");
	assert_rejected("{\"full_interval\": 86401}", NULL, "full_interval: must be a number of seconds");
	assert_rejected("{\"max_watchers\": -1}", NULL,
			"max_watchers: must be a number of streams from 1 to 4096, or null for the daemon's option");
	assert_rejected("{\"max_watchers\": 2.5}", NULL, "max_watchers: must be a number of streams");

	struct settings base, set, back;
	char err[256];
	assert_int_equal(settings_init(&base), 0);
	assert_int_equal(settings_patch_text(&base, "{\"full_interval\": 60, \"max_watchers\": 2}", 40,
					     NULL, &set, err, sizeof(err)),
			 0);
	assert_int_equal(set.full_interval_s, 60);
	assert_int_equal(set.max_watchers, 2);
	json_t *j = settings_to_json(&set);
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(text, "{\"level\":1,\"format\":\"text\",\"observer\":true,\"full_interval\":60,"
				  "\"max_watchers\":2,\"waivers\":{},\"changes\":[]}");
	free(text);
	json_decref(j);
	assert_int_equal(settings_patch_text(&set, "{\"max_watchers\": null}", 22, NULL, &back, err,
					     sizeof(err)),
			 0);
	assert_int_equal(back.max_watchers, 0);
	assert_int_equal(back.full_interval_s, 60);
	settings_free(&back);
	settings_free(&set);
	settings_free(&base);
}

static bool only_br01(const char *name, char *hint, size_t size, void *ctx)
{
	(void)ctx;
	if (strcmp(name, "1.1") == 0)
		snprintf(hint, size, "\"1.1\" is the id of check \"br01\"");
	return strcmp(name, "br01") == 0;
}

static void rules_check_and_expiry(void **state)
{
	(void)state;
	struct settings_rules rules = {.check_exists = only_br01, .now = 2000000000};
	assert_rejected("{\"waivers\": {\"br02\": {\"reason\": \"r\", \"expires\": \"" FUTURE
			"\", \"approved-by\": \"a\"}}}",
			&rules, "waivers: no check named \"br02\" in the loaded profiles");
	assert_rejected("{\"waivers\": {\"1.1\": {\"reason\": \"r\", \"expires\": \"" FUTURE
			"\", \"approved-by\": \"a\"}}}",
			&rules, "\"1.1\" is the id of check \"br01\"");
	/* 2000000000 is 2033-05-18T03:33:20Z: that instant itself is not after now */
	assert_rejected("{\"waivers\": {\"br01\": {\"reason\": \"r\", \"expires\": \"2033-05-18T03:33:20Z\", \"approved-by\": \"a\"}}}",
			&rules, "is not in the future");
	assert_rejected("{\"waivers\": {\"br01\": {\"reason\": \"r\", \"expires\": \"2033-05-18T05:33:20+02:00\", \"approved-by\": \"a\"}}}",
			&rules, "is not in the future");
	struct settings out;
	char err[256];
	assert_int_equal(patch("{\"waivers\": {\"br01\": {\"reason\": \"r\", \"expires\": \"2033-05-18T03:33:21Z\", \"approved-by\": \"a\"}}}",
			       &rules, &out, err, sizeof(err)),
			 0);
	assert_int_equal(out.n_waivers, 1);
	assert_int_equal(out.waivers[0].expires_at, 2000000001);
	settings_free(&out);
}

static void merge_semantics(void **state)
{
	(void)state;
	struct settings a, b, c;
	char err[256];
	assert_int_equal(patch("{\"level\": 2, \"waivers\": {\"zz\": {\"reason\": \"r1\", \"expires\": \"" FUTURE
			       "\", \"approved-by\": \"x\"}, \"aa\": {\"reason\": \"r2\", \"expires\": \"" FUTURE
			       "\", \"approved-by\": \"y\"}}}",
			       NULL, &a, err, sizeof(err)),
			 0);
	assert_int_equal(a.level, 2);
	assert_int_equal(a.n_waivers, 2);
	assert_string_equal(a.waivers[0].check, "aa"); /* sorted */
	/* Top-level keys replace; waivers merge per check; null removes one. */
	json_t *j = parse("{\"format\": \"json\", \"waivers\": {\"aa\": null, \"mm\": {\"reason\": \"r3\", \"expires\": \"" FUTURE
			  "\", \"approved-by\": \"z\"}, \"nope\": null}}");
	assert_int_equal(settings_patch(&a, j, NULL, &b, err, sizeof(err)), 0);
	json_decref(j);
	assert_int_equal(b.level, 2);
	assert_string_equal(b.format, "json");
	assert_int_equal(b.n_waivers, 2);
	assert_string_equal(b.waivers[0].check, "mm");
	assert_string_equal(b.waivers[1].check, "zz");
	assert_string_equal(b.waivers[1].reason, "r1");
	/* A rejected patch leaves the base as it was and gives nothing. */
	j = parse("{\"level\": 1, \"observer\": \"off\"}");
	assert_int_equal(settings_patch(&b, j, NULL, &c, err, sizeof(err)), -EINVAL);
	json_decref(j);
	assert_int_equal(b.level, 2);
	assert_int_equal(b.n_waivers, 2);
	settings_free(&a);
	settings_free(&b);
}

static void file_round_trip(void **state)
{
	(void)state;
	char *dir = make_temp_dir();
	char path[512];
	snprintf(path, sizeof(path), "%s/settings.json", dir);
	struct settings s, back;
	bool missing = false;
	char err[512];
	assert_int_equal(settings_load(path, &s, &missing, err, sizeof(err)), 0);
	assert_true(missing);
	assert_int_equal(s.level, 1);
	settings_free(&s);

	assert_int_equal(patch("{\"observer\": false, \"waivers\": {\"br01\": {\"reason\": \"needed\", \"expires\": \"2020-01-01T00:00:00Z\", \"approved-by\": \"a\"}}}",
			       NULL, &s, err, sizeof(err)),
			 0);
	assert_int_equal(settings_save(path, &s, -1), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* waivers are not for every reader */
	/* A file may hold an expired waiver: it loads, and reports say expired. */
	assert_int_equal(settings_load(path, &back, &missing, err, sizeof(err)), 0);
	assert_false(missing);
	assert_false(back.observer);
	assert_int_equal(back.n_waivers, 1);
	assert_string_equal(back.waivers[0].approved_by, "a");
	settings_free(&back);
	settings_free(&s);

	write_file(dir, "settings.json", "{\"level\": 2,", 0644);
	assert_int_equal(settings_load(path, &s, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "settings.json:1:"));
	write_file(dir, "settings.json", "{\"level\": 2, \"extra\": true}", 0644);
	assert_int_equal(settings_load(path, &s, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown setting \"extra\""));
	write_file(dir, "settings.json", "{\"level\": 1, \"level\": 2}", 0644);
	assert_int_equal(settings_load(path, &s, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "duplicate"));
	rm_tree(dir);
	free(dir);
}

/* Waivers on a real report: status and counts stay, the writers show them. */
static void waivers_in_reports(void **state)
{
	(void)state;
	char *dir = make_temp_dir();
	write_file(dir, "profiles/level1/t.json",
		   "{\"format_version\": 1, \"benchmark\": {\"type\": \"bottlerocket\", \"report\": \"cis\","
		   " \"name\": \"T\", \"version\": \"v1\", \"url\": \"https://example.invalid\"},"
		   " \"checks\": ["
		   "  {\"name\": \"t1\", \"id\": \"1.1\", \"title\": \"One\", \"mode\": \"Automatic\", \"kind\": \"sysctl\","
		   "   \"params\": {\"keys\": {\"fs.suid_dumpable\": \"0\"}}, \"remediation\": \"fix\"},"
		   "  {\"name\": \"t2\", \"id\": \"1.2\", \"title\": \"Two\", \"mode\": \"Automatic\", \"kind\": \"sysctl\","
		   "   \"params\": {\"keys\": {\"kernel.randomize_va_space\": \"2\"}}, \"remediation\": \"fix\"},"
		   "  {\"name\": \"t3\", \"id\": \"1.3\", \"title\": \"Three\", \"mode\": \"Automatic\", \"kind\": \"sysctl\","
		   "   \"params\": {\"keys\": {\"kernel.randomize_va_space\": \"1\"}}, \"remediation\": \"fix\"}]}",
		   0644);
	write_file(dir, "root/proc/sys/fs/suid_dumpable", "1\n", 0644);
	write_file(dir, "root/proc/sys/kernel/randomize_va_space", "2\n", 0644);
	char pdir[512], root[512], err[512];
	snprintf(pdir, sizeof(pdir), "%s/profiles", dir);
	snprintf(root, sizeof(root), "%s/root", dir);
	struct profile p;
	assert_int_equal(profile_load(pdir, NULL, &p, err, sizeof(err)), 0);
	struct settings s;
	assert_int_equal(patch("{\"waivers\": {"
			       "\"t1\": {\"reason\": \"core dumps for debugging\", \"expires\": \"" FUTURE "\", \"approved-by\": \"sec\"},"
			       "\"t2\": {\"reason\": \"old\", \"expires\": \"2001-01-01T00:00:00Z\", \"approved-by\": \"ops\"},"
			       "\"gone\": {\"reason\": \"r\", \"expires\": \"" FUTURE "\", \"approved-by\": \"x\"}}}",
			       NULL, &s, err, sizeof(err)),
			 0);
	struct host h;
	assert_int_equal(host_init(&h, root), 0);
	struct report r;
	struct report_selection sel = {.level = 1};
	assert_int_equal(report_build(&h, &p, &sel, &s, &r), 0);
	assert_int_equal(r.failed, 2);
	assert_int_equal(r.passed, 1);
	assert_int_equal(r.status, CHECK_FAIL);
	assert_int_equal(r.entries[0].result.status, CHECK_FAIL); /* t1: waived, still FAIL */
	assert_non_null(r.entries[0].waiver);
	assert_false(r.entries[0].waiver->expired);
	assert_non_null(r.entries[1].waiver);
	assert_true(r.entries[1].waiver->expired);
	assert_null(r.entries[2].waiver);

	char *buf;
	size_t len;
	struct writer_options plain = {0}, verbose = {.verbose = true};
	assert_int_equal(report_render(&r, report_writer_find("json"), &plain, &buf, &len), 0);
	json_t *doc = parse(buf);
	json_t *t1 = json_object_get(json_object_get(doc, "results"), "t1");
	assert_string_equal(json_string_value(json_object_get(t1, "status")), "FAIL");
	char *w = json_dumps(json_object_get(t1, "waiver"), JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(w, "{\"reason\":\"core dumps for debugging\",\"expires\":\"" FUTURE
			       "\",\"approved_by\":\"sec\",\"state\":\"active\"}");
	free(w);
	json_t *t2 = json_object_get(json_object_get(doc, "results"), "t2");
	assert_string_equal(json_string_value(json_object_get(json_object_get(t2, "waiver"), "state")),
			    "expired");
	assert_null(json_object_get(json_object_get(json_object_get(doc, "results"), "t3"), "waiver"));
	json_decref(doc);
	free(buf);

	assert_int_equal(report_render(&r, report_writer_find("text"), &plain, &buf, &len), 0);
	assert_null(strstr(buf, "waiver")); /* bloodhound's layout is untouched */
	assert_non_null(strstr(buf, "[FAIL] 1.1       One (Automatic)\n"));
	free(buf);
	assert_int_equal(report_render(&r, report_writer_find("text"), &verbose, &buf, &len), 0);
	assert_non_null(strstr(buf, "          waiver: active until " FUTURE
				    ", approved by sec: core dumps for debugging\n"));
	assert_non_null(strstr(buf, "          waiver: EXPIRED since 2001-01-01T00:00:00Z, approved by ops: old\n"));
	free(buf);

	report_free(&r);
	host_free(&h);
	settings_free(&s);
	profile_free(&p);
	rm_tree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc3339),
		cmocka_unit_test(defaults_and_json),
		cmocka_unit_test(validation_messages),
		cmocka_unit_test(daemon_tunables),
		cmocka_unit_test(rules_check_and_expiry),
		cmocka_unit_test(merge_semantics),
		cmocka_unit_test(file_round_trip),
		cmocka_unit_test(waivers_in_reports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
