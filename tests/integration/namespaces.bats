#!/usr/bin/env bats
# Namespaces in oci isolation mode.

load helpers

@test "oci mode: a time namespace gets linux.timeOffsets" {
	[ -e /proc/self/ns/time ] || skip "the kernel has no time namespaces"
	update_config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"boottime": {"secs": 100000}}
		| .process.args = ["cat", "/proc/uptime"]'
	host=$(cut -d. -f1 /proc/uptime)
	run -0 carve --isolation oci run --bundle "$BUNDLE" "$ID"
	inside=${output%%.*}
	[ "$inside" -ge $((host + 100000)) ]
	[ "$inside" -lt $((host + 100000 + 60)) ]
	assert_no_leftovers "$ID"
}

@test "oci mode: a time namespace without timeOffsets runs with the host's clocks" {
	[ -e /proc/self/ns/time ] || skip "the kernel has no time namespaces"
	update_config '.linux.namespaces += [{"type": "time"}] | .process.args = ["cat", "/proc/uptime"]'
	host=$(cut -d. -f1 /proc/uptime)
	run -0 carve --isolation oci run --bundle "$BUNDLE" "$ID"
	inside=${output%%.*}
	[ "$inside" -ge "$host" ]
	[ "$inside" -lt $((host + 60)) ]
}

@test "permeable mode: the time namespace of config.json is not created" {
	update_config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"boottime": {"secs": 100000}}
		| .process.args = ["readlink", "/proc/self/ns/time"]'
	run -0 carve run --bundle "$BUNDLE" "$ID"
	[ "$output" = "$(readlink /proc/self/ns/time)" ]
}
