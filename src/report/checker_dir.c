#include "checker_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/kind.h"
#include "core/checker_proto.h"
#include "core/exec_trust.h"
#include "core/host.h"
#include "core/spawn_set.h"

void checker_dir_free(struct checker_dir *d)
{
	check_defs_free(d->defs, d->n_defs);
	for (size_t i = 0; i < d->n_warnings; i++)
		free(d->warnings[i]);
	free(d->warnings);
	memset(d, 0, sizeof(*d));
}

__attribute__((format(printf, 2, 3))) static int warn(struct checker_dir *d, const char *fmt, ...)
{
	char **n = realloc(d->warnings, (d->n_warnings + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	d->warnings = n;
	va_list ap;
	va_start(ap, fmt);
	int rc = vasprintf(&d->warnings[d->n_warnings], fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -ENOMEM;
	d->n_warnings++;
	return 0;
}

/* A check_def over entry (owned: the strings point into it). */
static int add_def(struct checker_dir *d, json_t *entry, int level, const char *path)
{
	if (!entry)
		return -ENOMEM;
	struct check_def *n = realloc(d->defs, (d->n_defs + 1) * sizeof(*n));
	if (!n) {
		json_decref(entry);
		return -ENOMEM;
	}
	d->defs = n;
	char *source = strdup(path);
	if (!source) {
		json_decref(entry);
		return -ENOMEM;
	}
	const char *mode = json_string_value(json_object_get(entry, "mode"));
	struct check_def *c = &d->defs[d->n_defs++];
	memset(c, 0, sizeof(*c));
	c->entry = entry;
	c->name = json_string_value(json_object_get(entry, "name"));
	c->id = json_string_value(json_object_get(entry, "id"));
	c->title = json_string_value(json_object_get(entry, "title"));
	c->remediation = "";
	c->kind_name = "checker";
	c->kind = check_kind_find("checker");
	c->params = json_object_get(entry, "params");
	c->manual = strcmp(mode, "Manual") == 0;
	c->level = level;
	c->source = source;
	return 0;
}

static int add_checker(struct checker_dir *d, const char *path, const struct checker_meta *m)
{
	json_t *params = json_pack("{s:s}", "path", path);
	if (params && m->manual && json_object_set_new(params, "manual", json_true()) < 0) {
		json_decref(params);
		params = NULL;
	}
	json_t *entry = params ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "name", m->name, "id",
					   m->id, "title", m->title, "mode",
					   m->manual ? "Manual" : "Automatic", "kind", "checker",
					   "params", params)
			       : NULL;
	return add_def(d, entry, m->level, path);
}

/* A file the trust rule refuses: a SKIP check that says why. */
static int add_refused(struct checker_dir *d, const char *path, const char *file,
		       const char *why)
{
	char title[PATH_MAX + 512];
	snprintf(title, sizeof(title), "not run: %s", why);
	json_t *entry = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "name", file, "id", "-",
				  "title", title, "mode", "Automatic", "kind", "checker", "params",
				  "path", path, "refused", why);
	return add_def(d, entry, 0, path);
}

/* The entries of dir (listed in entries) that bloodhound would run,
 * sorted (for a stable scan order and stable warnings; the report sorts by
 * checker name anyway). A directory (by the listing's type) is never one;
 * anything else is looked at through symlinks, as stat(2) sees it. */
static int list_executables(const char *dir, const struct dir_list *entries, struct checker_dir *d,
			    char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int rc = 0;
	for (size_t i = 0; !rc && i < entries->n; i++) {
		const struct dir_entry *de = &entries->entries[i];
		if (de->type == DT_DIR)
			continue;
		struct stat st;
		if (fstatat(entries->fd, de->name, &st, 0) < 0) {
			int err = errno;
			struct stat lst;
			if (fstatat(entries->fd, de->name, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(lst.st_mode))
				rc = warn(d, "%s/%s: not a checker: a symlink to nothing (%s)", dir,
					  de->name, strerror(err));
			continue;
		}
		if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
			continue;
		char **nn = realloc(*out, (*n + 1) * sizeof(*nn));
		if (!nn) {
			rc = -ENOMEM;
			break;
		}
		*out = nn;
		if (!((*out)[*n] = strdup(de->name))) {
			rc = -ENOMEM;
			break;
		}
		(*n)++;
	}
	/* entries are sorted by name already */
	return rc;
}

/* dir as an absolute path, symlinks kept: the child starts in "/", and
 * argv[0] keeps the name the folder was given by. */
static int absolute(const char *dir, char *buf, size_t size)
{
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (dir[0] == '/') {
		if (len >= size)
			return -ENAMETOOLONG;
		memcpy(buf, dir, len);
		buf[len] = '\0';
		return 0;
	}
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	int n = snprintf(buf, size, "%s/%.*s", strcmp(cwd, "/") ? cwd : "", (int)len, dir);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int checker_dir_load(const char *dir, struct checker_dir *d, char *err, size_t err_size)
{
	struct dir_list entries;
	int rc = dir_list_read(AT_FDCWD, dir, &entries);
	if (rc) {
		memset(d, 0, sizeof(*d));
		snprintf(err, err_size, "%s: cannot read checker folder: %s", dir, strerror(-rc));
		return rc == -ENOMEM ? rc : -ENOENT;
	}
	rc = checker_dir_load_listed(dir, &entries, d, err, err_size);
	dir_list_free(&entries);
	return rc;
}

int checker_dir_load_listed(const char *dir_arg, const struct dir_list *entries,
			    struct checker_dir *d, char *err, size_t err_size)
{
	memset(d, 0, sizeof(*d));
	char dir[PATH_MAX];
	int rc = absolute(dir_arg, dir, sizeof(dir));
	if (rc) {
		snprintf(err, err_size, "%s: %s", dir_arg, strerror(-rc));
		return rc;
	}
	char **files;
	size_t n;
	rc = list_executables(dir, entries, d, &files, &n);
	if (rc) {
		snprintf(err, err_size, "%s: cannot read checker folder: %s", dir_arg, strerror(-rc));
		for (size_t i = 0; i < n; i++)
			free(files[i]);
		free(files);
		checker_dir_free(d);
		return rc == -ENOMEM ? rc : -ENOENT;
	}
	d->n_executables = n;
	struct spawn_set set;
	spawn_set_init(&set);
	char **paths = calloc(n ? n : 1, sizeof(*paths));
	int *index = calloc(n ? n : 1, sizeof(*index));
	if (!paths || !index)
		rc = -ENOMEM;
	uid_t uid = geteuid();
	int timeout = host_checker_timeout();
	/* Every metadata call starts before the first is read. */
	for (size_t i = 0; !rc && i < n; i++) {
		if (asprintf(&paths[i], "%s/%s", strcmp(dir, "/") ? dir : "", files[i]) < 0) {
			paths[i] = NULL;
			rc = -ENOMEM;
			break;
		}
		char why[PATH_MAX * 2 + 256];
		if (exec_trusted(dir, paths[i], uid, why, sizeof(why)) < 0) {
			index[i] = -1;
			rc = add_refused(d, paths[i], files[i], why);
			if (!rc)
				rc = warn(d, "%s: refused: %s", paths[i], why);
			continue;
		}
		char *argv[] = {paths[i], "metadata", NULL};
		index[i] = spawn_set_start(&set, paths[i], paths[i], argv, timeout);
		if (index[i] < 0)
			rc = index[i];
	}
	if (!rc)
		spawn_set_wait(&set, -1);
	for (size_t i = 0; !rc && i < n; i++) {
		if (index[i] < 0)
			continue;
		const struct spawn_proc *p = &set.procs[index[i]];
		struct checker_meta m;
		char why[512];
		/* As bloodhound, the exit status of `metadata` does not matter:
		 * its stdout does. */
		int prc;
		if (p->start_err) {
			snprintf(why, sizeof(why), "cannot run it: %s", strerror(-p->start_err));
			prc = -EINVAL;
		} else if (p->timed_out) {
			snprintf(why, sizeof(why), "`%s metadata` did not end within %d ms (killed)",
				 files[i], p->timeout_ms);
			prc = -EINVAL;
		} else if (p->out.truncated) {
			snprintf(why, sizeof(why), "metadata larger than %u KiB",
				 SPAWN_MAX_OUTPUT >> 10);
			prc = -EINVAL;
		} else {
			prc = checker_parse_metadata(p->out.data, p->out.len, &m, why, sizeof(why));
		}
		if (prc == -ENOMEM) {
			rc = prc;
		} else if (prc) {
			rc = warn(d, "%s: not a checker: metadata: %s", paths[i], why);
		} else {
			rc = add_checker(d, paths[i], &m);
			checker_meta_free(&m);
		}
	}
	spawn_set_free(&set);
	for (size_t i = 0; i < n; i++) {
		free(files[i]);
		if (paths)
			free(paths[i]);
	}
	free(files);
	free(paths);
	free(index);
	if (rc) {
		snprintf(err, err_size, "%s: out of memory", dir_arg);
		checker_dir_free(d);
	}
	return rc;
}
