/* kubelet_config, driven by the checks of profiles/level1/kubernetes.json
 * itself, over the hardened fixture and variants of its config file. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG "etc/kubernetes/kubelet/config"

static char *tmp;
static json_t *profile;
static char *hardened_config;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 1 << 16);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	json_error_t e;
	profile = json_load_file(PROFILES "/level1/kubernetes.json", 0, &e);
	if (!profile)
		fail_msg("profile: %s", e.text);
	hardened_config = slurp(FIXTURES "/k8s-hardened/" CONFIG);
	tmp = make_temp_dir();
	write_file(tmp, "etc/kubernetes/pki/ca.crt", "ca\n", 0600);
	write_file(tmp, "etc/kubernetes/pki/kubelet-server.crt", "crt\n", 0644);
	write_file(tmp, "etc/kubernetes/pki/private/kubelet-server.key", "key\n", 0600);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(tmp);
	free(tmp);
	free(hardened_config);
	json_decref(profile);
	return 0;
}

/* Run the profile's check `name` (e.g. "k8s04020500") against root. */
static void run_check(const char *name, const char *root, struct check_result *r)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(profile, "checks"), i, c) {
		if (strcmp(json_string_value(json_object_get(c, "name")), name))
			continue;
		char *params = json_dumps(json_object_get(c, "params"), 0);
		run_kind(json_string_value(json_object_get(c, "kind")), params, root, r);
		free(params);
		return;
	}
	fail_msg("no check %s in the profile", name);
}

static void with_config(const char *yaml)
{
	write_file(tmp, CONFIG, yaml, 0600);
}

/* The hardened config with one line replaced (or removed when to is ""). */
static void with_line(const char *from, const char *to)
{
	const char *at = strstr(hardened_config, from);
	if (!at)
		fail_msg("fixture has no line '%s'", from);
	size_t len = strlen(hardened_config) + strlen(to) + 2;
	char *buf = malloc(len);
	const char *eol = strchr(at, '\n');
	snprintf(buf, len, "%.*s%s%s%s", (int)(at - hardened_config), hardened_config, to,
		 to[0] ? "\n" : "", eol + 1);
	with_config(buf);
	free(buf);
}

static void expect(const char *check, enum check_status st, const char *field,
		   const char *actual_part)
{
	struct check_result r;
	run_check(check, tmp, &r);
	if (r.status != st)
		fail_msg("%s: expected %s, got %s: %s", check, check_status_name(st),
			 check_status_name(r.status), r.error);
	if (field) {
		const struct evidence *e = find_evidence(&r, field);
		if (actual_part && !strstr(e->actual, actual_part))
			fail_msg("%s: evidence '%s' lacks '%s'", check, e->actual, actual_part);
		assert_true(e->ok == (st == CHECK_PASS));
	} else if (actual_part && (!r.error || !strstr(r.error, actual_part))) {
		fail_msg("%s: reason '%s' lacks '%s'", check, r.error, actual_part);
	}
	result_free(&r);
}

static const char *const config_checks[] = {
	"k8s04020100", "k8s04020200", "k8s04020300", "k8s04020400", "k8s04020500",
	"k8s04020600", "k8s04020900", "k8s04021100", "k8s04021200", "k8s04021300",
};
#define N_CONFIG_CHECKS (sizeof(config_checks) / sizeof(config_checks[0]))

static void hardened_fixture_passes(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CONFIG_CHECKS; i++) {
		struct check_result r;
		run_check(config_checks[i], "k8s-hardened", &r);
		if (r.status != CHECK_PASS)
			fail_msg("%s: %s", config_checks[i], r.error);
		result_free(&r);
	}
}

