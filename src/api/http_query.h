/* The request target (path and query) as the client sent it, parsed by us
 * over the raw bytes with their real length: every %XX decoded, a NUL
 * (raw or %00) or a malformed escape rejected with a message naming it.
 * Plain functions over a buffer, no libmicrohttpd, so a fuzzer can call
 * them directly (tests/fuzz/: build src/api/http_query.c alone).
 *
 *   struct http_target t;
 *   char err[256];
 *   int rc = http_target_parse(raw, raw_len, &t, err, sizeof(err));
 *   ... rc 0: t.path, t.args; -EINVAL or -E2BIG: answer 400 with err ...
 *   http_target_free(&t);
 */
#ifndef CISREPORTD_HTTP_QUERY_H
#define CISREPORTD_HTTP_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_QUERY_ARGS 8
#define HTTP_MAX_PATH 255
#define HTTP_MAX_KEY 31

struct http_arg {
	char key[HTTP_MAX_KEY + 1]; /* decoded; never contains a NUL */
	bool key_too_long;          /* longer than HTTP_MAX_KEY (key then cut) */
	char *value;                /* decoded, NUL-free; NULL: given without '=' */
};

struct http_target {
	char path[HTTP_MAX_PATH + 1]; /* decoded; "" with path_too_long */
	bool path_too_long;
	struct http_arg args[HTTP_MAX_QUERY_ARGS];
	size_t n_args;
};

/* Parse raw[0..len) ("/report/cis?level=2"). Empty pieces ("?", "&&", a
 * trailing "&") name nothing and are skipped; '+' in the query is a space.
 * Returns 0; -EINVAL (a NUL, a malformed escape: err says which and where),
 * -E2BIG (more than HTTP_MAX_QUERY_ARGS parameters) or -ENOMEM. The target
 * holds nothing to free unless 0 was returned. */
int http_target_parse(const char *raw, size_t len, struct http_target *t, char *err,
		      size_t err_size);
void http_target_free(struct http_target *t);

/* The argument named key, or NULL. */
const struct http_arg *http_target_arg(const struct http_target *t, const char *key);

#endif
