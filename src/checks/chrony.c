/* chrony: chronyd has a time source configured and is running.
 *
 * params: {"config": "/etc/chrony.conf", "service": "chronyd.service",
 *          "process": "chronyd"}
 *
 * The configuration is read as chronyd reads it: a comment line starts
 * (after blanks) with # ; ! or %, directives are case-insensitive words, and
 * "include <glob>", "confdir <dir>..." (*.conf) and "sourcedir <dir>..."
 * (*.sources) pull in more files. A "pool" or "server" directive with a host
 * argument is a time source.
 *
 * Running: on the live host with a system bus, systemd is asked over D-Bus
 * for the unit's ActiveState (libsystemd is loaded then, not before);
 * without a reachable systemd (or on an offline root), chronyd's pid file
 * (/run/chrony/chronyd.pid, then /var/run/chrony/chronyd.pid) names the
 * process to look at (<root>/proc/<pid>/comm and stat); only when no pid
 * file names a live chronyd is the process table <root>/proc/<pid>/comm
 * scanned, zombies excluded. Both give the same answer: the pid file only
 * saves the walk when it is right. The running half is looked at only when
 * the configuration does not already fail (bloodhound's order too). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "params.h"
#include "dynlib/lib_sdbus.h"

#define CHRONY_MAX_INCLUDE_LEVEL 10 /* chronyd's own limit */
#define CHRONY_MAX_FILES 256
#define CHRONY_MAX_DIRS 10 /* chronyd's limit of directories per confdir */
#define COMM_MAX 15         /* TASK_COMM_LEN - 1: longer names are cut in comm */

struct chrony_scan {
	struct host *h;
	int level;
	size_t n_files, n_sources;
	char first_source[512]; /* "pool x iburst (/etc/chrony.conf:3)" */
	char unreadable[PATH_MAX + 128]; /* first file or directory that could not be read */
	char note[256];
};

static int read_config(struct chrony_scan *s, const char *abs, bool sources_only);

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' || *p == '\f')
		p++;
	return p;
}

static size_t word_len(const char *p)
{
	size_t n = 0;
	while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != '\r' && p[n] != '\v' && p[n] != '\f')
		n++;
	return n;
}

static void note_unreadable(struct chrony_scan *s, const char *what, int rc)
{
	if (!s->unreadable[0])
		snprintf(s->unreadable, sizeof(s->unreadable), "cannot read %s: %s", what,
			 host_strerror(rc));
}

