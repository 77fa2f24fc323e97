#include "spawn_set.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void spawn_set_init(struct spawn_set *s)
{
	memset(s, 0, sizeof(*s));
}

static struct spawn_proc *add_entry(struct spawn_set *s, const char *key)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct spawn_proc *n = realloc(s->procs, cap * sizeof(*n));
		if (!n)
			return NULL;
		s->procs = n;
		s->cap = cap;
	}
	struct spawn_proc *p = &s->procs[s->n];
	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->out_fd = p->err_fd = p->pidfd = -1;
	p->key = strdup(key ? key : "");
	if (!p->key)
		return NULL;
	s->n++;
	return p;
}

/* data is malloc'd exactly when cap > 0; out of memory leaves a stream
 * empty (a static ""), never NULL. */
static void buf_finish(struct spawn_buf *b)
{
	static char empty[1];
	if (!b->cap) {
		b->data = malloc(1);
		if (b->data)
			b->cap = 1;
		else
			b->data = empty;
		b->len = 0;
	}
	b->data[b->len] = '\0';
}

static void mark_done(struct spawn_proc *p)
{
	p->done = true;
	p->ended_ms = now_ms();
	buf_finish(&p->out);
	buf_finish(&p->err);
}

int spawn_set_refuse(struct spawn_set *s, const char *key, const char *why)
{
	struct spawn_proc *p = add_entry(s, key);
	if (!p)
		return -ENOMEM;
	p->refused = strdup(why);
	p->start_err = -EPERM;
	mark_done(p);
	return p->refused ? (int)(s->n - 1) : -ENOMEM;
}

/* A pipe whose read end (ours) is non-blocking and close-on-exec; the
 * write end is the child's stdout or stderr. */
static int make_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	int fl = fcntl(fds[0], F_GETFL);
	if (fl < 0 || fcntl(fds[0], F_SETFL, fl | O_NONBLOCK) < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		return -e;
	}
	return 0;
}

int spawn_set_start(struct spawn_set *s, const char *key, const char *path, char *const argv[],
		    int timeout_ms)
{
	struct spawn_proc *p = add_entry(s, key);
	if (!p)
		return -ENOMEM;
	int idx = (int)(s->n - 1);
	p->timeout_ms = timeout_ms;
	p->started_ms = now_ms();
	p->deadline_ms = p->started_ms + timeout_ms;

	int out[2], err[2];
	int rc = make_pipe(out);
	if (rc) {
		p->start_err = rc;
		mark_done(p);
		return idx;
	}
	rc = make_pipe(err);
	if (rc) {
		close(out[0]);
		close(out[1]);
		p->start_err = rc;
		mark_done(p);
		return idx;
	}

	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
	/* Whatever the caller (a daemon) holds open without O_CLOEXEC stays
	 * with the caller; the checker starts in "/". */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawn_file_actions_addchdir_np(&fa, "/");
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	/* A group of its own (killed as one), no blocked signals, and every
	 * signal at its default: an ignored SIGPIPE would otherwise be kept
	 * across exec. */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	static char *const env[] = {SPAWN_ENV_PATH, SPAWN_ENV_LOCALE, NULL};
	pid_t pid;
	rc = posix_spawn(&pid, path, &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(out[1]);
	close(err[1]);
	if (rc != 0) {
		close(out[0]);
		close(err[0]);
		p->start_err = -rc;
		mark_done(p);
		return idx;
	}
	p->pid = pid;
	p->out_fd = out[0];
	p->err_fd = err[0];
	/* Wakes the poll when it exits; without pidfds (old kernels) the loop
	 * looks every 10 ms. */
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	return idx;
}

int spawn_set_find(const struct spawn_set *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->procs[i].key, key) == 0)
			return (int)i;
	return -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Read what is there; at EOF or on an error the stream is closed. */
static void drain(struct spawn_buf *b, int *fd)
{
	for (;;) {
		char sink[4096];
		char *dst = sink;
		size_t room = sizeof(sink);
		if (b->len < SPAWN_MAX_OUTPUT) {
			if (b->cap < b->len + 4096 + 1 && b->cap < SPAWN_MAX_OUTPUT + 1) {
				size_t cap = b->cap ? b->cap * 2 : 4096;
				if (cap > SPAWN_MAX_OUTPUT + 1)
					cap = SPAWN_MAX_OUTPUT + 1;
				char *n = realloc(b->data, cap);
				if (n) {
					b->data = n;
					b->cap = cap;
				}
			}
			if (b->cap > b->len + 1) {
				dst = b->data + b->len;
				room = b->cap - b->len - 1;
				if (room > SPAWN_MAX_OUTPUT - b->len)
					room = SPAWN_MAX_OUTPUT - b->len;
			}
		}
		ssize_t n = read(*fd, dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(fd);
			return;
		}
		if (dst == sink)
			b->truncated = true; /* over the bound (or out of memory): dropped */
		else
			b->len += (size_t)n;
	}
}

