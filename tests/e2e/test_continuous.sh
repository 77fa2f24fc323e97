#!/usr/bin/env bash
# cisreportd's change-driven cache over a fixture --root tree: a second
# report reuses every result (same evaluated_at, same ETag, 304 on
# If-None-Match); for every input class a change made just before a request
# is in that request's answer (read-your-writes), and only the touched check
# re-runs; ?fresh=true and Cache-Control: no-cache re-run everything; drift
# events in GET /events?since=, the SSE stream (with Last-Event-ID) and the
# log; the background re-evaluation streams a change nobody asked about;
# --max-watchers answers 503 with a JSON body; a waiver's expiry is an event.
set -uo pipefail

BUILD_DIR=${BUILD_DIR:?run through ctest, or set BUILD_DIR}
DAEMON=$BUILD_DIR/cisreportd

T=$(mktemp -d /tmp/cisreport-continuous.XXXXXX)
R=$T/root
SOCK=$T/api.sock
LOG=$T/daemon.log
DPID=
# shellcheck source=tests/e2e/lib_tap.sh
. "$(dirname "$0")/lib_tap.sh"
cleanup() {
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	jobs -p | xargs -r kill 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# The host: one file per input class.
mkdir -p "$R/proc/sys/fs" "$R/proc/sys/kernel" "$R/etc/app" "$R/etc/systemd" \
	"$R/var/log/journal/m1" "$R/proc/net"
echo 0 >"$R/proc/sys/fs/suid_dumpable"
echo 6.1.0 >"$R/proc/sys/kernel/osrelease"
: >"$R/proc/modules"
printf 'nodev\tproc\n' >"$R/proc/filesystems"
: >"$R/proc/net/protocols"
echo "key: 1" >"$R/etc/app/config"
chmod 0600 "$R/etc/app/config"
printf '[Journal]\nStorage=persistent\n' >"$R/etc/systemd/journald.conf"
: >"$R/var/log/journal/m1/system.journal"
chmod 0640 "$R/var/log/journal/m1/system.journal"

mkdir -p "$T/profiles/level1"
cat >"$T/profiles/level1/bottlerocket.json" <<'EOF'
{"format_version": 1,
 "benchmark": {"type": "bottlerocket", "report": "cis", "name": "continuous test", "version": "v1", "url": "https://example.invalid/x"},
 "checks": [
  {"name": "c_sysctl", "id": "1", "title": "sysctl", "mode": "Automatic", "remediation": "fix it", "kind": "sysctl",
   "params": {"keys": {"fs.suid_dumpable": "0"}}},
  {"name": "c_mode", "id": "2", "title": "file mode", "mode": "Automatic", "remediation": "fix it", "kind": "file_mode",
   "params": {"path": "/etc/app/config", "max_mode": "0600"}},
  {"name": "c_exist", "id": "3", "title": "later dir", "mode": "Automatic", "remediation": "fix it", "kind": "files_exist",
   "params": {"paths": ["/etc/later/sub/marker"]}},
  {"name": "c_journald", "id": "4", "title": "drop-in", "mode": "Automatic", "remediation": "fix it", "kind": "journald",
   "params": {"key": "Storage", "value": "persistent", "default": "auto"}},
  {"name": "c_tree", "id": "5", "title": "tree", "mode": "Automatic", "remediation": "fix it", "kind": "tree_permissions",
   "params": {"path": "/var/log/journal", "deny_mask": "0007"}},
  {"name": "c_module", "id": "6", "title": "module", "mode": "Automatic", "remediation": "fix it", "kind": "module_disabled",
   "params": {"module": "udf", "filesystem": "udf"}},
  {"name": "c_manual", "id": "7", "title": "manual", "mode": "Manual", "kind": "manual"}
 ]}
EOF

start_daemon() {
	"$DAEMON" -s "$SOCK" -d "$T/state" -c "$T/profiles" --root "$R" "$@" 2>>"$LOG" &
	DPID=$!
	for _ in $(seq 200); do
		curl -sf --unix-socket "$SOCK" http://localhost/report >/dev/null && return 0
		sleep 0.05
	done
	echo "daemon did not come up" >&2
	tail "$LOG" >&2
	return 1
}
stop_daemon() {
	kill "$DPID" && wait "$DPID"
	DPID=
}

N=0
# report [CURL ARGS...]: GET /report/cis as JSON into $T/r$N.json (headers in .h)
report() {
	N=$((N + 1))
	curl -s --unix-socket "$SOCK" -D "$T/r$N.h" -o "$T/r$N.json" "$@" \
		"http://localhost/report/cis?format=json${QUERY:-}"
}
# st CHECK [N]: status of CHECK in report N (default: the last)
st() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][sys.argv[2]]["status"])' "$T/r${2:-$N}.json" "$1"; }
at() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][sys.argv[2]]["evaluated_at"])' "$T/r${2:-$N}.json" "$1"; }
etag() { tr -d '\r' <"$T/r${1:-$N}.h" | sed -n 's/^ETag: //Ip'; }
# patch JSON: PATCH /settings, the answer on stdout
patch() { curl -s --unix-socket "$SOCK" -X PATCH -H 'Content-Type: application/json' -d "$1" http://localhost/settings; }
code() { head -1 "$T/r${1:-$N}.h" | awk '{print $2}'; }

# changed CHECK STATUS DESC: after a change, the next report shows CHECK as
# STATUS, and re-ran only CHECK (the manual check's evaluated_at is kept).
changed() {
	local check=$1 want=$2 desc=$3 prev=$N
	report
	local got
	got=$(st "$check")
	if [ "$got" = "$want" ] && [ "$(at c_manual)" = "$(at c_manual "$prev")" ] &&
		[ "$(at "$check")" != "$(at "$check" "$prev")" ]; then
		ok "$desc: $check is $want at once, only it re-ran"
	else
		bad "$desc" "$check: $got (want $want); at $(at "$check" "$prev") -> $(at "$check"); manual $(at c_manual "$prev") -> $(at c_manual)"
	fi
}

start_daemon || exit 1

report
first=$N
[ "$(code)" = 200 ] && [ "$(st c_sysctl)" = PASS ] && [ "$(st c_mode)" = PASS ] &&
	[ "$(st c_exist)" = FAIL ] && [ "$(st c_journald)" = PASS ] && [ "$(st c_tree)" = PASS ] &&
	ok "first report: the fixture's verdicts" ||
	bad "first report" "$(head -c 1500 "$T/r$N.json")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["as_of"] and all("evaluated_at" in r for r in d["results"].values())' "$T/r$N.json" &&
	ok "the report has as_of, every result evaluated_at" || bad "as_of / evaluated_at"

report
if cmp -s "$T/r$first.json" "$T/r$N.json" && [ -n "$(etag)" ] && [ "$(etag)" = "$(etag $first)" ]; then
	ok "second report: the same bytes and ETag (nothing re-ran)"
else
	bad "second report differs" "$(etag $first) vs $(etag)"
fi
tag=$(etag)
report -H "If-None-Match: $tag"
[ "$(code)" = 304 ] && [ ! -s "$T/r$N.json" ] && ok "If-None-Match with the ETag: 304, no body" ||
	bad "If-None-Match" "$(cat "$T/r$N.h")"
report # a full body to compare the next changes with

echo 1 >"$R/proc/sys/fs/suid_dumpable"
changed c_sysctl FAIL "sysctl file written"
report -H "If-None-Match: $tag"
[ "$(code)" = 200 ] && ok "the old ETag after a change: 200 with the new body" || bad "stale ETag" "$(code)"

chmod 0644 "$R/etc/app/config"
changed c_mode FAIL "chmod of a file"
printf 'key: 2\n' >"$R/etc/app/config.new"
chmod 0600 "$R/etc/app/config.new"
mv "$R/etc/app/config.new" "$R/etc/app/config"
changed c_mode PASS "file replaced by rename"

mkdir -p "$R/etc/later/sub"
changed c_exist FAIL "parent directories created (file still missing)"
: >"$R/etc/later/sub/marker"
changed c_exist PASS "file created in a directory made after start"

mkdir -p "$R/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' >"$R/etc/systemd/journald.conf.d/50-x.conf"
changed c_journald FAIL "drop-in in a drop-in directory created after start"

mkdir -p "$R/var/log/journal/m2"
: >"$R/var/log/journal/m2/user.journal"
chmod 0644 "$R/var/log/journal/m2/user.journal"
changed c_tree FAIL "file with o+r in a new subdirectory of a watched tree"

before=$(st c_module)
echo "udf 1 0 - Live 0x0000000000000000" >"$R/proc/modules"
report
[ "$(at c_module)" != "$(at c_module $((N - 1)))" ] && [ "$(at c_manual)" = "$(at c_manual $((N - 1)))" ] &&
	ok "module list changed: module check re-ran ($before -> $(st c_module)), others kept" ||
	bad "module list" "$(at c_module $((N - 1))) -> $(at c_module)"

prev=$N
QUERY='&fresh=true' report
[ "$(at c_manual)" != "$(at c_manual $prev)" ] && ok "?fresh=true re-runs every check" || bad "fresh=true"
prev=$N
report -H "Cache-Control: no-cache"
[ "$(at c_manual)" != "$(at c_manual $prev)" ] && ok "Cache-Control: no-cache re-runs every check" ||
	bad "Cache-Control: no-cache"
QUERY='&fresh=yes' report
[ "$(code)" = 400 ] && grep -q '"error"' "$T/r$N.json" && ok "fresh=yes: 400 naming the options" ||
	bad "fresh=yes" "$(cat "$T/r$N.json")"

# Drift events: kept, logged, counted.
curl -s --unix-socket "$SOCK" "http://localhost/events?since=0" >"$T/events.json"
python3 - "$T/events.json" <<'EOF' && ok "GET /events?since=0: the sysctl drift with its cause" || bad "events list" "$(head -c 1500 "$T/events.json")"
import json, sys
d = json.load(open(sys.argv[1]))
ev = [e for e in d["events"] if e["check"] == "c_sysctl"]
assert ev and ev[0]["from"] == "PASS" and ev[0]["to"] == "FAIL", ev
assert "suid_dumpable" in ev[0]["cause"] and "fs.suid_dumpable" in ev[0]["evidence"], ev[0]
assert set(ev[0]) >= {"check", "id", "from", "to", "cause", "evidence", "at", "event_id"}
EOF
last=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["last"])' "$T/events.json")
grep -q 'drift id=1 check=c_sysctl (1) PASS -> FAIL cause="path /proc/sys/fs/suid_dumpable"' "$LOG" &&
	ok "each drift is one log line" || bad "drift log" "$(grep drift "$LOG" | head -3)"
