/* The PCI DSS 2.2 mapping: the shipped data is complete and valid, bad
 * mappings are refused with their location, and the per-report document. */
#include "report_fixture.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report/pci_map.h"

static void shipped_mapping_loads(void **state)
{
	(void)state;
	struct pci_map m;
	char err[1024];
	int rc = pci_map_load(PROFILES "/" PCI_MAP_FILE, &m, err, sizeof(err));
	if (rc)
		fail_msg("%s", err);
	assert_string_equal(pci_map_standard(&m), "PCI DSS");
	assert_string_equal(pci_map_version(&m), "v4.0");
	const json_t *r = pci_map_check(&m, "bottlerocket", "1.4.3");
	assert_int_equal(json_array_size(r), 2);
	assert_string_equal(json_string_value(json_array_get(r, 0)), "2.2.4");
	assert_string_equal(json_string_value(json_array_get(r, 1)), "2.2.6");
	assert_null(pci_map_check(&m, "bottlerocket", "9.9.9"));
	assert_null(pci_map_check(&m, "nosuchtype", "1.4.3"));
	pci_map_free(&m);
}

/* Every check of every shipped profile file (bottlerocket, kubernetes,
 * fips, fips-agent) has a mapping; a runtime check is mapped through the items it
 * backs, all of which the mapping names (read from the raw files: some
 * kinds may not be built yet). */
static void every_shipped_check_is_mapped(void **state)
{
	(void)state;
	static const char *const files[] = {"bottlerocket", "bottlerocket-runtime", "kubernetes",
					    "fips", "fips-agent", NULL};
	struct pci_map m;
	char err[1024];
	assert_int_equal(pci_map_load(PROFILES "/" PCI_MAP_FILE, &m, err, sizeof(err)), 0);
	size_t seen = 0, runtime = 0, types_seen = 0;
	bool seen_type[4] = {false};
	for (int level = 0; level <= 2; level++) {
		for (size_t f = 0; files[f]; f++) {
			char path[512];
			snprintf(path, sizeof(path), "%s/level%d/%s.json", PROFILES, level, files[f]);
			json_t *doc = json_load_file(path, 0, NULL);
			if (!doc)
				continue;
			const char *type = json_string_value(
				json_object_get(json_object_get(doc, "benchmark"), "type"));
			assert_non_null(type);
			static const char *const types[] = {"bottlerocket", "kubernetes", "fips",
							    "fips-agent"};
			for (size_t t = 0; t < 4; t++)
				seen_type[t] |= strcmp(type, types[t]) == 0;
			size_t i;
			json_t *check;
			json_array_foreach(json_object_get(doc, "checks"), i, check) {
				const char *id = json_string_value(json_object_get(check, "id"));
				const char *kind = json_string_value(json_object_get(check, "kind"));
				seen++;
				if (strcmp(kind, "runtime") != 0) {
					if (!pci_map_check(&m, type, id))
						fail_msg("%s: check %s has no PCI DSS 2.2 mapping", path, id);
					continue;
				}
				runtime++;
				size_t k;
				json_t *item;
				json_array_foreach(json_object_get(json_object_get(check, "params"), "backs"), k, item)
					if (!pci_map_check(&m, type, json_string_value(item)))
						fail_msg("%s: runtime check %s backs %s, which has no PCI DSS 2.2 mapping",
							 path, id, json_string_value(item));
			}
			json_decref(doc);
		}
	}
	for (size_t t = 0; t < 4; t++)
		types_seen += seen_type[t];
	assert_int_equal(types_seen, 4);
	assert_true(seen >= 50);
	assert_true(runtime >= 8);
	pci_map_free(&m);
}

static char *tmp;

static int bad_map(const char *text, char *err, size_t size)
{
	write_file(tmp, "map.json", text, 0644);
	char path[512];
	snprintf(path, sizeof(path), "%s/map.json", tmp);
	struct pci_map m;
	int rc = pci_map_load(path, &m, err, size);
	if (rc == 0)
		pci_map_free(&m);
	return rc;
}

#define MAP_HEAD                                                                                 \
	"{\"format_version\":1,\"standard\":\"PCI DSS\",\"version\":\"v4.0\",\"requirement\":\"2.2\"," \
	"\"title\":\"t\",\n\"requirements\":[{\"id\":\"2.2.1\",\"title\":\"a\"},"                     \
	"{\"id\":\"2.2.2\",\"title\":\"b\",\"not_covered\":\"why\"}],\n"

static void bad_mappings_are_located(void **state)
{
	(void)state;
	tmp = make_temp_dir();
	char err[1024];
	assert_int_equal(bad_map(MAP_HEAD "\"report_requirements\":[\"2.2.1\"],\n\"benchmarks\":{\"b\":{\"1.1\":[\"2.2.1\"]}}}",
				 err, sizeof(err)),
			 0);
	assert_int_equal(bad_map(MAP_HEAD "\"report_requirements\":[\"2.2.1\"],\n\"benchmarks\":{\"b\":{\"1.1\":[\"2.2.9\"]}}}",
				 err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "map.json:4:"));
	assert_non_null(strstr(err, "benchmarks.b.1.1[0]: requirement \"2.2.9\" is not listed"));
	assert_int_equal(bad_map(MAP_HEAD "\"report_requirements\":[\"2.2.2\"],\n\"benchmarks\":{}}",
				 err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "report_requirements[0]: requirement \"2.2.2\" is marked not_covered"));
	assert_int_equal(bad_map(MAP_HEAD "\"report_requirements\":[],\n\"benchmarks\":{}}", err,
				 sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "report_requirements: must be a non-empty array"));
	assert_int_equal(bad_map(MAP_HEAD "\"report_requirements\":[\"2.2.1\"],\"benchmarks\":{},\"extra\":1}",
				 err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "extra: unknown field"));
	assert_int_equal(bad_map("{\"format_version\":1,\"standard\":\"PCI DSS\",\"version\":\"v4.0\",\"requirement\":\"2.2\",\"title\":\"t\","
				 "\"requirements\":[{\"id\":\"2.2.1\",\"title\":\"a\"},{\"id\":\"2.2.1\",\"title\":\"b\"}],"
				 "\"report_requirements\":[\"2.2.1\"],\"benchmarks\":{}}",
				 err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "requirements[1].id: requirement \"2.2.1\" is listed twice"));
	assert_int_equal(bad_map("{\"format_version\":2}", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "format_version must be 1"));
	assert_int_equal(bad_map("{not json", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "map.json:1:"));
	struct pci_map m;
	char path[512];
	snprintf(path, sizeof(path), "%s/none.json", tmp);
	assert_int_equal(pci_map_load(path, &m, err, sizeof(err)), -ENOENT);
	rm_tree(tmp);
	free(tmp);
}

