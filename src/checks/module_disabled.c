/* module_disabled: a kernel module that must be impossible to load.
 *
 * params: {"module": "udf",
 *          "install_commands": ["/bin/true", ...],   (optional)
 *          "filesystem": "udf",                      (optional)
 *          "protocol": "SCTP"}                       (optional)
 *
 * PASS needs all of:
 *  - not loaded: the module's name is not a name field of /proc/modules;
 *  - not built in: a built-in module is always there and cannot be disabled.
 *    Evidence for "built in": modules.builtin of the running release,
 *    /sys/module/<name> while not loaded, and — because /sys/module only
 *    shows built-ins that have parameters — the filesystem type or socket
 *    protocol the module registers (/proc/filesystems, /proc/net/protocols)
 *    when the profile names one;
 *  - uninstallable: modprobe's configuration (read by libkmod from the
 *    modprobe.d directories under the root) gives the module an install
 *    command whose program is one of install_commands. A "blacklist" line
 *    alone only stops loading by alias; "modprobe udf" still loads it.
 * A kernel without loadable module support (no /proc/modules) cannot load
 * anything, so the modprobe configuration does not matter there. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernel_tables.h"
#include "params.h"
#include "proc_text.h"
#include "dynlib/lib_kmod.h"
#include "util/safe_file.h"

#define PROC_MODULES "/proc/modules"
#define OSRELEASE "/proc/sys/kernel/osrelease"
#define PROC_FILESYSTEMS "/proc/filesystems"
#define PROC_PROTOCOLS "/proc/net/protocols"
/* The kernel's MODULE_NAME_LEN is 64 including the NUL. */
#define MODULE_NAME_MAX 56

static const char *const default_install_commands[] = {"/bin/true", "/bin/false",
						       "/usr/bin/true", "/usr/bin/false", NULL};

/* Where kmod (and so modprobe) reads configuration, in its priority order. */
static const char *const modprobe_dirs[] = {"/etc/modprobe.d", "/run/modprobe.d",
					    "/usr/local/lib/modprobe.d", "/usr/lib/modprobe.d",
					    "/lib/modprobe.d", NULL};

static bool is_module_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= MODULE_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!(*p == '_' || *p == '-' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return false;
	return true;
}

static bool is_plain_word(const char *s)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '/')
			return false;
	return true;
}

static int module_disabled_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"module", "install_commands", "filesystem",
					      "protocol", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string(params, "module", true, err);
	if (!rc)
		rc = param_string_array(params, "install_commands", false, err);
	if (!rc)
		rc = param_string(params, "filesystem", false, err);
	if (!rc)
		rc = param_string(params, "protocol", false, err);
	if (rc)
		return rc;
	if (!is_module_name(param_str(params, "module", "")))
		return param_fail(err, "module",
				  "must be a module name (letters, digits, '_' or '-', under %d characters)",
				  MODULE_NAME_MAX);
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(params, "install_commands"), i, e) {
		const char *c = json_string_value(e);
		if (c[0] != '/' || strpbrk(c, " \t\n"))
			return param_fail(err, "install_commands",
					  "\"%s\" must be an absolute program path without arguments", c);
	}
	const char *fs = param_str(params, "filesystem", NULL);
	if (fs && !is_plain_word(fs))
		return param_fail(err, "filesystem", "must be one filesystem type name, as in /proc/filesystems");
	const char *proto = param_str(params, "protocol", NULL);
	if (proto && !is_plain_word(proto))
		return param_fail(err, "protocol", "must be one protocol name, as in /proc/net/protocols");
	return 0;
}

/* Module names are compared the way the kernel stores them: '-' as '_'. */
static void normalize(const char *in, char *out, size_t size)
{
	size_t i = 0;
	for (; in[i] && i + 1 < size; i++)
		out[i] = in[i] == '-' ? '_' : in[i];
	out[i] = '\0';
}

/* A problem that makes the verdict unknowable: first one wins. */
struct probe {
	struct host *h;
	struct check_result *r;
	const char *module; /* normalized */
	char skip[512];
};

