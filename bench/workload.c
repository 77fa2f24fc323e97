/* Workloads for bench/observer.sh.
 *
 *   workload mixed ITERATIONS
 *     each iteration: spawn /bin/true (clone + exec) and wait, fork a child
 *     that exits at once, open/read/close a file 50 times read-only, and open
 *     a file for writing once (no data); prints "elapsed_s <wall s> cpu_s <cpu s> ops <iterations>"
 *   workload spawn|fork|open|openw ITERATIONS
 *     one of those alone (open: 1 read-only open/read/close per iteration)
 *   workload events COUNT RATE
 *     as uid 65534 (run as root): COUNT bpf(BPF_MAP_CREATE) calls, each one an
 *     "unprivileged bpf" event for the observer, paced at RATE per second
 *     (0 = as fast as possible); prints "calls <n> elapsed_s <s> rate <per s>"
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* CPU seconds of this process and its waited-for children. */
static double cpu_now(void)
{
	struct rusage self, kids;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec +
			kids.ru_stime.tv_sec) +
	       (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec +
			kids.ru_stime.tv_usec) / 1e6;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum { DO_SPAWN = 1, DO_FORK = 2, DO_OPEN = 4, DO_OPENW = 8 };

static int run(long iterations, int what, int opens)
{
	char scratch[] = "/tmp/cisreport-bench.XXXXXX";
	int tfd = mkstemp(scratch);
	if (tfd < 0)
		return 1;
	close(tfd);
	char *argv[] = {"true", NULL};
	char buf[256];
	double t0 = now(), c0 = cpu_now();
	for (long i = 0; i < iterations; i++) {
		pid_t pid;
		if ((what & DO_SPAWN) && posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) == 0)
			waitpid(pid, NULL, 0);
		if (what & DO_FORK) {
			pid = fork();
			if (pid == 0)
				_exit(0);
			if (pid > 0)
				waitpid(pid, NULL, 0);
		}
		for (int k = 0; (what & DO_OPEN) && k < opens; k++) {
			int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				if (read(fd, buf, sizeof(buf)) < 0)
					return 1;
				close(fd);
			}
		}
		/* write-open only: no data, so the filesystem does not dominate */
		int fd = (what & DO_OPENW) ? open(scratch, O_WRONLY | O_CLOEXEC) : -1;
		if (fd >= 0)
			close(fd);
	}
	double t = now() - t0, c = cpu_now() - c0;
	unlink(scratch);
	printf("elapsed_s %.6f cpu_s %.6f ops %ld\n", t, c, iterations);
	return 0;
}

static int events(long count, double rate)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534)) {
		perror("workload: drop to uid 65534");
		return 1;
	}
	char attr[128] = {0};
	double t0 = now();
	for (long i = 0; i < count; i++) {
		if (rate > 0)
			while (now() - t0 < (double)i / rate)
				;
		long fd = syscall(SYS_bpf, 0, attr, sizeof(attr));
		if (fd >= 0)
			close((int)fd);
	}
	double t = now() - t0;
	printf("calls %ld elapsed_s %.6f rate %.0f\n", count, t, (double)count / t);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int what, opens;
	} modes[] = {
		{"mixed", DO_SPAWN | DO_FORK | DO_OPEN | DO_OPENW, 50},
		{"spawn", DO_SPAWN, 0},
		{"fork", DO_FORK, 0},
		{"open", DO_OPEN, 1},
		{"openw", DO_OPENW, 0},
	};
	for (size_t i = 0; argc >= 3 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(argv[1], modes[i].name) == 0)
			return run(strtol(argv[2], NULL, 10), modes[i].what, modes[i].opens);
	if (argc >= 4 && strcmp(argv[1], "events") == 0)
		return events(strtol(argv[2], NULL, 10), strtod(argv[3], NULL));
	fprintf(stderr, "usage: workload mixed|spawn|fork|open|openw N | workload events COUNT RATE\n");
	return 2;
}
