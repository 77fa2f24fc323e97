/* Evidence bundles: contents, signing with each key type, and every kind
 * of tampering named by verify. */
#include "report_fixture.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "evidence/evidence.h"
#include "formats/writer.h"
#include "settings/report_build.h"
#include "settings/settings.h"
#include "util/safe_file.h"

static struct report_fixture fx;
static struct pci_map pci;
static char *work; /* keys and bundles */

static void write_key(EVP_PKEY *key, const char *name, bool encrypted)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s.pem", work, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	if (encrypted)
		assert_int_equal(PEM_write_PrivateKey(f, key, EVP_aes_256_cbc(),
						      (unsigned char *)"secret", 6, NULL, NULL),
				 1);
	else
		assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s.pub", work, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, key), 1);
	fclose(f);
	EVP_PKEY_free(key);
}

static int setup(void **state)
{
	(void)state;
	fixture_run(&fx, FIXTURE_CHECKS);
	char err[1024];
	assert_int_equal(pci_map_load(PROFILES "/" PCI_MAP_FILE, &pci, err, sizeof(err)), 0);
	work = make_temp_dir();
	write_key(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), "ed25519", false);
	write_key(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), "other", false);
	write_key(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), "ec", false);
	write_key(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048), "rsa", false);
	write_key(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024), "rsa1024", false);
	write_key(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), "encrypted", true);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pci_map_free(&pci);
	fixture_free(&fx);
	rm_tree(work);
	free(work);
	return 0;
}

static char *path_in(const char *rel)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", work, rel) > 0);
	return p;
}

/* Write a bundle named name, signed with key (NULL: unsigned). */
static char *make_bundle(const char *name, const char *key)
{
	char *bundle = path_in(name);
	char *key_path = key ? path_in(key) : NULL;
	struct evidence_input in = {
		.report = &fx.r, .profile = &fx.p, .host = &fx.id, .pci = &pci, .sign_key = key_path};
	char err[1024];
	int rc = evidence_bundle_write(bundle, &in, err, sizeof(err));
	if (rc)
		fail_msg("bundle: %s", err);
	free(key_path);
	return bundle;
}

/* Verify; returns the problems printed ("" when none). */
static char *verify(const char *bundle, const char *key, int *rc,
		    struct evidence_verification *v)
{
	char *key_path = key ? path_in(key) : NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	char err[1024] = "";
	*rc = evidence_bundle_verify(bundle, key_path, out, v, err, sizeof(err));
	fclose(out);
	free(key_path);
	if (*rc != 0 && *rc != -EBADMSG) {
		free(buf);
		return strdup(err);
	}
	return buf;
}

static void assert_verifies(const char *bundle, const char *key)
{
	struct evidence_verification v;
	int rc;
	char *problems = verify(bundle, key, &rc, &v);
	if (rc)
		fail_msg("verify %s with %s: %s", bundle, key ? key : "(own key)", problems);
	free(problems);
}

/* Verification fails and names what is wrong. */
static void assert_problem(const char *bundle, const char *key, const char *needle)
{
	struct evidence_verification v;
	int rc;
	char *problems = verify(bundle, key, &rc, &v);
	assert_int_equal(rc, -EBADMSG);
	if (!strstr(problems, needle))
		fail_msg("problems \"%s\" do not name \"%s\"", problems, needle);
	free(problems);
}

static char *slurp(const char *dir, const char *rel, size_t *len)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);
	int c;
	while ((c = fgetc(f)) != EOF)
		fputc(c, out);
	fclose(f);
	fclose(out);
	if (len)
		*len = size;
	return buf;
}

