#!/usr/bin/env bash
# Overhead of the eBPF runtime observer, and the event rate it sustains.
#
#   bench/observer.sh [ROUNDS]      (root; CISREPORT=path/to/cisreport)
#
# 1. Overhead: each workload (bench/workload.c: exec, fork, read-only opens,
#    write opens, and a mix of all four) runs ROUNDS times without and
#    ROUNDS times with `cisreport --observe` attached, interleaved
#    (base, observed, base, observed...) so that machine noise hits both
#    alike; the medians of wall and CPU time are compared.
# 2. Event rate: bursts of "unprivileged bpf()" events (a non-root bpf()
#    call each) at increasing paced rates while the observer runs with its
#    default 1 MiB ring buffer; the report's exact count, delivered and lost
#    numbers say up to which rate nothing is lost.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
rounds=${1:-7}
cisreport=${CISREPORT:-$src/build/cisreport}

if [[ $(id -u) != 0 ]]; then
  echo "bench/observer.sh: needs root (the observer loads eBPF programs)" >&2
  exit 1
fi
[[ -x $cisreport ]] || { echo "bench/observer.sh: no cisreport at $cisreport (set CISREPORT)" >&2; exit 1; }
"$cisreport" --version | grep -q '+ebpf-observer' || {
  echo "bench/observer.sh: $cisreport was built without the eBPF observer" >&2; exit 1; }

work=$(mktemp -d /tmp/cisreport-bench.XXXXXX)
obs_pid=""
cleanup() {
  if [[ -n $obs_pid ]]; then kill -INT "$obs_pid" 2>/dev/null || true; wait "$obs_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cc -O2 -Wall -o "$work/workload" "$here/workload.c"
# Only the runtime checks: what is measured is the observer, not the probes.
for level in 1 2; do
  mkdir -p "$work/profiles/level$level"
  cp "$src/profiles/level$level/bottlerocket-runtime.json" "$work/profiles/level$level/"
done

start_observer() {
  "$cisreport" -c "$work/profiles" -l 2 --observe 24h -f json -o "$work/observed.json" &
  obs_pid=$!
  for _ in $(seq 200); do
    if grep -qs 'tp_name:.sys_exit' /proc/"$obs_pid"/fdinfo/* 2>/dev/null; then
      sleep 0.2
      return 0
    fi
    sleep 0.05
  done
  echo "bench/observer.sh: the observer did not attach" >&2
  exit 1
}

stop_observer() {
  kill -INT "$obs_pid"
  wait "$obs_pid"
  obs_pid=""
}

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

echo "== overhead (median of $rounds interleaved runs each; ratio = observed / base; min = ratio of the fastest runs)"
printf '%-8s %8s %11s %11s %7s %11s %11s %7s %7s\n' workload iters base_wall_s obs_wall_s wall base_cpu_s obs_cpu_s cpu min_cpu
declare -A iters=([mixed]=400 [spawn]=600 [fork]=2000 [open]=300000 [openw]=300000)
for w in mixed spawn fork open openw; do
  : >"$work/base" ; : >"$work/obs"
  for _ in $(seq "$rounds"); do
    "$work/workload" "$w" "${iters[$w]}" >>"$work/base"
    start_observer
    "$work/workload" "$w" "${iters[$w]}" >>"$work/obs"
    stop_observer
  done
  bw=$(awk '{print $2}' "$work/base" | median); ow=$(awk '{print $2}' "$work/obs" | median)
  bc=$(awk '{print $4}' "$work/base" | median); oc=$(awk '{print $4}' "$work/obs" | median)
  bmin=$(awk '{print $4}' "$work/base" | sort -g | head -1); omin=$(awk '{print $4}' "$work/obs" | sort -g | head -1)
  printf '%-8s %8s %11.4f %11.4f %7.3f %11.4f %11.4f %7.3f %7.3f\n' "$w" "${iters[$w]}" "$bw" "$ow" \
    "$(awk -v a="$ow" -v b="$bw" 'BEGIN{print a/b}')" "$bc" "$oc" \
    "$(awk -v a="$oc" -v b="$bc" 'BEGIN{print a/b}')" "$(awk -v a="$omin" -v b="$bmin" 'BEGIN{print a/b}')"
done

echo
echo "== event rate (unprivileged bpf() events, default 1 MiB ring buffer)"
printf '%10s %10s %10s %10s %10s %10s\n' target/s achieved/s events counted delivered lost
for rate in 10000 50000 100000 200000 400000 0; do
  n=200000
  start_observer
  achieved=$("$work/workload" events "$n" "$rate" | awk '{print $6}')
  stop_observer
  read -r count received lost < <(python3 - "$work/observed.json" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))["results"]["rt_unprivileged_bpf"]["observation"]
print(o["count"], o["received"], o["lost"])
EOF
)
  printf '%10s %10s %10s %10s %10s %10s\n' "$([[ $rate == 0 ]] && echo max || echo "$rate")" \
    "$achieved" "$n" "$count" "$received" "$lost"
done
