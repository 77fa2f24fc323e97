#!/usr/bin/env bash
# End to end: bloodhound's checker protocol (docs/checkers.md) through the
# real cisreport and cisreportd. The checkers are shell scripts written here
# (bloodhound runs any executable): pass, fail, non-zero exit, garbage
# output, hang, huge output, wrong level, missing metadata, refused files
# (group-writable, owned by nobody); a folder of only checkers and a
# metadata.json; a folder mixing checkers and JSON profiles; and a folder
# laid out as Bottlerocket lays out /usr/libexec/cis-checks/bottlerocket
# (packages/os/os.spec in bottlerocket-core-kit: one multi-call program,
# symlinked under each checker's name with `ln -rs`, and metadata.json).
set -uo pipefail

: "${CISREPORT:?}" "${SOURCE_DIR:?}" "${BUILD_DIR:?}"
DAEMON=$BUILD_DIR/cisreportd
T=$(mktemp -d /tmp/cisreport-e2e-checkers.XXXXXX)
chmod 755 "$T"
DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
# shellcheck source=tests/e2e/lib_tap.sh
. "$SOURCE_DIR/tests/e2e/lib_tap.sh"
is_root=false
[ "$(id -u)" -eq 0 ] && is_root=true

# checker DIR FILE NAME ID LEVEL MODE BODY: a script answering `metadata`
# with bloodhound's CheckerMetadata, and running BODY otherwise.
checker() {
	local dir=$1 file=$2 name=$3 id=$4 level=$5 mode=$6 body=$7
	mkdir -p "$dir"
	cat >"$dir/$file" <<EOF
#!/bin/sh
if [ "\$1" = metadata ]; then
	echo '{"name":"$name","id":"$id","level":$level,"title":"Title of $name","mode":"$mode"}'
	exit 0
fi
$body
EOF
	chmod 755 "$dir/$file"
}
result() { echo "echo '{\"status\":\"$1\",\"error\":\"$2\"}'"; }

# run NAME WANT_EXIT ARGS...: cisreport's stdout to $T/NAME.out, stderr to .err
run() {
	local name=$1 want=$2
	shift 2
	"$CISREPORT" "$@" >"$T/$name.out" 2>"$T/$name.err"
	local rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$name: exit $rc"; else bad "$name: exit $rc, wanted $want: $(head -c 600 "$T/$name.err")"; fi
}

# jq-like checks of a JSON report: expect FILE 'python expression' DESC
expect() {
	local file=$1 expr=$2 desc=$3
	if python3 -c "import json,sys; r=json.load(open(sys.argv[1])); R=r['results']; sys.exit(0 if ($expr) else 1)" "$file" 2>"$T/py.err"; then
		ok "$desc"
	else
		bad "$desc: $(cat "$T/py.err") $(head -c 1500 "$file")"
	fi
}
has() { if grep -qF -- "$2" "$1"; then ok "$3"; else bad "$3: no '$2' in $(head -c 800 "$1")"; fi; }

# ---- a folder of checkers only, with metadata.json ----
F=$T/only
checker "$F" a_pass a_pass 1.1 1 Automatic "$(result PASS "")"
checker "$F" b_fail b_fail 1.2 1 Automatic "$(result FAIL "found mode 0777")"
checker "$F" c_exit c_exit 1.3 1 Automatic "echo 'cannot read /etc/thing' >&2; exit 1"
checker "$F" d_garbage d_garbage 1.4 1 Automatic "echo 'PASS'; echo 'garbage out' >&2"
checker "$F" e_hang e_hang 1.5 1 Automatic "sleep 60"
checker "$F" f_huge f_huge 1.6 1 Automatic "head -c 1000000 /dev/zero | tr '\\0' x"
checker "$F" g_level2 g_level2 2.1 2 Automatic "$(result PASS "")"
checker "$F" h_manual h_manual 1.7 1 Manual "$(result SKIP "Manual check, see benchmark for audit details.")"
printf '#!/bin/sh\necho "I am not a checker"\n' >"$F/i_nometa"
chmod 755 "$F/i_nometa"
checker "$F" j_groupw j_groupw 1.8 1 Automatic "$(result PASS "")"
chmod 775 "$F/j_groupw"
if $is_root; then
	checker "$F" k_nobody k_nobody 1.9 1 Automatic "$(result PASS "")"
	chown 65534:65534 "$F/k_nobody"
fi
printf '{"name":"Test Checkers","version":"v0.1","url":"https://example.com/t"}\n' >"$F/metadata.json"
echo "not a checker: no x bit" >"$F/README"

