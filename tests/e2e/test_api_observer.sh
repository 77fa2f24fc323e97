#!/usr/bin/env bash
# cisreportd with the runtime observer, end to end on the live host (root):
# the observer starts with the daemon; a user namespace created by uid 65534
# shows in the served report (rt.user_namespace FAIL naming pid, comm and
# uid, "since" the observer's start; the "observed" entry of 1.4.4) and in
# /metrics; PATCH /settings and SIGHUP switch it off (runtime checks leave
# the reports, the eBPF programs are detached, metrics say off) and on again
# (a new observer, a later start); reports and scrapes keep being answered
# while it is switched; a daemon that cannot load it (run as uid 65534)
# logs why once and serves reports whose runtime checks SKIP with that reason.
set -uo pipefail

BUILD_DIR=${BUILD_DIR:?run through ctest, or set BUILD_DIR}
SOURCE_DIR=${SOURCE_DIR:?run through ctest, or set SOURCE_DIR}
DAEMON=$BUILD_DIR/cisreportd
TOOL=(python3 "$SOURCE_DIR/tests/e2e/api_tool.py")

if [ "$(id -u)" != 0 ]; then
	echo "not root: the live observer tests of cisreportd are skipped"
	exit 0
fi

T=$(mktemp -d /tmp/cisreport-api-observer.XXXXXX)
chmod 755 "$T"
PROFILES=$T/profiles
cp -r "$SOURCE_DIR/profiles" "$PROFILES"
chmod -R a+rX "$PROFILES"
SOCK=$T/run/api.sock
STATE=$T/state
LOG=$T/daemon.log
DPID=

# shellcheck source=tests/e2e/lib_tap.sh
. "$(dirname "$0")/lib_tap.sh"
trap 'tap_cleanup DPID' EXIT

