/* chrony kind: chrony.conf as chronyd reads it, and whether chronyd runs,
 * from a process table in a tree, from the live /proc, and from systemd
 * over a real D-Bus bus (a private dbus-daemon, where this test plays the
 * org.freedesktop.systemd1 service; the machine itself has no systemd). */
#include "testutil.h"
#include "unprivileged.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef CISREPORT_HAVE_SYSTEMD
#include "../helpers/fake_systemd_bus.h"
#endif

#define PARAMS "{\"config\":\"/etc/chrony.conf\",\"service\":\"chronyd.service\",\"process\":\"chronyd\"}"
#define SOURCE "time source"
#define RUNNING "chronyd running"

static char *tmp;

static int fresh(void **state)
{
	(void)state;
	tmp = make_temp_dir();
	chmod(tmp, 0755);
	/* a running chronyd in the tree's process table, and an unrelated one */
	write_file(tmp, "proc/1/comm", "systemd\n", 0644);
	write_file(tmp, "proc/1/stat", "1 (systemd) S 0 1 1 0 -1 4194560\n", 0644);
	write_file(tmp, "proc/812/comm", "chronyd\n", 0644);
	write_file(tmp, "proc/812/stat", "812 (chronyd) S 1 812 812 0 -1 4194560\n", 0644);
	return 0;
}

static int cleanup(void **state)
{
	(void)state;
	rm_tree(tmp);
	free(tmp);
	return 0;
}

static void run(struct check_result *r)
{
	run_kind("chrony", PARAMS, tmp, r);
}

static void assert_actual(const struct check_result *r, const char *item, bool ok,
			  const char *needle)
{
	const struct evidence *e = find_evidence(r, item);
	if (e->ok != ok)
		fail_msg("%s: ok=%d, want %d (actual: %s)", item, e->ok, ok, e->actual);
	if (!strstr(e->actual, needle))
		fail_msg("%s: actual '%s' does not contain '%s'", item, e->actual, needle);
}

static void conf(const char *text)
{
	write_file(tmp, "etc/chrony.conf", text, 0644);
}

