/* bloodhound's metadata.json in a check folder (report/dir_metadata.h):
 * read as bloodhound reads it (optional strings, other members ignored),
 * with cisreport's "type" marker; malformed files refused by name. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report/dir_metadata.h"

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

/* Bottlerocket's own file (packages/os/bottlerocket-fips-checks-metadata-json). */
static void reads_bottlerocket_file(void **state)
{
	(void)state;
	write_file(dir, "metadata.json",
		   "{\n    \"name\": \"FIPS Security Policy\",\n    \"version\": \"v1.0.0\",\n"
		   "    \"url\": \"https://csrc.nist.gov/\"\n}\n",
		   0644);
	struct dir_metadata m;
	assert_int_equal(dir_metadata_read(dir, &m, err, sizeof(err)), 0);
	assert_string_equal(m.name, "FIPS Security Policy");
	assert_string_equal(m.version, "v1.0.0");
	assert_string_equal(m.url, "https://csrc.nist.gov/");
	assert_null(m.type);
	dir_metadata_free(&m);
	assert_null(m.name);
}

static void optional_members_marker_and_extras(void **state)
{
	(void)state;
	/* a trailing slash on the folder, null as absent, unknown members ignored */
	write_file(dir, "metadata.json",
		   "{\"name\": null, \"url\": \"u\", \"type\": \"kubernetes\", \"vendor\": 7}", 0644);
	char slashed[600];
	snprintf(slashed, sizeof(slashed), "%s//", dir);
	struct dir_metadata m;
	assert_int_equal(dir_metadata_read(slashed, &m, err, sizeof(err)), 0);
	assert_null(m.name);
	assert_null(m.version);
	assert_string_equal(m.url, "u");
	assert_string_equal(m.type, "kubernetes");
	dir_metadata_free(&m);

	write_file(dir, "metadata.json", "{}", 0644);
	assert_int_equal(dir_metadata_read(dir, &m, err, sizeof(err)), 0);
	assert_null(m.name);
	assert_null(m.type);
	dir_metadata_free(&m);
}

static void absent_is_not_an_error(void **state)
{
	(void)state;
	struct dir_metadata m;
	assert_int_equal(dir_metadata_read(dir, &m, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "");
	assert_null(m.name);
	dir_metadata_free(&m);
}

static void expect_bad(const char *text, const char *suffix)
{
	write_file(dir, "metadata.json", text, 0644);
	struct dir_metadata m;
	int rc = dir_metadata_read(dir, &m, err, sizeof(err));
	char want[1024];
	snprintf(want, sizeof(want), "%s/metadata.json%s", dir, suffix);
	if (rc != -EINVAL || strcmp(err, want) != 0)
		fail_msg("rc %d\n  got:  %s\n  want: %s", rc, err, want);
	assert_null(m.name);
	assert_null(m.type);
}

static void malformed_files_are_named(void **state)
{
	(void)state;
	expect_bad("{\"name\": \"x\",", ":1:13: string or '}' expected near end of file");
	expect_bad("{\"name\": \"x\",\n \"name\": \"y\"}", ":2:7: duplicate object key near '\"name\"'");
	expect_bad("[\"name\"]", ":1:1: must be a JSON object such as {\"name\": ..., \"version\": ..., \"url\": ...}");
	expect_bad("{\"name\": \"x\",\n  \"version\": 1}", ":2:14: version: must be a string or null");
	expect_bad("{\"url\": [\"u\"]}", ":1:9: url: must be a string or null");
	expect_bad("{\"type\": \"CIS\"}", ":1:10: type: \"CIS\" must be lower-case letters, digits, '-' or '_'");
	expect_bad("{\"type\": \"\"}", ":1:10: type: \"\" must be lower-case letters, digits, '-' or '_'");
	char *big = malloc(DIR_METADATA_MAX + 16);
	assert_non_null(big);
	memset(big, ' ', DIR_METADATA_MAX + 8);
	big[0] = '{';
	big[DIR_METADATA_MAX + 8] = '}';
	big[DIR_METADATA_MAX + 9] = '\0';
	expect_bad(big, ": larger than 64 KiB: not a bloodhound metadata file");
	free(big);
}

static void not_a_regular_file(void **state)
{
	(void)state;
	char sub[600];
	snprintf(sub, sizeof(sub), "%s/metadata.json/x", dir);
	write_file(dir, "metadata.json/x", "", 0644); /* metadata.json is a folder */
	struct dir_metadata m;
	assert_int_equal(dir_metadata_read(dir, &m, err, sizeof(err)), -EINVAL);
	char want[700];
	snprintf(want, sizeof(want), "%s/metadata.json: is a directory", dir);
	assert_string_equal(err, want);
	/* a FIFO does not block the read */
	rm_tree(sub);
	snprintf(sub, sizeof(sub), "%s/metadata.json", dir);
	rm_tree(sub);
	assert_int_equal(mkfifo(sub, 0644), 0);
	assert_int_equal(dir_metadata_read(dir, &m, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s/metadata.json: not a regular file", dir);
	assert_string_equal(err, want);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(reads_bottlerocket_file),   T(optional_members_marker_and_extras),
		T(absent_is_not_an_error),    T(malformed_files_are_named),
		T(not_a_regular_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
