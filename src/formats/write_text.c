/* Text: bloodhound's layout, byte for byte: the benchmark's items only
 * (runtime entries riding along are the runtime report's, and the
 * exports'). --verbose adds indented evidence and remediation lines under
 * each check, and under an item backed by runtime checks that ran, an
 * indented "observed:" line per check. Written in one pass into one buffer
 * (a memory stream), then handed over in one write() (writer_emit). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

static void write_details(const struct report_entry *e, FILE *out)
{
	const struct check_result *res = &e->result;
	for (size_t i = 0; i < res->n_evidence; i++) {
		const struct evidence *ev = &res->evidence[i];
		fprintf(out, "          %s %s: expected %s, found %s\n", ev->ok ? "ok " : "BAD",
			ev->item, ev->expected, ev->actual);
	}
	if (res->status != CHECK_PASS && res->error && res->error[0])
		fprintf(out, "          reason: %s\n", res->error);
	if (res->status == CHECK_FAIL && e->def->remediation[0])
		fprintf(out, "          remediation: %s\n", e->def->remediation);
	if (e->waiver)
		fprintf(out, "          waiver: %s %s, approved by %s: %s\n",
			e->waiver->expired ? "EXPIRED since" : "active until", e->waiver->expires,
			e->waiver->approved_by, e->waiver->reason);
}

/* Runtime evidence for this item, one line per backing runtime check:
 * with --verbose, when runtime checks ran (--observe, or the daemon). */
static void write_observed(const struct report *r, const struct report_entry *e, FILE *out)
{
	for (size_t i = 0; i < e->n_observed; i++) {
		const struct report_entry *rt = &r->entries[e->observed[i]];
		const struct check_result *res = &rt->result;
		/* narrowed to this item's subjects when the runtime check says so */
		const json_t *item = json_object_get(json_object_get(res->observation, "items"),
						     e->def->id);
		const char *status = json_string_value(json_object_get(item, "status"));
		const char *what = json_string_value(json_object_get(item, "summary"));
		if (!status || !what) {
			status = check_status_name(res->status);
			what = res->error && res->error[0] ? res->error
			       : res->n_evidence           ? res->evidence[0].actual
							   : "";
		}
		fprintf(out, "          observed: [%s] %s (%s)\n", status, what, rt->def->id);
	}
}

static int text_body(const struct report *r, const struct writer_options *o, FILE *out)
{
	if (r->bm->name)
		fprintf(out, "%-17s%s\n", "Benchmark name:", r->bm->name);
	if (r->bm->version)
		fprintf(out, "%-17s%s\n", "Version:", r->bm->version);
	if (r->bm->url)
		fprintf(out, "%-17s%s\n", "Reference:", r->bm->url);
	fprintf(out, "%-17s%d\n", "Benchmark level:", r->level);
	fprintf(out, "%-17s%s\n\n", "Start time:", r->timestamp);
	for (size_t i = 0; i < r->n_entries; i++) {
		const struct report_entry *e = &r->entries[i];
		if (e->runtime)
			continue;
		fprintf(out, "[%s] %-9s %s (%s)\n", check_status_name(e->result.status), e->def->id,
			e->def->title, e->def->manual ? "Manual" : "Automatic");
		if (o && o->verbose) {
			write_observed(r, e, out);
			write_details(e, out);
		}
	}
	fprintf(out, "\n%-17s%zu\n", "Passed:", r->passed);
	fprintf(out, "%-17s%zu\n", "Failed:", r->failed);
	fprintf(out, "%-17s%zu\n", "Skipped:", r->skipped);
	fprintf(out, "%-17s%zu\n\n", "Total checks:", r->total);
	fprintf(out, "Compliance check result: %s\n", check_status_name(r->status));
	return ferror(out) ? -EIO : 0;
}

int render_text(const struct report *r, const struct writer_options *o, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	FILE *mem = open_memstream(buf, len);
	if (!mem)
		return -ENOMEM;
	int rc = text_body(r, o, mem);
	if (fclose(mem) == EOF && !rc)
		rc = -ENOMEM;
	if (rc) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	return rc;
}

int write_text(const struct report *r, const struct writer_options *o, FILE *out)
{
	return writer_emit_rendered(render_text, r, o, out);
}
