/* cisreportd's shared state: the loaded profiles and settings (swapped
 * whole on SIGHUP or PATCH /settings, reference-counted so that running
 * requests keep what they started with), and counters for /metrics. */
#ifndef CISREPORTD_DAEMON_H
#define CISREPORTD_DAEMON_H

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "catalog.h"
#include "metrics_listen.h"
#include "settings/settings.h"

#define DEFAULT_SOCKET_PATH "/run/cisreport/api.sock"
#define DEFAULT_STATE_DIR "/var/lib/cisreport"
#define DEFAULT_IDLE_TIMEOUT 30
#define DEFAULT_MAX_CONNECTIONS 256
/* A request (headers and body) arrives whole within this many seconds. */
#define DEFAULT_REQUEST_DEADLINE 5
/* Connections one uid (other than root) may have open at once. */
#define DEFAULT_MAX_CONNECTIONS_PER_UID 32
/* Firewall state in a report is at most this old (ms) when reports overlap. */
#define DEFAULT_COMMAND_MAX_AGE_MS 1000
#define DEFAULT_MAX_WATCHERS 64
/* Polling threads: one answers ~30,000 cached reports a second; more
 * split the connections between them (each stays on its thread). */
#define DEFAULT_THREADS 1
/* Threads that evaluate reports (and other slow requests) for them. */
#define DEFAULT_WORKERS 4
/* Largest request body accepted (PATCH /settings). */
#define MAX_BODY (64u << 10)
/* The request target and header sizes the daemon answers with 414 and 431
 * (JSON bodies). They sit well inside the per-connection memory, beyond
 * which libmicrohttpd itself answers 414 or 431 (HTML bodies). */
#define MAX_TARGET (8u << 10)
#define MAX_HEADER_BYTES (16u << 10)
#define CONNECTION_MEMORY (64u << 10)
/* How long SIGTERM waits for requests in flight. */
#define DRAIN_TIMEOUT_MS 30000
/* How long a stop waits, after the drain, for a SIGHUP reload to finish
 * before exiting without it. */
#define RELOAD_STOP_WAIT_MS 2000

struct observer;
struct command_share;
struct cache;
struct events;
struct MHD_Daemon;
struct admission;
struct workers;
struct stream_hub;
struct latency;
struct host;

struct daemon_options {
	const char *socket_path;
	const char *group;
	const char *admin_group; /* may change settings besides root; NULL: root only */
	const char *state_dir;
	const char *check_dir;
	const char *root; /* host root for the probes; NULL: the live machine */
	bool host_root;   /* --host-root: root is this machine's, mounted (host_init_mounted) */
	unsigned idle_timeout;
	unsigned max_connections; /* of all uids but root and the daemon's */
	unsigned max_connections_per_uid;
	unsigned request_deadline; /* seconds */
	unsigned threads; /* 0: a thread per connection; N: N polling threads */
	unsigned workers; /* polling mode: threads for the slow requests */
	unsigned command_max_age_ms; /* reuse iptables-save output this young */
	unsigned full_interval_s;    /* safety-net full re-evaluation */
	unsigned ttl_ms;             /* inputs without notifications */
	unsigned max_watchers;       /* GET /events streams */
	unsigned events_ring;        /* drift events kept */
	bool cache;                  /* false: --no-cache */
	bool metrics_listen;         /* --metrics-listen given: metrics_addr */
	struct metrics_addr metrics_addr;
};

struct shared_settings {
	atomic_int refs;
	unsigned long gen; /* a number no other settings value had */
	struct settings s;
};

/* The runtime observer as requests hold it: reference-counted like the
 * settings, so switching it off (PATCH, SIGHUP) never frees one that a
 * running report or scrape still reads; the last holder frees it. */
struct shared_observer {
	atomic_int refs;
	struct observer *o; /* running, or not (it carries the reason) */
};

/* Status codes counted for /metrics; the last slot counts the others. */
#define TRACKED_CODES {200, 304, 400, 403, 404, 405, 408, 413, 414, 422, 431, 500, 503}
#define N_TRACKED_CODES 13

/* What made the daemon evaluate checks: a report request that ran them
 * (a cache miss, ?fresh=true, --no-cache), the background re-evaluation of
 * changed inputs, a /metrics scrape. */
enum eval_trigger { EVAL_REQUEST, EVAL_BACKGROUND, EVAL_SCRAPE, EVAL_NTRIGGERS };

struct daemon {
	struct daemon_options opt;
	char settings_path[PATH_MAX];
	long admin_gid; /* --admin-group resolved; -1: none */

	pthread_mutex_t lock; /* guards the two pointers below */
	struct catalog *catalog;
	struct shared_settings *settings;
	pthread_mutex_t patch_lock; /* one settings change at a time */

	/* The runtime observer (eBPF), started at start-up when the settings'
	 * observer switch is on and kept until the switch goes off; guarded
	 * by lock. Every request's host handle points at it, so reports have
	 * the runtime checks. NULL: off (or --root), observer_off says why. */
	struct shared_observer *observer;
	char observer_off[256];
	atomic_ulong observer_starts; /* observers started (or tried) */

