/* Profile loader: malformed profiles are rejected with the exact
 * "file:line:col: field: problem" a user sees; levels come from folders;
 * the benchmark type is chosen as documented; checks are sorted by name. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/profile.h"
#include "util/json_compiled.h"

static char *dir;
static char err[1024];

static int setup(void **state)
{
	(void)state;
	dir = make_temp_dir();
	err[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(dir);
	free(dir);
	return 0;
}

/* A profile file: the benchmark on line 3, each check on its own line from
 * line 5 ("    {" at column 5). */
static void put_profile(const char *rel, const char *type, const char *const checks[])
{
	char text[8192];
	int n = snprintf(text, sizeof(text),
			 "{\n"
			 "  \"format_version\": 1,\n"
			 "  \"benchmark\": {\"type\": \"%s\", \"report\": \"cis\", \"name\": \"Bench\", "
			 "\"version\": \"v1\", \"url\": \"https://example.invalid/\"},\n"
			 "  \"checks\": [\n",
			 type);
	for (size_t i = 0; checks[i]; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "    %s%s\n", checks[i],
			      checks[i + 1] ? "," : "");
	snprintf(text + n, sizeof(text) - (size_t)n, "  ]\n}\n");
	write_file(dir, rel, text, 0644);
}

#define SYSCTL_CHECK(name, id)                                                                   \
	"{\"name\": \"" name "\", \"id\": \"" id "\", \"title\": \"T " id "\", \"mode\": "         \
	"\"Automatic\", \"kind\": \"sysctl\", \"params\": {\"keys\": {\"fs.suid_dumpable\": "        \
	"\"0\"}}, \"remediation\": \"fix " id "\"}"
#define MANUAL_CHECK(name, id)                                                                   \
	"{\"name\": \"" name "\", \"id\": \"" id "\", \"title\": \"T " id "\", \"mode\": "         \
	"\"Manual\", \"kind\": \"manual\"}"

/* Load dir and expect failure rc with the message "<dir>/<suffix>". */
static void expect_error(int want_rc, const char *type, const char *suffix)
{
	struct profile p;
	int rc = profile_load(dir, type, &p, err, sizeof(err));
	char want[1024];
	snprintf(want, sizeof(want), "%s/%s", dir, suffix);
	if (rc != want_rc || strcmp(err, want) != 0)
		fail_msg("rc %d (want %d)\n  got:  %s\n  want: %s", rc, want_rc, err, want);
	if (rc == 0)
		profile_free(&p);
}

/* One check line in an otherwise valid level-1 file. */
static void expect_check_error(const char *check, const char *suffix)
{
	const char *const checks[] = {check, NULL};
	put_profile("level1/x.json", "bottlerocket", checks);
	expect_error(-EINVAL, NULL, suffix);
}

static void loads_levels_sorted_by_name(void **state)
{
	(void)state;
	const char *const l1[] = {SYSCTL_CHECK("c3", "1.3"), MANUAL_CHECK("c1", "1.1"), NULL};
	const char *const l2[] = {SYSCTL_CHECK("c2", "2.2"), NULL};
	put_profile("level1/a.json", "bottlerocket", l1);
	put_profile("level2/b.json", "bottlerocket", l2);
	struct profile p;
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_checks, 3);
	assert_string_equal(p.checks[0].name, "c1");
	assert_string_equal(p.checks[1].name, "c2");
	assert_string_equal(p.checks[2].name, "c3");
	assert_int_equal(p.checks[0].level, 1);
	assert_int_equal(p.checks[1].level, 2);
	assert_int_equal(p.checks[2].level, 1);
	assert_true(p.checks[0].manual);
	assert_false(p.checks[1].manual);
	assert_string_equal(p.checks[0].remediation, "");
	assert_string_equal(p.checks[2].remediation, "fix 1.3");
	assert_string_equal(p.checks[2].kind_name, "sysctl");
	assert_string_equal(p.checks[2].title, "T 1.3");
	char where[512];
	snprintf(where, sizeof(where), "%s/level1/a.json:5", dir);
	assert_string_equal(p.checks[2].source, where);
	assert_string_equal(p.bm.type, "bottlerocket");
	assert_string_equal(p.bm.report, "cis");
	assert_string_equal(p.bm.name, "Bench");
	assert_string_equal(p.bm.version, "v1");
	assert_string_equal(p.bm.url, "https://example.invalid/");
	assert_int_equal(p.n_files, 2);
	/* by name or by benchmark id */
	assert_ptr_equal(profile_find_check(&p, "c2"), &p.checks[1]);
	assert_ptr_equal(profile_find_check(&p, "1.3"), &p.checks[2]);
	assert_null(profile_find_check(&p, "nope"));
	assert_null(profile_find_check(&p, "1"));
	profile_free(&p);
}