__attribute__((format(printf, 2, 3))) static void set_skip(struct probe *p, const char *fmt, ...)
{
	if (p->skip[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->skip, sizeof(p->skip), fmt, ap);
	va_end(ap);
}

enum load_state { MOD_NOT_LOADED, MOD_LOADED, MOD_NO_SUPPORT, MOD_UNKNOWN };

/* Find the module by exact name in /proc/modules ("name size refs deps
 * state addr"): a substring match would take "udf_extra" for "udf". */
static enum load_state probe_loaded(struct probe *p, char *line_out, size_t size)
{
	char *text;
	size_t len;
	int rc = host_read_file(p->h, PROC_MODULES, HOST_MAX_FILE, &text, &len);
	if (rc == -ENOENT)
		return MOD_NO_SUPPORT;
	if (rc) {
		set_skip(p, "cannot read %s: %s", PROC_MODULES, host_strerror(rc));
		return MOD_UNKNOWN;
	}
	enum load_state st = MOD_NOT_LOADED;
	if (memchr(text, '\0', len)) {
		set_skip(p, "%s is not text", PROC_MODULES);
		free(text);
		return MOD_UNKNOWN;
	}
	size_t bad = 0;
	const char *bad_text = "";
	int found = proc_modules_find(text, p->module, line_out, size, &bad, &bad_text);
	if (found < 0) {
		set_skip(p, "%s line %zu is not \"name size refcount ...\": %.60s", PROC_MODULES,
			 bad, bad_text);
		st = MOD_UNKNOWN;
	} else if (found) {
		st = MOD_LOADED;
	}
	free(text);
	return st;
}

int proc_modules_find(char *text, const char *module, char *line_out, size_t size,
		      size_t *bad_line, const char **bad_text)
{
	int found = 0;
	size_t lineno = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char name[128], size_field[32];
		char rest_check;
		if (sscanf(line, "%127s %31s %c", name, size_field, &rest_check) != 3 ||
		    strspn(size_field, "0123456789") != strlen(size_field)) {
			*bad_line = lineno;
			*bad_text = line;
			return -EINVAL;
		}
		if (strcmp(name, module) == 0) {
			found = 1;
			snprintf(line_out, size, "%s", line);
		}
	}
	return found;
}

/* Does a listing (one entry per line) name the module? For modules.builtin
 * each line is a path "kernel/fs/udf/udf.ko". */
static int builtin_listed(struct probe *p, const char *path, bool *listed, char *entry,
			  size_t size)
{
	char *text;
	size_t len;
	int rc = host_read_file(p->h, path, HOST_MAX_FILE, &text, &len);
	if (rc)
		return rc;
	*listed = false;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *base = strrchr(line, '/');
		base = base ? base + 1 : line;
		char name[MODULE_NAME_MAX + 8];
		normalize(base, name, sizeof(name));
		char *dot = strstr(name, ".ko");
		if (!dot)
			continue;
		*dot = '\0';
		if (strcmp(name, p->module) == 0) {
			*listed = true;
			snprintf(entry, size, "%s", line);
			break;
		}
	}
	free(text);
	return 0;
}

/* /proc/net/protocols: a header line, then one protocol per line, name first. */
static int protocol_registered(struct probe *p, const char *proto, bool *listed)
{
	char *text;
	size_t len;
	int rc = host_read_file(p->h, PROC_PROTOCOLS, HOST_MAX_FILE, &text, &len);
	if (rc)
		return rc;
	*listed = false;
	char *save = NULL;
	char *line = strtok_r(text, "\n", &save);
	if (!line || strncmp(line, "protocol", 8) != 0) {
		free(text);
		return -EINVAL;
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		char name[64];
		if (sscanf(line, "%63s", name) == 1 && strcmp(name, proto) == 0)
			*listed = true;
	}
	free(text);
	return 0;
}

static int path_exists(const struct host *h, const char *abs, bool *exists)
{
	char path[PATH_MAX];
	int rc = host_path(h, abs, path, sizeof(path));
	if (rc)
		return rc;
	struct stat st;
	if (stat(path, &st) == 0) {
		*exists = true;
		return 0;
	}
	if (errno == ENOENT || errno == ENOTDIR) {
		*exists = false;
		return 0;
	}
	return -errno;
}

