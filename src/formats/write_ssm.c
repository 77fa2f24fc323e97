/* SSM custom inventory documents, and "-f ssm": both documents, one per
 * line (checks, then summary). --ssm-inventory writes them as the agent's
 * files (ssm_inventory.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "export_util.h"
#include "ssm_inventory.h"
#include "core/host_identity.h"
#include "util/utf8.h"

/* Attribute names: fixed here, so their case is the same in every file. */
static const char *const entry_fixed[] = {"CheckName", "CheckId", "Title", "Level", "Mode",
					  "Status", "Outcome", "Kind", "Benchmark",
					  "BenchmarkVersion", "ReportLevel", "ScanTime"};

static int set_str(json_t *obj, const char *key, const char *value, size_t max, bool *cut)
{
	char *clean = utf8_clean(value, false);
	char *b = clean ? text_bounded(clean, max, cut) : NULL;
	json_t *s = b ? json_string(b) : NULL;
	free(clean);
	free(b);
	if (!s)
		return -ENOMEM;
	return json_object_set_new(obj, key, s) < 0 ? -ENOMEM : 0;
}

static int set_size(json_t *obj, const char *key, size_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%zu", v);
	return set_str(obj, key, buf, SSM_VALUE_MAX, NULL);
}

static char *dump(const json_t *content, const char *type)
{
	json_t *doc = json_pack("{s:s, s:s, s:O}", "SchemaVersion", "1.0", "TypeName", type,
				"Content", content);
	char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	return text;
}

/* The per-check document with evidence and reasons cut to at most cap
 * bytes each. *n_cut counts the checks whose text was cut. */
static json_t *checks_content(const struct report *r, size_t cap, size_t *n_cut)
{
	json_t *list = json_array();
	if (!list)
		return NULL;
	*n_cut = 0;
	char level[16];
	snprintf(level, sizeof(level), "%d", r->level);
	for (size_t i = 0; i < r->n_entries; i++) {
		const struct report_entry *e = &r->entries[i];
		const struct check_def *d = e->def;
		char check_level[16];
		snprintf(check_level, sizeof(check_level), "%d", d->level);
		const char *values[] = {d->name, d->id, d->title, check_level,
					d->manual ? "Manual" : "Automatic",
					check_status_name(e->result.status),
					check_outcome_name(e->result.outcome), d->kind_name,
					r->bm->type, r->bm->version, level, r->timestamp};
		json_t *o = json_object();
		int rc = o ? 0 : -ENOMEM;
		for (size_t k = 0; k < sizeof(entry_fixed) / sizeof(entry_fixed[0]) && !rc; k++)
			rc = set_str(o, entry_fixed[k], values[k], SSM_VALUE_MAX, NULL);
		char *ev = evidence_lines(&e->result, "; ");
		bool cut_reason = false, cut_ev = false;
		if (!rc)
			rc = ev ? set_str(o, "Reason", e->result.error, cap, &cut_reason) : -ENOMEM;
		if (!rc)
			rc = set_str(o, "Evidence", ev, cap, &cut_ev);
		if (!rc)
			rc = set_str(o, "Truncated", cut_reason || cut_ev ? "true" : "false",
				     SSM_VALUE_MAX, NULL);
		free(ev);
		if (rc || json_array_append_new(list, o) < 0) {
			json_decref(rc ? o : NULL);
			json_decref(list);
			return NULL;
		}
		*n_cut += cut_reason || cut_ev;
	}
	return list;
}

