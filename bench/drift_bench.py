#!/usr/bin/env python3
"""Drift latency of cisreportd: from a change to its drift event on the
GET /events stream, per input class (no request is made: the daemon's
background re-evaluation finds the change). Prints p50/p99/max in ms per
class.

First over a fixture --root tree (files: a sysctl file, chmod, a directory
created later, a tree), then, as root, the live kernel-side classes in
private network and mount namespaces (unshare -n -m; the host's sysctls,
mounts and firewall are never touched): a sysctl written (the observer's
sysctl-write event), the mount table (a tmpfs bound over securityfs, and
its removal: POLLPRI on /proc/self/mountinfo), nf_tables rules (nft insert /
delete: NFNLGRP_NFTABLES); and units (chronyd.service's ActiveState from
tests/helpers/fake_systemd on a private D-Bus bus: PropertiesChanged). Classes this machine cannot exercise are listed
with the reason.

    bench/drift_bench.py [BUILD_DIR] [ROUNDS]
"""
import json, os, socket, subprocess, sys, tempfile, time

live = len(sys.argv) > 1 and sys.argv[1] == "--live"
if live:
    del sys.argv[1]
build = sys.argv[1] if len(sys.argv) > 1 else "build"
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 50
here = os.path.dirname(os.path.abspath(__file__))


def percentiles(name, what, lat):
    lat.sort()
    print(f"{name:8} ({what}) rounds={len(lat)} "
          f"p50={lat[len(lat) // 2]:.1f}ms p99={lat[min(len(lat) - 1, int(len(lat) * 0.99))]:.1f}ms "
          f"max={lat[-1]:.1f}ms", flush=True)


def wait_listening(sock):
    # The socket file comes before the daemon listens on it: wait for a connection.
    for _ in range(200):
        try:
            socket.socket(socket.AF_UNIX).connect(sock)
            return
        except OSError:
            time.sleep(0.05)


def get(sock, path):
    s = socket.socket(socket.AF_UNIX); s.connect(sock)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        c = s.recv(65536)
        if not c:
            return data.split(b"\r\n\r\n", 1)[1]
        data += c


def events(sock):
    """The next drift event of the stream, as a function."""
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
    return next_event


def measure(next_event, check, bump):
    lat = []
    for i in range(rounds):
        t0 = time.monotonic()
        bump(i)
        while next_event()["check"] != check:
            pass
        lat.append((time.monotonic() - t0) * 1000)
        time.sleep(0.01)
    return lat


cmd_ms = []  # how long the commands making the live changes ran


def sh(*cmd):
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    cmd_ms.append((time.monotonic() - t0) * 1000)


def with_cmd(what):
    """what, with how long its commands ran (within the latency), and reset."""
    ms = sorted(cmd_ms)
    cmd_ms.clear()
    return f"{what}; the command itself p50 {ms[len(ms) // 2]:.1f} ms" if ms else what


