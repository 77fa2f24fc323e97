/* spawn_set: many real processes at once, each in its own process group,
 * with a fixed environment, stdin /dev/null, cwd "/", only fds 0-2, default
 * signals, stdout and stderr bounded, a deadline that kills the group, and
 * nothing left running after it ends. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/spawn_set.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sh(struct spawn_set *s, const char *script, int timeout_ms)
{
	char *argv[] = {"sh", "-c", (char *)script, NULL};
	return spawn_set_start(s, script, "/bin/sh", argv, timeout_ms);
}

/* Live (not zombie) processes of process group pgid. Killed ones linger
 * as zombies until their new parent (init) reaps them. */
static int group_alive(pid_t pgid)
{
	DIR *d = opendir("/proc");
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char path[300], buf[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		char *close_paren = strrchr(buf, ')');
		char st;
		int ppid, pgrp;
		if (close_paren && sscanf(close_paren + 1, " %c %d %d", &st, &ppid, &pgrp) == 3 &&
		    pgrp == pgid && st != 'Z')
			n++;
	}
	closedir(d);
	return n;
}

/* Nothing of process group pgid is left running. */
static void assert_group_gone(pid_t pgid)
{
	for (int i = 0; i < 100 && group_alive(pgid); i++)
		usleep(10000);
	assert_int_equal(group_alive(pgid), 0);
}

static void stdout_stderr_and_status(void **state)
{
	(void)state;
	struct spawn_set s;
	spawn_set_init(&s);
	int i = sh(&s, "printf 'out\\n'; printf 'err\\n' >&2; exit 3", 5000);
	assert_true(i >= 0);
	pid_t pid = s.procs[i].pid;
	assert_true(pid > 0);
	spawn_set_wait(&s, i);
	const struct spawn_proc *p = &s.procs[i];
	assert_true(p->done);
	assert_string_equal(p->out.data, "out\n");
	assert_string_equal(p->err.data, "err\n");
	assert_int_equal(p->exit_status, 3);
	assert_int_equal(p->term_signal, 0);
	assert_false(p->timed_out);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1); /* reaped */
	assert_int_equal(spawn_set_find(&s, "printf 'out\\n'; printf 'err\\n' >&2; exit 3"), i);
	assert_int_equal(spawn_set_find(&s, "other"), -1);
	spawn_set_free(&s);
}

static void argv0_is_the_callers(void **state)
{
	(void)state;
	struct spawn_set s;
	spawn_set_init(&s);
	char *argv[] = {"/some/folder/br01010101", "-c", "echo \"$0\"", NULL};
	/* sh -c: $0 is the argument after the script; argv[0] itself shows in
	 * /proc/self/cmdline instead. */
	char *argv2[] = {"/some/folder/br01010101", "-c", "tr '\\0' ' ' </proc/$$/cmdline", NULL};
	int a = spawn_set_start(&s, "a", "/bin/sh", argv, 5000);
	int b = spawn_set_start(&s, "b", "/bin/sh", argv2, 5000);
	spawn_set_wait(&s, -1);
	assert_string_equal(s.procs[a].out.data, "/some/folder/br01010101\n");
	assert_string_equal(s.procs[b].out.data, "/some/folder/br01010101 -c tr '\\0' ' ' </proc/$$/cmdline ");
	spawn_set_free(&s);
}