/* Has the program exited? Looked at without reaping it: while it is a
 * zombie its pid, and so its process group id, cannot be reused. */
static bool has_exited(const struct spawn_proc *p)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == ECHILD;
	return si.si_pid != 0;
}

/* Kill the group (the program if it still runs, and whatever it left),
 * reap the program, close its streams. */
static void finish(struct spawn_proc *p, bool timed_out)
{
	kill(-p->pid, SIGKILL);
	int st = 0;
	pid_t r;
	while ((r = waitpid(p->pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r == p->pid) {
		if (WIFEXITED(st)) {
			p->exit_status = WEXITSTATUS(st);
		} else if (WIFSIGNALED(st)) {
			p->term_signal = WTERMSIG(st);
			p->exit_status = 128 + p->term_signal;
		}
	}
	p->timed_out = timed_out;
	p->pid = -1;
	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	close_fd(&p->pidfd);
	mark_done(p);
}

/* Settle what can be settled without waiting; returns the poll timeout (ms,
 * -1: nothing left to wait for). */
static int settle(struct spawn_set *s)
{
	long long now = now_ms();
	long long wake = -1;
	for (size_t i = 0; i < s->n; i++) {
		struct spawn_proc *p = &s->procs[i];
		if (p->done)
			continue;
		if (!p->exited_ms && has_exited(p))
			p->exited_ms = now;
		bool streams_open = p->out_fd >= 0 || p->err_fd >= 0;
		if (now >= p->deadline_ms && (!p->exited_ms || streams_open)) {
			finish(p, !p->exited_ms);
			continue;
		}
		if (p->exited_ms && (!streams_open || now >= p->exited_ms + SPAWN_GRACE_MS)) {
			finish(p, false);
			continue;
		}
		long long at = p->deadline_ms;
		if (p->exited_ms && p->exited_ms + SPAWN_GRACE_MS < at)
			at = p->exited_ms + SPAWN_GRACE_MS;
		if (!p->exited_ms && p->pidfd < 0 && now + 10 < at)
			at = now + 10;
		if (wake < 0 || at < wake)
			wake = at;
	}
	if (wake < 0)
		return -1;
	return wake > now ? (int)(wake - now) : 0;
}

static bool target_done(const struct spawn_set *s, int idx)
{
	if (idx >= 0)
		return (size_t)idx >= s->n || s->procs[idx].done;
	for (size_t i = 0; i < s->n; i++)
		if (!s->procs[i].done)
			return false;
	return true;
}

void spawn_set_wait(struct spawn_set *s, int idx)
{
	struct pollfd *fds = NULL;
	size_t cap = 0;
	for (;;) {
		int timeout = settle(s);
		if (target_done(s, idx) || timeout < 0)
			break;
		if (cap < 3 * s->n) {
			struct pollfd *n = realloc(fds, 3 * s->n * sizeof(*n));
			if (!n) {
				/* No memory for the poll set: sleep a little and look again. */
				struct timespec ms = {0, 10 * 1000000};
				nanosleep(&ms, NULL);
				continue;
			}
			fds = n;
			cap = 3 * s->n;
		}
		size_t n = 0;
		for (size_t i = 0; i < s->n; i++) {
			const struct spawn_proc *p = &s->procs[i];
			if (p->done)
				continue;
			if (p->out_fd >= 0)
				fds[n++] = (struct pollfd){.fd = p->out_fd, .events = POLLIN};
			if (p->err_fd >= 0)
				fds[n++] = (struct pollfd){.fd = p->err_fd, .events = POLLIN};
			if (p->pidfd >= 0 && !p->exited_ms)
				fds[n++] = (struct pollfd){.fd = p->pidfd, .events = POLLIN};
		}
		if (poll(fds, n, timeout) < 0 && errno != EINTR)
			break; /* cannot happen with valid fds; the deadlines still end it in free */
		for (size_t i = 0; i < s->n; i++) {
			struct spawn_proc *p = &s->procs[i];
			if (p->done)
				continue;
			if (p->out_fd >= 0)
				drain(&p->out, &p->out_fd);
			if (p->err_fd >= 0)
				drain(&p->err, &p->err_fd);
		}
	}
	free(fds);
}

void spawn_set_free(struct spawn_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct spawn_proc *p = &s->procs[i];
		if (!p->done)
			finish(p, false);
		free(p->key);
		free(p->refused);
		if (p->out.cap)
			free(p->out.data);
		if (p->err.cap)
			free(p->err.data);
	}
	free(s->procs);
	memset(s, 0, sizeof(*s));
}
