#include "profile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checker_dir.h"
#include "config.h"
#include "dir_metadata.h"
#include "checks/kind.h"
#include "util/json_compiled.h"
#include "util/json_pos.h"
#include "util/dir_list.h"
#include "util/safe_file.h"

#define PROFILE_MAX_FILE (4u << 20)

/* One file being loaded: its text (for locating errors) and parsed root,
 * kept for the second pass; the line of each entry of "checks". */
struct source {
	const char *path;
	char *text;
	size_t len;
	json_t *root;
	/* Byte-identical to this shipped file: taken from the compiled form,
	 * root stays NULL. */
	const struct profile_shipped_file *shipped;
	int level;
	int *check_lines;
};

/* The profile files of a folder: "<dir>/level<N>/<file>.json", by level
 * folder and name; each opened relative to its folder. */
struct profile_file {
	const char *path; /* as errors and "source" name it (owned by the list) */
	const char *name; /* within its folder */
	int dirfd;
	int level;
};

struct profile_files {
	struct dir_list top; /* dir itself: its executables are the checkers */
	struct dir_list *levels;
	size_t n_levels;
	struct profile_file *files;
	size_t n;
};

struct loader {
	struct profile *p;
	const char *type;
	char *err;
	size_t err_size;
	size_t cap_checks;
	/* When no type is requested, the types seen decide it: each type
	 * once, with its benchmark name (for metadata.json's "name"). */
	char *first_type;
	bool many_types;
	char **seen_types, **seen_names;
	size_t n_seen;
};

