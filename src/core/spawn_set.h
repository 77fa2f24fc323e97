/* Many external programs at once (bloodhound's checkers, docs/checkers.md).
 *
 * Each runs without a shell (posix_spawn of a path with an argv), in a
 * process group of its own, with a fixed environment, stdin from /dev/null,
 * cwd "/", only fds 0-2 open, default signal dispositions, and a deadline;
 * stdout and stderr are captured up to SPAWN_MAX_OUTPUT each (the rest is
 * read and dropped, and said). One poll loop drains them all, so N programs
 * started together cost about the time of the slowest, not the sum.
 *
 * When a program exits, whatever it left in its process group is killed;
 * at its deadline the whole group is. */
#ifndef CISREPORT_SPAWN_SET_H
#define CISREPORT_SPAWN_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SPAWN_MAX_OUTPUT (64u << 10) /* per stream */
/* After the program exits, how long a pipe held open by something it left
 * behind may keep the result waiting. */
#define SPAWN_GRACE_MS 100

/* The environment every program gets, and nothing else. */
#define SPAWN_ENV_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define SPAWN_ENV_LOCALE "LC_ALL=C"

struct spawn_buf {
	char *data; /* NUL-terminated once the program is done ("" at least) */
	size_t len;
	size_t cap;
	bool truncated; /* more than SPAWN_MAX_OUTPUT bytes were written */
};

struct spawn_proc {
	char *key;   /* the caller's name for it (a checker's path), owned */
	pid_t pid;   /* > 0 while running; also its process group */
	int out_fd, err_fd, pidfd;
	long long started_ms, deadline_ms, exited_ms; /* CLOCK_MONOTONIC; exited 0: not yet */
	long long ended_ms;
	int timeout_ms;
	int start_err;   /* 0, or the negative errno of a failed start */
	char *refused;   /* not started because of this (spawn_set_refuse), owned */
	struct spawn_buf out, err;
	int exit_status; /* exit code, or 128+signal */
	int term_signal; /* the signal that ended it, 0 if it exited */
	bool timed_out;  /* killed at its deadline */
	bool done;
};

struct spawn_set {
	struct spawn_proc *procs;
	size_t n, cap;
};

/* An empty set (also what {0} is). */
void spawn_set_init(struct spawn_set *s);

/* Start path with argv (argv[0] is the caller's: bloodhound passes the path
 * in the -c folder, which multi-call checkers dispatch on), to end within
 * timeout_ms. Returns the index of the new entry, or -ENOMEM. A failed start
 * is not an error here: the entry is done with start_err set. */
int spawn_set_start(struct spawn_set *s, const char *key, const char *path, char *const argv[],
		    int timeout_ms);

/* An entry for key that is not run: done, with the reason. Returns its
 * index or -ENOMEM. */
int spawn_set_refuse(struct spawn_set *s, const char *key, const char *why);

/* The index of key, or -1. */
int spawn_set_find(const struct spawn_set *s, const char *key);

/* Drain every running program until entry idx is done (idx < 0: until all
 * are). Programs past their deadline are killed on the way. */
void spawn_set_wait(struct spawn_set *s, int idx);

/* Kill what still runs (its whole group), reap, free. */
void spawn_set_free(struct spawn_set *s);

#endif
