#!/usr/bin/env bash
# cisreportd's cache on the live kernel, in private network and mount
# namespaces (root, BPF): a sysctl written in the daemon's netns is in the
# very next report (the observer's sysctl-write event, drained before the
# answer), and its drift event names the writer; a mount over securityfs
# and its removal are in the very next report (POLLPRI on mountinfo), with
# the time-to-live set to 10 minutes so nothing else can explain it.
set -uo pipefail
BUILD_DIR=${BUILD_DIR:?run through ctest, or set BUILD_DIR}
if [ "$(id -u)" != 0 ] || ! unshare -n -m true 2>/dev/null; then
	echo "1..0 # SKIP needs root and namespaces"
	exit 0
fi
if [ "${INSIDE_NS:-}" != 1 ]; then
	exec env INSIDE_NS=1 unshare -n -m --propagation private bash "$0" "$@"
fi
T=$(mktemp -d /tmp/cisreport-continuous-live.XXXXXX)
SOCK=$T/api.sock
DPID=
# shellcheck source=tests/e2e/lib_tap.sh
. "$(dirname "$0")/lib_tap.sh"
trap 'tap_cleanup DPID' EXIT
mkdir -p "$T/profiles/level1" "$T/state"
echo '{"observer": true}' >"$T/state/settings.json"
cat >"$T/profiles/level1/b.json" <<'JSON'
{"format_version": 1,
 "benchmark": {"type": "bottlerocket", "report": "cis", "name": "live", "version": "1", "url": "https://example.invalid/"},
 "checks": [
  {"name": "c_forward", "id": "1", "title": "forwarding", "mode": "Automatic", "remediation": "-",
   "kind": "sysctl", "params": {"keys": {"net.ipv4.ip_forward": "0"}}},
  {"name": "c_manual", "id": "3", "title": "manual", "mode": "Manual", "kind": "manual"},
  {"name": "rt_userns", "id": "R1", "title": "user namespaces observed", "mode": "Automatic", "remediation": "-",
   "kind": "runtime", "params": {"class": "user_namespace", "backs": ["1"], "samples": 16}}
 ]}
JSON
# The mount table, observer off: lockdown reads securityfs, which the check
# mounts itself when it is missing (as root); a tmpfs mounted over it with a
# "lockdown" file saying none is a mount-table change that flips the verdict.
mount_table_test() {
	local d=$T/mnt sock=$T/mnt/api.sock pid
	mkdir -p "$d/profiles/level1" "$d/state"
	echo '{"observer": false}' >"$d/state/settings.json"
	cat >"$d/profiles/level1/b.json" <<'JSON'
{"format_version": 1,
 "benchmark": {"type": "bottlerocket", "report": "cis", "name": "live", "version": "1", "url": "https://example.invalid/"},
 "checks": [
  {"name": "c_lockdown", "id": "1", "title": "lockdown", "mode": "Automatic", "remediation": "-",
   "kind": "lockdown", "params": {"accept": ["integrity", "confidentiality"]}}
 ]}
JSON
	"$BUILD_DIR/cisreportd" -s "$sock" -d "$d/state" -c "$d/profiles" --ttl 600000 2>"$d/log" &
	pid=$!
	for _ in $(seq 100); do curl -sf --unix-socket "$sock" http://localhost/report >/dev/null && break; sleep 0.05; done
	mreport() { curl -s --unix-socket "$sock" "http://localhost/report/cis?format=json" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["results"]["c_lockdown"]; print(r["status"], r["evaluated_at"])'; }
	local first second third
	first=$(mreport)
	[ -n "$first" ] || cat "$d/log"
	mreport >/dev/null
	if [ "${first%% *}" = SKIP ]; then
		echo "ok - mount table # SKIP lockdown cannot be read here: $first"
		kill "$pid"; wait "$pid"
		return
	fi
	local sec=/sys/kernel/security
	# Filled first, then bound in one step: the daemon's background
	# re-evaluation may run between any two steps.
	mkdir -p "$d/fake"
	mount -t tmpfs -o size=64k cisreport-test "$d/fake" &&
		echo "[none] integrity confidentiality" >"$d/fake/lockdown" &&
		mount --bind "$d/fake" "$sec"
	second=$(mreport)
	umount "$sec"
	third=$(mreport)
	umount "$d/fake"
	[ "${second%% *}" = FAIL ] && [ "${second#* }" != "${first#* }" ] &&
		ok "mount over securityfs: the next report re-ran lockdown and FAILs (mode none), TTL 10 min" ||
		bad "mount read-your-writes" "before: $first / after mount: $second"
	[ "${third%% *}" = "${first%% *}" ] && [ "${third#* }" != "${second#* }" ] &&
		ok "umount: the next report is back to ${first%% *}" ||
		bad "umount read-your-writes" "before: $first / after mount: $second / after umount: $third"
	kill "$pid"; wait "$pid"
}
mount_table_test

echo 0 >/proc/sys/net/ipv4/ip_forward
"$BUILD_DIR/cisreportd" -s "$SOCK" -d "$T/state" -c "$T/profiles" 2>"$T/log" &
DPID=$!
for _ in $(seq 100); do curl -sf --unix-socket "$SOCK" http://localhost/report >/dev/null && break; sleep 0.05; done
N=0
report() { N=$((N + 1)); curl -s --unix-socket "$SOCK" -o "$T/r$N.json" "http://localhost/report/cis?format=json"; }
f() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][sys.argv[2]][sys.argv[3]])' "$T/r${4:-$N}.json" "$1" "$2"; }
curl -s --unix-socket "$SOCK" http://localhost/metrics >"$T/metrics"
if ! grep -q '^cisreport_observer_up{state="running"' "$T/metrics"; then
	echo "1..0 # SKIP the observer does not run here: $(grep observer_up "$T/metrics" | tail -1; tail -3 "$T/log")"
	exit 0