static void anonymous_auth(void **state)
{
	(void)state;
	const char *f = "authentication.anonymous.enabled";
	with_line("    enabled: false", "    enabled: true");
	expect("k8s04020100", CHECK_FAIL, f, "true (line 9)");
	with_line("    enabled: false", "    enabled: \"false\"");
	expect("k8s04020100", CHECK_FAIL, f,
	       "\"false\" (line 9: a double-quoted string, not a boolean)");
	with_line("    enabled: false", "    enabled: 'false'");
	expect("k8s04020100", CHECK_FAIL, f, "a single-quoted string, not a boolean");
	with_line("    enabled: false", "    enabled: 0");
	expect("k8s04020100", CHECK_FAIL, f, "0 (line 9: an integer, not a boolean)");
	with_line("    enabled: false", "    enabled: yes");
	expect("k8s04020100", CHECK_FAIL, f, "yes (line 9)");
	with_line("    enabled: false", "    enabled: off");
	expect("k8s04020100", CHECK_PASS, f, "off (line 9)");
	with_config("kind: KubeletConfiguration\n");
	expect("k8s04020100", CHECK_PASS, f, "false (default)");
	with_config("authentication:\n  anonymous: ~\n");
	expect("k8s04020100", CHECK_PASS, f, "false (default)");
	with_config("authentication: webhook\n");
	expect("k8s04020100", CHECK_FAIL, f, "authentication is webhook (line 1), not a mapping");
	with_config("authentication:\n  anonymous: [true]\n");
	expect("k8s04020100", CHECK_FAIL, f, "anonymous is a sequence (line 2), not a mapping");
	with_config("authentication:\n  anonymous:\n    enabled: {a: 1}\n");
	expect("k8s04020100", CHECK_FAIL, f, "a mapping (line 3: a mapping, not a boolean)");
}

static void authorization_mode(void **state)
{
	(void)state;
	with_line("  mode: Webhook", "  mode: AlwaysAllow");
	expect("k8s04020200", CHECK_FAIL, "authorization.mode", "AlwaysAllow (line 16)");
	with_line("  mode: Webhook", "  mode: \"AlwaysAllow\"");
	expect("k8s04020200", CHECK_FAIL, "authorization.mode", "\"AlwaysAllow\"");
	with_config("kind: KubeletConfiguration\n");
	expect("k8s04020200", CHECK_PASS, "authorization.mode", "Webhook (default)");
	with_line("  mode: Webhook", "  mode: 5");
	expect("k8s04020200", CHECK_FAIL, "authorization.mode", "an integer, not a string");
}

static void client_ca_file(void **state)
{
	(void)state;
	const char *f = "authentication.x509.clientCAFile";
	with_line("    clientCAFile: \"/etc/kubernetes/pki/ca.crt\"", "    clientCAFile: /etc/other/ca.crt");
	expect("k8s04020300", CHECK_FAIL, f, "/etc/other/ca.crt (line 14)");
	/* relative to the config file's folder, as the kubelet reads it */
	with_line("    clientCAFile: \"/etc/kubernetes/pki/ca.crt\"", "    clientCAFile: ../pki/ca.crt");
	expect("k8s04020300", CHECK_PASS, f, "../pki/ca.crt (= /etc/kubernetes/pki/ca.crt, line 14)");
	with_line("    clientCAFile: \"/etc/kubernetes/pki/ca.crt\"", "");
	expect("k8s04020300", CHECK_FAIL, f, "not set");
}

static void read_only_port(void **state)
{
	(void)state;
	with_line("readOnlyPort: 0", "readOnlyPort: 10255");
	expect("k8s04020400", CHECK_FAIL, "readOnlyPort", "10255 (line 33)");
	with_line("readOnlyPort: 0", "");
	expect("k8s04020400", CHECK_PASS, "readOnlyPort", "0 (default)");
	with_line("readOnlyPort: 0", "readOnlyPort: \"0\"");
	expect("k8s04020400", CHECK_FAIL, "readOnlyPort", "a double-quoted string, not an integer");
	with_line("readOnlyPort: 0", "readOnlyPort: 0x0");
	expect("k8s04020400", CHECK_PASS, "readOnlyPort", "0x0 (= 0, line 33)");
	with_line("readOnlyPort: 0", "readOnlyPort: 0.0");
	expect("k8s04020400", CHECK_PASS, "readOnlyPort", "0.0 (= 0, line 33)");
	with_line("readOnlyPort: 0", "readOnlyPort: 0.5");
	expect("k8s04020400", CHECK_FAIL, "readOnlyPort", "a float, not an integer");
	/* the last of duplicate keys is what the kubelet uses */
	with_line("readOnlyPort: 0", "readOnlyPort: 0\nreadOnlyPort: 10255");
	expect("k8s04020400", CHECK_FAIL, "readOnlyPort",
	       "10255 (line 34; the key appears 2 times and the last one counts)");
	/* a merge key is followed */
	with_config("base: &b {readOnlyPort: 10255}\n<<: *b\n");
	expect("k8s04020400", CHECK_FAIL, "readOnlyPort", "10255 (line 1)");
}

