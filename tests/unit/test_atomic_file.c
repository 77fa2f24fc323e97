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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
