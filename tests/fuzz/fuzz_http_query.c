/* The request target parser of cisreportd (api/http_query.c): the path and
 * the query over their real length; decoded values never hold a NUL. */
#include "fuzz.h"
#include "api/http_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_target t;
	char err[256];
	if (http_target_parse((const char *)data, size, &t, err, sizeof(err)) != 0)
		return 0;
	FUZZ_ASSERT(strlen(t.path) <= HTTP_MAX_PATH);
	FUZZ_ASSERT(t.n_args <= HTTP_MAX_QUERY_ARGS);
	FUZZ_ASSERT(!memchr(data, '\0', size));
	for (size_t i = 0; i < t.n_args; i++) {
		FUZZ_ASSERT(strlen(t.args[i].key) <= HTTP_MAX_KEY);
		/* A key cut short is never found under its cut name. */
		FUZZ_ASSERT(t.args[i].key_too_long || http_target_arg(&t, t.args[i].key) != NULL);
	}
	http_target_free(&t);
	return 0;
}
