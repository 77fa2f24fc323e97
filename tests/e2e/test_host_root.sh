#!/usr/bin/env bash
# --host-root DIR: this machine's root filesystem mounted at DIR, as a
# Kubernetes pod sees it through a read-only hostPath mount of "/". In a
# private mount namespace (unshare -m), / is bind-mounted read-only with its
# submounts (/proc, /sys: what the kubelet's rbind gives a pod) at a temporary
# directory; then every report read through --host-root must be the live
# report, check by check (status and reason), except the one check that is
# about the agent's own OpenSSL (SKIP: in a container it is the image's). The
# daemon with --host-root runs the eBPF observer (the kernel is the live one)
# and serves the same results. Needs root (mounts, the observer).
set -uo pipefail

BUILD_DIR=${BUILD_DIR:?run through ctest, or set BUILD_DIR}
SOURCE_DIR=${SOURCE_DIR:?run through ctest, or set SOURCE_DIR}
CLI=${CISREPORT:-$BUILD_DIR/cisreport}
DAEMON=$BUILD_DIR/cisreportd
PROFILES=$SOURCE_DIR/profiles

if [ "$(id -u)" -ne 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
	echo "ok - --host-root # SKIP needs root and unshare -m"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

T=$(mktemp -d /tmp/cisreport-hostroot.XXXXXX)
trap 'rm -rf "$T"' EXIT

# Everything runs inside one private mount namespace: the mounts vanish with
# it, whatever happens.
unshare -m --propagation private bash -s "$T" "$CLI" "$DAEMON" "$PROFILES" "$SOURCE_DIR" <<'EOF'
set -uo pipefail
T=$1 CLI=$2 DAEMON=$3 PROFILES=$4 SOURCE_DIR=$5
# shellcheck source=tests/e2e/lib_tap.sh
. "$SOURCE_DIR/tests/e2e/lib_tap.sh"
DPID=
trap '[ -n "$DPID" ] && kill "$DPID" 2>/dev/null; wait 2>/dev/null; umount -R "$T/host" 2>/dev/null' EXIT

mkdir "$T/host"
mount --rbind / "$T/host" && mount -o remount,bind,ro "$T/host" || { bad "read-only rbind of / at $T/host"; echo "$passed passed, $failed failed"; exit 1; }
ok "/ mounted read-only with its submounts at $T/host (what a pod's hostPath / gives)"

# compare LIVE MOUNTED DESC: same checks, same status and reason, but for
# the agent's OpenSSL, which must SKIP saying why.
compare() {
	python3 - "$1" "$2" "$T/host" <<'PY'
import json, re, sys
live, mounted = (json.load(open(p)) for p in sys.argv[1:3])
host = sys.argv[3]
OPENSSL_CHECK = "fips02000000"  # kind openssl_fips (profiles/level1/fips-agent.json)
a, b = live["results"], mounted["results"]
if set(a) != set(b):
    sys.exit(f"checks differ: {sorted(set(a) ^ set(b))}")
diff = []
for name in sorted(a):
    x, y = a[name], b[name]
    if name == OPENSSL_CHECK:
        if y["status"] != "SKIP" or "container" not in y.get("error", ""):
            diff.append(f"{name}: the agent's OpenSSL: {y['status']} {y.get('error')}")
        continue
    # A reason may name the root it read under; nothing else may differ.
    # So may the processes running at either moment.
    ex = re.sub(r"among \d+ processes", "among N processes", x.get("error", ""))
    ey = re.sub(r"among \d+ processes", "among N processes", y.get("error", "").replace(host, ""))
    if x["status"] != y["status"] or ex != ey:
        diff.append(f"{name}: live {x['status']} {x.get('error', '')!r} / host-root {y['status']} {y.get('error', '')!r}")
if diff:
    sys.exit("\n".join(diff))
print(f"{len(a)} checks: " + ", ".join(f"{s} {sum(1 for r in a.values() if r['status'] == s)}" for s in ("PASS", "FAIL", "SKIP")))
PY
}

for t in bottlerocket kubernetes fips fips-agent; do
	lvl=2
	"$CLI" -c "$PROFILES" -t "$t" -l "$lvl" -f json >"$T/live-$t.json" 2>"$T/err"
	"$CLI" -c "$PROFILES" -t "$t" -l "$lvl" -f json --host-root "$T/host" >"$T/mounted-$t.json" 2>>"$T/err"
	if out=$(compare "$T/live-$t.json" "$T/mounted-$t.json" 2>&1); then
		ok "cisreport -t $t --host-root: the live report, check by check"
		sed 's/^/    # /' <<<"$out"
	else
		bad "cisreport -t $t --host-root: the live report, check by check" "$out"
	fi
done
fips=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join(k + " " + v["status"] + ": " + v.get("error", "") for k, v in r.items() if "container" in v.get("error", "")))' "$T/mounted-fips-agent.json")
[ -n "$fips" ] && ok "  ... the agent's OpenSSL SKIPs in a container, saying why" && echo "    # $fips" ||
	bad "  ... the agent's OpenSSL SKIPs in a container" "$(cat "$T/mounted-fips-agent.json")"

