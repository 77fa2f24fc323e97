/* lockdown: the kernel lockdown LSM's selected mode.
 *
 * params: {"accept": ["integrity", "confidentiality"]}
 * securityfs shows the modes with the selected one in brackets:
 * "none [integrity] confidentiality". The check passes when the selected
 * mode is accepted. Confidentiality forbids everything integrity forbids
 * (and more), so the shipped profile accepts both; a profile that wants
 * the reference's exact behaviour accepts only "integrity".
 *
 * Bottlerocket mounts securityfs at boot; a host that has not (a plain
 * Debian machine) shows an empty /sys/kernel/security. On the live host,
 * as root, the check then mounts securityfs itself and says so in the
 * evidence: the mode is kernel state, the mount only makes it visible. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kernel_tables.h"
#include "params.h"
#include "proc_text.h"

#define SECURITYFS_DIR "/sys/kernel/security"
#define LOCKDOWN_FILE SECURITYFS_DIR "/lockdown"
#define LSM_FILE SECURITYFS_DIR "/lsm"
#define LOCKDOWN_MAX 256

static const char *const lockdown_modes[] = {"none", "integrity", "confidentiality", NULL};

static bool is_lockdown_mode(const char *s)
{
	for (size_t i = 0; lockdown_modes[i]; i++)
		if (strcmp(lockdown_modes[i], s) == 0)
			return true;
	return false;
}

static int lockdown_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"accept", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string_array(params, "accept", true, err);
	if (rc)
		return rc;
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(params, "accept"), i, e) {
		if (!is_lockdown_mode(json_string_value(e)))
			return param_fail(err, "accept",
					  "\"%s\" is not a lockdown mode (allowed: none, integrity, confidentiality)",
					  json_string_value(e));
	}
	return 0;
}

/* The one bracketed word of "none [integrity] confidentiality", into
 * selected. -EINVAL unless every word is a plain lowercase word and
 * exactly one is bracketed. */
int lockdown_parse_selected(const char *text, char *selected, size_t size)
{
	int found = 0;
	const char *p = text;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		bool bracket = *p == '[';
		if (bracket)
			p++;
		const char *w = p;
		while (*p >= 'a' && *p <= 'z')
			p++;
		size_t n = (size_t)(p - w);
		if (n == 0)
			return -EINVAL;
		if (bracket) {
			if (*p != ']' || n >= size)
				return -EINVAL;
			p++;
			memcpy(selected, w, n);
			selected[n] = '\0';
			found++;
		}
		if (*p && *p != ' ' && *p != '\t')
			return -EINVAL;
	}
	return found == 1 ? 0 : -EINVAL;
}

static void describe_accept(const json_t *accept, char *buf, size_t size)
{
	size_t used = 0, i;
	const json_t *e;
	buf[0] = '\0';
	json_array_foreach(accept, i, e) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? " or " : "",
				 json_string_value(e));
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

enum securityfs_state { SECFS_MOUNTED, SECFS_NOT_MOUNTED, SECFS_UNKNOWN };

static enum securityfs_state securityfs_state(struct host *h, char *why, size_t size)
{
	struct mount_table *tb;
	int bad_line;
	int rc = mountinfo_load(h, &tb, &bad_line);
	if (rc == -EINVAL && bad_line) {
		snprintf(why, size, "%s line %d is not mountinfo syntax", MOUNTINFO(h), bad_line);
		return SECFS_UNKNOWN;
	}
	if (rc) {
		snprintf(why, size, "cannot read %s: %s", MOUNTINFO(h), host_strerror(rc));
		return SECFS_UNKNOWN;
	}
	const struct mount_entry *fs = mountinfo_find_target(tb, SECURITYFS_DIR);
	const char *type = fs ? fs->fstype : NULL;
	enum securityfs_state st =
		type && strcmp(type, "securityfs") == 0 ? SECFS_MOUNTED : SECFS_NOT_MOUNTED;
	mount_table_unref(tb);
	return st;
}

/* securityfs is mounted but there is no lockdown file: the kernel has no
 * lockdown LSM. The lsm file names the LSMs it does have. */
static void fail_no_lockdown_lsm(struct host *h, const char *expected, struct check_result *r)
{
	char lsms[512];
	if (host_read_value(h, LSM_FILE, lsms, sizeof(lsms)) == 0)
		result_evidence(r, "lockdown mode", expected, false,
				"no lockdown LSM: securityfs has no lockdown file (active LSMs: %s)",
				lsms);
	else
		result_evidence(r, "lockdown mode", expected, false,
				"no lockdown LSM: securityfs has no lockdown file");
	result_fail(r, "the kernel has no lockdown LSM: securityfs is mounted at %s but has no lockdown file",
		    SECURITYFS_DIR);
}

