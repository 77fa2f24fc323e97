#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* sd_listen_fds(3): the first passed descriptor is 3. */
#define LISTEN_FDS_START 3

static bool passed_by_systemd(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (!pid || !fds)
		return false;
	char *end;
	long p = strtol(pid, &end, 10);
	if (*end || p != (long)getpid())
		return false;
	long n = strtol(fds, &end, 10);
	return !*end && n >= 1;
}

static int take_systemd_socket(struct listener *l, char *err, size_t err_size)
{
	int fd = LISTEN_FDS_START, domain = 0, type = 0, listening = 0;
	socklen_t len = sizeof(int);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0) {
		int rc = -errno;
		snprintf(err, err_size, "LISTEN_FDS: descriptor 3 is not a socket: %s", strerror(-rc));
		return rc;
	}
	if (domain != AF_UNIX || type != SOCK_STREAM || !listening) {
		snprintf(err, err_size,
			 "LISTEN_FDS: descriptor 3 must be a listening AF_UNIX stream socket (ListenStream=/path in the .socket unit)");
		return -EINVAL;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	struct sockaddr_un addr = {0};
	socklen_t alen = sizeof(addr);
	if (getsockname(fd, (struct sockaddr *)&addr, &alen) == 0)
		snprintf(l->path, sizeof(l->path), "%s", addr.sun_path);
	l->fd = fd;
	l->activated = true;
	return 0;
}

/* mkdir -p for the socket's directory (mode 0755). */
static int make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* A socket file left by a daemon that died is replaced; one that a live
 * server answers on is not. */
static int clear_stale(const struct sockaddr_un *addr, char *err, size_t err_size)
{
	struct stat st;
	if (lstat(addr->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, err_size, "%s exists and is not a socket", addr->sun_path);
		return -EEXIST;
	}
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	int rc = connect(probe, (const struct sockaddr *)addr, sizeof(*addr));
	int saved = errno;
	close(probe);
	if (rc == 0) {
		snprintf(err, err_size, "%s: another server is listening there", addr->sun_path);
		return -EADDRINUSE;
	}
	if (saved != ECONNREFUSED && saved != ENOENT) {
		snprintf(err, err_size, "%s: %s", addr->sun_path, strerror(saved));
		return -saved;
	}
	return unlink(addr->sun_path) < 0 && errno != ENOENT ? -errno : 0;
}

int lookup_group(const char *option, const char *name, gid_t *gid, char *err, size_t err_size)
{
	struct group grp, *found = NULL;
	char buf[16384];
	int rc = getgrnam_r(name, &grp, buf, sizeof(buf), &found);
	if (!found) {
		char *end;
		long v = strtol(name, &end, 10);
		if (*name && !*end && v >= 0) { /* a numeric gid */
			*gid = (gid_t)v;
			return 0;
		}
		snprintf(err, err_size, "%s %s: no such group%s%s", option, name, rc ? ": " : "",
			 rc ? strerror(rc) : "");
		return -ENOENT;
	}
	*gid = grp.gr_gid;
	return 0;
}

int listener_open(const char *path, const char *group, struct listener *l, char *err,
		  size_t err_size)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	if (passed_by_systemd())
		return take_systemd_socket(l, err, err_size);

	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (!*path || strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, err_size, "--socket %s: the path must be 1 to %zu bytes", path,
			 sizeof(addr.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, path);
	gid_t gid = (gid_t)-1;
	int rc = group ? lookup_group("--group", group, &gid, err, err_size) : 0;
	if (rc)
		return rc;
	if ((rc = make_parent(path)) < 0) {
		snprintf(err, err_size, "%s: cannot create its directory: %s", path, strerror(-rc));
		return rc;
	}
	err[0] = '\0';
	if ((rc = clear_stale(&addr, err, err_size)) < 0) {
		if (!err[0])
			snprintf(err, err_size, "%s: %s", path, strerror(-rc));
		return rc;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, err_size, "socket: %s", strerror(-rc));
		return rc;
	}
	/* The umask makes the file 0660 from the start: there is no moment
	 * when others could connect. */
	mode_t old = umask(0777 & ~LISTEN_SOCKET_MODE);
	rc = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (rc < 0) {
		rc = -errno;
		snprintf(err, err_size, "bind %s: %s", path, strerror(-rc));
		close(fd);
		return rc;
	}
	if (chmod(path, LISTEN_SOCKET_MODE) < 0 || (group && chown(path, (uid_t)-1, gid) < 0) ||
	    listen(fd, SOMAXCONN) < 0) {
		rc = -errno;
		snprintf(err, err_size, "%s: %s", path, strerror(-rc));
		close(fd);
		unlink(path);
		return rc;
	}
	l->fd = fd;
	snprintf(l->path, sizeof(l->path), "%s", path);
	return 0;
}

void listener_unlink(struct listener *l)
{
	if (!l->activated && l->path[0])
		unlink(l->path);
}

void notify_systemd(const char *state)
{
	const char *where = getenv("NOTIFY_SOCKET");
	if (!where || (where[0] != '/' && where[0] != '@'))
		return;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t len = strlen(where);
	if (len >= sizeof(addr.sun_path))
		return;
	memcpy(addr.sun_path, where, len);
	if (addr.sun_path[0] == '@')
		addr.sun_path[0] = '\0'; /* abstract namespace */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}