static void streaming_idle_timeout(void **state)
{
	(void)state;
	const char *f = "streamingConnectionIdleTimeout";
	char line[128];
	static const struct {
		const char *value;
		enum check_status st;
		const char *actual;
	} cases[] = {
		{"\"0s\"", CHECK_FAIL, "\"0s\" (line 2)"},
		{"0s", CHECK_FAIL, "0s (line 2)"},
		{"'0'", CHECK_FAIL, "'0' (= 0s, line 2)"},
		{"0h0m0s", CHECK_FAIL, "0h0m0s (= 0s, line 2)"},
		{"0", CHECK_FAIL, "0 (line 2: an integer, not a duration string"},
		{"300", CHECK_FAIL, "an integer"},
		{"5m", CHECK_PASS, "5m (= 5m0s, line 2)"},
		{"\"4h0m0s\"", CHECK_PASS, "\"4h0m0s\" (line 2)"},
		{"1.5h", CHECK_PASS, "1.5h (= 1h30m0s, line 2)"},
		{"5 minutes", CHECK_FAIL, "5 minutes (line 2: not a duration: unknown unit"},
		{"5", CHECK_FAIL, "an integer"},
		{"\"5\"", CHECK_FAIL, "not a duration: missing unit"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), "kind: KubeletConfiguration\n%s: %s\n", f, cases[i].value);
		with_config(line);
		expect("k8s04020500", cases[i].st, f, cases[i].actual);
	}
	with_config("kind: KubeletConfiguration\n");
	expect("k8s04020500", CHECK_PASS, f, "4h0m0s (default)");
}

static void iptables_util_chains(void **state)
{
	(void)state;
	with_config("makeIPTablesUtilChains: false\n");
	expect("k8s04020600", CHECK_FAIL, "makeIPTablesUtilChains", "false (line 1)");
	with_config("makeIPTablesUtilChains: \"true\"\n");
	expect("k8s04020600", CHECK_FAIL, "makeIPTablesUtilChains", "not a boolean");
	with_config("makeIPTablesUtilChains: true\n");
	expect("k8s04020600", CHECK_PASS, "makeIPTablesUtilChains", "true (line 1)");
}

static void tls_files(void **state)
{
	(void)state;
	char p[PATH_MAX];
	with_config(hardened_config);
	expect("k8s04020900", CHECK_PASS, "tlsPrivateKeyFile",
	       "/etc/kubernetes/pki/private/kubelet-server.key (line 41; exists)");
	/* the key file is missing: the certificate alone is not enough */
	snprintf(p, sizeof(p), "%s/etc/kubernetes/pki/private/kubelet-server.key", tmp);
	assert_int_equal(unlink(p), 0);
	struct check_result r;
	run_check("k8s04020900", tmp, &r);
	assert_result(&r, CHECK_FAIL,
		      "tlsPrivateKeyFile: expected an existing file, found /etc/kubernetes/pki/private/kubelet-server.key (line 41; missing: No such file or directory)");
	assert_true(find_evidence(&r, "tlsCertFile")->ok);
	result_free(&r);
	write_file(tmp, "etc/kubernetes/pki/private/kubelet-server.key", "key\n", 0600);
	with_line("tlsCertFile: \"/etc/kubernetes/pki/kubelet-server.crt\"", "");
	expect("k8s04020900", CHECK_FAIL, "tlsCertFile", "not set");
	with_line("tlsCertFile: \"/etc/kubernetes/pki/kubelet-server.crt\"",
		  "tlsCertFile: ../pki/kubelet-server.crt");
	expect("k8s04020900", CHECK_PASS, "tlsCertFile", "/etc/kubernetes/pki/kubelet-server.crt (line 40; exists)");
	with_line("tlsCertFile: \"/etc/kubernetes/pki/kubelet-server.crt\"", "tlsCertFile: /etc/kubernetes/pki");
	expect("k8s04020900", CHECK_FAIL, "tlsCertFile", "a directory, not a regular file");
	with_line("tlsCertFile: \"/etc/kubernetes/pki/kubelet-server.crt\"", "tlsCertFile: \"\"");
	expect("k8s04020900", CHECK_FAIL, "tlsCertFile", "not a usable path");
}

