/* checks/kernel_tables.c reads mountinfo as libmount does: for every input
 * here (this machine's own mount tables, the fixtures' and the tests', and
 * lines made to be awkward) both parsers accept or reject the same text,
 * stop at the same line, and give the same fields, the same lookups and
 * the same "ro" option. libmount is linked into this test only. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <libmount/libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "checks/kernel_tables.h"

static int first_bad;

static int stop_at_bad_line(struct libmnt_table *tb, const char *filename, int line)
{
	(void)tb;
	(void)filename;
	if (!first_bad)
		first_bad = line;
	return -EINVAL;
}

/* libmount's reading, as the kinds used it before: 0, or -EINVAL with
 * *bad the first bad line. */
static int lib_parse(const char *text, size_t len, struct libmnt_table **out, int *bad)
{
	struct libmnt_table *tb = mnt_new_table();
	assert_non_null(tb);
	first_bad = 0;
	mnt_table_set_parser_errcb(tb, stop_at_bad_line);
	int rc = 0;
	if (len) {
		FILE *f = fmemopen((char *)text, len, "r");
		assert_non_null(f);
		if (mnt_table_parse_stream(tb, f, "/proc/self/mountinfo") < 0 || first_bad)
			rc = -EINVAL;
		fclose(f);
	}
	*bad = first_bad;
	if (rc) {
		mnt_unref_table(tb);
		return rc;
	}
	*out = tb;
	return 0;
}

static const char *nz(const char *s)
{
	return s ? s : "(null)";
}

static void same(const char *what, const char *text)
{
	size_t len = strlen(text);
	struct libmnt_table *lt = NULL;
	struct mount_table *mt = NULL;
	int lbad = 0, mbad = 0;
	int lrc = lib_parse(text, len, &lt, &lbad);
	int mrc = mountinfo_parse(text, len, &mt, &mbad);
	if (lrc != mrc || lbad != mbad)
		fail_msg("%s: libmount rc %d line %d, ours rc %d line %d", what, lrc, lbad, mrc, mbad);
	if (lrc)
		return;
	if ((size_t)mnt_table_get_nents(lt) != mt->n)
		fail_msg("%s: libmount %d entries, ours %zu", what, mnt_table_get_nents(lt), mt->n);
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	for (size_t i = 0; mnt_table_next_fs(lt, it, &fs) == 0; i++) {
		const struct mount_entry *e = &mt->entries[i];
		char lib[8192], ours[8192];
		const char *vfs = mnt_fs_get_vfs_options(fs);
		snprintf(lib, sizeof(lib), "%d %d %u:%u [%s] [%s] [%s] [%s] [%s] [%s] [%s] ro=%d",
			 mnt_fs_get_id(fs), mnt_fs_get_parent_id(fs), major(mnt_fs_get_devno(fs)),
			 minor(mnt_fs_get_devno(fs)), nz(mnt_fs_get_root(fs)),
			 nz(mnt_fs_get_target(fs)), nz(vfs), nz(mnt_fs_get_optional_fields(fs)),
			 nz(mnt_fs_get_fstype(fs)), nz(mnt_fs_get_source(fs)),
			 nz(mnt_fs_get_fs_options(fs)),
			 vfs ? mnt_optstr_get_option(vfs, "ro", NULL, NULL) == 0 : -1);
		snprintf(ours, sizeof(ours), "%d %d %u:%u [%s] [%s] [%s] [%s] [%s] [%s] [%s] ro=%d",
			 e->id, e->parent, major(e->devno), minor(e->devno), e->root, e->target,
			 e->vfs_options, nz(e->opt_fields), e->fstype, e->source, e->fs_options,
			 mount_option_set(e->vfs_options, "ro"));
		if (strcmp(lib, ours))
			fail_msg("%s: entry %zu:\n libmount %s\n ours     %s", what, i, lib, ours);
		/* the mount visible at this entry's target is the same one */
		struct libmnt_fs *lf = mnt_table_find_target(lt, mnt_fs_get_target(fs),
							     MNT_ITER_BACKWARD);
		const struct mount_entry *me = mountinfo_find_target(mt, e->target);
		assert_non_null(lf);
		assert_non_null(me);
		assert_int_equal(mnt_fs_get_id(lf), me->id);
	}
	mnt_free_iter(it);
	static const char *const targets[] = {"/", "//", "/sys/kernel/security", "/sys/kernel/security/",
					      "/sys//kernel/security", "/proc", "/nope", "sys", "/a b"};
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct libmnt_fs *lf = mnt_table_find_target(lt, targets[i], MNT_ITER_BACKWARD);
		const struct mount_entry *me = mountinfo_find_target(mt, targets[i]);
		if (!lf != !me || (lf && mnt_fs_get_id(lf) != me->id))
			fail_msg("%s: target %s: libmount %d, ours %d", what, targets[i],
				 lf ? mnt_fs_get_id(lf) : -1, me ? me->id : -1);
	}
	mnt_unref_table(lt);
	mount_table_unref(mt);
}

static void this_machine(void **state)
{
	(void)state;
	static const char *const files[] = {"/proc/self/mountinfo", "/proc/1/mountinfo"};
	for (size_t i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "r");
		if (!f)
			continue;
		char *text = calloc(1, 1 << 20);
		assert_non_null(text);
		size_t n = fread(text, 1, (1 << 20) - 1, f);
		fclose(f);
		text[n] = '\0';
		same(files[i], text);
		free(text);
	}
}

