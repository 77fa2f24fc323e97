#!/usr/bin/env bash
# Live test of the firewall checks (3.4.1.1, 3.4.1.2, 3.4.2.1, 3.4.2.2) over
# native nf_tables rulesets: each ruleset of tests/fixtures/nft/ is loaded
# with `nft -f` (iptables_nft.rules with iptables-restore, iptables-nft) into
# a fresh private network namespace, the real cisreport binary reads it there
# over netlink, and its verdicts and evidence are checked. Then the same
# ruleset, captured with `nft -j list ruleset`, is given to cisreport --root:
# the evidence must be the same, word for word (the netlink decoder and the
# nft JSON parser agree). The report must start no child process (strace).
# The host's own ruleset is never touched (checked at the end).
#
# Env (set by ctest): CISREPORT = the binary, SOURCE_DIR = the source tree.
set -uo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: not root (network namespaces and nft need root)"
	exit 0
fi
: "${CISREPORT:?CISREPORT must name the cisreport binary}"
: "${SOURCE_DIR:?SOURCE_DIR must name the source tree}"
for tool in ip nft iptables-restore python3; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed"; exit 1; }
done
fixtures="$SOURCE_DIR/tests/fixtures/nft"
work=$(mktemp -d /tmp/cisr-nft.XXXXXX)
ns=""
cleanup() {
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CHECKS=3.4.1.1,3.4.1.2,3.4.2.1,3.4.2.2
# shellcheck source=tests/e2e/lib_tap.sh
. "$(dirname "$0")/lib_tap.sh"
host_rules() { nft list ruleset 2>&1; }
host_rules >"$work/host.before"
host_netns=$(readlink /proc/self/ns/net)

# A fresh namespace holding the ruleset of case $1.
load() {
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	ns="cisr-nft-$$-$RANDOM"
	ip netns add "$ns" || { echo "FAIL: cannot create network namespace"; exit 1; }
	if [ "$(ip netns exec "$ns" readlink /proc/self/ns/net)" = "$host_netns" ]; then
		echo "FAIL: ip netns exec does not enter a separate network namespace"
		exit 1
	fi
	ip netns exec "$ns" ip link set lo up
	if [ "$1" = iptables_nft ]; then
		ip netns exec "$ns" iptables-restore <"$fixtures/iptables_nft.rules" || { echo "FAIL: iptables-restore"; exit 1; }
	else
		ip netns exec "$ns" nft -f "$fixtures/$1.nft" || { echo "FAIL: nft -f $1.nft"; exit 1; }
	fi
}

# Live report in the namespace -> $work/live.json; the captured ruleset
# through --root -> $work/root.json.
report() {
	if ! ip netns exec "$ns" "$CISREPORT" -c "$SOURCE_DIR/profiles" -l 2 -f json --check "$CHECKS" \
		>"$work/live.json" 2>"$work/err.txt"; then
		bad "cisreport exited with $?" "$(cat "$work/err.txt")"
		return 1
	fi
	rm -rf "$work/root"
	mkdir -p "$work/root/.cisreport"
	# nft before 1.0.7 leaves chains' devices out of its JSON: put back
	ip netns exec "$ns" nft -j list ruleset >"$work/ruleset.json"
	ip netns exec "$ns" nft list ruleset >"$work/ruleset.txt"
	python3 "$fixtures/add_devices.py" "$work/ruleset.json" "$work/ruleset.txt" \
		>"$work/root/.cisreport/nft-ruleset.json"
	"$CISREPORT" --root "$work/root" -c "$SOURCE_DIR/profiles" -l 2 -f json --check "$CHECKS" \
		>"$work/root.json" 2>>"$work/err.txt"
}

# expect "what" ID STATUS [error~TEXT] [ITEM~TEXT]... (substrings), on the
# live report; and the captured report must say the same.
expect() {
	local what=$1
	shift
	if python3 - "$work/live.json" "$work/root.json" "$@" <<'PY'; then
import json, sys
live, root = (json.load(open(p)) for p in sys.argv[1:3])
cid, status, wants = sys.argv[3], sys.argv[4], sys.argv[5:]
def get(doc):
    found = [r for r in doc["results"].values() if r["id"] == cid]
    return found[0] if len(found) == 1 else None
r, c = get(live), get(root)
if not r or not c:
    print(f"    {cid} is not in both reports")
    sys.exit(1)
ok = True
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
strip = lambda x: [(e["item"], e["actual"]) for e in x["evidence"] if e["item"] != "source"]
if (r["status"], strip(r)) != (c["status"], strip(c)):
    print(f"    {cid}: netlink and captured nft -j differ:\n      live {r['status']} {strip(r)}\n      nft -j {c['status']} {strip(c)}")
    ok = False
src = [e["actual"] for e in r["evidence"] if e["item"] == "source"]
if not src or "over netlink" not in src[0]:
    print(f"    {cid}: live source is {src}")
    ok = False
sys.exit(0 if ok else 1)
PY
		ok "$what"
	else
		bad "$what"
	fi
}

echo "== compliant native inet table"
load compliant && report && {
	expect "IPv4 default deny" 3.4.1.1 PASS "INPUT policy~DROP: inet filter input (filter hook input, priority 0, policy drop)"
	expect "IPv4 loopback" 3.4.1.2 PASS "INPUT -i lo -j ACCEPT~rule handle" "INPUT -i lo -j ACCEPT~(iif \"lo\" accept) in inet filter input" \
		"INPUT -s 127.0.0.0/8 -j DROP~(ip saddr 127.0.0.0/8 drop)" "OUTPUT -o lo -j ACCEPT~(oif \"lo\" accept) in inet filter output"
	expect "IPv6 default deny" 3.4.2.1 PASS "FORWARD policy~DROP"
	expect "IPv6 loopback" 3.4.2.2 PASS "INPUT -s ::1/128 -j DROP~(ip6 saddr ::1 drop)"
}
# no child process: strace counts clone/fork/vfork/execve after our own exec
# (not under ASan: LeakSanitizer forks a tracer at exit, and cannot run
# traced itself); and the legacy tables' names files are read once per
# report (the host's read memo), not once per firewall check
if grep -q libasan <<<"$(ldd "$CISREPORT")"; then  # not a pipe: grep -q would SIGPIPE ldd under pipefail
	echo "skip process count: sanitizer build"
elif command -v strace >/dev/null; then
	ip netns exec "$ns" strace -f -qq -e trace=fork,vfork,clone,clone3,execve,openat -o "$work/strace.txt" \
		"$CISREPORT" -c "$SOURCE_DIR/profiles" -l 2 -f json >/dev/null 2>&1
	spawned=$(grep -cE '^[0-9]+ +(fork|vfork|clone|clone3|execve)\(' "$work/strace.txt")
	if [ "$spawned" -le 1 ]; then # the one execve of cisreport itself
		ok "a whole Level 2 report starts no child process"
	else
		bad "the report started processes:" \
			"$(grep -E '^[0-9]+ +(fork|vfork|clone|clone3|execve)\(' "$work/strace.txt" | head)"
	fi
	v4=$(grep -c '"/proc/net/ip_tables_names"' "$work/strace.txt")
	v6=$(grep -c '"/proc/net/ip6_tables_names"' "$work/strace.txt")
	if [ "$v4" -eq 1 ] && [ "$v6" -eq 1 ]; then
		ok "ip_tables_names and ip6_tables_names opened once each by the four firewall checks"
	else
		bad "ip_tables_names opened $v4 times, ip6_tables_names $v6 times (want 1 each):" \
			"$(grep 'tables_names' "$work/strace.txt" | head)"
	fi
fi

echo "== inet policy drop, an ip table accepting everything"
load inet_drop_ip_accept && report && {
	expect "an accept in another table does not undo the drop" 3.4.1.1 PASS \
		"INPUT policy~DROP: ip allow input (filter hook input, priority -10, policy accept), but rule handle" \
		"INPUT policy~accepts every packet first; inet filter input (filter hook input, priority 0, policy drop)"
	expect "loopback still passes both" 3.4.1.2 PASS "INPUT -i lo -j ACCEPT~in ip allow input" "INPUT -i lo -j ACCEPT~in inet filter input"
	expect "IPv6 sees only the inet table" 3.4.2.1 PASS "OUTPUT policy~DROP: inet filter output"
}

echo "== two base chains at input"
load two_input_chains && report && {
	expect "default deny" 3.4.1.1 PASS
	expect "the second chain drops loopback" 3.4.1.2 FAIL \
		"INPUT -i lo -j ACCEPT~inet second input (filter hook input, priority 10, policy drop): iif lo traffic falls to the policy drop" \
		"OUTPUT -o lo -j ACCEPT~(oif \"lo\" accept)"
	expect "IPv6 as well" 3.4.2.2 FAIL "INPUT -i lo -j ACCEPT~inet second input"
}

echo "== a drop chain at a lower priority than the lo accept"
load drop_before_lo && report && {
	expect "the early drop shadows the lo accept" 3.4.1.2 FAIL \
		"INPUT -i lo -j ACCEPT~(drop) in inet early input (filter hook input, priority -200, policy accept) drops iif lo traffic before any unrestricted iif \"lo\" accept"
	expect "it is a default deny all the same" 3.4.1.1 PASS "INPUT policy~drops every packet first"
}

echo "== lo accept behind a jump and a goto"
load lo_behind_jump && report && {
	expect "jump followed" 3.4.1.2 PASS "INPUT -i lo -j ACCEPT~in chain loopback (iif \"lo\" accept)" \
		"INPUT -s 127.0.0.0/8 -j DROP~in chain loopback (ip saddr 127.0.0.0/8 drop)" "OUTPUT -o lo -j ACCEPT~in chain out_lo (oif \"lo\" accept)"
	expect "IPv6 too" 3.4.2.2 PASS "INPUT -s ::1/128 -j DROP~in chain loopback (ip6 saddr ::1 drop)"
}

echo "== sets and verdict maps"
load sets_vmaps && report && {
	expect "vmap and interval set read" 3.4.1.2 PASS "INPUT -i lo -j ACCEPT~iifname vmap @by_iif" \
		"INPUT -s 127.0.0.0/8 -j DROP~(ip saddr @spoofed4 drop)" "OUTPUT -o lo -j ACCEPT~oif vmap { \"lo\" : accept }"
	expect "IPv6 set" 3.4.2.2 PASS "INPUT -s ::1/128 -j DROP~(ip6 saddr @spoofed6 drop)"
}

echo "== kube-proxy-style tables beside a compliant filter table"
load kube_proxy && report && {
	expect "restricted drops in kube-proxy's chains do not shadow" 3.4.1.2 PASS "INPUT -i lo -j ACCEPT~in inet filter input"
	expect "kube-proxy's policy accept does not undo the deny" 3.4.1.1 PASS \
		"INPUT policy~ip kube-proxy filter-input (filter hook input, priority -110, policy accept)"
}

echo "== restricted loopback accepts"
load restricted_lo && report && {
	expect "port-restricted lo accept does not count, source drop shadows" 3.4.1.2 FAIL \
		"INPUT -i lo -j ACCEPT~(ip saddr 127.0.0.0/8 drop) in inet filter input (filter hook input, priority 0, policy drop) drops loopback-sourced iif lo traffic before the lo accept" \
		"INPUT -i lo -j ACCEPT~(iif \"lo\" tcp dport 22 accept) does not count: it is restricted by tcp dport" \
		"OUTPUT -o lo -j ACCEPT~drops loopback-sourced oif lo traffic before the lo accept"
	expect "IPv6: falls to the policy" 3.4.2.2 FAIL "INPUT -i lo -j ACCEPT~iif lo traffic falls to the policy drop" \
		"INPUT -s ::1/128 -j DROP~no rule at the input hook drops IPv6 traffic"
	expect "forward accepts" 3.4.1.1 FAIL "FORWARD policy~ACCEPT: inet filter forward" "error~FORWARD policy: expected DROP"
}

echo "== an accept of everything before the policy drop"
load accept_all_first && report &&
	expect "policy drop never reached" 3.4.1.1 FAIL \
		"INPUT policy~ACCEPT: ip filter input (filter hook input, priority 0, policy drop), but rule handle 4 (counter accept) accepts every packet first"

echo "== empty ruleset"
load empty && report && {
	expect "nothing filters IPv4" 3.4.1.1 FAIL "INPUT policy~ACCEPT (no nf_tables base chain at the input hook sees IPv4)"
	expect "no loopback rules" 3.4.1.2 FAIL "INPUT -i lo -j ACCEPT~not found: no nf_tables base chain at the input hook sees IPv4"
	expect "nothing filters IPv6" 3.4.2.1 FAIL "OUTPUT policy~ACCEPT (no nf_tables base chain at the output hook sees IPv6)"
}

echo "== netdev ingress on lo with policy drop"
load netdev_lo_drop && report && {
	expect "lo traffic stops at ingress, before the input hook" 3.4.1.2 FAIL \
		"INPUT -i lo -j ACCEPT~netdev guard lo_in (filter hook ingress device lo, priority 0, policy drop): iif lo traffic falls to the policy drop" \
		"OUTPUT -o lo -j ACCEPT~(oif \"lo\" accept) in inet filter output"
	expect "not a default deny of the input hook (lo only)" 3.4.1.1 PASS \
		"INPUT policy~; not counted: netdev guard lo_in (filter hook ingress device lo, priority 0, policy drop): before the IP stack, on its devices only"
}

echo "== a raw prerouting chain with policy drop"
load prerouting_lo_drop && report && {
	expect "lo traffic stops at prerouting, before the input hook" 3.4.1.2 FAIL \
		"INPUT -i lo -j ACCEPT~ip raw pre (filter hook prerouting, priority -300, policy drop): iif lo traffic falls to the policy drop" \
		"OUTPUT -o lo -j ACCEPT~(oif \"lo\" accept) in inet filter output"
	expect "IPv6 does not pass an ip table" 3.4.2.2 PASS "INPUT -i lo -j ACCEPT~(iif \"lo\" accept) in inet filter input"
	expect "prerouting is not the input hook's default deny" 3.4.1.1 PASS \
		"INPUT policy~; not counted: ip raw pre (filter hook prerouting, priority -300, policy drop): prerouting, before the input and forward hooks the benchmark names"
	# what the verdict says holds: loopback traffic does not get through
	if ip netns exec "$ns" python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
c = socket.socket(); c.settimeout(0.5)
try:
    c.connect(s.getsockname()); sys.exit(1)
except OSError:
    sys.exit(0)'; then
		ok "a TCP connection to 127.0.0.1 does not get through the prerouting drop"
	else
		bad "a TCP connection to 127.0.0.1 got through the prerouting drop"
	fi
}

echo "== netdev ingress on lo and another device, egress on lo"
load netdev_ingress && report && {
	expect "ingress accept of lo, egress drops IPv4 lo output" 3.4.1.2 FAIL \
		"INPUT -i lo -j ACCEPT~(iif \"lo\" accept) in netdev edge in (filter hook ingress devices eth9, lo, priority -100, policy drop)" \
		"INPUT -s 127.0.0.0/8 -j DROP~not counted: netdev edge in" \
		"OUTPUT -o lo -j ACCEPT~netdev edge out (filter hook egress device lo, priority 0, policy drop): oif lo traffic falls to the policy drop"
	expect "IPv6 passes egress" 3.4.2.2 FAIL "OUTPUT -o lo -j ACCEPT~(meta protocol ip6 accept) in netdev edge out"
}

echo "== bridge and arp tables only"
load bridge_arp && report && {
	expect "bridged frames and ARP are not IP traffic" 3.4.1.1 FAIL \
		"INPUT policy~ACCEPT (no nf_tables base chain at the input hook sees IPv4); not counted: bridge br input (filter hook input, priority -200, policy drop): bridged frames only" \
		"OUTPUT policy~arp a output (filter hook output, priority 0, policy drop): ARP packets only"
	expect "no loopback rules" 3.4.2.2 FAIL "INPUT -i lo -j ACCEPT~not found"
}

echo "== iptables-nft rules (iptables-restore)"
load iptables_nft && report && {
	expect "iptables-nft policies are nf_tables policies" 3.4.1.1 PASS "INPUT policy~DROP: ip filter INPUT (filter hook input, priority 0, policy drop)"
	expect "iptables-nft loopback rules" 3.4.1.2 PASS "INPUT -i lo -j ACCEPT~(iifname \"lo\" counter accept) in ip filter INPUT" \
		"INPUT -s 127.0.0.0/8 -j DROP~(ip saddr 127.0.0.0/8 counter drop)"
	expect "no ip6tables rules: IPv6 unfiltered" 3.4.2.1 FAIL "INPUT policy~ACCEPT (no nf_tables base chain at the input hook sees IPv6)"
}

echo "== a rule change is seen by the next report"
ip netns exec "$ns" iptables -I INPUT 1 -j DROP
report && expect "inserted drop shadows the lo accept" 3.4.1.2 FAIL "INPUT -i lo -j ACCEPT~(counter drop) in ip filter INPUT"

echo "== the host is untouched"
host_rules >"$work/host.after"
if cmp -s "$work/host.before" "$work/host.after"; then
	ok "host ruleset unchanged"
else
	bad "host ruleset changed" "$(diff "$work/host.before" "$work/host.after")"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