static void rotate_server_certificate(void **state)
{
	(void)state;
	const char *f = "featureGates.RotateKubeletServerCertificate";
	with_config("featureGates:\n  RotateKubeletServerCertificate: false\n");
	expect("k8s04021100", CHECK_FAIL, f, "false (line 2)");
	with_config("featureGates:\n  SomethingElse: true\n");
	expect("k8s04021100", CHECK_PASS, f, "true (default)");
}

static void cipher_suites(void **state)
{
	(void)state;
	const char *f = "tlsCipherSuites";
	with_line("- TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
		  "- TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305\n- TLS_RSA_WITH_3DES_EDE_CBC_SHA");
	expect("k8s04021200", CHECK_FAIL, f, "not allowed: TLS_RSA_WITH_3DES_EDE_CBC_SHA");
	with_config("kind: KubeletConfiguration\n");
	expect("k8s04021200", CHECK_FAIL, f, "default (Go's cipher suites)");
	with_config("tlsCipherSuites: []\n");
	expect("k8s04021200", CHECK_FAIL, f, "default (Go's cipher suites; the list at line 1 is empty)");
	with_config("tlsCipherSuites: TLS_RSA_WITH_AES_128_GCM_SHA256\n");
	expect("k8s04021200", CHECK_FAIL, f, "not a list of strings");
	with_config("tlsCipherSuites: [TLS_RSA_WITH_AES_128_GCM_SHA256, 5]\n");
	expect("k8s04021200", CHECK_FAIL, f, "item 2 5 (line 1) is not a string");
	with_config("tlsCipherSuites: [\"TLS_RSA_WITH_AES_128_GCM_SHA256\", tls_rsa_with_aes_256_gcm_sha384]\n");
	expect("k8s04021200", CHECK_FAIL, f, "not allowed: tls_rsa_with_aes_256_gcm_sha384");
	with_config("tlsCipherSuites: [TLS_RSA_WITH_AES_128_GCM_SHA256]\n");
	expect("k8s04021200", CHECK_PASS, f, "TLS_RSA_WITH_AES_128_GCM_SHA256 (line 1)");
}

static void pod_pids_limit(void **state)
{
	(void)state;
	with_config("kind: KubeletConfiguration\n");
	expect("k8s04021300", CHECK_FAIL, "podPidsLimit", "-1 (default)");
	with_config("podPidsLimit: 0\n");
	expect("k8s04021300", CHECK_FAIL, "podPidsLimit", "0 (line 1)");
	with_config("podPidsLimit: -1\n");
	expect("k8s04021300", CHECK_FAIL, "podPidsLimit", "-1 (line 1)");
	with_config("podPidsLimit: \"4096\"\n");
	expect("k8s04021300", CHECK_FAIL, "podPidsLimit", "a double-quoted string, not an integer");
	with_config("podPidsLimit: 4096\n");
	expect("k8s04021300", CHECK_PASS, "podPidsLimit", "4096 (line 1)");
}

/* Whatever the file holds, a config that cannot be read is never PASS. */
static void expect_all_skip(const char *reason_part)
{
	for (size_t i = 0; i < N_CONFIG_CHECKS; i++) {
		struct check_result r;
		run_check(config_checks[i], tmp, &r);
		if (r.status != CHECK_SKIP || !strstr(r.error, reason_part))
			fail_msg("%s: %s: %s (wanted SKIP '%s')", config_checks[i],
				 check_status_name(r.status), r.error, reason_part);
		assert_int_equal(r.outcome, OUTCOME_UNABLE);
		result_free(&r);
	}
}

