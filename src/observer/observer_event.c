/* Naming and describing observed events: class names, the one-line detail
 * and the JSON form used in reports. No BPF here: it builds either way. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "observer.h"
#include "util/utc_time.h"

/* __u64 is "long long": read arguments as uint64_t for the PRI macros. */
#define ARG(e, i) ((uint64_t)(e)->arg[i])

static const struct {
	const char *name;
	const char *one, *many; /* what one event is, and several */
} class_names[OBSERVER_NCLASSES] = {
	[OBSERVER_MODULE_LOAD] = {"module_load", "kernel module load attempt",
				  "kernel module load attempts"},
	[OBSERVER_UNPRIV_BPF] = {"unprivileged_bpf", "bpf() call by a non-root user",
				 "bpf() calls by non-root users"},
	[OBSERVER_USER_NAMESPACE] = {"user_namespace", "user namespace creation",
				     "user namespace creations"},
	[OBSERVER_ROOT_REMOUNT] = {"root_remount", "read-write remount of the root filesystem",
				   "read-write remounts of the root filesystem"},
	[OBSERVER_SYSCTL_WRITE] = {"sysctl_write", "open of a /proc/sys file for writing",
				   "opens of /proc/sys files for writing"},
	[OBSERVER_SELINUX_DENIAL] = {"selinux_denial", "SELinux AVC denial", "SELinux AVC denials"},
	[OBSERVER_PTRACE_ATTACH] = {"ptrace_attach", "ptrace attach", "ptrace attaches"},
	[OBSERVER_SETUID_EXEC] = {"setuid_exec", "execution that changed the effective uid or gid",
				  "executions that changed the effective uid or gid"},
};

const char *observer_class_name(enum observer_class cls)
{
	return (unsigned)cls < OBSERVER_NCLASSES ? class_names[cls].name : "unknown";
}

const char *observer_class_noun(enum observer_class cls, uint64_t count)
{
	if ((unsigned)cls >= OBSERVER_NCLASSES)
		return count == 1 ? "event" : "events";
	return count == 1 ? class_names[cls].one : class_names[cls].many;
}

int observer_class_from_name(const char *name)
{
	for (int i = 0; i < OBSERVER_NCLASSES; i++)
		if (strcmp(class_names[i].name, name) == 0)
			return i;
	return -1;
}

void observer_format_time(int64_t ns, char *buf, size_t size)
{
	time_t sec = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	char base[UTC_TIME_LEN];
	utc_format(sec, base);
	snprintf(buf, size, "%s.%09ldZ", base, frac);
}

/* Kernel strings are bytes: keep printable ASCII, escape the rest, so that
 * the text is safe on a terminal and valid UTF-8 for JSON. */
static void clean_copy(char *dst, size_t size, const char *src, size_t max)
{
	size_t w = 0;
	for (size_t i = 0; i < max && src[i] && w + 5 < size; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			dst[w++] = (char)c;
		} else {
			snprintf(dst + w, size - w, "\\x%02x", c);
			w += 4;
		}
	}
	dst[w] = '\0';
}

#define CLEAN(dst, field) clean_copy(dst, sizeof(dst), field, sizeof(field))

static const char *const bpf_cmds[] = {
	"BPF_MAP_CREATE", "BPF_MAP_LOOKUP_ELEM", "BPF_MAP_UPDATE_ELEM", "BPF_MAP_DELETE_ELEM",
	"BPF_MAP_GET_NEXT_KEY", "BPF_PROG_LOAD", "BPF_OBJ_PIN", "BPF_OBJ_GET",
	"BPF_PROG_ATTACH", "BPF_PROG_DETACH", "BPF_PROG_TEST_RUN", "BPF_PROG_GET_NEXT_ID",
	"BPF_MAP_GET_NEXT_ID", "BPF_PROG_GET_FD_BY_ID", "BPF_MAP_GET_FD_BY_ID",
	"BPF_OBJ_GET_INFO_BY_FD", "BPF_PROG_QUERY", "BPF_RAW_TRACEPOINT_OPEN", "BPF_BTF_LOAD",
	"BPF_BTF_GET_FD_BY_ID", "BPF_TASK_FD_QUERY", "BPF_MAP_LOOKUP_AND_DELETE_ELEM",
	"BPF_MAP_FREEZE", "BPF_BTF_GET_NEXT_ID", "BPF_MAP_LOOKUP_BATCH",
	"BPF_MAP_LOOKUP_AND_DELETE_BATCH", "BPF_MAP_UPDATE_BATCH", "BPF_MAP_DELETE_BATCH",
	"BPF_LINK_CREATE", "BPF_LINK_UPDATE", "BPF_LINK_GET_FD_BY_ID", "BPF_LINK_GET_NEXT_ID",
	"BPF_ENABLE_STATS", "BPF_ITER_CREATE", "BPF_LINK_DETACH", "BPF_PROG_BIND_MAP",
	"BPF_TOKEN_CREATE",
};

