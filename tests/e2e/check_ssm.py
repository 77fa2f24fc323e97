#!/usr/bin/env python3
"""Check SSM custom inventory documents against the rules the SSM agent
enforces. Arguments: files holding one document each (an inventory folder's
*.json), or "-f ssm" output (one document per line), or a folder.

Rules: exactly SchemaVersion (digits.digits), TypeName ("Custom:" prefix,
1-100 chars) and Content (object or list of objects); values are strings
only; attribute names 1-64 chars; values at most 4096; at most 50
attributes per type; at most 200 KB per type; attribute-name case the same
in every file; no TypeName twice; at most 20 files in a folder."""
import json
import os
import re
import sys

errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def check_doc(where, text, names_by_lower, types_seen):
    size = len(text.encode("utf-8"))
    if size > 200_000:
        err(where, f"{size} bytes, over 200 KB per type")
    try:
        doc = json.loads(text)
    except ValueError as e:
        err(where, f"not JSON: {e}")
        return
    if not isinstance(doc, dict) or set(doc) != {"SchemaVersion", "TypeName", "Content"}:
        err(where, f"keys must be exactly SchemaVersion, TypeName, Content: {sorted(doc) if isinstance(doc, dict) else doc!r}")
        return
    if not isinstance(doc["SchemaVersion"], str) or not re.fullmatch(r"[0-9]{1,6}\.[0-9]{1,6}", doc["SchemaVersion"]):
        err(where, f"bad SchemaVersion {doc['SchemaVersion']!r}")
    tn = doc["TypeName"]
    if not isinstance(tn, str) or not tn.startswith("Custom:") or not 1 <= len(tn) <= 100:
        err(where, f"bad TypeName {tn!r}")
    if tn in types_seen:
        err(where, f"TypeName {tn} also in {types_seen[tn]}")
    types_seen[tn] = where
    content = doc["Content"]
    entries = content if isinstance(content, list) else [content]
    attrs = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            err(where, f"Content[{i}] is not an object")
            continue
        for k, v in entry.items():
            attrs.add(k)
            if not 1 <= len(k) <= 64:
                err(where, f"attribute name {k!r} not 1-64 characters")
            if not isinstance(v, str):
                err(where, f"Content[{i}].{k} is {type(v).__name__}, not a string")
            elif len(v) > 4096 or len(v.encode("utf-8")) > 4096:
                err(where, f"Content[{i}].{k} is {len(v)} characters, over 4096")
            seen = names_by_lower.setdefault(k.lower(), k)
            if seen != k:
                err(where, f"attribute {k!r} differs in case from {seen!r} elsewhere")
    if len(attrs) > 50:
        err(where, f"{len(attrs)} attributes, over 50 per type")
    return doc


def main(args):
    names, types = {}, {}
    n_docs = 0
    for arg in args:
        paths = [arg]
        if os.path.isdir(arg):
            paths = sorted(os.path.join(arg, f) for f in os.listdir(arg) if f.endswith(".json"))
            if len(paths) > 20:
                err(arg, f"{len(paths)} files, over 20 per folder")
        for path in paths:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            lines = text.splitlines() if path == arg and not arg.endswith(".json") else [text]
            for n, line in enumerate(lines, 1):
                if line.strip():
                    check_doc(f"{path}:{n}", line, names, types)
                    n_docs += 1
    if n_docs == 0:
        err("input", "no inventory documents")
    for e in errors:
        print(e, file=sys.stderr)
    print(f"{n_docs} SSM inventory documents checked, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
