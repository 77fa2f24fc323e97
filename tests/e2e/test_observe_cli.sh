#!/usr/bin/env bash
# cisreport --observe DURATION, end to end through the real binary: flags,
# a live user-namespace creation by uid 65534 named in the JSON report with
# pid, comm, uid and CIS item, the "observed" line in text, Ctrl-C ending
# the window early, an unprivileged run SKIPping the runtime checks, and a
# run without --observe listing exactly the static checks.
set -euo pipefail
: "${CISREPORT:?}" "${SOURCE_DIR:?}"
work=$(mktemp -d /tmp/cisreport-observe.XXXXXX)
obs_pid=""
cleanup() {
  if [[ -n $obs_pid ]]; then kill -TERM "$obs_pid" 2>/dev/null || true; wait "$obs_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# --- flags (any user) ---
"$CISREPORT" --version | grep -Eq '^features: .*[+-]ebpf-observer' || fail "--version does not say whether the observer is built in"
set +e
"$CISREPORT" --observe soon 2>"$work/err"; rc=$?
set -e
[[ $rc == 1 ]] || fail "--observe soon: exit $rc, want 1"
grep -q "invalid --observe 'soon': use a duration from 100ms to 24h" "$work/err" || fail "bad duration message: $(cat "$work/err")"
set +e
"$CISREPORT" --observe 48h 2>/dev/null; rc=$?
"$CISREPORT" --observe 5s --root /tmp 2>"$work/err"; rc2=$?
set -e
[[ $rc == 1 ]] || fail "--observe 48h: exit $rc, want 1"
[[ $rc2 == 1 ]] || fail "--observe with --root: exit $rc2, want 1"
grep -q "cannot be combined with --root" "$work/err" || fail "--root message: $(cat "$work/err")"

if [[ $(id -u) != 0 ]]; then
  echo "not root: live --observe checks skipped"
  exit 0
fi
if ! "$CISREPORT" --version | grep -q '+ebpf-observer'; then
  # Built without the observer: runtime checks SKIP with the configure reason.
  mkdir -p "$work/p/level1"
  cp "$SOURCE_DIR/profiles/level1/bottlerocket-runtime.json" "$work/p/level1/"
  set +e
  "$CISREPORT" -c "$work/p" --observe 100ms -f json -o "$work/out.json" 2>/dev/null
  set -e
  python3 - "$work/out.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"].values():
    assert r["status"] == "SKIP" and r["error"].startswith("built without the eBPF observer: "), r
EOF
  echo "built without the observer: runtime checks SKIP with the reason"
  exit 0
fi

# The shipped runtime profiles and the shipped sysctl checks they back.
python3 - "$SOURCE_DIR/profiles" "$work/p" <<'EOF'
import json, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
for level in (1, 2):
    os.makedirs(f"{dst}/level{level}")
    shutil.copy(f"{src}/level{level}/bottlerocket-runtime.json", f"{dst}/level{level}/")
    d = json.load(open(f"{src}/level{level}/bottlerocket.json"))
    d["checks"] = [c for c in d["checks"] if c["kind"] == "sysctl"]
    json.dump(d, open(f"{dst}/level{level}/bottlerocket.json", "w"))
EOF

