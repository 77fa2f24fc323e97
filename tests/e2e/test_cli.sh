#!/usr/bin/env bash
# End-to-end tests of the cisreport binary: exit codes, messages, output
# formats, atomic output files, the bloodhound-style install layout and the
# documentation's samples. Run by ctest with:
#   CISREPORT  the binary under test
#   SOURCE_DIR the source tree (profiles/, docs/, README.md, tests/)
#   FIXTURES   the fixture trees (hardened/ is a host where every automatic check passes)
#   BUILD_DIR  the build tree (for the DESTDIR install test)
# Optional, to test another profile tree: PROFILES (default $SOURCE_DIR/profiles)
# and GOLDEN (default tests/e2e/golden/hardened-level2.txt).
# UPDATE_GOLDEN=1 rewrites the golden file from the binary's output instead of
# comparing (then review the diff before committing it).
set -u
: "${CISREPORT:?set CISREPORT to the cisreport binary}"
: "${SOURCE_DIR:?set SOURCE_DIR to the source tree}"
: "${FIXTURES:?set FIXTURES to the fixture trees}"
BUILD_DIR=${BUILD_DIR:-}
PROFILES=${PROFILES:-$SOURCE_DIR/profiles}
GOLDEN=${GOLDEN:-$SOURCE_DIR/tests/e2e/golden/hardened-level2.txt}
SCHEMA=$SOURCE_DIR/docs/json-schema.json
PY=${PYTHON:-python3}

