#!/usr/bin/env bash
# Build the libFuzzer harnesses (tests/fuzz/, clang-16 with
# -fsanitize=fuzzer,address,undefined) and run each for SECONDS (default 60).
# New inputs go to build-fuzz/corpus/<harness>/ (the seeds in
# tests/fuzz/corpus/ are read, never written); a crash stops that harness
# and leaves build-fuzz/crash-<harness>-*: minimise it, add it to
# tests/fuzz/corpus/<harness>/ and a unit test, fix the parser.
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]      e.g. scripts/fuzz.sh 120 fuzz_profile
#   scripts/fuzz.sh --merge [HARNESS...]        minimise tests/fuzz/corpus/<harness>/
#
# Prints per harness: runs, execs/s, coverage (cov) and features (ft) at the
# end, and whether it crashed. Environment: CC (default clang-16), JOBS
# (build parallelism, default 2), BUILD (default build-fuzz), PARALLEL
# (harnesses fuzzed at the same time, default 1; each at nice 19 when more),
# FORK=1 (libFuzzer's -fork=1 with -ignore_crashes/timeouts/ooms: a crash
# is saved and fuzzing goes on for the whole time; the result says how many).
#
# --merge keeps, of the seeds and what the runs found (build-fuzz/corpus),
# the smallest set covering the same edges (-set_cover_merge=1
# -use_counters=0): a few dozen files per harness, not hundreds; named
# files (not a SHA-1: seeds, crash inputs) are always kept.
set -euo pipefail
cd "$(dirname "$0")/.."
merge=0
if [ "${1:-}" = --merge ]; then
	merge=1
	shift
	SECONDS_EACH=0
else
	SECONDS_EACH=${1:-60}
	shift || true
fi
CC=${CC:-clang-16}
BUILD=${BUILD:-build-fuzz}
JOBS=${JOBS:-2}
PARALLEL=${PARALLEL:-1}
FORK=${FORK:-0}

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
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

if [ "$merge" = 1 ]; then
	printf '%-24s %8s %8s %8s %8s\n' harness before after cov ft
	for h in $harnesses; do
		seeds=tests/fuzz/corpus/$h
		new=$(mktemp -d)
		before=$(ls "$seeds" | wc -l)
		found=()
		[ -d "$BUILD/corpus/$h" ] && found=("$BUILD/corpus/$h")
		"$BUILD/tests/fuzz/$h" -set_cover_merge=1 -use_counters=0 -max_len=65536 -timeout=10 \
			"$new" "$seeds" "${found[@]}" >"$BUILD/$h.merge.log" 2>&1
		# named inputs (seeds, crashes kept on purpose) stay whatever they cover
		find "$seeds" -maxdepth 1 -type f ! -regex '.*/[0-9a-f]\{40\}' -exec cp {} "$new" \;
		rm -rf "$seeds"
		mv "$new" "$seeds"
		chmod 755 "$seeds"
		init=$("$BUILD/tests/fuzz/$h" -runs=0 "$seeds" 2>&1 | grep INITED || true)
		printf '%-24s %8s %8s %8s %8s\n' "$h" "$before" "$(ls "$seeds" | wc -l)" \
			"$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$init")" \
			"$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$init")"
	done
	exit 0
fi

nice=""
[ "$PARALLEL" -gt 1 ] && nice="nice -n 19"
fork_args=""
[ "$FORK" = 1 ] && fork_args="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"

run_one() {
	local h=$1 bin=$BUILD/tests/fuzz/$1 out=$BUILD/corpus/$1 log=$BUILD/$1.log rc=0
	mkdir -p "$out"
	# shellcheck disable=SC2086
	$nice "$bin" $fork_args -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$BUILD/crash-$h-" \
		"$out" "tests/fuzz/corpus/$h" >"$log" 2>&1 || rc=$?
	local last cov ft eps result=ok crashes
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	eps=$(sed -n 's/.* exec\/s: \([0-9]*\).*/\1/p' <<<"$last")
	crashes=$(ls "$BUILD"/crash-"$h"-* 2>/dev/null | wc -l)
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		result="CRASH x$crashes (see $log, $(ls "$BUILD"/crash-"$h"-* 2>/dev/null | head -1))"
	fi
	printf '%-24s %8s %10s %8s %8s %s\n' "$h" "$SECONDS_EACH" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$result"
	[ "$result" = ok ]
}
export -f run_one
export BUILD SECONDS_EACH nice fork_args

printf '%-24s %8s %10s %8s %8s %s\n' harness seconds execs/s cov ft result
# shellcheck disable=SC2086
printf '%s\n' $harnesses | xargs -P "$PARALLEL" -I{} bash -c 'run_one {}'
