/* dm_verity: the root filesystem is a verified, read-only dm-verity device.
 *
 * params: {"cmdline": ["root=/dev/dm-0"],            exact kernel arguments
 *          "dm_create_prefix": "root,,,ro,0",       dm-mod.create= starts so
 *          "dm_create_options": ["restart_on_corruption"], whole words in it
 *          "device": "root",                        device-mapper name
 *          "mountpoint": "/"}                       mounted ro from it
 *
 * Evidence, one item per part:
 *  - the kernel command line (<root>/proc/cmdline), split the way the
 *    kernel splits it (double quotes group; arguments after a lone "--" go
 *    to init and do not count);
 *  - the device's live table: verity targets only, carrying the options;
 *  - the device's live status: verity reports "V" (verified), "C" once a
 *    block failed verification;
 *  - the mount at mountpoint (<root>/proc/self/mountinfo, via libmount):
 *    from that device (by major:minor when known) and read-only.
 * Table and status come from libdevmapper on the live host. A host tree
 * carries what `dmsetup table <dev>` / `dmsetup status <dev>` printed in
 * <root>/.cisreport/dm/<dev>/table and /status, and the device number in
 * the kernel's own sysfs layout (<root>/sys/block/dm-N/dm/name, .../dev).
 * Without the device (no device-mapper, or no capture) its items are
 * recorded as not applicable and the command line decides. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>

#include "kernel_tables.h"
#include "params.h"
#include "proc_text.h"
#include "dynlib/lib_devmapper.h"

#define CMDLINE "/proc/cmdline"
#define PROC_DEVICES "/proc/devices"
#define DM_CAPTURE_DIR "/.cisreport/dm"
#define SYS_BLOCK "/sys/block"
#define DM_CREATE "dm-mod.create"
#define DM_TEXT_MAX (64u << 10)

static bool has_space(const char *s)
{
	for (; *s; s++)
		if (isspace((unsigned char)*s))
			return true;
	return false;
}

static bool is_dm_name(const char *s)
{
	if (!*s || strlen(s) >= 128 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || strchr("_-.+#", *s)))
			return false;
	return true;
}

static int words_param(const json_t *params, const char *key, struct param_error *err)
{
	int rc = param_string_array(params, key, false, err);
	if (rc)
		return rc;
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(params, key), i, e) {
		if (has_space(json_string_value(e)))
			return param_fail(err, key, "\"%s\" must be one word (no spaces)",
					  json_string_value(e));
	}
	return 0;
}

static int dm_verity_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"cmdline", "dm_create_prefix", "dm_create_options",
					      "device", "mountpoint", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = words_param(params, "cmdline", err);
	if (!rc)
		rc = param_string(params, "dm_create_prefix", false, err);
	if (!rc)
		rc = words_param(params, "dm_create_options", err);
	if (!rc)
		rc = param_string(params, "device", false, err);
	if (!rc)
		rc = param_string(params, "mountpoint", false, err);
	if (rc)
		return rc;
	const char *prefix = param_str(params, "dm_create_prefix", NULL);
	if (prefix && has_space(prefix))
		return param_fail(err, "dm_create_prefix", "must be one word (no spaces)");
	const char *dev = param_str(params, "device", NULL);
	if (dev && !is_dm_name(dev))
		return param_fail(err, "device",
				  "\"%s\" is not a device-mapper name (letters, digits, _-.+#)", dev);
	const char *mp = param_str(params, "mountpoint", NULL);
	if (mp && mp[0] != '/')
		return param_fail(err, "mountpoint", "must be an absolute path");
	if (mp && !dev)
		return param_fail(err, "mountpoint", "needs \"device\": the device it must be mounted from");
	if (!json_object_get(params, "cmdline") && !prefix &&
	    !json_object_get(params, "dm_create_options") && !dev)
		return param_fail(err, "", "must give at least one of cmdline, dm_create_prefix, dm_create_options, device");
	return 0;
}

/* ---- kernel command line ---- */

void cmdline_free(struct cmdline *c)
{
	for (size_t i = 0; i < c->n_kernel; i++)
		free(c->kernel[i]);
	for (size_t i = 0; i < c->n_init; i++)
		free(c->init[i]);
	free(c->kernel);
	free(c->init);
	memset(c, 0, sizeof(*c));
}

