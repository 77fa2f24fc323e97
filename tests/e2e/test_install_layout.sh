#!/usr/bin/env bash
# End to end: "cmake --install build --prefix P" into a temporary prefix, then the
# installed cisreport run with exactly the command lines of Bottlerocket's API server
# (bottlerocket-core-kit sources/api/apiserver/src/server/mod.rs, get_cis_report and
# get_fips_report):
#   BLOODHOUND_BIN = /usr/bin/bloodhound
#   GET /report/cis?[level=L][&format=F][&type=T]
#       -> bloodhound [-l L] [-f F] [-c /usr/libexec/cis-checks/kubernetes]   (-c only for type=kubernetes)
#   GET /report/fips?[format=F]
#       -> bloodhound [-f F] -c /usr/libexec/fips-checks/bottlerocket
# with /usr replaced by P and bloodhound by P/bin/bloodhound -> ../sbin/cisreport (README:
# "installing cisreport as /usr/bin/bloodhound"). The reports must be upstream's:
# tests/e2e/upstream/bloodhound-checks.tsv (from the checkers' sources, cited there), and
# the exit status bloodhound's (0, or 4 with "Warning: No checks were able to run").
set -uo pipefail

: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
PY=${PY:-python3}
tmp=$(mktemp -d /tmp/cisreport-e2e-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/e2e/lib_tap.sh
. "$SOURCE_DIR/tests/e2e/lib_tap.sh"

P=$tmp/prefix
if cmake --install "$BUILD_DIR" --prefix "$P" >"$tmp/install.log" 2>&1; then
	ok "cmake --install --prefix $P"
else
	bad "cmake --install --prefix: $(tail -n 5 "$tmp/install.log")"
fi
# Everything under the prefix given at install time (no configure-time /usr/local).
outside=$(sed -n 's/^-- \(Installing\|Up-to-date\): \([^ ]*\).*/\2/p' "$tmp/install.log" | grep -v "^$P/" || true)
[ -z "$outside" ] && ok "every installed path is under the prefix" || bad "installed outside the prefix: $outside"
for folder in libexec/cis-checks/bottlerocket libexec/cis-checks/kubernetes libexec/fips-checks/bottlerocket; do
	[ -d "$P/$folder" ] && [ ! -L "$P/$folder" ] && [ -f "$P/$folder/metadata.json" ] &&
		[ -d "$P/$folder/level1/" ] && ok "$folder: a folder with metadata.json and level links" ||
		bad "$folder missing or not a folder"
done
[ -f "$P/share/cisreport/profiles/level0/fips.json" ] && ok "profiles under P/share/cisreport/profiles" ||
	bad "profiles not under P/share"

mkdir -p "$P/bin"
ln -s ../sbin/cisreport "$P/bin/bloodhound"
BLOODHOUND_BIN=$P/bin/bloodhound
BLOODHOUND_K8S_CHECKS=$P/libexec/cis-checks/kubernetes
BLOODHOUND_FIPS_CHECKS=$P/libexec/fips-checks/bottlerocket

# judge NAME REPORT LEVEL FORMAT: the last run ($tmp/out, $tmp/err, $rc) against upstream.
judge() {
	local name=$1 report=$2 level=$3 format=$4 why
	if why=$("$PY" - "$SOURCE_DIR/tests/e2e/upstream/bloodhound-checks.tsv" "$report" "$level" "$format" \
		"$tmp/out" "$tmp/err" "$rc" 2>&1 <<'PY'
import json, re, sys
table, report, level, fmt, out, err, rc = sys.argv[1:8]
level, rc = int(level), int(rc)
want, meta = [], None
for line in open(table):
    line = line.rstrip("\n")
    if line.startswith("#@ "):
        f = line[3:].split("\t")
        if f[0] == report:
            meta = f[1:]
    elif line and not line.startswith("#"):
        r, name, cid, lvl, mode, title = line.split("\t")
        if r == report and int(lvl) <= level:
            want.append((name, cid, int(lvl), mode, title))
want.sort()
stderr = open(err).read()
if rc not in (0, 4) or (rc == 4) != ("Warning: No checks were able to run" in stderr):
    sys.exit(f"exit {rc}, stderr {stderr[:300]!r}")
text = open(out).read()
if fmt == "json":
    d = json.loads(text)
    got = sorted((c["name"], c["id"], c["level"], c["mode"], c["title"]) for c in d["results"].values())
    head = [d.get("name"), d.get("version"), d.get("url")]
    counts = (d["total"], d["passed"] + d["failed"] + d["skipped"], d["level"])
    if counts != (len(want), len(want), level):
        sys.exit(f"counts {counts}, want {len(want)} at level {level}")
    if (rc == 4) != (d["status"] == "SKIP"):
        sys.exit(f"status {d['status']} with exit {rc}")
else:
    # bloodhound's TextReportWriter (sources/bloodhound/src/output.rs), line for line;
    # the statuses are the host's, the counts and the verdict must follow from them
    lines = text.split("\n")
    statuses = [l[1:5] for l in lines[6:6 + len(want)]]
    n = {s: statuses.count(s) for s in ("PASS", "FAIL", "SKIP")}
    verdict = "FAIL" if n["FAIL"] else "PASS" if n["PASS"] else "SKIP"
    expect = ["%-17s%s" % (k, v) for k, v in zip(("Benchmark name:", "Version:", "Reference:"), meta)]
    expect += ["%-17s%d" % ("Benchmark level:", level), lines[4] if lines[4].startswith("Start time:      ") else "Start time: ?", ""]
    expect += ["[%s] %-9s %s (%s)" % (st, w[1], w[4], w[3]) for st, w in zip(statuses, want)]
    expect += ["", "%-17s%d" % ("Passed:", n["PASS"]), "%-17s%d" % ("Failed:", n["FAIL"]),
               "%-17s%d" % ("Skipped:", n["SKIP"]), "%-17s%d" % ("Total checks:", len(want)), "",
               "Compliance check result: " + verdict, ""]
    if lines != expect or len(statuses) != len(want) or (rc == 4) != (verdict == "SKIP"):
        sys.exit("text differs from bloodhound's layout:\n" + "\n".join(
            f"  got {g!r}\n want {e!r}" for g, e in zip(lines + [None] * 99, expect + [None] * 99) if g != e)[:2000])
    head, got = meta, want
if head != meta:
    sys.exit(f"metadata {head}, want {meta}")
if got != want:
    sys.exit(f"checks differ: extra {sorted(set(got) - set(want))}, missing {sorted(set(want) - set(got))}")
PY
	); then ok "$name"; else bad "$name: $why"; fi
}

# GET /report/cis (no query) -> bloodhound
"$BLOODHOUND_BIN" >"$tmp/out" 2>"$tmp/err"; rc=$?
judge "GET /report/cis -> bloodhound" cis 1 text
for level in 1 2; do
	for format in text json; do
		# GET /report/cis?level=L&format=F -> bloodhound -l L -f F
		"$BLOODHOUND_BIN" -l "$level" -f "$format" >"$tmp/out" 2>"$tmp/err"; rc=$?
		judge "GET /report/cis?level=$level&format=$format -> bloodhound -l $level -f $format" cis "$level" "$format"
		# GET /report/cis?level=L&format=F&type=kubernetes -> ... -c /usr/libexec/cis-checks/kubernetes
		"$BLOODHOUND_BIN" -l "$level" -f "$format" -c "$BLOODHOUND_K8S_CHECKS" >"$tmp/out" 2>"$tmp/err"; rc=$?
		judge "GET /report/cis?type=kubernetes&level=$level&format=$format -> bloodhound -l $level -f $format -c .../cis-checks/kubernetes" cis-k8s "$level" "$format"
	done
done
"$BLOODHOUND_BIN" -c "$BLOODHOUND_K8S_CHECKS" >"$tmp/out" 2>"$tmp/err"; rc=$?
judge "GET /report/cis?type=kubernetes -> bloodhound -c .../cis-checks/kubernetes" cis-k8s 1 text
for format in text json; do
	# GET /report/fips?format=F -> bloodhound -f F -c /usr/libexec/fips-checks/bottlerocket
	"$BLOODHOUND_BIN" -f "$format" -c "$BLOODHOUND_FIPS_CHECKS" >"$tmp/out" 2>"$tmp/err"; rc=$?
	judge "GET /report/fips?format=$format -> bloodhound -f $format -c .../fips-checks/bottlerocket" fips 1 "$format"
done
"$BLOODHOUND_BIN" -c "$BLOODHOUND_FIPS_CHECKS" >"$tmp/out" 2>"$tmp/err"; rc=$?
judge "GET /report/fips -> bloodhound -c .../fips-checks/bottlerocket" fips 1 text

# The installed programs find the installed profiles (not the configure-time path).
"$P/sbin/cisreport" --list >"$tmp/list" 2>"$tmp/err"
[ $? -eq 0 ] && ok "installed cisreport --list finds the installed profiles" || bad "installed --list: $(cat "$tmp/err")"

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
