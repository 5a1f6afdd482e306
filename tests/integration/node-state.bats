#!/usr/bin/env bats
# tests/node-state, which make check uses to show the whole run left the
# node as it found it, sees what a leaking test would leave.

load helpers

setup() {
	setup_common
	SNAP=$(mktemp)
	LEAK=/sys/fs/cgroup/cpuset/carve-node-state-$$
	[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] || LEAK=/sys/fs/cgroup/carve-node-state-$$
}

teardown() {
	[ ! -d "$LEAK" ] || rmdir "$LEAK"
	rm -f "$SNAP"
	teardown_common
}

@test "node-state: an unchanged node compares equal, a cgroup left behind is named" {
	local tool="$BATS_TEST_DIRNAME/../node-state"
	"$tool" snapshot "$SNAP"
	grep -q '^== irqs$' "$SNAP"
	grep -q '^== hugepages$' "$SNAP"
	mkdir "$LEAK"
	run "$tool" compare "$SNAP"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"+dir $LEAK"* ]]
	[[ "$output" == *"the tests left the node changed"* ]]
	rmdir "$LEAK"
	run "$tool" compare "$SNAP"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$tool" compare /nonexistent/snapshot
	[ "$status" -eq 1 ]
	[[ "$output" == *"no snapshot /nonexistent/snapshot"* ]]
}
