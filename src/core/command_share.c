#include "command_share.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runner.h"

#define SHARE_MAX_COMMANDS 8

struct shared_run {
	char name[64];
	bool running;  /* a run is under way */
	bool have;     /* the last finished run's result is kept */
	int64_t started_ns;
	int rc, exit_status;
	char *out;
	size_t len;
};

struct command_share {
	pthread_mutex_t lock;
	pthread_cond_t done;
	int64_t max_age_ns;
	struct shared_run runs[SHARE_MAX_COMMANDS];
	size_t n_runs;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct command_share *command_share_new(int max_age_ms)
{
	struct command_share *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return NULL;
	pthread_mutex_init(&cs->lock, NULL);
	pthread_cond_init(&cs->done, NULL);
	cs->max_age_ns = (int64_t)(max_age_ms > 0 ? max_age_ms : 0) * 1000000;
	return cs;
}

void command_share_free(struct command_share *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->n_runs; i++)
		free(cs->runs[i].out);
	pthread_cond_destroy(&cs->done);
	pthread_mutex_destroy(&cs->lock);
	free(cs);
}

static struct shared_run *find_run(struct command_share *cs, const char *name)
{
	for (size_t i = 0; i < cs->n_runs; i++)
		if (strcmp(cs->runs[i].name, name) == 0)
			return &cs->runs[i];
	if (cs->n_runs == SHARE_MAX_COMMANDS || strlen(name) >= sizeof(cs->runs[0].name))
		return NULL;
	struct shared_run *r = &cs->runs[cs->n_runs++];
	memset(r, 0, sizeof(*r));
	strcpy(r->name, name);
	return r;
}

/* Copy the kept result out (called with the lock held). */
static int take(const struct shared_run *r, char **out, size_t *len, int *exit_status)
{
	if (r->rc)
		return r->rc;
	*out = malloc(r->len + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, r->out, r->len + 1);
	*len = r->len;
	*exit_status = r->exit_status;
	return 0;
}

int command_share_run(struct command_share *cs, const char *name, char *const argv[],
		      int timeout_ms, char **out, size_t *len, int *exit_status)
{
	int64_t arrived = now_ns();
	pthread_mutex_lock(&cs->lock);
	struct shared_run *r = find_run(cs, name);
	if (!r) {
		pthread_mutex_unlock(&cs->lock);
		return -ENOMEM;
	}
	for (;;) {
		if (r->have && r->started_ns >= arrived - cs->max_age_ns) {
			int rc = take(r, out, len, exit_status);
			pthread_mutex_unlock(&cs->lock);
			return rc;
		}
		if (!r->running)
			break;
		/* A run that started before we arrived (or too long ago) is under
		 * way: wait for it, then join or start the next one. */
		pthread_cond_wait(&cs->done, &cs->lock);
	}
	r->running = true;
	int64_t started = now_ns();
	pthread_mutex_unlock(&cs->lock);

	struct command cmd;
	runner_start(&cmd, argv);
	int rc = runner_finish(&cmd, timeout_ms);

	pthread_mutex_lock(&cs->lock);
	free(r->out);
	r->out = cmd.out; /* the runner's buffer is NUL-terminated */
	r->len = cmd.len;
	cmd.out = NULL;
	r->rc = rc;
	r->exit_status = cmd.exit_status;
	r->started_ns = started;
	r->have = true;
	r->running = false;
	pthread_cond_broadcast(&cs->done);
	rc = take(r, out, len, exit_status);
	pthread_mutex_unlock(&cs->lock);
	runner_free(&cmd);
	return rc;
}
