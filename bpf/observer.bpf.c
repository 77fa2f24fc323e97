// SPDX-License-Identifier: GPL-2.0
/* cisreport's runtime observer: CO-RE programs on raw tracepoints only.
 *
 * Raw tracepoints (sys_enter, sys_exit, sched_process_exec, selinux_audited,
 * module_load) attach by name through bpf_raw_tracepoint_open: no tracefs,
 * no kprobes, no trampolines, so they load on Bottlerocket's kernels and on
 * kernels where fentry or BPF-LSM are unavailable.
 *
 * Filtering happens here: a syscall of interest is matched on its number
 * (given by userspace, which knows the architecture's table) and its
 * arguments; the details are kept per thread until sys_exit adds the result;
 * only then is the event counted (per class, per CPU, exactly) and copied to
 * the ring buffer, whose overflow is counted as "lost". */
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

/* A syscall seen at entry, waiting for its result at exit; keyed by thread
 * id. LRU bounds it: a thread that never returns cannot fill it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct obs_event);
} pending SEC(".maps");

/* Effective ids at execve entry, compared with those after the exec. */
struct exec_ids {
	__u32 euid, egid;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct exec_ids);
} exec_creds SEC(".maps");

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
 * misread them. */
static __always_inline bool is_compat(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(regs, cs) == 0x23; /* __USER32_CS */
#elif defined(__TARGET_ARCH_arm64)
	return (BPF_CORE_READ((struct pt_regs___obs_arm64 *)regs, pstate) & 0x10) != 0;
#else
	return false;
#endif
}

static __always_inline long syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	return BPF_CORE_READ((struct pt_regs___obs_arm64 *)regs, syscallno);
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
	struct obs_counter *c = bpf_map_lookup_elem(&counters, &key);
	if (!c)
		return;
	c->count++;
	if (!c->first_ns)
		c->first_ns = e->time_ns;
	c->last_ns = e->time_ns;
	struct obs_event *out = bpf_ringbuf_reserve(&events, sizeof(*out), 0);
	if (!out) {
		c->lost++;
		return;
	}
	__builtin_memcpy(out, e, sizeof(*out));
	bpf_ringbuf_submit(out, 0);
}

static __always_inline void keep_pending(struct obs_event *e)
{
	__u32 tid = e->pid;
	bpf_map_update_elem(&pending, &tid, e, BPF_ANY);
}

static __always_inline struct file *fd_file(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
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
		*path = (const char *)PT_REGS_PARM2_CORE_SYSCALL(regs);
		flags = PT_REGS_PARM3_CORE_SYSCALL(regs);
	} else if (id == nr_open) {
		*path = (const char *)PT_REGS_PARM1_CORE_SYSCALL(regs);
		flags = PT_REGS_PARM2_CORE_SYSCALL(regs);
	} else if (id == nr_openat2) {
		struct open_how how = {};
		*path = (const char *)PT_REGS_PARM2_CORE_SYSCALL(regs);
		bpf_probe_read_user(&how, sizeof(how), (void *)PT_REGS_PARM3_CORE_SYSCALL(regs));
		flags = how.flags;
	} else if (id == nr_creat) {
		*path = (const char *)PT_REGS_PARM1_CORE_SYSCALL(regs);
		flags = O_WRONLY_CREAT_TRUNC;
	} else {
		return 0;
	}
	if ((flags & O_PATH) || (flags & O_ACCMODE) == O_RDONLY)
		return 0;
	return flags;
}

static __always_inline void on_open(struct pt_regs *regs, long id)
{
	const char *path = NULL;
	__u64 flags = open_write_flags(regs, id, &path);
	if (!flags)
		return;
	struct obs_event *e = scratch_event();
	if (!e)
		return;
	fill_common(e, OBS_SYSCTL_WRITE, OBS_OP_OPEN);
	e->arg[0] = flags;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	e->arg[1] = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	/* The path as given is only needed if the open fails (a successful
	 * open is resolved from its file at exit): keep it when absolute. */
	char head[16] = {};
	bpf_probe_read_user_str(head, sizeof(head), path);
	if (has_proc_sys_prefix(head))
		bpf_probe_read_user_str(e->str, sizeof(e->str), path);
	keep_pending(e);
}

