/* firewall_policy kind over captured iptables-save output in scratch trees. */
#include "testutil.h"
#include "unprivileged.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define V4 "{\"family\":\"ipv4\",\"chains\":{\"INPUT\":\"DROP\",\"FORWARD\":\"DROP\",\"OUTPUT\":\"DROP\"}}"
#define V6 "{\"family\":\"ipv6\",\"chains\":{\"INPUT\":\"DROP\",\"FORWARD\":\"DROP\",\"OUTPUT\":\"DROP\"}}"

static char *tmp;

static int setup(void **state)
{
	(void)state;
	tmp = make_temp_dir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(tmp);
	free(tmp);
	return 0;
}

/* A fresh root holding one captured command output. */
static void capture(const char *cmd, const char *text)
{
	char rel[128];
	snprintf(rel, sizeof(rel), ".cisreport/commands/%s", cmd);
	write_file(tmp, rel, text, 0644);
}

static void hardened_passes(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("firewall_policy", V4, "hardened", &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "INPUT policy")->actual, "DROP");
	assert_string_equal(find_evidence(&r, "FORWARD policy")->expected, "DROP");
	assert_non_null(strstr(find_evidence(&r, "source")->actual,
				".cisreport/commands/iptables-save"));
	result_free(&r);
	run_kind("firewall_policy", V6, "hardened", &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_non_null(strstr(find_evidence(&r, "source")->actual, "ip6tables-save"));
	result_free(&r);
}

static void one_accept_policy_fails(void **state)
{
	(void)state;
	capture("iptables-save", "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n"
				 ":OUTPUT DROP [0:0]\nCOMMIT\n");
	struct check_result r;
	run_kind("firewall_policy", V4, tmp, &r);
	assert_result(&r, CHECK_FAIL, "FORWARD policy: expected DROP, found ACCEPT");
	assert_true(find_evidence(&r, "INPUT policy")->ok);
	assert_false(find_evidence(&r, "FORWARD policy")->ok);
	assert_true(find_evidence(&r, "OUTPUT policy")->ok);
	assert_int_equal(r.outcome, OUTCOME_FAIL);
	result_free(&r);
}

static void no_filter_table_is_accept(void **state)
{
	(void)state;
	/* nothing loaded at all: iptables-save prints nothing */
	capture("iptables-save", "");
	struct check_result r;
	run_kind("firewall_policy", V4, tmp, &r);
	assert_result(&r, CHECK_FAIL, "INPUT policy: expected DROP, found ACCEPT (no filter table loaded)");
	assert_string_equal(find_evidence(&r, "OUTPUT policy")->actual,
			    "ACCEPT (no filter table loaded)");
	result_free(&r);
	/* only a nat table: still no filtering */
	capture("iptables-save", "*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n");
	run_kind("firewall_policy", V4, tmp, &r);
	assert_result(&r, CHECK_FAIL, "(no filter table loaded)");
	result_free(&r);
}

static void missing_chain_and_user_chain(void **state)
{
	(void)state;
	capture("iptables-save", "*filter\n:INPUT DROP [0:0]\n:OUTPUT DROP [0:0]\nCOMMIT\n");
	struct check_result r;
	run_kind("firewall_policy", V4, tmp, &r);
	assert_result(&r, CHECK_FAIL, NULL);
	assert_string_equal(find_evidence(&r, "FORWARD policy")->actual,
			    "ACCEPT (no FORWARD chain in the filter table)");
	result_free(&r);
	capture("iptables-save", "*filter\n:MINE - [0:0]\nCOMMIT\n");
	run_kind("firewall_policy", "{\"family\":\"ipv4\",\"chains\":{\"MINE\":\"DROP\"}}", tmp, &r);
	assert_result(&r, CHECK_FAIL, "none (MINE is a user-defined chain)");
	result_free(&r);
}

