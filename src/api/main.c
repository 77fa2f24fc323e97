/* cisreportd: serve CIS benchmark reports over HTTP on a Unix socket, with
 * Bottlerocket's report endpoints, so `apiclient report cis` and the
 * automation built on it work against this host. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "listen.h"
#include "cache.h"
#include "events.h"
#include "latency.h"
#include "metrics_listen.h"
#include "watch.h"
#include "core/command_share.h"
#include "util/atomic_file.h"
#include "util/safe_file.h"
#include "core/host.h"
#include "formats/writer.h"
#include "report/profile.h"

enum { EXIT_USAGE = 1, EXIT_PROFILES = 2 };

static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	ssize_t w = write(signal_pipe[1], &b, 1);
	(void)w;
	errno = saved;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cisreportd [OPTIONS]\n"
		"Serve CIS benchmark reports over HTTP on a Unix socket (Bottlerocket's\n"
		"report API: GET /report, /report/cis, /report/fips; /settings; /metrics).\n\n"
		"  -s, --socket PATH        socket to create, mode 0660 [default: %s]\n"
		"                           (systemd socket activation, LISTEN_FDS, wins)\n"
		"  -g, --group NAME         group owning the socket: its members may read\n"
		"                           reports, settings and metrics [default: the daemon's]\n"
		"  -a, --admin-group NAME   members may also change the settings (PATCH\n"
		"                           /settings: waivers, observer) [default: none, only\n"
		"                           root and the daemon's own user]\n"
		"  -d, --state-dir DIR      where settings.json lives [default: %s]\n"
		"  -c, --check-dir DIR      profile directory (level1/, level2/ ...)\n"
		"                           [default: %s]\n"
		"      --root DIR           read host state under DIR instead of / (an offline\n"
		"                           tree: no observer, no commands, no netlink)\n"
		"      --host-root DIR      DIR is this machine's root filesystem mounted into\n"
		"                           a container (a Kubernetes hostPath): files under\n"
		"                           DIR, the kernel, commands and the observer live\n"
		"      --idle-timeout SEC   close a connection idle for SEC seconds [default: %d]\n"
		"      --max-connections N  connections served at once, all uids but root\n"
		"                           together; more get 503 [default: %d]\n"
		"      --max-connections-per-uid N\n"
		"                           connections one uid (not root) may have open;\n"
		"                           more get 503 with Retry-After [default: %d]\n"
		"      --request-deadline SEC\n"
		"                           a request (headers and body) must arrive whole\n"
		"                           within SEC seconds, however it trickles; else 408\n"
		"                           and closed [default: %d]\n"
		"      --threads N          N threads poll all connections and answer what is\n"
		"                           cached; 0: a thread per connection instead\n"
		"                           [default: %d]\n"
		"      --workers N          with --threads N > 0: threads that evaluate reports\n"
		"                           (and /metrics, PATCH /settings) for the polling\n"
		"                           threads [default: %d]\n"
		"      --command-max-age MS concurrent reports share iptables-save runs; also\n"
		"                           reuse a run started at most MS ago (0: only runs\n"
		"                           started after the request came) [default: %d];\n"
		"                           with the cache, the firewall's time-to-live\n"
		"      --full-interval SEC  re-evaluate every check at least this often, the\n"
		"                           safety net under the watches [default: %d]\n"
		"      --ttl MS             time-to-live of inputs without notifications\n"
		"                           (processes, units, securityfs; sysctl and modules\n"
		"                           while no observer runs) [default: %d]\n"
		"      --max-watchers N     GET /events streams open at once [default: %d]\n"
		"      --events-ring N      drift events kept for GET /events?since= [default: %d]\n"
		"      --no-cache           run every check for every request (no watches)\n"
		"      --checker-timeout MS how long each bloodhound checker in the check\n"
		"                           directory may run, and its metadata call\n"
		"                           (docs/checkers.md) [default: %d]\n"
		"      --metrics-listen ADDR:PORT\n"
		"                           also serve GET /metrics (and nothing else) over\n"
		"                           TCP for Prometheus, e.g. 127.0.0.1:9464 or\n"
		"                           [::1]:9464 (port 0: any free port, logged); it\n"
		"                           shows the host's compliance state to whoever\n"
		"                           reaches it: keep it on the node or cluster network\n"
		"                           [default: off]\n"
		"  -h, --help               this help\n"
		"  -V, --version            version\n\n"
		"The eBPF runtime observer runs from start-up while the settings' \"observer\"\n"
		"switch is on (the default; it needs root): reports then have the runtime\n"
		"checks, with results since the observer started.\n\n"
		"Reports are answered from a cache of each check's last result, kept until\n"
		"one of its inputs changes (inotify, the mount table, SELinux, the observer's\n"
		"sysctl and module events; a time-to-live where there is no notification).\n"
		"?fresh=true or Cache-Control: no-cache runs every check. GET /events streams\n"
		"drift events (a check's status changed). See docs/continuous.md.\n\n"
		"Signals: SIGTERM/SIGINT finish the requests in flight, remove the socket and\n"
		"exit 0; SIGHUP reloads the profiles and the settings.\n",
		DEFAULT_SOCKET_PATH, DEFAULT_STATE_DIR, CISREPORT_PROFILE_DIR, DEFAULT_IDLE_TIMEOUT,
		DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_UID, DEFAULT_REQUEST_DEADLINE,
		DEFAULT_THREADS, DEFAULT_WORKERS, DEFAULT_COMMAND_MAX_AGE_MS, CACHE_DEFAULT_FULL_INTERVAL, WATCH_DEFAULT_TTL_MS,
		DEFAULT_MAX_WATCHERS, EVENTS_DEFAULT_RING, HOST_CHECKER_TIMEOUT_MS);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("cisreportd: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'cisreportd --help' for the options.\n", stderr);
	return EXIT_USAGE;
}

static bool parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < lo || v > hi)
		return false;
	*out = (unsigned)v;
	return true;
}

static int parse_args(int argc, char **argv, struct daemon_options *o)
{
	enum {
		OPT_ROOT = 256,
		OPT_IDLE,
		OPT_MAXCONN,
		OPT_THREADS,
		OPT_WORKERS,
		OPT_CMD_AGE,
		OPT_FULL,
		OPT_TTL,
		OPT_WATCHERS,
		OPT_RING,
		OPT_NO_CACHE,
		OPT_PER_UID,
		OPT_DEADLINE,
		OPT_CHECKER_TIMEOUT,
		OPT_METRICS,
		OPT_HOST_ROOT,
	};
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"group", required_argument, NULL, 'g'},
		{"admin-group", required_argument, NULL, 'a'},
		{"state-dir", required_argument, NULL, 'd'},
		{"check-dir", required_argument, NULL, 'c'},
		{"root", required_argument, NULL, OPT_ROOT},
		{"host-root", required_argument, NULL, OPT_HOST_ROOT},
		{"idle-timeout", required_argument, NULL, OPT_IDLE},
		{"max-connections", required_argument, NULL, OPT_MAXCONN},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"workers", required_argument, NULL, OPT_WORKERS},
		{"max-connections-per-uid", required_argument, NULL, OPT_PER_UID},
		{"request-deadline", required_argument, NULL, OPT_DEADLINE},
		{"command-max-age", required_argument, NULL, OPT_CMD_AGE},
		{"full-interval", required_argument, NULL, OPT_FULL},
		{"ttl", required_argument, NULL, OPT_TTL},
		{"max-watchers", required_argument, NULL, OPT_WATCHERS},
		{"events-ring", required_argument, NULL, OPT_RING},
		{"no-cache", no_argument, NULL, OPT_NO_CACHE},
		{"checker-timeout", required_argument, NULL, OPT_CHECKER_TIMEOUT},
		{"metrics-listen", required_argument, NULL, OPT_METRICS},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	*o = (struct daemon_options){
		.socket_path = DEFAULT_SOCKET_PATH,
		.state_dir = DEFAULT_STATE_DIR,
		.idle_timeout = DEFAULT_IDLE_TIMEOUT,
		.max_connections = DEFAULT_MAX_CONNECTIONS,
		.max_connections_per_uid = DEFAULT_MAX_CONNECTIONS_PER_UID,
		.request_deadline = DEFAULT_REQUEST_DEADLINE,
		.command_max_age_ms = DEFAULT_COMMAND_MAX_AGE_MS,
		.full_interval_s = CACHE_DEFAULT_FULL_INTERVAL,
		.ttl_ms = WATCH_DEFAULT_TTL_MS,
		.max_watchers = DEFAULT_MAX_WATCHERS,
		.threads = DEFAULT_THREADS,
		.workers = DEFAULT_WORKERS,
		.events_ring = EVENTS_DEFAULT_RING,
		.cache = true,
	};
	opterr = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, ":s:g:a:d:c:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			o->socket_path = optarg;
			break;
		case 'g':
			o->group = optarg;
			break;
		case 'a':
			o->admin_group = optarg;
			break;
		case 'd':
			o->state_dir = optarg;
			break;
		case 'c':
			o->check_dir = optarg;
			break;
		case OPT_ROOT:
		case OPT_HOST_ROOT:
			if (o->root)
				return usage_error("--root and --host-root: one root (--root for an offline tree, --host-root for this machine's mounted root)");
			o->root = optarg;
			o->host_root = opt == OPT_HOST_ROOT;
			break;
		case OPT_IDLE:
			if (!parse_uint(optarg, 1, 3600, &o->idle_timeout))
				return usage_error("invalid --idle-timeout '%s', use 1-3600 seconds",
						   optarg);
			break;
		case OPT_MAXCONN:
			if (!parse_uint(optarg, 1, 4096, &o->max_connections))
				return usage_error("invalid --max-connections '%s', use 1-4096", optarg);
			break;
		case OPT_PER_UID:
			if (!parse_uint(optarg, 1, 4096, &o->max_connections_per_uid))
				return usage_error("invalid --max-connections-per-uid '%s', use 1-4096",
						   optarg);
			break;
		case OPT_DEADLINE:
			if (!parse_uint(optarg, 1, 600, &o->request_deadline))
				return usage_error("invalid --request-deadline '%s', use 1-600 seconds",
						   optarg);
			break;
		case OPT_THREADS:
			if (!parse_uint(optarg, 0, 64, &o->threads))
				return usage_error("invalid --threads '%s', use 0-64", optarg);
			break;
		case OPT_WORKERS:
			if (!parse_uint(optarg, 1, 64, &o->workers))
				return usage_error("invalid --workers '%s', use 1-64", optarg);
			break;
		case OPT_CHECKER_TIMEOUT: {
			unsigned ms;
			if (!parse_uint(optarg, 100, 3600000, &ms))
				return usage_error("invalid --checker-timeout '%s', use 100-3600000 (ms)",
						   optarg);
			host_set_checker_timeout((int)ms);
			break;
		}
		case OPT_CMD_AGE:
			if (!parse_uint(optarg, 0, 60000, &o->command_max_age_ms))
				return usage_error("invalid --command-max-age '%s', use 0-60000 (ms)",
						   optarg);
			break;
		case OPT_FULL:
			if (!parse_uint(optarg, 1, 86400, &o->full_interval_s))
				return usage_error("invalid --full-interval '%s', use 1-86400 (s)",
						   optarg);
			break;
		case OPT_TTL:
			if (!parse_uint(optarg, 1, 600000, &o->ttl_ms))
				return usage_error("invalid --ttl '%s', use 1-600000 (ms)", optarg);
			break;
		case OPT_WATCHERS:
			if (!parse_uint(optarg, 0, 4096, &o->max_watchers))
				return usage_error("invalid --max-watchers '%s', use 0-4096", optarg);
			break;
		case OPT_RING:
			if (!parse_uint(optarg, 1, 1000000, &o->events_ring))
				return usage_error("invalid --events-ring '%s', use 1-1000000", optarg);
			break;
		case OPT_NO_CACHE:
			o->cache = false;
			break;
		case OPT_METRICS: {
			char err[512];
			if (o->metrics_listen)
				return usage_error("--metrics-listen given twice: one listener (use [::] or 0.0.0.0 for all addresses of a family)");
			if (metrics_addr_parse(optarg, &o->metrics_addr, err, sizeof(err)) < 0)
				return usage_error("%s", err);
			o->metrics_listen = true;
			break;
		}
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("cisreportd %s\nfeatures: %s\n", CISREPORT_VERSION, CISREPORT_FEATURES);
			exit(0);
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->check_dir)
		o->check_dir = profile_default_dir();
	return 0;
}

static int make_dirs(const char *dir)
{
	char *copy = strdup(dir);
	if (!copy)
		return -ENOMEM;
	int rc = 0;
	for (char *p = copy + 1; *p && !rc; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST)
			rc = -errno;
		*p = '/';
	}
	if (!rc && mkdir(copy, 0755) < 0 && errno != EEXIST)
		rc = -errno;
	free(copy);
	return rc;
}

static void describe(const struct catalog *c, const struct settings *s, const char *path)
{
	char list[1024] = "";
	for (size_t i = 0; i < c->n_profiles; i++) {
		size_t used = strlen(list);
		snprintf(list + used, sizeof(list) - used, "%s%s (%s, %zu checks)", used ? ", " : "",
			 c->profiles[i].bm.report, c->profiles[i].bm.type, c->profiles[i].n_checks);
	}
	daemon_log("profiles from %s: %s", c->dir, list);
	for (size_t i = 0; i < c->n_profiles; i++) {
		const struct profile *p = &c->profiles[i];
		if (p->n_checkers)
			daemon_log("%s: %zu bloodhound checker(s) from %s", p->bm.report, p->n_checkers,
				   p->dir);
		for (size_t j = 0; j < p->n_warnings; j++)
			daemon_log("%s: warning: %s", p->bm.report, p->warnings[j]);
	}
	daemon_log("settings %s: level %d, format %s, observer %s, %zu waiver(s)", path, s->level,
		   s->format, s->observer ? "on" : "off", s->n_waivers);
}

/* SIGHUP: both reload, or what failed keeps its old value. */
static void reload(struct daemon *d)
{
	notify_systemd("RELOADING=1");
	char err[1024];
	struct catalog *c = NULL;
	struct settings s;
	bool ok = true;
	if (catalog_load(d->opt.check_dir, &c, err, sizeof(err)) < 0) {
		daemon_log("reload: profiles not reloaded, keeping the loaded ones: %s", err);
		c = NULL;
		ok = false;
	}
	struct shared_settings *ss = NULL;
	/* A PATCH in progress writes the file and installs its result: wait
	 * for it, so the file and the served settings end up the same. */
	pthread_mutex_lock(&d->patch_lock);
	if (settings_load_at(d->settings_path, SAFE_NOFOLLOW, &s, NULL, err, sizeof(err)) < 0) {
		daemon_log("reload: settings not reloaded, keeping the current ones: %s", err);
		ok = false;
	} else if (!(ss = shared_settings_new(&s))) {
		daemon_log("reload: out of memory");
		ok = false;
	}
	daemon_install(d, c, ss);
	if (ss)
		daemon_observer_follow(d, ss->s.observer);
	pthread_mutex_unlock(&d->patch_lock);
	atomic_fetch_add(ok ? &d->reloads : &d->reload_failures, 1);
	/* Before the log lines below: who waits for them sees the new state. */
	if (d->cache)
		cache_invalidate(d->cache, "SIGHUP (reload)");
	struct catalog *cur;
	struct shared_settings *cs;
	daemon_snapshot(d, &cur, &cs);
	describe(cur, &cs->s, d->settings_path);
	daemon_warn_unknown_waivers(cur, &cs->s);
	catalog_unref(cur);
	shared_settings_unref(cs);
	notify_systemd("READY=1");
}