static json_t *summary_content(const struct report *r, const struct host_identity *id,
			       size_t n_cut)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	char level[16];
	snprintf(level, sizeof(level), "%d", r->level);
	char end[48] = "";
	if (r->finished.tv_sec)
		report_format_timestamp(&r->finished, end, sizeof(end));
	/* Failed check ids, so a fleet query needs only the summary. */
	char *failed = NULL;
	size_t flen = 0;
	FILE *f = open_memstream(&failed, &flen);
	if (!f) {
		json_decref(o);
		return NULL;
	}
	for (size_t i = 0, n = 0; i < r->n_entries; i++)
		if (r->entries[i].result.status == CHECK_FAIL)
			fprintf(f, "%s%s", n++ ? "," : "", r->entries[i].def->id);
	fclose(f);
	int rc = 0;
	rc |= set_str(o, "Benchmark", r->bm->type, SSM_VALUE_MAX, NULL);
	rc |= set_str(o, "BenchmarkName", r->bm->name, SSM_VALUE_MAX, NULL);
	rc |= set_str(o, "BenchmarkVersion", r->bm->version, SSM_VALUE_MAX, NULL);
	rc |= set_str(o, "Level", level, SSM_VALUE_MAX, NULL);
	rc |= set_str(o, "Status", check_status_name(r->status), SSM_VALUE_MAX, NULL);
	rc |= set_size(o, "Total", r->total);
	rc |= set_size(o, "Passed", r->passed);
	rc |= set_size(o, "Failed", r->failed);
	rc |= set_size(o, "Skipped", r->skipped);
	rc |= set_str(o, "FailedChecks", failed ? failed : "", SSM_VALUE_MAX, NULL);
	rc |= set_str(o, "ScanTime", r->timestamp, SSM_VALUE_MAX, NULL);
	rc |= set_str(o, "ScanEndTime", end, SSM_VALUE_MAX, NULL);
	rc |= set_str(o, "Hostname", id ? id->hostname : "", SSM_VALUE_MAX, NULL);
	rc |= set_str(o, "MachineId", id ? id->machine_id : "", SSM_VALUE_MAX, NULL);
	rc |= set_str(o, "OsName", id ? host_identity_os(id, "PRETTY_NAME") : "", SSM_VALUE_MAX,
		      NULL);
	rc |= set_str(o, "OsVersion", id ? host_identity_os(id, "VERSION_ID") : "", SSM_VALUE_MAX,
		      NULL);
	rc |= set_str(o, "Kernel", id ? id->kernel_release : "", SSM_VALUE_MAX, NULL);
	rc |= set_str(o, "CisreportVersion", CISREPORT_VERSION, SSM_VALUE_MAX, NULL);
	rc |= set_size(o, "TruncatedChecks", n_cut);
	free(failed);
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int ssm_documents(const struct report *r, const struct writer_options *o, char **checks,
		  char **summary)
{
	*checks = *summary = NULL;
	/* Evidence and reasons get an equal share of what the 200 KB leave
	 * after the fixed attributes; shrink the share until the file fits.
	 * The same report always gives the same cut. */
	size_t cap = SSM_VALUE_MAX, n_cut = 0;
	char *text = NULL;
	for (;;) {
		json_t *content = checks_content(r, cap, &n_cut);
		text = content ? dump(content, SSM_TYPE_CHECKS) : NULL;
		json_decref(content);
		if (!text)
			return -ENOMEM;
		size_t len = strlen(text);
		if (len <= SSM_TYPE_BYTES_MAX)
			break;
		free(text);
		text = NULL;
		if (cap == 0)
			return -EFBIG; /* the fixed attributes alone are too many */
		/* Two capped fields per check: aim at the room left, then step down. */
		size_t next = cap - cap / 8 - 1;
		size_t over = len - SSM_TYPE_BYTES_MAX;
		size_t per = r->n_entries ? over / (2 * r->n_entries) + 1 : cap;
		if (per < cap && cap - per < next)
			next = cap - per;
		cap = next;
	}
	*checks = text;
	struct host_identity buf;
	const struct host_identity *id = writer_host(o, &buf);
	json_t *content = summary_content(r, id, n_cut);
	if (id == &buf)
		host_identity_free(&buf);
	*summary = content ? dump(content, SSM_TYPE_SUMMARY) : NULL;
	json_decref(content);
	if (!*summary) {
		free(*checks);
		*checks = NULL;
		return -ENOMEM;
	}
	return 0;
}

int write_ssm(const struct report *r, const struct writer_options *o, FILE *out)
{
	char *checks, *summary;
	int rc = ssm_documents(r, o, &checks, &summary);
	if (rc)
		return rc;
	fprintf(out, "%s\n%s\n", checks, summary);
	free(checks);
	free(summary);
	return ferror(out) ? -EIO : 0;
}
