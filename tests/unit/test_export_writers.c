/* The export writers (ssm, asff, xccdf, junit) over real reports: each
 * format's rules checked on what the writer produced. */
#include "report_fixture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ssm_inventory.h"

static struct writer_options aws_options(const struct host_identity *id)
{
	return (struct writer_options){.host = id,
				       .aws_account = "123456789012",
				       .aws_region = "eu-west-1",
				       .resource_id = "i-0123456789abcdef0"};
}

static json_t *parse_line(const char *text, size_t *consumed)
{
	json_error_t e;
	const char *nl = strchr(text, '\n');
	assert_non_null(nl);
	json_t *j = json_loadb(text, (size_t)(nl - text), 0, &e);
	if (!j)
		fail_msg("not JSON: %s", e.text);
	*consumed = (size_t)(nl - text) + 1;
	return j;
}

/* SSM's rules for one inventory document (the limits the agent enforces). */
static void assert_ssm_document(const char *line, size_t len, const char *type)
{
	assert_true(len <= SSM_TYPE_BYTES_MAX);
	json_t *doc = json_loadb(line, len, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_object_size(doc), 3);
	assert_string_equal(json_string_value(json_object_get(doc, "SchemaVersion")), "1.0");
	const char *tn = json_string_value(json_object_get(doc, "TypeName"));
	assert_string_equal(tn, type);
	assert_true(strncmp(tn, "Custom:", 7) == 0 && strlen(tn) <= 100);
	json_t *content = json_object_get(doc, "Content");
	json_t *list = json_is_array(content) ? content : json_pack("[O]", content);
	size_t i;
	json_t *entry;
	const char *names[64];
	size_t n_names = 0;
	json_array_foreach(list, i, entry) {
		assert_true(json_is_object(entry));
		assert_true(json_object_size(entry) <= SSM_ATTRIBUTES_MAX);
		const char *k;
		json_t *v;
		size_t n = 0;
		json_object_foreach(entry, k, v) {
			assert_true(strlen(k) >= 1 && strlen(k) <= 64);
			if (!json_is_string(v))
				fail_msg("attribute %s is not a string", k);
			assert_true(json_string_length(v) <= SSM_VALUE_MAX);
			/* the same attribute names, in the same case, in every entry */
			if (i == 0)
				names[n_names++] = k;
			else
				assert_string_equal(names[n], k);
			n++;
		}
		assert_int_equal(n, n_names);
	}
	if (list != content)
		json_decref(list);
	json_decref(doc);
}

static void ssm_documents_follow_the_rules(void **state)
{
	(void)state;
	struct report_fixture f;
	fixture_run(&f, FIXTURE_CHECKS);
	struct writer_options o = {.host = &f.id};
	int rc;
	char *out = fixture_write("ssm", &f.r, &o, &rc);
	assert_int_equal(rc, 0);
	const char *nl = strchr(out, '\n');
	assert_non_null(nl);
	assert_ssm_document(out, (size_t)(nl - out), SSM_TYPE_CHECKS);
	const char *second = nl + 1;
	const char *nl2 = strchr(second, '\n');
	assert_non_null(nl2);
	assert_ssm_document(second, (size_t)(nl2 - second), SSM_TYPE_SUMMARY);
	assert_string_equal(nl2 + 1, "");

	size_t used;
	json_t *checks = parse_line(out, &used);
	json_t *content = json_object_get(checks, "Content");
	assert_int_equal(json_array_size(content), 4);
	json_t *failed = json_array_get(content, 2);
	assert_string_equal(json_string_value(json_object_get(failed, "CheckId")), "1.4.2");
	assert_string_equal(json_string_value(json_object_get(failed, "Status")), "FAIL");
	assert_string_equal(json_string_value(json_object_get(failed, "Level")), "1");
	assert_string_equal(json_string_value(json_object_get(failed, "Evidence")),
			    "kernel.randomize_va_space: expected 2, found 1 [BAD]");
	json_decref(checks);
	json_t *summary = parse_line(second, &used);
	json_t *s = json_object_get(summary, "Content");
	assert_string_equal(json_string_value(json_object_get(s, "Status")), "FAIL");
	assert_string_equal(json_string_value(json_object_get(s, "Total")), "4");
	assert_string_equal(json_string_value(json_object_get(s, "Failed")), "1");
	assert_string_equal(json_string_value(json_object_get(s, "FailedChecks")), "1.4.2");
	assert_string_equal(json_string_value(json_object_get(s, "Hostname")), "host-a");
	assert_string_equal(json_string_value(json_object_get(s, "OsVersion")), "1.20.0");
	assert_string_equal(json_string_value(json_object_get(s, "TruncatedChecks")), "0");
	json_decref(summary);
	free(out);
	fixture_free(&f);
}

