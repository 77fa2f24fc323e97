#!/usr/bin/env python3
"""What a Prometheus scrape costs a node: cisreportd with the shipped profiles
and --metrics-listen 127.0.0.1:0 on this host (live, or ROOT for a fixture
tree), scraped over TCP one after another as Prometheus does. Prints the
scrape latency (median, p90, p99, max), the exposition's size and series,
and the daemon's RSS and CPU time per scrape.

    bench/metrics_bench.py [BUILD_DIR] [SCRAPES] [ROOT]
"""
import os, re, subprocess, sys, tempfile, time, urllib.request

build = sys.argv[1] if len(sys.argv) > 1 else "build"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
root = sys.argv[3] if len(sys.argv) > 3 else None
src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
t = tempfile.mkdtemp(prefix="cisreport-metricsbench.")
args = [f"{build}/cisreportd", "-s", f"{t}/api.sock", "-d", f"{t}/state", "-c", f"{src}/profiles",
        "--metrics-listen", "127.0.0.1:0"] + (["--root", root] if root else [])
log = open(f"{t}/log", "w+")
d = subprocess.Popen(args, stderr=log)
try:
    port = None
    for _ in range(200):
        log.seek(0)
        m = re.search(r"metrics listener on http://127\.0\.0\.1:(\d+)/", log.read())
        if m:
            port = m.group(1)
            break
        time.sleep(0.05)
    if not port:
        sys.exit("daemon did not start: " + open(f"{t}/log").read())
    url = f"http://127.0.0.1:{port}/metrics"
    body = urllib.request.urlopen(url).read()  # the first evaluation fills the cache
    def cpu():
        f = open(f"/proc/{d.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    c0 = cpu()
    ts = []
    for _ in range(n):
        a = time.perf_counter()
        body = urllib.request.urlopen(url).read()
        ts.append(time.perf_counter() - a)
    c1 = cpu()
    ts.sort()
    rss = re.search(r"VmRSS:\s+(\d+)", open(f"/proc/{d.pid}/status").read()).group(1)
    lines = body.decode().splitlines()
    series = [l for l in lines if l and not l.startswith("#")]
    status = [l for l in series if l.startswith("cisreport_check_status{")]
    pct = lambda p: ts[min(len(ts) - 1, int(p * len(ts)))] * 1e3
    print(f"{'live host' if not root else root}: {n} scrapes over TCP: median {pct(0.5):.2f} ms, "
          f"p90 {pct(0.9):.2f} ms, p99 {pct(0.99):.2f} ms, max {ts[-1] * 1e3:.2f} ms")
    print(f"exposition: {len(body)} bytes, {len(series)} series ({len(status)} cisreport_check_status)")
    print(f"daemon: RSS {int(rss) / 1024:.1f} MiB after the scrapes, CPU {(c1 - c0) / n * 1e3:.2f} ms per scrape")
finally:
    d.terminate()
    d.wait()
    subprocess.run(["rm", "-rf", t])
