#!/usr/bin/env bash
# Benchmark cisreportd: requests/s and p50/p99 latency of
# GET /report/cis?level=2&format=json over the Unix socket with 1, 8 and 32
# concurrent clients, on keep-alive connections and with a new connection
# per request (as apiclient makes them). The daemon runs the test profiles
# (tests/fixtures/api/profiles: sysctl and manual checks) against the live
# host, so every report reads /proc/sys for real.
#
#   bench/api_bench.sh [BUILD_DIR] [SECONDS_PER_RUN]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SECONDS_PER_RUN=${2:-5}
PROFILES=${PROFILES:-tests/fixtures/api/profiles}
URI='/report/cis?level=2&format=json'
T=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
"$BUILD/cisreportd" -s "$T/api.sock" -d "$T/state" -c "$PROFILES" 2>/dev/null &
pid=$!
for _ in $(seq 100); do [ -S "$T/api.sock" ] && break; sleep 0.05; done
echo "cisreportd $(nproc) CPU(s), profile $PROFILES, GET $URI, ${SECONDS_PER_RUN}s per run"
curl -s --unix-socket "$T/api.sock" "http://localhost$URI" | cut -c1-120 || true
for mode in "" --new-connection; do
	for clients in 1 8 32; do
		"$BUILD/api_bench" "$T/api.sock" "$URI" "$clients" "$SECONDS_PER_RUN" $mode
	done
done