curl -s --unix-socket "$SOCK" http://localhost/metrics >"$T/metrics"
grep -q "^cisreport_drift_events_total $last\$" "$T/metrics" &&
	grep -q '^cisreport_cache_requests_total{result="hit"} [1-9]' "$T/metrics" &&
	grep -q '^cisreport_watch_degraded{input="path"} 0$' "$T/metrics" &&
	ok "/metrics: drift events total ($last), cache hits, no degraded watch" ||
	bad "metrics" "$(grep -E 'drift|cache|degraded' "$T/metrics")"
curl -s --unix-socket "$SOCK" "http://localhost/events?since=x" -o "$T/e.json" -w '%{http_code}' | grep -q 400 &&
	grep -q since "$T/e.json" && ok "since=x: 400" || bad "since=x" "$(cat "$T/e.json")"

# The stream: resumes after Last-Event-ID, and carries a change nobody
# asked a report for (the background re-evaluation).
curl -sN --unix-socket "$SOCK" -H "Last-Event-ID: $last" --max-time 4 \
	http://localhost/events >"$T/sse" 2>/dev/null &
SSE=$!
sleep 0.5
t0=$(date +%s%N)
echo 0 >"$R/proc/sys/fs/suid_dumpable"
for _ in $(seq 60); do grep -q '"to":"PASS"' "$T/sse" 2>/dev/null && break; sleep 0.05; done
t1=$(date +%s%N)
if grep -q "^id: $((last + 1))\$" "$T/sse" && grep -q '^event: drift$' "$T/sse" &&
	grep -q '"check":"c_sysctl".*"from":"FAIL","to":"PASS"' "$T/sse"; then
	ok "SSE after Last-Event-ID $last: the sysctl fix arrives without a request ($(((t1 - t0) / 1000000)) ms)"
