#!/usr/bin/env bash
# Build the libFuzzer harnesses (tests/fuzz/, clang-16 with
# -fsanitize=fuzzer,address,undefined) and run each for SECONDS (default 60),
# one after the other. New inputs go to build-fuzz/corpus/<harness>/ (the
# seeds in tests/fuzz/corpus/ are read, never written); a crash stops the run
# and leaves build-fuzz/crash-<harness>-*: minimise it, add it to
# tests/fuzz/corpus/<harness>/ and a unit test, fix the parser.
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]      e.g. scripts/fuzz.sh 120 fuzz_profile
#
# Prints per harness: runs, execs/s, coverage (cov) and features (ft) at the
# end, and whether it crashed. Environment: CC (default clang-16), JOBS
# (build parallelism, default 2), BUILD (default build-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
CC=${CC:-clang-16}
BUILD=${BUILD:-build-fuzz}
JOBS=${JOBS:-2}

all=$(ls tests/fuzz/fuzz_*.c | xargs -n1 basename | sed 's/\.c$//')
harnesses=${*:-$all}
CC=$CC cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCISREPORT_FUZZ=ON \
	-DCISREPORT_TESTS=OFF -DCISREPORT_WERROR=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build "$BUILD" -j"$JOBS" --target $harnesses >/dev/null

# Stack traces with names (clang-16 ships no symbolizer of its own here).
for s in /usr/lib/llvm-16/bin/llvm-symbolizer /usr/bin/llvm-symbolizer-16 /usr/bin/llvm-symbolizer-14 /usr/bin/llvm-symbolizer; do
	[ -x "$s" ] && export ASAN_SYMBOLIZER_PATH=$s && break
done
status=0
printf '%-24s %8s %10s %8s %8s %s\n' harness seconds execs/s cov ft result
for h in $harnesses; do
	bin=$BUILD/tests/fuzz/$h
	out=$BUILD/corpus/$h
	mkdir -p "$out"
	log=$BUILD/$h.log
	rc=0
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$BUILD/crash-$h-" \
		"$out" "tests/fuzz/corpus/$h" >"$log" 2>&1 || rc=$?
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	eps=$(sed -n 's/.* exec\/s: \([0-9]*\).*/\1/p' <<<"$last")
	result=ok
	if [ "$rc" -ne 0 ]; then
		result="CRASH (see $log, $(ls "$BUILD"/crash-"$h"-* 2>/dev/null | head -1))"
		status=1
	fi
	printf '%-24s %8s %10s %8s %8s %s\n' "$h" "$SECONDS_EACH" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
exit $status