start=$(date +%s.%N)
run only1 0 -c "$F" -f json --checker-timeout 1s
took=$(echo "$(date +%s.%N) - $start" | bc)
if [ "$(echo "$took < 3" | bc)" = 1 ]; then ok "hang killed at the 1 s timeout, the rest in parallel (${took}s)"; else bad "took ${took}s"; fi
J=$T/only1.out
expect "$J" "r['name'] == 'Test Checkers' and r['version'] == 'v0.1' and r['url'] == 'https://example.com/t'" "metadata.json gives name, version, url"
expect "$J" "list(R) == sorted(R) and list(R)[0] == 'a_pass'" "results sorted by name"
expect "$J" "R['a_pass']['status'] == 'PASS' and R['a_pass']['error'] == '' and R['a_pass']['id'] == '1.1' and R['a_pass']['title'] == 'Title of a_pass' and R['a_pass']['mode'] == 'Automatic' and R['a_pass']['level'] == 1" "pass: bloodhound's fields"
expect "$J" "R['b_fail']['status'] == 'FAIL' and R['b_fail']['error'] == 'found mode 0777'" "fail with its error"
expect "$J" "R['c_exit']['status'] == 'SKIP' and R['c_exit']['error'] == 'cannot read /etc/thing\n'" "non-zero exit: SKIP, stderr as error"
expect "$J" "R['d_garbage']['status'] == 'SKIP' and R['d_garbage']['error'] == 'garbage out\n'" "garbage output: SKIP, stderr as error"
expect "$J" "R['e_hang']['status'] == 'SKIP' and 'killed after the 1000 ms timeout' in R['e_hang']['error']" "hang: SKIP, killed at the timeout"
expect "$J" "R['f_huge']['status'] == 'SKIP' and 'larger than 64 KiB' in R['f_huge']['error']" "huge output: SKIP, bounded"
expect "$J" "'g_level2' not in R" "level 2 checker not in a level 1 report"
expect "$J" "R['h_manual']['status'] == 'SKIP' and R['h_manual']['mode'] == 'Manual' and R['h_manual']['outcome'] == 'manual'" "manual checker"
expect "$J" "'i_nometa' not in R" "no metadata: not a checker, left out (as bloodhound)"
has "$T/only1.err" "i_nometa: not a checker: metadata: not JSON" "no metadata: a warning names the file"
expect "$J" "R['j_groupw']['status'] == 'SKIP' and R['j_groupw']['id'] == '-' and 'j_groupw is group-writable (mode 0775)' in R['j_groupw']['error'] and R['j_groupw']['error'].startswith('not run: ')" "group-writable: refused, a SKIP saying why"
has "$T/only1.err" "j_groupw: refused: " "group-writable: a warning"
if $is_root; then
	expect "$J" "R['k_nobody']['status'] == 'SKIP' and 'is owned by uid 65534, not by root' in R['k_nobody']['error']" "owned by nobody: refused"
	expect "$J" "r['total'] == 9 and r['passed'] == 1 and r['failed'] == 1 and r['skipped'] == 7 and r['status'] == 'FAIL'" "totals"
fi
expect "$J" "'README' not in R and 'metadata.json' not in R" "files without an x bit are not checkers"

# The JSON matches docs/json-schema.json, for a folder with metadata.json
# and for one without (no name, version, url).
schema() {
	if python3 - "$SOURCE_DIR/docs/json-schema.json" "$1" <<'PY' >"$T/schema.err" 2>&1; then ok "$2"; else bad "$2: $(cat "$T/schema.err")"; fi
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))), key=str)
for e in errors[:5]:
    print("/".join(map(str, e.absolute_path)), e.message[:200])
sys.exit(1 if errors else 0)
PY
}
schema "$J" "JSON of a checker folder matches the schema"
mv "$F/metadata.json" "$T/metadata.json.saved"
run only_nometa 0 -c "$F" -f json --checker-timeout 300ms
expect "$T/only_nometa.out" "'name' not in r and 'version' not in r and 'url' not in r" "no metadata.json: no name, version, url (as bloodhound)"
schema "$T/only_nometa.out" "JSON without metadata.json matches the schema"
mv "$T/metadata.json.saved" "$F/metadata.json"