static int push(char ***v, size_t *n, char *s)
{
	if (!s)
		return -ENOMEM;
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

/* "param=val", without stdio: a command line has dozens of them. */
static char *join_param(const char *param, const char *val)
{
	size_t pl = strlen(param), vl = strlen(val);
	char *arg = malloc(pl + vl + 2);
	if (arg) {
		memcpy(arg, param, pl);
		arg[pl] = '=';
		memcpy(arg + pl + 1, val, vl + 1);
	}
	return arg;
}

/* The kernel's own splitting (lib/cmdline.c next_arg): whitespace ends an
 * argument outside double quotes; a quote opening the whole argument, or
 * opening its value, is dropped together with a quote that ends it. */
int cmdline_parse(char *text, struct cmdline *c)
{
	memset(c, 0, sizeof(*c));
	bool to_init = false;
	char *s = text;
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		bool in_quote = false, quoted = false;
		if (*s == '"') {
			s++;
			in_quote = quoted = true;
		}
		size_t i, equals = 0;
		bool has_equals = false;
		for (i = 0; s[i]; i++) {
			if (isspace((unsigned char)s[i]) && !in_quote)
				break;
			if (!has_equals && s[i] == '=') {
				has_equals = true;
				equals = i;
			}
			if (s[i] == '"')
				in_quote = !in_quote;
		}
		char *next = s[i] ? s + i + 1 : s + i;
		s[i] = '\0';
		const char *param = s, *val = NULL;
		if (has_equals) {
			s[equals] = '\0';
			val = s + equals + 1;
			if (*val == '"') {
				val++;
				if (s[i - 1] == '"')
					s[i - 1] = '\0';
			}
		}
		if (quoted && i > 0 && s[i - 1] == '"')
			s[i - 1] = '\0';
		int rc;
		if (!to_init && !val && strcmp(param, "--") == 0) {
			to_init = true;
			rc = 0;
		} else {
			char *arg = val ? join_param(param, val) : strdup(param);
			rc = to_init ? push(&c->init, &c->n_init, arg)
				     : push(&c->kernel, &c->n_kernel, arg);
		}
		if (rc) {
			cmdline_free(c);
			return rc;
		}
		s = next;
	}
	return 0;
}

static bool has_arg(char **v, size_t n, const char *arg)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], arg) == 0)
			return true;
	return false;
}

/* The value of the last "name=..." argument (the kernel keeps the last). */
static const char *last_value(char **v, size_t n, const char *name)
{
	size_t len = strlen(name);
	const char *found = NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(v[i], name, len) == 0 && v[i][len] == '=')
			found = v[i] + len + 1;
	return found;
}

static bool has_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = text; (p = strstr(p, word)); p++) {
		bool start = p == text || isspace((unsigned char)p[-1]);
		bool end = !p[n] || isspace((unsigned char)p[n]);
		if (start && end)
			return true;
	}
	return false;
}

