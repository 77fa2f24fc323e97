/* journald: the effective value of a journald.conf setting, resolved the way
 * systemd resolves it.
 *
 * params: {"key": "Storage", "value": "persistent",
 *          "default": "auto",                 (systemd's value when unset)
 *          "accepted": ["volatile", ...],     (values systemd takes; others
 *                                              are ignored, as systemd does)
 *          "section": "Journal",              (default)
 *          "config": "systemd/journald.conf"} (default)
 *
 * Files, in the order systemd applies them:
 *   1. the main file: the first of /etc, /run, /usr/local/lib, /usr/lib
 *      /<config> that exists;
 *   2. drop-ins, the files named *.conf in <dir>/<config>.d of the same four directories, in
 *      filename order; a name in an earlier directory hides the same name in
 *      later ones, and a drop-in that is a symlink to /dev/null (or empty)
 *      masks that name.
 * Within a file only the [section] counts, # and ; start comment lines, a
 * trailing backslash continues a line, and the last assignment wins. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "params.h"

static const char *const conf_dirs[] = {"/etc", "/run", "/usr/local/lib", "/usr/lib"};
#define N_CONF_DIRS (sizeof(conf_dirs) / sizeof(conf_dirs[0]))
#define MAX_DROPINS 512

struct setting {
	const json_t *params;
	const char *key, *section;
	bool set;
	char value[512];
	char where[PATH_MAX + 32]; /* "file:line" of the effective assignment */
	char ignored[PATH_MAX + 256]; /* last assignment systemd would ignore */
	bool stopped;             /* a fatal syntax error ended parsing */
	char stop_note[PATH_MAX + 96];
	char files[2048];         /* what was read, for evidence */
};

__attribute__((format(printf, 2, 3))) static void add_file_note(struct setting *s,
								 const char *fmt, ...)
{
	size_t used = strlen(s->files);
	if (used + 8 >= sizeof(s->files))
		return;
	if (used)
		used += (size_t)snprintf(s->files + used, sizeof(s->files) - used, ", ");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->files + used, sizeof(s->files) - used, fmt, ap);
	va_end(ap);
}

static bool accepted(const json_t *params, const char *value)
{
	const json_t *list = json_object_get(params, "accepted");
	if (!list)
		return true;
	size_t i;
	const json_t *e;
	json_array_foreach(list, i, e) if (strcmp(json_string_value(e), value) == 0) return true;
	return false;
}

static char *strip(char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	size_t n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' || p[n - 1] == '\r'))
		p[--n] = '\0';
	return p;
}

/* One logical line. Returns false on a syntax error that makes systemd stop
 * reading configuration (an invalid section header). */
static bool apply_line(struct setting *s, const char *file, size_t lineno, char *line,
		       bool *in_section)
{
	char *l = strip(line);
	if (!*l)
		return true;
	if (*l == '[') {
		size_t n = strlen(l);
		if (l[n - 1] != ']') {
			snprintf(s->stop_note, sizeof(s->stop_note),
				 "%s:%zu: invalid section header, systemd stops parsing there", file,
				 lineno);
			return false;
		}
		l[n - 1] = '\0';
		*in_section = strcmp(l + 1, s->section) == 0;
		return true;
	}
	if (!*in_section)
		return true; /* another section, or an assignment before any */
	char *eq = strchr(l, '=');
	if (!eq || eq == l)
		return true; /* systemd: "Missing '='", line ignored */
	*eq = '\0';
	char *key = strip(l), *value = strip(eq + 1);
	if (strcmp(key, s->key) != 0)
		return true;
	if (!accepted(s->params, value)) {
		snprintf(s->ignored, sizeof(s->ignored), "%s=%s at %s:%zu is ignored by systemd",
			 key, value, file, lineno);
		return true;
	}
	s->set = true;
	snprintf(s->value, sizeof(s->value), "%s", value);
	snprintf(s->where, sizeof(s->where), "%s:%zu", file, lineno);
	return true;
}

/* systemd's config_parse over one file's text. */
static bool apply_text(struct setting *s, const char *file, char *text, size_t len)
{
	bool in_section = false;
	char *cont = NULL; /* a line continued with a trailing backslash */
	size_t lineno = 0;
	bool ok = true;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	for (char *p = text; ok && p < text + len;) {
		char *nl = memchr(p, '\n', (size_t)(text + len - p));
		if (nl)
			*nl = '\0';
		char *next = nl ? nl + 1 : text + len;
		lineno++;
		const char *first = p + strspn(p, " \t\r");
		if (*first == '#' || *first == ';') {
			p = next;
			continue; /* comments, even inside a continuation */
		}
		char *logical = p;
		if (cont) {
			size_t a = strlen(cont), b = strlen(p);
			char *joined = realloc(cont, a + b + 1);
			if (!joined)
				break;
			memcpy(joined + a, p, b + 1);
			cont = joined;
			logical = cont;
		}
		bool escaped = false;
		char *e = logical;
		for (; *e; e++)
			escaped = escaped ? false : *e == '\\';
		if (escaped) {
			e[-1] = ' ';
			if (!cont)
				cont = strdup(logical);
			p = next;
			continue;
		}
		ok = apply_line(s, file, lineno, logical, &in_section);
		free(cont);
		cont = NULL;
		p = next;
	}
	if (ok && cont)
		ok = apply_line(s, file, lineno + 1, cont, &in_section);
	free(cont);
	return ok;
}

