#!/usr/bin/env bash
# cisreportd's units input over a private D-Bus system bus: a dbus-daemon of
# the test's own, pointed at by DBUS_SYSTEM_BUS_ADDRESS, where
# tests/helpers/fake_systemd plays org.freedesktop.systemd1 (GetUnit,
# Subscribe, chronyd.service's ActiveState). The daemon subscribes to the
# units' PropertiesChanged signals: with every time-to-live at 10 minutes,
# a signal for chronyd.service makes the next report re-run the chrony
# check (and shows the new ActiveState), a signal about another unit does
# not, and without a bus the report says the units input is on its TTL.
set -uo pipefail
BUILD_DIR=${BUILD_DIR:?run through ctest, or set BUILD_DIR}
FAKE=$BUILD_DIR/tests/fake_systemd
if [ ! -x "$FAKE" ] || [ ! -x /usr/bin/dbus-daemon ]; then
	echo "1..0 # SKIP needs dbus-daemon and a build with libsystemd (tests/fake_systemd)"
	exit 0
fi
T=$(mktemp -d /tmp/cisreport-units.XXXXXX)
SOCK=$T/api.sock
DPID= BPID= FPID=
# shellcheck source=tests/e2e/lib_tap.sh
. "$(dirname "$0")/lib_tap.sh"
cleanup() {
	for p in $DPID $FPID $BPID; do kill -9 "$p" 2>/dev/null; done
	exec 7>&- 8<&- 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/profiles/level1" "$T/state"
echo '{"observer": false}' >"$T/state/settings.json"
echo "pool 2.pool.ntp.org iburst" >"$T/chrony.conf"
cat >"$T/profiles/level1/b.json" <<JSON
{"format_version": 1,
 "benchmark": {"type": "bottlerocket", "report": "cis", "name": "units", "version": "1", "url": "https://example.invalid/"},
 "checks": [
  {"name": "c_chrony", "id": "1", "title": "chrony", "mode": "Automatic", "remediation": "-",
   "kind": "chrony", "params": {"config": "$T/chrony.conf", "service": "chronyd.service", "process": "chronyd"}}
 ]}
JSON
cat >"$T/bus.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=$T/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
XML
dbus-daemon --config-file="$T/bus.conf" --nofork --print-address=1 >"$T/address" 2>/dev/null &
BPID=$!
for _ in $(seq 100); do [ -s "$T/address" ] && break; sleep 0.05; done
# Without the bus's guid, as a system's address is (a restarted bus daemon
# has another guid, which sd-bus would refuse).
ADDRESS=$(head -1 "$T/address" | sed 's/,guid=.*//')
mkfifo "$T/fake.in"
"$FAKE" "$ADDRESS" chronyd.service active <"$T/fake.in" >"$T/fake.out" 2>"$T/fake.err" &
FPID=$!
exec 7>"$T/fake.in"
for _ in $(seq 100); do grep -q ready "$T/fake.out" 2>/dev/null && break; sleep 0.05; done
# Tell fake_systemd a new state (or a signal about another unit) and wait
# until it has gone through the bus daemon.
emits=0
emit() {
	emits=$((emits + 1))
	echo "$*" >&7
	for _ in $(seq 200); do [ "$(grep -c '^emitted' "$T/fake.out")" -ge "$emits" ] && return 0; sleep 0.01; done
	return 1
}

DBUS_SYSTEM_BUS_ADDRESS=$ADDRESS "$BUILD_DIR/cisreportd" -s "$SOCK" -d "$T/state" -c "$T/profiles" \
	--ttl 600000 --full-interval 3600 2>"$T/log" &
DPID=$!
for _ in $(seq 100); do curl -sf --unix-socket "$SOCK" http://localhost/report >/dev/null && break; sleep 0.05; done
N=0
report() { N=$((N + 1)); curl -s --unix-socket "$SOCK" -o "$T/r$N.json" "http://localhost/report/cis?format=json"; }
# status, evaluated_at and the running evidence of the chrony check
chrony() { python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = d["results"]["c_chrony"]
ev = [e["actual"] for e in r["evidence"] if e["item"] == "chronyd running"]
print(r["status"], r["evaluated_at"], ev[0] if ev else "-", "|", d.get("watch_degraded", ""))' "$T/r${1:-$N}.json"; }

report
report
first=$(chrony 1) second=$(chrony)
case $first in
*"ActiveState active (systemd over D-Bus)"*) [ "$first" = "$second" ] &&
	ok "chrony asks systemd on the private bus; the second report reuses the result" ||
	bad "second report re-ran chrony" "$first / $second" ;;
*) bad "chrony over the private bus" "$first $(tail -3 "$T/log")" ;;
esac
case $second in
*"| ") ok "the units input is watched: no watch_degraded" ;;
*) bad "units input degraded with a bus" "$second" ;;
esac

emit inactive sshd.service || bad "fake_systemd did not emit" "$(cat "$T/fake.err")"
report
[ "$(chrony)" = "$first" ] && ok "PropertiesChanged of another unit: chrony not re-run" ||
	bad "another unit's signal re-ran chrony" "$first / $(chrony)"

