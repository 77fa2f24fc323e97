/* util/safe_file: what is not a regular file is refused before one byte is
 * read, without blocking (a FIFO with no writer, /dev/zero), and named; a
 * file is read to EOF within its bound whatever its stat size says. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/safe_file.h"

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

static void path_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static void regular_file(void **state)
{
	(void)state;
	char p[512], *text;
	size_t len;
	path_of(p, sizeof(p), "a.json");
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("{\"x\": 1}\n", f);
	fclose(f);
	assert_int_equal(safe_read(AT_FDCWD, p, 0, 100, &text, &len), 0);
	assert_int_equal(len, 9);
	assert_string_equal(text, "{\"x\": 1}\n");
	free(text);
	assert_int_equal(safe_read(AT_FDCWD, p, 0, 8, &text, &len), -EFBIG);
	assert_int_equal(safe_read(AT_FDCWD, p, 0, 9, &text, NULL), 0);
	free(text);
	assert_int_equal(safe_check(AT_FDCWD, p, 0), 0);
	assert_int_equal(safe_check(AT_FDCWD, dir, SAFE_DIR), 0);
	assert_int_equal(safe_check(AT_FDCWD, p, SAFE_DIR), -ENOTDIR);
}

static void fifo_never_blocks(void **state)
{
	(void)state;
	char p[512], *text = NULL;
	path_of(p, sizeof(p), "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	/* No writer: a plain open would block forever here. */
	assert_int_equal(safe_read(AT_FDCWD, p, 0, 100, &text, NULL), -ENOTREG);
	assert_int_equal(safe_check(AT_FDCWD, p, 0), -ENOTREG);
	assert_string_equal(safe_strerror(-ENOTREG), "not a regular file");
	assert_null(text);
}

static void devices_and_links(void **state)
{
	(void)state;
	char p[512], *text = NULL;
	path_of(p, sizeof(p), "zero.conf");
	assert_int_equal(symlink("/dev/zero", p), 0);
	assert_int_equal(safe_read(AT_FDCWD, p, 0, 1 << 20, &text, NULL), -ENOTREG);
	assert_int_equal(safe_read(AT_FDCWD, p, SAFE_NOFOLLOW, 1 << 20, &text, NULL), -ELOOP);
	assert_int_equal(safe_read(AT_FDCWD, "/dev/zero", 0, 1 << 20, &text, NULL), -ENOTREG);
	assert_int_equal(safe_read(AT_FDCWD, "/dev/null", 0, 1 << 20, &text, NULL), -ENOTREG);
	assert_null(text);
	assert_int_equal(safe_read(AT_FDCWD, dir, 0, 100, &text, NULL), -EISDIR);
	assert_string_equal(safe_strerror(-EISDIR), "is a directory");
	path_of(p, sizeof(p), "good");
	FILE *f = fopen(p, "w");
	fputs("ok", f);
	fclose(f);
	char l[512];
	path_of(l, sizeof(l), "link");
	assert_int_equal(symlink(p, l), 0);
	assert_int_equal(safe_read(AT_FDCWD, l, 0, 100, &text, NULL), 0);
	assert_string_equal(text, "ok");
	free(text);
	assert_int_equal(safe_read(AT_FDCWD, l, SAFE_NOFOLLOW, 100, &text, NULL), -ELOOP);
	/* Relative to a directory fd. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(safe_read(dfd, "good", SAFE_NOFOLLOW, 100, &text, NULL), 0);
	free(text);
	assert_int_equal(safe_read(dfd, "zero.conf", 0, 100, &text, NULL), -ENOTREG);
	close(dfd);
}

static void proc_files_read_to_eof(void **state)
{
	(void)state;
	char *text;
	size_t len;
	/* Size 0 in stat, content anyway. */
	assert_int_equal(safe_read(AT_FDCWD, "/proc/self/mountinfo", 0, 4u << 20, &text, &len), 0);
	assert_true(len > 0);
	assert_int_equal(strlen(text), len);
	free(text);
	assert_int_equal(safe_read(AT_FDCWD, "/proc/self/mountinfo", 0, 4, &text, &len), -EFBIG);
}

/* safe_pread_whole: from offset 0 whatever the fd's offset (which stays),
 * within the same bound; a sysctl in one read. */
static void pread_whole_from_offset_zero(void **state)
{
	(void)state;
	char p[512], *text;
	size_t len;
	path_of(p, sizeof(p), "big");
	char big[10000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	write_bytes(dir, "big", big, sizeof(big), 0644);
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(lseek(fd, 123, SEEK_SET), 123);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(safe_pread_whole(fd, 1u << 20, 0, &text, &len), 0);
		assert_int_equal(len, sizeof(big));
		assert_memory_equal(text, big, sizeof(big));
		free(text);
	}
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 123);
	assert_int_equal(safe_pread_whole(fd, sizeof(big), 0, &text, &len), 0);
	free(text);
	assert_int_equal(safe_pread_whole(fd, sizeof(big) - 1, 0, &text, &len), -EFBIG);
	close(fd);
	fd = open("/proc/sys/kernel/osrelease", O_RDONLY);
	assert_true(fd >= 0);
	char *fresh;
	size_t flen;
	assert_int_equal(safe_read(AT_FDCWD, "/proc/sys/kernel/osrelease", 0, 4096, &fresh, &flen), 0);
	assert_int_equal(safe_pread_whole(fd, 4096, SAFE_SHORT_READ_EOF, &text, &len), 0);
	assert_int_equal(len, flen);
	assert_string_equal(text, fresh);
	free(text);
	free(fresh);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(regular_file, setup, teardown),
		cmocka_unit_test_setup_teardown(fifo_never_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(devices_and_links, setup, teardown),
		cmocka_unit_test_setup_teardown(proc_files_read_to_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(pread_whole_from_offset_zero, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