static void bundle_contents(void **state)
{
	(void)state;
	char *b = make_bundle("contents", NULL);
	static const char *const files[] = {"bundle.json", "report.json", "report.txt", "host.json",
					    "pci-dss-2.2.json", "waivers.json", "runtime.json",
					    "profiles/level1/test.json", "mapping/pci-dss-2.2.json",
					    "manifest.sha256", NULL};
	for (size_t i = 0; files[i]; i++) {
		char *t = slurp(b, files[i], NULL);
		if (!t)
			fail_msg("bundle lacks %s", files[i]);
		free(t);
	}
	assert_null(slurp(b, "manifest.sig", NULL));
	assert_null(slurp(b, "signer.pub.pem", NULL));
	/* the profile is the exact file */
	char *orig = slurp(fx.profiles, "level1/test.json", NULL);
	char *copy = slurp(b, "profiles/level1/test.json", NULL);
	assert_string_equal(orig, copy);
	free(orig);
	free(copy);
	/* the manifest: sorted "sha256  path" lines, every file but itself */
	char *manifest = slurp(b, "manifest.sha256", NULL);
	assert_non_null(strstr(manifest, "  bundle.json\n"));
	assert_non_null(strstr(manifest, "  profiles/level1/test.json\n"));
	assert_null(strstr(manifest, "manifest.sha256"));
	char prev[256] = "";
	size_t lines = 0;
	for (char *line = strtok(manifest, "\n"); line; line = strtok(NULL, "\n"), lines++) {
		assert_true(strlen(line) > 66);
		assert_true(strcmp(prev, line + 66) < 0);
		snprintf(prev, sizeof(prev), "%s", line + 66);
	}
	assert_int_equal(lines, 9);
	free(manifest);
	/* the documents */
	char meta_path[PATH_MAX];
	snprintf(meta_path, sizeof(meta_path), "%s/bundle.json", b);
	json_t *meta = json_load_file(meta_path, 0, NULL);
	assert_non_null(meta);
	assert_string_equal(json_string_value(json_object_get(meta, "format")), "cisreport-evidence");
	assert_true(json_is_null(json_object_get(meta, "signature")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(meta, "host"), "machine_id")),
			    "0123456789abcdef0123456789abcdef");
	json_decref(meta);
	char *text = slurp(b, "report.txt", NULL);
	assert_non_null(strstr(text, "[FAIL] 1.4.2"));
	assert_non_null(strstr(text, "remediation: Set kernel.randomize_va_space = 2")); /* verbose */
	free(text);
	char *host = slurp(b, "host.json", NULL);
	assert_non_null(strstr(host, "\"PRETTY_NAME\": \"Bottlerocket OS 1.20.0 (aws-k8s-1.29)\""));
	free(host);
	assert_verifies(b, NULL);
	/* a bundle is never overwritten */
	struct evidence_input in = {.report = &fx.r, .profile = &fx.p, .host = &fx.id, .pci = &pci};
	char err[1024];
	assert_int_equal(evidence_bundle_write(b, &in, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "already exists"));
	free(b);
}

static void sign_with_each_key_type(void **state)
{
	(void)state;
	static const char *const keys[] = {"ed25519", "ec", "rsa"};
	static const char *const algs[] = {"ed25519", "ecdsa-sha256", "rsa-pkcs1-sha256"};
	for (size_t i = 0; i < 3; i++) {
		char name[64], key[64], pub[64];
		snprintf(name, sizeof(name), "signed-%s", keys[i]);
		snprintf(key, sizeof(key), "%s.pem", keys[i]);
		snprintf(pub, sizeof(pub), "%s.pub", keys[i]);
		char *b = make_bundle(name, key);
		struct evidence_verification v;
		int rc;
		char *problems = verify(b, pub, &rc, &v);
		if (rc)
			fail_msg("%s: %s", keys[i], problems);
		free(problems);
		assert_true(v.is_signed && v.signature_ok && v.key_given);
		assert_string_equal(v.algorithm, algs[i]);
		assert_int_equal(v.files, 10); /* + signer.pub.pem */
		/* the fingerprint in bundle.json is the signer's */
		char *meta = slurp(b, "bundle.json", NULL);
		assert_non_null(strstr(meta, v.fingerprint));
		free(meta);
		assert_verifies(b, NULL); /* own key: integrity */
		assert_verifies(b, key);  /* a private key names its public key too */
		/* another key: named */
		assert_problem(b, "other.pub", "signature does not verify with key ");
		free(b);
	}
}

