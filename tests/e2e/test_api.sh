#!/usr/bin/env bash
# End-to-end tests of cisreportd and apiclient over a real Unix socket:
# every endpoint and error code (curl and apiclient), socket mode and
# ownership, settings and waivers (persisted, validated, byte-for-byte
# unchanged on error), SIGHUP, SIGTERM with a request in flight, systemd
# socket activation, 32 clients x 200 requests, stalled clients and 10,000
# malformed requests. The daemon reads a fixture host (tests/fixtures/api/root)
# with test profiles of sysctl and manual checks (tests/fixtures/api/profiles).
set -uo pipefail

BUILD_DIR=${BUILD_DIR:?run through ctest, or set BUILD_DIR}
SOURCE_DIR=${SOURCE_DIR:?run through ctest, or set SOURCE_DIR}
DAEMON=$BUILD_DIR/cisreportd
CLIENT=$BUILD_DIR/apiclient
CLI=${CISREPORT:-$BUILD_DIR/cisreport}
TOOL=(python3 "$SOURCE_DIR/tests/e2e/api_tool.py")
FIX=$SOURCE_DIR/tests/fixtures/api
IDLE=3

T=$(mktemp -d /tmp/cisreport-api.XXXXXX)
PROFILES=$T/profiles
cp -r "$FIX/profiles" "$PROFILES"
SOCK=$T/run/api.sock
STATE=$T/state
SETTINGS=$STATE/settings.json
LOG=$T/daemon.log
DPID=

# shellcheck source=tests/e2e/lib_tap.sh
. "$(dirname "$0")/lib_tap.sh"
trap 'tap_cleanup DPID' EXIT

wait_socket() {
	local sock=${1:-$SOCK}
	for _ in $(seq 200); do
		if [ -S "$sock" ] && curl -sf --unix-socket "$sock" http://localhost/report >/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	echo "daemon did not come up; log:" >&2
	tail -20 "$LOG" >&2
	return 1
}

start_daemon() {
	"$DAEMON" -s "$SOCK" -d "$STATE" -c "$PROFILES" --root "$FIX/root" --idle-timeout "$IDLE" \
		"$@" 2>>"$LOG" &
	DPID=$!
	wait_socket
}

# SIGHUP, then wait for the reload to finish (it logs the settings last).
hup() {
	local before
	before=$(grep -c '^cisreportd: settings ' "$LOG")
	kill -HUP "$DPID"
	for _ in $(seq 200); do
		[ "$(grep -c '^cisreportd: settings ' "$LOG")" -gt "$before" ] && return 0
		sleep 0.05
	done
	echo "reload did not finish" >&2
	return 1
}

stop_daemon() {
	kill -TERM "$DPID"
	wait "$DPID"
	local rc=$?
	DPID=
	return $rc
}

# req METHOD URI [curl args...]: sets CODE, CTYPE, ALLOW; body in $T/body.
req() {
	local method=$1 uri=$2
	shift 2
	local head=(-X "$method")
	[ "$method" = HEAD ] && head=(-I)
	rm -f "$T/body"
	curl -s "${head[@]}" --unix-socket "$SOCK" -D "$T/head" -o "$T/body" "$@" \
		"http://localhost$uri"
	CODE=$(awk 'NR==1 {print $2}' "$T/head")
	CTYPE=$(awk -F': ' 'tolower($1)=="content-type" {print $2}' "$T/head" | tr -d '\r')
	ALLOW=$(awk -F': ' 'tolower($1)=="allow" {print $2}' "$T/head" | tr -d '\r')
}

# Python over the last body: `body_py EXPR` must be true (d is the JSON).
body_py() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
		"$T/body" 2>/dev/null
}

