#!/usr/bin/env bats
# The man pages stay true to the code: what they list is what carve knows.

load helpers

@test "carve-annotations(7) documents exactly the carve.* keys carve knows (carve features)" {
	local man="$CARVE_SRCDIR/docs/carve-annotations.7"
	[ -n "$CARVE_SRCDIR" ] || man="$BATS_TEST_DIRNAME/../../docs/carve-annotations.7"
	run "$CARVE_BINARY" features
	[ "$status" -eq 0 ]
	local known documented
	known=$(jq -r '.potentiallyUnsafeConfigAnnotations[]' <<<"$output" | grep '^carve\.' | sort)
	documented=$(sed -n 's/^\.B \(carve\.[a-z_.]*\)$/\1/p' "$man" | sort)
	echo "known: $known"
	echo "documented: $documented"
	[ -n "$known" ]
	[ "$known" = "$documented" ]
}
