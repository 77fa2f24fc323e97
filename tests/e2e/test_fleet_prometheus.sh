#!/usr/bin/env bash
# The fleet view end to end: two cisreportd nodes over fixture roots (one
# hardened, one failing three checks, one of them waived) serve
# --metrics-listen on 127.0.0.1; a real Prometheus server (Debian's) scrapes
# them every second with deploy/prometheus/cisreport-rules.yml loaded ("for:"
# durations shortened to 0s, the rest as shipped). Through Prometheus's HTTP
# API: every check's status, the counts and the waivers are what each node's
# JSON reports say; the recording rules count what the reports fail; the
# alerts fire for exactly the node and the checks that fail; every PromQL
# expression of the Grafana dashboard runs; a node that stops answering
# raises CisreportNodeNotReporting. Also: the metrics listener is read-only,
# its exposition passes `promtool check metrics`, and a bad --metrics-listen
# or a port in use is an error at start.
set -uo pipefail

BUILD_DIR=${BUILD_DIR:?run through ctest, or set BUILD_DIR}
SOURCE_DIR=${SOURCE_DIR:?run through ctest, or set SOURCE_DIR}
FIXTURES=${FIXTURES:-$SOURCE_DIR/tests/fixtures}
DAEMON=$BUILD_DIR/cisreportd
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
PROMTOOL=${PROMTOOL:-/usr/bin/promtool}
PROFILES=$SOURCE_DIR/profiles
RULES=$SOURCE_DIR/deploy/prometheus/cisreport-rules.yml
DASHBOARD=$SOURCE_DIR/deploy/grafana/cisreport-fleet.json
CHECK=(python3 "$SOURCE_DIR/tests/e2e/check_fleet.py")

. "$SOURCE_DIR/tests/e2e/lib_tap.sh"

for tool in "$PROMETHEUS" "$PROMTOOL"; do
	if [ ! -x "$tool" ]; then
		echo "FAIL - $tool is missing: scripts/deps.sh installs Debian's prometheus package"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