wait_socket() {
	for _ in $(seq 300); do
		if [ -S "$SOCK" ] && curl -sf --unix-socket "$SOCK" http://localhost/report >/dev/null; then
			return 0
		fi
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	echo "daemon did not come up; log:" >&2
	tail -20 "$LOG" >&2
	return 1
}
# start_daemon [PREFIX...]: the daemon on the live host, run through PREFIX.
start_daemon() {
	: >"$LOG"
	"$@" "$DAEMON" -s "$SOCK" -d "$STATE" -c "$PROFILES" 2>>"$LOG" &
	DPID=$!
	wait_socket
}
stop_daemon() {
	kill -TERM "$DPID"
	wait "$DPID"
	local rc=$?
	DPID=
	return $rc
}
hup() {
	local before
	before=$(grep -c '^cisreportd: settings ' "$LOG")
	kill -HUP "$DPID"
	for _ in $(seq 200); do
		[ "$(grep -c '^cisreportd: settings ' "$LOG")" -gt "$before" ] && return 0
		sleep 0.05
	done
	echo "reload did not finish" >&2
	return 1
}
get() { curl -s --unix-socket "$SOCK" -o "$T/body" -w '%{http_code}' "http://localhost$1"; }
patch() {
	curl -s --unix-socket "$SOCK" -X PATCH --data-binary "$1" -o "$T/body" -w '%{http_code}' \
		http://localhost/settings
}
# The daemon holds a BPF link on the sys_exit tracepoint while observing.
attached() { grep -qs 'tp_name:.sys_exit' /proc/"$DPID"/fdinfo/*; }
metric() { awk -v m="$1" '$1 == m {print $2}' "$T/metrics"; }

# How many runtime checks a level-2 runtime report has, and how many of them back an item
# (they show as the "observed" of the CIS report's items).
RUNTIME=$(python3 -c '
import json, sys, glob
print(sum(c["kind"] == "runtime" for f in glob.glob(sys.argv[1] + "/level[12]/bottlerocket*.json")
          for c in json.load(open(f))["checks"]))' "$PROFILES")
BACKING=$(python3 -c '
import json, sys, glob
print(sum(c["kind"] == "runtime" and bool(c["params"]["backs"]) for f in glob.glob(sys.argv[1] + "/level[12]/bottlerocket*.json")
          for c in json.load(open(f))["checks"]))' "$PROFILES")

echo "# cisreportd with the observer in $T ($RUNTIME runtime checks at level 2)"

# ---- built without the observer: the runtime checks SKIP with the reason ----
if ! "$DAEMON" --version | grep -q '+ebpf-observer'; then
	start_daemon || { bad "daemon starts"; exit 1; }
	get '/report/cis?level=2&format=json' >/dev/null
	python3 - "$T/body" "$RUNTIME" <<'EOF' && ok "built without the observer: runtime checks SKIP with the reason" || bad "no-BPF build"
import json, sys
d = json.load(open(sys.argv[1]))
rts = [r for r in d["results"].values() if r["kind"] == "runtime"]
assert len(rts) == int(sys.argv[2]), len(rts)
for r in rts:
    assert r["status"] == "SKIP" and r["error"].startswith("built without the eBPF observer: "), r
EOF
	stop_daemon
	echo "$passed passed, $failed failed"
	[ $failed -eq 0 ]
	exit
fi

# ---- start-up: the observer runs from the start --------------------------
start_daemon || { bad "daemon starts"; echo "$passed passed, $failed failed"; exit 1; }
SINCE=$(sed -n 's/^cisreportd: runtime observer running since \(.*\)$/\1/p' "$LOG")
[ -n "$SINCE" ] && [ "$(grep -c 'runtime observer' "$LOG")" = 1 ] &&
	ok "the observer starts with the daemon (running since $SINCE)" || bad "observer at start-up" "$(cat "$LOG")"
attached && ok "the daemon holds the sys_exit tracepoint link" || bad "no sys_exit link in the daemon"

# ---- a forbidden thing shows in the report ---------------------------------
setpriv --reuid 65534 --regid 65534 --clear-groups sh -c 'echo $$; exec unshare -U true' >"$T/pid"
code=$(get '/report/cis?level=2&format=json')
cp "$T/body" "$T/report1.json"
get '/report/runtime?level=2&format=json' >/dev/null
cp "$T/body" "$T/runtime1.json"
python3 - "$T/runtime1.json" "$(cat "$T/pid")" "$SINCE" "$RUNTIME" "$T/report1.json" <<'EOF' && ok "rt.user_namespace FAILs naming the pid, comm unshare and uid 65534, since the observer's start (GET /report/runtime); 1.4.4 has its observed entry, the CIS report only its items" || bad "report with the observer ($code)"
import json, sys
d = json.load(open(sys.argv[1]))
pid, since, runtime = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
cis = json.load(open(sys.argv[5]))
assert d["type"] == "runtime", d["type"]
res = d["results"]
rts = [r for r in res.values() if r["kind"] == "runtime"]
assert len(rts) == runtime == len(res), f"{len(rts)} runtime checks, want {runtime}"
assert d["total"] == len(res) and d["passed"] + d["failed"] + d["skipped"] == d["total"]
rt = res["rt_user_namespace"]
assert rt["id"] == "rt.user_namespace" and rt["status"] == "FAIL", rt
obs = rt["observation"]
assert obs["since"] == since, (obs["since"], since)
assert f"observed since {since} (" in rt["error"], rt["error"]
assert obs["count"] >= 1, obs
mine = [s for s in obs["samples"] if s["pid"] == pid]
if mine:
    s = mine[0]
    assert s["comm"] == "unshare" and s["uid"] == 65534 and s["op"] == "unshare", s
    assert "CLONE_NEWUSER" in s["flags"], s
    who = f"pid {pid} (unshare, parent {s['pcomm']}) uid 65534: unshare(CLONE_NEWUSER) = 0"
    lines = [e["actual"] for e in rt["evidence"]]
    if obs["samples"].index(s) < 5:
        assert any(who in l for l in lines), (who, lines)
    if obs["samples"][0] is s:
        assert rt["error"].endswith("; first: " + who), rt["error"]
else:
    # other work on the host filled the samples first: the count says so
    assert obs["count"] > len(obs["samples"]), obs
    print("    # samples full of other events; count", obs["count"])
# the CIS report: the benchmark's items only, the runtime result as "observed"
assert not [r for r in cis["results"].values() if r["kind"] == "runtime"]
assert cis["total"] == len(cis["results"]) == 28, cis["total"]
links = {o["check"]: o for o in cis["results"]["br01040400"]["observed"]}
assert links["rt_user_namespace"]["status"] == "FAIL", links
assert links["rt_user_namespace"]["count"] >= 1, links
assert links["rt_user_namespace"]["id"] == "rt.user_namespace", links
EOF
get '/report/cis?level=2' >/dev/null
cp "$T/body" "$T/report1.txt"
! grep -Eq 'observed:|^\[[A-Z]+\] rt\.' "$T/report1.txt" && grep -q '^Total checks:    28$' "$T/report1.txt" &&
	ok "text CIS report with the observer: bloodhound's layout (no runtime lines, no observed lines, 28 checks)" ||
	bad "text report with the observer" "$(cat "$T/report1.txt")"
get '/report/runtime?level=2' >/dev/null
grep -Eq "^\[FAIL\] rt.user_namespace Ensure no user namespace creation is observed \(Automatic\)$" "$T/body" &&
	ok "text runtime report: rt.user_namespace FAIL" || bad "text runtime report" "$(cat "$T/body")"

# ---- the daemon's CIS reports equal the CLI's (timestamps aside) -------------
# With the observer running, /report/cis at both levels and in both formats holds what
# "cisreport -l N -f F" writes on this host: the benchmark's items, the same statuses,
# counts and lines; the JSON may add "observed" (and the daemon's as_of/evaluated_at).
for level in 1 2; do
	for format in json text; do
		get "/report/cis?level=$level&format=$format&fresh=true" >/dev/null
		cp "$T/body" "$T/d-$level.$format"
		"$BUILD_DIR/cisreport" -c "$PROFILES" -l "$level" -f "$format" >"$T/c-$level.$format" 2>/dev/null
		if python3 - "$T/d-$level.$format" "$T/c-$level.$format" "$format" <<'EOF'; then ok "GET /report/cis?level=$level&format=$format equals cisreport -l $level -f $format (timestamps aside)"; else bad "daemon and CLI differ at level $level, $format"; fi
import json, re, sys
d, c, fmt = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
if fmt == "text":
    mask = lambda t: re.sub(r"(?m)^Start time:      .*$", "Start time: T", t)
    ok = mask(d) == mask(c)
    if not ok:
        import difflib
        print("\n".join(difflib.unified_diff(mask(c).split("\n"), mask(d).split("\n"), "cli", "daemon", lineterm=""))[:3000])
    sys.exit(0 if ok else 1)
d, c = json.loads(d), json.loads(c)
for doc in (d, c):
    # the daemon's additions: as_of, and watch_degraded (here: no system bus, units on their TTL)
    for k in ("timestamp", "as_of", "watch_degraded"):
        doc.pop(k, None)
    for r in doc["results"].values():
        for k in ("observed", "evaluated_at"):
            r.pop(k, None)
# the live host's process table moves between the two runs (chrony's message counts it)
live = lambda doc: json.loads(re.sub(r"among [0-9]+ processes", "among N processes", json.dumps(doc)))
d, c = live(d), live(c)
ok = d == c
if not ok:
    for n in sorted(set(d["results"]) | set(c["results"])):
        if d["results"].get(n) != c["results"].get(n):
            print("   ", n, "daemon", d["results"].get(n), "cli", c["results"].get(n))
    print("    top", {k: (d.get(k), c.get(k)) for k in d if k != "results" and d.get(k) != c.get(k)})
sys.exit(0 if ok else 1)
EOF
	done
done
get '/report/runtime?format=json' >/dev/null
python3 - "$T/body" <<'EOF' && ok "level 1 (the default) has the level-1 runtime checks" || bad "level 1 runtime checks"
import json, sys
d = json.load(open(sys.argv[1]))
rts = [r for r in d["results"].values() if r["kind"] == "runtime"]
assert rts and all(r["level"] == 1 for r in rts), rts
assert "rt_user_namespace" not in d["results"]
EOF

get /metrics >/dev/null
cp "$T/body" "$T/metrics"
n=$(metric 'cisreport_observed_events_total{class="user_namespace"}')
START1=$(metric cisreport_observer_start_time_seconds)
[ -n "$n" ] && [ "$n" -ge 1 ] && grep -qx 'cisreport_observer_up{state="running",reason=""} 1' "$T/metrics" &&
	grep -qx '# TYPE cisreport_observed_events_total counter' "$T/metrics" &&
	grep -qx 'cisreport_observed_events_lost_total{class="user_namespace"} 0' "$T/metrics" &&
	grep -qx 'cisreport_observer_class_available{class="user_namespace",reason=""} 1' "$T/metrics" &&
	python3 -c 'import sys, datetime as dt
s = sys.argv[2]; t = dt.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc).timestamp()
assert abs(float(sys.argv[1]) - t - float("0." + s[20:23])) < 0.002, (sys.argv[1], s)' "$START1" "$SINCE" &&
	ok "/metrics: observer up, user_namespace events $n, start time $START1, lost 0" ||
	bad "/metrics with the observer" "$(grep -i observ "$T/metrics")"
python3 - "$T/metrics" <<'EOF' && ok "/metrics: valid exposition (HELP and TYPE per family, label escaping, one sample per series)" || bad "metrics format"
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
sample = re.compile(r'(' + name + r')(\{(' + name + r'="([^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+-]+)$')
families, help_seen, series = {}, set(), set()
current = None
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("# HELP "):
        help_seen.add(line.split()[2])
        continue
    if line.startswith("# TYPE "):
        _, _, fam, typ = line.split()
        assert fam not in families, ("family twice", fam)
        assert fam in help_seen, ("TYPE without HELP", fam)
        assert typ in ("gauge", "counter", "histogram"), line
        families[fam] = typ
        current = fam
        continue
    m = sample.match(line)
    assert m, line
    suffixes = ("_bucket", "_sum", "_count") if families[current] == "histogram" else ("",)
    assert m.group(1) in [current + x for x in suffixes], ("sample outside its family", line)
    key = m.group(1) + (m.group(2) or "")
    assert key not in series, ("series twice", line)
    series.add(key)
assert families["cisreport_observed_events_total"] == "counter"
assert families["cisreport_observed_events_lost_total"] == "counter"
assert families["cisreport_observer_up"] == "gauge"
EOF

# ---- switched while reports and scrapes run --------------------------------
out=$("${TOOL[@]}" toggle "$SOCK" --runtime "$BACKING" --clients 8 --toggles 8 2>&1) &&
	ok "PATCH observer off/on 8 times beside 8 readers: every answer 200, reports all-or-none" ||
	bad "switching under load" "$out"
sed 's/^/    # /' <<<"$out"
kill -0 "$DPID" 2>/dev/null && ok "daemon alive after the switching" || bad "daemon died while switching"

# ---- PATCH off: the runtime checks leave, the programs are detached ---------
code=$(patch '{"observer": false}')
[ "$code" = 200 ] && ! attached && grep -q '^cisreportd: runtime observer stopped: switched off in the settings' "$LOG" &&
	ok "PATCH observer false: the eBPF programs are detached, the log says so" || bad "PATCH off" "$code $(tail -3 "$LOG")"
get '/report/cis?level=2&format=json' >/dev/null
python3 - "$T/body" "$T/report1.json" <<'EOF' && ok "observer off: reports have no runtime checks and no observed entries (bloodhound's set)" || bad "report with the observer off"
import json, sys
d, before = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert not [r for r in d["results"].values() if r["kind"] == "runtime"]
assert not [r for r in d["results"].values() if "observed" in r]
static = [n for n, r in before["results"].items() if r["kind"] != "runtime"]
assert sorted(d["results"]) == sorted(static) and d["total"] == len(static)
EOF
get /metrics >/dev/null
cp "$T/body" "$T/metrics"
grep -qx 'cisreport_observer_up{state="off",reason="switched off in the settings (\\"observer\\": false)"} 0' "$T/metrics" &&
	grep -qx 'cisreport_observer_enabled 0' "$T/metrics" && ! grep -q '^cisreport_observed_events_total' "$T/metrics" &&
	! grep -q '^cisreport_observer_start_time_seconds' "$T/metrics" &&
	ok "/metrics with the observer off: up 0, state off with the reason (quotes escaped), no event counters" ||
	bad "metrics off" "$(grep observ "$T/metrics")"

# ---- PATCH on: a new observer, a later start --------------------------------
code=$(patch '{"observer": true}')
get /metrics >/dev/null
cp "$T/body" "$T/metrics"
START2=$(metric cisreport_observer_start_time_seconds)
SINCE2=$(sed -n 's/^cisreportd: runtime observer running since \(.*\)$/\1/p' "$LOG" | tail -1)
[ "$code" = 200 ] && attached && grep -qx 'cisreport_observer_up{state="running",reason=""} 1' "$T/metrics" &&
	python3 -c 'import sys; assert float(sys.argv[2]) > float(sys.argv[1])' "$START1" "$START2" &&
	ok "PATCH observer true: a new observer runs (start $START2, after $START1)" ||
	bad "PATCH on" "$code $START1 $START2 $(grep observ "$T/metrics")"
get '/report/runtime?level=2&format=json' >/dev/null
python3 - "$T/body" "$SINCE2" "$RUNTIME" <<'EOF' && ok "observer on again: runtime checks are back, since the new start" || bad "report after on"
import json, sys
d, since, runtime = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
rts = [r for r in d["results"].values() if r["kind"] == "runtime"]
assert len(rts) == runtime
for r in rts:
    if r["status"] != "SKIP":
        assert r["observation"]["since"] == since, (r["observation"]["since"], since)
EOF

# ---- SIGHUP follows the settings file ---------------------------------------
python3 -c 'import json, sys; p = sys.argv[1]; d = json.load(open(p)); d["observer"] = False; json.dump(d, open(p, "w"))' "$STATE/settings.json"
hup
get /metrics >/dev/null
! attached && grep -q '^cisreport_observer_up{state="off"' "$T/body" && ok "SIGHUP with observer false in the file: off" ||
	bad "SIGHUP off" "$(grep observer_up "$T/body")"
python3 -c 'import json, sys; p = sys.argv[1]; d = json.load(open(p)); d["observer"] = True; json.dump(d, open(p, "w"))' "$STATE/settings.json"
hup
get /metrics >/dev/null
attached && grep -qx 'cisreport_observer_up{state="running",reason=""} 1' "$T/body" && ok "SIGHUP with observer true: running again" ||
	bad "SIGHUP on" "$(grep observer_up "$T/body")"
stop_daemon && ok "SIGTERM: exit 0 with the observer running" || bad "exit with the observer"

# ---- a daemon that cannot load the observer --------------------------------
# uid 65534 has neither CAP_BPF nor CAP_PERFMON: loading fails with EPERM.
rm -rf "$STATE" "$T/run"
mkdir -m 1777 "$T/run" "$T/nobody"
STATE=$T/nobody/state
start_daemon setpriv --reuid 65534 --regid 65534 --clear-groups || { bad "daemon as uid 65534 starts"; exit 1; }
[ "$(stat -c %u "$SOCK")" = 65534 ] && ok "daemon runs as uid 65534" || bad "daemon uid"
REASON='cannot load the eBPF programs: Operation not permitted (the observer needs root: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)'
get '/report/cis?level=2&format=json' >/dev/null
python3 - "$T/body" "$REASON" "$BACKING" <<'EOF' && ok "unprivileged daemon: reports served, every runtime check SKIPs with the reason (as observed)" || bad "report without privilege"
import json, sys
d, reason, backing = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
rts = {o["check"]: o for r in d["results"].values() for o in r.get("observed", [])}
assert len(rts) == backing, len(rts)
for r in rts.values():
    assert r["status"] == "SKIP" and r["error"] == reason, r
assert not any(r["kind"] == "runtime" for r in d["results"].values())
EOF
code=$(get '/report/runtime?level=2&format=json')
python3 - "$T/body" "$REASON" <<'EOF' && [ "$code" = 500 ] && ok "unprivileged daemon: the runtime report (all SKIP) is 500 \"No checks were able to run\" with the reason, as upstream's all-SKIP" || bad "runtime report without privilege ($code)" "$(cat "$T/body")"
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert e.startswith("Failed to generate report: Warning: No checks were able to run (all 8 checks of report runtime at level 2 SKIPped; first, rt_module_load: "), e
assert sys.argv[2] in e, e
EOF
"$BUILD_DIR/apiclient" -s "$SOCK" report runtime -l 2 >"$T/ac.out" 2>"$T/ac.err"
rc=$?
[ "$rc" = 1 ] && [ ! -s "$T/ac.out" ] &&
	grep -q "^Failed GET request to '/report/runtime?type=bottlerocket&level=2': Status 500 Internal Server Error: Failed to generate report: Warning: No checks were able to run" "$T/ac.err" &&
	ok "apiclient report runtime on an all-SKIP report: exit 1, says no check could run (upstream apiclient on bloodhound's exit 4)" ||
	bad "apiclient all-SKIP: exit $rc" "$(cat "$T/ac.err")"
get /metrics >/dev/null
get /metrics >/dev/null
grep -qxF "cisreport_observer_up{state=\"unavailable\",reason=\"$REASON\"} 0" "$T/body" &&
	! grep -q '^cisreport_observed_events_total' "$T/body" &&
	ok "/metrics: up 0, state unavailable, the reason in the label" || bad "metrics unavailable" "$(grep observ "$T/body")"
[ "$(grep -c "runtime observer unavailable: $REASON; runtime checks SKIP with this reason" "$LOG")" = 1 ] &&
	[ "$(grep -c 'runtime observer' "$LOG")" = 1 ] &&
	ok "the reason is logged once, however many requests" || bad "log of the reason" "$(grep observer "$LOG")"
stop_daemon && ok "unprivileged daemon: exit 0" || bad "unprivileged exit"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
