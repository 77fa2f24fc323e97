/* atomic_file: a target is created or replaced whole (temp file in the same
 * directory, fsync, rename) with the requested mode; failures and aborts
 * leave the target as it was and no temporary file behind. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/atomic_file.h"

static char *dir;
static char target[512];

static int setup(void **state)
{
	(void)state;
	dir = make_temp_dir();
	snprintf(target, sizeof(target), "%s/report.json", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(dir);
	free(dir);
	return 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 1 << 16);
	assert_non_null(buf);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The number of entries in d; *temporaries counts the temporary files. */
static size_t entries(const char *d, size_t *temporaries)
{
	DIR *dp = opendir(d);
	assert_non_null(dp);
	size_t n = 0;
	*temporaries = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		if (strstr(de->d_name, ".tmp."))
			(*temporaries)++;
	}
	closedir(dp);
	return n;
}

static void creates_with_mode(void **state)
{
	(void)state;
	mode_t old = umask(0077); /* the mode is exact, whatever the umask */
	assert_int_equal(atomic_write(target, "hello\n", 6, 0644), 0);
	umask(old);
	char *got = slurp(target);
	assert_string_equal(got, "hello\n");
	free(got);
	struct stat st;
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	size_t tmp;
	assert_int_equal(entries(dir, &tmp), 1);
	assert_int_equal(tmp, 0);

	assert_int_equal(atomic_write(target, "", 0, 0600), 0);
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void replaces_by_rename(void **state)
{
	(void)state;
	write_file(dir, "report.json", "old report\n", 0600);
	struct stat before, after;
	assert_int_equal(stat(target, &before), 0);
	/* A reader that opened the old file keeps reading the old report. */
	int reader = open(target, O_RDONLY);
	assert_true(reader >= 0);

	struct atomic_file af;
	assert_int_equal(atomic_open(&af, target, 0644), 0);
	fputs("new ", af.f);
	/* Until the commit, the target is the old report. */
	char *mid = slurp(target);
	assert_string_equal(mid, "old report\n");
	free(mid);
	size_t tmp;
	assert_int_equal(entries(dir, &tmp), 2);
	assert_int_equal(tmp, 1);
	fputs("report\n", af.f);
	assert_int_equal(atomic_commit(&af), 0);

	char *got = slurp(target);
	assert_string_equal(got, "new report\n");
	free(got);
	assert_int_equal(stat(target, &after), 0);
	assert_true(after.st_ino != before.st_ino);
	assert_int_equal(after.st_mode & 07777, 0644);
	char old[32] = "";
	assert_int_equal(pread(reader, old, sizeof(old) - 1, 0), 11);
	assert_string_equal(old, "old report\n");
	close(reader);
	assert_int_equal(entries(dir, &tmp), 1);
	assert_int_equal(tmp, 0);
}

static void abort_leaves_target_untouched(void **state)
{
	(void)state;
	write_file(dir, "report.json", "old report\n", 0644);
	struct atomic_file af;
	assert_int_equal(atomic_open(&af, target, 0644), 0);
	fputs("half a rep", af.f);
	atomic_abort(&af);
	char *got = slurp(target);
	assert_string_equal(got, "old report\n");
	free(got);
	size_t tmp;
	assert_int_equal(entries(dir, &tmp), 1);
	assert_int_equal(tmp, 0);
}

static void missing_directory(void **state)
{
	(void)state;
	char path[600];
	snprintf(path, sizeof(path), "%s/no/such/dir/report.json", dir);
	assert_int_equal(atomic_write(path, "x", 1, 0644), -ENOENT);
	size_t tmp;
	assert_int_equal(entries(dir, &tmp), 0);
}

static void target_is_a_directory(void **state)
{
	(void)state;
	assert_int_equal(mkdir(target, 0755), 0);
	write_file(dir, "report.json/keep", "keep\n", 0644);
	assert_int_equal(atomic_write(target, "x", 1, 0644), -EISDIR);
	char keep[600];
	snprintf(keep, sizeof(keep), "%s/keep", target);
	char *got = slurp(keep);
	assert_string_equal(got, "keep\n");
	free(got);
	size_t tmp;
	assert_int_equal(entries(dir, &tmp), 1);
	assert_int_equal(tmp, 0);
}

static void unwritable_directory(void **state)
{
	(void)state;
	if (geteuid() == 0)
		skip(); /* root writes into a mode-0555 directory; the e2e test uses a read-only mount */
	assert_int_equal(chmod(dir, 0555), 0);
	assert_int_equal(atomic_write(target, "x", 1, 0644), -EACCES);
	chmod(dir, 0755);
}

/* "-o /dev/null" must write into the device, never rename a file over it. */
static void device_target_written_in_place(void **state)
{
	(void)state;
	struct stat before, after;
	assert_int_equal(stat("/dev/null", &before), 0);
	assert_true(S_ISCHR(before.st_mode));
	assert_int_equal(atomic_write("/dev/null", "report\n", 7, 0644), 0);
	assert_int_equal(stat("/dev/null", &after), 0);
	assert_true(S_ISCHR(after.st_mode));
	assert_int_equal(after.st_rdev, before.st_rdev);
	assert_int_equal(after.st_mode & 07777, before.st_mode & 07777);
	struct atomic_file af;
	assert_int_equal(atomic_open(&af, "/dev/null", 0644), 0);
	atomic_abort(&af);
	assert_int_equal(stat("/dev/null", &after), 0);
	assert_true(S_ISCHR(after.st_mode));
}

/* While it is written the temporary file is 0600 whatever the final mode,
 * created anew (O_EXCL) next to the target; the mode and group come just
 * before the rename. */
static void temp_is_private_until_renamed(void **state)
{
	(void)state;
	struct atomic_file af;
	assert_int_equal(atomic_open(&af, target, 0644), 0);
	struct stat st;
	assert_int_equal(stat(af.tmp, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(strncmp(af.tmp, target, strlen(target)), 0);
	assert_non_null(strstr(af.tmp, ".tmp."));
	char tmp[600];
	snprintf(tmp, sizeof(tmp), "%s", af.tmp);
	fputs("new\n", af.f);
	atomic_set_group(&af, (long)getgid());
	assert_int_equal(atomic_commit(&af), 0);
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(st.st_gid, getgid());
	assert_int_equal(stat(tmp, &st), -1);
	assert_int_equal(atomic_write_group(target, "x", 1, 0640, (long)getgid()), 0);
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
}

static void touch(const char *name)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
}

static void count_removed(const char *tmp, void *arg)
{
	assert_non_null(strstr(tmp, "report.json.tmp."));
	(*(int *)arg)++;
}

/* Only the temporaries of this target, of our naming, regular files. */
static void stale_temporaries_removed(void **state)
{
	(void)state;
	touch("report.json");
	touch("report.json.tmp.Ab12xZ");
	touch("report.json.tmp.000000");
	touch("report.json.tmp.short");      /* not six characters */
	touch("report.json.tmp.abcdefg");    /* seven */
	touch("report.json.tmp.ab-d12");     /* not alphanumeric */
	touch("other.json.tmp.Ab12xZ");      /* another target */
	touch("report.jsonx.tmp.Ab12xZ");
	char p[600];
	snprintf(p, sizeof(p), "%s/report.json.tmp.linkzz", dir);
	assert_int_equal(symlink("/etc/passwd", p), 0); /* never a link */
	int seen = 0;
	assert_int_equal(atomic_remove_stale(target, count_removed, &seen), 2);
	assert_int_equal(seen, 2);
	size_t tmp;
	assert_int_equal(entries(dir, &tmp), 7);
	assert_int_equal(tmp, 6);
	assert_int_equal(access("/etc/passwd", F_OK), 0);
	assert_int_equal(atomic_remove_stale(target, NULL, NULL), 0);
	char missing[600];
	snprintf(missing, sizeof(missing), "%s/nodir/x.json", dir);
	assert_int_equal(atomic_remove_stale(missing, NULL, NULL), -ENOENT);
}

/* --- directories built whole (atomic_dir) ------------------------------------ */

static char bundle[512];

static void put(int dirfd, const char *rel, const char *text)
{
	int fd = openat(dirfd, rel, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* 0700 and new while built, beside the target; the final mode and the
 * name only at the commit. */
static void dir_built_then_renamed(void **state)
{
	(void)state;
	snprintf(bundle, sizeof(bundle), "%s/bundle", dir);
	struct atomic_dir ad;
	assert_int_equal(atomic_dir_open(&ad, bundle, 0755), 0);
	struct stat st;
	assert_int_equal(lstat(ad.tmp, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(strncmp(ad.tmp, bundle, strlen(bundle)), 0);
	char tmp[600];
	snprintf(tmp, sizeof(tmp), "%s", ad.tmp);
	assert_int_equal(mkdirat(ad.fd, "sub", 0755), 0);
	put(ad.fd, "sub/a.json", "a\n");
	put(ad.fd, "b.json", "b\n");
	assert_int_equal(stat(bundle, &st), -1);
	assert_int_equal(atomic_dir_commit(&ad), 0);
	assert_int_equal(ad.fd, -1);
	assert_int_equal(stat(bundle, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(tmp, &st), -1);
	char p[600];
	snprintf(p, sizeof(p), "%s/sub/a.json", bundle);
	char *text = slurp(p);
	assert_string_equal(text, "a\n");
	free(text);
}

/* An abort, and a commit that finds the target there (even an empty
 * directory, which rename(2) would replace), remove the whole tree. */
static void dir_abort_and_existing_target(void **state)
{
	(void)state;
	snprintf(bundle, sizeof(bundle), "%s/bundle", dir);
	struct atomic_dir ad;
	assert_int_equal(atomic_dir_open(&ad, bundle, 0755), 0);
	assert_int_equal(mkdirat(ad.fd, "sub", 0755), 0);
	put(ad.fd, "sub/a.json", "a");
	/* a link in it is removed, never followed */
	assert_int_equal(symlinkat(dir, ad.fd, "out"), 0);
	atomic_dir_abort(&ad);
	size_t tmp;
	assert_int_equal(entries(dir, &tmp), 0);

	assert_int_equal(mkdir(bundle, 0755), 0);
	assert_int_equal(atomic_dir_open(&ad, bundle, 0755), 0);
	put(ad.fd, "a.json", "a");
	assert_int_equal(atomic_dir_commit(&ad), -EEXIST);
	assert_int_equal(entries(dir, &tmp), 1);
	assert_int_equal(tmp, 0);
	assert_int_equal(entries(bundle, &tmp), 0); /* the target untouched */

	char missing[600];
	snprintf(missing, sizeof(missing), "%s/nodir/bundle", dir);
	assert_int_equal(atomic_dir_open(&ad, missing, 0755), -ENOENT);
}

static void mkdir_in(const char *name, const char *file)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(mkdir(p, 0700), 0);
	if (file) {
		snprintf(p, sizeof(p), "%s/%s/%s", dir, name, file);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
	}
}

static bool exists_in(const char *name)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	struct stat st;
	return lstat(p, &st) == 0;
}

static void count_any(const char *tmp, void *arg)
{
	assert_non_null(strstr(tmp, ".tmp."));
	(*(int *)arg)++;
}

/* Stale: this target's temporaries whatever they hold, and other targets'
 * holding only the writer's names; never a live writer's (locked), a link,
 * a file, another user's, or a directory holding anything else. */
static void dir_stale_temporaries_removed(void **state)
{
	(void)state;
	static const char *const names[] = {"report.json", "profiles", NULL};
	snprintf(bundle, sizeof(bundle), "%s/bundle", dir);
	mkdir_in("bundle.tmp.Ab12xZ", "anything");     /* this target: removed */
	mkdir_in("bundle.tmp.000000", NULL);           /* empty: removed */
	mkdir_in("older.tmp.Qw12er", "report.json");   /* another bundle's: removed */
	mkdir_in("notes.tmp.Qw12er", "notes.txt");     /* not a bundle's: kept */
	mkdir_in("bundle.tmp.short", NULL);            /* not our naming: kept */
	char p[600];
	bool root = geteuid() == 0;
	if (root) {                                    /* another user's: kept */
		mkdir_in("theirs.tmp.Zz99zz", "report.json");
		snprintf(p, sizeof(p), "%s/theirs.tmp.Zz99zz", dir);
		assert_int_equal(chown(p, 65534, 65534), 0);
	}
	snprintf(p, sizeof(p), "%s/bundle.tmp.linkzz", dir);
	assert_int_equal(symlink(dir, p), 0);          /* a link: kept */
	touch("bundle.tmp.file00");                    /* a file: kept */
	struct atomic_dir live;                        /* a running writer's: kept */
	assert_int_equal(atomic_dir_open(&live, bundle, 0755), 0);
	put(live.fd, "report.json", "{}");

	int seen = 0;
	assert_int_equal(atomic_dir_remove_stale(bundle, names, count_any, &seen), 3);
	assert_int_equal(seen, 3);
	assert_false(exists_in("bundle.tmp.Ab12xZ"));
	assert_false(exists_in("bundle.tmp.000000"));
	assert_false(exists_in("older.tmp.Qw12er"));
	assert_true(exists_in("notes.tmp.Qw12er"));
	assert_true(exists_in("bundle.tmp.short"));
	assert_true(!root || exists_in("theirs.tmp.Zz99zz"));
	assert_true(exists_in("bundle.tmp.linkzz"));
	assert_true(exists_in("bundle.tmp.file00"));
	assert_int_equal(access(live.tmp, F_OK), 0);
	/* without names, only this target's */
	mkdir_in("older.tmp.Qw12er", "report.json");
	assert_int_equal(atomic_dir_remove_stale(bundle, NULL, NULL, NULL), 0);
	assert_true(exists_in("older.tmp.Qw12er"));
	/* the live writer still commits */
	assert_int_equal(atomic_dir_commit(&live), 0);
	assert_true(exists_in("bundle"));
	/* once it is gone (killed), its temporary is stale */
	snprintf(bundle, sizeof(bundle), "%s/second", dir);
	assert_int_equal(atomic_dir_open(&live, bundle, 0755), 0);
	close(live.fd); /* the lock goes with the descriptor, as at a kill */
	live.fd = -1;
	snprintf(p, sizeof(p), "%s", live.tmp);
	assert_int_equal(atomic_dir_remove_stale(bundle, NULL, NULL, NULL), 1);
	assert_int_equal(access(p, F_OK), -1);
	atomic_dir_abort(&live);
	snprintf(p, sizeof(p), "%s/nodir/bundle", dir);
	assert_int_equal(atomic_dir_remove_stale(p, names, NULL, NULL), -ENOENT);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(creates_with_mode),
		T(replaces_by_rename),
		T(abort_leaves_target_untouched),
		T(missing_directory),
		T(target_is_a_directory),
		T(unwritable_directory),
		T(device_target_written_in_place),
		T(temp_is_private_until_renamed),
		T(stale_temporaries_removed),
		T(dir_built_then_renamed),
		T(dir_abort_and_existing_target),
		T(dir_stale_temporaries_removed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
