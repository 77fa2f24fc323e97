#include "dir_metadata.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/json_pos.h"
#include "util/safe_file.h"

void dir_metadata_free(struct dir_metadata *m)
{
	free(m->name);
	free(m->version);
	free(m->url);
	free(m->type);
	memset(m, 0, sizeof(*m));
}

/* The whole file, NUL-terminated, through util/safe_file: a FIFO or a
 * device put there never blocks, a folder or a huge file is refused. */
static int slurp(const char *path, char **out, char *err, size_t err_size)
{
	int rc = safe_read(AT_FDCWD, path, 0, DIR_METADATA_MAX, out, NULL);
	if (rc == -ENOENT)
		return rc;
	if (rc == -EFBIG) {
		snprintf(err, err_size, "%s: larger than %u KiB: not a bloodhound metadata file", path,
			 DIR_METADATA_MAX >> 10);
		return -EINVAL;
	}
	if (rc == -EISDIR || rc == -ENOTREG) {
		snprintf(err, err_size, "%s: %s", path, safe_strerror(rc));
		return -EINVAL;
	}
	if (rc)
		snprintf(err, err_size, "%s: cannot read: %s", path, safe_strerror(rc));
	return rc;
}

static bool valid_type(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' &&
		    *s != '-')
			return false;
	return true;
}

/* One optional string member: absent and null are "not given", as serde
 * reads an Option<String>. */
static int take(const json_t *root, const char *key, char **out, const char *path,
		const char *text, char *err, size_t err_size)
{
	const json_t *v = json_object_get(root, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		struct json_seg seg = {.key = key};
		int line = 1, col = 1;
		json_locate(text, &seg, 1, &line, &col);
		snprintf(err, err_size, "%s:%d:%d: %s: must be a string or null", path, line, col,
			 key);
		return -EINVAL;
	}
	*out = strdup(json_string_value(v));
	if (!*out) {
		snprintf(err, err_size, "%s: out of memory", path);
		return -ENOMEM;
	}
	return 0;
}

int dir_metadata_read(const char *dir, struct dir_metadata *m, char *err, size_t err_size)
{
	memset(m, 0, sizeof(*m));
	if (err_size)
		err[0] = '\0';
	size_t dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	char *path = NULL;
	if (asprintf(&path, "%.*s/%s", (int)dlen, dir, DIR_METADATA_FILE) < 0) {
		snprintf(err, err_size, "%s: out of memory", dir);
		return -ENOMEM;
	}
	char *text = NULL;
	int rc = slurp(path, &text, err, err_size);
	json_t *root = NULL;
	if (!rc) {
		json_error_t jerr;
		root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
		if (!root) {
			snprintf(err, err_size, "%s:%d:%d: %s", path, jerr.line, jerr.column,
				 jerr.text);
			rc = -EINVAL;
		} else if (!json_is_object(root)) {
			snprintf(err, err_size,
				 "%s:1:1: must be a JSON object such as {\"name\": ..., \"version\": ..., \"url\": ...}",
				 path);
			rc = -EINVAL;
		}
	}
	static const char *const keys[] = {"name", "version", "url", "type"};
	char **slots[] = {&m->name, &m->version, &m->url, &m->type};
	for (size_t i = 0; !rc && i < 4; i++)
		rc = take(root, keys[i], slots[i], path, text, err, err_size);
	if (!rc && m->type && !valid_type(m->type)) {
		struct json_seg seg = {.key = "type"};
		int line = 1, col = 1;
		json_locate(text, &seg, 1, &line, &col);
		snprintf(err, err_size,
			 "%s:%d:%d: type: \"%s\" must be lower-case letters, digits, '-' or '_'", path,
			 line, col, m->type);
		rc = -EINVAL;
	}
	json_decref(root);
	free(text);
	free(path);
	if (rc)
		dir_metadata_free(m);
	return rc;
}
