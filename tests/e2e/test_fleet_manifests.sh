#!/usr/bin/env bash
# deploy/kubernetes/ against the Kubernetes and Prometheus Operator schemas,
# and deploy/grafana/ against Grafana 11.6's dashboard schema, with the
# validators of tests/deploy/ (npm packages: kubernetes-models,
# @kubernetes-models/prometheus-operator, @grafana/schema, typescript; pinned
# in tests/deploy/package-lock.json, installed with `npm ci` into the build
# directory on first run). Each validator is shown to bite on a broken copy.
# Then the pod security the manifests promise: read-only root filesystem, no
# privilege escalation, capabilities dropped, limits set, host mounts
# read-only, the capabilities only those docs/fleet.md justifies. Exit 77 (SKIP) only when npm cannot install the validators.
set -uo pipefail

BUILD_DIR=${BUILD_DIR:?run through ctest, or set BUILD_DIR}
SOURCE_DIR=${SOURCE_DIR:?run through ctest, or set SOURCE_DIR}
DEPLOY=$SOURCE_DIR/deploy
V=$BUILD_DIR/deploy-validate

. "$SOURCE_DIR/tests/e2e/lib_tap.sh"

T=$(mktemp -d /tmp/cisreport-manifests.XXXXXX)
trap 'rm -rf "$T"' EXIT

# The validators, installed once per lockfile.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "SKIP: node and npm are needed for the schema validators (Debian: nodejs, npm)"
	exit 77
fi
mkdir -p "$V"
if ! cmp -s "$SOURCE_DIR/tests/deploy/package-lock.json" "$V/package-lock.json" || [ ! -d "$V/node_modules" ]; then
	rm -rf "$V/node_modules"
	cp "$SOURCE_DIR/tests/deploy/package.json" "$SOURCE_DIR/tests/deploy/package-lock.json" "$V/"
	if ! (cd "$V" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error) >"$T/npm.log" 2>&1; then
		echo "SKIP: npm ci could not install the validators:"
		tail -5 "$T/npm.log"
		rm -f "$V/package-lock.json"
		exit 77
	fi
fi
cp "$SOURCE_DIR/tests/deploy/validate.mjs" "$V/"
VALIDATE=(node "$V/validate.mjs")
echo "# validators: $(cd "$V" && node -e 'for (const p of ["kubernetes-models","@kubernetes-models/prometheus-operator","@grafana/schema","typescript"]) process.stdout.write(p+"@"+require("./node_modules/"+p+"/package.json").version+" ")')"