out=$("$CLI" -c "$PROFILES" --root "$T/host" --host-root "$T/host" 2>&1)
rc=$?
[ "$rc" -eq 1 ] && grep -q "one root" <<<"$out" && ok "--root with --host-root -> exit 1" || bad "--root with --host-root" "$rc $out"
out=$("$CLI" -c "$PROFILES" --host-root "$T/no-such-dir" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && grep -q -- "--host-root $T/no-such-dir" <<<"$out" && ok "--host-root of a missing directory: an error naming it" || bad "--host-root missing dir" "$rc $out"

# The daemon: observer on (the kernel is the live one), same static results.
"$DAEMON" -s "$T/api.sock" -d "$T/state" -c "$PROFILES" --host-root "$T/host" \
	--metrics-listen 127.0.0.1:0 2>"$T/daemon.log" &
DPID=$!
for _ in $(seq 200); do
	[ -S "$T/api.sock" ] && curl -sf --unix-socket "$T/api.sock" http://localhost/report >/dev/null && break
	sleep 0.05
done
port=$(sed -n 's|.*metrics listener on http://127\.0\.0\.1:\([0-9]*\)/metrics.*|\1|p' "$T/daemon.log")
curl -s --unix-socket "$T/api.sock" "http://localhost/report/cis?level=2&format=json" >"$T/daemon.json"
python3 - "$T/daemon.json" "$T/static.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
# The runtime checks (rt_*) depend on what the host did since the observer started.
d["results"] = {k: v for k, v in d["results"].items() if not k.startswith("rt_")}
json.dump(d, open(sys.argv[2], "w"))
PY
if out=$(compare "$T/live-bottlerocket.json" "$T/static.json" 2>&1); then
	ok "cisreportd --host-root: GET /report/cis is the live report (static checks)"
else
	bad "cisreportd --host-root: GET /report/cis" "$out"
fi
if grep -q "runtime observer running since" "$T/daemon.log"; then
	ok "cisreportd --host-root runs the eBPF observer"
	curl -s --unix-socket "$T/api.sock" "http://localhost/report/runtime?level=2&format=json" >"$T/runtime.json"
	rt=$(python3 -c 'import json,sys; print(sum(1 for k in json.load(open(sys.argv[1]))["results"] if k.startswith("rt_")))' "$T/runtime.json" 2>&1)
	[ "$rt" -gt 0 ] 2>/dev/null && ok "  ... and GET /report/runtime has the runtime checks ($rt)" || bad "  ... runtime checks in GET /report/runtime" "$rt $(head -c 300 "$T/runtime.json")"
	metrics=$(curl -s "http://127.0.0.1:$port/metrics")
	grep -q '^cisreport_observer_up{state="running",reason=""} 1' <<<"$metrics" &&
		ok "  ... /metrics over --metrics-listen: cisreport_observer_up running" ||
		bad "  ... observer_up in /metrics" "$(grep observer_up <<<"$metrics")"
elif grep -q "runtime observer unavailable" "$T/daemon.log"; then
	echo "ok - cisreportd --host-root observer # SKIP $(grep -m1 'observer unavailable' "$T/daemon.log")"
else
	bad "cisreportd --host-root: the observer" "$(cat "$T/daemon.log")"
fi
kill "$DPID"
wait "$DPID"
[ $? -eq 0 ] && ok "cisreportd --host-root stops cleanly (SIGTERM -> 0)" || bad "SIGTERM exit status"
DPID=
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
EOF