static void bpf_cmd_name(uint64_t cmd, char *buf, size_t size)
{
	if (cmd < sizeof(bpf_cmds) / sizeof(bpf_cmds[0]))
		snprintf(buf, size, "%s", bpf_cmds[cmd]);
	else
		snprintf(buf, size, "%" PRIu64, cmd);
}

struct flag_name {
	uint64_t bit;
	const char *name;
};

static void flag_names(uint64_t v, const struct flag_name *t, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (; t->name; t++) {
		if (!(v & t->bit))
			continue;
		int n = snprintf(buf + used, size - used, "%s%s", used ? "|" : "", t->name);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
		v &= ~t->bit;
	}
	if (v)
		snprintf(buf + used, size - used, "%s0x%" PRIx64, used ? "|" : "", v);
	else if (!used)
		snprintf(buf, size, "0");
}

static const struct flag_name clone_flags[] = {
	{0x10000000, "CLONE_NEWUSER"}, {0x00020000, "CLONE_NEWNS"},
	{0x20000000, "CLONE_NEWPID"},  {0x40000000, "CLONE_NEWNET"},
	{0x04000000, "CLONE_NEWUTS"},  {0x08000000, "CLONE_NEWIPC"},
	{0x02000000, "CLONE_NEWCGROUP"}, {0x00000080, "CLONE_NEWTIME"},
	{0x00000100, "CLONE_VM"},      {0x00000200, "CLONE_FS"},
	{0x00000400, "CLONE_FILES"},   {0x00000800, "CLONE_SIGHAND"},
	{0x00010000, "CLONE_THREAD"},  {0x00004000, "CLONE_VFORK"},
	{0x00000011, "SIGCHLD"},       {0, NULL},
};

static const struct flag_name mount_flags[] = {
	{0x1, "MS_RDONLY"},     {0x2, "MS_NOSUID"},    {0x4, "MS_NODEV"},
	{0x8, "MS_NOEXEC"},     {0x10, "MS_SYNCHRONOUS"}, {0x20, "MS_REMOUNT"},
	{0x40, "MS_MANDLOCK"},  {0x80, "MS_DIRSYNC"},  {0x400, "MS_NOATIME"},
	{0x800, "MS_NODIRATIME"}, {0x1000, "MS_BIND"}, {0x2000, "MS_MOVE"},
	{0x4000, "MS_REC"},     {0x8000, "MS_SILENT"}, {0x200000, "MS_RELATIME"},
	{0x1000000, "MS_STRICTATIME"}, {0x2000000, "MS_LAZYTIME"},
	{0xC0ED0000, "MS_MGC_VAL"}, {0, NULL},
};

static const struct flag_name open_flags[] = {
	{0x1, "O_WRONLY"}, {0x2, "O_RDWR"},     {0x40, "O_CREAT"}, {0x80, "O_EXCL"},
	{0x200, "O_TRUNC"}, {0x400, "O_APPEND"}, {0x800, "O_NONBLOCK"},
	{0x80000, "O_CLOEXEC"}, {0, NULL},
};

