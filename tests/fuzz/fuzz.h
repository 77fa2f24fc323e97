/* Shared by the harnesses: a NUL-terminated, modifiable copy of the input. */
#ifndef CISREPORT_FUZZ_H
#define CISREPORT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A crash, so that the fuzzer (and the corpus runner) report it. */
#define FUZZ_ASSERT(cond)                                                                  \
	do {                                                                               \
		if (!(cond))                                                               \
			abort();                                                           \
	} while (0)

#endif