/* Returns true when the command line could be read (items recorded). */
static bool cmdline_items(struct host *h, const json_t *params, struct check_result *r,
			  char *unknown, size_t usize)
{
	char *text;
	size_t len;
	int rc = host_read_file(h, CMDLINE, DM_TEXT_MAX, &text, &len);
	if (!rc && memchr(text, '\0', len)) {
		free(text);
		rc = -EINVAL;
	}
	if (rc) {
		snprintf(unknown, usize, "cannot read %s: %s", CMDLINE, host_strerror(rc));
		return false;
	}
	struct cmdline c;
	rc = cmdline_parse(text, &c);
	free(text);
	if (rc) {
		snprintf(unknown, usize, "cannot parse %s: %s", CMDLINE, strerror(-rc));
		return false;
	}
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(params, "cmdline"), i, e) {
		const char *want = json_string_value(e);
		char item[300];
		snprintf(item, sizeof(item), "cmdline %s", want);
		if (has_arg(c.kernel, c.n_kernel, want))
			result_evidence(r, item, "kernel argument present", true, "present");
		else if (has_arg(c.init, c.n_init, want))
			result_evidence(r, item, "kernel argument present", false,
					"absent (only after \"--\", which passes it to init, not the kernel)");
		else
			result_evidence(r, item, "kernel argument present", false, "absent");
	}

	const char *prefix = param_str(params, "dm_create_prefix", NULL);
	const json_t *options = json_object_get(params, "dm_create_options");
	if (prefix || options) {
		char expected[512] = "";
		size_t used = 0;
		if (prefix)
			used += (size_t)snprintf(expected, sizeof(expected), "starts with %s", prefix);
		json_array_foreach(options, i, e) {
			if (used < sizeof(expected))
				used += (size_t)snprintf(expected + used, sizeof(expected) - used,
							 "%s%s", used ? ", has " : "has ",
							 json_string_value(e));
		}
		const char *value = last_value(c.kernel, c.n_kernel, DM_CREATE);
		if (!value) {
			const char *late = last_value(c.init, c.n_init, DM_CREATE);
			result_evidence(r, "cmdline " DM_CREATE, expected, false, "%s",
					late ? "absent (only after \"--\", which passes it to init, not the kernel)"
					     : "absent");
		} else {
			char missing[256] = "";
			size_t mused = 0;
			json_array_foreach(options, i, e) {
				if (!has_word(value, json_string_value(e)) && mused < sizeof(missing))
					mused += (size_t)snprintf(missing + mused, sizeof(missing) - mused,
								  "%s%s", mused ? ", " : "",
								  json_string_value(e));
			}
			bool prefix_ok = !prefix || strncmp(value, prefix, strlen(prefix)) == 0;
			if (!prefix_ok)
				result_evidence(r, "cmdline " DM_CREATE, expected, false,
						"does not start with %s: %s", prefix, value);
			else if (missing[0])
				result_evidence(r, "cmdline " DM_CREATE, expected, false,
						"lacks %s: %s", missing, value);
			else
				result_evidence(r, "cmdline " DM_CREATE, expected, true, "%s", value);
		}
	}
	cmdline_free(&c);
	return true;
}

/* ---- the device-mapper device ---- */

struct dm_device {
	bool present;
	char absent_why[256];
	char *table, *status; /* "start length type params" lines, as dmsetup prints */
	bool have_devno;
	dev_t devno;
	char node[64]; /* "/dev/dm-N" when known */
};

static pthread_mutex_t dm_log_lock = PTHREAD_MUTEX_INITIALIZER;
static char dm_first_error[256];

/* libdevmapper's syslog-like log levels (not in its public header): errors
 * are 3 and below; bit 7 only asks for stderr. */
#define DM_LOG_ERR 3
#define DM_LOG_STDERR_BIT 0x80

/* libdevmapper logs through a global function; keep its first error for
 * the reason instead of letting it print on the report's stderr. */
__attribute__((format(printf, 5, 6))) static void
dm_log_capture(int level, const char *file, int line, int dm_errno_or_class, const char *f, ...)
{
	(void)file;
	(void)line;
	(void)dm_errno_or_class;
	if ((level & ~DM_LOG_STDERR_BIT) > DM_LOG_ERR || dm_first_error[0])
		return;
	va_list ap;
	va_start(ap, f);
	vsnprintf(dm_first_error, sizeof(dm_first_error), f, ap);
	va_end(ap);
}

/* Run one device-mapper ioctl on the device; table/status lines into *text. */
static int dm_query(const struct devmapper_lib *dm, int type, const char *name,
		    struct dm_info *info, char **text)
{
	struct dm_task *dmt = dm->task_create(type);
	if (!dmt)
		return -ENOMEM;
	int rc = 0;
	if (!dm->task_set_name(dmt, name) || !dm->task_no_open_count(dmt) || !dm->task_run(dmt) ||
	    !dm->task_get_info(dmt, info)) {
		rc = -EIO;
		goto out;
	}
	if (!text || !info->exists)
		goto out;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f) {
		rc = -ENOMEM;
		goto out;
	}
	void *next = NULL;
	do {
		uint64_t start, length;
		char *target = NULL, *params = NULL;
		next = dm->get_next_target(dmt, next, &start, &length, &target, &params);
		if (target)
			fprintf(f, "%" PRIu64 " %" PRIu64 " %s %s\n", start, length, target,
				params ? params : "");
	} while (next);
	if (fclose(f) != 0) {
		free(buf);
		rc = -ENOMEM;
		goto out;
	}
	*text = buf;
