#!/usr/bin/env bash
# Interrupted writes leave nothing half-done (issue 16, item 5). A writer
# killed at each stage of an atomic write (CISREPORT_FAULT_ATOMIC makes it
# SIGKILL itself there: temp created, temp written, before the rename, after
# it) leaves the target old or new, never partial, and at most one temporary
# file, mode 0600 (the final mode only just before the rename); cisreportd
# removes it at its next start. Then kill -9 at
# random moments of a stream of PATCHes: after each restart settings.json is
# one of the documents written and no temporary file is left.
set -uo pipefail

BUILD_DIR=${BUILD_DIR:?run through ctest, or set BUILD_DIR}
SOURCE_DIR=${SOURCE_DIR:?run through ctest, or set SOURCE_DIR}
FIX=$SOURCE_DIR/tests/fixtures/api
CLI=$BUILD_DIR/cisreport
DAEMON=$BUILD_DIR/cisreportd
ROUNDS=${ROUNDS:-20}

T=$(mktemp -d /tmp/cisreport-atomic-kill.XXXXXX)
S=$T/state
SOCK=$T/api.sock
LOG=$T/daemon.log
DPID= LPID=
# shellcheck source=tests/e2e/lib_tap.sh
. "$(dirname "$0")/lib_tap.sh"
trap 'tap_cleanup LPID DPID' EXIT

temps() { find "$S" -name 'settings.json.tmp.*' | wc -l; }
level() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["level"])' "$S/settings.json" 2>/dev/null || echo invalid; }
start() {
	: >"$LOG"
	env "$@" "$DAEMON" -s "$SOCK" -d "$S" -c "$FIX/profiles" --root "$FIX/root" 2>>"$LOG" &
	DPID=$!
	for _ in $(seq 200); do
		[ -S "$SOCK" ] && curl -sf --unix-socket "$SOCK" http://localhost/settings >/dev/null && return 0
		kill -0 "$DPID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
patch() {
	timeout 10 curl -s --unix-socket "$SOCK" -X PATCH --data-binary "$1" -o /dev/null \
		-w '%{http_code}' http://localhost/settings 2>/dev/null
}
# wait_dead: the daemon is gone within 10 s (its own SIGKILL or ours).
wait_dead() {
	for _ in $(seq 200); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$DPID" 2>/dev/null; then
		kill -9 "$DPID"
		wait "$DPID" 2>/dev/null
		DPID=
		return 1
	fi
	wait "$DPID" 2>/dev/null
	DPID=
	return 0
}

mkdir -p "$S"
# --- the daemon killed at each stage of a settings write ------------------------
for stage in open write rename renamed; do
	printf '{"level": 1, "observer": false}\n' >"$S/settings.json"
	chmod 0600 "$S/settings.json"
	rm -f "$SOCK"
	if ! start CISREPORT_FAULT_ATOMIC=$stage; then
		bad "$stage: daemon start" "$(cat "$LOG")"
		continue
	fi
	patch '{"level": 2}' >/dev/null
	wait_dead || bad "$stage: the fault did not kill the writer"
	lv=$(level)
	want=1
	[ "$stage" = renamed ] && want=2
	[ "$lv" = "$want" ] && ok "killed at \"$stage\": settings.json is the $([ "$want" = 1 ] && echo old || echo new) document" ||
		bad "killed at $stage: settings.json" "level=$lv: $(cat "$S/settings.json")"
	n=$(temps)
	if [ "$stage" = renamed ]; then
		[ "$n" -eq 0 ] && ok "killed at \"$stage\": no temporary file" || bad "$stage temps" "$n"
	else
		tmp=$(find "$S" -name 'settings.json.tmp.*')
		[ "$n" -eq 1 ] && [ "$(stat -c %a "$tmp")" = 600 ] &&
			ok "killed at \"$stage\": one temporary file left, mode 0600" ||
			bad "$stage temps" "$n $(ls -l "$S")"
	fi
	rm -f "$SOCK"
	if start; then
		[ "$(temps)" -eq 0 ] && ok "restart after \"$stage\": no temporary file survives" ||
			bad "restart after $stage" "$(ls -la "$S")"
		if [ "$stage" != renamed ]; then
			grep -q "removed $S/settings.json.tmp.[A-Za-z0-9]\{6\}, left by an interrupted settings write" "$LOG" &&
				ok "restart after \"$stage\": the removal is logged" || bad "removal log" "$(cat "$LOG")"
		fi
		[ "$(patch '{"level": 1}')" = 200 ] && [ "$(level)" = 1 ] && ok "restart after \"$stage\": settings writable" ||
			bad "write after restart"
		kill -TERM "$DPID"
		wait_dead
	else
		bad "restart after $stage" "$(cat "$LOG")"
	fi
done

# A file that only looks like ours is left alone.
touch "$S/settings.json.tmp.keep-me" "$S/other.tmp.ABCDEF"
rm -f "$SOCK"
start && kill -TERM "$DPID" && wait_dead
[ -e "$S/settings.json.tmp.keep-me" ] && [ -e "$S/other.tmp.ABCDEF" ] &&
	ok "files not of our naming are not removed" || bad "removed too much" "$(ls -la "$S")"
rm -f "$S/settings.json.tmp.keep-me" "$S/other.tmp.ABCDEF"

# --- the CLI's -o killed at each stage ----------------------------------------------
OUT=$T/out/report.json
mkdir -p "$T/out"
echo '"old"' >"$OUT"
for stage in open write rename renamed; do
	echo '"old"' >"$OUT"
	rm -f "$T"/out/report.json.tmp.*
	CISREPORT_FAULT_ATOMIC=$stage timeout 15 "$CLI" -c "$FIX/profiles" --root "$FIX/root" -f json -o "$OUT" 2>/dev/null
	rc=$?
	n=$(find "$T/out" -name 'report.json.tmp.*' | wc -l)
	if [ "$stage" = renamed ]; then
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, dict)' "$OUT" &&
			[ "$n" -eq 0 ] && [ "$rc" -eq 137 ] && ok "cisreport -o killed at \"$stage\": the new report whole, no temporary" ||
			bad "cli $stage" "rc=$rc n=$n"
	else
		# 0600 while written; the final mode (0644) just before the rename.
		want=600
		[ "$stage" = rename ] && want=644
		[ "$(cat "$OUT")" = '"old"' ] && [ "$n" -eq 1 ] && [ "$rc" -eq 137 ] &&
			[ "$(stat -c %a "$(find "$T/out" -name 'report.json.tmp.*')")" = $want ] &&
			ok "cisreport -o killed at \"$stage\": the old file untouched, its temporary $want" ||
			bad "cli $stage" "rc=$rc n=$n $(head -c 100 "$OUT")"
	fi
