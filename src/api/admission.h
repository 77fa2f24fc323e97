/* Who gets a connection, and for how long a request may take to arrive.
 * cisreportd accepts on its own listening socket, asks the kernel who
 * connected (SO_PEERCRED) and only then hands the connection to
 * libmicrohttpd (MHD_add_connection):
 *
 *  - a uid has at most --max-connections-per-uid connections, and all uids
 *    but root (and the daemon's own) together at most --max-connections;
 *    beyond, the connection is answered 503 with a JSON body and
 *    Retry-After, then closed: never a reset, never a thread;
 *  - root and the daemon's own user are always let in (their own reserve);
 *  - a request (headers and body) must arrive whole within
 *    --request-deadline seconds of the connection opening, or of the
 *    previous answer on it, however slowly it trickles; otherwise it is
 *    answered 408 and closed. A response being streamed is not limited.
 *
 * A thread sweeps the deadlines between accepts. */
#ifndef CISREPORTD_ADMISSION_H
#define CISREPORTD_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>

struct daemon;
struct MHD_Daemon;
struct admission;

/* Start accepting on listen_fd for mhd (started with
 * MHD_USE_NO_LISTEN_SOCKET). Returns NULL with err set. */
struct admission *admission_start(struct daemon *d, struct MHD_Daemon *mhd, int listen_fd,
				  char *err, size_t err_size);
/* Stop accepting (the connections already in stay); returns listen_fd. */
int admission_stop(struct admission *a);
/* After MHD_stop_daemon: no connection is left. */
void admission_free(struct admission *a);

/* From the HTTP side, by the connection's descriptor: */
void admission_request_in(struct admission *a, int fd);    /* whole request arrived */
void admission_answered(struct admission *a, int fd);      /* deadline restarts */
void admission_closed(struct admission *a, int fd);        /* MHD closes it next */

#endif