static const json_t *requirement(const json_t *doc, const char *id)
{
	size_t i;
	const json_t *r;
	json_array_foreach(json_object_get(doc, "requirements"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "id")), id) == 0)
			return r;
	fail_msg("no requirement %s", id);
	return NULL;
}

static void report_mapping_document(void **state)
{
	(void)state;
	struct report_fixture f;
	fixture_run(&f, FIXTURE_CHECKS ",{\"name\":\"zz-extra\",\"id\":\"8.8\",\"title\":\"Not in the "
				       "mapping\",\"mode\":\"Manual\",\"kind\":\"manual\"}");
	struct pci_map m;
	char err[1024];
	assert_int_equal(pci_map_load(PROFILES "/" PCI_MAP_FILE, &m, err, sizeof(err)), 0);
	json_t *doc = pci_map_report(&m, &f.r);
	assert_non_null(doc);
	/* every check, with its requirements and result */
	const json_t *checks = json_object_get(doc, "checks");
	assert_int_equal(json_array_size(checks), 5);
	const json_t *aslr = json_array_get(checks, 2);
	assert_string_equal(json_string_value(json_object_get(aslr, "id")), "1.4.2");
	assert_string_equal(json_string_value(json_object_get(aslr, "status")), "FAIL");
	assert_string_equal(json_string_value(json_array_get(json_object_get(aslr, "requirements"), 0)),
			    "2.2.6");
	const json_t *unmapped = json_object_get(doc, "unmapped_checks");
	assert_int_equal(json_array_size(unmapped), 1);
	assert_string_equal(json_string_value(json_array_get(unmapped, 0)), "zz-extra");
	/* 2.2.6: 1.4.1 pass, 1.4.2 fail, 1.4.3 skip */
	const json_t *r6 = requirement(doc, "2.2.6");
	assert_true(json_is_true(json_object_get(r6, "covered")));
	assert_int_equal(json_integer_value(json_object_get(r6, "passed")), 1);
	assert_int_equal(json_integer_value(json_object_get(r6, "failed")), 1);
	assert_int_equal(json_integer_value(json_object_get(r6, "skipped")), 1);
	/* 2.2.1 is evidenced by the report as a whole */
	assert_true(json_is_true(json_object_get(requirement(doc, "2.2.1"), "evidenced_by_whole_report")));
	/* what no check covers, and why */
	for (const char *const *id = (const char *const[]){"2.2.2", "2.2.7", NULL}; *id; id++) {
		const json_t *r = requirement(doc, *id);
		assert_true(json_is_false(json_object_get(r, "covered")));
		assert_true(strlen(json_string_value(json_object_get(r, "reason"))) > 20);
	}
	/* 2.2.5 has checks in the mapping but none in this report */
	const json_t *r5 = requirement(doc, "2.2.5");
	assert_true(json_is_false(json_object_get(r5, "covered")));
	assert_non_null(strstr(json_string_value(json_object_get(r5, "reason")), "level 1"));
	json_decref(doc);
	pci_map_free(&m);
	fixture_free(&f);
}

/* A benchmark type the mapping has no section for: said plainly, and only
 * what the whole report evidences is covered. */
static void type_the_mapping_does_not_name(void **state)
{
	(void)state;
	struct report_fixture f;
	fixture_run(&f, FIXTURE_CHECKS);
	char *dir = make_temp_dir();
	write_file(dir, "map.json",
		   MAP_HEAD "\"report_requirements\":[\"2.2.1\"],\n\"benchmarks\":{\"other\":{\"1.4.2\":[\"2.2.1\"]}}}",
		   0644);
	char path[512], err[1024];
	snprintf(path, sizeof(path), "%s/map.json", dir);
	struct pci_map m;
	if (pci_map_load(path, &m, err, sizeof(err)))
		fail_msg("%s", err);
	json_t *doc = pci_map_report(&m, &f.r);
	assert_non_null(strstr(json_string_value(json_object_get(doc, "note")),
			       "the mapping names no check of benchmark type bottlerocket"));
	assert_int_equal(json_array_size(json_object_get(doc, "unmapped_checks")), 4);
	assert_true(json_is_true(json_object_get(requirement(doc, "2.2.1"), "covered")));
	/* 2.2.2 is not_covered in this mapping: its own reason */
	assert_string_equal(json_string_value(json_object_get(requirement(doc, "2.2.2"), "reason")), "why");
	json_decref(doc);
	pci_map_free(&m);
	rm_tree(dir);
	free(dir);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_mapping_loads),
		cmocka_unit_test(every_shipped_check_is_mapped),
		cmocka_unit_test(bad_mappings_are_located),
		cmocka_unit_test(report_mapping_document),
		cmocka_unit_test(type_the_mapping_does_not_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
