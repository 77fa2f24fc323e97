/* The inputs of cached checks, watched with the kernel's notifications
 * (docs/continuous.md): inotify for files and directories, POLLPRI on
 * /proc/self/mountinfo for the mount table, the SELinux status page, the
 * nf_tables change notifications (netlink NFNLGRP_NFTABLES) for the
 * firewall, systemd's PropertiesChanged signals for units (sd-bus), the
 * runtime observer's sysctl-write and module-load events, and its event
 * counts per class for the runtime checks. An input with
 * no notification (or whose watch cannot be set) has a time-to-live. */
#ifndef CISREPORTD_WATCH_H
#define CISREPORTD_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/inputs.h"

struct observer;
struct watch;

/* Time-to-live of the inputs that have no notification (ms). */
#define WATCH_DEFAULT_TTL_MS 1000

struct watch_config {
	const char *root;        /* host root; NULL or "/" is the live machine */
	bool mounted;            /* root is the live machine's, mounted (--host-root) */
	unsigned ttl_ms;         /* processes, units, other kernel state, failed watches */
	unsigned firewall_ttl_ms; /* the ruleset (iptables-save output) */
};

/* How a subscriber's inputs are kept fresh. */
struct watch_freshness {
	bool uncached;           /* an input that is never cached */
	unsigned ttl_ms;         /* smallest TTL of its inputs, 0: none */
	/* TTL that applies while no observer runs (sysctl, modules), 0: none */
	unsigned ttl_without_observer_ms;
};

/* NULL with err set when inotify cannot be had at all. */
struct watch *watch_new(const struct watch_config *cfg, char *err, size_t err_size);
void watch_free(struct watch *w);

/* Watch the inputs of subscriber id (a check). Returns 0 or -ENOMEM. */
int watch_add(struct watch *w, size_t id, const struct check_inputs *in,
	      struct watch_freshness *out);

/* Called for a subscriber whose input changed; cause names the input
 * ("path /etc/x", "sysctl net.ipv4.ip_forward (pid 12 comm sh uid 0)"). */
typedef void (*watch_changed_fn)(void *ctx, size_t id, const char *cause);

/* Read every notification pending now (never blocks) and report the
 * subscribers they touch. o: the running observer, or NULL. */
void watch_drain(struct watch *w, struct observer *o, watch_changed_fn changed, void *ctx);

/* Descriptors a background thread may poll() (inotify: POLLIN,
 * mountinfo: POLLPRI; a descriptor of its own, as poll() consumes the
 * mount change); -1 when absent. After a wake-up, watch_drain. */
int watch_inotify_fd(const struct watch *w);
int watch_mounts_fd(const struct watch *w);
/* The nf_tables notification socket (POLLIN), -1 when not subscribed. */
int watch_nft_fd(const struct watch *w);
/* The system bus connection (POLLIN), -1 when not listening for the
 * units' PropertiesChanged signals. */
int watch_bus_fd(const struct watch *w);

/* The system bus lost (the units on their TTL, said as degraded): the
 * background re-evaluation connects again, outside the cache's lock. Due:
 * 1 s after the loss, then doubling after each failure up to 60 s. */
struct watch_bus_conn;
bool watch_bus_retry_due(const struct watch *w);
/* Connect and subscribe (reads nothing of w that changes): NULL, why. */
struct watch_bus_conn *watch_bus_connect(struct watch *w, char *why, size_t size);
/* Under the lock again: conn (taken; NULL: the attempt failed, why) becomes
 * the units' watch, their inputs watched again and re-read once. msg: a
 * line for the log ("" when there is nothing to say). */
void watch_bus_adopt(struct watch *w, struct watch_bus_conn *conn, const char *why,
		     watch_changed_fn changed, void *ctx, char *msg, size_t msg_size);
void watch_bus_conn_free(struct watch_bus_conn *conn);

/* The observer classes whose events change something watched (bit per
 * class): the sysctl and module inputs' and the runtime checks' classes,
 * for a waiting thread to be woken by (observer_wake_fd). */
uint32_t watch_observer_classes(const struct watch *w);

/* The observer reports a sysctl write at the open, a module at the start
 * of its load: before the change lands. After such an event the class is
 * re-read on every drain for a short while, and once after it: ms until
 * the next look is due (2, 10, 30 ms after the event, and the last one;
 * for a waiting thread's timeout), -1: none. */
int watch_settle_ms(const struct watch *w);

/* Inputs of each class that fell back to their TTL because the watch
 * could not be set (inotify limit, ...), for /metrics and the report. */
unsigned long watch_degraded(const struct watch *w, enum input_class cls);
/* Why the last one fell back ("" if none). */
const char *watch_degraded_reason(const struct watch *w);

#endif
