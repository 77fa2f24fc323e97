/* The nf_tables netlink decoder (core/nft_netlink.c) over replies the kernel
 * gave (tests/fuzz/corpus/fuzz_nft_netlink/NAME.replies, recorded by
 * tests/fuzz/capture_nft_netlink.sh in private network namespaces, replayed
 * through nft_netlink_ruleset_io): each decodes to the ruleset nft itself
 * prints for the same fixture (tests/fixtures/nft/NAME.json, as the JSON
 * reader sees both), and malformed, cut or interrupted replies are errors
 * with a reason, never a crash or a half ruleset. */
#include "testutil.h"

#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/replay.h"
#include "checks/nft_ruleset.h"

#define CORPUS FIXTURES "/../fuzz/corpus/fuzz_nft_netlink"

static uint8_t *replies(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.replies", CORPUS, name);
	return (uint8_t *)slurp_file(path, len);
}

static int decode(const uint8_t *data, size_t len, json_t **doc, char *why, size_t why_size)
{
	struct replay r;
	int rc = replay_ruleset(data, len, &r, doc, why, why_size);
	assert_true(rc <= 0);
	if (rc == 0) {
		assert_non_null(*doc);
		assert_string_equal(why, "");
	} else {
		assert_null(*doc);
		assert_true(why[0] != '\0');
	}
	return rc;
}

/* Each message of the replies in [data, data + len), in order, to fn with
 * the offset just past its datagram; the walk stops when fn says true.
 * Returns the message it stopped at, or NULL. */
typedef bool (*msg_fn)(struct nlmsghdr *m, size_t datagram_end, void *arg);

static struct nlmsghdr *each_msg(uint8_t *data, size_t len, msg_fn fn, void *arg)
{
	for (size_t off = 0; off + 4 <= len;) {
		size_t dlen = (size_t)data[off] | (size_t)data[off + 1] << 8 |
			      (size_t)data[off + 2] << 16 | (size_t)data[off + 3] << 24;
		size_t left = dlen;
		for (struct nlmsghdr *m = (struct nlmsghdr *)(data + off + 4); NLMSG_OK(m, left);
		     m = NLMSG_NEXT(m, left))
			if (fn(m, off + 4 + dlen, arg))
				return m;
		off += 4 + dlen;
	}
	return NULL;
}

static bool of_type(struct nlmsghdr *m, size_t end, void *arg)
{
	(void)end;
	return m->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | *(uint16_t *)arg);
}

/* The first message of type NFT_MSG_type in the replies (its header). */
static struct nlmsghdr *find_msg(uint8_t *data, size_t len, uint16_t type)
{
	struct nlmsghdr *m = each_msg(data, len, of_type, &type);
	if (!m)
		fail_msg("no message of type %u", type);
	return m;
}

static struct nlattr *first_attr(struct nlmsghdr *m)
{
	return (struct nlattr *)((char *)NLMSG_DATA(m) + NLMSG_ALIGN(sizeof(struct nfgenmsg)));
}

static void parse_doc(const json_t *doc, struct nfr_ruleset *rs)
{
	char err[512];
	if (nfr_parse_json(doc, rs, err, sizeof(err)))
		fail_msg("decoded document refused: %s", err);
}

/* What the firewall kinds see: tables, chains (hook, priority, policy,
 * devices) and each rule's text, in order. */
static void same_ruleset(const char *name, const struct nfr_ruleset *a, const struct nfr_ruleset *b)
{
	if (a->n_tables != b->n_tables || a->n_rules != b->n_rules)
		fail_msg("%s: %zu tables %zu rules, nft says %zu and %zu", name, a->n_tables,
			 a->n_rules, b->n_tables, b->n_rules);
	for (size_t t = 0; t < a->n_tables; t++) {
		const struct nfr_table *x = &a->tables[t], *y = &b->tables[t];
		assert_string_equal(x->family_name, y->family_name);
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->dormant, y->dormant);
		assert_int_equal(x->n_chains, y->n_chains);
		for (size_t c = 0; c < x->n_chains; c++) {
			const struct nfr_chain *p = &x->chains[c], *q = &y->chains[c];
			assert_string_equal(p->name, q->name);
			assert_int_equal(p->base, q->base);
			assert_int_equal(p->hook, q->hook);
			assert_int_equal(p->prio, q->prio);
			assert_int_equal(p->policy_drop, q->policy_drop);
			assert_int_equal(p->n_devs, q->n_devs);
			for (size_t d = 0; d < p->n_devs; d++)
				assert_string_equal(p->devs[d], q->devs[d]);
			assert_int_equal(p->n_rules, q->n_rules);
			for (size_t r = 0; r < p->n_rules; r++)
				if (strcmp(p->rules[r].text, q->rules[r].text) != 0)
					fail_msg("%s: %s %s: rule %zu is '%s', nft's '%s'", name, x->name,
						 p->name, r, p->rules[r].text, q->rules[r].text);
		}
	}
}

