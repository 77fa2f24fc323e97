#!/usr/bin/env bash
# Regenerate the samples in docs/exports.md (between the <!-- sample:NAME -->
# markers) with the built cisreport, from a four-check test profile run
# against a Bottlerocket-like host tree.
#   scripts/export-samples.sh [path/to/cisreport]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/cisreport}
work=$(mktemp -d /tmp/cisreport-samples.XXXXXX)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/prof/level1" "$work/root/proc/sys/fs" "$work/root/proc/sys/kernel/random" "$work/root/etc"
cat >"$work/prof/level1/sample.json" <<'EOF'
{"format_version": 1,
 "benchmark": {"type": "bottlerocket", "report": "cis", "name": "CIS Bottlerocket Benchmark",
               "version": "v1.0.0", "url": "https://www.cisecurity.org/benchmark/bottlerocket"},
 "checks": [
  {"name": "br01020100", "id": "1.2.1", "title": "Ensure software update repositories are configured",
   "mode": "Manual", "kind": "manual"},
  {"name": "br01040100", "id": "1.4.1", "title": "Ensure setuid programs do not create core dumps",
   "mode": "Automatic", "kind": "sysctl", "params": {"keys": {"fs.suid_dumpable": "0"}},
   "remediation": "Set settings.kernel.sysctl.\"fs.suid_dumpable\" = \"0\" (apiclient set, or user data)."},
  {"name": "br01040200", "id": "1.4.2", "title": "Ensure address space layout randomization (ASLR) is enabled",
   "mode": "Automatic", "kind": "sysctl", "params": {"keys": {"kernel.randomize_va_space": "2"}},
   "remediation": "Set settings.kernel.sysctl.\"kernel.randomize_va_space\" = \"2\" (apiclient set, or user data)."},
  {"name": "br01040300", "id": "1.4.3", "title": "Ensure unprivileged eBPF is disabled",
   "mode": "Automatic", "kind": "sysctl", "params": {"keys": {"kernel.unprivileged_bpf_disabled": "1"}},
   "remediation": "Set settings.kernel.sysctl.\"kernel.unprivileged_bpf_disabled\" = \"1\" (apiclient set, or user data)."}
 ]}
EOF
r=$work/root
printf '0\n' >"$r/proc/sys/fs/suid_dumpable"
printf '1\n' >"$r/proc/sys/kernel/randomize_va_space"
printf 'ip-10-0-1-23.us-west-2.compute.internal\n' >"$r/proc/sys/kernel/hostname"
printf 'ec209ab4d5f56bbad730e920f82d4827\n' >"$r/etc/machine-id"
printf 'd3b07384-d113-4ec6-a7a2-2e3b0f8b1c2a\n' >"$r/proc/sys/kernel/random/boot_id"
printf '6.1.90\n' >"$r/proc/sys/kernel/osrelease"
printf 'aarch64\n' >"$r/proc/sys/kernel/arch"
printf 'NAME=Bottlerocket\nID=bottlerocket\nVERSION_ID=1.20.0\nPRETTY_NAME="Bottlerocket OS 1.20.0 (aws-k8s-1.29)"\nVARIANT_ID=aws-k8s-1.29\n' >"$r/etc/os-release"

run=("$bin" -c "$work/prof" --root "$r")
"${run[@]}" -f ssm -o "$work/ssm.jsonl"
"${run[@]}" -f xccdf -o "$work/xccdf.xml"
"${run[@]}" -f junit -o "$work/junit.xml"
"${run[@]}" -f asff --aws-account 123456789012 --aws-region us-west-2 \
	--resource-id i-0123456789abcdef0 -o "$work/asff.json"

python3 - "$work" docs/exports.md <<'EOF'
import json, re, sys
work, doc = sys.argv[1], sys.argv[2]
ssm = open(f"{work}/ssm.jsonl").read().splitlines()
asff = json.loads(open(f"{work}/asff.json").readline())
samples = {
    "ssm-checks": json.dumps(json.loads(ssm[0]), indent=2, ensure_ascii=False),
    "ssm-summary": json.dumps(json.loads(ssm[1]), indent=2, ensure_ascii=False),
    "xccdf": open(f"{work}/xccdf.xml").read().rstrip("\n"),
    "asff": json.dumps(asff[1], indent=2, ensure_ascii=False),  # the failing check
    "junit": open(f"{work}/junit.xml").read().rstrip("\n"),
}
text = open(doc).read()
for name, body in samples.items():
    pat = re.compile(r"(<!-- sample:%s -->\n```\w+\n).*?(```\n<!-- /sample:%s -->)" % (name, name), re.S)
    text, n = pat.subn(lambda m: m.group(1) + body + "\n" + m.group(2), text)
    if n != 1:
        sys.exit(f"{doc}: no sample:{name} block")
open(doc, "w").write(text)
EOF
echo "updated docs/exports.md"
