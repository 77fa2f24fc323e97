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

Then, side by side: the medians of `/bin/true`, `cisreport --version` and
`cisreport -l 2 -f json` (with and without the firewall checks, which run
child processes until the netlink firewall lands), measured back to back in
several batches (the machine is shared: a batch interleaves every scenario,
so a burst of load hits all of them alike), with the report's ratio to
/bin/true in the same batch; the instructions of the report process by phase
(valgrind --tool=callgrind, when installed: dynamic loading before main,
profile loading, host identity, running the checks, writing the output);
and the dynamic loader's relocations (LD_DEBUG=statistics).

Targets (issue 13): median < 1.5 ms and < 2.5x /bin/true in the same batch,
peak RSS < 3 MiB, instructions of the report process < 3 M.

Usage: bench/report_bench.py [--binary build/cisreport] [--runs 200] [--batches 3]
                             [--profiles profiles] [--fixture tests/fixtures/hardened]
                             [--quick] (side-by-side table, phases and relocations only)
                             [--daemon] (only cisreportd's CPU per re-evaluation, user and system)
                             [--nft-ruleset tests/fixtures/nft/compliant.nft]

With --nft-ruleset FILE (root), the whole benchmark runs in a private network
namespace (unshare -n) holding that nf_tables ruleset (nft -f FILE), so the
live report is one on an nf_tables host: the firewall checks read the ruleset
over netlink and start no process. The host's own ruleset is never touched.
"""
import argparse
import ctypes
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_MS = 1.5
TARGET_RATIO = 2.5
TARGET_KIB = 3 * 1024
TARGET_INSTR = 3_000_000


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


def side_by_side(scenarios, runs, batches):
    """Every scenario, `runs` runs each per batch, the batches back to back and
    the scenarios interleaved run by run (so load from other jobs on the
    machine falls on all of them alike). Returns {name: [median per batch]}."""
    for _, argv in scenarios:
        for _ in range(5):  # warm the page cache
            run_once(argv)
    medians = {name: [] for name, _ in scenarios}
    for _ in range(batches):
        times = {name: [] for name, _ in scenarios}
        for _ in range(runs):
            for name, argv in scenarios:
                times[name].append(run_once(argv)[0] * 1000)
        for name in times:
            medians[name].append(statistics.median(times[name]))
    return medians


def print_side_by_side(medians, runs, report_names):
    batches = len(next(iter(medians.values())))
    print(f"\nside by side: median wall time (ms), {batches} batches of {runs} runs each, "
          f"back to back, scenarios interleaved")
    width = max(len(n) for n in medians)
    print(f"  {'':{width}}  " + "  ".join(f"batch {i + 1:<3}" for i in range(batches)) + "   best")
    for name, meds in medians.items():
        print(f"  {name:{width}}  " + "  ".join(f"{m:9.3f}" for m in meds) + f"   {min(meds):.3f}")
    true = medians["/bin/true"]
    for name in report_names:
        ratios = [m / t for m, t in zip(medians[name], true)]
        best = min(medians[name])
        print(f"  {name}: {' '.join(f'{r:.2f}x' for r in ratios)} /bin/true in the same batch   "
              f"[target < {TARGET_MS:g} ms: {'OK' if best < TARGET_MS else 'OVER'}; "
              f"< {TARGET_RATIO:g}x: {'OK' if min(ratios) < TARGET_RATIO else 'OVER'}]")


# Phases of one report, by the inclusive instructions of the function that
# does each (callgrind_annotate --inclusive=yes). The dynamic loader's share
# is what the process ran outside main (relocation, constructors, exit).
PHASES = [
    ("profile loading", "profile_load"),
    ("host identity", "host_identity_read"),
    ("running the checks", "report_build"),
    ("writing the output", ("write_json", "write_text", "write_ssm", "write_xccdf",
                            "write_asff", "write_junit")),
]


def phase_instr(incl, fns):
    return sum(incl.get(fn, 0) for fn in ((fns,) if isinstance(fns, str) else fns))


def callgrind_phases(argv):
    """{phase: instructions} of one run of argv, or None without valgrind."""
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        return None
    with tempfile.TemporaryDirectory(prefix="cisreport-cg.") as tmp:
        out = os.path.join(tmp, "cg.out")
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + argv,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not os.path.exists(out):
            return None
        text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                              capture_output=True, text=True).stdout
    incl = {}
    total = None
    # "  7,058,597 (55.51%)  src/report/profile.c:profile_load [build/cisreport]"
    line_re = re.compile(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*?)(?:\s+\[[^\]]*\])?\s*$")
    for line in text.splitlines():
        m = line_re.match(line)
        if not m:
            continue
        n = int(m.group(1).replace(",", ""))
        if "PROGRAM TOTALS" in line:
            total = n
            continue
        fn = m.group(2).rsplit(":", 1)[-1].split("'")[0]
        incl[fn] = max(n, incl.get(fn, 0))
    if total is None:
        return None
    phases = {"total": total}
    main_incl = incl.get("main", 0)
    phases["dynamic loading, startup, exit (outside main)"] = total - main_incl
    for label, fn in PHASES:
        phases[label] = phase_instr(incl, fn)
    phases["rest of main"] = main_incl - sum(phase_instr(incl, fn) for _, fn in PHASES)
    return phases


def print_phases(name, phases):
    if phases is None:
        print(f"\ninstructions by phase ({name}): n/a (valgrind not installed)")
        return
    total = phases.pop("total")
    print(f"\ninstructions by phase, {name} (callgrind, the cisreport process only): "
          f"{total / 1e6:.2f} M   [target < {TARGET_INSTR / 1e6:g} M: "
          f"{'OK' if total < TARGET_INSTR else 'OVER'}]")
    for label, n in phases.items():
        print(f"  {label:46} {n / 1e6:6.2f} M  {100 * n / total:5.1f} %")


def relocations(argv):
    """The dynamic loader's own count (LD_DEBUG=statistics) before main."""
    env = dict(os.environ, LD_DEBUG="statistics")
    err = subprocess.run(argv, env=env, capture_output=True, text=True).stderr
    stats = {}
    for line in err.splitlines():
        for key in ("number of relocations", "number of relative relocations",
                    "total startup time in dynamic loader"):
            if key in line and "final" not in line and key not in stats:
                stats[key] = line.split(":", 2)[-1].strip()
    return stats


def firewall_free_checks(binary, profiles):
    """Names of the checks of levels 0-2 that run no firewall kind (nor the
    runtime kind, which a report without --observe does not run either)."""
    out = subprocess.run([binary, "-c", profiles, "--list"], capture_output=True, text=True).stdout
    names = []
    for line in out.splitlines()[1:]:
        f = line.split()
        if (len(f) >= 5 and f[2].isdigit() and int(f[2]) <= 2 and not f[4].startswith("firewall")
                and f[4] != "runtime"):
            names.append(f[0])
    return names



def daemon_cpu(daemon, profiles, root, requests, fresh_query):
    """CPU time per full re-evaluation in cisreportd: `requests` sequential
    GET /report/cis?level=2&format=json over one keep-alive connection, the
    daemon started with --no-cache (every request runs every check) and the
    observer off; CPU from /proc/PID/stat (utime + stime of all its threads;
    its children, iptables-save on the live host, are not included). Beside
    it, the evaluation's own CPU as the daemon counts it (/metrics'
    cisreport_evaluation_cpu_seconds_total{trigger="request"}: the host
    handle, the checks and the body, on the thread that ran them; not the
    HTTP parsing, the hand-over between threads, the sending).
    Returns (µs CPU per report, µs wall per request, µs user, µs system,
    µs CPU per evaluation or None) or None."""
    import socket
    with tempfile.TemporaryDirectory(prefix="cisreport-bench-d.") as tmp:
        state = os.path.join(tmp, "state")
        os.mkdir(state)
        with open(os.path.join(state, "settings.json"), "w") as f:
            f.write('{"observer": false}')
        sock = os.path.join(tmp, "api.sock")
        argv = [daemon, "-s", sock, "-d", state, "-c", profiles, "--no-cache"]
        if root:
            argv += ["--root", root]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                if os.path.exists(sock):
                    break
                time.sleep(0.05)
            else:
                return None
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(sock)
            req = (f"GET /report/cis?level=2&format=json{fresh_query} HTTP/1.1\r\n"
                   "Host: localhost\r\n\r\n").encode()

            def get(request):
                """Send one request on the kept connection; its body."""
                c.sendall(request)
                data = b""
                while b"\r\n\r\n" not in data:
                    data += c.recv(65536)
                head, body = data.split(b"\r\n\r\n", 1)
                length = int([l.split(b":")[1] for l in head.split(b"\r\n")
                              if l.lower().startswith(b"content-length")][0])
                while len(body) < length:
                    body += c.recv(65536)
                return body

            def one():
                get(req)

            def evaluation():
                """(evaluations, CPU seconds) of trigger="request" so far, from
                GET /metrics on the same connection (None: not exported)."""
                body = get(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
                got = {}
                for line in body.decode().splitlines():
                    for name in ("cisreport_evaluations_total", "cisreport_evaluation_cpu_seconds_total"):
                        if line.startswith(name + '{trigger="request"} '):
                            got[name] = float(line.split()[-1])
                if len(got) != 2:
                    return None
                return got["cisreport_evaluations_total"], got["cisreport_evaluation_cpu_seconds_total"]

            def cpu():
                """(user, system) seconds of all the daemon's threads."""
                with open(f"/proc/{proc.pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                hz = os.sysconf("SC_CLK_TCK")
                return int(fields[11]) / hz, int(fields[12]) / hz

            for _ in range(20):
                one()
            eval_before = evaluation()
            before, start = cpu(), time.perf_counter()
            for _ in range(requests):
                one()
            wall = time.perf_counter() - start
            after = cpu()
            eval_after = evaluation()
            c.close()
            user, system = ((a - b) / requests * 1e6 for a, b in zip(after, before))
            per_eval = None
            if eval_before and eval_after and eval_after[0] > eval_before[0]:
                per_eval = ((eval_after[1] - eval_before[1]) / (eval_after[0] - eval_before[0])
                            * 1e6)
            return user + system, wall / requests * 1e6, user, system, per_eval
        finally:
            proc.terminate()
            proc.wait()


def print_daemon_cpu(binary, profiles, hardened):
    """cisreportd's CPU per full re-evaluation, live and over the hardened
    fixture (daemon_cpu), when it is built beside binary."""
    daemon = os.path.join(os.path.dirname(binary), "cisreportd")
    if not os.access(daemon, os.X_OK):
        return
    for name, root in (("live host", None), ("hardened fixture", hardened)):
        got = daemon_cpu(daemon, profiles, root, 2000, "")
        if got:
            print(f"\ncisreportd --no-cache, Level 2 JSON, {name}, 2000 requests:\n"
                  f"  per request: {got[0]:.0f} µs CPU ({got[2]:.0f} user + {got[3]:.0f} system; "
                  f"every daemon thread, not its children), {got[1]:.0f} µs wall")
            if got[4] is not None:
                print(f"  per full re-evaluation (the daemon's own count, the evaluating thread's "
                      f"CPU: host, checks, body): {got[4]:.0f} µs   [target < 300 µs: "
                      f"{'OK' if got[4] < 300 else 'OVER'}]")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(SOURCE, "build", "cisreport"))
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--profiles", default=os.path.join(SOURCE, "profiles"))
    ap.add_argument("--fixture", default=os.path.join(SOURCE, "tests", "fixtures", "hardened"))
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--baseline", help="another cisreport binary (e.g. main's) measured in the "
                    "same batches, for before/after")
    ap.add_argument("--quick", action="store_true",
                    help="only the side-by-side medians, phases and relocations")
    ap.add_argument("--nft-ruleset", help="run in a private network namespace holding this nft ruleset")
    ap.add_argument("--daemon", action="store_true",
                    help="only cisreportd's CPU per full re-evaluation (user and system)")
    ap.add_argument("--in-netns", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.nft_ruleset and not args.in_netns:
        if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("nft"):
            sys.exit("--nft-ruleset needs root, unshare and nft")
        os.execvp("unshare", ["unshare", "-n", sys.executable, os.path.abspath(__file__)] +
                  sys.argv[1:] + ["--in-netns"])
    if args.in_netns:
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        subprocess.run(["nft", "-f", args.nft_ruleset], check=True)
        rules = subprocess.run(["nft", "-a", "list", "ruleset"], capture_output=True, text=True).stdout
        print(f"private network namespace, nf_tables ruleset {args.nft_ruleset} "
              f"({sum(1 for l in rules.splitlines() if '# handle' in l and 'chain' not in l and 'table' not in l)} rules)")
    if args.runs < 100:
        sys.exit("use at least 100 runs")
    if args.batches < 1:
        sys.exit("use at least 1 batch")
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

        if args.daemon:
            print_daemon_cpu(binary, args.profiles, hardened)
            return
        base = [binary, "-c", args.profiles, "-l", "2", "-f", "json"]
        no_fw = base + ["--check", ",".join(firewall_free_checks(binary, args.profiles))]
        true = shutil.which("true", path="/bin:/usr/bin")
        scenarios = [("/bin/true", [true]),
                     ("--version", [binary, "--version"]),
                     ("-l 2 -f json", base),
                     ("-l 2 -f json, no firewall checks", no_fw),
                     ("-l 2 -f json --root hardened", base + ["--root", hardened])]
        reports = [n for n, _ in scenarios[2:]]
        measured = list(scenarios)
        if args.baseline:
            old = os.path.abspath(args.baseline)
            for name, argv in scenarios[1:]:
                measured.append(("baseline " + name, [old] + argv[1:]))
            reports += ["baseline " + n for n in reports]
        print_side_by_side(side_by_side(measured, args.runs, args.batches), args.runs, reports)

        for name, argv in measured[1:]:
            print_phases(name, callgrind_phases(argv))
        for name, argv in [m for m in measured if "-l 2 -f json" == m[0].split("baseline ")[-1]
                           or m[0].endswith("--version")]:
            stats = relocations(argv)
            print(f"\nLD_DEBUG=statistics, {name}: " +
                  ", ".join(f"{k} {v}" for k, v in stats.items()))
        print_daemon_cpu(binary, args.profiles, hardened)
        if args.quick:
            return

        # Loading and relocating the binary and what it links, nothing else.
        measure("--version (startup floor)", [binary, "--version"], args.runs)
        measure("live host", base, args.runs)
        measure("live host, no firewall checks", no_fw, args.runs)
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
