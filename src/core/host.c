#include "host.h"

#include "command_share.h"
#include "live_files.h"
#include "util/safe_file.h"
#include "nft_cache.h"

#include <jansson.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* The per-report read memo: a small chained hash table by path. A report
 * reads some dozens of files, plus one or two per process when a probe
 * walks the process table. */
#define MEMO_BUCKETS 256

struct memo_entry {
	struct memo_entry *next;
	size_t max; /* the limit it was read with */
	int rc;     /* 0 or -errno */
	char *data; /* NUL-terminated, when rc == 0 */
	size_t len;
	void *derived; /* host_derived_put */
	void (*release)(void *);
	char path[]; /* the absolute path asked for */
};

struct host_memo {
	struct memo_entry *bucket[MEMO_BUCKETS];
	unsigned long reads, hits;
	/* The live mount table's generation (core/live_files) as this report
	 * saw it at its first read of a kernel file: one look at the mount
	 * watch per report, not one per read. Unset again when a probe says
	 * the machine changed (host_forget, host_forget_all). */
	bool mounts_seen;
	uint64_t mounts_gen;
};

void host_read_counts(const struct host *h, unsigned long *reads, unsigned long *hits)
{
	*reads = h->memo ? h->memo->reads : 0;
	*hits = h->memo ? h->memo->hits : 0;
}

static unsigned memo_hash(const char *s)
{
	unsigned h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % MEMO_BUCKETS;
}

static void memo_entry_free(struct memo_entry *e)
{
	if (e->derived)
		e->release(e->derived);
	free(e->data);
	free(e);
}

static void nft_drop(struct host *h)
{
	nft_snapshot_unref(h->nft);
	h->nft = NULL;
	h->nft_read = false;
}

void host_forget_all(const struct host *h)
{
	/* the nf_tables ruleset is read once per report as well; the handle
	 * itself is never const (host_init made it) */
	nft_drop((struct host *)h);
	if (!h->memo)
		return;
	h->memo->mounts_seen = false;
	for (size_t i = 0; i < MEMO_BUCKETS; i++) {
		struct memo_entry *e = h->memo->bucket[i];
		while (e) {
			struct memo_entry *next = e->next;
			memo_entry_free(e);
			e = next;
		}
		h->memo->bucket[i] = NULL;
	}
}

static struct memo_entry *memo_find(const struct host *h, const char *abs)
{
	if (!h->memo)
		return NULL;
	for (struct memo_entry *e = h->memo->bucket[memo_hash(abs)]; e; e = e->next)
		if (strcmp(e->path, abs) == 0)
			return e;
	return NULL;
}

void *host_derived_get(const struct host *h, const char *abs)
{
	const struct memo_entry *e = memo_find(h, abs);
	return e && !e->rc ? e->derived : NULL;
}

int host_derived_put(const struct host *h, const char *abs, void *obj, void (*release)(void *))
{
	struct memo_entry *e = memo_find(h, abs);
	if (!e || e->rc)
		return -ENOENT;
	if (e->derived)
		e->release(e->derived);
	e->derived = obj;
	e->release = release;
	return 0;
}

static void memo_drop(const struct host *h, const char *abs)
{
	struct memo_entry **p = &h->memo->bucket[memo_hash(abs)];
	while (*p) {
		if (strcmp((*p)->path, abs) == 0) {
			struct memo_entry *e = *p;
			*p = e->next;
			memo_entry_free(e);
			return;
		}
		p = &(*p)->next;
	}
}

void host_forget(const struct host *h, const char *abs)
{
	if (!h->memo)
		return;
	/* What changed may be the mounts (lockdown mounting securityfs): the
	 * next kernel file read looks at the mount watch again. */
	h->memo->mounts_seen = false;
	memo_drop(h, abs);
}

static atomic_int checker_timeout_ms = HOST_CHECKER_TIMEOUT_MS;