/* iptables-nft warns when legacy tables exist: the evidence passes it on. */
static void legacy_tables_warning(void **state)
{
	(void)state;
	capture("iptables-save", "# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n"
				 "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\nCOMMIT\n");
	struct check_result r;
	run_kind("firewall_policy", V4, tmp, &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_non_null(strstr(find_evidence(&r, "source")->actual,
			       "; warning: iptables-legacy tables are present and not shown in it"));
	result_free(&r);
}

static void accept_can_be_required(void **state)
{
	(void)state;
	capture("iptables-save", "");
	struct check_result r;
	run_kind("firewall_policy", "{\"family\":\"ipv4\",\"chains\":{\"FORWARD\":\"ACCEPT\"}}", tmp, &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
}

static void missing_capture_is_skip(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("firewall_policy", V6, tmp, &r); /* no ip6tables-save captured */
	assert_result(&r, CHECK_SKIP, "no captured ip6tables-save output");
	assert_non_null(strstr(r.error, ".cisreport/commands/ip6tables-save: No such file or directory"));
	assert_int_equal(r.outcome, OUTCOME_UNABLE);
	assert_int_equal(r.n_evidence, 0);
	result_free(&r);
}

static void garbage_is_skip(void **state)
{
	(void)state;
	/* iptables -L columns are not the save format */
	capture("iptables-save", "Chain INPUT (policy DROP)\ntarget     prot opt source destination\n");
	struct check_result r;
	run_kind("firewall_policy", V4, tmp, &r);
	assert_result(&r, CHECK_SKIP, "cannot parse iptables-save output: line 1:");
	result_free(&r);
	capture("iptables-save", "*filter\n:INPUT DROP [0:0]\n");
	run_kind("firewall_policy", V4, tmp, &r);
	assert_result(&r, CHECK_SKIP, "table filter has no COMMIT");
	result_free(&r);
	write_bytes(tmp, ".cisreport/commands/iptables-save", "*filter\n\0\n", 10, 0644);
	run_kind("firewall_policy", V4, tmp, &r);
	assert_result(&r, CHECK_SKIP, "NUL byte");
	result_free(&r);
}

static bool legacy_loaded(const char *names)
{
	FILE *f = fopen(names, "r");
	int c = f ? fgetc(f) : EOF;
	if (f)
		fclose(f);
	return c != EOF;
}

/* The live host, as a user who may not read the rules: the netlink dump
 * (or iptables-save, on a legacy host) is refused, which must be a SKIP
 * saying so, never a verdict. */
static void live_unprivileged_command_fails(void **state)
{
	(void)state;
	struct unpriv_result res;
	run_kind_unprivileged("firewall_policy", V4, "/", &res);
	assert_int_equal(res.status, CHECK_SKIP);
	if (!strstr(res.error, "CAP_NET_ADMIN"))
		fail_msg("reason: %s", res.error);
}

/* As root the live ruleset is read (never changed): whatever the rules, the
 * verdict is a PASS or a FAIL with evidence naming where it came from. */
static void live_root_runs_command(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	struct check_result r;
	run_kind("firewall_policy", V4, NULL, &r);
	if (r.status == CHECK_SKIP)
		fail_msg("the live ruleset was not read: %s", r.error);
	const char *src = find_evidence(&r, "source")->actual;
	if (!strstr(src, "nf_tables ruleset over netlink") && !strstr(src, "iptables-save (exit 0)"))
		fail_msg("source: %s", src);
	result_free(&r);
}

/* A host without the command: on a legacy x_tables host, SKIP naming it;
 * on an nf_tables host no command is needed at all. */
static void live_command_missing(void **state)
{
	(void)state;
	char *path = strdup(getenv("PATH") ? getenv("PATH") : "");
	setenv("PATH", tmp, 1); /* a directory without iptables-save */
	struct check_result r;
	run_kind("firewall_loopback", "{\"family\":\"ipv6\",\"source\":\"::1\"}", NULL, &r);
	setenv("PATH", path, 1);
	free(path);
	if (!legacy_loaded("/proc/net/ip6_tables_names")) {
		if (r.status == CHECK_SKIP && strstr(r.error, "PATH"))
			fail_msg("an nf_tables host needed a command: %s", r.error);
		result_free(&r);
		return;
	}
	assert_result(&r, CHECK_SKIP, "ip6tables-save not found in PATH");
	assert_int_equal(r.outcome, OUTCOME_UNABLE);
	result_free(&r);
}

static void bad_params(void **state)
{
	(void)state;
	struct param_error err;
	assert_int_equal(validate_kind("firewall_policy", "{\"chains\":{\"INPUT\":\"DROP\"}}", &err), -EINVAL);
	assert_string_equal(err.field, "family");
	assert_int_equal(validate_kind("firewall_policy", "{\"family\":\"ipv5\",\"chains\":{\"INPUT\":\"DROP\"}}", &err), -EINVAL);
	assert_string_equal(err.message, "must be \"ipv4\" or \"ipv6\"");
	assert_int_equal(validate_kind("firewall_policy", "{\"family\":\"ipv4\",\"chains\":{\"INPUT\":\"REJECT\"}}", &err), -EINVAL);
	assert_string_equal(err.field, "chains");
	assert_int_equal(validate_kind("firewall_policy", "{\"family\":\"ipv4\",\"chains\":{}}", &err), -EINVAL);
	assert_int_equal(validate_kind("firewall_policy", "{\"family\":\"ipv4\",\"chains\":{\"IN PUT\":\"DROP\"}}", &err), -EINVAL);
	assert_int_equal(validate_kind("firewall_policy", "{\"family\":\"ipv4\",\"chains\":{\"INPUT\":\"DROP\"},\"table\":\"nat\"}", &err), -EINVAL);
	assert_string_equal(err.field, "table");
	assert_int_equal(validate_kind("firewall_policy", V4, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hardened_passes),
		cmocka_unit_test(one_accept_policy_fails),
		cmocka_unit_test(no_filter_table_is_accept),
		cmocka_unit_test(missing_chain_and_user_chain),
		cmocka_unit_test(legacy_tables_warning),
		cmocka_unit_test(accept_can_be_required),
		cmocka_unit_test(missing_capture_is_skip),
		cmocka_unit_test(garbage_is_skip),
		cmocka_unit_test(live_unprivileged_command_fails),
		cmocka_unit_test(live_root_runs_command),
		cmocka_unit_test(live_command_missing),
		cmocka_unit_test(bad_params),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