fi
report
report
[ "$(f c_forward status)" = PASS ] && [ "$(f c_forward evaluated_at)" = "$(f c_forward evaluated_at 1)" ] &&
	ok "netns: ip_forward 0 PASS, kept between reports" || bad "first reports" "$(head -c 600 "$T/r$N.json")"
echo 1 >/proc/sys/net/ipv4/ip_forward
report
[ "$(f c_forward status)" = FAIL ] && ok "sysctl written in the netns: the next report has FAIL (read-your-writes)" ||
	bad "sysctl read-your-writes" "$(f c_forward status) at $(f c_forward evaluated_at)"
curl -s --unix-socket "$SOCK" "http://localhost/events?since=0" >"$T/ev.json"
python3 - "$T/ev.json" <<'PY' && ok "drift event names the sysctl and the writer (observer: pid, comm, uid)" || bad "drift cause" "$(cat "$T/ev.json")"
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["events"] if e["check"] == "c_forward"]
assert ev and ev[-1]["to"] == "FAIL", ev
c = ev[-1]["cause"]
assert "net.ipv4.ip_forward" in c.replace("/", ".") or "ip_forward" in c, c
assert "observer" in c and "pid" in c and "comm" in c and "uid" in c, c
PY

# The runtime checks with the observer on: cached while the observer sees
# nothing new of their class (same bytes, same ETag, a cache hit), re-run
# by the very next request after an event of it (here a user namespace).
# Other work on the host may make user namespaces too: a pair of reports is
# retried until nothing came between them, and the event made here is
# looked for by time and pid, not by count alone.
hits() { curl -s --unix-socket "$SOCK" http://localhost/metrics | sed -n 's/^cisreport_cache_requests_total{result="hit"} //p'; }
etag() { tr -d '\r' <"$T/r$1.h" | sed -n 's/^ETag: //Ip'; }
creport() { N=$((N + 1)); curl -s --unix-socket "$SOCK" -D "$T/r$N.h" -o "$T/r$N.json" "http://localhost/report/cis?format=json"; }
same=
for _ in 1 2 3 4 5; do
	creport; a=$N; h0=$(hits)
	creport; h1=$(hits)
	if [ -n "$(etag $a)" ] && [ "$(etag $a)" = "$(etag $N)" ] && cmp -s "$T/r$a.json" "$T/r$N.json" &&
		[ "$h1" -gt "$h0" ]; then
		same=1
		break
	fi
done
[ -n "$same" ] && ok "observer on: the second report with observed data is a cache hit, same bytes and ETag" ||
	bad "observer on, no cache hit" "hits $h0 -> $h1, ETag $(etag $a) / $(etag $N)"
obs() { python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["results"]["c_forward"]["observed"][0]; print(o["status"], o["count"], o.get("last", "-"))' "$T/r$N.json"; }
before=$(obs)
t0=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
unshare -U true &
upid=$!
wait "$upid"
creport
after=$(obs)
python3 - "$before" "$after" "$t0" <<'PY' && ok "user namespace made: the very next report's observed count and last event have it (FAIL)" || bad "observer read-your-writes" "before: $before / after: $after / made at $t0"
import sys
b, a, t0 = sys.argv[1].split(), sys.argv[2].split(), sys.argv[3]
assert a[0] == "FAIL", a
assert int(a[1]) > int(b[1]), (b, a)
assert a[2] != "-" and a[2] >= t0, (a, t0)  # same RFC 3339 form, nanoseconds: compares as text
PY
curl -s --unix-socket "$SOCK" "http://localhost/report/runtime?format=json" >"$T/rt.json"
python3 - "$T/rt.json" "$upid" <<'PY' && ok "the runtime report has the event: pid of the unshare among the samples (or 16 earlier ones)" || bad "runtime report" "$(head -c 1500 "$T/rt.json")"
import json, sys
r = json.load(open(sys.argv[1]))["results"]["rt_userns"]
o = r["observation"]
pids = [s["pid"] for s in o["samples"]]
assert r["status"] == "FAIL", r["status"]
assert int(sys.argv[2]) in pids or len(pids) == 16, (sys.argv[2], pids)
PY
curl -s --unix-socket "$SOCK" "http://localhost/events?since=0" >"$T/ev.json"
python3 - "$T/ev.json" <<'PY' && ok "drift event of the runtime check names the observer class" || bad "runtime drift" "$(cat "$T/ev.json")"
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["events"] if e["check"] == "rt_userns"]
# PASS -> FAIL here, unless the host had made a user namespace before the first report
assert not ev or ("observer user_namespace" in ev[-1]["cause"] and ev[-1]["to"] == "FAIL"), ev
PY
kill "$DPID"; wait "$DPID"; DPID=
echo 0 >/proc/sys/net/ipv4/ip_forward
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