__attribute__((format(printf, 2, 3))) static void note(struct chrony_scan *s,
							const char *fmt, ...)
{
	if (s->note[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->note, sizeof(s->note), fmt, ap);
	va_end(ap);
}

struct dir_file {
	char name[256];
	size_t dir; /* index of the directory it was found in */
};

static int cmp_dir_file(const void *a, const void *b)
{
	return strcmp(((const struct dir_file *)a)->name, ((const struct dir_file *)b)->name);
}

/* confdir / sourcedir: the files named *<suffix> in up to ten directories,
 * read in filename order; a name found in an earlier directory hides the
 * same name in later ones. */
static void read_dirs(struct chrony_scan *s, const char *args, const char *suffix,
		      bool sources_only)
{
	/* on the heap: this recurses through includes */
	char (*dirs)[PATH_MAX] = calloc(CHRONY_MAX_DIRS, PATH_MAX);
	size_t n_dirs = 0;
	if (!dirs) {
		note_unreadable(s, args, -ENOMEM);
		return;
	}
	for (const char *p = skip_space(args); *p && n_dirs < CHRONY_MAX_DIRS;) {
		size_t n = word_len(p);
		snprintf(dirs[n_dirs++], PATH_MAX, "%s%.*s", *p == '/' ? "" : "/", (int)n, p);
		p = skip_space(p + n);
	}
	struct dir_file *files = NULL;
	size_t n_files = 0, cap = 0;
	size_t slen = strlen(suffix);
	for (size_t d = 0; d < n_dirs; d++) {
		char path[PATH_MAX];
		if (host_path(s->h, dirs[d], path, sizeof(path)))
			continue;
		DIR *dir = opendir(path);
		if (!dir) {
			if (errno != ENOENT && errno != ENOTDIR)
				note_unreadable(s, dirs[d], -errno);
			continue;
		}
		struct dirent *de;
		while ((de = readdir(dir))) {
			size_t n = strlen(de->d_name);
			if (de->d_name[0] == '.' || n < slen || n >= sizeof(files->name) ||
			    strcmp(de->d_name + n - slen, suffix) != 0)
				continue;
			bool seen = false;
			for (size_t i = 0; i < n_files && !seen; i++)
				seen = strcmp(files[i].name, de->d_name) == 0;
			if (seen)
				continue;
			if (n_files == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct dir_file *f = realloc(files, ncap * sizeof(*f));
				if (!f)
					break;
				files = f;
				cap = ncap;
			}
			snprintf(files[n_files].name, sizeof(files->name), "%s", de->d_name);
			files[n_files++].dir = d;
		}
		closedir(dir);
	}
	if (n_files)
		qsort(files, n_files, sizeof(*files), cmp_dir_file);
	for (size_t i = 0; i < n_files; i++) {
		char abs[PATH_MAX];
		snprintf(abs, sizeof(abs), "%s/%s", dirs[files[i].dir], files[i].name);
		read_config(s, abs, sources_only);
	}
	free(files);
	free(dirs);
}

/* glob(3) reports directories it cannot open here: a missing one is no
 * match, any other error is remembered (it may hide a time source). */
static _Thread_local int glob_errno;
static _Thread_local char glob_error_path[PATH_MAX];

static int glob_error(const char *path, int err)
{
	if (err != ENOENT && err != ENOTDIR && !glob_errno) {
		glob_errno = err;
		snprintf(glob_error_path, sizeof(glob_error_path), "%s", path);
	}
	return 0;
}

static size_t root_len_of(const struct chrony_scan *s)
{
	size_t n = strlen(s->h->root);
	return strlen(glob_error_path) >= n ? n : 0;
}

/* include <pattern>: a glob, matched inside the root (whose own characters
 * are escaped so they are not read as glob syntax). */
static void read_include(struct chrony_scan *s, const char *pattern, size_t n)
{
	char full[PATH_MAX * 2];
	size_t used = 0;
	for (const char *p = s->h->root; *p && used + 2 < sizeof(full); p++) {
		if (strchr("*?[]\\", *p))
			full[used++] = '\\';
		full[used++] = *p;
	}
	snprintf(full + used, sizeof(full) - used, "%s%.*s", *pattern == '/' ? "" : "/", (int)n,
		 pattern);
	glob_t g;
	glob_errno = 0;
	int rc = glob(full, GLOB_NOMAGIC, glob_error, &g);
	if (glob_errno) {
		char what[PATH_MAX];
		snprintf(what, sizeof(what), "%s (include %.*s)", glob_error_path + root_len_of(s),
			 (int)n, pattern);
		note_unreadable(s, what, -glob_errno);
	}
	if (rc == GLOB_NOMATCH)
		return;
	if (rc != 0) {
		char what[PATH_MAX];
		snprintf(what, sizeof(what), "include %.*s", (int)n, pattern);
		note_unreadable(s, what, -ENOMEM);
		return;
	}
	size_t root_len = strlen(s->h->root);
	for (size_t i = 0; i < g.gl_pathc; i++)
		read_config(s, g.gl_pathv[i] + root_len, false);
	globfree(&g);
}

static void parse_line(struct chrony_scan *s, const char *file, size_t lineno, char *line,
		       bool sources_only)
{
	const char *p = skip_space(line);
	if (!*p || strchr("!;#%", *p))
		return;
	size_t dn = word_len(p);
	char directive[32];
	snprintf(directive, sizeof(directive), "%.*s", (int)(dn < 31 ? dn : 31), p);
	const char *args = skip_space(p + dn);
	/* trailing blanks are not arguments */
	size_t alen = strlen(args);
	while (alen > 0 && strchr(" \t\r\v\f", args[alen - 1]))
		alen--;
	if (strcasecmp(directive, "server") == 0 || strcasecmp(directive, "pool") == 0) {
		if (alen == 0) {
			note(s, "%s:%zu: source directive without a host", file, lineno);
			return;
		}
		s->n_sources++;
		if (!s->first_source[0])
			snprintf(s->first_source, sizeof(s->first_source), "%s %.*s (%s:%zu)",
				 directive, (int)alen, args, file, lineno);
		return;
	}
	if (sources_only)
		return; /* a .sources file holds source directives only */
	if (strcasecmp(directive, "include") == 0 && alen)
		read_include(s, args, word_len(args));
	else if (strcasecmp(directive, "confdir") == 0 && alen)
		read_dirs(s, args, ".conf", false);
	else if (strcasecmp(directive, "sourcedir") == 0 && alen)
		read_dirs(s, args, ".sources", true);
}

static int read_config(struct chrony_scan *s, const char *abs, bool sources_only)
{
	if (s->level >= CHRONY_MAX_INCLUDE_LEVEL) {
		note(s, "%s: include depth limit %d reached", abs, CHRONY_MAX_INCLUDE_LEVEL);
		return -ELOOP;
	}
	if (s->n_files >= CHRONY_MAX_FILES) {
		note(s, "%s: file limit %d reached", abs, CHRONY_MAX_FILES);
		return -E2BIG;
	}
	char *text;
	size_t len;
	int rc = host_read_file(s->h, abs, HOST_MAX_FILE, &text, &len);
	if (rc) {
		note_unreadable(s, abs, rc);
		return rc;
	}
	s->n_files++;
	s->level++;
	size_t lineno = 0;
	for (char *p = text; p < text + len;) {
		char *nl = memchr(p, '\n', (size_t)(text + len - p));
		/* chronyd ignores an unterminated last line of a .sources file */
		if (!nl && sources_only)
			break;
		if (nl)
			*nl = '\0';
		lineno++;
		parse_line(s, abs, lineno, p, sources_only);
		p = nl ? nl + 1 : text + len;
	}
	s->level--;
	free(text);
	return 0;
}

enum state { STATE_OK, STATE_BAD, STATE_UNKNOWN };

static enum state check_config(struct host *h, const char *config, struct check_result *r,
			       char *reason, size_t size)
{
	struct chrony_scan s = {.h = h};
	const char *item = "time source";
	const char *expected = "pool or server directive with a host";
	int rc = read_config(&s, config, false);
	if (rc == -ENOENT) {
		result_evidence(r, item, expected, false, "%s%s does not exist", h->root, config);
		snprintf(reason, size, "%s does not exist (chrony is not configured)", config);
		return STATE_BAD;
	}
	if (rc) {
		result_evidence(r, item, expected, false, "cannot read %s: %s", config,
				host_strerror(rc));
		snprintf(reason, size, "cannot read %s: %s", config, host_strerror(rc));
		return STATE_UNKNOWN;
	}
	if (s.n_sources) {
		result_evidence(r, item, expected, true, "%s; %zu source%s in %zu file%s",
				s.first_source, s.n_sources, s.n_sources == 1 ? "" : "s", s.n_files,
				s.n_files == 1 ? "" : "s");
		return STATE_OK;
	}
	if (s.unreadable[0]) {
		result_evidence(r, item, expected, false, "none found; %s", s.unreadable);
		snprintf(reason, size, "no time source found in %s, and %s", config, s.unreadable);
		return STATE_UNKNOWN;
	}
	result_evidence(r, item, expected, false, "none in %s (%zu file%s read)%s%s", config,
			s.n_files, s.n_files == 1 ? "" : "s", s.note[0] ? "; " : "", s.note);
	snprintf(reason, size, "no pool or server directive with a host in %s", config);
	return STATE_BAD;
}

/* Where chronyd writes its pid (chrony's default "pidfile", and
 * Bottlerocket's): read only when the process looked for is chronyd. */
static const char *const chronyd_pid_files[] = {
	"/run/chrony/chronyd.pid",
	"/var/run/chrony/chronyd.pid",
};

/* The state letter of process pid ("pid (comm) S ..."), '?' when unknown. */
static char process_state(struct host *h, long pid)
{
	char file[64], stat[1024];
	snprintf(file, sizeof(file), "/proc/%ld/stat", pid);
	if (host_read_value(h, file, stat, sizeof(stat)) != 0)
		return '?';
	/* comm may hold ')' itself, so use the last one */
	const char *close = strrchr(stat, ')');
	return close && close[1] == ' ' ? close[2] : '?';
}

/* A pid file that names a live (not zombie) process called name: its pid,
 * with *state and *which (the pid file) set; 0 when the pid files say
 * nothing (absent, not a pid, stale: no such process, another name, a
 * zombie), and the process table decides. */
static long from_pid_file(struct host *h, const char *name, char *state, const char **which)
{
	if (strcmp(name, "chronyd") != 0)
		return 0;
	for (size_t i = 0; i < sizeof(chronyd_pid_files) / sizeof(chronyd_pid_files[0]); i++) {
		char text[32], *end;
		if (host_read_value(h, chronyd_pid_files[i], text, sizeof(text)) != 0)
			continue;
		errno = 0;
		long pid = strtol(text, &end, 10);
		if (errno || end == text || *end || pid <= 0)
			continue;
		char file[64], comm[64];
		snprintf(file, sizeof(file), "/proc/%ld/comm", pid);
		if (host_read_value(h, file, comm, sizeof(comm)) != 0 || strcmp(comm, name) != 0)
			continue;
		char st = process_state(h, pid);
		if (st == 'Z' || st == 'X')
			continue;
		*state = st;
		*which = chronyd_pid_files[i];
		return pid;
	}
	return 0;
}

/* /proc/<pid>/comm of the live host, read straight into comm (three system
 * calls, no allocation: the walk reads one per process). Not kept in the
 * host's read memo: nothing else reads them. */
static int read_live_comm(int proc_fd, const char *pid, size_t pid_len, char *comm, size_t size)
{
	char rel[64];
	if (pid_len > sizeof(rel) - sizeof("/comm"))
		return -ENAMETOOLONG;
	memcpy(rel, pid, pid_len);
	memcpy(rel + pid_len, "/comm", sizeof("/comm"));
	int fd = openat(proc_fd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	ssize_t n;
	do
		n = read(fd, comm, size - 1);
	while (n < 0 && errno == EINTR);
	int err = n < 0 ? -errno : 0;
	close(fd);
	if (n < 0)
		return err;
	size_t len = (size_t)n;
	comm[len] = '\0';
	if (len > 0 && comm[len - 1] == '\n')
		comm[len - 1] = '\0';
	return 0;
}

/* The process table: a live process whose comm is name. */
static enum state scan_processes(struct host *h, const char *name, char *actual, size_t size)
{
	char pid_state = '?';
	const char *pid_file = NULL;
	long pid = from_pid_file(h, name, &pid_state, &pid_file);
	if (pid) {
		snprintf(actual, size, "pid %ld (%s), state %c, in the process table %s/proc (pid file %s)",
			 pid, name, pid_state, h->root, pid_file);
		return STATE_OK;
	}
	char path[PATH_MAX];
	if (host_path(h, "/proc", path, sizeof(path)) < 0) {
		snprintf(actual, size, "cannot read %s/proc: %s", h->root, host_strerror(-ENAMETOOLONG));
		return STATE_UNKNOWN;
	}
	DIR *dir = opendir(path);
	if (!dir) {
		snprintf(actual, size, "cannot read %s: %s", path, host_strerror(-errno));
		return STATE_UNKNOWN;
	}
	size_t n_procs = 0;
	long zombie = 0, found = 0;
	char found_state = '?';
	struct dirent *de;
	while ((de = readdir(dir)) && !found) {
		size_t len = strspn(de->d_name, "0123456789");
		if (!len || de->d_name[len])
			continue;
		n_procs++;
		char comm[64];
		/* A process may exit while we look: that is not an error. */
		int rc;
		if (h->live) {
			rc = read_live_comm(dirfd(dir), de->d_name, len, comm, sizeof(comm));
		} else {
			char file[64];
			snprintf(file, sizeof(file), "/proc/%s/comm", de->d_name);
			rc = host_read_value(h, file, comm, sizeof(comm));
		}
		if (rc || strcmp(comm, name) != 0)
			continue;
		char state = process_state(h, strtol(de->d_name, NULL, 10));
		if (state == 'Z' || state == 'X') {
			zombie = strtol(de->d_name, NULL, 10);
			continue;
		}
		found = strtol(de->d_name, NULL, 10);
		found_state = state;
	}
	closedir(dir);
	if (found) {
		snprintf(actual, size, "pid %ld (%s), state %c, in the process table %s/proc", found,
			 name, found_state, h->root);
		return STATE_OK;
	}
	if (zombie)
		snprintf(actual, size, "only a zombie %s (pid %ld) among %zu processes in %s/proc",
			 name, zombie, n_procs, h->root);
	else
		snprintf(actual, size, "no process named %s among %zu processes in %s/proc", name,
			 n_procs, h->root);
	return STATE_BAD;
}

#ifdef CISREPORT_HAVE_SYSTEMD
#define SYSTEM_BUS_SOCKET "/run/dbus/system_bus_socket"

/* Is there a system bus to ask? sd-bus connects to $DBUS_SYSTEM_BUS_ADDRESS
 * when set, else to the well-known socket. Without either, libsystemd is
 * not even loaded: the process table answers. */
static bool system_bus_exists(const struct host *h, char *why, size_t wsize)
{
	if (secure_getenv("DBUS_SYSTEM_BUS_ADDRESS"))
		return true;
	char path[PATH_MAX];
	struct stat st;
	if (host_path(h, SYSTEM_BUS_SOCKET, path, sizeof(path)) == 0 && stat(path, &st) < 0 &&
	    (errno == ENOENT || errno == ENOTDIR)) {
		snprintf(why, wsize, "system bus unavailable: no %s", SYSTEM_BUS_SOCKET);
		return false;
	}
	return true;
}

/* The unit's ActiveState from systemd over the system bus. Returns 0 with
 * state set ("active", "inactive", ..., or "not loaded"), or a negative
 * errno with why set when systemd cannot be asked. */
static int systemd_unit_state(const char *unit, int timeout_ms, char *state, size_t ssize,
			      char *why, size_t wsize)
{
	static const char *const dest = "org.freedesktop.systemd1";
	char lib_why[512];
	const struct sdbus_lib *b = sdbus_lib_get(lib_why, sizeof(lib_why));
	if (!b) {
		snprintf(why, wsize, "cannot ask systemd: %s", lib_why);
		return -ELIBACC;
	}
	sd_bus *bus = NULL;
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	char *active = NULL;
	const char *path = NULL;
	int rc = b->open_system(&bus);
	if (rc < 0) {
		snprintf(why, wsize, "system bus unavailable: %s", strerror(-rc));
		return rc;
	}
	(void)b->set_method_call_timeout(bus, (uint64_t)timeout_ms * 1000u);
	rc = b->call_method(bus, dest, "/org/freedesktop/systemd1",
			    "org.freedesktop.systemd1.Manager", "GetUnit", &error, &reply, "s", unit);
	if (rc < 0) {
		if (b->error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit")) {
			snprintf(state, ssize, "not loaded");
			rc = 0;
		} else {
			snprintf(why, wsize, "systemd not reachable over D-Bus: %s",
				 error.message ? error.message : strerror(-rc));
		}
		goto out;
	}
	rc = b->message_read(reply, "o", &path);
	if (rc >= 0)
		rc = b->get_property_string(bus, dest, path, "org.freedesktop.systemd1.Unit",
					    "ActiveState", &error, &active);
	if (rc < 0) {
		snprintf(why, wsize, "systemd did not report %s's ActiveState: %s", unit,
			 error.message ? error.message : strerror(-rc));
		goto out;
	}
	snprintf(state, ssize, "%s", active);
	rc = 0;
out:
	free(active);
	b->message_unref(reply);
	b->error_free(&error);
	b->flush_close_unref(bus);
	return rc;
}
#endif

/* The evidence item of the running half: "chronyd running". */
#define RUNNING_EXPECTED "unit active, or a live process"

static void running_item(const json_t *params, char *item, size_t size)
{
	snprintf(item, size, "%s running", param_str(params, "process", "chronyd"));
}

static enum state check_running(struct host *h, const json_t *params, struct check_result *r,
				char *reason, size_t size)
{
	const char *process = param_str(params, "process", "chronyd");
	const char *service = param_str(params, "service", NULL);
	char item[64], actual[PATH_MAX + 256], bus_why[256] = "";
	running_item(params, item, sizeof(item));
	const char *expected = RUNNING_EXPECTED;
	enum state st;
#ifdef CISREPORT_HAVE_SYSTEMD
	if (h->live && service && system_bus_exists(h, bus_why, sizeof(bus_why))) {
		char state[64];
		if (systemd_unit_state(service, h->command_timeout_ms, state, sizeof(state), bus_why,
				       sizeof(bus_why)) == 0) {
			st = strcmp(state, "active") == 0 ? STATE_OK : STATE_BAD;
			result_evidence(r, item, expected, st == STATE_OK,
					"%s ActiveState %s (systemd over D-Bus)", service, state);
			if (st == STATE_BAD)
				snprintf(reason, size, "%s not running: %s is %s (systemd)", process,
					 service, state);
			return st;
		}
	}
#else
	if (h->live && service)
		snprintf(bus_why, sizeof(bus_why), "built without systemd D-Bus support");
#endif
	st = scan_processes(h, process, actual, sizeof(actual));
	result_evidence(r, item, expected, st == STATE_OK, "%s%s%s", actual,
			bus_why[0] ? "; " : "", bus_why);
	if (st == STATE_BAD)
		snprintf(reason, size, "%s not running: %s", process, actual);
	else if (st == STATE_UNKNOWN)
		snprintf(reason, size, "cannot tell whether %s runs: %s", process, actual);
	return st;
}

static int chrony_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"config", "service", "process", NULL};
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string(params, "config", true, err);
	if (!rc)
		rc = param_string(params, "service", false, err);
	if (!rc)
		rc = param_string(params, "process", true, err);
	if (rc)
		return rc;
	if (param_str(params, "config", "")[0] != '/')
		return param_fail(err, "config", "must be an absolute path");
	const char *process = param_str(params, "process", "");
	if (strlen(process) > COMM_MAX || strchr(process, '/'))
		return param_fail(err, "process",
				  "must be a process name as in /proc/<pid>/comm (at most %d characters, no '/')",
				  COMM_MAX);
	return 0;
}