static void ignores_what_is_not_a_profile(void **state)
{
	(void)state;
	const char *const ok[] = {SYSCTL_CHECK("c1", "1.1"), NULL};
	const char *const bad[] = {"not even JSON", NULL};
	put_profile("level1/a.json", "bottlerocket", ok);
	put_profile("level3/c.json", "bottlerocket", (const char *const[]){SYSCTL_CHECK("c9", "9.9"), NULL});
	/* not level folders, not .json files, hidden files */
	put_profile("level256/x.json", "bottlerocket", bad);
	put_profile("level01/x.json", "bottlerocket", bad);
	put_profile("level-1/x.json", "bottlerocket", bad);
	put_profile("level+1/x.json", "bottlerocket", bad);
	put_profile("levelx/x.json", "bottlerocket", bad);
	put_profile("other/x.json", "bottlerocket", bad);
	put_profile("level1/notes.txt", "bottlerocket", bad);
	put_profile("level1/.hidden.json", "bottlerocket", bad);
	put_profile("level1/x.json.orig", "bottlerocket", bad);
	write_file(dir, "level2", "a file, not a folder", 0644);
	struct profile p;
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_checks, 2);
	assert_string_equal(p.checks[1].name, "c9");
	assert_int_equal(p.checks[1].level, 3);
	profile_free(&p);
}

/* bloodhound's levels are a u8: level0 (the FIPS checks) to level255. */
static void levels_zero_to_255(void **state)
{
	(void)state;
	put_profile("level0/a.json", "bottlerocket", (const char *const[]){SYSCTL_CHECK("c0", "0.1"), NULL});
	put_profile("level255/b.json", "bottlerocket", (const char *const[]){SYSCTL_CHECK("c255", "9.9"), NULL});
	struct profile p;
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_checks, 2);
	assert_string_equal(p.checks[0].name, "c0");
	assert_int_equal(p.checks[0].level, 0);
	assert_string_equal(p.checks[1].name, "c255");
	assert_int_equal(p.checks[1].level, 255);
	profile_free(&p);
}

static void type_selection(void **state)
{
	(void)state;
	const char *const k[] = {SYSCTL_CHECK("k1", "4.1"), NULL};
	const char *const b[] = {SYSCTL_CHECK("b1", "1.1"), SYSCTL_CHECK("b2", "1.2"), NULL};
	struct profile p;

	/* Only one type present: that one. */
	put_profile("level1/k.json", "kubernetes", k);
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_string_equal(p.bm.type, "kubernetes");
	assert_int_equal(p.n_checks, 1);
	profile_free(&p);

	/* Several: bottlerocket, unless asked. */
	put_profile("level1/b.json", "bottlerocket", b);
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_string_equal(p.bm.type, "bottlerocket");
	assert_int_equal(p.n_checks, 2);
	assert_int_equal(p.n_files, 1);
	profile_free(&p);
	assert_int_equal(profile_load(dir, "kubernetes", &p, err, sizeof(err)), 0);
	assert_string_equal(p.bm.type, "kubernetes");
	assert_string_equal(p.checks[0].name, "k1");
	profile_free(&p);

	/* A type with no checks. */
	assert_int_equal(profile_load(dir, "fips", &p, err, sizeof(err)), -ENOENT);
	char want[512];
	snprintf(want, sizeof(want), "%s: no checks of benchmark \"fips\" found (profile files: 2)", dir);
	assert_string_equal(err, want);
}