/* 400 checks with ~5 KB of evidence each: far over 4096 per value and
 * 200 KB per type. Every limit holds, the cut says so, and it is the same
 * cut every time. */
static void ssm_truncates_deterministically(void **state)
{
	(void)state;
	char extra[2600];
	memset(extra, 'x', sizeof(extra) - 1);
	extra[sizeof(extra) - 1] = '\0';
	char *checks = fixture_many_checks(400, extra);
	struct report_fixture f;
	fixture_run(&f, checks);
	free(checks);
	struct writer_options o = {.host = &f.id};
	char *a, *b, *sa, *sb;
	assert_int_equal(ssm_documents(&f.r, &o, &a, &sa), 0);
	assert_int_equal(ssm_documents(&f.r, &o, &b, &sb), 0);
	assert_string_equal(a, b);
	assert_true(strlen(a) <= SSM_TYPE_BYTES_MAX);
	assert_true(strlen(a) > SSM_TYPE_BYTES_MAX * 9 / 10); /* the room is used */
	assert_ssm_document(a, strlen(a), SSM_TYPE_CHECKS);
	assert_ssm_document(sa, strlen(sa), SSM_TYPE_SUMMARY);
	json_t *doc = json_loads(a, 0, NULL);
	json_t *first = json_array_get(json_object_get(doc, "Content"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "Truncated")), "true");
	assert_non_null(strstr(json_string_value(json_object_get(first, "Evidence")), "[truncated: "));
	json_decref(doc);
	json_t *sum = json_loads(sa, 0, NULL);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(sum, "Content"), "TruncatedChecks")),
		"400");
	json_decref(sum);
	free(a);
	free(b);
	free(sa);
	free(sb);
	fixture_free(&f);
}

static void ssm_inventory_dir_found_and_written(void **state)
{
	(void)state;
	struct report_fixture f;
	fixture_run(&f, FIXTURE_CHECKS);
	char dir[PATH_MAX], err[1024];
	/* nothing registered yet */
	assert_int_equal(ssm_inventory_dir(&f.h, dir, sizeof(dir), err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/var/lib/amazon/ssm"));
	assert_non_null(strstr(err, "--ssm-inventory DIR"));
	/* Bottlerocket: the control container's state, seen from the host */
	write_file(f.root, "local/host-containers/control/ssm/mi-0123456789abcdef0/registration", "x",
		   0644);
	write_file(f.root, "var/lib/amazon/ssm/ipc/x", "x", 0644);
	assert_int_equal(ssm_inventory_dir(&f.h, dir, sizeof(dir), err, sizeof(err)), 0);
	char want[PATH_MAX];
	snprintf(want, sizeof(want),
		 "%s/local/host-containers/control/ssm/mi-0123456789abcdef0/inventory/custom", f.root);
	assert_string_equal(dir, want);
	/* a Linux agent's folder wins */
	write_file(f.root, "var/lib/amazon/ssm/i-0abc/registration", "x", 0644);
	assert_int_equal(ssm_inventory_dir(&f.h, dir, sizeof(dir), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/var/lib/amazon/ssm/i-0abc/inventory/custom", f.root);
	assert_string_equal(dir, want);
	struct writer_options o = {.host = &f.id};
	assert_int_equal(ssm_inventory_write(dir, &f.r, &o, err, sizeof(err)), 0);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/CISBenchmark.json", dir);
	json_t *doc = json_load_file(path, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "TypeName")), SSM_TYPE_CHECKS);
	json_decref(doc);
	snprintf(path, sizeof(path), "%s/CISBenchmarkSummary.json", dir);
	doc = json_load_file(path, 0, NULL);
	assert_non_null(doc);
	json_decref(doc);
	/* 18 other files + ours = 20: allowed; 19 others: refused */
	for (int i = 0; i < 19; i++) {
		char rel[64];
		snprintf(rel, sizeof(rel), "var/lib/amazon/ssm/i-0abc/inventory/custom/o%02d.json", i);
		write_file(f.root, rel, "{}", 0644);
		int rc = ssm_inventory_write(dir, &f.r, &o, err, sizeof(err));
		if (i < 18) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, -EMFILE);
			assert_non_null(strstr(err, "limit of 20 files"));
		}
	}
	fixture_free(&f);
}

