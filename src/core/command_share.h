/* Sharing external command runs between concurrent reports (the daemon).
 *
 * Every report needs iptables-save and ip6tables-save; when many reports run
 * at once, running the pair once per report makes processes grow with the
 * number of clients. A report instead joins a run that started no earlier
 * than `max_age_ms` before it arrived (0: a run that started after it
 * arrived, so its answer is as fresh as running it itself), and at most one
 * run of each command is under way at a time. */
#ifndef CISREPORT_COMMAND_SHARE_H
#define CISREPORT_COMMAND_SHARE_H

#include <stddef.h>

struct command_share;

/* max_age_ms: how old (since its start) a run's output may be to be reused. */
struct command_share *command_share_new(int max_age_ms);
void command_share_free(struct command_share *cs);

/* Run argv (keyed by name) or join a run as above; on success *out is a
 * malloc'd NUL-terminated copy of its stdout. Returns 0 (check
 * *exit_status) or the runner's -errno. */
int command_share_run(struct command_share *cs, const char *name, char *const argv[],
		      int timeout_ms, char **out, size_t *len, int *exit_status);

#endif
