/* The nf_tables path of the firewall kinds over captured rulesets
 * (tests/fixtures/nft/NAME.json, `nft -j list ruleset` of NAME.nft: see
 * capture.sh), the JSON parser over hostile input, the evaluator's bounds,
 * and legacy x_tables beside nf_tables. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/nft_eval.h"
#include "checks/nft_ruleset.h"

#define P4 "{\"family\":\"ipv4\",\"chains\":{\"INPUT\":\"DROP\",\"FORWARD\":\"DROP\",\"OUTPUT\":\"DROP\"}}"
#define P6 "{\"family\":\"ipv6\",\"chains\":{\"INPUT\":\"DROP\",\"FORWARD\":\"DROP\",\"OUTPUT\":\"DROP\"}}"
#define L4 "{\"family\":\"ipv4\",\"source\":\"127.0.0.0/8\"}"
#define L6 "{\"family\":\"ipv6\",\"source\":\"::1\"}"
#define IN_ACCEPT "INPUT -i lo -j ACCEPT"
#define OUT_ACCEPT "OUTPUT -o lo -j ACCEPT"
#define DROP4 "INPUT -s 127.0.0.0/8 -j DROP"
#define DROP6 "INPUT -s ::1/128 -j DROP"

static char *tmp;

static int setup(void **state)
{
	(void)state;
	tmp = make_temp_dir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(tmp);
	free(tmp);
	return 0;
}

/* A tree whose captured ruleset is the fixture NAME.json. */
static void use_fixture(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/nft/%s.json", FIXTURES, name);
	size_t len;
	char *text = slurp_file(path, &len);
	write_bytes(tmp, ".cisreport/nft-ruleset.json", text, len, 0644);
	free(text);
}

static void use_text(const char *text)
{
	write_file(tmp, ".cisreport/nft-ruleset.json", text, 0644);
}

static void expect(const char *kind, const char *params, enum check_status status,
		   const char *item, bool ok, const char *needle)
{
	struct check_result r;
	run_kind(kind, params, tmp, &r);
	if (r.status != status)
		fail_msg("%s %s: status %d, want %d (%s)", kind, params, r.status, status, r.error);
	if (item) {
		const struct evidence *e = find_evidence(&r, item);
		if (e->ok != ok)
			fail_msg("%s: ok=%d, want %d (actual: %s)", item, e->ok, ok, e->actual);
		if (needle && !strstr(e->actual, needle))
			fail_msg("%s: actual '%s' lacks '%s'", item, e->actual, needle);
	} else if (needle && !strstr(r.error, needle)) {
		fail_msg("reason '%s' lacks '%s'", r.error, needle);
	}
	result_free(&r);
}

static void compliant(void **state)
{
	(void)state;
	use_fixture("compliant");
	expect("firewall_policy", P4, CHECK_PASS, "INPUT policy", true,
	       "DROP: inet filter input (filter hook input, priority 0, policy drop)");
	expect("firewall_policy", P6, CHECK_PASS, "source", true, "captured nft -j list ruleset");
	expect("firewall_loopback", L4, CHECK_PASS, IN_ACCEPT, true,
	       "rule handle 4 (iif \"lo\" accept) in inet filter input");
	expect("firewall_loopback", L4, CHECK_PASS, DROP4, true, "(ip saddr 127.0.0.0/8 drop)");
	expect("firewall_loopback", L6, CHECK_PASS, DROP6, true, "(ip6 saddr ::1 drop)");
	expect("firewall_loopback", L6, CHECK_PASS, OUT_ACCEPT, true, "(oif \"lo\" accept) in inet filter output");
}

static void inet_drop_ip_accept(void **state)
{
	(void)state;
	use_fixture("inet_drop_ip_accept");
	expect("firewall_policy", P4, CHECK_PASS, "INPUT policy", true,
	       "accepts every packet first; inet filter input (filter hook input, priority 0, policy drop)");
	expect("firewall_policy", P6, CHECK_PASS, "FORWARD policy", true, "DROP: inet filter forward");
	expect("firewall_loopback", L4, CHECK_PASS, IN_ACCEPT, true, "in ip allow input");
}