static void malformed_yaml_is_skip_with_position(void **state)
{
	(void)state;
	with_config("kind: KubeletConfiguration\nreadOnlyPort: 0\n  podPidsLimit: 5\n");
	expect_all_skip("cannot parse /etc/kubernetes/kubelet/config: line 3, column 15: mapping values are not allowed");
	with_config("authentication: {anonymous: {enabled: false}\nreadOnlyPort: 0\n");
	expect_all_skip("cannot parse /etc/kubernetes/kubelet/config: line 2, column 1: did not find expected ',' or '}' while parsing a flow mapping (line 1, column 17)");
	with_config("a: \"unterminated\n");
	expect_all_skip("found unexpected end of stream");
}

static void hostile_files_are_bounded(void **state)
{
	(void)state;
	/* larger than the 1 MiB this check loads */
	size_t big = (1u << 20) + 100;
	char *text = malloc(big + 1);
	memset(text, '#', big);
	text[big] = '\0';
	with_config(text);
	expect_all_skip("is larger than 1024 KiB");
	/* deeply nested: 100000 levels (the top mapping is the first level) */
	size_t depth = 100000;
	text = realloc(text, 2 * depth + 8);
	memcpy(text, "a: ", 3);
	memset(text + 3, '[', depth);
	memset(text + 3 + depth, ']', depth);
	text[3 + 2 * depth] = '\0';
	with_config(text);
	expect_all_skip("not loaded /etc/kubernetes/kubelet/config: line 1, column 67: nested deeper than 64 levels");
	/* many small nodes, under 1 MiB */
	size_t items = 200000;
	text = realloc(text, items * 4 + 32);
	strcpy(text, "tlsCipherSuites:\n");
	for (size_t i = 0; i < items; i++)
		memcpy(text + 17 + i * 4, "- a\n", 5);
	with_config(text);
	expect_all_skip("more than 100000 nodes");
	free(text);
}

static void not_a_kubelet_config(void **state)
{
	(void)state;
	with_config("");
	expect_all_skip("/etc/kubernetes/kubelet/config is empty: no KubeletConfiguration in it");
	with_config("- kind: KubeletConfiguration\n");
	expect_all_skip("its top level is a sequence, not a mapping");
	with_config("kind: KubeProxyConfiguration\nreadOnlyPort: 0\n");
	expect_all_skip("is not a KubeletConfiguration (kind: KubeProxyConfiguration, line 1)");
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/" CONFIG, tmp);
	unlink(p);
	expect_all_skip("cannot read /etc/kubernetes/kubelet/config: No such file or directory");
	mkdir(p, 0700);
	expect_all_skip("cannot read /etc/kubernetes/kubelet/config: Is a directory");
	rmdir(p);
}

/* Tests and value types the profile does not use today. */
static void other_tests(void **state)
{
	(void)state;
	struct check_result r;
	with_config("a:\n  s: \"\"\n  t: text\n  n: 3\n  b: true\n  l: [x]\n");
#define RUN(params) run_kind("kubelet_config", "{\"path\":\"/" CONFIG "\"," params "}", tmp, &r)
	RUN("\"field\":\"a.t\",\"test\":\"set\"");
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "a.t")->actual, "text (line 3)");
	result_free(&r);
	RUN("\"field\":\"a.l\",\"test\":\"set\"");
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	RUN("\"field\":\"a.s\",\"test\":\"set\"");
	assert_result(&r, CHECK_FAIL, "a.s: expected set, found \"\" (line 2: empty)");
	result_free(&r);
	RUN("\"field\":\"a.zz\",\"test\":\"set\"");
	assert_result(&r, CHECK_FAIL, "a.zz: expected set, found not set");
	result_free(&r);
	RUN("\"field\":\"a.n\",\"test\":\"not_equals\",\"value\":3");
	assert_result(&r, CHECK_FAIL, "a.n: expected not 3, found 3 (line 4)");
	result_free(&r);
	RUN("\"field\":\"a.b\",\"test\":\"equals\",\"value\":true");
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	RUN("\"field\":\"a.b\",\"test\":\"not_equals\",\"value\":true");
	assert_result(&r, CHECK_FAIL, "a.b: expected not true, found true (line 5)");
	result_free(&r);
	RUN("\"fields\":[\"a.t\",\"a.s\",\"a.zz\"],\"test\":\"set\"");
	assert_result(&r, CHECK_FAIL, "a.s: expected set");
	assert_int_equal(r.n_evidence, 3);
	assert_true(find_evidence(&r, "a.t")->ok);
	assert_false(find_evidence(&r, "a.zz")->ok);
	result_free(&r);
	RUN("\"field\":\"a.q\",\"test\":\"not_equals\",\"value\":\"x\",\"default\":\"x\"");
	assert_result(&r, CHECK_FAIL, "a.q: expected not x, found x (default)");
	result_free(&r);