# The text layout is bloodhound's, line for line (timestamp aside).
run only_text 0 -c "$F" --checker-timeout 500ms -l 2
sed -i 's/^Start time:.*/Start time:      T/' "$T/only_text.out"
want=$T/only_text.want
{
	printf '%-17s%s\n' "Benchmark name:" "Test Checkers" "Version:" "v0.1" "Reference:" "https://example.com/t" "Benchmark level:" 2 "Start time:" T
	echo
	echo "[PASS] 1.1       Title of a_pass (Automatic)"
	echo "[FAIL] 1.2       Title of b_fail (Automatic)"
	echo "[SKIP] 1.3       Title of c_exit (Automatic)"
	echo "[SKIP] 1.4       Title of d_garbage (Automatic)"
	echo "[SKIP] 1.5       Title of e_hang (Automatic)"
	echo "[SKIP] 1.6       Title of f_huge (Automatic)"
	echo "[PASS] 2.1       Title of g_level2 (Automatic)"
	echo "[SKIP] 1.7       Title of h_manual (Manual)"
	echo "[SKIP] -         not run: $F/j_groupw is group-writable (mode 0775) (Automatic)"
	if $is_root; then
		echo "[SKIP] -         not run: $F/k_nobody is owned by uid 65534, not by root or by the user running the report (uid 0) (Automatic)"
	fi
	echo
	n=9
	$is_root && n=10
	printf '%-17s%s\n' "Passed:" 2 "Failed:" 1 "Skipped:" $((n - 3)) "Total checks:" $n
	echo
	echo "Compliance check result: FAIL"
} >"$want"
if diff -u "$want" "$T/only_text.out" >"$T/diff"; then ok "text report: bloodhound's layout"; else bad "text report: $(cat "$T/diff")"; fi

# --list shows them with their kind.
run only_list 0 -c "$F" --list --checker-timeout 500ms
has "$T/only_list.out" "a_pass       1.1       1     Automatic checker" "--list: checkers with kind checker"

# ---- no check could run: exit 4; no checker at all: exit 2 ----
N=$T/allskip
checker "$N" s1 s1 1.1 1 Automatic "exit 3"
run allskip 4 -c "$N"
has "$T/allskip.err" "Warning: No checks were able to run" "all SKIP: bloodhound's warning, exit 4"
E=$T/nochecker
mkdir -p "$E"
printf '#!/bin/sh\necho hello\n' >"$E/tool"
chmod 755 "$E/tool"
printf '{"name":"X"}\n' >"$E/metadata.json"
run nochecker 2 -c "$E"
has "$T/nochecker.err" "no checks of benchmark" "no checker found: exit 2"
has "$T/nochecker.err" "/tool: not a checker" "no checker found: says why"
# metadata that never ends is left out at the timeout
H=$T/metahang
mkdir -p "$H"
printf '#!/bin/sh\nsleep 60\n' >"$H/x"
chmod 755 "$H/x"
checker "$H" y y 1.1 1 Automatic "$(result PASS "")"
start=$(date +%s.%N)
run metahang 0 -c "$H" --checker-timeout 300ms
took=$(echo "$(date +%s.%N) - $start" | bc)
has "$T/metahang.err" "x metadata\` did not end within 300 ms (killed)" "metadata that hangs: left out at the timeout"
if [ "$(echo "$took < 2" | bc)" = 1 ]; then ok "metadata hang bounded (${took}s)"; else bad "metadata hang took ${took}s"; fi
if pgrep -f "$H/x" >/dev/null; then bad "metadata hang left a process"; else ok "metadata hang: nothing left running"; fi

# ---- a folder mixing JSON profiles and checkers ----
M=$T/mixed
mkdir -p "$M/level1" "$M/level2"
cp "$SOURCE_DIR/profiles/level1/bottlerocket.json" "$M/level1/"
cp "$SOURCE_DIR/profiles/level2/bottlerocket.json" "$M/level2/"
checker "$M" zz_site zz_site 9.1 1 Automatic "$(result FAIL "site policy says no")"
checker "$M" aa_site aa_site 0.1 2 Automatic "$(result PASS "")"
run mixed1 0 -c "$M" -f json -l 1
expect "$T/mixed1.out" "len(R) == 16 and list(R)[-1] == 'zz_site' and R['zz_site']['status'] == 'FAIL' and R['zz_site']['kind'] == 'checker'" "mixed level 1: 15 profile checks + 1 checker, sorted by name"
expect "$T/mixed1.out" "r['name'] == 'CIS Bottlerocket Benchmark' and R['br01020100']['kind'] == 'manual'" "mixed: the profile's benchmark"
run mixed2 0 -c "$M" -f json -l 2
expect "$T/mixed2.out" "len(R) == 30 and list(R)[0] == 'aa_site' and list(R) == sorted(R)" "mixed level 2: 28 + 2, sorted"
checker "$M" dup br01040100 1.4.1 1 Automatic "$(result PASS "")"
run mixed_dup 2 -c "$M"
has "$T/mixed_dup.err" "dup: check \"br01040100\" is already defined at " "a checker named like a profile check: an error naming both"
rm "$M/dup"