static void unusable_keys_are_refused(void **state)
{
	(void)state;
	struct evidence_input in = {.report = &fx.r, .profile = &fx.p, .host = &fx.id, .pci = &pci};
	char err[1024];
	char *b = path_in("never");
	char *k = path_in("rsa1024.pem");
	in.sign_key = k;
	assert_int_equal(evidence_bundle_write(b, &in, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "RSA key of 1024 bits is too small"));
	free(k);
	k = path_in("encrypted.pem");
	in.sign_key = k;
	assert_int_equal(evidence_bundle_write(b, &in, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "encrypted"));
	free(k);
	k = path_in("ed25519.pub");
	in.sign_key = k;
	assert_int_equal(evidence_bundle_write(b, &in, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a PEM private key"));
	free(k);
	k = path_in("missing.pem");
	in.sign_key = k;
	assert_int_equal(evidence_bundle_write(b, &in, err, sizeof(err)), -ENOENT);
	free(k);
	/* nothing left behind: no bundle, no temporary directory */
	DIR *d = opendir(work);
	struct dirent *de;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "never", 5) == 0)
			fail_msg("left behind: %s", de->d_name);
	closedir(d);
	free(b);
	/* verify: a key that cannot be read is an error, not a verdict */
	char *good = make_bundle("keyerr", "ed25519.pem");
	struct evidence_verification v;
	int rc;
	char *msg = verify(good, "missing.pub", &rc, &v);
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(msg, "--key "));
	free(msg);
	free(good);
}

/* A fresh signed copy to damage. */
static char *damaged(const char *name, const char *key)
{
	return make_bundle(name, key);
}