/* metadata.json (report/dir_metadata.h) says which benchmark a folder is,
 * and its name, version and url are the report's, as bloodhound's are. */
static void type_from_metadata(void **state)
{
	(void)state;
	put_profile("level1/b.json", "bottlerocket", (const char *const[]){SYSCTL_CHECK("b1", "1.1"), NULL});
	put_profile("level1/k.json", "kubernetes", (const char *const[]){SYSCTL_CHECK("k1", "4.1"), NULL});
	struct profile p;
	write_file(dir, "metadata.json",
		   "{\"name\": \"K8s\", \"version\": \"v9\", \"url\": \"https://k.invalid/\", "
		   "\"type\": \"kubernetes\"}",
		   0644);
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_string_equal(p.bm.type, "kubernetes");
	assert_string_equal(p.bm.name, "K8s");
	assert_string_equal(p.bm.version, "v9");
	assert_string_equal(p.bm.url, "https://k.invalid/");
	assert_string_equal(p.bm.report, "cis"); /* not bloodhound's to say */
	profile_free(&p);
	/* -t wins; the file then describes another benchmark: not adopted */
	assert_int_equal(profile_load(dir, "bottlerocket", &p, err, sizeof(err)), 0);
	assert_string_equal(p.bm.type, "bottlerocket");
	assert_string_equal(p.bm.name, "Bench");
	profile_free(&p);

	/* Bottlerocket's own file has no "type": its name picks the benchmark
	 * of that name, unless two types share it. */
	put_profile("level1/k.json", "kubernetes", (const char *const[]){SYSCTL_CHECK("k1", "4.1"), NULL});
	write_file(dir, "metadata.json", "{\"name\": \"Bench\", \"url\": \"https://u/\"}", 0644);
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_string_equal(p.bm.type, "bottlerocket"); /* both are "Bench": the default */
	profile_free(&p);
	char text[512];
	snprintf(text, sizeof(text),
		 "{\"format_version\": 1, \"benchmark\": {\"type\": \"kubernetes\", \"report\": "
		 "\"cis-k8s\", \"name\": \"K8s Bench\", \"version\": \"v1\", \"url\": \"https://x/\"}, "
		 "\"checks\": [%s]}",
		 SYSCTL_CHECK("k1", "4.1"));
	write_file(dir, "level1/k.json", text, 0644);
	write_file(dir, "metadata.json", "{\"name\": \"K8s Bench\", \"url\": \"https://u/\"}", 0644);
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_string_equal(p.bm.type, "kubernetes");
	assert_string_equal(p.bm.version, "v1"); /* not in the file: the profile's */
	assert_string_equal(p.bm.url, "https://u/");
	profile_free(&p);
	/* a name that matches nothing: as without the file */
	write_file(dir, "metadata.json", "{\"name\": \"Other\"}", 0644);
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_string_equal(p.bm.type, "bottlerocket");
	assert_string_equal(p.bm.name, "Bench");
	profile_free(&p);

	/* a type with no profile here */
	write_file(dir, "metadata.json", "{\"type\": \"fips\"}", 0644);
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), -ENOENT);
	char want[1024];
	snprintf(want, sizeof(want),
		 "%s: no checks of benchmark \"fips\" found (profile files: 2) (the type metadata.json names)",
		 dir);
	assert_string_equal(err, want);
	/* malformed: refused by name, whatever -t says */
	write_file(dir, "metadata.json", "{\"type\": 3}", 0644);
	assert_int_equal(profile_load(dir, "bottlerocket", &p, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s/metadata.json:1:10: type: must be a string or null", dir);
	assert_string_equal(err, want);
}

/* The folder's name says nothing (bloodhound's folders are named for the
 * benchmark, but so can any folder be). */
static void folder_name_is_not_the_type(void **state)
{
	(void)state;
	char sub[600];
	snprintf(sub, sizeof(sub), "%s/fips", dir);
	write_file(dir, "fips/level1/b.json", "", 0644);
	char *saved = dir;
	dir = sub;
	put_profile("level1/b.json", "bottlerocket", (const char *const[]){SYSCTL_CHECK("b1", "1.1"), NULL});
	put_profile("level1/f.json", "fips", (const char *const[]){SYSCTL_CHECK("f1", "1.0"), NULL});
	dir = saved;
	struct profile p;
	assert_int_equal(profile_load(sub, NULL, &p, err, sizeof(err)), 0);
	assert_string_equal(p.bm.type, "bottlerocket");
	profile_free(&p);
}

static void several_types_without_bottlerocket(void **state)
{
	(void)state;
	put_profile("level1/k.json", "kubernetes", (const char *const[]){SYSCTL_CHECK("k1", "4.1"), NULL});
	put_profile("level1/f.json", "fips", (const char *const[]){SYSCTL_CHECK("f1", "1.0"), NULL});
	struct profile p;
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), -ENOENT);
	char want[512];
	snprintf(want, sizeof(want), "%s: no checks of benchmark \"bottlerocket\" found (profile files: 2)",
		 dir);
	assert_string_equal(err, want);
}

