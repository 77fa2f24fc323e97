/* The cis-k8s and fips profiles as the report engine loads them: the
 * benchmark's 23 worker-node items (4.2.8 at level 2, as upstream's
 * kubernetes-cis-checks/main.rs), the FIPS items at level 0 (upstream's
 * bottlerocket-fips-checks/checks.rs) at every -l, and a whole
 * cis-k8s report over the hardened fixture (modes and owners set first:
 * git keeps neither). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/profile.h"
#include "report/report.h"

static char *dir;

/* Only these profile files: other benchmarks' files are not this test's. */
static int setup(void **state)
{
	(void)state;
	dir = make_temp_dir();
	char cmd[PATH_MAX * 3];
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s/level0' '%s/level1' '%s/level2' && cp '%s/level0/fips.json' '%s/level0/' && cp '%s/level1/kubernetes.json' '%s/level1/fips-agent.json' '%s/level1/' && cp '%s/level2/kubernetes.json' '%s/level2/'",
		 dir, dir, dir, PROFILES, dir, PROFILES, PROFILES, dir, PROFILES, dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(dir);
	free(dir);
	return 0;
}

static const struct {
	const char *name, *id;
	bool manual;
} k8s_items[] = {
	{"k8s04010100", "4.1.1", false},  {"k8s04010200", "4.1.2", false},
	{"k8s04010300", "4.1.3", true},   {"k8s04010400", "4.1.4", true},
	{"k8s04010500", "4.1.5", false},  {"k8s04010600", "4.1.6", false},
	{"k8s04010700", "4.1.7", false},  {"k8s04010800", "4.1.8", false},
	{"k8s04010900", "4.1.9", false},  {"k8s04011000", "4.1.10", false},
	{"k8s04020100", "4.2.1", false},  {"k8s04020200", "4.2.2", false},
	{"k8s04020300", "4.2.3", false},  {"k8s04020400", "4.2.4", false},
	{"k8s04020500", "4.2.5", false},  {"k8s04020600", "4.2.6", false},
	{"k8s04020700", "4.2.7", true},   {"k8s04020800", "4.2.8", true},
	{"k8s04020900", "4.2.9", false},  {"k8s04021000", "4.2.10", true},
	{"k8s04021100", "4.2.11", false}, {"k8s04021200", "4.2.12", false},
	{"k8s04021300", "4.2.13", false},
};

static void kubernetes_profile(void **state)
{
	(void)state;
	struct profile p;
	char err[1024];
	if (profile_load(dir, "kubernetes", &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(p.bm.report, "cis-k8s");
	assert_string_equal(p.bm.name, "CIS Kubernetes Benchmark (Worker Node)");
	assert_string_equal(p.bm.version, "v1.8.0");
	assert_string_equal(p.bm.url, "https://www.cisecurity.org/benchmark/kubernetes");
	assert_int_equal(p.n_checks, 23);
	for (size_t i = 0; i < p.n_checks; i++) {
		assert_string_equal(p.checks[i].name, k8s_items[i].name);
		assert_string_equal(p.checks[i].id, k8s_items[i].id);
		assert_int_equal(p.checks[i].manual, k8s_items[i].manual);
		assert_int_equal(p.checks[i].level, strcmp(k8s_items[i].id, "4.2.8") ? 1 : 2);
	}
	profile_free(&p);
}

static void fips_profile_levels(void **state)
{
	(void)state;
	struct profile p;
	char err[1024];
	if (profile_load(dir, "fips", &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(p.bm.report, "fips");
	assert_string_equal(p.bm.url, "https://csrc.nist.gov/");
	assert_int_equal(p.n_checks, 3);
	static const char *const names[] = {"fips01000000", "fips01010000", "fips01020000"};
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(p.checks[i].name, names[i]);
		assert_int_equal(p.checks[i].level, 0);
	}
	/* exactly the reference's three at any level bloodhound takes */
	struct host h;
	char root[PATH_MAX];
	snprintf(root, sizeof(root), "%s/fips-enabled", FIXTURES);
	assert_int_equal(host_init(&h, root), 0);
	static const int levels[] = {0, 1, 2, 255};
	for (size_t i = 0; i < 4; i++) {
		struct report r;
		struct report_selection sel = {.level = levels[i]};
		assert_int_equal(report_run(&h, &p, &sel, &r), 0);
		assert_int_equal(r.total, 3);
		assert_int_equal(r.passed, 3);
		assert_int_equal(r.status, CHECK_PASS);
		report_free(&r);
	}
	profile_free(&p);

	/* The informational OpenSSL check is a report of its own, asked for by
	 * name (-t fips-agent): it says why it cannot judge an offline tree. */
	if (profile_load(dir, "fips-agent", &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(p.bm.report, "fips-agent");
	assert_int_equal(p.n_checks, 1);
	assert_string_equal(p.checks[0].name, "fips02000000");
	struct report r;
	struct report_selection sel = {.level = 1};
	assert_int_equal(report_run(&h, &p, &sel, &r), 0);
	assert_int_equal(r.total, 1);
	assert_int_equal(r.skipped, 1);
	assert_int_equal(r.entries[0].result.outcome, OUTCOME_NOT_APPLICABLE);
	report_free(&r);
	host_free(&h);
	profile_free(&p);
}

static void hardened_node_report(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* the owner checks need files owned by root */
	char *tree = make_temp_dir();
	char cmd[PATH_MAX * 3];
	snprintf(cmd, sizeof(cmd),
		 "cp -R '%s/k8s-hardened/.' '%s/' && chown -R 0:0 '%s' && find '%s' -type f -exec chmod 644 {} + && chmod 600 '%s/etc/kubernetes/pki/ca.crt' '%s/etc/kubernetes/kubelet/config'",
		 FIXTURES, tree, tree, tree, tree, tree);
	assert_int_equal(system(cmd), 0);

	struct profile p;
	char err[1024];
	if (profile_load(dir, "kubernetes", &p, err, sizeof(err)))
		fail_msg("%s", err);
	struct host h;
	assert_int_equal(host_init(&h, tree), 0);
	struct report r;
	struct report_selection sel = {.level = 1};
	assert_int_equal(report_run(&h, &p, &sel, &r), 0);
	for (size_t i = 0; i < r.n_entries; i++) {
		const struct report_entry *e = &r.entries[i];
		if (e->def->manual) {
			assert_int_equal(e->result.status, CHECK_SKIP);
			assert_string_equal(e->result.error, MANUAL_REASON);
		} else if (e->result.status != CHECK_PASS) {
			fail_msg("%s %s: %s", e->def->name, check_status_name(e->result.status),
				 e->result.error);
		}
	}
	assert_int_equal(r.passed, 18);
	assert_int_equal(r.skipped, 4); /* 4.1.3, 4.1.4, 4.2.7, 4.2.10; 4.2.8 is level 2 */
	assert_int_equal(r.failed, 0);
	assert_int_equal(r.status, CHECK_PASS);
	report_free(&r);
	host_free(&h);
	profile_free(&p);
	rm_tree(tree);
	free(tree);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kubernetes_profile),
		cmocka_unit_test(fips_profile_levels),
		cmocka_unit_test(hardened_node_report),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
