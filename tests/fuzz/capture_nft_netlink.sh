#!/usr/bin/env bash
# Regenerate the seeds of fuzz_nft_netlink: for each ruleset of
# tests/fixtures/nft/ (NAME.nft with nft -f, iptables_nft.rules with
# iptables-restore), loaded in a fresh private network namespace (never the
# host's rules), the kernel's replies to cisreport's own nf_tables dump as
# tests/helpers/nft_capture records them (tests/fuzz/replay.h), in
# tests/fuzz/corpus/fuzz_nft_netlink/NAME.replies. Needs root, nft,
# iptables-nft and a build. Usage: tests/fuzz/capture_nft_netlink.sh [BUILD]
set -euo pipefail
cd "$(dirname "$0")/../.."
capture=$(realpath "${1:-build}/tests/nft_capture")
[ -x "$capture" ] || { echo "no $capture: build the tests first" >&2; exit 1; }
out=$(realpath tests/fuzz/corpus/fuzz_nft_netlink)
mkdir -p "$out"
cd tests/fixtures/nft
for f in *.nft iptables_nft.rules; do
	name=${f%.*}
	if [ "$f" = iptables_nft.rules ]; then
		load="iptables-nft-restore <'$f'"
	else
		load="nft -f '$f'"
	fi
	unshare -n sh -c "$load && '$capture' '$out/$name.replies' >/dev/null"
	echo "$name: $(stat -c %s "$out/$name.replies") bytes"
done