/* The sysctl path as "net/ipv4/ip_forward" (under /proc/sys). */
static void sysctl_relpath(const struct obs_event *e, char *buf, size_t size)
{
	buf[0] = '\0';
	if (e->flags & OBS_F_PATH_REVERSED) {
		/* leaf-first NUL-separated components, the last being "sys" */
		const char *comp[16];
		size_t n = 0, i = 0;
		while (i < sizeof(e->str) && e->str[i] && n < 16) {
			comp[n++] = &e->str[i];
			i += strnlen(&e->str[i], sizeof(e->str) - i) + 1;
		}
		if (n > 0)
			n--; /* drop "sys" */
		size_t used = 0;
		for (size_t k = n; k-- > 0;) {
			int w = snprintf(buf + used, size - used, "%s%s", used ? "/" : "", comp[k]);
			if (w < 0 || (size_t)w >= size - used)
				break;
			used += (size_t)w;
		}
	} else {
		const char *p = e->str;
		if (strncmp(p, "/proc/sys/", 10) == 0)
			p += 10;
		snprintf(buf, size, "%.*s", (int)strnlen(p, sizeof(e->str) - 10), p);
	}
}

static void sysctl_name(const char *relpath, char *buf, size_t size)
{
	snprintf(buf, size, "%s", relpath);
	for (char *p = buf; *p; p++)
		if (*p == '/')
			*p = '.';
}

static const char *op_name(uint32_t op)
{
	switch (op) {
	case OBS_OP_INIT_MODULE:
		return "init_module";
	case OBS_OP_FINIT_MODULE:
		return "finit_module";
	case OBS_OP_BPF:
		return "bpf";
	case OBS_OP_UNSHARE:
		return "unshare";
	case OBS_OP_CLONE:
		return "clone";
	case OBS_OP_CLONE3:
		return "clone3";
	case OBS_OP_MOUNT:
		return "mount";
	case OBS_OP_MOUNT_SETATTR:
		return "mount_setattr";
	case OBS_OP_OPEN:
		return "open";
	case OBS_OP_AVC:
		return "avc";
	case OBS_OP_PTRACE:
		return "ptrace";
	case OBS_OP_EXEC:
		return "execve";
	default:
		return "unknown";
	}
}

static void result_text(const struct obs_event *e, char *buf, size_t size)
{
	if (!(e->flags & OBS_F_HAS_RESULT))
		buf[0] = '\0';
	else if (e->ret < 0 && e->ret > -4096)
		snprintf(buf, size, " = -1 %s", strerrorname_np((int)-e->ret) ?: "E?");
	else
		snprintf(buf, size, " = %" PRId64, (int64_t)e->ret);
}