static int remember_type(struct loader *l, const char *type, const char *name)
{
	for (size_t i = 0; i < l->n_seen; i++)
		if (strcmp(l->seen_types[i], type) == 0)
			return 0;
	char **t = realloc(l->seen_types, (l->n_seen + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	l->seen_types = t;
	char **n = realloc(l->seen_names, (l->n_seen + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	l->seen_names = n;
	t[l->n_seen] = strdup(type);
	n[l->n_seen] = strdup(name);
	if (!t[l->n_seen] || !n[l->n_seen]) {
		free(t[l->n_seen]);
		free(n[l->n_seen]);
		return -ENOMEM;
	}
	l->n_seen++;
	return 0;
}

__attribute__((format(printf, 5, 6))) static int
fail_at(struct loader *l, const struct source *src, const struct json_seg *path, size_t n,
	const char *fmt, ...)
{
	int line = 1, col = 1;
	char field[256] = "";
	size_t used = 0;
	if (src->text)
		json_locate(src->text, path, n, &line, &col);
	for (size_t i = 0; i < n && used < sizeof(field); i++) {
		int w = path[i].key ? snprintf(field + used, sizeof(field) - used, "%s%s",
					      i ? "." : "", path[i].key)
				    : snprintf(field + used, sizeof(field) - used, "[%zu]",
					       path[i].index);
		if (w > 0)
			used += (size_t)w;
	}
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(l->err, l->err_size, "%s:%d:%d: %s%s%s", src->path, line, col, field,
		 field[0] ? ": " : "", msg);
	return -EINVAL;
}

static const struct profile_shipped *shipped_profiles;

void profile_use_shipped(const struct profile_shipped *shipped)
{
	shipped_profiles = shipped;
}

/* The shipped file whose bytes text is, if any. */
static const struct profile_shipped_file *find_shipped(int level, const char *text, size_t len)
{
	if (!shipped_profiles)
		return NULL;
	for (size_t i = 0; i < shipped_profiles->n_files; i++) {
		const struct profile_shipped_file *f = &shipped_profiles->files[i];
		if (f->level == level && f->len == len && memcmp(f->text, text, len) == 0)
			return f;
	}
	return NULL;
}

/* The shipped file a profile file of its level and name is, when it is
 * a copy of it byte for byte: one open and one read of the shipped length
 * and a byte more (a regular file read short has ended), without the fstat
 * and the read of EOF a file of unknown content takes. Anything else
 * (another length or other bytes, an empty FIFO, /dev/zero, an error) is
 * NULL, and the file is then read, checked and parsed as any other, with
 * the same errors. */
static const struct profile_shipped_file *shipped_copy(const struct profile_file *pf)
{
	const struct profile_shipped_file *f = NULL;
	size_t nlen = strlen(pf->name);
	for (size_t i = 0; shipped_profiles && !f && i < shipped_profiles->n_files; i++) {
		const struct profile_shipped_file *c = &shipped_profiles->files[i];
		size_t rlen = strlen(c->rel);
		if (c->level == pf->level && rlen > nlen && c->rel[rlen - nlen - 1] == '/' &&
		    strcmp(c->rel + rlen - nlen, pf->name) == 0)
			f = c;
	}
	if (!f)
		return NULL;
	int fd = openat(pf->dirfd, pf->name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	char *buf = malloc(f->len + 1);
	bool same = false;
	if (buf) {
		ssize_t n = read(fd, buf, f->len + 1);
		same = n == (ssize_t)f->len && memcmp(buf, f->text, f->len) == 0;
	}
	free(buf);
	close(fd);
	return same ? f : NULL;
}

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

static int read_text(int dirfd, const char *name, char **out, size_t *len)
{
	/* A FIFO or /dev/zero where a profile is expected is an error, not a hang. */
	return safe_read(dirfd, name, 0, PROFILE_MAX_FILE, out, len);
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' &&
		    *s != '-')
			return false;
	return true;
}

static const char *string_member(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Validate the file's "benchmark" object; on success it is the file's type. */
static int check_benchmark(struct loader *l, const struct source *src, const char **type)
{
	static const char *const keys[] = {"type", "report", "name", "version", "url"};
	const json_t *bm = json_object_get(src->root, "benchmark");
	struct json_seg path[2] = {{.key = "benchmark"}, {0}};
	if (!json_is_object(bm))
		return fail_at(l, src, path, bm ? 1 : 0, "%s",
			       bm ? "must be an object" : "\"benchmark\" is required");
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)bm, k, v) {
		bool known = false;
		for (size_t i = 0; i < 5; i++)
			known |= strcmp(keys[i], k) == 0;
		path[1].key = k;
		if (!known)
			return fail_at(l, src, path, 2,
				       "unknown field (allowed: type, report, name, version, url)");
		if (!json_is_string(v) || json_string_length(v) == 0)
			return fail_at(l, src, path, 2, "must be a non-empty string");
	}
	for (size_t i = 0; i < 5; i++) {
		if (!json_object_get(bm, keys[i])) {
			path[1].key = keys[i];
			return fail_at(l, src, path, 1, "\"%s\" is required", keys[i]);
		}
	}
	*type = string_member(bm, "type");
	if (!valid_name(*type)) {
		path[1].key = "type";
		return fail_at(l, src, path, 2, "must be lower-case letters, digits, '-' or '_'");
	}
	return 0;
}

/* Files of the kept type must agree on the benchmark's metadata. */
static int adopt_benchmark(struct loader *l, const struct source *src)
{
	const char *type, *name, *version, *url, *report;
	if (src->shipped) {
		type = src->shipped->type;
		name = src->shipped->name;
		version = src->shipped->version;
		url = src->shipped->url;
		report = src->shipped->report;
	} else {
		const json_t *bm = json_object_get(src->root, "benchmark");
		type = string_member(bm, "type");
		name = string_member(bm, "name");
		version = string_member(bm, "version");
		url = string_member(bm, "url");
		report = string_member(bm, "report");
	}
	struct benchmark *have = &l->p->bm;
	if (!have->type) {
		have->type = xstrdup(type);
		have->report = xstrdup(report);
		have->name = xstrdup(name);
		have->version = xstrdup(version);
		have->url = xstrdup(url);
		return have->type && have->report && have->name && have->version && have->url
			       ? 0
			       : -ENOMEM;
	}
	struct json_seg path[2] = {{.key = "benchmark"}, {0}};
	if (strcmp(have->name, name) || strcmp(have->version, version) || strcmp(have->url, url) ||
	    strcmp(have->report, report))
		return fail_at(l, src, path, 1,
			       "differs from another file of benchmark \"%s\" (name, version, url and report must match)",
			       have->type);
	return 0;
}

/* Room for one more check named name (not yet defined), its "source"
 * set; the caller fills in the rest. */
static int new_check(struct loader *l, const struct source *src, size_t index, const char *name,
		     int line, struct check_def **out)
{
	for (size_t i = 0; i < l->p->n_checks; i++) {
		if (strcmp(l->p->checks[i].name, name) == 0) {
			struct json_seg path[3] = {{.key = "checks"}, {.index = index}, {.key = "name"}};
			return fail_at(l, src, path, 3, "check \"%s\" is already defined at %s", name,
				       l->p->checks[i].source);
		}
	}
	if (l->p->n_checks == l->cap_checks) {
		size_t cap = l->cap_checks ? l->cap_checks * 2 : 32;
		struct check_def *n = realloc(l->p->checks, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		l->p->checks = n;
		l->cap_checks = cap;
	}
	/* "path:line", without stdio's formatting (one per check). */
	char num[16];
	size_t nl = sizeof(num);
	unsigned u = line > 0 ? (unsigned)line : 0;
	do
		num[--nl] = (char)('0' + u % 10);
	while ((u /= 10) && nl > 1);
	size_t pl = strlen(src->path);
	char *where = malloc(pl + 1 + (sizeof(num) - nl) + 1);
	if (!where)
		return -ENOMEM;
	memcpy(where, src->path, pl);
	where[pl] = ':';
	memcpy(where + pl + 1, num + nl, sizeof(num) - nl);
	where[pl + 1 + sizeof(num) - nl] = '\0';
	struct check_def *c = &l->p->checks[l->p->n_checks++];
	memset(c, 0, sizeof(*c));
	c->source = where;
	*out = c;
	return 0;
}

static int add_check(struct loader *l, const struct source *src, size_t index, json_t *entry)
{
	static const char *const keys[] = {"name", "id", "title", "mode", "kind", "params",
					   "remediation", NULL};
	struct json_seg path[3] = {{.key = "checks"}, {.index = index}, {0}};
	if (!json_is_object(entry))
		return fail_at(l, src, path, 2, "each check must be an object");

	const char *k;
	json_t *v;
	json_object_foreach(entry, k, v) {
		bool known = false;
		for (size_t i = 0; keys[i]; i++)
			known |= strcmp(keys[i], k) == 0;
		path[2].key = k;
		if (!known)
			return fail_at(l, src, path, 3,
				       "unknown field (allowed: name, id, title, mode, kind, params, remediation)");
	}
	static const char *const required[] = {"name", "id", "title", "mode", "kind"};
	for (size_t i = 0; i < 5; i++) {
		path[2].key = required[i];
		const json_t *s = json_object_get(entry, required[i]);
		if (!s)
			return fail_at(l, src, path, 2, "\"%s\" is required", required[i]);
		if (!json_is_string(s) || json_string_length(s) == 0)
			return fail_at(l, src, path, 3, "must be a non-empty string");
	}
	const json_t *rem = json_object_get(entry, "remediation");
	path[2].key = "remediation";
	if (rem && !json_is_string(rem))
		return fail_at(l, src, path, 3, "must be a string");

	const char *name = string_member(entry, "name");
	path[2].key = "name";
	if (!valid_name(name))
		return fail_at(l, src, path, 3, "\"%s\" must be lower-case letters, digits, '-' or '_'",
			       name);
	const char *mode = string_member(entry, "mode");
	path[2].key = "mode";
	if (strcmp(mode, "Automatic") && strcmp(mode, "Manual"))
		return fail_at(l, src, path, 3, "must be \"Automatic\" or \"Manual\", not \"%s\"", mode);
	bool manual = strcmp(mode, "Manual") == 0;

	const char *kind_name = string_member(entry, "kind");
	const struct check_kind *kind = check_kind_find(kind_name);
	path[2].key = "kind";
	if (!kind) {
		char list[512] = "";
		for (size_t i = 0; check_kinds[i]; i++) {
			strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
			strncat(list, check_kinds[i]->name, sizeof(list) - strlen(list) - 1);
		}
		return fail_at(l, src, path, 3, "unknown kind \"%s\" (known: %s)", kind_name, list);
	}
	if (manual != (strcmp(kind_name, "manual") == 0))
		return fail_at(l, src, path, 3,
			       "mode \"Manual\" goes with kind \"manual\", and only with it");
	if (!manual && (!rem || json_string_length(rem) == 0)) {
		/* Point at an empty remediation, or at the check lacking one. */
		path[2].key = "remediation";
		return fail_at(l, src, path, rem ? 3 : 2, "an automatic check needs a remediation");
	}

	const json_t *params = json_object_get(entry, "params");
	struct param_error perr = {0};
	if (kind->validate && kind->validate(params, &perr) < 0) {
		struct json_seg ppath[4] = {{.key = "checks"}, {.index = index}, {.key = "params"},
					    {.key = perr.field}};
		size_t depth = params ? (perr.field[0] ? 4 : 3) : 2;
		return fail_at(l, src, ppath, depth, "%s%s", params ? "" : "params: ",
			       perr.message);
	}

	if (!l->type || strcmp(l->type, string_member(json_object_get(src->root, "benchmark"),
						      "type")))
		return 0; /* validated, but another benchmark's check */

	struct check_def *c;
	int rc = new_check(l, src, index, name, src->check_lines[index], &c);
	if (rc)
		return rc;
	c->entry = json_incref(entry);
	c->name = name;
	c->id = string_member(entry, "id");
	c->title = string_member(entry, "title");
	c->remediation = rem ? json_string_value(rem) : "";
	c->kind_name = kind_name;
	c->kind = kind;
	c->params = params;
	c->manual = manual;
	c->level = src->level;
	return 0;
}

/* A check of a file byte-identical to a shipped one: what the build's
 * validation made of it; its params tree is built from the compiled form
 * (no JSON parsed). */
static int add_shipped_check(struct loader *l, const struct source *src, size_t index)
{
	const struct profile_shipped_check *sc = &src->shipped->checks[index];
	struct check_def *c;
	int rc = new_check(l, src, index, sc->name, sc->line, &c);
	if (rc)
		return rc;
	json_t *params = NULL;
	if (sc->params) {
		params = json_compiled_build(sc->params);
		if (!params) {
			l->p->n_checks--;
			free((char *)c->source);
			return -ENOMEM; /* it was compiled from a valid tree */
		}
	}
	c->entry = params;
	c->name = sc->name;
	c->id = sc->id;
	c->title = sc->title;
	c->remediation = sc->remediation;
	c->kind_name = sc->kind;
	c->kind = check_kind_find(sc->kind);
	c->params = params;
	c->manual = sc->manual;
	c->level = src->level;
	return c->kind ? 0 : -EINVAL;
}

static void source_free(struct source *src)
{
	json_decref(src->root);
	free(src->text);
	free(src->check_lines);
	memset(src, 0, sizeof(*src));
}

static int add_file(struct loader *l, const char *path)
{
	char **n = realloc(l->p->files, (l->p->n_files + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	l->p->files = n;
	l->p->files[l->p->n_files] = strdup(path);
	if (!l->p->files[l->p->n_files])
		return -ENOMEM;
	l->p->n_files++;
	return 0;
}

/* A file byte-identical to a shipped one: its type, benchmark and checks
 * from the compiled form. */
static int load_shipped(struct loader *l, struct source *src, const char *path)
{
	const char *type = src->shipped->type;
	if (!l->first_type) {
		l->first_type = strdup(type);
		if (!l->first_type)
			return -ENOMEM;
	} else if (strcmp(l->first_type, type)) {
		l->many_types = true;
	}
	if (remember_type(l, type, src->shipped->name))
		return -ENOMEM;
	if (!l->type || strcmp(l->type, type) != 0)
		return 0;
	int rc = adopt_benchmark(l, src);
	for (size_t i = 0; !rc && i < src->shipped->n_checks; i++)
		rc = add_shipped_check(l, src, i);
	return rc ? rc : add_file(l, path);
}

/* Read and parse the file on the first pass; the second reuses it. */
static int load_file(struct loader *l, struct source *src, const struct profile_file *f)
{
	const char *path = f->path;
	int level = f->level;
	if (!src->root && !src->shipped) {
		src->path = path;
		src->level = level;
		if (!src->text && f->name)
			src->shipped = shipped_copy(f);
	}
	if (!src->root && !src->shipped) {
		int rc = src->text ? 0 : read_text(f->dirfd, f->name, &src->text, &src->len);
		if (rc) {
			snprintf(l->err, l->err_size, "%s: cannot read: %s", path,
				 rc == -EFBIG ? "larger than 4 MiB" : safe_strerror(rc));
			return -EINVAL;
		}
		src->shipped = find_shipped(level, src->text, src->len);
		if (src->shipped) {
			/* the compiled form has its bytes */
			free(src->text);
			src->text = NULL;
		}
	}
	if (src->shipped)
		return load_shipped(l, src, path);
	if (!src->root) {
		/* Over the real length: a NUL inside is an error, not the end. */
		json_error_t jerr;
		src->root = json_loadb(src->text, src->len, JSON_REJECT_DUPLICATES, &jerr);
		if (!src->root) {
			snprintf(l->err, l->err_size, "%s:%d:%d: %s", path, jerr.line, jerr.column,
				 jerr.text);
			return -EINVAL;
		}
	}
	const char *type = NULL;
	int rc = 0;
	if (!json_is_object(src->root)) {
		rc = fail_at(l, src, NULL, 0, "a profile must be a JSON object");
		goto out;
	}
	static const char *const top[] = {"format_version", "benchmark", "checks"};
	const char *k;
	json_t *v;
	json_object_foreach(src->root, k, v) {
		bool known = false;
		for (size_t i = 0; i < 3; i++)
			known |= strcmp(top[i], k) == 0;
		if (!known) {
			struct json_seg pth = {.key = k};
			rc = fail_at(l, src, &pth, 1,
				     "unknown field (allowed: format_version, benchmark, checks)");
			goto out;
		}
	}
	const json_t *ver = json_object_get(src->root, "format_version");
	struct json_seg vpath = {.key = "format_version"};
	if (!ver) {
		rc = fail_at(l, src, NULL, 0, "\"format_version\" is required (this cisreport reads %d)",
			     PROFILE_FORMAT_VERSION);
		goto out;
	}
	if (!json_is_integer(ver) || json_integer_value(ver) != PROFILE_FORMAT_VERSION) {
		rc = fail_at(l, src, &vpath, 1, "unsupported version (this cisreport reads %d)",
			     PROFILE_FORMAT_VERSION);
		goto out;
	}
	rc = check_benchmark(l, src, &type);
	if (rc)
		goto out;
	if (!l->first_type) {
		l->first_type = strdup(type);
	} else if (strcmp(l->first_type, type)) {
		l->many_types = true;
	}
	if (!l->first_type ||
	    remember_type(l, type, string_member(json_object_get(src->root, "benchmark"), "name"))) {
		rc = -ENOMEM;
		goto out;
	}
	json_t *checks = json_object_get(src->root, "checks");
	struct json_seg cpath = {.key = "checks"};
	if (!json_is_array(checks)) {
		rc = fail_at(l, src, &cpath, checks ? 1 : 0, "%s",
			     checks ? "must be an array" : "\"checks\" is required");
		goto out;
	}
	bool keep = l->type && strcmp(l->type, type) == 0;
	if (keep) {
		rc = adopt_benchmark(l, src);
		if (rc)
			goto out;
		/* where each kept check is defined, for its "source" */
		size_t n = json_array_size(checks);
		if (!src->check_lines && n) {
			src->check_lines = calloc(n, sizeof(*src->check_lines));
			if (!src->check_lines) {
				rc = -ENOMEM;
				goto out;
			}
			for (size_t j = 0; j < n; j++)
				src->check_lines[j] = 1;
			json_locate_items(src->text, &cpath, 1, src->check_lines, n);
		}
	}
	size_t i;
	json_t *entry;
	json_array_foreach(checks, i, entry) {
		rc = add_check(l, src, i, entry);
		if (rc)
			goto out;
	}
	if (keep)
		rc = add_file(l, path);
out:
	return rc;
}

static void profile_files_free(struct profile_files *pf)
{
	for (size_t i = 0; i < pf->n; i++)
		free((char *)pf->files[i].path);
	free(pf->files);
	for (size_t i = 0; i < pf->n_levels; i++)
		dir_list_free(&pf->levels[i]);
	free(pf->levels);
	dir_list_free(&pf->top);
}

/* level0 ... level255, as bloodhound's u8 levels; no sign, no leading zero
 * (level01 is not level 1). -1 for any other name. */
static int level_of(const char *name)
{
	const char *num = name + 5;
	if (strncmp(name, "level", 5) || !isdigit((unsigned char)num[0]) || (num[0] == '0' && num[1]))
		return -1;
	char *end;
	long lvl = strtol(num, &end, 10);
	return *end || lvl < 0 || lvl > PROFILE_MAX_LEVEL ? -1 : (int)lvl;
}

static bool is_profile_name(const char *name)
{
	size_t len = strlen(name);
	return name[0] != '.' && len >= 6 && strcmp(name + len - 5, ".json") == 0;
}

static int add_profile_file(struct profile_files *pf, size_t *cap, const char *dir,
			    const char *sub, const struct dir_list *d, const char *name, int level)
{
	if (pf->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct profile_file *f = realloc(pf->files, ncap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		pf->files = f;
		*cap = ncap;
	}
	struct profile_file *f = &pf->files[pf->n];
	char *path;
	if (asprintf(&path, "%s/%s/%s", dir, sub, name) < 0)
		return -ENOMEM;
	f->path = path;
	f->name = name;
	f->dirfd = d->fd;
	f->level = level;
	pf->n++;
	return 0;
}

/* Everything profile_load reads of dir: its own entries, and the profile
 * files of its level folders (a level folder that cannot be read is
 * skipped, as one that is not there). */
static int list_files(const char *dir, struct profile_files *pf, char *err, size_t err_size)
{
	memset(pf, 0, sizeof(*pf));
	int rc = dir_list_read(AT_FDCWD, dir, &pf->top);
	if (rc) {
		snprintf(err, err_size, "%s: cannot open profile directory: %s", dir, strerror(-rc));
		return -ENOENT;
	}
	size_t n_level_names = 0;
	for (size_t i = 0; i < pf->top.n; i++)
		n_level_names += level_of(pf->top.entries[i].name) >= 0;
	pf->levels = calloc(n_level_names ? n_level_names : 1, sizeof(*pf->levels));
	if (!pf->levels)
		rc = -ENOMEM;
	size_t cap = 0;
	for (size_t i = 0; i < pf->top.n && !rc; i++) {
		const char *sub = pf->top.entries[i].name;
		int level = level_of(sub);
		if (level < 0 || pf->top.entries[i].type == DT_REG)
			continue;
		struct dir_list *d = &pf->levels[pf->n_levels];
		int lrc = dir_list_read(pf->top.fd, sub, d);
		if (lrc == -ENOMEM)
			rc = lrc;
		if (lrc)
			continue;
		pf->n_levels++;
		for (size_t j = 0; j < d->n && !rc; j++)
			if (is_profile_name(d->entries[j].name))
				rc = add_profile_file(pf, &cap, dir, sub, d, d->entries[j].name, level);
	}
	if (rc) {
		profile_files_free(pf);
		snprintf(err, err_size, "%s: out of memory", dir);
	}
	return rc;
}

/* The benchmarks of Bottlerocket's own check folders: their types, report
 * names, and the "name" of the metadata.json Bottlerocket installs there
 * (packages/os/bottlerocket-cis-checks-metadata-json and its siblings in
 * bottlerocket-core-kit), for a
 * folder of checkers whose metadata.json has no "type". */
static const struct {
	const char *type, *report, *upstream_name;
} known_benchmarks[] = {
	{"bottlerocket", "cis", "CIS Bottlerocket Benchmark"},
	{"kubernetes", "cis-k8s", "CIS Kubernetes Benchmark (Worker Node)"},
	{"fips", "fips", "FIPS Security Policy"},
};

static const char *report_of(const char *type)
{
	for (size_t i = 0; i < sizeof(known_benchmarks) / sizeof(known_benchmarks[0]); i++)
		if (strcmp(known_benchmarks[i].type, type) == 0)
			return known_benchmarks[i].report;
	return type;
}

static const char *upstream_type(const char *name)
{
	for (size_t i = 0; name && i < sizeof(known_benchmarks) / sizeof(known_benchmarks[0]); i++)
		if (strcmp(known_benchmarks[i].upstream_name, name) == 0)
			return known_benchmarks[i].type;
	return NULL;
}

/* The checkers of dir into p (of benchmark type); their warnings too. A
 * folder of checkers only takes its benchmark from type (metadata.json's
 * name, version and url are adopted by the caller). */
static int merge_checkers(struct profile *p, const char *dir, const struct dir_list *entries,
			  const char *type, char *err, size_t err_size)
{
	struct checker_dir cd;
	int rc = checker_dir_load_listed(dir, entries, &cd, err, err_size);
	if (rc)
		return rc;
	if (!cd.n_executables) {
		checker_dir_free(&cd);
		return 0;
	}
	if (!p->bm.type && cd.n_defs) {
		p->bm.type = strdup(type);
		p->bm.report = strdup(report_of(type));
		if (!p->bm.type || !p->bm.report) {
			checker_dir_free(&cd);
			snprintf(err, err_size, "%s: out of memory", dir);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < cd.n_defs; i++) {
		const struct check_def *c = &cd.defs[i];
		for (size_t j = 0; j < p->n_checks; j++) {
			if (strcmp(p->checks[j].name, c->name) == 0) {
				snprintf(err, err_size, "%s: check \"%s\" is already defined at %s", c->source,
					 c->name, p->checks[j].source);
				checker_dir_free(&cd);
				return -EINVAL;
			}
		}
	}
	struct check_def *n = realloc(p->checks, (p->n_checks + cd.n_defs + 1) * sizeof(*n));
	if (!n) {
		checker_dir_free(&cd);
		snprintf(err, err_size, "%s: out of memory", dir);
		return -ENOMEM;
	}
	p->checks = n;
	if (cd.n_defs) /* memcpy from NULL is undefined, even of 0 bytes */
		memcpy(p->checks + p->n_checks, cd.defs, cd.n_defs * sizeof(*n));
	p->n_checks += cd.n_defs;
	p->n_checkers = cd.n_defs;
	free(cd.defs);
	cd.defs = NULL;
	cd.n_defs = 0;
	p->warnings = cd.warnings;
	p->n_warnings = cd.n_warnings;
	cd.warnings = NULL;
	cd.n_warnings = 0;
	checker_dir_free(&cd);
	return 0;
}

static int by_check_name(const void *a, const void *b)
{
	return strcmp(((const struct check_def *)a)->name, ((const struct check_def *)b)->name);
}

/* The type metadata.json stands for: its "type" marker, else the one type
 * whose benchmark name is its "name"; NULL if it names none. */
static const char *described_type(const struct loader *l, const struct dir_metadata *md)
{
	if (md->type)
		return md->type;
	const char *found = NULL;
	for (size_t i = 0; md->name && i < l->n_seen; i++) {
		if (strcmp(l->seen_names[i], md->name))
			continue;
		if (found)
			return NULL; /* two types of that name: it says neither */
		found = l->seen_types[i];
	}
	return found;
}

/* bloodhound reports metadata.json's name, version and url: when the file
 * describes the benchmark kept, what it gives replaces the profile's. */
static int adopt_metadata(struct benchmark *bm, const struct dir_metadata *md)
{
	char *const from[] = {md->name, md->version, md->url};
	char **to[] = {&bm->name, &bm->version, &bm->url};
	for (size_t i = 0; i < 3; i++) {
		if (!from[i])
			continue;
		char *v = strdup(from[i]);
		if (!v)
			return -ENOMEM;
		free(*to[i]);
		*to[i] = v;
	}
	return 0;
}

/* Whether the files of levels above the report's can be left unread: the
 * type kept is known without them (given, named by metadata.json, or the
 * files read show two types, so "bottlerocket"); otherwise "the only type
 * in the folder" needs every file's. */
static bool type_settled(const char *type, bool have_md, const struct dir_metadata *md,
			 const struct loader *l)
{
	if (type)
		return true;
	if (have_md)
		return md->type != NULL;
	return l->many_types;
}

int profile_load(const char *dir, const char *type, struct profile *p, char *err, size_t err_size)
{
	return profile_load_levels(dir, type, INT_MAX, p, err, err_size);
}

int profile_load_levels(const char *dir, const char *type, int max_level, struct profile *p,
			char *err, size_t err_size)
{
	memset(p, 0, sizeof(*p));
	struct dir_metadata md;
	int rc = dir_metadata_read(dir, &md, err, err_size);
	bool have_md = rc == 0;
	if (rc && rc != -ENOENT)
		return rc == -ENOMEM ? rc : -EINVAL;
	struct profile_files pf;
	rc = list_files(dir, &pf, err, err_size);
	size_t n = pf.n;
	if (rc) {
		dir_metadata_free(&md);
		return rc;
	}
	struct loader l = {.p = p, .type = type, .err = err, .err_size = err_size};
	/* Pass 1 validates every file and learns which types exist; pass 2
	 * (when the type was not given) keeps the checks of the chosen one,
	 * from the files pass 1 parsed. */
	struct source *srcs = calloc(n ? n : 1, sizeof(*srcs));
	if (!srcs)
		rc = -ENOMEM;
	for (size_t i = 0; i < n && !rc; i++)
		if (pf.files[i].level <= max_level)
			rc = load_file(&l, &srcs[i], &pf.files[i]);
	/* The files above max_level are read only when the type needs them. */
	bool skip_above = !rc && type_settled(type, have_md, &md, &l);
	for (size_t i = 0; i < n && !rc && !skip_above; i++)
		if (pf.files[i].level > max_level)
			rc = load_file(&l, &srcs[i], &pf.files[i]);
	const char *md_type = have_md ? described_type(&l, &md) : NULL;
	/* Bottlerocket's own metadata.json beside its checkers names its
	 * benchmark only by name. */
	if (have_md && !md_type && !md.type)
		md_type = upstream_type(md.name);
	if (!rc && !type) {
		l.type = md_type                          ? md_type
			 : l.many_types || !l.first_type ? "bottlerocket"
							 : l.first_type;
		for (size_t i = 0; i < n && !rc; i++)
			if (!skip_above || pf.files[i].level <= max_level)
				rc = load_file(&l, &srcs[i], &pf.files[i]);
	}
	for (size_t i = 0; srcs && i < n; i++)
		source_free(&srcs[i]);
	free(srcs);
	/* The checkers are the folder's benchmark: the one metadata.json stands
	 * for, else the one a -c DIR without -t reports. In a folder of
	 * checkers only, the one asked for. */
	const char *checker_type = md_type                          ? md_type
				   : l.many_types || !l.first_type ? "bottlerocket"
								   : l.first_type;
	if (!rc && (n == 0 || strcmp(checker_type, l.type) == 0))
		rc = merge_checkers(p, dir, &pf.top, l.type, err, err_size);
	if (!rc && p->n_checks == 0) {
		int w = snprintf(err, err_size,
				 "%s: no checks of benchmark \"%s\" found (profile files: %zu)%s", dir,
				 l.type ? l.type : "bottlerocket", n,
				 !type && md_type ? " (the type " DIR_METADATA_FILE " names)" : "");
		/* Why the executables there are not checkers. */
		for (size_t i = 0; w > 0 && (size_t)w < err_size && i < p->n_warnings; i++) {
			int more = snprintf(err + w, err_size - (size_t)w, "; %s", p->warnings[i]);
			w = more < 0 ? -1 : w + more;
		}
		rc = -ENOENT;
	}
	profile_files_free(&pf);
	/* A folder of checkers only is what its metadata.json says, whatever
	 * the type. */
	if (!rc && have_md &&
	    ((md_type && strcmp(md_type, l.type) == 0) || (n == 0 && p->n_checkers)))
		rc = adopt_metadata(&p->bm, &md);
	if (rc == -ENOMEM)
		snprintf(err, err_size, "%s: out of memory", dir);
	free(l.first_type);
	for (size_t i = 0; i < l.n_seen; i++) {
		free(l.seen_types[i]);
		free(l.seen_names[i]);
	}
	free(l.seen_types);
	free(l.seen_names);
	dir_metadata_free(&md);
	if (!rc) {
		qsort(p->checks, p->n_checks, sizeof(*p->checks), by_check_name);
		p->dir = strdup(dir);
	} else {
		profile_free(p);
	}
	return rc;
}

int profile_load_text(const char *name, const char *text, size_t len, int level,
		      const char *type, struct profile *p, char *err, size_t err_size)
{
	memset(p, 0, sizeof(*p));
	struct loader l = {.p = p, .type = type, .err = err, .err_size = err_size};
	struct source src = {0};
	int rc = 0;
	if (len > PROFILE_MAX_FILE) {
		snprintf(err, err_size, "%s: cannot read: larger than 4 MiB", name);
		return -EINVAL;
	}
	if (!(src.text = malloc(len + 1)))
		return -ENOMEM;
	if (len)
		memcpy(src.text, text, len);
	src.text[len] = '\0';
	src.len = len;
	/* the text is given: nothing is opened */
	const struct profile_file f = {.path = name, .dirfd = -1, .level = level};
	rc = load_file(&l, &src, &f);
	if (!rc && !type) {
		l.type = l.many_types || !l.first_type ? "bottlerocket" : l.first_type;
		rc = load_file(&l, &src, &f);
	}
	source_free(&src);
	if (!rc && p->n_checks == 0) {
		snprintf(err, err_size, "%s: no checks of benchmark \"%s\" found", name, l.type);
		rc = -ENOENT;
	}
	if (rc == -ENOMEM)
		snprintf(err, err_size, "%s: out of memory", name);
	free(l.first_type);
	for (size_t i = 0; i < l.n_seen; i++) {
		free(l.seen_types[i]);
		free(l.seen_names[i]);
	}
	free(l.seen_types);
	free(l.seen_names);
	if (!rc)
		qsort(p->checks, p->n_checks, sizeof(*p->checks), by_check_name);
	else
		profile_free(p);
	return rc;
}

void check_defs_free(struct check_def *defs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)defs[i].source);
		json_decref(defs[i].entry);
	}
	free(defs);
}

void profile_free(struct profile *p)
{
	check_defs_free(p->checks, p->n_checks);
	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i]);
	free(p->files);
	for (size_t i = 0; i < p->n_warnings; i++)
		free(p->warnings[i]);
	free(p->warnings);
	free(p->bm.type);
	free(p->bm.report);
	free(p->bm.name);
	free(p->bm.version);
	free(p->bm.url);
	free(p->dir);
	memset(p, 0, sizeof(*p));
}

const struct check_def *profile_find_check(const struct profile *p, const char *name_or_id)
{
	for (size_t i = 0; i < p->n_checks; i++)
		if (strcmp(p->checks[i].name, name_or_id) == 0 ||
		    strcmp(p->checks[i].id, name_or_id) == 0)
			return &p->checks[i];
	return NULL;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *profile_default_dir(void)
{
	static char beside[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			int w = snprintf(beside, sizeof(beside), "%s/%s", exe,
					 CISREPORT_PROFILE_DIR_FROM_EXE);
			if (w > 0 && (size_t)w < sizeof(beside) && is_dir(beside))
				return beside;
		}
	}
	if (is_dir(CISREPORT_PROFILE_DIR))
		return CISREPORT_PROFILE_DIR;
	return CISREPORT_SOURCE_PROFILE_DIR;
}
