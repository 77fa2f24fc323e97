#!/usr/bin/env bash
# cisreportd's default mode (docs/api.md, Concurrency): polling threads
# answer what is in memory, the slow requests go to --workers threads, and
# event streams hold no thread while they wait. Through the real daemon:
# reports that take a second each (a checker that sleeps) queued on one
# worker while GET /settings, GET /report and GET /events?since= are answered
# at once; 48 keep-alive connections and 40 open event streams cost no
# thread each; a drift reaches every stream, a stalled stream (never read)
# blocks none of them; SIGTERM ends the streams and answers the slow
# report in flight; --threads 0 (a thread per connection) still streams.
set -uo pipefail

BUILD_DIR=${BUILD_DIR:?run through ctest, or set BUILD_DIR}
DAEMON=$BUILD_DIR/cisreportd

T=$(mktemp -d /tmp/cisreport-workers.XXXXXX)
SOCK=$T/api.sock
LOG=$T/daemon.log
DPID=
. "$(dirname "$0")/lib_tap.sh"
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null
	tap_cleanup DPID
}
trap cleanup EXIT

start_daemon() {
	rm -f "$SOCK"
	"$DAEMON" -s "$SOCK" -d "$T/state" "$@" 2>>"$LOG" &
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
	kill "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	local rc=$?
	DPID=
	return $rc
}
threads() { ls "/proc/$DPID/task" | wc -l; }

# ---- slow reports on a worker, the rest at once ---------------------------
# A folder of one checker that takes a second: never cached (a checker cannot
# say what it reads), so every report runs it.
F=$T/checkers
mkdir -p "$F"
cat >"$F/slow" <<'EOF'
#!/bin/sh
if [ "$1" = metadata ]; then
	echo '{"name":"slow","id":"1.1","level":1,"title":"takes a second","mode":"Automatic"}'
	exit 0
fi
sleep 1
echo '{"status":"PASS","error":""}'
EOF
chmod 755 "$F/slow"
printf '{"name":"Slow Checkers","version":"v1","url":"https://example.invalid/s"}\n' >"$F/metadata.json"

start_daemon -c "$F" --workers 1 --checker-timeout 10000 || exit 1
grep -q "listening on $SOCK, 1 polling threads, 1 workers" "$LOG" &&
	ok "default: one polling thread; --workers 1" || bad "start-up line" "$(grep listening "$LOG")"
SLOW=
for i in 1 2 3; do
	curl -s --unix-socket "$SOCK" -o "$T/slow$i.json" -w '%{http_code} %{time_total}\n' \
		"http://localhost/report/cis?format=json" >"$T/slow$i.code" &
	SLOW="$SLOW $!"
done
sleep 0.3
python3 - "$SOCK" >"$T/fast.out" <<'EOF'
import socket, sys, time
worst = 0.0
for i in range(30):
    for uri in ("/settings", "/report", "/events?since=0"):
        t = time.monotonic()
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(5)
        s.connect(sys.argv[1])
        s.sendall(f"GET {uri} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            c = s.recv(65536)
            if not c:
                break
            data += c
        s.close()
        if not data.startswith(b"HTTP/1.1 200"):
            print(f"{uri}: {data[:60]!r}")
            sys.exit(1)
        worst = max(worst, time.monotonic() - t)
print(f"{worst * 1000:.1f}")
EOF
rc=$?
worst=$(tail -1 "$T/fast.out")
# 90 answers while three 1-second reports wait for the one worker.
if [ $rc -eq 0 ] && python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 250 else 1)" "$worst"; then
	ok "90 settings/list/events answers beside 3 queued 1 s reports: worst $worst ms"
else
	bad "answers beside slow reports" "$(cat "$T/fast.out")"
fi
wait $SLOW
codes=$(cat "$T"/slow?.code | sort -k2 -n)
last=$(tail -1 <<<"$codes" | cut -d' ' -f2)
if [ "$(cut -d' ' -f1 <<<"$codes" | sort -u)" = 200 ] &&
	python3 -c 'import json,sys; [sys.exit(1) for f in sys.argv[1:] if json.load(open(f))["results"]["slow"]["status"] != "PASS"]' "$T"/slow?.json &&
	python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 2.5 else 1)" "$last"; then
	ok "the 3 slow reports: 200 PASS, one after the other on the one worker (last after ${last}s)"
else
	bad "slow reports" "$codes"
fi
# A slow report in flight at SIGTERM is answered, then the daemon exits 0.
curl -s --unix-socket "$SOCK" -o "$T/term.json" -w '%{http_code}' \
	"http://localhost/report/cis?format=json" >"$T/term.code" &
CURL=$!
sleep 0.3
stop_daemon
rc=$?
wait $CURL
[ $rc -eq 0 ] && [ "$(cat "$T/term.code")" = 200 ] &&
	ok "SIGTERM with a report on a worker: answered 200, exit 0" ||
	bad "SIGTERM with a worker busy" "rc=$rc code=$(cat "$T/term.code")"

