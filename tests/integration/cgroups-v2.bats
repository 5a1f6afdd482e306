#!/usr/bin/env bats
# Cgroup v2, on a node whose /sys/fs/cgroup is the cgroup2 tree alone (the
# VM lane's, tests/vm): every linux.resources field as the kernel shows it,
# side by side with what Debian's runc writes for the same config.json; the
# eBPF device filter as the container feels it; update, pause and resume
# through cgroup.freeze, kill --all, and delete leaving nothing.  Elsewhere
# the whole suite skips with the reason.

load helpers
load cgroups

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
	pure_v2 || skip "not pure cgroup v2 (cgroups.bats checks this node's layout)"
	require_runc
	setup_common
}

teardown() {
	teardown_common
	local left
	left=$(find /sys/fs/cgroup -type d -name "$ID*" 2>/dev/null)
	if [ -n "$left" ]; then
		find /sys/fs/cgroup -depth -type d -name "$ID*" -exec rmdir {} \; 2>/dev/null
		echo "cgroups left behind: $left" >&2
		return 1
	fi
}

# Runs ARGS in the carve container ($ID) and in runc's ($ID-runc); both must
# give the same exit status and output, which is left in $output.
both_exec() {
	local a b sa=0 sb=0
	a=$("$CARVE_BINARY" --root "$TEST_ROOT" exec "$ID" "$@" 2>&1) || sa=$?
	b=$(runc_ exec "$ID-runc" "$@" 2>&1) || sb=$?
	echo "exec $*: carve $sa [$a] runc $sb [$b]"
	[ "$sa" = "$sb" ] && [ "$a" = "$b" ]
	status=$sa
	output=$a
}

@test "cpu: shares, quota, period, burst, idle, cpus and mems as runc writes them on v2" {
	update_config '.linux.resources.cpu = {"shares": 512, "quota": 20000, "period": 100000, "cpus": "0", "mems": "0"}'
	run_both
	# runc's conversion: weight = 1 + (shares - 2) * 9999 / 262142.
	same_as_runc cpu cpu.weight 20
	same_as_runc cpu cpu.max "20000 100000"
	same_as_runc cpuset cpuset.cpus 0
	same_as_runc cpuset cpuset.mems 0
	carve delete -f "$ID"
	runc_ delete -f "$ID-runc"
	[ -e "$(cgroup_mount "")/init.scope/cpu.max.burst" ] || [ -e "$(cgroup_mount "")/system.slice/cpu.max.burst" ] ||
		skip "the kernel has no cpu.max.burst"
	update_config '.linux.resources.cpu = {"quota": 50000, "period": 100000, "burst": 20000, "idle": 1}'
	start_carve
	[ "$(cg_read "$CPID" cpu cpu.max.burst)" = 20000 ]
	[ "$(cg_read "$CPID" cpu cpu.idle)" = 1 ]
}

@test "cpu: realtime runtime and period fail create on v2 naming the fields, and leave nothing" {
	update_config '.linux.resources.cpu = {"realtimeRuntime": 10000, "realtimePeriod": 1000000}'
	run carve create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cpu.realtimeRuntime, cpu.realtimePeriod: cgroup v2 has no realtime limits"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	assert_no_leftovers "$ID"
}

@test "memory: limit, reservation and swap as runc writes them on v2 (swap.max is swap - limit)" {
	update_config '.linux.resources.memory = {"limit": 67108864, "reservation": 33554432, "swap": 134217728,
		"swappiness": 10, "disableOOMKiller": true}'
	run_both
	same_as_runc memory memory.max 67108864
	same_as_runc memory memory.low 33554432
	if [ -e "$(cgroup_dir "$CPID" memory)/memory.swap.max" ]; then
		same_as_runc memory memory.swap.max 67108864
	fi
}

@test "pids and a unified key as runc writes them on v2" {
	update_config '.linux.resources.pids = {"limit": 50} | .linux.resources.unified = {"memory.high": "104857600"}'
	run_both
	same_as_runc pids pids.max 50
	same_as_runc memory memory.high 104857600
}

@test "blockIO: weight and the four throttles of a real block device as runc writes them on v2" {
	dev=$(block_device) || skip "no block device in /sys/block but loop, ram, zram, floppies and CD drives"
	maj=${dev%:*} min=${dev#*:}
	update_config ".linux.resources.blockIO = {\"weight\": 300,
		\"throttleReadBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 1048576}],
		\"throttleWriteBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 2097152}],
		\"throttleReadIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 100}],
		\"throttleWriteIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 200}]}"
	run_both
	if [ -e "$(cgroup_dir "$CPID" io)/io.bfq.weight" ]; then
		same_as_runc io io.bfq.weight "default 300"
	else
		# runc's conversion of a v1 weight: 1 + (weight - 10) * 9999 / 990.
		same_as_runc io io.weight "default 2930"
	fi
	same_as_runc io io.max "$dev rbps=1048576 wbps=2097152 riops=100 wiops=200"
}

@test "hugepageLimits: hugetlb.2MB.max as runc writes it on v2" {
	grep -qw hugetlb "$(cgroup_mount "")/cgroup.controllers" || skip "no hugetlb controller"
	update_config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	run_both
	same_as_runc hugetlb hugetlb.2MB.max 4194304
}

@test "devices: the eBPF filter allows and denies what the rules say, as runc's" {
	# Everything denied, then /dev/null read-write and /dev/zero read only.
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "minor": 5, "access": "r"}]
		| .linux.devices = [{"path": "/dev/zero", "type": "c", "major": 1, "minor": 5, "fileMode": 438}]'
	run_both
	both_exec sh -c 'echo x >/dev/null && echo null-ok'
	[ "$output" = null-ok ]
	both_exec sh -c 'head -c 3 /dev/zero | wc -c'
	[ "$output" = 3 ]
	# Writing /dev/zero is not allowed: the open fails with EPERM.  Listed
	# in linux.devices, /dev/zero loses the default rule that would allow
	# it, as runc's createDevices drops it.
	both_exec sh -c '(echo x >/dev/zero) 2>/dev/null && echo written || echo refused'
	[ "$output" = refused ]
	# A device not in the rules, made inside the container, cannot be opened.
	both_exec sh -c 'mknod /tmp/full c 1 7 && (cat /tmp/full >/dev/null 2>&1 && echo opened || echo refused)'
	[ "$output" = refused ]
}

