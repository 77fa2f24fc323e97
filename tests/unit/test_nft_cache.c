/* The process-wide nf_tables snapshot cache (core/nft_cache.c) over replies
 * the kernel gave (tests/fuzz/corpus/fuzz_nft_netlink/NAME.replies, replayed
 * through nft_netlink_ruleset_io_since, the namespace a number the test
 * picks): at an unchanged generation the second read shares the first's
 * document and parse after one request; a new generation is a new dump, with
 * the new rules; errors, rulesets with parts no generation counts, and other
 * namespaces are never served from the cache; and reports on several threads
 * share it safely (run it under the sanitizers). */
#include "testutil.h"

#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/replay.h"
#include "checks/nft_ruleset.h"
#include "core/nft_cache.h"

#define CORPUS FIXTURES "/../fuzz/corpus/fuzz_nft_netlink"

/* What the kernel answers this time, in namespace netns. */
struct kernel {
	const uint8_t *data;
	size_t len;
	uint64_t netns;
	size_t requests; /* sent over all reads */
};

static int replay_reader(void *ctx, const struct nft_netlink_known *known, json_t **out,
			 struct nft_netlink_read *rd, char *why, size_t why_size)
{
	struct kernel *k = ctx;
	struct replay r = {.p = k->data, .left = k->len};
	struct nft_netlink_io io = {.send = replay_send, .recv = replay_recv, .ctx = &r};
	int rc = nft_netlink_ruleset_io_since(&io, 0, nft_netlink_known_generation(known, k->netns),
					      out, rd, why, why_size);
	rd->netns = k->netns;
	k->requests += r.requests;
	return rc;
}

static uint8_t *replies(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.replies", CORPUS, name);
	return (uint8_t *)slurp_file(path, len);
}

/* Every NFT_MSG_NEWGEN of the replies says generation gen: the same
 * capture, as if taken after gen commits. */
static void set_generation(uint8_t *data, size_t len, uint32_t gen)
{
	size_t found = 0;
	for (size_t off = 0; off + 4 <= len;) {
		size_t dlen = (size_t)data[off] | (size_t)data[off + 1] << 8 |
			      (size_t)data[off + 2] << 16 | (size_t)data[off + 3] << 24;
		size_t left = dlen;
		for (struct nlmsghdr *m = (struct nlmsghdr *)(data + off + 4); NLMSG_OK(m, left);
		     m = NLMSG_NEXT(m, left)) {
			if (m->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN))
				continue;
			struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(m) +
							     NLMSG_ALIGN(sizeof(struct nfgenmsg)));
			assert_int_equal(a->nla_type, NFTA_GEN_ID);
			uint32_t be = htonl(gen);
			memcpy((char *)a + NLA_HDRLEN, &be, 4);
			found++;
		}
		off += 4 + dlen;
	}
	assert_int_equal(found, 2); /* before and after the dump */
}

/* A kernel that answers each of the first n requests with NLMSG_ERROR err
 * (n: a dump's tries, for an error that makes it try again). */
static size_t error_replies(uint8_t *buf, size_t size, int32_t err, uint32_t n)
{
	size_t len = 0;
	for (uint32_t seq = 1; seq <= n; seq++) {
		struct {
			struct nlmsghdr h;
			struct nlmsgerr e;
		} m = {.h = {.nlmsg_len = sizeof(m), .nlmsg_type = NLMSG_ERROR, .nlmsg_seq = seq},
		       .e = {.error = err}};
		uint32_t dlen = sizeof(m);
		uint8_t l[4] = {dlen & 0xff, dlen >> 8 & 0xff, dlen >> 16 & 0xff, dlen >> 24 & 0xff};
		assert_true(len + 4 + dlen <= size);
		memcpy(buf + len, l, 4);
		memcpy(buf + len + 4, &m, sizeof(m));
		len += 4 + dlen;
	}
	return len;
}

