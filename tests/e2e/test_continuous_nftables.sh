#!/usr/bin/env bash
# cisreportd's cache and the nf_tables ruleset, live, in a private network
# namespace (root): the firewall is a watched input (netlink NFNLGRP_NFTABLES),
# so a rule added with nft is in the very next report (read-your-writes) and
# its drift event names the netlink notification, with every time-to-live
# (--ttl 10 minutes, --command-max-age 1 minute, its maximum) so nothing else can explain it.
# Without a change the firewall checks are served from the cache.
set -uo pipefail
# shellcheck source=tests/e2e/lib_nft_daemon.sh
. "$(dirname "$0")/lib_nft_daemon.sh"
nft_daemon_start --ttl 600000 --command-max-age 60000
report
report
[ "$(f c_policy status)" = PASS ] && [ "$(f c_loopback status)" = PASS ] &&
	[ "$(f c_policy evaluated_at)" = "$(f c_policy evaluated_at 1)" ] &&
	ok "compliant ruleset: both PASS, served from the cache between reports" ||
	bad "first reports" "$(head -c 800 "$T/r$N.json"; tail -3 "$T/log")"
if grep -q "NFNLGRP_NFTABLES" "$T/log"; then
	bad "the daemon could not subscribe" "$(grep NFNLGRP "$T/log")"
fi
nft insert rule inet filter input position 0 accept 2>/dev/null || nft insert rule inet filter input accept
report
[ "$(f c_policy status)" = FAIL ] && ok "rule inserted with nft: the next report FAILs default deny (read-your-writes, TTLs 1-10 min)" ||
	bad "nft read-your-writes" "$(f c_policy status) at $(f c_policy evaluated_at); $(tail -3 "$T/log")"
handle=$(nft -a list chain inet filter input | awk '/^\t\taccept # handle/ {print $NF; exit}')
nft delete rule inet filter input handle "$handle"
report
[ "$(f c_policy status)" = PASS ] && ok "rule deleted: the next report PASSes again" ||
	bad "nft delete read-your-writes" "$(f c_policy status)"
nft flush chain inet filter output
report
[ "$(f c_loopback status)" = FAIL ] && ok "output chain flushed: loopback FAILs at once" ||
	bad "flush read-your-writes" "$(f c_loopback status)"
curl -s --unix-socket "$SOCK" "http://localhost/events?since=0" >"$T/ev.json"
python3 - "$T/ev.json" <<'PY' && ok "drift events name the netlink notification" || bad "drift cause" "$(cat "$T/ev.json")"
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
pol = [e for e in ev if e["check"] == "c_policy"]
assert [e["to"] for e in pol][:2] == ["FAIL", "PASS"], pol
assert all("firewall nf_tables ruleset (netlink:" in e["cause"] for e in pol), pol
lo = [e for e in ev if e["check"] == "c_loopback"]
assert lo and lo[-1]["to"] == "FAIL" and "netlink" in lo[-1]["cause"], lo
PY
curl -s --unix-socket "$SOCK" http://localhost/metrics >"$T/metrics"
kill "$DPID"; wait "$DPID"; DPID=
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
