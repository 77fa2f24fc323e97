#!/usr/bin/env python3
"""Assertions of tests/e2e/test_fleet_prometheus.sh against a live Prometheus.

check_fleet.py COMMAND PROMETHEUS_URL ARGS...

The expected values come from the nodes' JSON reports (REPORTS/NODE/NAME-LEVEL.json,
as each node's socket answered GET /report/NAME?level=LEVEL&format=json); the
actual ones from Prometheus's HTTP API (/api/v1/query, /api/v1/alerts). Scrapes
and rule evaluations run every second, so each assertion is retried until it
holds or 30 s have passed; the last difference is printed.
"""
import glob
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request

TIMEOUT = 30.0
JOB = "cisreport"


def api(url, path, **params):
    data = urllib.parse.urlencode(params).encode() if params else None
    with urllib.request.urlopen(url + path, data=data, timeout=10) as r:
        doc = json.load(r)
    if doc.get("status") != "success":
        raise AssertionError(f"{path} {params}: {doc}")
    return doc["data"]


def query(url, expr):
    data = api(url, "/api/v1/query", query=expr)
    if data["resultType"] != "vector":
        raise AssertionError(f"{expr}: result type {data['resultType']}")
    return data["result"]


def firing(url, name):
    return [a["labels"] for a in api(url, "/api/v1/alerts")["alerts"]
            if a["labels"].get("alertname") == name and a["state"] == "firing"]