static void missing_and_empty_dir(void **state)
{
	(void)state;
	struct profile p;
	char missing[512], want[600];
	snprintf(missing, sizeof(missing), "%s/nope", dir);
	assert_int_equal(profile_load(missing, NULL, &p, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot open profile directory: No such file or directory", missing);
	assert_string_equal(err, want);
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: no checks of benchmark \"bottlerocket\" found (profile files: 0)", dir);
	assert_string_equal(err, want);
}

static void file_level_errors(void **state)
{
	(void)state;
	write_file(dir, "level1/x.json", "{\n  \"format_version\": 1,\n  \"checks\": [\n", 0644);
	expect_error(-EINVAL, NULL, "level1/x.json:4:0: ']' expected near end of file");
	write_file(dir, "level1/x.json", "{\"a\": 1, \"a\": 2}", 0644);
	expect_error(-EINVAL, NULL, "level1/x.json:1:12: duplicate object key near '\"a\"'");
	write_file(dir, "level1/x.json", "[]\n", 0644);
	expect_error(-EINVAL, NULL, "level1/x.json:1:1: a profile must be a JSON object");
	write_file(dir, "level1/x.json", "{\n  \"format_version\": 1,\n  \"extra\": true\n}\n", 0644);
	expect_error(-EINVAL, NULL,
		     "level1/x.json:3:12: extra: unknown field (allowed: format_version, benchmark, checks)");
	write_file(dir, "level1/x.json", "{\n  \"checks\": []\n}\n", 0644);
	expect_error(-EINVAL, NULL,
		     "level1/x.json:1:1: \"format_version\" is required (this cisreport reads 1)");
	write_file(dir, "level1/x.json", "{\n  \"format_version\": \"1\"\n}\n", 0644);
	expect_error(-EINVAL, NULL,
		     "level1/x.json:2:21: format_version: unsupported version (this cisreport reads 1)");
	write_file(dir, "level1/x.json", "{\n  \"format_version\": 1.0\n}\n", 0644);
	expect_error(-EINVAL, NULL,
		     "level1/x.json:2:21: format_version: unsupported version (this cisreport reads 1)");
	write_file(dir, "level1/x.json", "{\n  \"format_version\": 1\n}\n", 0644);
	expect_error(-EINVAL, NULL, "level1/x.json:1:1: \"benchmark\" is required");
}

static void benchmark_errors(void **state)
{
	(void)state;
	static const char head[] = "{\n  \"format_version\": 1,\n  \"benchmark\": ";
	char text[1024];
	snprintf(text, sizeof(text), "%s[],\n  \"checks\": []\n}\n", head);
	write_file(dir, "level1/x.json", text, 0644);
	expect_error(-EINVAL, NULL, "level1/x.json:3:16: benchmark: must be an object");

	snprintf(text, sizeof(text),
		 "%s{\"type\": \"bottlerocket\", \"report\": \"cis\", \"name\": \"B\", \"version\": \"v1\"},\n"
		 "  \"checks\": []\n}\n",
		 head);
	write_file(dir, "level1/x.json", text, 0644);
	expect_error(-EINVAL, NULL, "level1/x.json:3:16: benchmark: \"url\" is required");

	snprintf(text, sizeof(text),
		 "%s{\"type\": \"bottlerocket\", \"report\": \"cis\", \"name\": \"\", \"version\": \"v1\", "
		 "\"url\": \"u\"},\n  \"checks\": []\n}\n",
		 head);
	write_file(dir, "level1/x.json", text, 0644);
	expect_error(-EINVAL, NULL, "level1/x.json:3:66: benchmark.name: must be a non-empty string");

	snprintf(text, sizeof(text),
		 "%s{\"type\": \"Bottle Rocket\", \"report\": \"cis\", \"name\": \"B\", \"version\": \"v1\", "
		 "\"url\": \"u\"},\n  \"checks\": []\n}\n",
		 head);
	write_file(dir, "level1/x.json", text, 0644);
	expect_error(-EINVAL, NULL,
		     "level1/x.json:3:25: benchmark.type: must be lower-case letters, digits, '-' or '_'");

	snprintf(text, sizeof(text),
		 "%s{\"type\": \"bottlerocket\", \"vendor\": \"x\"},\n  \"checks\": []\n}\n", head);
	write_file(dir, "level1/x.json", text, 0644);
	expect_error(-EINVAL, NULL,
		     "level1/x.json:3:51: benchmark.vendor: unknown field (allowed: type, report, name, version, url)");

	snprintf(text, sizeof(text),
		 "%s{\"type\": \"bottlerocket\", \"report\": \"cis\", \"name\": \"B\", \"version\": \"v1\", "
		 "\"url\": \"u\"},\n  \"checks\": {}\n}\n",
		 head);
	write_file(dir, "level1/x.json", text, 0644);
	expect_error(-EINVAL, NULL, "level1/x.json:4:13: checks: must be an array");

	snprintf(text, sizeof(text),
		 "%s{\"type\": \"bottlerocket\", \"report\": \"cis\", \"name\": \"B\", \"version\": \"v1\", "
		 "\"url\": \"u\"}\n}\n",
		 head);
	write_file(dir, "level1/x.json", text, 0644);
	expect_error(-EINVAL, NULL, "level1/x.json:1:1: \"checks\" is required");
}

static void files_of_one_benchmark_must_agree(void **state)
{
	(void)state;
	put_profile("level1/a.json", "bottlerocket", (const char *const[]){SYSCTL_CHECK("c1", "1.1"), NULL});
	write_file(dir, "level2/b.json",
		   "{\n  \"format_version\": 1,\n"
		   "  \"benchmark\": {\"type\": \"bottlerocket\", \"report\": \"cis\", \"name\": \"Bench\", "
		   "\"version\": \"v2\", \"url\": \"https://example.invalid/\"},\n  \"checks\": []\n}\n",
		   0644);
	expect_error(-EINVAL, "bottlerocket",
		     "level2/b.json:3:16: benchmark: differs from another file of benchmark \"bottlerocket\" "
		     "(name, version, url and report must match)");
}

static void check_errors(void **state)
{
	(void)state;
	expect_check_error("[]", "level1/x.json:5:5: checks[0]: each check must be an object");
	expect_check_error("{\"name\": \"c1\", \"id\": \"1.1\", \"mode\": \"Manual\", \"kind\": \"manual\"}",
			   "level1/x.json:5:5: checks[0]: \"title\" is required");
	expect_check_error("{\"name\": \"c1\", \"id\": 11, \"title\": \"t\", \"mode\": \"Manual\", \"kind\": \"manual\"}",
			   "level1/x.json:5:26: checks[0].id: must be a non-empty string");
	expect_check_error("{\"name\": \"\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"Manual\", \"kind\": \"manual\"}",
			   "level1/x.json:5:14: checks[0].name: must be a non-empty string");
	expect_check_error("{\"name\": \"BR01\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"Manual\", \"kind\": \"manual\"}",
			   "level1/x.json:5:14: checks[0].name: \"BR01\" must be lower-case letters, digits, '-' or '_'");
	expect_check_error("{\"name\": \"c1\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"manual\", \"kind\": \"manual\"}",
			   "level1/x.json:5:55: checks[0].mode: must be \"Automatic\" or \"Manual\", not \"manual\"");
	expect_check_error("{\"name\": \"c1\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"Manual\", \"kind\": \"manual\", \"level\": 2}",
			   "level1/x.json:5:92: checks[0].level: unknown field (allowed: name, id, title, mode, kind, params, remediation)");
	/* mode and kind go together */
	expect_check_error("{\"name\": \"c1\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"Manual\", \"kind\": \"sysctl\", \"params\": {\"keys\": {\"a.b\": \"1\"}}}",
			   "level1/x.json:5:73: checks[0].kind: mode \"Manual\" goes with kind \"manual\", and only with it");
	expect_check_error("{\"name\": \"c1\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"Automatic\", \"kind\": \"manual\", \"remediation\": \"r\"}",
			   "level1/x.json:5:76: checks[0].kind: mode \"Manual\" goes with kind \"manual\", and only with it");
	/* an automatic check needs a remediation */
	expect_check_error("{\"name\": \"c1\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"Automatic\", \"kind\": \"sysctl\", \"params\": {\"keys\": {\"a.b\": \"1\"}}}",
			   "level1/x.json:5:5: checks[0]: an automatic check needs a remediation");
	expect_check_error("{\"name\": \"c1\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"Automatic\", \"kind\": \"sysctl\", \"params\": {\"keys\": {\"a.b\": \"1\"}}, \"remediation\": \"\"}",
			   "level1/x.json:5:135: checks[0].remediation: an automatic check needs a remediation");
	expect_check_error("{\"name\": \"c1\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"Manual\", \"kind\": \"manual\", \"remediation\": 1}",
			   "level1/x.json:5:98: checks[0].remediation: must be a string");
}

static void kind_and_params_errors(void **state)
{
	(void)state;
	/* The list of known kinds grows with the project: check its start. */
	const char *const checks[] = {
		"{\"name\": \"c1\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"Automatic\", \"kind\": \"nope\", \"remediation\": \"r\"}",
		NULL};
	put_profile("level1/x.json", "bottlerocket", checks);
	struct profile p;
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), -EINVAL);
	char want[512];
	snprintf(want, sizeof(want), "%s/level1/x.json:5:76: checks[0].kind: unknown kind \"nope\" (known: ", dir);
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err, "manual"));
	assert_non_null(strstr(err, "sysctl"));

	expect_check_error("{\"name\": \"c1\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"Automatic\", \"kind\": \"sysctl\", \"remediation\": \"r\"}",
			   "level1/x.json:5:5: checks[0]: params: must be an object");
	expect_check_error("{\"name\": \"c1\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"Automatic\", \"kind\": \"sysctl\", \"params\": [1], \"remediation\": \"r\"}",
			   "level1/x.json:5:96: checks[0].params: must be an object");
	expect_check_error("{\"name\": \"c1\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"Automatic\", \"kind\": \"sysctl\", \"params\": {\"keys\": {\"a b\": \"1\"}}, \"remediation\": \"r\"}",
			   "level1/x.json:5:105: checks[0].params.keys: \"a b\" is not a sysctl name");
	expect_check_error("{\"name\": \"c1\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"Automatic\", \"kind\": \"sysctl\", \"params\": {\"keys\": {\"a.b\": 1}}, \"remediation\": \"r\"}",
			   "level1/x.json:5:105: checks[0].params.keys: value of \"a.b\" must be a string or a non-empty array of strings");
	expect_check_error("{\"name\": \"c1\", \"id\": \"1.1\", \"title\": \"t\", \"mode\": \"Manual\", \"kind\": \"manual\", \"params\": {\"x\": 1}}",
			   "level1/x.json:5:99: checks[0].params.x: unknown parameter (this kind takes none)");
}

