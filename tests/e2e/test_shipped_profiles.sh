#!/usr/bin/env bash
# End to end: the shipped profiles compiled into cisreport (tools/
# profile_compile) give exactly what parsing the JSON gives. A copy of
# profiles/ with one blank appended to every file is no longer
# byte-identical to what the binary carries, so it is parsed and validated;
# the reports and listings over it must be the same bytes (the folder name
# aside) for every benchmark and level, in every format checked here.
set -uo pipefail

: "${CISREPORT:?}" "${SOURCE_DIR:?}" "${FIXTURES:?}"
tmp=$(mktemp -d /tmp/cisreport-e2e-shipped.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/e2e/lib_tap.sh
. "$SOURCE_DIR/tests/e2e/lib_tap.sh"

cp -R "$SOURCE_DIR/profiles" "$tmp/shipped"
cp -R "$SOURCE_DIR/profiles" "$tmp/parsed"
for f in "$tmp"/parsed/level*/*.json; do
	printf ' ' >>"$f"
done

# same NAME ARGS...: the output over both copies, timestamps and folder names masked
same() {
	local name=$1
	shift
	"$CISREPORT" -c "$tmp/shipped" "$@" >"$tmp/a.out" 2>&1
	local rc_a=$?
	"$CISREPORT" -c "$tmp/parsed" "$@" >"$tmp/b.out" 2>&1
	local rc_b=$?
	sed -i -E "s#$tmp/(shipped|parsed)#DIR#g; s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/TS/g" \
		"$tmp/a.out" "$tmp/b.out"
	if [ "$rc_a" = "$rc_b" ] && cmp -s "$tmp/a.out" "$tmp/b.out"; then
		ok "$name: same output (exit $rc_a, $(wc -c <"$tmp/a.out") bytes)"
	else
		bad "$name: exit $rc_a vs $rc_b; $(diff "$tmp/a.out" "$tmp/b.out" | head -5)"
	fi
}

for type in bottlerocket kubernetes fips fips-agent; do
	case $type in
	kubernetes) root=$FIXTURES/k8s-hardened ;;
	fips*) root=$FIXTURES/fips-enabled ;;
	*) root=$FIXTURES/hardened ;;
	esac
	same "$type --list" -t "$type" --list
	for level in 0 1 2; do
		same "$type -l $level json" -t "$type" -l "$level" -f json --root "$root"
		same "$type -l $level text -v" -t "$type" -l "$level" -v --root "$root"
	done
done
same "no -t: the type chosen alike" -l 2 -f json --root "$FIXTURES/hardened"

# A shipped file's bytes under another name are still the shipped file.
cp -R "$SOURCE_DIR/profiles" "$tmp/renamed"
mv "$tmp/renamed/level1/bottlerocket.json" "$tmp/renamed/level1/mine.json"
"$CISREPORT" -c "$tmp/shipped" -l 2 -f json --root "$FIXTURES/hardened" 2>&1 |
	sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/TS/g' >"$tmp/a.out"
"$CISREPORT" -c "$tmp/renamed" -l 2 -f json --root "$FIXTURES/hardened" 2>&1 |
	sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/TS/g' >"$tmp/b.out"
if cmp -s "$tmp/a.out" "$tmp/b.out"; then
	ok "a shipped file renamed: the same report"
else
	bad "a shipped file renamed: $(diff "$tmp/a.out" "$tmp/b.out" | head -3)"
fi

# Where a shipped file's name holds no regular file, it is the same error
# as for any profile file, never a hang: a FIFO with no writer, /dev/zero,
# /dev/null, and a copy one byte short.
for what in fifo zero null short; do
	rm -rf "$tmp/odd"
	cp -R "$SOURCE_DIR/profiles" "$tmp/odd"
	f=$tmp/odd/level1/bottlerocket.json
	case $what in
	fifo) rm "$f" && mkfifo "$f" ;;
	zero) rm "$f" && ln -s /dev/zero "$f" ;;
	null) rm "$f" && ln -s /dev/null "$f" ;;
	short) truncate -s -2 "$f" ;;
	esac
	out=$(timeout 10 "$CISREPORT" -c "$tmp/odd" -l 2 -f json --root "$FIXTURES/hardened" 2>&1 >/dev/null)
	rc=$?
	case $what in
	short) want="bottlerocket.json:" ;;
	*) want="bottlerocket.json: cannot read: not a regular file" ;;
	esac
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && printf '%s' "$out" | grep -qF "$want"; then
		ok "level1/bottlerocket.json as $what: exit $rc, $out"
	else
		bad "level1/bottlerocket.json as $what: exit $rc, $out"
	fi
done

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
