/* Report writers: one per output format, all over the same report model. */
#ifndef CISREPORT_WRITER_H
#define CISREPORT_WRITER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "report/report.h"

struct host_identity;
struct pci_map;

struct writer_options {
	bool verbose; /* text: evidence and remediation under each check */
	/* The host the report describes (XCCDF target, ASFF ids and resource,
	 * SSM summary, JUnit hostname), for the formats that name it. NULL: a
	 * writer that needs it reads it through report_host, else the live
	 * machine's. */
	const struct host_identity *host;
	/* The handle the report was run through (its root, its read memo):
	 * where that identity is read, only by a writer that needs it, so a
	 * JSON or text report reads none. */
	const struct host *report_host;
	/* ASFF: AWS account (12 digits), region and the resource the findings
	 * are about (an EC2 instance id "i-...", "mi-...", or an ARN). NULL:
	 * taken from the environment (see write_asff.c). */
	const char *aws_account;
	const char *aws_region;
	const char *resource_id;
	/* Optional: PCI DSS 2.2 mapping, adds related requirements (ASFF). */
	const struct pci_map *pci;
	/* Optional: where a writer that fails says why, when its return value
	 * alone would not (ASFF: "... libcrypto.so.3 not available: ...");
	 * left as it was when the writer has nothing to add. */
	char *error;
	size_t error_size;
};

struct report_writer {
	const char *name;         /* value of -f / format= */
	const char *content_type; /* for the API */
	int (*write)(const struct report *r, const struct writer_options *o, FILE *out);
	/* Optional: are the options this format needs present? 0, or -EINVAL
	 * with a message naming the flag / environment variable in err. */
	int (*check_options)(const struct writer_options *o, char *err, size_t err_size);
	/* Optional, for a format built in memory anyway: the whole output in
	 * one malloc'd, NUL-terminated buffer (the caller frees *buf), which report_render (the
	 * API's bodies) takes as it is instead of copying it through a memory
	 * stream. The same bytes write gives. 0 or -errno. */
	int (*render)(const struct report *r, const struct writer_options *o, char **buf,
		      size_t *len);
};

const struct report_writer *report_writer_find(const char *name);

/* A writer's whole output, len bytes, to out: on a FILE with a descriptor,
 * whatever out buffered is flushed and buf goes in one write() (more only
 * when the kernel takes less); on a memory stream, fwrite. 0, or -EIO with
 * errno telling why (ENOSPC...). */
int writer_emit(FILE *out, const char *buf, size_t len);
/* A writer's write made of its render: the whole output rendered, then
 * emitted as writer_emit does. */
int writer_emit_rendered(int (*render)(const struct report *r, const struct writer_options *o,
				       char **buf, size_t *len),
			 const struct report *r, const struct writer_options *o, FILE *out);
/* "text, json, ..." for usage messages. */
const char *report_writer_names(void);

/* The bloodhound-compatible JSON document (extended), for writers and the API. */
json_t *report_to_json(const struct report *r);
/* The same, with the runtime entries riding along in "results" too when
 * with_runtime (the evidence bundle's runtime.json reads them there). */
json_t *report_to_json_runtime(const struct report *r, bool with_runtime);

int write_text(const struct report *r, const struct writer_options *o, FILE *out);
int render_text(const struct report *r, const struct writer_options *o, char **buf, size_t *len);
int write_json(const struct report *r, const struct writer_options *o, FILE *out);
int render_json(const struct report *r, const struct writer_options *o, char **buf, size_t *len);
/* SSM custom inventory: one inventory document per line (checks, summary). */
int write_ssm(const struct report *r, const struct writer_options *o, FILE *out);
/* XCCDF 1.2: a Benchmark with a Rule per check and the TestResult. */
int write_xccdf(const struct report *r, const struct writer_options *o, FILE *out);
/* Security Hub ASFF: one JSON array of at most 100 findings per line. */
int write_asff(const struct report *r, const struct writer_options *o, FILE *out);
int asff_check_options(const struct writer_options *o, char *err, size_t err_size);
/* JUnit XML: a testcase per check. */
int write_junit(const struct report *r, const struct writer_options *o, FILE *out);

#endif