static void two_input_chains(void **state)
{
	(void)state;
	use_fixture("two_input_chains");
	expect("firewall_policy", P4, CHECK_PASS, NULL, true, NULL);
	expect("firewall_loopback", L4, CHECK_FAIL, IN_ACCEPT, false,
	       "inet second input (filter hook input, priority 10, policy drop): iif lo traffic falls to the policy drop");
	expect("firewall_loopback", L6, CHECK_FAIL, OUT_ACCEPT, true, "(oif \"lo\" accept)");
}

static void drop_before_lo(void **state)
{
	(void)state;
	use_fixture("drop_before_lo");
	expect("firewall_loopback", L4, CHECK_FAIL, IN_ACCEPT, false,
	       "(drop) in inet early input (filter hook input, priority -200, policy accept) drops iif lo traffic");
	expect("firewall_policy", P4, CHECK_PASS, "INPUT policy", true, "drops every packet first");
}

static void lo_behind_jump(void **state)
{
	(void)state;
	use_fixture("lo_behind_jump");
	expect("firewall_loopback", L4, CHECK_PASS, IN_ACCEPT, true, "in chain loopback (iif \"lo\" accept)");
	expect("firewall_loopback", L6, CHECK_PASS, DROP6, true, "in chain loopback (ip6 saddr ::1 drop)");
	expect("firewall_loopback", L4, CHECK_PASS, OUT_ACCEPT, true, "in chain out_lo (oif \"lo\" accept)");
}

static void sets_vmaps(void **state)
{
	(void)state;
	use_fixture("sets_vmaps");
	expect("firewall_loopback", L4, CHECK_PASS, IN_ACCEPT, true, "iifname vmap @by_iif");
	expect("firewall_loopback", L4, CHECK_PASS, DROP4, true, "(ip saddr @spoofed4 drop)");
	expect("firewall_loopback", L6, CHECK_PASS, DROP6, true, "(ip6 saddr @spoofed6 drop)");
	expect("firewall_loopback", L6, CHECK_PASS, OUT_ACCEPT, true, "oif vmap { \"lo\" : accept }");
}

static void kube_proxy(void **state)
{
	(void)state;
	use_fixture("kube_proxy");
	expect("firewall_loopback", L4, CHECK_PASS, IN_ACCEPT, true, "in inet filter input");
	expect("firewall_policy", P4, CHECK_PASS, "INPUT policy", true,
	       "ip kube-proxy filter-input (filter hook input, priority -110, policy accept)");
}

static void restricted_lo(void **state)
{
	(void)state;
	use_fixture("restricted_lo");
	expect("firewall_loopback", L4, CHECK_FAIL, IN_ACCEPT, false,
	       "(iif \"lo\" tcp dport 22 accept) does not count: it is restricted by tcp dport");
	expect("firewall_loopback", L4, CHECK_FAIL, IN_ACCEPT, false,
	       "drops loopback-sourced iif lo traffic before the lo accept");
	expect("firewall_loopback", L4, CHECK_FAIL, OUT_ACCEPT, false,
	       "drops loopback-sourced oif lo traffic before the lo accept");
	/* the IPv4 drop is no IPv6 drop */
	expect("firewall_loopback", L6, CHECK_FAIL, DROP6, false, "no rule at the input hook drops IPv6");
	expect("firewall_policy", P4, CHECK_FAIL, "FORWARD policy", false, "ACCEPT: inet filter forward");
}

static void accept_all_first(void **state)
{
	(void)state;
	use_fixture("accept_all_first");
	expect("firewall_policy", P4, CHECK_FAIL, "INPUT policy", false,
	       "but rule handle 4 (counter accept) accepts every packet first");
	expect("firewall_loopback", L4, CHECK_FAIL, DROP4, false, "(counter accept) accepts them first");
}

