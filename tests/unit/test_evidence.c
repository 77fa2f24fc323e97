/* Evidence bundles: contents, signing with each key type, and every kind
 * of tampering named by verify. */
#include "report_fixture.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "report/evidence.h"

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

static void waivers_and_runtime_from_the_report(void **state)
{
	(void)state;
	json_t *doc = report_to_json(&fx.r);
	json_t *w = evidence_waivers_json(doc, NULL, NULL);
	assert_string_equal(json_string_value(json_object_get(w, "source")), "report");
	assert_int_equal(json_array_size(json_object_get(w, "waivers")), 0);
	json_decref(w);
	json_t *rt = evidence_runtime_json(doc);
	assert_true(json_is_false(json_object_get(rt, "available")));
	json_decref(rt);
	/* when entries carry a waiver and the report runtime observations,
	 * both are in the bundle */
	json_t *entry = json_object_get(json_object_get(doc, "results"), "br01040200");
	json_object_set_new(entry, "waiver", json_pack("{s:s, s:s}", "justification",
						       "ASLR off for a legacy debugger, ticket SEC-1",
						       "expires", "2030-01-01"));
	json_object_set_new(doc, "runtime", json_pack("{s:i}", "module_loads", 3));
	w = evidence_waivers_json(doc, NULL, NULL);
	assert_int_equal(json_integer_value(json_object_get(w, "count")), 1);
	json_t *first = json_array_get(json_object_get(w, "waivers"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "check")), "br01040200");
	assert_string_equal(json_string_value(json_object_get(first, "status")), "FAIL");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(first, "waiver"), "justification")),
		"ASLR off for a legacy debugger, ticket SEC-1");
	json_decref(w);
	rt = evidence_runtime_json(doc);
	assert_true(json_is_true(json_object_get(rt, "available")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rt, "runtime"), "module_loads")), 3);
	json_decref(rt);
	/* a settings file's waivers take precedence */
	json_t *settings = json_pack("[{s:s}]", "check", "1.4.3");
	w = evidence_waivers_json(doc, settings, "/etc/cisreport/settings.json");
	assert_string_equal(json_string_value(json_object_get(w, "source")), "/etc/cisreport/settings.json");
	assert_int_equal(json_integer_value(json_object_get(w, "count")), 1);
	json_decref(w);
	json_decref(settings);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bundle_contents),
		cmocka_unit_test(sign_with_each_key_type),
		cmocka_unit_test(unusable_keys_are_refused),
		cmocka_unit_test(tampering_is_named),
		cmocka_unit_test(waivers_and_runtime_from_the_report),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
