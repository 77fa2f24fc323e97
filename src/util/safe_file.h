/* Reading files that anyone may have put in the way: a FIFO where a profile
 * is expected, a symlink to /dev/zero, a directory. Every file the tool reads
 * goes through here (directly, or through core/host.c for host trees):
 *
 *  - opened O_NONBLOCK, so a FIFO or a device never blocks the open;
 *  - with SAFE_NOFOLLOW, O_NOFOLLOW: the last component must not be a link
 *    (files we write ourselves: settings, evidence);
 *  - then fstat: a directory is -EISDIR, anything else that is not a regular
 *    file is -ENOTREG ("not a regular file"), before one byte is read;
 *  - read until EOF but never more than max bytes (-EFBIG): /proc and /sys
 *    files say size 0, and a regular file can grow while being read.
 *
 * Errors are negative errno values; safe_strerror() says them in words. */
#ifndef CISREPORT_SAFE_FILE_H
#define CISREPORT_SAFE_FILE_H

#include <errno.h>
#include <stddef.h>

/* There is no errno for "not a regular file": this one never comes out of
 * opening or reading a regular file, so it cannot be mistaken. */
#define ENOTREG EMEDIUMTYPE

enum {
	SAFE_NOFOLLOW = 1 << 0, /* the last component may not be a symlink (-ELOOP) */
	SAFE_DIR = 1 << 1,      /* a directory is wanted (else -ENOTDIR) */
	/* safe_pread_whole: a read shorter than asked is the whole file (a
	 * sysctl: proc_sys fills the buffer in one call), no read for EOF */
	SAFE_SHORT_READ_EOF = 1 << 2,
};

/* Open path (relative to dirfd, or AT_FDCWD) for reading, checked as above.
 * Returns a file descriptor (O_CLOEXEC, still O_NONBLOCK) or -errno. */
int safe_open(int dirfd, const char *path, unsigned flags);

/* fstat check of an open fd: 0, -EISDIR, -ENOTREG (or -ENOTDIR with SAFE_DIR). */
int safe_check_fd(int fd, unsigned flags);

/* Open, check and close: for files a library opens itself (libkmod,
 * libselinux) which must be checked first so they cannot block it. */
int safe_check(int dirfd, const char *path, unsigned flags);

/* Check fd as safe_check_fd(fd, 0) does (the same fstat), then read it to
 * EOF into a malloc'd NUL-terminated buffer, at most max bytes (else
 * -EFBIG). Returns 0 and sets *out (and *len if not NULL), or -errno. */
int safe_read_fd(int fd, size_t max, char **out, size_t *len);

/* Read all of an fd kept open, from offset 0 (pread: the fd's own offset
 * is neither used nor moved), as safe_read_fd reads a fresh one, without
 * its fstat: the caller checked the type when it opened fd. For kernel
 * pseudo-files, which make their content anew at each read from offset 0
 * (seq_file, sysctl). Same limit and errors as safe_read_fd. */
int safe_pread_whole(int fd, size_t max, unsigned flags, char **out, size_t *len);

/* safe_open + safe_read_fd. */
int safe_read(int dirfd, const char *path, unsigned flags, size_t max, char **out, size_t *len);

/* Words for a negative errno from these functions: "not a regular file",
 * "is a directory", "is a symbolic link", "file too large"; else strerror. */
const char *safe_strerror(int neg_errno);

#endif
