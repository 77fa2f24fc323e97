#!/usr/bin/env python3
"""Check "-f asff" output against what Security Hub's BatchImportFindings
accepts: one JSON array per line, each at most 100 findings and 6 MB; every
finding has the required ASFF fields within their limits; ids are unique.

Usage: check_asff.py FILE [--findings N] [--account ID] [--region R]"""
import argparse
import json
import re
import sys

REQUIRED = ["SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types",
            "CreatedAt", "UpdatedAt", "Severity", "Title", "Description", "Resources"]
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
TYPE = "Software and Configuration Checks/Industry and Regulatory Standards/CIS Host Hardening Benchmarks"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--findings", type=int)
    ap.add_argument("--account")
    ap.add_argument("--region")
    a = ap.parse_args()
    errors = []
    ids = set()
    total = 0
    with open(a.file, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for n, line in enumerate(lines, 1):
        where = f"line {n}"
        if len(line.encode()) > 6 * 1024 * 1024:
            errors.append(f"{where}: batch over 6 MB")
        batch = json.loads(line)
        if not isinstance(batch, list) or not 1 <= len(batch) <= 100:
            errors.append(f"{where}: not an array of 1-100 findings")
            continue
        for i, fd in enumerate(batch):
            w = f"{where} finding {i}"
            total += 1
            if len(json.dumps(fd).encode()) > 240 * 1024:
                errors.append(f"{w}: over 240 KB")
            missing = [k for k in REQUIRED if k not in fd]
            if missing:
                errors.append(f"{w}: {', '.join(missing)} missing")
                continue
            if fd["SchemaVersion"] != "2018-10-08":
                errors.append(f"{w}: SchemaVersion {fd['SchemaVersion']}")
            for k, lim in (("Id", 512), ("GeneratorId", 512), ("Title", 256), ("Description", 1024)):
                if not isinstance(fd[k], str) or not 1 <= len(fd[k]) <= lim:
                    errors.append(f"{w}: {k} not 1-{lim} characters")
            if fd["Id"] in ids:
                errors.append(f"{w}: duplicate Id {fd['Id']}")
            ids.add(fd["Id"])
            if re.search(r"\d{4}-\d{2}-\d{2}T", fd["Id"]):
                errors.append(f"{w}: Id holds a timestamp")
            if not re.fullmatch(r"\d{12}", fd["AwsAccountId"]):
                errors.append(f"{w}: AwsAccountId not 12 digits")
            if a.account and fd["AwsAccountId"] != a.account:
                errors.append(f"{w}: account {fd['AwsAccountId']}")
            m = re.fullmatch(r"arn:aws(-cn|-us-gov)?:securityhub:([a-z0-9-]+):(\d{12}):product/(\d{12})/default", fd["ProductArn"])
            if not m or m.group(3) != fd["AwsAccountId"] or m.group(4) != fd["AwsAccountId"]:
                errors.append(f"{w}: ProductArn {fd['ProductArn']}")
            elif a.region and m.group(2) != a.region:
                errors.append(f"{w}: region {m.group(2)}")
            if fd["Types"] != [TYPE]:
                errors.append(f"{w}: Types {fd['Types']}")
            for k in ("CreatedAt", "UpdatedAt"):
                if not TIME.match(fd[k]):
                    errors.append(f"{w}: {k} {fd[k]} not ISO 8601")
            if fd["Severity"].get("Label") not in ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"):
                errors.append(f"{w}: Severity.Label {fd['Severity']}")
            res = fd["Resources"]
            if not isinstance(res, list) or not res or not all("Type" in r and "Id" in r for r in res):
                errors.append(f"{w}: Resources {res}")
            comp = fd.get("Compliance", {})
            if comp.get("Status") not in ("PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"):
                errors.append(f"{w}: Compliance.Status {comp.get('Status')}")
            if len(comp.get("RelatedRequirements", [])) > 32:
                errors.append(f"{w}: over 32 RelatedRequirements")
            text = fd.get("Remediation", {}).get("Recommendation", {}).get("Text", "")
            if len(text) > 512:
                errors.append(f"{w}: Remediation text over 512")
    if a.findings is not None and total != a.findings:
        errors.append(f"{total} findings, expected {a.findings}")
    for e in errors:
        print(e, file=sys.stderr)
    print(f"{total} findings in {len(lines)} batches checked, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
