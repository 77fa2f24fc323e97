/* The profile loader over one file's bytes (report/profile.c): JSON, the
 * benchmark object, every check entry and its kind's parameter validation.
 *
 * With the shipped profiles registered, as the programs run: a file
 * byte-identical to a shipped one of its level is taken from the compiled
 * form (the fast path), any other is parsed. Each input is loaded both ways,
 * with and without them, and the two must agree to the letter (result,
 * error, benchmark, every check and its params): the fast path is taken for
 * nothing but an identical file, and gives what parsing it gives. */
#include "fuzz.h"
#include "report/profile.h"

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void same_profile(const struct profile *a, const struct profile *b)
{
	FUZZ_ASSERT(same_str(a->bm.type, b->bm.type) && same_str(a->bm.report, b->bm.report) &&
		    same_str(a->bm.name, b->bm.name) && same_str(a->bm.version, b->bm.version) &&
		    same_str(a->bm.url, b->bm.url));
	FUZZ_ASSERT(a->n_checks == b->n_checks);
	for (size_t i = 0; i < a->n_checks; i++) {
		const struct check_def *x = &a->checks[i], *y = &b->checks[i];
		FUZZ_ASSERT(same_str(x->name, y->name) && same_str(x->id, y->id) &&
			    same_str(x->title, y->title) && same_str(x->remediation, y->remediation) &&
			    same_str(x->kind_name, y->kind_name) && x->kind == y->kind &&
			    x->manual == y->manual && x->level == y->level &&
			    same_str(x->source, y->source));
		FUZZ_ASSERT((!x->params && !y->params) || json_equal(x->params, y->params));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile p, q;
	char err[1024], err2[1024];
	profile_use_shipped(&cisreport_shipped_profiles);
	int rc = profile_load_text("level1/fuzz.json", (const char *)data, size, 1, NULL, &p, err,
				   sizeof(err));
	profile_use_shipped(NULL);
	int rc2 = profile_load_text("level1/fuzz.json", (const char *)data, size, 1, NULL, &q, err2,
				    sizeof(err2));
	FUZZ_ASSERT(rc == rc2);
	if (rc == 0) {
		same_profile(&p, &q);
		for (size_t i = 0; i < p.n_checks; i++)
			profile_find_check(&p, p.checks[i].name);
		profile_free(&p);
		profile_free(&q);
	} else {
		FUZZ_ASSERT(strcmp(err, err2) == 0);
	}
	return 0;
}