static void log_removed(const char *tmp, void *arg)
{
	(void)arg;
	daemon_log("removed %s, left by an interrupted settings write", tmp);
}

/* SIGHUP reloads in a thread of its own, so that the main loop always
 * sees SIGTERM: a reload that is slow (or, whatever guards the reads,
 * stuck in a file system) never delays a stop. A SIGHUP during a reload
 * runs one more reload after it. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t done;
	bool running, again, started;
	pthread_t thread;
} reloader = {.lock = PTHREAD_MUTEX_INITIALIZER, .done = PTHREAD_COND_INITIALIZER};

static void *reload_main(void *arg)
{
	struct daemon *d = arg;
	pthread_mutex_lock(&reloader.lock);
	while (reloader.again && !atomic_load(&d->stopping)) {
		reloader.again = false;
		pthread_mutex_unlock(&reloader.lock);
		reload(d);
		pthread_mutex_lock(&reloader.lock);
	}
	reloader.running = false;
	pthread_cond_broadcast(&reloader.done);
	pthread_mutex_unlock(&reloader.lock);
	return NULL;
}

static void reload_request(struct daemon *d)
{
	pthread_mutex_lock(&reloader.lock);
	reloader.again = true;
	if (reloader.running) {
		daemon_log("SIGHUP: a reload is running; reloading once more after it");
	} else {
		if (reloader.started)
			pthread_join(reloader.thread, NULL);
		reloader.started = false;
		if (pthread_create(&reloader.thread, NULL, reload_main, d) == 0) {
			reloader.running = reloader.started = true;
		} else {
			reloader.again = false;
			daemon_log("SIGHUP: cannot start a reload thread: %s", strerror(errno));
		}
	}
	pthread_mutex_unlock(&reloader.lock);
}

/* At stop: wait for a running reload at most RELOAD_STOP_WAIT_MS. true: it
 * finished (or none ran), everything may be released. */
