#!/usr/bin/env bash
# Export formats end to end, through the real binary: each format checked
# by its consumer's rules (oscap for XCCDF, xmllint, SSM and ASFF limit
# checkers), evidence bundles signed with each key type, verified by
# cisreport and by the openssl command line, and tampered with.
set -u
: "${CISREPORT:?path of the cisreport binary}" "${SOURCE_DIR:?}"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/cisreport-exports.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() {
	fail=$((fail + 1))
	echo "not ok - $1"
	sed 's/^/    | /' "$work/out" "$work/err" 2>/dev/null | head -30
}
# expect DESC RC CMD...: CMD exits RC.
expect() {
	local desc=$1 want=$2
	shift 2
	"$@" >"$work/out" 2>"$work/err"
	local rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$desc"; else
		echo "exit $rc, expected $want" >>"$work/err"
		not_ok "$desc"
	fi
}
# says DESC TEXT: the last command's stdout+stderr contain TEXT.
says() {
	if grep -qF -- "$2" "$work/out" "$work/err"; then ok "$1"; else
		echo "missing: $2" >>"$work/err"
		not_ok "$1"
	fi
}

# A test profile (sysctl and manual checks; text XML must escape) and a host tree.
prof=$work/profiles
root=$work/root
mkdir -p "$prof/level1" "$prof/level2" "$root/proc/sys/fs" "$root/proc/sys/kernel/random" \
	"$root/proc/sys/net/ipv4" "$root/etc"
bm='"benchmark":{"type":"bottlerocket","report":"cis","name":"CIS Bottlerocket Benchmark","version":"v1.0.0","url":"https://www.cisecurity.org/benchmark/bottlerocket"}'
cat >"$prof/level1/test.json" <<EOF
{"format_version":1,$bm,"checks":[
{"name":"br01020100","id":"1.2.1","title":"Ensure software update repositories are configured","mode":"Manual","kind":"manual"},
{"name":"br01040100","id":"1.4.1","title":"Ensure setuid programs do not create core dumps","mode":"Automatic","kind":"sysctl","params":{"keys":{"fs.suid_dumpable":"0"}},"remediation":"Set fs.suid_dumpable to 0 <&> \"quoted\" 'single' \u00e9 \u0007bell"},
{"name":"br01040200","id":"1.4.2","title":"Ensure ASLR is enabled & <checked>","mode":"Automatic","kind":"sysctl","params":{"keys":{"kernel.randomize_va_space":"2"}},"remediation":"Set kernel.randomize_va_space = 2"},
{"name":"br01040300","id":"1.4.3","title":"Ensure unprivileged eBPF is disabled","mode":"Automatic","kind":"sysctl","params":{"keys":{"kernel.unprivileged_bpf_disabled":"1"}},"remediation":"Set it to 1"},
{"name":"br03020700","id":"3.2.7","title":"Ensure TCP SYN Cookies is enabled","mode":"Automatic","kind":"sysctl","params":{"keys":{"net.ipv4.tcp_syncookies":"1"}},"remediation":"Set net.ipv4.tcp_syncookies = 1"}
]}
EOF
cat >"$prof/level2/test.json" <<EOF
{"format_version":1,$bm,"checks":[
{"name":"br01040400","id":"1.4.4","title":"Ensure user namespaces are disabled","mode":"Automatic","kind":"sysctl","params":{"keys":{"user.max_user_namespaces":"0"}},"remediation":"Set user.max_user_namespaces = 0"}
]}
EOF
printf '0\n' >"$root/proc/sys/fs/suid_dumpable"
printf '1\n' >"$root/proc/sys/kernel/randomize_va_space"
printf '1\377\001\n' >"$root/proc/sys/net/ipv4/tcp_syncookies" # garbage bytes in evidence
printf 'host-a\n' >"$root/proc/sys/kernel/hostname"
printf '0123456789abcdef0123456789abcdef\n' >"$root/etc/machine-id"
printf 'd3b07384-d113-4ec6-a7a2-2e3b0f8b1c2a\n' >"$root/proc/sys/kernel/random/boot_id"
printf '6.1.90\n' >"$root/proc/sys/kernel/osrelease"
printf 'NAME=Bottlerocket\nID=bottlerocket\nVERSION_ID=1.20.0\nPRETTY_NAME="Bottlerocket OS 1.20.0"\n' >"$root/etc/os-release"
run=("$CISREPORT" -c "$prof" --root "$root")

