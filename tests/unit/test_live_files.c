/* core/live_files: a kept descriptor answers what a fresh open and read
 * would: the same bytes and errors, the kernel's value now (never an old
 * one), a file re-created after it went away, the file a path names after
 * the mounts changed; one reader at a time per file among threads; a forked
 * child opens afresh; beyond the table's size, reads as before.
 *
 * As root the test runs in its own mount and network namespaces (set up in
 * main), where it changes sysctls, makes tun interfaces and mounts; without
 * them those tests skip. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/host.h"
#include "core/live_files.h"
#include "util/safe_file.h"

#define OSRELEASE "/proc/sys/kernel/osrelease"
#define MOUNTINFO "/proc/self/mountinfo"
#define ALL_REDIRECTS "/proc/sys/net/ipv4/conf/all/accept_redirects"
#define DEFAULT_REDIRECTS "/proc/sys/net/ipv4/conf/default/accept_redirects"
#define TUN_NAME "lf0"
#define TUN_REDIRECTS "/proc/sys/net/ipv4/conf/" TUN_NAME "/accept_redirects"

/* root, in a private mount and network namespace of this process */
static bool private_ns;

static unsigned long kept_now(void)
{
	unsigned long kept, opens;
	live_files_counts(&kept, &opens);
	return kept;
}

/* What a fresh open and read of path answers, and what live_files does,
 * must be the same: rc, length and bytes. */
static void assert_same_as_fresh(const char *path, size_t max)
{
	char *fresh = NULL, *live = NULL;
	size_t flen = 0, llen = 0;
	int frc = safe_read(AT_FDCWD, path, 0, max, &fresh, &flen);
	int lrc = live_files_read(path, max, &live, &llen);
	if (frc != lrc)
		fail_msg("%s (max %zu): fresh read %d, kept %d", path, max, frc, lrc);
	if (!frc) {
		assert_int_equal(flen, llen);
		assert_memory_equal(fresh, live, flen);
		assert_int_equal(live[llen], '\0');
	}
	free(fresh);
	free(live);
}

static void write_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, value, strlen(value)), (ssize_t)strlen(value));
	close(fd);
}

/* live_files_read's answer, which must succeed. */
static char *read_live(const char *path)
{
	char *text = NULL;
	int rc = live_files_read(path, 4096, &text, NULL);
	if (rc)
		fail_msg("%s: %s", path, strerror(-rc));
	return text;
}

static void assert_reads(const char *path, const char *want)
{
	char *text = read_live(path);
	assert_string_equal(text, want);
	free(text);
}

static void covers_only_kernel_files(void **state)
{
	(void)state;
	assert_true(live_files_covers(OSRELEASE));
	assert_true(live_files_covers(ALL_REDIRECTS));
	assert_true(live_files_covers(MOUNTINFO));
	assert_true(live_files_covers("/proc/modules"));
	assert_true(live_files_covers("/proc/net/ip6_tables_names"));
	assert_true(live_files_covers("/sys/kernel/security/lockdown"));
	/* another process's files: its pid may be another process next time */
	assert_false(live_files_covers("/proc/1/mountinfo"));
	assert_false(live_files_covers("/proc/self/stat"));
	/* files on disk may be replaced by a rename */
	assert_false(live_files_covers("/etc/os-release"));
	/* only plain names under /proc/sys */
	assert_false(live_files_covers("/proc/sys/"));
	assert_false(live_files_covers("/proc/sys/kernel/"));
	assert_false(live_files_covers("/proc/sys/../self/environ"));
	assert_false(live_files_covers("/proc/sys/kernel/./osrelease"));
	assert_false(live_files_covers("/proc/sys/kernel//osrelease"));
	assert_false(live_files_covers("/proc/system"));
}

static void same_bytes_and_errors_as_fresh_read(void **state)
{
	(void)state;
	const char *paths[] = {
		OSRELEASE, "/proc/sys/kernel/ostype", "/proc/sys/net/ipv4/tcp_syncookies",
		"/proc/filesystems", "/proc/cmdline", "/proc/modules", MOUNTINFO,
		"/proc/net/protocols",
		"/proc/sys/kernel",          /* a directory: -EISDIR */
		"/proc/sys/kernel/no_such",  /* -ENOENT */
		"/proc/sys/vm/compact_memory", /* write-only: -EACCES, even for root */
	};
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			assert_same_as_fresh(paths[i], HOST_MAX_FILE);
	/* Limits as safe_read has them, at, below and above the length. */
	char *text;
	size_t len;
	assert_int_equal(safe_read(AT_FDCWD, OSRELEASE, 0, 4096, &text, &len), 0);
	free(text);
	for (size_t max = 1; max <= len + 2; max++)
		assert_same_as_fresh(OSRELEASE, max);
	assert_same_as_fresh("/proc/filesystems", 10);
	/* Rounds after the first went through the kept descriptors. */
	assert_true(kept_now() > 0);
}

