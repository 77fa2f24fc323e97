/* journald kind: systemd's resolution of journald.conf and its drop-ins. */
#include "testutil.h"
#include "unprivileged.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The profile's params. */
#define PARAMS                                                                            \
	"{\"key\":\"Storage\",\"value\":\"persistent\",\"default\":\"auto\","             \
	"\"accepted\":[\"volatile\",\"persistent\",\"auto\",\"none\"]}"
#define BR_DROPIN "usr/lib/systemd/journald.conf.d/journald.conf"

static char *tmp;

static int fresh(void **state)
{
	(void)state;
	tmp = make_temp_dir();
	chmod(tmp, 0755); /* the unprivileged runs must reach it */
	return 0;
}

static int cleanup(void **state)
{
	(void)state;
	rm_tree(tmp);
	free(tmp);
	return 0;
}

static void run(struct check_result *r)
{
	run_kind("journald", PARAMS, tmp, r);
}

static void assert_storage(const struct check_result *r, bool ok, const char *actual)
{
	const struct evidence *e = find_evidence(r, "Storage");
	assert_string_equal(e->expected, "persistent");
	if (strcmp(e->actual, actual) != 0)
		fail_msg("Storage actual '%s', want '%s'", e->actual, actual);
	assert_int_equal(e->ok, ok);
}

static void bottlerocket_file_passes(void **state)
{
	(void)state;
	write_file(tmp, BR_DROPIN, "[Journal]\nStorage=persistent\nSystemMaxUse=1G\n", 0644);
	struct check_result r;
	run(&r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_storage(&r, true,
		       "persistent (set at /usr/lib/systemd/journald.conf.d/journald.conf:2)");
	assert_string_equal(find_evidence(&r, "files read")->actual,
			    "/usr/lib/systemd/journald.conf.d/journald.conf");
	result_free(&r);
	run_kind("journald", PARAMS, "hardened", &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
}

static void unset_is_systemd_default(void **state)
{
	(void)state;
	struct check_result r;
	run(&r);
	assert_result(&r, CHECK_FAIL, "Storage: expected persistent, found auto (systemd default)");
	assert_storage(&r, false, "auto (systemd default)");
	assert_string_equal(find_evidence(&r, "files read")->actual, "none");
	result_free(&r);
	/* without a default param, unset is just unset */
	run_kind("journald", "{\"key\":\"Storage\",\"value\":\"persistent\"}", tmp, &r);
	assert_result(&r, CHECK_FAIL, "found unset");
	result_free(&r);
}

static void later_dropin_name_wins(void **state)
{
	(void)state;
	write_file(tmp, BR_DROPIN, "[Journal]\nStorage=persistent\n", 0644);
	/* sorted by file name across directories: zz-* comes after journald.conf */
	write_file(tmp, "etc/systemd/journald.conf.d/zz-volatile.conf",
		   "# local override\n[Journal]\nStorage=volatile\n", 0644);
	struct check_result r;
	run(&r);
	assert_result(&r, CHECK_FAIL, "found volatile");
	assert_storage(&r, false,
		       "volatile (set at /etc/systemd/journald.conf.d/zz-volatile.conf:3)");
	result_free(&r);
	/* and 00-* comes before it, so the Bottlerocket file wins again */
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/etc/systemd/journald.conf.d/zz-volatile.conf", tmp);
	char to[PATH_MAX];
	snprintf(to, sizeof(to), "%s/etc/systemd/journald.conf.d/00-volatile.conf", tmp);
	assert_int_equal(rename(path, to), 0);
	run(&r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "files read")->actual,
			    "/etc/systemd/journald.conf.d/00-volatile.conf, "
			    "/usr/lib/systemd/journald.conf.d/journald.conf");
	result_free(&r);
}

static void same_name_in_etc_hides_usr_lib(void **state)
{
	(void)state;
	write_file(tmp, BR_DROPIN, "[Journal]\nStorage=persistent\n", 0644);
	write_file(tmp, "run/systemd/journald.conf.d/journald.conf", "[Journal]\nStorage=auto\n", 0644);
	struct check_result r;
	run(&r);
	assert_result(&r, CHECK_FAIL, NULL);
	assert_storage(&r, false, "auto (set at /run/systemd/journald.conf.d/journald.conf:2)");
	assert_null(strstr(find_evidence(&r, "files read")->actual, "/usr/lib"));
	result_free(&r);
}

static void dev_null_masks(void **state)
{
	(void)state;
	write_file(tmp, BR_DROPIN, "[Journal]\nStorage=persistent\n", 0644);
	write_file(tmp, "etc/systemd/journald.conf.d/placeholder", "", 0644);
	char link[PATH_MAX];
	snprintf(link, sizeof(link), "%s/etc/systemd/journald.conf.d/journald.conf", tmp);
	assert_int_equal(symlink("/dev/null", link), 0);
	struct check_result r;
	run(&r);
	assert_result(&r, CHECK_FAIL, "auto (systemd default)");
	assert_string_equal(find_evidence(&r, "files read")->actual,
			    "/etc/systemd/journald.conf.d/journald.conf (masked: /dev/null)");
	result_free(&r);
	unlink(link); /* so no cleanup can ever touch /dev/null through it */
}

static void main_file_first_found_then_dropins(void **state)
{
	(void)state;
	write_file(tmp, "etc/systemd/journald.conf", "[Journal]\nStorage=volatile\n", 0644);
	write_file(tmp, "usr/lib/systemd/journald.conf", "[Journal]\nStorage=persistent\n", 0644);
	struct check_result r;
	run(&r);
	/* only the first main file counts: /etc's */
	assert_result(&r, CHECK_FAIL, NULL);
	assert_storage(&r, false, "volatile (set at /etc/systemd/journald.conf:2)");
	result_free(&r);
	/* a drop-in is applied after the main file */
	write_file(tmp, "usr/local/lib/systemd/journald.conf.d/10-persist.conf",
		   "[Journal]\nStorage=persistent\n", 0644);
	run(&r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "files read")->actual,
			    "/etc/systemd/journald.conf, "
			    "/usr/local/lib/systemd/journald.conf.d/10-persist.conf");
	result_free(&r);
}

