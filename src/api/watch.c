#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <selinux/avc.h>
#include <selinux/selinux.h>

#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "core/nft_netlink.h"
#include "dynlib/lib_sdbus.h"
#include "observer/observer.h"

/* Every kind of change a directory entry can undergo: written, chmod/chown,
 * created, removed, renamed in or out (a file replaced by rename is
 * IN_MOVED_TO of its name), and the directory itself going away. */
#define DIR_EVENTS                                                                        \
	(IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM |    \
	 IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF)
/* A tree watch stops descending here (the journal tree is two levels). */
#define TREE_MAX_DEPTH 8
#define TREE_MAX_DIRS 4096
#define SETTLE_MS 100
/* systemd's units on the system bus: each unit is an object under this
 * path, whose properties (ActiveState, ...) change with a
 * PropertiesChanged signal. Only systemd's own signals count. */
#define SYSTEM_BUS_SOCKET "/run/dbus/system_bus_socket"
#define UNIT_PATH "/org/freedesktop/systemd1/unit"
#define UNITS_MATCH                                                                          \
	"type='signal',sender='org.freedesktop.systemd1',"                                   \
	"interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"            \
	"path_namespace='" UNIT_PATH "'"
/* Messages handled per drain at most (a flood waits for the next one). */
#define BUS_MAX_PER_DRAIN 4096

/* One input of one subscriber, as registered. */
struct reg {
	size_t id;
	enum input_class cls;
	char *name; /* host-absolute path for path/tree; the key for sysctl */
	int obs_cls; /* INPUT_OBSERVER: the observer class; else -1 */
	bool degraded;
};

/* One inotify watch serving one reg: events on wd about child name (""
 * = any entry) touch the reg. */
struct rec {
	int wd;
	size_t reg;
	char child[NAME_MAX + 1];
	bool tree; /* a directory of a tree: new subdirectories are watched too */
};

struct watch {
	char root[PATH_MAX]; /* "" live */
	bool mounted;        /* live, files under root (--host-root) */
	bool live;
	unsigned ttl_ms, firewall_ttl_ms;
	int inotify_fd;
	int mounts_fd;      /* drained: its POLLPRI is read only by watch_drain */
	int mounts_wake_fd; /* the same file, for a thread to wait on */
	bool selinux_status; /* selinux_status_open succeeded */
	struct reg *regs;
	size_t n_regs, cap_regs;
	struct rec *recs;
	size_t n_recs, cap_recs;
	bool *rearm; /* per reg, set while draining */
	/* The observer last drained (compared, never followed: it may be
	 * gone), whether it ran and since when: another one, or the same
	 * switched on or off, makes every observer count unknown. */
	const struct observer *obs;
	bool obs_running;
	int64_t obs_since;
	/* Observer change counts last seen, per class; ~0: none seen yet. */
	uint64_t seen[OBSERVER_NCLASSES];
	uint32_t obs_regs; /* classes some INPUT_OBSERVER reg has (bit per class) */
	/* The observer sees a sysctl file opened for writing and a module
	 * load starting: before the change lands. Until SETTLE_MS after the
	 * last such event every drain re-touches the class, and one more
	 * after it (monotonic ms; 0: none pending). */
	long long settle_sysctl, settle_modules;
	char cause_sysctl[256], cause_modules[256];
	struct observer_class_view *view; /* scratch for snapshots */
	unsigned long degraded[INPUT_NCLASSES];
	char degraded_reason[256];
	/* nf_tables changes: a netlink socket in NFNLGRP_NFTABLES, opened
	 * with the first firewall input (live only). */
	bool nft_tried;
	int nft_fd;  /* -1: no subscription (firewall inputs keep their TTL) */
	bool legacy; /* legacy x_tables loaded: not notified, TTL kept */
	char nft_cause[160];
	/* systemd units: PropertiesChanged signals on the system bus (sd-bus,
	 * connected with the first units input; live only). */
	bool bus_tried;
	int bus_fd;       /* -1: no subscription (units keep their TTL) */
	bool bus_pending; /* messages may wait in sd-bus's own queue */
	char bus_why[256]; /* why there is no subscription */
	bool bus_lost;      /* was subscribed, the connection went away */
	long long bus_lost_next; /* monotonic ms: units re-read then (their TTL) */
	long long bus_retry_at;  /* monotonic ms: the next connection attempt */
	unsigned bus_backoff_ms; /* doubled after each failed attempt */
	unsigned long bus_retries; /* attempts since the loss */
#ifdef CISREPORT_HAVE_SYSTEMD
	const struct sdbus_lib *bus_lib;
	sd_bus *bus;
	watch_changed_fn bus_changed; /* set while draining the bus */
	void *bus_ctx;
#endif
};

int watch_inotify_fd(const struct watch *w)
{
	return w->inotify_fd;
}

int watch_mounts_fd(const struct watch *w)
{
	return w->mounts_wake_fd;
}

int watch_nft_fd(const struct watch *w)
{
	return w->nft_fd;
}

int watch_bus_fd(const struct watch *w)
{
	return w->bus_fd;
}

unsigned long watch_degraded(const struct watch *w, enum input_class cls)
{
	return (unsigned)cls < INPUT_NCLASSES ? w->degraded[cls] : 0;
}

const char *watch_degraded_reason(const struct watch *w)
{
	return w->degraded_reason;
}

