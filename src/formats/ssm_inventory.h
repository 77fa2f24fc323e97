/* AWS Systems Manager custom inventory: the files the SSM agent collects
 * from <ssm dir>/<instance-id>/inventory/custom/ when an inventory
 * association has custom inventory enabled.
 *
 * Two types: Custom:CISBenchmark (one entry per check) and
 * Custom:CISBenchmarkSummary (one entry per report). SSM's rules, all kept:
 * values are strings only; attribute names 1-64 characters, the same in
 * every file; values at most 4096; at most 50 attributes per type; at most
 * 200 KB per type (over-long evidence and reasons are cut deterministically
 * and say so); TypeName "Custom:..." of at most 100 characters. */
#ifndef CISREPORT_SSM_INVENTORY_H
#define CISREPORT_SSM_INVENTORY_H

#include <stddef.h>

#include "writer.h"
#include "core/host.h"

#define SSM_TYPE_CHECKS "Custom:CISBenchmark"
#define SSM_TYPE_SUMMARY "Custom:CISBenchmarkSummary"
#define SSM_VALUE_MAX 4096
/* SSM's "200 KB per type", counted conservatively as 200,000 bytes of file. */
#define SSM_TYPE_BYTES_MAX 200000
#define SSM_ATTRIBUTES_MAX 50
#define SSM_FOLDER_FILES_MAX 20

/* Where the agent keeps its state, on a Linux host and on Bottlerocket
 * (where the agent runs in the control host-container). */
#define SSM_STATE_DIR "/var/lib/amazon/ssm"
#define SSM_BOTTLEROCKET_STATE_DIR "/local/host-containers/control/ssm"

/* The two inventory files' text (compact JSON, no newline). malloc'd. */
int ssm_documents(const struct report *r, const struct writer_options *o, char **checks,
		  char **summary);

/* The custom inventory folder on host h: <state dir>/<instance-id>/
 * inventory/custom, for the one instance directory (i-... or mi-...) found
 * under SSM_STATE_DIR, else SSM_BOTTLEROCKET_STATE_DIR; when several exist,
 * the most recently modified (the agent's current registration). Returns 0
 * or -ENOENT with the places looked at in err. */
int ssm_inventory_dir(const struct host *h, char *buf, size_t size, char *err, size_t err_size);

/* Write CISBenchmark.json and CISBenchmarkSummary.json atomically into dir
 * (dir and its parent are created if missing). Refuses when the folder would
 * then hold more than 20 files (SSM fails the whole collection). Returns 0
 * or -errno with err set. */
int ssm_inventory_write(const char *dir, const struct report *r, const struct writer_options *o,
			char *err, size_t err_size);

#endif
