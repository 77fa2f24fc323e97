/* A directory's entries read in one go with getdents64(2) into a stack
 * buffer, instead of through stdio's DIR (a 32 KB heap buffer and an fstat
 * per directory): each name with the type the file system gives (DT_DIR,
 * DT_REG, DT_LNK, ..., DT_UNKNOWN where it does not say), "." and ".."
 * left out, sorted by name (strcmp). The directory stays open, so that its
 * entries are opened relative to it (openat) without walking its path
 * again. */
#ifndef CISREPORT_DIR_LIST_H
#define CISREPORT_DIR_LIST_H

#include <stddef.h>

struct dir_entry {
	char *name;
	unsigned char type; /* d_type */
};

struct dir_list {
	int fd; /* the directory, O_RDONLY | O_DIRECTORY; -1 when not open */
	struct dir_entry *entries;
	size_t n;
};

/* Open path (relative to dirfd, or absolute) as a directory and read its
 * entries. Returns 0, or -errno (-ENOTDIR, -ENOENT, -ENOMEM, ...) with
 * nothing to free. */
int dir_list_read(int dirfd, const char *path, struct dir_list *out);

/* Close the directory and free the entries of a list dir_list_read
 * filled, whatever it returned. */
void dir_list_free(struct dir_list *l);

#endif