out:
	dm->task_destroy(dmt);
	return rc;
}

#define SYS_MISC "/sys/class/misc"
#define SYS_MISC_DM SYS_MISC "/device-mapper"

/* Does the kernel have device-mapper? Its control device registers as the
 * misc device "device-mapper" when its block major does, so where sysfs
 * shows the misc class, one stat of that entry answers; else /proc/devices
 * must list the block major (a 300-byte text the kernel formats on every
 * read, 20 times the cost of the stat). *how names what was looked at. */
static int kernel_has_dm(struct host *h, bool *has, const char **how)
{
	char path[PATH_MAX];
	struct stat st;
	*has = false;
	if (host_path(h, SYS_MISC, path, sizeof(path)) == 0 && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode) && host_path(h, SYS_MISC_DM, path, sizeof(path)) == 0) {
		if (lstat(path, &st) == 0) {
			*has = true;
			*how = SYS_MISC_DM;
			return 0;
		}
		if (errno == ENOENT) {
			*how = SYS_MISC_DM;
			return 0;
		}
	}
	*how = PROC_DEVICES;
	char *text;
	size_t len;
	int rc = host_read_file(h, PROC_DEVICES, HOST_MAX_FILE, &text, &len);
	if (rc)
		return rc;
	char *block = strstr(text, "Block devices:");
	if (block) {
		char *save = NULL;
		for (char *line = strtok_r(block, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			unsigned major;
			char name[64];
			if (sscanf(line, "%u %63s", &major, name) == 2 &&
			    strcmp(name, "device-mapper") == 0)
				*has = true;
		}
	}
	free(text);
	return block ? 0 : -EINVAL;
}

static int dm_live(struct host *h, const char *name, struct dm_device *d, char *unknown,
		   size_t usize)
{
	bool has = false;
	const char *how = PROC_DEVICES;
	int rc = kernel_has_dm(h, &has, &how);
	if (rc) {
		snprintf(unknown, usize, "cannot read %s: %s", how, host_strerror(rc));
		return rc;
	}
	if (!has) {
		snprintf(d->absent_why, sizeof(d->absent_why), "the kernel has no device-mapper (%s %s)",
			 strcmp(how, PROC_DEVICES) == 0 ? "not in" : "no", how);
		return 0;
	}
	char why[512];
	const struct devmapper_lib *dm = devmapper_lib_get(why, sizeof(why));
	if (!dm) {
		snprintf(unknown, usize, "cannot query device-mapper device %s: %s", name, why);
		return -ELIBACC;
	}
	/* libdevmapper's log function and our capture of it are process-wide:
	 * concurrent reports (the daemon's threads) take turns. */
	pthread_mutex_lock(&dm_log_lock);
	dm_first_error[0] = '\0';
	dm->log_with_errno_init(dm_log_capture);
	struct dm_info info;
	rc = dm_query(dm, DM_DEVICE_INFO, name, &info, NULL);
	if (!rc && info.exists) {
		d->present = true;
		d->have_devno = true;
		d->devno = makedev((unsigned)info.major, (unsigned)info.minor);
		snprintf(d->node, sizeof(d->node), "/dev/dm-%d", info.minor);
		rc = dm_query(dm, DM_DEVICE_TABLE, name, &info, &d->table);
		if (!rc)
			rc = dm_query(dm, DM_DEVICE_STATUS, name, &info, &d->status);
		if (!rc && (!d->table || !d->status)) {
			d->present = false;
			snprintf(d->absent_why, sizeof(d->absent_why),
				 "device-mapper device %s went away while being read", name);
		}
	} else if (!rc) {
		snprintf(d->absent_why, sizeof(d->absent_why), "no device-mapper device %s", name);
	}
	if (rc)
		snprintf(unknown, usize, "libdevmapper cannot query device %s: %s", name,
			 dm_first_error[0] ? dm_first_error : strerror(-rc));
	dm->log_with_errno_init(NULL);
	dm->lib_release();
	pthread_mutex_unlock(&dm_log_lock);
	return rc;
}