manifests=("$DEPLOY"/kubernetes/*.yaml)
check "deploy/kubernetes/*.yaml against the Kubernetes and Prometheus Operator schemas and types" \
	"${VALIDATE[@]}" k8s "${manifests[@]}"
check "deploy/grafana/cisreport-fleet.json against Grafana 11.6's dashboard schema (@grafana/schema)" \
	"${VALIDATE[@]}" grafana "$DEPLOY/grafana/cisreport-fleet.json"

# Broken copies: each validator must refuse them, naming the field.
python3 - "$DEPLOY/kubernetes" "$DEPLOY/grafana/cisreport-fleet.json" "$T" <<'EOF'
import json, sys, yaml
k8s, dash, out = sys.argv[1:]
def daemonset():
    docs = list(yaml.safe_load_all(open(f"{k8s}/daemonset.yaml")))
    return docs, next(d for d in docs if d["kind"] == "DaemonSet")
docs, ds = daemonset()
ds["spec"]["template"]["spec"]["hostPid"] = True            # misspelt
yaml.safe_dump_all(docs, open(f"{out}/typo.yaml", "w"))
docs, ds = daemonset()
ds["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] = "yes"
yaml.safe_dump_all(docs, open(f"{out}/type.yaml", "w"))
docs, ds = daemonset()
del ds["spec"]["selector"]                                   # required
yaml.safe_dump_all(docs, open(f"{out}/required.yaml", "w"))
pm = yaml.safe_load(open(f"{k8s}/podmonitor.yaml"))
pm["spec"]["podMetricsEndpoints"][0]["scrapeTimeout"] = "20 seconds"
yaml.safe_dump(pm, open(f"{out}/duration.yaml", "w"))
d = json.load(open(dash))
d["panels"][1]["gridPos"]["width"] = 6
json.dump(d, open(f"{out}/dash-field.json", "w"))
d = json.load(open(dash))
d["panels"][1]["fieldConfig"]["defaults"]["thresholds"] = {"mode": "relative-ish", "steps": []}
json.dump(d, open(f"{out}/dash-enum.json", "w"))
EOF
fails "  ... refuses a misspelt field (hostPid)" "'\"hostPid\"' does not exist" "${VALIDATE[@]}" k8s "$T/typo.yaml"
fails "  ... refuses a string where a boolean goes" "readOnlyRootFilesystem must be boolean" "${VALIDATE[@]}" k8s "$T/type.yaml"
fails "  ... refuses a DaemonSet without its required selector" "must have required property selector" "${VALIDATE[@]}" k8s "$T/required.yaml"
fails "  ... refuses a PodMonitor scrapeTimeout that is no duration" "scrapeTimeout must match pattern" "${VALIDATE[@]}" k8s "$T/duration.yaml"
fails "  ... refuses a dashboard panel field Grafana does not know" "'\"width\"' does not exist" "${VALIDATE[@]}" grafana "$T/dash-field.json"
fails "  ... refuses a thresholds mode Grafana does not have" "relative-ish" "${VALIDATE[@]}" grafana "$T/dash-enum.json"

check "the pods are as locked down as docs/fleet.md says" python3 - "${manifests[@]}" <<'EOF'
import sys, yaml
# Capabilities a container may add, each justified in docs/fleet.md.
JUSTIFIED = {"BPF", "PERFMON", "NET_ADMIN"}
errors, pods = [], 0
for path in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(path)):
        if not doc or doc["kind"] not in ("DaemonSet", "Job", "CronJob"):
            continue
        spec = doc["spec"]["template"]["spec"]
        pods += 1
        where = f"{path.split('/')[-1]} {doc['kind']} {doc['metadata']['name']}"
        if spec.get("automountServiceAccountToken") is not False:
            errors.append(f"{where}: mounts a service account token it never uses")
        if spec.get("hostIPC"):
            errors.append(f"{where}: hostIPC is never needed")
        for c in spec["containers"]:
            args = c.get("args", [])
            if not any(a.startswith("--host-root=") for a in args):
                errors.append(f"{where} container {c['name']}: no --host-root (a pod reads the host through it)")
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for c in spec["containers"] + spec.get("initContainers", []):
            sc = c.get("securityContext", {})
            cw = f"{where} container {c['name']}"
            for key, want in (("readOnlyRootFilesystem", True), ("allowPrivilegeEscalation", False),
                              ("privileged", False)):
                if sc.get(key) is not want:
                    errors.append(f"{cw}: securityContext.{key} must be {want}")
            caps = sc.get("capabilities", {})
            if caps.get("drop") != ["ALL"]:
                errors.append(f"{cw}: capabilities.drop must be [ALL]")
            extra = set(caps.get("add", [])) - JUSTIFIED
            if extra:
                errors.append(f"{cw}: adds capabilities not justified in docs/fleet.md: {sorted(extra)}")
            limits = c.get("resources", {}).get("limits", {})
            if not {"cpu", "memory"} <= set(limits):
                errors.append(f"{cw}: resources.limits needs cpu and memory")
            for m in c.get("volumeMounts", []):
                v = volumes.get(m["name"], {})
                if "hostPath" in v and m.get("readOnly") is not True:
                    errors.append(f"{cw}: host path {v['hostPath']['path']} mounted writable")
if not pods:
    errors.append("no pod template found")
if errors:
    sys.exit("\n".join(errors))
print(f"{pods} pod templates: read-only root, no escalation, all capabilities dropped, limits, host mounts read-only")
EOF

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
