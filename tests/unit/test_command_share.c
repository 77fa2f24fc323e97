/* command_share: concurrent reports join one run of a command; a run is
 * reused only while it is young enough. */
#include "testutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/command_share.h"

static char *dir;
static char counter[600];
static char script[700];

static int setup(void **state)
{
	(void)state;
	dir = make_temp_dir();
	snprintf(counter, sizeof(counter), "%s/runs", dir);
	/* Each run appends a line to the counter file, takes a while, prints. */
	snprintf(script, sizeof(script), "echo run >> '%s'; sleep 0.2; echo output", counter);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(dir);
	free(dir);
	return 0;
}

static int runs(void)
{
	FILE *f = fopen(counter, "r");
	if (!f)
		return 0;
	int n = 0, ch;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

struct caller {
	struct command_share *cs;
	int rc, exit_status;
	char *out;
	size_t len;
};

static void *call(void *arg)
{
	struct caller *c = arg;
	char *argv[] = {"sh", "-c", script, NULL};
	c->rc = command_share_run(c->cs, "slow", argv, 5000, &c->out, &c->len, &c->exit_status);
	return NULL;
}

static void concurrent_callers_share_runs(void **state)
{
	(void)state;
	struct command_share *cs = command_share_new(0);
	assert_non_null(cs);
	enum { N = 8 };
	struct caller callers[N];
	pthread_t t[N];
	for (int i = 0; i < N; i++) {
		callers[i] = (struct caller){.cs = cs};
		assert_int_equal(pthread_create(&t[i], NULL, call, &callers[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(callers[i].rc, 0);
		assert_int_equal(callers[i].exit_status, 0);
		assert_string_equal(callers[i].out, "output\n");
		free(callers[i].out);
	}
	/* Callers that came while a run was under way join the next one:
	 * two runs at most, never one per caller. */
	int n = runs();
	assert_true(n >= 1 && n <= 2);
	command_share_free(cs);
}

static void fresh_runs_without_max_age(void **state)
{
	(void)state;
	struct command_share *cs = command_share_new(0);
	struct caller c = {.cs = cs};
	call(&c);
	free(c.out);
	call(&c);
	free(c.out);
	assert_int_equal(runs(), 2); /* one after the other: each runs it */
	command_share_free(cs);
}

static void young_run_reused_old_run_not(void **state)
{
	(void)state;
	struct command_share *cs = command_share_new(800);
	struct caller c = {.cs = cs};
	call(&c);
	free(c.out);
	call(&c); /* the first run started ~0.2 s ago */
	free(c.out);
	assert_int_equal(runs(), 1);
	usleep(900000);
	call(&c);
	assert_string_equal(c.out, "output\n");
	free(c.out);
	assert_int_equal(runs(), 2);
	command_share_free(cs);
}

static void failure_is_shared_too(void **state)
{
	(void)state;
	struct command_share *cs = command_share_new(1000);
	char *argv[] = {"/nonexistent/cisreport-no-such-command", NULL};
	char *out = NULL;
	size_t len;
	int st;
	assert_int_equal(command_share_run(cs, "missing", argv, 1000, &out, &len, &st), -ENOENT);
	assert_null(out);
	command_share_free(cs);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(concurrent_callers_share_runs),
		T(fresh_runs_without_max_age),
		T(young_run_reused_old_run_not),
		T(failure_is_shared_too),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
