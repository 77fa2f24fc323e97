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
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_INFIX ".tmp."
#define TMP_RANDOM 6 /* mkostemp's XXXXXX */

/* CISREPORT_FAULT_ATOMIC=STAGE: die here, as kill -9 would. */
void atomic_fault_point(const char *stage)
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
	atomic_fault_point("open");
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
		atomic_fault_point("write");
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
		atomic_fault_point("rename");
	if (!rc && rename(af->tmp, af->path) < 0)
		rc = -errno;
	if (rc) {
		unlink(af->tmp);
	} else {
		atomic_fault_point("renamed");
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

/* ".tmp." and exactly six letters or digits (mkostemp's suffix) at the
 * end of name. */
static bool has_temp_suffix(const char *name, size_t len)
{
	size_t il = strlen(TMP_INFIX);
	if (len < il + TMP_RANDOM + 1 || strncmp(name + len - TMP_RANDOM - il, TMP_INFIX, il) != 0)
		return false;
	for (const char *r = name + len - TMP_RANDOM; *r; r++)
		if (!isalnum((unsigned char)*r))
			return false;
	return true;
}

/* "<base>.tmp." and exactly six letters or digits. */
static bool is_our_temp(const char *name, const char *base)
{
	size_t bl = strlen(base), len = strlen(name);
	return strncmp(name, base, bl) == 0 && len == bl + strlen(TMP_INFIX) + TMP_RANDOM &&
	       has_temp_suffix(name, len);
}

/* Our temporaries of a killed writer: a regular file (never a link out of
 * the directory), this target's. */
static bool remove_stale_file(int dfd, const char *name, bool same, const char *const *names)
{
	(void)names;
	struct stat st;
	return same && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	       unlinkat(dfd, name, 0) == 0;
}

/* Scan path's directory for temporaries (this target's: same; with names,
 * any target's) and let remove_one decide and remove; says each removed. */
static int remove_stale(const char *path, const char *const *names,
			bool (*remove_one)(int dfd, const char *name, bool same,
					   const char *const *names),
			void (*removed)(const char *tmp, void *arg), void *arg)
{
	size_t plen = strlen(path);
	while (plen > 1 && path[plen - 1] == '/')
		plen--;
	char *d1 = strndup(path, plen), *d2 = strndup(path, plen);
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
		bool same = is_our_temp(de->d_name, base);
		if (!same && (!names || !has_temp_suffix(de->d_name, strlen(de->d_name))))
			continue;
		if (!remove_one(dirfd(d), de->d_name, same, names))
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

int atomic_remove_stale(const char *path, void (*removed)(const char *tmp, void *arg), void *arg)
{
	return remove_stale(path, NULL, remove_stale_file, removed, arg);
}

/* --- directories built whole ------------------------------------------------ */

#define TREE_DEPTH_MAX 32

/* Remove name (below dirfd) and everything in it, through file descriptors:
 * no link is ever followed. 0, or -errno of the first failure. */
static int remove_tree_at(int dirfd, const char *name, int depth)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	if (depth > TREE_DEPTH_MAX)
		return -ELOOP;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		int r = remove_tree_at(fd, de->d_name, depth + 1);
		if (r && !rc)
			rc = r;
	}
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && !rc && errno != ENOENT)
		rc = -errno;
	return rc;
}

static void remove_tree(const char *path)
{
	char *d1 = strdup(path), *d2 = strdup(path);
	if (d1 && d2) {
		int pfd = open(dirname(d1), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd >= 0) {
			remove_tree_at(pfd, basename(d2), 0);
			close(pfd);
		}
	}
	free(d1);
	free(d2);
}

static void dir_release(struct atomic_dir *ad)
{
	if (ad->fd >= 0)
		close(ad->fd);
	free(ad->path);
	free(ad->tmp);
	memset(ad, 0, sizeof(*ad));
	ad->fd = -1;
}

int atomic_dir_open(struct atomic_dir *ad, const char *path, int mode)
{
	memset(ad, 0, sizeof(*ad));
	ad->fd = -1;
	ad->mode = mode;
	size_t plen = strlen(path);
	while (plen > 1 && path[plen - 1] == '/')
		plen--;
	ad->path = strndup(path, plen);
	if (!ad->path || asprintf(&ad->tmp, "%s" TMP_INFIX "XXXXXX", ad->path) < 0) {
		ad->tmp = NULL;
		dir_release(ad);
		return -ENOMEM;
	}
	if (!mkdtemp(ad->tmp)) { /* new, 0700 */
		int rc = -errno;
		dir_release(ad);
		return rc;
	}
	ad->fd = open(ad->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* The lock says "a writer is alive" to atomic_dir_remove_stale. */
	if (ad->fd < 0 || flock(ad->fd, LOCK_EX | LOCK_NB) < 0) {
		int rc = -errno;
		atomic_dir_abort(ad);
		return rc;
	}
	atomic_fault_point("open");
	return 0;
}

static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* A file system without RENAME_NOREPLACE: rename(2) would replace an
	 * empty directory, so look first (a race only with another writer). */
	struct stat st;
	if (lstat(to, &st) == 0)
		return -EEXIST;
	return rename(from, to) < 0 ? -errno : 0;
}

int atomic_dir_commit(struct atomic_dir *ad)
{
	int rc = 0;
	if (fchmod(ad->fd, (mode_t)ad->mode) < 0 || fsync(ad->fd) < 0)
		rc = -errno;
	if (!rc)
		atomic_fault_point("rename");
	if (!rc)
		rc = rename_noreplace(ad->tmp, ad->path);
	if (rc) {
		atomic_dir_abort(ad);
		return rc;
	}
	atomic_fault_point("renamed");
	char *dir = strdup(ad->path);
	int dfd = dir ? open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dir);
	dir_release(ad);
	return 0;
}

void atomic_dir_abort(struct atomic_dir *ad)
{
	if (ad->tmp)
		remove_tree(ad->tmp);
	dir_release(ad);
}

static bool in_names(const char *name, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(name, *names) == 0)
			return true;
	return false;
}

/* Every top-level entry of the directory fd is one of names. */
static bool only_names(int fd, const char *const *names)
{
	int dup_fd = dup(fd);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return false;
	}
	bool ok = true;
	struct dirent *de;
	while (ok && (de = readdir(d)))
		ok = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		     in_names(de->d_name, names);
	closedir(d);
	return ok;
}

/* A killed atomic_dir writer's: a directory (never a link) of this user,
 * unlocked, this target's or holding only names. */
static bool remove_stale_dir(int dfd, const char *name, bool same, const char *const *names)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid())
		return false;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	/* A live writer holds its lock; ours is held while removing. */
	bool stale = flock(fd, LOCK_EX | LOCK_NB) == 0 && (same || only_names(fd, names)) &&
		     remove_tree_at(dfd, name, 0) == 0;
	close(fd);
	return stale;
}

int atomic_dir_remove_stale(const char *path, const char *const *names,
			    void (*removed)(const char *tmp, void *arg), void *arg)
{
	return remove_stale(path, names, remove_stale_dir, removed, arg);
}