void host_set_checker_timeout(int ms)
{
	atomic_store(&checker_timeout_ms, ms);
}

int host_checker_timeout(void)
{
	return atomic_load(&checker_timeout_ms);
}

int host_init(struct host *h, const char *root)
{
	memset(h, 0, sizeof(*h));
	h->command_timeout_ms = HOST_DEFAULT_TIMEOUT_MS;
	h->checker_timeout_ms = host_checker_timeout();
	if (!root || strcmp(root, "/") == 0 || root[0] == '\0') {
		h->live = true;
		goto memo;
	}
	char *real = realpath(root, NULL);
	if (!real)
		return -errno;
	struct stat st;
	if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(real);
		return -ENOTDIR;
	}
	if (strcmp(real, "/") == 0) {
		h->live = true;
	} else if (strlen(real) >= sizeof(h->root)) {
		free(real);
		return -ENAMETOOLONG;
	} else {
		strcpy(h->root, real);
	}
	free(real);
memo:
	/* Only once the handle is made (a failed host_init owns nothing);
	 * without memory for it every read goes to the file system. */
	h->memo = calloc(1, sizeof(*h->memo));
	return 0;
}

int host_init_mounted(struct host *h, const char *root)
{
	int rc = host_init(h, root);
	if (rc == 0 && h->root[0])
		h->live = h->mounted = true;
	return rc;
}

void host_free(struct host *h)
{
	host_forget_all(h);
	free(h->memo);
	h->memo = NULL;
	for (size_t i = 0; i < h->n_commands; i++) {
		runner_free(&h->commands[i].cmd);
		free(h->commands[i].file_out);
	}
	h->n_commands = 0;
	spawn_set_free(&h->checkers);
	nft_drop(h);
}

