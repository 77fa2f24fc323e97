#!/usr/bin/env bash
# cisreport evidence killed while writing a bundle (issue 16): at each stage
# of the write (CISREPORT_FAULT_ATOMIC makes it SIGKILL itself: temporary
# directory created, first file written, complete before the rename, after
# the rename) and with kill -9 at random moments. Each time there is either
# no bundle or a whole one that verifies; the one temporary directory left
# ("BUNDLE.tmp.XXXXXX") is mode 0700 while it is built, and the next run,
# for the same bundle or another one beside it, removes it and says so; no
# temporary survives that run.
set -uo pipefail
: "${CISREPORT:?}" "${SOURCE_DIR:?}"
# shellcheck source=tests/e2e/lib_tap.sh
. "$SOURCE_DIR/tests/e2e/lib_tap.sh"
FIX=$SOURCE_DIR/tests/fixtures/api
ROUNDS=${ROUNDS:-12}
T=$(mktemp -d /tmp/cisreport-evidence-kill.XXXXXX)
trap 'rm -rf "$T"' EXIT

evidence() { "$CISREPORT" evidence -c "$FIX/profiles" --root "$FIX/root" "$@"; }
temps() { find "$T" -maxdepth 1 -name '*.tmp.*' | wc -l; }
# whole BUNDLE: the bundle is absent, or complete and verifying
whole() { [ ! -e "$1" ] || "$CISREPORT" verify "$1" >/dev/null 2>&1; }

for stage in open write rename renamed; do
	rm -rf "${T:?}"/*
	CISREPORT_FAULT_ATOMIC=$stage evidence -o "$T/b" >/dev/null 2>&1
	rc=$?
	if [ $rc -eq 137 ]; then ok "$stage: the writer killed itself"; else bad "$stage: exit $rc, not SIGKILL"; fi
	if whole "$T/b"; then ok "$stage: no bundle or a whole one"; else bad "$stage: a partial bundle" "$(ls -laR "$T")"; fi
	n=$(temps)
	if [ "$stage" = renamed ]; then
		[ "$n" -eq 0 ] && [ -d "$T/b" ] && ok "$stage: the bundle in place, no temporary" ||
			bad "$stage: $n temporaries" "$(ls -la "$T")"
		continue
	fi
	tmp=$(find "$T" -maxdepth 1 -name 'b.tmp.*')
	if [ "$n" -eq 1 ] && [ -n "$tmp" ]; then ok "$stage: one temporary left, $(basename "$tmp")"; else bad "$stage: $n temporaries" "$(ls -la "$T")"; fi
	mode=$(stat -c %a "$tmp" 2>/dev/null)
	if [ "$stage" != rename ]; then
		# complete (rename) it has its final mode just before the rename
		[ "$mode" = 700 ] && ok "$stage: the temporary is mode 0700" || bad "$stage: temporary mode $mode"
	fi
	# the next run: the same bundle for the first stages, another beside it for the rest
	next=$T/b
	[ "$stage" = rename ] && next=$T/other
	out=$(evidence -o "$next" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && ok "$stage: the next run writes $(basename "$next")" || bad "$stage: next run exit $rc" "$out"
	grep -qF "removed $tmp, left by an interrupted run" <<<"$out" &&
		ok "$stage: ...and says it removed the temporary" || bad "$stage: not said" "$out"
	n=$(temps)
	[ "$n" -eq 0 ] && ok "$stage: ...no temporary survives" || bad "$stage: $n temporaries after the next run" "$(ls -la "$T")"
	"$CISREPORT" verify "$next" >/dev/null 2>&1 && ok "$stage: ...the new bundle verifies" || bad "$stage: the new bundle does not verify"
done

# A bundle that exists is never overwritten, and its stale temporaries still go.
rm -rf "${T:?}"/*
evidence -o "$T/b" >/dev/null 2>&1
mkdir "$T/b.tmp.Ab12xZ"
echo '{}' >"$T/b.tmp.Ab12xZ/report.json"
fails "an existing bundle is refused" "already exists" evidence -o "$T/b"
[ "$(temps)" -eq 0 ] && ok "  ...its stale temporary removed" || bad "  ...temporary kept" "$(ls -la "$T")"
# Someone else's directory that only looks like one is left alone.
mkdir "$T/notes.tmp.Qw12er" && echo hi >"$T/notes.tmp.Qw12er/notes.txt"
evidence -o "$T/c" >/dev/null 2>&1
[ -f "$T/notes.tmp.Qw12er/notes.txt" ] && ok "a directory holding other files is not ours: kept" ||
	bad "notes.tmp.Qw12er removed"
rm -rf "$T/notes.tmp.Qw12er"

# kill -9 at random moments of a write; then the next run leaves a whole bundle, no temporary.
rounds_ok=0 with_temp=0 with_bundle=0
for i in $(seq "$ROUNDS"); do
	rm -rf "${T:?}"/*
	# the binary itself in the background (a function would be a subshell)
	"$CISREPORT" evidence -c "$FIX/profiles" --root "$FIX/root" -o "$T/r" >/dev/null 2>&1 &
	pid=$!
	sleep "0.$((RANDOM % 3))$((RANDOM % 10))$((RANDOM % 10))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if ! whole "$T/r"; then
		bad "round $i: a partial bundle" "$(ls -laR "$T")"
		continue
	fi
	[ "$(temps)" -ne 0 ] && with_temp=$((with_temp + 1))
	if [ -e "$T/r" ]; then next=$T/r2 with_bundle=$((with_bundle + 1)); else next=$T/r; fi
	if ! evidence -o "$next" >/dev/null 2>&1 || [ "$(temps)" -ne 0 ] || ! "$CISREPORT" verify "$next" >/dev/null 2>&1; then
		bad "round $i: after the next run" "$(ls -la "$T")"
		continue
	fi
	rounds_ok=$((rounds_ok + 1))
done
[ "$rounds_ok" -eq "$ROUNDS" ] &&
	ok "kill -9 at random, $ROUNDS rounds ($with_temp left a temporary, $with_bundle a bundle): whole bundles, no temporary after the next run" ||
	bad "kill -9 at random: $rounds_ok of $ROUNDS rounds"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