__attribute__((format(printf, 1, 2))) static void run(const char *fmt, ...)
{
	char cmd[PATH_MAX * 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static void tampering_is_named(void **state)
{
	(void)state;
	char *b;
	/* a changed byte */
	b = damaged("t-byte", "ed25519.pem");
	run("cd '%s' && printf 'x' | dd of=report.json bs=1 seek=10 conv=notrunc 2>/dev/null", b);
	assert_problem(b, "ed25519.pub", "file report.json: SHA-256 mismatch");
	free(b);
	/* a missing file */
	b = damaged("t-missing", NULL);
	run("rm '%s/host.json'", b);
	assert_problem(b, NULL, "file host.json: listed in manifest but missing");
	free(b);
	/* an added file, also in a subfolder */
	b = damaged("t-added", NULL);
	run("echo extra > '%s/profiles/level1/extra.json'", b);
	assert_problem(b, NULL, "file profiles/level1/extra.json: not in manifest");
	free(b);
	/* a symbolic link in place of a file */
	b = damaged("t-link", NULL);
	run("cd '%s' && rm waivers.json && ln -s report.json waivers.json", b);
	assert_problem(b, NULL, "file waivers.json: a symbolic link");
	free(b);
	/* the wrong key */
	b = damaged("t-key", "ec.pem");
	assert_problem(b, "rsa.pub", "signature does not verify with key");
	free(b);
	/* unsigned, but a key is required */
	b = damaged("t-unsigned", NULL);
	assert_problem(b, "ed25519.pub", "bundle is unsigned but --key was given");
	free(b);
	/* the signature removed from a signed bundle */
	b = damaged("t-nosig", "ed25519.pem");
	run("rm '%s/manifest.sig'", b);
	assert_problem(b, NULL, "manifest.sig: missing, but bundle.json records a signature");
	assert_problem(b, "ed25519.pub", "bundle is unsigned but --key was given");
	free(b);
	/* a forged manifest (file changed and re-hashed): the signature fails */
	b = damaged("t-forged", "ed25519.pem");
	run("cd '%s' && echo '{}' > waivers.json && grep -v '  waivers.json$' manifest.sha256 > m && "
	       "sha256sum waivers.json >> m && sort -k2 m > manifest.sha256 && rm m", b);
	assert_problem(b, "ed25519.pub", "signature does not verify with key");
	assert_problem(b, NULL, "signature does not verify with the bundle's own key");
	free(b);
	/* the signer's key swapped */
	b = damaged("t-swap", "ed25519.pem");
	char cmd[PATH_MAX];
	snprintf(cmd, sizeof(cmd), "%s/other.pub", work);
	run("cp '%s' '%s/signer.pub.pem'", cmd, b);
	assert_problem(b, NULL, "file signer.pub.pem: SHA-256 mismatch");
	assert_problem(b, NULL, "signer.pub.pem: fingerprint");
	free(b);
	/* a malformed manifest line, and no manifest */
	b = damaged("t-manifest", NULL);
	run("echo 'garbage line' >> '%s/manifest.sha256'", b);
	assert_problem(b, NULL, "manifest.sha256 line 10: malformed");
	run("rm '%s/manifest.sha256'", b);
	assert_problem(b, NULL, "manifest.sha256: missing");
	free(b);
	/* a path escaping the bundle */
	b = damaged("t-escape", NULL);
	run("echo '0000000000000000000000000000000000000000000000000000000000000000  ../x' >> "
		  "'%s/manifest.sha256'", b);
	assert_problem(b, NULL, "path \"../x\" is not allowed");
	free(b);
}

static json_t *load_json(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	json_error_t e;
	json_t *doc = json_load_file(path, 0, &e);
	if (!doc)
		fail_msg("%s: %s", path, e.text);
	return doc;
}

static const json_t *waiver_of(const json_t *waivers, const char *list, const char *check)
{
	size_t i;
	const json_t *w;
	json_array_foreach(json_object_get(waivers, list), i, w)
		if (strcmp(json_string_value(json_object_get(w, "check")), check) == 0)
			return w;
	fail_msg("%s: no waiver for %s", list, check);
	return NULL;
}

static const char *str_at(const json_t *o, const char *k1, const char *k2)
{
	const json_t *v = json_object_get(o, k1);
	if (k2)
		v = json_object_get(v, k2);
	return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

/* Without --settings and --observe: plain statements, no invented data. */
static void no_settings_no_observation(void **state)
{
	(void)state;
	char *b = make_bundle("plain", NULL);
	json_t *w = load_json(b, "waivers.json");
	assert_true(json_is_null(json_object_get(w, "settings")));
	assert_non_null(strstr(str_at(w, "statement", NULL), "No settings file was given"));
	assert_int_equal(json_integer_value(json_object_get(w, "count")), 0);
	assert_int_equal(json_array_size(json_object_get(w, "waivers")), 0);
	json_decref(w);
	json_t *rt = load_json(b, "runtime.json");
	assert_true(json_is_false(json_object_get(rt, "enabled")));
	assert_non_null(strstr(str_at(rt, "statement", NULL),
			       "Runtime observation was not enabled for this bundle"));
	assert_null(json_object_get(rt, "window"));
	assert_int_equal(json_object_size(json_object_get(rt, "checks")), 0);
	assert_int_equal(json_object_size(json_object_get(rt, "backed")), 0);
	json_decref(rt);
	json_t *meta = load_json(b, "bundle.json");
	assert_true(json_is_null(json_object_get(meta, "settings")));
	assert_true(json_is_null(json_object_get(meta, "observation")));
	json_decref(meta);
	assert_null(slurp(b, "settings.json", NULL));
	free(b);
}

#define SETTINGS_TEXT                                                                            \
	"{\"level\": 1,\n \"waivers\": {\n"                                                       \
	"  \"br01040200\": {\"reason\": \"ASLR off for a legacy debugger, ticket SEC-1\",\n"      \
	"                 \"expires\": \"2099-12-31T23:59:59Z\", \"approved-by\": \"CISO\"},\n"      \
	"  \"br01040100\": {\"reason\": \"core dumps for crash triage, ticket SEC-2\",\n"         \
	"                 \"expires\": \"2020-01-01T00:00:00Z\", \"approved-by\": \"security team\"},\n" \
	"  \"br09090900\": {\"reason\": \"typo\", \"expires\": \"2099-01-01T00:00:00Z\",\n"          \
	"                 \"approved-by\": \"nobody\"}}}\n"

/* --settings: the report is built with the waivers (report_build), the
 * bundle lists active and expired ones with the checks' real status, as the
 * report JSON carries them, and holds the settings file itself. */
static void waivers_from_settings(void **state)
{
	(void)state;
	json_t *doc = json_loads(SETTINGS_TEXT, 0, NULL);
	assert_non_null(doc);
	struct settings defaults, s;
	char err[1024];
	assert_int_equal(settings_init(&defaults), 0);
	if (settings_patch(&defaults, doc, NULL, &s, err, sizeof(err)))
		fail_msg("settings: %s", err);
	settings_free(&defaults);
	json_decref(doc);
	struct report r;
	struct report_selection sel = {.level = 1};
	assert_int_equal(report_build(&fx.h, &fx.p, &sel, &s, &r), 0);
	char *b = path_in("waived");
	struct evidence_input in = {.report = &r,
				    .profile = &fx.p,
				    .host = &fx.id,
				    .pci = &pci,
				    .settings = &s,
				    .settings_path = "/etc/cisreport/settings.json",
				    .settings_text = SETTINGS_TEXT,
				    .settings_len = strlen(SETTINGS_TEXT)};
	if (evidence_bundle_write(b, &in, err, sizeof(err)))
		fail_msg("bundle: %s", err);

	json_t *w = load_json(b, "waivers.json");
	assert_string_equal(str_at(w, "settings", "file"), "settings.json");
	assert_string_equal(str_at(w, "settings", "source"), "/etc/cisreport/settings.json");
	assert_string_equal(str_at(w, "judged_at", NULL), r.timestamp);
	assert_int_equal(json_integer_value(json_object_get(w, "count")), 2);
	assert_int_equal(json_integer_value(json_object_get(w, "active")), 1);
	assert_int_equal(json_integer_value(json_object_get(w, "expired")), 1);
	const json_t *aslr = waiver_of(w, "waivers", "br01040200");
	assert_string_equal(str_at(aslr, "id", NULL), "1.4.2");
	assert_string_equal(str_at(aslr, "status", NULL), "FAIL"); /* the real status */
	assert_string_equal(str_at(aslr, "waiver", "reason"),
			    "ASLR off for a legacy debugger, ticket SEC-1");
	assert_string_equal(str_at(aslr, "waiver", "approved_by"), "CISO");
	assert_string_equal(str_at(aslr, "waiver", "expires"), "2099-12-31T23:59:59Z");
	assert_string_equal(str_at(aslr, "waiver", "state"), "active");
	const json_t *dumps = waiver_of(w, "waivers", "br01040100");
	assert_string_equal(str_at(dumps, "status", NULL), "PASS");
	assert_string_equal(str_at(dumps, "waiver", "state"), "expired");
	assert_string_equal(str_at(dumps, "waiver", "approved_by"), "security team");
	/* a waiver naming no check of the report is shown, with why */
	const json_t *typo = waiver_of(w, "not_in_report", "br09090900");
	assert_non_null(strstr(str_at(typo, "why", NULL),
			       "no check named \"br09090900\" in the profiles of benchmark bottlerocket"));
	assert_string_equal(str_at(typo, "waiver", "state"), "active");
	/* each waiver object is the report JSON's, field for field */
	json_t *report = load_json(b, "report.json");
	const json_t *results = json_object_get(report, "results");
	assert_true(json_equal(json_object_get(json_object_get(results, "br01040200"), "waiver"),
			       json_object_get(aslr, "waiver")));
	assert_true(json_equal(json_object_get(json_object_get(results, "br01040100"), "waiver"),
			       json_object_get(dumps, "waiver")));
	json_decref(report);
	json_decref(w);
	/* the settings file, byte for byte, listed in the manifest */
	char *copy = slurp(b, "settings.json", NULL);
	assert_non_null(copy);
	assert_string_equal(copy, SETTINGS_TEXT);
	free(copy);
	char *manifest = slurp(b, "manifest.sha256", NULL);
	assert_non_null(strstr(manifest, "  settings.json\n"));
	free(manifest);
	json_t *meta = load_json(b, "bundle.json");
	assert_string_equal(str_at(meta, "settings", "source"), "/etc/cisreport/settings.json");
	json_decref(meta);
	/* the mapping marks the waived checks */
	json_t *map = load_json(b, "pci-dss-2.2.json");
	size_t i;
	const json_t *c;
	size_t marked = 0;
	json_array_foreach(json_object_get(map, "checks"), i, c)
		if (json_object_get(c, "waiver"))
			marked++;
	assert_int_equal(marked, 2);
	json_decref(map);
	assert_verifies(b, NULL);
	/* a changed settings copy is named */
	run("cd '%s' && sed -i 's/2020-01-01/2099-01-01/' settings.json", b);
	assert_problem(b, NULL, "file settings.json: SHA-256 mismatch");
	free(b);
	report_free(&r);
	settings_free(&s);
}

#define RUNTIME_CHECKS                                                                           \
	",{\"name\":\"rt_unprivileged_bpf\",\"id\":\"rt.unprivileged_bpf\",\"title\":\"Ensure no "  \
	"bpf() calls by non-root users are observed\",\"mode\":\"Automatic\",\"kind\":\"runtime\","  \
	"\"params\":{\"class\":\"unprivileged_bpf\",\"backs\":[\"1.4.3\"]},\"remediation\":\"r\"},"                       \
	"{\"name\":\"rt_ptrace_attach\",\"id\":\"rt.ptrace_attach\",\"title\":\"Ensure no ptrace "  \
	"attach is observed\",\"mode\":\"Automatic\",\"kind\":\"runtime\",\"params\":{\"class\":"  \
	"\"ptrace_attach\",\"backs\":[]},\"remediation\":\"r\"}"

/* runtime.json reads the keys the report writes: "observation" on runtime
 * entries, "observed" on the static entries they back. The observation
 * here is set by hand (the live observer is tested end to end). */
static void runtime_from_the_report(void **state)
{
	(void)state;
	struct report_fixture rf;
	fixture_run(&rf, FIXTURE_CHECKS RUNTIME_CHECKS);
	/* no observer: the runtime checks are not in the report */
	assert_int_equal(rf.r.n_entries, 4);
	report_free(&rf.r);
	static const char *const only[] = {"br01040300", "rt_unprivileged_bpf", "rt_ptrace_attach",
					   NULL};
	struct report_selection sel = {.level = 1, .only = only};
	assert_int_equal(report_run(&rf.h, &rf.p, &sel, &rf.r), 0);
	assert_int_equal(rf.r.n_entries, 3);
	struct report_entry *bpf = NULL;
	for (size_t i = 0; i < rf.r.n_entries; i++)
		if (strcmp(rf.r.entries[i].def->name, "rt_unprivileged_bpf") == 0)
			bpf = &rf.r.entries[i];
	assert_non_null(bpf);
	bpf->result.observation = json_pack("{s:s, s:[s], s:i, s:[{s:i, s:s, s:i}]}", "class",
					    "unprivileged_bpf", "backs", "1.4.3", "count", 2,
					    "samples", "pid", 4242, "comm", "bpftool", "uid", 65534);
	struct evidence_observation obs = {.requested_ms = 1000, .observed_ms = 1001};
	clock_gettime(CLOCK_REALTIME, &obs.started);
	obs.ended = obs.started;
	struct evidence_input in = {
		.report = &rf.r, .profile = &rf.p, .host = &rf.id, .pci = &pci, .observation = &obs};
	json_t *report_json = report_to_json_runtime(&rf.r, true); /* as the bundle builds it */
	json_t *rt = evidence_runtime_json(&in, report_json);
	assert_true(json_is_true(json_object_get(rt, "enabled")));
	assert_null(json_object_get(rt, "statement"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rt, "window"), "requested_ms")), 1000);
	const json_t *checks = json_object_get(rt, "checks");
	assert_int_equal(json_object_size(checks), 2);
	const json_t *c = json_object_get(checks, "rt_unprivileged_bpf");
	assert_string_equal(str_at(c, "id", NULL), "rt.unprivileged_bpf");
	assert_string_equal(str_at(json_array_get(json_object_get(json_object_get(c, "observation"), "samples"), 0), "comm", NULL),
			    "bpftool");
	/* a runtime check without an observation is listed with its reason */
	c = json_object_get(checks, "rt_ptrace_attach");
	assert_string_equal(str_at(c, "status", NULL), "SKIP");
	assert_non_null(strstr(str_at(c, "error", NULL), "not an offline root"));
	assert_null(json_object_get(c, "observation"));
	/* the static item the runtime check backs, with what was observed */
	const json_t *backed = json_object_get(json_object_get(rt, "backed"), "br01040300");
	assert_non_null(backed);
	const json_t *link = json_array_get(json_object_get(backed, "observed"), 0);
	assert_string_equal(str_at(link, "check", NULL), "rt_unprivileged_bpf");
	assert_int_equal(json_integer_value(json_object_get(link, "count")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rt, "summary"), "events")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rt, "summary"), "runtime_checks")), 2);
	json_decref(rt);
	/* the observer could not start: said so */
	obs.unavailable = "cannot load the eBPF programs: Operation not permitted";
	rt = evidence_runtime_json(&in, report_json);
	const json_t *o = json_object_get(rt, "observer");
	assert_true(json_is_false(json_object_get(o, "running")));
	assert_string_equal(str_at(o, "reason", NULL), obs.unavailable);
	json_decref(rt);
	json_decref(report_json);
	/* and the mapping: a runtime check through the item it backs, one
	 * backing no item as supporting evidence, never as unmapped */
	json_t *map = pci_map_report(&pci, &rf.r);
	assert_int_equal(json_array_size(json_object_get(map, "unmapped_checks")), 0);
	const json_t *sup = json_array_get(json_object_get(map, "supporting_checks"), 0);
	assert_non_null(sup);
	assert_string_equal(str_at(sup, "name", NULL), "rt_ptrace_attach");
	size_t i;
	const json_t *mc;
	bool seen = false;
	json_array_foreach(json_object_get(map, "checks"), i, mc) {
		if (strcmp(str_at(mc, "name", NULL), "rt_ptrace_attach") == 0) {
			assert_int_equal(json_array_size(json_object_get(mc, "requirements")), 0);
			assert_null(json_object_get(mc, "mapped_via"));
		}
		if (strcmp(str_at(mc, "name", NULL), "rt_unprivileged_bpf"))
			continue;
		seen = true;
		assert_true(json_is_true(json_object_get(mc, "runtime")));
		assert_string_equal(json_string_value(json_array_get(json_object_get(mc, "mapped_via"), 0)), "1.4.3");
		assert_true(json_equal(json_object_get(mc, "requirements"),
				       pci_map_check(&pci, "bottlerocket", "1.4.3")));
	}
	assert_true(seen);
	json_decref(map);
	/* ASFF names the same requirements for it */
	const struct report_writer *asff = report_writer_find("asff");
	assert_non_null(asff);
	struct writer_options wo = {.host = &rf.id,
				    .pci = &pci,
				    .aws_account = "123456789012",
				    .aws_region = "eu-west-1",
				    .resource_id = "i-0123456789abcdef0"};
	char *out = NULL;
	size_t out_len = 0;
	FILE *f = open_memstream(&out, &out_len);
	assert_int_equal(asff->write(&rf.r, &wo, f), 0);
	fclose(f);
	json_t *findings = json_loadb(out, strcspn(out, "\n"), 0, NULL);
	free(out);
	assert_non_null(findings);
	seen = false;
	json_array_foreach(findings, i, mc) {
		const json_t *rel = json_object_get(json_object_get(mc, "Compliance"), "RelatedRequirements");
		const char *first = json_string_value(json_array_get(rel, 0));
		if (!first || !strstr(first, "/rt.unprivileged_bpf"))
			continue;
		seen = true;
		assert_int_equal(json_array_size(rel), 3);
		assert_string_equal(json_string_value(json_array_get(rel, 1)), "PCI DSS v4.0/2.2.4");
		assert_string_equal(json_string_value(json_array_get(rel, 2)), "PCI DSS v4.0/2.2.6");
	}
	assert_true(seen);
	json_decref(findings);
	fixture_free(&rf);
}

