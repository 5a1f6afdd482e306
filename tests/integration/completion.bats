#!/usr/bin/env bats
# contrib/completion/carve.bash: commands, flags, container ids and the
# carve.* annotation keys, all asked of the carve binary.

load helpers

# complete WORD...: the completions bash offers for the last word of
# `carve WORD...` (an empty last word completes a new one).
complete_carve() {
	local src="${CARVE_SRCDIR:-$BATS_TEST_DIRNAME/../..}"
	CARVE="$CARVE_BINARY" bash -c '
		source "$0"
		COMP_WORDS=("$CARVE" "$@")
		COMP_CWORD=$#
		_carve
		printf "%s\n" "${COMPREPLY[@]}"' "$src/contrib/completion/carve.bash" "$@"
}

@test "completion: the commands, a command's flags, and option values" {
	run -0 complete_carve ""
	echo "$output"
	[[ "$output" == *$'\n'exec$'\n'* ]]
	[[ "$output" == *node* ]]
	[[ "$output" == *help* ]]
	[ "$(wc -l <<<"$output")" -eq "$(("$("$CARVE_BINARY" --help | sed -n '/^commands:/,/^$/p' | grep -c '^  [a-z]')"))" ]
	run -0 complete_carve exec --no-
	[ "$output" = "--no-new-privs" ]
	run -0 complete_carve update --cpu-rt
	[ "$(echo $output)" = "--cpu-rt-period --cpu-rt-runtime" ]
	run -0 complete_carve --isolation ""
	[ "$(echo $output)" = "permeable oci" ]
	run -0 complete_carve node --format ""
	[ "$(echo $output)" = "text json" ]
	run -0 complete_carve help st
	[ "$(echo $output)" = "start state" ]
}

@test "completion: the carve.* annotation keys are those carve features lists" {
	run -0 complete_carve spec carve.cpus
	echo "$output"
	local want
	want=$("$CARVE_BINARY" features | jq -r '.potentiallyUnsafeConfigAnnotations[]' | grep '^carve\.cpus' | sort)
	[ -n "$want" ]
	[ "$(sort <<<"$output")" = "$want" ]
}

@test "completion: container ids of the --root on the line" {
	carve_create --bundle "$BUNDLE" "$ID"
	run -0 complete_carve --root "$TEST_ROOT" kill ""
	[ "$output" = "$ID" ]
	# Only the first operand is an id.
	run -0 complete_carve --root "$TEST_ROOT" kill "$ID" ""
	[ -z "$output" ]
	carve delete -f "$ID"
}