void observer_event_describe(const struct observer_event *ev, char *buf, size_t size)
{
	const struct obs_event *e = &ev->raw;
	char res[48], s1[1100], s2[400], s3[140], flags[256];
	result_text(e, res, sizeof(res));
	switch (e->op) {
	case OBS_OP_INIT_MODULE:
		CLEAN(s1, e->str);
		CLEAN(s2, e->str2);
		snprintf(buf, size, "init_module(%" PRIu64 " bytes, params \"%s\")%s%s%s", ARG(e, 0),
			 s1, res, e->flags & OBS_F_MODULE_NAME ? ": module " : "",
			 e->flags & OBS_F_MODULE_NAME ? s2 : "");
		break;
	case OBS_OP_FINIT_MODULE:
		CLEAN(s1, e->str);
		CLEAN(s2, e->str2);
		snprintf(buf, size, "finit_module(fd %" PRId64 " \"%s\", flags 0x%" PRIx64 ")%s%s%s",
			 (int64_t)ARG(e, 0), s1, ARG(e, 1), res,
			 e->flags & OBS_F_MODULE_NAME ? ": module " : "",
			 e->flags & OBS_F_MODULE_NAME ? s2 : "");
		break;
	case OBS_OP_BPF:
		bpf_cmd_name(ARG(e, 0), s3, sizeof(s3));
		snprintf(buf, size, "bpf(%s) by euid %u%s", s3, e->euid, res);
		break;
	case OBS_OP_UNSHARE:
	case OBS_OP_CLONE:
	case OBS_OP_CLONE3:
		flag_names(ARG(e, 0), clone_flags, flags, sizeof(flags));
		snprintf(buf, size, "%s(%s)%s", op_name(e->op), flags, res);
		break;
	case OBS_OP_MOUNT:
		CLEAN(s1, e->str);
		CLEAN(s2, e->str2);
		flag_names(ARG(e, 0), mount_flags, flags, sizeof(flags));
		snprintf(buf, size, "mount(\"%s\", \"%s\", %s)%s", s2, s1, flags, res);
		break;
	case OBS_OP_MOUNT_SETATTR:
		CLEAN(s1, e->str);
		snprintf(buf, size, "mount_setattr(\"%s\", clear MOUNT_ATTR_RDONLY)%s", s1, res);
		break;
	case OBS_OP_OPEN: {
		char rel[300], name[300];
		sysctl_relpath(e, rel, sizeof(rel));
		CLEAN(s1, rel);
		sysctl_name(s1, name, sizeof(name));
		flag_names(ARG(e, 0), open_flags, flags, sizeof(flags));
		snprintf(buf, size, "open(\"/proc/sys/%s\", %s)%s: sysctl %s%s", s1, flags, res, name,
			 !ev->host_netns_known ? ""
			 : ev->host_netns     ? " (host network namespace)"
					      : " (another network namespace)");
		break;
	}
	case OBS_OP_AVC:
		CLEAN(s1, e->str);
		CLEAN(s2, e->str2);
		CLEAN(s3, e->str3);
		snprintf(buf, size, "avc: denied 0x%" PRIx64 " scontext=%s tcontext=%s tclass=%s%s",
			 ARG(e, 0), s1, s2, s3, (int64_t)ARG(e, 1) == 0 ? " (permissive)" : "");
		break;
	case OBS_OP_PTRACE:
		snprintf(buf, size, "ptrace(%s, pid %" PRId64 "%s%s%s)%s",
			 ARG(e, 0) == 16 ? "PTRACE_ATTACH" : "PTRACE_SEIZE", (int64_t)ARG(e, 1),
			 ev->target_comm[0] ? " \"" : "", ev->target_comm,
			 ev->target_comm[0] ? "\"" : "", res);
		break;
	case OBS_OP_EXEC:
		CLEAN(s1, e->str);
		snprintf(buf, size, "execve(\"%s\"): runs with euid %u egid %u for uid %u gid %u", s1,
			 e->euid, e->egid, e->uid, e->gid);
		break;
	default:
		snprintf(buf, size, "unknown operation %u", e->op);
	}
}

bool observer_event_subject(const struct observer_event *ev, char *buf, size_t size)
{
	const struct obs_event *e = &ev->raw;
	char raw[300];
	buf[0] = '\0';
	switch (e->class_id) {
	case OBS_SYSCTL_WRITE:
		sysctl_relpath(e, raw, sizeof(raw));
		clean_copy(buf, size, raw, sizeof(raw));
		for (char *p = buf; *p; p++)
			if (*p == '/')
				*p = '.';
		break;
	case OBS_MODULE_LOAD:
		if (e->flags & OBS_F_MODULE_NAME) {
			CLEAN(raw, e->str2);
		} else {
			/* "udf.ko.xz" -> "udf"; modprobe treats '-' as '_' */
			CLEAN(raw, e->str);
			char *dot = strstr(raw, ".ko");
			if (dot)
				*dot = '\0';
		}
		for (char *p = raw; *p; p++)
			if (*p == '-')
				*p = '_';
		snprintf(buf, size, "%s", raw);
		break;
	case OBS_SETUID_EXEC:
		CLEAN(raw, e->str);
		snprintf(buf, size, "%s", raw);
		break;
	default:
		break;
	}
	return buf[0] != '\0';
}

void observer_event_who(const struct observer_event *ev, char *buf, size_t size)
{
	char comm[80], pcomm[80];
	CLEAN(comm, ev->raw.comm);
	CLEAN(pcomm, ev->raw.pcomm);
	snprintf(buf, size, "pid %u (%s, parent %s) uid %u", ev->raw.pid, comm, pcomm, ev->raw.uid);
}

static void set_str(json_t *o, const char *key, const char *value)
{
	json_object_set_new(o, key, json_string(value));
}

