/* tree_permissions: no regular file under a directory has a forbidden
 * permission bit.
 *
 * params: {"path": "/var/log/journal", "deny_mask": "0007",
 *          "missing_reason": "journald is not storing logs persistently",
 *          "max_depth": 16, "max_files": 100000, "max_listed": 10}
 *
 * The walk never follows symlinks (a link is neither descended nor judged)
 * and is bounded: beyond max_depth directory levels or max_files regular
 * files it stops and says so. A missing directory is not a vacuous PASS. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "params.h"

#define DEFAULT_MAX_DEPTH 16
#define DEFAULT_MAX_FILES 100000
#define DEFAULT_MAX_LISTED 10

struct walk {
	struct check_result *r;
	mode_t deny;
	char deny_text[8];
	long long max_depth, max_files, max_listed;
	size_t n_files, n_bad;
	char first_bad[3][PATH_MAX + 16]; /* for the reason line */
	char unreadable[PATH_MAX + 64];
	char limit[PATH_MAX + 96];
};

static int parse_mask(const char *text, mode_t *out)
{
	char *end;
	if (!text[0] || strspn(text, "01234567") != strlen(text) || strlen(text) > 5)
		return -EINVAL;
	unsigned long v = strtoul(text, &end, 8);
	if (*end || v == 0 || v > 07777)
		return -EINVAL;
	*out = (mode_t)v;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted so that evidence is stable. */
static int list_names(int fd, struct walk *w, const char *abs, char ***out, size_t *count)
{
	int dup_fd = dup(fd);
	if (dup_fd < 0)
		return -errno;
	DIR *d = fdopendir(dup_fd);
	if (!d) {
		int rc = -errno;
		close(dup_fd);
		return rc;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((long long)n >= w->max_files) {
			snprintf(w->limit, sizeof(w->limit), "%s holds more than %lld entries", abs,
				 w->max_files);
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			char **nn = realloc(names, ncap * sizeof(*nn));
			if (!nn) {
				rc = -ENOMEM;
				break;
			}
			names = nn;
			cap = ncap;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = -ENOMEM;
			break;
		}
		n++;
	}
	if (!rc && !de && errno)
		rc = -errno;
	closedir(d);
	if (rc) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return rc;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_name);
	*out = names;
	*count = n;
	return 0;
}

static void note_unreadable(struct walk *w, const char *abs, int rc)
{
	if (!w->unreadable[0])
		snprintf(w->unreadable, sizeof(w->unreadable), "cannot read %s: %s", abs,
			 host_strerror(rc));
}

static void judge_file(struct walk *w, const char *abs, const struct stat *st)
{
	w->n_files++;
	if ((long long)w->n_files > w->max_files) {
		snprintf(w->limit, sizeof(w->limit), "more than %lld regular files", w->max_files);
		return;
	}
	mode_t perm = st->st_mode & 07777;
	if (!(perm & w->deny))
		return;
	if (w->n_bad < 3)
		snprintf(w->first_bad[w->n_bad], sizeof(w->first_bad[0]), "%s (%04o)", abs,
			 (unsigned)perm);
	w->n_bad++;
	if ((long long)w->n_bad <= w->max_listed) {
		char expected[48];
		snprintf(expected, sizeof(expected), "no bits of %s", w->deny_text);
		result_evidence(w->r, abs, expected, false, "%04o", (unsigned)perm);
	}
}