static const char *str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_string(v))
		fail_msg("%s is not a string", key);
	return json_string_value(v);
}

static void assert_asff_finding(const json_t *f)
{
	assert_string_equal(str(f, "SchemaVersion"), "2018-10-08");
	assert_true(strlen(str(f, "Id")) <= 512);
	assert_true(strlen(str(f, "GeneratorId")) <= 512);
	assert_string_equal(str(f, "ProductArn"),
			    "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default");
	assert_string_equal(str(f, "AwsAccountId"), "123456789012");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(f, "Types"), 0)),
		"Software and Configuration Checks/Industry and Regulatory Standards/CIS Host Hardening Benchmarks");
	assert_non_null(strchr(str(f, "CreatedAt"), 'T'));
	assert_non_null(strchr(str(f, "UpdatedAt"), 'Z'));
	const char *label = str(json_object_get(f, "Severity"), "Label");
	assert_true(strcmp(label, "INFORMATIONAL") == 0 || strcmp(label, "LOW") == 0 ||
		    strcmp(label, "MEDIUM") == 0);
	assert_true(strlen(str(f, "Title")) <= 256);
	assert_true(strlen(str(f, "Description")) <= 1024);
	const json_t *res = json_array_get(json_object_get(f, "Resources"), 0);
	assert_non_null(res);
	str(res, "Type");
	str(res, "Id");
	const json_t *c = json_object_get(f, "Compliance");
	const char *cs = str(c, "Status");
	assert_true(strcmp(cs, "PASSED") == 0 || strcmp(cs, "FAILED") == 0 ||
		    strcmp(cs, "NOT_AVAILABLE") == 0);
	assert_true(json_array_size(json_object_get(c, "RelatedRequirements")) <= 32);
	const json_t *rec = json_object_get(json_object_get(f, "Remediation"), "Recommendation");
	if (rec)
		assert_true(strlen(str(rec, "Text")) <= 512);
}

static void asff_findings_for_automatic_checks(void **state)
{
	(void)state;
	struct report_fixture f;
	fixture_run(&f, FIXTURE_CHECKS);
	struct writer_options o = aws_options(&f.id);
	int rc;
	char *out = fixture_write("asff", &f.r, &o, &rc);
	assert_int_equal(rc, 0);
	size_t used;
	json_t *batch = parse_line(out, &used);
	assert_string_equal(out + used, ""); /* one batch */
	assert_int_equal(json_array_size(batch), 3); /* the manual check has no finding */
	size_t i;
	json_t *finding;
	json_array_foreach(batch, i, finding) assert_asff_finding(finding);
	json_t *pass = json_array_get(batch, 0), *fail = json_array_get(batch, 1),
	       *skip = json_array_get(batch, 2);
	assert_string_equal(str(pass, "Id"), "cisreport/i-0123456789abcdef0/bottlerocket/br01040100");
	assert_string_equal(str(pass, "GeneratorId"), "cisreport/bottlerocket/br01040100");
	assert_string_equal(str(json_object_get(pass, "Compliance"), "Status"), "PASSED");
	assert_string_equal(str(json_object_get(pass, "Severity"), "Label"), "INFORMATIONAL");
	assert_string_equal(str(json_object_get(fail, "Compliance"), "Status"), "FAILED");
	assert_string_equal(str(json_object_get(fail, "Severity"), "Label"), "MEDIUM");
	assert_non_null(strstr(str(fail, "Description"), "kernel.randomize_va_space: expected 2, found 1"));
	assert_string_equal(str(json_object_get(skip, "Compliance"), "Status"), "NOT_AVAILABLE");
	const json_t *res = json_array_get(json_object_get(pass, "Resources"), 0);
	assert_string_equal(str(res, "Type"), "AwsEc2Instance");
	assert_string_equal(str(res, "Id"),
			    "arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0");
	json_decref(batch);
	free(out);
	fixture_free(&f);
}

