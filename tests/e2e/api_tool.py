#!/usr/bin/env python3
"""Helpers for test_api.sh that need sockets and threads: HTTP over an
AF_UNIX socket with the standard library only (socket, http.client,
threading). Each subcommand prints what it found and exits non-zero on a
failure, saying why."""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import sys
import threading
import time


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=10):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


def get(path, uri, timeout=10):
    c = UnixHTTPConnection(path, timeout)
    c.request("GET", uri)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


# ---- load: N clients x M requests, every answer checked ----------------

def cmd_load(a):
    errors = []
    lock = threading.Lock()
    expected_total = None
    status, body = get(a.socket, a.uri)
    if status != 200:
        fail(f"warm-up {a.uri}: status {status}")
    expected_total = json.loads(body)["total"]

    def client(n):
        # Half the clients keep one connection, half connect per request.
        keep = n % 2 == 0
        conn = UnixHTTPConnection(a.socket, 30) if keep else None
        for i in range(a.requests):
            try:
                c = conn or UnixHTTPConnection(a.socket, 30)
                c.request("GET", a.uri)
                r = c.getresponse()
                body = r.read()
                if r.status != 200:
                    raise RuntimeError(f"status {r.status}: {body[:200]!r}")
                if json.loads(body)["total"] != expected_total:
                    raise RuntimeError("wrong total")
                if not keep:
                    c.close()
            except Exception as e:  # noqa: BLE001 - every failure counts
                with lock:
                    errors.append(f"client {n} request {i}: {e}")
                if keep:
                    conn.close()
                    conn = UnixHTTPConnection(a.socket, 30)
        if conn:
            conn.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.monotonic() - t0
    n = a.clients * a.requests
    print(f"{n} requests by {a.clients} clients in {dt:.2f}s, {len(errors)} failed")
    if errors:
        fail("; ".join(errors[:5]))


# ---- stall: idle and half-sent connections do not block others ---------