struct watch *watch_new(const struct watch_config *cfg, char *err, size_t err_size)
{
	struct watch *w = calloc(1, sizeof(*w));
	if (!w || !(w->view = calloc(1, sizeof(*w->view)))) {
		free(w);
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	w->live = !cfg->root || strcmp(cfg->root, "/") == 0 || cfg->mounted;
	w->mounted = cfg->mounted;
	if (cfg->root && strcmp(cfg->root, "/") != 0)
		snprintf(w->root, sizeof(w->root), "%s", cfg->root);
	size_t n = strlen(w->root);
	while (n && w->root[n - 1] == '/')
		w->root[--n] = '\0';
	w->ttl_ms = cfg->ttl_ms ? cfg->ttl_ms : WATCH_DEFAULT_TTL_MS;
	w->firewall_ttl_ms = cfg->firewall_ttl_ms ? cfg->firewall_ttl_ms : w->ttl_ms;
	for (int i = 0; i < OBSERVER_NCLASSES; i++)
		w->seen[i] = UINT64_MAX;
	w->mounts_fd = w->mounts_wake_fd = -1;
	w->nft_fd = -1;
	w->bus_fd = -1;
	w->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->inotify_fd < 0) {
		snprintf(err, err_size, "inotify: %s", strerror(errno));
		free(w->view);
		free(w);
		return NULL;
	}
	if (w->live) {
		/* The mount table of this mount namespace: POLLPRI when it changes. */
		/* Two descriptors: poll() itself takes the change from a
		 * descriptor, so the one a thread waits on must not be the one
		 * watch_drain asks. */
		/* Under --host-root: the machine's (its init's), not the
		 * container's own. */
		char mi[PATH_MAX];
		snprintf(mi, sizeof(mi), "%s%s", w->root,
			 w->root[0] ? "/proc/1/mountinfo" : "/proc/self/mountinfo");
		w->mounts_fd = open(mi, O_RDONLY | O_CLOEXEC);
		w->mounts_wake_fd = open(mi, O_RDONLY | O_CLOEXEC);
		if (is_selinux_enabled() == 1 && selinux_status_open(0) >= 0)
			w->selinux_status = true;
	}
	return w;
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_regs; i++)
		free(w->regs[i].name);
	free(w->regs);
	free(w->recs);
	free(w->rearm);
	free(w->view);
	if (w->inotify_fd >= 0)
		close(w->inotify_fd);
	if (w->mounts_fd >= 0)
		close(w->mounts_fd);
	if (w->mounts_wake_fd >= 0)
		close(w->mounts_wake_fd);
	if (w->selinux_status)
		selinux_status_close();
	if (w->nft_fd >= 0)
		close(w->nft_fd);
#ifdef CISREPORT_HAVE_SYSTEMD
	if (w->bus)
		w->bus_lib->flush_close_unref(w->bus);
#endif
	free(w);
}

static void touch_class(struct watch *w, enum input_class cls, const char *cause,
			watch_changed_fn changed, void *ctx);

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static bool legacy_tables_loaded(void)
{
	static const char *const files[] = {"/proc/net/ip_tables_names", "/proc/net/ip6_tables_names"};
	for (size_t i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "re");
		int c = f ? fgetc(f) : EOF;
		if (f)
			fclose(f);
		if (c != EOF)
			return true;
	}
	return false;
}

/* Subscribe to nf_tables' change notifications (every commit of a new,
 * changed or deleted table, chain, rule, set or element is multicast to
 * NFNLGRP_NFTABLES before the committing process gets its answer). Needs
 * CAP_NET_ADMIN; without it, or with legacy x_tables loaded (changed
 * without notification), the firewall keeps its TTL. */
static void nft_subscribe(struct watch *w)
{
	w->nft_tried = true;
	w->legacy = legacy_tables_loaded();
	int fd = nft_netlink_subscribe();
	if (fd < 0) {
		w->degraded[INPUT_FIREWALL]++;
		snprintf(w->degraded_reason, sizeof(w->degraded_reason),
			 "firewall nf_tables notifications (NFNLGRP_NFTABLES): %s", strerror(-fd));
		return;
	}
	w->nft_fd = fd;
}

static const char *nft_msg_name(unsigned type)
{
	switch (type) {
	case NFT_MSG_NEWTABLE: return "new table";
	case NFT_MSG_DELTABLE: return "table deleted";
	case NFT_MSG_NEWCHAIN: return "new chain";
	case NFT_MSG_DELCHAIN: return "chain deleted";
	case NFT_MSG_NEWRULE: return "new rule";
	case NFT_MSG_DELRULE: return "rule deleted";
	case NFT_MSG_NEWSET: return "new set";
	case NFT_MSG_DELSET: return "set deleted";
	case NFT_MSG_NEWSETELEM: return "new set element";
	case NFT_MSG_DELSETELEM: return "set element deleted";
	case NFT_MSG_NEWGEN: return "new generation";
	}
	return "change";
}

static void drain_nft(struct watch *w, watch_changed_fn changed, void *ctx)
{
	if (w->nft_fd < 0)
		return;
	char buf[16384] __attribute__((aligned(__alignof__(struct nlmsghdr))));
	bool any = false;
	const char *first = NULL;
	for (;;) {
		ssize_t n = recv(w->nft_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS) {
			any = true; /* notifications were lost: a change all the same */
			first = first ? first : "notifications lost (ENOBUFS)";
			continue;
		}
		if (n <= 0)
			break;
		any = true;
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		if (!first && (size_t)n >= sizeof(*nlh) && NFNL_SUBSYS_ID(nlh->nlmsg_type) == NFNL_SUBSYS_NFTABLES &&
		    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWGEN)
			first = nft_msg_name(NFNL_MSG_TYPE(nlh->nlmsg_type));
	}
	if (!any)
		return;
	snprintf(w->nft_cause, sizeof(w->nft_cause), "firewall nf_tables ruleset (netlink: %s)",
		 first ? first : "new generation");
	touch_class(w, INPUT_FIREWALL, w->nft_cause, changed, ctx);
}

