/* Running a kind as an unprivileged user, so that permission bits bite
 * even when the test suite runs as root (root reads mode-0 files). The kind
 * runs in a child that drops to nobody (65534); the verdict comes back over
 * a pipe. No cmocka call happens in the child. */
#ifndef CISREPORT_TEST_UNPRIVILEGED_H
#define CISREPORT_TEST_UNPRIVILEGED_H

#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

struct unpriv_result {
	enum check_status status;
	char error[2048];
	char evidence[4096]; /* "item|actual\n" lines */
};

static void unpriv_child(const char *kind, const char *params_json, const char *root, int fd)
{
	if (geteuid() == 0 &&
	    (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
		_exit(2);
	const struct check_kind *k = check_kind_find(kind);
	json_error_t je;
	json_t *params = json_loads(params_json, 0, &je);
	struct host h;
	if (!k || !params || host_init(&h, root) < 0)
		_exit(3);
	struct check_result r;
	result_init(&r);
	if (k->prepare)
		k->prepare(&h, params);
	k->run(&h, params, &r);
	FILE *out = fdopen(fd, "w");
	if (!out)
		_exit(4);
	fprintf(out, "%d\n%s\n", (int)r.status, r.error ? r.error : "");
	for (size_t i = 0; i < r.n_evidence; i++)
		fprintf(out, "%s|%s\n", r.evidence[i].item, r.evidence[i].actual);
	fclose(out);
	_exit(0);
}

/* Run kind with params against root as nobody; fills res. */
static void run_kind_unprivileged(const char *kind, const char *params_json, const char *root,
				  struct unpriv_result *res)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		unpriv_child(kind, params_json, root, p[1]);
	}
	close(p[1]);
	char buf[8192];
	size_t used = 0;
	ssize_t n;
	while (used + 1 < sizeof(buf) && (n = read(p[0], buf + used, sizeof(buf) - 1 - used)) > 0)
		used += (size_t)n;
	buf[used] = '\0';
	close(p[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("unprivileged child failed (status %d)", st);
	char *nl = strchr(buf, '\n');
	assert_non_null(nl);
	*nl = '\0';
	res->status = (enum check_status)atoi(buf);
	char *err = nl + 1;
	nl = strchr(err, '\n');
	assert_non_null(nl);
	*nl = '\0';
	snprintf(res->error, sizeof(res->error), "%s", err);
	snprintf(res->evidence, sizeof(res->evidence), "%s", nl + 1);
}

#endif
