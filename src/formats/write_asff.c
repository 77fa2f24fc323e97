/* AWS Security Finding Format (ASFF 2018-10-08) for Security Hub.
 *
 * One finding per automatic check (manual checks have no machine verdict).
 * The output is what BatchImportFindings takes: each line is a JSON array of
 * at most 100 findings (and at most 6 MB), so a report of up to 100
 * automatic checks is one line that works as-is with
 *   aws securityhub batch-import-findings --findings file://findings.json
 * and a longer one is split by line (docs/exports.md).
 *
 * Finding ids are stable across scans and unique across hosts:
 *   cisreport/<host key>/<benchmark type>/<check name>
 * where the host key is the resource id when given, else the machine id.
 * Re-importing a later scan updates the same findings. An id longer than
 * ASFF allows ends in its SHA-256 (bounded_id): only then is libcrypto
 * loaded, and if it cannot be, the output fails naming it.
 *
 * Account, region and resource come from writer_options, else from the
 * environment: CISREPORT_AWS_ACCOUNT or AWS_ACCOUNT_ID; AWS_REGION or
 * AWS_DEFAULT_REGION; CISREPORT_RESOURCE_ID. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "export_util.h"
#include "writer.h"
#include "core/host_identity.h"
#include "dynlib/lib_crypto.h"
#include "dynlib/sha256.h"
#include "report/pci_map.h"
#include "util/utf8.h"

#define ASFF_SCHEMA "2018-10-08"
#define ASFF_TYPE \
	"Software and Configuration Checks/Industry and Regulatory Standards/CIS Host Hardening Benchmarks"
#define ASFF_BATCH 100
#define ASFF_ID_MAX 512
#define ASFF_TITLE_MAX 256
#define ASFF_DESCRIPTION_MAX 1024
#define ASFF_REMEDIATION_MAX 512
#define ASFF_REQUIREMENTS_MAX 32
#define ASFF_OTHER_VALUE_MAX 1024
#define ASFF_PRODUCT_FIELD_MAX 2048
#define ASFF_FINDING_MAX (240u * 1024)
#define ASFF_BATCH_BYTES_MAX (6u * 1024 * 1024)

struct asff_target {
	const char *account, *region, *resource;
	char partition[16];
};

static const char *first_env(const char *a, const char *b)
{
	const char *v = a ? getenv(a) : NULL;
	if (v && *v)
		return v;
	v = b ? getenv(b) : NULL;
	return v && *v ? v : NULL;
}

static bool valid_account(const char *s)
{
	size_t n = strlen(s);
	if (n != 12)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* "us-east-1", "us-gov-west-1", "cn-north-1", "eu-central-2" ... */
static bool valid_region(const char *s)
{
	size_t n = strlen(s);
	if (n < 4 || n > 32 || !islower((unsigned char)s[0]) || !isdigit((unsigned char)s[n - 1]) ||
	    !strchr(s, '-'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool valid_resource(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 256)
		return false;
	for (size_t i = 0; i < n; i++)
		if (isspace((unsigned char)s[i]) || iscntrl((unsigned char)s[i]))
			return false;
	return true;
}

static int resolve(const struct writer_options *o, struct asff_target *t, char *err,
		   size_t err_size)
{
	memset(t, 0, sizeof(*t));
	t->account = o && o->aws_account ? o->aws_account
					 : first_env("CISREPORT_AWS_ACCOUNT", "AWS_ACCOUNT_ID");
	t->region = o && o->aws_region ? o->aws_region : first_env("AWS_REGION", "AWS_DEFAULT_REGION");
	t->resource = o && o->resource_id ? o->resource_id : first_env("CISREPORT_RESOURCE_ID", NULL);
	if (!t->account) {
		snprintf(err, err_size,
			 "asff needs the AWS account: --aws-account ID or CISREPORT_AWS_ACCOUNT / AWS_ACCOUNT_ID");
		return -EINVAL;
	}
	if (!valid_account(t->account)) {
		snprintf(err, err_size, "invalid AWS account '%s': must be 12 digits", t->account);
		return -EINVAL;
	}
	if (!t->region) {
		snprintf(err, err_size,
			 "asff needs the AWS region: --aws-region REGION or AWS_REGION / AWS_DEFAULT_REGION");
		return -EINVAL;
	}
	if (!valid_region(t->region)) {
		snprintf(err, err_size, "invalid AWS region '%s' (e.g. us-east-1)", t->region);
		return -EINVAL;
	}
	if (t->resource && !valid_resource(t->resource)) {
		snprintf(err, err_size,
			 "invalid resource id '%s': 1-256 characters without spaces (an instance id i-..., mi-..., or an ARN)",
			 t->resource);
		return -EINVAL;
	}
	const char *part = "aws";
	if (strncmp(t->region, "cn-", 3) == 0)
		part = "aws-cn";
	else if (strncmp(t->region, "us-gov-", 7) == 0)
		part = "aws-us-gov";
	snprintf(t->partition, sizeof(t->partition), "%s", part);
	return 0;
}

int asff_check_options(const struct writer_options *o, char *err, size_t err_size)
{
	struct asff_target t;
	return resolve(o, &t, err, err_size);
}

static bool is_instance_id(const char *s, const char *prefix)
{
	size_t p = strlen(prefix);
	if (strncmp(s, prefix, p))
		return false;
	size_t n = strlen(s + p);
	if (n != 8 && n != 17)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[p + i]))
			return false;
	return true;
}

