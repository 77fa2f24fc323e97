/* The runtime observer's life cycle: load the eBPF skeleton, attach its
 * raw tracepoints, drain the ring buffer, and hand out snapshots.
 *
 * Counters are kept by the kernel programs (exact); events arrive through a
 * bounded ring buffer and the first few of each class are kept as samples. */
#include "observer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

#ifdef CISREPORT_HAVE_BPF
#include "dynlib/lib_bpf.h"
#include "dynlib/lib_selinux.h"

/* libbpf is loaded on demand (src/dynlib/lib_bpf.c): observer_start sets
 * this before anything here calls into it, and it stays for the process.
 * The generated skeleton calls libbpf's skeleton functions by name; these
 * macros route them through the table. */
static const struct bpf_lib *bpf_l;
#define bpf_object__open_skeleton bpf_l->object__open_skeleton
#define bpf_object__load_skeleton bpf_l->object__load_skeleton
#define bpf_object__attach_skeleton bpf_l->object__attach_skeleton
#define bpf_object__detach_skeleton bpf_l->object__detach_skeleton
#define bpf_object__destroy_skeleton bpf_l->object__destroy_skeleton

#include "observer.skel.h"
#endif

struct class_state {
	bool attached;
	char reason[256]; /* when not attached */
	uint64_t received;
	size_t n_samples;
	struct observer_event samples[OBSERVER_MAX_SAMPLES];
	size_t n_subjects;
	uint64_t unlisted;
	struct observer_subject subjects[OBSERVER_MAX_SUBJECTS];
};

struct observer {
	struct observer_options opts;
	pthread_mutex_t lock;
	bool running;
	char reason[256];
	int64_t since_ns;
	int64_t boot_to_real_ns; /* add to CLOCK_BOOTTIME to get CLOCK_REALTIME */
	uint32_t host_netns;
	bool host_netns_known;
	struct class_state cls[OBSERVER_NCLASSES];
	int wake_fd;         /* eventfd written on events of wake_mask; -1: none */
	uint32_t wake_mask;  /* bit per class */
#ifdef CISREPORT_HAVE_BPF
	struct observer_bpf *skel;
	struct ring_buffer *rb;
	int ncpus;
	int stop_fd;
	pthread_t thread;
	bool thread_started;
#endif
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct observer *observer_new(const struct observer_options *opts)
{
	struct observer *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	if (opts)
		o->opts = *opts;
	if (!o->opts.max_samples || o->opts.max_samples > OBSERVER_MAX_SAMPLES)
		o->opts.max_samples = OBSERVER_MAX_SAMPLES;
	if (!o->opts.ringbuf_bytes)
		o->opts.ringbuf_bytes = OBSERVER_DEFAULT_RINGBUF;
	pthread_mutex_init(&o->lock, NULL);
	o->wake_fd = -1;
	snprintf(o->reason, sizeof(o->reason), "runtime observer not started");
#ifdef CISREPORT_HAVE_BPF
	o->stop_fd = -1;
#endif
	return o;
}

bool observer_running(const struct observer *o)
{
	return o && o->running;
}

const char *observer_reason(const struct observer *o)
{
	return o->running ? "" : o->reason;
}

int64_t observer_since_ns(const struct observer *o)
{
	return o && o->running ? o->since_ns : 0;
}

#ifndef CISREPORT_HAVE_BPF

int observer_start(struct observer *o, char *err, size_t err_size)
{
	snprintf(o->reason, sizeof(o->reason), "built without the eBPF observer: %s",
		 CISREPORT_BPF_REASON);
	if (err && err_size)
		snprintf(err, err_size, "%s", o->reason);
	return -ENOTSUP;
}

int observer_fd(const struct observer *o)
{
	(void)o;
	return -1;
}

int observer_poll(struct observer *o, int timeout_ms)
{
	(void)o;
	(void)timeout_ms;
	return -ENOTSUP;
}

static void drain_locked(struct observer *o)
{
	(void)o;
}

static void read_counters_locked(struct observer *o, enum observer_class cls,
				 struct observer_class_view *v)
{
	(void)o;
	(void)cls;
	(void)v;
}

static uint64_t counted_locked(struct observer *o, enum observer_class cls)
{
	(void)o;
	(void)cls;
	return 0;
}

#else /* CISREPORT_HAVE_BPF */

/* libbpf's messages: kept (the last warning explains a failed load), and
 * printed only when CISREPORT_BPF_DEBUG is set. */
static pthread_mutex_t libbpf_msg_lock = PTHREAD_MUTEX_INITIALIZER;
static char libbpf_last_msg[256];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (getenv("CISREPORT_BPF_DEBUG")) {
		va_list copy;
		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level == LIBBPF_DEBUG)
		return 0;
	pthread_mutex_lock(&libbpf_msg_lock);
	vsnprintf(libbpf_last_msg, sizeof(libbpf_last_msg), fmt, ap);
	size_t n = strlen(libbpf_last_msg);
	while (n && (libbpf_last_msg[n - 1] == '\n' || libbpf_last_msg[n - 1] == ' '))
		libbpf_last_msg[--n] = '\0';
	pthread_mutex_unlock(&libbpf_msg_lock);
	return 0;
}