static void second_check_and_non_ascii_columns(void **state)
{
	(void)state;
	/* The error is in the second check; columns count characters. */
	const char *const checks[] = {
		MANUAL_CHECK("c1", "1.1"),
		"{\"name\": \"c2\", \"id\": \"1.2\", \"title\": \"Réseau é\", \"mode\": \"Manuel\", \"kind\": \"manual\"}",
		NULL};
	put_profile("level1/x.json", "bottlerocket", checks);
	expect_error(-EINVAL, NULL,
		     "level1/x.json:6:62: checks[1].mode: must be \"Automatic\" or \"Manual\", not \"Manuel\"");
}

static void duplicate_names(void **state)
{
	(void)state;
	const char *const same_file[] = {MANUAL_CHECK("c1", "1.1"), MANUAL_CHECK("c1", "1.2"), NULL};
	put_profile("level1/a.json", "bottlerocket", same_file);
	char suffix[1024];
	snprintf(suffix, sizeof(suffix),
		 "level1/a.json:6:14: checks[1].name: check \"c1\" is already defined at %s/level1/a.json:5", dir);
	expect_error(-EINVAL, NULL, suffix);

	const char *const one[] = {MANUAL_CHECK("c1", "1.1"), NULL};
	put_profile("level1/a.json", "bottlerocket", one);
	put_profile("level2/b.json", "bottlerocket", one);
	snprintf(suffix, sizeof(suffix),
		 "level2/b.json:5:14: checks[0].name: check \"c1\" is already defined at %s/level1/a.json:5", dir);
	expect_error(-EINVAL, NULL, suffix);

	/* The same name in another benchmark is not a duplicate. */
	put_profile("level2/b.json", "kubernetes", one);
	struct profile p;
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_checks, 1);
	profile_free(&p);
}