static void captures_decode_like_nft(void **state)
{
	(void)state;
	static const char *const names[] = {
		"accept_all_first", "bridge_arp", "compliant", "drop_before_lo", "empty",
		"inet_drop_ip_accept", "iptables_nft", "kube_proxy", "lo_behind_jump",
		"netdev_ingress", "netdev_lo_drop", "restricted_lo", "sets_vmaps",
		"two_input_chains",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t len;
		uint8_t *data = replies(names[i], &len);
		json_t *doc;
		char why[256];
		if (decode(data, len, &doc, why, sizeof(why)))
			fail_msg("%s: %s", names[i], why);
		struct nfr_ruleset got, want;
		parse_doc(doc, &got);
		char path[512], err[512];
		snprintf(path, sizeof(path), "%s/nft/%s.json", FIXTURES, names[i]);
		size_t tlen;
		char *text = slurp_file(path, &tlen);
		if (nfr_parse(text, tlen, &want, err, sizeof(err)))
			fail_msg("%s: %s", path, err);
		same_ruleset(names[i], &got, &want);
		nfr_free(&got);
		nfr_free(&want);
		free(text);
		json_decref(doc);
		free(data);
	}
}

/* Cut anywhere: an error with a reason or (cut between datagrams after the
 * last one needed) the whole ruleset; never a crash, never a part. */
static void cut_anywhere(void **state)
{
	(void)state;
	size_t len;
	uint8_t *data = replies("sets_vmaps", &len);
	json_t *whole;
	char why[256];
	assert_int_equal(decode(data, len, &whole, why, sizeof(why)), 0);
	for (size_t n = 0; n < len; n++) {
		uint8_t *cut = malloc(n ? n : 1);
		memcpy(cut, data, n);
		json_t *doc;
		if (decode(cut, n, &doc, why, sizeof(why)) == 0) {
			assert_true(json_equal(doc, whole));
			json_decref(doc);
		}
		free(cut);
	}
	json_decref(whole);
	free(data);
}

/* An attribute longer than its message, and a rule whose expression list
 * holds an attribute shorter than its header: EBADMSG, which the report
 * says. */
static void malformed_attributes(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		size_t len;
		uint8_t *data = replies("compliant", &len);
		if (i == 0) {
			first_attr(find_msg(data, len, NFT_MSG_NEWCHAIN))->nla_len = 0xfff0;
		} else {
			struct nlattr *a = first_attr(find_msg(data, len, NFT_MSG_NEWRULE));
			while (a->nla_type != NFTA_RULE_EXPRESSIONS)
				a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
			((struct nlattr *)((char *)a + NLA_HDRLEN))->nla_len = 2;
		}
		json_t *doc;
		char why[256];
		assert_int_equal(decode(data, len, &doc, why, sizeof(why)), -EBADMSG);
		assert_string_equal(why, "reading the nf_tables ruleset over netlink: Bad message");
		free(data);
	}
}

static bool ends_tables(struct nlmsghdr *m, size_t end, void *arg)
{
	if (m->nlmsg_type == NLMSG_DONE && m->nlmsg_seq == 2)
		*(size_t *)arg = end;
	return *(size_t *)arg != 0;
}

static bool shift_seq(struct nlmsghdr *m, size_t end, void *arg)
{
	(void)end;
	m->nlmsg_seq += *(uint32_t *)arg;
	return false;
}

/* A dump the kernel marks interrupted every time is taken again, then
 * given up: the ruleset kept changing. An interrupted try asks for the
 * generation and the tables only (requests 1 and 2 of the capture: its
 * first datagrams, up to the table dump's end); each try's replies answer
 * its own sequence numbers. */
static void always_interrupted(void **state)
{
	(void)state;
	size_t len, part = 0;
	uint8_t *one = replies("compliant", &len);
	find_msg(one, len, NFT_MSG_NEWTABLE)->nlmsg_flags |= NLM_F_DUMP_INTR;
	assert_non_null(each_msg(one, len, ends_tables, &part));
	uint8_t *all = malloc(part * NFT_NETLINK_TRIES);
	for (uint32_t t = 0; t < NFT_NETLINK_TRIES; t++) {
		memcpy(all + t * part, one, part);
		uint32_t shift = 2 * t;
		each_msg(all + t * part, part, shift_seq, &shift);
	}
	json_t *doc;
	char why[256];
	assert_int_equal(decode(all, part * NFT_NETLINK_TRIES, &doc, why, sizeof(why)), -EAGAIN);
	assert_string_equal(why, "the nf_tables ruleset kept changing during the netlink dump (4 tries)");
	/* one try fewer: the replies end before the last try's, not EAGAIN */
	assert_int_equal(decode(all, part * (NFT_NETLINK_TRIES - 1), &doc, why, sizeof(why)), -ENODATA);
	free(all);
	free(one);
}

