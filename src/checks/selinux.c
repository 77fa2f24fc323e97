/* selinux: SELinux is enabled and configured as the benchmark says.
 *
 * params (each optional; an absent one is not checked):
 *   {"policy": "fortified",        loaded policy name (SELINUXTYPE)
 *    "mode": "enforcing",          current mode: enforcing | permissive
 *    "config_mode": "enforcing",   SELINUX= in /etc/selinux/config
 *    "mls": true,                  policy MLS status
 *    "deny_unknown": "denied",     denied | allowed | rejected (or a list)
 *    "checkreqprot": 0}            0 = "actual (secure)", 1 = "requested (insecure)"
 *
 * One evidence item per line of what sestatus prints, under its labels.
 * SELinux is enabled when selinuxfs is mounted (the mount table of the
 * host says where); the kernel state is read through libselinux pointed at
 * that mount under the host root, the configuration is parsed from
 * <root>/etc/selinux/config the way libselinux reads it. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dynlib/lib_selinux.h"
#include "kernel_tables.h"
#include "params.h"

#define SELINUX_CONFIG "/etc/selinux/config"
#define SELINUX_VALUE_MAX 256

static pthread_mutex_t selinuxmnt_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const modes[] = {"enforcing", "permissive", NULL};
static const char *const config_modes[] = {"enforcing", "permissive", "disabled", NULL};
static const char *const unknown_handling[] = {"denied", "allowed", "rejected", NULL};

static bool in_list(const char *s, const char *const list[])
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static int param_one_of(const json_t *params, const char *key, const char *const list[],
			const char *allowed_text, struct param_error *err)
{
	const char *v = param_str(params, key, NULL);
	if (v && !in_list(v, list))
		return param_fail(err, key, "\"%s\" is not allowed (allowed: %s)", v, allowed_text);
	return 0;
}

static int selinux_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"policy", "mode", "config_mode", "mls",
					      "deny_unknown", "checkreqprot", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string(params, "policy", false, err);
	if (!rc)
		rc = param_string(params, "mode", false, err);
	if (!rc)
		rc = param_one_of(params, "mode", modes, "enforcing, permissive", err);
	if (!rc)
		rc = param_string(params, "config_mode", false, err);
	if (!rc)
		rc = param_one_of(params, "config_mode", config_modes,
				  "enforcing, permissive, disabled", err);
	if (!rc)
		rc = param_boolean(params, "mls", false, err);
	if (!rc)
		rc = param_integer(params, "checkreqprot", false, err);
	if (rc)
		return rc;
	long long crp = param_int(params, "checkreqprot", 0);
	if (crp != 0 && crp != 1)
		return param_fail(err, "checkreqprot", "must be 0 (actual, secure) or 1 (requested)");
	const json_t *du = json_object_get(params, "deny_unknown");
	if (du) {
		if (json_is_string(du)) {
			if (!in_list(json_string_value(du), unknown_handling))
				return param_fail(err, "deny_unknown",
						  "\"%s\" is not allowed (allowed: denied, allowed, rejected)",
						  json_string_value(du));
		} else if (json_is_array(du) && json_array_size(du) > 0) {
			size_t i;
			const json_t *e;
			json_array_foreach(du, i, e) {
				if (!json_is_string(e) || !in_list(json_string_value(e), unknown_handling))
					return param_fail(err, "deny_unknown",
							  "element %zu must be one of denied, allowed, rejected", i);
			}
		} else {
			return param_fail(err, "deny_unknown",
					  "must be one of denied, allowed, rejected, or a non-empty list of them");
		}
	}
	return 0;
}

/* /etc/selinux/config read the way libselinux reads it (what sestatus
 * shows):
 *  - the mode (selinux_getenforcemode): the first line that starts exactly
 *    with "SELINUX=" and whose value begins, in any case, with enforcing,
 *    permissive or disabled; other lines are ignored;
 *  - the policy type (the policy root): the last "SELINUXTYPE=" line, key
 *    in any case, leading blanks and '#' comment lines skipped, the value
 *    trimmed of blanks. */
struct selinux_config {
	int rc; /* 0, or -errno reading the file */
	char type[SELINUX_VALUE_MAX];
	const char *mode; /* canonical: "enforcing", "permissive", "disabled" */
	bool has_type;
};

