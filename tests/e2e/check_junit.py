#!/usr/bin/env python3
"""Check "-f junit" output: well-formed, one testcase per check, and the
counts on testsuites/testsuite agree with the testcases' failure/skipped
children. Usage: check_junit.py FILE TESTS FAILURES SKIPPED"""
import sys
import xml.etree.ElementTree as ET


def main(path, tests, failures, skipped):
    root = ET.parse(path).getroot()
    errors = []
    if root.tag != "testsuites":
        errors.append(f"root is {root.tag}")
    suites = root.findall("testsuite")
    if len(suites) != 1:
        errors.append(f"{len(suites)} testsuites")
    cases = root.findall("testsuite/testcase")
    n_fail = sum(1 for c in cases if c.find("failure") is not None)
    n_skip = sum(1 for c in cases if c.find("skipped") is not None)
    want = {"tests": int(tests), "failures": int(failures), "skipped": int(skipped)}
    got = {"tests": len(cases), "failures": n_fail, "skipped": n_skip}
    if got != want:
        errors.append(f"testcases give {got}, expected {want}")
    for el in [root] + suites:
        for k, v in want.items():
            if el.get(k) != str(v):
                errors.append(f"<{el.tag} {k}={el.get(k)!r}>, expected {v}")
    for c in cases:
        if not c.get("name") or not c.get("classname"):
            errors.append(f"testcase without name/classname: {c.attrib}")
        f = c.find("failure")
        if f is not None and not f.get("message"):
            errors.append(f"failure without message in {c.get('name')}")
    for e in errors:
        print(e, file=sys.stderr)
    print(f"{len(cases)} testcases checked, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