static struct nft_snapshot *read_ok(struct kernel *k)
{
	struct nft_snapshot *s;
	char why[320];
	int rc = nft_cache_ruleset_from(replay_reader, k, &s, why, sizeof(why));
	if (rc)
		fail_msg("read: %d %s", rc, why);
	assert_non_null(s);
	return s;
}

static size_t n_rules(struct nft_snapshot *s)
{
	struct nfr_ruleset rs;
	char err[256];
	assert_int_equal(nfr_parse_json(nft_snapshot_doc(s), &rs, err, sizeof(err)), 0);
	size_t n = rs.n_rules;
	nfr_free(&rs);
	return n;
}

static int released;
static void count_release(void *obj)
{
	released++;
	free(obj);
}

static int reset(void **state)
{
	(void)state;
	nft_cache_clear();
	return 0;
}

/* Two reports, no change: the second asks for the generation only, and has
 * the first one's document and parse. */
static void unchanged_generation_shares(void **state)
{
	(void)state;
	struct kernel k = {.netns = 7};
	uint8_t *data = replies("compliant", &k.len);
	k.data = data;
	unsigned long d0, u0, d1, u1;
	nft_cache_counts(&d0, &u0);
	struct nft_snapshot *a = read_ok(&k);
	size_t dump_requests = k.requests;
	assert_true(dump_requests >= 5); /* GETGEN, tables, chains, sets, rules, GETGEN */
	void *parsed = malloc(1);
	released = 0;
	assert_ptr_equal(nft_snapshot_keep_derived(a, parsed, count_release), parsed);

	struct nft_snapshot *b = read_ok(&k);
	assert_int_equal(k.requests - dump_requests, 1);
	assert_ptr_equal(b, a);
	assert_ptr_equal(nft_snapshot_doc(b), nft_snapshot_doc(a));
	assert_ptr_equal(nft_snapshot_derived(b), parsed);
	/* the first kept parse stays: a second one is released */
	void *again = malloc(1);
	assert_ptr_equal(nft_snapshot_keep_derived(b, again, count_release), parsed);
	assert_int_equal(released, 1);
	nft_cache_counts(&d1, &u1);
	assert_int_equal(d1 - d0, 1);
	assert_int_equal(u1 - u0, 1);

	nft_snapshot_unref(a);
	nft_snapshot_unref(b);
	assert_int_equal(released, 1); /* the cache still holds it */
	nft_cache_clear();
	assert_int_equal(released, 2);
	free(data);
}

/* A commit between two reports (the generation moves): the second is a
 * new dump and has the new rules; the one after shares that. */
static void new_generation_dumps(void **state)
{
	(void)state;
	size_t len1, len2;
	uint8_t *before = replies("compliant", &len1);
	uint8_t *after = replies("restricted_lo", &len2);
	set_generation(before, len1, 41);
	set_generation(after, len2, 42);
	struct kernel k = {.data = before, .len = len1, .netns = 7};
	struct nft_snapshot *a = read_ok(&k);
	assert_int_equal(n_rules(a), 7);
	k.data = after;
	k.len = len2;
	size_t r0 = k.requests;
	struct nft_snapshot *b = read_ok(&k);
	assert_true(k.requests - r0 >= 5);
	assert_ptr_not_equal(b, a);
	assert_false(json_equal((json_t *)nft_snapshot_doc(a), (json_t *)nft_snapshot_doc(b)));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_array_get(
			     json_object_get(nft_snapshot_doc(b), "nftables"), 0), "metainfo"), "generation")),
			 42);
	struct nft_snapshot *c = read_ok(&k);
	assert_ptr_equal(c, b);
	/* the old one lives on for whoever holds it */
	assert_int_equal(n_rules(a), 7);
	nft_snapshot_unref(a);
	nft_snapshot_unref(b);
	nft_snapshot_unref(c);
	free(before);
	free(after);
}

/* An error is the report's only: neither kept, nor served from what is
 * cached; the next read reads again. */
