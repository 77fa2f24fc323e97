/* Writing an evidence bundle: every file is written once into a fresh
 * temporary directory (util/atomic_file's atomic_dir: mode 0700 and locked
 * while built; each file O_EXCL, mode 0600 until written, fsync), hashed as
 * written, listed in the manifest, and the directory is renamed into place
 * only when complete. */
#include "evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "checks/kind.h"
#include "dynlib/lib_crypto.h"
#include "dynlib/sha256.h"
#include "util/atomic_file.h"
#include "formats/writer.h"
#include "util/safe_file.h"

#define PROFILE_COPY_MAX (4u << 20)

struct bundle_file {
	char *rel;
	char sha256[65];
};

struct bundle {
	struct atomic_dir dir;
	int dirfd; /* dir.fd */
	struct bundle_file *files;
	size_t n_files, cap_files;
	char **dirs; /* created subdirectories, fsynced at the end */
	size_t n_dirs;
	char *err;
	size_t err_size;
};

__attribute__((format(printf, 3, 4))) static int fail(struct bundle *b, int rc, const char *fmt,
						       ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->err, b->err_size, fmt, ap);
	va_end(ap);
	return rc;
}

/* Paths in the manifest are plain: sha256sum would escape these. */
static bool plain_path(const char *rel)
{
	return rel[0] && rel[0] != '/' && !strchr(rel, '\n') && !strchr(rel, '\\') &&
	       !strstr(rel, "//") && strcmp(rel, EVIDENCE_MANIFEST) && strcmp(rel, EVIDENCE_SIGNATURE);
}