@test "update: each of runc's flags writes what runc's update writes on v2" {
	run_both
	step() {
		echo "# update $*"
		carve update "$@" "$ID"
		runc_ update "$@" "$ID-runc"
	}
	step --cpu-share 256
	same_as_runc cpu cpu.weight 10
	step --cpu-period 50000 --cpu-quota 25000
	same_as_runc cpu cpu.max "25000 50000"
	step --cpu-quota -1
	same_as_runc cpu cpu.max "max 50000"
	step --cpuset-cpus 0 --cpuset-mems 0
	same_as_runc cpuset cpuset.cpus 0
	same_as_runc cpuset cpuset.mems 0
	step --memory 64m --memory-swap 128M --memory-reservation 32MiB
	same_as_runc memory memory.max 67108864
	same_as_runc memory memory.low 33554432
	if [ -e "$(cgroup_dir "$CPID" memory)/memory.swap.max" ]; then
		same_as_runc memory memory.swap.max 67108864
	fi
	step --memory 96m
	same_as_runc memory memory.max 100663296
	step --pids-limit 30
	same_as_runc pids pids.max 30
	step --pids-limit -1
	same_as_runc pids pids.max max
	step --blkio-weight 500
	if [ -e "$(cgroup_dir "$CPID" io)/io.bfq.weight" ]; then
		same_as_runc io io.bfq.weight "default 500"
	else
		same_as_runc io io.weight "default 4950"
	fi
}

@test "update: a value the kernel refuses names the v2 file and the value" {
	start_carve
	run carve update --cpuset-cpus 4095 "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"write \`4095\` to \`"*"/cpuset.cpus\`"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	run carve update -r - "$ID" <<<'{"unified": {"memory.nosuch": "1"}}'
	[ "$status" -eq 1 ]
	[[ "$output" == *"memory.nosuch"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
}

@test "pause and resume through cgroup.freeze, as runc's" {
	run_both
	carve pause "$ID"
	runc_ pause "$ID-runc"
	same_as_runc "" cgroup.freeze 1
	grep -qx "frozen 1" "$(cgroup_dir "$CPID" "")/cgroup.events"
	[ "$(carve state "$ID" | jq -r .status)" = paused ]
	[ "$(runc_ state "$ID-runc" | jq -r .status)" = paused ]
	carve resume "$ID"
	runc_ resume "$ID-runc"
	same_as_runc "" cgroup.freeze 0
	grep -qx "frozen 0" "$(cgroup_dir "$CPID" "")/cgroup.events"
	[ "$(carve state "$ID" | jq -r .status)" = running ]
}

@test "kill --all reaches every process of the cgroup, and delete leaves nothing" {
	update_config '.process.args = ["sh", "-c", "sleep 1000 & sleep 1000 & wait"]'
	start_carve
	procs=$(cgroup_dir "$CPID" "")/cgroup.procs
	for i in $(seq 100); do [ "$(wc -l <"$procs")" -ge 3 ] && break; sleep 0.05; done
	pids=$(cat "$procs")
	[ "$(wc -w <<<"$pids")" -eq 3 ]
	carve kill --all "$ID" KILL
	for p in $pids; do wait_gone "$p"; done
	wait_for_status "$ID" stopped
	carve delete "$ID"
	assert_no_leftovers "$ID"
	[ -z "$(find /sys/fs/cgroup -type d -name "$ID*")" ]
}

@test "events --stats: every key runc prints for the same config on v2" {
	update_config '.linux.resources.pids = {"limit": 100} | .linux.resources.memory = {"limit": 134217728}'
	run_both
	sleep 0.2
	mine=$(carve events --stats "$ID")
	theirs=$(runc_ events --stats "$ID-runc")
	[ "$(jq -r .data.pids.limit <<<"$mine")" = 100 ]
	[ "$(jq -r .data.memory.usage.limit <<<"$mine")" = 134217728 ]
	keys='[paths | map(if type == "number" then "[]" else . end) | join(".")] | unique
		| map(select(startswith("data.memory.raw.") | not)) | .[]'
	# carve may say more (cpuset, memory.usage.max from memory.peak), never less.
	missing=$(comm -13 <(jq -r "$keys" <<<"$mine" | sort) <(jq -r "$keys" <<<"$theirs" | sort))
	echo "runc's keys carve lacks: [$missing]"
	[ -z "$missing" ]
}