static void asff_ids_are_stable_and_per_host(void **state)
{
	(void)state;
	struct report_fixture f;
	fixture_run(&f, FIXTURE_CHECKS);
	struct writer_options o = aws_options(&f.id);
	o.resource_id = NULL; /* the machine id names the host */
	int rc;
	char *first = fixture_write("asff", &f.r, &o, &rc);
	/* a later scan: new timestamps, same ids */
	report_free(&f.r);
	struct report_selection sel = {.level = 1};
	struct timespec pause = {0, 20 * 1000 * 1000};
	nanosleep(&pause, NULL);
	assert_int_equal(report_run(&f.h, &f.p, &sel, &f.r), 0);
	char *second = fixture_write("asff", &f.r, &o, &rc);
	size_t used;
	json_t *a = parse_line(first, &used), *b = parse_line(second, &used);
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *fa = json_array_get(a, i), *fb = json_array_get(b, i);
		assert_string_equal(str(fa, "Id"), str(fb, "Id"));
		assert_string_not_equal(str(fa, "UpdatedAt"), str(fb, "UpdatedAt"));
	}
	assert_string_equal(str(json_array_get(a, 0), "Id"),
			    "cisreport/0123456789abcdef0123456789abcdef/bottlerocket/br01040100");
	const json_t *res = json_array_get(json_object_get(json_array_get(a, 0), "Resources"), 0);
	assert_string_equal(str(res, "Type"), "Other");
	assert_string_equal(str(res, "Id"), "host/0123456789abcdef0123456789abcdef");
	json_decref(a);
	json_decref(b);
	free(first);
	free(second);
	/* another host (machine id) gets other ids */
	struct host_identity other = f.id;
	strcpy(other.machine_id, "ffffffffffffffffffffffffffffffff");
	o.host = &other;
	char *third = fixture_write("asff", &f.r, &o, &rc);
	json_t *c = parse_line(third, &used);
	assert_string_equal(str(json_array_get(c, 0), "Id"),
			    "cisreport/ffffffffffffffffffffffffffffffff/bottlerocket/br01040100");
	json_decref(c);
	free(third);
	fixture_free(&f);
}

/* A check named so long that its ids pass ASFF's 512 bytes: they keep a
 * prefix and end in the SHA-256 of the whole id (computed here with
 * Python's hashlib), so they stay unique and stable. */
#define LONG_NAME_SHA256_ID "e8889283310794f2a93d064624c8b4e9b72576d8a69948511f7c364efd116769"
#define LONG_NAME_SHA256_GENERATOR "e4550c8f6862d8327d1f75fe90cef171fc477a0b01463b105bd06c013f453428"

