#!/usr/bin/env python3
"""check_dashboard.py DASHBOARD.json: the structure of a Grafana dashboard JSON model.

What Grafana 11.6 (dashboard schemaVersion 41) needs to import it as it is: a title and
uid, the schema version, every panel with an id unique in the dashboard, a type, a
title, a gridPos inside the 24-column grid that overlaps no other panel; every panel
but rows with a Prometheus datasource (the ${datasource} variable) and targets, each
with a refId unique in its panel and a PromQL expr; every $variable an expr uses
defined in templating. The exprs themselves are run against a real Prometheus by
tests/e2e/test_fleet_prometheus.sh (check_fleet.py dashboard).
"""
import json
import re
import sys

SCHEMA_VERSION = 41  # Grafana 11.6
BUILTIN = {"__rate_interval", "__interval", "__range", "__all"}


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def main(path):
    with open(path) as f:
        d = json.load(f)
    errors = []
    for key, kind in (("title", str), ("uid", str), ("schemaVersion", int), ("panels", list),
                      ("templating", dict), ("time", dict)):
        if not isinstance(d.get(key), kind):
            errors.append(f"top level: {key} missing or not a {kind.__name__}")
    if errors:
        fail("\n".join(errors))
    if d["schemaVersion"] != SCHEMA_VERSION:
        errors.append(f"schemaVersion {d['schemaVersion']}, checked against {SCHEMA_VERSION} (Grafana 11.6)")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", d["uid"]):
        errors.append(f"uid {d['uid']!r}: at most 40 of A-Z a-z 0-9 _ -")
    variables = {v.get("name") for v in d["templating"].get("list", [])}
    for v in d["templating"].get("list", []):
        if v.get("type") not in ("datasource", "query", "custom", "constant", "interval", "textbox"):
            errors.append(f"variable {v.get('name')}: type {v.get('type')!r}")
        if v.get("type") == "query" and v.get("datasource", {}).get("uid") != "${datasource}":
            errors.append(f"variable {v.get('name')}: datasource is not ${{datasource}}")
    if "datasource" not in variables:
        errors.append("no datasource variable: the dashboard would be bound to one instance's datasource uid")

    ids, boxes, exprs = set(), [], 0
    def walk(panels, where):
        nonlocal exprs
        for i, p in enumerate(panels):
            name = f"{where}panel {i} ({p.get('title', '?')!r})"
            for key, kind in (("id", int), ("type", str), ("title", str), ("gridPos", dict)):
                if not isinstance(p.get(key), kind):
                    errors.append(f"{name}: {key} missing or not a {kind.__name__}")
            if p.get("id") in ids:
                errors.append(f"{name}: id {p.get('id')} used twice")
            ids.add(p.get("id"))
            g = p.get("gridPos", {})
            if not all(isinstance(g.get(k), int) for k in "hwxy"):
                errors.append(f"{name}: gridPos needs integer h, w, x, y")
                continue
            if g["x"] < 0 or g["y"] < 0 or g["w"] < 1 or g["h"] < 1 or g["x"] + g["w"] > 24:
                errors.append(f"{name}: gridPos {g} outside the 24-column grid")
            for other, box in boxes:
                if (g["x"] < box["x"] + box["w"] and box["x"] < g["x"] + g["w"]
                        and g["y"] < box["y"] + box["h"] and box["y"] < g["y"] + g["h"]):
                    errors.append(f"{name}: gridPos {g} overlaps {other} {box}")
            boxes.append((name, g))
            if p.get("type") == "row":
                walk(p.get("panels", []), f"{name} > ")
                continue
            ds = p.get("datasource", {})
            if ds.get("type") != "prometheus" or ds.get("uid") != "${datasource}":
                errors.append(f"{name}: datasource {ds} is not the prometheus ${{datasource}}")
            targets = p.get("targets")
            if not isinstance(targets, list) or not targets:
                errors.append(f"{name}: no targets")
                continue
            refs = set()
            for t in targets:
                if t.get("refId") in refs or not t.get("refId"):
                    errors.append(f"{name}: refId {t.get('refId')!r} missing or used twice")
                refs.add(t.get("refId"))
                expr = t.get("expr")
                if not isinstance(expr, str) or not expr.strip():
                    errors.append(f"{name}: target {t.get('refId')} has no expr")
                    continue
                exprs += 1
                for var in re.findall(r"\$\{?(\w+)", expr):
                    if var not in variables and var not in BUILTIN:
                        errors.append(f"{name}: expr uses ${var}, not a dashboard variable")
            if not isinstance(p.get("fieldConfig", {}).get("defaults"), dict):
                errors.append(f"{name}: fieldConfig.defaults missing")
    walk(d["panels"], "")
    if errors:
        fail("\n".join(errors))
    print(f"{path.split('/')[-1]}: schemaVersion {d['schemaVersion']}, {len(ids)} panels, {exprs} PromQL expressions, variables {sorted(variables)}")


if __name__ == "__main__":
    main(sys.argv[1])