/* The kernel's sysfs names each dm device: /sys/block/dm-N/dm/name. */
static void dm_sysfs_devno(struct host *h, const char *name, struct dm_device *d)
{
	char dir[PATH_MAX];
	if (host_path(h, SYS_BLOCK, dir, sizeof(dir)))
		return;
	DIR *dp = opendir(dir);
	if (!dp)
		return;
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (strncmp(de->d_name, "dm-", 3) != 0)
			continue;
		char path[PATH_MAX], value[256];
		snprintf(path, sizeof(path), "%s/%s/dm/name", SYS_BLOCK, de->d_name);
		if (host_read_value(h, path, value, sizeof(value)) || strcmp(value, name) != 0)
			continue;
		snprintf(d->node, sizeof(d->node), "/dev/%s", de->d_name);
		snprintf(path, sizeof(path), "%s/%s/dev", SYS_BLOCK, de->d_name);
		unsigned major, minor;
		char extra;
		if (host_read_value(h, path, value, sizeof(value)) == 0 &&
		    sscanf(value, "%u:%u%c", &major, &minor, &extra) == 2) {
			d->have_devno = true;
			d->devno = makedev(major, minor);
		}
		break;
	}
	closedir(dp);
}

static int dm_captured(struct host *h, const char *name, struct dm_device *d, char *unknown,
		       size_t usize)
{
	char path[PATH_MAX];
	size_t len;
	snprintf(path, sizeof(path), "%s/%s/table", DM_CAPTURE_DIR, name);
	int rc = host_read_file(h, path, DM_TEXT_MAX, &d->table, &len);
	if (rc == -ENOENT) {
		snprintf(d->absent_why, sizeof(d->absent_why),
			 "no device-mapper device %s captured in this host tree (%s)", name, path);
		return 0;
	}
	if (!rc) {
		snprintf(path, sizeof(path), "%s/%s/status", DM_CAPTURE_DIR, name);
		rc = host_read_file(h, path, DM_TEXT_MAX, &d->status, &len);
	}
	if (rc) {
		snprintf(unknown, usize, "cannot read %s: %s", path, host_strerror(rc));
		return rc;
	}
	d->present = true;
	dm_sysfs_devno(h, name, d);
	return 0;
}

/* Split "start length type params" lines; -EINVAL on anything else. */
int dm_table_parse(char *text, struct dm_line *lines, size_t max, size_t *n)
{
	*n = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long start, length;
		int off = 0;
		if (*n == max)
			return -E2BIG;
		if (sscanf(line, "%llu %llu %63s %n", &start, &length, lines[*n].type, &off) != 3)
			return -EINVAL;
		lines[*n].params = line + off;
		(*n)++;
	}
	return *n ? 0 : -EINVAL;
}

static void trim_newline(char *s)
{
	size_t n = strlen(s);
	while (n && s[n - 1] == '\n')
		s[--n] = '\0';
}

static void dm_items(const char *name, struct dm_device *d, const json_t *options,
		     struct check_result *r, char *unknown, size_t usize)
{
	char item_table[200], item_status[200], expected[400] = "verity target";
	snprintf(item_table, sizeof(item_table), "dm table %s", name);
	snprintf(item_status, sizeof(item_status), "dm status %s", name);
	size_t i;
	const json_t *e;
	json_array_foreach(options, i, e) {
		size_t used = strlen(expected);
		snprintf(expected + used, sizeof(expected) - used, "%s%s", i ? ", " : " with ",
			 json_string_value(e));
	}
	if (!d->present) {
		result_evidence(r, item_table, expected, true, "not applicable: %s", d->absent_why);
		result_evidence(r, item_status, "verity V (verified)", true, "not applicable: %s",
				d->absent_why);
		return;
	}
	/* The shown text keeps the original lines; parsing works on a copy. */
	trim_newline(d->table);
	trim_newline(d->status);
	char *copy = strdup(d->table);
	struct dm_line lines[16];
	size_t n = 0;
	if (!copy) {
		snprintf(unknown, usize, "out of memory");
		return;
	}
	if (dm_table_parse(copy, lines, 16, &n)) {
		snprintf(unknown, usize, "the table of %s is not \"start length type params\" lines: \"%.80s\"",
			 name, d->table);
		result_evidence(r, item_table, expected, false, "unknown: unparseable table");
	} else {
		const char *bad = NULL;
		char missing[200] = "";
		for (size_t k = 0; k < n && !bad; k++) {
			if (strcmp(lines[k].type, "verity") != 0) {
				bad = lines[k].type;
				break;
			}
			json_array_foreach(options, i, e) {
				size_t used = strlen(missing);
				if (!has_word(lines[k].params, json_string_value(e)))
					snprintf(missing + used, sizeof(missing) - used, "%s%s",
						 used ? ", " : "", json_string_value(e));
			}
		}
		if (bad)
			result_evidence(r, item_table, expected, false, "%s target, not verity: %s",
					bad, d->table);
		else if (missing[0])
			result_evidence(r, item_table, expected, false, "verity without %s: %s",
					missing, d->table);
		else
			result_evidence(r, item_table, expected, true, "%s", d->table);
	}
	free(copy);