static void empty_ruleset(void **state)
{
	(void)state;
	use_fixture("empty");
	expect("firewall_policy", P4, CHECK_FAIL, "INPUT policy", false,
	       "ACCEPT (no nf_tables base chain at the input hook sees IPv4)");
	expect("firewall_loopback", L6, CHECK_FAIL, IN_ACCEPT, false, "not found: no nf_tables base chain");
}

static void iptables_nft(void **state)
{
	(void)state;
	use_fixture("iptables_nft");
	expect("firewall_policy", P4, CHECK_PASS, "INPUT policy", true, "DROP: ip filter INPUT");
	expect("firewall_loopback", L4, CHECK_PASS, IN_ACCEPT, true,
	       "(iifname \"lo\" counter accept) in ip filter INPUT");
	expect("firewall_policy", P6, CHECK_FAIL, "INPUT policy", false, "no nf_tables base chain");
}

/* netdev ingress on lo with policy drop: loopback traffic stops there,
 * before the input hook; it is no default deny of the input hook. */
static void netdev_lo_drop(void **state)
{
	(void)state;
	use_fixture("netdev_lo_drop");
	expect("firewall_loopback", L4, CHECK_FAIL, IN_ACCEPT, false,
	       "netdev guard lo_in (filter hook ingress device lo, priority 0, policy drop): iif lo traffic falls to the policy drop");
	expect("firewall_loopback", L6, CHECK_FAIL, OUT_ACCEPT, true, "(oif \"lo\" accept) in inet filter output");
	expect("firewall_loopback", L6, CHECK_FAIL, DROP6, true, "(ip6 saddr ::1 drop)");
	expect("firewall_policy", P4, CHECK_PASS, "INPUT policy", true,
	       "DROP: inet filter input (filter hook input, priority 0, policy drop); not counted: netdev guard lo_in "
	       "(filter hook ingress device lo, priority 0, policy drop): before the IP stack, on its devices only");
	expect("firewall_policy", P4, CHECK_PASS, "OUTPUT policy", true, "DROP: inet filter output");
}

/* A raw prerouting chain with policy drop stops loopback traffic before
 * the input hook; nat prerouting and a mangle postrouting chain that only
 * marks change nothing; neither is the input hook's default deny. */
static void prerouting_lo_drop(void **state)
{
	(void)state;
	use_fixture("prerouting_lo_drop");
	expect("firewall_loopback", L4, CHECK_FAIL, IN_ACCEPT, false,
	       "ip raw pre (filter hook prerouting, priority -300, policy drop): iif lo traffic falls to the policy drop");
	expect("firewall_loopback", L4, CHECK_FAIL, OUT_ACCEPT, true, "(oif \"lo\" accept) in inet filter output");
	expect("firewall_loopback", L6, CHECK_PASS, IN_ACCEPT, true, "(iif \"lo\" accept) in inet filter input");
	expect("firewall_policy", P4, CHECK_PASS, "INPUT policy", true,
	       "DROP: inet filter input (filter hook input, priority 0, policy drop); not counted: ip raw pre "
	       "(filter hook prerouting, priority -300, policy drop): prerouting, before the input and forward hooks");
	expect("firewall_policy", P4, CHECK_PASS, "OUTPUT policy", true,
	       "not counted: ip mangle post (filter hook postrouting, priority -150, policy accept)");
}

/* ingress on lo and eth9 accepts lo; its spoofed-source drops are on its
 * devices only; egress on lo lets only IPv6 out. */
