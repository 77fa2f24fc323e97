/* Verifying an evidence bundle: the manifest against the files (every hash,
 * nothing missing, nothing added, no links), then the signature. Every
 * problem is named; verification goes on after the first so one run shows
 * all of them. */
#include "evidence.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dynlib/lib_crypto.h"
#include "dynlib/sha256.h"
#include "util/safe_file.h"

#define MANIFEST_MAX (1u << 20)
#define SMALL_FILE_MAX (1u << 20)

struct manifest_entry {
	char *rel;
	char sha256[65];
	bool seen; /* found while walking the bundle */
};

struct verifier {
	const char *bundle;
	int dirfd;
	FILE *out;
	struct evidence_verification *v;
	struct manifest_entry *entries;
	size_t n_entries;
};

__attribute__((format(printf, 2, 3))) static void problem(struct verifier *vr, const char *fmt,
							   ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(vr->out, "%s: ", vr->bundle);
	vfprintf(vr->out, fmt, ap);
	fputc('\n', vr->out);
	va_end(ap);
	vr->v->problems++;
}

/* Read a small file of the bundle (no links followed). 0, or -errno. */
static int read_small(int dirfd, const char *rel, size_t max, char **out, size_t *len)
{
	return safe_read(dirfd, rel, SAFE_NOFOLLOW, max, out, len);
}

/* A FIFO or a device in a bundle is a problem reported, never a read
 * that blocks (util/safe_file). */
static int hash_file(int dirfd, const char *rel, char hex[65])
{
	int fd = safe_open(dirfd, rel, SAFE_NOFOLLOW);
	if (fd < 0)
		return fd;
	int rc = sha256_fd(fd, hex);
	close(fd);
	return rc;
}

static bool safe_rel(const char *rel)
{
	if (!rel[0] || rel[0] == '/')
		return false;
	const char *p = rel;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/')
			p++;
		if (!*p && p[-1] == '/')
			return false;
	}
	return true;
}

static struct manifest_entry *find_entry(struct verifier *vr, const char *rel)
{
	for (size_t i = 0; i < vr->n_entries; i++)
		if (strcmp(vr->entries[i].rel, rel) == 0)
			return &vr->entries[i];
	return NULL;
}

/* "<64 hex>  <path>\n" lines, as sha256sum writes them. */
static int parse_manifest(struct verifier *vr, char *text, size_t len)
{
	if (strlen(text) != len) {
		problem(vr, EVIDENCE_MANIFEST ": holds a NUL byte, not a manifest");
		return 0;
	}
	size_t line_no = 0;
	char *save = NULL;
	if (len && text[len - 1] != '\n')
		problem(vr, EVIDENCE_MANIFEST ": last line has no newline (truncated?)");
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line_no++;
		bool ok = strlen(line) > 66 && line[64] == ' ' && line[65] == ' ';
		for (size_t i = 0; ok && i < 64; i++)
			ok = isxdigit((unsigned char)line[i]) && !isupper((unsigned char)line[i]);
		const char *rel = line + 66;
		if (!ok) {
			problem(vr, EVIDENCE_MANIFEST " line %zu: malformed (expected \"<sha256 hex>  <path>\")",
				line_no);
			continue;
		}
		if (!safe_rel(rel) || strcmp(rel, EVIDENCE_MANIFEST) == 0 ||
		    strcmp(rel, EVIDENCE_SIGNATURE) == 0) {
			problem(vr, EVIDENCE_MANIFEST " line %zu: path \"%s\" is not allowed", line_no,
				rel);
			continue;
		}
		if (find_entry(vr, rel)) {
			problem(vr, EVIDENCE_MANIFEST " line %zu: file %s listed twice", line_no, rel);
			continue;
		}
		struct manifest_entry *n = realloc(vr->entries, (vr->n_entries + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		vr->entries = n;
		n[vr->n_entries].rel = strdup(rel);
		if (!n[vr->n_entries].rel)
			return -ENOMEM;
		memcpy(n[vr->n_entries].sha256, line, 64);
		n[vr->n_entries].sha256[64] = '\0';
		n[vr->n_entries].seen = false;
		vr->n_entries++;
	}
	if (vr->n_entries == 0)
		problem(vr, EVIDENCE_MANIFEST ": lists no files");
	return 0;
}

/* Walk the bundle: every regular file must be in the manifest (or be the
 * manifest or its signature); nothing else may be there. */
static int walk(struct verifier *vr, int dirfd, const char *prefix)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		problem(vr, "%s: cannot list: %s", prefix[0] ? prefix : ".", strerror(errno));
		return 0;
	}
	rewinddir(d);
	struct dirent *de;
	int rc = 0;
	while (!rc && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char rel[PATH_MAX];
		snprintf(rel, sizeof(rel), "%s%s", prefix, de->d_name);
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			problem(vr, "file %s: cannot stat: %s", rel, strerror(errno));
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
			if (sub < 0) {
				problem(vr, "%s: cannot open: %s", rel, strerror(errno));
				continue;
			}
			char sub_prefix[PATH_MAX];
			snprintf(sub_prefix, sizeof(sub_prefix), "%s/", rel);
			rc = walk(vr, sub, sub_prefix);
			close(sub);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			problem(vr, "file %s: %s, not a regular file (not allowed in a bundle)", rel,
				S_ISLNK(st.st_mode) ? "a symbolic link" : "a special file");
			continue;
		}
		if (!prefix[0] &&
		    (strcmp(rel, EVIDENCE_MANIFEST) == 0 || strcmp(rel, EVIDENCE_SIGNATURE) == 0))
			continue;
		struct manifest_entry *e = find_entry(vr, rel);
		if (!e) {
			problem(vr, "file %s: not in manifest", rel);
			continue;
		}
		e->seen = true;
	}
	closedir(d);
	return rc;
}