# ---- Bottlerocket's layout ----
# /usr/bin/bottlerocket-cis-checks (one program for all), linked under each
# checker's name into /usr/libexec/cis-checks/bottlerocket with `ln -rs`,
# plus metadata.json (packages/os/bottlerocket-cis-checks-metadata-json).
# The program answers with our profiles' names, ids, levels, titles and
# modes, which match upstream's checks (issue 11); so the two reports must
# list the same items in the same order.
B=$T/br
mkdir -p "$B/usr/bin" "$B/usr/libexec/cis-checks/bottlerocket"
python3 - "$SOURCE_DIR/profiles" "$B/usr/bin/bottlerocket-cis-checks" <<'PY'
import json, sys
profiles, out = sys.argv[1], sys.argv[2]
lines = ["#!/bin/sh", 'name=${0##*/}', "case $name in"]
for level in (1, 2):
    for c in json.load(open(f"{profiles}/level{level}/bottlerocket.json"))["checks"]:
        meta = json.dumps({"name": c["name"], "id": c["id"], "level": level,
                           "title": c["title"], "mode": c["mode"]})
        if c["mode"] == "Manual":
            res = json.dumps({"status": "SKIP", "error": "Manual check, see benchmark for audit details."})
        elif int(c["name"][-2:]) % 2:
            res = json.dumps({"status": "FAIL", "error": f"{c['name']} failed"})
        else:
            res = json.dumps({"status": "PASS", "error": ""})
        meta, res = meta.replace("'", "'\\''"), res.replace("'", "'\\''")
        lines.append(f"{c['name']}) meta='{meta}'; res='{res}';;")
lines += ['*) echo "Command $name is not supported." >&2; exit 1;;', "esac",
          'if [ "$1" = metadata ]; then echo "$meta"; else echo "$res"; fi']
open(out, "w").write("\n".join(lines) + "\n")
PY
chmod 755 "$B/usr/bin/bottlerocket-cis-checks"
for p in br01020100 br01060000 br03040103 br03040203 \
	br01010101 br01030100 br01040100 br01040200 br01040300 br01040400 \
	br01050100 br01050200 br02010101 br03010100 br03020100 br03020200 \
	br03020300 br03020400 br03020500 br03020600 br03020700 br03030100 \
	br03040101 br03040102 br03040201 br03040202 br04010101 br04010200; do
	ln -rs "$B/usr/bin/bottlerocket-cis-checks" "$B/usr/libexec/cis-checks/bottlerocket/$p"
done
cat >"$B/usr/libexec/cis-checks/bottlerocket/metadata.json" <<'EOF'
{
    "name": "CIS Bottlerocket Benchmark",
    "version": "v1.0.0",
    "url": "https://www.cisecurity.org/benchmark/bottlerocket"
}
EOF
chmod 644 "$B/usr/libexec/cis-checks/bottlerocket/metadata.json"
BR=$B/usr/libexec/cis-checks/bottlerocket
for level in 1 2; do
	run "br$level" 0 -c "$BR" -l $level
	run "prof$level" 0 -c "$SOURCE_DIR/profiles" -t bottlerocket -l $level
	# Same items, ids, titles, modes and order as the profile report.
	cut -c8- "$T/br$level.out" | grep -E '^[0-9]' >"$T/br$level.items"
	cut -c8- "$T/prof$level.out" | grep -E '^[0-9]' >"$T/prof$level.items"
	if [ -s "$T/br$level.items" ] && diff -u "$T/prof$level.items" "$T/br$level.items" >"$T/diff"; then
		ok "Bottlerocket layout, level $level: the same $(wc -l <"$T/br$level.items") items in the same order as the profiles"
	else
		bad "Bottlerocket layout, level $level: $(cat "$T/diff")"
	fi
	diff <(head -3 "$T/prof$level.out") <(head -3 "$T/br$level.out") >/dev/null &&
		ok "Bottlerocket layout, level $level: name, version, reference from metadata.json" ||
		bad "Bottlerocket layout, level $level: header $(head -3 "$T/br$level.out")"
