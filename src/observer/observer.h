/* The runtime observer: eBPF programs on tracepoints that count and describe
 * what the host does (module loads, unprivileged bpf(), user namespaces,
 * root remounts, sysctl writes, SELinux denials, ptrace attaches, setuid
 * executions), for the runtime checks.
 *
 * Life cycle: observer_new() always gives an object; observer_start() loads
 * and attaches the programs, or leaves the object "unavailable" with the
 * reason (no privilege, no BTF, built without BPF...), which every runtime
 * check then reports as its SKIP reason. By default a background thread
 * drains the ring buffer; snapshots are taken under a mutex, so any thread
 * (the CLI, the API daemon) may take one at any time. */
#ifndef CISREPORT_OBSERVER_H
#define CISREPORT_OBSERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/observer_event.h"

#define OBSERVER_MAX_SAMPLES 16
#define OBSERVER_MAX_SUBJECTS 128
#define OBSERVER_DEFAULT_RINGBUF (1u << 20)

enum observer_class {
	OBSERVER_MODULE_LOAD = OBS_MODULE_LOAD,
	OBSERVER_UNPRIV_BPF = OBS_UNPRIV_BPF,
	OBSERVER_USER_NAMESPACE = OBS_USER_NAMESPACE,
	OBSERVER_ROOT_REMOUNT = OBS_ROOT_REMOUNT,
	OBSERVER_SYSCTL_WRITE = OBS_SYSCTL_WRITE,
	OBSERVER_SELINUX_DENIAL = OBS_SELINUX_DENIAL,
	OBSERVER_PTRACE_ATTACH = OBS_PTRACE_ATTACH,
	OBSERVER_SETUID_EXEC = OBS_SETUID_EXEC,
	OBSERVER_NCLASSES = OBS_NCLASSES,
};

struct observer_options {
	/* Ring buffer bytes: a power of two, at least a page; 0 = default. */
	unsigned ringbuf_bytes;
	/* Samples kept per class (the first ones received), 0 = all 16. */
	unsigned max_samples;
	/* No background thread: the caller drives observer_poll() (on
	 * observer_fd() becoming readable, for instance). */
	bool manual_poll;
	/* Devices whose read-write mount is a root remount (the dm-verity root);
	 * NULL entries = the defaults "/dev/dm-0" and "/dev/mapper/root". */
	const char *root_devices[OBS_MAX_ROOT_DEVICES];
	/* Test hooks: load with this BTF file instead of the kernel's (a missing
	 * file simulates a kernel without BTF); attach the SELinux program even
	 * when SELinux is disabled. */
	const char *btf_path;
	bool force_selinux;
};

/* One event as received, with the wall-clock time and the human detail. */
struct observer_event {
	struct obs_event raw;
	int64_t time_ns;       /* CLOCK_REALTIME */
	char target_comm[17];  /* ptrace: the tracee's name when resolvable, else "" */
	bool host_netns;       /* sysctl_write: the write is in the host's netns */
	bool host_netns_known;
};

/* What events were about, tallied from every event received: the sysctl
 * written, the module loaded, the file executed. Exact when lost == 0. */
struct observer_subject {
	char name[128];
	uint64_t count;
	uint64_t host_count; /* sysctl_write: of those, in the host network namespace */
	int64_t first_ns, last_ns;
	uint32_t first_pid, first_uid;
	char first_comm[17];
};

struct observer_class_view {
	enum observer_class cls;
	bool available;          /* observer running and this class attached */
	char reason[256];        /* why not available */
	uint64_t count;          /* events seen in the kernel: exact */
	uint64_t lost;           /* of those, dropped because the ring buffer was full */
	uint64_t received;       /* of those, delivered here */
	int64_t first_ns, last_ns; /* CLOCK_REALTIME of first/last event, 0 if none */
	int64_t since_ns, until_ns; /* observation window: start, and now */
	size_t n_samples;
	struct observer_event samples[OBSERVER_MAX_SAMPLES];
	size_t n_subjects;
	uint64_t unlisted; /* received events with a subject the table had no room for */
	struct observer_subject subjects[OBSERVER_MAX_SUBJECTS];
};

struct observer;

/* A new, stopped observer. NULL only when out of memory. */
struct observer *observer_new(const struct observer_options *opts);

/* Load and attach. Returns 0, or -errno with the reason in err (also kept
 * as the reason every class reports). */
int observer_start(struct observer *o, char *err, size_t err_size);

/* Running and attached (at least the syscall programs). */
bool observer_running(const struct observer *o);

/* The reason it is not running ("" while running). */
const char *observer_reason(const struct observer *o);

/* When it started observing (CLOCK_REALTIME ns): runtime results and
 * counts cover the time since. 0 when not running. */
int64_t observer_since_ns(const struct observer *o);

/* manual_poll: fd that becomes readable when events wait; -1 otherwise. */
int observer_fd(const struct observer *o);
/* Drain events, waiting up to timeout_ms for the first. Returns the number
 * consumed or -errno. Only with manual_poll. */
int observer_poll(struct observer *o, int timeout_ms);

/* A consistent view of one class now (drains pending events first). */
int observer_snapshot(struct observer *o, enum observer_class cls,
		      struct observer_class_view *out);

/* For noticing that something happened (cisreportd's cache), per class a
 * number that grows with every event the kernel programs count (exact:
 * counted before the traced system call returns, also when the ring buffer
 * is full or an earlier record is still being written) and with every
 * record received from the ring buffer (the pending ones are drained
 * first): when it has not moved, a snapshot of the class shows the same
 * events. Cheap: no system call while nothing is pending, no copies.
 * All 0 when not running; 0 for a class not attached. */
void observer_changes(struct observer *o, uint64_t out[OBSERVER_NCLASSES]);

/* An eventfd that becomes readable when an event of a class in class_mask
 * (bit 1 << class) arrives, for a thread to wait on (read it to reset).
 * The mask replaces the one of the previous call (one waiter). Owned by
 * the observer; -1 when none can be had. */
int observer_wake_fd(struct observer *o, uint32_t class_mask);

/* Detach, stop the thread, free. NULL is fine. */
void observer_free(struct observer *o);

/* "module_load", ... ; observer_class_from_name returns -1 if unknown. */
const char *observer_class_name(enum observer_class cls);
int observer_class_from_name(const char *name);
/* Human name for count events of the class: "kernel module load attempt(s)". */
const char *observer_class_noun(enum observer_class cls, uint64_t count);

/* One line describing what the event shows, e.g.
 * "bpf(BPF_MAP_CREATE) = -1 EPERM". */
void observer_event_describe(const struct observer_event *ev, char *buf, size_t size);
/* The subject of an event for classes that have one (sysctl_write: the
 * sysctl name; module_load: the module; setuid_exec: the file). Returns
 * true and fills buf, or false. */
bool observer_event_subject(const struct observer_event *ev, char *buf, size_t size);

/* Who did it: "pid 123 (comm, parent pcomm) uid 65534", printable. */
void observer_event_who(const struct observer_event *ev, char *buf, size_t size);
/* The event as JSON: time, pid, tgid, uid, euid, gid, egid, comm, pcomm, op,
 * result, errno, detail, and class-specific fields. */
json_t *observer_event_json(const struct observer_event *ev);

/* "2024-05-01T10:00:00.123456789Z" for a CLOCK_REALTIME ns value. */
void observer_format_time(int64_t ns, char *buf, size_t size);

#endif
