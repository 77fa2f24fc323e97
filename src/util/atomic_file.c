#include "atomic_file.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_INFIX ".tmp."
#define TMP_RANDOM 6 /* mkostemp's XXXXXX */

/* CISREPORT_FAULT_ATOMIC=STAGE: die here, as kill -9 would. */
static void fault_point(const char *stage)
{
	const char *want = getenv("CISREPORT_FAULT_ATOMIC");
	if (want && strcmp(want, stage) == 0)
		raise(SIGKILL);
}

/* A target that exists and is not a regular file (/dev/null, /dev/stdout, a
 * FIFO) cannot be replaced by rename without destroying it: write to it in
 * place; atomicity means nothing there. */
static int open_in_place(struct atomic_file *af, const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	af->f = fdopen(fd, "w");
	if (!af->f) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return 0;
}

static void release(struct atomic_file *af)
{
	free(af->path);
	free(af->tmp);
	memset(af, 0, sizeof(*af));
	af->gid = -1;
}

int atomic_open(struct atomic_file *af, const char *path, int mode)
{
	memset(af, 0, sizeof(*af));
	af->gid = -1;
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		return open_in_place(af, path);
	}
	af->mode = mode;
	af->path = strdup(path);
	if (!af->path || asprintf(&af->tmp, "%s" TMP_INFIX "XXXXXX", path) < 0) {
		af->tmp = NULL;
		release(af);
		return -ENOMEM;
	}
	/* O_CREAT | O_EXCL, mode 0600, in the target's directory. */
	int fd = mkostemp(af->tmp, O_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;
		release(af);
		return rc;
	}
	if (!(af->f = fdopen(fd, "w"))) {
		int rc = -errno;
		close(fd);
		unlink(af->tmp);
		release(af);
		return rc;
	}
	fault_point("open");
	return 0;
}

void atomic_set_group(struct atomic_file *af, long gid)
{
	af->gid = gid;
}

int atomic_commit(struct atomic_file *af)
{
	int rc = 0;
	if (!af->tmp) { /* written in place */
		if (fflush(af->f) == EOF || ferror(af->f))
			rc = errno ? -errno : -EIO;
		if (fclose(af->f) == EOF && !rc)
			rc = -errno;
		release(af);
		return rc;
	}
	if (fflush(af->f) == EOF || ferror(af->f))
		rc = errno ? -errno : -EIO;
	if (!rc)
		fault_point("write");
	int fd = fileno(af->f);
	/* The final group and mode only now: while written it is 0600. */
	if (!rc && af->gid >= 0 && fchown(fd, (uid_t)-1, (gid_t)af->gid) < 0)
		rc = -errno;
	if (!rc && fchmod(fd, (mode_t)af->mode) < 0)
		rc = -errno;
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (fclose(af->f) == EOF && !rc)
		rc = -errno;
	af->f = NULL;
	if (!rc)
		fault_point("rename");
	if (!rc && rename(af->tmp, af->path) < 0)
		rc = -errno;
	if (rc) {
		unlink(af->tmp);
	} else {
		fault_point("renamed");
		/* Make the rename itself durable. */
		char *dir = strdup(af->path);
		int dfd = dir ? open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(dir);
	}
	release(af);
	return rc;
}

void atomic_abort(struct atomic_file *af)
{
	if (af->f)
		fclose(af->f);
	if (af->tmp)
		unlink(af->tmp);
	release(af);
}

int atomic_write_group(const char *path, const void *data, size_t len, int mode, long gid)
{
	struct atomic_file af;
	int rc = atomic_open(&af, path, mode);
	if (rc)
		return rc;
	atomic_set_group(&af, gid);
	if (len && fwrite(data, 1, len, af.f) != len) {
		atomic_abort(&af);
		return -EIO;
	}
	return atomic_commit(&af);
}

int atomic_write(const char *path, const void *data, size_t len, int mode)
{
	return atomic_write_group(path, data, len, mode, -1);
}

/* "<base>.tmp." and exactly six letters or digits (mkostemp's suffix). */
static bool is_our_temp(const char *name, const char *base)
{
	size_t bl = strlen(base), il = strlen(TMP_INFIX);
	if (strncmp(name, base, bl) != 0 || strncmp(name + bl, TMP_INFIX, il) != 0)
		return false;
	const char *r = name + bl + il;
	if (strlen(r) != TMP_RANDOM)
		return false;
	for (; *r; r++)
		if (!isalnum((unsigned char)*r))
			return false;
	return true;
}

int atomic_remove_stale(const char *path, void (*removed)(const char *tmp, void *arg), void *arg)
{
	char *d1 = strdup(path), *d2 = strdup(path);
	if (!d1 || !d2) {
		free(d1);
		free(d2);
		return -ENOMEM;
	}
	const char *dir = dirname(d1), *base = basename(d2);
	int rc = 0;
	DIR *d = opendir(dir);
	if (!d) {
		rc = -errno;
		goto out;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!is_our_temp(de->d_name, base))
			continue;
		/* Only regular files: never follow a link out of the directory. */
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0)
			continue;
		if (removed) {
			char full[4096];
			snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
			removed(full, arg);
		}
		rc++;
	}
	closedir(d);
out:
	free(d1);
	free(d2);
	return rc;
}