static void kept_read_gives_new_value(void **state)
{
	(void)state;
	if (!private_ns)
		skip(); /* changes a sysctl: root, own network namespace */
	write_sysctl(ALL_REDIRECTS, "1");
	assert_reads(ALL_REDIRECTS, "1\n");
	unsigned long kept = kept_now();
	write_sysctl(ALL_REDIRECTS, "0");
	assert_reads(ALL_REDIRECTS, "0\n");
	write_sysctl(ALL_REDIRECTS, "1");
	assert_reads(ALL_REDIRECTS, "1\n");
	/* the kept descriptor gave the new values, not an open of its own */
	assert_int_equal(kept_now(), kept + 2);
}

/* A tun interface lives while its fd is open: its sysctls come and go. */
static int tun_make(void)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct ifreq ifr = {.ifr_flags = IFF_TUN | IFF_NO_PI};
	strcpy(ifr.ifr_name, TUN_NAME);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int tun_or_skip(void)
{
	if (!private_ns)
		skip(); /* makes interfaces: root, own network namespace */
	int fd = tun_make();
	if (fd < 0)
		skip(); /* no /dev/net/tun */
	return fd;
}

static void removed_file_is_enoent_then_new(void **state)
{
	(void)state;
	int tun = tun_or_skip();
	write_sysctl(DEFAULT_REDIRECTS, "1");
	write_sysctl(TUN_REDIRECTS, "0");
	assert_reads(TUN_REDIRECTS, "0\n");
	assert_reads(TUN_REDIRECTS, "0\n");
	close(tun); /* the interface and its sysctls go */
	char *text;
	assert_int_equal(live_files_read(TUN_REDIRECTS, 4096, &text, NULL), -ENOENT);
	assert_same_as_fresh(TUN_REDIRECTS, 4096);
	/* made anew: its value from the default, not the old one */
	tun = tun_make();
	assert_true(tun >= 0);
	assert_reads(TUN_REDIRECTS, "1\n");
	/* gone and back between two reads: the kept descriptor fails, the
	 * path is opened once more */
	write_sysctl(TUN_REDIRECTS, "0");
	assert_reads(TUN_REDIRECTS, "0\n");
	close(tun);
	tun = tun_make();
	assert_true(tun >= 0);
	assert_reads(TUN_REDIRECTS, "1\n");
	close(tun);
}

static void mounts_change_what_a_path_names(void **state)
{
	(void)state;
	if (!private_ns)
		skip(); /* mounts: root, own mount namespace */
	char *real = read_live(OSRELEASE);
	assert_reads(OSRELEASE, real); /* kept now */
	char *dir = make_temp_dir();
	write_file(dir, "osrelease", "masked\n", 0644);
	char over[PATH_MAX];
	snprintf(over, sizeof(over), "%s/osrelease", dir);
	assert_int_equal(mount(over, OSRELEASE, NULL, MS_BIND, NULL), 0);
	/* a file on disk bound over it now: read afresh, and not kept */
	assert_reads(OSRELEASE, "masked\n");
	assert_same_as_fresh(OSRELEASE, 4096);
	write_file(dir, "osrelease", "masked again\n", 0644);
	assert_reads(OSRELEASE, "masked again\n");
	assert_int_equal(umount2(OSRELEASE, 0), 0);
	assert_reads(OSRELEASE, real);
	/* a file system of files on disk where the sysctls were: a file
	 * replaced by a rename is the new one at the next read */
	assert_int_equal(mount("cisreport-live-files-test", "/proc/sys/kernel", "tmpfs", 0, "size=16k"), 0);
	write_file("/proc/sys/kernel", "osrelease", "on tmpfs\n", 0644);
	assert_reads(OSRELEASE, "on tmpfs\n");
	assert_reads(OSRELEASE, "on tmpfs\n");
	write_file("/proc/sys/kernel", "osrelease.new", "renamed over\n", 0644);
	assert_int_equal(rename("/proc/sys/kernel/osrelease.new", OSRELEASE), 0);
	assert_reads(OSRELEASE, "renamed over\n");
	assert_int_equal(umount2("/proc/sys/kernel", 0), 0);
	assert_reads(OSRELEASE, real);
	free(real);
	free_temp_dir(dir);
}

