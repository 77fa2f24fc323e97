/* The one seam through which every probe reads the machine.
 *
 * A host is a root prefix ("/" for the live machine, a fixture tree in
 * tests) plus the few things that are not files: external commands and the
 * runtime observer. No probe opens an absolute path on its own. */
#ifndef CISREPORT_HOST_H
#define CISREPORT_HOST_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "runner.h"
#include "spawn_set.h"

#define HOST_MAX_COMMANDS 8
#define HOST_DEFAULT_TIMEOUT_MS 5000
/* bloodhound checkers (docs/checkers.md): each run, and each metadata call. */
#define HOST_CHECKER_TIMEOUT_MS 10000
/* Probes read small state files; anything larger is treated as garbage. */
#define HOST_MAX_FILE (4u << 20)

/* In an offline tree (root other than "/") commands cannot run against
 * that tree; their captured output is read from this directory instead. */
#define HOST_CAPTURE_DIR "/.cisreport/commands"

/* In an offline tree, the nf_tables ruleset is the captured output of
 * `nft -j list ruleset` at this path (live: read over netlink). */
#define HOST_NFT_RULESET "/.cisreport/nft-ruleset.json"

struct observer;
struct command_share;
struct host_memo;
struct json_t;
struct nft_snapshot;

struct host_command {
	char name[64];
	struct command cmd;
	int rc;       /* runner_finish result once collected */
	bool started, finished;
	char *file_out; /* offline: contents of the captured file */
	size_t file_len;
};

struct host {
	char root[PATH_MAX]; /* no trailing slash; "" means the live "/" */
	bool live;
	/* live with a root: the machine's own root filesystem mounted at root
	 * (a container's hostPath mount, host_init_mounted). Files are read
	 * under root, the kernel and commands are the live ones. */
	bool mounted;
	int command_timeout_ms;
	struct host_command commands[HOST_MAX_COMMANDS];
	size_t n_commands;
	struct observer *observer; /* runtime observer, NULL when not running */
	/* Live commands joined with concurrent reports (the daemon); NULL: this
	 * report runs its own. Not owned. */
	struct command_share *share;
	/* What host_read_file read, by path (see there); NULL: no memo (a host
	 * not made by host_init, or out of memory). Owned. */
	struct host_memo *memo;
	/* The nf_tables ruleset, read once per host (host_nft_ruleset): a
	 * reference to its snapshot (core/nft_cache.h), live shared with the
	 * other reports of the process at the same generation, with what a
	 * probe made of it (host_nft_derived_put). */
	struct nft_snapshot *nft;
	int nft_rc;
	bool nft_read;
	char nft_why[320];
	char nft_source[PATH_MAX + 64];
	/* bloodhound checkers of this report, started together and collected
	 * together (checks/checker.c); killed by host_free if still running. */
	struct spawn_set checkers;
	int checker_timeout_ms;
};

/* The checker timeout every host_init'd host (and every checker's
 * metadata call) starts with: the CLI's and daemon's --checker-timeout,
 * set once at start. Default HOST_CHECKER_TIMEOUT_MS. */
void host_set_checker_timeout(int ms);
int host_checker_timeout(void);

/* root NULL or "/" is the live machine. Returns 0 or -errno (-ENOTDIR...). */
int host_init(struct host *h, const char *root);
/* The live machine seen from a container: its root filesystem mounted at
 * root (read-only, with the mounts under it: /proc, /sys), its network
 * namespace shared. Files, /proc and /sys are read under root; commands,
 * netlink, the device mapper and the observer are the live kernel's; the
 * mount table is that of the machine's init (<root>/proc/1/mountinfo), not
 * the container's. root "/" is plain live. */
int host_init_mounted(struct host *h, const char *root);
void host_free(struct host *h);

/* "<root><abs>" into buf; abs must start with '/'. -ENAMETOOLONG on overflow. */
int host_path(const struct host *h, const char *abs, char *buf, size_t size);

/* open() a host path. Under a root (offline or mounted), symlinks inside the tree resolve
 * inside it (openat2 RESOLVE_IN_ROOT: /etc/x -> /usr/share/x leads to
 * <root>/usr/share/x, never to the machine running the report); kernels
 * without openat2 fall back to the prefixed path. Returns an fd or -errno. */
int host_open(const struct host *h, const char *abs, int flags);

