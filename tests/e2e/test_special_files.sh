#!/usr/bin/env bash
# Special files where regular files are expected never hang the CLI or the
# daemon (issue 16, item 4). A FIFO, a link to /dev/zero or a directory
# stands where a profile, the settings, a key, an evidence file, a modprobe.d
# file or a selinuxfs file is read: each is an error or a SKIP naming the
# path ("not a regular file", "is a directory"), and every step runs under
# `timeout`, so a regression fails here instead of hanging the suite. The
# daemon meets them at start and at SIGHUP, and SIGTERM still stops it.
set -uo pipefail

BUILD_DIR=${BUILD_DIR:?run through ctest, or set BUILD_DIR}
SOURCE_DIR=${SOURCE_DIR:?run through ctest, or set SOURCE_DIR}
CLI=$BUILD_DIR/cisreport
DAEMON=$BUILD_DIR/cisreportd
FIX=$SOURCE_DIR/tests/fixtures

T=$(mktemp -d /tmp/cisreport-special-files.XXXXXX)
DPID=
# shellcheck source=tests/e2e/lib_tap.sh
. "$(dirname "$0")/lib_tap.sh"
trap 'tap_cleanup DPID' EXIT

# run NAME CMD...: CMD under a 30 s timeout; RC, $T/NAME.out, $T/NAME.err.
run() {
	local name=$1
	shift
	timeout -k 2 30 "$@" >"$T/$name.out" 2>"$T/$name.err"
	RC=$?
}
# expect_err NAME WHAT TEXT: the run exited (not timed out), non-zero, and
# its stderr holds TEXT.
expect_err() {
	local name=$1 what=$2 text=$3
	if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
		bad "$what: timed out (hung)"
	elif [ "$RC" -ne 0 ] && grep -qF -- "$text" "$T/$name.err"; then
		ok "$what: exit $RC, \"$text\""
	else
		bad "$what" "rc=$RC: $(cat "$T/$name.err" "$T/$name.out" | head -c 800)"
	fi
}

# --- the CLI: profiles -------------------------------------------------------
P=$T/profiles
cp -r "$SOURCE_DIR/profiles" "$P"
rm "$P/level1/bottlerocket.json"
mkfifo "$P/level1/bottlerocket.json"
run fifo_profile "$CLI" -c "$P" -t bottlerocket
expect_err fifo_profile "FIFO as a profile" "$P/level1/bottlerocket.json: cannot read: not a regular file"

rm "$P/level1/bottlerocket.json"
ln -s /dev/zero "$P/level1/bottlerocket.json"
run zero_profile "$CLI" -c "$P" -t bottlerocket
expect_err zero_profile "link to /dev/zero as a profile" "$P/level1/bottlerocket.json: cannot read: not a regular file"

rm "$P/level1/bottlerocket.json"
mkdir "$P/level1/bottlerocket.json"
run dir_profile "$CLI" -c "$P" -t bottlerocket
expect_err dir_profile "directory as a profile" "$P/level1/bottlerocket.json: cannot read: is a directory"
rmdir "$P/level1/bottlerocket.json"
cp "$SOURCE_DIR/profiles/level1/bottlerocket.json" "$P/level1/"

# The PCI DSS map of `evidence`.
mkfifo "$T/map.fifo"
run fifo_map "$CLI" evidence -o "$T/b0" -c "$P" --root "$FIX/hardened" --pci-map "$T/map.fifo"
expect_err fifo_map "FIFO as --pci-map" "$T/map.fifo: cannot read: not a regular file"

# --- the CLI: settings and keys ----------------------------------------------
mkfifo "$T/settings.fifo"
run fifo_settings "$CLI" -c "$P" --root "$FIX/hardened" --settings "$T/settings.fifo"
expect_err fifo_settings "FIFO as --settings" "$T/settings.fifo: not a regular file"
run zero_settings "$CLI" -c "$P" --root "$FIX/hardened" --settings /dev/zero
expect_err zero_settings "/dev/zero as --settings" "/dev/zero: not a regular file"
run dir_settings "$CLI" -c "$P" --root "$FIX/hardened" --settings "$T"
expect_err dir_settings "directory as --settings" "$T: is a directory"
run fifo_ev_settings "$CLI" evidence -o "$T/b1" -c "$P" --root "$FIX/hardened" --settings "$T/settings.fifo"
expect_err fifo_ev_settings "FIFO as evidence --settings" "$T/settings.fifo: not a regular file"
mkfifo "$T/key.fifo"
run fifo_key "$CLI" evidence -o "$T/b2" -c "$P" --root "$FIX/hardened" --sign-key "$T/key.fifo"
expect_err fifo_key "FIFO as --sign-key" "$T/key.fifo: cannot read key: not a regular file"
run zero_key "$CLI" evidence -o "$T/b3" -c "$P" --root "$FIX/hardened" --sign-key /dev/zero
expect_err zero_key "/dev/zero as --sign-key" "/dev/zero: cannot read key: not a regular file"
[ ! -e "$T/b2" ] && [ ! -e "$T/b3" ] && ok "no bundle left behind by a bad key" || bad "bundle left" "$(ls "$T")"

