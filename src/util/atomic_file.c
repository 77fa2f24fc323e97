#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int atomic_open(struct atomic_file *af, const char *path, int mode)
{
	memset(af, 0, sizeof(*af));
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		return open_in_place(af, path);
	}
	af->path = strdup(path);
	if (!af->path || asprintf(&af->tmp, "%s.tmp.XXXXXX", path) < 0) {
		free(af->path);
		return -ENOMEM;
	}
	int fd = mkostemp(af->tmp, O_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;
		free(af->path);
		free(af->tmp);
		return rc;
	}
	if (fchmod(fd, (mode_t)mode) < 0 || !(af->f = fdopen(fd, "w"))) {
		int rc = -errno;
		close(fd);
		unlink(af->tmp);
		free(af->path);
		free(af->tmp);
		return rc;
	}
	return 0;
}

static void release(struct atomic_file *af)
{
	free(af->path);
	free(af->tmp);
	memset(af, 0, sizeof(*af));
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
	if (fflush(af->f) == EOF || ferror(af->f) || fsync(fileno(af->f)) < 0)
		rc = errno ? -errno : -EIO;
	if (fclose(af->f) == EOF && !rc)
		rc = -errno;
	if (!rc && rename(af->tmp, af->path) < 0)
		rc = -errno;
	if (rc) {
		unlink(af->tmp);
	} else {
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

int atomic_write(const char *path, const void *data, size_t len, int mode)
{
	struct atomic_file af;
	int rc = atomic_open(&af, path, mode);
	if (rc)
		return rc;
	if (len && fwrite(data, 1, len, af.f) != len) {
		atomic_abort(&af);
		return -EIO;
	}
	return atomic_commit(&af);
}