else
	bad "SSE stream" "$(cat "$T/sse")"
fi
grep -q "^id: $last\$" "$T/sse" && bad "Last-Event-ID: event $last sent again" || ok "Last-Event-ID: no event sent twice"
wait "$SSE"
# Both kinds of evaluation were counted, with the CPU they took.
curl -s --unix-socket "$SOCK" http://localhost/metrics >"$T/metrics"
grep -Eq '^cisreport_evaluations_total\{trigger="request"\} [1-9]' "$T/metrics" &&
	grep -Eq '^cisreport_evaluations_total\{trigger="background"\} [1-9]' "$T/metrics" &&
	grep -Eq '^cisreport_evaluation_cpu_seconds_total\{trigger="request"\} 0\.0*[1-9]' "$T/metrics" &&
	grep -Eq '^cisreport_evaluation_cpu_seconds_total\{trigger="background"\} 0\.0*[1-9]' "$T/metrics" &&
	ok "/metrics: evaluations by request and in the background, and their CPU" ||
	bad "evaluation metrics" "$(grep evaluation "$T/metrics")"

# apiclient report watch prints each event as one line.
timeout 3 "$BUILD_DIR/apiclient" -s "$SOCK" report watch >"$T/watch.out" 2>&1 &
W=$!
sleep 0.5
echo 1 >"$R/proc/sys/fs/suid_dumpable"
for _ in $(seq 40); do grep -q 'c_sysctl' "$T/watch.out" && break; sleep 0.05; done
grep -Eq '^[0-9T:.-]+Z c_sysctl \(1\) PASS -> FAIL: path /proc/sys/fs/suid_dumpable; fs.suid_dumpable' "$T/watch.out" &&
	ok "apiclient report watch: one line per drift event" || bad "apiclient report watch" "$(cat "$T/watch.out")"
