/* core/nft_netlink against the kernel: the reads of a process share one
 * netlink socket, and what they read over it is the ruleset now (a change
 * made between two reads is in the second), from one thread or several; a
 * forked child reads over a socket of its own.
 *
 * As root the test runs in a network namespace of its own (set up in main,
 * before any read), where nft(8) loads a small ruleset; without root or
 * nft, every test skips. */
#include "testutil.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/nft_netlink.h"

static bool live; /* root, own network namespace, nft loaded the ruleset */

static const char *const RULESET = "table inet cisreport_test {\n"
				   "  chain input {\n"
				   "    type filter hook input priority 0; policy drop;\n"
				   "    iifname \"lo\" accept\n"
				   "  }\n"
				   "}\n";

static bool nft(const char *text)
{
	FILE *p = popen("nft -f - 2>/dev/null", "w");
	if (!p)
		return false;
	fputs(text, p);
	return pclose(p) == 0;
}

/* The rules of the document's ruleset. */
static size_t rules(const json_t *doc)
{
	size_t n = 0, i;
	json_t *item;
	json_array_foreach(json_object_get(doc, "nftables"), i, item)
		n += json_object_get(item, "rule") != NULL;
	return n;
}

static json_t *read_now(struct nft_netlink_read *rd, const struct nft_netlink_known *known)
{
	char why[512];
	json_t *doc = NULL;
	int rc = nft_netlink_ruleset_since(known, &doc, rd, why, sizeof(why));
	if (rc)
		fail_msg("reading the ruleset: %s", why);
	return doc;
}

static void reads_share_one_socket(void **state)
{
	(void)state;
	if (!live)
		skip();
	struct nft_netlink_read rd;
	json_t *first = read_now(&rd, NULL); /* opens it, or uses one kept before */
	unsigned long opened = nft_netlink_sockets_opened();
	json_t *second = read_now(&rd, NULL);
	assert_true(json_equal(first, second));
	assert_int_equal(rules(second), 1);
	/* the generation unchanged: one round trip, no document */
	struct nft_netlink_known known = {.netns = rd.netns, .generation = rd.generation};
	json_t *third = read_now(&rd, &known);
	assert_true(rd.unchanged);
	assert_null(third);
	assert_int_equal(nft_netlink_sockets_opened(), opened);
	json_decref(first);
	json_decref(second);
}

static void a_change_is_read_over_the_kept_socket(void **state)
{
	(void)state;
	if (!live)
		skip();
	struct nft_netlink_read rd;
	json_decref(read_now(&rd, NULL));
	unsigned long opened = nft_netlink_sockets_opened();
	struct nft_netlink_known known = {.netns = rd.netns, .generation = rd.generation};
	assert_true(nft("add rule inet cisreport_test input tcp dport 22 accept\n"));
	json_t *doc = read_now(&rd, &known);
	assert_false(rd.unchanged);
	assert_true(rd.generation != known.generation);
	assert_int_equal(rules(doc), 2);
	json_decref(doc);
	assert_true(nft("flush chain inet cisreport_test input\n"));
	doc = read_now(&rd, NULL);
	assert_int_equal(rules(doc), 0);
	json_decref(doc);
	assert_int_equal(nft_netlink_sockets_opened(), opened);
	assert_true(nft("add rule inet cisreport_test input iifname \"lo\" accept\n"));
}

#define ROUNDS 300

static void *read_rounds(void *arg)
{
	const json_t *want = arg;
	for (int i = 0; i < ROUNDS; i++) {
		char why[512];
		json_t *doc = NULL;
		struct nft_netlink_read rd;
		if (nft_netlink_ruleset_since(NULL, &doc, &rd, why, sizeof(why)) || !json_equal(doc, want)) {
			json_decref(doc);
			return (void *)1;
		}
		json_decref(doc);
	}
	return NULL;
}

/* Reads on two threads at once: each whole, the same document; the one that
 * finds the kept socket in use reads over its own. */
static void threads_read_whole_rulesets(void **state)
{
	(void)state;
	if (!live)
		skip();
	struct nft_netlink_read rd;
	json_t *want = read_now(&rd, NULL);
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, read_rounds, want), 0);
	for (int i = 0; i < 2; i++) {
		void *bad = NULL;
		pthread_join(t[i], &bad);
		assert_null(bad);
	}
	json_decref(want);
}

static void forked_child_opens_its_own(void **state)
{
	(void)state;
	if (!live)
		skip();
	struct nft_netlink_read rd;
	json_decref(read_now(&rd, NULL)); /* the parent keeps one */
	unsigned long opened = nft_netlink_sockets_opened();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char why[512];
		json_t *doc = NULL;
		int rc = nft_netlink_ruleset_since(NULL, &doc, &rd, why, sizeof(why));
		bool own = nft_netlink_sockets_opened() == opened + 1;
		_exit(rc == 0 && rules(doc) == 1 && own ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	json_decref(read_now(&rd, NULL)); /* still the parent's own */
	assert_int_equal(nft_netlink_sockets_opened(), opened);
}

int main(void)
{
	live = geteuid() == 0 && unshare(CLONE_NEWNET) == 0 && nft(RULESET);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_share_one_socket),
		cmocka_unit_test(a_change_is_read_over_the_kept_socket),
		cmocka_unit_test(threads_read_whole_rulesets),
		cmocka_unit_test(forked_child_opens_its_own),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
