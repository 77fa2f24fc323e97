/* Host identity through the host handle: complete, partial, garbage trees. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/host_identity.h"

static char *tmp;

static int setup(void **state)
{
	(void)state;
	tmp = make_temp_dir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(tmp);
	free(tmp);
	return 0;
}

static void read_id(const char *root, struct host_identity *id)
{
	struct host h;
	assert_int_equal(host_init(&h, root), 0);
	assert_int_equal(host_identity_read(&h, id), 0);
	host_free(&h);
}

static const char *unreadable(const struct host_identity *id, const char *field)
{
	const json_t *v = json_object_get(id->unreadable, field);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void complete_tree(void **state)
{
	(void)state;
	write_file(tmp, "proc/sys/kernel/hostname", "ip-10-0-0-1.ec2.internal\n", 0644);
	write_file(tmp, "etc/machine-id", "ec209ab4d5f56bbad730e920f82d4827\n", 0644);
	write_file(tmp, "proc/sys/kernel/random/boot_id", "6a1c1d0e-8c3b-4c9e-9f55-0d8f1a2b3c4d\n",
		   0644);
	write_file(tmp, "proc/sys/kernel/osrelease", "6.1.90\n", 0644);
	write_file(tmp, "proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC\n", 0644);
	write_file(tmp, "proc/sys/kernel/arch", "aarch64\n", 0644);
	write_file(tmp, "etc/os-release",
		   "# comment\nNAME=Bottlerocket\nID=bottlerocket\nVERSION_ID=1.20.0\n"
		   "PRETTY_NAME=\"Bottlerocket OS 1.20.0 (aws-k8s-1.29)\"\n"
		   "VARIANT_ID='aws-k8s-1.29'\nESCAPED=\"say \\\"hi\\\"\"\nlower=ignored\n",
		   0644);
	struct host_identity id;
	read_id(tmp, &id);
	assert_string_equal(id.hostname, "ip-10-0-0-1.ec2.internal");
	assert_string_equal(id.machine_id, "ec209ab4d5f56bbad730e920f82d4827");
	assert_true(id.machine_id_valid);
	assert_string_equal(host_identity_key(&id), "ec209ab4d5f56bbad730e920f82d4827");
	assert_string_equal(id.boot_id, "6a1c1d0e-8c3b-4c9e-9f55-0d8f1a2b3c4d");
	assert_string_equal(id.kernel_release, "6.1.90");
	assert_string_equal(id.arch, "aarch64");
	assert_string_equal(id.os_release_path, "/etc/os-release");
	assert_string_equal(host_identity_os(&id, "PRETTY_NAME"), "Bottlerocket OS 1.20.0 (aws-k8s-1.29)");
	assert_string_equal(host_identity_os(&id, "VARIANT_ID"), "aws-k8s-1.29");
	assert_string_equal(host_identity_os(&id, "ESCAPED"), "say \"hi\"");
	assert_string_equal(host_identity_os(&id, "lower"), "");
	assert_int_equal(json_object_size(id.unreadable), 0);
	json_t *j = host_identity_json(&id);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "kernel"), "arch")),
			    "aarch64");
	json_decref(j);
	host_identity_free(&id);
}

static void missing_items_are_named(void **state)
{
	(void)state;
	write_file(tmp, "etc/hostname", "from-etc\n", 0644);
	write_file(tmp, "usr/lib/os-release", "ID=debian\n", 0644);
	struct host_identity id;
	read_id(tmp, &id);
	/* not a live /proc: the configured name, and no complaint about it */
	assert_string_equal(id.hostname, "from-etc");
	assert_null(unreadable(&id, "hostname"));
	assert_string_equal(id.machine_id, "");
	assert_false(id.machine_id_valid);
	assert_string_equal(host_identity_key(&id), "from-etc");
	assert_non_null(strstr(unreadable(&id, "machine_id"), "/etc/machine-id: No such file"));
	assert_non_null(strstr(unreadable(&id, "boot_id"), "/proc/sys/kernel/random/boot_id"));
	assert_non_null(unreadable(&id, "kernel_release"));
	assert_string_equal(id.os_release_path, "/usr/lib/os-release");
	assert_string_equal(host_identity_os(&id, "ID"), "debian");
	host_identity_free(&id);
}

static void garbage_is_contained(void **state)
{
	(void)state;
	write_file(tmp, "etc/machine-id", "not-a-machine-id\n", 0644);
	write_bytes(tmp, "proc/sys/kernel/hostname", "bad\0name", 8, 0644);
	static const char os[] = "ID=\xFF\xFE\nPRETTY_NAME=\"unterminated\n\x01\x02\n";
	write_bytes(tmp, "etc/os-release", os, sizeof(os) - 1, 0644);
	struct host_identity id;
	read_id(tmp, &id);
	assert_false(id.machine_id_valid);
	assert_non_null(strstr(unreadable(&id, "machine_id"), "not 32 hexadecimal digits"));
	assert_string_equal(id.hostname, "");
	assert_string_equal(host_identity_key(&id), "unknown-host");
	/* invalid UTF-8 becomes U+FFFD; the file is still parsed */
	assert_string_equal(host_identity_os(&id, "ID"), "\xEF\xBF\xBD\xEF\xBF\xBD");
	assert_string_equal(host_identity_os(&id, "PRETTY_NAME"), "\"unterminated");
	json_t *j = host_identity_json(&id);
	assert_non_null(j);
	char *text = json_dumps(j, 0);
	assert_non_null(text);
	free(text);
	json_decref(j);
	host_identity_free(&id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(complete_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_items_are_named, setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_is_contained, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