/* One datagram holding one message (a 4-byte error code as its payload, for
 * NLMSG_ERROR and NLMSG_DONE), appended to buf at *len. */
static void datagram(uint8_t *buf, size_t *len, uint32_t dlen, uint32_t mlen, uint16_t type,
		     uint32_t seq, int32_t err)
{
	uint8_t d[64] = {0};
	assert_true(dlen <= sizeof(d) && mlen >= NLMSG_HDRLEN);
	struct nlmsghdr h = {.nlmsg_len = mlen, .nlmsg_type = type, .nlmsg_seq = seq};
	memcpy(d, &h, sizeof(h));
	memcpy(d + NLMSG_HDRLEN, &err, sizeof(err));
	uint8_t l[4] = {dlen & 0xff, dlen >> 8 & 0xff, dlen >> 16 & 0xff, dlen >> 24 & 0xff};
	memcpy(buf + *len, l, 4);
	memcpy(buf + *len + 4, d, dlen);
	*len += 4 + dlen;
}

/* Found by fuzz_nft_netlink (corpus crash-msg-past-datagram): a last message
 * whose aligned length passes its datagram's end (58 of 59 bytes) made
 * NLMSG_NEXT's count wrap round and the walk read past the buffer. */
static void message_past_datagram(void **state)
{
	(void)state;
	uint8_t buf[128];
	size_t len = 0;
	datagram(buf, &len, 59, 58, NLMSG_NOOP, 7, 0);
	json_t *doc;
	char why[256];
	assert_int_equal(decode(buf, len, &doc, why, sizeof(why)), -ENODATA);
	assert_string_equal(why, "reading the nf_tables ruleset over netlink: No data available");
	/* one that answers the request: an NLMSG_ERROR too short for its
	 * struct nlmsgerr is malformed, not its error */
	len = 0;
	datagram(buf, &len, 23, 22, NLMSG_ERROR, 1, -EPERM);
	assert_int_equal(decode(buf, len, &doc, why, sizeof(why)), -EBADMSG);
}

/* Found by fuzz_nft_netlink (crash-error-positive, crash-error-int-min): the
 * kernel's error code was returned as it came, so a positive one made the
 * decoder return success-or-what (> 0, no errno) and INT_MIN was negated for
 * strerror (undefined). Neither is an errno: a malformed reply. */
static void kernel_error_codes(void **state)
{
	(void)state;
	static const struct {
		uint16_t type;
		int32_t err;
		int rc;
		const char *why;
	} cases[] = {
		{NLMSG_ERROR, 33554439, -EBADMSG, "reading the nf_tables ruleset over netlink: Bad message"},
		{NLMSG_ERROR, INT32_MIN, -EBADMSG, "reading the nf_tables ruleset over netlink: Bad message"},
		{NLMSG_ERROR, -4096, -EBADMSG, "reading the nf_tables ruleset over netlink: Bad message"},
		{NLMSG_DONE, INT32_MIN, -EBADMSG, "reading the nf_tables ruleset over netlink: Bad message"},
		{NLMSG_ERROR, -EPERM, -EPERM,
		 "reading the nf_tables ruleset over netlink: Operation not permitted (it needs root, CAP_NET_ADMIN)"},
		{NLMSG_ERROR, -EINVAL, -ENOPROTOOPT, "no nf_tables in this kernel (netlink: Invalid argument)"},
		{NLMSG_ERROR, -4095, -4095, "reading the nf_tables ruleset over netlink: Unknown error 4095"},
		/* an ACK, or a DONE, with no generation: malformed */
		{NLMSG_ERROR, 0, -EBADMSG, "reading the nf_tables ruleset over netlink: Bad message"},
		{NLMSG_DONE, 0, -EBADMSG, "reading the nf_tables ruleset over netlink: Bad message"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[64];
		size_t len = 0;
		uint32_t mlen = cases[i].type == NLMSG_ERROR ? NLMSG_LENGTH(sizeof(struct nlmsgerr))
							     : NLMSG_LENGTH(sizeof(int));
		datagram(buf, &len, NLMSG_ALIGN(mlen), mlen, cases[i].type, 1, cases[i].err);
		json_t *doc;
		char why[256];
		int rc = decode(buf, len, &doc, why, sizeof(why));
		if (rc != cases[i].rc || strcmp(why, cases[i].why) != 0)
			fail_msg("case %zu: %d '%s', want %d '%s'", i, rc, why, cases[i].rc, cases[i].why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(captures_decode_like_nft),
		cmocka_unit_test(cut_anywhere),
		cmocka_unit_test(malformed_attributes),
		cmocka_unit_test(always_interrupted),
		cmocka_unit_test(message_past_datagram),
		cmocka_unit_test(kernel_error_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
