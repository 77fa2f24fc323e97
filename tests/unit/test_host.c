/* host handle: reads under an offline root stay inside it, even through
 * absolute symlinks in the tree. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(absolute_symlink_resolves_inside_root),
		cmocka_unit_test(live_host_reads_real_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