static void trim_right(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static const char *skip_blanks(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static void read_selinux_config(struct host *h, struct selinux_config *c)
{
	memset(c, 0, sizeof(*c));
	char *text;
	size_t len;
	c->rc = host_read_file(h, SELINUX_CONFIG, HOST_MAX_FILE, &text, &len);
	if (c->rc)
		return;
	if (memchr(text, '\0', len)) {
		c->rc = -EINVAL;
		free(text);
		return;
	}
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!c->mode && strncmp(line, "SELINUX=", 8) == 0) {
			const char *v = skip_blanks(line + 8);
			for (size_t i = 0; config_modes[i] && !c->mode; i++)
				if (strncasecmp(v, config_modes[i], strlen(config_modes[i])) == 0)
					c->mode = config_modes[i];
		}
		const char *p = skip_blanks(line);
		if (*p == '#' || !*p)
			continue;
		if (strncasecmp(p, "SELINUXTYPE=", 12) == 0) {
			snprintf(c->type, sizeof(c->type), "%s", skip_blanks(p + 12));
			trim_right(c->type);
			c->has_type = true;
		}
	}
	free(text);
}

/* The first item that could not be read: the verdict is SKIP unless
 * another item is plainly wrong. */
struct unknowns {
	char first[512];
	size_t count;
};

__attribute__((format(printf, 5, 6))) static void
unreadable(struct check_result *r, struct unknowns *u, const char *item, const char *expected,
	   const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	result_evidence(r, item, expected, false, "unknown: %s", msg);
	u->count++;
	if (!u->first[0])
		snprintf(u->first, sizeof(u->first), "%s", msg);
}

static void config_items(struct host *h, const json_t *params, struct check_result *r,
			 struct unknowns *u)
{
	const char *policy = param_str(params, "policy", NULL);
	const char *config_mode = param_str(params, "config_mode", NULL);
	if (!policy && !config_mode)
		return;
	struct selinux_config c;
	read_selinux_config(h, &c);
	if (policy) {
		if (c.rc)
			unreadable(r, u, "Loaded policy name", policy, "cannot read %s: %s",
				   SELINUX_CONFIG, host_strerror(c.rc));
		else if (!c.has_type)
			result_evidence(r, "Loaded policy name", policy, false,
					"no SELINUXTYPE= in %s", SELINUX_CONFIG);
		else
			result_evidence(r, "Loaded policy name", policy, strcmp(c.type, policy) == 0,
					"%s", c.type);
	}
	if (config_mode) {
		if (c.rc)
			unreadable(r, u, "Mode from config file", config_mode, "cannot read %s: %s",
				   SELINUX_CONFIG, host_strerror(c.rc));
		else if (!c.mode)
			result_evidence(r, "Mode from config file", config_mode, false,
					"no SELINUX=enforcing|permissive|disabled line in %s",
					SELINUX_CONFIG);
		else
			result_evidence(r, "Mode from config file", config_mode,
					strcmp(c.mode, config_mode) == 0, "%s", c.mode);
	}
}

/* libselinux returns -1 and sets errno on a read error, and -1 with errno
 * untouched on content it cannot parse. */
static const char *lib_error(int saved_errno)
{
	return saved_errno ? strerror(saved_errno) : "content is not a number";
}

static void describe_unknown_handling(const json_t *want, char *buf, size_t size)
{
	if (json_is_string(want)) {
		snprintf(buf, size, "%s", json_string_value(want));
		return;
	}
	size_t used = 0, i;
	const json_t *e;
	buf[0] = '\0';
	json_array_foreach(want, i, e) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? " or " : "",
				 json_string_value(e));
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

static bool unknown_handling_ok(const json_t *want, const char *actual)
{
	if (json_is_string(want))
		return strcmp(json_string_value(want), actual) == 0;
	size_t i;
	const json_t *e;
	json_array_foreach(want, i, e) if (strcmp(json_string_value(e), actual) == 0) return true;
	return false;
}

/* libselinux opens the selinuxfs files itself, blocking: check each is a
 * regular file (not a FIFO, not a link to a device) before it does. */