/* The temporaries beside a bundle: "<bundle>.tmp.*" entries in work. */
static size_t temporaries(void)
{
	DIR *d = opendir(work);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".tmp.") != NULL;
	closedir(d);
	return n;
}

/* A write that fails half-way (a profile file turned into a FIFO: files
 * are already in the temporary bundle) leaves neither a bundle nor its
 * temporary directory; the files are 0644 in a 0755 bundle once complete. */
static void failed_write_leaves_nothing(void **state)
{
	(void)state;
	assert_int_equal(temporaries(), 0);
	char *fifo = path_in("profile.fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	char *saved = fx.p.files[fx.p.n_files - 1];
	fx.p.files[fx.p.n_files - 1] = fifo;
	char *bundle = path_in("half");
	struct evidence_input in = {.report = &fx.r, .profile = &fx.p, .host = &fx.id, .pci = &pci};
	char err[1024];
	assert_int_equal(evidence_bundle_write(bundle, &in, err, sizeof(err)), -ENOTREG);
	assert_non_null(strstr(err, "not a regular file"));
	fx.p.files[fx.p.n_files - 1] = saved;
	struct stat st;
	assert_int_equal(lstat(bundle, &st), -1);
	assert_int_equal(temporaries(), 0);
	/* the same path written now is complete */
	assert_int_equal(evidence_bundle_write(bundle, &in, err, sizeof(err)), 0);
	assert_int_equal(stat(bundle, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	char *report = path_in("half/report.json");
	assert_int_equal(stat(report, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(temporaries(), 0);
	assert_verifies(bundle, NULL);
	unlink(fifo);
	free(report);
	free(fifo);
	free(bundle);
}

/* What killed writers leave: this bundle's temporaries whatever they hold,
 * another bundle's when it holds only bundle files; nothing else. */
static void stale_temporaries_removed(void **state)
{
	(void)state;
	const char *dirs[] = {"next.tmp.Ab12xZ", "older.tmp.Qw12er", "notes.tmp.Zx34cv"};
	const char *files[] = {"report.json", "profiles", "notes.txt"};
	for (size_t i = 0; i < 3; i++) {
		char *d = path_in(dirs[i]);
		assert_int_equal(mkdir(d, 0700), 0);
		char *f = NULL;
		assert_true(asprintf(&f, "%s/%s", d, files[i]) > 0);
		if (i == 1)
			assert_int_equal(mkdir(f, 0700), 0);
		else
			write_file(d, files[i], "{}", 0600);
		free(f);
		free(d);
	}
	char *next = path_in("next");
	assert_int_equal(evidence_bundle_remove_stale(next, NULL, NULL), 2);
	assert_int_equal(temporaries(), 1);
	char *notes = path_in("notes.tmp.Zx34cv");
	assert_int_equal(access(notes, F_OK), 0);
	rm_tree(notes);
	free(notes);
	free(next);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bundle_contents),
		cmocka_unit_test(sign_with_each_key_type),
		cmocka_unit_test(unusable_keys_are_refused),
		cmocka_unit_test(tampering_is_named),
		cmocka_unit_test(no_settings_no_observation),
		cmocka_unit_test(waivers_from_settings),
		cmocka_unit_test(runtime_from_the_report),
		cmocka_unit_test(failed_write_leaves_nothing),
		cmocka_unit_test(stale_temporaries_removed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
