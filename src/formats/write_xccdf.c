/* XCCDF 1.2 results for SCAP tooling: a Benchmark with a Profile for the
 * level, a Rule per check and the TestResult inside it, in the element order
 * the XCCDF 1.2 schema requires (checked with "oscap xccdf validate"; OpenSCAP
 * renders it with "oscap xccdf generate report").
 *
 * Ids are xccdf_<reverse-dns>_<type>_<suffix>; the reverse-DNS part has no
 * '_' and the suffix is the check's name (lower-case, digits, '-', '_'),
 * so every id is an NCName. */
#include <errno.h>
#include <stdlib.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "export_util.h"
#include "writer.h"
#include "xml_escape.h"
#include "core/host_identity.h"

#define XCCDF_NS "http://checklists.nist.gov/xccdf/1.2"
#define XCCDF_ID "xccdf_org.cisreport_"
#define DC_NS "http://purl.org/dc/elements/1.1/"

/* SKIP splits three ways: manual checks were not checked by a machine, a
 * check that does not apply is notapplicable, and one that could not read
 * the host is an error (the tool failed, the host may still comply). */
static const char *xccdf_result(const struct check_result *res)
{
	switch (res->status) {
	case CHECK_PASS:
		return "pass";
	case CHECK_FAIL:
		return "fail";
	default:
		break;
	}
	switch (res->outcome) {
	case OUTCOME_MANUAL:
		return "notchecked";
	case OUTCOME_NOT_APPLICABLE:
		return "notapplicable";
	default:
		return "error";
	}
}

static void element(FILE *out, const char *indent, const char *name, const char *text)
{
	fprintf(out, "%s<%s>", indent, name);
	xml_text(out, text);
	fprintf(out, "</%s>\n", name);
}

static void message(FILE *out, const char *severity, const char *text)
{
	fprintf(out, "      <message severity=\"%s\">", severity);
	xml_text(out, text);
	fputs("</message>\n", out);
}

static void fact(FILE *out, const char *name, const char *value)
{
	if (!value || !value[0])
		return;
	fprintf(out, "      <fact name=\"%s\" type=\"string\">", name);
	xml_text(out, value);
	fputs("</fact>\n", out);
}

/* The probe and its parameters, as the rule's (and result's) check: what
 * exactly was verified, stated as data. Manual checks have none. */
