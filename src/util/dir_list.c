#include "dir_list.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's record, as getdents64(2) documents it. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct dir_entry *)a)->name, ((const struct dir_entry *)b)->name);
}

static int add_entry(struct dir_list *l, size_t *cap, const char *name, unsigned char type)
{
	if (l->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct dir_entry *e = realloc(l->entries, ncap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		l->entries = e;
		*cap = ncap;
	}
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	l->entries[l->n].name = copy;
	l->entries[l->n].type = type;
	l->n++;
	return 0;
}

int dir_list_read(int dirfd, const char *path, struct dir_list *out)
{
	memset(out, 0, sizeof(*out));
	out->fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	if (out->fd < 0) {
		out->fd = -1;
		return -errno;
	}
	/* Records are 8-byte aligned; a profile folder fits in one call, the
	 * second says the end. */
	_Alignas(8) char buf[4096];
	size_t cap = 0;
	int rc = 0;
	for (;;) {
		long got = syscall(SYS_getdents64, out->fd, buf, sizeof(buf));
		if (got < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (got == 0)
			break;
		for (long off = 0; off < got && !rc;) {
			const struct linux_dirent64 *d = (const void *)(buf + off);
			off += d->d_reclen;
			if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
				rc = add_entry(out, &cap, d->d_name, d->d_type);
		}
		if (rc)
			break;
	}
	if (rc) {
		dir_list_free(out);
		return rc;
	}
	if (out->n > 1)
		qsort(out->entries, out->n, sizeof(*out->entries), by_name);
	return 0;
}

void dir_list_free(struct dir_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->entries[i].name);
	free(l->entries);
	if (l->fd >= 0)
		close(l->fd);
	l->entries = NULL;
	l->n = 0;
	l->fd = -1;
}
