/* The evidence bundle verifier over a whole bundle directory
 * (evidence_bundle_verify, what `cisreport verify` runs): the input is
 * unpacked into a fresh directory and verified, with --key when the input
 * carries one.
 *
 * Input format (tests/fuzz/bundle_pack.py writes it from a real bundle):
 *
 *   flags   1 byte     bit 0: verify with --key, the entry named "key.pem"
 *                      written beside the bundle (not in it)
 *   then entries, up to 64, until the input ends:
 *   type    1 byte     & 3: 0 regular file, 1 directory, 2 symbolic link
 *                      (data: its target), 3 FIFO; 0x80 (file): mode 0000
 *   namelen 1 byte
 *   name    namelen bytes, relative, no ".." (else the entry is skipped);
 *                      missing parents are made as directories
 *   datalen 4 bytes    little endian; cut to what is left of the input
 *   data    datalen bytes
 *
 * Invariants: a bundle that verifies has no problem and lists files; a good
 * signature is a signature. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "evidence/evidence.h"

#define MAX_ENTRIES 64

static char root[64];
static char bundle[96];
static char key[96];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static void remove_root(void)
{
	if (root[0])
		nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(root, sizeof(root), "%s/fuzz-bundle.XXXXXX", base);
	if (!mkdtemp(root))
		abort();
	snprintf(bundle, sizeof(bundle), "%s/b", root);
	snprintf(key, sizeof(key), "%s/key.pem", root);
	atexit(remove_root);
}

static bool name_ok(const char *name)
{
	if (!name[0] || name[0] == '/')
		return false;
	for (const char *p = name; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += n;
		while (*p == '/')
			p++;
	}
	return true;
}

static void make_parents(int dirfd, char *name)
{
	for (char *p = strchr(name, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdirat(dirfd, name, 0755);
		*p = '/';
	}
}

static void put(int dirfd, unsigned type, char *name, const uint8_t *data, size_t len)
{
	make_parents(dirfd, name);
	switch (type & 3) {
	case 0: {
		int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
				0644);
		if (fd < 0)
			return;
		for (size_t off = 0; off < len;) {
			ssize_t n = write(fd, data + off, len - off);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
		if (type & 0x80)
			fchmod(fd, 0);
		close(fd);
		break;
	}
	case 1:
		mkdirat(dirfd, name, 0755);
		break;
	case 2: {
		char *target = fuzz_strndup(data, len);
		if (strlen(target) == len && len)
			symlinkat(target, dirfd, name);
		free(target);
		break;
	}
	case 3:
		mkfifoat(dirfd, name, 0644);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!root[0]) {
		setup();
		/* FUZZ_VERBOSE=1: the problems found, for reading a corpus entry. */
		sink = getenv("FUZZ_VERBOSE") ? stderr : fopen("/dev/null", "w");
	}
	if (size < 1)
		return 0;
	nftw(bundle, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	unlink(key);
	if (mkdir(bundle, 0755) < 0)
		abort();
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || dirfd < 0)
		abort();
	bool with_key = data[0] & 1;
	size_t off = 1;
	for (int n = 0; n < MAX_ENTRIES && off + 2 <= size; n++) {
		unsigned type = data[off];
		size_t name_len = data[off + 1];
		off += 2;
		if (off + name_len > size)
			break;
		char *name = fuzz_strndup(data + off, name_len);
		off += name_len;
		size_t len = 0;
		for (int i = 0; i < 4 && off < size; i++)
			len |= (size_t)data[off++] << (8 * i);
		if (len > size - off)
			len = size - off;
		if (strlen(name) == name_len && name_ok(name)) {
			bool is_key = with_key && strcmp(name, "key.pem") == 0;
			put(is_key ? rootfd : dirfd, is_key ? 0 : type, name, data + off, len);
		}
		free(name);
		off += len;
	}
	close(dirfd);
	close(rootfd);

	struct evidence_verification v;
	char err[1024];
	int rc = evidence_bundle_verify(bundle, with_key ? key : NULL, sink, &v, err, sizeof(err));
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "verify: %d (%s), %zu files, %zu problems, signed %d, ok %d\n", rc,
			rc && rc != -EBADMSG ? err : "verdict", v.files, v.problems, v.is_signed,
			v.signature_ok);
	if (rc == 0)
		FUZZ_ASSERT(v.problems == 0 && v.files > 0);
	if (v.signature_ok)
		FUZZ_ASSERT(v.is_signed);
	return 0;
}