static void check_element(FILE *out, const char *indent, const struct check_def *d)
{
	if (d->manual)
		return;
	char *params = d->params ? json_dumps(d->params, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	fprintf(out, "%s<check system=\"urn:cisreport:kind:", indent);
	xml_attr(out, d->kind_name);
	fprintf(out, "\">\n%s  <check-content>", indent);
	xml_text(out, params ? params : "{}");
	fprintf(out, "</check-content>\n%s</check>\n", indent);
	free(params);
}

static void write_rule(const struct report *r, const struct report_entry *e, FILE *out)
{
	const struct check_def *d = e->def;
	fprintf(out, "  <Rule id=\"" XCCDF_ID "rule_");
	xml_attr(out, d->name);
	fprintf(out, "\" selected=\"true\" severity=\"%s\">\n", level_severity(d->level));
	fputs("    <title>", out);
	xml_text(out, d->id);
	fputc(' ', out);
	xml_text(out, d->title);
	fputs("</title>\n", out);
	fputs("    <description>", out);
	xml_text(out, r->bm->name);
	fputc(' ', out);
	xml_text(out, r->bm->version);
	fprintf(out, " recommendation %s (level %d, %s), checked by cisreport's ", d->id,
		d->level, d->manual ? "Manual" : "Automatic");
	xml_text(out, d->kind_name);
	fputs(" probe.</description>\n", out);
	fputs("    <reference href=\"", out);
	xml_attr(out, r->bm->url);
	fputs("\">", out);
	xml_text(out, r->bm->name);
	fputc(' ', out);
	xml_text(out, r->bm->version);
	fputc(' ', out);
	xml_text(out, d->id);
	fputs("</reference>\n", out);
	if (d->remediation[0])
		element(out, "    ", "fixtext", d->remediation);
	check_element(out, "    ", d);
	fputs("  </Rule>\n", out);
}

static int write_rule_result(const struct report_entry *e, const char *time, FILE *out)
{
	const struct check_def *d = e->def;
	const struct check_result *res = &e->result;
	fputs("    <rule-result idref=\"" XCCDF_ID "rule_", out);
	xml_attr(out, d->name);
	fprintf(out, "\" role=\"full\" severity=\"%s\" time=\"%s\" weight=\"1.0\">\n",
		level_severity(d->level), time);
	fprintf(out, "      <result>%s</result>\n", xccdf_result(res));
	char *line = NULL;
	if (res->error && res->error[0]) {
		if (asprintf(&line, "reason: %s", res->error) < 0)
			return -ENOMEM;
		message(out, res->status == CHECK_FAIL ? "error"
			     : res->outcome == OUTCOME_UNABLE ? "warning"
							      : "info",
			line);
		free(line);
	}
	for (size_t i = 0; i < res->n_evidence; i++) {
		const struct evidence *ev = &res->evidence[i];
		if (asprintf(&line, "evidence: %s: expected %s, found %s", ev->item, ev->expected,
			     ev->actual) < 0)
			return -ENOMEM;
		message(out, ev->ok ? "info" : "error", line);
		free(line);
	}
	check_element(out, "      ", d);
	fputs("    </rule-result>\n", out);
	return 0;
}

int write_xccdf(const struct report *r, const struct writer_options *o, FILE *out)
{
	struct host_identity buf;
	const struct host_identity *id = writer_host(o, &buf);
	char start[32], end[32];
	format_time_s(&r->started, true, start, sizeof(start));
	format_time_s(r->finished.tv_sec ? &r->finished : &r->started, true, end, sizeof(end));

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fputs("<Benchmark xmlns=\"" XCCDF_NS "\" id=\"" XCCDF_ID "benchmark_", out);
	xml_attr(out, r->bm->type);
	fputs("\" resolved=\"1\" xml:lang=\"en-US\">\n", out);
	element(out, "  ", "status", "accepted");
	element(out, "  ", "title", r->bm->name);
	fputs("  <description>Results of ", out);
	xml_text(out, r->bm->name);
	fputc(' ', out);
	xml_text(out, r->bm->version);
	fprintf(out, " level %d, as reported by cisreport %s.</description>\n", r->level,
		CISREPORT_VERSION);
	fputs("  <reference href=\"", out);
	xml_attr(out, r->bm->url);
	fputs("\">", out);
	xml_text(out, r->bm->name);
	fputs("</reference>\n", out);
	element(out, "  ", "version", r->bm->version);
	fputs("  <metadata>\n    <dc:publisher xmlns:dc=\"" DC_NS "\">cisreport</dc:publisher>\n"
	      "    <dc:source xmlns:dc=\"" DC_NS "\">", out);
	xml_text(out, r->bm->url);
	fputs("</dc:source>\n  </metadata>\n", out);

	fprintf(out, "  <Profile id=\"" XCCDF_ID "profile_level%d\">\n", r->level);
	fprintf(out, "    <title>Level %d</title>\n", r->level);
	fprintf(out, "    <description>The checks of CIS level %d and below.</description>\n",
		r->level);
	for (size_t i = 0; i < r->n_entries; i++) {
		fputs("    <select idref=\"" XCCDF_ID "rule_", out);
		xml_attr(out, r->entries[i].def->name);
		fputs("\" selected=\"true\"/>\n", out);
	}
	fputs("  </Profile>\n", out);

	for (size_t i = 0; i < r->n_entries; i++)
		write_rule(r, &r->entries[i], out);

	fputs("  <TestResult id=\"" XCCDF_ID "testresult_", out);
	xml_attr(out, r->bm->type);
	fprintf(out, "_level%d\" start-time=\"%s\" end-time=\"%s\" test-system=\"cpe:/a:cisreport:cisreport:%s\" version=\"",
		r->level, start, end, CISREPORT_VERSION);
	xml_attr(out, r->bm->version);
	fputs("\">\n", out);
	fputs("    <title>", out);
	xml_text(out, r->bm->name);
	fprintf(out, " level %d results</title>\n", r->level);
	/* Who ran the scan: the user of this process. */
	struct passwd *pw = getpwuid(geteuid());
	fprintf(out, "    <identity authenticated=\"true\" privileged=\"%s\">",
		geteuid() == 0 ? "true" : "false");
	if (pw)
		xml_text(out, pw->pw_name);
	else
		fprintf(out, "uid %u", (unsigned)geteuid());
	fputs("</identity>\n", out);
	fprintf(out, "    <profile idref=\"" XCCDF_ID "profile_level%d\"/>\n", r->level);
	element(out, "    ", "target", id && id->hostname[0] ? id->hostname : "unknown");
	if (id) {
		fputs("    <target-facts>\n", out);
		fact(out, "urn:xccdf:fact:asset:identifier:host_name", id->hostname);
		fact(out, "urn:cisreport:fact:machine-id", id->machine_id);
		fact(out, "urn:cisreport:fact:boot-id", id->boot_id);
		fact(out, "urn:cisreport:fact:os", host_identity_os(id, "PRETTY_NAME"));
		fact(out, "urn:cisreport:fact:kernel", id->kernel_release);
		fact(out, "urn:cisreport:fact:arch", id->arch);
		fputs("    </target-facts>\n", out);
	}
	int rc = 0;
	for (size_t i = 0; i < r->n_entries && !rc; i++)
		rc = write_rule_result(&r->entries[i], end, out);
	/* The default model: passes over passes and fails, equal weights. */
	double score = r->passed + r->failed ? 100.0 * (double)r->passed /
						       (double)(r->passed + r->failed)
					     : 0.0;
	fprintf(out,
		"    <score system=\"urn:xccdf:scoring:default\" maximum=\"100.000000\">%.6f</score>\n",
		score);
	fputs("  </TestResult>\n</Benchmark>\n", out);
	if (id == &buf)
		host_identity_free(&buf);
	if (rc)
		return rc;
	return ferror(out) ? -EIO : 0;
}
