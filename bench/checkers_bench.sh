#!/usr/bin/env bash
# bloodhound checkers run together (docs/checkers.md): the wall time of a
# report over a folder of N checkers that each sleep S seconds, in their
# `metadata` call and in their run, against the same checkers run one
# after the other (what bloodhound does) and against one checker alone.
#
#   bench/checkers_bench.sh [BUILD_DIR] [N] [SLEEP] [ROUNDS]  (default: build 28 0.05 10)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
N=${2:-28}
S=${3:-0.05}
ROUNDS=${4:-10}
T=$(mktemp -d /tmp/cisreport-checkerbench.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
mk() {
	mkdir -p "$1"
	for i in $(seq -w 1 "$2"); do
		cat >"$1/c$i" <<EOF
#!/bin/sh
sleep $S
if [ "\$1" = metadata ]; then
	echo '{"name":"c$i","id":"1.$i","level":1,"title":"sleeps $S s","mode":"Automatic"}'
else
	echo '{"status":"PASS","error":""}'
fi
EOF
		chmod 755 "$1/c$i"
	done
	echo '{"name":"bench","version":"v1","url":"https://example.com"}' >"$1/metadata.json"
}
mk "$T/many" "$N"
mk "$T/one" 1
ms() { echo "($(date +%s%N) - $1) / 1000000" | bc; }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
report() { # folder -> median ms of ROUNDS reports
	for _ in $(seq "$ROUNDS"); do
		t=$(date +%s%N)
		"$BUILD/cisreport" -c "$1" >/dev/null
		ms "$t"
	done | median
}
serial() { # the same checkers, metadata then run, one after the other
	for _ in $(seq 3); do
		t=$(date +%s%N)
		for c in "$T/many"/c*; do "$c" metadata >/dev/null; done
		for c in "$T/many"/c*; do "$c" >/dev/null; done
		ms "$t"
	done | median
}
echo "cisreport, $N checkers sleeping $S s (metadata and run): $(report "$T/many") ms (median of $ROUNDS)"
echo "cisreport, 1 checker sleeping $S s (metadata and run):  $(report "$T/one") ms"
echo "the $N one after the other, as bloodhound runs them:    $(serial) ms"