/* A value through a host handle (a macro: a failure names its line). */
#define assert_host_reads(h, path, want)                                                  \
	do {                                                                              \
		char got_[256];                                                           \
		assert_int_equal(host_read_value(h, path, got_, sizeof(got_)), 0);        \
		assert_string_equal(got_, want);                                          \
	} while (0)

/* A report looks at the mount watch once, at its first kernel file: what a
 * path names is what it named then, for the whole report; the next report
 * (and a probe that says it changed the machine: host_forget) sees the
 * mounts as they are now. */
static void a_report_sees_the_mounts_of_its_first_read(void **state)
{
	(void)state;
	if (!private_ns)
		skip(); /* mounts: root, own mount namespace */
	char *real = read_live(OSRELEASE); /* with its newline */
	char value[256];
	snprintf(value, sizeof(value), "%.*s", (int)strcspn(real, "\n"), real);
	char *dir = make_temp_dir();
	write_file(dir, "osrelease", "masked\n", 0644);
	char over[PATH_MAX];
	snprintf(over, sizeof(over), "%s/osrelease", dir);

	/* the generation passed in, not the one now */
	uint64_t before = live_files_mounts();
	char *text = NULL;
	assert_int_equal(live_files_read_as_of(OSRELEASE, before, 4096, &text, NULL), 0);
	free(text); /* kept now */
	assert_int_equal(mount(over, OSRELEASE, NULL, MS_BIND, NULL), 0);
	assert_int_equal(live_files_read_as_of(OSRELEASE, before, 4096, &text, NULL), 0);
	assert_string_equal(text, real);
	free(text);
	assert_int_equal(live_files_read_as_of(OSRELEASE, live_files_mounts(), 4096, &text, NULL), 0);
	assert_string_equal(text, "masked\n");
	free(text);
	assert_int_equal(umount2(OSRELEASE, 0), 0);
	/* seen (a descriptor opened before the look would be opened again),
	 * then opened afresh and kept */
	(void)live_files_mounts();
	assert_reads(OSRELEASE, real);

	/* through a host: one report, then the next */
	struct host h;
	assert_int_equal(host_init(&h, NULL), 0);
	assert_host_reads(&h, "/proc/sys/kernel/ostype", "Linux"); /* the report's look */
	assert_int_equal(mount(over, OSRELEASE, NULL, MS_BIND, NULL), 0);
	assert_host_reads(&h, OSRELEASE, value);
	host_forget_all(&h); /* the next report */
	assert_host_reads(&h, OSRELEASE, "masked");
	assert_int_equal(umount2(OSRELEASE, 0), 0);
	assert_host_reads(&h, "/proc/sys/kernel/ostype", "Linux");
	host_forget(&h, "/proc/sys/kernel/ostype"); /* a probe changed the machine */
	host_forget(&h, OSRELEASE);
	assert_host_reads(&h, OSRELEASE, value);
	host_free(&h);
	free(real);
	free_temp_dir(dir);
}

/* The child in a mount namespace of its own, osrelease masked there. */
static int masked_child(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 2;
	char *dir = make_temp_dir();
	write_file(dir, "osrelease", "masked\n", 0644);
	char over[PATH_MAX];
	snprintf(over, sizeof(over), "%s/osrelease", dir);
	if (mount(over, OSRELEASE, NULL, MS_BIND, NULL) < 0)
		return 3;
	char *text = NULL;
	/* the parent's descriptors, and its watch of its own mount table,
	 * would give the kernel's value */
	int rc = live_files_read(OSRELEASE, 4096, &text, NULL);
	bool masked = rc == 0 && strcmp(text, "masked\n") == 0;
	free(text);
	umount2(OSRELEASE, 0);
	free_temp_dir(dir);
	return masked ? 0 : 1;
}