static void clean_environment_stdin_cwd_fds_signals(void **state)
{
	(void)state;
	setenv("CISREPORT_TEST_SECRET", "leak", 1);
	int leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC: must not reach the child */
	assert_true(leak >= 3);
	signal(SIGPIPE, SIG_IGN);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	struct spawn_set s;
	spawn_set_init(&s);
	int env = sh(&s, "env | sort", 5000);
	int in = sh(&s, "cat; echo \"rc=$?\"", 5000);
	int cwd = sh(&s, "pwd", 5000);
	int fds = sh(&s, "cd /proc/self/fd && echo *", 5000);
	int sig = sh(&s, "grep -E '^Sig(Ign|Blk)' /proc/self/status", 5000);
	int pg = sh(&s, "ps -o pgid= -p $$ | tr -d ' '; echo $$", 5000);
	spawn_set_wait(&s, -1);
	/* sh adds PWD (and dash may add nothing else): the caller's variables
	 * never arrive. */
	assert_null(strstr(s.procs[env].out.data, "CISREPORT_TEST_SECRET"));
	assert_non_null(strstr(s.procs[env].out.data, "LC_ALL=C\n"));
	assert_non_null(strstr(s.procs[env].out.data, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"));
	assert_string_equal(s.procs[in].out.data, "rc=0\n");
	assert_string_equal(s.procs[cwd].out.data, "/\n");
	/* 0 1 2, and the fd the glob's directory read holds (3) */
	assert_string_equal(s.procs[fds].out.data, "0 1 2 3\n");
	unsigned long long blk, ign;
	assert_int_equal(sscanf(s.procs[sig].out.data, "SigBlk: %llx SigIgn: %llx", &blk, &ign), 2);
	assert_int_equal(blk & (1ull << (SIGTERM - 1)), 0);
	assert_int_equal(ign & (1ull << (SIGPIPE - 1)), 0);
	/* its own group: pgid == pid */
	char pgid[32], pid[32];
	assert_int_equal(sscanf(s.procs[pg].out.data, "%31s %31s", pgid, pid), 2);
	assert_string_equal(pgid, pid);
	spawn_set_free(&s);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	signal(SIGPIPE, SIG_DFL);
	close(leak);
	unsetenv("CISREPORT_TEST_SECRET");
}

static void all_at_once(void **state)
{
	(void)state;
	struct spawn_set s;
	spawn_set_init(&s);
	double t0 = now_s();
	for (int i = 0; i < 28; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", i);
		char *argv[] = {"sleep", "0.3", NULL};
		assert_int_equal(spawn_set_start(&s, key, "/bin/sleep", argv, 5000), i);
	}
	/* Waiting for the last drains the others: all done together. */
	spawn_set_wait(&s, 27);
	spawn_set_wait(&s, -1);
	double took = now_s() - t0;
	for (int i = 0; i < 28; i++) {
		assert_true(s.procs[i].done);
		assert_int_equal(s.procs[i].exit_status, 0);
	}
	/* 28 x 0.3 s one after the other would be 8.4 s. */
	assert_true(took < 2.0);
	spawn_set_free(&s);
}

static void timeout_kills_the_group(void **state)
{
	(void)state;
	struct spawn_set s;
	spawn_set_init(&s);
	/* A background child in the same group, and the shell itself hang. */
	int i = sh(&s, "sleep 30 & echo started; sleep 30", 300);
	int fast = sh(&s, "echo quick", 5000);
	pid_t pgid = s.procs[i].pid;
	double t0 = now_s();
	spawn_set_wait(&s, i);
	double took = now_s() - t0;
	assert_true(s.procs[i].timed_out);
	assert_int_equal(s.procs[i].term_signal, SIGKILL);
	assert_string_equal(s.procs[i].out.data, "started\n");
	assert_true(took >= 0.25 && took < 2.0);
	assert_group_gone(pgid);
	assert_true(s.procs[fast].done); /* drained on the way */
	assert_string_equal(s.procs[fast].out.data, "quick\n");
	spawn_set_free(&s);
}

static void leftovers_killed_when_it_exits(void **state)
{
	(void)state;
	struct spawn_set s;
	spawn_set_init(&s);
	/* The checker exits at once, but a child it left holds stdout open:
	 * the result does not wait for it (only the grace), and it is killed. */
	int i = sh(&s, "sleep 30 & echo done", 10000);
	pid_t pgid = s.procs[i].pid;
	double t0 = now_s();
	spawn_set_wait(&s, i);
	double took = now_s() - t0;
	assert_false(s.procs[i].timed_out);
	assert_int_equal(s.procs[i].exit_status, 0);
	assert_string_equal(s.procs[i].out.data, "done\n");
	assert_true(took < 1.0);
	assert_group_gone(pgid);
	spawn_set_free(&s);
}

static void output_bounded(void **state)
{
	(void)state;
	struct spawn_set s;
	spawn_set_init(&s);
	int i = sh(&s, "head -c 1000000 /dev/zero | tr '\\0' x; head -c 300000 /dev/zero >&2; echo end", 10000);
	spawn_set_wait(&s, i);
	const struct spawn_proc *p = &s.procs[i];
	assert_int_equal(p->exit_status, 0); /* drained, never blocked */
	assert_int_equal(p->out.len, SPAWN_MAX_OUTPUT);
	assert_true(p->out.truncated);
	assert_int_equal(strlen(p->out.data), SPAWN_MAX_OUTPUT);
	assert_int_equal(p->out.data[SPAWN_MAX_OUTPUT - 1], 'x');
	assert_int_equal(p->err.len, SPAWN_MAX_OUTPUT);
	assert_true(p->err.truncated);
	spawn_set_free(&s);
}

static void start_failures_and_refusals(void **state)
{
	(void)state;
	struct spawn_set s;
	spawn_set_init(&s);
	char *argv[] = {"/nonexistent/checker", NULL};
	int i = spawn_set_start(&s, "missing", "/nonexistent/checker", argv, 1000);
	int r = spawn_set_refuse(&s, "bad", "it is world-writable");
	spawn_set_wait(&s, -1);
	assert_true(s.procs[i].done);
	assert_int_equal(s.procs[i].start_err, -ENOENT);
	assert_string_equal(s.procs[i].out.data, "");
	assert_true(s.procs[r].done);
	assert_string_equal(s.procs[r].refused, "it is world-writable");
	spawn_set_free(&s);
	/* free kills what still runs */
	spawn_set_init(&s);
	i = sh(&s, "sleep 30", 60000);
	pid_t pgid = s.procs[i].pid;
	spawn_set_free(&s);
	assert_group_gone(pgid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stdout_stderr_and_status),
		cmocka_unit_test(argv0_is_the_callers),
		cmocka_unit_test(clean_environment_stdin_cwd_fds_signals),
		cmocka_unit_test(all_at_once),
		cmocka_unit_test(timeout_kills_the_group),
		cmocka_unit_test(leftovers_killed_when_it_exits),
		cmocka_unit_test(output_bounded),
		cmocka_unit_test(start_failures_and_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
