#!/usr/bin/env bats
# carve.syscalls.deny: the named system calls fail with ENOSYS inside the
# container, with or without linux.seccomp; a bad list fails create naming
# the key.  carve.syscalls.forward, which needs carve-serviceos, is in
# serviceos.bats.

load helpers

setup() {
	setup_common
}

teardown() {
	teardown_common
}

@test "carve.syscalls.deny makes the named calls fail with ENOSYS, without linux.seccomp" {
	update_config 'del(.linux.seccomp) | .annotations = {"carve.syscalls.deny": "mkdir, mkdirat"}'
	update_config '.process.args = ["sh", "-c", "mkdir /tmp/x; echo rc=$?; ls -d /tmp"]'
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Function not implemented"* ]]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *"/tmp"* ]]
	assert_no_leftovers "$ID"
}

@test "carve.syscalls.deny applies to exec'd processes too" {
	update_config 'del(.linux.seccomp) | .annotations = {"carve.syscalls.deny": "mkdir,mkdirat"}'
	update_config '.process.args = ["sleep", "1000"]'
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	run carve exec "$ID" sh -c 'mkdir /tmp/e; echo rc=$?'
	echo "$output"
	[[ "$output" == *"Function not implemented"* ]]
	[[ "$output" == *"rc=1"* ]]
	carve delete -f "$ID"
}

@test "carve.syscalls.deny adds to the spec's own seccomp profile" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95}]}'
	update_config '.annotations = {"carve.syscalls.deny": "mkdirat,mkdir"}'
	update_config '.process.args = ["sh", "-c", "mkdir /tmp/y; rmdir /tmp; echo done"]'
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"can't create directory '/tmp/y': Function not implemented"* ]]
	# the profile's own rule still applies (EOPNOTSUPP)
	[[ "$output" == *"Operation not supported"* ]]
	[[ "$output" == *"done"* ]]
}

@test "a bad carve.syscalls.* value fails create naming the key, leaving nothing" {
	update_config '.annotations = {"carve.syscalls.deny": "mkdir,nosuchcall"}'
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"annotations.carve.syscalls.deny: unknown system call \`nosuchcall\`"* ]]
	assert_no_leftovers "$ID"

	update_config '.annotations = {"carve.syscalls.deny": "mkdir,,rmdir"}'
	run carve run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"annotations.carve.syscalls.deny: \`mkdir,,rmdir\`: empty system call name"* ]]
	assert_no_leftovers "$ID"

	update_config '.annotations = {"carve.syscalls.forward": "openat,nosuchcall"}'
	run carve run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"annotations.carve.syscalls.forward: unknown system call \`nosuchcall\`"* ]]
	assert_no_leftovers "$ID"
}