static void netdev_ingress(void **state)
{
	(void)state;
	use_fixture("netdev_ingress");
	expect("firewall_loopback", L4, CHECK_FAIL, IN_ACCEPT, true,
	       "rule handle 3 (iif \"lo\" accept) in netdev edge in (filter hook ingress devices eth9, lo, priority -100, "
	       "policy drop); rule handle 4 (iif \"lo\" accept) in inet filter input");
	expect("firewall_loopback", L4, CHECK_FAIL, DROP4, false,
	       "no rule at the input hook drops IPv4 traffic from the loopback network arriving on another interface; "
	       "inet filter input (filter hook input, priority 0, policy drop): no rule drops them; not counted: netdev edge in");
	expect("firewall_loopback", L4, CHECK_FAIL, OUT_ACCEPT, false,
	       "netdev edge out (filter hook egress device lo, priority 0, policy drop): oif lo traffic falls to the policy drop");
	expect("firewall_loopback", L6, CHECK_FAIL, OUT_ACCEPT, true,
	       "(oif \"lo\" accept) in inet filter output (filter hook output, priority 0, policy drop); "
	       "rule handle 7 (meta protocol ip6 accept) in netdev edge out");
	expect("firewall_policy", P4, CHECK_PASS, "OUTPUT policy", true,
	       "not counted: netdev edge out (filter hook egress device lo, priority 0, policy drop): after the IP stack");
}

/* A capture by nft before 1.0.7: the ingress chain's devices are not
 * listed; it would drop lo traffic if it is on lo: cannot tell. */
static void netdev_devices_not_listed(void **state)
{
	(void)state;
	use_fixture("netdev_no_dev");
	expect("firewall_loopback", L4, CHECK_SKIP, NULL, false,
	       "cannot tell: netdev guard lo_in (filter hook ingress devices not listed, priority 0, policy drop) "
	       "would stop iif lo traffic if it is on lo");
	expect("firewall_policy", P6, CHECK_PASS, "INPUT policy", true, "not counted: netdev guard lo_in");
}

/* bridge and arp tables see bridged frames and ARP: nothing filters IP. */
static void bridge_arp(void **state)
{
	(void)state;
	use_fixture("bridge_arp");
	expect("firewall_policy", P4, CHECK_FAIL, "INPUT policy", false,
	       "ACCEPT (no nf_tables base chain at the input hook sees IPv4); not counted: bridge br input (filter hook "
	       "input, priority -200, policy drop): bridged frames only, not routed or local IP traffic; arp a input "
	       "(filter hook input, priority 0, policy drop): ARP packets only");
	expect("firewall_policy", P6, CHECK_FAIL, "FORWARD policy", false, "not counted: bridge br forward");
	expect("firewall_loopback", L4, CHECK_FAIL, IN_ACCEPT, false,
	       "not found: no nf_tables base chain at the input hook sees IPv4");
}

/* Written by hand: what nft can print and the captures above do not show. */
static void hand_written_semantics(void **state)
{
	(void)state;
	/* a dormant table filters nothing; "! iif lo" source drop counts;
	 * an inet "meta nfproto ipv6" accept is not an IPv4 accept */
	use_text("{\"nftables\":[{\"table\":{\"family\":\"inet\",\"name\":\"off\",\"flags\":[\"dormant\"]}},"
		 "{\"chain\":{\"family\":\"inet\",\"table\":\"off\",\"name\":\"in\",\"type\":\"filter\",\"hook\":\"input\",\"prio\":0,\"policy\":\"drop\"}},"
		 "{\"table\":{\"family\":\"inet\",\"name\":\"t\"}},"
		 "{\"chain\":{\"family\":\"inet\",\"table\":\"t\",\"name\":\"in\",\"type\":\"filter\",\"hook\":\"input\",\"prio\":\"filter\",\"policy\":\"drop\"}},"
		 "{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"in\",\"handle\":2,\"expr\":["
		 "{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"nfproto\"}},\"right\":\"ipv6\"}},"
		 "{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"iif\"}},\"right\":\"lo\"}},{\"accept\":null}]}},"
		 "{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"in\",\"handle\":3,\"expr\":["
		 "{\"match\":{\"op\":\"!=\",\"left\":{\"meta\":{\"key\":\"iifname\"}},\"right\":\"lo\"}},"
		 "{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"ip\",\"field\":\"saddr\"}},\"right\":{\"prefix\":{\"addr\":\"127.0.0.0\",\"len\":8}}}},"
		 "{\"counter\":null},{\"drop\":null}]}},"
		 "{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"in\",\"handle\":4,\"expr\":["
		 "{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"iifname\"}},\"right\":\"lo\"}},{\"accept\":null}]}}"
		 "]}");
	expect("firewall_loopback", L4, CHECK_FAIL, IN_ACCEPT, true, "rule handle 4 (iifname \"lo\" accept)");
	expect("firewall_loopback", L4, CHECK_FAIL, DROP4, true,
	       "rule handle 3 (iifname != \"lo\" ip saddr 127.0.0.0/8 counter drop)");
	expect("firewall_loopback", L6, CHECK_FAIL, IN_ACCEPT, true, "rule handle 2");
	expect("firewall_policy", P4, CHECK_FAIL, "INPUT policy", true, "DROP: inet t in");
}