def cmd_stall(a):
    idle = []
    for _ in range(a.idle):
        s = socket.socket(socket.AF_UNIX)
        s.connect(a.socket)
        idle.append(s)
    partial = socket.socket(socket.AF_UNIX)
    partial.connect(a.socket)
    partial.sendall(b"GET /report HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    worst = 0.0
    for _ in range(50):
        t = time.monotonic()
        status, _ = get(a.socket, "/report/cis?format=json", timeout=5)
        worst = max(worst, time.monotonic() - t)
        if status != 200:
            fail(f"request beside stalled clients: status {status}")
    print(f"50 requests beside {a.idle} idle and 1 half-sent connection: worst {worst * 1000:.1f} ms")
    if worst > 1.0:
        fail("a request took more than 1 s")
    # The daemon closes idle connections after --idle-timeout.
    idle[0].settimeout(a.idle_timeout + 5)
    t = time.monotonic()
    try:
        data = idle[0].recv(100)
    except socket.timeout:
        fail(f"idle connection still open after {a.idle_timeout + 5} s")
    if data:
        fail(f"idle connection got data {data!r}")
    print(f"idle connection closed by the daemon after {time.monotonic() - t:.1f} s more")
    for s in idle + [partial]:
        s.close()


# ---- fuzz: malformed and random requests -------------------------------

METHODS = [b"GET", b"POST", b"PUT", b"DELETE", b"PATCH", b"HEAD", b"OPTIONS", b"TRACE",
           b"CONNECT", b"FROB", b"G\x00T", b"", b"get", b"\xff\xfe", b"GET GET"]
PATHS = [b"/report", b"/report/cis", b"/report/fips", b"/report/cis-k8s", b"/settings",
         b"/metrics", b"/", b"", b"*", b"/report/", b"/report//cis", b"/../../etc/passwd",
         b"/report/%00", b"/report/\xff", b"http://x/report", b"/settings/x", b"/" * 300]
QUERIES = [b"", b"?", b"?level=1", b"?level=3", b"?level=", b"?level", b"?format=xml",
           b"?type=kubernetes&level=2&format=json", b"?%zz=%", b"?&&&", b"?=", b"?a=b",
           b"?level=1&level=2", b"?type=%00", b"?format=%ff%fe", b"?" + b"x=1&" * 20,
           b"?level=1;format=json", b"?type=" + b"k" * 5000]


def random_request(rng):
    kind = rng.randrange(9)
    if kind == 0:  # binary garbage
        return bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 400)))
    if kind == 1:  # huge header
        return (b"GET /report HTTP/1.1\r\nHost: x\r\nX-Big: " + b"A" * rng.choice(
            [1000, 20000, 70000, 150000]) + b"\r\n\r\n")
    if kind == 2:  # many headers
        return (b"GET /metrics HTTP/1.1\r\nHost: x\r\n" +
                b"".join(b"X-%d: %d\r\n" % (i, i) for i in range(rng.choice([10, 500, 3000]))) +
                b"\r\n")
    if kind == 3:  # broken bodies
        cl = rng.choice([b"-1", b"abc", b"99999999999999999999", b"10", b"0", b"70000"])
        return (b"PATCH /settings HTTP/1.1\r\nHost: x\r\nContent-Length: " + cl + b"\r\n\r\n" +
                bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 50))))
    if kind == 4:  # bad chunked encoding
        return (b"PATCH /settings HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                rng.choice([b"zz\r\n", b"ffffffffffff\r\n", b"5\r\nabc", b"0\r\n\r\n"]))
    if kind == 5:  # truncated request line
        line = b"GET /report/cis?level=2 HTTP/1.1\r\nHost: x\r\n\r\n"
        return line[: rng.randrange(1, len(line))]
    if kind == 6:  # bad versions and line endings
        return rng.choice([b"GET /report HTTP/9.9\r\n\r\n", b"GET /report\r\n\r\n",
                           b"GET /report HTTP/1.1\n\n", b"GET /report HTTP/1.1\r\r\r\r",
                           b"GET  /report  HTTP/1.1\r\nHost: x\r\n\r\n",
                           b"GET /report HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
                           b"GET /report HTTP/1.1\r\n Folded: x\r\n\r\n"])
    if kind == 7:  # PATCH with junk JSON
        body = rng.choice([b"{", b"[]", b"null", b'{"level": "x"}', b'{"waivers": 5}',
                           b'{"waivers": {"x": {}}}', b'{"unknown": 1}', b"\xff\xfe",
                           b'{"level": 1, "level": 2}', b'"\\u0000"', b"1e999999"])
        return (b"PATCH /settings HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) +
                body)
    method = rng.choice(METHODS)
    path = rng.choice(PATHS) + rng.choice(QUERIES)
    return method + b" " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n"


def cmd_fuzz(a):
    rng = random.Random(a.seed)
    requests = [random_request(rng) for _ in range(a.count)]
    statuses = {}
    lock = threading.Lock()
    next_index = [0]
    problems = []

    def worker():
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= len(requests):
                return
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(a.client_timeout)
            try:
                s.connect(a.socket)
                try:
                    s.sendall(requests[i])
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass  # the daemon may close on a bad request mid-send
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                code = data[9:12].decode("ascii", "replace") if data.startswith(b"HTTP/1.") else "none"
                with lock:
                    statuses[code] = statuses.get(code, 0) + 1
            except ConnectionResetError:
                with lock:
                    statuses["reset"] = statuses.get("reset", 0) + 1
            except socket.timeout:
                if a.client_timeout >= 10:
                    with lock:
                        problems.append(f"request {i} ({requests[i][:60]!r}): no answer, not closed")
                else:  # given up on by design; the daemon's idle timeout closes it
                    with lock:
                        statuses["gave up"] = statuses.get("gave up", 0) + 1
            except Exception as e:  # noqa: BLE001
                with lock:
                    problems.append(f"request {i} ({requests[i][:60]!r}): {e}")
            finally:
                s.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(a.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"{a.count} fuzz requests in {time.monotonic() - t0:.1f}s; answers: " +
          ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    if problems:
        fail(f"{len(problems)} connection(s) misbehaved: " + "; ".join(problems[:5]))
    time.sleep(a.settle)  # connections given up on are closed by the daemon's idle timeout
    # Our own error answers are all JSON; check a sample of each kind now.
    for uri, want in [("/report/cis?level=256", 400), ("/nope", 404), ("/report/cis?type=x", 422)]:
        status, body = get(a.socket, uri)
        if status != want or "error" not in json.loads(body):
            fail(f"after fuzz, {uri}: {status} {body[:200]!r}")
    status, body = get(a.socket, "/report/cis?format=json&level=2")
    if status != 200 or json.loads(body)["total"] <= 0:
        fail(f"after fuzz, report: {status}")


# ---- inflight: SIGTERM while a request is being received ----------------

def cmd_inflight(a):
    body = b'{"level": 2}'
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(a.socket)
    s.sendall(b"PATCH /settings HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) +
              body[:5])
    # In flight once the daemon has the headers: /metrics then counts it
    # besides the scrape itself.
    deadline = time.monotonic() + 10
    while True:
        metrics = get(a.socket, "/metrics")[1].decode()
        line = [m for m in metrics.splitlines() if m.startswith("cisreport_http_requests_in_flight ")]
        if line and int(line[0].split()[1]) >= 2:
            break
        if time.monotonic() > deadline:
            fail("the half-sent PATCH never showed as in flight")
        time.sleep(0.05)
    os.kill(a.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while os.path.exists(a.socket) and time.monotonic() < deadline:
        time.sleep(0.05)
    if os.path.exists(a.socket):
        fail("socket file still there 10 s after SIGTERM")
    try:
        t = socket.socket(socket.AF_UNIX)
        t.connect(a.socket)
        fail("a new connection was accepted after SIGTERM")
    except OSError:
        pass
    if not os.path.exists(f"/proc/{a.pid}"):
        fail("daemon exited before answering the request in flight")
    s.sendall(body[5:])
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, payload = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        fail(f"request in flight got {head[:80]!r}")
    if json.loads(payload).get("level") != 2:
        fail(f"request in flight answered {payload[:200]!r}")
    if b"connection: close" not in head.lower():
        fail("answer during shutdown does not say Connection: close")
    print("request in flight answered 200 after SIGTERM; socket removed; new connections refused")


# ---- activate: systemd socket activation (LISTEN_FDS) -------------------

def cmd_activate(a):
    """Bind the socket, then become the daemon as systemd starts it: the
    socket as descriptor 3, LISTEN_FDS=1, LISTEN_PID=its pid (exec keeps
    the pid, so the shell can wait for the daemon)."""
    if os.path.exists(a.socket):
        os.unlink(a.socket)
    s = socket.socket(socket.AF_UNIX)
    s.bind(a.socket)
    os.chmod(a.socket, 0o600)
    s.listen(16)
    if s.fileno() != 3:
        os.dup2(s.fileno(), 3)
    os.set_inheritable(3, True)
    env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
    os.execve(a.daemon, [a.daemon] + a.args, env)


# ---- openapi: docs/api.md describes what the daemon serves ---------------

def cmd_openapi(a):
    import yaml
    import jsonschema
    text = open(a.doc).read()
    start = text.index("```yaml\nopenapi:") + len("```yaml\n")
    spec = yaml.safe_load(text[start:text.index("```", start)])
    paths = spec["paths"]
    want = {"/report", "/report/cis", "/report/{name}", "/settings", "/metrics"}
    if set(paths) != want:
        fail(f"paths {sorted(paths)} != {sorted(want)}")
    ops = [(p, m) for p in paths for m in paths[p]]
    if sorted(ops) != sorted([("/report", "get"), ("/report/cis", "get"), ("/report/{name}", "get"),
                              ("/settings", "get"), ("/settings", "patch"), ("/metrics", "get")]):
        fail(f"operations {ops}")

    def refs(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref":
                    yield v
                else:
                    yield from refs(v)
        elif isinstance(node, list):
            for v in node:
                yield from refs(v)

    for ref in refs(spec):
        target = spec
        for part in ref.lstrip("#/").split("/"):
            if part not in target:
                fail(f"dangling $ref {ref}")
            target = target[part]

    def check(schema_name, instance):
        schema = dict(spec, **{"$ref": "#/components/schemas/" + schema_name})
        jsonschema.validate(instance, schema)

    check("ReportList", json.loads(get(a.socket, "/report")[1]))
    check("Settings", json.loads(get(a.socket, "/settings")[1]))
    check("Error", json.loads(get(a.socket, "/report/cis?level=700")[1]))
    print(f"OpenAPI: {len(ops)} operations, every $ref resolves, live answers match the schemas")


# ---- toggle: reports and scrapes while the observer is switched ---------

def patch(path, body, timeout=30):
    c = UnixHTTPConnection(path, timeout)
    c.request("PATCH", "/settings", body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def cmd_toggle(a):
    """Readers ask for reports and metrics without pause while PATCH switches
    the observer off and on: every answer is 200, and every report has either
    all its runtime checks (with an observer that runs) or none of them."""
    stop = threading.Event()
    lock = threading.Lock()
    errors = []
    seen = {"with": 0, "without": 0, "metrics": 0}

    def note(msg):
        with lock:
            errors.append(msg)
            if len(errors) >= 20:  # broken: stop, do not spin
                stop.set()

    def reader(n):
        while not stop.is_set():
            uri = "/metrics" if n % 4 == 3 else a.uri
            try:
                status, body = get(a.socket, uri, 60)
            except Exception as e:  # noqa: BLE001 - every failure counts
                note(f"{uri}: {e}")
                continue
            if status != 200:
                note(f"{uri}: status {status}: {body[:200]!r}")
                continue
            if uri == "/metrics":
                text = body.decode()
                ups = [l for l in text.splitlines() if l.startswith("cisreport_observer_up{")]
                if len(ups) != 1:
                    note(f"/metrics: {len(ups)} cisreport_observer_up samples")
                with lock:
                    seen["metrics"] += 1
                continue
            d = json.loads(body)
            # the runtime checks show as the "observed" of the items they back
            # (never among the benchmark's results)
            if any(r["kind"] == "runtime" for r in d["results"].values()):
                note("a runtime check among the benchmark's results")
            rts = {o["check"]: o for r in d["results"].values() for o in r.get("observed", [])}
            rts = list(rts.values())
            if len(rts) not in (0, a.runtime):
                note(f"a report with {len(rts)} runtime checks observed (want 0 or {a.runtime})")
            for r in rts:
                if r["status"] == "SKIP" and "observer" in r["error"]:
                    note(f"{r['check']} SKIPped: {r['error']}")
            with lock:
                seen["with" if rts else "without"] += 1

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(a.clients)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    for _ in range(a.toggles):
        for on in (False, True):
            time.sleep(a.pause)
            try:
                status, body = patch(a.socket, json.dumps({"observer": on}))
                if status != 200 or json.loads(body).get("observer") is not on:
                    note(f"PATCH observer {on}: {status} {body[:200]!r}")
            except Exception as e:  # noqa: BLE001
                note(f"PATCH observer {on}: {e}")
        if stop.is_set():
            break
    time.sleep(a.pause)
    stop.set()
    for t in threads:
        t.join()
    print(f"{a.toggles} off/on switches in {time.monotonic() - t0:.1f}s beside {a.clients} readers: "
          f"{seen['with']} reports with the runtime checks, {seen['without']} without, "
          f"{seen['metrics']} scrapes")
    if errors:
        fail(f"{len(errors)} problem(s): " + "; ".join(errors[:5]))
    if not seen["with"] or not seen["without"] or not seen["metrics"]:
        fail("the readers did not see both states")


# ---- notify: what the daemon tells $NOTIFY_SOCKET ------------------------

def cmd_notify(a):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(a.path)
    s.settimeout(a.seconds)
    with open(a.out, "w") as out:
        try:
            while True:
                out.write(s.recv(4096).decode() + "\n")
                out.flush()
        except socket.timeout:
            pass


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    l = sub.add_parser("load")
    l.add_argument("socket")
    l.add_argument("--clients", type=int, default=32)
    l.add_argument("--requests", type=int, default=200)
    l.add_argument("--uri", default="/report/cis?level=2&format=json")
    s = sub.add_parser("stall")
    s.add_argument("socket")
    s.add_argument("--idle", type=int, default=8)
    s.add_argument("--idle-timeout", type=int, required=True)
    f = sub.add_parser("fuzz")
    f.add_argument("socket")
    f.add_argument("--count", type=int, default=10000)
    f.add_argument("--workers", type=int, default=16)
    f.add_argument("--seed", type=int, default=4)
    f.add_argument("--client-timeout", type=float, default=10,
                   help="give up on an answer after this long (below 10: not a failure)")
    f.add_argument("--settle", type=float, default=0,
                   help="seconds to wait before checking the daemon answers")
    i = sub.add_parser("inflight")
    i.add_argument("socket")
    i.add_argument("pid", type=int)
    v = sub.add_parser("activate")
    v.add_argument("socket")
    v.add_argument("daemon")
    v.add_argument("args", nargs=argparse.REMAINDER)
    o = sub.add_parser("openapi")
    o.add_argument("doc")
    o.add_argument("socket")
    g = sub.add_parser("toggle")
    g.add_argument("socket")
    g.add_argument("--runtime", type=int, required=True,
                   help="runtime checks a report has while the observer is on")
    g.add_argument("--clients", type=int, default=8)
    g.add_argument("--toggles", type=int, default=10)
    g.add_argument("--pause", type=float, default=0.2)
    g.add_argument("--uri", default="/report/cis?level=2&format=json")
    n = sub.add_parser("notify")
    n.add_argument("path")
    n.add_argument("out")
    n.add_argument("seconds", type=float)
    a = p.parse_args()
    globals()["cmd_" + a.cmd](a)


if __name__ == "__main__":
    main()