/* A unit's object path, as systemd escapes it: "chronyd.service" ->
 * UNIT_PATH "/chronyd_2eservice". */
static void unit_object_path(const char *unit, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "%s/", UNIT_PATH);
	if (!*unit && n + 1 < size)
		buf[n++] = '_';
	for (const unsigned char *p = (const unsigned char *)unit; *p && n + 4 < size; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
			buf[n++] = (char)*p;
		else
			n += (size_t)snprintf(buf + n, size - n, "_%02x", *p);
	}
	buf[n] = '\0';
}

/* Every units input of the unit at object path (NULL: every unit). */
static void touch_units(struct watch *w, const char *path, const char *why,
			watch_changed_fn changed, void *ctx)
{
	for (size_t i = 0; i < w->n_regs; i++) {
		const struct reg *g = &w->regs[i];
		if (g->cls != INPUT_UNITS)
			continue;
		char own[PATH_MAX];
		unit_object_path(g->name, own, sizeof(own));
		if (path && strcmp(own, path) != 0)
			continue;
		char cause[PATH_MAX + 96];
		snprintf(cause, sizeof(cause), "units %s (%s)", g->name, why);
		changed(ctx, g->id, cause);
	}
}

#ifdef CISREPORT_HAVE_SYSTEMD
static int on_unit_signal(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	(void)error;
	struct watch *w = userdata;
	const char *path = w->bus_lib->message_get_path(m);
	if (path && w->bus_changed)
		touch_units(w, path, "D-Bus PropertiesChanged", w->bus_changed, w->bus_ctx);
	return 0;
}
#endif

#ifdef CISREPORT_HAVE_SYSTEMD
struct watch_bus_conn {
	const struct sdbus_lib *L;
	sd_bus *bus;
	int fd;
};
#endif

/* A connection to the system bus (the one chrony's check asks:
 * $DBUS_SYSTEM_BUS_ADDRESS, else the well-known socket), matching the
 * units' PropertiesChanged signals and subscribed to systemd's. Reads
 * only w->root: callable without the cache's lock. NULL, why said. */
static struct watch_bus_conn *bus_open(struct watch *w, bool need_systemd, char *why_out,
				       size_t why_size)
{
#ifdef CISREPORT_HAVE_SYSTEMD
	char sock[PATH_MAX];
	struct stat st;
	snprintf(sock, sizeof(sock), "%s%s", w->root, SYSTEM_BUS_SOCKET);
	if (!secure_getenv("DBUS_SYSTEM_BUS_ADDRESS") && stat(sock, &st) < 0) {
		snprintf(why_out, why_size, "no system bus (%s: %s)", SYSTEM_BUS_SOCKET,
			 strerror(errno));
		return NULL;
	}
	char why[512];
	const struct sdbus_lib *L = sdbus_lib_get(why, sizeof(why));
	if (!L) {
		snprintf(why_out, why_size, "system bus: %s", why);
		return NULL;
	}
	struct watch_bus_conn *conn = calloc(1, sizeof(*conn));
	if (!conn) {
		snprintf(why_out, why_size, "system bus: %s", strerror(ENOMEM));
		return NULL;
	}
	sd_bus *bus = NULL;
	int rc = L->open_system(&bus);
	if (rc >= 0) {
		(void)L->set_method_call_timeout(bus, 2000000); /* µs */
		rc = L->add_match(bus, NULL, UNITS_MATCH, on_unit_signal, w);
	}
	int fd = rc >= 0 ? L->get_fd(bus) : rc;
	if (fd < 0) {
		snprintf(why_out, why_size, "system bus: %s", strerror(-fd));
		if (bus)
			L->flush_close_unref(bus);
		free(conn);
		return NULL;
	}
	/* systemd sends its units' signals only while some client has
	 * subscribed; no systemd on the bus: the answer is an error, at once.
	 * The call also proves the bus answers (a bus daemon gone since the
	 * connect fails it). */
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	rc = L->call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			    "org.freedesktop.systemd1.Manager", "Subscribe", &error, &reply, "");
	L->message_unref(reply);
	L->error_free(&error);
	/* A reconnection counts once systemd has answered: after a bus
	 * restart it may join later, and it signals only to subscribers. */
	if (rc < 0 && (need_systemd || rc == -ECONNRESET || rc == -ENOTCONN || rc == -EPIPE ||
		       rc == -ETIMEDOUT)) {
		snprintf(why_out, why_size, "system bus: systemd's Subscribe: %s", strerror(-rc));
		L->flush_close_unref(bus);
		free(conn);
		return NULL;
	}
	*conn = (struct watch_bus_conn){.L = L, .bus = bus, .fd = fd};
	return conn;
#else
	(void)w;
	(void)need_systemd;
	snprintf(why_out, why_size, "built without systemd D-Bus support");
	return NULL;
#endif
}

static void bus_install(struct watch *w, struct watch_bus_conn *conn)
{
#ifdef CISREPORT_HAVE_SYSTEMD
	w->bus_lib = conn->L;
	w->bus = conn->bus;
	w->bus_fd = conn->fd;
	w->bus_pending = true; /* signals may have come during the calls */
	free(conn);
#else
	(void)w;
	(void)conn;
#endif
}

/* Listen for systemd's units' PropertiesChanged signals, where a system
 * bus exists. Without one, the units keep their TTL. */
static void bus_subscribe(struct watch *w)
{
	w->bus_tried = true;
	struct watch_bus_conn *conn = bus_open(w, false, w->bus_why, sizeof(w->bus_why));
	if (conn)
		bus_install(w, conn);
}