static void check_hashes(struct verifier *vr)
{
	for (size_t i = 0; i < vr->n_entries; i++) {
		struct manifest_entry *e = &vr->entries[i];
		if (!e->seen) {
			problem(vr, "file %s: listed in manifest but missing", e->rel);
			continue;
		}
		char hex[65];
		int rc = hash_file(vr->dirfd, e->rel, hex);
		if (rc)
			problem(vr, "file %s: cannot read: %s", e->rel, safe_strerror(rc));
		else if (strcmp(hex, e->sha256))
			problem(vr, "file %s: SHA-256 mismatch (manifest %.12s..., file %.12s...)",
				e->rel, e->sha256, hex);
	}
}

/* What bundle.json says about the signature (NULL when unsigned or
 * unreadable). */
static json_t *declared_signature(struct verifier *vr)
{
	char *text;
	size_t len;
	if (read_small(vr->dirfd, "bundle.json", SMALL_FILE_MAX, &text, &len) < 0)
		return NULL;
	json_t *doc = json_loadb(text, len, 0, NULL);
	free(text);
	json_t *sig = json_object_get(doc, "signature");
	json_t *out = json_is_object(sig) ? json_incref(sig) : NULL;
	json_decref(doc);
	return out;
}

static void check_signature(struct verifier *vr, EVP_PKEY *given, const char *key_path,
			    const char *manifest, size_t manifest_len)
{
	struct evidence_verification *v = vr->v;
	json_t *declared = declared_signature(vr);
	const char *declared_fp = json_string_value(json_object_get(declared, "public_key_fingerprint"));
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	int rc = read_small(vr->dirfd, EVIDENCE_SIGNATURE, SMALL_FILE_MAX, (char **)&sig, &sig_len);
	if (rc == -ENOENT) {
		if (given)
			problem(vr, "bundle is unsigned but --key was given");
		else if (declared)
			problem(vr, EVIDENCE_SIGNATURE ": missing, but bundle.json records a signature");
		json_decref(declared);
		return;
	}
	v->is_signed = true;
	if (rc) {
		problem(vr, EVIDENCE_SIGNATURE ": cannot read: %s", safe_strerror(rc));
		json_decref(declared);
		return;
	}
	EVP_PKEY *key = given;
	EVP_PKEY *own = NULL;
	char err[512];
	char *pem;
	size_t pem_len;
	/* The bundle's own key: checked against its record even when --key is
	 * given, so a swapped signer.pub.pem is named. */
	rc = read_small(vr->dirfd, EVIDENCE_PUBKEY, SMALL_FILE_MAX, &pem, &pem_len);
	if (rc == 0) {
		if (sign_key_parse_public(pem, pem_len, &own, err, sizeof(err)) < 0)
			problem(vr, "%s", err);
		free(pem);
	} else if (!given) {
		problem(vr, EVIDENCE_PUBKEY ": %s, so the signature cannot be checked without --key",
			rc == -ENOENT ? "missing" : safe_strerror(rc));
	}
	char own_fp[SIGN_FINGERPRINT_SIZE] = "";
	if (own && sign_key_fingerprint(own, own_fp) == 0 && declared_fp &&
	    strcmp(own_fp, declared_fp))
		problem(vr, EVIDENCE_PUBKEY ": fingerprint %s differs from bundle.json's %s", own_fp,
			declared_fp);
	if (!key)
		key = own;
	if (key) {
		snprintf(v->algorithm, sizeof(v->algorithm), "%s", sign_key_algorithm(key));
		sign_key_fingerprint(key, v->fingerprint);
		if (sign_verify(key, manifest, manifest_len, sig, sig_len) == 0) {
			v->signature_ok = true;
		} else if (given) {
			problem(vr, "signature does not verify with key %s (%s)", key_path,
				v->fingerprint);
		} else {
			problem(vr, "signature does not verify with the bundle's own key %s (%s)",
				EVIDENCE_PUBKEY, v->fingerprint);
		}
	}
	sign_key_free(own);
	free(sig);
	json_decref(declared);
}

