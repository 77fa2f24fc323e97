#!/usr/bin/env bash
# Benchmark cisreportd: requests/s and p50/p99 latency of
# GET /report/cis?level=2&format=json over the Unix socket with 1, 8 and 32
# concurrent clients, on keep-alive connections and with a new connection
# per request (as apiclient makes them), for the default (one polling
# thread, --workers for the slow requests) and for --threads 0 (a thread
# per connection). The daemon runs the test profiles
# (tests/fixtures/api/profiles: sysctl and manual checks) against the live
# host, so every report reads /proc/sys for real.
#
#   bench/api_bench.sh [BUILD_DIR] [SECONDS_PER_RUN]
#
# Environment:
#   PROFILES=DIR     profiles to serve (the real ones: PROFILES=profiles;
#                    they run iptables-save and ip6tables-save per report)
#   OBSERVER=on|off  the settings' observer switch (default: on, the
#                    daemon's default; the observer needs root)
#   THREADS="1 0"    the --threads values to run (1: the default)
#   MODES="keep-alive new-connection"  which kinds of connection
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SECONDS_PER_RUN=${2:-5}
PROFILES=${PROFILES:-tests/fixtures/api/profiles}
URI='/report/cis?level=2&format=json'
OBSERVER=${OBSERVER:-on}
THREADS=${THREADS:-1 0}
MODES=${MODES:-keep-alive new-connection}
case $OBSERVER in on) observe=true ;; off) observe=false ;; *) echo "OBSERVER=on|off" >&2; exit 2 ;; esac
T=$(mktemp -d)
pid=
trap 'rm -rf "$T"; if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi' EXIT
start() {
	mkdir -p "$T/state"
	echo "{\"observer\": $observe}" >"$T/state/settings.json"
	"$BUILD/cisreportd" -s "$T/api.sock" -d "$T/state" -c "$PROFILES" "$@" 2>/dev/null &
	pid=$!
	for _ in $(seq 100); do [ -S "$T/api.sock" ] && break; sleep 0.05; done
	# What the reports have: the observer's state and the checks per report.
	curl -s --unix-socket "$T/api.sock" http://localhost/metrics | grep '^cisreport_observer_up' || true
	curl -s --unix-socket "$T/api.sock" "http://localhost$URI" |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print("report: %d checks, %d runtime" % (d["total"], sum(r["kind"] == "runtime" for r in d["results"].values())))'
}
stop() { kill "$pid"; wait "$pid" || true; }
echo "cisreportd on $(nproc) CPU(s), profile $PROFILES, observer $OBSERVER, GET $URI, ${SECONDS_PER_RUN}s per run"
for threads in $THREADS; do
	start --threads "$threads"
	case $threads in
	0) echo "== --threads 0: a thread per connection" ;;
	1) echo "== --threads 1 (default): one polling thread, workers for the slow requests" ;;
	*) echo "== --threads $threads" ;;
	esac
	for mode in $MODES; do
		[ "$mode" = keep-alive ] && mode= || mode=--new-connection
		for clients in 1 8 32; do
			"$BUILD/api_bench" "$T/api.sock" "$URI" "$clients" "$SECONDS_PER_RUN" $mode
		done
	done
	stop
done