/* First retry this long after a loss, doubled after each failure. */
#define BUS_RETRY_FIRST_MS 1000
#define BUS_RETRY_MAX_MS 60000

bool watch_bus_retry_due(const struct watch *w)
{
	return w->bus_lost && now_ms() >= w->bus_retry_at;
}

struct watch_bus_conn *watch_bus_connect(struct watch *w, char *why, size_t size)
{
	return bus_open(w, true, why, size);
}

void watch_bus_adopt(struct watch *w, struct watch_bus_conn *conn, const char *why,
		     watch_changed_fn changed, void *ctx, char *msg, size_t msg_size)
{
	msg[0] = '\0';
	if (!w->bus_lost) { /* reconnected meanwhile (cannot happen: one refresher) */
		watch_bus_conn_free(conn);
		return;
	}
	w->bus_retries++;
	if (!conn) {
		w->bus_backoff_ms = w->bus_backoff_ms >= BUS_RETRY_MAX_MS / 2 ? BUS_RETRY_MAX_MS
									 : w->bus_backoff_ms * 2;
		w->bus_retry_at = now_ms() + w->bus_backoff_ms;
		/* Said once per doubling, so at most once a minute. */
		if (w->bus_backoff_ms < BUS_RETRY_MAX_MS || w->bus_retries % 16 == 0)
			snprintf(msg, msg_size, "units: system bus still lost (%s); next attempt in %u s",
				 why, w->bus_backoff_ms / 1000);
		return;
	}
	bus_install(w, conn);
	w->bus_lost = false;
	for (size_t i = 0; i < w->n_regs; i++)
		if (w->regs[i].cls == INPUT_UNITS && w->regs[i].degraded) {
			w->regs[i].degraded = false;
			w->degraded[INPUT_UNITS]--;
		}
	if (!w->degraded[INPUT_UNITS] && strncmp(w->degraded_reason, "units:", 6) == 0)
		w->degraded_reason[0] = '\0';
	snprintf(msg, msg_size,
		 "units: system bus connection back after %lu attempt(s): PropertiesChanged watched again",
		 w->bus_retries);
	/* What changed while it was away is unknown. */
	touch_units(w, NULL, "system bus reconnected", changed, ctx);
}

void watch_bus_conn_free(struct watch_bus_conn *conn)
{
#ifdef CISREPORT_HAVE_SYSTEMD
	if (conn)
		conn->L->flush_close_unref(conn->bus);
#endif
	free(conn);
}

static void drain_bus(struct watch *w, bool readable, watch_changed_fn changed, void *ctx)
{
	if (w->bus_lost) {
		/* No signals any more: the units' TTL, counted from the loss. */
		long long now = now_ms();
		if (now >= w->bus_lost_next) {
			w->bus_lost_next = now + w->ttl_ms;
			touch_units(w, NULL, "system bus connection lost: time-to-live", changed, ctx);
		}
		return;
	}
#ifdef CISREPORT_HAVE_SYSTEMD
	if (!w->bus || (!readable && !w->bus_pending))
		return;
	w->bus_pending = false;
	w->bus_changed = changed;
	w->bus_ctx = ctx;
	int rc = 1;
	for (int i = 0; i < BUS_MAX_PER_DRAIN && rc > 0; i++)
		rc = w->bus_lib->process(w->bus, NULL);
	if (rc > 0)
		w->bus_pending = true; /* more than one drain's worth */
	w->bus_changed = NULL;
	w->bus_ctx = NULL;
	if (rc >= 0)
		return;
	/* The bus went away (dbus-daemon restarted): what changed meanwhile
	 * is unknown; from now on the units' TTL, until the background
	 * re-evaluation connects again (watch_bus_retry_due: after 1 s, then
	 * doubling up to a minute) or a reload rebuilds the watches. */
	w->bus_lib->flush_close_unref(w->bus);
	w->bus = NULL;
	w->bus_fd = -1;
	w->bus_lost = true;
	w->bus_lost_next = now_ms() + w->ttl_ms;
	w->bus_backoff_ms = BUS_RETRY_FIRST_MS;
	w->bus_retry_at = now_ms() + w->bus_backoff_ms;
	w->bus_retries = 0;
	for (size_t i = 0; i < w->n_regs; i++)
		if (w->regs[i].cls == INPUT_UNITS && !w->regs[i].degraded) {
			w->regs[i].degraded = true;
			w->degraded[INPUT_UNITS]++;
		}
	snprintf(w->degraded_reason, sizeof(w->degraded_reason),
		 "units: system bus connection lost: %s", strerror(-rc));
	touch_units(w, NULL, "system bus connection lost", changed, ctx);
#else
	(void)readable;
	(void)changed;
	(void)ctx;
#endif
}