static int nft_capture(struct host *h)
{
	char path[PATH_MAX];
	host_path(h, HOST_NFT_RULESET, path, sizeof(path));
	char *text = NULL;
	size_t len = 0;
	/* a ruleset may be large (kube-proxy): 64 MiB, not HOST_MAX_FILE */
	int rc = host_read_file(h, HOST_NFT_RULESET, 64u << 20, &text, &len);
	if (rc) {
		snprintf(h->nft_why, sizeof(h->nft_why), "no captured nf_tables ruleset: %s: %s",
			 path, host_strerror(rc));
		return rc;
	}
	json_error_t err;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	free(text);
	if (!doc) {
		snprintf(h->nft_why, sizeof(h->nft_why), "%s:%d:%d: not JSON: %s", path, err.line,
			 err.column, err.text);
		return -EINVAL;
	}
	h->nft = nft_snapshot_new(doc);
	if (!h->nft) {
		snprintf(h->nft_why, sizeof(h->nft_why), "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	snprintf(h->nft_source, sizeof(h->nft_source), "captured nft -j list ruleset %s", path);
	return 0;
}

int host_nft_ruleset(struct host *h, const struct json_t **doc, const char **source,
		     const char **why)
{
	if (!h->nft_read) {
		h->nft_read = true;
		h->nft_why[0] = '\0';
		if (h->live) {
			h->nft_rc = nft_cache_ruleset(&h->nft, h->nft_why, sizeof(h->nft_why));
			if (!h->nft_rc) {
				const json_t *items = json_object_get(nft_snapshot_doc(h->nft), "nftables");
				json_t *meta = json_object_get(json_array_get(items, 0), "metainfo");
				snprintf(h->nft_source, sizeof(h->nft_source),
					 "nf_tables ruleset over netlink (generation %" JSON_INTEGER_FORMAT ")",
					 json_integer_value(json_object_get(meta, "generation")));
			}
		} else {
			h->nft_rc = nft_capture(h);
		}
	}
	*doc = h->nft ? nft_snapshot_doc(h->nft) : NULL;
	*source = h->nft_source;
	*why = h->nft_why;
	return h->nft_rc;
}

void *host_nft_derived_get(const struct host *h)
{
	return h->nft_read && h->nft ? nft_snapshot_derived(h->nft) : NULL;
}

void *host_nft_derived_put(struct host *h, void *obj, void (*release)(void *))
{
	if (!h->nft) { /* no document to keep it with */
		release(obj);
		return NULL;
	}
	return nft_snapshot_keep_derived(h->nft, obj, release);
}

int host_path(const struct host *h, const char *abs, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%s", h->root, abs);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int open_prefixed(const struct host *h, const char *abs, int flags)
{
	char path[PATH_MAX];
	int rc = host_path(h, abs, path, sizeof(path));
	if (rc)
		return rc;
	int fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int host_open(const struct host *h, const char *abs, int flags)
{
	if (abs[0] != '/')
		return -EINVAL;
	if (!h->root[0])
		return open_prefixed(h, abs, flags);
	int root_fd = open(h->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return -errno;
	struct open_how how = {
		.flags = (unsigned)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel = abs + strspn(abs, "/");
	int fd = (int)syscall(SYS_openat2, root_fd, *rel ? rel : ".", &how, sizeof(how));
	int err = fd < 0 ? errno : 0;
	close(root_fd);
	if (fd >= 0)
		return fd;
	/* No openat2 (old kernel, or a seccomp filter that denies it). */
	if (err == ENOSYS || err == EPERM)
		return open_prefixed(h, abs, flags);
	return -err;
}

static int read_file(const struct host *h, const char *abs, size_t max, char **out,
		     size_t *len)
{
	/* The live kernel's sysctls and tables: their descriptors are kept
	 * (core/live_files), each read is a pread of what the kernel holds. */
	if (h->live && !h->root[0] && live_files_covers(abs)) {
		if (!h->memo)
			return live_files_read(abs, max, out, len);
		if (!h->memo->mounts_seen) {
			h->memo->mounts_gen = live_files_mounts();
			h->memo->mounts_seen = true;
		}
		return live_files_read_as_of(abs, h->memo->mounts_gen, max, out, len);
	}
	/* O_NONBLOCK and the fstat check (util/safe_file): a FIFO, a device or a
	 * link to /dev/zero in the tree is an error, never a hang. */
	int fd = host_open(h, abs, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	int rc = safe_read_fd(fd, max, out, len);
	close(fd);
	return rc;
}

int host_check_file(const struct host *h, const char *abs)
{
	int fd = host_open(h, abs, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	int rc = safe_check_fd(fd, 0);
	close(fd);
	return rc;
}

/* A copy of what the memo holds, as host_read_file would return it. */
static int memo_answer(const struct memo_entry *e, size_t max, char **out, size_t *len)
{
	if (e->rc)
		return e->rc;
	if (e->len > max)
		return -EFBIG;
	char *copy = malloc(e->len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, e->data, e->len + 1);
	*out = copy;
	if (len)
		*len = e->len;
	return 0;
}

int host_read_file(const struct host *h, const char *abs, size_t max, char **out,
		   size_t *len)
{
	struct memo_entry **slot = NULL;
	if (h->memo) {
		slot = &h->memo->bucket[memo_hash(abs)];
		for (struct memo_entry *e = *slot; e; e = e->next) {
			if (strcmp(e->path, abs) != 0)
				continue;
			/* Too large for the limit it was read with: a larger
			 * limit reads it again. */
			if (e->rc == -EFBIG && max > e->max)
				break;
			h->memo->hits++;
			return memo_answer(e, max, out, len);
		}
		memo_drop(h, abs);
	}
	char *data = NULL;
	size_t n = 0;
	if (h->memo)
		h->memo->reads++;
	int rc = read_file(h, abs, max, &data, &n);
	/* An allocation failure says nothing about the file: not kept. */
	if (slot && rc != -ENOMEM) {
		size_t plen = strlen(abs) + 1;
		struct memo_entry *e = malloc(sizeof(*e) + plen);
		if (e) {
			memcpy(e->path, abs, plen);
			e->max = max;
			e->rc = rc;
			e->data = NULL;
			e->len = n;
			e->derived = NULL;
			e->release = NULL;
			if (!rc) {
				e->data = malloc(n + 1);
				if (e->data) {
					memcpy(e->data, data, n + 1);
				} else {
					free(e);
					e = NULL;
				}
			}
		}
		if (e) {
			e->next = *slot;
			*slot = e;
		}
	}
	if (rc)
		return rc;
	*out = data;
	if (len)
		*len = n;
	return 0;
}

int host_read_value(const struct host *h, const char *abs, char *buf, size_t size)
{
	char *data;
	size_t len;
	int rc = host_read_file(h, abs, size, &data, &len);
	if (rc)
		return rc;
	if (len > 0 && data[len - 1] == '\n')
		data[--len] = '\0';
	if (memchr(data, '\0', len)) {
		free(data);
		return -EINVAL;
	}
	if (len >= size) {
		free(data);
		return -EFBIG;
	}
	memcpy(buf, data, len + 1);
	free(data);
	return 0;
}

const char *host_strerror(int neg_errno)
{
	switch (neg_errno) {
	case -EFBIG:
		return "file too large for this probe";
	case -EINVAL:
		return "not a regular text file";
	case -ETIMEDOUT:
		return "timed out";
	case -ENOTREG:
		return safe_strerror(neg_errno);
	default:
		return strerror(-neg_errno);
	}
}

static struct host_command *find_command(struct host *h, const char *name, bool create)
{
	for (size_t i = 0; i < h->n_commands; i++)
		if (strcmp(h->commands[i].name, name) == 0)
			return &h->commands[i];
	if (!create || h->n_commands == HOST_MAX_COMMANDS || strlen(name) >= 64)
		return NULL;
	struct host_command *c = &h->commands[h->n_commands++];
	memset(c, 0, sizeof(*c));
	strcpy(c->name, name);
	c->cmd.pid = -1;
	c->cmd.out_fd = -1;
	return c;
}

void host_command_prefetch(struct host *h, const char *name, char *const argv[])
{
	/* A shared run (h->share) is joined when the output is needed. */
	if (!h->live || h->share)
		return;
	struct host_command *c = find_command(h, name, true);
	if (!c || c->started)
		return;
	runner_start(&c->cmd, argv);
	c->started = true;
}

/* Run (or collect, or read the capture of) a command once for this host;
 * the output lands in c->cmd (own run) or c->file_out (shared or captured). */
static void collect(struct host *h, struct host_command *c, char *const argv[])
{
	if (!h->live) {
		char rel[PATH_MAX];
		snprintf(rel, sizeof(rel), "%s/%s", HOST_CAPTURE_DIR, c->name);
		c->rc = host_read_file(h, rel, RUNNER_MAX_OUTPUT, &c->file_out, &c->file_len);
		c->cmd.exit_status = 0;
	} else if (h->share) {
		c->rc = command_share_run(h->share, c->name, argv, h->command_timeout_ms,
					  &c->file_out, &c->file_len, &c->cmd.exit_status);
	} else {
		if (!c->started) {
			runner_start(&c->cmd, argv);
			c->started = true;
		}
		c->rc = runner_finish(&c->cmd, h->command_timeout_ms);
	}
	c->finished = true;
}

int host_command_output(struct host *h, const char *name, char *const argv[],
			const char **out, size_t *len, int *exit_status)
{
	struct host_command *c = find_command(h, name, true);
	if (!c)
		return -ENOMEM;
	if (!c->finished)
		collect(h, c, argv);
	if (c->rc)
		return c->rc;
	bool own_run = h->live && !h->share;
	*out = own_run ? c->cmd.out : c->file_out;
	*len = own_run ? c->cmd.len : c->file_len;
	*exit_status = c->cmd.exit_status;
	return 0;
}
