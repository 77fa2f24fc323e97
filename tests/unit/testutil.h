/* Shared helpers for the cmocka unit tests. */
#ifndef CISREPORT_TESTUTIL_H
#define CISREPORT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "checks/kind.h"
#include "core/host.h"
#include "core/result.h"

/* Run kind `kind` with params given as JSON text against the fixture tree
 * FIXTURES/<fixture>, or an absolute directory (NULL or "/" for the live
 * host). The params must pass
 * the kind's validation. The result must be freed with result_free. */
void run_kind(const char *kind, const char *params_json, const char *fixture,
	      struct check_result *r);

/* Validation of params JSON text: returns the kind's validate() result and
 * fills err. */
int validate_kind(const char *kind, const char *params_json, struct param_error *err);

/* The evidence item named item, or fail the test. */
const struct evidence *find_evidence(const struct check_result *r, const char *item);

/* Assert status and that the reason contains needle (NULL: don't care). */
void assert_result(const struct check_result *r, enum check_status status,
		   const char *needle);

/* Every entry of kind `kind` in PROFILES/level{1,2}/bottlerocket.json passes
 * the kind's validation; returns how many there are. */
size_t validate_profile_entries(const char *kind);

/* A scratch directory under /tmp, removed by rm_tree (free_temp_dir also
 * frees the name). */
char *make_temp_dir(void);
void rm_tree(const char *path);
void free_temp_dir(char *dir);
/* Remove dir/rel (a file); fails the test if it cannot. */
void remove_file(const char *dir, const char *rel);
/* A unix socket at dir/rel (parents created) where a file is expected:
 * opening it fails with ENXIO, even for root. */
void make_socket(const char *dir, const char *rel);
/* Write a file (creating parent dirs) under dir with mode. */
void write_file(const char *dir, const char *rel, const char *content, int mode);
void write_bytes(const char *dir, const char *rel, const void *data, size_t len, int mode);
/* The whole of a file, NUL-terminated (its length in *len unless NULL), to
 * free; fails the test if it cannot be read. */
char *slurp_file(const char *path, size_t *len);

#endif
