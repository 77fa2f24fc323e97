#!/usr/bin/env python3
"""Open N connections to a Unix socket at once and trickle a request's header
one byte every INTERVAL seconds, never finishing it, for at most SECONDS.
Prints one JSON object: how each connection ended -
  refused_503: answered 503 with a JSON body and Retry-After (the count),
  deadline_408: answered 408, with the seconds from connect to that answer,
  closed: closed without an answer, reset: ECONNRESET/EPIPE before any answer,
  open: still open at the end, other: any other answer (status lines)."""
import json
import selectors
import socket
import sys
import time

path, n, interval, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
sel = selectors.DefaultSelector()
conns = []
start = time.monotonic()
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.setblocking(False)
    c = {"sock": s, "t0": time.monotonic(), "buf": b"", "end": None, "sent": 0}
    conns.append(c)
    sel.register(s, selectors.EVENT_READ, c)
head = b"GET /report HTTP/1.1\r\nHost: localhost\r\nX-Trickle: " + b"x" * 10000
next_send = time.monotonic()


def finish(c, how):
    if c["end"] is None:
        c["end"] = (how, time.monotonic() - c["t0"])
        sel.unregister(c["sock"])
        c["sock"].close()


while time.monotonic() - start < seconds and any(c["end"] is None for c in conns):
    now = time.monotonic()
    if now >= next_send:
        for c in conns:
            if c["end"] is None:
                try:
                    c["sock"].send(head[c["sent"]:c["sent"] + 1])
                    c["sent"] += 1
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the answer (if any) is read below
        next_send = now + interval
    for key, _ in sel.select(timeout=max(0.0, min(next_send - time.monotonic(), 0.05))):
        c = key.data
        try:
            data = c["sock"].recv(65536)
        except ConnectionResetError:
            # A Unix socket closed with unread bytes (the trickle's next
            # byte, after a refusal) resets its peer: after a whole answer
            # that is the end of the answer, before one it is a reset.
            finish(c, "answered" if c["buf"] else "reset")
            continue
        if data:
            c["buf"] += data
            continue
        finish(c, "answered" if c["buf"] else "closed")

out = {"refused_503": 0, "deadline_408": [], "closed": 0, "reset": 0, "open": 0, "other": [],
       "bad_503": []}
for c in conns:
    if c["end"] is None:
        out["open"] += 1
        continue
    how, t = c["end"]
    if how != "answered":
        out[how] += 1
        continue
    head_, _, body = c["buf"].partition(b"\r\n\r\n")
    lines = head_.decode("latin-1").split("\r\n")
    if lines[0].startswith("HTTP/1.1 503 "):
        ok = ("retry-after: 1" in [l.lower() for l in lines]) and list(json.loads(body)) == ["error"]
        if ok:
            out["refused_503"] += 1
        else:
            out["bad_503"].append(c["buf"].decode("latin-1")[:300])
    elif lines[0].startswith("HTTP/1.1 408 ") and list(json.loads(body)) == ["error"]:
        out["deadline_408"].append(round(t, 3))
    else:
        out["other"].append(lines[0])
print(json.dumps(out))
