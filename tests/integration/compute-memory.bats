#!/usr/bin/env bats
# Memory partitions (carve.memory, carve.memory.hugepages, carve.memory.nodes),
# carve.sched and linux.memoryPolicy, end to end.  Each test has its own node
# config (CARVE_CONFIG) with its own ledger; the node settings these tests
# touch (huge page pools, cpu.rt_runtime_us) are put back in teardown, also
# when a test fails half-way.

load helpers

NODE_SYS=/sys/devices/system/node/node0
POOL_2M=$NODE_SYS/hugepages/hugepages-2048kB/nr_hugepages
POOL_1G=$NODE_SYS/hugepages/hugepages-1048576kB/nr_hugepages
RESV_2M=/sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages
CPU_ROOT=/sys/fs/cgroup/cpu

setup() {
	setup_common
	export CARVE_CONFIG="$BATS_TEST_TMPDIR/carve.json"
	LEDGER="$BATS_TEST_TMPDIR/ledger"
	cat >"$CARVE_CONFIG" <<-EOF
		{"ledger": "$LEDGER", "memory_unit": "2M", "serviceos_memory": "1G"}
	EOF
	# Another suite's test may hold pages of its own: compare with what the
	# pool had before, and put that back.
	SAVED_2M=$(cat "$POOL_2M" 2>/dev/null || echo)
	SAVED_1G=$(cat "$POOL_1G" 2>/dev/null || echo)
	# An absolute cgroupsPath below a parent carve creates, so that an
	# ancestor's cpu.rt_runtime_us is on the way.
	PARENT="$ID-parent"
}

