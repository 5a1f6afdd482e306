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

@test "carve(8) lists exactly the fault points the code has (CARVE_FAULT_POINT)" {
	local src="${CARVE_SRCDIR:-$BATS_TEST_DIRNAME/../..}"
	local in_code in_man
	in_code=$(grep -rhoE 'carve_fault_point \("[a-z]+:[a-z-]+"' "$src/runtime" | sed 's/.*"\(.*\)"/\1/' | sort -u)
	in_man=$(sed -n '/^\.B CARVE_FAULT_POINT/,/^\.\(TP\|SH\)/p' "$src/docs/carve.8" | grep -oE '\\fB[a-z]+:[a-z-]+\\fR' |
		sed 's/\\fB\(.*\)\\fR/\1/; s/\\-/-/g' | sort -u)
	echo "code: $in_code"
	echo "man: $in_man"
	[ -n "$in_code" ]
	[ "$in_code" = "$in_man" ]
}