static int add_rec(struct watch *w, int wd, size_t reg, const char *child, bool tree)
{
	if (w->n_recs == w->cap_recs) {
		size_t cap = w->cap_recs ? w->cap_recs * 2 : 64;
		struct rec *r = realloc(w->recs, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		w->recs = r;
		w->cap_recs = cap;
	}
	struct rec *r = &w->recs[w->n_recs++];
	r->wd = wd;
	r->reg = reg;
	r->tree = tree;
	snprintf(r->child, sizeof(r->child), "%s", child);
	return 0;
}

static void degrade(struct watch *w, struct reg *g, const char *what, int err)
{
	if (g->degraded)
		return;
	g->degraded = true;
	w->degraded[g->cls]++;
	snprintf(w->degraded_reason, sizeof(w->degraded_reason), "%s %s: %s",
		 input_class_name(g->cls), what, strerror(err));
}

/* arm() walks the path with stat() and then sets watches: an entry created
 * or removed between the two has its event before the watch exists. Such
 * a walk is done again (ARM_AGAIN); a few tries, then the input keeps its
 * TTL. */
#define ARM_AGAIN 1
#define ARM_TRIES 8

/* Watch directory path (host path) for reg; child "" = any entry.
 * ARM_AGAIN: the directory is gone. */
static int watch_dir(struct watch *w, size_t reg, const char *path, const char *child,
		     bool tree)
{
	int wd = inotify_add_watch(w->inotify_fd, path, DIR_EVENTS | IN_ONLYDIR);
	if (wd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return ARM_AGAIN;
		degrade(w, &w->regs[reg], path, errno);
		return 0;
	}
	return add_rec(w, wd, reg, child, tree);
}

/* The watch on a directory comes before its listing, so a subdirectory
 * made meanwhile is either listed or seen created. */
static int watch_tree(struct watch *w, size_t reg, const char *path, int depth, size_t *dirs)
{
	int rc = watch_dir(w, reg, path, "", true);
	if (rc || depth >= TREE_MAX_DEPTH)
		return rc;
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (++*dirs > TREE_MAX_DIRS) {
			degrade(w, &w->regs[reg], path, E2BIG);
			break;
		}
		char sub[PATH_MAX];
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) < (int)sizeof(sub))
			rc = watch_tree(w, reg, sub, depth + 1, dirs);
		/* A subdirectory removed meanwhile: its parent saw it go. */
		if (rc == ARM_AGAIN)
			rc = 0;
	}
	closedir(d);
	return rc;
}

/* One walk of arm(): 0, -ENOMEM, or ARM_AGAIN when the path changed under
 * it. */
static int arm_walk(struct watch *w, size_t reg)
{
	struct reg *g = &w->regs[reg];
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s%s", w->root, g->name) >= (int)sizeof(path))
		return 0;
	size_t base = strlen(w->root);
	struct stat st;
	if (stat(path, &st) == 0) {
		int rc = 0;
		if (S_ISDIR(st.st_mode)) {
			size_t dirs = 0;
			rc = g->cls == INPUT_TREE ? watch_tree(w, reg, path, 0, &dirs)
						  : watch_dir(w, reg, path, "", false);
		}
		char *slash = strrchr(path, '/');
		if (rc || !slash || slash - path < (ptrdiff_t)base || slash[1] == '\0')
			return rc;
		*slash = '\0';
		return watch_dir(w, reg, slash == path ? "/" : path, slash + 1, false);
	}
	/* Walk up to an existing ancestor directory. */
	char full[PATH_MAX];
	memcpy(full, path, sizeof(full));
	for (;;) {
		char *slash = strrchr(path, '/');
		if (!slash || slash - path < (ptrdiff_t)base)
			return 0;
		char child[NAME_MAX + 1];
		snprintf(child, sizeof(child), "%s", slash + 1);
		*slash = '\0';
		const char *dir = path[0] ? path : "/";
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		int rc = watch_dir(w, reg, dir, child, false);
		if (rc)
			return rc;
		/* The next component, made before the watch existed: the
		 * walk now goes deeper (a file in the way stops it here). */
		*slash = '/';
		if (stat(path, &st) == 0 && (S_ISDIR(st.st_mode) || strcmp(path, full) == 0))
			return ARM_AGAIN;
		return 0;
	}
}

/* A path input: the entry's directory (filtered by its name: written,
 * replaced, removed), the entry itself when a directory (its drop-ins), or,
 * while it does not exist, the deepest ancestor that does (filtered by the
 * next component: created later). */
static int arm(struct watch *w, size_t reg)
{
	for (int i = 0; i < ARM_TRIES; i++) {
		size_t mark = w->n_recs; /* this walk's records: dropped if redone */
		int rc = arm_walk(w, reg);
		if (rc != ARM_AGAIN)
			return rc;
		w->n_recs = mark;
	}
	degrade(w, &w->regs[reg], w->regs[reg].name, EAGAIN);
	return 0;
}

/* "net.ipv4.ip_forward" → "/proc/sys/net/ipv4/ip_forward" (as the sysctl
 * kind reads it: a name with a slash is a path already). */
static void sysctl_file(const char *key, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/sys/%s", key);
	if (!strchr(key, '/'))
		for (char *p = buf + strlen("/proc/sys/"); *p; p++)
			if (*p == '.')
				*p = '/';
}

