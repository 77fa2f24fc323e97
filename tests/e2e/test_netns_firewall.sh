#!/usr/bin/env bash
# Live test of the network checks (sysctls 3.1.1, 3.2.1-3.2.4, firewall
# 3.4.1.1, 3.4.1.2, 3.4.2.1, 3.4.2.2) against real kernel state: a fresh
# network namespace gets real sysctls and real iptables/ip6tables rules, the
# real cisreport binary runs inside it, and its JSON is checked. iptables
# here is iptables-nft (checked below): its rules are nf_tables rules, read
# over netlink (native nft rulesets: test_netns_nftables.sh). Network
# sysctls and netfilter rules are per namespace: the host's own are never
# touched (checked at the end).
#
# Env (set by ctest): CISREPORT = the binary, SOURCE_DIR = the source tree.
set -uo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: not root (network namespaces and iptables need root)"
	exit 0
fi
: "${CISREPORT:?CISREPORT must name the cisreport binary}"
: "${SOURCE_DIR:?SOURCE_DIR must name the source tree}"
for tool in ip iptables-restore ip6tables-restore iptables ip6tables python3; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed"; exit 1; }
done
if ! iptables --version | grep -q nf_tables; then
	echo "SKIP: iptables is not iptables-nft ($(iptables --version)); legacy x_tables are tested offline"
	exit 0
fi

