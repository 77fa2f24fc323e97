/* The read-only metrics listener (metrics_listen.h). */
#include "metrics_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "daemon.h"

/* Scrapers are few (one or two Prometheus replicas per node): these bound
 * what anything else on the network can hold. */
#define METRICS_MAX_CONNECTIONS 32
#define METRICS_MAX_PER_IP 8
#define METRICS_CONNECTION_MEMORY (32u << 10)

int metrics_addr_parse(const char *text, struct metrics_addr *a, char *err, size_t err_size)
{
	memset(a, 0, sizeof(*a));
	char host[INET6_ADDRSTRLEN + 2];
	const char *port;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':') {
			snprintf(err, err_size,
				 "invalid --metrics-listen '%s': an IPv6 address is written [ADDR]:PORT, e.g. [::1]:9464",
				 text);
			return -EINVAL;
		}
		size_t n = (size_t)(close - text - 1);
		if (n == 0 || n >= sizeof(host)) {
			snprintf(err, err_size, "invalid --metrics-listen '%s': bad IPv6 address", text);
			return -EINVAL;
		}
		memcpy(host, text + 1, n);
		host[n] = '\0';
		port = close + 2;
		a->v6 = true;
	} else {
		const char *colon = strrchr(text, ':');
		if (!colon) {
			snprintf(err, err_size,
				 "invalid --metrics-listen '%s': ADDR:PORT needed, e.g. 127.0.0.1:9464 or [::1]:9464",
				 text);
			return -EINVAL;
		}
		if (strchr(text, ':') != colon) {
			snprintf(err, err_size,
				 "invalid --metrics-listen '%s': write an IPv6 address in brackets, e.g. [::1]:9464",
				 text);
			return -EINVAL;
		}
		size_t n = (size_t)(colon - text);
		if (n == 0) {
			snprintf(err, err_size,
				 "invalid --metrics-listen '%s': the address is missing (0.0.0.0 for every IPv4 address, [::] for every IPv6 one)",
				 text);
			return -EINVAL;
		}
		if (n >= sizeof(host))
			n = sizeof(host) - 1; /* too long for an address: inet_pton says no */
		memcpy(host, text, n);
		host[n] = '\0';
		port = colon + 1;
	}
	char *end;
	errno = 0;
	unsigned long p = strtoul(port, &end, 10);
	if (!*port || *end || errno || p > 65535 || *port == '-' || *port == '+') {
		snprintf(err, err_size, "invalid --metrics-listen '%s': port '%s' is not 0-65535", text,
			 port);
		return -EINVAL;
	}
	if (a->v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
			snprintf(err, err_size,
				 "invalid --metrics-listen '%s': '%s' is not an IPv6 address (a literal address, no host name or zone)",
				 text, host);
			return -EINVAL;
		}
		a->len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
			snprintf(err, err_size,
				 "invalid --metrics-listen '%s': '%s' is not an IPv4 address (a literal address such as 127.0.0.1, no host name)",
				 text, host);
			return -EINVAL;
		}
		a->len = sizeof(*s4);
	}
	return 0;
}

/* "127.0.0.1:9464" or "[::1]:9464". */
static void format_addr(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(s4->sin_port));
	} else {
		snprintf(buf, size, "?");
	}
}

static void count(struct daemon *d, unsigned status)
{
	size_t i = status == MHD_HTTP_OK ? 0 : status == MHD_HTTP_NOT_FOUND ? 1
		   : status == MHD_HTTP_METHOD_NOT_ALLOWED ? 2 : 3;
	atomic_fetch_add(&d->metrics_requests[i], 1);
}

static enum MHD_Result answer(struct MHD_Connection *con, unsigned status, const char *type,
			      char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result rc = MHD_queue_response(con, status, r);
	MHD_destroy_response(r);
	return rc;
}

static const char not_found[] =
	"{\"error\":\"no such path: this listener (--metrics-listen) serves only GET /metrics; "
	"reports and settings are on the daemon's Unix socket\"}\n";
static const char not_allowed[] =
	"{\"error\":\"this listener (--metrics-listen) is read-only: GET or HEAD /metrics\"}\n";
static const char no_memory[] = "{\"error\":\"out of memory\"}\n";