done
run br_json 0 -c "$BR" -l 2 -f json
expect "$T/br_json.out" "len(R) == 28 and R['br01010101']['status'] == 'FAIL' and R['br01010101']['error'] == 'br01010101 failed' and R['br01040100']['status'] == 'PASS'" "Bottlerocket layout: each symlink dispatches on its own name"

# The benchmark comes from metadata.json, never the folder's name: Bottlerocket's
# FIPS metadata.json (no "type") in a folder named "bottlerocket" is the FIPS report.
FB=$T/cis-checks/bottlerocket
checker "$FB" fips01000000 fips01000000 1.0 0 Automatic "$(result PASS "")"
printf '{\n    "name": "FIPS Security Policy",\n    "version": "v1.0.0",\n    "url": "https://csrc.nist.gov/"\n}\n' >"$FB/metadata.json"
chmod 755 "$T/cis-checks"
run fipsname 0 -c "$FB" -f json
expect "$T/fipsname.out" "r['type'] == 'fips' and r['name'] == 'FIPS Security Policy' and r['url'] == 'https://csrc.nist.gov/' and R['fips01000000']['level'] == 0" "Bottlerocket's FIPS metadata.json in a folder named bottlerocket: the FIPS report"

# ---- the daemon serves a folder of checkers ----
if [ -x "$DAEMON" ]; then
	mkdir -p "$T/run" "$T/state"
	"$DAEMON" -s "$T/run/api.sock" -d "$T/state" -c "$F" --checker-timeout 500 2>"$T/daemon.log" &
	DPID=$!
	for _ in $(seq 200); do
		[ -S "$T/run/api.sock" ] && curl -sf --unix-socket "$T/run/api.sock" http://localhost/report >/dev/null && break
		sleep 0.05
	done
	has "$T/daemon.log" "bloodhound checker(s) from $F" "daemon: loads the checkers"
	has "$T/daemon.log" "warning: $F/i_nometa: not a checker" "daemon: logs what it left out"
	for level in 1 2; do
		curl -s --unix-socket "$T/run/api.sock" "http://localhost/report/cis?level=$level&format=json" >"$T/d$level.json"
		run "c$level" 0 -c "$F" -f json -l $level --checker-timeout 500ms
		if python3 - "$T/d$level.json" "$T/c$level.out" <<'PY'; then ok "daemon level $level: the CLI's report (bloodhound fields)"; else bad "daemon level $level differs"; fi
import json, sys
keys = ("name", "id", "level", "title", "mode", "status")
def view(path):
    r = json.load(open(path))
    res = {n: {k: e[k] for k in keys} for n, e in r["results"].items()}
    # the hang's error names the timeout either way; others are verbatim
    errs = {n: e["error"] for n, e in r["results"].items() if n != "e_hang"}
    return [r[k] for k in ("level", "total", "passed", "failed", "skipped", "status", "name", "version", "url")], list(res), res, errs
a, b = view(sys.argv[1]), view(sys.argv[2])
if a != b:
    print(a, b, sep="\n")
sys.exit(a != b)
PY
	done
	curl -s --unix-socket "$T/run/api.sock" "http://localhost/report/cis?level=2&format=text" >"$T/d.txt"
	sed -i 's/^Start time:.*/Start time:      T/' "$T/d.txt"
	if diff -u "$want" "$T/d.txt" >"$T/diff"; then ok "daemon text report: bloodhound's layout"; else bad "daemon text: $(cat "$T/diff")"; fi
	kill "$DPID"
	wait "$DPID" 2>/dev/null
	DPID=
	# Bottlerocket's FIPS folder of checkers, served at /report/fips.
	rm -f "$T/run/api.sock"
	"$DAEMON" -s "$T/run/api.sock" -d "$T/state" -c "$FB" 2>"$T/daemon2.log" &
	DPID=$!
	for _ in $(seq 200); do
		[ -S "$T/run/api.sock" ] && curl -sf --unix-socket "$T/run/api.sock" http://localhost/report >/dev/null && break
		sleep 0.05
	done
	curl -s --unix-socket "$T/run/api.sock" "http://localhost/report/fips?format=json" >"$T/dfips.json"
	expect "$T/dfips.json" "r['type'] == 'fips' and list(R) == ['fips01000000'] and R['fips01000000']['status'] == 'PASS'" "daemon: Bottlerocket's FIPS checker folder at /report/fips"
	kill "$DPID"
	wait "$DPID" 2>/dev/null
	DPID=
else
	bad "no cisreportd at $DAEMON"
fi
if pgrep -f "$T/" >/dev/null; then bad "processes left running: $(pgrep -af "$T/")"; else ok "nothing left running"; fi

echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