ns="cisr-fw-$$-$RANDOM"
work=$(mktemp -d /tmp/cisr-fw.XXXXXX)
cleanup() {
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CHECKS=3.1.1,3.2.1,3.2.2,3.2.3,3.2.4,3.4.1.1,3.4.1.2,3.4.2.1,3.4.2.2
passed=0
failed=0

# The host's state, to prove at the end that nothing of it changed.
host_sysctls() {
	for f in /proc/sys/net/ipv4/conf/{all,default}/{send_redirects,accept_source_route,accept_redirects,secure_redirects,log_martians} \
		/proc/sys/net/ipv6/conf/{all,default}/{accept_source_route,accept_redirects}; do
		[ -r "$f" ] && printf '%s=%s\n' "$f" "$(cat "$f")"
	done
}
host_rules() { { iptables-save; ip6tables-save; } 2>&1 | grep -v '^#'; }
host_sysctls >"$work/host-sysctls.before"
host_rules >"$work/host-rules.before"

ip netns add "$ns" || { echo "FAIL: cannot create network namespace $ns"; exit 1; }
in_ns() { ip netns exec "$ns" "$@"; }
# Never write a sysctl unless we are provably in another network namespace.
host_netns=$(readlink /proc/self/ns/net)
ns_netns=$(in_ns readlink /proc/self/ns/net)
if [ -z "$ns_netns" ] || [ "$ns_netns" = "$host_netns" ]; then
	echo "FAIL: ip netns exec does not enter a separate network namespace"
	exit 1
fi

# The shipped profiles, when every kind they name is built in; otherwise
# (a branch without the other kinds) the shipped entries of the kinds under
# test, unchanged.
profiles="$SOURCE_DIR/profiles"
if ! "$CISREPORT" -c "$profiles" -l 2 --list >/dev/null 2>"$work/list.err"; then
	echo "NOTE: shipped profiles do not load here ($(head -c 200 "$work/list.err")); using their network checks only"
	profiles="$work/profiles"
	python3 - "$SOURCE_DIR/profiles" "$profiles" <<'PY'
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
keep = {"manual", "sysctl", "firewall_policy", "firewall_loopback"}
for level in ("level1", "level2"):
    doc = json.load(open(os.path.join(src, level, "bottlerocket.json")))
    doc["checks"] = [c for c in doc["checks"] if c["kind"] in keep]
    os.makedirs(os.path.join(dst, level))
    json.dump(doc, open(os.path.join(dst, level, "bottlerocket.json"), "w"), indent=2)
PY
fi

setsys() { # key value, inside the namespace
	local path="/proc/sys/${1//.//}"
	in_ns sh -c "echo $2 > $path" || { echo "FAIL: cannot set $1 in $ns"; exit 1; }
}

compliant_sysctls() {
	local fam key
	for fam in all default; do
		setsys "net.ipv4.conf.$fam.send_redirects" 0
		setsys "net.ipv4.conf.$fam.accept_source_route" 0
		setsys "net.ipv4.conf.$fam.accept_redirects" 0
		setsys "net.ipv4.conf.$fam.secure_redirects" 0
		setsys "net.ipv4.conf.$fam.log_martians" 1
		setsys "net.ipv6.conf.$fam.accept_source_route" 0
		setsys "net.ipv6.conf.$fam.accept_redirects" 0
	done
}

compliant_rules() {
	in_ns iptables-restore <<'EOF' || { echo "FAIL: iptables-restore"; exit 1; }
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT DROP [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -s 127.0.0.0/8 -j DROP
-A INPUT -p tcp -m state --state ESTABLISHED -j ACCEPT
-A OUTPUT -o lo -j ACCEPT
-A OUTPUT -p tcp -m state --state NEW,ESTABLISHED -j ACCEPT
COMMIT
EOF
	in_ns ip6tables-restore <<'EOF' || { echo "FAIL: ip6tables-restore"; exit 1; }
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT DROP [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -s ::1 -j DROP
-A INPUT -p tcp -m state --state ESTABLISHED -j ACCEPT
-A OUTPUT -o lo -j ACCEPT
-A OUTPUT -p tcp -m state --state NEW,ESTABLISHED -j ACCEPT
COMMIT
EOF
}

# Run the real binary in the namespace; its JSON goes to $work/out.json.
report() {
	if ! in_ns "$CISREPORT" -c "$profiles" -l 2 -f json --check "$CHECKS" \
		>"$work/out.json" 2>"$work/err.txt"; then
		echo "FAIL: cisreport exited with $?: $(cat "$work/err.txt")"
		failed=$((failed + 1))
		return 1
	fi
}

# expect "what" ID STATUS [error~TEXT] [ITEM~TEXT]... : the check's status,
# reason and evidence "actual" texts (substrings) in the last report.
expect() {
	local what=$1
	shift
	if python3 - "$work/out.json" "$@" <<'PY'; then
import json, sys
doc = json.load(open(sys.argv[1]))
cid, status, wants = sys.argv[2], sys.argv[3], sys.argv[4:]
found = [r for r in doc["results"].values() if r["id"] == cid]
if len(found) != 1:
    print(f"    {cid} is not in the report")
    sys.exit(1)
r, ok = found[0], True
if r["status"] != status:
    print(f"    {cid}: status {r['status']}, want {status} (error: {r['error']!r})")
    ok = False
for want in wants:
    key, _, text = want.partition("~")
    if key == "error":
        if text not in r["error"]:
            print(f"    {cid}: error {r['error']!r} lacks {text!r}")
            ok = False
        continue
    items = [e for e in r["evidence"] if e["item"] == key]
    if not items:
        print(f"    {cid}: no evidence item {key!r} (have {[e['item'] for e in r['evidence']]})")
        ok = False
    elif text not in items[0]["actual"]:
        print(f"    {cid}: {key}: actual {items[0]['actual']!r} lacks {text!r}")
        ok = False
sys.exit(0 if ok else 1)
PY
		echo "ok   $what"
		passed=$((passed + 1))
	else
		echo "FAIL $what"
		failed=$((failed + 1))
	fi
}

expect_counts() { # what total passed failed
	if python3 - "$work/out.json" "$2" "$3" "$4" <<'PY'; then
import json, sys
d = json.load(open(sys.argv[1]))
want = tuple(int(x) for x in sys.argv[2:5])
got = (d["total"], d["passed"], d["failed"])
if got != want:
    print(f"    total/passed/failed {got}, want {want}")
    sys.exit(1)
PY
		echo "ok   $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1"
		failed=$((failed + 1))
	fi
}

echo "== fresh namespace: nothing loaded"
report &&
	{
		expect "no rules: IPv4 policies are ACCEPT" 3.4.1.1 FAIL \
			"INPUT policy~ACCEPT (no nf_tables base chain at the input hook sees IPv4)" \
			"OUTPUT policy~ACCEPT (no nf_tables base chain at the output hook sees IPv4)" \
			"error~INPUT policy: expected DROP, found ACCEPT (no nf_tables base chain"
		expect "no rules: IPv6 policies are ACCEPT" 3.4.2.1 FAIL "FORWARD policy~ACCEPT (no nf_tables base chain at the forward hook sees IPv6)"
		expect "no rules: no IPv4 loopback rules" 3.4.1.2 FAIL \
			"INPUT -i lo -j ACCEPT~not found: no nf_tables base chain" "INPUT -s 127.0.0.0/8 -j DROP~no rule at the input hook drops IPv4"
		expect "no rules: the kernel was really read" 3.4.2.2 FAIL "source~nf_tables ruleset over netlink"
	}

echo "== compliant namespace"
compliant_sysctls
compliant_rules
report &&
	{
		expect_counts "all nine checks pass" 9 9 0
		expect "send_redirects 0" 3.1.1 PASS "net.ipv4.conf.all.send_redirects~0" "net.ipv4.conf.default.send_redirects~0"
		expect "source routing off (v4 and v6)" 3.2.1 PASS "net.ipv6.conf.default.accept_source_route~0"
		expect "redirects off" 3.2.2 PASS "net.ipv6.conf.all.accept_redirects~0"
		expect "secure redirects off" 3.2.3 PASS "net.ipv4.conf.default.secure_redirects~0"
		expect "martians logged" 3.2.4 PASS "net.ipv4.conf.all.log_martians~1"
		expect "IPv4 policies DROP" 3.4.1.1 PASS "INPUT policy~DROP: ip filter INPUT (filter hook input, priority 0, policy drop)" \
			"FORWARD policy~DROP" "OUTPUT policy~DROP" "source~nf_tables ruleset over netlink"
		expect "IPv4 loopback rules" 3.4.1.2 PASS "INPUT -i lo -j ACCEPT~(iifname \"lo\" counter accept) in ip filter INPUT" \
			"INPUT -s 127.0.0.0/8 -j DROP~(ip saddr 127.0.0.0/8 counter drop) in ip filter INPUT" \
			"OUTPUT -o lo -j ACCEPT~(oifname \"lo\" counter accept) in ip filter OUTPUT"
		expect "IPv6 policies DROP" 3.4.2.1 PASS "OUTPUT policy~DROP: ip6 filter OUTPUT" "source~nf_tables ruleset over netlink"
		expect "IPv6 loopback rules" 3.4.2.2 PASS \
			"INPUT -s ::1/128 -j DROP~(ip6 saddr ::1 counter drop) in ip6 filter INPUT"
	}

echo "== one sysctl wrong"
setsys net.ipv4.conf.default.log_martians 0
report &&
	{
		expect "log_martians default 0 fails" 3.2.4 FAIL \
			"error~net.ipv4.conf.default.log_martians: expected 1, found 0" "net.ipv4.conf.all.log_martians~1"
		expect_counts "only that check fails" 9 8 1
	}
setsys net.ipv4.conf.default.log_martians 1

echo "== a policy ACCEPT"
in_ns iptables -P FORWARD ACCEPT
report &&
	{
		expect "IPv4 FORWARD ACCEPT fails" 3.4.1.1 FAIL "FORWARD policy~ACCEPT: ip filter FORWARD (filter hook forward, priority 0, policy accept)" \
			"INPUT policy~DROP" "error~FORWARD policy: expected DROP, found ACCEPT"
		expect "IPv6 policies unaffected" 3.4.2.1 PASS
	}
in_ns iptables -P FORWARD DROP

echo "== loopback accept restricted by a port"
in_ns iptables -R INPUT 1 -i lo -p tcp --dport 22 -j ACCEPT
report &&
	expect "port-restricted lo accept does not count" 3.4.1.2 FAIL \
		"INPUT -i lo -j ACCEPT~(iifname \"lo\" tcp dport 22 counter accept) does not count: it is restricted by tcp dport" \
		"INPUT -i lo -j ACCEPT~(ip saddr 127.0.0.0/8 counter drop) in ip filter INPUT (filter hook input, priority 0, policy drop) drops loopback-sourced iif lo traffic before the lo accept" \
		"OUTPUT -o lo -j ACCEPT~(oifname \"lo\" counter accept)" "error~INPUT -i lo -j ACCEPT: expected"
in_ns iptables -R INPUT 1 -i lo -j ACCEPT

echo "== OUTPUT accept shadowed by an earlier DROP (IPv6)"
in_ns ip6tables -I OUTPUT 1 -j DROP
report &&
	{
		expect "shadowed IPv6 lo accept fails" 3.4.2.2 FAIL \
			"OUTPUT -o lo -j ACCEPT~(counter drop) in ip6 filter OUTPUT (filter hook output, priority 0, policy drop) drops oif lo traffic before any unrestricted oif \"lo\" accept" \
			"INPUT -i lo -j ACCEPT~(iifname \"lo\" counter accept)"
		expect "IPv4 loopback unaffected" 3.4.1.2 PASS
	}
in_ns ip6tables -D OUTPUT 1

echo "== drop of 127.0.0.0/8 before the lo accept"
in_ns iptables -D INPUT -s 127.0.0.0/8 -j DROP
in_ns iptables -I INPUT 1 -s 127.0.0.0/8 -j DROP
report &&
	expect "drop before accept fails" 3.4.1.2 FAIL \
		"INPUT -i lo -j ACCEPT~(ip saddr 127.0.0.0/8 counter drop) in ip filter INPUT (filter hook input, priority 0, policy drop) drops loopback-sourced iif lo traffic before the lo accept" \
		"INPUT -s 127.0.0.0/8 -j DROP~(ip saddr 127.0.0.0/8 counter drop)"

echo "== rules flushed, policies still DROP"
in_ns iptables -F
report &&
	{
		expect "policies alone pass 3.4.1.1" 3.4.1.1 PASS
		expect "no loopback rules left" 3.4.1.2 FAIL "INPUT -i lo -j ACCEPT~ip filter INPUT (filter hook input, priority 0, policy drop): iif lo traffic falls to the policy drop" \
			"INPUT -s 127.0.0.0/8 -j DROP~no rule at the input hook drops IPv4 traffic"
	}

echo "== the host is untouched"
host_sysctls >"$work/host-sysctls.after"
host_rules >"$work/host-rules.after"
if cmp -s "$work/host-sysctls.before" "$work/host-sysctls.after" &&
	cmp -s "$work/host-rules.before" "$work/host-rules.after"; then
	echo "ok   host sysctls and rules unchanged"
	passed=$((passed + 1))
else
	echo "FAIL host state changed"
	diff "$work/host-sysctls.before" "$work/host-sysctls.after"
	diff "$work/host-rules.before" "$work/host-rules.after"
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
