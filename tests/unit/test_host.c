/* host handle: reads under an offline root stay inside it, even through
 * absolute symlinks in the tree; each file is read once per report (the
 * read memo). */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void absolute_symlink_resolves_inside_root(void **state)
{
	(void)state;
	char *root = make_temp_dir();
	write_file(root, "usr/share/x.conf", "inside\n", 0644);
	write_file(root, "etc/placeholder", "", 0644);
	char link[512];
	snprintf(link, sizeof(link), "%s/etc/x.conf", root);
	assert_int_equal(symlink("/usr/share/x.conf", link), 0);
	/* A link that would leave the tree on the machine running the report. */
	snprintf(link, sizeof(link), "%s/etc/hostname-link", root);
	assert_int_equal(symlink("/etc/hostname", link), 0);

	struct host h;
	assert_int_equal(host_init(&h, root), 0);
	char buf[64];
	assert_int_equal(host_read_value(&h, "/etc/x.conf", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "inside");
	/* /etc/hostname does not exist inside the tree: ENOENT, not the host's file. */
	assert_int_equal(host_read_value(&h, "/etc/hostname-link", buf, sizeof(buf)), -ENOENT);
	/* ".." cannot climb out either. */
	assert_int_equal(host_read_value(&h, "/../../../../etc/x.conf", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "inside");
	host_free(&h);
	rm_tree(root);
	free(root);
}

static void live_host_reads_real_files(void **state)
{
	(void)state;
	struct host h;
	assert_int_equal(host_init(&h, "/"), 0);
	assert_true(h.live);
	char buf[64];
	assert_int_equal(host_read_value(&h, "/proc/sys/kernel/ostype", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "Linux");
	assert_int_equal(host_read_value(&h, "relative", buf, sizeof(buf)), -EINVAL);
	host_free(&h);
}

/* One read per file: later reads get what the first one read (bytes or
 * error), until forgotten; a larger limit reads a too-large file again. */
static void reads_are_memoized(void **state)
{
	(void)state;
	char *root = make_temp_dir();
	write_file(root, "etc/a", "first\n", 0644);
	struct host h;
	assert_int_equal(host_init(&h, root), 0);
	unsigned long reads, hits;
	char buf[64];
	assert_int_equal(host_read_value(&h, "/etc/a", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "first");
	write_file(root, "etc/a", "second\n", 0644);
	char *data;
	size_t len;
	assert_int_equal(host_read_file(&h, "/etc/a", HOST_MAX_FILE, &data, &len), 0);
	assert_string_equal(data, "first\n");
	assert_int_equal(len, 6);
	free(data); /* a copy: the memo keeps its own */
	host_read_counts(&h, &reads, &hits);
	assert_int_equal(reads, 1);
	assert_int_equal(hits, 1);
	/* an error is remembered too */
	assert_int_equal(host_read_value(&h, "/etc/b", buf, sizeof(buf)), -ENOENT);
	write_file(root, "etc/b", "now\n", 0644);
	assert_int_equal(host_read_value(&h, "/etc/b", buf, sizeof(buf)), -ENOENT);
	/* forgotten: read again */
	host_forget(&h, "/etc/b");
	assert_int_equal(host_read_value(&h, "/etc/b", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "now");
	/* the limit still applies to what the memo holds */
	assert_int_equal(host_read_value(&h, "/etc/a", buf, 4), -EFBIG);
	/* too large for a small limit; a larger one reads it again */
	write_file(root, "etc/c", "0123456789\n", 0644);
	assert_int_equal(host_read_value(&h, "/etc/c", buf, 4), -EFBIG);
	assert_int_equal(host_read_value(&h, "/etc/c", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0123456789");
	host_forget_all(&h);
	assert_int_equal(host_read_value(&h, "/etc/a", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "second");
	host_read_counts(&h, &reads, &hits);
	assert_int_equal(reads, 6);
	host_free(&h);
	/* a host not made by host_init has no memo: every read reads */
	struct host bare = {.live = false};
	snprintf(bare.root, sizeof(bare.root), "%s", root);
	assert_int_equal(host_read_value(&bare, "/etc/a", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "second");
	host_forget(&bare, "/etc/a");
	host_free(&bare);
	rm_tree(root);
	free(root);
}

static int released;
static void count_release(void *p)
{
	assert_ptr_equal(p, &released);
	released++;
}

/* Something parsed from a read lives and dies with the memo's entry. */
static void derived_rides_with_the_read(void **state)
{
	(void)state;
	char *root = make_temp_dir();
	write_file(root, "etc/a", "x\n", 0644);
	struct host h;
	assert_int_equal(host_init(&h, root), 0);
	/* nothing read yet, or a failed read: not kept */
	assert_int_equal(host_derived_put(&h, "/etc/a", &released, count_release), -ENOENT);
	char buf[16];
	assert_int_equal(host_read_value(&h, "/etc/none", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(host_derived_put(&h, "/etc/none", &released, count_release), -ENOENT);
	assert_int_equal(host_read_value(&h, "/etc/a", buf, sizeof(buf)), 0);
	assert_null(host_derived_get(&h, "/etc/a"));
	released = 0;
	assert_int_equal(host_derived_put(&h, "/etc/a", &released, count_release), 0);
	assert_ptr_equal(host_derived_get(&h, "/etc/a"), &released);
	host_forget(&h, "/etc/a");
	assert_int_equal(released, 1);
	assert_null(host_derived_get(&h, "/etc/a"));
	assert_int_equal(host_read_value(&h, "/etc/a", buf, sizeof(buf)), 0);
	assert_int_equal(host_derived_put(&h, "/etc/a", &released, count_release), 0);
	host_free(&h);
	assert_int_equal(released, 2);
	rm_tree(root);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(absolute_symlink_resolves_inside_root),
		cmocka_unit_test(live_host_reads_real_files),
		cmocka_unit_test(reads_are_memoized),
		cmocka_unit_test(derived_rides_with_the_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