def eventually(what, fn):
    """fn returns (actual, expected); retried until they are equal."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        actual, expected = fn()
        if actual == expected:
            return actual
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}:\n  expected {sorted_repr(expected)}\n  got      {sorted_repr(actual)}")
        time.sleep(0.5)


def sorted_repr(v):
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k!r}: {v[k]!r}" for k in sorted(v)) + "}"
    if isinstance(v, (set, frozenset)):
        return "{" + ", ".join(repr(x) for x in sorted(v)) + "}"
    return repr(v)


def reports(root):
    """{node: {report: {level: json}}}"""
    out = {}
    for path in glob.glob(os.path.join(root, "*", "*.json")):
        node = os.path.basename(os.path.dirname(path))
        name, level = os.path.basename(path)[:-5].rsplit("-", 1)
        with open(path) as f:
            doc = json.load(f)
        if "results" not in doc:
            # An all-SKIP report is an error, as bloodhound's: "all N checks
            # of report R at level L SKIPped"; the metrics say -1 for each.
            m = re.search(r"all (\d+) checks of report \S+ at level (\d+) SKIPped", doc.get("error", ""))
            # GET /report/runtime is the runtime checks of the cis profile,
            # which the metrics count under that profile's report.
            if m and name != "runtime":
                ALL_SKIP.setdefault(node, {}).setdefault(name, {})[int(level)] = int(m.group(1))
            continue
        out.setdefault(node, {}).setdefault(name, {})[int(level)] = doc
    if not out:
        raise AssertionError(f"no reports under {root}")
    return out


def top(levels):
    return levels[max(levels)]


STATUS = {"PASS": 1, "FAIL": 0, "SKIP": -1}
ALL_SKIP = {}  # node -> report -> level -> checks, from reports answered "all SKIPped"


def waived_active(result):
    w = result.get("waiver")
    return bool(w) and w.get("state") == "active"


def failing_unwaived(doc):
    """Automatic checks of level 0 or 1 that FAIL without an active waiver (the rules')."""
    return {name for name, r in doc["results"].items()
            if r["status"] == "FAIL" and r["mode"] == "Automatic" and int(r["level"]) <= 1
            and not waived_active(r)}


def cmd_wait_up(url, *nodes):
    expected = {n: 1.0 for n in nodes}
    eventually("up", lambda: ({s["metric"].get("node"): float(s["value"][1])
                                for s in query(url, f'up{{job="{JOB}"}}')}, expected))
    # and each node's checks are in (a scrape went through whole)
    eventually("scraped", lambda: ({s["metric"].get("node")
                                    for s in query(url, "cisreport_build_info")}, set(nodes)))


def cmd_statuses(url, root):
    reps = reports(root)
    for node, byname in sorted(reps.items()):
        expected = {}
        for name, levels in byname.items():
            for check, r in top(levels)["results"].items():
                expected[(name, check)] = (r["id"], str(r["level"]), r["mode"], STATUS[r["status"]])

        def actual(node=node):
            got = {}
            for s in query(url, f'cisreport_check_status{{job="{JOB}",node="{node}"}}'):
                m = s["metric"]
                v = int(float(s["value"][1]))
                if m["report"] in ALL_SKIP.get(node, {}):
                    if v != -1:
                        got[("all-SKIP report", m["report"], m["name"])] = v
                    continue
                got[(m["report"], m["name"])] = (m["id"], m["level"], m["mode"], v)
            return got, expected
        eventually(f"cisreport_check_status of {node}", actual)
        print(f"{node}: {len(expected)} checks, "
              f"{sum(1 for v in expected.values() if v[3] == 0)} FAIL")


def cmd_counts(url, root):
    reps = reports(root)
    for node, byname in sorted(reps.items()):
        expected = {}
        for name, levels in byname.items():
            has_level2 = any(int(r["level"]) == 2 for r in top(levels)["results"].values())
            for level, doc in levels.items():
                if level == 2 and not has_level2:
                    continue  # a benchmark of Level 1 only has no level="2" series
                for status, key in (("pass", "passed"), ("fail", "failed"), ("skip", "skipped")):
                    expected[(name, str(level), status)] = doc[key]

        for name, levels in ALL_SKIP.get(node, {}).items():
            for level, n in levels.items():
                if level == 2 and n == levels.get(1):
                    continue  # no check of level 2: no level="2" series
                for status in ("pass", "fail", "skip"):
                    expected[(name, str(level), status)] = n if status == "skip" else 0

        def actual(node=node):
            got = {(s["metric"]["report"], s["metric"]["level"], s["metric"]["status"]): int(float(s["value"][1]))
                   for s in query(url, f'cisreport_checks{{job="{JOB}",node="{node}"}}')}
            return {k: v for k, v in got.items() if k in expected or k[0] not in ALL_SKIP.get(node, {})}, expected
        eventually(f"cisreport_checks of {node}", actual)
        print(node + ": " + ", ".join(f"{n} L{lv} {expected[(n, lv, 'pass')]}/{expected[(n, lv, 'fail')]}/{expected[(n, lv, 'skip')]}"
                                      for (n, lv, st) in sorted(expected) if st == "pass"))


def cmd_waivers(url, root):
    reps = reports(root)
    expected = {}
    for node, byname in reps.items():
        for name, levels in byname.items():
            for check, r in top(levels)["results"].items():
                if r.get("waiver"):
                    expected[(node, name, check)] = 1 if waived_active(r) else 0
    if not expected:
        raise AssertionError("no report has a waived check: the test set one")
    eventually("cisreport_check_waived", lambda: (
        {(s["metric"]["node"], s["metric"]["report"], s["metric"]["name"]): int(float(s["value"][1]))
         for s in query(url, f'cisreport_check_waived{{job="{JOB}"}}')}, expected))
    print("waived: " + ", ".join(f"{n} {r} {c}" for n, r, c in sorted(expected)))


def expected_failing(root):
    out = {}
    for node, byname in reports(root).items():
        for name, levels in byname.items():
            out[(node, name)] = len(failing_unwaived(top(levels)))
    for node, byname in ALL_SKIP.items():
        for name in byname:
            out[(node, name)] = 0
    return out


def cmd_failing(url, root):
    expected = expected_failing(root)
    if not any(v for (node, _), v in expected.items() if node == "failing"):
        raise AssertionError("the failing node fails nothing: the fixture did not bite")
    eventually("cisreport:failing_checks:count", lambda: (
        {(s["metric"]["node"], s["metric"]["report"]): int(float(s["value"][1]))
         for s in query(url, f'cisreport:failing_checks:count{{job="{JOB}"}}')}, expected))
    print(", ".join(f"{n}/{r}={v}" for (n, r), v in sorted(expected.items())))


def cmd_alert_noncompliant(url, root):
    expected = {k for k, v in expected_failing(root).items() if v > 0}
    if ("failing", "cis") not in expected:
        raise AssertionError(f"the failing node's cis report fails nothing: {expected}")
    eventually("CisreportNodeNonCompliant firing", lambda: (
        {(a["node"], a["report"]) for a in firing(url, "CisreportNodeNonCompliant")}, expected))
    print("firing for: " + ", ".join(f"{n}/{r}" for n, r in sorted(expected)))


def cmd_alert_checks(url, root):
    reps = reports(root)
    failing_on, reporting = {}, {}
    for node, byname in reps.items():
        for name, levels in byname.items():
            doc = top(levels)
            bad = failing_unwaived(doc)
            for check, r in doc["results"].items():
                if r["mode"] == "Automatic" and int(r["level"]) <= 1:
                    reporting[(name, check)] = reporting.get((name, check), 0) + 1
                    failing_on[(name, check)] = failing_on.get((name, check), 0) + (check in bad)
    expected = {k for k, n in reporting.items() if failing_on[k] / n > 0.10}
    eventually("CisreportCheckFailingOnManyNodes firing", lambda: (
        {(a["report"], a["name"]) for a in firing(url, "CisreportCheckFailingOnManyNodes")}, expected))
    print("firing for: " + ", ".join(f"{r}/{c}" for r, c in sorted(expected)))


def dashboard_exprs(path):
    with open(path) as f:
        dash = json.load(f)
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append((p.get("title", "?"), t["expr"]))
            walk(p.get("panels", []))
    walk(dash["panels"])
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if v.get("type") == "query" and q:
            m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", q.strip())
            out.append((f"variable {v['name']}", m.group(1) if m else q))
    return out


def substitute(expr):
    expr = expr.replace("$__rate_interval", "1m").replace("$__interval", "1m").replace("$__range", "1h")
    # variables: ${x:regex}, ${x}, $x -> any value
    return re.sub(r"\$\{?(\w+)(:\w+)?\}?", ".*", expr)


def cmd_dashboard(url, path):
    exprs = dashboard_exprs(path)
    if not exprs:
        raise AssertionError(f"{path}: no PromQL expression found")
    empty = []
    for title, expr in exprs:
        e = substitute(expr)
        try:
            res = query(url, e)
        except urllib.error.HTTPError as err:
            raise AssertionError(f"panel {title!r}: {e}: HTTP {err.code}: {err.read().decode()[:300]}")
        # The test nodes read offline trees: no observer, so no runtime events.
        if not res and "cisreport_observed_events" not in expr and "cisreport:observed_events" not in expr:
            empty.append(f"{title}: {e}")
    if empty:
        raise AssertionError("expressions with no data:\n  " + "\n  ".join(empty))
    print(f"{len(exprs)} expressions parsed and evaluated")


def cmd_no_other_alerts(url):
    allowed = {"CisreportNodeNonCompliant", "CisreportCheckFailingOnManyNodes"}
    # Rules are evaluated every second: look a few times.
    for _ in range(4):
        names = {a["labels"]["alertname"] for a in api(url, "/api/v1/alerts")["alerts"]}
        if names - allowed:
            raise AssertionError(f"unexpected alerts: {sorted(names - allowed)}")
        time.sleep(0.5)


def cmd_alert_down(url, node):
    eventually(f"up of {node}", lambda: (
        [float(s["value"][1]) for s in query(url, f'up{{job="{JOB}",node="{node}"}}')], [0.0]))
    eventually("CisreportNodeNotReporting firing", lambda: (
        {a.get("node") for a in firing(url, "CisreportNodeNotReporting")}, {node}))


COMMANDS = {
    "wait-up": cmd_wait_up,
    "statuses": cmd_statuses,
    "counts": cmd_counts,
    "waivers": cmd_waivers,
    "failing": cmd_failing,
    "alert-noncompliant": cmd_alert_noncompliant,
    "alert-checks": cmd_alert_checks,
    "dashboard": cmd_dashboard,
    "no-other-alerts": cmd_no_other_alerts,
    "alert-down": cmd_alert_down,
}

if __name__ == "__main__":
    try:
        COMMANDS[sys.argv[1]](*sys.argv[2:])
    except AssertionError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
