#!/usr/bin/env bash
# cisreportd without its result cache (--no-cache: every check runs for every
# report), live, in a private network namespace (root): the nf_tables ruleset
# is dumped once and then reused while the kernel's ruleset generation stays
# (core/nft_cache.c): two reports with no change share it (the second asks
# the generation only), a rule added with nft between two reports is in the
# second, under its new generation, and the evidence names the generation
# read. The CLI's one report takes the plain dump, no request more.
set -uo pipefail
# shellcheck source=tests/e2e/lib_nft_daemon.sh
. "$(dirname "$0")/lib_nft_daemon.sh"
nft_daemon_start --no-cache
# the evidence item "source" of check $1: "nf_tables ruleset over netlink
# (generation N) (T tables, R rules)"
source_of() {
	python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))["results"][sys.argv[2]]
print([e["actual"] for e in r["evidence"] if e["item"] == "source"][0])' "$T/r${2:-$N}.json" "$1"
}
# reads_total{result=$1} in /metrics
reads() {
	curl -s --unix-socket "$SOCK" http://localhost/metrics |
		sed -n "s/^cisreport_nft_ruleset_reads_total{result=\"$1\"} //p"
}

report
d1=$(reads dump) u1=$(reads unchanged)
report
d2=$(reads dump) u2=$(reads unchanged)
g1=$(source_of c_policy 1) g2=$(source_of c_policy 2)
[ "$(f c_policy status)" = PASS ] && [ "$(f c_loopback status)" = PASS ] &&
	[ "$(f c_policy status 1)" = PASS ] &&
	ok "compliant ruleset: both PASS in both reports" ||
	bad "first reports" "$(head -c 800 "$T/r$N.json"; tail -3 "$T/log")"
[[ "$g1" =~ ^"nf_tables ruleset over netlink (generation "[0-9]+") " ]] && [ "$g2" = "$g1" ] &&
	ok "the evidence names the generation read: $g1" || bad "source evidence" "$g1 / $g2"
[ -n "$d1" ] && [ "$d1" -ge 1 ] && [ "$d2" = "$d1" ] && [ "$u2" -gt "$u1" ] &&
	ok "no change: the second report reuses the dump (dumps $d1 -> $d2, unchanged $u1 -> $u2)" ||
	bad "reads without a change" "dumps $d1 -> $d2, unchanged $u1 -> $u2"

nft insert rule inet filter input accept
report
d3=$(reads dump)
g3=$(source_of c_policy)
[ "$(f c_policy status)" = FAIL ] && [ "$g3" != "$g1" ] &&
	ok "a rule added with nft is in the next report, under a new generation ($g3)" ||
	bad "rule added" "$(f c_policy status), $g3 (was $g1)"
[ "$d3" -gt "$d2" ] && ok "the new generation was dumped (dumps $d2 -> $d3)" || bad "dumps after the change" "$d2 -> $d3"
report
[ "$(f c_policy status)" = FAIL ] && [ "$(source_of c_policy)" = "$g3" ] && [ "$(reads dump)" = "$d3" ] &&
	ok "and reused while it stays" || bad "reuse after the change" "$(f c_policy status) $(source_of c_policy) dumps $(reads dump)"
nft flush chain inet filter output
report
[ "$(f c_loopback status)" = FAIL ] && ok "output chain flushed: loopback FAILs at once" ||
	bad "flush" "$(f c_loopback status) $(source_of c_loopback)"
kill "$DPID"; wait "$DPID"; DPID=

# the CLI: one report, the plain dump (GETGEN, tables, chains, sets, rules,
# GETGEN for this ruleset), not a request more for the cache
if command -v strace >/dev/null && ! grep -q libasan <<<"$(ldd "$BUILD_DIR/cisreport")"; then
	strace -f -qq -e trace=sendto -o "$T/cli.strace" "$BUILD_DIR/cisreport" -c "$T/profiles" -l 1 -f json \
		>"$T/cli.json" 2>"$T/cli.err"
	sends=$(grep -c 'nl_pid=0' "$T/cli.strace")
	[ "$sends" -eq 6 ] && ok "the CLI's report sends the dump's 6 netlink requests" ||
		bad "CLI netlink requests: $sends, want 6" "$(head -20 "$T/cli.strace")"
else
	echo "skip CLI request count: no strace, or a sanitizer build"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