static bool reload_finish(void)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += RELOAD_STOP_WAIT_MS / 1000;
	until.tv_nsec += (long)(RELOAD_STOP_WAIT_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&reloader.lock);
	reloader.again = false;
	int rc = 0;
	while (reloader.running && rc == 0)
		rc = pthread_cond_timedwait(&reloader.done, &reloader.lock, &until);
	bool finished = !reloader.running;
	bool join = finished && reloader.started;
	reloader.started = reloader.started && !join;
	pthread_mutex_unlock(&reloader.lock);
	if (join)
		pthread_join(reloader.thread, NULL);
	return finished;
}

/* SIGTERM: no new connections, socket file gone, requests in flight
 * answered (their responses say Connection: close), then stop. */
static void shut_down(struct daemon *d, struct listener *l)
{
	atomic_store(&d->stopping, true);
	notify_systemd("STOPPING=1");
	metrics_listener_stop(d);
	long pending = atomic_load(&d->in_flight);
	daemon_log("stopping: %ld request(s) in flight", pending);
	int fd = server_quiesce(d);
	listener_unlink(l);
	for (int waited = 0; atomic_load(&d->in_flight) > 0 && waited < DRAIN_TIMEOUT_MS;
	     waited += 10)
		usleep(10000);
	if (atomic_load(&d->in_flight) > 0)
		daemon_log("stopping: %ld request(s) still running after %d ms, closing them",
			   atomic_load(&d->in_flight), DRAIN_TIMEOUT_MS);
	server_stop(d);
	if (fd >= 0)
		close(fd);
	else if (l->fd >= 0)
		close(l->fd);
	daemon_log("stopped");
}