def live_classes():
    """In private network and mount namespaces (re-executed under unshare)."""
    t = tempfile.mkdtemp(prefix="cisreport-driftbench-live.")
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    sh("nft", "-f", f"{here}/../tests/fixtures/nft/compliant.nft")
    open("/proc/sys/net/ipv4/ip_forward", "w").write("0\n")
    os.makedirs(f"{t}/profiles/level1"); os.makedirs(f"{t}/state")
    json.dump({"observer": True}, open(f"{t}/state/settings.json", "w"))
    chk = lambda n, kind, params: {"name": n, "id": n, "title": n, "mode": "Automatic",
                                   "remediation": "-", "kind": kind, "params": params}
    json.dump({"format_version": 1,
               "benchmark": {"type": "bottlerocket", "report": "cis", "name": "drift bench live",
                             "version": "1", "url": "https://example.invalid/"},
               "checks": [chk("sysctl", "sysctl", {"keys": {"net.ipv4.ip_forward": "0"}}),
                          chk("mounts", "lockdown", {"accept": ["integrity", "confidentiality"]}),
                          chk("nftables", "firewall_policy",
                              {"family": "ipv4", "chains": {"INPUT": "DROP", "FORWARD": "DROP", "OUTPUT": "DROP"}})]},
              open(f"{t}/profiles/level1/b.json", "w"))
    sock = t + "/api.sock"
    # Every TTL at 10 minutes: only a notification can explain an event.
    d = subprocess.Popen([f"{build}/cisreportd", "-s", sock, "-d", t + "/state", "-c", t + "/profiles",
                          "--ttl", "600000", "--command-max-age", "60000"], stderr=open(t + "/log", "w"))
    fake = t + "/fake"
    sec = "/sys/kernel/security"
    try:
        wait_listening(sock)
        if d.poll() is not None:
            raise SystemExit("cisreportd did not start: " + open(t + "/log").read()[-500:])
        r = json.loads(get(sock, "/report/cis?format=json"))["results"]
        metrics = get(sock, "/metrics").decode()
        next_event = events(sock)
        up = [l for l in metrics.splitlines() if l.startswith("cisreport_observer_up")]
        if up and 'state="running"' in up[0]:
            def bump_sysctl(i):
                open("/proc/sys/net/ipv4/ip_forward", "w").write("1\n" if i % 2 == 0 else "0\n")
            percentiles("sysctl", "live, netns: observer sysctl-write event",
                        measure(next_event, "sysctl", bump_sysctl))
        else:
            print(f"sysctl   (live): not measured: the observer does not run ({up[0] if up else 'no metric'}); "
                  "without it a sysctl is a TTL input, re-read by requests, no event", flush=True)
        if r["mounts"]["status"] == "SKIP":
            print(f"mounts   (live): not measured: lockdown cannot be read here: {r['mounts'].get('error', '')}", flush=True)
        else:
            os.makedirs(fake)
            sh("mount", "-t", "tmpfs", "-o", "size=64k", "cisreport-bench", fake)
            # The opposite of what the host says, so each mount and umount is a drift.
            mode = "[none] integrity confidentiality" if r["mounts"]["status"] == "PASS" else "none [integrity] confidentiality"
            open(f"{fake}/lockdown", "w").write(mode + "\n")
            def bump_mount(i):
                if i % 2 == 0:
                    sh("mount", "--bind", fake, sec)
                else:
                    sh("umount", sec)
            cmd_ms.clear()
            lat = measure(next_event, "mounts", bump_mount)
            percentiles("mounts", with_cmd("live, mount ns: POLLPRI on mountinfo; from before mount(8)/umount(8) runs"), lat)
            if rounds % 2:
                sh("umount", sec)
            sh("umount", fake)
        def bump_nft(i):
            if i % 2 == 0:
                sh("nft", "insert", "rule", "inet", "filter", "input", "position", "0", "accept")
            else:
                t0 = time.monotonic()
                out = subprocess.run(["nft", "-a", "list", "chain", "inet", "filter", "input"],
                                     check=True, capture_output=True, text=True).stdout
                cmd_ms.append((time.monotonic() - t0) * 1000)
                handle = [l.split()[-1] for l in out.splitlines() if l.strip().startswith("accept # handle")][0]
                sh("nft", "delete", "rule", "inet", "filter", "input", "handle", handle)
        cmd_ms.clear()
        lat = measure(next_event, "nftables", bump_nft)
        percentiles("nftables", with_cmd("live, netns: NFNLGRP_NFTABLES; from before nft(8) runs"), lat)
    finally:
        d.terminate(); d.wait()
        subprocess.run(["rm", "-rf", t])