#undef RUN
}

static void bad_params(void **state)
{
	(void)state;
	struct param_error err;
#define BAD(json, fld)                                                        \
	do {                                                                  \
		assert_int_equal(validate_kind("kubelet_config", json, &err), -EINVAL); \
		assert_string_equal(err.field, fld);                          \
	} while (0)
	assert_int_equal(validate_kind("kubelet_config",
				       "{\"path\":\"/c\",\"field\":\"a.b\",\"test\":\"is_true\"}", &err),
			 0);
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"nope\"}", "test");
	assert_non_null(strstr(err.message, "allowed: equals, not_equals, set"));
	BAD("{\"path\":\"c\",\"field\":\"a\",\"test\":\"set\"}", "path");
	BAD("{\"path\":\"/c\",\"test\":\"set\"}", "field");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"fields\":[\"b\"],\"test\":\"set\"}", "field");
	BAD("{\"path\":\"/c\",\"field\":\"a..b\",\"test\":\"set\"}", "field");
	BAD("{\"path\":\"/c\",\"field\":\".a\",\"test\":\"set\"}", "field");
	BAD("{\"path\":\"/c\",\"field\":\"a b\",\"test\":\"set\"}", "field");
	BAD("{\"path\":\"/c\",\"field\":\"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q\",\"test\":\"set\"}", "field");
	BAD("{\"path\":\"/c\",\"fields\":[\"a\",\"\"],\"test\":\"set\"}", "fields");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"equals\"}", "value");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"equals\",\"value\":1.5}", "value");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"is_true\",\"value\":true}", "value");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"subset\"}", "allowed");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"set\",\"allowed\":[\"x\"]}", "allowed");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"is_true\",\"default\":\"true\"}", "default");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"positive\",\"default\":\"1\"}", "default");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"duration_nonzero\",\"default\":\"4 hours\"}", "default");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"equals\",\"value\":0,\"default\":\"0\"}", "default");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"subset\",\"allowed\":[\"x\"],\"default\":[1]}", "default");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"file_exists\",\"default\":\"/x\"}", "default");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"set\",\"default\":1}", "default");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"equals\",\"value\":1,\"field_is_path\":true}", "field_is_path");
	BAD("{\"path\":\"/c\",\"field\":\"a\",\"test\":\"set\",\"extra\":1}", "extra");
#undef BAD
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hardened_fixture_passes),
		cmocka_unit_test(anonymous_auth),
		cmocka_unit_test(authorization_mode),
		cmocka_unit_test(client_ca_file),
		cmocka_unit_test(read_only_port),
		cmocka_unit_test(streaming_idle_timeout),
		cmocka_unit_test(iptables_util_chains),
		cmocka_unit_test(tls_files),
		cmocka_unit_test(rotate_server_certificate),
		cmocka_unit_test(cipher_suites),
		cmocka_unit_test(pod_pids_limit),
		cmocka_unit_test(malformed_yaml_is_skip_with_position),
		cmocka_unit_test(hostile_files_are_bounded),
		cmocka_unit_test(not_a_kubelet_config),
		cmocka_unit_test(other_tests),
		cmocka_unit_test(bad_params),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