# ---- connections and streams hold no thread ------------------------------
R=$T/root
mkdir -p "$R/proc/sys/fs" "$T/profiles/level1"
echo 0 >"$R/proc/sys/fs/suid_dumpable"
cat >"$T/profiles/level1/bottlerocket.json" <<'EOF'
{"format_version": 1,
 "benchmark": {"type": "bottlerocket", "report": "cis", "name": "workers test", "version": "v1", "url": "https://example.invalid/x"},
 "checks": [
  {"name": "c_sysctl", "id": "1", "title": "sysctl", "mode": "Automatic", "remediation": "fix it", "kind": "sysctl",
   "params": {"keys": {"fs.suid_dumpable": "0"}}}
 ]}
EOF

# streams.py SOCK N: N streams and one that is never read (a small receive
# buffer); 48 keep-alive connections after one request each; prints "ready",
# waits for a line on stdin, then for the next drift on every read stream.
cat >"$T/streams.py" <<'EOF'
import socket, sys, time
path, n = sys.argv[1], int(sys.argv[2])
def connect():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    return s
stalled = socket.socket(socket.AF_UNIX)
stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
stalled.connect(path)
stalled.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
streams = []
for i in range(n):
    s = connect()
    s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    streams.append([s, b""])
for st in streams:  # each opens with its retry line
    while b"cisreportd drift events" not in st[1]:
        st[1] += st[0].recv(65536)
keep = []
for i in range(48):
    s = connect()
    s.sendall(b"GET /settings HTTP/1.1\r\nHost: x\r\n\r\n")
    d = b""
    while b"\r\n\r\n" not in d:
        d += s.recv(65536)
    keep.append(s)
print("ready", flush=True)
sys.stdin.readline()
t = time.monotonic()
for st in streams:
    while b"event: drift" not in st[1]:
        c = st[0].recv(65536)
        if not c:
            print("stream closed before the event")
            sys.exit(1)
        st[1] += c
print(f"all {n} streams have the drift event after {(time.monotonic() - t) * 1000:.0f} ms", flush=True)
sys.stdin.readline()
# SIGTERM: every stream ends.
for st in streams:
    while True:
        c = st[0].recv(65536)
        if not c:
            break
print("all streams ended", flush=True)
EOF

check_streams() {
	local mode=$1
	mkfifo "$T/in.$mode"
	python3 "$T/streams.py" "$SOCK" 40 <"$T/in.$mode" >"$T/streams.$mode" 2>&1 &
	local PY=$!
	exec 7>"$T/in.$mode"
	for _ in $(seq 200); do grep -q ready "$T/streams.$mode" && break; sleep 0.05; done
	if ! grep -q ready "$T/streams.$mode"; then
		bad "$mode: 41 streams and 48 connections did not open" "$(cat "$T/streams.$mode")"
		exec 7>&-
		return
	fi
	local n
	n=$(threads)
	if [ "$mode" = default ]; then
		[ "$n" -le 16 ] && ok "default: 41 event streams and 48 keep-alive connections, $n threads in all" ||
			bad "default: threads with 89 connections" "$n"
	else
		[ "$n" -ge 89 ] && ok "--threads 0: a thread per connection ($n threads)" ||
			bad "--threads 0: threads" "$n"
	fi
	echo 1 >"$R/proc/sys/fs/suid_dumpable"
	echo go >&7
	for _ in $(seq 100); do grep -q "all 40 streams" "$T/streams.$mode" && break; sleep 0.05; done
	grep -q "all 40 streams have the drift event" "$T/streams.$mode" &&
		ok "$mode: $(grep 'all 40' "$T/streams.$mode"), beside a stream nobody reads" ||
		bad "$mode: drift on every stream" "$(cat "$T/streams.$mode")"
	echo 0 >"$R/proc/sys/fs/suid_dumpable"
	local t0
	t0=$(date +%s%N)
	kill "$DPID"
	echo go >&7
	exec 7>&-
	wait "$DPID"
	local rc=$?
	DPID=
	wait "$PY"
	local ms=$((($(date +%s%N) - t0) / 1000000))
	[ $rc -eq 0 ] && grep -q "all streams ended" "$T/streams.$mode" && [ "$ms" -lt 5000 ] &&
		ok "$mode: SIGTERM ends every stream, exit 0 after $ms ms" ||
		bad "$mode: SIGTERM with streams" "rc=$rc ${ms}ms $(cat "$T/streams.$mode")"
}

start_daemon -c "$T/profiles" --root "$R" --max-watchers 41 --max-connections-per-uid 128 || exit 1
check_streams default
start_daemon -c "$T/profiles" --root "$R" --max-watchers 41 --max-connections-per-uid 128 --threads 0 || exit 1
check_streams tpc

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