done

# --- kill -9 at random moments under a stream of writes -------------------------------
printf '{"level": 1, "observer": false}\n' >"$S/settings.json"
survivors=0 killed_mid=0 bad_doc=0
for round in $(seq "$ROUNDS"); do
	rm -f "$SOCK"
	if ! start; then
		bad "round $round: start" "$(tail -5 "$LOG")"
		break
	fi
	n=$(temps)
	[ "$n" -eq 0 ] || survivors=$((survivors + 1))
	# Writers: level 1 and 2 in turn, as fast as they are answered.
	(
		i=0
		while :; do
			timeout 5 curl -s --unix-socket "$SOCK" -X PATCH -o /dev/null \
				--data-binary "{\"level\": $((i % 2 + 1))}" http://localhost/settings 2>/dev/null
			i=$((i + 1))
		done
	) &
	LPID=$!
	sleep "0.$((RANDOM % 300 + 20))"
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
	DPID=
	kill -9 "$LPID" 2>/dev/null
	wait "$LPID" 2>/dev/null
	LPID=
	[ "$(temps)" -gt 0 ] && killed_mid=$((killed_mid + 1))
	lv=$(level)
	case "$lv" in 1 | 2) ;; *) bad_doc=$((bad_doc + 1)) ;; esac
done
rm -f "$SOCK"
start && { [ "$(temps)" -eq 0 ] || survivors=$((survivors + 1)); kill -TERM "$DPID"; wait_dead; }
echo "# $ROUNDS kill -9 rounds: $killed_mid killed mid-write (a temporary left), $bad_doc bad documents, $survivors temporaries surviving a restart"
[ "$bad_doc" -eq 0 ] && ok "kill -9 under writes ($ROUNDS rounds): settings.json always a whole document" ||
	bad "bad documents after kill -9" "$bad_doc"
[ "$survivors" -eq 0 ] && ok "kill -9 under writes: no temporary file survives a restart" ||
	bad "temporaries survived restarts" "$survivors"

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