	/* iptables-save and ip6tables-save runs, joined by concurrent reports. */
	struct command_share *commands;

	/* Results and bodies kept until their inputs change (cache.c), and
	 * the drift events their changes make (events.c). */
	struct cache *cache;
	struct events *events;
	atomic_uint watchers; /* open GET /events streams */
	pthread_t refresher;  /* re-runs changed checks without a request */
	bool refresher_running;
	atomic_bool refresher_stop;

	struct timespec started; /* wall clock */
	atomic_bool stopping;
	atomic_long in_flight;
	atomic_ulong requests[N_TRACKED_CODES + 1];
	atomic_ulong reloads, reload_failures;
	/* Evaluations, and the CPU time the threads that ran them spent in
	 * them, by trigger (daemon_count_evaluation). */
	atomic_ulong evaluations[EVAL_NTRIGGERS];
	atomic_ullong evaluation_cpu_ns[EVAL_NTRIGGERS];
	struct MHD_Daemon *mhd;
	struct admission *admission; /* accepts and times connections (admission.h) */
	/* Polling mode (--threads N): the slow requests' threads
	 * (workers.h) and the suspended event streams (stream.h). */
	struct workers *workers;
	struct stream_hub *streams;

	/* Report latency histogram for /metrics (latency.h). */
	struct latency *latency;
	/* --metrics-listen (metrics_listen.h): its server, the address bound,
	 * and its answers: 200, 404, 405, other. */
	struct MHD_Daemon *metrics_mhd;
	char metrics_bound[80];
	atomic_ulong metrics_requests[4];
};

struct shared_settings *shared_settings_new(struct settings *s); /* takes s */
struct shared_settings *shared_settings_ref(struct shared_settings *s);
void shared_settings_unref(struct shared_settings *s);

/* The current catalog and settings, referenced for the caller. */
void daemon_snapshot(struct daemon *d, struct catalog **c, struct shared_settings **s);
/* Replace either or both (NULL: keep); takes the caller's references. */
void daemon_install(struct daemon *d, struct catalog *c, struct shared_settings *s);

/* The tunables in effect: the settings' value when set, else the option. */
unsigned daemon_max_watchers(const struct daemon *d, const struct settings *s);
unsigned daemon_full_interval_s(const struct daemon *d, const struct settings *s);

struct shared_observer *shared_observer_ref(struct shared_observer *so); /* NULL ok */
void shared_observer_unref(struct shared_observer *so);

/* The current observer, referenced for the caller (NULL: off); when off,
 * why, into off_reason (may be NULL). */
struct shared_observer *daemon_observer(struct daemon *d, char *off_reason, size_t size);

/* Make the observer follow the settings' switch: on and none → start one
 * (a failure to load is logged once and kept: the runtime checks SKIP
 * with its reason), off → drop it. Called with patch_lock held, so one
 * change at a time. On an offline root (--root) it never starts. */
void daemon_observer_follow(struct daemon *d, bool on);

/* A host handle for a report: the live machine, --root's tree or
 * --host-root's mount. */
int daemon_host_init(const struct daemon *d, struct host *h);

/* Count an answer for /metrics' request counters. */
void daemon_count_status(struct daemon *d, unsigned status);

/* The calling thread's CPU time so far, in nanoseconds (0 if the clock
 * cannot be read): what an evaluation starts from. */
unsigned long long daemon_thread_cpu_ns(void);

/* Count one evaluation of trigger t, which began on this thread when its
 * CPU time was started_ns (daemon_thread_cpu_ns), for /metrics. */
void daemon_count_evaluation(struct daemon *d, enum eval_trigger t, unsigned long long started_ns);

/* The label value of t in /metrics. */
const char *eval_trigger_name(enum eval_trigger t);

/* A libmicrohttpd log message into buf, without its trailing newlines. */
void mhd_message(char *buf, size_t size, const char *fmt, va_list ap);

/* Log a line to stderr (one write, so lines from threads do not mix). */
__attribute__((format(printf, 1, 2))) void daemon_log(const char *fmt, ...);

/* Waivers naming no loaded check are kept, but said once at load. */
void daemon_warn_unknown_waivers(const struct catalog *c, const struct settings *s);

/* The background re-evaluation (refresh.c): waits on the watches and
 * re-runs the checks whose inputs changed, so drift events come without
 * a request. */
int refresher_start(struct daemon *d);
void refresher_stop(struct daemon *d);

/* HTTP server over the listening socket (server.c). */
int server_start(struct daemon *d, int listen_fd, char *err, size_t err_size);
/* Stop accepting; returns the listening descriptor (to close after stop). */
int server_quiesce(struct daemon *d);
void server_stop(struct daemon *d);

/* GET /metrics body (metrics.c): Prometheus text format 0.0.4. */
int metrics_render(struct daemon *d, const struct catalog *c, const struct settings *s,
		   char **buf, size_t *len);

#endif
