#!/usr/bin/env bash
# deploy/ checked with the engines' own tools: the Prometheus rules with
# `promtool check rules` and their unit tests with `promtool test rules`, the
# example configurations with `promtool check config`, the Grafana dashboard's
# JSON model by its structure (tests/e2e/check_dashboard.py; its PromQL runs
# against a live Prometheus in test_fleet_prometheus.sh).
set -uo pipefail

SOURCE_DIR=${SOURCE_DIR:?run through ctest, or set SOURCE_DIR}
PROMTOOL=${PROMTOOL:-/usr/bin/promtool}
DEPLOY=$SOURCE_DIR/deploy

. "$SOURCE_DIR/tests/e2e/lib_tap.sh"

T=$(mktemp -d /tmp/cisreport-deploy.XXXXXX)
trap 'rm -rf "$T"' EXIT

if [ ! -x "$PROMTOOL" ]; then
	echo "FAIL - $PROMTOOL is missing: scripts/deps.sh installs Debian's prometheus package"
	echo "0 passed, 1 failed"
	exit 1
fi

check "promtool check rules deploy/prometheus/cisreport-rules.yml" \
	"$PROMTOOL" check rules "$DEPLOY/prometheus/cisreport-rules.yml"
check "promtool test rules deploy/prometheus/cisreport-rules.test.yml" \
	bash -c 'cd "$1" && "$2" test rules cisreport-rules.test.yml' _ "$DEPLOY/prometheus" "$PROMTOOL"
# The unit tests bite: a rule with the waiver exclusion removed fails them.
cp "$DEPLOY/prometheus/cisreport-rules.test.yml" "$T/"
sed 's/cisreport_check_waived == 1/cisreport_check_waived == 2/' \
	"$DEPLOY/prometheus/cisreport-rules.yml" >"$T/cisreport-rules.yml"
fails "  ... and fail for rules that ignore waivers" "FAILED" \
	bash -c 'cd "$1" && "$2" test rules cisreport-rules.test.yml' _ "$T" "$PROMTOOL"
sed 's/> 0.10/> 0.5/' "$DEPLOY/prometheus/cisreport-rules.yml" >"$T/cisreport-rules.yml"
fails "  ... and for a fleet threshold of 50 % instead of 10 %" "FAILED" \
	bash -c 'cd "$1" && "$2" test rules cisreport-rules.test.yml' _ "$T" "$PROMTOOL"

check "promtool check config deploy/prometheus/prometheus.yml" \
	"$PROMTOOL" check config "$DEPLOY/prometheus/prometheus.yml"
# Debian's Prometheus has no Kubernetes discovery: its promtool must reject
# exactly that section and accept the rest (relabelling included).
out=$("$PROMTOOL" check config "$DEPLOY/prometheus/prometheus-kubernetes.yml" 2>&1)
if [ $? -eq 0 ]; then
	ok "promtool check config deploy/prometheus/prometheus-kubernetes.yml (this promtool has Kubernetes discovery)"
elif grep -q "field kubernetes_sd_configs not found" <<<"$out"; then
	cp "$DEPLOY/prometheus/cisreport-rules.yml" "$T/"
	python3 - "$DEPLOY/prometheus/prometheus-kubernetes.yml" "$T/k8s.yml" <<'EOF'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
for job in doc["scrape_configs"]:
    if job.pop("kubernetes_sd_configs", None) is not None:
        job["static_configs"] = [{"targets": ["10.0.0.1:9464"]}]
yaml.safe_dump(doc, open(sys.argv[2], "w"))
EOF
	check "promtool check config deploy/prometheus/prometheus-kubernetes.yml (discovery swapped for static_configs: Debian's promtool has no Kubernetes discovery)" \
		"$PROMTOOL" check config "$T/k8s.yml"
else
	bad "promtool check config deploy/prometheus/prometheus-kubernetes.yml" "$out"
fi

check "the Grafana dashboard's JSON model (schemaVersion, panels, datasource, targets, gridPos, variables)" \
	python3 "$SOURCE_DIR/tests/e2e/check_dashboard.py" "$DEPLOY/grafana/cisreport-fleet.json"
python3 - "$DEPLOY/grafana/cisreport-fleet.json" "$T/bad.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["panels"][1]["gridPos"]["x"] = 20  # overlaps the next panel, runs past 24
json.dump(d, open(sys.argv[2], "w"))
EOF
fails "  ... and rejects a panel that overlaps another" "overlaps" python3 "$SOURCE_DIR/tests/e2e/check_dashboard.py" "$T/bad.json"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
