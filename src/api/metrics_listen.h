/* --metrics-listen ADDR:PORT: a read-only TCP listener for Prometheus
 * (which cannot scrape a Unix socket). It serves GET /metrics and nothing
 * else: every other path is 404, every other method 405, so no report,
 * setting or waiver is reachable over TCP. */
#ifndef CISREPORTD_METRICS_LISTEN_H
#define CISREPORTD_METRICS_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct daemon;

struct metrics_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool v6;
};

/* "127.0.0.1:9464", "[::1]:9464", "0.0.0.0:9464", "[::]:9464": a literal
 * address (no host names: the daemon binds only where told) and a port
 * 0-65535 (0: the kernel picks one, logged at start). */
int metrics_addr_parse(const char *text, struct metrics_addr *a, char *err, size_t err_size);

/* Bind, listen and serve (one polling thread: scrapes are answered one at
 * a time, so a scraper cannot make the daemon run many reports at once).
 * The address actually bound is logged. */
int metrics_listener_start(struct daemon *d, const struct metrics_addr *a, char *err,
			   size_t err_size);

/* Stop serving and close the socket; a scrape being answered finishes
 * first. Safe when never started. */
void metrics_listener_stop(struct daemon *d);

#endif