/* abs is the path shown to the user (without the root prefix). */
static void walk_dir(struct walk *w, int fd, const char *abs, long long depth)
{
	char **names = NULL;
	size_t n = 0;
	int rc = list_names(fd, w, abs, &names, &n);
	if (rc) {
		note_unreadable(w, abs, rc);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (w->limit[0])
			break;
		char child[PATH_MAX];
		if (snprintf(child, sizeof(child), "%s/%s", abs, names[i]) >= (int)sizeof(child)) {
			note_unreadable(w, abs, -ENAMETOOLONG);
			continue;
		}
		struct stat st;
		if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT) /* vanished meanwhile: not there */
				note_unreadable(w, child, -errno);
			continue;
		}
		if (S_ISREG(st.st_mode)) {
			judge_file(w, child, &st);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth + 1 > w->max_depth) {
				snprintf(w->limit, sizeof(w->limit), "%s is deeper than %lld levels",
					 child, w->max_depth);
				break;
			}
			int cfd = openat(fd, names[i],
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				if (errno != ENOENT)
					note_unreadable(w, child, -errno);
				continue;
			}
			walk_dir(w, cfd, child, depth + 1);
			close(cfd);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void tree_permissions_run(struct host *h, const json_t *params, struct check_result *r)
{
	const char *path = param_str(params, "path", "/");
	const char *missing = param_str(params, "missing_reason", NULL);
	struct walk *w = calloc(1, sizeof(*w));
	if (!w) {
		result_skip(r, OUTCOME_UNABLE, "out of memory");
		return;
	}
	w->r = r;
	parse_mask(param_str(params, "deny_mask", "0007"), &w->deny);
	snprintf(w->deny_text, sizeof(w->deny_text), "%04o", (unsigned)w->deny);
	w->max_depth = param_int(params, "max_depth", DEFAULT_MAX_DEPTH);
	w->max_files = param_int(params, "max_files", DEFAULT_MAX_FILES);
	w->max_listed = param_int(params, "max_listed", DEFAULT_MAX_LISTED);

	char full[PATH_MAX];
	struct stat st;
	int rc = host_path(h, path, full, sizeof(full));
	if (!rc && lstat(full, &st) < 0)
		rc = -errno;
	if (rc == -ENOENT) {
		result_skip(r, OUTCOME_UNABLE, "%s does not exist%s%s%s", path,
			    missing ? " (" : "", missing ? missing : "", missing ? ")" : "");
		goto out;
	}
	if (rc) {
		result_skip(r, OUTCOME_UNABLE, "cannot read %s: %s", path, host_strerror(rc));
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		result_skip(r, OUTCOME_UNABLE, "%s is a symlink; it is not followed", path);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		result_skip(r, OUTCOME_UNABLE, "%s is not a directory", path);
		goto out;
	}
	int fd = open(full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		result_skip(r, OUTCOME_UNABLE, "cannot read %s: %s", path, host_strerror(-errno));
		goto out;
	}
	walk_dir(w, fd, path, 0);
	close(fd);

	char expected[48];
	snprintf(expected, sizeof(expected), "no regular file with any bit of %s", w->deny_text);
	size_t judged = w->n_files > (size_t)w->max_files ? (size_t)w->max_files : w->n_files;
	if (w->n_bad) {
		result_evidence(r, "offending files", "0", false, "%zu of %zu regular files%s%s",
				w->n_bad, judged, w->limit[0] ? "; walk stopped: " : "", w->limit);
		if (w->unreadable[0])
			result_evidence(r, "unreadable", "none", false, "%s", w->unreadable);
		result_fail(r, "%zu regular file%s under %s ha%s bits of %s set: %s%s%s%s%s%s",
			    w->n_bad, w->n_bad == 1 ? "" : "s", path, w->n_bad == 1 ? "s" : "ve",
			    w->deny_text, w->first_bad[0], w->n_bad > 1 ? ", " : "", w->first_bad[1],
			    w->n_bad > 2 ? ", " : "", w->first_bad[2], w->n_bad > 3 ? ", ..." : "");
	} else if (w->limit[0]) {
		result_evidence(r, path, expected, false, "walk stopped after %zu regular files: %s",
				judged, w->limit);
		result_skip(r, OUTCOME_UNABLE, "walk of %s stopped, limit reached: %s", path,
			    w->limit);
	} else if (w->unreadable[0]) {
		result_evidence(r, path, expected, false, "%zu regular files fine; %s", judged,
				w->unreadable);
		result_skip(r, OUTCOME_UNABLE, "%s", w->unreadable);
	} else {
		result_evidence(r, path, expected, true, "%zu regular file%s, none with bits of %s",
				judged, judged == 1 ? "" : "s", w->deny_text);
		result_pass(r, NULL);
	}
out:
	free(w);
}

static int tree_permissions_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"path",      "deny_mask",  "missing_reason",
					      "max_depth", "max_files",  "max_listed", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string(params, "path", true, err);
	if (!rc)
		rc = param_string(params, "deny_mask", true, err);
	if (!rc)
		rc = param_string(params, "missing_reason", false, err);
	if (!rc)
		rc = param_integer(params, "max_depth", false, err);
	if (!rc)
		rc = param_integer(params, "max_files", false, err);
	if (!rc)
		rc = param_integer(params, "max_listed", false, err);
	if (rc)
		return rc;
	const char *path = param_str(params, "path", "");
	if (path[0] != '/' || strstr(path, ".."))
		return param_fail(err, "path", "must be an absolute path without \"..\"");
	mode_t m;
	if (parse_mask(param_str(params, "deny_mask", ""), &m))
		return param_fail(err, "deny_mask",
				  "must be an octal permission mask such as \"0007\" (1 to 07777)");
	long long v = param_int(params, "max_depth", DEFAULT_MAX_DEPTH);
	if (v < 1 || v > 64)
		return param_fail(err, "max_depth", "must be between 1 and 64");
	v = param_int(params, "max_files", DEFAULT_MAX_FILES);
	if (v < 1 || v > 10000000)
		return param_fail(err, "max_files", "must be between 1 and 10000000");
	v = param_int(params, "max_listed", DEFAULT_MAX_LISTED);
	if (v < 1 || v > 1000)
		return param_fail(err, "max_listed", "must be between 1 and 1000");
	return 0;
}

static int tree_permissions_inputs(const json_t *params, struct check_inputs *out)
{
	return inputs_add(out, INPUT_TREE, param_str(params, "path", "/"));
}

const struct check_kind tree_permissions_kind = {
	.name = "tree_permissions",
	.summary = "no regular file under a directory has a denied permission bit",
	.validate = tree_permissions_validate,
	.run = tree_permissions_run,
	.inputs = tree_permissions_inputs,
};