static pthread_mutex_t mount_lock = PTHREAD_MUTEX_INITIALIZER;

static void lockdown_run(struct host *h, const json_t *params, struct check_result *r)
{
	const json_t *accept = json_object_get(params, "accept");
	char expected[128];
	describe_accept(accept, expected, sizeof(expected));

	char text[LOCKDOWN_MAX];
	int rc = host_read_value(h, LOCKDOWN_FILE, text, sizeof(text));
	if (rc == -ENOENT) {
		char why[256] = "";
		switch (securityfs_state(h, why, sizeof(why))) {
		case SECFS_UNKNOWN:
			result_skip(r, OUTCOME_UNABLE, "no %s, and cannot tell whether securityfs is mounted: %s",
				    LOCKDOWN_FILE, why);
			return;
		case SECFS_MOUNTED:
			fail_no_lockdown_lsm(h, expected, r);
			return;
		case SECFS_NOT_MOUNTED:
			break;
		}
		if (!h->live) {
			result_skip(r, OUTCOME_UNABLE,
				    "securityfs is not mounted at %s in this host tree, so the lockdown mode is not visible",
				    SECURITYFS_DIR);
			return;
		}
		bool listed = false;
		if (proc_filesystems_lists(h, "securityfs", &listed) == 0 && !listed) {
			result_evidence(r, "lockdown mode", expected, false,
					"no lockdown LSM: the kernel has no securityfs");
			result_fail(r, "the kernel has no securityfs, so no lockdown LSM");
			return;
		}
		if (geteuid() != 0) {
			result_skip(r, OUTCOME_UNABLE,
				    "securityfs is not mounted at %s and only root can mount it (mount -t securityfs securityfs %s)",
				    SECURITYFS_DIR, SECURITYFS_DIR);
			return;
		}
		char dir[PATH_MAX];
		rc = host_path(h, SECURITYFS_DIR, dir, sizeof(dir));
		/* Concurrent reports (the daemon's threads) must mount it once. */
		pthread_mutex_lock(&mount_lock);
		/* The memo holds this report's ENOENT: ask the file system. */
		host_forget(h, LOCKDOWN_FILE);
		bool mounted_meanwhile = !rc && host_read_value(h, LOCKDOWN_FILE, text, sizeof(text)) == 0;
		if (!rc && !mounted_meanwhile &&
		    mount("securityfs", dir, "securityfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			rc = -errno;
		pthread_mutex_unlock(&mount_lock);
		if (rc) {
			result_skip(r, OUTCOME_UNABLE, "securityfs is not mounted at %s and mounting it failed: %s",
				    SECURITYFS_DIR, host_strerror(rc));
			return;
		}
		result_evidence(r, "securityfs", "mounted at " SECURITYFS_DIR, true,
				"was not mounted; cisreport mounted it (as Bottlerocket does at boot)");
		/* What this report read before the mount is not the state now. */
		host_forget(h, LOCKDOWN_FILE);
		host_forget(h, LSM_FILE);
		host_forget(h, MOUNTINFO_PATH);
		rc = host_read_value(h, LOCKDOWN_FILE, text, sizeof(text));
		if (rc == -ENOENT) {
			fail_no_lockdown_lsm(h, expected, r);
			return;
		}
	}
	if (rc) {
		result_skip(r, OUTCOME_UNABLE, "cannot read %s: %s", LOCKDOWN_FILE, host_strerror(rc));
		return;
	}
	char selected[64];
	if (lockdown_parse_selected(text, selected, sizeof(selected)) < 0) {
		result_skip(r, OUTCOME_UNABLE,
			    "%s does not show one [selected] mode: \"%.80s\"", LOCKDOWN_FILE, text);
		return;
	}
	bool ok = false;
	size_t i;
	const json_t *e;
	json_array_foreach(accept, i, e) ok |= strcmp(json_string_value(e), selected) == 0;
	result_evidence(r, "lockdown mode", expected, ok, "%s (%s: %s)", selected, LOCKDOWN_FILE,
			text);
	result_from_evidence(r);
}

/* securityfs has no notifications: the lockdown state is a TTL input. */
static int lockdown_inputs(const json_t *params, struct check_inputs *out)
{
	(void)params;
	int rc = inputs_add(out, INPUT_KERNEL, LOCKDOWN_FILE);
	if (!rc)
		rc = inputs_add(out, INPUT_MOUNTS, "");
	return rc;
}

const struct check_kind lockdown_kind = {
	.name = "lockdown",
	.summary = "the kernel lockdown LSM's selected mode (securityfs) is an accepted one",
	.validate = lockdown_validate,
	.run = lockdown_run,
	.inputs = lockdown_inputs,
};
