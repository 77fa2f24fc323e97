/* cisreportd's inotify watches over a fixture root (src/api/watch.c): a
 * path that does not exist yet is watched through its deepest existing
 * ancestor, and each directory made on the way to it moves the watch down,
 * including directories made while the watch is being moved. */
#include "testutil.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/watch.h"

struct touches {
	unsigned n;
	char cause[PATH_MAX + 32];
};

static void on_changed(void *ctx, size_t id, const char *cause)
{
	struct touches *t = ctx;
	assert_int_equal(id, 7);
	t->n++;
	snprintf(t->cause, sizeof(t->cause), "%s", cause);
}

struct fixture {
	char root[PATH_MAX];
	struct watch *w;
};

static struct fixture *fixture_new(const char *input)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	/* tmpfs where there is one: a thousand rounds of mkdir stay cheap */
	struct stat st;
	snprintf(f->root, sizeof(f->root), "%s/cisreport-watch.XXXXXX",
		 stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp");
	assert_non_null(mkdtemp(f->root));
	char etc[PATH_MAX];
	snprintf(etc, sizeof(etc), "%s/etc", f->root);
	assert_int_equal(mkdir(etc, 0755), 0);
	char err[256];
	struct watch_config cfg = {.root = f->root};
	f->w = watch_new(&cfg, err, sizeof(err));
	assert_non_null(f->w);
	struct check_inputs in = {0};
	assert_int_equal(inputs_add(&in, INPUT_PATH, input), 0);
	struct watch_freshness fresh;
	assert_int_equal(watch_add(f->w, 7, &in, &fresh), 0);
	inputs_free(&in);
	assert_int_equal(fresh.ttl_ms, 0); /* notified, no time-to-live */
	return f;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(path);
}

static void fixture_free(struct fixture *f)
{
	watch_free(f->w);
	assert_int_equal(nftw(f->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(f);
}

static void at(const struct fixture *f, const char *rel, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", f->root, rel);
}

static unsigned drain(struct fixture *f, struct touches *t)
{
	unsigned before = t->n;
	watch_drain(f->w, NULL, on_changed, t);
	return t->n - before;
}

static void make_file(const char *path)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
}

/* One step at a time: every directory on the way, then the file. */
static void test_path_created_step_by_step(void **state)
{
	(void)state;
	struct fixture *f = fixture_new("/etc/later/sub/marker");
	struct touches t = {0};
	char p[PATH_MAX];
	assert_int_equal(drain(f, &t), 0);
	at(f, "/etc/other", p, sizeof(p));
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(drain(f, &t), 0); /* not on the way */
	at(f, "/etc/later", p, sizeof(p));
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(drain(f, &t), 1);
	assert_string_equal(t.cause, "path /etc/later/sub/marker");
	at(f, "/etc/later/sub", p, sizeof(p));
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(drain(f, &t), 1);
	at(f, "/etc/later/sub/marker", p, sizeof(p));
	make_file(p);
	assert_int_equal(drain(f, &t), 1);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(drain(f, &t), 1);
	fixture_free(f);
}

/* Every directory at once (mkdir -p), then the file. */
static void test_path_created_at_once(void **state)
{
	(void)state;
	struct fixture *f = fixture_new("/etc/later/sub/marker");
	struct touches t = {0};
	char p[PATH_MAX];
	at(f, "/etc/later/sub", p, sizeof(p));
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", p);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(drain(f, &t), 1);
	at(f, "/etc/later/sub/marker", p, sizeof(p));
	make_file(p);
	assert_int_equal(drain(f, &t), 1);
	fixture_free(f);
}

/* A file where a directory of the path should be: watched through the
 * file's directory, and replaced by a directory later. */
static void test_file_in_the_way(void **state)
{
	(void)state;
	struct fixture *f = fixture_new("/etc/later/marker");
	struct touches t = {0};
	char p[PATH_MAX];
	at(f, "/etc/later", p, sizeof(p));
	make_file(p);
	assert_int_equal(drain(f, &t), 1);
	assert_int_equal(watch_degraded(f->w, INPUT_PATH), 0);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_true(drain(f, &t) >= 1);
	at(f, "/etc/later/marker", p, sizeof(p));
	make_file(p);
	assert_int_equal(drain(f, &t), 1);
	fixture_free(f);
}

struct maker {
	struct fixture *f;
	atomic_int phase; /* 1: make the directories; 2: done */
};

static void *make_dirs(void *arg)
{
	struct maker *m = arg;
	char p[PATH_MAX];
	while (atomic_load(&m->phase) != 1)
		;
	at(m->f, "/etc/later", p, sizeof(p));
	assert_int_equal(mkdir(p, 0755), 0);
	for (int i = 0; i < 50; i++) /* a window for the drain to run in */
		(void)getppid();
	at(m->f, "/etc/later/sub", p, sizeof(p));
	assert_int_equal(mkdir(p, 0755), 0);
	atomic_store(&m->phase, 2);
	return NULL;
}

/* The directories appear while a drain moves the watch down (the daemon's
 * background thread drains as soon as the first one is made): whatever
 * the interleaving, the file made afterwards is seen. */
static void test_path_created_during_drain(void **state)
{
	(void)state;
	struct fixture *f = fixture_new("/etc/later/sub/marker");
	struct touches t = {0};
	char later[PATH_MAX], sub[PATH_MAX], marker[PATH_MAX];
	at(f, "/etc/later", later, sizeof(later));
	at(f, "/etc/later/sub", sub, sizeof(sub));
	at(f, "/etc/later/sub/marker", marker, sizeof(marker));
	for (int round = 0; round < 500; round++) {
		struct maker m = {.f = f};
		pthread_t th;
		assert_int_equal(pthread_create(&th, NULL, make_dirs, &m), 0);
		atomic_store(&m.phase, 1);
		while (atomic_load(&m.phase) != 2)
			drain(f, &t);
		pthread_join(th, NULL);
		drain(f, &t);
		assert_true(t.n >= 1);
		make_file(marker);
		if (drain(f, &t) != 1)
			fail_msg("round %d: the file made after its directories was not seen", round);
		/* Back to the start: the watch moves up again. */
		assert_int_equal(unlink(marker), 0);
		assert_int_equal(rmdir(sub), 0);
		assert_int_equal(rmdir(later), 0);
		while (drain(f, &t))
			;
	}
	assert_int_equal(watch_degraded(f->w, INPUT_PATH), 0);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_created_step_by_step),
		cmocka_unit_test(test_path_created_at_once),
		cmocka_unit_test(test_file_in_the_way),
		cmocka_unit_test(test_path_created_during_drain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