# expect_error DESC METHOD URI CODE [NEEDLE [curl args...]]: a JSON error body.
expect_error() {
	local desc=$1 method=$2 uri=$3 want=$4 needle=${5:-}
	shift 4
	[ $# -gt 0 ] && shift
	req "$method" "$uri" "$@"
	if [ "$CODE" = "$want" ] && [ "$CTYPE" = application/json ] &&
		body_py 'list(d) == ["error"] and len(d["error"]) > 10' &&
		grep -qF -- "$needle" "$T/body"; then
		ok "$desc ($want)"
	else
		bad "$desc: want $want${needle:+ with '$needle'}" "got $CODE $CTYPE $(head -c 300 "$T/body")"
	fi
}

# Reports differ only in their start time.
strip_time() { grep -v '^Start time:' "$1"; }

echo "# cisreportd e2e in $T"
start_daemon || { bad "daemon starts"; echo "$passed passed, $failed failed"; exit 1; }
ok "daemon starts on $SOCK"

# ---- socket -------------------------------------------------------------
mode=$(stat -c '%a %U %G' "$SOCK")
[ "$mode" = "660 $(id -un) $(id -gn)" ] && ok "socket mode 0660, owned by the daemon's user and group" ||
	bad "socket mode" "$mode"
[ -d "$STATE" ] && ok "state directory created" || bad "state directory created"
out=$("$DAEMON" -s "$SOCK" -d "$STATE" -c "$PROFILES" 2>&1)
rc=$?
[ $rc -ne 0 ] && grep -q "another server is listening" <<<"$out" &&
	ok "a second daemon refuses a live socket" || bad "second daemon on a live socket" "$rc $out"
touch "$T/plainfile"
out=$("$DAEMON" -s "$T/plainfile" -d "$STATE" -c "$PROFILES" 2>&1)
[ $? -ne 0 ] && grep -q "is not a socket" <<<"$out" && ok "refuses a path that is not a socket" ||
	bad "path that is not a socket" "$out"
out=$("$DAEMON" -s "$SOCK" -d "$STATE" -c "$T/nowhere" 2>&1)
[ $? -eq 2 ] && grep -q "nowhere" <<<"$out" && ok "missing profile directory: exit 2" ||
	bad "missing profile directory" "$out"
out=$("$DAEMON" --level 2 2>&1)
[ $? -eq 1 ] && grep -q "unknown option" <<<"$out" && ok "unknown option: exit 1" || bad "unknown option" "$out"

# ---- GET /report ---------------------------------------------------------
req GET /report
[ "$CODE" = 200 ] && [ "$CTYPE" = application/json ] &&
	body_py 'd == [{"name":"cis","description":"CIS Bottlerocket Benchmark"},{"name":"cis-k8s","description":"CIS Kubernetes Benchmark (test profile)"},{"name":"fips","description":"FIPS Security Policy (test profile)"}]' &&
	ok "GET /report lists the loaded reports" || bad "GET /report" "$CODE $(cat "$T/body")"

# ---- GET /report/cis -----------------------------------------------------
req GET /report/cis
"$CLI" -c "$PROFILES" --root "$FIX/root" >"$T/cli.txt" 2>/dev/null
[ "$CODE" = 200 ] && [ "$CTYPE" = "text/plain; charset=utf-8" ] &&
	diff <(strip_time "$T/body") <(strip_time "$T/cli.txt") >/dev/null &&
	grep -q '^Benchmark level: 1$' "$T/body" &&
	ok "GET /report/cis: level 1 text by default, as the CLI prints it" ||
	bad "GET /report/cis" "$CODE $CTYPE $(diff <(strip_time "$T/body") <(strip_time "$T/cli.txt"))"
req GET '/report/cis?level=2&format=json'
[ "$CODE" = 200 ] && [ "$CTYPE" = application/json ] &&
	body_py 'd["level"]==2 and d["total"]==16 and d["passed"]==10 and d["failed"]==2 and d["skipped"]==4 and d["status"]=="FAIL" and d["type"]=="bottlerocket" and d["results"]["br01040400"]["status"]=="FAIL"' &&
	ok "GET /report/cis?level=2&format=json" || bad "level 2 json" "$CODE $(head -c 300 "$T/body")"
# A format that names the host names the one the report is about (--root's
# tree), as the CLI does, not the machine the daemon runs on.
req GET '/report/cis?format=junit'
"$CLI" -c "$PROFILES" --root "$FIX/root" -f junit >"$T/cli.xml" 2>/dev/null
[ "$CODE" = 200 ] && grep -q 'hostname="api-fixture"' "$T/body" && grep -q 'hostname="api-fixture"' "$T/cli.xml" &&
	ok "format=junit: the --root tree's hostname, as the CLI's" ||
	bad "junit hostname" "$CODE $(grep -o 'hostname="[^"]*"' "$T/body" "$T/cli.xml")"
req GET '/report/cis?type=bottlerocket&format=json&level=1'
[ "$CODE" = 200 ] && body_py 'd["level"]==1 and d["total"]==10 and d["status"]=="PASS"' &&
	ok "GET /report/cis?type=bottlerocket&format=json&level=1 (apiclient's query order)" ||
	bad "type=bottlerocket" "$CODE"
req GET '/report/cis?type=kubernetes&format=json'
[ "$CODE" = 200 ] && body_py 'd["type"]=="kubernetes" and d["name"].startswith("CIS Kubernetes") and d["failed"]==1' &&
	ok "GET /report/cis?type=kubernetes" || bad "type=kubernetes" "$CODE $(head -c 300 "$T/body")"
req GET '/report/cis-k8s?format=json'
[ "$CODE" = 200 ] && body_py 'd["type"]=="kubernetes"' && ok "GET /report/cis-k8s" || bad "cis-k8s" "$CODE"
req GET '/report/fips?'
[ "$CODE" = 200 ] && [ "$CTYPE" = "text/plain; charset=utf-8" ] &&
	grep -q 'Compliance check result: PASS' "$T/body" && ok "GET /report/fips? (empty query, as apiclient sends it)" ||
	bad "fips text" "$CODE"
req GET '/report/fips?format=json&type=fips'
[ "$CODE" = 200 ] && body_py 'd["type"]=="fips" and d["passed"]==1' && ok "GET /report/fips?format=json" ||
	bad "fips json" "$CODE"
req HEAD /report/cis
[ "$CODE" = 200 ] && [ "$CTYPE" = "text/plain; charset=utf-8" ] && ! grep -q "Benchmark" "$T/body" &&
	ok "HEAD /report/cis: headers only" || bad "HEAD" "$CODE"

# ---- settings and metrics -----------------------------------------------
req GET /settings
[ "$CODE" = 200 ] && body_py 'd == {"level":1,"format":"text","observer":True,"waivers":{},"changes":[]}' &&
	ok "GET /settings: the defaults" || bad "GET /settings" "$(cat "$T/body")"
[ ! -e "$SETTINGS" ] && ok "no settings file until something is set" || bad "settings file created early"
req GET /metrics
if [ "$CODE" = 200 ] && [ "$CTYPE" = "text/plain; version=0.0.4; charset=utf-8" ] &&
	grep -q '^cisreport_check_status{benchmark="bottlerocket",report="cis",name="br01040400",id="1.4.4",level="2",mode="Automatic"} 0$' "$T/body" &&
	grep -q '^cisreport_check_status{benchmark="fips",report="fips",name="fips01000000",id="1.0",level="1",mode="Automatic"} 1$' "$T/body" &&
	grep -q '^cisreport_checks{benchmark="bottlerocket",report="cis",level="2",status="fail"} 2$' "$T/body" &&
	grep -q '^cisreport_report_status{benchmark="bottlerocket",report="cis",level="1"} 1$' "$T/body" &&
	grep -Eq '^cisreport_http_requests_total\{code="200"\} [1-9]' "$T/body" &&
	python3 - "$T/body" <<'EOF'; then
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
sample = re.compile(name + r'(\{(' + name + r'="([^"\\\n]|\\.)*",?)*\})? -?[0-9.e+-]+$')
families = []
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("# TYPE "):
        families.append(line.split()[2])
        continue
    if line.startswith("# HELP "):
        continue
    assert sample.match(line), line
    assert line.startswith(families[-1]), ("sample outside its family", line)
assert len(families) == len(set(families)), "a family appears twice"
EOF
	ok "GET /metrics: Prometheus text, one gauge per check, counts, request counters"
else
	bad "GET /metrics" "$CODE $CTYPE $(head -c 600 "$T/body")"
fi

# ---- errors --------------------------------------------------------------
expect_error "unknown report type" GET '/report/cis?type=windows' 422 "types: bottlerocket, kubernetes"
expect_error "type of another report" GET '/report/cis?type=fips' 422 "not supported for cis"
expect_error "fips with a CIS type" GET '/report/fips?type=bottlerocket' 422 "type: fips"
expect_error "level 256" GET '/report/cis?level=256' 400 "a number from 0 to 255"
expect_error "level abc" GET '/report/cis?level=abc' 400 "a number from 0 to 255"
expect_error "empty level" GET '/report/cis?level=' 400 "needs a value"
expect_error "level without =" GET '/report/cis?level' 400 "needs a value"
expect_error "unknown format" GET '/report/cis?format=xml' 400 "options are: text, json"
expect_error "unknown query parameter" GET '/report/cis?verbose=1' 400 "allowed: type, level, format"
expect_error "parameter twice" GET '/report/cis?level=1&level=2' 400 "more than once"
expect_error "malformed escape in a key" GET '/report/cis?%zz=%' 400 "query has a malformed escape '%zz' at offset 12"
expect_error "malformed escape at the end" GET '/report/cis?level=1%2' 400 "malformed escape '%2'"
expect_error "malformed escape in the path" GET '/report/ci%s' 400 "path has a malformed escape"
expect_error "%00 in the path" GET '/report/cis%00xx' 400 "path has an escaped NUL '%00' at offset 11"
expect_error "%00 in a value" GET '/report/cis?level=2%00junk' 400 "query has an escaped NUL"
expect_error "%00 in format" GET '/report/cis?format=json%00xml' 400 "escaped NUL"
expect_error "%00 in a key" GET '/report/cis?lev%00el=2' 400 "query has an escaped NUL '%00' at offset 15"
req GET '/report/%63is?%6cevel=%32&format=json'
[ "$CODE" = 200 ] && body_py 'd["level"]==2' && ok "escapes in path, key and value are decoded" || bad "escapes decoded" "$CODE"
expect_error "too many parameters" GET "/report/cis?$(printf 'a%d=1&' $(seq 12))" 400 "too many"
expect_error "query on /report" GET '/report?x=1' 400 "takes no query parameters"
expect_error "query on /settings" GET '/settings?x=1' 400 "takes no query parameters"
expect_error "unknown path" GET /nope 404 "paths are /report, /report/{name}, /settings, /metrics"
expect_error "root path" GET / 404 "paths are"
expect_error "trailing slash" GET /report/ 404 "no such path"
expect_error "nested path" GET /report/cis/x 404 "no such path"
expect_error "unknown report" GET /report/stig 404 "reports: cis, cis-k8s, fips"
expect_error "POST on a report" POST /report/cis 405 "allowed: GET, HEAD"
[ "$ALLOW" = "GET, HEAD" ] && ok "405 carries Allow: GET, HEAD" || bad "Allow header" "$ALLOW"
expect_error "DELETE /settings" DELETE /settings 405 "allowed: GET, HEAD, PATCH"
[ "$ALLOW" = "GET, HEAD, PATCH" ] && ok "405 on /settings carries Allow: GET, HEAD, PATCH" || bad "Allow /settings" "$ALLOW"
expect_error "PUT /metrics" PUT /metrics 405 "not allowed on /metrics"
expect_error "PATCH /report" PATCH /report 405 "allowed: GET, HEAD"
head -c 70000 /dev/zero | tr '\0' x >"$T/big"
expect_error "body over 64 KiB (Content-Length)" PATCH /settings 413 "at most 65536 bytes" --data-binary "@$T/big"
expect_error "body over 64 KiB (chunked)" PATCH /settings 413 "at most 65536 bytes" -H 'Transfer-Encoding: chunked' --data-binary "@$T/big"
# A client that sends its headers, then its body a while later, still reads
# the 413: the declared body is read and thrown away before the answer (an
# answer at once, then close, met it with a broken pipe: curl saw nothing).
slow=$(python3 - "$SOCK" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
body = b"x" * 70000
s.sendall(b"PATCH /settings HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
          b"Content-Length: %d\r\n\r\n" % len(body))
time.sleep(0.3)
try:
    s.sendall(body)
    data = b""
    while b"at most" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except OSError as e:
    print(e.strerror)
    sys.exit()
print(data.split(b"\r\n", 1)[0].decode(), b"at most 65536 bytes" in data)
PY
)
[ "$slow" = "HTTP/1.1 413 Content Too Large True" ] && ok "body over 64 KiB sent late: still answered 413" ||
	bad "body over 64 KiB sent late" "$slow"
expect_error "request target over 8 KiB" GET "/report/cis?type=$(head -c 9000 /dev/zero | tr '\0' k)" 414 "at most 8192"
expect_error "headers over 16 KiB" GET /report 431 "at most 16384" -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' b)"
# Beyond the 64 KiB a connection may use, libmicrohttpd answers itself.
req GET "/report?$(head -c 100000 /dev/zero | tr '\0' k)"
[ "$CODE" = 414 ] && ok "request target over 64 KiB: 414 from libmicrohttpd" || bad "huge target" "$CODE"
req GET /report -H "X-Big: $(head -c 100000 /dev/zero | tr '\0' b)"
[ "$CODE" = 431 ] && ok "headers over 64 KiB: 431 from libmicrohttpd" || bad "huge headers" "$CODE"

# ---- PATCH /settings: validation leaves everything unchanged ------------
req PATCH /settings --data-binary '{"level": 2}'
[ "$CODE" = 200 ] && body_py 'd["level"]==2' && [ -f "$SETTINGS" ] &&
	ok "PATCH level 2: answered with the new settings and persisted" || bad "PATCH level" "$CODE $(cat "$T/body")"
[ "$(stat -c %a "$SETTINGS")" = 600 ] && ok "settings file mode 0600 (waivers are not for every reader)" || bad "settings mode" "$(stat -c %a "$SETTINGS")"
body_py 'len(d["changes"])==1 and d["changes"][0]["uid"]==0 and d["changes"][0]["pid"]>0 and d["changes"][0]["changed"]==["level"] and d["changes"][0]["at"].endswith("Z")' &&
	grep -q "settings changed by uid=0 pid=[0-9]*: {\"level\": 2}" "$LOG" &&
	ok "the change is kept in the settings (who, when, what) and logged with uid and pid" || bad "change record" "$(cat "$T/body")"
cp "$SETTINGS" "$T/settings.before"
FUTURE=2099-12-31T23:59:59Z
bad_patch() {
	local desc=$1 body=$2 needle=$3
	expect_error "PATCH $desc" PATCH /settings 400 "$needle" --data-binary "$body"
	if cmp -s "$SETTINGS" "$T/settings.before" && [ -z "$(ls "$STATE" | grep -v '^settings.json$')" ]; then
		ok "PATCH $desc: settings file byte-for-byte unchanged, no temporary file left"
	else
		bad "PATCH $desc changed the settings file" "$(ls "$STATE"; diff "$SETTINGS" "$T/settings.before")"
	fi
}
bad_patch "malformed JSON" '{"level": 2' "body is not JSON"
bad_patch "empty body" '' "body is not JSON"
bad_patch "not an object" '[1,2]' "must be a JSON object"
bad_patch "duplicate key" '{"level": 1, "level": 2}' "body is not JSON"
bad_patch "unknown key" '{"level": 1, "colour": "red"}' 'unknown setting \"colour\" (allowed: level, format, observer, waivers, full_interval, max_watchers)'
bad_patch "level as a string" '{"level": "2"}' "level: must be a number from 0 to 255"
bad_patch "level 256" '{"level": 256}' "level: must be a number from 0 to 255"
bad_patch "unknown format" '{"format": "xml"}' "format: must be one of: text, json"
bad_patch "observer not a boolean" '{"observer": "yes"}' "observer: must be true or false"
bad_patch "waivers not an object" '{"waivers": []}' "waivers: must be an object"
bad_patch "waiver for an unknown check" "{\"waivers\": {\"br99999999\": {\"reason\": \"r\", \"expires\": \"$FUTURE\", \"approved-by\": \"a\"}}}" 'no check named \"br99999999\"'
bad_patch "waiver by benchmark id" "{\"waivers\": {\"1.4.4\": {\"reason\": \"r\", \"expires\": \"$FUTURE\", \"approved-by\": \"a\"}}}" 'is the id of check \"br01040400\"'
bad_patch "waiver without reason" "{\"waivers\": {\"br01040400\": {\"expires\": \"$FUTURE\", \"approved-by\": \"a\"}}}" "reason: is required"
bad_patch "waiver with an unknown field" "{\"waivers\": {\"br01040400\": {\"reason\": \"r\", \"expires\": \"$FUTURE\", \"approved-by\": \"a\", \"ticket\": 1}}}" 'unknown field \"ticket\"'
bad_patch "waiver with a bad date" '{"waivers": {"br01040400": {"reason": "r", "expires": "next year", "approved-by": "a"}}}' "not an RFC 3339 date-time"
bad_patch "waiver on February 30" '{"waivers": {"br01040400": {"reason": "r", "expires": "2099-02-30T00:00:00Z", "approved-by": "a"}}}' "not an RFC 3339 date-time"
bad_patch "waiver expired already" '{"waivers": {"br01040400": {"reason": "r", "expires": "2020-01-01T00:00:00Z", "approved-by": "a"}}}' "is not in the future"
bad_patch "waiver with a control character" "{\"waivers\": {\"br01040400\": {\"reason\": \"a\\nb\", \"expires\": \"$FUTURE\", \"approved-by\": \"a\"}}}" "control characters"
bad_patch "good and bad together" "{\"format\": \"json\", \"waivers\": {\"br01040400\": {\"reason\": \"r\", \"expires\": \"2001-01-01T00:00:00+02:00\", \"approved-by\": \"a\"}}}" "is not in the future"
req GET /settings
body_py 'd["level"]==2 and d["format"]=="text" and d["observer"] and d["waivers"]=={} and len(d["changes"])==1' &&
	ok "after the rejected PATCHes the served settings are unchanged" || bad "served settings changed" "$(cat "$T/body")"

# ---- waivers in reports ----------------------------------------------------
req PATCH /settings --data-binary "{\"format\": \"json\", \"waivers\": {\"br01040400\": {\"reason\": \"user namespaces needed by the build containers\", \"expires\": \"$FUTURE\", \"approved-by\": \"security team\"}}}"
[ "$CODE" = 200 ] && ok "PATCH a waiver and the default format" || bad "PATCH waiver" "$CODE $(cat "$T/body")"
req GET /report/cis
[ "$CODE" = 200 ] && [ "$CTYPE" = application/json ] &&
	body_py 'd["level"]==2 and d["failed"]==2 and d["status"]=="FAIL" and d["results"]["br01040400"]["status"]=="FAIL" and d["results"]["br01040400"]["waiver"]=={"reason":"user namespaces needed by the build containers","expires":"2099-12-31T23:59:59Z","approved_by":"security team","state":"active"} and "waiver" not in d["results"]["br01040100"]' &&
	ok "next report: defaults from settings; waived check keeps FAIL, shows the active waiver" ||
	bad "waiver in report" "$(head -c 800 "$T/body")"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(list(d['results']['br01040400']))" "$T/body" |
	grep -q "\['name', 'id', 'level', 'title', 'mode', 'status', 'error', 'outcome', 'kind', 'evidence', 'remediation', 'waiver', 'evaluated_at'\]" &&
	ok "the waiver comes after bloodhound's and the existing fields, then the daemon's evaluated_at" || bad "field order"

# restart: settings persisted
stop_daemon && ok "SIGTERM: exit 0" || bad "SIGTERM: exit 0"
[ ! -e "$SOCK" ] && ok "SIGTERM removed the socket" || bad "socket left after SIGTERM"
start_daemon
req GET /settings
body_py 'd["level"]==2 and d["format"]=="json" and d["waivers"]["br01040400"]["approved-by"]=="security team"' &&
	ok "settings persisted across a restart" || bad "settings after restart" "$(cat "$T/body")"

# expired waiver: written to the file by hand, picked up on SIGHUP
python3 - "$SETTINGS" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["waivers"]["br03020200"] = {"reason": "routers", "expires": "2021-06-01T00:00:00Z", "approved-by": "net team"}
json.dump(d, open(sys.argv[1], "w"))
EOF
hup
req GET /report/cis
body_py 'd["results"]["br03020200"]["waiver"]["state"]=="expired" and d["results"]["br03020200"]["status"]=="FAIL" and d["results"]["br01040400"]["waiver"]["state"]=="active"' &&
	ok "SIGHUP reloads settings; an expired waiver is reported as expired" || bad "expired waiver" "$(head -c 600 "$T/body")"
cp "$T/body" "$T/api-waived.json"
req GET /metrics
grep -q '^cisreport_check_waived{benchmark="bottlerocket",report="cis",name="br03020200",id="3.2.2",level="2"} 0$' "$T/body" &&
	grep -q '^cisreport_check_waived{benchmark="bottlerocket",report="cis",name="br01040400",id="1.4.4",level="2"} 1$' "$T/body" &&
	grep -q '^cisreport_waivers 2$' "$T/body" && grep -q '^cisreport_reloads_total{result="ok"} 1$' "$T/body" &&
	ok "metrics show waivers (active 1, expired 0) and the reload" || bad "waiver metrics" "$(grep waiv "$T/body")"

# the CLI reads the same settings file
"$CLI" -c "$PROFILES" --root "$FIX/root" --settings "$SETTINGS" >"$T/cli.json" 2>/dev/null
python3 - "$T/cli.json" "$T/api-waived.json" <<'EOF' && ok "cisreport --settings: same defaults and waivers as the daemon" || bad "CLI --settings"
import json, sys
cli, api = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert cli["level"] == 2
for name in api["results"]:
    assert cli["results"][name].get("waiver") == api["results"][name].get("waiver"), name
EOF
"$CLI" -c "$PROFILES" --root "$FIX/root" --settings "$SETTINGS" -f text -v -l 2 >"$T/cli.txt" 2>/dev/null
grep -q '^          waiver: EXPIRED since 2021-06-01T00:00:00Z, approved by net team: routers$' "$T/cli.txt" &&
	grep -q '^          waiver: active until 2099-12-31T23:59:59Z, approved by security team: ' "$T/cli.txt" &&
	ok "cisreport -v shows waivers in text" || bad "CLI verbose waiver" "$(grep waiver "$T/cli.txt")"
"$CLI" -c "$PROFILES" --root "$FIX/root" --settings "$SETTINGS" -f text -l 2 >"$T/cli.txt" 2>/dev/null
"$CLI" -c "$PROFILES" --root "$FIX/root" -f text -l 2 >"$T/cli-plain.txt" 2>/dev/null
diff <(strip_time "$T/cli.txt") <(strip_time "$T/cli-plain.txt") >/dev/null &&
	ok "default text output is unchanged by waivers (bloodhound layout)" || bad "text changed by waivers"
out=$("$CLI" -c "$PROFILES" --settings "$T/missing.json" 2>&1)
[ $? -eq 1 ] && grep -q "missing.json" <<<"$out" && ok "cisreport --settings with a missing file: exit 1" ||
	bad "CLI missing settings" "$out"
echo '{"level": 700}' >"$T/bad-settings.json"
out=$("$CLI" -c "$PROFILES" --settings "$T/bad-settings.json" 2>&1)
[ $? -eq 1 ] && grep -q "level: must be a number from 0 to 255" <<<"$out" && ok "cisreport --settings with a bad file: exit 1, names the field" ||
	bad "CLI bad settings" "$out"

# ---- SIGHUP: profiles ------------------------------------------------------
cat >"$PROFILES/level1/extra.json" <<'EOF'
{"format_version": 1,
 "benchmark": {"type": "bottlerocket", "report": "cis", "name": "CIS Bottlerocket Benchmark",
               "version": "v1.0.0", "url": "https://www.cisecurity.org/benchmark/bottlerocket"},
 "checks": [{"name": "br09090900", "id": "9.9.9", "title": "Ensure panic on oops", "mode": "Automatic",
             "kind": "sysctl", "params": {"keys": {"kernel.panic_on_oops": "1"}}, "remediation": "Set it."}]}
EOF
hup
req GET '/report/cis?level=1'
body_py 'd["total"]==11 and d["results"]["br09090900"]["status"]=="FAIL"' && ok "SIGHUP reloads the profiles" ||
	bad "profile reload" "$(head -c 300 "$T/body")"
echo '{"format_version": 1, "checks": [' >"$PROFILES/level1/broken.json"
hup
req GET '/report/cis?level=1'
[ "$CODE" = 200 ] && body_py 'd["total"]==11' && grep -q "profiles not reloaded, keeping the loaded ones: .*broken.json" "$LOG" &&
	ok "a broken profile on SIGHUP: the loaded profiles stay, the log names the file" || bad "broken reload" "$CODE"
rm "$PROFILES/level1/broken.json" "$PROFILES/level1/extra.json"
hup

# ---- apiclient -------------------------------------------------------------
req PATCH /settings --data-binary '{"format": "text", "level": 1}'
AC=("$CLIENT" -s "$SOCK")
"${AC[@]}" report cis >"$T/ac.txt" 2>"$T/ac.err"
rc=$?
req GET '/report/cis?type=bottlerocket'
[ $rc -eq 0 ] && diff <(strip_time "$T/ac.txt") <(strip_time "$T/body") >/dev/null && [ ! -s "$T/ac.err" ] &&
	ok "apiclient report cis prints the body as it is" || bad "apiclient report cis" "$rc $(cat "$T/ac.err")"
"${AC[@]}" report cis -l 1 -f text >"$T/ac.txt" && grep -q '^Benchmark level: 1$' "$T/ac.txt" &&
	ok "apiclient report cis -l 1 -f text" || bad "apiclient -l 1 -f text"
"${AC[@]}" report cis --level 2 --format json >"$T/body" && body_py 'd["level"]==2 and d["type"]=="bottlerocket"' &&
	ok "apiclient report cis --level 2 --format json" || bad "apiclient json"
"${AC[@]}" report cis -t kubernetes -f json >"$T/body" && body_py 'd["type"]=="kubernetes"' &&
	ok "apiclient report cis -t kubernetes" || bad "apiclient -t"
"${AC[@]}" report cis-k8s -l 1 -f json >"$T/body" && body_py 'd["type"]=="kubernetes"' &&
	ok "apiclient report cis-k8s" || bad "apiclient cis-k8s"
"${AC[@]}" report fips >"$T/ac.txt" && grep -q "FIPS Security Policy" "$T/ac.txt" &&
	ok "apiclient report fips" || bad "apiclient fips"
"${AC[@]}" report fips -f json >"$T/body" && body_py 'd["type"]=="fips"' && ok "apiclient report fips -f json" ||
	bad "apiclient fips json"
"${AC[@]}" report cis -t windows >"$T/ac.txt" 2>"$T/ac.err"
rc=$?
[ $rc -eq 1 ] && [ ! -s "$T/ac.txt" ] &&
	grep -q "^Failed GET request to '/report/cis?type=windows': Status 422 Unprocessable Entity: report type 'windows' is not supported for cis; types: bottlerocket, kubernetes$" "$T/ac.err" &&
	ok "apiclient on 422: the server's message on stderr, exit 1" || bad "apiclient 422" "$rc $(cat "$T/ac.err")"
"${AC[@]}" report cis -l 300 >/dev/null 2>"$T/ac.err"
[ $? -eq 1 ] && grep -q "Status 400 Bad Request: invalid level '300'; a number from 0 to 255, as bloodhound's -l" "$T/ac.err" &&
	ok "apiclient on 400: exit 1" || bad "apiclient 400" "$(cat "$T/ac.err")"
"${AC[@]}" report cis -f yaml >/dev/null 2>"$T/ac.err"
[ $? -eq 1 ] && grep -q "invalid format 'yaml'" "$T/ac.err" && ok "apiclient bad format: exit 1" || bad "apiclient format"
"${AC[@]}" report cis -l two >/dev/null 2>"$T/ac.err"
[ $? -eq 2 ] && grep -q "Invalid argument to -l | --level" "$T/ac.err" && ok "apiclient -l two: usage, exit 2" ||
	bad "apiclient usage" "$(cat "$T/ac.err")"
"${AC[@]}" report stig >/dev/null 2>&1
[ $? -eq 2 ] && ok "apiclient report stig: usage, exit 2" || bad "apiclient unknown report"
"$CLIENT" -s "$T/absent.sock" report cis >/dev/null 2>"$T/ac.err"
[ $? -eq 1 ] && grep -q "Failed GET request to '/report/cis?type=bottlerocket' on $T/absent.sock" "$T/ac.err" &&
	ok "apiclient without a server: exit 1" || bad "apiclient no server" "$(cat "$T/ac.err")"
"${AC[@]}" get settings >"$T/body" && body_py 'd["level"]==1 and "br03020200" in d["waivers"]' &&
	[ "$(wc -l <"$T/body")" -gt 5 ] && ok "apiclient get settings (pretty JSON)" || bad "apiclient get settings"
"${AC[@]}" get /report >"$T/body" && body_py 'len(d)==3' && ok "apiclient get /report" || bad "apiclient get /report"
"${AC[@]}" set waiver br01040100 --reason "kernel debugging on this build host" --expires 2099-01-01T00:00:00+01:00 --approved-by "j. doe" &&
	"${AC[@]}" get settings >"$T/body" &&
	body_py '(w:=d["waivers"]["br01040100"]) and w["reason"]=="kernel debugging on this build host" and w["expires"]=="2099-01-01T00:00:00+01:00" and w["approved-by"]=="j. doe" and w["submitted-by"]["uid"]==0 and w["submitted-by"]["pid"]>0 and w["submitted-at"].endswith("Z")' &&
	ok "apiclient set waiver" || bad "apiclient set waiver" "$(cat "$T/body")"
"${AC[@]}" set waiver br01040100 --remove && "${AC[@]}" set waiver br03020200 --remove &&
	"${AC[@]}" get settings >"$T/body" && body_py 'list(d["waivers"])==["br01040400"]' &&
	ok "apiclient set waiver --remove" || bad "apiclient remove waiver" "$(cat "$T/body")"
cp "$SETTINGS" "$T/settings.before"
"${AC[@]}" set waiver br01040100 --reason r --expires 2001-01-01T00:00:00Z --approved-by a 2>"$T/ac.err"
[ $? -eq 1 ] && grep -q "Status 400 Bad Request: waivers.br01040100.expires: 2001-01-01T00:00:00Z is not in the future" "$T/ac.err" &&
	cmp -s "$SETTINGS" "$T/settings.before" && ok "apiclient set waiver in the past: rejected, nothing changed" ||
	bad "apiclient past waiver" "$(cat "$T/ac.err")"
"${AC[@]}" set level=1 format=text observer=false && "${AC[@]}" get settings >"$T/body" &&
	body_py 'd["level"]==1 and d["format"]=="text" and d["observer"] is False' && ok "apiclient set KEY=VALUE" ||
	bad "apiclient set k=v" "$(cat "$T/body")"
"${AC[@]}" set -j '{"settings": {"observer": true}}' && "${AC[@]}" get settings >"$T/body" && body_py 'd["observer"] is True' &&
	ok "apiclient set --json (a settings layer is unwrapped)" || bad "apiclient set -j"
"${AC[@]}" patch settings '{"format": "json"}' && "${AC[@]}" get settings >"$T/body" && body_py 'd["format"]=="json"' &&
	ok "apiclient patch settings JSON" || bad "apiclient patch"
"${AC[@]}" patch settings '{"format": ' 2>"$T/ac.err"
[ $? -eq 1 ] && grep -q "body is not JSON" "$T/ac.err" && ok "apiclient patch with broken JSON: the server's 400" ||
	bad "apiclient patch broken" "$(cat "$T/ac.err")"
"${AC[@]}" raw -u /report >"$T/body" && body_py 'd[0]["name"]=="cis"' && ok "apiclient raw -u /report" || bad "apiclient raw"
"${AC[@]}" raw -m DELETE -u /settings 2>"$T/ac.err"
[ $? -eq 1 ] && grep -q "Status 405" "$T/ac.err" && ok "apiclient raw -m DELETE: 405, exit 1" || bad "apiclient raw 405"
"${AC[@]}" get /nope 2>"$T/ac.err"
[ $? -eq 1 ] && grep -q "Status 404 Not Found: no such path '/nope'" "$T/ac.err" && ok "apiclient get /nope: 404, exit 1" ||
	bad "apiclient 404" "$(cat "$T/ac.err")"
"${AC[@]}" patch settings "{\"reason\": \"$(head -c 70000 /dev/zero | tr '\0' r)\"}" 2>"$T/ac.err"
[ $? -eq 1 ] && grep -q "Status 413 Content Too Large: request body too large: at most 65536 bytes" "$T/ac.err" &&
	ok "apiclient patch with 70 KB: 413, exit 1" || bad "apiclient 413" "$(head -c 300 "$T/ac.err")"
"${AC[@]}" raw -u "/report?$(head -c 9000 /dev/zero | tr '\0' q)" 2>"$T/ac.err"
[ $? -eq 1 ] && grep -q "Status 414 URI Too Long: request target of 9008 bytes is too long: at most 8192" "$T/ac.err" &&
	ok "apiclient raw with a 9 KB target: 414, exit 1" || bad "apiclient 414" "$(head -c 300 "$T/ac.err")"
"${AC[@]}" raw -u /metrics >"$T/body" && grep -q '^cisreport_check_status{' "$T/body" && ok "apiclient raw -u /metrics" ||
	bad "apiclient metrics"
"${AC[@]}" patch settings '{"format": "text", "level": 1}' >/dev/null

# ---- load, stalled clients, fuzz -----------------------------------------
check "32 concurrent clients x 200 requests, no failure" "${TOOL[@]}" load "$SOCK" --clients 32 --requests 200
check "idle and half-sent connections do not block others; idle ones time out" "${TOOL[@]}" stall "$SOCK" --idle-timeout "$IDLE"
check "10,000 malformed and random requests; the daemon answers correctly after" "${TOOL[@]}" fuzz "$SOCK" --count 10000
req GET /metrics
grep -q '^cisreport_http_requests_in_flight 1$' "$T/body" && ok "after the fuzz nothing is left in flight" ||
	bad "in flight after fuzz" "$(grep in_flight "$T/body")"
kill -0 "$DPID" 2>/dev/null && ok "daemon alive" || bad "daemon died"
grep -Eq "^cisreportd: uid=$(id -u) pid=[0-9]+ GET \"/report/cis\\?level=2&format=json\" 200 [0-9]+ " "$LOG" &&
	ok "requests are logged with the caller's uid and pid" || bad "request log"

# ---- SIGTERM with a request in flight ------------------------------------
check "SIGTERM with a request in flight: it is answered; socket removed at once" "${TOOL[@]}" inflight "$SOCK" "$DPID"
wait "$DPID"
rc=$?
DPID=
[ $rc -eq 0 ] && ok "daemon exited 0 after SIGTERM" || bad "exit after SIGTERM" "$rc"

# ---- --threads 2: two polling threads (the default is one) -----------------
start_daemon --threads 2
grep -q "listening on $SOCK, 2 polling threads" "$LOG" && ok "--threads 2 starts 2 polling threads" || bad "--threads log"
check "--threads 2: 32 clients x 200 requests, no failure" "${TOOL[@]}" load "$SOCK" --clients 32 --requests 200
check "--threads 2: idle and half-sent connections do not block others" "${TOOL[@]}" stall "$SOCK" --idle-timeout "$IDLE"
check "--threads 2: 10,000 malformed requests, then correct answers" "${TOOL[@]}" fuzz "$SOCK" --count 10000 --seed 7 \
	--workers 64
check "--threads 2: SIGTERM with a request in flight" "${TOOL[@]}" inflight "$SOCK" "$DPID"
wait "$DPID"
rc=$?
DPID=
[ $rc -eq 0 ] && ok "--threads 2: exit 0 after SIGTERM" || bad "--threads exit" "$rc"
# ---- --threads 0: a thread per connection ----------------------------------
start_daemon --threads 0
grep -q "listening on $SOCK, a thread per connection" "$LOG" && ok "--threads 0: a thread per connection" || bad "--threads 0 log"
check "--threads 0: 32 clients x 200 requests, no failure" "${TOOL[@]}" load "$SOCK" --clients 32 --requests 200
check "--threads 0: idle and half-sent connections do not block others" "${TOOL[@]}" stall "$SOCK" --idle-timeout "$IDLE"
check "--threads 0: 2,000 malformed requests, then correct answers" "${TOOL[@]}" fuzz "$SOCK" --count 2000 --seed 9 \
	--workers 64
check "--threads 0: SIGTERM with a request in flight" "${TOOL[@]}" inflight "$SOCK" "$DPID"
wait "$DPID"
rc=$?
DPID=
[ $rc -eq 0 ] && ok "--threads 0: exit 0 after SIGTERM" || bad "--threads 0 exit" "$rc"
out=$("$DAEMON" --workers 0 2>&1)
[ $? -eq 1 ] && grep -q "invalid --workers '0', use 1-64" <<<"$out" && ok "--workers 0: refused" || bad "--workers 0" "$out"
out=$("$DAEMON" --threads 65 2>&1)
[ $? -eq 1 ] && grep -q "invalid --threads '65', use 0-64" <<<"$out" && ok "--threads 65: refused" || bad "--threads 65" "$out"

# ---- group, numeric group, socket activation -------------------------------
# chown to another group needs root; otherwise the user's own group.
if [ "$(id -u)" = 0 ]; then
	GROUP=$(getent group nogroup >/dev/null && echo nogroup || echo daemon)
else
	GROUP=$(id -gn)
fi
start_daemon --group "$GROUP"
[ "$(stat -c '%a %G' "$SOCK")" = "660 $GROUP" ] && ok "--group $GROUP: socket 0660 root:$GROUP" ||
	bad "--group" "$(stat -c '%a %U %G' "$SOCK")"
stop_daemon
GID=$(getent group "$GROUP" | cut -d: -f3)
start_daemon --group "$GID"
[ "$(stat -c '%g' "$SOCK")" = "$GID" ] && ok "--group $GID (numeric)" || bad "numeric group"
stop_daemon
out=$("$DAEMON" -s "$SOCK" -d "$STATE" -c "$PROFILES" --group no-such-group-here 2>&1)
[ $? -eq 1 ] && grep -q "no such group" <<<"$out" && ok "unknown group: refused" || bad "unknown group" "$out"
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$SOCK"
start_daemon && ok "a stale socket file is replaced" || bad "stale socket"
stop_daemon

"${TOOL[@]}" activate "$SOCK" "$DAEMON" -d "$STATE" -c "$PROFILES" --root "$FIX/root" -s "$T/ignored.sock" 2>>"$LOG" &
DPID=$!
wait_socket
req GET '/report/cis?format=json'
[ "$CODE" = 200 ] && grep -q "listening on $SOCK (socket from systemd)" "$LOG" && [ ! -e "$T/ignored.sock" ] &&
	ok "systemd socket activation (LISTEN_FDS): served on the passed socket" || bad "socket activation" "$CODE"
stop_daemon
rc=$?
[ $rc -eq 0 ] && [ -S "$SOCK" ] && ok "activated: SIGTERM exit 0 and the socket (systemd's) is left in place" ||
	bad "activated stop" "$rc"
rm -f "$SOCK"

# ---- readiness to systemd, docs --------------------------------------------
"${TOOL[@]}" notify "$T/notify.sock" "$T/notify.txt" 4 &
NPID=$!
for _ in $(seq 100); do [ -S "$T/notify.sock" ] && break; sleep 0.05; done
NOTIFY_SOCKET=$T/notify.sock start_daemon
hup
check "docs/api.md: OpenAPI for every endpoint, \$refs resolve, live answers match its schemas" \
	"${TOOL[@]}" openapi "$SOURCE_DIR/docs/api.md" "$SOCK"
stop_daemon
wait "$NPID"
[ "$(tr '\n' ' ' <"$T/notify.txt")" = "READY=1 RELOADING=1 READY=1 STOPPING=1 " ] &&
	ok "sd_notify: READY=1, RELOADING=1 on SIGHUP, STOPPING=1 on SIGTERM" || bad "sd_notify" "$(cat "$T/notify.txt")"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
