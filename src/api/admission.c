/* Connection admission and request deadlines (admission.h). */
#include "admission.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "daemon.h"

/* How often deadlines are looked at: a request is cut at most this much
 * after its deadline. */
#define SWEEP_MS 100

struct slot {
	int fd; /* -1: free */
	long uid, pid;
	bool privileged;  /* root or the daemon's user: not counted in limits */
	bool request_in;  /* the request arrived; no deadline until answered */
	bool cut;         /* deadline passed, shut down; waiting for MHD */
	struct timespec since; /* opened, or last answered */
};

struct admission {
	struct daemon *d;
	struct MHD_Daemon *mhd;
	int listen_fd;
	int wake[2];
	pthread_t thread;
	bool running;
	atomic_bool stop;
	pthread_mutex_t lock; /* guards the slots and asleep */
	/* The thread waits with no timeout: no connection has a deadline
	 * running (an idle daemon wakes for nothing). Whoever starts one
	 * again (an answer on a kept-alive connection) wakes it. */
	bool asleep;
	struct slot *slots;
	size_t n_slots;
};

static double elapsed_s(const struct timespec *since, const struct timespec *now)
{
	return (double)(now->tv_sec - since->tv_sec) + (double)(now->tv_nsec - since->tv_nsec) / 1e9;
}

/* The slot of fd; fd -1 finds a free one. */
static struct slot *find(struct admission *a, int fd)
{
	for (size_t i = 0; i < a->n_slots; i++)
		if (a->slots[i].fd == fd)
			return &a->slots[i];
	return NULL;
}

/* An answer written by the admission thread itself (503, 408): the
 * request's bytes that are there are read first, so closing does not make
 * the kernel report a reset to the client. */
static void answer_and_close(int fd, unsigned status, const char *reason, const char *extra,
			     const char *msg, bool close_fd)
{
	char junk[4096];
	for (int i = 0; i < 16 && recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0; i++)
		;
	char body[512], head[768];
	int blen = snprintf(body, sizeof(body), "{\"error\":\"%s\"}\n", msg);
	int hlen = snprintf(head, sizeof(head),
			    "HTTP/1.1 %u %s\r\nConnection: close\r\nContent-Type: application/json\r\n"
			    "Cache-Control: no-store\r\n%sContent-Length: %d\r\n\r\n%s",
			    status, reason, extra, blen, body);
	ssize_t w = send(fd, head, (size_t)hlen, MSG_DONTWAIT | MSG_NOSIGNAL);
	(void)w;
	shutdown(fd, close_fd ? SHUT_WR : SHUT_RDWR);
	if (close_fd)
		close(fd);
}

static void count(struct admission *a, long uid, size_t *of_uid, size_t *unprivileged)
{
	*of_uid = *unprivileged = 0;
	for (size_t i = 0; i < a->n_slots; i++) {
		const struct slot *s = &a->slots[i];
		if (s->fd < 0 || s->privileged)
			continue;
		(*unprivileged)++;
		*of_uid += s->uid == uid;
	}
}

static void admit(struct admission *a, int fd)
{
	struct daemon *d = a->d;
	struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		close(fd);
		return;
	}
	bool privileged = cred.uid == 0 || cred.uid == geteuid();
	char why[256] = "";
	pthread_mutex_lock(&a->lock);
	size_t of_uid, unprivileged;
	count(a, (long)cred.uid, &of_uid, &unprivileged);
	struct slot *s = find(a, -1);
	if (!privileged && of_uid >= d->opt.max_connections_per_uid)
		snprintf(why, sizeof(why),
			 "uid %ld has %zu connections open, the most one uid may have (--max-connections-per-uid %u); retry when one is closed",
			 (long)cred.uid, of_uid, d->opt.max_connections_per_uid);
	else if (!privileged && unprivileged >= d->opt.max_connections)
		snprintf(why, sizeof(why),
			 "%zu connections are open, the most the daemon serves (--max-connections %u); retry shortly",
			 unprivileged, d->opt.max_connections);
	else if (!s)
		snprintf(why, sizeof(why), "no connection slot free; retry shortly");
	if (why[0]) {
		pthread_mutex_unlock(&a->lock);
		daemon_count_status(d, 503);
		daemon_log("uid=%ld pid=%ld refused: 503 %s", (long)cred.uid, (long)cred.pid, why);
		answer_and_close(fd, 503, "Service Unavailable", "Retry-After: 1\r\n", why, true);
		return;
	}
	*s = (struct slot){.fd = fd, .uid = (long)cred.uid, .pid = (long)cred.pid,
			   .privileged = privileged};
	clock_gettime(CLOCK_MONOTONIC, &s->since);
	pthread_mutex_unlock(&a->lock);
	struct sockaddr_storage addr;
	socklen_t alen = sizeof(addr);
	if (getsockname(fd, (struct sockaddr *)&addr, &alen) < 0)
		alen = 0;
	/* On failure MHD has closed fd already, and no callback comes. */
	if (MHD_add_connection(a->mhd, fd, (struct sockaddr *)&addr, alen) != MHD_YES) {
		pthread_mutex_lock(&a->lock);
		if ((s = find(a, fd)))
			s->fd = -1;
		pthread_mutex_unlock(&a->lock);
		daemon_log("uid=%ld pid=%ld: connection not taken by libmicrohttpd: %s",
			   (long)cred.uid, (long)cred.pid, strerror(errno));
	}
}

