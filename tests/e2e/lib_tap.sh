# TAP-style helpers for the end-to-end scripts (sourced): ok, bad, check
# and fails count into $passed / $failed; the script ends with
#   echo "$passed passed, $failed failed"
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
bad() {
	failed=$((failed + 1))
	echo "FAIL - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | head -c 3000 | sed 's/^/    /'
	return 0
}
# check DESC COMMAND...: the command must succeed; its output is shown.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
		[ -n "$out" ] && sed 's/^/    # /' <<<"$out"
	else
		bad "$desc" "$out"
	fi
	return 0
}
# fails DESC WANT COMMAND...: the command must fail, and say WANT (when
# not empty): a check that bites.
fails() {
	local desc=$1 want=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		bad "$desc" "accepted: $out"
	elif [ -z "$want" ] || grep -qF -- "$want" <<<"$out"; then
		ok "$desc"
		[ -n "$want" ] && grep -F -- "$want" <<<"$out" | head -1 | cut -c1-200 | sed 's/^/    # /'
	else
		bad "$desc" "failed without saying '$want': $out"
	fi
	return 0
}
# tap_cleanup VAR...: for an EXIT trap (trap 'tap_cleanup DPID' EXIT): kill -9
# the process whose pid each named variable holds, when it is set, then
# remove the scratch directory $T.
tap_cleanup() {
	local v
	for v in "$@"; do
		[ -n "${!v:-}" ] && kill -9 "${!v}" 2>/dev/null
	done
	rm -rf "$T"
}
