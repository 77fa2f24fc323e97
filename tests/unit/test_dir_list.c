/* util/dir_list: a directory's entries with their types, sorted, "." and
 * ".." left out, over as many getdents64 calls as it takes; errors as
 * -errno with nothing to free. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/dir_list.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = make_temp_dir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free_temp_dir(dir);
	return 0;
}

static void types_and_order(void **state)
{
	(void)state;
	char sub[512], link[512];
	snprintf(sub, sizeof(sub), "%s/t1", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	write_file(sub, "b.json", "{}", 0644);
	write_file(sub, "a.json", "{}", 0644);
	write_file(sub, ".hidden", "", 0644);
	char d[600];
	snprintf(d, sizeof(d), "%s/level1", sub);
	assert_int_equal(mkdir(d, 0755), 0);
	snprintf(link, sizeof(link), "%s/z-link", sub);
	assert_int_equal(symlink("a.json", link), 0);

	struct dir_list l;
	assert_int_equal(dir_list_read(AT_FDCWD, sub, &l), 0);
	assert_int_equal(l.n, 5);
	const char *want[] = {".hidden", "a.json", "b.json", "level1", "z-link"};
	for (size_t i = 0; i < l.n; i++)
		assert_string_equal(l.entries[i].name, want[i]);
	/* tmpfs and ext4 say the type; a file system that does not says
	 * DT_UNKNOWN, which callers treat as "look" */
	if (l.entries[3].type != DT_UNKNOWN) {
		assert_int_equal(l.entries[3].type, DT_DIR);
		assert_int_equal(l.entries[1].type, DT_REG);
		assert_int_equal(l.entries[4].type, DT_LNK);
	}
	/* the directory stays open for openat of its entries */
	int fd = openat(l.fd, "a.json", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	dir_list_free(&l);
	assert_int_equal(l.fd, -1);
	dir_list_free(&l); /* twice is harmless */
}

static void many_entries_over_several_calls(void **state)
{
	(void)state;
	char sub[512];
	snprintf(sub, sizeof(sub), "%s/many", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	/* ~600 records of ~80 bytes: well over one 4 KB getdents64 buffer */
	enum { N = 600 };
	for (int i = 0; i < N; i++) {
		char name[128];
		snprintf(name, sizeof(name), "entry-%04d-%s", N - 1 - i,
			 "padding-padding-padding-padding-padding-padding-padding");
		write_file(sub, name, "", 0644);
	}
	struct dir_list l;
	assert_int_equal(dir_list_read(AT_FDCWD, sub, &l), 0);
	assert_int_equal(l.n, N);
	for (size_t i = 1; i < l.n; i++)
		assert_true(strcmp(l.entries[i - 1].name, l.entries[i].name) < 0);
	assert_true(strncmp(l.entries[0].name, "entry-0000-", 11) == 0);
	dir_list_free(&l);
}

static void errors(void **state)
{
	(void)state;
	struct dir_list l;
	char p[512];
	snprintf(p, sizeof(p), "%s/missing", dir);
	assert_int_equal(dir_list_read(AT_FDCWD, p, &l), -ENOENT);
	assert_int_equal(l.fd, -1);
	assert_int_equal(l.n, 0);
	dir_list_free(&l);
	write_file(dir, "plain", "x", 0644);
	snprintf(p, sizeof(p), "%s/plain", dir);
	assert_int_equal(dir_list_read(AT_FDCWD, p, &l), -ENOTDIR);
	dir_list_free(&l);
	/* a FIFO is not opened as a directory (O_DIRECTORY), and never blocks */
	snprintf(p, sizeof(p), "%s/fifo", dir);
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(dir_list_read(AT_FDCWD, p, &l), -ENOTDIR);
	dir_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(types_and_order),
		cmocka_unit_test(many_entries_over_several_calls),
		cmocka_unit_test(errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
