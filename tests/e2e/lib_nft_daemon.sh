# shellcheck shell=bash
# Sourced by the e2e tests of cisreportd over a live nf_tables ruleset, in a
# private network namespace (root): skips without root, network namespaces
# or nft; re-runs the test inside `unshare -n`; then sets up
#   T      a scratch directory (removed at exit unless KEEP is set),
#   SOCK   the daemon's socket, DPID its pid (killed at exit),
#   lo up, tests/fixtures/nft/compliant.nft loaded, and $T/profiles: the
#   two firewall checks (c_policy: IPv4 default deny, c_loopback), with
#   $T/state's settings turning the observer off.
# nft_daemon_start ARGS...: cisreportd over those with ARGS, once it answers.
# report: GET the cis report into $T/r<N>.json (N counts them).
# f CHECK FIELD [N]: a field of a check's result in report N (the last).
BUILD_DIR=${BUILD_DIR:?run through ctest, or set BUILD_DIR}
if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null || ! command -v nft >/dev/null; then
	echo "1..0 # SKIP needs root, network namespaces and nft"
	exit 0
fi
if [ "${INSIDE_NS:-}" != 1 ]; then
	exec env INSIDE_NS=1 unshare -n bash "$0" "$@"
fi
T=$(mktemp -d "/tmp/cisreport-$(basename "$0" .sh).XXXXXX")
SOCK=$T/api.sock
DPID=
# shellcheck source=tests/e2e/lib_tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_tap.sh"
trap '[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
ip link set lo up
nft -f "$SOURCE_DIR/tests/fixtures/nft/compliant.nft" || { bad "nft -f compliant.nft"; exit 1; }
mkdir -p "$T/profiles/level1" "$T/state"
echo '{"observer": false}' >"$T/state/settings.json"
cat >"$T/profiles/level1/b.json" <<'JSON'
{"format_version": 1,
 "benchmark": {"type": "bottlerocket", "report": "cis", "name": "live", "version": "1", "url": "https://example.invalid/"},
 "checks": [
  {"name": "c_policy", "id": "1", "title": "default deny", "mode": "Automatic", "remediation": "-",
   "kind": "firewall_policy", "params": {"family": "ipv4", "chains": {"INPUT": "DROP", "FORWARD": "DROP", "OUTPUT": "DROP"}}},
  {"name": "c_loopback", "id": "2", "title": "loopback", "mode": "Automatic", "remediation": "-",
   "kind": "firewall_loopback", "params": {"family": "ipv4", "source": "127.0.0.0/8"}}
 ]}
JSON

nft_daemon_start() {
	"$BUILD_DIR/cisreportd" -s "$SOCK" -d "$T/state" -c "$T/profiles" "$@" 2>"$T/log" &
	DPID=$!
	for _ in $(seq 100); do curl -sf --unix-socket "$SOCK" http://localhost/report >/dev/null && break; sleep 0.05; done
}

N=0
report() { N=$((N + 1)); curl -s --unix-socket "$SOCK" -o "$T/r$N.json" "http://localhost/report/cis?format=json"; }
f() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][sys.argv[2]][sys.argv[3]])' "$T/r${3:-$N}.json" "$1" "$2"; }