wait "$W"

# SIGHUP: nothing kept is fresh any more.
report
prev=$N
kill -HUP "$DPID"
for _ in $(seq 100); do grep -q 'SIGHUP' "$LOG" && break; sleep 0.05; done
sleep 0.3
report
a1=$(at c_manual $prev) a2=$(at c_manual)
[ -n "$a1" ] && [ -n "$a2" ] && [ "$a1" != "$a2" ] && ok "SIGHUP: every check re-runs" || bad "SIGHUP invalidation" "$a1 -> $a2"
stop_daemon

# At most --max-watchers streams; the next one is told why.
start_daemon --max-watchers 1 || exit 1
curl -sN --unix-socket "$SOCK" --max-time 3 http://localhost/events >/dev/null 2>&1 &
SSE=$!
sleep 0.5
code=$(curl -s --unix-socket "$SOCK" -o "$T/503.json" -D "$T/503.head" -w '%{http_code}' --max-time 2 http://localhost/events)
[ "$code" = 503 ] && python3 -c 'import json,sys; assert "at most 1" in json.load(open(sys.argv[1]))["error"]' "$T/503.json" &&
	grep -qi '^Retry-After: 5' "$T/503.head" &&
	ok "a stream beyond --max-watchers 1: 503 with a JSON body and Retry-After" || bad "max watchers" "$code $(cat "$T/503.head" "$T/503.json")"
out=$(timeout 3 "$BUILD_DIR/apiclient" -s "$SOCK" report watch 2>&1)
rc=$?
[ "$rc" = 1 ] && grep -q "Status 503.*at most 1" <<<"$out" &&
	ok "apiclient report watch beyond the limit: exit 1 with the daemon's reason" || bad "watch 503" "$rc $out"
wait "$SSE"
stop_daemon

# A waiver running out is a drift event (status kept, change "waiver_expired"),
# pushed by the background thread at the expiry without any request.
rm -f "$R/etc/later/sub/marker"
start_daemon || exit 1
report
[ "$(st c_exist)" = FAIL ] || bad "waiver test set-up" "c_exist is $(st c_exist)"
exp=$(date -u -d '@'$(( $(date +%s) + 2 )) +%Y-%m-%dT%H:%M:%SZ)
patch '{"waivers": {"c_exist": {"reason": "ticket 42", "expires": "'"$exp"'", "approved-by": "sec-team"}}}' >"$T/patch.json"
sleep 3.2
curl -s --unix-socket "$SOCK" "http://localhost/events?since=0" >"$T/wev.json"
python3 - "$T/wev.json" "$exp" <<'PY' && ok "waiver expiry: a drift event at the expiry (FAIL -> FAIL, waiver_expired, cause names approver and reason)" || bad "waiver expiry event" "$(cat "$T/patch.json" "$T/wev.json")"
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["events"] if e["check"] == "c_exist"]
assert len(ev) == 1, ev
e = ev[0]
assert e["change"] == "waiver_expired" and e["from"] == "FAIL" and e["to"] == "FAIL", e
assert sys.argv[2] in e["cause"] and "sec-team" in e["cause"] and "ticket 42" in e["cause"], e
PY
grep -q 'drift id=.* check=c_exist .*FAIL -> FAIL (waiver expired)' "$LOG" &&
	ok "waiver expiry: logged as one drift line" || bad "waiver expiry log" "$(grep drift "$LOG" | tail -3)"

