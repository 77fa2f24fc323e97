#!/usr/bin/env bash
# cisreport evidence --observe, live (root, eBPF): a user namespace created
# by uid 65534 during the window is named in the bundle's runtime.json and
# beside the CIS item it backs, the runtime checks are mapped to PCI DSS
# 2.2.x through the items they back, and the bundle verifies. Unprivileged,
# the bundle says the observer could not run and why. Runs under the
# ebpf_observer resource lock: it does forbidden things host-wide that the
# exact-count observer tests would otherwise see.
set -euo pipefail
: "${CISREPORT:?}" "${SOURCE_DIR:?}"
work=$(mktemp -d /tmp/cisreport-evidence-observe.XXXXXX)
ev_pid=""
cleanup() {
	if [[ -n $ev_pid ]]; then kill -TERM "$ev_pid" 2>/dev/null || true; wait "$ev_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

if [[ $(id -u) != 0 ]]; then
	echo "not root: live evidence --observe checks skipped"
	exit 0
fi
if ! "$CISREPORT" --version | grep -q '+ebpf-observer'; then
	echo "built without the eBPF observer: live evidence --observe checks skipped"
	exit 0
fi

# The shipped runtime profiles, the shipped sysctl checks they back, and
# the shipped mapping.
python3 - "$SOURCE_DIR/profiles" "$work/p" <<'EOF'
import json, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
shutil.copy(f"{src}/pci-dss-2.2.json", dst)
for level in (1, 2):
    os.makedirs(f"{dst}/level{level}")
    shutil.copy(f"{src}/level{level}/bottlerocket-runtime.json", f"{dst}/level{level}/")
    d = json.load(open(f"{src}/level{level}/bottlerocket.json"))
    d["checks"] = [c for c in d["checks"] if c["kind"] == "sysctl"]
    json.dump(d, open(f"{dst}/level{level}/bottlerocket.json", "w"))
EOF

wait_attached() {
	for _ in $(seq 200); do
		grep -qs 'tp_name:.sys_exit' /proc/"$1"/fdinfo/* 2>/dev/null && return 0
		kill -0 "$1" 2>/dev/null || fail "cisreport evidence exited before attaching"
		sleep 0.05
	done
	fail "the observer did not attach within 10 s"
}

# --- a user namespace created during the window is in the bundle ---
b=$work/bundle
"$CISREPORT" evidence -c "$work/p" -l 2 --observe 2s -o "$b" >"$work/out" 2>"$work/err" &
ev_pid=$!
wait_attached "$ev_pid"
setpriv --reuid 65534 --regid 65534 --clear-groups sh -c 'echo $$; exec unshare -U true' >"$work/pid"
set +e
wait "$ev_pid"
rc=$?
set -e
ev_pid=""
# The sysctl checks read this host and may FAIL: that does not change the
# exit status of evidence (0: bundle written).
[[ $rc == 0 ]] || fail "evidence --observe: exit $rc: $(cat "$work/err")"
"$CISREPORT" verify "$b" >"$work/verify" || fail "the bundle does not verify: $(cat "$work/verify")"
python3 - "$b" "$(cat "$work/pid")" <<'EOF'
import json, sys
b, pid = sys.argv[1], int(sys.argv[2])
rt = json.load(open(f"{b}/runtime.json"))
assert rt["enabled"] is True and "statement" not in rt, rt
assert rt["observer"] == {"running": True, "reason": ""}, rt["observer"]
w = rt["window"]
assert w["requested_ms"] == 2000 and 1900 <= w["observed_ms"] <= 2500, w
assert w["started"] < w["ended"], w
# every runtime check of the profiles is listed
assert len(rt["checks"]) == 8, sorted(rt["checks"])
userns = rt["checks"]["rt_user_namespace"]
assert userns["id"] == "rt.user_namespace" and userns["status"] == "FAIL", userns
obs = userns["observation"]
assert obs["count"] >= 1 and "1.4.4" in obs["backs"], obs
mine = [s for s in obs["samples"] if s["pid"] == pid]
if mine:
    s = mine[0]
    assert s["comm"] == "unshare" and s["uid"] == 65534 and "CLONE_NEWUSER" in s["flags"], s
else:  # a busy host may have filled the samples first: the count says so
    assert obs["count"] > len(obs["samples"]), obs
assert rt["summary"]["runtime_checks"] == 8 and rt["summary"]["failed"] >= 1, rt["summary"]
assert rt["summary"]["events"] >= 1, rt["summary"]
# beside the CIS item it backs, as the report shows it
links = {o["check"]: o for o in rt["backed"]["br01040400"]["observed"]}
assert links["rt_user_namespace"]["status"] == "FAIL" and links["rt_user_namespace"]["count"] >= 1, links
report = json.load(open(f"{b}/report.json"))
assert report["results"]["br01040400"]["observed"] == rt["backed"]["br01040400"]["observed"]
# report.json is bloodhound's report: the benchmark's items; runtime.json carries the runtime checks
assert "rt_user_namespace" not in report["results"] and report["total"] == len(report["results"])
# PCI DSS: through the item it backs; ptrace (backs nothing) is supporting
m = json.load(open(f"{b}/pci-dss-2.2.json"))
assert m["unmapped_checks"] == [], m["unmapped_checks"]
checks = {c["name"]: c for c in m["checks"]}
u = checks["rt_user_namespace"]
assert u["runtime"] is True and u["mapped_via"] == ["1.4.4"], u
assert u["requirements"] == checks["br01040400"]["requirements"], u
assert [s["name"] for s in m["supporting_checks"]] == ["rt_ptrace_attach"], m["supporting_checks"]
req = {r["id"]: r for r in m["requirements"]}
by = {o["check"]: o for o in req["2.2.4"]["observed_by"]}
assert by["rt_user_namespace"]["status"] == "FAIL" and by["rt_user_namespace"]["via"] == ["1.4.4"], by
meta = json.load(open(f"{b}/bundle.json"))
assert meta["observation"]["requested_ms"] == 2000, meta
EOF
grep -Eq '^          observed: \[FAIL\] .*\(rt\.user_namespace\)$' "$b/report.txt" ||
	fail "report.txt has no observed line for 1.4.4"

# --- unprivileged: the observer cannot load; the bundle says so ---
chmod 755 "$work"
mkdir -m 1777 "$work/shared"
set +e
setpriv --reuid 65534 --regid 65534 --clear-groups "$CISREPORT" evidence -c "$work/p" -l 2 --observe 200ms -o "$work/shared/nobody" >/dev/null 2>"$work/err"
set -e
grep -q 'runtime observation unavailable: cannot load the eBPF programs: Operation not permitted' "$work/err" ||
	fail "no warning for the unprivileged run: $(cat "$work/err")"
python3 - "$work/shared/nobody" <<'EOF'
import json, sys
rt = json.load(open(sys.argv[1] + "/runtime.json"))
assert rt["enabled"] is True and rt["observer"]["running"] is False, rt
assert "Operation not permitted" in rt["observer"]["reason"], rt["observer"]
assert rt["window"]["observed_ms"] == 0, rt["window"]
assert len(rt["checks"]) == 8 and all(c["status"] == "SKIP" and "observation" not in c for c in rt["checks"].values()), rt["checks"]
EOF
echo "ok"
