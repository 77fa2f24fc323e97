#include "kernel_tables.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parse_errors {
	int first_bad_line;
};

/* libmount skips a broken line by default; a probe must not judge a
 * half-read table, so the first broken line aborts the parse. */
static int stop_at_bad_line(struct libmnt_table *tb, const char *filename, int line)
{
	(void)filename;
	struct parse_errors *pe = mnt_table_get_userdata(tb);
	if (pe && !pe->first_bad_line)
		pe->first_bad_line = line;
	return -EINVAL;
}

static void table_release(void *tb)
{
	mnt_unref_table(tb);
}

int mountinfo_load(const struct host *h, struct libmnt_table **out, int *bad_line)
{
	char *text;
	size_t len;
	*bad_line = 0;
	/* Parsed once per report: the table rides with the memo's read. */
	struct libmnt_table *kept = host_derived_get(h, MOUNTINFO(h));
	if (kept) {
		mnt_ref_table(kept);
		*out = kept;
		return 0;
	}
	int rc = host_read_file(h, MOUNTINFO(h), HOST_MAX_FILE, &text, &len);
	if (rc)
		return rc;
	rc = mountinfo_parse(text, len, out, bad_line);
	free(text);
	if (rc)
		return rc;
	mnt_ref_table(*out); /* one for the memo, one for the caller */
	if (host_derived_put(h, MOUNTINFO(h), *out, table_release) < 0)
		mnt_unref_table(*out);
	return 0;
}

int mountinfo_parse(const char *text, size_t len, struct libmnt_table **out, int *bad_line)
{
	int rc;
	*bad_line = 0;
	if (memchr(text, '\0', len)) {
		*bad_line = 1;
		return -EINVAL;
	}
	struct libmnt_table *tb = mnt_new_table();
	if (!tb)
		return -ENOMEM;
	struct parse_errors pe = {0};
	mnt_table_set_userdata(tb, &pe);
	mnt_table_set_parser_errcb(tb, stop_at_bad_line);
	rc = 0;
	if (len > 0) {
		FILE *f = fmemopen((char *)text, len, "r");
		if (!f) {
			rc = -errno;
		} else {
			/* The name tells libmount the format and is used in its messages. */
			if (mnt_table_parse_stream(tb, f, MOUNTINFO_PATH) < 0 || pe.first_bad_line)
				rc = -EINVAL;
			fclose(f);
		}
	}
	mnt_table_set_userdata(tb, NULL);
	if (rc) {
		*bad_line = pe.first_bad_line;
		mnt_unref_table(tb);
		return rc;
	}
	*out = tb;
	return 0;
}

struct libmnt_fs *mountinfo_find_target(struct libmnt_table *tb, const char *target)
{
	return mnt_table_find_target(tb, target, MNT_ITER_BACKWARD);
}

struct libmnt_fs *mountinfo_find_fstype(struct libmnt_table *tb, const char *fstype)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_BACKWARD);
	struct libmnt_fs *fs, *found = NULL;
	if (!it)
		return NULL;
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *t = mnt_fs_get_fstype(fs);
		if (t && strcmp(t, fstype) == 0) {
			found = fs;
			break;
		}
	}
	mnt_free_iter(it);
	return found;
}

int proc_filesystems_lists(const struct host *h, const char *fstype, bool *listed)
{
	char *text;
	size_t len;
	int rc = host_read_file(h, PROC_FILESYSTEMS_PATH, HOST_MAX_FILE, &text, &len);
	if (rc)
		return rc;
	*listed = false;
	if (memchr(text, '\0', len)) {
		free(text);
		return -EINVAL;
	}
	/* Each line: an optional "nodev" flag, a tab, the type name. */
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		if (!tab || strchr(tab + 1, '\t') || strchr(tab + 1, ' ') || !tab[1]) {
			rc = -EINVAL;
			break;
		}
		if (strcmp(tab + 1, fstype) == 0)
			*listed = true;
	}
	free(text);
	return rc;
}