static void garbage_truncated(void **state)
{
	(void)state;
	use_text("Chain INPUT (policy DROP)\n");
	expect("firewall_policy", P4, CHECK_SKIP, NULL, false, "nft-ruleset.json:1:5: not JSON");
	use_text("[1, 2]");
	expect("firewall_policy", P4, CHECK_SKIP, NULL, false, "no \"nftables\" array");
	use_text("{\"nftables\":[{\"rule\":{\"family\":\"ip\",\"table\":\"x\",\"chain\":\"y\",\"handle\":1,\"expr\":[]}}]}");
	expect("firewall_loopback", L4, CHECK_SKIP, NULL, false, "nftables[0]: rule: table ip x is not in the ruleset");
	use_text("{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"x\"}},"
		 "{\"chain\":{\"family\":\"ip\",\"table\":\"x\",\"name\":\"c\",\"type\":\"filter\",\"hook\":\"input\",\"prio\":0,\"policy\":\"maybe\"}}]}");
	expect("firewall_policy", P4, CHECK_SKIP, NULL, false, "nftables[1]: chain c: \"policy\" must be");
	use_text("{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"x\"}},"
		 "{\"chain\":{\"family\":\"ip\",\"table\":\"x\",\"name\":\"c\"}},"
		 "{\"rule\":{\"family\":\"ip\",\"table\":\"x\",\"chain\":\"c\",\"handle\":7,\"expr\":["
		 "{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"iif\"}},\"right\":\"@nope\"}},{\"accept\":null}]}}]}");
	expect("firewall_policy", P4, CHECK_SKIP, NULL, false,
	       "nftables[2]: rule handle 7: expr[0]: set @nope is not in table ip x");
	/* truncated captures: every prefix of a real one is an error or a
	 * verdict, never a crash */
	char path[512];
	snprintf(path, sizeof(path), "%s/nft/sets_vmaps.json", FIXTURES);
	size_t len;
	char *text = slurp_file(path, &len);
	for (size_t cut = 0; cut < len; cut += 7) {
		struct nfr_ruleset rs;
		char err[256];
		int rc = nfr_parse(text, cut, &rs, err, sizeof(err));
		if (rc == 0)
			fail_msg("a capture cut at %zu of %zu parsed", cut, len);
		assert_int_equal(rc, -EINVAL);
		assert_true(err[0] != '\0');
		nfr_free(&rs);
	}
	write_bytes(tmp, ".cisreport/nft-ruleset.json", text, len / 2, 0644);
	expect("firewall_loopback", L6, CHECK_SKIP, NULL, false, "not JSON");
	free(text);
	/* no capture at all in a tree without iptables-save: SKIP naming both */
	remove_file(tmp, ".cisreport/nft-ruleset.json");
	expect("firewall_policy", P4, CHECK_SKIP, NULL, false, "no captured iptables-save output");
}

/* A large ruleset (kube-proxy at scale) evaluates; a hostile one (jumps
 * nested past the kernel's stack, or fanning out) is a SKIP, not a hang. */
