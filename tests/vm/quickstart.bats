#!/usr/bin/env bats
# The README's demo (contrib/quickstart.sh) on the VM lane's node: systemd
# as PID 1, pure cgroup v2, started from a systemd service as a node's
# services would start carve.  Issue 10, item 5: the README's commands work
# on such a node.

load ../integration/helpers

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-180}

setup() {
	UNIT="carve-quickstart-$$"
}

teardown() {
	systemctl stop "$UNIT.service" >/dev/null 2>&1 || :
	systemctl reset-failed "$UNIT.service" >/dev/null 2>&1 || :
}

@test "the README's quickstart demo runs from a systemd service" {
	run systemd-run --quiet --wait --pipe --collect --unit="$UNIT" \
		--setenv=CARVE="$CARVE_BINARY" "$CARVE_SRCDIR/contrib/quickstart.sh" </dev/null
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[[ "$output" == *"compute container: pid "* ]]
	# The node has two CPUs: the container owns CPU 1, and runs only there.
	[[ "$output" == *"the container will own CPU 1 exclusively"* ]]
	grep -qE '^Cpus_allowed_list:[[:space:]]+1$' <<<"$output"
	[[ "$output" == *"--- carve node, after delete"* ]]
}