static int lib_file_check(struct host *h, const char *mnt, const char *name)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", mnt, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return host_check_file(h, path);
}

/* A selinuxfs flag file holding "0" or "1". */
static int read_flag(struct host *h, const char *mnt, const char *name, int *value, char *path,
		     size_t size)
{
	char v[32];
	snprintf(path, size, "%s/%s", mnt, name);
	int rc = host_read_value(h, path, v, sizeof(v));
	if (rc)
		return rc;
	if (strcmp(v, "0") == 0)
		*value = 0;
	else if (strcmp(v, "1") == 0)
		*value = 1;
	else
		return -EINVAL;
	return 0;
}

static void kernel_items(struct host *h, const struct selinux_lib *se, const char *mnt,
			 const json_t *params, struct check_result *r, struct unknowns *u)
{
	char path[PATH_MAX];
	const char *mode = param_str(params, "mode", NULL);
	if (mode) {
		errno = 0;
		int pre = lib_file_check(h, mnt, "enforce");
		int e = pre ? -1 : se->security_getenforce();
		if (pre)
			unreadable(r, u, "Current mode", mode, "cannot read %s/enforce: %s", mnt,
				   host_strerror(pre));
		else if (e < 0)
			unreadable(r, u, "Current mode", mode, "cannot read %s/enforce: %s", mnt,
				   lib_error(errno));
		else
			result_evidence(r, "Current mode", mode,
					strcmp(mode, e ? "enforcing" : "permissive") == 0, "%s",
					e ? "enforcing" : "permissive");
	}
	const json_t *mls = json_object_get(params, "mls");
	if (mls) {
		/* Read directly: is_selinux_mls_enabled() reports an unreadable
		 * file as "disabled". */
		int v = 0;
		int rc = read_flag(h, mnt, "mls", &v, path, sizeof(path));
		const char *want = json_is_true(mls) ? "enabled" : "disabled";
		if (rc)
			unreadable(r, u, "Policy MLS status", want, "cannot read %s: %s", path,
				   rc == -EINVAL ? "not 0 or 1" : host_strerror(rc));
		else
			result_evidence(r, "Policy MLS status", want, (v == 1) == json_is_true(mls),
					"%s", v ? "enabled" : "disabled");
	}
	const json_t *du = json_object_get(params, "deny_unknown");
	if (du) {
		char want[64];
		describe_unknown_handling(du, want, sizeof(want));
		/* reject_unknown (refuse to load a policy missing kernel classes)
		 * is the strictest; kernels before it existed have no file. */
		int reject_pre = lib_file_check(h, mnt, "reject_unknown");
		int deny_pre = lib_file_check(h, mnt, "deny_unknown");
		errno = 0;
		int reject = reject_pre ? -1 : se->security_reject_unknown();
		int reject_errno = reject_pre ? -reject_pre : errno;
		errno = 0;
		int deny = deny_pre ? -1 : se->security_deny_unknown();
		int deny_errno = deny_pre ? -deny_pre : errno;
		const char *actual = NULL;
		if (reject_pre && reject_pre != -ENOENT)
			unreadable(r, u, "Policy deny_unknown status", want,
				   "cannot read %s/reject_unknown: %s", mnt, host_strerror(reject_pre));
		else if (deny_pre)
			unreadable(r, u, "Policy deny_unknown status", want,
				   "cannot read %s/deny_unknown: %s", mnt, host_strerror(deny_pre));
		else if (reject == 1)
			actual = "rejected";
		else if (reject < 0 && reject_errno != ENOENT)
			unreadable(r, u, "Policy deny_unknown status", want,
				   "cannot read %s/reject_unknown: %s", mnt, lib_error(reject_errno));
		else if (deny < 0)
			unreadable(r, u, "Policy deny_unknown status", want,
				   "cannot read %s/deny_unknown: %s", mnt, lib_error(deny_errno));
		else
			actual = deny ? "denied" : "allowed";
		if (actual)
			result_evidence(r, "Policy deny_unknown status", want,
					unknown_handling_ok(du, actual), "%s", actual);
	}
	const json_t *crp = json_object_get(params, "checkreqprot");
	if (crp) {
		static const char *const names[] = {"actual (secure)", "requested (insecure)"};
		const char *want = names[json_integer_value(crp) ? 1 : 0];
		int v = 0;
		int rc = read_flag(h, mnt, "checkreqprot", &v, path, sizeof(path));
		if (rc)
			unreadable(r, u, "Memory protection checking", want, "cannot read %s: %s",
				   path, rc == -EINVAL ? "not 0 or 1" : host_strerror(rc));
		else
			result_evidence(r, "Memory protection checking", want,
					v == json_integer_value(crp), "%s", names[v]);
	}
}

