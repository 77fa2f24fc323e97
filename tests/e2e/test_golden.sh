#!/usr/bin/env bash
# End to end: the JSON and text reports, byte for byte, against golden files
# for every benchmark and level 0-2 (tests/e2e/golden/<type>-l<N>.{json,txt,v.txt})
# over the fixture trees. The start time and the fixture folder are masked.
# UPDATE_GOLDEN=1 rewrites the golden files from the binary instead (after a
# change meant to change the reports; review the diff).
set -uo pipefail

: "${CISREPORT:?}" "${SOURCE_DIR:?}" "${FIXTURES:?}"
golden=$SOURCE_DIR/tests/e2e/golden
tmp=$(mktemp -d /tmp/cisreport-e2e-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/e2e/lib_tap.sh
. "$SOURCE_DIR/tests/e2e/lib_tap.sh"

# The journal files of the hardened tree as the tests use them (not
# readable by "other"): git does not keep the modes.
cp -a "$FIXTURES" "$tmp/fixtures"
find "$tmp/fixtures/hardened/var/log/journal" -type d -exec chmod 0750 {} +
find "$tmp/fixtures/hardened/var/log/journal" -type f -exec chmod 0640 {} +

mask() {
	sed -E "s#$tmp/fixtures#<FIXTURES>#g; s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/<TIMESTAMP>/g"
}

for type in bottlerocket kubernetes fips fips-agent; do
	case $type in
	kubernetes) root=k8s-hardened ;;
	fips*) root=fips-enabled ;;
	*) root=hardened ;;
	esac
	for level in 0 1 2; do
		for form in json txt v.txt; do
			case $form in
			json) args=(-f json) ;;
			txt) args=(-f text) ;;
			v.txt) args=(-f text -v) ;;
			esac
			name=$type-l$level.$form
			"$CISREPORT" -c "$SOURCE_DIR/profiles" -t "$type" -l "$level" "${args[@]}" \
				--root "$tmp/fixtures/$root" >"$tmp/raw" 2>"$tmp/err"
			rc=$?
			{ mask <"$tmp/raw" "$tmp/err"; echo "# exit $rc"; } >"$tmp/$name"
			if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
				cp "$tmp/$name" "$golden/$name"
				ok "$name: golden file written"
			elif cmp -s "$tmp/$name" "$golden/$name"; then
				ok "$name: equals the golden file ($(wc -c <"$tmp/raw") bytes)"
			else
				bad "$name: differs from $golden/$name: $(diff "$golden/$name" "$tmp/$name" 2>&1 | head -5)"
			fi
		done
	done
done

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
