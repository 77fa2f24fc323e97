#include "testutil.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
	if (!j)
		fail_msg("bad params JSON in test: %s: %s", text, e.text);
	return j;
}

int validate_kind(const char *kind, const char *params_json, struct param_error *err)
{
	const struct check_kind *k = check_kind_find(kind);
	assert_non_null(k);
	json_t *params = params_json ? parse(params_json) : NULL;
	memset(err, 0, sizeof(*err));
	int rc = k->validate ? k->validate(params, err) : 0;
	json_decref(params);
	return rc;
}

void run_kind(const char *kind, const char *params_json, const char *fixture,
	      struct check_result *r)
{
	const struct check_kind *k = check_kind_find(kind);
	assert_non_null(k);
	json_t *params = params_json ? parse(params_json) : NULL;
	struct param_error err = {0};
	if (k->validate && k->validate(params, &err) < 0)
		fail_msg("params rejected: %s: %s", err.field, err.message);
	char root[PATH_MAX];
	if (!fixture || fixture[0] == '/')
		snprintf(root, sizeof(root), "%s", fixture ? fixture : "/");
	else
		snprintf(root, sizeof(root), "%s/%s", FIXTURES, fixture);
	struct host h;
	assert_int_equal(host_init(&h, root), 0);
	result_init(r);
	if (k->prepare)
		k->prepare(&h, params);
	k->run(&h, params, r);
	host_free(&h);
	json_decref(params);
}

const struct evidence *find_evidence(const struct check_result *r, const char *item)
{
	for (size_t i = 0; i < r->n_evidence; i++)
		if (strcmp(r->evidence[i].item, item) == 0)
			return &r->evidence[i];
	fail_msg("no evidence item '%s' (have %zu items)", item, r->n_evidence);
	return NULL;
}

void assert_result(const struct check_result *r, enum check_status status, const char *needle)
{
	if (r->status != status)
		fail_msg("expected %s, got %s: %s", check_status_name(status),
			 check_status_name(r->status), r->error ? r->error : "(null)");
	if (needle && (!r->error || !strstr(r->error, needle)))
		fail_msg("reason '%s' does not contain '%s'", r->error ? r->error : "(null)", needle);
}

size_t validate_profile_entries(const char *kind)
{
	const struct check_kind *k = check_kind_find(kind);
	assert_non_null(k);
	size_t seen = 0;
	for (int level = 1; level <= 2; level++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/level%d/bottlerocket.json", PROFILES, level);
		json_error_t je;
		json_t *doc = json_load_file(path, 0, &je);
		if (!doc)
			fail_msg("%s:%d: %s", path, je.line, je.text);
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(doc, "checks"), i, c) {
			if (strcmp(json_string_value(json_object_get(c, "kind")), kind))
				continue;
			struct param_error err = {0};
			if (k->validate && k->validate(json_object_get(c, "params"), &err))
				fail_msg("%s: %s: %s", path, err.field, err.message);
			seen++;
		}
		json_decref(doc);
	}
	return seen;
}

char *make_temp_dir(void)
{
	char *t = strdup("/tmp/cisreport-test.XXXXXX");
	assert_non_null(mkdtemp(t));
	return t;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	/* chmod follows symlinks: never through a link (a test tree may link to
	 * /dev/null, and must not change it). */
	if (flag != FTW_SL && flag != FTW_SLN)
		chmod(p, 0700);
	return remove(p);
}

void rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void write_file(const char *dir, const char *rel, const char *content, int mode)
{
	write_bytes(dir, rel, content, strlen(content), mode);
}

/* path = dir/rel, with the parent directories of rel created. */
static void prepare_path(const char *dir, const char *rel, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	}
}

void free_temp_dir(char *dir)
{
	rm_tree(dir);
	free(dir);
}

void remove_file(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(unlink(path), 0);
}

void make_socket(const char *dir, const char *rel)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	prepare_path(dir, rel, a.sun_path, sizeof(a.sun_path));
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	close(fd);
}

void write_bytes(const char *dir, const char *rel, const void *data, size_t len, int mode)
{
	char path[PATH_MAX];
	prepare_path(dir, rel, path, sizeof(path));
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	chmod(path, (mode_t)mode);
}

char *slurp_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}
