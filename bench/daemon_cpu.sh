#!/usr/bin/env bash
# CPU that cisreportd spends per full re-evaluation of the Level 2 JSON report,
# split into user and system time: the daemon runs with --no-cache (every
# request runs every check) and the observer off; REQUESTS sequential
# requests over one keep-alive connection (after 50 to warm up); CPU from
# /proc/PID/stat (utime, stime of all its threads; children not counted).
#
#   bench/daemon_cpu.sh [BUILD_DIR] [REQUESTS] [-- extra cisreportd flags]
#
# Run it inside a network namespace holding a ruleset to measure an nf_tables
# host without touching this one's:
#   ip netns add cisbench; ip netns exec cisbench ip link set lo up
#   ip netns exec cisbench nft -f tests/fixtures/nft/compliant.nft
#   ip netns exec cisbench bench/daemon_cpu.sh build 2000
# bench/report_bench.py prints the same total (user + system) beside the CLI's numbers.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$source_dir/build}
requests=${2:-2000}
shift $(($# > 2 ? 2 : $#))
[ "${1:-}" = "--" ] && shift
tmp=$(mktemp -d /tmp/cisreport-daemon-cpu.XXXXXX)
mkdir "$tmp/state"
echo '{"observer": false}' >"$tmp/state/settings.json"
"$build/cisreportd" -s "$tmp/api.sock" -d "$tmp/state" -c "$source_dir/profiles" --no-cache "$@" \
	>/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -S "$tmp/api.sock" ] && break; sleep 0.05; done
load() {
	python3 - "$tmp/api.sock" "$1" <<'PY'
import socket, sys
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(sys.argv[1])
req = b"GET /report/cis?level=2&format=json HTTP/1.1\r\nHost: localhost\r\n\r\n"
for _ in range(int(sys.argv[2])):
    c.sendall(req)
    data = b""
    while b"\r\n\r\n" not in data:
        data += c.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int([l.split(b":")[1] for l in head.split(b"\r\n")
                  if l.lower().startswith(b"content-length")][0])
    while len(body) < length:
        body += c.recv(65536)
PY
}
load 50
ticks() { awk '{print $14, $15}' "/proc/$pid/stat"; }
read -r u0 s0 < <(ticks)
start=$(date +%s%N)
load "$requests"
end=$(date +%s%N)
read -r u1 s1 < <(ticks)
hz=$(getconf CLK_TCK)
awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v n="$requests" -v hz="$hz" -v ns=$((end - start)) 'BEGIN {
	printf "cisreportd --no-cache, Level 2 JSON: %.0f us user + %.0f us system = %.0f us CPU per report, %.0f us wall per request (%d requests)\n",
		u / hz / n * 1e6, s / hz / n * 1e6, (u + s) / hz / n * 1e6, ns / n / 1e3, n }'
