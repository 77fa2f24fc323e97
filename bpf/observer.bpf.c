// SPDX-License-Identifier: GPL-2.0
/* cisreport's runtime observer: CO-RE programs on tracepoints only.
 *
 * Everything about syscalls is decided at one hook, the BTF-typed raw
 * tracepoint sys_exit (tp_btf: attached with bpf_raw_tracepoint_open like
 * raw_tp, so no tracefs, no kprobe, no trampoline; its typed pt_regs is read
 * directly, without helper calls). At a syscall's exit its number, its
 * arguments (still in the saved registers and in user memory) and its result
 * are all known, so one hook gives "what was attempted, with what result";
 * not hooking sys_enter halves the cost every syscall of the host pays.
 * sched_process_exec, selinux_audited and module_load are raw tracepoints.
 *
 * Filtering happens here: a syscall of interest is matched on its number
 * (given by userspace, which knows the architecture's table) and on its
 * arguments; only then is the event counted (per class, per CPU, exactly)
 * and copied to the ring buffer, whose overflow is counted as "lost". */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "observer_event.h"

char LICENSE[] SEC("license") = "GPL";

/* Syscall numbers of this architecture, set by userspace before load; -1
 * where the architecture has no such call (e.g. open(2) on arm64). */
const volatile long nr_init_module = -1, nr_finit_module = -1, nr_bpf = -1, nr_unshare = -1,
		    nr_clone = -1, nr_clone3 = -1, nr_mount = -1, nr_mount_setattr = -1,
		    nr_open = -1, nr_openat = -1, nr_openat2 = -1, nr_creat = -1, nr_ptrace = -1,
		    nr_execve = -1, nr_execveat = -1;
/* Block devices whose read-write mount counts as a root remount (the
 * dm-verity device), NUL-padded; empty entries are ignored. */
const volatile char root_devices[OBS_MAX_ROOT_DEVICES][OBS_DEVICE_LEN] = {};

/* Constants of the kernel ABI (not in vmlinux.h, which carries no macros). */
#define CLONE_NEWUSER 0x10000000ULL
#define MS_RDONLY 0x1ULL
#define MS_REMOUNT 0x20ULL
#define MS_MOVE 0x2000ULL
#define MS_PROPAGATION (0x20000ULL | 0x40000ULL | 0x80000ULL | 0x100000ULL)
#define MOUNT_ATTR_RDONLY 0x1ULL
#define O_ACCMODE 0x3ULL
#define O_RDONLY 0x0ULL
#define O_PATH 0x200000ULL
#define O_WRONLY_CREAT_TRUNC 0x241ULL /* what creat(2) means */
#define PTRACE_ATTACH 16
#define PTRACE_SEIZE 0x4206
#define PROC_SUPER_MAGIC 0x9fa0
#define SYSCTL_WALK_DEPTH 10
#define NAME_MAX_READ 64

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* resized by userspace before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OBS_NCLASSES);
	__type(key, __u32);
	__type(value, struct obs_counter);
} counters SEC(".maps");

/* The same counts, one shared counter per class, in .bss: the skeleton maps
 * it, so userspace reads it without a system call (cisreportd compares it
 * per request to know whether a runtime result may still be served). */
__u64 obs_counted[OBS_NCLASSES] = {};

/* Module names from the module_load tracepoint, for the init_module or
 * finit_module call in progress on that thread (keyed by thread id). */
struct module_name {
	char name[56];
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct module_name);
} module_names SEC(".maps");

/* Room to build an event: too big for the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct obs_event);
} scratch SEC(".maps");

/* Flavours of kernel structs this program reads only where they exist
 * (CO-RE matches them by the name before "___"). */
struct module___obs {
	char name[56];
} __attribute__((preserve_access_index));

struct selinux_audit_data___obs {
	u32 denied;
	int result;
} __attribute__((preserve_access_index));

struct pt_regs___obs_arm64 {
	u64 pstate;
	s32 syscallno;
} __attribute__((preserve_access_index));

/* 32-bit (compat) syscalls use another numbering: ignore them rather than
 * misread them. regs is the BTF-typed pt_regs of tp_btf: direct reads. */