	copy = strdup(d->status);
	if (!copy) {
		snprintf(unknown, usize, "out of memory");
		return;
	}
	if (dm_table_parse(copy, lines, 16, &n)) {
		if (!unknown[0])
			snprintf(unknown, usize,
				 "the status of %s is not \"start length type status\" lines: \"%.80s\"",
				 name, d->status);
		result_evidence(r, item_status, "verity V (verified)", false,
				"unknown: unparseable status");
		free(copy);
		return;
	}
	/* verity's status is "V" or "C", then the FEC correction count or "-". */
	const char *verdict = "verified";
	bool ok = true;
	for (size_t k = 0; k < n; k++) {
		char flag[16] = "";
		sscanf(lines[k].params, "%15s", flag);
		if (strcmp(lines[k].type, "verity") != 0) {
			ok = false;
			verdict = "not a verity target";
		} else if (strcmp(flag, "C") == 0) {
			ok = false;
			verdict = "corrupted: a block failed verification";
		} else if (strcmp(flag, "V") != 0) {
			if (!unknown[0])
				snprintf(unknown, usize, "unrecognised verity status of %s: \"%.80s\"",
					 name, d->status);
			ok = false;
			verdict = "unknown: unrecognised verity status";
		}
	}
	if (ok)
		result_evidence(r, item_status, "verity V (verified)", true, "%s (%s)", d->status,
				verdict);
	else
		result_evidence(r, item_status, "verity V (verified)", false, "%s (%s)", verdict,
				d->status);
	free(copy);
}

/* ---- the mount ---- */