static void asff_long_ids_end_in_their_sha256(void **state)
{
	(void)state;
	char name[601];
	memcpy(name, "long-", 5);
	memset(name + 5, 'a', 595);
	name[600] = '\0';
	char checks[1024];
	snprintf(checks, sizeof(checks),
		 "{\"name\":\"%s\",\"id\":\"9.9\",\"title\":\"Long\",\"mode\":\"Automatic\","
		 "\"kind\":\"sysctl\",\"params\":{\"keys\":{\"fs.suid_dumpable\":\"0\"}},"
		 "\"remediation\":\"Set fs.suid_dumpable = 0\"}",
		 name);
	struct report_fixture f;
	fixture_run(&f, checks);
	struct writer_options o = aws_options(&f.id);
	int rc;
	char *out = fixture_write("asff", &f.r, &o, &rc);
	assert_int_equal(rc, 0);
	size_t used;
	json_t *batch = parse_line(out, &used);
	const json_t *finding = json_array_get(batch, 0);
	assert_asff_finding(finding);
	char whole[1024], want[1024];
	snprintf(whole, sizeof(whole), "cisreport/i-0123456789abcdef0/bottlerocket/%s", name);
	snprintf(want, sizeof(want), "%.447s#" LONG_NAME_SHA256_ID, whole);
	assert_string_equal(str(finding, "Id"), want);
	assert_int_equal(strlen(want), 512);
	snprintf(whole, sizeof(whole), "cisreport/bottlerocket/%s", name);
	snprintf(want, sizeof(want), "%.447s#" LONG_NAME_SHA256_GENERATOR, whole);
	assert_string_equal(str(finding, "GeneratorId"), want);
	json_decref(batch);
	free(out);
	fixture_free(&f);
}

static void asff_batches_of_100(void **state)
{
	(void)state;
	char *checks = fixture_many_checks(250, "k");
	struct report_fixture f;
	fixture_run(&f, checks);
	free(checks);
	struct writer_options o = aws_options(&f.id);
	int rc;
	char *out = fixture_write("asff", &f.r, &o, &rc);
	assert_int_equal(rc, 0);
	size_t sizes[3] = {100, 100, 50}, used, off = 0;
	json_t *ids = json_object();
	for (size_t b = 0; b < 3; b++) {
		json_t *batch = parse_line(out + off, &used);
		off += used;
		assert_int_equal(json_array_size(batch), sizes[b]);
		size_t i;
		json_t *finding;
		json_array_foreach(batch, i, finding) {
			assert_asff_finding(finding);
			assert_null(json_object_get(ids, str(finding, "Id")));
			json_object_set_new(ids, str(finding, "Id"), json_true());
		}
		json_decref(batch);
	}
	assert_string_equal(out + off, "");
	assert_int_equal(json_object_size(ids), 250);
	json_decref(ids);
	free(out);
	fixture_free(&f);
}

