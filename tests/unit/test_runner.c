/* runner: real child processes. Output captured, exit status and signals
 * reported, a missing program is -ENOENT, the timeout kills (also a child
 * that closed its stdout), output is bounded, nothing is left running. */
#include "testutil.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/runner.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The child is reaped: no such child any more. */
static void assert_reaped(pid_t pid)
{
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void captures_output_and_exit_status(void **state)
{
	(void)state;
	struct command c;
	char *argv[] = {"sh", "-c", "printf 'hello\\nworld\\n'; echo oops >&2; exit 3", NULL};
	runner_start(&c, argv);
	pid_t pid = c.pid;
	assert_true(pid > 0);
	assert_int_equal(runner_finish(&c, 5000), 0);
	assert_int_equal(c.exit_status, 3);
	assert_string_equal(c.out, "hello\nworld\n"); /* stderr is not captured */
	assert_int_equal(c.len, 12);
	assert_false(c.timed_out);
	assert_false(c.truncated);
	assert_reaped(pid);
	runner_free(&c);
}

static void fixed_environment(void **state)
{
	(void)state;
	setenv("CISREPORT_TEST_SECRET", "leak", 1);
	struct command c;
	char *argv[] = {"sh", "-c", "echo \"$LC_ALL:$CISREPORT_TEST_SECRET:$PATH\"", NULL};
	runner_start(&c, argv);
	assert_int_equal(runner_finish(&c, 5000), 0);
	assert_string_equal(c.out, "C::/usr/sbin:/usr/bin:/sbin:/bin\n");
	runner_free(&c);
	unsetenv("CISREPORT_TEST_SECRET");
}

static void stdin_is_empty(void **state)
{
	(void)state;
	struct command c;
	char *argv[] = {"cat", NULL};
	double t0 = now_s();
	runner_start(&c, argv);
	assert_int_equal(runner_finish(&c, 5000), 0);
	assert_true(now_s() - t0 < 2.0); /* reads /dev/null, does not wait for input */
	assert_string_equal(c.out, "");
	assert_int_equal(c.exit_status, 0);
	runner_free(&c);
}

static void missing_program_is_enoent(void **state)
{
	(void)state;
	struct command c;
	char *abs[] = {"/nonexistent/cisreport-no-such-program", NULL};
	runner_start(&c, abs);
	assert_int_equal(runner_finish(&c, 1000), -ENOENT);
	runner_free(&c);
	char *bare[] = {"cisreport-no-such-program", NULL};
	runner_start(&c, bare);
	assert_int_equal(runner_finish(&c, 1000), -ENOENT);
	runner_free(&c);
}

static void killed_by_signal(void **state)
{
	(void)state;
	struct command c;
	char *argv[] = {"sh", "-c", "echo partial; kill -KILL $$", NULL};
	runner_start(&c, argv);
	assert_int_equal(runner_finish(&c, 5000), 0);
	assert_int_equal(c.exit_status, 128 + SIGKILL);
	assert_string_equal(c.out, "partial\n");
	runner_free(&c);
}

static void timeout_kills(void **state)
{
	(void)state;
	struct command c;
	char *argv[] = {"sh", "-c", "echo started; exec sleep 30", NULL};
	double t0 = now_s();
	runner_start(&c, argv);
	pid_t pid = c.pid;
	assert_int_equal(runner_finish(&c, 300), -ETIMEDOUT);
	double took = now_s() - t0;
	assert_true(took >= 0.29 && took < 3.0);
	assert_true(c.timed_out);
	assert_string_equal(c.out, "started\n"); /* what came before the deadline is kept */
	assert_reaped(pid);
	runner_free(&c);
}

static void timeout_also_bounds_a_child_that_closed_stdout(void **state)
{
	(void)state;
	struct command c;
	char *argv[] = {"sh", "-c", "echo bye; exec >&-; exec sleep 30", NULL};
	double t0 = now_s();
	runner_start(&c, argv);
	pid_t pid = c.pid;
	assert_int_equal(runner_finish(&c, 300), -ETIMEDOUT);
	assert_true(now_s() - t0 < 3.0);
	assert_true(c.timed_out);
	assert_reaped(pid);
	runner_free(&c);
}

static void output_is_bounded(void **state)
{
	(void)state;
	struct command c;
	/* 9 MiB on stdout: 8 MiB kept, the rest drained and dropped. */
	char *argv[] = {"head", "-c", "9437184", "/dev/zero", NULL};
	runner_start(&c, argv);
	assert_int_equal(runner_finish(&c, 20000), 0);
	assert_int_equal(c.exit_status, 0);
	assert_int_equal(c.len, RUNNER_MAX_OUTPUT);
	assert_true(c.truncated);
	assert_int_equal(c.out[c.len], '\0');
	runner_free(&c);

	/* Just under the limit: all of it, not truncated. */
	char *exact[] = {"head", "-c", "8388608", "/dev/zero", NULL};
	runner_start(&c, exact);
	assert_int_equal(runner_finish(&c, 20000), 0);
	assert_int_equal(c.len, RUNNER_MAX_OUTPUT);
	assert_false(c.truncated);
	runner_free(&c);
}

static void free_without_finish_kills_and_reaps(void **state)
{
	(void)state;
	struct command c;
	char *argv[] = {"sleep", "30", NULL};
	runner_start(&c, argv);
	pid_t pid = c.pid;
	assert_true(pid > 0);
	double t0 = now_s();
	runner_free(&c);
	assert_true(now_s() - t0 < 3.0);
	assert_reaped(pid);
	assert_int_equal(c.pid, -1);
	assert_int_equal(c.out_fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(captures_output_and_exit_status),
		cmocka_unit_test(fixed_environment),
		cmocka_unit_test(stdin_is_empty),
		cmocka_unit_test(missing_program_is_enoent),
		cmocka_unit_test(killed_by_signal),
		cmocka_unit_test(timeout_kills),
		cmocka_unit_test(timeout_also_bounds_a_child_that_closed_stdout),
		cmocka_unit_test(output_is_bounded),
		cmocka_unit_test(free_without_finish_kills_and_reaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
