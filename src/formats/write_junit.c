/* JUnit XML for CI pipelines: one testsuite per report, one testcase per
 * check. FAIL is a <failure>, SKIP a <skipped> with its reason; the
 * evidence goes in the body / system-out so a CI page shows what was found. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "export_util.h"
#include "writer.h"
#include "xml_escape.h"
#include "core/host_identity.h"

/* A testcase carries only what the common JUnit schemas allow (failure or
 * skipped, system-out): some CI parsers reject anything else. */
static void property(FILE *out, const char *name, const char *value)
{
	fputs("      <property name=\"", out);
	xml_attr(out, name);
	fputs("\" value=\"", out);
	xml_attr(out, value);
	fputs("\"/>\n", out);
}

static int write_case(const struct report *r, const struct report_entry *e, FILE *out)
{
	const struct check_def *d = e->def;
	const struct check_result *res = &e->result;
	char *ev = evidence_lines(res, "\n");
	if (!ev)
		return -ENOMEM;
	char classname[160];
	snprintf(classname, sizeof(classname), "%s.level%d", r->bm->type, d->level);
	fputs("    <testcase classname=\"", out);
	xml_attr(out, classname);
	fputs("\" name=\"", out);
	xml_attr(out, d->id);
	fputc(' ', out);
	xml_attr(out, d->title);
	fputs("\">\n", out);
	const char *reason = res->error ? res->error : "";
	if (res->status == CHECK_FAIL) {
		fputs("      <failure type=\"FAIL\" message=\"", out);
		xml_attr(out, reason);
		fputs("\">", out);
		xml_text(out, ev);
		if (d->remediation[0]) {
			fputs(ev[0] ? "\nremediation: " : "remediation: ", out);
			xml_text(out, d->remediation);
		}
		fputs("</failure>\n", out);
	} else if (res->status == CHECK_SKIP) {
		fputs("      <skipped message=\"", out);
		xml_attr(out, reason);
		fputs("\"/>\n", out);
	}
	/* Which check this is (for --check) and what it saw. */
	fputs("      <system-out>check ", out);
	xml_text(out, d->name);
	fputs(" (kind ", out);
	xml_text(out, d->kind_name);
	fprintf(out, ", outcome %s)", check_outcome_name(res->outcome));
	if (ev[0]) {
		fputc('\n', out);
		xml_text(out, ev);
	}
	fputs("</system-out>\n", out);
	fputs("    </testcase>\n", out);
	free(ev);
	return 0;
}

int write_junit(const struct report *r, const struct writer_options *o, FILE *out)
{
	struct host_identity buf;
	const struct host_identity *id = writer_host(o, &buf);
	char ts[32];
	format_time_s(&r->started, false, ts, sizeof(ts));
	double secs = report_duration(r);
	char suite[512];
	snprintf(suite, sizeof(suite), "%s %s (level %d)", r->bm->name, r->bm->version, r->level);

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out,
		"<testsuites name=\"cisreport\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
		"skipped=\"%zu\" time=\"%.3f\">\n",
		r->total, r->failed, r->skipped, secs);
	fputs("  <testsuite name=\"", out);
	xml_attr(out, suite);
	fprintf(out,
		"\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\" "
		"timestamp=\"%s\" hostname=\"",
		r->total, r->failed, r->skipped, secs, ts);
	xml_attr(out, id && id->hostname[0] ? id->hostname : "unknown");
	fputs("\">\n    <properties>\n", out);
	property(out, "benchmark", r->bm->name);
	property(out, "benchmark.type", r->bm->type);
	property(out, "benchmark.version", r->bm->version);
	property(out, "benchmark.url", r->bm->url);
	char level[16];
	snprintf(level, sizeof(level), "%d", r->level);
	property(out, "level", level);
	property(out, "status", check_status_name(r->status));
	property(out, "scan.time", r->timestamp);
	if (id && id->machine_id[0])
		property(out, "machine-id", id->machine_id);
	property(out, "cisreport.version", CISREPORT_VERSION);
	fputs("    </properties>\n", out);
	int rc = 0;
	/* the benchmark's items, as tests= counts them (runtime: --runtime) */
	for (size_t i = 0; i < r->n_entries && !rc; i++)
		if (!r->entries[i].runtime)
			rc = write_case(r, &r->entries[i], out);
	fputs("  </testsuite>\n</testsuites>\n", out);
	if (id == &buf)
		host_identity_free(&buf);
	if (rc)
		return rc;
	return ferror(out) ? -EIO : 0;
}