json_t *observer_event_json(const struct observer_event *ev)
{
	const struct obs_event *e = &ev->raw;
	json_t *o = json_object();
	if (!o)
		return NULL;
	char tbuf[48], s1[1100], s2[400], s3[140], flags[256], detail[1600];
	observer_format_time(ev->time_ns, tbuf, sizeof(tbuf));
	set_str(o, "time", tbuf);
	json_object_set_new(o, "pid", json_integer(e->pid));
	json_object_set_new(o, "tgid", json_integer(e->tgid));
	json_object_set_new(o, "uid", json_integer(e->uid));
	json_object_set_new(o, "euid", json_integer(e->euid));
	json_object_set_new(o, "gid", json_integer(e->gid));
	json_object_set_new(o, "egid", json_integer(e->egid));
	CLEAN(s1, e->comm);
	set_str(o, "comm", s1);
	CLEAN(s1, e->pcomm);
	set_str(o, "pcomm", s1);
	set_str(o, "op", op_name(e->op));
	if (e->flags & OBS_F_HAS_RESULT) {
		json_object_set_new(o, "result", json_integer(e->ret < 0 && e->ret > -4096 ? -1 : e->ret));
		if (e->ret < 0 && e->ret > -4096)
			set_str(o, "errno", strerrorname_np((int)-e->ret) ?: "E?");
	}
	observer_event_describe(ev, detail, sizeof(detail));
	set_str(o, "detail", detail);
	switch (e->op) {
	case OBS_OP_INIT_MODULE:
		json_object_set_new(o, "length", json_integer((json_int_t)ARG(e, 0)));
		CLEAN(s1, e->str);
		set_str(o, "params", s1);
		break;
	case OBS_OP_FINIT_MODULE:
		json_object_set_new(o, "fd", json_integer((json_int_t)ARG(e, 0)));
		CLEAN(s1, e->str);
		set_str(o, "file", s1);
		break;
	case OBS_OP_BPF:
		bpf_cmd_name(ARG(e, 0), s3, sizeof(s3));
		set_str(o, "command", s3);
		break;
	case OBS_OP_UNSHARE:
	case OBS_OP_CLONE:
	case OBS_OP_CLONE3:
		flag_names(ARG(e, 0), clone_flags, flags, sizeof(flags));
		set_str(o, "flags", flags);
		break;
	case OBS_OP_MOUNT:
		CLEAN(s1, e->str);
		CLEAN(s2, e->str2);
		set_str(o, "target", s1);
		set_str(o, "source", s2);
		flag_names(ARG(e, 0), mount_flags, flags, sizeof(flags));
		set_str(o, "flags", flags);
		break;
	case OBS_OP_MOUNT_SETATTR:
		CLEAN(s1, e->str);
		set_str(o, "target", s1);
		break;
	case OBS_OP_OPEN: {
		char rel[300], name[300], path[320];
		sysctl_relpath(e, rel, sizeof(rel));
		CLEAN(s1, rel);
		sysctl_name(s1, name, sizeof(name));
		snprintf(path, sizeof(path), "/proc/sys/%s", s1);
		set_str(o, "sysctl", name);
		set_str(o, "path", path);
		json_object_set_new(o, "netns", json_integer((json_int_t)ARG(e, 1)));
		if (ev->host_netns_known)
			json_object_set_new(o, "host_netns", json_boolean(ev->host_netns));
		break;
	}
	case OBS_OP_AVC:
		CLEAN(s1, e->str);
		CLEAN(s2, e->str2);
		CLEAN(s3, e->str3);
		set_str(o, "scontext", s1);
		set_str(o, "tcontext", s2);
		set_str(o, "tclass", s3);
		snprintf(flags, sizeof(flags), "0x%" PRIx64, ARG(e, 0));
		set_str(o, "denied", flags);
		json_object_set_new(o, "permissive", json_boolean((int64_t)ARG(e, 1) == 0));
		break;
	case OBS_OP_PTRACE:
		set_str(o, "request", ARG(e, 0) == 16 ? "PTRACE_ATTACH" : "PTRACE_SEIZE");
		json_object_set_new(o, "target_pid", json_integer((json_int_t)ARG(e, 1)));
		if (ev->target_comm[0])
			set_str(o, "target_comm", ev->target_comm);
		break;
	case OBS_OP_EXEC:
		CLEAN(s1, e->str);
		set_str(o, "file", s1);
		break;
	default:
		break;
	}
	if (e->flags & OBS_F_MODULE_NAME) {
		CLEAN(s2, e->str2);
		set_str(o, "module", s2);
	}
	return o;
}
