/* The profile loader over one file's bytes (report/profile.c): JSON, the
 * benchmark object, every check entry and its kind's parameter validation. */
#include "fuzz.h"
#include "report/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile p;
	char err[1024];
	if (profile_load_text("level1/fuzz.json", (const char *)data, size, 1, NULL, &p, err,
			      sizeof(err)) == 0) {
		for (size_t i = 0; i < p.n_checks; i++)
			profile_find_check(&p, p.checks[i].name);
		profile_free(&p);
	}
	return 0;
}
