#include "live_files.h"

#include "util/safe_file.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#define SYSCTL_DIR "/proc/sys/"
#define MOUNTINFO "/proc/self/mountinfo"

/* The fixed pseudo-files the checks read, besides sysctls: each made by the
 * kernel at each read, none of them another process's. */
static const char *const fixed_files[] = {
	MOUNTINFO,
	"/proc/cmdline",
	"/proc/devices",
	"/proc/filesystems",
	"/proc/modules",
	"/proc/net/ip6_tables_names",
	"/proc/net/ip_tables_names",
	"/proc/net/protocols",
	"/sys/kernel/security/lockdown",
	"/sys/kernel/security/lsm",
};

struct live_file {
	pthread_mutex_t lock; /* held across a whole read, and a reopen */
	int fd;               /* -1: not open */
	unsigned read_flags;  /* SAFE_SHORT_READ_EOF for a sysctl */
	uint64_t gen;         /* the mount generation fd was opened in */
	char path[];
};

/* Open addressing, entries never removed: a path found once stays at its
 * slot, so lookups need no lock (an entry is complete before it is
 * published with a release store). */
static _Atomic(struct live_file *) table[LIVE_FILES_MAX];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

/* The mount table's generation as this process last saw it: bumped when
 * poll on watch_fd says the mount namespace changed. The kernel tells a
 * change once per descriptor (to its first poller), so the poll and the
 * bump are one step under watch_lock: no reader after it sees the old
 * generation. */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static int watch_fd = -1;
static uint64_t mount_gen;

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static atomic_bool in_child;

static atomic_ulong kept_reads, opens;

void live_files_counts(unsigned long *kept, unsigned long *opened)
{
	*kept = atomic_load_explicit(&kept_reads, memory_order_relaxed);
	*opened = atomic_load_explicit(&opens, memory_order_relaxed);
}

/* "a/b/c": no empty, "." or ".." component, which would name another file
 * by the same walk. */
static bool plain_relative(const char *p)
{
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/' && !*++p)
			return false;
	}
	return true;
}

bool live_files_covers(const char *abs)
{
	if (strncmp(abs, SYSCTL_DIR, strlen(SYSCTL_DIR)) == 0)
		return abs[strlen(SYSCTL_DIR)] && plain_relative(abs + strlen(SYSCTL_DIR));
	for (size_t i = 0; i < sizeof(fixed_files) / sizeof(fixed_files[0]); i++)
		if (strcmp(abs, fixed_files[i]) == 0)
			return true;
	return false;
}

/* A forked child may drop privileges or enter other namespaces; what its
 * parent opened is not what its opens would give. It also must not take a
 * lock another thread of the parent held at the fork. */
static void forked_child(void)
{
	atomic_store(&in_child, true);
}

static void register_fork_handler(void)
{
	pthread_atfork(NULL, NULL, forked_child);
}

/* Start watching the mount table (before any file is kept, so that every
 * change after a kept open is seen): 0 and the generation now, or -errno
 * (no watch, nothing kept). */