static __always_inline bool is_compat(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return regs->cs == 0x23; /* __USER32_CS */
#elif defined(__TARGET_ARCH_arm64)
	return (((struct pt_regs___obs_arm64 *)regs)->pstate & 0x10) != 0;
#else
	return false;
#endif
}

static __always_inline long syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return regs->orig_ax;
#elif defined(__TARGET_ARCH_arm64)
	return ((struct pt_regs___obs_arm64 *)regs)->syscallno;
#else
#error "unsupported architecture"
#endif
}

static __always_inline struct obs_event *scratch_event(void)
{
	__u32 zero = 0;
	struct obs_event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (e)
		__builtin_memset(e, 0, sizeof(*e));
	return e;
}

static __always_inline void fill_common(struct obs_event *e, __u32 cls, __u32 op)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	e->time_ns = bpf_ktime_get_boot_ns();
	e->class_id = cls;
	e->op = op;
	e->pid = (__u32)pid_tgid;
	e->tgid = pid_tgid >> 32;
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->euid = BPF_CORE_READ(task, cred, euid.val);
	e->egid = BPF_CORE_READ(task, cred, egid.val);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	BPF_CORE_READ_STR_INTO(&e->pcomm, task, real_parent, comm);
	if (BPF_CORE_READ(task, thread_pid, level) == 0)
		e->flags |= OBS_F_INIT_PIDNS;
}

static __always_inline void emit(struct obs_event *e)
{
	__u32 key = e->class_id;
	if (key >= OBS_NCLASSES)
		return;
	struct obs_counter *c = bpf_map_lookup_elem(&counters, &key);
	if (!c)
		return;
	/* atomic: exact even if a program were ever preempted on this CPU */
	__sync_fetch_and_add(&c->count, 1);
	__sync_fetch_and_add(&obs_counted[key], 1);
	if (!c->first_ns)
		c->first_ns = e->time_ns;
	c->last_ns = e->time_ns;
	struct obs_event *out = bpf_ringbuf_reserve(&events, sizeof(*out), 0);
	if (!out) {
		__sync_fetch_and_add(&c->lost, 1);
		return;
	}
	__builtin_memcpy(out, e, sizeof(*out));
	bpf_ringbuf_submit(out, 0);
}

/* The file behind fd in the current task. Where the kernel has
 * bpf_get_current_task_btf (5.11+), the pointer chain is walked with direct
 * loads: every write-open of the host comes through here. */
static __always_inline struct file *fd_file(long fd)
{
	struct fdtable *fdt;
	unsigned int max_fds;
	struct file **fds;
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		struct task_struct *task = bpf_get_current_task_btf();
		fdt = task->files->fdt;
		max_fds = fdt->max_fds;
		fds = fdt->fd;
	} else {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		fdt = BPF_CORE_READ(task, files, fdt);
		max_fds = BPF_CORE_READ(fdt, max_fds);
		fds = BPF_CORE_READ(fdt, fd);
	}
	if (fd < 0 || fd >= max_fds)
		return NULL;
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* A path that names "/" whatever cwd is: "/" followed only by '/' and '.'
 * ("/..", "//", "/./" all resolve to the root). */
static __always_inline bool names_root(const char *s)
{
	if (s[0] != '/')
		return false;
	for (int i = 1; i < 64; i++) {
		char c = s[i];
		if (c == '\0')
			return true;
		if (c != '/' && c != '.')
			return false;
	}
	return false;
}

static __always_inline bool is_root_device(const char *s)
{
	for (int d = 0; d < OBS_MAX_ROOT_DEVICES; d++) {
		if (root_devices[d][0] == '\0')
			continue;
		bool same = true;
		for (int i = 0; i < OBS_DEVICE_LEN; i++) {
			char want = root_devices[d][i];
			if (s[i] != want) {
				same = false;
				break;
			}
			if (want == '\0')
				break;
		}
		if (same)
			return true;
	}
	return false;
}

static __always_inline bool has_proc_sys_prefix(const char *s)
{
	static const char prefix[] = "/proc/sys/";
	for (int i = 0; i < (int)sizeof(prefix) - 1; i++)
		if (s[i] != prefix[i])
			return false;
	return true;
}

