#!/usr/bin/env python3
"""Benchmark of the real cisreport binary: `cisreport -l 2 -f json`, many runs.

For each scenario (`cisreport --version`, the startup floor; the report on
this host; the report over the hardened fixture via --root) it prints
  * wall time per run (spawn to reap): median, 10th and 90th percentile, min;
  * peak RSS from os.wait4's ru_maxrss, per run (see peak_rss for how it is
    made exact). Linux reports the maximum of the process and the children it
    reaped, so on the live host it also covers iptables-save / ip6tables-save:
    their own peak RSS is measured alone to tell the two apart;
  * the number of processes one report creates, counted exactly in a fresh PID
    namespace (needs root and unshare(1); else "n/a").

Targets: median < 3 ms, peak RSS < 4 MiB.

Usage: bench/report_bench.py [--binary build/cisreport] [--runs 200]
                             [--profiles profiles] [--fixture tests/fixtures/hardened]
"""
import argparse
import ctypes
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_MS = 3.0
TARGET_KIB = 4 * 1024


def run_once(argv):
    """Spawn argv with stdout and stderr on /dev/null; (seconds, exit code)."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0),
    ]
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status, _ = os.wait4(pid, 0)
    elapsed = (time.perf_counter_ns() - start) / 1e9
    return elapsed, os.waitstatus_to_exitcode(status)


_subreaper = False


def become_subreaper():
    """Orphaned descendants are reparented to this process (prctl
    PR_SET_CHILD_SUBREAPER), so it can wait4() for a grandchild."""
    global _subreaper
    if not _subreaper:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
        _subreaper = True


def peak_rss(argv):
    """ru_maxrss (KiB) of argv, exactly, from os.wait4.

    Linux keeps a process's ru_maxrss across exec and seeds it with the memory
    of the process that exec'd: spawned straight from Python it would read
    Python's 12 MiB. So a small shell forks the command and exits; the command
    is reparented to us (subreaper) and reaped with os.wait4. Its ru_maxrss is
    then the largest of: the shell's image at the fork (under 1 MiB), the
    command's own peak, and the peaks of the children it reaped."""
    become_subreaper()
    # The forked shell waits on a pipe until its parent shell is gone, so the
    # command can never exit (and be reaped by that shell) before it is ours.
    gate_r, gate_w = os.pipe()
    script = '( read go <&3; exec 3<&-; exec "$@" </dev/null >/dev/null 2>&1 ) & echo $!'
    sh = subprocess.Popen(["sh", "-c", script, "sh"] + argv, stdout=subprocess.PIPE, text=True,
                          pass_fds=(gate_r,), preexec_fn=lambda: os.dup2(gate_r, 3))
    os.close(gate_r)
    pid = int(sh.stdout.readline().strip())
    sh.wait()
    os.write(gate_w, b"go\n")
    os.close(gate_w)
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss


def process_count(argv):
    """Processes created by one run (cisreport itself included), or None.

    In a new PID namespace sh is PID 1; the shell builtin `read` creates no
    process, so the last PID allocated, minus sh, is what the run created."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return None
    script = '"$@" >/dev/null 2>&1; read last </proc/sys/kernel/ns_last_pid; echo "$last"'
    try:
        out = subprocess.run(["unshare", "--pid", "--fork", "sh", "-c", script, "sh"] + argv,
                             capture_output=True, text=True, timeout=60)
        return int(out.stdout.strip()) - 1
    except (subprocess.SubprocessError, ValueError):
        return None


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def measure(name, argv, runs):
    for _ in range(5):  # warm the page cache
        run_once(argv)
    times, rss, codes = [], [], set()
    for _ in range(runs):
        t, code = run_once(argv)
        times.append(t * 1000)
        codes.add(code)
    for _ in range(runs):
        code, maxrss = peak_rss(argv)
        rss.append(maxrss)
        codes.add(code)
    med = statistics.median(times)
    peak = max(rss)
    procs = process_count(argv)
    print(f"\n{name}")
    print(f"  command      {' '.join(argv)}")
    print(f"  runs         {runs} (exit status {', '.join(map(str, sorted(codes)))})")
    print(f"  wall time    median {med:.3f} ms   p10 {percentile(times, 10):.3f} ms   "
          f"p90 {percentile(times, 90):.3f} ms   min {min(times):.3f} ms   "
          f"[target < {TARGET_MS:g} ms: {'OK' if med < TARGET_MS else 'OVER'}]")
    print(f"  peak RSS     max {peak} KiB ({peak / 1024:.2f} MiB)   median {statistics.median(rss):.0f} KiB   "
          f"[target < {TARGET_KIB // 1024} MiB: {'OK' if peak < TARGET_KIB else 'OVER'}]")
    print(f"  processes    {procs if procs is not None else 'n/a (needs root and unshare)'} per report")
    return med, peak


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(SOURCE, "build", "cisreport"))
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--profiles", default=os.path.join(SOURCE, "profiles"))
    ap.add_argument("--fixture", default=os.path.join(SOURCE, "tests", "fixtures", "hardened"))
    args = ap.parse_args()
    if args.runs < 100:
        sys.exit("use at least 100 runs")
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary}: not an executable (build first: cmake --build build)")

    version = subprocess.run([binary, "-V"], capture_output=True, text=True).stdout.split("\n")[0]
    print(f"{version}, profiles {args.profiles}, {os.cpu_count()} CPUs, kernel {os.uname().release}")
    listing = subprocess.run([binary, "-c", args.profiles, "--list"], capture_output=True, text=True)
    if listing.returncode != 0:
        sys.exit(f"the profiles do not load: {listing.stderr.strip()}")
    print(f"checks in the profile: {len(listing.stdout.splitlines()) - 1}")

    with tempfile.TemporaryDirectory(prefix="cisreport-bench.") as tmp:
        # The hardened host as the tests use it: journal files not readable by "other".
        hardened = os.path.join(tmp, "hardened")
        shutil.copytree(args.fixture, hardened, symlinks=True)
        journal = os.path.join(hardened, "var", "log", "journal")
        for root, dirs, files in os.walk(journal):
            os.chmod(root, 0o750)
            for f in files:
                os.chmod(os.path.join(root, f), 0o640)

        # Loading and relocating the binary and what it links, nothing else.
        measure("--version (startup floor)", [binary, "--version"], args.runs)
        base = [binary, "-c", args.profiles, "-l", "2", "-f", "json"]
        measure("live host", base, args.runs)
        measure("hardened fixture (--root)", base + ["--root", hardened], args.runs)

        # What the shell's image contributes to a peak RSS reading (the floor).
        print(f"\nfloor of the RSS reading (sh forking /bin/true): {max(peak_rss(['/bin/true'])[1] for _ in range(20))} KiB")
        # The external commands a live report runs, measured alone.
        for cmd in ("iptables-save", "ip6tables-save"):
            path = shutil.which(cmd, path="/usr/sbin:/usr/bin:/sbin:/bin")
            if not path:
                print(f"\n{cmd}: not installed")
                continue
            rss = [peak_rss([path])[1] for _ in range(20)]
            times = [run_once([path])[0] * 1000 for _ in range(20)]
            print(f"\n{cmd} alone: median {statistics.median(times):.3f} ms, peak RSS {max(rss)} KiB")


if __name__ == "__main__":
    main()