# --- the CLI: evidence files --------------------------------------------------
run bundle "$CLI" evidence -o "$T/bundle" -c "$P" --root "$FIX/hardened"
if [ "$RC" -ne 0 ]; then
	bad "evidence bundle for the verify cases" "$(cat "$T/bundle.err")"
else
	f=$(cd "$T/bundle" && ls report.json 2>/dev/null || ls | grep -v manifest | head -1)
	rm "$T/bundle/$f"
	mkfifo "$T/bundle/$f"
	run verify_fifo "$CLI" verify "$T/bundle"
	expect_err verify_fifo "FIFO in a bundle" "file $f: a special file, not a regular file"
	rm "$T/bundle/$f"
	ln -s /dev/zero "$T/bundle/$f"
	run verify_zero "$CLI" verify "$T/bundle"
	[ "$RC" -ne 0 ] && [ "$RC" -ne 124 ] && ok "link to /dev/zero in a bundle: refused (rc $RC)" ||
		bad "link in a bundle" "rc=$RC $(cat "$T/verify_zero.err" "$T/verify_zero.out" | head -c 600)"
	rm "$T/bundle/manifest.sha256" 2>/dev/null && mkfifo "$T/bundle/manifest.sha256" &&
		run verify_manifest "$CLI" verify "$T/bundle" &&
		expect_err verify_manifest "FIFO as the manifest" "not a regular file"
fi

# --- the CLI: host trees ------------------------------------------------------
R=$T/root
cp -r "$FIX/hardened" "$R"
mkfifo "$R/etc/modprobe.d/x.conf"
run modprobe_fifo "$CLI" -c "$P" -l 2 --root "$R" -f json
if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
	bad "FIFO in etc/modprobe.d: timed out (hung)"
else
	grep -qF 'cannot read /etc/modprobe.d/x.conf: not a regular file' "$T/modprobe_fifo.out" &&
		ok "FIFO in etc/modprobe.d: the module checks SKIP, naming it" ||
		bad "FIFO in modprobe.d" "rc=$RC $(grep -o '"reason":"[^"]*modprobe[^"]*"' "$T/modprobe_fifo.out" | head -3)"
fi
rm "$R/etc/modprobe.d/x.conf"
ln -s /dev/zero "$R/etc/modprobe.d/x.conf"
# libkmod would read /dev/zero without bound: cap the address space so a
# regression fails fast instead of eating the machine's memory (not under
# ASan, which reserves terabytes of shadow).
limit="ulimit -v 1000000;"
grep -q libasan <<<"$(ldd "$CLI")" && limit=  # not a pipe: grep -q would SIGPIPE ldd under pipefail
run modprobe_zero bash -c "$limit"' exec "$@"' _ "$CLI" -c "$P" -l 2 --root "$R" -f json
if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
	bad "link to /dev/zero in etc/modprobe.d: timed out"
else
	grep -qF 'cannot read /etc/modprobe.d/x.conf: not a regular file' "$T/modprobe_zero.out" &&
		ok "link to /dev/zero in etc/modprobe.d: SKIP naming it, libkmod never reads it" ||
		bad "/dev/zero in modprobe.d" "rc=$RC $(head -c 600 "$T/modprobe_zero.err")"
fi
rm "$R/etc/modprobe.d/x.conf"

rm "$R/sys/fs/selinux/enforce"
mkfifo "$R/sys/fs/selinux/enforce"
run selinux_fifo "$CLI" -c "$P" -l 2 --root "$R" -f json
if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
	bad "FIFO at sys/fs/selinux/enforce: timed out (hung)"
else
	grep -qF 'cannot read /sys/fs/selinux/enforce: not a regular file' "$T/selinux_fifo.out" &&
		ok "FIFO at sys/fs/selinux/enforce: the SELinux check says so" ||
		bad "selinux FIFO" "rc=$RC $(grep -o '"reason":"[^"]*selinux[^"]*"' "$T/selinux_fifo.out" | head -3)"
fi
rm "$R/sys/fs/selinux/enforce"
# Links in a tree resolve inside it: /dev/zero is the tree's own, a device
# node made there (root only).
ln -s /dev/zero "$R/sys/fs/selinux/enforce"
if mkdir -p "$R/dev" && mknod "$R/dev/zero" c 1 5 2>/dev/null; then
	run selinux_zero "$CLI" -c "$P" -l 2 --root "$R" -f json
	[ "$RC" -ne 124 ] && grep -qF 'cannot read /sys/fs/selinux/enforce: not a regular file' "$T/selinux_zero.out" &&
		ok "link to the tree's /dev/zero at sys/fs/selinux/enforce: named" || bad "selinux /dev/zero" "rc=$RC"
	rm "$R/dev/zero"