/* Open flags of an open-family call, or 0 for a call that does not open
 * for writing (read-only, O_PATH, or not an open at all). */
static __always_inline __u64 open_write_flags(struct pt_regs *regs, long id, const char **path)
{
	__u64 flags;
	if (id == nr_openat) {
		*path = (const char *)PT_REGS_PARM2_SYSCALL(regs);
		flags = PT_REGS_PARM3_SYSCALL(regs);
	} else if (id == nr_open) {
		*path = (const char *)PT_REGS_PARM1_SYSCALL(regs);
		flags = PT_REGS_PARM2_SYSCALL(regs);
	} else if (id == nr_openat2) {
		struct open_how how = {};
		*path = (const char *)PT_REGS_PARM2_SYSCALL(regs);
		bpf_probe_read_user(&how, sizeof(how), (void *)PT_REGS_PARM3_SYSCALL(regs));
		flags = how.flags;
	} else if (id == nr_creat) {
		*path = (const char *)PT_REGS_PARM1_SYSCALL(regs);
		flags = O_WRONLY_CREAT_TRUNC;
	} else {
		return 0;
	}
	if ((flags & O_PATH) || (flags & O_ACCMODE) == O_RDONLY)
		return 0;
	return flags;
}

/* Is this procfs dentry under /proc/sys? Fill e->str with its path
 * components, leaf first, NUL-separated. */
static __always_inline bool resolve_sysctl_dentry(struct obs_event *e, struct dentry *d)
{
	__u32 off = 0;
	bool top_is_sys = false;
	for (int i = 0; i < SYSCTL_WALK_DEPTH; i++) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		if (parent == d)
			break; /* reached the proc root */
		const unsigned char *name = BPF_CORE_READ(d, d_name.name);
		long n = bpf_probe_read_kernel_str(e->str + (off & (OBS_STR_LEN / 2 - 1)),
						   NAME_MAX_READ, name);
		if (n <= 0)
			return false;
		if (BPF_CORE_READ(parent, d_parent) == parent) {
			/* d is a top-level entry of /proc: it must be "sys" */
			char top[4] = {};
			bpf_probe_read_kernel(top, sizeof(top), name);
			top_is_sys = top[0] == 's' && top[1] == 'y' && top[2] == 's' && top[3] == 0;
			break;
		}
		off += n;
		if (off >= OBS_STR_LEN / 2)
			return false; /* deeper than any sysctl */
		d = parent;
	}
	if (!top_is_sys)
		return false;
	e->flags |= OBS_F_PATH_REVERSED;
	return true;
}

/* A write-open is judged at its exit, from the file it opened: symlinks,
 * relative paths and other mounts of procfs all resolve to the same
 * dentries. Only a failed open falls back to the path as given. Nothing is
 * kept at entry, so the common (non-proc) open costs a few reads here. */
static __always_inline void on_open_exit(struct pt_regs *regs, long id, long ret)
{
	const char *path = NULL;
	__u64 flags = open_write_flags(regs, id, &path);
	if (!flags || is_compat(regs))
		return;
	struct dentry *d = NULL;
	if (ret >= 0) {
		struct file *f = fd_file(ret);
		if (!f)
			return;
		d = BPF_CORE_READ(f, f_path.dentry);
		if (BPF_CORE_READ(d, d_sb, s_magic) != PROC_SUPER_MAGIC)
			return;
	} else {
		char head[16] = {};
		bpf_probe_read_user_str(head, sizeof(head), path);
		if (!has_proc_sys_prefix(head))
			return;
	}
	struct obs_event *e = scratch_event();
	if (!e)
		return;
	if (d) {
		if (!resolve_sysctl_dentry(e, d))
			return;
	} else {
		bpf_probe_read_user_str(e->str, sizeof(e->str), path);
	}
	fill_common(e, OBS_SYSCTL_WRITE, OBS_OP_OPEN);
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	e->arg[0] = flags;
	e->arg[1] = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	e->ret = ret;
	e->flags |= OBS_F_HAS_RESULT;
	emit(e);
}