static void last_libbpf_msg(char *buf, size_t size)
{
	pthread_mutex_lock(&libbpf_msg_lock);
	snprintf(buf, size, "%s", libbpf_last_msg);
	pthread_mutex_unlock(&libbpf_msg_lock);
}

static void set_class_unavailable(struct observer *o, enum observer_class c, const char *fmt,
				  ...) __attribute__((format(printf, 3, 4)));
static void set_class_unavailable(struct observer *o, enum observer_class c, const char *fmt,
				  ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->cls[c].reason, sizeof(o->cls[c].reason), fmt, ap);
	va_end(ap);
	o->cls[c].attached = false;
}

/* The ptrace target's name: only meaningful when the tracer's pid
 * namespace is the initial one (the one /proc shows here). */
static void read_target_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	buf[n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n' || (unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = *p == '\n' ? '\0' : '?';
}

static void tally_subject(struct class_state *c, const struct observer_event *ev)
{
	char name[128];
	if (!observer_event_subject(ev, name, sizeof(name)))
		return;
	struct observer_subject *s = NULL;
	for (size_t i = 0; i < c->n_subjects && !s; i++)
		if (strcmp(c->subjects[i].name, name) == 0)
			s = &c->subjects[i];
	if (!s) {
		if (c->n_subjects == OBSERVER_MAX_SUBJECTS) {
			c->unlisted++;
			return;
		}
		s = &c->subjects[c->n_subjects++];
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", name);
		s->first_ns = ev->time_ns;
		s->first_pid = ev->raw.pid;
		s->first_uid = ev->raw.uid;
		snprintf(s->first_comm, sizeof(s->first_comm), "%.16s", ev->raw.comm);
		for (char *p = s->first_comm; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '?';
	}
	s->count++;
	if (ev->host_netns_known && ev->host_netns)
		s->host_count++;
	s->last_ns = ev->time_ns;
}

/* Ring-buffer callback; runs with o->lock held (from drain_locked). */
static int on_event(void *ctx, void *data, size_t size)
{
	struct observer *o = ctx;
	if (size < sizeof(struct obs_event))
		return 0;
	const struct obs_event *e = data;
	if (e->class_id >= OBSERVER_NCLASSES)
		return 0;
	struct class_state *c = &o->cls[e->class_id];
	c->received++;
	if (o->wake_fd >= 0 && (o->wake_mask & (1u << e->class_id))) {
		uint64_t one = 1;
		ssize_t w = write(o->wake_fd, &one, sizeof(one));
		(void)w; /* a full counter still wakes the reader */
	}
	struct observer_event scratch, *ev = &scratch;
	bool keep = c->n_samples < o->opts.max_samples;
	if (keep)
		ev = &c->samples[c->n_samples++];
	memset(ev, 0, sizeof(*ev));
	memcpy(&ev->raw, e, sizeof(*e));
	ev->raw.comm[OBS_COMM_LEN - 1] = ev->raw.pcomm[OBS_COMM_LEN - 1] = '\0';
	ev->time_ns = (int64_t)e->time_ns + o->boot_to_real_ns;
	if (keep && e->op == OBS_OP_PTRACE && (e->flags & OBS_F_INIT_PIDNS) && e->arg[1] > 0 &&
	    e->arg[1] < (1u << 22))
		read_target_comm((pid_t)e->arg[1], ev->target_comm, sizeof(ev->target_comm));
	if (e->op == OBS_OP_OPEN && o->host_netns_known) {
		ev->host_netns_known = true;
		ev->host_netns = e->arg[1] == o->host_netns;
	}
	tally_subject(c, ev);
	return 0;
}

static void drain_locked(struct observer *o)
{
	if (o->rb)
		bpf_l->ring_buffer__consume(o->rb);
}

static void read_counters_locked(struct observer *o, enum observer_class cls,
				 struct observer_class_view *v)
{
	struct obs_counter *per_cpu = calloc((size_t)o->ncpus, sizeof(*per_cpu));
	if (!per_cpu)
		return;
	__u32 key = cls;
	if (bpf_l->map__lookup_elem(o->skel->maps.counters, &key, sizeof(key), per_cpu,
				 (size_t)o->ncpus * sizeof(*per_cpu), 0) == 0) {
		uint64_t first = 0, last = 0;
		for (int i = 0; i < o->ncpus; i++) {
			v->count += per_cpu[i].count;
			v->lost += per_cpu[i].lost;
			if (per_cpu[i].first_ns && (!first || per_cpu[i].first_ns < first))
				first = per_cpu[i].first_ns;
			if (per_cpu[i].last_ns > last)
				last = per_cpu[i].last_ns;
		}
		v->first_ns = first ? (int64_t)first + o->boot_to_real_ns : 0;
		v->last_ns = last ? (int64_t)last + o->boot_to_real_ns : 0;
	}
	free(per_cpu);
}

/* The programs' shared count of cls (.bss, mapped: a plain load). */
static uint64_t counted_locked(struct observer *o, enum observer_class cls)
{
	if (!o->skel || !o->skel->bss)
		return 0;
	return __atomic_load_n(&o->skel->bss->obs_counted[cls], __ATOMIC_RELAXED);
}

static void *poll_thread(void *arg)
{
	struct observer *o = arg;
	struct pollfd fds[2] = {
		{.fd = bpf_l->ring_buffer__epoll_fd(o->rb), .events = POLLIN},
		{.fd = o->stop_fd, .events = POLLIN},
	};
	/* No timeout: the ring buffer's descriptor wakes us for every record
	 * the kernel posts while we have caught up (the consumer position is
	 * the record's), and stop_fd for the end; an idle host costs no
	 * wake-ups. */
	for (;;) {
		int n = poll(fds, 2, -1);
		if (n < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		pthread_mutex_lock(&o->lock);
		drain_locked(o);
		pthread_mutex_unlock(&o->lock);
	}
	return NULL;
}

int observer_fd(const struct observer *o)
{
	return o->running && o->opts.manual_poll ? bpf_l->ring_buffer__epoll_fd(o->rb) : -1;
}

int observer_poll(struct observer *o, int timeout_ms)
{
	if (!o->running)
		return -ENOTCONN;
	if (!o->opts.manual_poll)
		return -EINVAL;
	struct pollfd p = {.fd = bpf_l->ring_buffer__epoll_fd(o->rb), .events = POLLIN};
	if (poll(&p, 1, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	pthread_mutex_lock(&o->lock);
	int n = bpf_l->ring_buffer__consume(o->rb);
	pthread_mutex_unlock(&o->lock);
	return n;
}

static bool kernel_has_tracepoint(const struct btf *btf, const char *name)
{
	char type[128];
	snprintf(type, sizeof(type), "btf_trace_%s", name);
	return bpf_l->btf__find_by_name_kind(btf, type, BTF_KIND_TYPEDEF) >= 0;
}

static void set_syscall_numbers(struct observer_bpf *skel)
{
	skel->rodata->nr_init_module = SYS_init_module;
	skel->rodata->nr_finit_module = SYS_finit_module;
	skel->rodata->nr_bpf = SYS_bpf;
	skel->rodata->nr_unshare = SYS_unshare;
	skel->rodata->nr_clone = SYS_clone;
	skel->rodata->nr_clone3 = SYS_clone3;
	skel->rodata->nr_mount = SYS_mount;
	skel->rodata->nr_mount_setattr = SYS_mount_setattr;
#ifdef SYS_open
	skel->rodata->nr_open = SYS_open;
#endif
#ifdef SYS_creat
	skel->rodata->nr_creat = SYS_creat;
#endif
	skel->rodata->nr_openat = SYS_openat;
	skel->rodata->nr_openat2 = SYS_openat2;
	skel->rodata->nr_ptrace = SYS_ptrace;
	skel->rodata->nr_execve = SYS_execve;
	skel->rodata->nr_execveat = SYS_execveat;
}

static void set_root_devices(struct observer *o)
{
	static const char *const defaults[OBS_MAX_ROOT_DEVICES] = {"/dev/dm-0", "/dev/mapper/root"};
	bool any = false;
	for (int i = 0; i < OBS_MAX_ROOT_DEVICES; i++)
		any |= o->opts.root_devices[i] != NULL;
	for (int i = 0; i < OBS_MAX_ROOT_DEVICES; i++) {
		const char *d = any ? o->opts.root_devices[i] : defaults[i];
		char *dst = (char *)o->skel->rodata->root_devices[i];
		memset(dst, 0, OBS_DEVICE_LEN);
		if (d && strlen(d) < OBS_DEVICE_LEN)
			memcpy(dst, d, strlen(d));
	}
}

/* The host's network namespace is init's; "net:[4026531833]". */
static void find_host_netns(struct observer *o)
{
	char link[64];
	ssize_t n = readlink("/proc/1/ns/net", link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = '\0';
	unsigned long inum;
	if (sscanf(link, "net:[%lu]", &inum) == 1) {
		o->host_netns = (uint32_t)inum;
		o->host_netns_known = true;
	}
}

static void detach(struct observer *o)
{
	if (o->thread_started) {
		uint64_t one = 1;
		if (write(o->stop_fd, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(o->thread);
		pthread_join(o->thread, NULL);
		o->thread_started = false;
	}
	if (o->stop_fd >= 0)
		close(o->stop_fd);
	o->stop_fd = -1;
	if (bpf_l) { /* else nothing was ever loaded */
		bpf_l->ring_buffer__free(o->rb);
		observer_bpf__destroy(o->skel);
	}
	o->rb = NULL;
	o->skel = NULL;
	o->running = false;
}

static int load_failure(struct observer *o, int rc, char *err, size_t err_size,
			const char *what)
{
	char msg[256];
	last_libbpf_msg(msg, sizeof(msg));
	if (rc == -EPERM || rc == -EACCES)
		snprintf(o->reason, sizeof(o->reason),
			 "cannot %s the eBPF programs: %s (the observer needs root: CAP_BPF and "
			 "CAP_PERFMON, or CAP_SYS_ADMIN)",
			 what, strerror(-rc));
	else
		snprintf(o->reason, sizeof(o->reason), "cannot %s the eBPF programs: %s%s%s", what,
			 strerror(-rc), msg[0] ? "; libbpf: " : "", msg);
	if (err && err_size)
		snprintf(err, err_size, "%s", o->reason);
	detach(o);
	return rc;
}

int observer_start(struct observer *o, char *err, size_t err_size)
{
	if (o->running)
		return 0;
	char why[sizeof(o->reason) - 64];
	const struct bpf_lib *lib = bpf_lib_get(why, sizeof(why));
	if (!lib) {
		snprintf(o->reason, sizeof(o->reason), "cannot load the eBPF programs: %s", why);
		if (err && err_size)
			snprintf(err, err_size, "%s", o->reason);
		return -ENOSYS;
	}
	bpf_l = lib;
	bpf_l->set_print(libbpf_print);
	for (int c = 0; c < OBSERVER_NCLASSES; c++)
		o->cls[c].attached = true;

	/* CO-RE needs the running kernel's BTF (or the file given). */
	struct btf *btf = o->opts.btf_path ? bpf_l->btf__parse(o->opts.btf_path, NULL)
					   : bpf_l->btf__load_vmlinux_btf();
	if (!btf) {
		int rc = -errno;
		snprintf(o->reason, sizeof(o->reason),
			 "cannot read kernel BTF (%s): %s; the CO-RE eBPF programs need a kernel "
			 "built with CONFIG_DEBUG_INFO_BTF",
			 o->opts.btf_path ? o->opts.btf_path : "/sys/kernel/btf/vmlinux",
			 strerror(-rc));
		if (err && err_size)
			snprintf(err, err_size, "%s", o->reason);
		return rc ? rc : -ENOENT;
	}
	bool has_module_load = kernel_has_tracepoint(btf, "module_load");
	bool has_avc = kernel_has_tracepoint(btf, "selinux_audited");
	bool has_exec = kernel_has_tracepoint(btf, "sched_process_exec");
	bpf_l->btf__free(btf);

	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = o->opts.btf_path);
	o->skel = observer_bpf__open_opts(&oo);
	if (!o->skel)
		return load_failure(o, -errno, err, err_size, "open");
	set_syscall_numbers(o->skel);
	set_root_devices(o);
	int rc = bpf_l->map__set_max_entries(o->skel->maps.events, o->opts.ringbuf_bytes);
	if (rc)
		return load_failure(o, rc, err, err_size, "size the ring buffer of");

	if (!has_module_load)
		bpf_l->program__set_autoload(o->skel->progs.obs_module_load, false);
	if (!has_exec) {
		bpf_l->program__set_autoload(o->skel->progs.obs_sched_process_exec, false);
		set_class_unavailable(o, OBSERVER_SETUID_EXEC,
				      "this kernel has no sched_process_exec tracepoint");
	}
	if (!has_avc) {
		bpf_l->program__set_autoload(o->skel->progs.obs_selinux_audited, false);
		set_class_unavailable(o, OBSERVER_SELINUX_DENIAL,
				      "this kernel has no avc:selinux_audited tracepoint (SELinux "
				      "not built in)");
	} else if (!o->opts.force_selinux) {
		char se_why[600];
		const struct selinux_lib *se = selinux_lib_get(se_why, sizeof(se_why));
		if (!se) {
			bpf_l->program__set_autoload(o->skel->progs.obs_selinux_audited, false);
			set_class_unavailable(o, OBSERVER_SELINUX_DENIAL,
					      "cannot tell whether SELinux is enabled: %s", se_why);
		} else if (se->is_selinux_enabled() != 1) {
			bpf_l->program__set_autoload(o->skel->progs.obs_selinux_audited, false);
			set_class_unavailable(o, OBSERVER_SELINUX_DENIAL,
					      "SELinux is not enabled on this host: no access decisions "
					      "are made, so there are no denials to observe");
		}
	}

	rc = observer_bpf__load(o->skel);
	if (rc)
		return load_failure(o, rc, err, err_size, "load");

	/* sys_exit carries six classes: without it nothing works. */
	struct bpf_link *l = bpf_l->program__attach(o->skel->progs.obs_sys_exit);
	if (!l)
		return load_failure(o, -errno, err, err_size, "attach (tp_btf/sys_exit)");
	o->skel->links.obs_sys_exit = l;
	if (has_exec) {
		l = bpf_l->program__attach(o->skel->progs.obs_sched_process_exec);
		if (l)
			o->skel->links.obs_sched_process_exec = l;
		else
			set_class_unavailable(o, OBSERVER_SETUID_EXEC,
					      "cannot attach raw_tp/sched_process_exec: %s",
					      strerror(errno));
	}
	if (bpf_l->program__autoload(o->skel->progs.obs_selinux_audited)) {
		l = bpf_l->program__attach(o->skel->progs.obs_selinux_audited);
		if (l)
			o->skel->links.obs_selinux_audited = l;
		else
			set_class_unavailable(o, OBSERVER_SELINUX_DENIAL,
					      "cannot attach raw_tp/selinux_audited: %s",
					      strerror(errno));
	}
	if (has_module_load) {
		/* Only adds the module's name: the syscalls are counted anyway. */
		l = bpf_l->program__attach(o->skel->progs.obs_module_load);
		if (l)
			o->skel->links.obs_module_load = l;
	}

	o->ncpus = bpf_l->num_possible_cpus();
	if (o->ncpus <= 0)
		return load_failure(o, o->ncpus ? o->ncpus : -EINVAL, err, err_size,
				    "count CPUs for");
	o->rb = bpf_l->ring_buffer__new(bpf_l->map__fd(o->skel->maps.events), on_event, o, NULL);
	if (!o->rb)
		return load_failure(o, -errno, err, err_size, "open the ring buffer of");

	find_host_netns(o);
	o->since_ns = clock_ns(CLOCK_REALTIME);
	o->boot_to_real_ns = o->since_ns - clock_ns(CLOCK_BOOTTIME);
	o->running = true;
	o->reason[0] = '\0';

	if (!o->opts.manual_poll) {
		o->stop_fd = eventfd(0, EFD_CLOEXEC);
		if (o->stop_fd < 0)
			return load_failure(o, -errno, err, err_size, "start the poll thread of");
		rc = pthread_create(&o->thread, NULL, poll_thread, o);
		if (rc)
			return load_failure(o, -rc, err, err_size, "start the poll thread of");
		o->thread_started = true;
	}
	return 0;
}

#endif /* CISREPORT_HAVE_BPF */

int observer_snapshot(struct observer *o, enum observer_class cls,
		      struct observer_class_view *out)
{
	if ((unsigned)cls >= OBSERVER_NCLASSES)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->cls = cls;
	pthread_mutex_lock(&o->lock);
	if (!o->running) {
		snprintf(out->reason, sizeof(out->reason), "%s", o->reason);
	} else if (!o->cls[cls].attached) {
		snprintf(out->reason, sizeof(out->reason), "%s", o->cls[cls].reason);
	} else {
		out->available = true;
		drain_locked(o);
		read_counters_locked(o, cls, out);
		const struct class_state *c = &o->cls[cls];
		out->received = c->received;
		out->n_samples = c->n_samples;
		memcpy(out->samples, c->samples, c->n_samples * sizeof(c->samples[0]));
		out->n_subjects = c->n_subjects;
		out->unlisted = c->unlisted;
		memcpy(out->subjects, c->subjects, c->n_subjects * sizeof(c->subjects[0]));
		out->since_ns = o->since_ns;
		out->until_ns = clock_ns(CLOCK_REALTIME);
	}
	pthread_mutex_unlock(&o->lock);
	return 0;
}

int observer_wake_fd(struct observer *o, uint32_t class_mask)
{
	pthread_mutex_lock(&o->lock);
	if (o->wake_fd < 0)
		o->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	o->wake_mask = class_mask;
	int fd = o->wake_fd;
	pthread_mutex_unlock(&o->lock);
	return fd;
}

void observer_changes(struct observer *o, uint64_t out[OBSERVER_NCLASSES])
{
	memset(out, 0, OBSERVER_NCLASSES * sizeof(out[0]));
	pthread_mutex_lock(&o->lock);
	if (o->running) {
		drain_locked(o);
		for (int c = 0; c < OBSERVER_NCLASSES; c++)
			if (o->cls[c].attached)
				out[c] = o->cls[c].received + counted_locked(o, (enum observer_class)c);
	}
	pthread_mutex_unlock(&o->lock);
}

void observer_free(struct observer *o)
{
	if (!o)
		return;
#ifdef CISREPORT_HAVE_BPF
	if (o->running)
		detach(o);
#endif
	if (o->wake_fd >= 0)
		close(o->wake_fd);
	pthread_mutex_destroy(&o->lock);
	free(o);
}