/* Answered on the first call, before any body: nothing a client sends is
 * kept, and a request with a body gets its answer and a closed connection. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	(void)version, (void)upload_data, (void)req_cls;
	struct daemon *d = cls;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	unsigned status;
	size_t sent = 0;
	enum MHD_Result rc;
	*upload_data_size = 0;
	if (strcmp(url, "/metrics") != 0) {
		status = MHD_HTTP_NOT_FOUND;
		rc = answer(con, status, "application/json", (char *)not_found, sizeof(not_found) - 1,
			    MHD_RESPMEM_PERSISTENT);
	} else if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		rc = answer(con, status, "application/json", (char *)not_allowed,
			    sizeof(not_allowed) - 1, MHD_RESPMEM_PERSISTENT);
	} else {
		struct catalog *c;
		struct shared_settings *s;
		daemon_snapshot(d, &c, &s);
		char *body;
		int mrc = metrics_render(d, c, &s->s, &body, &sent);
		catalog_unref(c);
		shared_settings_unref(s);
		if (mrc) {
			status = MHD_HTTP_INTERNAL_SERVER_ERROR;
			sent = 0;
			rc = answer(con, status, "application/json", (char *)no_memory,
				    sizeof(no_memory) - 1, MHD_RESPMEM_PERSISTENT);
		} else {
			status = MHD_HTTP_OK;
			rc = answer(con, status, "text/plain; version=0.0.4; charset=utf-8", body,
				    sent, MHD_RESPMEM_MUST_FREE);
		}
	}
	count(d, status);
	clock_gettime(CLOCK_MONOTONIC, &b);
	char peer[INET6_ADDRSTRLEN + 16] = "?";
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (info && info->client_addr)
		format_addr(info->client_addr, peer, sizeof(peer));
	char m[16], path[96];
	snprintf(m, sizeof(m), "%s", method);
	size_t n = 0;
	for (const char *p = url; *p && n + 1 < sizeof(path); p++)
		path[n++] = (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?';
	path[n] = '\0';
	for (char *p = m; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	daemon_log("metrics listener: %s %s \"%s\" %u %zu %.2fms", peer, m, path, status, sent,
		   (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
	return rc;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	mhd_message(msg, sizeof(msg), fmt, ap);
	daemon_log("metrics listener: libmicrohttpd: %s", msg);
}

int metrics_listener_start(struct daemon *d, const struct metrics_addr *a, char *err,
			   size_t err_size)
{
	char want[INET6_ADDRSTRLEN + 16];
	format_addr((const struct sockaddr *)&a->ss, want, sizeof(want));
	int fd = socket(a->v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		int rc = -errno;
		snprintf(err, err_size, "--metrics-listen %s: cannot create a socket: %s", want,
			 strerror(-rc));
		return rc;
	}
	int one = 1;
	/* Restart while old connections sit in TIME_WAIT; a live listener on
	 * the port still makes bind fail (no SO_REUSEPORT). */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::] means IPv6 only: 0.0.0.0 is its own --metrics-listen. */
	if (a->v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0 || listen(fd, 64) < 0) {
		int rc = -errno;
		close(fd);
		snprintf(err, err_size, "--metrics-listen %s: cannot listen: %s%s", want,
			 strerror(-rc),
			 rc == -EADDRINUSE	  ? " (another program has the port; choose another)"
			 : rc == -EADDRNOTAVAIL ? " (no interface of this host has that address)"
			 : rc == -EACCES	  ? " (a port below 1024 needs CAP_NET_BIND_SERVICE)"
						  : "");
		return rc;
	}
	struct sockaddr_storage got;
	socklen_t glen = sizeof(got);
	char bound[INET6_ADDRSTRLEN + 16];
	if (getsockname(fd, (struct sockaddr *)&got, &glen) == 0)
		format_addr((const struct sockaddr *)&got, bound, sizeof(bound));
	else
		snprintf(bound, sizeof(bound), "%s", want);
	/* One polling thread for all scrapers: non-blocking I/O, so a slow
	 * client holds a connection, not the thread. */
	d->metrics_mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			(a->v6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, on_request, d,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, d,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_TIMEOUT, d->opt.idle_timeout,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)METRICS_MAX_PER_IP,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_CONNECTION_MEMORY,
		MHD_OPTION_END);
	if (!d->metrics_mhd) {
		close(fd);
		snprintf(err, err_size, "--metrics-listen %s: cannot start the HTTP server", want);
		return -EINVAL;
	}
	snprintf(d->metrics_bound, sizeof(d->metrics_bound), "%s", bound);
	daemon_log("metrics listener on http://%s/metrics (read-only: GET /metrics only)", bound);
	return 0;
}

void metrics_listener_stop(struct daemon *d)
{
	if (!d->metrics_mhd)
		return;
	/* Take the socket back (MHD_stop_daemon would close it otherwise): it is
	 * closed here, after the polling thread is gone. */
	MHD_socket fd = MHD_quiesce_daemon(d->metrics_mhd);
	MHD_stop_daemon(d->metrics_mhd);
	d->metrics_mhd = NULL;
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}
