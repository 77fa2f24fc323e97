#include "exec_trust.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One file or folder against the rule; what (e.g. "folder ") prefixes the
 * sentence. */
static int check_one(const char *what, const char *path, const struct stat *st, uid_t uid,
		     char *why, size_t why_size)
{
	unsigned mode = (unsigned)st->st_mode & 07777;
	if (st->st_uid != 0 && st->st_uid != uid) {
		snprintf(why, why_size,
			 "%s%s is owned by uid %u, not by root or by the user running the report (uid %u)",
			 what, path, (unsigned)st->st_uid, (unsigned)uid);
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, why_size, "%s%s is %s-writable (mode %04o)", what, path,
			 (st->st_mode & S_IWGRP) && (st->st_mode & S_IWOTH) ? "group- and world"
			 : st->st_mode & S_IWGRP			     ? "group"
									     : "world",
			 mode);
		return -EPERM;
	}
	return 0;
}

static int check_dir(const char *dir, uid_t uid, char *why, size_t why_size)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		int e = errno;
		snprintf(why, why_size, "folder %s: %s", dir, strerror(e));
		return -e;
	}
	return check_one("folder ", dir, &st, uid, why, why_size);
}

int exec_trusted(const char *dir, const char *path, uid_t uid, char *why, size_t why_size)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		int e = errno;
		snprintf(why, why_size, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, why_size, "%s is not a regular file", path);
		return -EPERM;
	}
	char *real = realpath(path, NULL);
	if (!real) {
		int e = errno;
		snprintf(why, why_size, "%s: %s", path, strerror(e));
		return -e;
	}
	/* Name the entry the user put in the folder, and where it leads. */
	char shown[PATH_MAX + 64];
	if (strcmp(real, path) == 0)
		snprintf(shown, sizeof(shown), "%s", path);
	else
		snprintf(shown, sizeof(shown), "%s (-> %s)", path, real);
	int rc = check_one("", shown, &st, uid, why, why_size);
	if (!rc) {
		char *slash = strrchr(real, '/');
		if (slash == real)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
		rc = check_dir(real, uid, why, why_size);
	}
	free(real);
	if (!rc && dir)
		rc = check_dir(dir, uid, why, why_size);
	return rc;
}