# settings.max_watchers overrides --max-watchers at once; null gives it back.
patch '{"max_watchers": 1, "full_interval": 600}' >"$T/mw.json"
curl -sN --unix-socket "$SOCK" --max-time 3 http://localhost/events >/dev/null 2>&1 &
SSE=$!
sleep 0.5
code=$(curl -s --unix-socket "$SOCK" -o "$T/mw503.json" -w '%{http_code}' --max-time 2 http://localhost/events)
[ "$code" = 503 ] && grep -q "at most 1" "$T/mw503.json" &&
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["max_watchers"] == 1 and s["full_interval"] == 600, s' "$T/mw.json" &&
	ok "settings max_watchers 1 (PATCH): the second stream gets 503; GET shows max_watchers and full_interval" ||
	bad "settings max_watchers" "$code $(cat "$T/mw.json" "$T/mw503.json")"
patch '{"max_watchers": null}' >"$T/mw2.json"
code=$(curl -s --unix-socket "$SOCK" -o /dev/null -w '%{http_code}' --max-time 1 http://localhost/events)
[ "$code" = 200 ] && python3 -c 'import json,sys; assert "max_watchers" not in json.load(open(sys.argv[1]))' "$T/mw2.json" &&
	ok "settings max_watchers null: back to --max-watchers (64), the stream is served" || bad "max_watchers null" "$code $(cat "$T/mw2.json")"
wait "$SSE"
stop_daemon

# A watch that cannot be set (the inotify limit, lowered to 3 in a user
# namespace of the daemon's own) degrades its input to the time-to-live:
# said in the report and /metrics, and a change is still seen after the TTL.
if unshare -U -r true 2>/dev/null; then
	unshare -U -r sh -c 'echo 3 >/proc/sys/user/max_inotify_watches && exec "$@"' sh \
		"$DAEMON" -s "$SOCK" -d "$T/state" -c "$T/profiles" --root "$R" --ttl 300 2>>"$LOG" &
	DPID=$!
	for _ in $(seq 200); do curl -sf --unix-socket "$SOCK" http://localhost/report >/dev/null && break; sleep 0.05; done
	chmod 0600 "$R/etc/app/config"
	report
	curl -s --unix-socket "$SOCK" http://localhost/metrics >"$T/dmetrics"
	python3 - "$T/r$N.json" "$T/dmetrics" <<'PY' && ok "inotify limit reached: the report says watch_degraded (which inputs, why), /metrics counts them" || bad "degraded watch" "$(head -c 800 "$T/r$N.json"; grep degraded "$T/dmetrics")"
import json, re, sys
note = json.load(open(sys.argv[1]))["watch_degraded"]
assert "not watched" in note and "time-to-live" in note and "No space left on device" in note, note
m = sum(int(v) for v in re.findall(r'^cisreport_watch_degraded\{input="\w+"\} (\d+)$', open(sys.argv[2]).read(), re.M))
assert m > 0, m
PY
	[ "$(st c_mode)" = PASS ] || bad "degraded set-up" "c_mode $(st c_mode)"
	chmod 0644 "$R/etc/app/config"
	sleep 0.4
	report
	[ "$(st c_mode)" = FAIL ] && ok "degraded input: a chmod is in the report after the TTL (300 ms), never a stale verdict" ||
		bad "degraded TTL" "c_mode $(st c_mode)"
	chmod 0600 "$R/etc/app/config"
	stop_daemon
else
	echo "ok - degraded watch # SKIP no user namespaces"
fi

# --no-cache: every request runs every check.
start_daemon --no-cache || exit 1
report
a=$(at c_manual 2>/dev/null || echo none)
[ "$a" = none ] && ok "--no-cache: no evaluated_at (plain reports)" || bad "--no-cache" "$a"
stop_daemon

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