static int add_reg(struct watch *w, size_t id, enum input_class cls, const char *name)
{
	if (w->n_regs == w->cap_regs) {
		size_t cap = w->cap_regs ? w->cap_regs * 2 : 64;
		struct reg *r = realloc(w->regs, cap * sizeof(*r));
		bool *a = realloc(w->rearm, cap * sizeof(*a));
		if (a)
			w->rearm = a;
		if (r)
			w->regs = r;
		if (!r || !a)
			return -ENOMEM;
		w->cap_regs = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	size_t i = w->n_regs++;
	w->regs[i] = (struct reg){.id = id, .cls = cls, .name = copy, .obs_cls = -1};
	w->rearm[i] = false;
	if (cls == INPUT_PATH || cls == INPUT_TREE)
		return arm(w, i);
	return 0;
}

static void min_ttl(unsigned *ttl, unsigned v)
{
	if (!*ttl || v < *ttl)
		*ttl = v;
}

/* Offline (--root): every input is a file of the tree, watched as a path. */
static int add_offline(struct watch *w, size_t id, const struct check_input *in,
		       struct watch_freshness *f)
{
	char path[PATH_MAX];
	switch (in->cls) {
	case INPUT_SYSCTL:
		sysctl_file(in->name, path, sizeof(path));
		return add_reg(w, id, INPUT_PATH, path);
	case INPUT_MODULES: {
		int rc = add_reg(w, id, INPUT_PATH, "/proc/modules");
		if (!rc)
			rc = add_reg(w, id, INPUT_PATH, "/proc/filesystems");
		if (!rc)
			rc = add_reg(w, id, INPUT_PATH, "/proc/net/protocols");
		return rc;
	}
	case INPUT_MOUNTS:
		return add_reg(w, id, INPUT_PATH, "/proc/self/mountinfo");
	case INPUT_SELINUX:
		return add_reg(w, id, INPUT_TREE, "/sys/fs/selinux");
	case INPUT_FIREWALL: {
		/* The captured nft ruleset and iptables-save output. */
		int rc = add_reg(w, id, INPUT_PATH, "/.cisreport/commands");
		if (!rc)
			rc = add_reg(w, id, INPUT_PATH, "/.cisreport/nft-ruleset.json");
		return rc;
	}
	case INPUT_KERNEL:
		if (in->name[0] == '/')
			return add_reg(w, id, INPUT_TREE, in->name);
		f->uncached = true;
		return 0;
	case INPUT_PROCESSES:
	case INPUT_UNITS:
		min_ttl(&f->ttl_ms, w->ttl_ms);
		return 0;
	case INPUT_OBSERVER:
		/* The observer watches the live host, never an offline tree:
		 * nothing there changes what a runtime check says. */
		return 0;
	default:
		return add_reg(w, id, in->cls, in->name);
	}
}

/* A runtime check's observer class: touched when its count moves. */
static int add_observer(struct watch *w, size_t id, const char *name, struct watch_freshness *f)
{
	int cls = observer_class_from_name(name);
	if (cls < 0) {
		f->uncached = true; /* validated at load: cannot happen */
		return 0;
	}
	int rc = add_reg(w, id, INPUT_OBSERVER, name);
	if (!rc) {
		w->regs[w->n_regs - 1].obs_cls = cls;
		w->obs_regs |= 1u << cls;
	}
	return rc;
}

static int add_live(struct watch *w, size_t id, const struct check_input *in,
		    struct watch_freshness *f)
{
	switch (in->cls) {
	case INPUT_PATH:
	case INPUT_TREE:
		return add_reg(w, id, in->cls, in->name);
	case INPUT_MOUNTS:
		if (w->mounts_fd < 0)
			min_ttl(&f->ttl_ms, w->ttl_ms);
		return add_reg(w, id, in->cls, in->name);
	case INPUT_SYSCTL:
	case INPUT_MODULES:
		/* Notified by the observer's events while it runs. */
		min_ttl(&f->ttl_without_observer_ms, w->ttl_ms);
		return add_reg(w, id, in->cls, in->name);
	case INPUT_SELINUX:
		/* Disabled SELinux cannot be enabled without mounting
		 * selinuxfs (a mount-table change, which the kind watches).
		 * Without the status page (a container's libselinux may not
		 * see it), a time-to-live. */
		if (w->mounted && !w->selinux_status)
			min_ttl(&f->ttl_ms, w->ttl_ms);
		return add_reg(w, id, in->cls, in->name);
	case INPUT_FIREWALL:
		if (!w->nft_tried)
			nft_subscribe(w);
		if (w->nft_fd < 0 || w->legacy) {
			min_ttl(&f->ttl_ms, w->firewall_ttl_ms);
			return 0;
		}
		/* notified: no TTL (legacy tables loaded later show at the
		 * full re-evaluation) */
		return add_reg(w, id, in->cls, in->name);
	case INPUT_KERNEL:
		if (strcmp(in->name, "uncached") == 0)
			f->uncached = true;
		else
			min_ttl(&f->ttl_ms, w->ttl_ms);
		return 0;
	case INPUT_OBSERVER:
		return add_observer(w, id, in->name, f);
	case INPUT_UNITS:
		if (!in->name[0])
			return 0; /* no unit to ask systemd about */
		if (!w->bus_tried)
			bus_subscribe(w);
		if (w->bus_fd >= 0)
			return add_reg(w, id, INPUT_UNITS, in->name);
		/* No bus: the TTL, and the report says why. */
		min_ttl(&f->ttl_ms, w->ttl_ms);
		w->degraded[INPUT_UNITS]++;
		snprintf(w->degraded_reason, sizeof(w->degraded_reason), "units %s: %s", in->name,
			 w->bus_why);
		return 0;
	default: /* processes */
		min_ttl(&f->ttl_ms, w->ttl_ms);
		return 0;
	}
}

int watch_add(struct watch *w, size_t id, const struct check_inputs *in,
	      struct watch_freshness *out)
{
	memset(out, 0, sizeof(*out));
	size_t first = w->n_regs;
	for (size_t i = 0; i < in->n; i++) {
		int rc = w->live ? add_live(w, id, &in->v[i], out)
				 : add_offline(w, id, &in->v[i], out);
		if (rc)
			return rc;
	}
	for (size_t i = first; i < w->n_regs; i++)
		if (w->regs[i].degraded)
			min_ttl(&out->ttl_ms, w->ttl_ms);
	return 0;
}

/* Report every subscriber with an input of class cls (name NULL: any). */
static void touch_class(struct watch *w, enum input_class cls, const char *cause,
			watch_changed_fn changed, void *ctx)
{
	for (size_t i = 0; i < w->n_regs; i++)
		if (w->regs[i].cls == cls)
			changed(ctx, w->regs[i].id, cause);
}

static void touch_reg(struct watch *w, size_t reg, watch_changed_fn changed, void *ctx)
{
	char cause[PATH_MAX + 16];
	const struct reg *g = &w->regs[reg];
	snprintf(cause, sizeof(cause), "%s %s", input_class_name(g->cls), g->name);
	changed(ctx, g->id, cause);
	w->rearm[reg] = true;
}

static void drain_inotify(struct watch *w, watch_changed_fn changed, void *ctx)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;
	for (;;) {
		ssize_t n = read(w->inotify_fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		any = true;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				/* Events were lost: everything watched may have changed. */
				for (size_t i = 0; i < w->n_regs; i++)
					if (w->regs[i].cls == INPUT_PATH || w->regs[i].cls == INPUT_TREE)
						touch_reg(w, i, changed, ctx);
				continue;
			}
			for (size_t i = 0; i < w->n_recs; i++) {
				const struct rec *r = &w->recs[i];
				if (r->wd != ev->wd || w->rearm[r->reg])
					continue;
				if (r->child[0] && (!ev->len || strcmp(r->child, ev->name) != 0) &&
				    !(ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)))
					continue;
				touch_reg(w, r->reg, changed, ctx);
			}
		}
	}
	if (!any)
		return;
	/* Re-arm what was touched: a created directory gets its own watch, a
	 * replaced file's directory is still watched. Old records of a
	 * touched reg go; inotify gives the same wd for the same directory. */
	size_t keep = 0;
	for (size_t i = 0; i < w->n_recs; i++)
		if (!w->rearm[w->recs[i].reg])
			w->recs[keep++] = w->recs[i];
	w->n_recs = keep;
	for (size_t i = 0; i < w->n_regs; i++) {
		if (!w->rearm[i])
			continue;
		w->rearm[i] = false;
		(void)arm(w, i);
	}
}