def units_class():
    """The units input over a private D-Bus bus, where tests/helpers/fake_systemd
    plays systemd (as tests/e2e/test_continuous_units.sh does)."""
    fake = f"{build}/tests/fake_systemd"
    if not os.access(fake, os.X_OK) or not os.access("/usr/bin/dbus-daemon", os.X_OK):
        print("units    (sd-bus): not measured: needs dbus-daemon and a build with libsystemd (tests/fake_systemd)")
        return
    t = tempfile.mkdtemp(prefix="cisreport-driftbench-units.")
    os.makedirs(f"{t}/profiles/level1"); os.makedirs(f"{t}/state")
    json.dump({"observer": False}, open(f"{t}/state/settings.json", "w"))
    open(f"{t}/chrony.conf", "w").write("pool 2.pool.ntp.org iburst\n")
    json.dump({"format_version": 1,
               "benchmark": {"type": "bottlerocket", "report": "cis", "name": "drift bench units",
                             "version": "1", "url": "https://example.invalid/"},
               "checks": [{"name": "units", "id": "1", "title": "chrony", "mode": "Automatic", "remediation": "-",
                           "kind": "chrony", "params": {"config": f"{t}/chrony.conf", "service": "chronyd.service",
                                                        "process": "chronyd"}}]},
              open(f"{t}/profiles/level1/b.json", "w"))
    open(f"{t}/bus.conf", "w").write(f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>custom</type><listen>unix:path={t}/bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy>
</busconfig>
""")
    procs = []
    try:
        bus = subprocess.Popen(["dbus-daemon", f"--config-file={t}/bus.conf", "--nofork", "--print-address=1"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(bus)
        address = bus.stdout.readline().strip()
        f = subprocess.Popen([fake, address, "chronyd.service", "active"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        procs.append(f)
        while "ready" not in f.stdout.readline():
            pass
        sock = t + "/api.sock"
        d = subprocess.Popen([f"{build}/cisreportd", "-s", sock, "-d", t + "/state", "-c", t + "/profiles",
                              "--ttl", "600000", "--full-interval", "3600"], stderr=subprocess.DEVNULL,
                             env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address))
        procs.append(d)
        wait_listening(sock)
        get(sock, "/report/cis?format=json")
        next_event = events(sock)
        def bump(i):
            f.stdin.write("inactive\n" if i % 2 == 0 else "active\n")
            f.stdin.flush()
        percentiles("units", "sd-bus PropertiesChanged on a private bus; from the command to fake_systemd",
                    measure(next_event, "units", bump))
    finally:
        for p in reversed(procs):
            p.terminate(); p.wait()
        subprocess.run(["rm", "-rf", t])


if live:
    live_classes()
    sys.exit(0)

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
    wait_listening(sock)
    get(sock, "/report/cis?format=json")  # first evaluation
    next_event = events(sock)
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
    what = {"sysctl": "--root: a /proc/sys file, inotify", "file": "--root: chmod, inotify",
            "created": "--root: a directory created later, inotify", "tree": "--root: a tree, inotify"}
    for kind in ["sysctl", "file", "created", "tree"]:
        percentiles(kind, what[kind], measure(next_event, kind, lambda i: bump(kind, i)))
finally:
    d.terminate(); d.wait()
    subprocess.run(["rm", "-rf", t])

if os.getuid() != 0 or subprocess.run(["unshare", "-n", "-m", "true"]).returncode != 0:
    print("live classes (sysctl, mounts, nftables): not measured: need root and unshare -n -m")
elif subprocess.run(["unshare", "-n", "-m", "--propagation", "private", sys.executable,
                     os.path.abspath(__file__), "--live", build, str(rounds)]).returncode != 0:
    print("live classes: the namespaced run failed")
units_class()
# What this bench does not exercise, and why.
selinux = os.path.exists("/sys/fs/selinux/enforce")
modules = os.path.exists("/proc/modules")
print("not measured here:")
print(f"  selinux  (status page): {'SELinux is enabled but the bench does not change its mode' if selinux else 'SELinux is not enabled on this kernel (no /sys/fs/selinux)'}")
print(f"  modules  (observer module-load events): {'the bench loads no module' if modules else 'this kernel has no module support (no /proc/modules)'}; the modprobe.d directories are inotify, as the file classes above")
print("  processes, legacy x_tables, securityfs files (TTL inputs): no notification exists; requests re-read them after their TTL, the background thread only at the full re-evaluation")
print("  runtime  (observer classes): only the first event of a class changes a status (PASS -> FAIL) in a daemon's life")