static void other_types_are_validated_too(void **state)
{
	(void)state;
	put_profile("level1/a.json", "bottlerocket", (const char *const[]){MANUAL_CHECK("c1", "1.1"), NULL});
	put_profile("level1/k.json", "kubernetes",
		    (const char *const[]){"{\"name\": \"k1\", \"id\": \"4.1\", \"title\": \"t\", \"mode\": \"Manual\"}", NULL});
	expect_error(-EINVAL, "bottlerocket", "level1/k.json:5:5: checks[0]: \"kind\" is required");
}

static void oversized_file(void **state)
{
	(void)state;
	size_t n = (4u << 20) + 2;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	write_bytes(dir, "level1/x.json", big, n, 0644);
	free(big);
	expect_error(-EINVAL, NULL, "level1/x.json: cannot read: larger than 4 MiB");
}

/* A NUL inside a profile is an error, not its end (the text was parsed as a
 * C string once: "valid JSON\0anything" loaded). The same through the
 * buffer entry point the fuzzer calls. */
static void nul_byte_is_an_error(void **state)
{
	(void)state;
	static const char good[] =
		"{\"format_version\": 1, \"benchmark\": {\"type\": \"bottlerocket\", \"report\": "
		"\"cis\", \"name\": \"B\", \"version\": \"v1\", \"url\": \"https://x.invalid/\"}, "
		"\"checks\": [" MANUAL_CHECK("br01020100", "1.2.1") "]}";
	char text[sizeof(good) + 8];
	memcpy(text, good, sizeof(good) - 1);
	memcpy(text + sizeof(good) - 1, "\0junk", 5);
	size_t n = sizeof(good) - 1 + 5;
	write_bytes(dir, "level1/x.json", text, n, 0644);
	struct profile p;
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "level1/x.json:1:"));
	assert_int_equal(profile_load_text("x.json", text, n, 1, NULL, &p, err, sizeof(err)), -EINVAL);
	assert_int_equal(profile_load_text("x.json", good, sizeof(good) - 1, 1, NULL, &p, err,
					   sizeof(err)), 0);
	assert_int_equal(p.n_checks, 1);
	profile_free(&p);
}

