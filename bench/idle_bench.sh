#!/usr/bin/env bash
# Idle cisreportd: CPU share and RSS over a window with no requests, after
# one report (so the cache, the watches and the background re-evaluation
# are set up), with the real profiles and the observer on (needs root).
#
#   bench/idle_bench.sh [BUILD_DIR] [SECONDS]   (default: build 600)
#   DAEMON_ARGS="--no-cache"  more daemon options (e.g. to compare without the cache)
#   STEP=60                   seconds between the samples printed on the way
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
WINDOW=${2:-600}
T=$(mktemp -d /tmp/cisreport-idlebench.XXXXXX)
pid=
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$T"' EXIT
mkdir -p "$T/state"
echo '{"observer": true}' >"$T/state/settings.json"
"$BUILD/cisreportd" -s "$T/api.sock" -d "$T/state" -c profiles ${DAEMON_ARGS:-} 2>/dev/null &
pid=$!
for _ in $(seq 100); do [ -S "$T/api.sock" ] && break; sleep 0.05; done
curl -s --unix-socket "$T/api.sock" 'http://localhost/report/cis?level=2&format=json' >/dev/null
curl -s --unix-socket "$T/api.sock" http://localhost/metrics | grep '^cisreport_observer_up'
sleep 5
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hz=$(getconf CLK_TCK)
t0=$(ticks) r0=$(rss) s0=$(date +%s.%N)
# A sample every STEP seconds: CPU since the start, RSS now (growth shows
# as a trend, not only as the last minus the first).
STEP=${STEP:-60}
left=$WINDOW
while [ "$left" -gt 0 ]; do
	step=$((left < STEP ? left : STEP))
	sleep "$step"
	left=$((left - step))
	awk -v a="$t0" -v b="$(ticks)" -v hz="$hz" -v s0="$s0" -v s1="$(date +%s.%N)" -v r="$(rss)" \
		-v l="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
		printf "  %4.0f s: CPU %.3f%%, RSS %d kB, load %s\n", s1 - s0, 100 * (b - a) / hz / (s1 - s0), r, l }'
done
t1=$(ticks) r1=$(rss) s1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s0="$s0" -v s1="$s1" -v r0="$r0" -v r1="$r1" 'BEGIN {
	printf "idle %.0f s: CPU %.3f%% of one core, RSS %d kB -> %d kB (%+d kB)\n",
	       s1 - s0, 100 * (b - a) / hz / (s1 - s0), r0, r1, r1 - r0 }'