static void selinux_run(struct host *h, const json_t *params, struct check_result *r)
{
	struct unknowns u = {.count = 0};
	struct mount_table *tb;
	int bad_line;
	int rc = mountinfo_load(h, &tb, &bad_line);
	if (rc) {
		if (rc == -EINVAL && bad_line)
			result_skip(r, OUTCOME_UNABLE, "%s line %d is not mountinfo syntax",
				    MOUNTINFO(h), bad_line);
		else
			result_skip(r, OUTCOME_UNABLE, "cannot read %s: %s", MOUNTINFO(h),
				    host_strerror(rc));
		return;
	}
	const struct mount_entry *fs = mountinfo_find_fstype(tb, "selinuxfs");
	char mnt[PATH_MAX] = "";
	if (fs)
		snprintf(mnt, sizeof(mnt), "%s", fs->target);
	mount_table_unref(tb);

	if (!mnt[0]) {
		bool listed = false;
		int frc = proc_filesystems_lists(h, "selinuxfs", &listed);
		const char *why =
			frc ? "no selinuxfs is mounted"
			: listed ? "the kernel has SELinux but selinuxfs is not mounted (SELinux was disabled at boot, e.g. selinux=0, or never initialised)"
				 : "this kernel has no SELinux (selinuxfs is not in /proc/filesystems)";
		result_evidence(r, "SELinux status", "enabled", false, "disabled: %s", why);
		config_items(h, params, r, &u);
		result_fail(r, "SELinux is not enabled: %s", why);
		return;
	}
	result_evidence(r, "SELinux status", "enabled", true, "enabled (selinuxfs mounted at %s)",
			mnt);

	/* libselinux reads the kernel's state from one global mount point:
	 * point it at this host's selinuxfs (under the root for a host tree). */
	char lib_mnt[PATH_MAX];
	if (host_path(h, mnt, lib_mnt, sizeof(lib_mnt))) {
		result_skip(r, OUTCOME_UNABLE, "path too long: %s", mnt);
		return;
	}
	/* libselinux is loaded here, for a host with selinuxfs mounted only. */
	char why[600];
	const struct selinux_lib *se = selinux_lib_get(why, sizeof(why));
	if (!se) {
		result_skip(r, OUTCOME_UNABLE, "cannot read the kernel's SELinux state: %s", why);
		return;
	}
	/* That mount point is process-wide: reports running concurrently in the
	 * daemon's threads take turns. */
	pthread_mutex_lock(&selinuxmnt_lock);
	se->fini_selinuxmnt();
	se->set_selinuxmnt(lib_mnt);

	config_items(h, params, r, &u);
	kernel_items(h, se, mnt, params, r, &u);
	pthread_mutex_unlock(&selinuxmnt_lock);

	size_t bad = 0;
	for (size_t i = 0; i < r->n_evidence; i++)
		bad += !r->evidence[i].ok;
	if (bad == u.count && u.count > 0)
		result_skip(r, OUTCOME_UNABLE, "%s", u.first);
	else
		result_from_evidence(r);
}

static int selinux_inputs(const json_t *params, struct check_inputs *out)
{
	(void)params;
	int rc = inputs_add(out, INPUT_SELINUX, "");
	if (!rc)
		rc = inputs_add(out, INPUT_PATH, SELINUX_CONFIG);
	if (!rc)
		rc = inputs_add(out, INPUT_MOUNTS, "");
	return rc;
}

const struct check_kind selinux_kind = {
	.name = "selinux",
	.summary = "SELinux is enabled, with the expected policy, modes, MLS, unknown-class handling and checkreqprot",
	.validate = selinux_validate,
	.run = selinux_run,
	.inputs = selinux_inputs,
};