work=$(mktemp -d /tmp/cisreport-e2e.XXXXXX)
cleanup() {
	chmod -R u+rwX "$work" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
skipped=0
skip() {
	skipped=$((skipped + 1))
	echo "skip - $1"
}
ok() {
	passed=$((passed + 1))
	echo "ok   - $1"
}
not_ok() {
	failed=$((failed + 1))
	echo "FAIL - $1"
	shift
	local line
	for line in "$@"; do
		echo "         $line"
	done
}
# check NAME COMMAND...: the command's success is the test's.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}

# run ARGS...: run cisreport; sets rc, stdout in $work/out, stderr in $work/err.
run() {
	"$CISREPORT" "$@" >"$work/out" 2>"$work/err"
	rc=$?
}
# expect NAME WANT_RC [STDERR_SUBSTRING...]: judge the last run.
expect() {
	local name=$1 want=$2
	shift 2
	local problems=()
	[ "$rc" -eq "$want" ] || problems+=("exit status $rc, expected $want")
	local s
	for s in "$@"; do
		grep -qF -- "$s" "$work/err" || problems+=("stderr lacks: $s")
	done
	if [ ${#problems[@]} -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name" "${problems[@]}" "stderr: $(head -c 600 "$work/err")"
	fi
}
# expect_err_line NAME WANT_RC EXACT_FIRST_STDERR_LINE
expect_err_line() {
	local name=$1 want=$2 line=$3 got
	got=$(head -n 1 "$work/err")
	if [ "$rc" -eq "$want" ] && [ "$got" = "$line" ]; then
		ok "$name"
	else
		not_ok "$name" "exit status $rc (expected $want)" "stderr:   $got" "expected: $line"
	fi
}
# py FILE EXPR: evaluate a Python expression over the JSON document d in FILE.
py() {
	"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
# pyeq NAME FILE EXPR WANT
pyeq() {
	local got
	got=$(py "$2" "$3" 2>&1)
	if [ "$got" = "$4" ]; then ok "$1"; else not_ok "$1" "$3 = $got, expected $4"; fi
}
# validate NAME FILE: the JSON report in FILE matches docs/json-schema.json.
validate() {
	local msg
	if msg=$("$PY" - "$SCHEMA" "$2" <<'EOF' 2>&1
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator.check_schema(schema)
errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=str)
for e in errors[:5]:
    print("/".join(map(str, e.absolute_path)), e.message[:200])
sys.exit(1 if errors else 0)
EOF
	); then ok "$1"; else not_ok "$1" "$msg"; fi
}
mask_timestamp() {
	sed -E 's/^(Start time: +)[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3}|\.[0-9]{6}|\.[0-9]{9})?Z$/\1<TIMESTAMP>/'
}

# Facts from the profile tree, so the expectations follow the profiles.
profile_fact() {
	"$PY" - "$PROFILES" "$1" <<'EOF'
import glob, json, os, sys
checks = []
for f in glob.glob(os.path.join(sys.argv[1], "level*", "*.json")):
    level = int(os.path.basename(os.path.dirname(f))[5:])
    doc = json.load(open(f))
    if doc["benchmark"]["type"] == "bottlerocket":
        checks += [dict(c, level=level) for c in doc["checks"]]
# countN, autoN, manualN: checks of level <= N in a report without the
# runtime observer (runtime checks join only with --observe); listedN: every
# check of level <= N (--list shows them all); names; types
what = sys.argv[2]
static = lambda c: c["kind"] != "runtime"
n = {"count": static, "auto": lambda c: static(c) and c["mode"] == "Automatic",
     "manual": lambda c: static(c) and c["mode"] == "Manual", "listed": lambda c: True}
for key, pred in n.items():
    if what.startswith(key):
        print(sum(1 for c in checks if c["level"] <= int(what[len(key):]) and pred(c)))
if what == "names":
    print(" ".join(sorted(c["name"] for c in checks)))
if what == "types":
    types = set()
    for f in glob.glob(os.path.join(sys.argv[1], "level*", "*.json")):
        types.add(json.load(open(f))["benchmark"]["type"])
    print(" ".join(sorted(types)))
EOF
}
count1=$(profile_fact count1)
count2=$(profile_fact count2)
auto1=$(profile_fact auto1)
auto2=$(profile_fact auto2)
manual1=$(profile_fact manual1)
manual2=$(profile_fact manual2)
listed2=$(profile_fact listed2)

# The hardened host, copied: git keeps no file modes, and the journal files
# must not be readable by "other" (4.1.2).
hardened=$work/hardened
cp -a "$FIXTURES/hardened" "$hardened"
if [ -d "$hardened/var/log/journal" ]; then
	find "$hardened/var/log/journal" -type d -exec chmod 0750 {} +
	find "$hardened/var/log/journal" -type f -exec chmod 0640 {} +
fi
empty=$work/empty
mkdir -p "$empty"

echo "# cisreport e2e: $CISREPORT (profiles: $PROFILES: $count1 level-1 checks, $count2 in all)"
# Everything below needs a profile tree that loads: say so once, clearly.
run -c "$PROFILES" --list
if [ "$rc" -ne 0 ]; then
	not_ok "the profiles load" "$(cat "$work/err")"
	echo "# $passed passed, $failed failed, $skipped skipped"
	exit 1
fi

# ---------------------------------------------------------------- usage (1)
run --help
check "--help exits 0 and prints the usage" [ "$rc" -eq 0 ]
check "--help names every option" grep -q -- "--exit-code N" "$work/out"
cp "$work/out" "$work/help"
run -V
check "-V prints the version" grep -q "^cisreport [0-9]" "$work/out"

run --bogus
expect "unknown option -> 1" 1 "cisreport: unknown option '--bogus'" "Try 'cisreport --help' for the options."
# bloodhound's -l is a u8: 0 to 255 (sources/bloodhound/src/args.rs)
run -l 256
expect "level 256 -> 1" 1 "invalid level '256': a number from 0 to 255"
run -l two
expect "level 'two' -> 1" 1 "invalid level 'two': a number from 0 to 255"
run -l -1
expect "level -1 -> 1" 1 "invalid level '-1': a number from 0 to 255"
run -c "$PROFILES" -l 0
expect "level 0: no Bottlerocket check is level 0 -> 2, as bloodhound's \"No checkers found\"" 2 "no checks of level <= 0 selected"
run -c "$PROFILES" -l 255 -f json --root "$hardened"
check "level 255 -> every check (exit 0)" [ "$rc" -eq 0 ]
pyeq "  ... the report says level 255 and holds every check" "$work/out" "(d['level'], d['total'])" "(255, $count2)"
run -c "$PROFILES" -l +002 -f json --root "$hardened"
pyeq "level +002 is 2, as Rust parses a u8" "$work/out" "(d['level'], d['total'])" "(2, $count2)"
run -f xml
expect "format xml -> 1 naming the formats" 1 "invalid format 'xml', options are: text, json"
run -o
expect "-o without a value -> 1" 1 "option '-o' needs a value"
run --exit-code 0
expect "--exit-code 0 -> 1" 1 "invalid --exit-code '0', use a number 1-255"
run --exit-code 256
expect "--exit-code 256 -> 1" 1 "invalid --exit-code '256', use a number 1-255"
run -t ""
expect "empty --type -> 1" 1 "empty --type; use bottlerocket, kubernetes or fips"
run stray
expect "positional argument -> 1" 1 "unexpected argument 'stray'"
run -c "$PROFILES" --check nosuch
expect "--check of an unknown id -> 1" 1 "--check: no check named 'nosuch' in benchmark bottlerocket (see --list)"
run -c "$PROFILES" --root "$work/does-not-exist"
expect "--root of a missing directory -> 1" 1 "--root $work/does-not-exist: No such file or directory"

# ------------------------------------------------ checks not found / bad profile (2)
run -c "$work/does-not-exist"
expect "missing check dir -> 2" 2 "check directory $work/does-not-exist is not a directory"
run -c "$empty"
expect "empty check dir -> 2" 2 "$empty: no checks of benchmark \"bottlerocket\" found (profile files: 0)"
run -c "$PROFILES" -l 1 --check br01040400
expect "--check of a level-2 check at -l 1 -> 2" 2 "no checks of level <= 1 selected"

# bad_profile DIR LEVEL FILE: a profile from stdin at DIR/levelLEVEL/FILE,
# derived from a valid one by the sed expression in $edit (if any).
valid_check='    {
      "name": "c1",
      "id": "1.1",
      "title": "T1",
      "mode": "Automatic",
      "kind": "sysctl",
      "params": {"keys": {"fs.suid_dumpable": "0"}},
      "remediation": "fix it"
    }'
write_profile() { # DIR LEVEL FILE SED-EXPRESSION
	mkdir -p "$1/level$2"
	sed -e "$4" >"$1/level$2/$3" <<EOF
{
  "format_version": 1,
  "benchmark": {"type": "bottlerocket", "report": "cis", "name": "T", "version": "v1", "url": "https://example.invalid/"},
  "checks": [
$valid_check
  ]
}
EOF
}
b=$work/bad-syntax
write_profile "$b" 1 x.json 's/"title": "T1",/"title": "T1"/'
run -c "$b"
expect_err_line "JSON syntax error -> 2, file:line:col" 2 \
	"cisreport: $b/level1/x.json:9:12: '}' expected near '\"mode\"'"
b=$work/bad-kind
write_profile "$b" 1 x.json 's/"kind": "sysctl"/"kind": "nope"/'
run -c "$b"
expect "unknown kind -> 2, file:line:col and field" 2 \
	"cisreport: $b/level1/x.json:10:15: checks[0].kind: unknown kind \"nope\" (known: " "sysctl"
b=$work/bad-title
write_profile "$b" 1 x.json '/"title"/d'
run -c "$b"
expect_err_line "missing title -> 2, file:line:col and field" 2 \
	"cisreport: $b/level1/x.json:5:5: checks[0]: \"title\" is required"
b=$work/bad-params
write_profile "$b" 1 x.json 's/"keys": {"fs.suid_dumpable": "0"}/"keys": "fs.suid_dumpable"/'
run -c "$b"
expect_err_line "params of the wrong type -> 2, file:line:col and field" 2 \
	"cisreport: $b/level1/x.json:11:26: checks[0].params.keys: must be a non-empty object of sysctl name to value"
b=$work/bad-params-object
write_profile "$b" 1 x.json 's/"params": {"keys": {"fs.suid_dumpable": "0"}}/"params": ["fs.suid_dumpable"]/'
run -c "$b"
expect_err_line "params not an object -> 2, file:line:col and field" 2 \
	"cisreport: $b/level1/x.json:11:17: checks[0].params: must be an object"
b=$work/bad-duplicate
write_profile "$b" 1 a.json ''
write_profile "$b" 2 b.json ''
run -c "$b"
expect_err_line "duplicate check name -> 2, naming both places" 2 \
	"cisreport: $b/level2/b.json:6:15: checks[0].name: check \"c1\" is already defined at $b/level1/a.json:5"
b=$work/bad-version
write_profile "$b" 1 x.json 's/"format_version": 1/"format_version": 2/'
run -c "$b"
expect_err_line "format_version 2 -> 2, file:line:col and field" 2 \
	"cisreport: $b/level1/x.json:2:21: format_version: unsupported version (this cisreport reads 1)"
b=$work/bad-other-type
write_profile "$b" 1 x.json ''
write_profile "$b" 1 y.json 's/"bottlerocket"/"kubernetes"/; s/"kind": "sysctl"/"kind": "nope"/'
run -c "$b"
expect "a broken profile of another type still fails the load" 2 "$b/level1/y.json:10:15: checks[0].kind: unknown kind"
# A report of levels 0..N reads no profile above N once its type is settled
# without it (-t, or two types among the files read): a broken level-2 file
# fails -l 2, naming it, and not -l 1.
b=$work/bad-level2
write_profile "$b" 1 x.json ''
write_profile "$b" 2 y.json 's/"title": "T1",/"title": "T1"/'
run -c "$b" -t bottlerocket -l 1
expect "-t and -l 1: a broken level-2 profile is not read -> 0" 0
run -c "$b" -t bottlerocket -l 2
expect "... -l 2 reads it: file:line:col" 2 "cisreport: $b/level2/y.json:9:12: '}' expected near"
write_profile "$b" 1 z.json 's/"bottlerocket"/"kubernetes"/; s/"c1"/"k1"/'
run -c "$b" -l 1
expect "two types at levels 0-1 (default bottlerocket): level 2 is not read -> 0" 0
# One type below: the folder's only type may be decided by level 2, which
# is read (and its error reported) as before.
rm "$b/level1/z.json"
run -c "$b" -l 1
expect "one type at levels 0-1: level 2 is read for its type -> 2" 2 "$b/level2/y.json:9:12"

# ------------------------------------------------------------- output errors (3)
run -c "$PROFILES" --root "$hardened" -o "$work/no-such-dir/report.txt"
expect "-o into a missing directory -> 3" 3 "cannot write $work/no-such-dir/report.txt: No such file or directory"
check "  ... and nothing was created" [ ! -e "$work/no-such-dir" ]

mkdir -p "$work/target-is-dir"
run -c "$PROFILES" --root "$hardened" -o "$work/target-is-dir"
expect "-o naming a directory -> 3" 3 "cannot write $work/target-is-dir: Is a directory"
check "  ... and no temporary file is left beside it" \
	[ -z "$(find "$work" -maxdepth 1 -name 'target-is-dir.tmp.*')" ]

"$CISREPORT" -c "$PROFILES" --root "$hardened" >/dev/full 2>"$work/err"
rc=$?
expect "stdout on a full device -> 3" 3 "cisreport: error writing report to stdout: No space left on device"

# A read-only directory and a full file system: mount namespaces (root only).
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	ro=$work/readonly
	mkdir -p "$ro"
	unshare -m bash -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" &&
		exec "$2" -c "$3" --root "$4" -o "$1/report.txt"' _ "$ro" "$CISREPORT" "$PROFILES" "$hardened" \
		>"$work/out" 2>"$work/err"
	rc=$?
	expect "-o into a read-only directory -> 3" 3 "cannot write $ro/report.txt: Read-only file system"
	check "  ... and nothing was created" [ -z "$(ls -A "$ro")" ]

	# A 4 KiB file system: the JSON report does not fit. The old report must
	# survive whole and no temporary file may remain.
	small=$work/small
	mkdir -p "$small"
	unshare -m bash -c 'mount -t tmpfs -o size=4k tmpfs "$1" || exit 99
		printf "old report\n" >"$1/report.json"
		"$2" -c "$3" --root "$4" -l 2 -f json -v -o "$1/report.json"
		rc=$?
		ls -A "$1" >"$5/small-ls"
		cat "$1/report.json" >"$5/small-content"
		exit $rc' _ "$small" "$CISREPORT" "$PROFILES" "$hardened" "$work" >"$work/out" 2>"$work/err"
	rc=$?
	expect "-o on a full file system -> 3" 3 "cannot write $small/report.json: No space left on device"
	check "  ... the previous report is intact" [ "$(cat "$work/small-content" 2>/dev/null)" = "old report" ]
	check "  ... and no temporary file remains" [ "$(cat "$work/small-ls" 2>/dev/null)" = "report.json" ]
else
	skip "-o into a read-only directory / a full file system: needs root and mount namespaces (unshare -m)"
fi

# -o over an existing file: replaced by rename (new inode), complete, 0644.
target=$work/report.json
printf 'previous content\n' >"$target"
chmod 0600 "$target"
old_inode=$(stat -c %i "$target")
run -c "$PROFILES" --root "$hardened" -l 2 -f json -o "$target"
check "-o over an existing file exits 0" [ "$rc" -eq 0 ]
check "  ... writes nothing to stdout" [ ! -s "$work/out" ]
check "  ... replaces the file by rename (new inode)" [ "$(stat -c %i "$target")" != "$old_inode" ]
check "  ... with mode 0644" [ "$(stat -c %a "$target")" = 644 ]
pyeq "  ... with the whole report" "$target" "d['total']" "$count2"
check "  ... and no temporary file remains" [ -z "$(find "$work" -maxdepth 1 -name 'report.json.tmp.*')" ]

# ----------------------------------------------------------- nothing ran (4)
run -c "$PROFILES" --root "$empty" --check br01040100,br01040200 -f json
expect "every check SKIPs -> 4" 4 "Warning: No checks were able to run"
pyeq "  ... the report is still written, status SKIP" "$work/out" "(d['status'], d['skipped'], d['total'])" "('SKIP', 2, 2)"
pyeq "  ... the reason names the path and the errno" "$work/out" \
	"d['results']['br01040100']['error']" "cannot read /proc/sys/fs/suid_dumpable: No such file or directory"
run -c "$PROFILES" --root "$hardened" --check 1.2.1
expect "only a manual check -> 4 (as bloodhound)" 4 "Warning: No checks were able to run"

# ------------------------------------------------------------ --exit-code N
failing=$work/failing
cp -a "$hardened" "$failing"
echo 2 >"$failing/proc/sys/fs/suid_dumpable"
run -c "$PROFILES" --root "$failing" -l 2 --exit-code 7
check "a FAIL with --exit-code 7 -> 7" [ "$rc" -eq 7 ]
check "  ... the text report says FAIL" grep -qx "Compliance check result: FAIL" "$work/out"
check "  ... and names the failed check" grep -qx "\[FAIL\] 1.4.1     Ensure setuid programs do not create core dumps (Automatic)" "$work/out"
run -c "$PROFILES" --root "$failing" -l 2
check "a FAIL without --exit-code -> 0 (as bloodhound)" [ "$rc" -eq 0 ]
run -c "$PROFILES" --root "$hardened" -l 2 --exit-code 7
check "no FAIL with --exit-code 7 -> 0" [ "$rc" -eq 0 ]
run -c "$PROFILES" --root "$failing" -l 2 -v --check 1.4.1
check "-v shows evidence, reason and remediation of a FAIL" \
	grep -qF "          BAD fs.suid_dumpable: expected 0, found 2" "$work/out"
check "  ... reason" grep -qF "          reason: fs.suid_dumpable: expected 0, found 2" "$work/out"
check "  ... remediation" grep -qF "          remediation: Set settings.kernel.sysctl.\"fs.suid_dumpable\"" "$work/out"

# bloodhound's spellings: -f in any case, --checks for -c.
run --checks "$PROFILES" --root "$hardened" -f JSON --check 1.4.1
pyeq "bloodhound's --checks DIR and -f JSON" "$work/out" "(d['total'], d['status'])" "(1, 'PASS')"

# ------------------------------------------------------------------- --list
run -c "$PROFILES" --list
check "--list exits 0" [ "$rc" -eq 0 ]
check "  ... prints a header" grep -qE "^NAME +ID +LEVEL +MODE +KIND +TITLE$" "$work/out"
check "  ... and one line per check of every level" [ "$(($(wc -l <"$work/out") - 1))" -eq "$listed2" ]
listed=$(tail -n +2 "$work/out" | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')
check "  ... sorted by name" [ "$listed" = "$(profile_fact names)" ]
check "  ... with level, mode and kind" grep -qE "^br01040400 +1\.4\.4 +2 +Automatic +sysctl +Ensure user namespaces are disabled$" "$work/out"

# -------------------------------------------------------------- --check
run -c "$PROFILES" --root "$hardened" -f json --check br01040100
pyeq "--check by name runs that check only" "$work/out" "list(d['results'])" "['br01040100']"
run -c "$PROFILES" --root "$hardened" -l 2 -f json --check 1.4.4,1.4.1
pyeq "--check by ids runs those, sorted by name" "$work/out" "list(d['results'])" "['br01040100', 'br01040400']"

# ------------------------------------------------------------ levels and counts
run -c "$PROFILES" --root "$hardened" -f json
cp "$work/out" "$work/hardened-l1.json"
pyeq "default level is 1" "$work/out" "d['level']" 1
pyeq "-l 1 on the hardened host: level-1 counts" "$work/out" \
	"(d['total'], d['passed'], d['failed'], d['skipped'], d['status'])" "($count1, $auto1, 0, $manual1, 'PASS')"
pyeq "  ... only level-1 checks" "$work/out" "sorted(set(r['level'] for r in d['results'].values()))" "[1]"
run -c "$PROFILES" --root "$hardened" -l 2 -f json
cp "$work/out" "$work/hardened-l2.json"
check "-l 2 on the hardened host exits 0" [ "$rc" -eq 0 ]
pyeq "-l 2 on the hardened host: every automatic check PASSes" "$work/out" \
	"(d['total'], d['passed'], d['failed'], d['skipped'], d['status'])" "($count2, $auto2, 0, $manual2, 'PASS')"
pyeq "  ... manual checks SKIP with bloodhound's reason" "$work/out" \
	"sorted(set((r['status'], r['outcome'], r['error']) for r in d['results'].values() if r['mode'] == 'Manual'))" \
	"[('SKIP', 'manual', 'Manual check, see benchmark for audit details.')]"
pyeq "  ... automatic ones PASS with an empty error and evidence" "$work/out" \
	"sorted(set((r['status'], r['outcome'], r['error'], bool(r['evidence']) and all(e['ok'] for e in r['evidence'])) for r in d['results'].values() if r['mode'] == 'Automatic'))" \
	"[('PASS', 'pass', '', True)]"
pyeq "  ... the benchmark is named" "$work/out" "(d['name'], d['version'], d['type'])" \
	"('CIS Bottlerocket Benchmark', 'v1.0.0', 'bottlerocket')"
pyeq "  ... automatic checks carry a remediation" "$work/out" \
	"all(r['remediation'] for r in d['results'].values() if r['mode'] == 'Automatic')" True

# ------------------------------------------------------- JSON: schema and layout
validate "hardened -l 1 JSON matches docs/json-schema.json" "$work/hardened-l1.json"
validate "hardened -l 2 JSON matches docs/json-schema.json" "$work/hardened-l2.json"
"$CISREPORT" -c "$PROFILES" -l 2 -f json >"$work/live.json" 2>"$work/err"
rc=$?
check "live host -l 2 -f json exits 0" [ "$rc" -eq 0 ]
validate "live host -l 2 JSON matches docs/json-schema.json" "$work/live.json"
# The schema bites: broken documents are rejected.
# rejects FILE MUTATION: the document in FILE, changed by the Python
# statements MUTATION (on d), fails docs/json-schema.json.
rejects() {
	"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); exec(sys.argv[2]); json.dump(d, open(sys.argv[3], "w"))' \
		"$1" "$2" "$work/mutated.json"
	"$PY" - "$SCHEMA" "$work/mutated.json" <<'EOF' >/dev/null 2>&1
import json, sys, jsonschema
try:
    jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))
except jsonschema.ValidationError:
    sys.exit(3)
EOF
	rc=$?
	if [ "$rc" -eq 3 ]; then
		ok "schema rejects a report where $2"
	else
		not_ok "schema rejects a report where $2" "validator exit status $rc"
	fi
}
for mutation in "d['status'] = 'OK'" "d['level'] = '2'" "del d['timestamp']" \
	"d['timestamp'] = '2024-05-01 10:00:00 UTC'" \
	"r = next(iter(d['results'].values())); del r['error']" \
	"r = next(iter(d['results'].values())); r['mode'] = 'automatic'" \
	"r = next(iter(d['results'].values())); r['evidence'] = [{'item': 'x'}]"; do
	rejects "$work/hardened-l2.json" "$mutation"
done

# Waivers (--settings): the waived checks keep their status and carry the
# waiver, active or expired; the document still matches the schema.
cat >"$work/settings.json" <<'EOF'
{"waivers": {
  "br01040400": {"reason": "user namespaces for the build containers", "expires": "2099-12-31T23:59:59Z",
                 "approved-by": "security team"},
  "br01040100": {"reason": "old exception", "expires": "2001-01-01T00:00:00+01:00", "approved-by": "j.doe"}}}
EOF
run -c "$PROFILES" --root "$hardened" -l 2 -f json --settings "$work/settings.json"
cp "$work/out" "$work/waived.json"
check "--settings with waivers exits 0" [ "$rc" -eq 0 ]
pyeq "  ... an active waiver is reported as given" "$work/waived.json" "d['results']['br01040400']['waiver']" \
	"{'reason': 'user namespaces for the build containers', 'expires': '2099-12-31T23:59:59Z', 'approved_by': 'security team', 'state': 'active'}"
pyeq "  ... an expired one says so" "$work/waived.json" "d['results']['br01040100']['waiver']['state']" expired
pyeq "  ... the waived checks keep their status and the counts theirs" "$work/waived.json" \
	"(d['results']['br01040400']['status'], d['results']['br01040100']['status'], d['total'], d['passed'])" \
	"('PASS', 'PASS', $count2, $auto2)"
pyeq "  ... other checks carry no waiver" "$work/waived.json" \
	"sorted(n for n, r in d['results'].items() if 'waiver' in r)" "['br01040100', 'br01040400']"
validate "  ... and the report matches docs/json-schema.json" "$work/waived.json"
for mutation in "d['results']['br01040400']['waiver']['state'] = 'waived'" \
	"del d['results']['br01040400']['waiver']['approved_by']" \
	"d['results']['br01040400']['waiver']['expires'] = 'next year'"; do
	rejects "$work/waived.json" "$mutation"
done

# Runtime observation (--observe; root and an eBPF build): runtime checks
# carry an "observation", the items they back an "observed" list; both match
# the schema.
if [ "$(id -u)" -ne 0 ]; then
	skip "--observe JSON against the schema: needs root (the observer loads eBPF programs)"
elif ! "$CISREPORT" --version | grep -q '+ebpf-observer'; then
	skip "--observe JSON against the schema: built without the eBPF observer"
else
	run -c "$PROFILES" -l 2 -f json --observe 2s
	cp "$work/out" "$work/observed.json"
	check "--observe 2s -l 2 -f json writes a report" [ -s "$work/observed.json" ]
	pyeq "  ... the benchmark's items only: runtime checks are not among the results" "$work/observed.json" \
		"(d['total'], [r['kind'] for r in d['results'].values()].count('runtime'))" "($count2, 0)"
	pyeq "  ... 1.4.4 shows its runtime checks as observed" "$work/observed.json" \
		"[o['check'] for o in d['results']['br01040400']['observed']]" "['rt_sysctl_write', 'rt_user_namespace']"
	validate "  ... and the report matches docs/json-schema.json" "$work/observed.json"
	run -c "$PROFILES" -l 2 -f json --observe 2s --runtime
	cp "$work/out" "$work/rt.json"
	pyeq "--runtime --observe 2s: the runtime report holds the runtime checks" "$work/rt.json" \
		"(d['type'], d['total'], [r['kind'] for r in d['results'].values()].count('runtime'))" \
		"('runtime', $((listed2 - count2)), $((listed2 - count2)))"
	pyeq "  ... rt_user_namespace has an observation of its class" "$work/rt.json" \
		"d['results']['rt_user_namespace']['observation']['class']" user_namespace
	validate "  ... and the runtime report matches docs/json-schema.json" "$work/rt.json"
	for mutation in "d['results']['rt_user_namespace']['observation']['count'] = -1" \
		"del d['results']['rt_user_namespace']['observation']['since']"; do
		rejects "$work/rt.json" "$mutation"
	done
	for mutation in "d['results']['br01040400']['observed'][0]['status'] = 'observed'" \
		"d['results']['br01040400']['observation'] = __import__('json').load(open('$work/rt.json'))['results']['rt_user_namespace']['observation']"; do
		rejects "$work/observed.json" "$mutation"
	done
fi

if "$PY" - "$work/hardened-l2.json" <<'EOF'; then ok "JSON is bloodhound's layout: one compact line, keys in its order, results by name"; else not_ok "JSON layout (see above)"; fi
import json, re, sys
raw = open(sys.argv[1], "rb").read()
problems = []
if raw.count(b"\n") != 1 or not raw.endswith(b"\n"):
    problems.append("not exactly one line ending in a newline")
if b'": ' in raw or b'", "' in raw:
    problems.append("not compact")
d = json.loads(raw, object_pairs_hook=lambda pairs: pairs)
top = [k for k, _ in d]
want_top = ["level", "total", "passed", "skipped", "failed", "status", "timestamp", "name", "version", "url", "results"]
if top[:len(want_top)] != want_top:
    problems.append("top-level keys %s" % top)
results = dict(d)["results"]
names = [k for k, _ in results]
if names != sorted(names):
    problems.append("results not sorted by name")
want_entry = ["name", "id", "level", "title", "mode", "status", "error"]
for name, entry in results:
    keys = [k for k, _ in entry]
    if keys[:len(want_entry)] != want_entry:
        problems.append("%s keys %s" % (name, keys))
doc = dict(d)
if doc["total"] != doc["passed"] + doc["skipped"] + doc["failed"]:
    problems.append("total is not passed + skipped + failed")
for name, entry in results:
    if dict(entry)["name"] != name:
        problems.append("results key %s holds check %s" % (name, dict(entry)["name"]))
ts = doc["timestamp"]
if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z", ts):
    problems.append("timestamp %r" % ts)
for p in problems:
    print("         " + p)
sys.exit(1 if problems else 0)
EOF

# ----------------------------------------------------------------- text output
run -c "$PROFILES" --root "$hardened" -l 2
check "text -l 2 on the hardened host exits 0" [ "$rc" -eq 0 ]
check "  ... the start time is bloodhound's timestamp" \
	grep -qE '^Start time:      [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3}|\.[0-9]{6}|\.[0-9]{9})?Z$' "$work/out"
check "  ... Compliance check result: PASS" grep -qx "Compliance check result: PASS" "$work/out"
check "  ... no automatic check other than PASS" \
	[ -z "$(grep -E '^\[(FAIL|SKIP)\] .*\(Automatic\)$' "$work/out")" ]
mask_timestamp <"$work/out" >"$work/text-masked"
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
	mkdir -p "$(dirname "$GOLDEN")"
	cp "$work/text-masked" "$GOLDEN"
	echo "# wrote $GOLDEN"
fi
if diff -u "$GOLDEN" "$work/text-masked" >"$work/diff"; then
	ok "text -l 2 on the hardened host equals the golden file"
else
	not_ok "text -l 2 on the hardened host equals the golden file" "$(head -n 40 "$work/diff")"
fi

# ------------------------------------------------- the documentation's samples
# README.md's samples are this binary's real output on the hardened host.
readme=$SOURCE_DIR/README.md
readme_cmd='./build/cisreport --root tests/fixtures/hardened -l 2 -f json --check 1.2.1,1.4.1,1.4.4'
block() { # the fenced block after the marker line <!-- sample:NAME -->
	awk -v m="<!-- sample:$1 -->" '$0 == m {f = 1; next} f == 1 && /^```/ {f = 2; next} f == 2 && /^```/ {exit} f == 2 {print}' "$readme"
}
set_block() { # NAME FILE: replace that block's content (UPDATE_GOLDEN=1)
	"$PY" - "$readme" "$1" "$2" <<'EOF'
import re, sys
path, name, src = sys.argv[1:4]
text = open(path).read()
new = open(src).read()
pat = re.compile(r"(<!-- sample:%s -->\n```[a-z]*\n)(.*?)(^```)" % re.escape(name), re.S | re.M)
text, n = pat.subn(lambda m: m.group(1) + new + m.group(3), text)
if n != 1:
    sys.exit("no sample block %s in %s" % (name, path))
open(path, "w").write(text)
EOF
}
mask_default_dir() {
	sed -E 's/\[default: \/[^]]*\/profiles\]/[default: PROFILE_DIR]/'
}
if [ -f "$readme" ]; then
	run -c "$PROFILES" --root "$hardened" -l 2 -f json --check 1.2.1,1.4.1,1.4.4
	cp "$work/out" "$work/sample.json"
	"$PY" -m json.tool --indent 2 "$work/sample.json" >"$work/sample-pretty.json"
	"$CISREPORT" -c "$PROFILES" --root "$hardened" -l 2 >"$work/sample.txt"
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		set_block help "$work/help"
		set_block json "$work/sample.json"
		set_block json-pretty "$work/sample-pretty.json"
		[ "$PROFILES" = "$SOURCE_DIR/profiles" ] && set_block text "$work/sample.txt"
		echo "# updated the samples in $readme"
	fi
	if diff -u <(mask_default_dir <"$work/help") <(block help | mask_default_dir) >"$work/diff"; then
		ok "README's usage is the real --help"
	else
		not_ok "README's usage is the real --help" "$(head -n 20 "$work/diff")"
	fi
	if [ "$PROFILES" = "$SOURCE_DIR/profiles" ]; then
		if diff -u "$work/text-masked" <(block text | mask_timestamp) >"$work/diff"; then
			ok "README's text sample is the real output"
		else
			not_ok "README's text sample is the real output" "$(head -n 20 "$work/diff")"
		fi
	fi
	if [ "$(block json-command)" = "$readme_cmd" ]; then
		ok "README's JSON sample command is the one tested here"
	else
		not_ok "README's JSON sample command is the one tested here" "$(block json-command)"
	fi
	block json >"$work/readme-json"
	block json-pretty >"$work/readme-json-pretty"
	if "$PY" - "$work/sample.json" "$work/readme-json" "$work/readme-json-pretty" <<'EOF'; then ok "README's JSON samples are the real output"; else not_ok "README's JSON samples are the real output"; fi
import json, sys
real, sample, pretty = (json.load(open(p)) for p in sys.argv[1:4])
raw_sample = open(sys.argv[2]).read()
for d in (real, sample, pretty):
    d["timestamp"] = "T"
ok = real == sample == pretty and raw_sample.count("\n") == 1
if not ok:
    print("         real:   ", json.dumps(real)[:300])
    print("         sample: ", json.dumps(sample)[:300])
sys.exit(0 if ok else 1)
EOF
	validate "README's JSON sample matches the schema" "$work/readme-json"
	# Every option of --help is documented in the README and the man page.
	undocumented=()
	for opt in $(grep -oE -- '--[a-z][a-z-]+' "$work/help" | sort -u); do
		grep -qF -- "$opt" "$readme" || undocumented+=("README lacks $opt")
		sed 's/\\-/-/g' "$SOURCE_DIR/docs/man/cisreport.8" | grep -qF -- "$opt" || undocumented+=("man page lacks $opt")
	done
	if [ ${#undocumented[@]} -eq 0 ]; then
		ok "README and man page document every option of --help"
	else
		not_ok "README and man page document every option of --help" "${undocumented[@]}"
	fi
else
	not_ok "README.md exists"
fi

# Every relative link of README.md and docs/ names a file that exists.
if "$PY" - "$SOURCE_DIR" <<'EOF'; then ok "README.md and docs/*.md: every relative link resolves to a file"; else not_ok "README.md and docs/*.md: every relative link resolves to a file"; fi
import glob, os, re, sys
root = sys.argv[1]
bad = []
for f in [os.path.join(root, "README.md")] + glob.glob(os.path.join(root, "docs", "**", "*.md"), recursive=True):
    text = re.sub(r"```.*?```", "", open(f).read(), flags=re.S)
    for link in re.findall(r"\]\(([^)\s]+)\)", text):
        path = link.partition("#")[0]
        if re.match(r"[a-z]+:", link) or not path:
            continue
        if not os.path.exists(os.path.normpath(os.path.join(os.path.dirname(f), path))):
            bad.append("%s: %s" % (os.path.relpath(f, root), link))
for b in bad:
    print("         " + b)
sys.exit(1 if bad else 0)
EOF

# ------------------------------------------------------------------- man page
if command -v man >/dev/null; then
	if MANWIDTH=80 man --warnings -l "$SOURCE_DIR/docs/man/cisreport.8" >"$work/man" 2>"$work/man-err" &&
		[ ! -s "$work/man-err" ] && grep -q "EXIT STATUS" "$work/man" && grep -q -- "--exit-code" "$work/man"; then
		ok "man -l renders docs/man/cisreport.8 without warnings"
	else
		not_ok "man -l renders docs/man/cisreport.8 without warnings" "$(head -n 5 "$work/man-err")"
	fi
else
	not_ok "man is installed (man-db, listed in scripts/debian-packages.txt)"
fi

# ---------------------------------------- install layout: bloodhound's invocation
# Bottlerocket's API server runs "bloodhound ... -c /usr/libexec/{cis-checks/bottlerocket,
# cis-checks/kubernetes,fips-checks/bottlerocket}"; cmake --install creates those folders,
# each with a metadata.json naming its type and links to the profiles' level folders.
# (tests/e2e/test_install_layout.sh drives an installed prefix with the exact command lines.)
if [ -n "$BUILD_DIR" ] && [ -f "$BUILD_DIR/CMakeCache.txt" ]; then
	dest=$work/destdir
	if DESTDIR=$dest cmake --install "$BUILD_DIR" >"$work/install.log" 2>&1; then
		ok "DESTDIR install succeeds"
	else
		not_ok "DESTDIR install succeeds" "$(tail -n 5 "$work/install.log")"
	fi
	prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD_DIR/CMakeCache.txt")
	libexec=$(sed -n 's/^CMAKE_INSTALL_LIBEXECDIR:PATH=//p' "$BUILD_DIR/CMakeCache.txt")
	sbin=$(sed -n 's/^CMAKE_INSTALL_SBINDIR:PATH=//p' "$BUILD_DIR/CMakeCache.txt")
	datadir=$(sed -n 's/^CMAKE_INSTALL_DATAROOTDIR:PATH=//p' "$BUILD_DIR/CMakeCache.txt")
	installed=$dest$prefix/$sbin/cisreport
	checks_dir=$dest$prefix/$libexec/cis-checks
	check "  ... installs the binary" [ -x "$installed" ]
	check "  ... installs the man page" [ -f "$dest$prefix/$datadir/man/man8/cisreport.8" ]
	if [ "$PROFILES" != "$SOURCE_DIR/profiles" ]; then
		# Testing another profile tree: install it in place of the source's.
		rm -rf "$dest$prefix/$datadir/cisreport/profiles"
		cp -a "$PROFILES" "$dest$prefix/$datadir/cisreport/profiles"
	fi
	types=" $(profile_fact types) "
	for spec in cis-checks/bottlerocket:bottlerocket cis-checks/kubernetes:kubernetes fips-checks/bottlerocket:fips; do
		folder=$dest$prefix/$libexec/${spec%%:*}
		type=${spec#*:}
		good=false
		[ -d "$folder" ] && [ ! -L "$folder" ] &&
			[ "$(py "$folder/metadata.json" "d['type']")" = "$type" ] && good=true
		check "  ... ${spec%%:*} is a folder whose metadata.json names type $type" $good
		good=true
		for level in "$dest$prefix/$datadir/cisreport/profiles"/level*; do
			link=$folder/${level##*/}
			link_target=$(readlink "$link")
			{ [ -L "$link" ] && [ "${link_target#/}" = "$link_target" ] &&
				[ "$(readlink -f "$link")" = "$(readlink -f "$level")" ]; } || good=false
		done
		check "  ... ${spec%%:*}/level* are relative links to the installed profiles" $good
		"$installed" -l 2 -f json -c "$folder" --root "$hardened" >"$work/out" 2>"$work/err"
		rc=$?
		if [[ "$types" == *" $type "* ]]; then
			good=false
			# The hardened tree is a Bottlerocket host: another benchmark's checks
			# may all SKIP there (exit 4), but the report must be of that type.
			{ [ "$rc" -eq 0 ] || [ "$rc" -eq 4 ]; } &&
				[ "$(py "$work/out" "d['type']")" = "$type" ] && good=true
			check "  ... -c ${spec%%:*} runs the $type benchmark" $good
		else
			# No profile of that type yet: the type was still taken from metadata.json.
			expect "  ... -c ${spec%%:*} selects type $type (no such profile: exit 2)" 2 \
				"no checks of benchmark \"$type\" found"
		fi
	done
	"$installed" -l 2 -f json -c "$checks_dir/bottlerocket" --root "$hardened" >"$work/bh.json" 2>"$work/err"
	rc=$?
	check "bloodhound's invocation on the hardened host exits 0" [ "$rc" -eq 0 ]
	pyeq "  ... and reports every check, status PASS" "$work/bh.json" "(d['total'], d['status'])" "($count2, 'PASS')"
	validate "  ... and matches the schema" "$work/bh.json"
else
	not_ok "install layout test needs BUILD_DIR (set by ctest)"
fi

echo "# $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