T=$(mktemp -d /tmp/cisreport-fleet.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

# The two nodes' roots. Git keeps no modes: the journal must not be
# readable by others (4.1.2) on the hardened one.
hardened=$T/hardened
cp -a "$FIXTURES/hardened" "$hardened"
find "$hardened/var/log/journal" -type d -exec chmod 0750 {} +
find "$hardened/var/log/journal" -type f -exec chmod 0640 {} +
failing=$T/failing
cp -a "$hardened" "$failing"
echo 2 >"$failing/proc/sys/fs/suid_dumpable"                  # 1.4.1 br01040100
echo 0 >"$failing/proc/sys/kernel/randomize_va_space"         # 1.4.2 br01040200
echo 0 >"$failing/proc/sys/kernel/unprivileged_bpf_disabled"  # 1.4.3 br01040300, waived

# start_node NAME ROOT: cisreportd with --metrics-listen 127.0.0.1:0; the
# port it got is in $T/NAME.port, its pid appended to PIDS.
start_node() {
	local name=$1 root=$2
	"$DAEMON" -s "$T/$name.sock" -d "$T/$name-state" -c "$PROFILES" --root "$root" \
		--metrics-listen 127.0.0.1:0 2>"$T/$name.log" &
	PIDS+=($!)
	eval "${name}_pid=$!"
	for _ in $(seq 200); do
		if [ -S "$T/$name.sock" ] && curl -sf --unix-socket "$T/$name.sock" http://localhost/report >/dev/null; then
			sed -n 's|.*metrics listener on http://127\.0\.0\.1:\([0-9]*\)/metrics.*|\1|p' "$T/$name.log" >"$T/$name.port"
			[ -s "$T/$name.port" ] && return 0
		fi
		sleep 0.05
	done
	echo "node $name did not come up:" >&2
	cat "$T/$name.log" >&2
	return 1
}

echo "# cisreport fleet e2e: $DAEMON, $("$PROMETHEUS" --version 2>&1 | head -1)"
if ! start_node hardened "$hardened" || ! start_node failing "$failing"; then
	bad "both nodes start with --metrics-listen 127.0.0.1:0"
	echo "$passed passed, $failed failed"
	exit 1
fi
port_h=$(cat "$T/hardened.port")
port_f=$(cat "$T/failing.port")
ok "both nodes start with --metrics-listen 127.0.0.1:0 (ports $port_h, $port_f)"

# The waiver (on the socket: the metrics listener cannot change settings).
waiver='{"waivers":{"br01040300":{"reason":"eBPF build tooling on this node","expires":"2099-12-31T23:59:59Z","approved-by":"fleet e2e"}}}'
check "a waiver for br01040300 on the failing node (PATCH /settings on the socket)" \
	curl -sf --unix-socket "$T/failing.sock" -X PATCH -d "$waiver" -o /dev/null http://localhost/settings

# ------------------------------------------------- the metrics listener alone
curl -s "http://127.0.0.1:$port_f/metrics" >"$T/scrape.txt"
check "the TCP exposition passes promtool check metrics" \
	bash -c '"$1" check metrics <"$2"' _ "$PROMTOOL" "$T/scrape.txt"
check "  ... and has the families the fleet needs" \
	bash -c 'for f in cisreport_check_status cisreport_checks cisreport_check_waived cisreport_build_info cisreport_last_evaluation_timestamp_seconds cisreport_report_duration_seconds cisreport_observer_up; do grep -q "^# TYPE $f " "$1" || { echo "no $f"; exit 1; }; done' _ "$T/scrape.txt"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
cp "$T/failing-state/settings.json" "$T/settings.before"
check "GET /report/cis on the metrics listener -> 404" [ "$(code "http://127.0.0.1:$port_f/report/cis")" = 404 ]
check "GET /report on the metrics listener -> 404" [ "$(code "http://127.0.0.1:$port_f/report")" = 404 ]
check "GET /settings on the metrics listener -> 404" [ "$(code "http://127.0.0.1:$port_f/settings")" = 404 ]
check "PATCH /settings on the metrics listener -> 404" \
	[ "$(code -X PATCH -d '{"observer":false,"waivers":{}}' "http://127.0.0.1:$port_f/settings")" = 404 ]
check "GET /events on the metrics listener -> 404" [ "$(code "http://127.0.0.1:$port_f/events")" = 404 ]
check "POST /metrics -> 405 (read-only)" [ "$(code -X POST -d x "http://127.0.0.1:$port_f/metrics")" = 405 ]
check "  ... the settings file is unchanged" cmp -s "$T/settings.before" "$T/failing-state/settings.json"
check "HEAD /metrics -> 200" [ "$(code -I "http://127.0.0.1:$port_f/metrics")" = 200 ]

# -------------------------------------------------------------- bad input
bad_start() { # DESC EXPECTED-MESSAGE ARGS...
	local desc=$1 want=$2
	shift 2
	"$DAEMON" -s "$T/bad.sock" -d "$T/bad-state" -c "$PROFILES" --root "$hardened" "$@" \
		>"$T/bad.out" 2>"$T/bad.err" </dev/null &
	local pid=$! rc
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		wait "$pid"
		bad "$desc" "still running; log: $(cat "$T/bad.err")"
		return
	fi
	wait "$pid"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qF -- "$want" "$T/bad.err" && [ ! -e "$T/bad.sock" ]; then
		ok "$desc"
		sed 's/^/    # /' "$T/bad.err" | head -2
	else
		bad "$desc" "exit $rc (want 1), socket left: $([ -e "$T/bad.sock" ] && echo yes || echo no); stderr: $(cat "$T/bad.err")"
	fi
}
bad_start "--metrics-listen on a port in use -> exit 1, nothing left behind" \
	"--metrics-listen 127.0.0.1:$port_h: cannot listen: Address already in use" --metrics-listen "127.0.0.1:$port_h"
bad_start "--metrics-listen localhost:9464 (a host name) -> exit 1" \
	"'localhost' is not an IPv4 address" --metrics-listen localhost:9464
bad_start "--metrics-listen 127.0.0.1 (no port) -> exit 1" "ADDR:PORT needed" --metrics-listen 127.0.0.1
bad_start "--metrics-listen 127.0.0.1:65536 -> exit 1" "port '65536' is not 0-65535" --metrics-listen 127.0.0.1:65536
bad_start "--metrics-listen ::1:9464 (IPv6 without brackets) -> exit 1" "in brackets" --metrics-listen ::1:9464
bad_start "--metrics-listen [::1 -> exit 1" "[ADDR]:PORT" --metrics-listen "[::1"
bad_start "--metrics-listen :9464 (no address) -> exit 1" "the address is missing" --metrics-listen :9464
bad_start "--metrics-listen 192.0.2.1:9464 (not this host's) -> exit 1" \
	"no interface of this host has that address" --metrics-listen 192.0.2.1:9464
bad_start "--metrics-listen given twice -> exit 1" "given twice" \
	--metrics-listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0
bad_start "--metrics-listen without a value -> exit 1" "needs a value" --metrics-listen
if [ -e /proc/net/if_inet6 ] && python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	"$DAEMON" -s "$T/v6.sock" -d "$T/v6-state" -c "$PROFILES" --root "$hardened" \
		--metrics-listen '[::1]:0' 2>"$T/v6.log" &
	v6=$!
	PIDS+=($v6)
	for _ in $(seq 100); do
		grep -q 'metrics listener on' "$T/v6.log" && break
		sleep 0.05
	done
	port6=$(sed -n 's|.*metrics listener on http://\[::1\]:\([0-9]*\)/metrics.*|\1|p' "$T/v6.log")
	check "--metrics-listen [::1]:0 serves /metrics over IPv6" \
		bash -c 'curl -sf "http://[::1]:$1/metrics" | grep -q "^cisreport_build_info"' _ "$port6"
	kill "$v6"
	wait "$v6" 2>/dev/null
else
	echo "ok - --metrics-listen [::1]:0 # SKIP no IPv6 loopback here"
fi

# ------------------------------------------------------------- Prometheus
# A free port for Prometheus: bound and released by Python, then taken by
# Prometheus (a race only with another program choosing the same port at
# the same moment; the start is retried on another port).
sed -E 's/^( *)for: .*/\1for: 0s/' "$RULES" >"$T/rules.yml"
cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
scrape_configs:
  - job_name: cisreport
    static_configs:
      - targets: ["127.0.0.1:$port_h"]
        labels: {node: hardened}
      - targets: ["127.0.0.1:$port_f"]
        labels: {node: failing}
EOF
check "promtool check config (the test's config, the shipped rules)" "$PROMTOOL" check config "$T/prometheus.yml"
prom_up=false
for attempt in 1 2 3; do
	pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$PROMETHEUS" --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb-$attempt" \
		--web.listen-address="127.0.0.1:$pport" --log.level=warn 2>"$T/prometheus.log" &
	prom=$!
	PIDS+=($prom)
	for _ in $(seq 200); do
		if curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null 2>&1; then
			prom_up=true
			break 2
		fi
		kill -0 "$prom" 2>/dev/null || break
		sleep 0.1
	done
	kill "$prom" 2>/dev/null
	wait "$prom" 2>/dev/null
done
if ! $prom_up; then
	bad "Prometheus starts on 127.0.0.1" "$(tail -20 "$T/prometheus.log")"
	echo "$passed passed, $failed failed"
	exit 1
fi
ok "Prometheus $("$PROMETHEUS" --version 2>&1 | head -1 | awk '{print $3}') ready on 127.0.0.1:$pport"
PROM_URL=http://127.0.0.1:$pport

# The reports, as each node's socket answers them (JSON, levels 1 and 2).
for node in hardened failing; do
	mkdir -p "$T/reports/$node"
	for name in $(curl -sf --unix-socket "$T/$node.sock" http://localhost/report |
		python3 -c 'import json,sys; print(" ".join(r["name"] for r in json.load(sys.stdin)))'); do
		for lvl in 1 2; do
			curl -s --unix-socket "$T/$node.sock" -o "$T/reports/$node/$name-$lvl.json" \
				"http://localhost/report/$name?level=$lvl&format=json"
		done
	done
done

check "both targets scraped and up" "${CHECK[@]}" wait-up "$PROM_URL" hardened failing
check "every check's status is what the node's report says (cisreport_check_status)" \
	"${CHECK[@]}" statuses "$PROM_URL" "$T/reports"
check "the counts per report and level are the report's (cisreport_checks)" \
	"${CHECK[@]}" counts "$PROM_URL" "$T/reports"
check "the waived checks are the report's (cisreport_check_waived)" \
	"${CHECK[@]}" waivers "$PROM_URL" "$T/reports"
check "cisreport:failing_checks:count is what the reports fail, unwaived" \
	"${CHECK[@]}" failing "$PROM_URL" "$T/reports"
check "CisreportNodeNonCompliant fires for exactly the failing (node, report) pairs" \
	"${CHECK[@]}" alert-noncompliant "$PROM_URL" "$T/reports"
check "CisreportCheckFailingOnManyNodes fires for exactly the unwaived failing checks" \
	"${CHECK[@]}" alert-checks "$PROM_URL" "$T/reports"
check "every PromQL expression of the Grafana dashboard runs against Prometheus" \
	"${CHECK[@]}" dashboard "$PROM_URL" "$DASHBOARD"
check "no other alert fires (NotReporting, Stale, RuntimeEvents, ObserverDown)" \
	"${CHECK[@]}" no-other-alerts "$PROM_URL"

# The failing node stops: its scrapes fail, and the alert says so.
kill "$failing_pid"
wait "$failing_pid" 2>/dev/null
check "a node that stops answering: up == 0 and CisreportNodeNotReporting fires" \
	"${CHECK[@]}" alert-down "$PROM_URL" failing

check "Prometheus logged no error" bash -c '! grep -E "level=(error|fatal)" "$1"' _ "$T/prometheus.log"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