int evidence_bundle_verify(const char *path, const char *key_path, FILE *problems,
			   struct evidence_verification *v, char *err, size_t err_size)
{
	memset(v, 0, sizeof(*v));
	/* Every hash needs libcrypto: without it nothing can be verified, and
	 * that is not a verdict on the bundle. */
	char lib_why[512];
	if (!crypto_lib_get(lib_why, sizeof(lib_why))) {
		snprintf(err, err_size, "cannot check SHA-256 hashes or signatures: %s", lib_why);
		return -ELIBACC;
	}
	EVP_PKEY *given = NULL;
	if (key_path) {
		char why[768];
		int rc = sign_key_load_public(key_path, &given, why, sizeof(why));
		if (rc) {
			snprintf(err, err_size, "--key %s", why);
			return rc;
		}
		v->key_given = true;
	}
	struct verifier vr = {.bundle = path, .out = problems, .v = v};
	vr.dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (vr.dirfd < 0) {
		int rc = -errno;
		snprintf(err, err_size, "%s: %s", path,
			 errno == ENOTDIR ? "not a bundle directory" : strerror(errno));
		sign_key_free(given);
		return rc;
	}
	char *manifest = NULL;
	size_t manifest_len = 0;
	int rc = read_small(vr.dirfd, EVIDENCE_MANIFEST, MANIFEST_MAX, &manifest, &manifest_len);
	if (rc) {
		problem(&vr, EVIDENCE_MANIFEST ": %s, so nothing can be verified",
			rc == -ENOENT ? "missing" : safe_strerror(rc));
		rc = 0;
	} else {
		char *copy = strdup(manifest);
		rc = copy ? parse_manifest(&vr, copy, manifest_len) : -ENOMEM;
		free(copy);
		if (!rc)
			rc = walk(&vr, vr.dirfd, "");
		if (!rc) {
			check_hashes(&vr);
			check_signature(&vr, given, key_path, manifest, manifest_len);
		}
	}
	v->files = vr.n_entries;
	for (size_t i = 0; i < vr.n_entries; i++)
		free(vr.entries[i].rel);
	free(vr.entries);
	free(manifest);
	close(vr.dirfd);
	sign_key_free(given);
	if (rc < 0) { /* out of memory: no verdict */
		snprintf(err, err_size, "%s: %s", path, strerror(-rc));
		return rc;
	}
	return v->problems ? -EBADMSG : 0;
}

int evidence_manifest_check(const char *text, size_t len, FILE *problems,
			    struct evidence_verification *v)
{
	memset(v, 0, sizeof(*v));
	struct verifier vr = {.bundle = "(manifest)", .dirfd = -1, .out = problems, .v = v};
	char *copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, text, len);
	copy[len] = '\0';
	int rc = parse_manifest(&vr, copy, len);
	free(copy);
	v->files = vr.n_entries;
	for (size_t i = 0; i < vr.n_entries; i++)
		free(vr.entries[i].rel);
	free(vr.entries);
	if (rc < 0)
		return rc;
	return v->problems ? -EBADMSG : 0;
}
