/* Running the few external commands no library replaces (iptables-save),
 * without a shell, with bounded output and a timeout. A command can be
 * started early and collected later, so it runs while other probes read. */
#ifndef CISREPORT_RUNNER_H
#define CISREPORT_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define RUNNER_MAX_OUTPUT (8u << 20) /* 8 MiB of stdout at most */

struct command {
	pid_t pid;
	int out_fd;
	int start_err; /* 0, or the negative errno of a failed start */
	char *out;     /* captured stdout, NUL-terminated */
	size_t len;
	int exit_status; /* exit code, or 128+signal */
	bool timed_out;
	bool truncated;
};

/* Start argv[0] (an absolute path or a name looked up in PATH). Never fails
 * outright: a start error is kept in cmd->start_err for runner_finish. */
void runner_start(struct command *cmd, char *const argv[]);

/* Wait for the command (at most timeout_ms from now), killing it on timeout.
 * Returns 0 when it ran and exited (check exit_status), else -errno
 * (-ETIMEDOUT on timeout, -ENOENT when the program does not exist...). */
int runner_finish(struct command *cmd, int timeout_ms);

void runner_free(struct command *cmd);

#endif
