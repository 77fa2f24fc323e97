#!/usr/bin/env bash
# Reading and changing are different rights, with real uids (setpriv): a
# member of the socket's group reads reports and settings but gets a 403 for
# PATCH /settings, and nothing changes; a member of --admin-group (primary or
# supplementary) changes them, and the settings keep who did it (uid, pid,
# when) next to the self-declared approved-by; settings.json is 0640 to the
# admin group; a peer outside the socket's group cannot connect at all.
set -uo pipefail

BUILD_DIR=${BUILD_DIR:?run through ctest, or set BUILD_DIR}
SOURCE_DIR=${SOURCE_DIR:?run through ctest, or set SOURCE_DIR}
FIX=$SOURCE_DIR/tests/fixtures/api
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: not root (the test runs clients under other uids)"
	exit 0
fi

# Numeric ids with no passwd/group entries: nothing on the machine changes.
READERS=64710 ADMINS=64711
READER=64701 ADMIN=64702 ADMIN2=64703 OUTSIDER=64704

T=$(mktemp -d /tmp/cisreport-hostile-api-rights.XXXXXX)
chmod 0755 "$T"
SOCK=$T/run/api.sock
STATE=$T/state
SETTINGS=$STATE/settings.json
LOG=$T/daemon.log
DPID=
# shellcheck source=tests/e2e/lib_tap.sh
. "$(dirname "$0")/lib_tap.sh"
trap 'tap_cleanup DPID' EXIT

# as UID GID GROUPS CMD...: run as that uid, primary gid and supplementary groups.
as() {
	local uid=$1 gid=$2 groups=$3
	shift 3
	if [ -n "$groups" ]; then
		setpriv --reuid "$uid" --regid "$gid" --groups "$groups" -- "$@"
	else
		setpriv --reuid "$uid" --regid "$gid" --clear-groups -- "$@"
	fi
}
# req UID GID GROUPS METHOD URI [curl args]: CODE and $T/body (readable by all).
req() {
	local uid=$1 gid=$2 groups=$3 method=$4 uri=$5
	shift 5
	rm -f "$T/body"
	CODE=$(as "$uid" "$gid" "$groups" curl -s -X "$method" --unix-socket "$SOCK" \
		-w '\n%{http_code}' "$@" "http://localhost$uri" 2>"$T/curl.err")
	CURL_RC=$?
	printf '%s' "$CODE" | sed '$d' >"$T/body"
	CODE=$(printf '%s' "$CODE" | tail -n1)
}
body_py() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
		"$T/body" 2>/dev/null
}

mkdir -p "$T/run"
"$BUILD_DIR/cisreportd" -s "$SOCK" -g "$READERS" -a "$ADMINS" -d "$STATE" -c "$FIX/profiles" \
	--root "$FIX/root" 2>>"$LOG" &
DPID=$!
for _ in $(seq 200); do [ -S "$SOCK" ] && break; sleep 0.05; done
chmod 0755 "$T/run"

FUTURE=2099-01-01T00:00:00Z
WAIVER="{\"waivers\": {\"br01040400\": {\"reason\": \"needed\", \"expires\": \"$FUTURE\", \"approved-by\": \"the CISO\"}}}"

# ---- a reader -------------------------------------------------------------
req $READER $READER $READERS GET '/report/cis?format=json'
[ "$CODE" = 200 ] && body_py 'd["total"] > 0' && ok "reader (socket group): GET /report/cis" || bad "reader report" "$CODE"
req $READER $READER $READERS GET /settings
[ "$CODE" = 200 ] && body_py 'd["observer"] is not None' && ok "reader: GET /settings" || bad "reader settings" "$CODE"
req $READER $READER $READERS GET /metrics
[ "$CODE" = 200 ] && ok "reader: GET /metrics" || bad "reader metrics" "$CODE"
req $READER $READER $READERS PATCH /settings --data-binary "$WAIVER"
[ "$CODE" = 403 ] && body_py "list(d)==['error'] and 'uid $READER may read but not change settings' in d['error'] and \"admin group '$ADMINS'\" in d['error']" &&
	[ ! -e "$SETTINGS" ] && grep -q "denied: uid=$READER pid=[0-9]* may not change settings" "$LOG" &&
	ok "reader: PATCH /settings is a 403 (JSON, logged), nothing written" || bad "reader PATCH" "$CODE $(cat "$T/body")"
