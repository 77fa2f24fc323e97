/* PCI DSS 2.2 audit evidence bundles: a directory holding the report (JSON
 * and text), the exact profiles, mapping and settings used, the host's
 * identity, the PCI DSS 2.2.x mapping of every check, the waivers (active
 * and expired), the runtime observations, a SHA-256 manifest of every file
 * and, optionally, a detached OpenSSL signature of the manifest. Layout:
 * docs/evidence.md.
 *
 *   BUNDLE/bundle.json          what this is: benchmark, level, host, scan time,
 *                               settings and observation used, signer
 *   BUNDLE/report.json          the report, as -f json writes it
 *   BUNDLE/report.txt           the report, as -f text -v writes it
 *   BUNDLE/host.json            hostname, machine-id, boot id, os-release, kernel
 *   BUNDLE/pci-dss-2.2.json     every check -> 2.2.x; requirements no check covers
 *   BUNDLE/waivers.json         the waivers, active and expired, with their
 *                               justification and the checks' real status
 *   BUNDLE/runtime.json         the runtime observations, or a statement that
 *                               runtime observation was not enabled
 *   BUNDLE/settings.json        the --settings file used, byte for byte
 *   BUNDLE/profiles/...         the profile files used, byte for byte
 *   BUNDLE/mapping/pci-dss-2.2.json  the mapping data used, byte for byte
 *   BUNDLE/signer.pub.pem       public key of the signer (signed bundles)
 *   BUNDLE/manifest.sha256      "<sha256>  <path>" per file above, sorted (sha256sum -c)
 *   BUNDLE/manifest.sig         signature of manifest.sha256 (signed bundles) */
#ifndef CISREPORT_EVIDENCE_H
#define CISREPORT_EVIDENCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "signing.h"
#include "core/host_identity.h"
#include "report/pci_map.h"
#include "report/profile.h"
#include "report/report.h"
#include "settings/settings.h"

#define EVIDENCE_FORMAT "cisreport-evidence"
#define EVIDENCE_FORMAT_VERSION 1
#define EVIDENCE_MANIFEST "manifest.sha256"
#define EVIDENCE_SIGNATURE "manifest.sig"
#define EVIDENCE_PUBKEY "signer.pub.pem"
#define EVIDENCE_SETTINGS "settings.json"

/* The observation window of a bundle made with --observe. */
struct evidence_observation {
	long requested_ms;
	long observed_ms;          /* waited (Ctrl-C ends the window early) */
	struct timespec started;   /* wall clock */
	struct timespec ended;
	const char *unavailable;   /* why the observer did not run; NULL: it ran */
};

struct evidence_input {
	const struct report *report;
	const struct profile *profile;
	const struct host_identity *host;
	const struct pci_map *pci;
	const char *sign_key; /* private key PEM path, NULL: unsigned */
	/* The settings the report was built with (report_build applied its
	 * waivers), the path given and the file's bytes (copied into the
	 * bundle). NULL settings: no --settings. */
	const struct settings *settings;
	const char *settings_path;
	const char *settings_text;
	size_t settings_len;
	/* NULL: runtime observation was not enabled for this bundle. */
	const struct evidence_observation *observation;
};

/* Write a new bundle at path (which must not exist) atomically: it is built
 * in a temporary directory beside it ("<path>.tmp.XXXXXX", mode 0700,
 * locked by this writer) and renamed into place, never over anything; on
 * any error the temporary tree is removed. Returns 0 or -errno with the
 * reason in err (-ELIBACC: libcrypto, which hashes and signs, cannot be
 * loaded; nothing is written then). */
int evidence_bundle_write(const char *path, const struct evidence_input *in, char *err,
			  size_t err_size);

/* Remove what writers killed mid-way (kill -9, power loss) left beside
 * path: the temporary directories of path, and those of other bundles in
 * its directory that hold nothing but bundle files; never one a running
 * writer holds, never another user's (util/atomic_file). Calls
 * removed(tmp) for each. Returns how many, or -errno. */
int evidence_bundle_remove_stale(const char *path, void (*removed)(const char *tmp, void *arg),
				 void *arg);

/* The waivers and runtime documents of a bundle; report_json is
 * report_to_json(in->report). Exposed for the tests. NULL: out of memory,
 * or (waivers, with settings) libcrypto cannot be loaded to hash them. */
json_t *evidence_waivers_json(const struct evidence_input *in, const json_t *report_json);
json_t *evidence_runtime_json(const struct evidence_input *in, const json_t *report_json);

struct evidence_verification {
	size_t files;        /* files listed in the manifest */
	size_t problems;     /* each one printed */
	bool is_signed;
	bool signature_ok;
	bool key_given;      /* checked against --key rather than the bundle's own key */
	char algorithm[32];
	char fingerprint[SIGN_FINGERPRINT_SIZE];
};

/* Check every hash in the manifest, that no file is missing or added, and
 * the signature: against key_path when given (required then), else against
 * the bundle's own signer.pub.pem (integrity only, not who signed). Each
 * problem is printed to problems as "<bundle>: <what is wrong>". Returns 0
 * when the bundle verifies, -EBADMSG when problems were found, or -errno
 * when verification could not start (message in err; -ELIBACC: libcrypto
 * cannot be loaded, so no hash can be checked). */
int evidence_bundle_verify(const char *path, const char *key_path, FILE *problems,
			   struct evidence_verification *v, char *err, size_t err_size);

/* The manifest check of evidence_bundle_verify over the manifest's bytes
 * (the lines, their hashes and paths; no files): 0, -EBADMSG with each
 * problem printed to problems, or -ENOMEM. For tests and fuzzing. */
int evidence_manifest_check(const char *text, size_t len, FILE *problems,
			    struct evidence_verification *v);

#endif
