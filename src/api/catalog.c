#include "catalog.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <jansson.h>

#include "util/safe_file.h"

/* Larger files are left to profile_load, which refuses them by name. */
#define CATALOG_MAX_PEEK (4u << 20)

/* Add type to the list unless present. */
static int add_type(char ***types, size_t *n, const char *type)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*types)[i], type) == 0)
			return 0;
	char **t = realloc(*types, (*n + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	*types = t;
	if (!(t[*n] = strdup(type)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* The benchmark types named by the profile files under dir/level<N>/.
 * Files that do not parse are skipped here: profile_load reports them
 * with file, line and column. */
static int discover_types(const char *dir, char ***types, size_t *n)
{
	*types = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		if (strncmp(de->d_name, "level", 5) || !isdigit((unsigned char)de->d_name[5]))
			continue;
		char sub[4096];
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		DIR *sd = opendir(sub);
		if (!sd)
			continue;
		struct dirent *fe;
		while (!rc && (fe = readdir(sd))) {
			size_t len = strlen(fe->d_name);
			if (fe->d_name[0] == '.' || len < 6 || strcmp(fe->d_name + len - 5, ".json"))
				continue;
			char path[8192];
			snprintf(path, sizeof(path), "%s/%s", sub, fe->d_name);
			/* Never blocks on a FIFO (util/safe_file); what is not
			 * a regular file is profile_load's error to report. */
			char *text;
			size_t tlen;
			if (safe_read(AT_FDCWD, path, 0, CATALOG_MAX_PEEK, &text, &tlen) < 0)
				continue;
			json_t *doc = json_loadb(text, tlen, 0, NULL);
			free(text);
			const char *type = json_string_value(
				json_object_get(json_object_get(doc, "benchmark"), "type"));
			if (type)
				rc = add_type(types, n, type);
			json_decref(doc);
		}
		closedir(sd);
	}
	closedir(d);
	return rc;
}

static int by_report(const void *a, const void *b)
{
	const struct profile *x = a, *y = b;
	int c = strcmp(x->bm.report, y->bm.report);
	return c ? c : strcmp(x->bm.type, y->bm.type);
}

int catalog_load(const char *dir, struct catalog **out, char *err, size_t err_size)
{
	*out = NULL;
	char **types;
	size_t n_types;
	int rc = discover_types(dir, &types, &n_types);
	if (rc) {
		snprintf(err, err_size, "%s: cannot read profile directory: %s", dir, strerror(-rc));
		return rc;
	}
	struct catalog *c = calloc(1, sizeof(*c));
	if (c)
		c->profiles = calloc(n_types ? n_types : 1, sizeof(*c->profiles));
	if (c)
		c->dir = strdup(dir);
	if (!c || !c->profiles || !c->dir) {
		rc = -ENOMEM;
		snprintf(err, err_size, "out of memory");
	}
	/* No type found still goes through profile_load once: it names the
	 * malformed file, or says that there are no checks. */
	for (size_t i = 0; !rc && i < (n_types ? n_types : 1); i++) {
		rc = profile_load(dir, n_types ? types[i] : NULL, &c->profiles[c->n_profiles], err,
				  err_size);
		if (!rc)
			c->n_profiles++;
	}
	for (size_t i = 0; i < n_types; i++)
		free(types[i]);
	free(types);
	if (rc) {
		if (c)
			atomic_init(&c->refs, 1);
		catalog_unref(c);
		return rc;
	}
	qsort(c->profiles, c->n_profiles, sizeof(*c->profiles), by_report);
	atomic_init(&c->refs, 1);
	*out = c;
	return 0;
}

struct catalog *catalog_ref(struct catalog *c)
{
	atomic_fetch_add(&c->refs, 1);
	return c;
}

void catalog_unref(struct catalog *c)
{
	if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	for (size_t i = 0; i < c->n_profiles; i++)
		profile_free(&c->profiles[i]);
	free(c->profiles);
	free(c->dir);
	free(c);
}

bool catalog_is_cis(const struct profile *p)
{
	return strcmp(p->bm.report, "cis") == 0 || strncmp(p->bm.report, "cis-", 4) == 0;
}

const struct profile *catalog_by_type(const struct catalog *c, const char *type)
{
	for (size_t i = 0; i < c->n_profiles; i++)
		if (strcmp(c->profiles[i].bm.type, type) == 0)
			return &c->profiles[i];
	return NULL;
}

const struct profile *catalog_by_report(const struct catalog *c, const char *report)
{
	for (size_t i = 0; i < c->n_profiles; i++)
		if (strcmp(c->profiles[i].bm.report, report) == 0)
			return &c->profiles[i];
	return NULL;
}

const struct check_def *catalog_find_check(const struct catalog *c, const char *name)
{
	for (size_t i = 0; i < c->n_profiles; i++)
		for (size_t j = 0; j < c->profiles[i].n_checks; j++)
			if (strcmp(c->profiles[i].checks[j].name, name) == 0)
				return &c->profiles[i].checks[j];
	return NULL;
}

const struct check_def *catalog_find_check_id(const struct catalog *c, const char *id)
{
	for (size_t i = 0; i < c->n_profiles; i++)
		for (size_t j = 0; j < c->profiles[i].n_checks; j++)
			if (strcmp(c->profiles[i].checks[j].id, id) == 0)
				return &c->profiles[i].checks[j];
	return NULL;
}

static void append(char *buf, size_t size, const char *s)
{
	size_t used = strlen(buf);
	snprintf(buf + used, size - used, "%s%s", used ? ", " : "", s);
}

void catalog_cis_types(const struct catalog *c, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < c->n_profiles; i++)
		if (catalog_is_cis(&c->profiles[i]))
			append(buf, size, c->profiles[i].bm.type);
}

void catalog_reports(const struct catalog *c, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < c->n_profiles; i++)
		append(buf, size, c->profiles[i].bm.report);
}
