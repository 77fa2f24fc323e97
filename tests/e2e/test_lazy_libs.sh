#!/usr/bin/env bash
# End to end: the cisreport binary is not linked with the libraries only
# some checks need (libkmod, libsystemd, libdevmapper, libyaml), and loads
# each only when a check actually needs it (docs/performance.md). What was
# loaded is read from glibc's loader trace (LD_DEBUG=files).
set -uo pipefail

: "${CISREPORT:?}" "${SOURCE_DIR:?}" "${FIXTURES:?}"
tmp=$(mktemp -d /tmp/cisreport-e2e-lazy.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
skipped=0

ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
skip() { skipped=$((skipped + 1)); echo "skip $*"; }

lazy='libkmod|libsystemd|libdevmapper|libyaml'

# 1. Not linked: neither NEEDED by the binary nor pulled in by what is.
if ldd "$CISREPORT" >"$tmp/ldd" 2>&1; then
	if grep -E "$lazy" "$tmp/ldd" >"$tmp/ldd.bad"; then
		bad "ldd lists libraries that should be loaded on demand:"
		sed 's/^/       /' "$tmp/ldd.bad"
	else
		ok "ldd $CISREPORT lists none of libkmod, libsystemd, libdevmapper, libyaml"
	fi
else
	bad "ldd $CISREPORT failed: $(cat "$tmp/ldd")"
fi

# loaded NAME ARGS...: run cisreport with the loader trace; the on-demand
# libraries it loaded go to $tmp/NAME.loaded (one name per line).
loaded() {
	local name=$1
	shift
	LD_DEBUG=files "$CISREPORT" "$@" >"$tmp/$name.out" 2>"$tmp/$name.trace"
	echo "$?" >"$tmp/$name.rc"
	grep -oE "file=[^ ]+ .*dynamically loaded" "$tmp/$name.trace" |
		sed -E 's/^file=(lib[a-z]+).*/\1/' | grep -E "^($lazy)\$" | sort -u >"$tmp/$name.loaded"
}

# expect_loaded NAME WHAT LIB...: exactly these on-demand libraries loaded
# (names without version: libkmod, libsystemd, libdevmapper, libyaml).
expect_loaded() {
	local name=$1 what=$2
	shift 2
	local want got
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort -u)
	got=$(cat "$tmp/$name.loaded")
	if ! grep -q "file=" "$tmp/$name.trace"; then
		skip "$what: no LD_DEBUG trace (not glibc's loader?)"
	elif [ "$got" = "$want" ]; then
		ok "$what: loads [$(echo $want)] on demand"
	else
		bad "$what: loaded [$(echo $got)], want [$(echo $want)]"
	fi
}

loaded version --version
expect_loaded version "--version"

# The Level 2 Bottlerocket report over the hardened tree: module_disabled
# reads its modprobe configuration (the tree has /proc/modules); chrony
# reads the tree's process table; dm_verity the captured table; no YAML.
loaded hardened -c "$SOURCE_DIR/profiles" -t bottlerocket -l 2 -f json --root "$FIXTURES/hardened"
expect_loaded hardened "bottlerocket level 2 over the hardened tree" libkmod

# The same tree without /proc/modules: no loadable module support, nothing
# for libkmod to do.
cp -R "$FIXTURES/hardened" "$tmp/no-modules"
rm -f "$tmp/no-modules/proc/modules"
loaded no-modules -c "$SOURCE_DIR/profiles" -t bottlerocket -l 2 -f json --root "$tmp/no-modules"
expect_loaded no-modules "bottlerocket level 2 over a tree without /proc/modules"

# The Kubernetes report parses the kubelet's YAML configuration.
loaded k8s -c "$SOURCE_DIR/profiles" -t kubernetes -l 2 -f json --root "$FIXTURES/k8s-hardened"
expect_loaded k8s "kubernetes report over the k8s-hardened tree" libyaml
if grep -q "not available" "$tmp/k8s.out"; then
	bad "kubernetes report: a check says a library is not available"
else
	ok "kubernetes report: every kubelet_config check could load libyaml"
fi

# This host: a library only where the kernel or the system can need it
# (whether a check then does depends on this host's state, so only "no
# library without a reason" is asserted here).
allowed=()
[ -e /proc/modules ] && allowed+=(libkmod)
grep -q ' device-mapper$' /proc/devices 2>/dev/null && allowed+=(libdevmapper)
{ [ -e /run/dbus/system_bus_socket ] || [ -n "${DBUS_SYSTEM_BUS_ADDRESS:-}" ]; } && allowed+=(libsystemd)
loaded live -c "$SOURCE_DIR/profiles" -t bottlerocket -l 2 -f json
unexpected=$(grep -vxF -f <(printf '%s\n' "${allowed[@]}" | sed '/^$/d'; echo '-') "$tmp/live.loaded")
if ! grep -q "file=" "$tmp/live.trace"; then
	skip "live host: no LD_DEBUG trace (not glibc's loader?)"
elif [ -n "$unexpected" ]; then
	bad "bottlerocket level 2 on this host loaded [$(echo $unexpected)] without need (allowed here: [${allowed[*]}])"
else
	ok "bottlerocket level 2 on this host loads [$(echo $(cat "$tmp/live.loaded"))] (allowed here: [${allowed[*]}])"
fi

echo "# $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