/* Who made the latest change of a class the observer saw. */
static void observer_cause(const struct observer_class_view *v, const char *what, char *buf,
			   size_t size)
{
	const struct observer_subject *last = NULL;
	for (size_t i = 0; i < v->n_subjects; i++)
		if (!last || v->subjects[i].last_ns > last->last_ns)
			last = &v->subjects[i];
	if (!last) {
		snprintf(buf, size, "%s (observer)", what);
		return;
	}
	snprintf(buf, size, "%s %s (observer: first by pid %u comm %s uid %u)", what, last->name,
		 last->first_pid, last->first_comm, last->first_uid);
}

/* A sysctl or module class the observer reports early: counts[cls] moved
 * (or the observer changed), so the class's inputs are re-read now and on
 * every drain for SETTLE_MS, and once after. */
static void drain_early_class(struct watch *w, struct observer *o, enum observer_class cls,
			      enum input_class in, uint64_t count, long long now, long long *settle,
			      char *cause, size_t cause_size, watch_changed_fn changed, void *ctx)
{
	if (count == w->seen[cls]) {
		if (!*settle)
			return;
		/* Still settling, or just done: the change may have landed
		 * since the last re-read. */
		if (now >= *settle)
			*settle = 0;
		touch_class(w, in, cause, changed, ctx);
		return;
	}
	snprintf(cause, cause_size, "%s (observer)", input_class_name(in));
	if (observer_snapshot(o, cls, w->view) == 0 && w->view->available)
		observer_cause(w->view, input_class_name(in), cause, cause_size);
	/* The first look after the observer starts: changes before it are
	 * unknown, so everything of the class is re-read. */
	*settle = now + SETTLE_MS;
	touch_class(w, in, cause, changed, ctx);
}

/* Runtime checks of class cls: the observer saw a new event of it. */
static void touch_observer_class(struct watch *w, struct observer *o, enum observer_class cls,
				 watch_changed_fn changed, void *ctx)
{
	char cause[320], what[64];
	const char *name = observer_class_name(cls);
	snprintf(what, sizeof(what), "observer %s", name);
	snprintf(cause, sizeof(cause), "%s", what);
	if (observer_snapshot(o, cls, w->view) == 0 && w->view->available) {
		const struct observer_class_view *v = w->view;
		if (v->n_subjects) {
			observer_cause(v, what, cause, sizeof(cause));
		} else if (v->n_samples && v->n_samples == v->received) {
			/* Every event received is a sample: the last is the latest. */
			const struct observer_event *ev = &v->samples[v->n_samples - 1];
			char comm[OBS_COMM_LEN];
			snprintf(comm, sizeof(comm), "%s", ev->raw.comm);
			for (char *p = comm; *p; p++)
				if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
					*p = '?';
			snprintf(cause, sizeof(cause),
				 "observer %s (observer: %llu seen, latest by pid %u comm %s uid %u)",
				 name, (unsigned long long)v->count, ev->raw.pid, comm, ev->raw.uid);
		} else {
			snprintf(cause, sizeof(cause), "observer %s (observer: %llu seen)", name,
				 (unsigned long long)v->count);
		}
	}
	for (size_t i = 0; i < w->n_regs; i++)
		if (w->regs[i].cls == INPUT_OBSERVER && w->regs[i].obs_cls == (int)cls)
			changed(ctx, w->regs[i].id, cause);
}

/* The observer's counts, one look for every class: the sysctl and module
 * classes (reported early: settling), and the runtime checks' classes. */