wait_attached() {
  for _ in $(seq 200); do
    grep -qs 'tp_name:.sys_exit' /proc/"$1"/fdinfo/* 2>/dev/null && return 0
    kill -0 "$1" 2>/dev/null || fail "cisreport exited before attaching"
    sleep 0.05
  done
  fail "the observer did not attach within 10 s"
}

# --- a user namespace created by uid 65534: the benchmark's 1.4.4 shows it as
# "observed", and the runtime report (--runtime) names it; the CIS report's results
# and totals stay the benchmark's items ---
static=$(python3 -c 'import json,sys; print(sum(len(json.load(open(f"{sys.argv[1]}/level{l}/bottlerocket.json"))["checks"]) for l in (1, 2)))' "$work/p")
for what in benchmark runtime; do
  extra=()
  [ "$what" = runtime ] && extra=(--runtime)
  "$CISREPORT" -c "$work/p" -l 2 --observe 3s -f json -o "$work/$what.json" "${extra[@]}" &
  obs_pid=$!
  wait_attached "$obs_pid"
  setpriv --reuid 65534 --regid 65534 --clear-groups sh -c 'echo $$; exec unshare -U true' >"$work/pid-$what"
  wait "$obs_pid" || true
  obs_pid=""
done
python3 - "$work/benchmark.json" "$static" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
res = d["results"]
# the static item shows what was observed beside what is configured
links = {o["check"]: o for o in res["br01040400"]["observed"]}
assert links["rt_user_namespace"]["status"] == "FAIL", links
assert links["rt_user_namespace"]["count"] >= 1, links
# runtime checks are not the benchmark's items
assert not any(r["kind"] == "runtime" for r in res.values())
assert d["total"] == len(res) == int(sys.argv[2]), (d["total"], len(res))
assert d["passed"] + d["failed"] + d["skipped"] == d["total"]
EOF
python3 - "$work/runtime.json" "$(cat "$work/pid-runtime")" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
pid = int(sys.argv[2])
res = d["results"]
assert d["type"] == "runtime" and d["name"].endswith(": runtime observation"), d["name"]
rt = res["rt_user_namespace"]
assert rt["status"] == "FAIL", rt
assert rt["kind"] == "runtime" and "1.4.4" in rt["observation"]["backs"], rt
mine = [s for s in rt["observation"]["samples"] if s["pid"] == pid]
if not mine:
    # a busy host may fill the samples before our event: the count says so
    assert rt["observation"]["count"] > len(rt["observation"]["samples"]), rt
    print("samples full of other events; count", rt["observation"]["count"])
else:
    s = mine[0]
    assert s["comm"] == "unshare" and s["uid"] == 65534 and s["op"] == "unshare", s
    assert "CLONE_NEWUSER" in s["flags"], s
# the 8 runtime checks are this report's items, counted
assert sum(1 for r in res.values() if r["kind"] == "runtime") == 8 == len(res)
assert d["total"] == len(res) and d["passed"] + d["failed"] + d["skipped"] == d["total"]
EOF

# --- text: bloodhound's layout (no runtime lines); -v adds the "observed" line
# under the static item; Ctrl-C ends early ---
"$CISREPORT" -c "$work/p" -l 2 --observe 60s -v -o "$work/out.txt" &
obs_pid=$!
wait_attached "$obs_pid"
start=$(date +%s)
kill -INT "$obs_pid"
wait "$obs_pid"
obs_pid=""
(( $(date +%s) - start < 10 )) || fail "SIGINT did not end the observation window"
grep -A3 -E '^\[(PASS|FAIL|SKIP)\] 1\.4\.4 ' "$work/out.txt" |
  grep -Eq '^          observed: \[(PASS|FAIL)\] .*\(rt\.user_namespace\)$' ||
  fail "no observed line for 1.4.4: $(cat "$work/out.txt")"
if grep -Eq '^\[[A-Z]+\] rt\.' "$work/out.txt"; then fail "runtime checks among the benchmark's items"; fi
grep -q "^Total checks:    $static\$" "$work/out.txt" || fail "observed text report, want $static checks"

# --- without --observe: the static checks only, no observed lines ---
"$CISREPORT" -c "$work/p" -l 2 -o "$work/plain.txt" || true
if grep -Eq 'observed:|^\[[A-Z]+\] rt\.' "$work/plain.txt"; then fail "runtime output without --observe"; fi
grep -q "^Total checks:    $static\$" "$work/plain.txt" || fail "plain report, want $static checks: $(tail -6 "$work/plain.txt")"

# --- unprivileged: the observer cannot load; runtime checks SKIP, report still written ---
chmod 755 "$work"
mkdir -m 1777 "$work/shared"
set +e
setpriv --reuid 65534 --regid 65534 --clear-groups "$CISREPORT" -c "$work/p" -l 2 --observe 200ms --runtime -f json -o "$work/shared/nobody.json" 2>"$work/err"
set -e
grep -q 'runtime observation unavailable: cannot load the eBPF programs: Operation not permitted' "$work/err" ||
  fail "no warning for the unprivileged run: $(cat "$work/err")"
python3 - "$work/shared/nobody.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
rts = [r for r in d["results"].values() if r["kind"] == "runtime"]
assert len(rts) == 8
for r in rts:
    assert r["status"] == "SKIP" and "Operation not permitted" in r["error"], r
EOF
echo "ok"