static void errors_not_cached(void **state)
{
	(void)state;
	static const struct {
		int32_t kernel;
		int rc;
	} errors[] = {{-EPERM, -EPERM}, {-EINVAL, -ENOPROTOOPT}, {-EAGAIN, -EAGAIN}};
	size_t len;
	uint8_t *data = replies("compliant", &len);
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		uint8_t buf[512];
		struct kernel bad = {.data = buf, .netns = 7,
				     .len = error_replies(buf, sizeof(buf), errors[i].kernel, NFT_NETLINK_TRIES)};
		struct nft_snapshot *s = NULL;
		char why[320];
		/* nothing cached: the error; then a dump */
		nft_cache_clear();
		assert_int_equal(nft_cache_ruleset_from(replay_reader, &bad, &s, why, sizeof(why)),
				 errors[i].rc);
		assert_null(s);
		assert_true(why[0] != '\0');
		struct kernel good = {.data = data, .len = len, .netns = 7};
		struct nft_snapshot *a = read_ok(&good);
		assert_true(good.requests >= 5);
		/* something cached: the error all the same, and the cached
		 * one still there for the next read at its generation */
		assert_int_equal(nft_cache_ruleset_from(replay_reader, &bad, &s, why, sizeof(why)),
				 errors[i].rc);
		assert_null(s);
		good.requests = 0;
		struct nft_snapshot *b = read_ok(&good);
		assert_int_equal(good.requests, 1);
		assert_ptr_equal(b, a);
		nft_snapshot_unref(a);
		nft_snapshot_unref(b);
	}
	free(data);
}

/* Chains on devices change with the devices, not the generation: such a
 * ruleset is dumped for every report. */
static void not_reusable_not_cached(void **state)
{
	(void)state;
	struct kernel k = {.netns = 7};
	uint8_t *data = replies("netdev_ingress", &k.len);
	k.data = data;
	struct nft_snapshot *a = read_ok(&k);
	size_t r0 = k.requests;
	struct nft_snapshot *b = read_ok(&k);
	assert_true(k.requests - r0 >= 5);
	assert_ptr_not_equal(a, b);
	assert_true(json_equal((json_t *)nft_snapshot_doc(a), (json_t *)nft_snapshot_doc(b)));
	nft_snapshot_unref(a);
	nft_snapshot_unref(b);
	free(data);
}

