/* Runs a harness over files and directories of inputs (the corpus) without
 * libFuzzer: the normal test suite does this for every harness, so a
 * corpus entry that once crashed fails CI with gcc alone. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (n == cap)
			buf = realloc(buf, cap *= 2);
		size_t r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	/* An exact-size copy: ASan sees a read past the input. */
	uint8_t *exact = malloc(n ? n : 1);
	memcpy(exact, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	size_t inputs = 0;
	int bad = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= run_file(argv[i]) < 0;
			inputs++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		if (!d) {
			perror(argv[i]);
			return 1;
		}
		char **names = NULL;
		size_t n = 0;
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n] = malloc(strlen(argv[i]) + strlen(de->d_name) + 2);
			sprintf(names[n++], "%s/%s", argv[i], de->d_name);
		}
		closedir(d);
		if (n > 1)
			qsort(names, n, sizeof(*names), by_name);
		for (size_t j = 0; j < n; j++) {
			bad |= run_file(names[j]) < 0;
			inputs++;
			free(names[j]);
		}
		free(names);
	}
	printf("%zu inputs run\n", inputs);
	return bad || inputs == 0;
}