req $READER $READER $READERS PATCH /settings --data-binary '{"observer": false}'
[ "$CODE" = 403 ] && ok "reader: cannot switch the observer off" || bad "reader observer" "$CODE"
req 0 0 "" GET /settings
body_py 'd["observer"] is True and d["waivers"]=={} and d["changes"]==[]' && ok "after the 403s the settings are unchanged" ||
	bad "unchanged" "$(cat "$T/body")"

# ---- an admin by supplementary group, one by primary group -----------------
req $ADMIN $ADMIN "$READERS,$ADMINS" PATCH /settings --data-binary "$WAIVER"
[ "$CODE" = 200 ] && body_py "(w:=d['waivers']['br01040400']) and w['approved-by']=='the CISO' and w['submitted-by']['uid']==$ADMIN and w['submitted-by']['pid']>0 and w['submitted-at'].endswith('Z')" &&
	ok "admin (supplementary group): waiver set; submitter uid/pid kept next to approved-by" ||
	bad "admin PATCH" "$CODE $(cat "$T/body")"
req $ADMIN2 $ADMINS $READERS PATCH /settings --data-binary '{"level": 2}'
[ "$CODE" = 200 ] && body_py "[(c['uid'], c['changed']) for c in d['changes']]==[($ADMIN, ['waivers.br01040400']), ($ADMIN2, ['level'])]" &&
	ok "admin (primary group): level set; changes say who changed what" || bad "admin2 PATCH" "$CODE $(cat "$T/body")"
grep -q "settings changed by uid=$ADMIN2 pid=[0-9]*: {\"level\": 2}" "$LOG" && ok "the change is logged with uid and pid" ||
	bad "change log" "$(tail -3 "$LOG")"
[ "$(stat -c '%a %g' "$SETTINGS")" = "640 $ADMINS" ] && ok "settings.json: 0640, the admin group" ||
	bad "settings mode" "$(stat -c '%a %g' "$SETTINGS")"
ls "$STATE" | grep -q 'tmp' && bad "temp files left" "$(ls -la "$STATE")" || ok "no temporary files left"
req $ADMIN $ADMIN "$READERS,$ADMINS" PATCH /settings --data-binary \
	"{\"waivers\": {\"br01040400\": {\"reason\": \"r\", \"expires\": \"$FUTURE\", \"approved-by\": \"a\", \"submitted-by\": {\"uid\": 0, \"pid\": 1}}}}"
[ "$CODE" = 400 ] && body_py "'recorded by the daemon' in d['error']" && ok "a client cannot claim a submitter (400)" ||
	bad "forged submitted-by" "$CODE $(cat "$T/body")"
req $ADMIN $ADMIN "$READERS,$ADMINS" PATCH /settings --data-binary '{"changes": []}'
[ "$CODE" = 400 ] && body_py "'record of who changed what' in d['error']" && ok "a client cannot rewrite the change record (400)" ||
	bad "forged changes" "$CODE $(cat "$T/body")"

# ---- outside the socket's group: no connection at all ----------------------
req $OUTSIDER $OUTSIDER "" GET /report
[ "$CURL_RC" = 7 ] && ok "outsider: the socket refuses the connection (curl exit 7)" || bad "outsider" "rc=$CURL_RC code=$CODE"

# ---- restart: the record survives -----------------------------------------
kill -TERM "$DPID" && wait "$DPID"
DPID=
"$BUILD_DIR/cisreportd" -s "$SOCK" -g "$READERS" -d "$STATE" -c "$FIX/profiles" --root "$FIX/root" 2>>"$LOG" &
DPID=$!
for _ in $(seq 200); do [ -S "$SOCK" ] && curl -sf --unix-socket "$SOCK" http://localhost/report >/dev/null && break; sleep 0.05; done
req 0 0 "" GET /settings
body_py "len(d['changes'])==2 and d['waivers']['br01040400']['submitted-by']['uid']==$ADMIN" &&
	ok "after a restart the settings still say who changed what" || bad "restart" "$(cat "$T/body")"
req $ADMIN $ADMIN "$READERS,$ADMINS" PATCH /settings --data-binary '{"level": 1}'
[ "$CODE" = 403 ] && body_py "'needs root' in d['error']" && ok "without --admin-group only root changes settings" ||
	bad "no admin group" "$CODE $(cat "$T/body")"
kill -TERM "$DPID" && wait "$DPID"
DPID=

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
