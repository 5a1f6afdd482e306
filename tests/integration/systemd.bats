#!/usr/bin/env bats
# The systemd cgroup driver (--systemd-cgroup) and cgroup v2 placement on a
# node whose PID 1 is systemd: the container's cgroup is a transient scope
# systemd knows, with Delegate=yes and the resources as its properties.
# These run in the cgroup v2 + systemd VM lane (tests/vm/); elsewhere they
# skip with the reason.

load helpers

setup() {
	setup_common
	[ -d /run/systemd/system ] || skip "systemd is not PID 1 on this node (the VM lane runs these)"
	command -v systemctl >/dev/null || skip "systemctl is missing"
	UNIT="carve-$ID.scope"
}

teardown() {
	teardown_common
	# Nothing of ours may stay known to systemd.
	systemctl stop "$UNIT" "runc-$ID.scope" >/dev/null 2>&1 || true
	systemctl reset-failed "$UNIT" "runc-$ID.scope" >/dev/null 2>&1 || true
}

prop() {
	systemctl show -p "$2" --value "$1"
}

# carve --systemd-cgroup create ARGS..., stdio kept away from bats.
sd_create() {
	"$CARVE_BINARY" --root "$TEST_ROOT" --systemd-cgroup create "$@" </dev/null >"$BATS_TEST_TMPDIR/sd.out" 2>&1 || {
		cat "$BATS_TEST_TMPDIR/sd.out" >&2
		return 1
	}
}

@test "systemd: --systemd-cgroup runs the container in a transient scope systemd knows" {
	update_config ".linux.cgroupsPath = \"system.slice:carve:$ID\" | .process.args = [\"sh\", \"-c\", \"cat /proc/self/cgroup; sleep 1000\"]"
	sd_create --bundle "$BUNDLE" "$ID"
	[ "$(systemctl is-active "$UNIT")" = active ]
	[ "$(prop "$UNIT" Delegate)" = yes ]
	[ "$(prop "$UNIT" Slice)" = system.slice ]
	pid=$(carve state "$ID" | jq -r .pid)
	grep -qx "$pid" "/sys/fs/cgroup/system.slice/$UNIT/cgroup.procs"
	[ "$(prop "$UNIT" ControlGroup)" = "/system.slice/$UNIT" ]
	carve delete -f "$ID"
	run systemctl is-active "$UNIT"
	[ "$output" != active ]
	[ ! -d "/sys/fs/cgroup/system.slice/$UNIT" ]
}

@test "systemd: resources become the unit's properties, and update changes them" {
	update_config ".linux.cgroupsPath = \"system.slice:carve:$ID\"
		| .linux.resources = {\"memory\": {\"limit\": 268435456}, \"cpu\": {\"shares\": 512, \"quota\": 50000,
			\"period\": 100000, \"cpus\": \"0\"}, \"pids\": {\"limit\": 100}}"
	sd_create --bundle "$BUNDLE" "$ID"
	[ "$(prop "$UNIT" MemoryMax)" = 268435456 ]
	[ "$(prop "$UNIT" TasksMax)" = 100 ]
	[ "$(prop "$UNIT" CPUQuotaPerSecUSec)" = 500ms ]
	[ "$(prop "$UNIT" AllowedCPUs)" = 0 ]
	[ "$(cat "/sys/fs/cgroup/system.slice/$UNIT/memory.max")" = 268435456 ]
	[ "$(cat "/sys/fs/cgroup/system.slice/$UNIT/pids.max")" = 100 ]
	carve --systemd-cgroup update --memory 128M --pids-limit 50 "$ID"
	[ "$(prop "$UNIT" MemoryMax)" = 134217728 ]
	[ "$(prop "$UNIT" TasksMax)" = 50 ]
	[ "$(cat "/sys/fs/cgroup/system.slice/$UNIT/memory.max")" = 134217728 ]
	# A daemon-reload rewrites cgroups from the properties: the limits stay.
	systemctl daemon-reload
	[ "$(cat "/sys/fs/cgroup/system.slice/$UNIT/memory.max")" = 134217728 ]
	carve delete -f "$ID"
}

@test "systemd: the same config through runc and carve gives the same unit properties" {
	require_runc
	update_config ".linux.resources = {\"memory\": {\"limit\": 268435456}, \"pids\": {\"limit\": 100}}"
	jq ".linux.cgroupsPath = \"system.slice:runc:$ID\"" "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/runc.json"
	update_config ".linux.cgroupsPath = \"system.slice:carve:$ID\""
	sd_create --bundle "$BUNDLE" "$ID"
	cp "$BATS_TEST_TMPDIR/runc.json" "$BUNDLE/config.json"
	runc --root "$RUNC_ROOT" --systemd-cgroup create --bundle "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/runc.out" 2>&1
	local p
	for p in Delegate MemoryMax TasksMax Slice; do
		echo "$p: carve $(prop "$UNIT" $p) runc $(prop "runc-$ID.scope" $p)"
		[ "$(prop "$UNIT" $p)" = "$(prop "runc-$ID.scope" $p)" ]
	done
	carve delete -f "$ID"
	runc --root "$RUNC_ROOT" delete -f "$ID"
}

@test "systemd: an existing unit, a bad slice: one clear line, no unit and nothing else left" {
	update_config ".linux.cgroupsPath = \"system.slice:carve:$ID\""
	sd_create --bundle "$BUNDLE" "$ID"
	run "$CARVE_BINARY" --root "$TEST_ROOT" --systemd-cgroup create --bundle "$BUNDLE" "$ID-2" </dev/null
	# Same cgroupsPath, so the same unit name.
	[ "$status" -eq 1 ]
	[[ "$output" == *"--systemd-cgroup: unit \`$UNIT\` exists already"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	[ ! -e "$TEST_ROOT/$ID-2" ]
	carve delete -f "$ID"

	update_config ".linux.cgroupsPath = \"nosuch:carve:$ID\""
	run "$CARVE_BINARY" --root "$TEST_ROOT" --systemd-cgroup create --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.cgroupsPath: \`nosuch\` is not a slice name"* ]]
	assert_no_leftovers "$ID"
	run systemctl is-active "$UNIT"
	[ "$output" != active ]
}

@test "cgroup v2: a relative cgroupsPath is placed below the parent of carve's own cgroup, as runc's fs2" {
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || skip "not a cgroup v2 node"
	own=$(sed -n 's/^0:://p' /proc/self/cgroup)
	parent=$(dirname "$own")
	update_config ".linux.cgroupsPath = \"$ID\" | .linux.resources = {\"memory\": {\"limit\": 67108864}}"
	carve_create --bundle "$BUNDLE" "$ID"
	pid=$(carve state "$ID" | jq -r .pid)
	cg="/sys/fs/cgroup${parent%/}/$ID"
	grep -qx "$pid" "$cg/cgroup.procs"
	[ "$(cat "$cg/memory.max")" = 67108864 ]
	carve delete -f "$ID"
	[ ! -d "$cg" ]
}