static void hardened_passes(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("chrony", PARAMS, "hardened", &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_actual(&r, SOURCE, true,
		      "pool 169.254.169.123 iburst (/etc/chrony.conf:2); 2 sources in 1 file");
	assert_actual(&r, RUNNING, true, "pid 1042 (chronyd), state S, in the process table");
	assert_string_equal(find_evidence(&r, SOURCE)->expected, "pool or server directive with a host");
	result_free(&r);
}

static void comments_and_case(void **state)
{
	(void)state;
	struct check_result r;
	conf("# pool 2.pool.ntp.org\n  ! server a\n%pool b\n\t;server c\ndriftfile /var/lib/chrony/drift\n");
	run(&r);
	assert_result(&r, CHECK_FAIL, "no pool or server directive with a host in /etc/chrony.conf");
	assert_actual(&r, SOURCE, false, "none in /etc/chrony.conf (1 file read)");
	assert_actual(&r, RUNNING, false, "not checked: the configuration already fails");
	result_free(&r);
	conf("makestep 1.0 3\n   SERVER 169.254.169.123 prefer iburst   \n");
	run(&r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_actual(&r, SOURCE, true, "SERVER 169.254.169.123 prefer iburst (/etc/chrony.conf:2)");
	result_free(&r);
}

static void source_without_host(void **state)
{
	(void)state;
	struct check_result r;
	conf("pool   \nserver\n");
	run(&r);
	assert_result(&r, CHECK_FAIL, "no pool or server directive with a host");
	assert_actual(&r, SOURCE, false, "/etc/chrony.conf:1: source directive without a host");
	result_free(&r);
}

static void missing_config(void **state)
{
	(void)state;
	struct check_result r;
	run(&r);
	assert_result(&r, CHECK_FAIL, "/etc/chrony.conf does not exist (chrony is not configured)");
	assert_actual(&r, SOURCE, false, "/etc/chrony.conf does not exist");
	result_free(&r);
}

static void include_glob(void **state)
{
	(void)state;
	struct check_result r;
	conf("include /etc/chrony.d/*.conf\n");
	write_file(tmp, "etc/chrony.d/00-other.conf", "rtcsync\n", 0644);
	write_file(tmp, "etc/chrony.d/10-ntp.conf", "\n# servers\nserver 10.0.0.1 iburst\n", 0644);
	write_file(tmp, "etc/chrony.d/20-ntp.disabled", "pool x\n", 0644);
	run(&r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_actual(&r, SOURCE, true, "server 10.0.0.1 iburst (/etc/chrony.d/10-ntp.conf:3); 1 source in 3 files");
	result_free(&r);
	/* a pattern that matches nothing is no error; a file including itself ends */
	conf("include /etc/nothing/*.conf\ninclude /etc/chrony.conf\n");
	run(&r);
	assert_result(&r, CHECK_FAIL, NULL);
	assert_actual(&r, SOURCE, false, "include depth limit 10 reached");
	result_free(&r);
}

static void confdir_earlier_directory_wins(void **state)
{
	(void)state;
	struct check_result r;
	conf("confdir /etc/chrony/conf.d /usr/lib/chrony/conf.d\n");
	write_file(tmp, "etc/chrony/conf.d/ntp.conf", "# no servers here\n", 0644);
	write_file(tmp, "usr/lib/chrony/conf.d/ntp.conf", "pool vendor.pool.example iburst\n", 0644);
	run(&r);
	assert_result(&r, CHECK_FAIL, NULL);
	assert_actual(&r, SOURCE, false, "(2 files read)");
	result_free(&r);
	write_file(tmp, "usr/lib/chrony/conf.d/zz.conf", "pool vendor.pool.example iburst\n", 0644);
	run(&r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_actual(&r, SOURCE, true, "(/usr/lib/chrony/conf.d/zz.conf:1)");
	result_free(&r);
}

static void sourcedir(void **state)
{
	(void)state;
	struct check_result r;
	conf("sourcedir /run/chrony-dhcp\n");
	/* chronyd ignores a last line without a newline in .sources files */
	write_file(tmp, "run/chrony-dhcp/eth0.sources", "include /etc/extra.conf\nserver 192.0.2.1 iburst", 0644);
	write_file(tmp, "etc/extra.conf", "pool never.read.example\n", 0644);
	write_file(tmp, "run/chrony-dhcp/eth1.conf", "server 192.0.2.9\n", 0644);
	run(&r);
	assert_result(&r, CHECK_FAIL, NULL);
	result_free(&r);
	write_file(tmp, "run/chrony-dhcp/eth0.sources", "server 192.0.2.1 iburst\n", 0644);
	run(&r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_actual(&r, SOURCE, true, "server 192.0.2.1 iburst (/run/chrony-dhcp/eth0.sources:1)");
	result_free(&r);
}

static void process_table(void **state)
{
	(void)state;
	struct check_result r;
	conf("pool 2.pool.ntp.org iburst\n");
	/* only a zombie left */
	write_file(tmp, "proc/812/stat", "812 (chronyd) Z 1 812 812 0 -1 4194560\n", 0644);
	run(&r);
	assert_result(&r, CHECK_FAIL, "chronyd not running: only a zombie chronyd (pid 812) among 2 processes");
	result_free(&r);
	/* a name that merely starts with chronyd is another process */
	write_file(tmp, "proc/812/comm", "chronyd-helper\n", 0644);
	run(&r);
	assert_result(&r, CHECK_FAIL, "chronyd not running: no process named chronyd among 2 processes in ");
	assert_actual(&r, SOURCE, true, "pool 2.pool.ntp.org");
	result_free(&r);
	/* both halves wrong: the configuration decides, the process table is
	 * not walked (the evidence says so) */
	unlink(strcat(strcpy((char[PATH_MAX]){0}, tmp), "/etc/chrony.conf"));
	run(&r);
	assert_result(&r, CHECK_FAIL, "/etc/chrony.conf does not exist (chrony is not configured)");
	if (strstr(r.error, "not running"))
		fail_msg("the process half was looked at: %s", r.error);
	assert_actual(&r, RUNNING, false, "not checked: the configuration already fails");
	result_free(&r);
	/* no process table at all: cannot tell */
	conf("pool 2.pool.ntp.org iburst\n");
	char proc[PATH_MAX];
	snprintf(proc, sizeof(proc), "%s/proc", tmp);
	rm_tree(proc);
	run(&r);
	assert_result(&r, CHECK_SKIP, "cannot tell whether chronyd runs: cannot read ");
	assert_non_null(strstr(r.error, "/proc: No such file or directory"));
	result_free(&r);
}

/* run, counting the reads that reached the tree (host_read_counts) */
static void run_counted(struct check_result *r, unsigned long *reads)
{
	const struct check_kind *k = check_kind_find("chrony");
	json_error_t jerr;
	json_t *params = json_loads(PARAMS, 0, &jerr);
	assert_non_null(params);
	struct host h;
	assert_int_equal(host_init(&h, tmp), 0);
	result_init(r);
	k->run(&h, params, r);
	unsigned long hits;
	host_read_counts(&h, reads, &hits);
	host_free(&h);
	json_decref(params);
}

static void assert_not_actual(const struct check_result *r, const char *item, const char *needle)
{
	const struct evidence *e = find_evidence(r, item);
	if (strstr(e->actual, needle))
		fail_msg("%s: actual '%s' contains '%s'", item, e->actual, needle);
}

/* chronyd's pid file names the process; the table is walked only when it
 * says nothing (absent, garbage, stale), and the result is the same. */
static void pid_file(void **state)
{
	(void)state;
	struct check_result r;
	unsigned long reads, reads_more;
	conf("pool 2.pool.ntp.org iburst\n");
	/* no pid file: the walk finds it */
	run(&r);
	assert_int_equal(r.status, CHECK_PASS);
	assert_actual(&r, RUNNING, true, "pid 812 (chronyd), state S, in the process table");
	assert_not_actual(&r, RUNNING, "pid file");
	result_free(&r);
	/* the pid file names it: no walk (more processes cost no read) */
	write_file(tmp, "run/chrony/chronyd.pid", "812\n", 0644);
	run_counted(&r, &reads);
	assert_int_equal(r.status, CHECK_PASS);
	assert_actual(&r, RUNNING, true,
		      "pid 812 (chronyd), state S, in the process table");
	assert_actual(&r, RUNNING, true, "/proc (pid file /run/chrony/chronyd.pid)");
	result_free(&r);
	for (int pid = 2000; pid < 2050; pid++) {
		char rel[64];
		snprintf(rel, sizeof(rel), "proc/%d/comm", pid);
		write_file(tmp, rel, "other\n", 0644);
	}
	run_counted(&r, &reads_more);
	assert_int_equal(r.status, CHECK_PASS);
	assert_int_equal(reads_more, reads);
	result_free(&r);
	/* stale: no such process; the walk finds chronyd under its new pid */
	write_file(tmp, "run/chrony/chronyd.pid", "4242\n", 0644);
	run(&r);
	assert_int_equal(r.status, CHECK_PASS);
	assert_actual(&r, RUNNING, true, "pid 812 (chronyd), state S");
	assert_not_actual(&r, RUNNING, "pid file");
	result_free(&r);
	/* stale: the pid is another process's now */
	write_file(tmp, "run/chrony/chronyd.pid", "1\n", 0644);
	run(&r);
	assert_int_equal(r.status, CHECK_PASS);
	assert_actual(&r, RUNNING, true, "pid 812 (chronyd), state S");
	result_free(&r);
	/* garbage is no pid; the older /var/run location is read next */
	write_file(tmp, "run/chrony/chronyd.pid", "812 extra\n", 0644);
	write_file(tmp, "var/run/chrony/chronyd.pid", "812\n", 0644);
	run(&r);
	assert_int_equal(r.status, CHECK_PASS);
	assert_actual(&r, RUNNING, true, "(pid file /var/run/chrony/chronyd.pid)");
	result_free(&r);
	/* the pid file names a zombie: the walk says so, as without it */
	write_file(tmp, "proc/812/stat", "812 (chronyd) Z 1 812 812 0 -1 4194560\n", 0644);
	run(&r);
	assert_result(&r, CHECK_FAIL, "chronyd not running: only a zombie chronyd (pid 812) among 52 processes");
	result_free(&r);
	/* stale and chronyd gone: the same failure as without a pid file */
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/proc/812", tmp);
	rm_tree(dir);
	run(&r);
	assert_result(&r, CHECK_FAIL, "chronyd not running: no process named chronyd among 51 processes in ");
	result_free(&r);
}

static void unreadable(void **state)
{
	(void)state;
	struct unpriv_result u;
	conf("pool 2.pool.ntp.org iburst\n");
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/etc/chrony.conf", tmp);
	chmod(p, 0600);
	run_kind_unprivileged("chrony", PARAMS, tmp, &u);
	assert_int_equal(u.status, CHECK_SKIP);
	assert_string_equal(u.error, "cannot read /etc/chrony.conf: Permission denied");
	/* an unreadable include, and no source elsewhere: cannot tell */
	conf("include /etc/chrony.d/*.conf\n");
	write_file(tmp, "etc/chrony.d/ntp.conf", "pool 2.pool.ntp.org\n", 0600);
	run_kind_unprivileged("chrony", PARAMS, tmp, &u);
	assert_int_equal(u.status, CHECK_SKIP);
	assert_string_equal(u.error, "no time source found in /etc/chrony.conf, and cannot read "
				     "/etc/chrony.d/ntp.conf: Permission denied");
	/* an include directory nobody may list */
	char d[PATH_MAX];
	snprintf(d, sizeof(d), "%s/etc/chrony.d", tmp);
	chmod(d, 0700);
	run_kind_unprivileged("chrony", PARAMS, tmp, &u);
	assert_int_equal(u.status, CHECK_SKIP);
	assert_string_equal(u.error, "no time source found in /etc/chrony.conf, and cannot read "
				     "/etc/chrony.d (include /etc/chrony.d/*.conf): Permission denied");
	/* huge is garbage */
	char *big = malloc(5u << 20);
	assert_non_null(big);
	memset(big, '#', 5u << 20);
	write_bytes(tmp, "etc/chrony.conf", big, 5u << 20, 0644);
	free(big);
	struct check_result r;
	run(&r);
	assert_result(&r, CHECK_SKIP, "cannot read /etc/chrony.conf: file too large for this probe");
	result_free(&r);
}

static bool live_chronyd_running(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool found = false;
	while (d && (de = readdir(d)) && !found) {
		char p[300], comm[64] = "";
		snprintf(p, sizeof(p), "/proc/%s/comm", de->d_name);
		FILE *f = fopen(p, "r");
		if (f && fgets(comm, sizeof(comm), f))
			found = strcmp(comm, "chronyd\n") == 0;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

/* The live host: no chronyd runs on this machine (none in /proc), and the
 * evidence says how that was determined. The configuration is one that
 * passes (a file of the test's), so the process half is looked at. */
static void live_host_not_running(void **state)
{
	(void)state;
	if (live_chronyd_running())
		skip();
	conf("pool 2.pool.ntp.org iburst\n");
	char params[PATH_MAX + 128];
	snprintf(params, sizeof(params),
		 "{\"config\":\"%s/etc/chrony.conf\",\"process\":\"chronyd\"}", tmp);
	struct check_result r;
	run_kind("chrony", params, NULL, &r);
	assert_result(&r, CHECK_FAIL, "chronyd not running");
	const char *how = find_evidence(&r, RUNNING)->actual;
	if (!strstr(how, "(systemd over D-Bus)") && !strstr(how, "processes in /proc"))
		fail_msg("evidence does not say how: %s", how);
	result_free(&r);
	/* the configuration missing too: it decides alone */
	unlink(strcat(strcpy((char[PATH_MAX]){0}, tmp), "/etc/chrony.conf"));
	run_kind("chrony", params, NULL, &r);
	assert_result(&r, CHECK_FAIL, "chrony.conf does not exist (chrony is not configured)");
	assert_string_equal(find_evidence(&r, RUNNING)->actual,
			    "not checked: the configuration already fails the check");
	result_free(&r);
}

#ifdef CISREPORT_HAVE_SYSTEMD
/* ---- a private bus with a stand-in for systemd's manager ---- */

static pid_t bus_pid = -1;
static char bus_address[512];
static char *bus_dir;

/* Child: serve org.freedesktop.systemd1 until killed. */
static void serve_systemd(const char *state, int ready)
{
	struct fake_unit unit = {.name = "chronyd.service",
				 .path = "/org/freedesktop/systemd1/unit/chronyd_2eservice"};
	snprintf(unit.state, sizeof(unit.state), "%s", state);
	sd_bus *bus = NULL;
	if (fake_systemd_serve(bus_address, &unit, &bus) < 0)
		_exit(1);
	if (write(ready, "1", 1) != 1)
		_exit(1);
	close(ready);
	for (;;) {
		int rc = sd_bus_process(bus, NULL);
		if (rc < 0)
			_exit(1);
		if (rc == 0)
			sd_bus_wait(bus, UINT64_MAX);
	}
}

static pid_t start_systemd(const char *state)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		serve_systemd(state, p[1]);
	}
	close(p[1]);
	char c;
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int start_bus(void **state)
{
	(void)state;
	if (access("/usr/bin/dbus-daemon", X_OK) != 0)
		return 0; /* the tests below skip */
	bus_dir = make_temp_dir();
	char config[PATH_MAX], text[2048];
	snprintf(config, sizeof(config), "%s/bus.conf", bus_dir);
	snprintf(text, sizeof(text),
		 "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
		 " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
		 "<busconfig>\n  <type>custom</type>\n  <listen>unix:path=%s/bus</listen>\n"
		 "  <auth>EXTERNAL</auth>\n  <policy context=\"default\">\n"
		 "    <allow user=\"*\"/>\n    <allow own=\"*\"/>\n"
		 "    <allow send_destination=\"*\"/>\n    <allow receive_sender=\"*\"/>\n"
		 "  </policy>\n</busconfig>\n",
		 bus_dir);
	write_file(bus_dir, "bus.conf", text, 0644);
	int p[2];
	if (pipe(p) < 0)
		return -1;
	fflush(NULL);
	bus_pid = fork();
	if (bus_pid == 0) {
		close(p[0]);
		dup2(p[1], 3);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO); /* "Failed to set fd limit" as root in a container */
		char arg[PATH_MAX + 32];
		snprintf(arg, sizeof(arg), "--config-file=%s", config);
		execl("/usr/bin/dbus-daemon", "dbus-daemon", arg, "--nofork", "--print-address=3",
		      (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	ssize_t n = read(p[0], bus_address, sizeof(bus_address) - 1);
	close(p[0]);
	if (n <= 0) {
		stop(bus_pid);
		bus_pid = -1;
		return -1;
	}
	bus_address[n] = '\0';
	bus_address[strcspn(bus_address, "\n")] = '\0';
	return 0;
}

static int stop_bus(void **state)
{
	(void)state;
	if (bus_pid > 0)
		stop(bus_pid);
	if (bus_dir) {
		rm_tree(bus_dir);
		free(bus_dir);
	}
	return 0;
}

/* Live host, config from a scratch file, systemd asked over the bus. */
static void run_on_bus(const char *params, struct check_result *r)
{
	setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_address, 1);
	run_kind("chrony", params, NULL, r);
	unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

static void live_params(char *buf, size_t size, const char *service)
{
	snprintf(buf, size,
		 "{\"config\":\"%s/etc/chrony.conf\",\"service\":\"%s\",\"process\":\"chronyd\"}",
		 tmp, service);
}

static void dbus_active(void **state)
{
	(void)state;
	if (bus_pid <= 0)
		skip();
	conf("pool 2.pool.ntp.org iburst\n");
	char params[PATH_MAX + 128];
	live_params(params, sizeof(params), "chronyd.service");
	pid_t systemd = start_systemd("active");
	struct check_result r;
	run_on_bus(params, &r);
	stop(systemd);
	assert_result(&r, CHECK_PASS, NULL);
	assert_actual(&r, RUNNING, true, "chronyd.service ActiveState active (systemd over D-Bus)");
	result_free(&r);
}

static void dbus_inactive_and_unknown_unit(void **state)
{
	(void)state;
	if (bus_pid <= 0)
		skip();
	conf("pool 2.pool.ntp.org iburst\n");
	char params[PATH_MAX + 128];
	live_params(params, sizeof(params), "chronyd.service");
	pid_t systemd = start_systemd("inactive");
	struct check_result r;
	run_on_bus(params, &r);
	assert_result(&r, CHECK_FAIL, "chronyd not running: chronyd.service is inactive (systemd)");
	assert_actual(&r, RUNNING, false, "chronyd.service ActiveState inactive (systemd over D-Bus)");
	result_free(&r);
	live_params(params, sizeof(params), "chrony.service");
	run_on_bus(params, &r);
	stop(systemd);
	assert_result(&r, CHECK_FAIL, "chronyd not running: chrony.service is not loaded (systemd)");
	result_free(&r);
}

/* A bus without systemd on it: the process table decides, and says why. */
static void dbus_without_systemd(void **state)
{
	(void)state;
	if (bus_pid <= 0 || live_chronyd_running())
		skip();
	conf("pool 2.pool.ntp.org iburst\n");
	char params[PATH_MAX + 128];
	live_params(params, sizeof(params), "chronyd.service");
	struct check_result r;
	run_on_bus(params, &r);
	assert_result(&r, CHECK_FAIL, "chronyd not running: no process named chronyd among ");
	assert_actual(&r, RUNNING, false, "processes in /proc; systemd not reachable over D-Bus: ");
	result_free(&r);
	/* no bus at all */
	char nowhere[PATH_MAX + 32];
	snprintf(nowhere, sizeof(nowhere), "unix:path=%s/no-bus", tmp);
	setenv("DBUS_SYSTEM_BUS_ADDRESS", nowhere, 1);
	run_kind("chrony", params, NULL, &r);
	unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
	assert_actual(&r, RUNNING, false,
		      "processes in /proc; system bus unavailable: No such file or directory");
	result_free(&r);
}
#endif

static void bad_params(void **state)
{
	(void)state;
	struct param_error err;
	assert_int_equal(validate_kind("chrony", "{\"process\":\"chronyd\"}", &err), -EINVAL);
	assert_string_equal(err.field, "config");
	assert_int_equal(validate_kind("chrony", "{\"config\":\"etc/chrony.conf\",\"process\":\"chronyd\"}", &err), -EINVAL);
	assert_string_equal(err.message, "must be an absolute path");
	assert_int_equal(validate_kind("chrony", "{\"config\":\"/etc/chrony.conf\",\"process\":\"chronyd-with-a-long-name\"}", &err), -EINVAL);
	assert_string_equal(err.field, "process");
	assert_int_equal(validate_kind("chrony", "{\"config\":\"/etc/chrony.conf\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("chrony", "{\"config\":\"/etc/chrony.conf\",\"process\":\"chronyd\",\"unit\":\"x\"}", &err), -EINVAL);
	assert_string_equal(err.field, "unit");
	assert_int_equal(validate_kind("chrony", "{\"config\":\"/etc/chrony.conf\",\"process\":\"chronyd\"}", &err), 0);
	assert_int_equal(validate_kind("chrony", PARAMS, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hardened_passes),
		cmocka_unit_test_setup_teardown(comments_and_case, fresh, cleanup),
		cmocka_unit_test_setup_teardown(source_without_host, fresh, cleanup),
		cmocka_unit_test_setup_teardown(missing_config, fresh, cleanup),
		cmocka_unit_test_setup_teardown(include_glob, fresh, cleanup),
		cmocka_unit_test_setup_teardown(confdir_earlier_directory_wins, fresh, cleanup),
		cmocka_unit_test_setup_teardown(sourcedir, fresh, cleanup),
		cmocka_unit_test_setup_teardown(process_table, fresh, cleanup),
		cmocka_unit_test_setup_teardown(pid_file, fresh, cleanup),
		cmocka_unit_test_setup_teardown(unreadable, fresh, cleanup),
		cmocka_unit_test_setup_teardown(live_host_not_running, fresh, cleanup),
#ifdef CISREPORT_HAVE_SYSTEMD
		cmocka_unit_test_setup_teardown(dbus_active, fresh, cleanup),
		cmocka_unit_test_setup_teardown(dbus_inactive_and_unknown_unit, fresh, cleanup),
		cmocka_unit_test_setup_teardown(dbus_without_systemd, fresh, cleanup),
#endif
		cmocka_unit_test(bad_params),
	};
#ifdef CISREPORT_HAVE_SYSTEMD
	return cmocka_run_group_tests(tests, start_bus, stop_bus);
#else
	return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