/* A JSON string bounded to max bytes (deterministic truncation). */
static json_t *bounded(const char *s, size_t max)
{
	char *clean = utf8_clean(s, false);
	char *cut = clean ? text_bounded(clean, max, NULL) : NULL;
	json_t *j = cut ? json_string(cut) : NULL;
	free(clean);
	free(cut);
	return j;
}

/* An id bounded to max: longer ones keep a prefix and end in a SHA-256 of
 * the whole, so they stay unique and stable. 0, -ENOMEM, or -ELIBACC with
 * the reason in err when libcrypto cannot be loaded for the hash. */
static int bounded_id(const char *s, size_t max, json_t **out, char *err, size_t err_size)
{
	*out = NULL;
	char *clean = utf8_clean(s, false);
	if (!clean)
		return -ENOMEM;
	size_t len = strlen(clean);
	if (len <= max) {
		*out = json_string(clean);
		free(clean);
		return *out ? 0 : -ENOMEM;
	}
	char hex[65];
	int rc = sha256_hex(clean, len, hex);
	if (rc == -ELIBACC) {
		char why[512] = "";
		crypto_lib_get(why, sizeof(why)); /* the kept reason */
		snprintf(err, err_size,
			 "asff: cannot shorten an id of %zu bytes (ASFF allows %zu) with its SHA-256: %s",
			 len, max, why);
	}
	if (rc) {
		free(clean);
		return rc;
	}
	size_t keep = utf8_prefix(clean, max - 65);
	clean[keep] = '\0';
	char *id = NULL;
	*out = asprintf(&id, "%s#%s", clean, hex) < 0 ? NULL : json_string(id);
	free(id);
	free(clean);
	return *out ? 0 : -ENOMEM;
}

static int resource_json(const struct asff_target *t, const struct host_identity *id,
			 json_t **out, char *err, size_t err_size)
{
	*out = NULL;
	char *rid = NULL;
	const char *type = "Other";
	int n;
	if (t->resource && is_instance_id(t->resource, "i-")) {
		type = "AwsEc2Instance";
		n = asprintf(&rid, "arn:%s:ec2:%s:%s:instance/%s", t->partition, t->region,
			     t->account, t->resource);
	} else if (t->resource && is_instance_id(t->resource, "mi-")) {
		n = asprintf(&rid, "arn:%s:ssm:%s:%s:managed-instance/%s", t->partition, t->region,
			     t->account, t->resource);
	} else if (t->resource) {
		if (strncmp(t->resource, "arn:", 4) == 0 && strstr(t->resource, ":ec2:") &&
		    strstr(t->resource, ":instance/"))
			type = "AwsEc2Instance";
		n = asprintf(&rid, "%s", t->resource);
	} else {
		n = asprintf(&rid, "host/%s", host_identity_key(id));
	}
	if (n < 0)
		return -ENOMEM;
	json_t *res_id;
	int rc = bounded_id(rid, ASFF_ID_MAX, &res_id, err, err_size);
	free(rid);
	if (rc)
		return rc;
	json_t *other = json_object();
	json_object_set_new(other, "Hostname", bounded(id->hostname, ASFF_OTHER_VALUE_MAX));
	if (id->machine_id[0])
		json_object_set_new(other, "MachineId", bounded(id->machine_id, ASFF_OTHER_VALUE_MAX));
	const char *os = host_identity_os(id, "PRETTY_NAME");
	if (os[0])
		json_object_set_new(other, "OperatingSystem", bounded(os, ASFF_OTHER_VALUE_MAX));
	if (id->kernel_release[0])
		json_object_set_new(other, "Kernel", bounded(id->kernel_release, ASFF_OTHER_VALUE_MAX));
	*out = json_pack("{s:s, s:o, s:s, s:s, s:{s:o}}", "Type", type, "Id", res_id, "Partition",
			 t->partition, "Region", t->region, "Details", "Other", other);
	return *out ? 0 : -ENOMEM;
}

