/* Load generator for cisreportd: N client threads, each sending GET
 * requests over the Unix socket for a fixed time and timing every answer.
 * Prints requests/s and p50/p99 latency. A request counts only when it is
 * answered 200 with the whole body read.
 *
 *   api_bench SOCKET URI CLIENTS SECONDS [--new-connection]
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct worker {
	pthread_t thread;
	const char *socket_path, *uri;
	double deadline;
	bool new_connection;
	double *latencies;
	size_t n, cap;
	size_t errors;
	size_t bytes;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dial(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One request/response on fd. Returns the status, or -1. */
static int exchange(int fd, const char *req, size_t req_len, char *buf, size_t size,
		    size_t *body_len)
{
	if (write(fd, req, req_len) != (ssize_t)req_len)
		return -1;
	size_t have = 0;
	char *end = NULL;
	while (!end) {
		ssize_t n = read(fd, buf + have, size - have - 1);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end && have + 1 >= size)
			return -1;
	}
	int status = atoi(buf + 9);
	const char *cl = strcasestr(buf, "\r\nContent-Length:");
	if (!cl)
		return -1;
	size_t want = strtoul(cl + 17, NULL, 10);
	size_t got = have - (size_t)(end + 4 - buf);
	while (got < want) {
		ssize_t n = read(fd, buf, size);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	*body_len = want;
	return status;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	char req[2048];
	int req_len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n%s\r\n",
			       w->uri, w->new_connection ? "Connection: close\r\n" : "");
	size_t size = 1 << 20;
	char *buf = malloc(size);
	int fd = -1;
	while (buf && now() < w->deadline) {
		double t0 = now();
		if (fd < 0 && (fd = dial(w->socket_path)) < 0) {
			w->errors++;
			continue;
		}
		size_t body = 0;
		int status = exchange(fd, req, (size_t)req_len, buf, size, &body);
		double dt = now() - t0;
		if (status != 200) {
			w->errors++;
			close(fd);
			fd = -1;
			continue;
		}
		if (w->new_connection) {
			close(fd);
			fd = -1;
		}
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 4096;
			w->latencies = realloc(w->latencies, w->cap * sizeof(double));
			if (!w->latencies)
				break;
		}
		w->latencies[w->n++] = dt;
		w->bytes += body;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: api_bench SOCKET URI CLIENTS SECONDS [--new-connection]\n");
		return 2;
	}
	int clients = atoi(argv[3]);
	double seconds = atof(argv[4]);
	bool new_connection = argc > 5 && strcmp(argv[5], "--new-connection") == 0;
	if (clients < 1 || clients > 1024 || seconds <= 0) {
		fprintf(stderr, "api_bench: CLIENTS 1-1024, SECONDS > 0\n");
		return 2;
	}
	struct worker *w = calloc((size_t)clients, sizeof(*w));
	double start = now();
	for (int i = 0; i < clients; i++) {
		w[i] = (struct worker){.socket_path = argv[1], .uri = argv[2],
				       .deadline = start + seconds, .new_connection = new_connection};
		pthread_create(&w[i].thread, NULL, run, &w[i]);
	}
	size_t total = 0, errors = 0, bytes = 0;
	for (int i = 0; i < clients; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].n;
		errors += w[i].errors;
		bytes += w[i].bytes;
	}
	double elapsed = now() - start;
	double *all = malloc((total ? total : 1) * sizeof(double));
	size_t k = 0;
	for (int i = 0; i < clients; i++) {
		memcpy(all + k, w[i].latencies, w[i].n * sizeof(double));
		k += w[i].n;
		free(w[i].latencies);
	}
	qsort(all, total, sizeof(double), by_value);
	double p50 = total ? all[total / 2] : 0, p99 = total ? all[(total * 99) / 100] : 0;
	printf("clients=%-3d %s requests=%zu errors=%zu req/s=%.0f p50=%.2fms p99=%.2fms body=%zuB\n",
	       clients, new_connection ? "new-conn  " : "keep-alive", total, errors,
	       (double)total / elapsed, p50 * 1e3, p99 * 1e3, total ? bytes / total : 0);
	free(all);
	free(w);
	return errors ? 1 : 0;
}