static void drain_observer(struct watch *w, struct observer *o, watch_changed_fn changed,
			   void *ctx)
{
	bool running = o && observer_running(o);
	int64_t since = running ? observer_since_ns(o) : 0;
	if (o != w->obs || running != w->obs_running || since != w->obs_since) {
		/* Switched on, off, or another one: what runtime checks said
		 * no longer holds, and no count seen before means anything. */
		w->obs = o;
		w->obs_running = running;
		w->obs_since = since;
		for (int i = 0; i < OBSERVER_NCLASSES; i++) {
			w->seen[i] = UINT64_MAX;
			if (w->obs_regs & (1u << i)) {
				for (size_t j = 0; j < w->n_regs; j++)
					if (w->regs[j].cls == INPUT_OBSERVER && w->regs[j].obs_cls == i)
						changed(ctx, w->regs[j].id,
							running ? "observer started" : "observer not running");
			}
		}
	}
	if (!running)
		return;
	uint64_t counts[OBSERVER_NCLASSES];
	observer_changes(o, counts);
	long long now = now_ms();
	drain_early_class(w, o, OBSERVER_SYSCTL_WRITE, INPUT_SYSCTL, counts[OBSERVER_SYSCTL_WRITE],
			  now, &w->settle_sysctl, w->cause_sysctl, sizeof(w->cause_sysctl), changed,
			  ctx);
	drain_early_class(w, o, OBSERVER_MODULE_LOAD, INPUT_MODULES, counts[OBSERVER_MODULE_LOAD],
			  now, &w->settle_modules, w->cause_modules, sizeof(w->cause_modules),
			  changed, ctx);
	for (int i = 0; i < OBSERVER_NCLASSES; i++) {
		if (counts[i] == w->seen[i])
			continue;
		if (w->obs_regs & (1u << i))
			touch_observer_class(w, o, (enum observer_class)i, changed, ctx);
		w->seen[i] = counts[i];
	}
}

uint32_t watch_observer_classes(const struct watch *w)
{
	bool sysctl = false, modules = false;
	for (size_t i = 0; i < w->n_regs && !(sysctl && modules); i++) {
		sysctl |= w->regs[i].cls == INPUT_SYSCTL;
		modules |= w->regs[i].cls == INPUT_MODULES;
	}
	/* A runtime check's status changes with the first event of its class
	 * only (PASS, nothing seen, to FAIL): later ones change its counts,
	 * which a request drains itself, but no status. So a busy host (a
	 * sanitizer's ptrace per process, bpf() in a loop) does not keep the
	 * background re-evaluation awake. */
	uint32_t runtime = 0;
	for (int i = 0; i < OBSERVER_NCLASSES; i++)
		if ((w->obs_regs & (1u << i)) && (w->seen[i] == 0 || w->seen[i] == UINT64_MAX))
			runtime |= 1u << i;
	return runtime | (sysctl ? 1u << OBSERVER_SYSCTL_WRITE : 0) |
	       (modules ? 1u << OBSERVER_MODULE_LOAD : 0);
}

/* The next look of a class settling until end: 2, 10, 30 and SETTLE_MS ms
 * after the event (a write usually lands within a few ms of its open), so
 * the background re-evaluation sees the value soon after it lands. */
static long long settle_next(long long end, long long now)
{
	static const int steps[] = {2, 10, 30, SETTLE_MS};
	long long start = end - SETTLE_MS;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (start + steps[i] > now)
			return start + steps[i];
	return end;
}

int watch_settle_ms(const struct watch *w)
{
	long long now = now_ms(), next = 0;
	if (w->settle_sysctl)
		next = settle_next(w->settle_sysctl, now);
	if (w->settle_modules) {
		long long m = settle_next(w->settle_modules, now);
		if (!next || m < next)
			next = m;
	}
	if (!next)
		return -1;
	long long left = next - now;
	return left > 0 ? (int)left : 0;
}

void watch_drain(struct watch *w, struct observer *o, watch_changed_fn changed, void *ctx)
{
	/* One poll() asks every descriptor whether something is pending (a
	 * request's drain usually finds nothing: one system call, not one per
	 * descriptor). On the mount table it also takes the change: the
	 * kernel notes the event count per open file. */
	struct pollfd p[4];
	nfds_t n = 0;
	int in = -1, mnt = -1, nft = -1, bus = -1;
	if (w->inotify_fd >= 0) {
		in = (int)n;
		p[n++] = (struct pollfd){.fd = w->inotify_fd, .events = POLLIN};
	}
	if (w->live && w->mounts_fd >= 0) {
		mnt = (int)n;
		p[n++] = (struct pollfd){.fd = w->mounts_fd, .events = POLLPRI};
	}
	if (w->live && w->nft_fd >= 0) {
		nft = (int)n;
		p[n++] = (struct pollfd){.fd = w->nft_fd, .events = POLLIN};
	}
	if (w->live && w->bus_fd >= 0) {
		bus = (int)n;
		p[n++] = (struct pollfd){.fd = w->bus_fd, .events = POLLIN};
	}
	if (n && poll(p, n, 0) < 0)
		for (nfds_t i = 0; i < n; i++)
			p[i].revents = p[i].events; /* cannot tell: look at each */
	if (in >= 0 && p[in].revents)
		drain_inotify(w, changed, ctx);
	if (!w->live)
		return;
	if (mnt >= 0 && (p[mnt].revents & (POLLPRI | POLLERR)))
		touch_class(w, INPUT_MOUNTS, "mounts /proc/self/mountinfo", changed, ctx);
	if (nft >= 0 && p[nft].revents)
		drain_nft(w, changed, ctx);
	drain_bus(w, bus >= 0 && p[bus].revents, changed, ctx);
	if (w->selinux_status && selinux_status_updated() > 0)
		touch_class(w, INPUT_SELINUX, "selinux status page", changed, ctx);
	drain_observer(w, o, changed, ctx);
}