static json_t *product_fields(const struct report *r, const struct report_entry *e)
{
	char level[16];
	snprintf(level, sizeof(level), "%d", e->def->level);
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:o}", "ProviderName",
			 "cisreport", "ProviderVersion", CISREPORT_VERSION, "cisreport/Benchmark",
			 bounded(r->bm->name, ASFF_PRODUCT_FIELD_MAX), "cisreport/BenchmarkVersion",
			 bounded(r->bm->version, ASFF_PRODUCT_FIELD_MAX), "cisreport/CheckName",
			 bounded(e->def->name, ASFF_PRODUCT_FIELD_MAX), "cisreport/CheckId",
			 bounded(e->def->id, ASFF_PRODUCT_FIELD_MAX), "cisreport/Level", level,
			 "cisreport/Outcome", check_outcome_name(e->result.outcome),
			 "cisreport/Kind", bounded(e->def->kind_name, ASFF_PRODUCT_FIELD_MAX));
}

static json_t *requirements(const struct report *r, const struct report_entry *e,
			    const struct pci_map *pci)
{
	json_t *reqs = json_array();
	char *s = NULL;
	if (asprintf(&s, "%s %s/%s", r->bm->name, r->bm->version, e->def->id) < 0)
		return reqs;
	json_array_append_new(reqs, bounded(s, 256));
	free(s);
	/* runtime checks name the requirements of the items they back */
	json_t *mapped = pci ? pci_map_requirements(pci, r->bm->type, e->def, NULL) : NULL;
	size_t i;
	const json_t *req;
	json_array_foreach(mapped, i, req) {
		if (json_array_size(reqs) >= ASFF_REQUIREMENTS_MAX)
			break;
		if (asprintf(&s, "%s %s/%s", pci_map_standard(pci), pci_map_version(pci),
			     json_string_value(req)) >= 0) {
			json_array_append_new(reqs, bounded(s, 256));
			free(s);
		}
	}
	json_decref(mapped);
	return reqs;
}

/* One finding into *out: 0, -ENOMEM, or bounded_id's -ELIBACC (err says why). */
static int finding_json(const struct report *r, const struct report_entry *e,
			const struct asff_target *t, const struct host_identity *id,
			const struct pci_map *pci, const char *when, json_t *resource, json_t **out,
			char *err, size_t err_size)
{
	const struct check_def *d = e->def;
	const struct check_result *res = &e->result;
	char *fid = NULL, *gen = NULL, *title = NULL, *desc = NULL, *arn = NULL;
	const char *host_key = t->resource ? t->resource : host_identity_key(id);
	char *ev = evidence_lines(res, "; ");
	json_t *f = NULL, *finding_id = NULL, *generator_id = NULL;
	int rc = -ENOMEM;
	if (!ev || asprintf(&fid, "cisreport/%s/%s/%s", host_key, r->bm->type, d->name) < 0 ||
	    asprintf(&gen, "cisreport/%s/%s", r->bm->type, d->name) < 0 ||
	    asprintf(&title, "%s %s", d->id, d->title) < 0 ||
	    asprintf(&desc, "%s %s %s: %s.%s%s%s%s", r->bm->name, r->bm->version, d->id,
		     res->status == CHECK_PASS	 ? "passed"
		     : res->status == CHECK_FAIL ? "failed"
						 : "could not be checked",
		     res->error && res->error[0] ? " " : "", res->error ? res->error : "",
		     ev[0] ? " Evidence: " : "", ev) < 0 ||
	    asprintf(&arn, "arn:%s:securityhub:%s:%s:product/%s/default", t->partition, t->region,
		     t->account, t->account) < 0)
		goto out;
	if ((rc = bounded_id(fid, ASFF_ID_MAX, &finding_id, err, err_size)) ||
	    (rc = bounded_id(gen, ASFF_ID_MAX, &generator_id, err, err_size)))
		goto out;

	const char *compliance = res->status == CHECK_PASS   ? "PASSED"
				 : res->status == CHECK_FAIL ? "FAILED"
							     : "NOT_AVAILABLE";
	/* Passed and unavailable findings are informational, as Security Hub's
	 * own controls report them; a failure weighs by the check's level. */
	const char *label = res->status == CHECK_FAIL ? (d->level <= 1 ? "MEDIUM" : "LOW")
						      : "INFORMATIONAL";
	char original[16];
	snprintf(original, sizeof(original), "Level %d", d->level);

	f = json_object();
	if (!f) {
		rc = -ENOMEM;
		goto out;
	}
	rc = 0;
	json_object_set_new(f, "SchemaVersion", json_string(ASFF_SCHEMA));
	json_object_set_new(f, "Id", finding_id);
	finding_id = NULL;
	json_object_set_new(f, "ProductArn", json_string(arn));
	json_object_set_new(f, "ProductName", json_string("cisreport"));
	json_object_set_new(f, "CompanyName", json_string("cisreport"));
	json_object_set_new(f, "GeneratorId", generator_id);
	generator_id = NULL;
	json_object_set_new(f, "AwsAccountId", json_string(t->account));
	json_object_set_new(f, "Types", json_pack("[s]", ASFF_TYPE));
	json_object_set_new(f, "CreatedAt", json_string(when));
	json_object_set_new(f, "UpdatedAt", json_string(when));
	json_object_set_new(f, "FirstObservedAt", json_string(when));
	json_object_set_new(f, "LastObservedAt", json_string(when));
	json_object_set_new(f, "Severity", json_pack("{s:s, s:s}", "Label", label, "Original",
						     original));
	json_object_set_new(f, "Title", bounded(title, ASFF_TITLE_MAX));
	json_object_set_new(f, "Description", bounded(desc, ASFF_DESCRIPTION_MAX));
	if (d->remediation[0]) {
		json_t *rec = json_pack("{s:o}", "Text", bounded(d->remediation, ASFF_REMEDIATION_MAX));
		if (r->bm->url && strlen(r->bm->url) <= 512)
			json_object_set_new(rec, "Url", json_string(r->bm->url));
		json_object_set_new(f, "Remediation", json_pack("{s:o}", "Recommendation", rec));
	}
	json_object_set_new(f, "ProductFields", product_fields(r, e));
	json_object_set_new(f, "Resources", json_pack("[O]", resource));
	json_object_set_new(f, "Compliance", json_pack("{s:s, s:o}", "Status", compliance,
						       "RelatedRequirements",
						       requirements(r, e, pci)));
	json_object_set_new(f, "RecordState", json_string("ACTIVE"));
out:
	json_decref(finding_id);
	json_decref(generator_id);
	free(ev);
	free(fid);
	free(gen);
	free(title);
	free(desc);
	free(arn);
	*out = f;
	return rc;
}