echo "# XCCDF"
expect "xccdf written" 0 "${run[@]}" -l 2 -f xccdf -o "$work/xccdf.xml"
expect "xccdf well-formed (xmllint)" 0 xmllint --noout "$work/xccdf.xml"
expect "oscap xccdf validate accepts it" 0 oscap xccdf validate "$work/xccdf.xml"
expect "oscap xccdf generate report renders it" 0 oscap xccdf generate report --output "$work/xccdf.html" "$work/xccdf.xml"
for want in "1.4.2 Ensure ASLR is enabled &amp; &lt;checked&gt;" "evidence: kernel.randomize_va_space: expected 2, found 1" "host-a"; do
	if grep -qF -- "$want" "$work/xccdf.html"; then ok "report shows: $want"; else
		echo "missing: $want" >"$work/err"
		not_ok "report shows: $want"
	fi
done
python3 - "$work/xccdf.xml" >"$work/out" 2>"$work/err" <<'EOF'
import sys, xml.etree.ElementTree as ET
ns = {"x": "http://checklists.nist.gov/xccdf/1.2"}
root = ET.parse(sys.argv[1]).getroot()
rules = [r.get("id") for r in root.findall("x:Rule", ns)]
results = {rr.get("idref"): rr.find("x:result", ns).text for rr in root.findall("x:TestResult/x:rule-result", ns)}
assert set(rules) == set(results), (rules, results)
want = {"br01020100": "notchecked", "br01040100": "pass", "br01040200": "fail",
        "br01040300": "error", "br03020700": "fail", "br01040400": "error"}
got = {k.rsplit("_", 1)[1]: v for k, v in results.items()}
assert got == want, got
EOF
if [ $? -eq 0 ]; then ok "xccdf rule-results: pass/fail/notchecked/error per check"; else not_ok "xccdf rule-results"; fi

echo "# JUnit"
expect "junit written" 0 "${run[@]}" -f junit -o "$work/junit.xml"
expect "junit well-formed (xmllint)" 0 xmllint --noout "$work/junit.xml"
expect "junit: a testcase per check, counts agree" 0 python3 "$here/check_junit.py" "$work/junit.xml" 5 2 2

echo "# SSM"
expect "ssm written" 0 "${run[@]}" -l 2 -f ssm -o "$work/ssm.jsonl"
expect "ssm documents within SSM's limits" 0 python3 "$here/check_ssm.py" "$work/ssm.jsonl"
expect "--ssm-inventory without an agent: clear error" 3 "${run[@]}" --ssm-inventory -f json
says "  ...naming where it looked" "no SSM agent instance directory found"
mkdir -p "$root/var/lib/amazon/ssm/i-0123456789abcdef0" "$root/var/lib/amazon/ssm/ipc"
expect "--ssm-inventory finds the agent's folder" 0 "${run[@]}" --ssm-inventory -o "$work/ignored.txt"
inv=$root/var/lib/amazon/ssm/i-0123456789abcdef0/inventory/custom
expect "  ...and both files are valid inventory" 0 python3 "$here/check_ssm.py" "$inv"
expect "  ...checks type written" 0 test -s "$inv/CISBenchmark.json"
expect "  ...summary type written" 0 test -s "$inv/CISBenchmarkSummary.json"
expect "--ssm-inventory DIR (space-separated)" 0 "${run[@]}" --ssm-inventory "$work/inv"
expect "  ...files in DIR" 0 python3 "$here/check_ssm.py" "$work/inv"
expect "--ssm-inventory=DIR" 0 "${run[@]}" --ssm-inventory="$work/inv2" -f json -o "$work/r.json"
expect "  ...files in DIR" 0 test -s "$work/inv2/CISBenchmarkSummary.json"