static void huge_and_hostile(void **state)
{
	(void)state;
	size_t cap = 8u << 20, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	n += (size_t)snprintf(buf + n, cap - n,
			      "{\"nftables\":[{\"table\":{\"family\":\"inet\",\"name\":\"t\"}},"
			      "{\"chain\":{\"family\":\"inet\",\"table\":\"t\",\"name\":\"in\",\"type\":\"filter\",\"hook\":\"input\",\"prio\":0,\"policy\":\"drop\"}}");
	for (int i = 0; i < 20000; i++)
		n += (size_t)snprintf(buf + n, cap - n,
				      ",{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"in\",\"handle\":%d,\"expr\":["
				      "{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"tcp\",\"field\":\"dport\"}},\"right\":%d}},{\"accept\":null}]}}",
				      i + 10, i % 65535);
	n += (size_t)snprintf(buf + n, cap - n,
			      ",{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"in\",\"handle\":99999,\"expr\":["
			      "{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"iif\"}},\"right\":\"lo\"}},{\"accept\":null}]}}]}");
	write_bytes(tmp, ".cisreport/nft-ruleset.json", buf, n, 0644);
	expect("firewall_policy", P4, CHECK_FAIL, "INPUT policy", true, "DROP");
	struct check_result r;
	run_kind("firewall_loopback", L4, tmp, &r);
	const struct evidence *e = find_evidence(&r, IN_ACCEPT);
	assert_true(e->ok);
	assert_non_null(strstr(e->actual, "rule handle 99999"));
	assert_non_null(strstr(find_evidence(&r, "source")->actual, "20001 rules"));
	result_free(&r);

	/* 20 chains, each jumping to the next: deeper than the jump stack */
	n = 0;
	n += (size_t)snprintf(buf + n, cap - n,
			      "{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"t\"}},"
			      "{\"chain\":{\"family\":\"ip\",\"table\":\"t\",\"name\":\"in\",\"type\":\"filter\",\"hook\":\"input\",\"prio\":0,\"policy\":\"drop\"}}");
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(buf + n, cap - n, ",{\"chain\":{\"family\":\"ip\",\"table\":\"t\",\"name\":\"c%d\"}}", i);
	n += (size_t)snprintf(buf + n, cap - n,
			      ",{\"rule\":{\"family\":\"ip\",\"table\":\"t\",\"chain\":\"in\",\"handle\":1,\"expr\":[{\"jump\":{\"target\":\"c0\"}}]}}");
	for (int i = 0; i + 1 < 20; i++)
		n += (size_t)snprintf(buf + n, cap - n,
				      ",{\"rule\":{\"family\":\"ip\",\"table\":\"t\",\"chain\":\"c%d\",\"handle\":%d,\"expr\":[{\"jump\":{\"target\":\"c%d\"}}]}}",
				      i, i + 2, i + 1);
	n += (size_t)snprintf(buf + n, cap - n, "]}");
	write_bytes(tmp, ".cisreport/nft-ruleset.json", buf, n, 0644);
	expect("firewall_policy", P4, CHECK_SKIP, NULL, false, "jumps nested deeper than 16");

	/* 15 levels of chains, each jumping 10 times to the next: 10^15 walks */
	n = 0;
	n += (size_t)snprintf(buf + n, cap - n,
			      "{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"t\"}},"
			      "{\"chain\":{\"family\":\"ip\",\"table\":\"t\",\"name\":\"in\",\"type\":\"filter\",\"hook\":\"input\",\"prio\":0,\"policy\":\"drop\"}}");
	for (int i = 0; i < 15; i++)
		n += (size_t)snprintf(buf + n, cap - n, ",{\"chain\":{\"family\":\"ip\",\"table\":\"t\",\"name\":\"c%d\"}}", i);
	int handle = 1;
	for (int k = 0; k < 10; k++)
		n += (size_t)snprintf(buf + n, cap - n,
				      ",{\"rule\":{\"family\":\"ip\",\"table\":\"t\",\"chain\":\"in\",\"handle\":%d,\"expr\":[{\"jump\":{\"target\":\"c0\"}}]}}",
				      handle++);
	for (int i = 0; i + 1 < 15; i++)
		for (int k = 0; k < 10; k++)
			n += (size_t)snprintf(buf + n, cap - n,
					      ",{\"rule\":{\"family\":\"ip\",\"table\":\"t\",\"chain\":\"c%d\",\"handle\":%d,\"expr\":[{\"jump\":{\"target\":\"c%d\"}}]}}",
					      i, handle++, i + 1);
	n += (size_t)snprintf(buf + n, cap - n, "]}");
	write_bytes(tmp, ".cisreport/nft-ruleset.json", buf, n, 0644);
	expect("firewall_loopback", L4, CHECK_SKIP, NULL, false, "more than 200000 rule visits");
	free(buf);
}