static int flush_batch(json_t *batch, FILE *out)
{
	if (json_array_size(batch) == 0)
		return 0;
	char *text = json_dumps(batch, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return -ENOMEM;
	int rc = strlen(text) > ASFF_BATCH_BYTES_MAX ? -EFBIG : 0;
	if (!rc && (fputs(text, out) == EOF || fputc('\n', out) == EOF))
		rc = -EIO;
	free(text);
	json_array_clear(batch);
	return rc;
}

int write_asff(const struct report *r, const struct writer_options *o, FILE *out)
{
	struct asff_target t;
	char err[1024] = "";
	if (resolve(o, &t, err, sizeof(err)) < 0) {
		if (o && o->error && o->error_size)
			snprintf(o->error, o->error_size, "%s", err);
		return -EINVAL;
	}
	struct host_identity buf;
	const struct host_identity *id = writer_host(o, &buf);
	if (!id)
		return -ENOMEM;
	char when[40];
	format_time_ms(&r->started, when, sizeof(when));
	json_t *resource = NULL;
	int rc = resource_json(&t, id, &resource, err, sizeof(err));
	json_t *batch = json_array();
	size_t batch_bytes = 0;
	if (!rc && !batch)
		rc = -ENOMEM;
	for (size_t i = 0; i < r->n_entries && !rc; i++) {
		const struct report_entry *e = &r->entries[i];
		if (e->def->manual)
			continue;
		json_t *f;
		rc = finding_json(r, e, &t, id, o ? o->pci : NULL, when, resource, &f, err,
				  sizeof(err));
		char *text = !rc ? json_dumps(f, JSON_COMPACT) : NULL;
		if (!text) {
			json_decref(f);
			rc = rc ? rc : -ENOMEM;
			break;
		}
		size_t len = strlen(text);
		free(text);
		if (len > ASFF_FINDING_MAX) {
			json_decref(f);
			rc = -EFBIG; /* cannot happen with the field limits above */
			break;
		}
		if (json_array_size(batch) == ASFF_BATCH ||
		    batch_bytes + len + 2 > ASFF_BATCH_BYTES_MAX) {
			rc = flush_batch(batch, out);
			batch_bytes = 0;
		}
		json_array_append_new(batch, f);
		batch_bytes += len + 1;
	}
	if (!rc)
		rc = flush_batch(batch, out);
	json_decref(batch);
	json_decref(resource);
	if (id == &buf)
		host_identity_free(&buf);
	if (rc && err[0] && o && o->error && o->error_size)
		snprintf(o->error, o->error_size, "%s", err);
	if (rc)
		return rc;
	return ferror(out) ? -EIO : 0;
}