static void asff_needs_account_and_region(void **state)
{
	(void)state;
	unsetenv("CISREPORT_AWS_ACCOUNT");
	unsetenv("AWS_ACCOUNT_ID");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	unsetenv("CISREPORT_RESOURCE_ID");
	char err[256];
	struct writer_options o = {0};
	assert_int_equal(asff_check_options(&o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--aws-account"));
	o.aws_account = "12345678901x";
	assert_int_equal(asff_check_options(&o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "12 digits"));
	o.aws_account = "123456789012";
	assert_int_equal(asff_check_options(&o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--aws-region"));
	o.aws_region = "us east";
	assert_int_equal(asff_check_options(&o, err, sizeof(err)), -EINVAL);
	o.aws_region = NULL;
	setenv("AWS_DEFAULT_REGION", "cn-north-1", 1);
	assert_int_equal(asff_check_options(&o, err, sizeof(err)), 0);
	o.resource_id = "has space";
	assert_int_equal(asff_check_options(&o, err, sizeof(err)), -EINVAL);
	/* the environment is enough, and the partition follows the region */
	o = (struct writer_options){0};
	setenv("AWS_ACCOUNT_ID", "210987654321", 1);
	setenv("CISREPORT_RESOURCE_ID", "mi-0123456789abcdef0", 1);
	struct report_fixture f;
	fixture_run(&f, FIXTURE_CHECKS);
	o.host = &f.id;
	int rc;
	char *out = fixture_write("asff", &f.r, &o, &rc);
	assert_int_equal(rc, 0);
	size_t used;
	json_t *batch = parse_line(out, &used);
	const json_t *first = json_array_get(batch, 0);
	assert_string_equal(str(first, "ProductArn"),
			    "arn:aws-cn:securityhub:cn-north-1:210987654321:product/210987654321/default");
	const json_t *res = json_array_get(json_object_get(first, "Resources"), 0);
	assert_string_equal(str(res, "Id"),
			    "arn:aws-cn:ssm:cn-north-1:210987654321:managed-instance/mi-0123456789abcdef0");
	json_decref(batch);
	free(out);
	unsetenv("AWS_DEFAULT_REGION");
	unsetenv("AWS_ACCOUNT_ID");
	unsetenv("CISREPORT_RESOURCE_ID");
	/* without them the writer refuses rather than invent an account */
	o = (struct writer_options){.host = &f.id};
	out = fixture_write("asff", &f.r, &o, &rc);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(out, "");
	free(out);
	fixture_free(&f);
}

static void xccdf_results_and_escaping(void **state)
{
	(void)state;
	struct report_fixture f;
	fixture_run(&f, FIXTURE_CHECKS);
	struct writer_options o = {.host = &f.id};
	int rc;
	char *out = fixture_write("xccdf", &f.r, &o, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.2\" "
				    "id=\"xccdf_org.cisreport_benchmark_bottlerocket\""));
	assert_non_null(strstr(out, "<Rule id=\"xccdf_org.cisreport_rule_br01040100\""));
	/* manual: notchecked; pass; fail; unreadable: error */
	const char *order[] = {"<result>notchecked</result>", "<result>pass</result>",
			       "<result>fail</result>", "<result>error</result>"};
	const char *p = out;
	for (size_t i = 0; i < 4; i++) {
		p = strstr(p, order[i]);
		if (!p)
			fail_msg("missing or out of order: %s", order[i]);
	}
	assert_non_null(strstr(out, "evidence: kernel.randomize_va_space: expected 2, found 1"));
	assert_non_null(strstr(out, "<fixtext>Set fs.suid_dumpable &lt;0&gt; &amp; \"quoted\"</fixtext>"));
	assert_non_null(strstr(out, "end-time=\""));
	assert_non_null(strstr(out, "<target>host-a</target>"));
	/* the score comes after the rule-results; 1 pass of 2 scored */
	const char *score = strstr(out, "<score system=\"urn:xccdf:scoring:default\" maximum=\"100.000000\">50.000000</score>");
	assert_non_null(score);
	assert_true(score > p);
	free(out);
	fixture_free(&f);
}

static void junit_cases(void **state)
{
	(void)state;
	struct report_fixture f;
	fixture_run(&f, FIXTURE_CHECKS);
	struct writer_options o = {.host = &f.id};
	int rc;
	char *out = fixture_write("junit", &f.r, &o, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "<testsuites name=\"cisreport\" tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"2\""));
	assert_non_null(strstr(out, "hostname=\"host-a\""));
	assert_non_null(strstr(out, "<testcase classname=\"bottlerocket.level1\" name=\"1.4.2 Ensure ASLR is enabled\">\n"
				    "      <failure type=\"FAIL\" message=\"kernel.randomize_va_space: expected 2, found 1\">"));
	assert_non_null(strstr(out, "<skipped message=\"Manual check, see benchmark for audit details.\"/>"));
	assert_non_null(strstr(out, "<skipped message=\"cannot read /proc/sys/kernel/unprivileged_bpf_disabled"));
	/* one testcase per check */
	size_t n = 0;
	for (const char *q = out; (q = strstr(q, "<testcase ")); q++)
		n++;
	assert_int_equal(n, 4);
	free(out);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ssm_documents_follow_the_rules),
		cmocka_unit_test(ssm_truncates_deterministically),
		cmocka_unit_test(ssm_inventory_dir_found_and_written),
		cmocka_unit_test(asff_findings_for_automatic_checks),
		cmocka_unit_test(asff_ids_are_stable_and_per_host),
		cmocka_unit_test(asff_long_ids_end_in_their_sha256),
		cmocka_unit_test(asff_batches_of_100),
		cmocka_unit_test(asff_needs_account_and_region),
		cmocka_unit_test(xccdf_results_and_escaping),
		cmocka_unit_test(junit_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