/* Legacy x_tables loaded beside nf_tables: both are evaluated; a drop in
 * either denies, loopback must pass both. */
static void legacy_and_nft(void **state)
{
	(void)state;
	use_fixture("compliant");
	write_file(tmp, "proc/net/ip_tables_names", "filter\n", 0644);
	write_file(tmp, ".cisreport/commands/iptables-save",
		   "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
		   "-A INPUT -j DROP\nCOMMIT\n", 0644);
	expect("firewall_policy", P4, CHECK_PASS, "INPUT policy", true,
	       "nf_tables: DROP: inet filter input");
	expect("firewall_policy", P4, CHECK_PASS, "backends", true, "legacy x_tables loaded (/proc/net/ip_tables_names: filter)");
	/* legacy drops loopback before any accept: the merged verdict fails */
	expect("firewall_loopback", L4, CHECK_FAIL, IN_ACCEPT, false, "iptables-legacy: not found");
	/* IPv6 has no legacy tables: nf_tables alone */
	expect("firewall_loopback", L6, CHECK_PASS, IN_ACCEPT, true, "(iif \"lo\" accept)");
	remove_file(tmp, "proc/net/ip_tables_names");
	remove_file(tmp, ".cisreport/commands/iptables-save");
}

/* Parse straight from memory, as the fuzzer will. */
static void parse_buffer(void **state)
{
	(void)state;
	struct nfr_ruleset rs;
	char err[256];
	assert_int_equal(nfr_parse("", 0, &rs, err, sizeof(err)), -EINVAL);
	nfr_free(&rs);
	assert_int_equal(nfr_parse("{\"nftables\":[]}", 15, &rs, err, sizeof(err)), 0);
	assert_int_equal(rs.n_tables, 0);
	nfr_free(&rs);
	const char dup[] = "{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"x\"}},{\"table\":{\"family\":\"ip\",\"name\":\"x\"}}]}";
	assert_int_equal(nfr_parse(dup, sizeof(dup) - 1, &rs, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "listed twice"));
	nfr_free(&rs);
	struct nfr_range r;
	int prefix;
	assert_int_equal(nfr_parse_net(2, "127.0.0.0/8", &r, &prefix), 0);
	assert_int_equal(prefix, 8);
	assert_int_equal(r.hi[0], 127);
	assert_int_equal(r.hi[1], 255);
	assert_int_equal(nfr_parse_net(2, "127.0.0.0/33", &r, &prefix), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compliant),
		cmocka_unit_test(inet_drop_ip_accept),
		cmocka_unit_test(two_input_chains),
		cmocka_unit_test(drop_before_lo),
		cmocka_unit_test(lo_behind_jump),
		cmocka_unit_test(sets_vmaps),
		cmocka_unit_test(kube_proxy),
		cmocka_unit_test(restricted_lo),
		cmocka_unit_test(accept_all_first),
		cmocka_unit_test(empty_ruleset),
		cmocka_unit_test(iptables_nft),
		cmocka_unit_test(netdev_lo_drop),
		cmocka_unit_test(prerouting_lo_drop),
		cmocka_unit_test(netdev_ingress),
		cmocka_unit_test(netdev_devices_not_listed),
		cmocka_unit_test(bridge_arp),
		cmocka_unit_test(hand_written_semantics),
		cmocka_unit_test(garbage_truncated),
		cmocka_unit_test(huge_and_hostile),
		cmocka_unit_test(legacy_and_nft),
		cmocka_unit_test(parse_buffer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
