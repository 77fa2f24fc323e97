#include "runner.h"

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

extern char **environ;

void runner_start(struct command *cmd, char *const argv[])
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->pid = -1;
	cmd->out_fd = -1;

	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		cmd->start_err = -errno;
		return;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);

	/* The child gets a minimal, fixed environment: its output must not
	 * depend on the caller's locale. */
	static char *const child_env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	int rc = posix_spawnp(&cmd->pid, argv[0], &fa, NULL, argv, child_env);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		cmd->pid = -1;
		cmd->start_err = -rc;
		return;
	}
	cmd->out_fd = pipefd[0];
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int read_available(struct command *cmd, size_t *cap)
{
	if (cmd->len + 4096 + 1 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 16384;
		char *n = realloc(cmd->out, ncap);
		if (!n)
			return -ENOMEM;
		cmd->out = n;
		*cap = ncap;
	}
	size_t room = *cap - cmd->len - 1;
	if (cmd->len + room > RUNNER_MAX_OUTPUT)
		room = RUNNER_MAX_OUTPUT - cmd->len;
	if (room == 0) {
		/* Keep draining so the child is not blocked, but drop the bytes. */
		char sink[4096];
		ssize_t n = read(cmd->out_fd, sink, sizeof(sink));
		if (n > 0)
			cmd->truncated = true;
		return n > 0 ? 1 : (n == 0 ? 0 : -errno);
	}
	ssize_t n = read(cmd->out_fd, cmd->out + cmd->len, room);
	if (n < 0)
		return errno == EINTR ? 1 : -errno;
	cmd->len += (size_t)n;
	cmd->out[cmd->len] = '\0';
	return n > 0 ? 1 : 0;
}

/* Reap pid, waiting at most until deadline (CLOCK_MONOTONIC ms). Returns 0
 * with *st set, or -ETIMEDOUT with the child still running. A pidfd makes the
 * wait sleep in poll; without one (old kernel) it polls every millisecond. */
static int wait_until(pid_t pid, long long deadline, int *st)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int rc = -ETIMEDOUT;
	for (;;) {
		pid_t r = waitpid(pid, st, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR)) {
			rc = 0;
			break;
		}
		long long left = deadline - now_ms();
		if (left <= 0)
			break;
		if (pidfd >= 0) {
			struct pollfd p = {.fd = pidfd, .events = POLLIN};
			poll(&p, 1, (int)left);
		} else {
			struct timespec ms = {0, 1000000};
			nanosleep(&ms, NULL);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return rc;
}

int runner_finish(struct command *cmd, int timeout_ms)
{
	if (cmd->start_err)
		return cmd->start_err;
	size_t cap = 0;
	long long deadline = now_ms() + timeout_ms;
	int err = 0;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			cmd->timed_out = true;
			err = -ETIMEDOUT;
			break;
		}
		struct pollfd p = {.fd = cmd->out_fd, .events = POLLIN};
		int pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			err = -errno;
			break;
		}
		if (pr == 0)
			continue;
		int rr = read_available(cmd, &cap);
		if (rr < 0) {
			err = rr;
			break;
		}
		if (rr == 0)
			break; /* EOF */
	}
	close(cmd->out_fd);
	cmd->out_fd = -1;
	int st = 0;
	/* EOF on stdout does not mean the child has exited (it may close
	 * stdout and go on): the deadline also bounds the wait for its exit. */
	if (!err && wait_until(cmd->pid, deadline, &st) == -ETIMEDOUT) {
		cmd->timed_out = true;
		err = -ETIMEDOUT;
	}
	if (err) {
		kill(cmd->pid, SIGKILL);
		while (waitpid(cmd->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	cmd->pid = -1;
	if (!cmd->out) {
		cmd->out = strdup("");
		if (!cmd->out)
			return -ENOMEM;
	}
	if (err)
		return err;
	if (WIFEXITED(st))
		cmd->exit_status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		cmd->exit_status = 128 + WTERMSIG(st);
	/* posix_spawnp reports a missing program as exit 127 from the child. */
	if (cmd->exit_status == 127 && cmd->len == 0)
		return -ENOENT;
	return 0;
}

void runner_free(struct command *cmd)
{
	if (cmd->out_fd >= 0)
		close(cmd->out_fd);
	if (cmd->pid > 0) {
		kill(cmd->pid, SIGKILL);
		waitpid(cmd->pid, NULL, 0);
	}
	free(cmd->out);
	memset(cmd, 0, sizeof(*cmd));
	cmd->pid = -1;
	cmd->out_fd = -1;
}