static void chrony_run(struct host *h, const json_t *params, struct check_result *r)
{
	char config_reason[PATH_MAX + 256] = "", run_reason[PATH_MAX + 512] = "";
	enum state config = check_config(h, param_str(params, "config", "/etc/chrony.conf"), r,
					 config_reason, sizeof(config_reason));
	/* A configuration that fails decides the check: the process is not
	 * looked for (as bloodhound looks at the service only once the
	 * configuration passes). Without a pid file, looking means reading the
	 * comm of every process, most of this report's time on such a host. */
	enum state running = STATE_UNKNOWN;
	if (config == STATE_BAD) {
		char item[64];
		running_item(params, item, sizeof(item));
		result_evidence(r, item, RUNNING_EXPECTED, false,
				"not checked: the configuration already fails the check");
	} else {
		running = check_running(h, params, r, run_reason, sizeof(run_reason));
	}
	/* A definite failure is reported even when the other half is unknown. */
	if (config == STATE_BAD || running == STATE_BAD) {
		const char *a = config == STATE_BAD ? config_reason : "";
		const char *b = running == STATE_BAD ? run_reason : "";
		result_fail(r, "%s%s%s", a, a[0] && b[0] ? "; " : "", b);
	} else if (config == STATE_UNKNOWN) {
		result_skip(r, OUTCOME_UNABLE, "%s", config_reason);
	} else if (running == STATE_UNKNOWN) {
		result_skip(r, OUTCOME_UNABLE, "%s", run_reason);
	} else {
		result_pass(r, NULL);
	}
}

/* The config file (files it includes are found by reading it: the TTL of
 * the process and unit inputs bounds their age), the process and the unit. */
static int chrony_inputs(const json_t *params, struct check_inputs *out)
{
	int rc = inputs_add(out, INPUT_PATH, param_str(params, "config", "/etc/chrony.conf"));
	if (!rc)
		rc = inputs_add(out, INPUT_PROCESSES, param_str(params, "process", "chronyd"));
	if (!rc && *param_str(params, "service", ""))
		rc = inputs_add(out, INPUT_UNITS, param_str(params, "service", ""));
	return rc;
}

const struct check_kind chrony_kind = {
	.name = "chrony",
	.summary = "chrony.conf names a time source (pool/server) and chronyd is running",
	.validate = chrony_validate,
	.run = chrony_run,
	.inputs = chrony_inputs,
};
