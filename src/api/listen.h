/* The daemon's listening socket: an AF_UNIX stream socket it binds itself
 * (mode 0660, optional group), or the one systemd passes (LISTEN_FDS). */
#ifndef CISREPORTD_LISTEN_H
#define CISREPORTD_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

struct listener {
	int fd;
	bool activated; /* passed by systemd: the socket file is systemd's to remove */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

#define LISTEN_SOCKET_MODE 0660

/* Take a socket from systemd if one was passed to this process, else bind
 * path (creating its directory, replacing a stale socket file, refusing
 * when another server answers there) with mode 0660 and, when group is
 * non-NULL, that group. Returns 0 or -errno with err set. */
int listener_open(const char *path, const char *group, struct listener *l, char *err,
		  size_t err_size);

/* A group by name or number; option names it in the error. 0 or -ENOENT. */
int lookup_group(const char *option, const char *name, gid_t *gid, char *err, size_t err_size);

/* Remove the socket file if this process created it. The descriptor is
 * closed by the caller once the HTTP server has stopped using it. */
void listener_unlink(struct listener *l);

/* systemd's readiness protocol (sd_notify(3)): send "READY=1" etc. to
 * $NOTIFY_SOCKET when it is set; a no-op otherwise. */
void notify_systemd(const char *state);

#endif