/* The syscalls of the classes, at their exit. */
static __always_inline void on_syscall_exit(struct pt_regs *regs, long id, long ret)
{
	__u32 cls, op;
	if (id == nr_init_module) {
		cls = OBS_MODULE_LOAD, op = OBS_OP_INIT_MODULE;
	} else if (id == nr_finit_module) {
		cls = OBS_MODULE_LOAD, op = OBS_OP_FINIT_MODULE;
	} else if (id == nr_bpf) {
		cls = OBS_UNPRIV_BPF, op = OBS_OP_BPF;
	} else if (id == nr_unshare) {
		cls = OBS_USER_NAMESPACE, op = OBS_OP_UNSHARE;
	} else if (id == nr_clone) {
		cls = OBS_USER_NAMESPACE, op = OBS_OP_CLONE;
	} else if (id == nr_clone3) {
		cls = OBS_USER_NAMESPACE, op = OBS_OP_CLONE3;
	} else if (id == nr_mount) {
		cls = OBS_ROOT_REMOUNT, op = OBS_OP_MOUNT;
	} else if (id == nr_mount_setattr) {
		cls = OBS_ROOT_REMOUNT, op = OBS_OP_MOUNT_SETATTR;
	} else if (id == nr_ptrace) {
		cls = OBS_PTRACE_ATTACH, op = OBS_OP_PTRACE;
	} else {
		return;
	}

	/* Cheap argument filters before any copying. */
	__u64 a0 = PT_REGS_PARM1_SYSCALL(regs);
	if (op == OBS_OP_UNSHARE || op == OBS_OP_CLONE) {
		/* a new task returns 0 from clone too: count the parent's return */
		if (!(a0 & CLONE_NEWUSER) || (op == OBS_OP_CLONE && ret == 0))
			return;
	} else if (op == OBS_OP_CLONE3) {
		__u64 flags = 0;
		bpf_probe_read_user(&flags, sizeof(flags), (void *)a0);
		if (!(flags & CLONE_NEWUSER) || ret == 0)
			return;
		a0 = flags;
	} else if (op == OBS_OP_PTRACE) {
		if (a0 != PTRACE_ATTACH && a0 != PTRACE_SEIZE)
			return;
	} else if (op == OBS_OP_BPF) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		if (BPF_CORE_READ(task, cred, euid.val) == 0)
			return;
	} else if (op == OBS_OP_MOUNT) {
		if (PT_REGS_PARM4_SYSCALL(regs) & MS_RDONLY)
			return;
	}
	if (is_compat(regs))
		return;

	struct obs_event *e = scratch_event();
	if (!e)
		return;
	e->arg[0] = a0;
	switch (op) {
	case OBS_OP_INIT_MODULE:
		e->arg[0] = PT_REGS_PARM2_SYSCALL(regs);
		bpf_probe_read_user_str(e->str, sizeof(e->str), (void *)PT_REGS_PARM3_SYSCALL(regs));
		break;
	case OBS_OP_FINIT_MODULE: {
		e->arg[1] = PT_REGS_PARM3_SYSCALL(regs);
		struct file *f = fd_file((long)a0); /* the call does not close it */
		if (f)
			bpf_probe_read_kernel_str(e->str, sizeof(e->str),
						  BPF_CORE_READ(f, f_path.dentry, d_name.name));
		break;
	}
	case OBS_OP_MOUNT: {
		__u64 flags = PT_REGS_PARM4_SYSCALL(regs);
		e->arg[0] = flags;
		bpf_probe_read_user_str(e->str, sizeof(e->str), (void *)PT_REGS_PARM2_SYSCALL(regs));
		bpf_probe_read_user_str(e->str2, sizeof(e->str2), (void *)a0);
		bool rw_remount_of_root = (flags & MS_REMOUNT) && names_root(e->str);
		bool rw_mount_of_device = !(flags & (MS_REMOUNT | MS_MOVE | MS_PROPAGATION)) &&
					  is_root_device(e->str2);
		if (!rw_remount_of_root && !rw_mount_of_device)
			return;
		break;
	}
	case OBS_OP_MOUNT_SETATTR: {
		__u64 attr[2] = {};
		bpf_probe_read_user(attr, sizeof(attr), (void *)PT_REGS_PARM4_SYSCALL(regs));
		if (!(attr[1] & MOUNT_ATTR_RDONLY))
			return;
		bpf_probe_read_user_str(e->str, sizeof(e->str), (void *)PT_REGS_PARM2_SYSCALL(regs));
		if (!names_root(e->str))
			return;
		e->arg[0] = attr[0];
		e->arg[1] = attr[1];
		e->arg[2] = PT_REGS_PARM3_SYSCALL(regs);
		break;
	}
	case OBS_OP_PTRACE:
		e->arg[1] = PT_REGS_PARM2_SYSCALL(regs);
		break;
	default:
		break;
	}
	fill_common(e, cls, op);
	if (cls == OBS_MODULE_LOAD) {
		__u32 tid = e->pid;
		struct module_name *m = bpf_map_lookup_elem(&module_names, &tid);
		if (m) {
			__builtin_memcpy(e->str2, m->name, sizeof(m->name));
			e->str2[sizeof(m->name) - 1] = '\0';
			e->flags |= OBS_F_MODULE_NAME;
			bpf_map_delete_elem(&module_names, &tid);
		}
	}
	e->ret = ret;
	e->flags |= OBS_F_HAS_RESULT;
	emit(e);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(obs_sys_exit, struct pt_regs *regs, long ret)
{
	long id = syscall_nr(regs);
	if (id < 0)
		return 0;
	if (id == nr_openat || id == nr_open || id == nr_openat2 || id == nr_creat) {
		on_open_exit(regs, id, ret);
		return 0;
	}
	on_syscall_exit(regs, id, ret);
	return 0;
}