static int setup_signals(void)
{
	if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0)
		return -errno;
	/* A closed stderr pipe must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Everything main() built, released in reverse order; every field may be
 * NULL, so each early exit and the normal stop share this one path. */
static void daemon_release(struct daemon *d)
{
	/* First: its scrapes read the cache and the observer. */
	metrics_listener_stop(d);
	cache_free(d->cache);
	events_free(d->events);
	catalog_unref(d->catalog);
	shared_settings_unref(d->settings);
	shared_observer_unref(d->observer);
	command_share_free(d->commands);
	latency_free(d->latency);
}

int main(int argc, char **argv)
{
	profile_use_shipped(&cisreport_shipped_profiles);
	struct daemon d = {0};
	int rc = parse_args(argc, argv, &d.opt);
	if (rc)
		return rc;
	d.admin_gid = -1;
	if (d.opt.admin_group) {
		gid_t gid;
		char gerr[256];
		if (lookup_group("--admin-group", d.opt.admin_group, &gid, gerr, sizeof(gerr)) < 0)
			return usage_error("%s", gerr);
		d.admin_gid = (long)gid;
	}
	pthread_mutex_init(&d.lock, NULL);
	pthread_mutex_init(&d.patch_lock, NULL);
	clock_gettime(CLOCK_REALTIME, &d.started);
	if (setup_signals() < 0) {
		fprintf(stderr, "cisreportd: cannot set up signals: %s\n", strerror(errno));
		return EXIT_USAGE;
	}

	char err[1024];
	if (snprintf(d.settings_path, sizeof(d.settings_path), "%s/%s", d.opt.state_dir,
		     SETTINGS_FILE_NAME) >= (int)sizeof(d.settings_path))
		return usage_error("--state-dir %s: path too long", d.opt.state_dir);
	if ((rc = make_dirs(d.opt.state_dir)) < 0) {
		fprintf(stderr, "cisreportd: cannot create state directory %s: %s\n",
			d.opt.state_dir, strerror(-rc));
		return EXIT_USAGE;
	}
	if (d.opt.root) {
		struct host probe;
		if ((rc = host_init(&probe, d.opt.root)) < 0)
			return usage_error("%s %s: %s", d.opt.host_root ? "--host-root" : "--root",
					   d.opt.root, strerror(-rc));
		host_free(&probe);
	}
	/* A writer killed mid-way (kill -9, power loss) leaves a temporary
	 * file of its settings write; no writer runs before us. */
	int stale = atomic_remove_stale(d.settings_path, log_removed, NULL);
	if (stale < 0 && stale != -ENOENT)
		daemon_log("cannot look for stale temporary files in %s: %s", d.opt.state_dir,
			   strerror(-stale));
	struct catalog *c;
	if (catalog_load(d.opt.check_dir, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "cisreportd: %s\n", err);
		return EXIT_PROFILES;
	}
	struct settings s;
	if (settings_load_at(d.settings_path, SAFE_NOFOLLOW, &s, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "cisreportd: settings: %s\n", err);
		catalog_unref(c);
		return EXIT_USAGE;
	}
	d.catalog = c;
	if (!(d.settings = shared_settings_new(&s))) {
		catalog_unref(c);
		return EXIT_USAGE;
	}

	if (!(d.commands = command_share_new((int)d.opt.command_max_age_ms))) {
		catalog_unref(c);
		shared_settings_unref(d.settings);
		return EXIT_USAGE;
	}

	struct cache_config cc = {.root = d.opt.root,
				  .mounted = d.opt.host_root,
				  .ttl_ms = d.opt.ttl_ms,
				  .firewall_ttl_ms = d.opt.command_max_age_ms,
				  .full_interval_s = d.opt.full_interval_s};
	if (!(d.events = events_new(d.opt.events_ring)) || !(d.latency = latency_new()) ||
	    (cc.events = d.events, d.opt.cache && !(d.cache = cache_new(&cc)))) {
		fprintf(stderr, "cisreportd: out of memory\n");
		daemon_release(&d);
		return EXIT_USAGE;
	}

	/* Before the observer and the socket: a port in use is an error at
	 * start, with nothing loaded or left behind. */
	if (d.opt.metrics_listen &&
	    metrics_listener_start(&d, &d.opt.metrics_addr, err, sizeof(err)) < 0) {
		fprintf(stderr, "cisreportd: %s\n", err);
		daemon_release(&d);
		return EXIT_USAGE;
	}

	/* Before the first request: every report has the runtime checks. */
	daemon_observer_follow(&d, d.settings->s.observer);

	struct listener l;
	if (listener_open(d.opt.socket_path, d.opt.group, &l, err, sizeof(err)) < 0) {
		fprintf(stderr, "cisreportd: %s\n", err);
		daemon_release(&d);
		return EXIT_USAGE;
	}
	if (server_start(&d, l.fd, err, sizeof(err)) < 0) {
		fprintf(stderr, "cisreportd: %s\n", err);
		listener_unlink(&l);
		close(l.fd);
		daemon_release(&d);
		return EXIT_USAGE;
	}
	char threads[64] = "a thread per connection";
	if (d.opt.threads)
		snprintf(threads, sizeof(threads), "%u polling threads, %u workers", d.opt.threads,
			 d.opt.workers);
	daemon_log("cisreportd %s listening on %s%s, %s", CISREPORT_VERSION, l.path,
		   l.activated ? " (socket from systemd)" : "", threads);
	describe(d.catalog, &d.settings->s, d.settings_path);
	daemon_warn_unknown_waivers(d.catalog, &d.settings->s);
	if (d.cache && refresher_start(&d) < 0)
		daemon_log("cannot start the background re-evaluation: drift is seen by requests only");
	notify_systemd("READY=1");

	for (;;) {
		struct pollfd p = {.fd = signal_pipe[0], .events = POLLIN};
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		unsigned char sig;
		bool stop = false;
		while (read(signal_pipe[0], &sig, 1) == 1) {
			if (sig == SIGHUP) {
				daemon_log("SIGHUP: reloading profiles and settings");
				reload_request(&d);
			} else {
				stop = true;
			}
		}
		if (stop)
			break;
	}
	atomic_store(&d.stopping, true);
	if (!reload_finish()) {
		/* The reload thread holds the settings lock a PATCH may wait
		 * for, and uses what daemon_release frees: the promise is to
		 * stop, so stop without it. */
		listener_unlink(&l);
		daemon_log("stopping: a reload still running after %d ms is abandoned; stopped",
			   RELOAD_STOP_WAIT_MS);
		_exit(0);
	}
	shut_down(&d, &l);
	refresher_stop(&d);
	daemon_release(&d);
	pthread_mutex_destroy(&d.lock);
	pthread_mutex_destroy(&d.patch_lock);
	return 0;
}