static void syntax(void **state)
{
	(void)state;
	struct check_result r;
	/* other sections, assignments before a section, comments: none count */
	write_file(tmp, BR_DROPIN,
		   "Storage=persistent\n[Upload]\nStorage=persistent\n[Journal]\n"
		   "#Storage=persistent\n  ; Storage=persistent\nstorage=persistent\n",
		   0644);
	run(&r);
	assert_storage(&r, false, "auto (systemd default)");
	result_free(&r);
	/* blanks around key and value; last assignment wins */
	write_file(tmp, BR_DROPIN,
		   "[Journal]\n  Storage = volatile  \nStorage=none\n\t Storage\t=\tpersistent \r\n",
		   0644);
	run(&r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_storage(&r, true,
		       "persistent (set at /usr/lib/systemd/journald.conf.d/journald.conf:4)");
	result_free(&r);
	/* a trailing backslash continues the line (and becomes a blank) */
	write_file(tmp, BR_DROPIN, "[Journal]\nStorage=\\\n# comment inside\npersistent\n", 0644);
	run(&r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	/* a bad section header makes systemd stop reading */
	write_file(tmp, BR_DROPIN, "[Journal\nStorage=persistent\n", 0644);
	run(&r);
	assert_result(&r, CHECK_FAIL, "auto (systemd default)");
	assert_non_null(strstr(find_evidence(&r, "files read")->actual,
			       "journald.conf:1: invalid section header"));
	result_free(&r);
}

static void value_case_matters(void **state)
{
	(void)state;
	write_file(tmp, BR_DROPIN, "[Journal]\nStorage=Persistent\n", 0644);
	struct check_result r;
	run(&r);
	/* systemd rejects "Persistent" and keeps the default */
	assert_result(&r, CHECK_FAIL, NULL);
	assert_storage(&r, false,
		       "auto (systemd default); Storage=Persistent at "
		       "/usr/lib/systemd/journald.conf.d/journald.conf:2 is ignored by systemd");
	result_free(&r);
	write_file(tmp, BR_DROPIN, "[Journal]\nStorage=persistent\nStorage=\n", 0644);
	run(&r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
}

static void garbage_and_unreadable(void **state)
{
	(void)state;
	struct check_result r;
	write_bytes(tmp, BR_DROPIN, "[Journal]\n\0Storage=persistent\n", 30, 0644);
	run(&r);
	assert_result(&r, CHECK_SKIP,
		      "cannot read /usr/lib/systemd/journald.conf.d/journald.conf: not a regular text file");
	result_free(&r);
	/* what is not a regular file systemd skips, and it hides nothing: a
	 * directory, a dangling symlink */
	write_file(tmp, BR_DROPIN, "[Journal]\nStorage=persistent\n", 0600);
	write_file(tmp, "etc/systemd/journald.conf.d/journald.conf/inner", "Storage=none\n", 0644);
	char dangling[PATH_MAX];
	snprintf(dangling, sizeof(dangling), "%s/run/systemd/journald.conf.d/journald.conf", tmp);
	write_file(tmp, "run/systemd/journald.conf.d/.keep", "", 0644);
	assert_int_equal(symlink("/nonexistent/journald.conf", dangling), 0);
	run(&r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_string_equal(find_evidence(&r, "files read")->actual,
			    "/usr/lib/systemd/journald.conf.d/journald.conf");
	result_free(&r);
	/* mode 0600 root-owned: nobody cannot read it */
	struct unpriv_result u;
	run_kind_unprivileged("journald", PARAMS, tmp, &u);
	assert_int_equal(u.status, CHECK_SKIP);
	assert_string_equal(u.error, "cannot read /usr/lib/systemd/journald.conf.d/journald.conf: "
				     "Permission denied");
	/* an unreadable drop-in directory */
	char d[PATH_MAX];
	snprintf(d, sizeof(d), "%s/usr/lib/systemd/journald.conf.d", tmp);
	chmod(d, 0700);
	run_kind_unprivileged("journald", PARAMS, tmp, &u);
	assert_int_equal(u.status, CHECK_SKIP);
	assert_string_equal(u.error, "cannot read /usr/lib/systemd/journald.conf.d: Permission denied");
}

static void bad_params(void **state)
{
	(void)state;
	struct param_error err;
	assert_int_equal(validate_kind("journald", "{\"value\":\"persistent\"}", &err), -EINVAL);
	assert_string_equal(err.field, "key");
	assert_int_equal(validate_kind("journald", "{\"key\":\"Sto rage\",\"value\":\"x\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("journald", "{\"key\":\"Storage\",\"value\":\"persistant\",\"accepted\":[\"persistent\"]}", &err), -EINVAL);
	assert_string_equal(err.field, "value");
	assert_int_equal(validate_kind("journald", "{\"key\":\"Storage\",\"value\":\"persistent\",\"default\":\"x\",\"accepted\":[\"persistent\"]}", &err), -EINVAL);
	assert_string_equal(err.field, "default");
	assert_int_equal(validate_kind("journald", "{\"key\":\"Storage\",\"value\":\"x\",\"config\":\"/etc/systemd/journald.conf\"}", &err), -EINVAL);
	assert_string_equal(err.field, "config");
	assert_int_equal(validate_kind("journald", "{\"key\":\"Storage\",\"value\":\"x\",\"config\":\"../x\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("journald", "{\"key\":\"Storage\",\"value\":\"x\",\"section\":\"[Journal]\"}", &err), -EINVAL);
	assert_int_equal(validate_kind("journald", "{\"key\":\"Storage\",\"value\":\"x\",\"file\":\"y\"}", &err), -EINVAL);
	assert_string_equal(err.field, "file");
	assert_int_equal(validate_kind("journald", PARAMS, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(bottlerocket_file_passes, fresh, cleanup),
		cmocka_unit_test_setup_teardown(unset_is_systemd_default, fresh, cleanup),
		cmocka_unit_test_setup_teardown(later_dropin_name_wins, fresh, cleanup),
		cmocka_unit_test_setup_teardown(same_name_in_etc_hides_usr_lib, fresh, cleanup),
		cmocka_unit_test_setup_teardown(dev_null_masks, fresh, cleanup),
		cmocka_unit_test_setup_teardown(main_file_first_found_then_dropins, fresh, cleanup),
		cmocka_unit_test_setup_teardown(syntax, fresh, cleanup),
		cmocka_unit_test_setup_teardown(value_case_matters, fresh, cleanup),
		cmocka_unit_test_setup_teardown(garbage_and_unreadable, fresh, cleanup),
		cmocka_unit_test(bad_params),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