/* What the decoder says cannot be reused, and why. */
static void not_reusable_reasons(void **state)
{
	(void)state;
	static const struct {
		const char *name, *why;
	} cases[] = {
		{"compliant", NULL},
		{"sets_vmaps", NULL},
		{"kube_proxy", NULL},
		{"netdev_ingress", "a base chain on devices"},
		{"netdev_lo_drop", "a base chain on devices"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		uint8_t *data = replies(cases[i].name, &len);
		struct replay r = {.p = data, .left = len};
		struct nft_netlink_io io = {.send = replay_send, .recv = replay_recv, .ctx = &r};
		json_t *doc;
		struct nft_netlink_read rd;
		char why[320];
		assert_int_equal(nft_netlink_ruleset_io_since(&io, 0, NULL, &doc, &rd, why, sizeof(why)), 0);
		assert_false(rd.unchanged);
		if (cases[i].why)
			assert_string_equal(rd.not_reusable ? rd.not_reusable : "(null)", cases[i].why);
		else if (rd.not_reusable)
			fail_msg("%s: not reusable: %s", cases[i].name, rd.not_reusable);
		json_decref(doc);
		free(data);
	}
}

/* The same generation number in another namespace is another ruleset. */
static void other_netns_not_shared(void **state)
{
	(void)state;
	size_t len;
	uint8_t *data = replies("compliant", &len);
	struct kernel here = {.data = data, .len = len, .netns = 7};
	struct kernel there = {.data = data, .len = len, .netns = 8};
	struct kernel unknown = {.data = data, .len = len, .netns = 0};
	struct nft_snapshot *a = read_ok(&here);
	struct nft_snapshot *b = read_ok(&there);
	assert_true(there.requests >= 5);
	assert_ptr_not_equal(a, b);
	/* a namespace the kernel does not name is never the cached one, and
	 * its read is not cached */
	struct nft_snapshot *c = read_ok(&unknown);
	struct nft_snapshot *d = read_ok(&unknown);
	assert_true(unknown.requests >= 10);
	assert_ptr_not_equal(c, d);
	assert_ptr_not_equal(c, b);
	there.requests = 0;
	struct nft_snapshot *e = read_ok(&there);
	assert_int_equal(there.requests, 1);
	assert_ptr_equal(e, b);
	nft_snapshot_unref(a);
	nft_snapshot_unref(b);
	nft_snapshot_unref(c);
	nft_snapshot_unref(d);
	nft_snapshot_unref(e);
	free(data);
}

/* Reports on several threads while commits come: each gets a snapshot at a
 * generation the kernel said, parses it once per snapshot (the first kept
 * wins), and reads it while others drop theirs. */
#define THREADS 4
#define ROUNDS 200

struct worker {
	const uint8_t *gen[2];
	size_t len[2];
	atomic_int *commits;
	int failures;
};

struct parsed {
	size_t n_rules;
};

static void parsed_free(void *obj)
{
	free(obj);
}

static void *report_loop(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < ROUNDS; i++) {
		/* the kernel's generation: one thread in four commits */
		int g = atomic_load(w->commits) & 1;
		if (i % THREADS == 0)
			g = atomic_fetch_add(w->commits, 1) & 1;
		struct kernel k = {.data = w->gen[g], .len = w->len[g], .netns = 7};
		struct nft_snapshot *s;
		char why[320];
		if (nft_cache_ruleset_from(replay_reader, &k, &s, why, sizeof(why))) {
			w->failures++;
			continue;
		}
		struct parsed *p = nft_snapshot_derived(s);
		if (!p) {
			struct nfr_ruleset rs;
			char err[256];
			p = malloc(sizeof(*p));
			if (nfr_parse_json(nft_snapshot_doc(s), &rs, err, sizeof(err)))
				w->failures++;
			p->n_rules = rs.n_rules;
			nfr_free(&rs);
			p = nft_snapshot_keep_derived(s, p, parsed_free);
		}
		json_int_t gen = json_integer_value(json_object_get(json_object_get(json_array_get(
			json_object_get(nft_snapshot_doc(s), "nftables"), 0), "metainfo"), "generation"));
		/* generation 41 is compliant's 7 rules, 42 restricted_lo's */
		if (!((gen == 41 && p->n_rules == 7) || (gen == 42 && p->n_rules != 7)))
			w->failures++;
		nft_snapshot_unref(s);
	}
	return NULL;
}

static void threads_share_safely(void **state)
{
	(void)state;
	size_t len[2];
	uint8_t *a = replies("compliant", &len[0]);
	uint8_t *b = replies("restricted_lo", &len[1]);
	set_generation(a, len[0], 41);
	set_generation(b, len[1], 42);
	atomic_int commits = 0;
	struct worker w[THREADS];
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){.gen = {a, b}, .len = {len[0], len[1]}, .commits = &commits};
		assert_int_equal(pthread_create(&t[i], NULL, report_loop, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(unchanged_generation_shares, reset, reset),
		cmocka_unit_test_setup_teardown(new_generation_dumps, reset, reset),
		cmocka_unit_test_setup_teardown(errors_not_cached, reset, reset),
		cmocka_unit_test_setup_teardown(not_reusable_not_cached, reset, reset),
		cmocka_unit_test(not_reusable_reasons),
		cmocka_unit_test_setup_teardown(other_netns_not_shared, reset, reset),
		cmocka_unit_test_setup_teardown(threads_share_safely, reset, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