/* Cut what passed its deadline; true when some connection still has one
 * running (the thread must look again). */
static bool sweep(struct admission *a)
{
	bool running = false;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double deadline = (double)a->d->opt.request_deadline;
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n_slots; i++) {
		struct slot *s = &a->slots[i];
		if (s->fd < 0 || s->request_in || s->cut)
			continue;
		if (elapsed_s(&s->since, &now) < deadline) {
			running = true;
			continue;
		}
		/* MHD reads nothing more and closes it; the slot is freed
		 * when it says so (admission_closed), so the descriptor is not
		 * reused meanwhile. */
		s->cut = true;
		char msg[160];
		snprintf(msg, sizeof(msg),
			 "the request did not arrive whole within %u s (--request-deadline); send it at once",
			 a->d->opt.request_deadline);
		daemon_log("uid=%ld pid=%ld closed: 408 %s", s->uid, s->pid, msg);
		daemon_count_status(a->d, 408);
		answer_and_close(s->fd, 408, "Request Timeout", "", msg, false);
	}
	a->asleep = !running;
	pthread_mutex_unlock(&a->lock);
	return running;
}

static void *run(void *arg)
{
	struct admission *a = arg;
	bool deadlines = false;
	while (!atomic_load(&a->stop)) {
		struct pollfd p[2] = {{.fd = a->listen_fd, .events = POLLIN},
				      {.fd = a->wake[0], .events = POLLIN}};
		int n = poll(p, 2, deadlines ? SWEEP_MS : -1);
		if (n > 0 && (p[1].revents & POLLIN)) {
			char junk[64];
			while (read(a->wake[0], junk, sizeof(junk)) > 0)
				;
		}
		if (n > 0 && (p[0].revents & POLLIN)) {
			/* A burst is taken in one go, then the deadlines. */
			for (int i = 0; i < 64; i++) {
				int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
				if (fd < 0)
					break;
				admit(a, fd);
			}
		}
		deadlines = sweep(a);
	}
	return NULL;
}

struct admission *admission_start(struct daemon *d, struct MHD_Daemon *mhd, int listen_fd,
				  char *err, size_t err_size)
{
	struct admission *a = calloc(1, sizeof(*a));
	/* Room for every unprivileged connection, and as many again for root. */
	size_t n = 2 * (size_t)d->opt.max_connections;
	if (!a || !(a->slots = calloc(n, sizeof(*a->slots)))) {
		free(a);
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	a->d = d;
	a->mhd = mhd;
	a->listen_fd = listen_fd;
	a->n_slots = n;
	for (size_t i = 0; i < n; i++)
		a->slots[i].fd = -1;
	pthread_mutex_init(&a->lock, NULL);
	/* Non-blocking: a burst is accepted until EAGAIN, and a client that
	 * went away between poll and accept blocks nothing. */
	int fl = fcntl(listen_fd, F_GETFL);
	if (fl < 0 || fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    pipe2(a->wake, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pthread_create(&a->thread, NULL, run, a) != 0) {
		snprintf(err, err_size, "cannot start the accepting thread: %s", strerror(errno));
		admission_free(a);
		return NULL;
	}
	a->running = true;
	return a;
}

int admission_stop(struct admission *a)
{
	if (!a)
		return -1;
	if (a->running) {
		atomic_store(&a->stop, true);
		ssize_t w = write(a->wake[1], "x", 1);
		(void)w;
		pthread_join(a->thread, NULL);
		a->running = false;
	}
	return a->listen_fd;
}

void admission_free(struct admission *a)
{
	if (!a)
		return;
	admission_stop(a);
	if (a->wake[0] > 0) {
		close(a->wake[0]);
		close(a->wake[1]);
	}
	pthread_mutex_destroy(&a->lock);
	free(a->slots);
	free(a);
}

void admission_request_in(struct admission *a, int fd)
{
	if (!a || fd < 0)
		return;
	pthread_mutex_lock(&a->lock);
	struct slot *s = find(a, fd);
	if (s)
		s->request_in = true;
	pthread_mutex_unlock(&a->lock);
}

void admission_answered(struct admission *a, int fd)
{
	if (!a || fd < 0)
		return;
	pthread_mutex_lock(&a->lock);
	struct slot *s = find(a, fd);
	bool wake = false;
	if (s) {
		s->request_in = false;
		clock_gettime(CLOCK_MONOTONIC, &s->since);
		/* Its deadline runs again: the thread must be looking. */
		wake = a->asleep;
		a->asleep = false;
	}
	pthread_mutex_unlock(&a->lock);
	if (wake) {
		ssize_t w = write(a->wake[1], "w", 1);
		(void)w; /* a full pipe wakes it just the same */
	}
}

void admission_closed(struct admission *a, int fd)
{
	if (!a || fd < 0)
		return;
	pthread_mutex_lock(&a->lock);
	struct slot *s = find(a, fd);
	if (s)
		s->fd = -1;
	pthread_mutex_unlock(&a->lock);
}