static void forked_child_opens_afresh(void **state)
{
	(void)state;
	if (!private_ns)
		skip(); /* mounts: root, own mount namespace */
	free(read_live(OSRELEASE));
	free(read_live(OSRELEASE)); /* kept now */
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(masked_child());
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

struct reader {
	pthread_t thread;
	const char *path;
	const char *want;
	int rounds;
	int wrong; /* reads that were not want */
};

static void *read_rounds(void *arg)
{
	struct reader *r = arg;
	for (int i = 0; i < r->rounds; i++) {
		char *text = NULL;
		if (live_files_read(r->path, HOST_MAX_FILE, &text, NULL) != 0 ||
		    strcmp(text, r->want) != 0)
			r->wrong++;
		free(text);
	}
	return NULL;
}

/* A mount table of several reads' worth (4 KiB each): many small tmpfs
 * mounts in the private namespace. */
static char *grow_mount_table(int n)
{
	char *dir = make_temp_dir();
	for (int i = 0; i < n; i++) {
		char sub[PATH_MAX];
		snprintf(sub, sizeof(sub), "%s/m%03d", dir, i);
		assert_int_equal(mkdir(sub, 0700), 0);
		assert_int_equal(mount("cisreport-live-files-test", sub, "tmpfs", 0, "size=4k"), 0);
	}
	return dir;
}

static void shrink_mount_table(char *dir, int n)
{
	for (int i = 0; i < n; i++) {
		char sub[PATH_MAX];
		snprintf(sub, sizeof(sub), "%s/m%03d", dir, i);
		assert_int_equal(umount2(sub, 0), 0);
	}
	free_temp_dir(dir);
}

static void threads_read_whole_tables(void **state)
{
	(void)state;
	enum { THREADS = 6, MOUNTS = 120 };
	char *dir = private_ns ? grow_mount_table(MOUNTS) : NULL;
	char *want = NULL, *want_fs = NULL;
	size_t len;
	assert_int_equal(safe_read(AT_FDCWD, MOUNTINFO, 0, HOST_MAX_FILE, &want, &len), 0);
	if (private_ns)
		assert_true(len > 2 * 4096);
	assert_int_equal(safe_read(AT_FDCWD, "/proc/filesystems", 0, HOST_MAX_FILE, &want_fs, NULL), 0);
	struct reader r[THREADS];
	for (int i = 0; i < THREADS; i++) {
		r[i] = (struct reader){.path = i % 3 ? MOUNTINFO : "/proc/filesystems",
				       .want = i % 3 ? want : want_fs, .rounds = 300};
		assert_int_equal(pthread_create(&r[i].thread, NULL, read_rounds, &r[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(r[i].thread, NULL);
		assert_int_equal(r[i].wrong, 0);
	}
	free(want);
	free(want_fs);
	if (dir)
		shrink_mount_table(dir, MOUNTS);
}

struct churn_reader {
	pthread_t thread;
	atomic_bool *stop;
	unsigned long values, enoent, other;
};

static void *read_churning(void *arg)
{
	struct churn_reader *r = arg;
	while (!atomic_load(r->stop)) {
		char *text = NULL;
		int rc = live_files_read(TUN_REDIRECTS, 4096, &text, NULL);
		if (rc == 0 && strcmp(text, "1\n") == 0)
			r->values++;
		else if (rc == -ENOENT)
			r->enoent++;
		else
			r->other++;
		free(text);
	}
	return NULL;
}

/* Reopens racing reads: a closed descriptor's number is never read by
 * another thread (EBADF, or another file's bytes). */
static void threads_and_a_file_that_comes_and_goes(void **state)
{
	(void)state;
	enum { THREADS = 4, CYCLES = 50 };
	close(tun_or_skip());
	write_sysctl(DEFAULT_REDIRECTS, "1");
	atomic_bool stop = false;
	struct churn_reader r[THREADS];
	for (int i = 0; i < THREADS; i++) {
		r[i] = (struct churn_reader){.stop = &stop};
		assert_int_equal(pthread_create(&r[i].thread, NULL, read_churning, &r[i]), 0);
	}
	for (int i = 0; i < CYCLES; i++) {
		int tun = tun_make();
		assert_true(tun >= 0);
		/* other descriptors opened meanwhile take the numbers freed */
		int noise = open("/proc/sys/kernel/ostype", O_RDONLY | O_CLOEXEC);
		usleep(100);
		close(tun);
		close(noise);
	}
	atomic_store(&stop, true);
	unsigned long values = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(r[i].thread, NULL);
		assert_int_equal(r[i].other, 0);
		values += r[i].values;
	}
	assert_true(values > 0);
}

struct kept_reader {
	pthread_t thread;
	atomic_bool *stop;
	const char *path, *want;
	unsigned long reads, wrong;
};

static void *read_until_stopped(void *arg)
{
	struct kept_reader *r = arg;
	while (!atomic_load(r->stop)) {
		char *text = NULL;
		if (live_files_read(r->path, 4096, &text, NULL) != 0 || strcmp(text, r->want) != 0)
			r->wrong++;
		r->reads++;
		free(text);
	}
	return NULL;
}

/* Every mount makes each kept file be reopened at its next read: readers of
 * two files, each reopening, take each other's freed descriptor numbers.
 * A read must never go to a number its file's reopen closed. */
static void threads_and_reopens(void **state)
{
	(void)state;
	enum { THREADS = 6, MOUNTS = 4000 };
	if (!private_ns)
		skip(); /* mounts: root, own mount namespace */
	char *release = read_live(OSRELEASE), *type = read_live("/proc/sys/kernel/ostype");
	char *dir = make_temp_dir();
	atomic_bool stop = false;
	struct kept_reader r[THREADS];
	for (int i = 0; i < THREADS; i++) {
		r[i] = (struct kept_reader){.stop = &stop};
		r[i].path = i % 2 ? OSRELEASE : "/proc/sys/kernel/ostype";
		r[i].want = i % 2 ? release : type;
		assert_int_equal(pthread_create(&r[i].thread, NULL, read_until_stopped, &r[i]), 0);
	}
	for (int i = 0; i < MOUNTS; i++) {
		assert_int_equal(mount("cisreport-live-files-test", dir, "tmpfs", 0, "size=4k"), 0);
		assert_int_equal(umount2(dir, 0), 0);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(r[i].thread, NULL);
		assert_int_equal(r[i].wrong, 0);
		assert_true(r[i].reads > 0);
	}
	free(release);
	free(type);
	free_temp_dir(dir);
}

static void host_reads_live_kernel_files_through_it(void **state)
{
	(void)state;
	struct host h;
	assert_int_equal(host_init(&h, NULL), 0);
	char a[256], b[256];
	assert_int_equal(host_read_value(&h, OSRELEASE, a, sizeof(a)), 0);
	host_forget(&h, OSRELEASE);
	unsigned long kept = kept_now();
	assert_int_equal(host_read_value(&h, OSRELEASE, b, sizeof(b)), 0);
	assert_string_equal(a, b);
	assert_int_equal(kept_now(), kept + 1);
	host_free(&h);
	/* a host tree's files are its own */
	char *dir = make_temp_dir();
	write_file(dir, "proc/sys/kernel/osrelease", "0.0-tree\n", 0644);
	assert_int_equal(host_init(&h, dir), 0);
	kept = kept_now();
	assert_int_equal(host_read_value(&h, OSRELEASE, b, sizeof(b)), 0);
	assert_string_equal(b, "0.0-tree");
	assert_int_equal(kept_now(), kept);
	host_free(&h);
	free_temp_dir(dir);
}

static char (*sysctls)[PATH_MAX];
static size_t n_sysctls, want_sysctls;

static int add_sysctl(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type != FTW_F || !live_files_covers(path))
		return 0;
	snprintf(sysctls[n_sysctls++], PATH_MAX, "%s", path);
	return n_sysctls == want_sysctls;
}

/* More paths than the table holds: the rest are read as before, with the
 * same answers. Last: it fills the process's table. */
static void full_table_reads_afresh(void **state)
{
	(void)state;
	want_sysctls = LIVE_FILES_MAX + 64;
	sysctls = calloc(want_sysctls, sizeof(*sysctls));
	assert_non_null(sysctls);
	nftw("/proc/sys", add_sysctl, 16, FTW_PHYS);
	if (n_sysctls < want_sysctls) {
		free(sysctls);
		skip(); /* fewer sysctls than that */
	}
	for (int round = 0; round < 2; round++) {
		unsigned long kept = kept_now();
		for (size_t i = 0; i < n_sysctls; i++) {
			char *fresh = NULL, *live = NULL;
			int frc = safe_read(AT_FDCWD, sysctls[i], 0, 4096, &fresh, NULL);
			int lrc = live_files_read(sysctls[i], 4096, &live, NULL);
			if (frc != lrc)
				fail_msg("%s: fresh read %d, kept %d", sysctls[i], frc, lrc);
			free(fresh);
			free(live);
		}
		if (round == 1)
			assert_true(kept_now() - kept <= LIVE_FILES_MAX);
	}
	free(sysctls);
}

int main(void)
{
	/* Before any read: every descriptor kept is this namespace's. */
	private_ns = geteuid() == 0 && unshare(CLONE_NEWNS | CLONE_NEWNET) == 0 &&
		     mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(covers_only_kernel_files),
		cmocka_unit_test(same_bytes_and_errors_as_fresh_read),
		cmocka_unit_test(kept_read_gives_new_value),
		cmocka_unit_test(removed_file_is_enoent_then_new),
		cmocka_unit_test(mounts_change_what_a_path_names),
		cmocka_unit_test(a_report_sees_the_mounts_of_its_first_read),
		cmocka_unit_test(forked_child_opens_afresh),
		cmocka_unit_test(threads_read_whole_tables),
		cmocka_unit_test(threads_and_a_file_that_comes_and_goes),
		cmocka_unit_test(threads_and_reopens),
		cmocka_unit_test(host_reads_live_kernel_files_through_it),
		cmocka_unit_test(full_table_reads_afresh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