static int make_parents(struct bundle *b, const char *rel)
{
	char *copy = strdup(rel);
	if (!copy)
		return -ENOMEM;
	for (char *p = strchr(copy, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdirat(b->dirfd, copy, 0755) == 0) {
			char **n = realloc(b->dirs, (b->n_dirs + 1) * sizeof(*n));
			if (n)
				b->dirs = n;
			if (!n || !(b->dirs[b->n_dirs] = strdup(copy))) {
				free(copy);
				return -ENOMEM;
			}
			b->n_dirs++;
		} else if (errno != EEXIST) {
			int rc = -errno;
			free(copy);
			return rc;
		}
		*p = '/';
	}
	free(copy);
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write one file into the bundle; record it in the manifest when listed. */
static int put_file(struct bundle *b, const char *rel, const void *data, size_t len, bool listed)
{
	if (listed && !plain_path(rel))
		return fail(b, -EINVAL, "cannot put \"%s\" in a bundle: unsupported file name", rel);
	int rc = make_parents(b, rel);
	if (rc)
		return fail(b, rc, "%s: cannot create its folder: %s", rel, strerror(-rc));
	int fd = openat(b->dirfd, rel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return fail(b, -errno, "%s: cannot create: %s", rel, strerror(errno));
	rc = write_all(fd, data, len);
	if (!rc && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (rc)
		return fail(b, rc, "%s: cannot write: %s", rel, strerror(-rc));
	if (!listed)
		return 0;
	if (b->n_files == b->cap_files) {
		size_t cap = b->cap_files ? b->cap_files * 2 : 16;
		struct bundle_file *n = realloc(b->files, cap * sizeof(*n));
		if (!n)
			return fail(b, -ENOMEM, "out of memory");
		b->files = n;
		b->cap_files = cap;
	}
	struct bundle_file *f = &b->files[b->n_files];
	f->rel = strdup(rel);
	if (!f->rel)
		return fail(b, -ENOMEM, "out of memory");
	rc = sha256_hex(data, len, f->sha256);
	if (rc) {
		free(f->rel);
		return fail(b, rc, "%s: cannot hash: %s", rel, strerror(-rc));
	}
	b->n_files++;
	if (b->n_files == 1)
		atomic_fault_point("write");
	return 0;
}

static int put_json(struct bundle *b, const char *rel, json_t *doc)
{
	if (!doc)
		return fail(b, -ENOMEM, "%s: out of memory", rel);
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!text)
		return fail(b, -ENOMEM, "%s: out of memory", rel);
	size_t len = strlen(text);
	char *with_nl = realloc(text, len + 2);
	if (!with_nl) {
		free(text);
		return fail(b, -ENOMEM, "%s: out of memory", rel);
	}
	with_nl[len] = '\n';
	with_nl[len + 1] = '\0';
	int rc = put_file(b, rel, with_nl, len + 1, true);
	free(with_nl);
	return rc;
}

/* A writer's output into the bundle. */
static int put_report(struct bundle *b, const char *rel, const char *format,
		      const struct evidence_input *in)
{
	const struct report_writer *w = report_writer_find(format);
	struct writer_options wo = {.verbose = true, .host = in->host};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return fail(b, -ENOMEM, "out of memory");
	int rc = w ? w->write(in->report, &wo, f) : -EINVAL;
	if (fclose(f) != 0 && !rc)
		rc = -EIO;
	if (!rc)
		rc = put_file(b, rel, buf, len, true);
	else
		fail(b, rc, "%s: cannot write the report: %s", rel, strerror(-rc));
	free(buf);
	return rc;
}

static int copy_file(struct bundle *b, const char *src, const char *rel)
{
	char *buf;
	size_t n;
	int rc = safe_read(AT_FDCWD, src, 0, PROFILE_COPY_MAX, &buf, &n);
	if (rc)
		return fail(b, rc, "%s: cannot read: %s", src, safe_strerror(rc));
	rc = put_file(b, rel, buf, n, true);
	free(buf);
	return rc;
}

/* The profile files used, under profiles/ with their path below -c. */
static int put_profiles(struct bundle *b, const struct profile *p)
{
	size_t dlen = strlen(p->dir);
	while (dlen > 1 && p->dir[dlen - 1] == '/')
		dlen--;
	for (size_t i = 0; i < p->n_files; i++) {
		const char *path = p->files[i];
		const char *below = strncmp(path, p->dir, dlen) == 0 && path[dlen] == '/'
					    ? path + dlen + 1
					    : NULL;
		char rel[PATH_MAX];
		if (below)
			snprintf(rel, sizeof(rel), "profiles/%s", below);
		else {
			char *copy = strdup(path);
			if (!copy)
				return fail(b, -ENOMEM, "out of memory");
			snprintf(rel, sizeof(rel), "profiles/%s", basename(copy));
			free(copy);
		}
		int rc = copy_file(b, path, rel);
		if (rc)
			return rc;
	}
	return 0;
}

/* The fields of a report entry an assessor reads beside a waiver or an
 * observation, taken from the report's own JSON so both documents agree. */
static json_t *entry_brief(const json_t *entry, const char *name)
{
	static const char *const keys[] = {"id", "title", "level", "mode", "status",
					   "outcome", "error", NULL};
	json_t *o = json_pack("{s:s}", "check", name);
	for (size_t k = 0; o && keys[k]; k++) {
		json_t *v = json_object_get(entry, keys[k]);
		if (v)
			json_object_set(o, keys[k], v);
	}
	return o;
}

static bool is_runtime(const struct report_entry *e)
{
	return e->def->kind && e->def->kind->needs_observer;
}

static const struct report_entry *report_entry_named(const struct report *r, const char *name)
{
	for (size_t i = 0; i < r->n_entries; i++)
		if (strcmp(r->entries[i].def->name, name) == 0)
			return &r->entries[i];
	return NULL;
}

/* Why a waiver of the settings file is on no check of this report. */
static void why_not_in_report(const struct evidence_input *in, const char *check, char *buf,
			      size_t size)
{
	const struct report *r = in->report;
	const struct check_def *c = in->profile ? profile_find_check(in->profile, check) : NULL;
	if (!c || strcmp(c->name, check) != 0)
		snprintf(buf, size, "no check named \"%s\" in the profiles of benchmark %s",
			 check, r->bm->type);
	else if (c->level > r->level)
		snprintf(buf, size, "check %s (%s) is level %d; this report is level %d", check,
			 c->id, c->level, r->level);
	else if (c->kind && c->kind->needs_observer && !in->observation)
		snprintf(buf, size,
			 "check %s (%s) is a runtime check: it is in a report only with --observe",
			 check, c->id);
	else
		snprintf(buf, size, "check %s (%s) was not selected for this report", check, c->id);
}

json_t *evidence_waivers_json(const struct evidence_input *in, const json_t *report_json)
{
	const struct report *r = in->report;
	json_t *doc = json_object();
	json_t *list = json_array();
	json_t *orphans = json_array();
	if (!doc || !list || !orphans)
		goto nomem;
	if (in->settings) {
		char sha[65];
		if (sha256_hex(in->settings_text ? in->settings_text : "", in->settings_len, sha))
			goto nomem; /* libcrypto: evidence_bundle_write made sure of it */
		json_object_set_new(doc, "settings",
				    json_pack("{s:s, s:s, s:s}", "file", EVIDENCE_SETTINGS, "source",
					      in->settings_path ? in->settings_path : "",
					      "sha256", sha));
	} else {
		json_object_set_new(doc, "settings", json_null());
		json_object_set_new(doc, "statement",
				    json_string("No settings file was given (cisreport evidence "
						"--settings FILE): no waiver applies to this report."));
	}
	/* Waivers are judged at the report's start, as the report does. */
	json_object_set_new(doc, "judged_at", json_string(r->timestamp));
	size_t active = 0, expired = 0;
	const json_t *results = json_object_get(report_json, "results");
	for (size_t i = 0; i < r->n_entries; i++) {
		const char *name = r->entries[i].def->name;
		const json_t *entry = json_object_get(results, name);
		json_t *w = json_object_get(entry, "waiver");
		if (!w || json_is_null(w))
			continue;
		json_t *o = entry_brief(entry, name);
		if (!o || json_object_set(o, "waiver", w) < 0 || json_array_append_new(list, o) < 0)
			goto nomem;
		if (r->entries[i].waiver && r->entries[i].waiver->expired)
			expired++;
		else
			active++;
	}
	for (size_t i = 0; in->settings && i < in->settings->n_waivers; i++) {
		const struct waiver *w = &in->settings->waivers[i];
		if (report_entry_named(r, w->check))
			continue;
		char why[256];
		why_not_in_report(in, w->check, why, sizeof(why));
		json_t *o = json_pack("{s:s, s:{s:s, s:s, s:s, s:s}, s:s}", "check", w->check,
				      "waiver", "reason", w->reason, "expires", w->expires,
				      "approved_by", w->approved_by, "state",
				      w->expires_at <= r->started.tv_sec ? "expired" : "active",
				      "why", why);
		if (!o || json_array_append_new(orphans, o) < 0)
			goto nomem;
	}
	json_object_set_new(doc, "count", json_integer((json_int_t)json_array_size(list)));
	json_object_set_new(doc, "active", json_integer((json_int_t)active));
	json_object_set_new(doc, "expired", json_integer((json_int_t)expired));
	json_object_set_new(doc, "waivers", list);
	json_object_set_new(doc, "not_in_report", orphans);
	return doc;
nomem:
	json_decref(doc);
	json_decref(list);
	json_decref(orphans);
	return NULL;
}

static json_t *window_json(const struct evidence_observation *obs)
{
	char started[48], ended[48];
	report_format_timestamp(&obs->started, started, sizeof(started));
	report_format_timestamp(&obs->ended, ended, sizeof(ended));
	return json_pack("{s:I, s:I, s:s, s:s}", "requested_ms", (json_int_t)obs->requested_ms,
			 "observed_ms", (json_int_t)obs->observed_ms, "started", started, "ended",
			 ended);
}

json_t *evidence_runtime_json(const struct evidence_input *in, const json_t *report_json)
{
	const struct report *r = in->report;
	const struct evidence_observation *obs = in->observation;
	json_t *doc = json_object();
	json_t *checks = json_object();
	json_t *backed = json_object();
	if (!doc || !checks || !backed)
		goto nomem;
	json_object_set_new(doc, "enabled", json_boolean(obs != NULL));
	if (!obs) {
		json_object_set_new(
			doc, "statement",
			json_string("Runtime observation was not enabled for this bundle: cisreport "
				    "evidence ran without --observe DURATION, so no eBPF observer "
				    "watched the host and this bundle holds no runtime observations."));
	} else {
		json_object_set_new(doc, "window", window_json(obs));
		json_object_set_new(doc, "observer",
				    json_pack("{s:b, s:s}", "running", obs->unavailable == NULL,
					      "reason", obs->unavailable ? obs->unavailable : ""));
	}
	/* Runtime entries carry "observation" (SKIPs carry only their reason);
	 * static entries backed by runtime checks carry "observed". */
	size_t passed = 0, failed = 0, skipped = 0;
	json_int_t events = 0;
	const json_t *results = json_object_get(report_json, "results");
	for (size_t i = 0; i < r->n_entries; i++) {
		const struct report_entry *e = &r->entries[i];
		const char *name = e->def->name;
		const json_t *entry = json_object_get(results, name);
		json_t *observation = json_object_get(entry, "observation");
		json_t *observed = json_object_get(entry, "observed");
		if (is_runtime(e) || observation) {
			json_t *o = entry_brief(entry, name);
			if (!o)
				goto nomem;
			json_object_del(o, "check");
			if (observation) {
				json_object_set(o, "observation", observation);
				events += json_integer_value(json_object_get(observation, "count"));
			}
			json_object_set_new(checks, name, o);
			switch (e->result.status) {
			case CHECK_PASS:
				passed++;
				break;
			case CHECK_FAIL:
				failed++;
				break;
			default:
				skipped++;
			}
		}
		if (observed) {
			json_t *o = entry_brief(entry, name);
			if (!o)
				goto nomem;
			json_object_del(o, "check");
			json_object_set(o, "observed", observed);
			json_object_set_new(backed, name, o);
		}
	}
	json_object_set_new(doc, "summary",
			    json_pack("{s:i, s:i, s:i, s:i, s:I}", "runtime_checks",
				      (int)json_object_size(checks), "passed", (int)passed, "failed",
				      (int)failed, "skipped", (int)skipped, "events", events));
	json_object_set_new(doc, "checks", checks);
	json_object_set_new(doc, "backed", backed);
	return doc;
nomem:
	json_decref(doc);
	json_decref(checks);
	json_decref(backed);
	return NULL;
}

static json_t *bundle_metadata(const struct evidence_input *in, EVP_PKEY *key)
{
	const struct report *r = in->report;
	char finished[48] = "";
	if (r->finished.tv_sec)
		report_format_timestamp(&r->finished, finished, sizeof(finished));
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char created[48];
	report_format_timestamp(&now, created, sizeof(created));
	json_t *doc = json_pack(
		"{s:s, s:i, s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:i, s:{s:s, s:s}, s:{s:s, s:i, s:i, s:i, s:i}}",
		"format", EVIDENCE_FORMAT, "format_version", EVIDENCE_FORMAT_VERSION, "generator",
		"cisreport " CISREPORT_VERSION, "created", created, "benchmark", "type", r->bm->type,
		"name", r->bm->name, "version", r->bm->version, "url", r->bm->url, "level", r->level,
		"scan", "started", r->timestamp, "finished", finished, "result", "status",
		check_status_name(r->status), "total", (int)r->total, "passed", (int)r->passed,
		"failed", (int)r->failed, "skipped", (int)r->skipped);
	json_t *host = host_identity_json(in->host);
	if (!doc || !host) {
		json_decref(doc);
		json_decref(host);
		return NULL;
	}
	/* The short identity; host.json has all of it. */
	json_object_set_new(doc, "host",
			    json_pack("{s:O, s:O, s:O}", "hostname", json_object_get(host, "hostname"),
				      "machine_id", json_object_get(host, "machine_id"), "boot_id",
				      json_object_get(host, "boot_id")));
	json_decref(host);
	/* What the report was made with: the settings (waivers) and the
	 * observation window; waivers.json and runtime.json have the detail. */
	if (in->settings)
		json_object_set_new(doc, "settings",
				    json_pack("{s:s, s:s}", "file", EVIDENCE_SETTINGS, "source",
					      in->settings_path ? in->settings_path : ""));
	else
		json_object_set_new(doc, "settings", json_null());
	if (in->observation)
		json_object_set_new(doc, "observation", window_json(in->observation));
	else
		json_object_set_new(doc, "observation", json_null());
	json_object_set_new(doc, "manifest", json_string(EVIDENCE_MANIFEST));
	if (key) {
		char fp[SIGN_FINGERPRINT_SIZE] = "";
		if (sign_key_fingerprint(key, fp)) {
			json_decref(doc);
			return NULL;
		}
		json_object_set_new(doc, "signature",
				    json_pack("{s:s, s:s, s:s, s:s}", "file", EVIDENCE_SIGNATURE,
					      "algorithm", sign_key_algorithm(key), "public_key",
					      EVIDENCE_PUBKEY, "public_key_fingerprint", fp));
	} else {
		json_object_set_new(doc, "signature", json_null());
	}
	return doc;
}

static int by_rel(const void *a, const void *b)
{
	return strcmp(((const struct bundle_file *)a)->rel, ((const struct bundle_file *)b)->rel);
}

static int put_manifest(struct bundle *b, EVP_PKEY *key)
{
	qsort(b->files, b->n_files, sizeof(*b->files), by_rel);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return fail(b, -ENOMEM, "out of memory");
	for (size_t i = 0; i < b->n_files; i++)
		fprintf(f, "%s  %s\n", b->files[i].sha256, b->files[i].rel);
	if (fclose(f) != 0) {
		free(text);
		return fail(b, -ENOMEM, "out of memory");
	}
	int rc = put_file(b, EVIDENCE_MANIFEST, text, len, false);
	if (!rc && key) {
		unsigned char *sig;
		size_t sig_len;
		rc = sign_data(key, text, len, &sig, &sig_len);
		if (rc)
			fail(b, rc, "cannot sign the manifest with this key");
		else {
			rc = put_file(b, EVIDENCE_SIGNATURE, sig, sig_len, false);
			free(sig);
		}
	}
	free(text);
	return rc;
}

static void fsync_dir_at(int dirfd, const char *rel)
{
	int fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int evidence_bundle_write(const char *path, const struct evidence_input *in, char *err,
			  size_t err_size)
{
	struct bundle b = {.dir = {.fd = -1}, .dirfd = -1, .err = err, .err_size = err_size};
	EVP_PKEY *key = NULL;
	json_t *report_json = NULL;
	int rc = 0;
	struct stat st;
	if (lstat(path, &st) == 0)
		return fail(&b, -EEXIST, "%s: already exists; a bundle is never overwritten, choose a new path", path);
	/* Every file's SHA-256 goes into the manifest: no libcrypto, no bundle. */
	char lib_why[512];
	if (!crypto_lib_get(lib_why, sizeof(lib_why)))
		return fail(&b, -ELIBACC, "cannot hash the bundle's files (SHA-256): %s", lib_why);
	if (in->sign_key) {
		rc = sign_key_load_private(in->sign_key, &key, err, err_size);
		if (rc)
			return rc;
	}
	rc = atomic_dir_open(&b.dir, path, 0755);
	if (rc) {
		fail(&b, rc, "%s: cannot create the bundle beside it: %s", path, strerror(-rc));
		goto out;
	}
	b.dirfd = b.dir.fd;

	report_json = report_to_json_runtime(in->report, true);
	if (!report_json) {
		rc = fail(&b, -ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = put_report(&b, "report.json", "json", in)) ||
	    (rc = put_report(&b, "report.txt", "text", in)) ||
	    (rc = put_json(&b, "host.json", host_identity_json(in->host))) ||
	    (rc = put_json(&b, "pci-dss-2.2.json", pci_map_report(in->pci, in->report))) ||
	    (rc = put_json(&b, "waivers.json", evidence_waivers_json(in, report_json))) ||
	    (rc = put_json(&b, "runtime.json", evidence_runtime_json(in, report_json))) ||
	    (in->settings && (rc = put_file(&b, EVIDENCE_SETTINGS, in->settings_text,
					    in->settings_len, true))) ||
	    (rc = put_profiles(&b, in->profile)) ||
	    (rc = put_file(&b, "mapping/" PCI_MAP_FILE, in->pci->text, in->pci->text_len, true)))
		goto out;
	if (key) {
		char *pem;
		size_t len;
		rc = sign_key_public_pem(key, &pem, &len);
		if (rc) {
			fail(&b, rc, "cannot write the public key");
			goto out;
		}
		rc = put_file(&b, EVIDENCE_PUBKEY, pem, len, true);
		free(pem);
		if (rc)
			goto out;
	}
	if ((rc = put_json(&b, "bundle.json", bundle_metadata(in, key))) ||
	    (rc = put_manifest(&b, key)))
		goto out;

	for (size_t i = 0; i < b.n_dirs; i++)
		fsync_dir_at(b.dirfd, b.dirs[i]);
	/* fsync, mode 0755, rename (never over anything), parent fsync */
	rc = atomic_dir_commit(&b.dir);
	if (rc)
		fail(&b, rc, "%s: cannot move the bundle into place: %s", path,
		     rc == -EEXIST || rc == -ENOTEMPTY ? "it exists now" : strerror(-rc));
out:
	if (rc)
		atomic_dir_abort(&b.dir); /* the whole temporary tree */
	for (size_t i = 0; i < b.n_files; i++)
		free(b.files[i].rel);
	free(b.files);
	for (size_t i = 0; i < b.n_dirs; i++)
		free(b.dirs[i]);
	free(b.dirs);
	json_decref(report_json);
	sign_key_free(key);
	return rc;
}

/* What a bundle's top level may hold: a temporary directory holding nothing
 * else is one of ours. */
static const char *const bundle_names[] = {
	"bundle.json", "report.json", "report.txt", "host.json", "pci-dss-2.2.json",
	"waivers.json", "runtime.json", EVIDENCE_SETTINGS, "profiles", "mapping",
	EVIDENCE_PUBKEY, EVIDENCE_MANIFEST, EVIDENCE_SIGNATURE, NULL};

int evidence_bundle_remove_stale(const char *path, void (*removed)(const char *tmp, void *arg),
				 void *arg)
{
	return atomic_dir_remove_stale(path, bundle_names, removed, arg);
}
