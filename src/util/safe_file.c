#include "safe_file.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What st says of a file wanted as flags asks. */
static int check_mode(const struct stat *st, unsigned flags)
{
	if (flags & SAFE_DIR)
		return S_ISDIR(st->st_mode) ? 0 : -ENOTDIR;
	if (S_ISDIR(st->st_mode))
		return -EISDIR;
	if (!S_ISREG(st->st_mode))
		return -ENOTREG;
	return 0;
}

int safe_check_fd(int fd, unsigned flags)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	return check_mode(&st, flags);
}

/* Opened without blocking on a FIFO or device, as flags say. */
static int open_unchecked(int dirfd, const char *path, unsigned flags)
{
	int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	if (flags & SAFE_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	if (flags & SAFE_DIR)
		oflags |= O_DIRECTORY;
	int fd = openat(dirfd, path, oflags);
	return fd < 0 ? -errno : fd;
}

int safe_open(int dirfd, const char *path, unsigned flags)
{
	/* O_NOFOLLOW on a symlink: -ELOOP, which means "is a link" here. */
	int fd = open_unchecked(dirfd, path, flags);
	if (fd < 0)
		return fd;
	int rc = safe_check_fd(fd, flags);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

int safe_check(int dirfd, const char *path, unsigned flags)
{
	int fd = safe_open(dirfd, path, flags);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* A read into buf: read(2) from where fd is when at < 0, else pread(2)
 * at offset at + off. */
static ssize_t read_at(int fd, off_t at, size_t off, void *buf, size_t n)
{
	return at < 0 ? read(fd, buf, n) : pread(fd, buf, n, at + (off_t)off);
}

/* One more byte after a full buffer: 0 at EOF, 1 (the byte in *byte)
 * when there is more, or -errno. */
static int read_one_more(int fd, off_t at, size_t off, char *byte)
{
	for (;;) {
		ssize_t r = read_at(fd, at, off, byte, 1);
		if (r >= 0)
			return (int)r;
		if (errno != EINTR)
			return errno == EAGAIN ? -ENOTREG : -errno;
	}
}

static int grow(char **buf, size_t *cap, size_t max)
{
	size_t ncap = *cap * 2 > max + 1 ? max + 1 : *cap * 2;
	char *n = realloc(*buf, ncap);
	if (!n)
		return -ENOMEM;
	*buf = n;
	*cap = ncap;
	return 0;
}

/* Read fd to its end (read_at: from where it is, or from offset at) into a
 * malloc'd NUL-terminated buffer of cap bytes to start with, at most max
 * bytes (-EFBIG). size: what fstat said (0: unknown). short_is_eof: a read
 * shorter than asked is the whole file, no read for its EOF. */
static int read_to_end(int fd, off_t at, size_t size, bool short_is_eof, size_t cap, size_t max,
		       char **out, size_t *len)
{
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	size_t used = 0;
	int rc = 0;
	for (;;) {
		if (used + 1 >= cap) {
			/* Full at the size fstat gave, or at max: EOF right here
			 * ends it without growing the buffer (which would double
			 * a profile's 6 KB, and copy it). */
			bool at_size = size > 0 && used == size;
			if (at_size || cap > max) {
				char byte;
				int more = read_one_more(fd, at, used, &byte);
				if (more <= 0) {
					rc = more;
					break;
				}
				if (cap > max) {
					rc = -EFBIG;
					break;
				}
				/* It grew meanwhile: read on as for a size unknown. */
				if ((rc = grow(&buf, &cap, max)))
					break;
				buf[used++] = byte;
				size = 0;
				continue;
			}
			if ((rc = grow(&buf, &cap, max)))
				break;
		}
		size_t want = cap - used - 1;
		ssize_t r = read_at(fd, at, used, buf + used, want);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = errno == EAGAIN ? -ENOTREG : -errno;
			break;
		}
		if (r == 0)
			break;
		used += (size_t)r;
		if (short_is_eof && (size_t)r < want)
			break;
	}
	if (!rc && used > max)
		rc = -EFBIG;
	if (rc) {
		free(buf);
		return rc;
	}
	buf[used] = '\0';
	*out = buf;
	if (len)
		*len = used;
	return 0;
}

int safe_read_fd(int fd, size_t max, char **out, size_t *len)
{
	/* One fstat both checks the type and sizes the buffer. */
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	int mode_rc = check_mode(&st, 0);
	if (mode_rc)
		return mode_rc;
	/* /proc and /sys files report size 0: start small, grow to max. */
	size_t size = st.st_size > 0 ? (size_t)st.st_size : 0;
	size_t cap = size > 0 && size < max ? size + 1 : 4096;
	if (cap > max + 1)
		cap = max + 1;
	return read_to_end(fd, -1, size, false, cap, max, out, len);
}

int safe_pread_whole(int fd, size_t max, unsigned flags, char **out, size_t *len)
{
	/* Small reads: proc_sys allocates the whole count in the kernel. */
	size_t cap = max + 1 < 4096 ? max + 1 : 4096;
	return read_to_end(fd, 0, 0, flags & SAFE_SHORT_READ_EOF, cap, max, out, len);
}

int safe_read(int dirfd, const char *path, unsigned flags, size_t max, char **out, size_t *len)
{
	int fd = open_unchecked(dirfd, path, flags & ~(unsigned)SAFE_DIR);
	if (fd < 0)
		return fd;
	/* safe_read_fd checks the type: no second fstat of safe_open's. */
	int rc = safe_read_fd(fd, max, out, len);
	close(fd);
	return rc;
}

const char *safe_strerror(int neg_errno)
{
	switch (neg_errno) {
	case -ENOTREG:
		return "not a regular file";
	case -EISDIR:
		return "is a directory";
	case -ENOTDIR:
		return "not a directory";
	case -ELOOP:
		return "is a symbolic link (not followed)";
	case -EFBIG:
		return "file too large";
	default:
		return strerror(-neg_errno);
	}
}