/* Read a whole file (at most max bytes, else -EFBIG) into a malloc'd,
 * NUL-terminated buffer. Returns 0 or -errno: -ENOTREG (util/safe_file.h)
 * for a FIFO, device or socket, -EISDIR for a directory.
 *
 * One read per file per report: the host handle keeps what each path gave
 * (its bytes, or its error), and a later read of the same path returns a
 * copy of that without touching the file system, whichever check asks. So
 * every check of one report sees the same state of a file, and the
 * evidence of each names what it read. A later read with a larger max than
 * a cached -EFBIG reads again. report_run starts each report with an empty
 * memo (host_forget_all); a probe that changes a file it read (lockdown
 * mounting securityfs) forgets it with host_forget. Not thread-safe: one
 * host handle belongs to one report at a time. */
int host_read_file(const struct host *h, const char *abs, size_t max, char **out,
		   size_t *len);

/* What a probe parsed from abs's bytes (the parsed mount table of mountinfo),
 * kept with the memo's entry for abs and released (release(obj)) when that
 * is dropped, so every check of a report shares one parse. put returns 0,
 * or -ENOENT when the memo holds no successful read of abs (obj is then
 * not kept); get returns NULL when nothing is kept. */
void *host_derived_get(const struct host *h, const char *abs);
int host_derived_put(const struct host *h, const char *abs, void *obj, void (*release)(void *));

/* Drop what the memo holds for abs (the next read reads the file, and the
 * next read of a live kernel file looks at the mount table again). */
void host_forget(const struct host *h, const char *abs);

/* Drop everything the memo holds. */
void host_forget_all(const struct host *h);

/* How many host_read_file calls reached the file system (memo misses)
 * since host_init, and how many the memo answered. */
void host_read_counts(const struct host *h, unsigned long *reads, unsigned long *hits);

/* Whether a file a library will open itself (libkmod, libselinux) is a
 * regular file: 0, -ENOTREG, -EISDIR or another -errno. Checked without
 * blocking, so that the library is never handed a FIFO or /dev/zero. */
int host_check_file(const struct host *h, const char *abs);

/* Read a small file into buf, stripping one trailing newline. A file that
 * does not fit, or holds a NUL byte, is -EFBIG / -EINVAL. */
int host_read_value(const struct host *h, const char *abs, char *buf, size_t size);

/* Human text for a negative errno from these functions. */
const char *host_strerror(int neg_errno);

/* Start a command now (live host only) so it runs while other probes read;
 * host_command_output collects it. name keys the cache: each command runs
 * at most once per host. */
void host_command_prefetch(struct host *h, const char *name, char *const argv[]);

/* Output of a command: run (or collected) once, cached. On an offline root
 * it is the captured file <root>/.cisreport/commands/NAME. Returns 0 and
 * sets *out and *len, or -errno; *exit_status is set when it ran. */
int host_command_output(struct host *h, const char *name, char *const argv[],
			const char **out, size_t *len, int *exit_status);

/* The nf_tables ruleset as a JSON document in the schema of `nft -j list
 * ruleset`: live, read from the kernel over netlink (core/nft_netlink.c,
 * no child process), or the process's kept one while the kernel's ruleset
 * generation is unchanged (core/nft_cache.h); offline, the captured file
 * <root>HOST_NFT_RULESET. Read once per host; the document is held until
 * the host is freed, and read only (other reports may share it). Returns 0
 * with *doc and source ("nf_tables over netlink (generation N)", "captured
 * ... <path>") or -errno with why: -ENOENT (offline: no capture),
 * -ENOPROTOOPT (no nf_tables in the kernel), -EPERM, -EAGAIN (kept
 * changing), ... */
int host_nft_ruleset(struct host *h, const struct json_t **doc, const char **source,
		     const char **why);

/* What a probe made of the nf_tables document (the firewall kinds' parsed
 * ruleset), kept with it and released (release(obj)) when it is dropped,
 * so that the four firewall checks of a report, and the reports of a
 * process at the same generation, share one parse. get returns NULL when
 * nothing is kept. put, after host_nft_ruleset returned 0, returns the
 * object kept: obj, or the one a concurrent report kept first (obj is then
 * released). A kept object is read by several threads: it must not change. */
void *host_nft_derived_get(const struct host *h);
void *host_nft_derived_put(struct host *h, void *obj, void (*release)(void *));

#endif