/* Whether abs (inside the root) is a symlink to /dev/null, which masks. */
static bool is_dev_null_link(const struct host *h, const char *abs)
{
	char path[PATH_MAX], target[PATH_MAX];
	if (host_path(h, abs, path, sizeof(path)))
		return false;
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "/dev/null") == 0;
}

/* Read and apply one file. Returns 0, -ENOENT, or another -errno with the
 * reason filled. */
static int apply_file(struct host *h, struct setting *s, const char *abs, char *why,
		      size_t why_size)
{
	if (is_dev_null_link(h, abs)) {
		add_file_note(s, "%s (masked: /dev/null)", abs);
		return 0;
	}
	char *text;
	size_t len;
	int rc = host_read_file(h, abs, HOST_MAX_FILE, &text, &len);
	if (rc == -ENOENT)
		return rc;
	if (rc) {
		snprintf(why, why_size, "cannot read %s: %s", abs, host_strerror(rc));
		return rc;
	}
	if (memchr(text, '\0', len)) {
		free(text);
		snprintf(why, why_size, "cannot read %s: %s", abs, host_strerror(-EINVAL));
		return -EINVAL;
	}
	add_file_note(s, "%s", abs);
	if (!apply_text(s, abs, text, len))
		s->stopped = true;
	free(text);
	return 0;
}

struct dropin {
	char name[256];
	size_t dir;
	bool masked; /* a symlink to /dev/null (or another character device) */
};

static int cmp_dropin(const void *a, const void *b)
{
	return strcmp(((const struct dropin *)a)->name, ((const struct dropin *)b)->name);
}

/* The drop-ins in the order systemd applies them, into *list (malloc'd,
 * grown as they are found: most hosts have none). Returns the count or a
 * negative errno with why filled. */
static int list_dropins(struct host *h, const char *config, struct dropin **list, size_t max,
			char *why, size_t why_size)
{
	size_t n = 0, cap = 0;
	struct dropin *out = NULL;
	for (size_t d = 0; d < N_CONF_DIRS; d++) {
		char abs[PATH_MAX], path[PATH_MAX];
		snprintf(abs, sizeof(abs), "%s/%s.d", conf_dirs[d], config);
		if (host_path(h, abs, path, sizeof(path)))
			continue;
		DIR *dir = opendir(path);
		if (!dir) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			int err = -errno;
			snprintf(why, why_size, "cannot read %s: %s", abs, host_strerror(err));
			free(out);
			return err;
		}
		struct dirent *de;
		while ((de = readdir(dir))) {
			size_t len = strlen(de->d_name);
			if (de->d_name[0] == '.' || len <= 5 || len >= sizeof(out->name) ||
			    strcmp(de->d_name + len - 5, ".conf") != 0)
				continue;
			bool seen = false;
			for (size_t i = 0; i < n && !seen; i++)
				seen = strcmp(out[i].name, de->d_name) == 0;
			if (seen)
				continue; /* hidden by the same name in an earlier directory */
			/* Like systemd, skip what is not a regular file (a directory, a
			 * dangling link); a link to /dev/null masks the name. */
			char file_abs[PATH_MAX], file_path[PATH_MAX];
			struct stat st;
			snprintf(file_abs, sizeof(file_abs), "%s/%s", abs, de->d_name);
			bool masked = is_dev_null_link(h, file_abs);
			if (!masked && host_path(h, file_abs, file_path, sizeof(file_path)) == 0) {
				if (stat(file_path, &st) < 0) {
					if (errno == ENOENT)
						continue;
				} else if (S_ISCHR(st.st_mode)) {
					masked = true;
				} else if (!S_ISREG(st.st_mode)) {
					continue;
				}
			}
			if (n == max) {
				closedir(dir);
				snprintf(why, why_size, "more than %zu drop-ins under %s", max, abs);
				free(out);
				return -E2BIG;
			}
			if (n == cap) {
				cap = cap ? 2 * cap : 8;
				struct dropin *more = realloc(out, cap * sizeof(*out));
				if (!more) {
					closedir(dir);
					snprintf(why, why_size, "out of memory");
					free(out);
					return -ENOMEM;
				}
				out = more;
			}
			snprintf(out[n].name, sizeof(out->name), "%s", de->d_name);
			out[n].masked = masked;
			out[n++].dir = d;
		}
		closedir(dir);
	}
	if (n)
		qsort(out, n, sizeof(*out), cmp_dropin);
	*list = out;
	return (int)n;
}