static int watch_start(uint64_t *gen)
{
	int rc = 0;
	pthread_mutex_lock(&watch_lock);
	if (watch_fd < 0) {
		watch_fd = open(MOUNTINFO, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (watch_fd < 0)
			rc = -errno;
	}
	*gen = mount_gen;
	pthread_mutex_unlock(&watch_lock);
	return rc;
}

/* The generation now, after asking the kernel (before the watch is open,
 * nothing is kept that a change could concern). */
static uint64_t watch_poll(void)
{
	pthread_mutex_lock(&watch_lock);
	struct pollfd p = {.fd = watch_fd, .events = POLLPRI};
	/* POLLERR|POLLPRI: changed; an error counts as a change. */
	if (watch_fd >= 0 && poll(&p, 1, 0) != 0)
		mount_gen++;
	uint64_t gen = mount_gen;
	pthread_mutex_unlock(&watch_lock);
	return gen;
}

static unsigned path_hash(const char *s)
{
	unsigned h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct live_file *entry_new(const char *abs)
{
	size_t plen = strlen(abs) + 1;
	struct live_file *e = malloc(sizeof(*e) + plen);
	if (!e)
		return NULL;
	if (pthread_mutex_init(&e->lock, NULL) != 0) {
		free(e);
		return NULL;
	}
	e->fd = -1;
	e->read_flags = 0;
	e->gen = 0;
	memcpy(e->path, abs, plen);
	return e;
}

/* The entry for abs, added if new; NULL when the table is full (or no
 * memory): the caller reads the file afresh. */
static struct live_file *entry_for(const char *abs)
{
	unsigned start = path_hash(abs);
	for (unsigned i = 0; i < LIVE_FILES_MAX; i++) {
		struct live_file *e = atomic_load_explicit(&table[(start + i) % LIVE_FILES_MAX],
							   memory_order_acquire);
		if (!e)
			break;
		if (strcmp(e->path, abs) == 0)
			return e;
	}
	/* Again under the lock: another thread may have added it meanwhile. */
	struct live_file *found = NULL;
	pthread_mutex_lock(&table_lock);
	for (unsigned i = 0; i < LIVE_FILES_MAX; i++) {
		_Atomic(struct live_file *) *slot = &table[(start + i) % LIVE_FILES_MAX];
		struct live_file *e = atomic_load_explicit(slot, memory_order_acquire);
		if (!e) {
			found = entry_new(abs);
			if (found)
				atomic_store_explicit(slot, found, memory_order_release);
			break;
		}
		if (strcmp(e->path, abs) == 0) {
			found = e;
			break;
		}
	}
	pthread_mutex_unlock(&table_lock);
	return found;
}

/* Whether fd is the kernel's, made anew at each read: procfs, sysfs or
 * securityfs. Not a file on disk (replaced by a rename, it would stay the
 * old one), nor FUSE (lxcfs's /proc files: its page cache may answer).
 * On these three, what open follows to is a regular file or a directory,
 * whose read is -EISDIR, as safe_file's fstat check says: no fstat. Sets
 * the reading flags: a sysctl is read in one call. */
static bool kernel_made(int fd, const char *abs, unsigned *read_flags)
{
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0)
		return false;
	*read_flags = 0;
	switch (sfs.f_type) {
	case PROC_SUPER_MAGIC:
		if (strncmp(abs, SYSCTL_DIR, strlen(SYSCTL_DIR)) == 0)
			*read_flags = SAFE_SHORT_READ_EOF;
		return true;
	case SYSFS_MAGIC:
	case SECURITYFS_MAGIC:
		return true;
	default:
		return false;
	}
}

/* An error of the kernel's on a kept descriptor (its file went away:
 * ENOENT, EIO, ENODEV...), not of the size limit or of malloc. */
static bool descriptor_failed(int rc)
{
	return rc && rc != -EFBIG && rc != -ENOMEM;
}

static void entry_close(struct live_file *e)
{
	close(e->fd);
	e->fd = -1;
}

/* Open e's file as safe_read would, and read it; keep the descriptor if it
 * is the kernel's and reads. */
static int read_opened(struct live_file *e, size_t max, char **out, size_t *len)
{
	uint64_t gen;
	if (watch_start(&gen) < 0)
		return safe_read(AT_FDCWD, e->path, 0, max, out, len);
	int fd = open(e->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	atomic_fetch_add_explicit(&opens, 1, memory_order_relaxed);
	if (!kernel_made(fd, e->path, &e->read_flags)) {
		/* the fstat check and read of a fresh open, not kept */
		int rc = safe_read_fd(fd, max, out, len);
		close(fd);
		return rc;
	}
	e->fd = fd;
	/* Any change of the mounts from here on is newer than gen. */
	e->gen = gen;
	int rc = safe_pread_whole(fd, max, e->read_flags, out, len);
	if (descriptor_failed(rc))
		entry_close(e);
	return rc;
}

/* as_of: the mount generation the caller's report saw (live_files_mounts),
 * or NULL: the generation now. */
static int read_entry(struct live_file *e, const uint64_t *as_of, size_t max, char **out,
		      size_t *len)
{
	if (e->fd < 0)
		return read_opened(e, max, out, len);
	/* The mounts changed since it was opened: the path may name another
	 * file now, or none. */
	if (e->gen < (as_of ? *as_of : watch_poll())) {
		entry_close(e);
		return read_opened(e, max, out, len);
	}
	atomic_fetch_add_explicit(&kept_reads, 1, memory_order_relaxed);
	int rc = safe_pread_whole(e->fd, max, e->read_flags, out, len);
	if (!descriptor_failed(rc))
		return rc;
	/* Once more from a fresh open: the file may have been made anew (an
	 * interface re-created), or the open says why not (ENOENT). */
	entry_close(e);
	return read_opened(e, max, out, len);
}

uint64_t live_files_mounts(void)
{
	return watch_poll();
}

static int read_as_of(const char *abs, const uint64_t *as_of, size_t max, char **out,
		      size_t *len)
{
	struct live_file *e = NULL;
	if (!atomic_load(&in_child)) {
		pthread_once(&atfork_once, register_fork_handler);
		e = entry_for(abs);
	}
	if (!e)
		return safe_read(AT_FDCWD, abs, 0, max, out, len);
	pthread_mutex_lock(&e->lock);
	int rc = read_entry(e, as_of, max, out, len);
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int live_files_read(const char *abs, size_t max, char **out, size_t *len)
{
	return read_as_of(abs, NULL, max, out, len);
}

int live_files_read_as_of(const char *abs, uint64_t mounts_gen, size_t max, char **out,
			  size_t *len)
{
	return read_as_of(abs, &mounts_gen, max, out, len);
}