echo "# ASFF"
unset AWS_REGION AWS_DEFAULT_REGION AWS_ACCOUNT_ID CISREPORT_AWS_ACCOUNT CISREPORT_RESOURCE_ID
expect "asff without an account: usage error" 1 "${run[@]}" -f asff
says "  ...naming the flag" "--aws-account"
expect "asff written" 0 "${run[@]}" -l 2 -f asff --aws-account 123456789012 --aws-region us-east-1 --resource-id i-0123456789abcdef0 -o "$work/asff.json"
expect "asff findings valid (5 automatic checks, 1 batch)" 0 python3 "$here/check_asff.py" "$work/asff.json" --findings 5 --account 123456789012 --region us-east-1
expect "asff from the environment" 0 env AWS_ACCOUNT_ID=210987654321 AWS_REGION=eu-central-1 "${run[@]}" -f asff -o "$work/asff-env.json"
expect "  ...valid, with the environment's account and region" 0 python3 "$here/check_asff.py" "$work/asff-env.json" --findings 4 --account 210987654321 --region eu-central-1
expect "asff ids stable across scans" 0 bash -c "
	a=\$(env AWS_ACCOUNT_ID=210987654321 AWS_REGION=eu-central-1 $(printf '%q ' "${run[@]}") -f asff | python3 -c 'import json,sys; print(sorted(f[\"Id\"] for f in json.loads(sys.stdin.readline())))')
	sleep 0.05
	b=\$(env AWS_ACCOUNT_ID=210987654321 AWS_REGION=eu-central-1 $(printf '%q ' "${run[@]}") -f asff | python3 -c 'import json,sys; print(sorted(f[\"Id\"] for f in json.loads(sys.stdin.readline())))')
	[ \"\$a\" = \"\$b\" ] && [ -n \"\$a\" ]"
# 250 automatic checks: three batches (100, 100, 50)
big=$work/big
mkdir -p "$big/level1"
python3 - "$big/level1/big.json" <<'EOF'
import json, sys
checks = [{"name": f"gen{i:04d}", "id": f"9.{i}", "title": f"Generated check {i}", "mode": "Automatic",
           "kind": "sysctl", "params": {"keys": {"fs.suid_dumpable": "0"}}, "remediation": "none"}
          for i in range(250)]
json.dump({"format_version": 1, "benchmark": {"type": "bottlerocket", "report": "cis", "name": "CIS Bottlerocket Benchmark",
           "version": "v1.0.0", "url": "https://www.cisecurity.org/benchmark/bottlerocket"}, "checks": checks},
          open(sys.argv[1], "w"))
EOF
expect "asff with 250 checks" 0 "$CISREPORT" -c "$big" --root "$root" -f asff --aws-account 123456789012 --aws-region us-east-1 -o "$work/asff-big.json"
expect "  ...valid, 250 findings" 0 python3 "$here/check_asff.py" "$work/asff-big.json" --findings 250
expect "  ...in 3 batches of at most 100" 0 test "$(wc -l <"$work/asff-big.json")" -eq 3

echo "# Evidence bundles"
keys=$work/keys
mkdir -p "$keys"
openssl genpkey -algorithm ed25519 -out "$keys/ed25519.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$keys/ec.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$keys/rsa.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$keys/other.pem" 2>/dev/null
for k in ed25519 ec rsa other; do openssl pkey -in "$keys/$k.pem" -pubout -out "$keys/$k.pub"; done
for k in ed25519 ec rsa; do
	b=$work/bundle-$k
	expect "evidence signed with $k" 0 "$CISREPORT" evidence -c "$prof" --root "$root" -l 2 -o "$b" --sign-key "$keys/$k.pem"
	expect "  ...verify --key accepts it" 0 "$CISREPORT" verify "$b" --key "$keys/$k.pub"
	says "  ...and says the signature is valid" "signature valid"
	expect "  ...sha256sum -c agrees with the manifest" 0 bash -c "cd '$b' && sha256sum --quiet -c manifest.sha256"
	if [ "$k" = ed25519 ]; then
		expect "  ...openssl pkeyutl verifies the signature" 0 openssl pkeyutl -verify -pubin -inkey "$keys/$k.pub" -rawin -in "$b/manifest.sha256" -sigfile "$b/manifest.sig"
	else
		expect "  ...openssl dgst verifies the signature" 0 openssl dgst -sha256 -verify "$keys/$k.pub" -signature "$b/manifest.sig" "$b/manifest.sha256"
	fi
	expect "  ...another key is refused" 5 "$CISREPORT" verify "$b" --key "$keys/other.pub"
	says "  ...naming the key" "signature does not verify with key $keys/other.pub"
done
b=$work/bundle-ed25519
for f in report.json report.txt host.json pci-dss-2.2.json waivers.json runtime.json bundle.json \
	profiles/level1/test.json profiles/level2/test.json mapping/pci-dss-2.2.json signer.pub.pem; do
	expect "bundle holds $f" 0 test -s "$b/$f"
done
expect "bundle maps every check to 2.2.x and lists what is not covered" 0 python3 - "$b/pci-dss-2.2.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["checks"]) == 6 and all(c["requirements"] for c in d["checks"]), d["checks"]
req = {r["id"]: r for r in d["requirements"]}
assert not req["2.2.2"]["covered"] and not req["2.2.7"]["covered"]
assert req["2.2.6"]["covered"] and req["2.2.6"]["failed"] == 2
EOF
expect "an existing bundle is never overwritten" 1 "$CISREPORT" evidence -c "$prof" --root "$root" -o "$b"
says "  ...says so" "already exists"
expect "a bad signing key is a usage error" 1 "$CISREPORT" evidence -c "$prof" --root "$root" -o "$work/nokey" --sign-key "$keys/ed25519.pub"
expect "  ...and writes nothing" 1 test -e "$work/nokey"
expect "unsigned bundle" 0 "$CISREPORT" evidence -c "$prof" --root "$root" -o "$work/unsigned"
expect "  ...verifies without a key" 0 "$CISREPORT" verify "$work/unsigned"
says "  ...and says it is unsigned" "unsigned"
expect "  ...fails when a key is required" 5 "$CISREPORT" verify "$work/unsigned" --key "$keys/ed25519.pub"
says "  ...saying so" "bundle is unsigned but --key was given"

tamper() { # DESC NEEDLE SCRIPT [verify args]
	local desc=$1 needle=$2 script=$3
	shift 3
	rm -rf "$work/t"
	cp -a "$b" "$work/t"
	(cd "$work/t" && eval "$script")
	expect "tampering detected: $desc" 5 "$CISREPORT" verify "$work/t" "$@"
	says "  ...named: $needle" "$needle"
}
tamper "a changed byte" "file report.json: SHA-256 mismatch" "printf x | dd of=report.json bs=1 seek=3 conv=notrunc 2>/dev/null" --key "$keys/ed25519.pub"
tamper "a missing file" "file host.json: listed in manifest but missing" "rm host.json"
tamper "an added file" "file notes.txt: not in manifest" "echo hi > notes.txt"
tamper "the signature removed" "bundle is unsigned but --key was given" "rm manifest.sig" --key "$keys/ed25519.pub"
tamper "a re-hashed forgery" "signature does not verify" "echo '{}' > waivers.json && sha256sum \$(sed 's/^[0-9a-f]*  //' manifest.sha256) > manifest.sha256" --key "$keys/ed25519.pub"
echo "# Evidence bundles: waivers from --settings, runtime observation"
# An active waiver on a FAIL, an expired one on a PASS, one on a level-2
# check (this bundle is level 1) and one naming no check.
cat >"$work/settings.json" <<'EOF'
{"level": 2, "format": "json",
 "waivers": {
  "br01040200": {"reason": "ASLR off for a legacy debugger, ticket SEC-1", "expires": "2099-12-31T23:59:59Z", "approved-by": "CISO"},
  "br01040100": {"reason": "core dumps kept for crash triage, ticket SEC-2", "expires": "2020-01-01T00:00:00Z", "approved-by": "security team"},
  "br01040400": {"reason": "user namespaces for rootless builds", "expires": "2099-01-01T00:00:00Z", "approved-by": "CISO"},
  "br09090900": {"reason": "a typo", "expires": "2099-01-01T00:00:00Z", "approved-by": "nobody"}}}
EOF
bw=$work/bundle-waivers
expect "evidence --settings" 0 "$CISREPORT" evidence -c "$prof" --root "$root" -l 1 -o "$bw" --settings "$work/settings.json" --sign-key "$keys/ed25519.pem"
expect "  ...verifies" 0 "$CISREPORT" verify "$bw" --key "$keys/ed25519.pub"
expect "  ...holds the settings file byte for byte" 0 cmp "$work/settings.json" "$bw/settings.json"
expect "  ...listed in the manifest" 0 grep -qE '^[0-9a-f]{64}  settings.json$' "$bw/manifest.sha256"
expect "  ...waivers.json: active and expired waivers with the real status" 0 python3 - "$bw" "$work/settings.json" <<'EOF'
import json, sys
b, src = sys.argv[1], sys.argv[2]
w = json.load(open(f"{b}/waivers.json"))
report = json.load(open(f"{b}/report.json"))
assert w["settings"] == {"file": "settings.json", "source": src, "sha256": w["settings"]["sha256"]}, w["settings"]
assert (w["count"], w["active"], w["expired"]) == (2, 1, 1), w
by = {x["check"]: x for x in w["waivers"]}
a = by["br01040200"]
assert a["id"] == "1.4.2" and a["status"] == "FAIL" and a["outcome"] == "fail", a
assert a["waiver"] == {"reason": "ASLR off for a legacy debugger, ticket SEC-1", "expires": "2099-12-31T23:59:59Z",
                       "approved_by": "CISO", "state": "active"}, a
e = by["br01040100"]
assert e["status"] == "PASS" and e["waiver"]["state"] == "expired" and e["waiver"]["approved_by"] == "security team", e
# the same objects as the report's entries carry
for name, x in by.items():
    assert report["results"][name]["waiver"] == x["waiver"], name
    assert report["results"][name]["status"] == x["status"], name
# waivers on no check of this report, with why
why = {x["check"]: x["why"] for x in w["not_in_report"]}
assert "is level 2; this report is level 1" in why["br01040400"], why
assert 'no check named "br09090900"' in why["br09090900"], why
meta = json.load(open(f"{b}/bundle.json"))
assert meta["settings"] == {"file": "settings.json", "source": src} and meta["level"] == 1, meta
EOF
expect "  ...report.txt shows the expired waiver" 0 grep -q "waiver: EXPIRED since 2020-01-01T00:00:00Z, approved by security team" "$bw/report.txt"
rm -rf "$work/t"
cp -a "$bw" "$work/t"
sed -i 's/2020-01-01/2099-01-01/' "$work/t/settings.json"
expect "tampering detected: the settings copy changed" 5 "$CISREPORT" verify "$work/t" --key "$keys/ed25519.pub"
says "  ...named" "file settings.json: SHA-256 mismatch"
expect "evidence --settings without -l takes the settings' level" 0 "$CISREPORT" evidence -c "$prof" --root "$root" -o "$work/bundle-level" --settings "$work/settings.json"
expect "  ...level 2, the level-2 waiver applied" 0 python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/bundle.json")); w = json.load(open(sys.argv[1] + "/waivers.json"))
assert m["level"] == 2 and w["count"] == 3 and [x["check"] for x in w["not_in_report"]] == ["br09090900"], (m["level"], w)' "$work/bundle-level"
expect "--settings of a missing file: usage error" 1 "$CISREPORT" evidence -c "$prof" --root "$root" -o "$work/nosettings" --settings "$work/none.json"
says "  ...naming it" "none.json: No such file or directory"
printf '{"waivers": {"br01040200": {"reason": "x"}}}' >"$work/bad-settings.json"
expect "--settings with a bad waiver: usage error" 1 "$CISREPORT" evidence -c "$prof" --root "$root" -o "$work/nosettings" --settings "$work/bad-settings.json"
says "  ...naming the field" "waivers.br01040200.approved-by: is required"
expect "  ...and writes nothing" 1 test -e "$work/nosettings"
expect "without --observe, runtime.json says observation was not enabled" 0 python3 -c '
import json, sys
r = json.load(open(sys.argv[1] + "/runtime.json"))
assert r["enabled"] is False and r["checks"] == {} and r["backed"] == {}, r
assert r["statement"].startswith("Runtime observation was not enabled for this bundle"), r' "$bw"
expect "evidence --observe with --root: usage error" 1 "$CISREPORT" evidence -c "$prof" --root "$root" -o "$work/noobs" --observe 1s
says "  ...saying why" "cannot be combined with --root"
expect "evidence --observe with a bad duration: usage error" 1 "$CISREPORT" evidence -o "$work/noobs" --observe soon
says "  ...naming what is allowed" "use 100ms to 24h"

expect "verify without a bundle: usage error" 1 "$CISREPORT" verify
expect "verify of a missing directory" 1 "$CISREPORT" verify "$work/nonexistent"

echo "# Evidence bundles of the other benchmarks: every check mapped to 2.2.x"
for spec in kubernetes:k8s-hardened:1 fips:fips-enabled:2; do
	IFS=: read -r type fixture level <<<"$spec"
	expect "evidence -t $type" 0 "$CISREPORT" evidence -t "$type" -l "$level" -c "$SOURCE_DIR/profiles" --root "${FIXTURES:?}/$fixture" -o "$work/bundle-$type"
	expect "  ...every $type check has its 2.2.x requirements" 0 python3 - "$work/bundle-$type/pci-dss-2.2.json" "$type" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["benchmark"]["type"] == sys.argv[2] and "note" not in d, d.get("note")
assert d["checks"] and all(c["requirements"] for c in d["checks"]), [c["name"] for c in d["checks"] if not c["requirements"]]
assert d["unmapped_checks"] == [] and d["supporting_checks"] == []
req = {r["id"]: r for r in d["requirements"]}
assert req["2.2.6"]["covered"] and req["2.2.6"]["checks"], req["2.2.6"]
EOF
done

# The shipped profile, once every kind it names is built (other branches).
if "$CISREPORT" -c "$SOURCE_DIR/profiles" --list >/dev/null 2>&1; then
	expect "bottlerocket profile: xccdf" 0 "$CISREPORT" -c "$SOURCE_DIR/profiles" --root "$root" -l 2 -f xccdf -o "$work/br.xml"
	expect "  ...oscap validates it" 0 oscap xccdf validate "$work/br.xml"
	expect "bottlerocket profile: ssm" 0 "$CISREPORT" -c "$SOURCE_DIR/profiles" --root "$root" -l 2 -f ssm -o "$work/br.jsonl"
	expect "  ...within SSM's limits" 0 python3 "$here/check_ssm.py" "$work/br.jsonl"
else
	echo "# (shipped bottlerocket profile does not load in this build yet: its checks are covered by the test profile)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
