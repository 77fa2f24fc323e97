#include "rooted_stat.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static int stat_prefixed(const struct host *h, const char *abs, struct stat *st)
{
	char path[PATH_MAX];
	int rc = host_path(h, abs, path, sizeof(path));
	if (rc)
		return rc;
	return stat(path, st) < 0 ? -errno : 0;
}

int rooted_stat(const struct host *h, const char *abs, struct stat *st)
{
	if (abs[0] != '/')
		return -EINVAL;
	if (h->root[0] == '\0')
		return stat(abs, st) < 0 ? -errno : 0;

	int root_fd = open(h->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return -errno;
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel = abs + strspn(abs, "/");
	int fd = (int)syscall(SYS_openat2, root_fd, *rel ? rel : ".", &how, sizeof(how));
	int err = fd < 0 ? errno : 0;
	close(root_fd);
	if (fd < 0) {
		/* No openat2 (old kernel, or a seccomp filter that denies it). */
		if (err == ENOSYS || err == EPERM)
			return stat_prefixed(h, abs, st);
		return -err;
	}
	int rc = fstat(fd, st) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

const char *file_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "regular file";
	case S_IFDIR:
		return "directory";
	case S_IFLNK:
		return "symbolic link";
	case S_IFIFO:
		return "FIFO";
	case S_IFSOCK:
		return "socket";
	case S_IFCHR:
		return "character device";
	case S_IFBLK:
		return "block device";
	default:
		return "file of unknown type";
	}
}
