#!/usr/bin/env python3
"""Drift latency of cisreportd: from a change on disk to its drift event on
the GET /events stream, per input class, over a fixture --root tree (no
request is made: the daemon's background re-evaluation finds the change).
Prints p50/p99/max in ms per class.

    bench/drift_bench.py [BUILD_DIR] [ROUNDS]
"""
import json, os, socket, subprocess, sys, tempfile, time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 50
t = tempfile.mkdtemp(prefix="cisreport-driftbench.")
root = t + "/root"
for d in ["proc/sys/fs", "etc/app", "var/log/journal/m1", "etc/later"]:
    os.makedirs(f"{root}/{d}", exist_ok=True)
open(f"{root}/proc/sys/fs/suid_dumpable", "w").write("0\n")
open(f"{root}/etc/app/config", "w").write("k: 1\n")
os.chmod(f"{root}/etc/app/config", 0o600)
open(f"{root}/var/log/journal/m1/s.journal", "w").close()
os.chmod(f"{root}/var/log/journal/m1/s.journal", 0o640)
os.makedirs(f"{t}/profiles/level1")
chk = lambda n, kind, params: {"name": n, "id": n, "title": n, "mode": "Automatic",
                               "remediation": "-", "kind": kind, "params": params}
json.dump({"format_version": 1,
           "benchmark": {"type": "bottlerocket", "report": "cis", "name": "drift bench",
                         "version": "1", "url": "https://example.invalid/"},
           "checks": [chk("sysctl", "sysctl", {"keys": {"fs.suid_dumpable": "0"}}),
                      chk("file", "file_mode", {"path": "/etc/app/config", "max_mode": "0600"}),
                      chk("created", "files_exist", {"paths": ["/etc/later/d/marker"]}),
                      chk("tree", "tree_permissions", {"path": "/var/log/journal", "deny_mask": "0007"})]},
          open(f"{t}/profiles/level1/b.json", "w"))
sock = t + "/api.sock"
d = subprocess.Popen([f"{build}/cisreportd", "-s", sock, "-d", t + "/state", "-c", t + "/profiles",
                      "--root", root], stderr=subprocess.DEVNULL)
try:
    # The socket file comes before the daemon listens on it: wait for a connection.
    for _ in range(200):
        try:
            socket.socket(socket.AF_UNIX).connect(sock)
            break
        except OSError:
            time.sleep(0.05)
    def get(path):
        s = socket.socket(socket.AF_UNIX); s.connect(sock)
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        while s.recv(65536):
            pass
    get("/report/cis?format=json")  # first evaluation
    s = socket.socket(socket.AF_UNIX); s.connect(sock)
    s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    f = s.makefile("rb")
    def next_event():
        while True:
            line = f.readline()
            if not line:
                raise SystemExit("stream ended")
            if line.startswith(b"data: {"):
                return json.loads(line[6:])
    def bump(kind, i):
        if kind == "sysctl":
            open(f"{root}/proc/sys/fs/suid_dumpable", "w").write("1\n" if i % 2 == 0 else "0\n")
        elif kind == "file":
            os.chmod(f"{root}/etc/app/config", 0o644 if i % 2 == 0 else 0o600)
        elif kind == "created":
            p = f"{root}/etc/later/d"
            if i % 2 == 0:
                os.makedirs(p, exist_ok=True); open(p + "/marker", "w").close()
            else:
                os.unlink(p + "/marker"); os.rmdir(p)
        elif kind == "tree":
            p = f"{root}/var/log/journal/m{i + 2}"
            if i % 2 == 0:
                os.mkdir(p); open(p + "/x", "w").close(); os.chmod(p + "/x", 0o644)
            else:
                prev = f"{root}/var/log/journal/m{i + 1}"
                os.unlink(prev + "/x"); os.rmdir(prev)
    for kind in ["sysctl", "file", "created", "tree"]:
        lat = []
        for i in range(rounds):
            t0 = time.monotonic()
            bump(kind, i)
            while next_event()["check"] != kind:
                pass
            lat.append((time.monotonic() - t0) * 1000)
            time.sleep(0.01)
        lat.sort()
        print(f"{kind:8} ({'path' if kind != 'tree' else 'tree'} input) rounds={rounds} "
              f"p50={lat[len(lat) // 2]:.1f}ms p99={lat[min(len(lat) - 1, int(len(lat) * 0.99))]:.1f}ms "
              f"max={lat[-1]:.1f}ms")
finally:
    d.terminate(); d.wait()
    subprocess.run(["rm", "-rf", t])