/* An exec that leaves the task with an effective uid or gid other than its
 * real one: a set-user-ID or set-group-ID program ran (the real ids do not
 * change on exec; this is the kernel's own "secure exec" condition). */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(obs_sched_process_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	const struct cred *cred = BPF_CORE_READ(task, cred);
	__u32 uid = BPF_CORE_READ(cred, uid.val), euid = BPF_CORE_READ(cred, euid.val);
	__u32 gid = BPF_CORE_READ(cred, gid.val), egid = BPF_CORE_READ(cred, egid.val);
	if (uid == euid && gid == egid)
		return 0;
	struct obs_event *e = scratch_event();
	if (!e)
		return 0;
	fill_common(e, OBS_SETUID_EXEC, OBS_OP_EXEC);
	e->arg[0] = old_pid;
	e->ret = 0;
	e->flags |= OBS_F_HAS_RESULT;
	bpf_probe_read_kernel_str(e->str, sizeof(e->str), BPF_CORE_READ(bprm, filename));
	emit(e);
	return 0;
}

/* Present where the kernel has loadable modules: remembers the module's
 * name for the init_module/finit_module exit of this thread. */
SEC("raw_tp/module_load")
int BPF_PROG(obs_module_load, struct module___obs *mod)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct module_name m = {};
	BPF_CORE_READ_STR_INTO(&m.name, mod, name);
	bpf_map_update_elem(&module_names, &tid, &m, BPF_ANY);
	return 0;
}

/* Present where the kernel has SELinux: every audited access decision. */
SEC("raw_tp/selinux_audited")
int BPF_PROG(obs_selinux_audited, struct selinux_audit_data___obs *sad, char *scontext,
	     char *tcontext, const char *tclass)
{
	u32 denied = BPF_CORE_READ(sad, denied);
	if (!denied)
		return 0;
	struct obs_event *e = scratch_event();
	if (!e)
		return 0;
	fill_common(e, OBS_SELINUX_DENIAL, OBS_OP_AVC);
	e->arg[0] = denied;
	e->arg[1] = (__u64)(__s64)BPF_CORE_READ(sad, result);
	bpf_probe_read_kernel_str(e->str, sizeof(e->str), scontext);
	bpf_probe_read_kernel_str(e->str2, sizeof(e->str2), tcontext);
	bpf_probe_read_kernel_str(e->str3, sizeof(e->str3), tclass);
	emit(e);
	return 0;
}