/* At exit of a successful write-open: is the file under /proc/sys? Fill
 * e->str with its path components, leaf first, NUL-separated. */
static __always_inline bool resolve_sysctl_file(struct obs_event *e, long fd)
{
	struct file *f = fd_file(fd);
	if (!f)
		return false;
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	if (BPF_CORE_READ(d, d_sb, s_magic) != PROC_SUPER_MAGIC)
		return false;
	__builtin_memset(e->str, 0, sizeof(e->str)); /* drop the path kept at entry */
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

SEC("raw_tp/sys_enter")
int BPF_PROG(obs_sys_enter, struct pt_regs *regs, long id)
{
	if (id < 0)
		return 0;
	if (id == nr_openat || id == nr_open || id == nr_openat2 || id == nr_creat) {
		if (!is_compat(regs))
			on_open(regs, id);
		return 0;
	}
	if (id == nr_execve || id == nr_execveat) {
		if (is_compat(regs))
			return 0;
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		struct exec_ids ids = {
			.euid = BPF_CORE_READ(task, cred, euid.val),
			.egid = BPF_CORE_READ(task, cred, egid.val),
		};
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		bpf_map_update_elem(&exec_creds, &tid, &ids, BPF_ANY);
		return 0;
	}
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
		return 0;
	}
	if (is_compat(regs))
		return 0;

	/* Cheap argument filters before any copying. */
	__u64 a0 = PT_REGS_PARM1_CORE_SYSCALL(regs);
	if (op == OBS_OP_UNSHARE || op == OBS_OP_CLONE) {
		if (!(a0 & CLONE_NEWUSER))
			return 0;
	} else if (op == OBS_OP_CLONE3) {
		__u64 flags = 0;
		bpf_probe_read_user(&flags, sizeof(flags), (void *)a0);
		if (!(flags & CLONE_NEWUSER))
			return 0;
		a0 = flags;
	} else if (op == OBS_OP_PTRACE) {
		if (a0 != PTRACE_ATTACH && a0 != PTRACE_SEIZE)
			return 0;
	} else if (op == OBS_OP_BPF) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		if (BPF_CORE_READ(task, cred, euid.val) == 0)
			return 0;
	} else if (op == OBS_OP_MOUNT) {
		if (PT_REGS_PARM4_CORE_SYSCALL(regs) & MS_RDONLY)
			return 0;
	}

	struct obs_event *e = scratch_event();
	if (!e)
		return 0;
	fill_common(e, cls, op);
	e->arg[0] = a0;
	switch (op) {
	case OBS_OP_INIT_MODULE:
		e->arg[0] = PT_REGS_PARM2_CORE_SYSCALL(regs);
		bpf_probe_read_user_str(e->str, sizeof(e->str),
					(void *)PT_REGS_PARM3_CORE_SYSCALL(regs));
		break;
	case OBS_OP_FINIT_MODULE: {
		e->arg[1] = PT_REGS_PARM3_CORE_SYSCALL(regs);
		struct file *f = fd_file((long)a0);
		if (f)
			bpf_probe_read_kernel_str(e->str, sizeof(e->str),
						  BPF_CORE_READ(f, f_path.dentry, d_name.name));
		break;
	}
	case OBS_OP_MOUNT: {
		__u64 flags = PT_REGS_PARM4_CORE_SYSCALL(regs);
		e->arg[0] = flags;
		bpf_probe_read_user_str(e->str, sizeof(e->str),
					(void *)PT_REGS_PARM2_CORE_SYSCALL(regs));
		bpf_probe_read_user_str(e->str2, sizeof(e->str2), (void *)a0);
		bool rw_remount_of_root = (flags & MS_REMOUNT) && names_root(e->str);
		bool rw_mount_of_device = !(flags & (MS_REMOUNT | MS_MOVE | MS_PROPAGATION)) &&
					  is_root_device(e->str2);
		if (!rw_remount_of_root && !rw_mount_of_device)
			return 0;
		break;
	}
	case OBS_OP_MOUNT_SETATTR: {
		__u64 attr[2] = {};
		bpf_probe_read_user(attr, sizeof(attr), (void *)PT_REGS_PARM4_CORE_SYSCALL(regs));
		if (!(attr[1] & MOUNT_ATTR_RDONLY))
			return 0;
		bpf_probe_read_user_str(e->str, sizeof(e->str),
					(void *)PT_REGS_PARM2_CORE_SYSCALL(regs));
		if (!names_root(e->str))
			return 0;
		e->arg[0] = attr[0];
		e->arg[1] = attr[1];
		e->arg[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
		break;
	}
	case OBS_OP_PTRACE:
		e->arg[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
		break;
	default:
		break;
	}
	keep_pending(e);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(obs_sys_exit, struct pt_regs *regs, long ret)
{
	long id = syscall_nr(regs);
	if (id < 0)
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (id == nr_execve || id == nr_execveat) {
		bpf_map_delete_elem(&exec_creds, &tid);
		return 0;
	}
	/* Hot calls: re-check the (unchanged) arguments so that the common
	 * read-only open or plain clone costs no map lookup. */
	if (id == nr_openat || id == nr_open || id == nr_openat2 || id == nr_creat) {
		const char *path;
		if (!open_write_flags(regs, id, &path))
			return 0;
	} else if (id == nr_clone) {
		if (!(PT_REGS_PARM1_CORE_SYSCALL(regs) & CLONE_NEWUSER))
			return 0;
	} else if (id != nr_init_module && id != nr_finit_module && id != nr_bpf &&
		   id != nr_unshare && id != nr_clone3 && id != nr_mount &&
		   id != nr_mount_setattr && id != nr_ptrace) {
		return 0;
	}
	struct obs_event *e = bpf_map_lookup_elem(&pending, &tid);
	if (!e)
		return 0;
	e->ret = ret;
	e->flags |= OBS_F_HAS_RESULT;
	if (e->class_id == OBS_SYSCTL_WRITE) {
		bool keep = ret >= 0 ? resolve_sysctl_file(e, ret) : has_proc_sys_prefix(e->str);
		if (!keep) {
			bpf_map_delete_elem(&pending, &tid);
			return 0;
		}
	}
	emit(e);
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(obs_sched_process_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	__u32 key = old_pid;
	struct exec_ids *before = bpf_map_lookup_elem(&exec_creds, &key);
	if (!before)
		return 0;
	struct exec_ids was = *before;
	bpf_map_delete_elem(&exec_creds, &key);
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 euid = BPF_CORE_READ(task, cred, euid.val);
	__u32 egid = BPF_CORE_READ(task, cred, egid.val);
	if (euid == was.euid && egid == was.egid)
		return 0;
	struct obs_event *e = scratch_event();
	if (!e)
		return 0;
	fill_common(e, OBS_SETUID_EXEC, OBS_OP_EXEC);
	e->arg[0] = was.euid;
	e->arg[1] = euid;
	e->arg[2] = was.egid;
	e->arg[3] = egid;
	e->flags |= OBS_F_HAS_RESULT;
	bpf_probe_read_kernel_str(e->str, sizeof(e->str), BPF_CORE_READ(bprm, filename));
	emit(e);
	return 0;
}

/* Present where the kernel has loadable modules: names the module of the
 * init_module/finit_module call in progress on this thread. */
SEC("raw_tp/module_load")
int BPF_PROG(obs_module_load, struct module___obs *mod)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct obs_event *e = bpf_map_lookup_elem(&pending, &tid);
	if (!e || e->class_id != OBS_MODULE_LOAD)
		return 0;
	BPF_CORE_READ_STR_INTO(&e->str2, mod, name);
	e->flags |= OBS_F_MODULE_NAME;
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
