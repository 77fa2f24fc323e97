/* obs_actor: does one forbidden thing for the live observer tests, then
 * prints what it did as one JSON line: {"pid":..,"comm":..,"uid":..,
 * "result":..,"errno":..,...}. Run as root; it drops to uid 65534 itself
 * where the test needs an unprivileged caller.
 *
 *   userns            as 65534: unshare(CLONE_NEWUSER)
 *   bpf [N]           as 65534: N x bpf(BPF_MAP_CREATE) (default 1)
 *   finit DIR         finit_module() on a junk file DIR/junk.ko (fails)
 *   sysctl-netns      in a private network namespace: write
 *                     /proc/sys/net/ipv4/conf/all/send_redirects
 *   ptrace            PTRACE_ATTACH to a child named cr-tracee, then detach
 *   remount           in a private mount namespace: bind-remount / read-write
 *   setuid-exec PATH  as 65534: exec PATH (a setuid-root copy of this program)
 *   setuid-target     what PATH runs: report the ids it got
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static void name_self(const char *comm)
{
	prctl(PR_SET_NAME, comm, 0, 0, 0);
}

static void drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		perror("obs_actor: drop privileges");
		exit(2);
	}
}

static void report(long result, int err, const char *extra)
{
	char comm[17] = "";
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	printf("{\"pid\":%d,\"tgid\":%d,\"uid\":%u,\"euid\":%u,\"comm\":\"%s\",\"result\":%ld,"
	       "\"errno\":%d%s%s}\n",
	       (int)syscall(SYS_gettid), (int)getpid(), getuid(), geteuid(), comm, result,
	       result < 0 ? err : 0, extra ? "," : "", extra ? extra : "");
	fflush(stdout);
}

static int do_userns(void)
{
	drop_to_nobody();
	name_self("cr-userns");
	long rc = unshare(CLONE_NEWUSER);
	report(rc, errno, NULL);
	return 0;
}

static int do_bpf(long n)
{
	drop_to_nobody();
	name_self("cr-bpf");
	char attr[128] = {0}; /* BPF_MAP_CREATE with a zeroed attr */
	long rc = 0;
	int err = 0;
	for (long i = 0; i < n; i++) {
		rc = syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof(attr));
		err = errno;
		if (rc >= 0)
			close((int)rc);
	}
	char extra[64];
	snprintf(extra, sizeof(extra), "\"calls\":%ld", n);
	report(rc, err, extra);
	return 0;
}

static int do_finit(const char *dir)
{
	name_self("cr-finit");
	char path[4096];
	snprintf(path, sizeof(path), "%s/junk.ko", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "not an ELF module\n", 18) != 18) {
		perror("obs_actor: junk module");
		return 2;
	}
	long rc = syscall(SYS_finit_module, fd, "", 0);
	int err = errno;
	char extra[64];
	snprintf(extra, sizeof(extra), "\"fd\":%d", fd);
	report(rc, err, extra);
	close(fd);
	unlink(path);
	return 0;
}

static int do_sysctl_netns(void)
{
	name_self("cr-sysctl");
	if (unshare(CLONE_NEWNET)) {
		perror("obs_actor: unshare(CLONE_NEWNET)");
		return 2;
	}
	int fd = open("/proc/sys/net/ipv4/conf/all/send_redirects", O_WRONLY | O_CLOEXEC);
	int err = errno;
	if (fd >= 0) {
		if (write(fd, "0\n", 2) != 2)
			err = errno;
		close(fd);
	}
	report(fd, err, NULL);
	return 0;
}

static int do_ptrace(void)
{
	name_self("cr-tracer");
	pid_t child = fork();
	if (child < 0)
		return 2;
	if (child == 0) {
		name_self("cr-tracee");
		for (;;)
			pause();
	}
	usleep(50000); /* let the child take its name */
	long rc = ptrace(PTRACE_ATTACH, child, NULL, NULL);
	int err = errno;
	if (rc == 0) {
		waitpid(child, NULL, __WALL);
		ptrace(PTRACE_DETACH, child, NULL, NULL);
	}
	/* The observer names the target from /proc/<pid>/comm when its drain
	 * thread reads the event: keep the tracee alive until then. */
	usleep(300000);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	char extra[64];
	snprintf(extra, sizeof(extra), "\"target_pid\":%d", (int)child);
	report(rc, err, extra);
	return 0;
}

static int do_remount(void)
{
	name_self("cr-remount");
	/* A private copy of the mount tree: nothing done here propagates, and
	 * a bind remount changes only this copy's mount flags, never the
	 * filesystem (superblock) the host sees. */
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		perror("obs_actor: private mount namespace");
		return 2;
	}
	long rc = mount("none", "/", NULL, MS_REMOUNT | MS_BIND, NULL);
	report(rc, errno, NULL);
	return 0;
}

static int do_setuid_exec(const char *path)
{
	drop_to_nobody();
	char *argv[] = {"cr-suid", "setuid-target", NULL};
	execv(path, argv);
	perror("obs_actor: exec");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: obs_actor ACTION [ARG]\n");
		return 2;
	}
	const char *a = argv[1];
	if (strcmp(a, "userns") == 0)
		return do_userns();
	if (strcmp(a, "bpf") == 0)
		return do_bpf(argc > 2 ? strtol(argv[2], NULL, 10) : 1);
	if (strcmp(a, "finit") == 0 && argc > 2)
		return do_finit(argv[2]);
	if (strcmp(a, "sysctl-netns") == 0)
		return do_sysctl_netns();
	if (strcmp(a, "ptrace") == 0)
		return do_ptrace();
	if (strcmp(a, "remount") == 0)
		return do_remount();
	if (strcmp(a, "setuid-exec") == 0 && argc > 2)
		return do_setuid_exec(argv[2]);
	if (strcmp(a, "setuid-target") == 0) {
		report(0, 0, NULL);
		return 0;
	}
	fprintf(stderr, "obs_actor: unknown action %s\n", a);
	return 2;
}