emit inactive || bad "fake_systemd did not emit" "$(cat "$T/fake.err")"
report
after=$(chrony)
case $after in
FAIL*"ActiveState inactive"*) ok "PropertiesChanged of chronyd.service: the next report re-ran chrony (inactive, FAIL; TTL 10 min)" ;;
*) bad "units signal not seen" "before: $first / after: $after" ;;
esac
curl -s --unix-socket "$SOCK" "http://localhost/events?since=0" >"$T/ev.json"
python3 - "$T/ev.json" <<'PY' && ok "the drift event names the unit and the signal" || bad "units drift cause" "$(cat "$T/ev.json")"
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["events"] if e["check"] == "c_chrony"]
assert ev and ev[-1]["to"] == "FAIL", ev
assert "units chronyd.service" in ev[-1]["cause"] and "PropertiesChanged" in ev[-1]["cause"], ev[-1]
PY
emit active || bad "fake_systemd did not emit" "$(cat "$T/fake.err")"
report
case $(chrony) in
PASS*"ActiveState active"*) ok "and back: active, PASS" ;;
*) bad "units signal back to active" "$(chrony)" ;;
esac

# The bus goes away: the units fall back to their TTL, and the report says so.
kill "$FPID" "$BPID"; wait "$FPID" "$BPID" 2>/dev/null; FPID= BPID=
for _ in $(seq 50); do
	report
	case $(chrony) in *"system bus connection lost"*) break ;; esac
	sleep 0.1
done
case $(chrony) in
*"| "*"units input not watched"*"system bus connection lost"*) ok "bus gone: watch_degraded says the units input is on its TTL" ;;
*) bad "bus loss not said" "$(chrony)" ;;
esac
degraded() { curl -s --unix-socket "$SOCK" http://localhost/metrics | sed -n 's/^cisreport_watch_degraded{input="units"} //p'; }
[ "$(degraded)" = 1 ] && ok "bus gone: cisreport_watch_degraded{input=\"units\"} 1" ||
	bad "bus loss not in /metrics" "$(degraded)"

# The bus comes back (dbus-daemon restarted at the same address, then
# systemd): the daemon connects again by itself, with backoff (1 s, 2 s,
# ...), and the units are watched again: no TTL, no watch_degraded.
sleep 1.5 # an attempt or two fail first: no socket
rm -f "$T/bus"
: >"$T/address"
dbus-daemon --config-file="$T/bus.conf" --nofork --print-address=1 >"$T/address" 2>/dev/null &
BPID=$!
for _ in $(seq 100); do [ -s "$T/address" ] && break; sleep 0.05; done
exec 7>&-
rm -f "$T/fake.in"
mkfifo "$T/fake.in"
: >"$T/fake.out"
"$FAKE" "$ADDRESS" chronyd.service active <"$T/fake.in" >"$T/fake.out" 2>"$T/fake.err" &
FPID=$!
exec 7>"$T/fake.in"
emits=0
for _ in $(seq 100); do grep -q ready "$T/fake.out" 2>/dev/null && break; sleep 0.05; done
back=
for _ in $(seq 150); do
	[ "$(degraded)" = 0 ] && back=1 && break
	sleep 0.1
done
[ -n "$back" ] && grep -q "units: system bus connection back after" "$T/log" &&
	ok "bus back: the daemon reconnected by itself ($(grep -o 'back after [0-9]* attempt(s)' "$T/log" | tail -1)), /metrics degraded 0" ||
	bad "no reconnection" "degraded=$(degraded); $(grep 'units:' "$T/log" | tail -3)"
grep -q "units: system bus still lost" "$T/log" && ok "the failed attempts are logged" ||
	bad "failed attempts not logged" "$(grep 'units:' "$T/log" | tail -3)"
report
case $(chrony) in
PASS*"ActiveState active"*"| ") ok "after the reconnection the report has no watch_degraded" ;;
*) bad "report after the reconnection" "$(chrony)" ;;
esac
before=$(chrony)
emit inactive || bad "fake_systemd did not emit after the restart" "$(cat "$T/fake.err")"
report
case $(chrony) in
FAIL*"ActiveState inactive"*) ok "a signal after the reconnection is in the next report (TTL 10 min)" ;;
*) bad "signal after the reconnection not seen" "before: $before / after: $(chrony)" ;;
esac
kill "$DPID"; wait "$DPID"; DPID=
kill "$FPID" "$BPID"; wait "$FPID" "$BPID" 2>/dev/null; FPID= BPID=

# No bus at all: TTL, said in the report.
env -u DBUS_SYSTEM_BUS_ADDRESS "$BUILD_DIR/cisreportd" -s "$SOCK.2" -d "$T/state" -c "$T/profiles" 2>>"$T/log" &
DPID=$!
for _ in $(seq 100); do curl -sf --unix-socket "$SOCK.2" http://localhost/report >/dev/null && break; sleep 0.05; done
N=$((N + 1))
curl -s --unix-socket "$SOCK.2" -o "$T/r$N.json" "http://localhost/report/cis?format=json"
if [ -S /run/dbus/system_bus_socket ]; then
	echo "ok - no bus # SKIP this host has a system bus"
	passed=$((passed + 1))
else
	case $(chrony) in
	*"| 1 units input not watched (last: units chronyd.service: no system bus"*) ok "without a system bus: watch_degraded names the units input and why" ;;
	*) bad "no bus not said" "$(chrony)" ;;
	esac
fi
kill "$DPID"; wait "$DPID"; DPID=
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
