/* file_owner: a file's owner and group (root:root).
 *
 * params: {"path": "/etc/kubernetes/pki/ca.crt", "user": "root", "group": "root"}
 * Names are resolved through the host's own <root>/etc/passwd and
 * <root>/etc/group, never the machine running the report: ids differ
 * between hosts. When the host has no such file, only "root" (id 0) is
 * known. A number ("0") is taken as an id. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "rooted_stat.h"

#define ID_DB_MAX (1u << 20)

static bool is_number(const char *s)
{
	if (!*s || strlen(s) > 10)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static bool name_is_valid(const char *s)
{
	for (; *s; s++)
		if (*s == ':' || *s == '\n' || isspace((unsigned char)*s))
			return false;
	return true;
}

static int file_owner_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"path", "user", "group", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string(params, "path", true, err);
	if (!rc)
		rc = param_string(params, "user", true, err);
	if (!rc)
		rc = param_string(params, "group", true, err);
	if (rc)
		return rc;
	if (param_str(params, "path", "")[0] != '/')
		return param_fail(err, "path", "must be an absolute path");
	if (!name_is_valid(param_str(params, "user", "")))
		return param_fail(err, "user", "must be a user name or a numeric id");
	if (!name_is_valid(param_str(params, "group", "")))
		return param_fail(err, "group", "must be a group name or a numeric id");
	return 0;
}

/* One of the host's id databases (/etc/passwd or /etc/group), loaded once
 * per check. Lines are "name:x:id:...". */
struct id_db {
	const char *file;
	char *text; /* NULL: the host has no such file */
	int error;  /* the read error other than ENOENT, else 0 */
};

static void id_db_load(const struct host *h, const char *file, struct id_db *db)
{
	db->file = file;
	db->text = NULL;
	int rc = host_read_file(h, file, ID_DB_MAX, &db->text, NULL);
	db->error = rc == -ENOENT ? 0 : rc;
}

/* The id field of name's line; -ENOENT if absent. */
static int id_db_lookup_name(const struct id_db *db, const char *name, unsigned long *id)
{
	size_t nlen = strlen(name);
	for (const char *line = db->text; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t llen = eol ? (size_t)(eol - line) : strlen(line);
		if (llen > nlen && memcmp(line, name, nlen) == 0 && line[nlen] == ':') {
			const char *f = memchr(line + nlen + 1, ':', llen - nlen - 1);
			if (f) {
				char *end;
				unsigned long v = strtoul(f + 1, &end, 10);
				if (end != f + 1 && *end == ':') {
					*id = v;
					return 0;
				}
			}
		}
		line = eol ? eol + 1 : line + llen;
	}
	return -ENOENT;
}

/* The name on the first line with this id, for evidence; "" if none. */
static void id_db_lookup_id(const struct id_db *db, unsigned long id, char *name, size_t size)
{
	name[0] = '\0';
	for (const char *line = db->text; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t llen = eol ? (size_t)(eol - line) : strlen(line);
		const char *c1 = memchr(line, ':', llen);
		const char *c2 = c1 ? memchr(c1 + 1, ':', llen - (size_t)(c1 + 1 - line)) : NULL;
		if (c2) {
			char *end;
			unsigned long v = strtoul(c2 + 1, &end, 10);
			if (end != c2 + 1 && *end == ':' && v == id) {
				snprintf(name, size, "%.*s", (int)(c1 - line), line);
				return;
			}
		}
		line = eol ? eol + 1 : line + llen;
	}
}

/* name -> id. Returns 0, or -errno with why filled. */
static int resolve(const struct id_db *db, const char *name, unsigned long *id, char *why,
		   size_t why_size)
{
	if (is_number(name)) {
		*id = strtoul(name, NULL, 10);
		return 0;
	}
	if (db->error) {
		snprintf(why, why_size, "cannot read %s to resolve \"%s\": %s", db->file, name,
			 host_strerror(db->error));
		return db->error;
	}
	if (!db->text) {
		if (strcmp(name, "root") == 0) {
			*id = 0;
			return 0;
		}
		snprintf(why, why_size, "cannot resolve \"%s\": the host has no %s", name, db->file);
		return -ENOENT;
	}
	if (id_db_lookup_name(db, name, id) == 0)
		return 0;
	snprintf(why, why_size, "\"%s\" is not in the host's %s", name, db->file);
	return -ENOENT;
}

static void describe(const struct id_db *db, unsigned long id, char *buf, size_t size)
{
	char name[64] = "";
	if (db->text)
		id_db_lookup_id(db, id, name, sizeof(name));
	else if (id == 0)
		strcpy(name, "root");
	snprintf(buf, size, "%s", name[0] ? name : "?");
}

static void file_owner_run(struct host *h, const json_t *params, struct check_result *r)
{
	const char *path = param_str(params, "path", "");
	const char *user = param_str(params, "user", ""), *group = param_str(params, "group", "");
	struct id_db pw, gr;
	id_db_load(h, "/etc/passwd", &pw);
	id_db_load(h, "/etc/group", &gr);

	char why[320] = "", expected[200];
	unsigned long uid = 0, gid = 0;
	int rc = resolve(&pw, user, &uid, why, sizeof(why));
	if (!rc)
		rc = resolve(&gr, group, &gid, why, sizeof(why));
	if (rc) {
		result_skip(r, OUTCOME_UNABLE, "%s", why);
		goto out;
	}
	snprintf(expected, sizeof(expected), "%s:%s (%lu:%lu)", user, group, uid, gid);

	struct stat st;
	rc = rooted_stat(h, path, &st);
	if (rc) {
		result_evidence(r, path, expected, false, "cannot stat: %s", host_strerror(rc));
		result_skip(r, OUTCOME_UNABLE, "cannot stat %s: %s", path, host_strerror(rc));
		goto out;
	}
	char uname[64], gname[64];
	describe(&pw, st.st_uid, uname, sizeof(uname));
	describe(&gr, st.st_gid, gname, sizeof(gname));
	bool ok = st.st_uid == uid && st.st_gid == gid;
	result_evidence(r, path, expected, ok, "%s:%s (%lu:%lu)", uname, gname,
			(unsigned long)st.st_uid, (unsigned long)st.st_gid);
	result_from_evidence(r);
out:
	free(pw.text);
	free(gr.text);
}

/* The file, and the databases that name its owner and group. */
static int file_owner_inputs(const json_t *params, struct check_inputs *out)
{
	int rc = inputs_add(out, INPUT_PATH, param_str(params, "path", "/"));
	if (!rc)
		rc = inputs_add(out, INPUT_PATH, "/etc/passwd");
	if (!rc)
		rc = inputs_add(out, INPUT_PATH, "/etc/group");
	return rc;
}

const struct check_kind file_owner_kind = {
	.name = "file_owner",
	.summary = "a file's owner and group, resolved through the host's passwd and group",
	.validate = file_owner_validate,
	.run = file_owner_run,
	.inputs = file_owner_inputs,
};