teardown() {
	teardown_common
	[ -z "$SAVED_2M" ] || echo "$SAVED_2M" >"$POOL_2M" 2>/dev/null
	[ -z "$SAVED_1G" ] || echo "$SAVED_1G" >"$POOL_1G" 2>/dev/null
	local d
	for d in /sys/fs/cgroup/*/"$PARENT" /sys/fs/cgroup/unified/"$PARENT"; do
		[ -d "$d" ] || continue
		[ -f "$d/cpu.rt_runtime_us" ] && echo 0 >"$d/cpu.rt_runtime_us" 2>/dev/null
		rmdir "$d"/* 2>/dev/null
		rmdir "$d" 2>/dev/null
	done
	return 0
}

annotate() {
	update_config ".annotations = (.annotations // {}) + $1"
}

pid_of() {
	carve state "$1" | jq -r .pid
}

# The container's cgroup directory on the hierarchy holding CONTROLLER.
cgroup_dir_of() {
	local pid=$1 controller=$2 line
	if [ "$controller" = unified ]; then
		line=$(grep '^0::' "/proc/$pid/cgroup")
		echo "/sys/fs/cgroup/unified${line#0::}"
		return
	fi
	line=$(grep -E "^[0-9]+:([^:]*,)?$controller(,[^:]*)?:" "/proc/$pid/cgroup")
	echo "/sys/fs/cgroup/$controller${line##*:}"
}

# Partitions in this test's ledger.
ledger_partitions() {
	[ -f "$LEDGER" ] || { echo 0; return; }
	jq '.partitions | length' "$LEDGER"
}

node0_units() {
	local kb
	kb=$(awk '/MemTotal/ {print $4}' "$NODE_SYS/meminfo")
	echo $(((kb * 1024 - 1024 * 1024 * 1024) / (2 * 1024 * 1024)))
}

require_hugepages() {
	[ -w "$POOL_2M" ] || skip "no 2M huge page pool on node 0 ($POOL_2M)"
}

require_rt_group_sched() {
	[ -f "$CPU_ROOT/cpu.rt_runtime_us" ] || skip "no RT group scheduling (no $CPU_ROOT/cpu.rt_runtime_us)"
}

# --- memory partitions ------------------------------------------------------

@test "carve.memory with 2M huge pages: pool, /dev/hugepages reserved, limits; all back after delete" {
	require_hugepages
	[ -d /sys/fs/cgroup/unified ] || skip "no cgroup2 tree for the hugetlb controller"
	annotate '{"carve.memory": "64M", "carve.memory.hugepages": "2M"}'
	local before resv_before
	before=$(cat "$POOL_2M")
	resv_before=$(cat "$RESV_2M")

	carve_create --bundle "$BUNDLE" "$ID"
	[ "$(cat "$POOL_2M")" -eq $((before + 32)) ]
	# min_size: the mount reserved the 32 pages for the container.
	[ "$(cat "$RESV_2M")" -ge $((resv_before + 32)) ]
	local pid
	pid=$(pid_of "$ID")
	run grep ' /dev/hugepages ' "/proc/$pid/mounts"
	[ "$status" -eq 0 ]
	[[ "$output" == *"hugetlbfs"* ]]
	[[ "$output" == *"pagesize=2M"* ]]
	[[ "$output" == *"size=67108864"* ]]
	[[ "$output" == *"min_size=67108864"* ]]

	local hugetlb memory
	hugetlb=$(cgroup_dir_of "$pid" unified)
	[ -f "$hugetlb/hugetlb.2MB.max" ] || hugetlb=$(cgroup_dir_of "$pid" hugetlb)
	[ "$(cat "$hugetlb/hugetlb.2MB.max" 2>/dev/null || cat "$hugetlb/hugetlb.2MB.limit_in_bytes")" -eq 67108864 ]
	memory=$(cgroup_dir_of "$pid" memory)
	[ "$(cat "$memory/memory.limit_in_bytes")" -eq 67108864 ]
	if [ -f "$memory/memory.memsw.limit_in_bytes" ]; then
		[ "$(cat "$memory/memory.memsw.limit_in_bytes")" -eq 67108864 ]
	fi
	[ "$(jq -r '.partitions[0].hugepages[0].pages' "$LEDGER")" -eq 32 ]

	carve delete -f "$ID"
	[ "$(cat "$POOL_2M")" -eq "$before" ]
	[ "$(cat "$RESV_2M")" -le "$resv_before" ]
	[ "$(ledger_partitions)" -eq 0 ]
	[ "$(jq '.settings | length' "$LEDGER")" -eq 0 ]
	assert_no_leftovers "$ID"
}

@test "carve.memory of ordinary memory: the memory cgroup holds the partition, cpuset.mems its nodes" {
	annotate '{"carve.memory": "5M", "carve.memory.nodes": "0"}'
	carve_create --bundle "$BUNDLE" "$ID"
	local pid memory
	pid=$(pid_of "$ID")
	memory=$(cgroup_dir_of "$pid" memory)
	# Rounded up to whole units of 2M.
	[ "$(cat "$memory/memory.limit_in_bytes")" -eq $((6 * 1024 * 1024)) ]
	[ "$(jq -r '.partitions[0].memory_units' "$LEDGER")" -eq 3 ]
	[ "$(cat "$(cgroup_dir_of "$pid" cpuset)/cpuset.mems")" = 0 ]
	carve delete -f "$ID"
	[ "$(ledger_partitions)" -eq 0 ]
}

@test "a partition larger than the node is refused, naming it, and nothing is left" {
	annotate '{"carve.memory": "1T"}'
	run ! carve create --bundle "$BUNDLE" "$ID"
	[[ "$output" == *"annotations.carve.memory: \`1T\`"* ]]
	[[ "$output" == *"is more than NUMA node 0 can give partitions"* ]]
	[ ! -e "$TEST_ROOT/$ID" ]
	[ "$(ledger_partitions)" -eq 0 ]
	assert_no_leftovers "$ID"
}

@test "memory units are counted across containers" {
	local units
	units=$(node0_units)
	[ "$units" -gt 20 ] || skip "node 0 has too little memory beside the ServiceOS's 1G"
	annotate "{\"carve.memory\": \"$((units - 10))u\"}"
	carve_create --bundle "$BUNDLE" "$ID-a"

	annotate '{"carve.memory": "20u"}'
	run ! carve create --bundle "$BUNDLE" "$ID-b"
	[[ "$output" == *"annotations.carve.memory: 40M asked (20 units of 2M), 10 units (20M) free on nodes 0 (1 other partition)"* ]]
	[ ! -e "$TEST_ROOT/$ID-b" ]
	[ "$(ledger_partitions)" -eq 1 ]

	annotate '{"carve.memory": "10u"}'
	carve_create --bundle "$BUNDLE" "$ID-b"
	[ "$(ledger_partitions)" -eq 2 ]

	# The first one's units come back with its delete.
	carve delete -f "$ID-a"
	annotate '{"carve.memory": "20u"}'
	carve_create --bundle "$BUNDLE" "$ID-c"
	carve delete -f "$ID-b"
	carve delete -f "$ID-c"
	[ "$(ledger_partitions)" -eq 0 ]
}

@test "huge pages without a mount namespace are refused before the pool grows" {
	require_hugepages
	local before
	before=$(cat "$POOL_2M")
	update_config '.root.path = "/" | .root.readonly = false'
	annotate '{"carve.memory": "8M", "carve.memory.hugepages": "2M"}'
	run ! carve create --bundle "$BUNDLE" "$ID"
	[[ "$output" == *"annotations.carve.memory.hugepages: \`2M\`: the huge pages are mounted at /dev/hugepages in the container's own mount namespace, and this container has none"* ]]
	[ "$(cat "$POOL_2M")" -eq "$before" ]
	# Refused while planning: the ledger was not even opened.
	[ ! -e "$LEDGER" ] || [ "$(jq '.settings | length' "$LEDGER")" -eq 0 ]
	[ "$(ledger_partitions)" -eq 0 ]
	assert_no_leftovers "$ID"
}

@test "bad carve.memory values fail naming key and value, leaving nothing" {
	local before="" c
	[ -r "$POOL_2M" ] && before=$(cat "$POOL_2M")
	local -a cases=(
		'{"carve.memory": "12X"}|annotations.carve.memory: `12X` is not a size (`512M`) or a unit count (`16u`)'
		'{"carve.memory": "0u"}|annotations.carve.memory: `0u`: a partition needs at least one unit'
		'{"carve.memory": "8M", "carve.memory.hugepages": "3M"}|annotations.carve.memory.hugepages: `3M` is not `none`, `2M` or `1G`'
		'{"carve.memory.hugepages": "2M"}|annotations.carve.memory.hugepages: `2M` needs annotations.carve.memory'
		'{"carve.memory": "8M", "carve.memory.nodes": "3"}|annotations.carve.memory.nodes: node 3 does not exist (nodes: 0)'
		'{"carve.memory": "8M", "carve.memory.nodes": "0-"}|annotations.carve.memory.nodes: `0-` is not a NUMA node list'
		'{"carve.sched": "fifo:0"}|annotations.carve.sched: `fifo:0` is not a real-time priority: priority 1-99'
		'{"carve.sched": "rr:100"}|annotations.carve.sched: `rr:100` is not a real-time priority: priority 1-99'
		'{"carve.sched": "fast"}|annotations.carve.sched: `fast` is not `default`, `cooperative`, `batch`, `idle`, `fifo:N` or `rr:N`'
	)
	for c in "${cases[@]}"; do
		update_config 'del(.annotations)'
		annotate "${c%%|*}"
		run ! carve create --bundle "$BUNDLE" "$ID"
		[[ "$output" == *"${c#*|}"* ]] || { echo "for ${c%%|*}: $output" >&2; false; }
		[ ! -e "$TEST_ROOT/$ID" ]
		[ "$(ledger_partitions)" -eq 0 ]
		[ -z "$before" ] || [ "$(cat "$POOL_2M")" -eq "$before" ]
		assert_no_leftovers "$ID"
	done
}

# --- carve.sched ------------------------------------------------------------

@test "carve.sched=cooperative: SCHED_FIFO 1, RT runtime granted along the path and restored after delete" {
	require_rt_group_sched
	update_config ".linux.cgroupsPath = \"/$PARENT/$ID\" | .process.args = [\"sh\", \"-c\", \"sleep 1000 & wait\"]"
	annotate '{"carve.sched": "cooperative"}'
	carve_create --bundle "$BUNDLE" "$ID"
	local pid
	pid=$(pid_of "$ID")
	run chrt -p "$pid"
	[[ "$output" == *"policy: SCHED_FIFO"* ]]
	[[ "$output" == *"priority: 1"* ]]
	[ "$(cat "$CPU_ROOT/$PARENT/cpu.rt_runtime_us")" -gt 0 ]
	[ "$(cat "$CPU_ROOT/$PARENT/$ID/cpu.rt_runtime_us")" -gt 0 ]
	# The parent's old value is in the ledger, owned by the container.
	[ "$(jq -r --arg p "$CPU_ROOT/$PARENT/cpu.rt_runtime_us" '.settings[] | select(.path == $p) | .original' "$LEDGER")" = 0 ]
	# What the job starts stays SCHED_FIFO at the same priority: the job's
	# threads never preempt each other.
	carve start "$ID"
	local child="" i
	for i in $(seq 1 50); do
		child=$(pgrep -P "$pid" sleep) && break
		sleep 0.05
	done
	[ -n "$child" ]
	run chrt -p "$child"
	[[ "$output" == *"policy: SCHED_FIFO"* ]]
	[[ "$output" == *"priority: 1"* ]]
	# So does a process exec'd into the container.
	# (busybox has no chrt: /proc/self/sched says policy 1, SCHED_FIFO.)
	run carve exec "$ID" awk '/^policy/ { print $3 }' /proc/self/sched
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]

	carve delete -f "$ID"
	[ "$(cat "$CPU_ROOT/$PARENT/cpu.rt_runtime_us")" -eq 0 ]
	[ "$(jq '.settings | length' "$LEDGER")" -eq 0 ]
	[ "$(ledger_partitions)" -eq 0 ]
}

@test "carve.sched=cooperative with realtimeRuntime under a nested cgroupsPath: the container gets exactly that" {
	require_rt_group_sched
	update_config ".linux.cgroupsPath = \"/$PARENT/$ID\" | .linux.resources.cpu.realtimeRuntime = 100000"
	annotate '{"carve.sched": "cooperative"}'
	carve_create --bundle "$BUNDLE" "$ID"
	[ "$(cat "$CPU_ROOT/$PARENT/$ID/cpu.rt_runtime_us")" -eq 100000 ]
	[ "$(cat "$CPU_ROOT/$PARENT/cpu.rt_runtime_us")" -ge 100000 ]
	carve delete -f "$ID"
	[ "$(cat "$CPU_ROOT/$PARENT/cpu.rt_runtime_us")" -eq 0 ]
	[ "$(ledger_partitions)" -eq 0 ]
}

@test "a second cooperative container finds no RT runtime left: refused, nothing changed" {
	require_rt_group_sched
	annotate '{"carve.sched": "cooperative"}'
	carve_create --bundle "$BUNDLE" "$ID-a"
	update_config ".linux.cgroupsPath = \"/$PARENT/$ID-b\""
	run ! carve create --bundle "$BUNDLE" "$ID-b"
	[[ "$output" == *"annotations.carve.sched: \`cooperative\` (process.scheduler SCHED_FIFO): no RT runtime left to grant"* ]]
	[[ "$output" == *"linux.resources.cpu.realtimeRuntime"* ]]
	[ ! -e "$TEST_ROOT/$ID-b" ]
	[ "$(ledger_partitions)" -eq 1 ]
	# The parent carve made on the way was not raised (or is gone).
	[ ! -f "$CPU_ROOT/$PARENT/cpu.rt_runtime_us" ] || [ "$(cat "$CPU_ROOT/$PARENT/cpu.rt_runtime_us")" -eq 0 ]
	[ "$(jq '.settings | length' "$LEDGER")" -eq 0 ]
	carve delete -f "$ID-a"
	[ "$(ledger_partitions)" -eq 0 ]
}

@test "carve.sched fifo:N, rr:N, batch and idle" {
	require_rt_group_sched
	local c value policy prio
	for c in "fifo:7|SCHED_FIFO|7" "rr:3|SCHED_RR|3" "batch|SCHED_BATCH|0" "idle|SCHED_IDLE|0"; do
		IFS='|' read -r value policy prio <<<"$c"
		update_config 'del(.annotations)'
		annotate "{\"carve.sched\": \"$value\"}"
		carve_create --bundle "$BUNDLE" "$ID"
		run chrt -p "$(pid_of "$ID")"
		[[ "$output" == *"policy: $policy"* ]] || { echo "$value: $output" >&2; false; }
		[[ "$output" == *"priority: $prio"* ]]
		carve delete -f "$ID"
		[ "$(ledger_partitions)" -eq 0 ]
	done
}

@test "process.scheduler takes precedence over carve.sched" {
	update_config '.process.scheduler = {"policy": "SCHED_BATCH"}'
	annotate '{"carve.sched": "fifo:5"}'
	carve_create --bundle "$BUNDLE" "$ID"
	run chrt -p "$(pid_of "$ID")"
	[[ "$output" == *"policy: SCHED_BATCH"* ]]
	carve delete -f "$ID"
}

@test "cooperative with linux.resources.cpu.realtimeRuntime: the container gets that much" {
	require_rt_group_sched
	annotate '{"carve.sched": "cooperative"}'
	update_config '.linux.resources.cpu.realtimeRuntime = 100000'
	carve_create --bundle "$BUNDLE" "$ID"
	local pid
	pid=$(pid_of "$ID")
	[ "$(cat "$(cgroup_dir_of "$pid" cpu)/cpu.rt_runtime_us")" -eq 100000 ]
	run chrt -p "$pid"
	[[ "$output" == *"SCHED_FIFO"* ]]
	carve delete -f "$ID"
}

# --- linux.memoryPolicy -------------------------------------------------------

@test "linux.memoryPolicy is set on the container's process" {
	update_config '.linux.memoryPolicy = {"mode": "MPOL_INTERLEAVE", "nodes": "0"}'
	carve_create --bundle "$BUNDLE" "$ID"
	run grep -c ' interleave:0 ' "/proc/$(pid_of "$ID")/numa_maps"
	[ "$status" -eq 0 ]
	[ "$output" -gt 0 ]
	carve delete -f "$ID"

	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}'
	carve_create --bundle "$BUNDLE" "$ID"
	run grep -c ' bind=static:0 ' "/proc/$(pid_of "$ID")/numa_maps"
	[ "$output" -gt 0 ]
	carve delete -f "$ID"
}

@test "a linux.memoryPolicy the kernel refuses fails naming it, leaving nothing" {
	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "7"}'
	run ! carve create --bundle "$BUNDLE" "$ID"
	[[ "$output" == *"linux.memoryPolicy: set_mempolicy MPOL_BIND nodes \`7\`: Invalid argument"* ]]
	assert_no_leftovers "$ID"

	update_config '.linux.memoryPolicy = {"mode": "MPOL_LOCAL", "nodes": "0"}'
	run ! carve create --bundle "$BUNDLE" "$ID"
	[[ "$output" == *"linux.memoryPolicy.nodes: MPOL_LOCAL takes no nodes"* ]]
	assert_no_leftovers "$ID"
}