else
	echo "# skipped: a device node in the tree (not root)"
fi
rm "$R/sys/fs/selinux/enforce"
cp "$FIX/hardened/sys/fs/selinux/enforce" "$R/sys/fs/selinux/enforce"
rm "$R/proc/cmdline"
mkfifo "$R/proc/cmdline"
run cmdline_fifo "$CLI" -c "$P" -l 2 --root "$R" -f json
[ "$RC" -ne 124 ] && grep -qF 'cannot read /proc/cmdline: not a regular file' "$T/cmdline_fifo.out" &&
	ok "FIFO at proc/cmdline: named" || bad "cmdline FIFO" "rc=$RC"

# --- the daemon ----------------------------------------------------------------
S=$T/state
SOCK=$T/api.sock
LOG=$T/daemon.log
mkdir -p "$S"
mkfifo "$S/settings.json"
run d_fifo "$DAEMON" -s "$SOCK" -d "$S" -c "$P" --root "$FIX/hardened"
expect_err d_fifo "cisreportd with a FIFO as settings.json" "$S/settings.json: not a regular file"
rm "$S/settings.json"
ln -s /dev/zero "$S/settings.json"
run d_link "$DAEMON" -s "$SOCK" -d "$S" -c "$P" --root "$FIX/hardened"
expect_err d_link "cisreportd with settings.json a link to /dev/zero" "$S/settings.json: is a symbolic link"
rm "$S/settings.json"
mkfifo "$P/level2/bottlerocket.json.tmp"
mv "$P/level2/bottlerocket.json" "$T/l2.json"
mv "$P/level2/bottlerocket.json.tmp" "$P/level2/bottlerocket.json"
run d_profile "$DAEMON" -s "$SOCK" -d "$S" -c "$P" --root "$FIX/hardened"
expect_err d_profile "cisreportd with a FIFO as a profile" "not a regular file"
rm "$P/level2/bottlerocket.json"
cp "$T/l2.json" "$P/level2/bottlerocket.json"

"$DAEMON" -s "$SOCK" -d "$S" -c "$P" --root "$FIX/hardened" 2>"$LOG" &
DPID=$!
for _ in $(seq 200); do [ -S "$SOCK" ] && curl -sf --unix-socket "$SOCK" http://localhost/report >/dev/null && break; sleep 0.05; done
code() { timeout 10 curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" "http://localhost$1"; }
[ "$(code /report/cis)" = 200 ] && ok "cisreportd serves" || bad "daemon up" "$(cat "$LOG")"

# SIGHUP with a FIFO as a profile and as the settings: the reload says so and
# keeps what it had; the daemon keeps serving.
rm "$P/level1/bottlerocket.json"
mkfifo "$P/level1/bottlerocket.json"
mkfifo "$S/settings.json"
kill -HUP "$DPID"
for _ in $(seq 300); do grep -q 'reload: settings not reloaded' "$LOG" && break; sleep 0.05; done
grep -qF "reload: profiles not reloaded, keeping the loaded ones: $P/level1/bottlerocket.json: cannot read: not a regular file" "$LOG" &&
	ok "SIGHUP with a FIFO profile: not reloaded, says why" || bad "reload profile FIFO" "$(tail -5 "$LOG")"
grep -qF "reload: settings not reloaded, keeping the current ones: $S/settings.json: not a regular file" "$LOG" &&
	ok "SIGHUP with a FIFO settings.json: not reloaded, says why" || bad "reload settings FIFO" "$(tail -5 "$LOG")"
[ "$(code /report/cis)" = 200 ] && ok "still serving after the failed reload" || bad "serving after reload"
# SIGHUP once more and SIGTERM right behind it: stopped in time.
kill -HUP "$DPID"
kill -TERM "$DPID"
t0=$(date +%s%N)
for _ in $(seq 200); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.05; done
t1=$(date +%s%N)
if kill -0 "$DPID" 2>/dev/null; then
	bad "SIGTERM right after SIGHUP: still running after 10 s" "$(tail -5 "$LOG")"
else
	wait "$DPID"
	rc=$?
	DPID=
	[ "$rc" -eq 0 ] && ok "SIGTERM right after SIGHUP: stopped, exit 0, in $(((t1 - t0) / 1000000)) ms" ||
		bad "exit status after SIGTERM" "$rc"
fi
[ ! -e "$SOCK" ] && ok "socket removed" || bad "socket left"

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