/* A file byte-identical to a shipped one is taken from the compiled form
 * (here a hand-made one whose title differs from the file's, so the test
 * sees which was used); one byte more and it is parsed and validated. */
static void shipped_profiles_by_identity(void **state)
{
	(void)state;
	put_profile("level1/a.json", "bottlerocket", (const char *const[]){SYSCTL_CHECK("c1", "1.1"), NULL});
	char path[4096], *text;
	size_t len;
	snprintf(path, sizeof(path), "%s/level1/a.json", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	text = calloc(1, 8192);
	len = fread(text, 1, 8191, f);
	fclose(f);
	json_t *tree = json_loads("{\"keys\":{\"fs.suid_dumpable\":\"0\"}}", 0, NULL);
	char *compiled;
	size_t compiled_len;
	assert_int_equal(json_compiled_encode(tree, &compiled, &compiled_len), 0);
	json_decref(tree);
	const struct profile_shipped_check checks[] = {
		{"c1", "1.1", "compiled title", "fix 1.1", "sysctl", false, 5, compiled},
		{"c2", "1.2", "only compiled", "", "manual", true, 6, NULL},
	};
	struct profile_shipped_file file = {"level1/a.json", 1, text, len, "bottlerocket", "cis",
					    "Compiled bench", "v1", "https://example.invalid/",
					    checks, 2};
	struct profile_shipped shipped = {&file, 1};
	profile_use_shipped(&shipped);

	struct profile p;
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_checks, 2);
	assert_string_equal(p.bm.name, "Compiled bench");
	assert_string_equal(p.checks[0].title, "compiled title");
	assert_string_equal(p.checks[0].kind_name, "sysctl");
	assert_non_null(p.checks[0].kind);
	assert_string_equal(json_string_value(json_object_get(json_object_get(p.checks[0].params, "keys"),
							  "fs.suid_dumpable")),
			    "0");
	char want[4200];
	snprintf(want, sizeof(want), "%s/level1/a.json:5", dir);
	assert_string_equal(p.checks[0].source, want);
	assert_true(p.checks[1].manual);
	assert_null(p.checks[1].params);
	assert_int_equal(p.n_files, 1);
	profile_free(&p);
	/* another level is another file */
	file.level = 2;
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_string_equal(p.checks[0].title, "T 1.1");
	profile_free(&p);
	file.level = 1;

	/* a byte more: parsed */
	f = fopen(path, "a");
	assert_non_null(f);
	fputs(" ", f);
	fclose(f);
	assert_int_equal(profile_load(dir, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_checks, 1);
	assert_string_equal(p.bm.name, "Bench");
	assert_string_equal(p.checks[0].title, "T 1.1");
	profile_free(&p);
	/* and a malformed one fails with file, line and field as always */
	put_profile("level1/a.json", "bottlerocket",
		    (const char *const[]){"{\"name\": \"c1\", \"id\": \"4.1\", \"title\": \"t\", \"mode\": \"Manual\"}", NULL});
	expect_error(-EINVAL, NULL, "level1/a.json:5:5: checks[0]: \"kind\" is required");
	/* a shipped file next to a parsed one of the same benchmark: one profile */
	put_profile("level2/b.json", "bottlerocket", (const char *const[]){MANUAL_CHECK("c3", "1.3"), NULL});
	write_bytes(dir, "level1/a.json", text, len, 0644);
	assert_int_equal(profile_load(dir, "bottlerocket", &p, err, sizeof(err)), -EINVAL);
	/* (the parsed file's benchmark name differs from the compiled one) */
	assert_non_null(strstr(err, "level2/b.json:3:"));
	profile_free(&p);
	profile_use_shipped(NULL);
	free(text);
	free(compiled);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(loads_levels_sorted_by_name),
		T(ignores_what_is_not_a_profile),
		T(levels_zero_to_255),
		T(type_selection),
		T(type_from_metadata),
		T(folder_name_is_not_the_type),
		T(several_types_without_bottlerocket),
		T(missing_and_empty_dir),
		T(file_level_errors),
		T(benchmark_errors),
		T(files_of_one_benchmark_must_agree),
		T(check_errors),
		T(kind_and_params_errors),
		T(second_check_and_non_ascii_columns),
		T(duplicate_names),
		T(other_types_are_validated_too),
		T(oversized_file),
		T(nul_byte_is_an_error),
		T(shipped_profiles_by_identity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