static void mount_item(struct host *h, const char *mountpoint, const char *name,
		       const struct dm_device *d, struct check_result *r, char *unknown,
		       size_t usize)
{
	char item[PATH_MAX + 16], expected[256];
	snprintf(item, sizeof(item), "mount %s", mountpoint);
	snprintf(expected, sizeof(expected), "read-only from device-mapper device %s%s%s%s", name,
		 d->node[0] ? " (" : "", d->node, d->node[0] ? ")" : "");
	struct mount_table *tb;
	int bad_line;
	int rc = mountinfo_load(h, &tb, &bad_line);
	if (rc) {
		char why[256];
		if (rc == -EINVAL && bad_line)
			snprintf(why, sizeof(why), "%s line %d is not mountinfo syntax", MOUNTINFO(h),
				 bad_line);
		else
			snprintf(why, sizeof(why), "cannot read %s: %s", MOUNTINFO(h),
				 host_strerror(rc));
		if (!d->present) {
			result_evidence(r, item, expected, true, "not applicable: %s (and %s)",
					d->absent_why, why);
			return;
		}
		if (!unknown[0])
			snprintf(unknown, usize, "%s", why);
		result_evidence(r, item, expected, false, "unknown: %s", why);
		return;
	}
	const struct mount_entry *fs = mountinfo_find_target(tb, mountpoint);
	if (!fs) {
		result_evidence(r, item, expected, !d->present, "%snothing is mounted at %s",
				d->present ? "" : "not applicable: ", mountpoint);
		mount_table_unref(tb);
		return;
	}
	const char *source = fs->source;
	const char *fstype = fs->fstype;
	const char *vfs = fs->vfs_options;
	dev_t devno = fs->devno;
	bool ro = mount_option_set(vfs, "ro");
	char found[PATH_MAX + 300];
	snprintf(found, sizeof(found), "%s (%u:%u, %s), options %s, %s", source, major(devno),
		 minor(devno), fstype, vfs, ro ? "read-only" : "read-write");
	if (!d->present) {
		result_evidence(r, item, expected, true, "not applicable: %s; %s is %s",
				d->absent_why, mountpoint, found);
		mount_table_unref(tb);
		return;
	}
	char mapper[200];
	snprintf(mapper, sizeof(mapper), "/dev/mapper/%s", name);
	bool from_device;
	if (d->have_devno)
		from_device = devno == d->devno;
	else if (strcmp(source, mapper) == 0 || (d->node[0] && strcmp(source, d->node) == 0))
		from_device = true;
	else {
		if (!unknown[0])
			snprintf(unknown, usize,
				 "cannot tell whether %s (mounted at %s) is device-mapper device %s: its device number is unknown (no %s/dm-*/dm/name naming it)",
				 source, mountpoint, name, SYS_BLOCK);
		result_evidence(r, item, expected, false, "unknown: %s", found);
		mount_table_unref(tb);
		return;
	}
	if (!from_device)
		result_evidence(r, item, expected, false, "not from %s: %s", name, found);
	else
		result_evidence(r, item, expected, ro, "%s", found);
	mount_table_unref(tb);
}

static void dm_verity_run(struct host *h, const json_t *params, struct check_result *r)
{
	char unknown[512] = "";
	size_t n_unknown_items = 0;
	if (!cmdline_items(h, params, r, unknown, sizeof(unknown))) {
		result_skip(r, OUTCOME_UNABLE, "%s", unknown);
		return;
	}
	const char *name = param_str(params, "device", NULL);
	if (name) {
		struct dm_device d = {0};
		int rc = h->live ? dm_live(h, name, &d, unknown, sizeof(unknown))
				 : dm_captured(h, name, &d, unknown, sizeof(unknown));
		if (rc) {
			char table_item[200], status_item[200];
			snprintf(table_item, sizeof(table_item), "dm table %s", name);
			snprintf(status_item, sizeof(status_item), "dm status %s", name);
			result_evidence(r, table_item, "verity target", false, "unknown: %s", unknown);
			result_evidence(r, status_item, "verity V (verified)", false, "unknown: %s",
					unknown);
		} else {
			dm_items(name, &d, json_object_get(params, "dm_create_options"), r, unknown,
				 sizeof(unknown));
			const char *mp = param_str(params, "mountpoint", NULL);
			if (mp)
				mount_item(h, mp, name, &d, r, unknown, sizeof(unknown));
		}
		free(d.table);
		free(d.status);
	}
	/* A plain failure is a FAIL even when some other part was unknowable. */
	size_t bad = 0;
	for (size_t i = 0; i < r->n_evidence; i++) {
		if (r->evidence[i].ok)
			continue;
		if (strncmp(r->evidence[i].actual, "unknown: ", 9) == 0)
			n_unknown_items++;
		else
			bad++;
	}
	if (!bad && n_unknown_items)
		result_skip(r, OUTCOME_UNABLE, "%s", unknown);
	else
		result_from_evidence(r);
}

/* The mount table and the device-mapper devices (no notification: a TTL
 * input); the kernel command line is fixed at boot. */
static int dm_verity_inputs(const json_t *params, struct check_inputs *out)
{
	(void)params;
	int rc = inputs_add(out, INPUT_MOUNTS, "");
	if (!rc)
		rc = inputs_add(out, INPUT_KERNEL, SYS_BLOCK);
	return rc;
}

const struct check_kind dm_verity_kind = {
	.name = "dm_verity",
	.summary = "the kernel command line sets up dm-verity, the root device is a verified verity target, and it is mounted read-only",
	.validate = dm_verity_validate,
	.run = dm_verity_run,
	.inputs = dm_verity_inputs,
};
