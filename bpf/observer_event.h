/* The layout shared by the eBPF programs (observer.bpf.c) and the userspace
 * observer (src/observer/): event classes, operations, the ring-buffer
 * record and the per-class counters. Fixed-width types only: the same bytes
 * are read on both sides. */
#ifndef CISREPORT_OBSERVER_EVENT_H
#define CISREPORT_OBSERVER_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define OBS_COMM_LEN 16
#define OBS_STR_LEN 256  /* path, sysctl name (reversed components), scontext */
#define OBS_STR2_LEN 96  /* second string: mount source, tcontext, module name */
#define OBS_STR3_LEN 32  /* third string: SELinux tclass */
#define OBS_MAX_ROOT_DEVICES 2
#define OBS_DEVICE_LEN 32

/* Event classes: one counter each, one runtime check each. */
enum obs_class {
	OBS_MODULE_LOAD = 0,
	OBS_UNPRIV_BPF,
	OBS_USER_NAMESPACE,
	OBS_ROOT_REMOUNT,
	OBS_SYSCTL_WRITE,
	OBS_SELINUX_DENIAL,
	OBS_PTRACE_ATTACH,
	OBS_SETUID_EXEC,
	OBS_NCLASSES,
};

/* What the task did, within its class. */
enum obs_op {
	OBS_OP_NONE = 0,
	OBS_OP_INIT_MODULE,
	OBS_OP_FINIT_MODULE,
	OBS_OP_BPF,
	OBS_OP_UNSHARE,
	OBS_OP_CLONE,
	OBS_OP_CLONE3,
	OBS_OP_MOUNT,
	OBS_OP_MOUNT_SETATTR,
	OBS_OP_OPEN,
	OBS_OP_AVC,
	OBS_OP_PTRACE,
	OBS_OP_EXEC,
};

/* Flags in obs_event.flags */
#define OBS_F_HAS_RESULT 0x1    /* ret holds the syscall's return value */
#define OBS_F_PATH_REVERSED 0x2 /* str holds NUL-separated path components, leaf first */
#define OBS_F_INIT_PIDNS 0x4    /* the task is in the initial pid namespace */
#define OBS_F_MODULE_NAME 0x8   /* str2 holds the module name (module_load tracepoint) */

/* One observed event. The class-specific meaning of arg[] and the strings:
 *   module_load     init_module: arg0 length, str parameters
 *                   finit_module: arg0 fd, arg1 flags, str file name, str2 module
 *   unprivileged_bpf  arg0 command
 *   user_namespace  arg0 clone/unshare flags
 *   root_remount    mount: arg0 flags, str target, str2 source
 *                   mount_setattr: arg0 attr_set, arg1 attr_clr, arg2 at-flags, str path
 *   sysctl_write    arg0 open flags, arg1 network namespace inode, str the path
 *   selinux_denial  arg0 denied permissions, arg1 result (0: permissive),
 *                   str scontext, str2 tcontext, str3 tclass
 *   ptrace_attach   arg0 request, arg1 target pid
 *   setuid_exec     arg0 the thread id before the exec, str the file
 *                   executed; uid/euid/gid/egid are the ids after it */
struct obs_event {
	__u64 time_ns; /* CLOCK_BOOTTIME */
	__s64 ret;
	__u64 arg[4];
	__u32 class_id;
	__u32 op;
	__u32 flags;
	__u32 pid;  /* thread id */
	__u32 tgid; /* process id */
	__u32 uid, euid, gid, egid;
	__u32 pad;
	char comm[OBS_COMM_LEN];
	char pcomm[OBS_COMM_LEN];
	char str[OBS_STR_LEN];
	char str2[OBS_STR2_LEN];
	char str3[OBS_STR3_LEN];
};

/* Per-class, per-CPU counters: exact, whatever the ring buffer drops. */
struct obs_counter {
	__u64 count;    /* events of the class seen by the programs */
	__u64 lost;     /* of those, not delivered: ring buffer full */
	__u64 first_ns; /* CLOCK_BOOTTIME of the first and last, 0 if none */
	__u64 last_ns;
};

#endif