static void journald_run(struct host *h, const json_t *params, struct check_result *r)
{
	struct setting *s = calloc(1, sizeof(*s));
	struct dropin *dropins = NULL;
	char why[PATH_MAX + 128] = "";
	if (!s) {
		result_skip(r, OUTCOME_UNABLE, "out of memory");
		return;
	}
	s->params = params;
	s->key = param_str(params, "key", "");
	s->section = param_str(params, "section", "Journal");
	const char *config = param_str(params, "config", "systemd/journald.conf");
	const char *want = param_str(params, "value", "");
	const char *dflt = param_str(params, "default", NULL);

	int n = list_dropins(h, config, &dropins, MAX_DROPINS, why, sizeof(why));
	if (n < 0)
		goto unable;
	/* The main file: the first that exists. */
	for (size_t d = 0; d < N_CONF_DIRS; d++) {
		char abs[PATH_MAX];
		snprintf(abs, sizeof(abs), "%s/%s", conf_dirs[d], config);
		int rc = apply_file(h, s, abs, why, sizeof(why));
		if (rc == -ENOENT)
			continue;
		if (rc)
			goto unable;
		break;
	}
	for (int i = 0; i < n && !s->stopped; i++) {
		char abs[PATH_MAX];
		snprintf(abs, sizeof(abs), "%s/%s.d/%s", conf_dirs[dropins[i].dir], config,
			 dropins[i].name);
		if (dropins[i].masked) {
			add_file_note(s, "%s (masked: /dev/null)", abs);
			continue;
		}
		int rc = apply_file(h, s, abs, why, sizeof(why));
		if (rc && rc != -ENOENT) /* a file that vanished meanwhile is no file */
			goto unable;
	}

	char expected[600];
	snprintf(expected, sizeof(expected), "%s", want);
	char extra[PATH_MAX + 512] = "";
	if (s->ignored[0])
		snprintf(extra, sizeof(extra), "; %s", s->ignored);
	if (s->set)
		result_evidence(r, s->key, expected, strcmp(s->value, want) == 0, "%s (set at %s)%s",
				s->value, s->where, extra);
	else if (dflt)
		result_evidence(r, s->key, expected, strcmp(dflt, want) == 0,
				"%s (systemd default)%s", dflt, extra);
	else
		result_evidence(r, s->key, expected, false, "unset%s", extra);
	result_evidence(r, "files read", "journald.conf and drop-ins", true, "%s%s%s",
			s->files[0] ? s->files : "none", s->stopped ? "; " : "", s->stop_note);
	result_from_evidence(r);
	free(s);
	free(dropins);
	return;
unable:
	result_skip(r, OUTCOME_UNABLE, "%s", why);
	free(s);
	free(dropins);
}

static bool safe_relative(const char *p)
{
	return p[0] && p[0] != '/' && !strstr(p, "..") && !strpbrk(p, "\n");
}

static int journald_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"key",     "value",   "default", "accepted",
					      "section", "config",  NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string(params, "key", true, err);
	if (!rc)
		rc = param_string(params, "value", true, err);
	if (!rc)
		rc = param_string(params, "default", false, err);
	if (!rc)
		rc = param_string_array(params, "accepted", false, err);
	if (!rc)
		rc = param_string(params, "section", false, err);
	if (!rc)
		rc = param_string(params, "config", false, err);
	if (rc)
		return rc;
	const char *key = param_str(params, "key", "");
	if (strpbrk(key, "= \t\n[]"))
		return param_fail(err, "key", "\"%s\" is not a setting name", key);
	if (strpbrk(param_str(params, "section", "Journal"), "[]\n"))
		return param_fail(err, "section", "must be a section name without brackets");
	if (!safe_relative(param_str(params, "config", "systemd/journald.conf")))
		return param_fail(err, "config",
				  "must be a path relative to /etc, /run, /usr/local/lib and /usr/lib (e.g. systemd/journald.conf)");
	if (!accepted(params, param_str(params, "value", "")))
		return param_fail(err, "value", "must be one of the \"accepted\" values");
	const char *dflt = param_str(params, "default", NULL);
	if (dflt && !accepted(params, dflt))
		return param_fail(err, "default", "must be one of the \"accepted\" values");
	return 0;
}

/* The main file and the drop-in directories, in every directory systemd
 * reads them from. */
static int journald_inputs(const json_t *params, struct check_inputs *out)
{
	const char *config = param_str(params, "config", "systemd/journald.conf");
	for (size_t d = 0; d < N_CONF_DIRS; d++) {
		char abs[PATH_MAX];
		snprintf(abs, sizeof(abs), "%s/%s", conf_dirs[d], config);
		int rc = inputs_add(out, INPUT_PATH, abs);
		snprintf(abs, sizeof(abs), "%s/%s.d", conf_dirs[d], config);
		if (!rc)
			rc = inputs_add(out, INPUT_PATH, abs);
		if (rc)
			return rc;
	}
	return 0;
}

const struct check_kind journald_kind = {
	.name = "journald",
	.summary = "effective journald.conf setting (main file + drop-ins, as systemd resolves it)",
	.validate = journald_validate,
	.run = journald_run,
	.inputs = journald_inputs,
};