static void fixtures(void **state)
{
	(void)state;
	DIR *d = opendir(FIXTURES);
	assert_non_null(d);
	struct dirent *de;
	size_t n = 0;
	while ((de = readdir(d))) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s/proc/self/mountinfo", FIXTURES, de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		char text[65536];
		size_t len = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[len] = '\0';
		same(path, text);
		n++;
	}
	closedir(d);
	assert_true(n >= 1);
}

static void awkward_lines(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"",
		"\n\n",
		"22 1 254:0 / / ro,relatime - ext4 /dev/dm-0 ro\n",
		"22 1 254:0 / / ro - ext4 /dev/dm-0 ro",                  /* no final newline */
		"22 1 254:0 / / ro - ext4 /dev/dm-0 ro\r\n",              /* CRLF */
		"  # a comment\n\t\n22 1 254:0 / / rw - ext4 /dev/vda rw\n", /* blank, comment */
		"22 1 254:0 / / rw shared:1 master:2 - ext4 /dev/vda rw\n", /* optional fields */
		"22 1 254:0 / / rw shared:1 - ext4 /dev/vda rw extra fields\n",
		"22\t1\t254:0\t/\t/\trw - ext4\t/dev/vda\trw\n",       /* tabs */
		"22  1   254:0  /  /  rw  -  ext4  /dev/vda  rw\n",    /* runs of blanks */
		"30 22 0:5 / /mnt/a\\040b rw - tmpfs my\\011src rw,size=1k\n", /* escapes */
		"30 22 0:5 / /mnt/x\\04 rw - tmpfs t\\\\ rw\n",          /* not an escape */
		"30 22 0:5 / /mnt/x\\777y rw - tmpfs t rw\n",            /* wraps to a byte */
		"30 22 0:5 / /mnt/gone\\040(deleted) rw - tmpfs t rw\n", /* deleted mount point */
		"30 22 0:5 / /sys/kernel/security/ rw - securityfs securityfs rw\n",
		"30 22 0:5 / //sys//kernel/security rw - securityfs securityfs rw\n",
		"31 22 0:6 / /proc rw - proc  rw\n",                     /* empty source */
		"31 22 0:6 / /proc rw - proc\tproc rw\n",
		"31 22 0:6 / /proc rw,nosuid,ro - proc proc rw\n",       /* ro later */
		"31 22 0:6 / /proc rw,roo,mode=ro - proc proc rw\n",     /* not ro */
		"31 22 0:6 / /proc ro=1 - proc proc rw\n",               /* ro with a value */
		"31 22 0:6 / /proc rw,\"a,ro\" - proc proc rw\n",        /* quoted */
		"-1 +2 254:0 / / rw - ext4 /dev/vda rw\n",               /* signs, as strtol */
		"22 1 -1:0 / / rw - ext4 /dev/vda rw\n",
		"22 1 4294967296:1 / / rw - ext4 /dev/vda rw\n",
		"22 1 254: 0 / / rw - ext4 /dev/vda rw\n",
		"22 1 254:0x / / rw - ext4 /dev/vda rw\n",
		"22 1 254:0 / / rw - ext4 UUID=1234-5678 rw\n",
		"22 1 254:0 / / rw - ext4 LABEL=root rw\n",
		"22 1 1:2 / / rw - ext4 /dev/vda rw\n"
		"23 22 1:3 / /a rw - tmpfs t rw\n"
		"24 22 1:4 / /a rw - tmpfs u rw\n",                      /* stacked: the last wins */
		/* broken: each fails at the line both parsers name */
		"garbage\n",
		"22 1 254:0 / / rw - ext4 /dev/vda rw\nnot a mount line\n",
		"22 1 254:0 / / rw - ext4 /dev/vda rw\n22\n",
		"22 1 254:0 / / rw ext4 /dev/vda rw\n",                  /* no " - " */
		"22 1 254:0 / / rw -\n",
		"22 1 254:0 / / rw - ext4\n",
		"22 1 254:0 / / rw - ext4 /dev/vda\n",
		"22 1 254:0 / / rw - ext4  \n",
		"22 1 254:0 / /\n",
		"22 1 254:0 /\n",
		"22 1 254 / / rw - ext4 /dev/vda rw\n",
		"22 x 254:0 / / rw - ext4 /dev/vda rw\n",
		"22x 1 254:0 / / rw - ext4 /dev/vda rw\n",
		"22 1 254:0 / / rw - ext4 /dev/vda rw\n\n# c\n23 22 0:1 / /b\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char what[32];
		snprintf(what, sizeof(what), "text %zu", i);
		same(what, texts[i]);
	}
	/* a NUL anywhere: line 1 is bad (libmount would read up to it) */
	struct mount_table *mt;
	int bad;
	assert_int_equal(mountinfo_parse("22 1 254:0 / / rw - ext4 /dev/vda rw\n\0", 38, &mt, &bad),
			 -EINVAL);
	assert_int_equal(bad, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(this_machine),
		cmocka_unit_test(fixtures),
		cmocka_unit_test(awkward_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