static void append(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used >= size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

/* Records the "built-in" item; returns true when the module is built in. */
static bool probe_builtin(struct probe *p, const json_t *params, const char *release,
			  bool loaded)
{
	char why[512] = "", checked[768] = "";
	char path[PATH_MAX], entry[256];
	bool listed = false;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", release);
	int rc = builtin_listed(p, path, &listed, entry, sizeof(entry));
	if (rc == -ENOENT) {
		append(checked, sizeof(checked), "no %s", path);
	} else if (rc) {
		set_skip(p, "cannot read %s: %s", path, host_strerror(rc));
		return false;
	} else if (listed) {
		snprintf(why, sizeof(why), "%s lists %s", path, entry);
	} else {
		append(checked, sizeof(checked), "not in %s", path);
	}
	/* A loaded module also has /sys/module/<name> and registers its
	 * filesystem or protocol, so these tell "built in" only while it is not
	 * loaded. */
	if (!why[0] && !loaded) {
		char sysmod[PATH_MAX];
		bool exists = false;
		snprintf(sysmod, sizeof(sysmod), "/sys/module/%s", p->module);
		rc = path_exists(p->h, sysmod, &exists);
		if (rc) {
			set_skip(p, "cannot look up %s: %s", sysmod, host_strerror(rc));
			return false;
		}
		if (exists)
			snprintf(why, sizeof(why), "%s exists although the module is not loaded", sysmod);
		else
			append(checked, sizeof(checked), ", no %s", sysmod);
	}
	const char *fs = param_str(params, "filesystem", NULL);
	if (!why[0] && !loaded && fs) {
		bool registered = false;
		rc = proc_filesystems_lists(p->h, fs, &registered);
		if (rc == -EINVAL) {
			set_skip(p, "%s is not in its usual format", PROC_FILESYSTEMS);
			return false;
		}
		if (rc) {
			set_skip(p, "cannot read %s: %s", PROC_FILESYSTEMS, host_strerror(rc));
			return false;
		}
		if (registered)
			snprintf(why, sizeof(why),
				 "%s lists filesystem %s although the module is not loaded",
				 PROC_FILESYSTEMS, fs);
		else
			append(checked, sizeof(checked), ", %s not in %s", fs, PROC_FILESYSTEMS);
	}
	const char *proto = param_str(params, "protocol", NULL);
	if (!why[0] && !loaded && proto) {
		bool registered = false;
		rc = protocol_registered(p, proto, &registered);
		if (rc == -EINVAL) {
			set_skip(p, "%s is not in its usual format", PROC_PROTOCOLS);
			return false;
		}
		if (rc) {
			set_skip(p, "cannot read %s: %s", PROC_PROTOCOLS, host_strerror(rc));
			return false;
		}
		if (registered)
			snprintf(why, sizeof(why),
				 "%s lists protocol %s although the module is not loaded",
				 PROC_PROTOCOLS, proto);
		else
			append(checked, sizeof(checked), ", %s not in %s", proto, PROC_PROTOCOLS);
	}
	if (why[0]) {
		result_evidence(p->r, "built-in", "not built into the kernel", false,
				"built into the kernel (%s), cannot be disabled", why);
		return true;
	}
	result_evidence(p->r, "built-in", "not built into the kernel", true, "not built in: %s",
			checked);
	return false;
}

/* What identifies a state of the modprobe configuration: every directory
 * kmod reads (or that it is absent) and each *.conf in it, by inode, size,
 * and change and modification times (64 bits of FNV-1a over them); and the
 * newest of those times. */
struct conf_print {
	uint64_t hash;
	time_t newest;
};

static void print_add(struct conf_print *print, const void *data, size_t n)
{
	const unsigned char *b = data;
	for (size_t i = 0; i < n; i++)
		print->hash = (print->hash ^ b[i]) * 0x100000001b3ull;
}

static void print_stat(struct conf_print *print, const struct stat *st)
{
	const uint64_t f[] = {(uint64_t)st->st_dev,          (uint64_t)st->st_ino,
			      (uint64_t)st->st_size,         (uint64_t)st->st_mode,
			      (uint64_t)st->st_mtim.tv_sec,  (uint64_t)st->st_mtim.tv_nsec,
			      (uint64_t)st->st_ctim.tv_sec,  (uint64_t)st->st_ctim.tv_nsec};
	print_add(print, f, sizeof(f));
	if (st->st_mtim.tv_sec > print->newest)
		print->newest = st->st_mtim.tv_sec;
	if (st->st_ctim.tv_sec > print->newest)
		print->newest = st->st_ctim.tv_sec;
}

/* kmod silently skips a configuration file it cannot open, which would
 * make a hidden "install udf /bin/true" look absent. Find such files
 * first, in the same places and with the same name filter kmod uses;
 * *print identifies what was found (print_stat). */
static int find_unreadable_config(struct probe *p, struct conf_print *print)
{
	print->hash = 0xcbf29ce484222325ull;
	print->newest = 0;
	for (size_t i = 0; modprobe_dirs[i]; i++) {
		char dir[PATH_MAX];
		int rc = host_path(p->h, modprobe_dirs[i], dir, sizeof(dir));
		if (rc)
			return rc;
		print_add(print, &i, sizeof(i));
		struct stat st;
		if (stat(dir, &st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			set_skip(p, "cannot look up %s: %s", modprobe_dirs[i], strerror(errno));
			return -errno;
		}
		print_stat(print, &st);
		if (!S_ISDIR(st.st_mode)) {
			int crc = safe_check(AT_FDCWD, dir, 0);
			if (crc) {
				set_skip(p, "cannot read %s: %s", modprobe_dirs[i], safe_strerror(crc));
				return crc;
			}
			continue;
		}
		DIR *d = opendir(dir);
		if (!d) {
			set_skip(p, "cannot read %s: %s", modprobe_dirs[i], strerror(errno));
			return -errno;
		}
		struct dirent *de;
		int bad = 0;
		while (!bad && (de = readdir(d))) {
			size_t n = strlen(de->d_name);
			if (de->d_name[0] == '.' || n < 5 || strcmp(de->d_name + n - 5, ".conf") != 0)
				continue;
			/* kmod follows links and reads what it opens to the end: a
			 * FIFO would block it, /dev/zero never ends. Only regular
			 * files go to kmod; it skips directories itself. */
			int crc = safe_check(dirfd(d), de->d_name, 0);
			struct stat fst;
			if (!crc && fstatat(dirfd(d), de->d_name, &fst, 0) == 0) {
				print_add(print, de->d_name, n + 1);
				print_stat(print, &fst);
			}
			if (!crc || crc == -EISDIR || crc == -ENOENT)
				continue;
			bad = crc;
			set_skip(p, "cannot read %s/%s: %s", modprobe_dirs[i], de->d_name,
				 safe_strerror(crc));
		}
		closedir(d);
		if (bad)
			return bad;
	}
	return 0;
}

static void quiet_kmod_log(void *data, int priority, const char *file, int line,
			   const char *fn, const char *format, va_list args)
{
	(void)data;
	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	(void)format;
	(void)args;
}

/* The install command's program must be an accepted one, and nothing else
 * may run: modprobe hands the command to /bin/sh, so "/bin/true; insmod x"
 * would still load code. */
static bool install_command_disables(const char *cmd, const json_t *accepted)
{
	while (*cmd == ' ' || *cmd == '\t')
		cmd++;
	size_t prog_len = strcspn(cmd, " \t");
	const char *args = cmd + prog_len;
	if (strpbrk(args, ";&|`$()<>\\\"'{}*?[]~\n#"))
		return false;
	size_t i;
	const json_t *e;
	if (accepted) {
		json_array_foreach(accepted, i, e) {
			const char *a = json_string_value(e);
			if (strlen(a) == prog_len && strncmp(cmd, a, prog_len) == 0)
				return true;
		}
		return false;
	}
	for (i = 0; default_install_commands[i]; i++)
		if (strlen(default_install_commands[i]) == prog_len &&
		    strncmp(cmd, default_install_commands[i], prog_len) == 0)
			return true;
	return false;
}

static void describe_accepted(const json_t *accepted, char *buf, size_t size)
{
	buf[0] = '\0';
	size_t i;
	const json_t *e;
	if (accepted) {
		json_array_foreach(accepted, i, e)
			append(buf, size, "%s%s", i ? " or " : "", json_string_value(e));
		return;
	}
	for (i = 0; default_install_commands[i]; i++)
		append(buf, size, "%s%s", i ? " or " : "", default_install_commands[i]);
}

static bool is_blacklisted(const struct kmod_lib *k, struct kmod_ctx *ctx, const char *module)
{
	struct kmod_config_iter *it = k->config_get_blacklists(ctx);
	bool found = false;
	while (!found && k->config_iter_next(it)) {
		char name[MODULE_NAME_MAX + 8];
		normalize(k->config_iter_get_key(it), name, sizeof(name));
		found = strcmp(name, module) == 0;
	}
	k->config_iter_free_iter(it);
	return found;
}

/* Records the "install command" item from the modprobe configuration. */
/* One libkmod context for the process, kept while the configuration it
 * read is unchanged: cisreportd re-evaluates the report again and again,
 * and a report has several module checks; each would read and parse every
 * modprobe.d file again. Keyed on the directories (under the host's root)
 * and the print of what is in them (find_unreadable_config), so a change,
 * even between two checks of one report, reads it anew. File times are
 * coarse (a kernel tick): a file changed twice within one tick, keeping
 * its size, would keep its print; so, as git does with its index, a
 * configuration changed in the last KEPT_RACY_SECONDS is read afresh every
 * time and not kept. A context is not thread-safe: the kept one is used
 * under the lock, until kept_ctx_put. */
#define KEPT_RACY_SECONDS 2
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kmod_ctx *kept_ctx;
static uint64_t kept_hash;

/* The context to read the configuration at moddir and paths with; *fresh
 * says it is the caller's own (racy) rather than the kept one. */
static struct kmod_ctx *kept_ctx_get(const struct kmod_lib *k, const char *moddir,
				     const char *const *paths, struct conf_print print,
				     bool *fresh)
{
	/* the places read are part of what the context stands for */
	print_add(&print, moddir, strlen(moddir) + 1);
	for (size_t i = 0; paths[i]; i++)
		print_add(&print, paths[i], strlen(paths[i]) + 1);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	*fresh = print.newest + KEPT_RACY_SECONDS >= now.tv_sec;
	if (*fresh) {
		struct kmod_ctx *ctx = k->new(moddir, paths);
		if (ctx)
			k->set_log_fn(ctx, quiet_kmod_log, NULL);
		return ctx;
	}
	pthread_mutex_lock(&kept_lock);
	if (kept_ctx && kept_hash == print.hash)
		return kept_ctx;
	if (kept_ctx) {
		k->unref(kept_ctx);
		kept_ctx = NULL;
	}
	kept_ctx = k->new(moddir, paths);
	if (!kept_ctx) {
		pthread_mutex_unlock(&kept_lock);
		return NULL;
	}
	k->set_log_fn(kept_ctx, quiet_kmod_log, NULL);
	kept_hash = print.hash;
	return kept_ctx;
}

static void kept_ctx_put(const struct kmod_lib *k, struct kmod_ctx *ctx, bool fresh)
{
	if (fresh)
		k->unref(ctx);
	else
		pthread_mutex_unlock(&kept_lock);
}

static void probe_install_command(struct probe *p, const json_t *params, const char *release)
{
	const json_t *accepted = json_object_get(params, "install_commands");
	char expected[512], list[400];
	describe_accepted(accepted, list, sizeof(list));
	snprintf(expected, sizeof(expected), "install %s %s", p->module, list);
	struct conf_print print;
	if (find_unreadable_config(p, &print))
		return;

	char moddir[PATH_MAX], abs[PATH_MAX];
	char dirs[5][PATH_MAX];
	const char *paths[6];
	snprintf(abs, sizeof(abs), "/lib/modules/%s", release);
	if (host_path(p->h, abs, moddir, sizeof(moddir))) {
		set_skip(p, "path too long: %s", abs);
		return;
	}
	size_t n = 0;
	for (; modprobe_dirs[n]; n++) {
		if (host_path(p->h, modprobe_dirs[n], dirs[n], sizeof(dirs[n]))) {
			set_skip(p, "path too long: %s", modprobe_dirs[n]);
			return;
		}
		paths[n] = dirs[n];
	}
	paths[n] = NULL;
	char why[512];
	const struct kmod_lib *k = kmod_lib_get(why, sizeof(why));
	if (!k) {
		set_skip(p, "cannot read the modprobe configuration: %s", why);
		return;
	}
	bool fresh;
	struct kmod_ctx *ctx = kept_ctx_get(k, moddir, paths, print, &fresh);
	if (!ctx) {
		set_skip(p, "libkmod could not read the modprobe configuration");
		return;
	}
	struct kmod_module *mod = NULL;
	int rc = k->module_new_from_name(ctx, p->module, &mod);
	if (rc < 0) {
		set_skip(p, "libkmod: cannot look up module %s: %s", p->module, strerror(-rc));
		kept_ctx_put(k, ctx, fresh);
		return;
	}
	const char *cmd = k->module_get_install_commands(mod);
	if (cmd && install_command_disables(cmd, accepted)) {
		result_evidence(p->r, "install command", expected, true, "install %s %s", p->module,
				cmd);
	} else if (cmd) {
		result_evidence(p->r, "install command", expected, false,
				"install %s %s (runs something other than a disabling command)",
				p->module, cmd);
	} else if (is_blacklisted(k, ctx, p->module)) {
		result_evidence(p->r, "install command", expected, false,
				"none; only \"blacklist %s\", which stops loading by alias but not an explicit \"modprobe %s\"",
				p->module, p->module);
	} else {
		result_evidence(p->r, "install command", expected, false,
				"none: \"modprobe %s\" would load it", p->module);
	}
	k->module_unref(mod);
	kept_ctx_put(k, ctx, fresh);
}

static void module_disabled_run(struct host *h, const json_t *params, struct check_result *r)
{
	char module[MODULE_NAME_MAX];
	normalize(param_str(params, "module", ""), module, sizeof(module));
	struct probe p = {.h = h, .r = r, .module = module};

	char release[256];
	int rc = host_read_value(h, OSRELEASE, release, sizeof(release));
	if (rc) {
		result_skip(r, OUTCOME_UNABLE, "cannot read %s: %s", OSRELEASE, host_strerror(rc));
		return;
	}
	if (!is_plain_word(release)) {
		result_skip(r, OUTCOME_UNABLE, "%s does not hold a kernel release: \"%.60s\"",
			    OSRELEASE, release);
		return;
	}

	char line[256] = "";
	enum load_state st = probe_loaded(&p, line, sizeof(line));
	if (st == MOD_UNKNOWN) {
		result_skip(r, OUTCOME_UNABLE, "%s", p.skip);
		return;
	}
	if (st == MOD_LOADED)
		result_evidence(r, "loaded", "not loaded", false, "loaded (%s: %s)", PROC_MODULES,
				line);
	else if (st == MOD_NO_SUPPORT)
		result_evidence(r, "loaded", "not loaded", true,
				"cannot be loaded: the kernel has no loadable module support (%s does not exist)",
				PROC_MODULES);
	else
		result_evidence(r, "loaded", "not loaded", true, "not loaded (not in %s)", PROC_MODULES);

	probe_builtin(&p, params, release, st == MOD_LOADED);
	if (p.skip[0]) {
		result_skip(r, OUTCOME_UNABLE, "%s", p.skip);
		return;
	}

	if (st == MOD_NO_SUPPORT) {
		char list[400], expected[512];
		describe_accepted(json_object_get(params, "install_commands"), list, sizeof(list));
		snprintf(expected, sizeof(expected), "install %s %s", module, list);
		result_evidence(r, "install command", expected, true,
				"not applicable: without loadable module support no modprobe configuration can load %s",
				module);
	} else {
		probe_install_command(&p, params, release);
		if (p.skip[0]) {
			result_skip(r, OUTCOME_UNABLE, "%s", p.skip);
			return;
		}
	}
	result_from_evidence(r);
}

/* The loaded modules, the kernel's tables of filesystems and protocols,
 * and modprobe's configuration directories. */
static int module_disabled_inputs(const json_t *params, struct check_inputs *out)
{
	(void)params;
	int rc = inputs_add(out, INPUT_MODULES, "");
	for (size_t i = 0; !rc && modprobe_dirs[i]; i++)
		rc = inputs_add(out, INPUT_PATH, modprobe_dirs[i]);
	if (!rc)
		rc = inputs_add(out, INPUT_PATH, "/etc/modprobe.conf");
	return rc;
}

const struct check_kind module_disabled_kind = {
	.name = "module_disabled",
	.summary = "a kernel module is not loaded, not built in, and modprobe cannot load it",
	.validate = module_disabled_validate,
	.run = module_disabled_run,
	.inputs = module_disabled_inputs,
};
