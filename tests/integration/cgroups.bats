#!/usr/bin/env bats
# Cgroups: every linux.resources field as the kernel sees it, side by side
# with what runc writes for the same config.json; the commands that act on a
# container through its cgroup (update, pause, resume, ps, events, kill
# --all, delete); and nothing of a container left under /sys/fs/cgroup, also
# after carve was killed in the middle of create.

load helpers

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

teardown() {
	local p
	# Processes a test started outside any container (hooks), by PID.
	if [ -f "$BATS_TEST_TMPDIR/stray-pids" ]; then
		for p in $(cat "$BATS_TEST_TMPDIR/stray-pids"); do kill -9 "$p" 2>/dev/null; done
	fi
	teardown_common
	# The helpers' clean-up looks one level deep; the memory hierarchy may
	# hold the cgroup deeper (below carve's own cgroup).  Nothing of this
	# test may be left anywhere.
	local left
	left=$(find /sys/fs/cgroup -type d -name "$ID*" 2>/dev/null)
	if [ -n "$left" ]; then
		find /sys/fs/cgroup -depth -type d -name "$ID*" -exec rmdir {} \; 2>/dev/null
		echo "cgroups left behind: $left" >&2
		return 1
	fi
}

# True when PID has exited (gone, or a zombie nobody reaped yet).
proc_gone() {
	local st
	st=$(sed -n 's/^.*) \(.\).*$/\1/p' /proc/"$1"/stat 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

wait_gone() {
	local i
	for i in $(seq 100); do proc_gone "$1" && return 0; sleep 0.05; done
	return 1
}

# The mount point of the v1 hierarchy holding controller CTRL, or of the
# cgroup2 tree when CTRL is empty.
cgroup_mount() {
	awk -v c="$1" '{
		for (i = 7; $i != "-"; i++) ;
		if (c == "" && $(i + 1) == "cgroup2") { print $5; exit }
		if (c != "" && $(i + 1) == "cgroup") {
			n = split($(i + 3), o, ",")
			for (j = 1; j <= n; j++) if (o[j] == c) { print $5; exit }
		}
	}' /proc/self/mountinfo
}

# The cgroup directory of process PID for controller CTRL: its v1
# hierarchy, or the cgroup2 tree when no v1 hierarchy holds CTRL (hugetlb
# on this node).
cgroup_dir() {
	local pid=$1 ctrl=$2 mnt rel
	mnt=$(cgroup_mount "$ctrl")
	if [ -n "$mnt" ]; then
		rel=$(awk -F: -v c="$ctrl" '{ n = split($2, k, ","); for (j = 1; j <= n; j++) if (k[j] == c) { print $3; exit } }' \
			/proc/"$pid"/cgroup)
	else
		mnt=$(cgroup_mount "")
		rel=$(awk -F: '$2 == "" { print $3; exit }' /proc/"$pid"/cgroup)
	fi
	[ -n "$mnt" ] && [ -n "$rel" ] || return 1
	echo "$mnt$rel"
}

# FILE of controller CTRL of process PID, newlines as spaces.
cg_read() {
	local dir
	dir=$(cgroup_dir "$1" "$2") || return 1
	tr '\n' ' ' <"$dir/$3" | sed 's/ *$//'
}

# Creates and starts the bundle with carve ($ID, init $CPID) and runc
# ($ID-runc, init $RPID).
run_both() {
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	CPID=$(carve state "$ID" | jq -r .pid)
	runc_ run -d --bundle "$BUNDLE" "$ID-runc" </dev/null >"$BATS_TEST_TMPDIR/runc.out" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/runc.out" >&2; return 1; }
	RPID=$(runc_ state "$ID-runc" | jq -r .pid)
}

# Asserts that FILE of CTRL reads WANT in the carve container, and the same
# in runc's.
same_as_runc() {
	local ctrl=$1 file=$2 want=$3 a b
	a=$(cg_read "$CPID" "$ctrl" "$file")
	b=$(cg_read "$RPID" "$ctrl" "$file")
	echo "$ctrl/$file: carve [$a] runc [$b] want [$want]"
	[ "$a" = "$want" ] && [ "$a" = "$b" ]
}

start_carve() {
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	CPID=$(carve state "$ID" | jq -r .pid)
}

# A real block device of this node, MAJOR:MINOR.
block_device() {
	local d
	for d in /sys/block/*; do
		case ${d##*/} in loop* | ram* | zram*) continue ;; esac
		[ -r "$d/dev" ] && { cat "$d/dev"; return 0; }
	done
	return 1
}

# --- linux.resources, field by field, against runc -----------------------------

@test "cpu: shares, quota, period, realtime runtime and period, cpus and mems as runc writes them" {
	require_runc
	[ -n "$(cgroup_mount cpu)" ] || skip "no v1 cpu hierarchy on this node"
	update_config '.linux.resources.cpu = {"shares": 512, "quota": 20000, "period": 100000,
		"realtimeRuntime": 10000, "realtimePeriod": 1000000, "cpus": "0", "mems": "0"}'
	run_both
	same_as_runc cpu cpu.shares 512
	same_as_runc cpu cpu.cfs_quota_us 20000
	same_as_runc cpu cpu.cfs_period_us 100000
	same_as_runc cpu cpu.rt_runtime_us 10000
	same_as_runc cpu cpu.rt_period_us 1000000
	same_as_runc cpuset cpuset.cpus 0
	same_as_runc cpuset cpuset.mems 0
}

@test "cpu: burst and idle (runc 1.1 writes neither)" {
	[ -n "$(cgroup_mount cpu)" ] || skip "no v1 cpu hierarchy on this node"
	start_carve
	[ -e "$(cgroup_dir "$CPID" cpu)/cpu.cfs_burst_us" ] || skip "the kernel has no cpu.cfs_burst_us"
	carve delete -f "$ID"
	update_config '.linux.resources.cpu = {"quota": 50000, "period": 100000, "burst": 20000, "idle": 1}'
	start_carve
	[ "$(cg_read "$CPID" cpu cpu.cfs_burst_us)" = 20000 ]
	[ "$(cg_read "$CPID" cpu cpu.idle)" = 1 ]
}

@test "memory: limit, reservation, swap, swappiness and disableOOMKiller as runc writes them" {
	require_runc
	update_config '.linux.resources.memory = {"limit": 67108864, "reservation": 33554432, "swap": 134217728,
		"swappiness": 10, "disableOOMKiller": true}'
	run_both
	same_as_runc memory memory.limit_in_bytes 67108864
	same_as_runc memory memory.soft_limit_in_bytes 33554432
	same_as_runc memory memory.memsw.limit_in_bytes 134217728
	same_as_runc memory memory.swappiness 10
	same_as_runc memory memory.oom_control "oom_kill_disable 1 under_oom 0 oom_kill 0"
}

@test "pids: the limit as runc writes it" {
	require_runc
	update_config '.linux.resources.pids = {"limit": 50}'
	run_both
	same_as_runc pids pids.max 50
}

@test "blockIO: weight and the four throttles of a real block device as runc writes them" {
	require_runc
	dev=$(block_device) || skip "no block device in /sys/block but loop, ram and zram"
	maj=${dev%:*} min=${dev#*:}
	update_config ".linux.resources.blockIO = {\"weight\": 300,
		\"throttleReadBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 1048576}],
		\"throttleWriteBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 2097152}],
		\"throttleReadIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 100}],
		\"throttleWriteIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 200}]}"
	run_both
	if [ -e "$(cgroup_dir "$CPID" blkio)/blkio.weight" ]; then
		same_as_runc blkio blkio.weight 300
	else
		# blk-mq kernels: the weight is bfq's.
		same_as_runc blkio blkio.bfq.weight 300
	fi
	same_as_runc blkio blkio.throttle.read_bps_device "$dev 1048576"
	same_as_runc blkio blkio.throttle.write_bps_device "$dev 2097152"
	same_as_runc blkio blkio.throttle.read_iops_device "$dev 100"
	same_as_runc blkio blkio.throttle.write_iops_device "$dev 200"
}

@test "blockIO: a per-device weight the kernel refuses fails create naming the file and value, as runc fails" {
	require_runc
	dev=$(block_device) || skip "no block device in /sys/block but loop, ram and zram"
	maj=${dev%:*} min=${dev#*:}
	update_config ".linux.resources.blockIO = {\"weightDevice\": [{\"major\": $maj, \"minor\": $min, \"weight\": 200}]}"
	# Either outcome is checked: the kernel takes the weight or refuses it.
	carve_create --bundle "$BUNDLE" "$ID" || :
	if [ "$status" -eq 0 ]; then
		# This kernel takes per-device weights: the file holds it.
		CPID=$(carve state "$ID" | jq -r .pid)
		grep -q "$dev 200" "$(cgroup_dir "$CPID" blkio)"/blkio*weight_device
		return 0
	fi
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.resources.blockIO: write \`$dev 200\` to \`"*"weight_device\`"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	assert_no_leftovers "$ID"
	run runc_ run -d --bundle "$BUNDLE" "$ID-runc"
	[ "$status" -ne 0 ]
	[[ "$output" == *"weight_device"* ]]
}

@test "hugepageLimits: written on the cgroup2 tree that holds hugetlb (runc 1.1 cannot on a hybrid node)" {
	[ -z "$(cgroup_mount hugetlb)" ] || skip "hugetlb is a v1 controller on this node"
	[ -e "$(cgroup_mount "")/cgroup.controllers" ] && grep -qw hugetlb "$(cgroup_mount "")/cgroup.controllers" ||
		skip "no hugetlb controller on the cgroup2 tree"
	update_config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	start_carve
	[ "$(cg_read "$CPID" hugetlb hugetlb.2MB.max)" = 4194304 ]
	if [ -e "$(cgroup_dir "$CPID" hugetlb)/hugetlb.2MB.rsvd.max" ]; then
		[ "$(cg_read "$CPID" hugetlb hugetlb.2MB.rsvd.max)" = 4194304 ]
	fi
	if command -v runc >/dev/null; then
		run runc_ run -d --bundle "$BUNDLE" "$ID-runc"
		echo "runc: $output"
		[ "$status" -ne 0 ]
	fi
}

@test "network: classID and priorities as runc writes them" {
	require_runc
	[ -n "$(cgroup_mount net_cls)" ] || skip "no net_cls hierarchy on this node"
	[ -n "$(cgroup_mount net_prio)" ] || skip "no net_prio hierarchy on this node"
	update_config '.linux.resources.network = {"classID": 1048577, "priorities": [{"name": "lo", "priority": 3}]}'
	run_both
	same_as_runc net_cls net_cls.classid 1048577
	a=$(cg_read "$CPID" net_prio net_prio.ifpriomap)
	b=$(cg_read "$RPID" net_prio net_prio.ifpriomap)
	[[ "$a" == *"lo 3"* ]]
	[ "$a" = "$b" ]
}

@test "network: without a net_cls hierarchy a classID fails create with a clear error and leaves nothing" {
	[ -z "$(cgroup_mount net_cls)" ] || skip "this node has a net_cls hierarchy"
	[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] || skip "pure cgroup v2: the next test"
	update_config '.linux.resources.network = {"classID": 1048577}'
	run carve create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.resources.network.classID: the net_cls controller is not available on this node"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	assert_no_leftovers "$ID"
}

@test "network: on pure cgroup v2 classID and priorities are left aside with a warning, as runc" {
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || skip "not pure cgroup v2 (net_cls and net_prio may exist here)"
	update_config '.linux.resources.network = {"classID": 1048577, "priorities": [{"name": "lo", "priority": 3}]}'
	carve_create --bundle "$BUNDLE" "$ID"
	# A container that starts says nothing on stderr: the warning is in its state.
	[ -z "$output" ]
	carve state "$ID" | jq -e '."carve.warnings" | index("linux.resources.network ignored: cgroup v2 has no net_cls or net_prio controller (as runc)")'
	carve delete -f "$ID"
	assert_no_leftovers "$ID"
}

@test "devices: the allow and deny rules as runc writes them (but runc's extra /dev/net/tun)" {
	require_runc
	dev=$(block_device) || skip "no block device in /sys/block but loop, ram and zram"
	update_config ".linux.resources.devices = [{\"allow\": false, \"access\": \"rwm\"},
		{\"allow\": true, \"type\": \"b\", \"major\": ${dev%:*}, \"minor\": ${dev#*:}, \"access\": \"r\"},
		{\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"rwm\"},
		{\"allow\": false, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"w\"}]"
	run_both
	a=$(sort "$(cgroup_dir "$CPID" devices)/devices.list")
	# runc 1.1 allows the tun device by default; the runtime-spec does not.
	b=$(grep -v '^c 10:200 rwm$' "$(cgroup_dir "$RPID" devices)/devices.list" | sort)
	echo "carve: $a"
	echo "runc:  $b"
	[ "$a" = "$b" ]
	grep -qx "b $dev r" <<<"$a"
	grep -qx "c 10:229 rm" <<<"$a"
}

@test "unified: a key of a controller on a v1 hierarchy fails create with a clear error and leaves nothing" {
	[ -n "$(cgroup_mount memory)" ] || skip "memory is not a v1 controller on this node"
	update_config '.linux.resources.unified = {"memory.high": "100M"}'
	run carve create --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.resources.unified: \`memory.high\` needs the v2 memory controller, which is on a v1 hierarchy on this node"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	assert_no_leftovers "$ID"
}

@test "unified: a key of the cgroup2 tree's controller is written there" {
	grep -qw hugetlb "$(cgroup_mount "")/cgroup.controllers" 2>/dev/null || skip "no hugetlb on the cgroup2 tree"
	[ -z "$(cgroup_mount hugetlb)" ] || skip "hugetlb is a v1 controller on this node"
	update_config '.linux.resources.unified = {"hugetlb.2MB.max": "2097152"}'
	start_carve
	[ "$(cg_read "$CPID" hugetlb hugetlb.2MB.max)" = 2097152 ]
}

# --- update ------------------------------------------------------------------------

@test "update: each of runc's flags writes what runc's update writes" {
	require_runc
	run_both
	step() {
		echo "# update $*"
		carve update "$@" "$ID"
		runc_ update "$@" "$ID-runc"
	}
	step --cpu-share 256
	same_as_runc cpu cpu.shares 256
	step --cpu-period 50000 --cpu-quota 25000
	same_as_runc cpu cpu.cfs_period_us 50000
	same_as_runc cpu cpu.cfs_quota_us 25000
	step --cpu-quota -1
	same_as_runc cpu cpu.cfs_quota_us -1
	step --cpu-rt-period 1000000 --cpu-rt-runtime 5000
	same_as_runc cpu cpu.rt_period_us 1000000
	same_as_runc cpu cpu.rt_runtime_us 5000
	step --cpuset-cpus 0 --cpuset-mems 0
	same_as_runc cpuset cpuset.cpus 0
	same_as_runc cpuset cpuset.mems 0
	step --memory 64m --memory-swap 128M --memory-reservation 32MiB
	same_as_runc memory memory.limit_in_bytes 67108864
	same_as_runc memory memory.memsw.limit_in_bytes 134217728
	same_as_runc memory memory.soft_limit_in_bytes 33554432
	step --memory 96m
	same_as_runc memory memory.limit_in_bytes 100663296
	same_as_runc memory memory.memsw.limit_in_bytes 134217728
	# -1 alone: memory and swap unlimited.
	step --memory -1
	same_as_runc memory memory.limit_in_bytes 9223372036854771712
	same_as_runc memory memory.memsw.limit_in_bytes 9223372036854771712
	step --pids-limit 30
	same_as_runc pids pids.max 30
	step --pids-limit 0
	same_as_runc pids pids.max 30
	step --pids-limit -1
	same_as_runc pids pids.max max
	step --blkio-weight 500
	if [ -e "$(cgroup_dir "$CPID" blkio)/blkio.weight" ]; then
		same_as_runc blkio blkio.weight 500
	else
		same_as_runc blkio blkio.bfq.weight 500
	fi
}

@test "update: --cpu-burst, --cpu-idle and --cpu-shares (flags runc 1.1 lacks or spells --cpu-share)" {
	start_carve
	[ -e "$(cgroup_dir "$CPID" cpu)/cpu.cfs_burst_us" ] || skip "the kernel has no cpu.cfs_burst_us"
	carve update --cpu-quota 50000 --cpu-burst 10000 --cpu-shares 300 "$ID"
	[ "$(cg_read "$CPID" cpu cpu.cfs_burst_us)" = 10000 ]
	[ "$(cg_read "$CPID" cpu cpu.shares)" = 300 ]
	# An idle cgroup has the lowest weight whatever its shares.
	carve update --cpu-idle 1 "$ID"
	[ "$(cg_read "$CPID" cpu cpu.idle)" = 1 ]
	carve update --cpu-idle 0 "$ID"
	[ "$(cg_read "$CPID" cpu cpu.idle)" = 0 ]
}

@test "update -r FILE and -r - apply a linux.resources document" {
	start_carve
	cat >"$BATS_TEST_TMPDIR/res.json" <<-'EOF'
	{"memory": {"limit": 50331648, "swap": 67108864}, "cpu": {"shares": 700}, "pids": {"limit": 77}}
	EOF
	carve update -r "$BATS_TEST_TMPDIR/res.json" "$ID"
	[ "$(cg_read "$CPID" memory memory.limit_in_bytes)" = 50331648 ]
	[ "$(cg_read "$CPID" memory memory.memsw.limit_in_bytes)" = 67108864 ]
	[ "$(cg_read "$CPID" cpu cpu.shares)" = 700 ]
	[ "$(cg_read "$CPID" pids pids.max)" = 77 ]
	# Flags beside -r are ignored, as runc.
	echo '{"pids": {"limit": 88}}' | carve update -r - --pids-limit 5 "$ID"
	[ "$(cg_read "$CPID" pids pids.max)" = 88 ]
	# A swap limit alone is checked against the memory limit the container has.
	echo '{"memory": {"swap": 83886080}}' | carve update -r - "$ID"
	[ "$(cg_read "$CPID" memory memory.memsw.limit_in_bytes)" = 83886080 ]
	[ "$(cg_read "$CPID" memory memory.limit_in_bytes)" = 50331648 ]
}

@test "update -r: a malformed document names the JSON path and changes nothing" {
	start_carve
	before=$(cg_read "$CPID" pids pids.max)
	run carve update -r - "$ID" <<<'{"pids": {"limit": "many"}}'
	[ "$status" -eq 1 ]
	[[ "$output" == *"-r \`-\`: pids.limit"* ]]
	run carve update -r - "$ID" <<<'{"memory": '
	[ "$status" -eq 1 ]
	[[ "$output" == *"-r \`-\`"*"invalid JSON"* ]] || [[ "$output" == *"-r \`-\`"*"JSON"* ]]
	run carve update -r "$BATS_TEST_TMPDIR/missing.json" "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"missing.json"* ]]
	[ "$(cg_read "$CPID" pids pids.max)" = "$before" ]
}

@test "update: the resources are kept in the state's resources.json, the saved config.json is untouched" {
	update_config '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 40}'
	start_carve
	cfg=$(cat "$TEST_ROOT/$ID/config.json")
	[ ! -e "$TEST_ROOT/$ID/resources.json" ]
	carve update --pids-limit 60 --cpu-share 300 "$ID"
	[ "$(cat "$TEST_ROOT/$ID/config.json")" = "$cfg" ]
	run jq -c '{memory, pids, cpu}' "$TEST_ROOT/$ID/resources.json"
	[ "$output" = '{"memory":{"limit":67108864},"pids":{"limit":60},"cpu":{"shares":300}}' ]
	# The next update starts from there.
	carve update --memory 128m "$ID"
	run jq -c '{memory, pids, cpu}' "$TEST_ROOT/$ID/resources.json"
	[ "$output" = '{"memory":{"limit":134217728},"pids":{"limit":60},"cpu":{"shares":300}}' ]
}

@test "update: a bad value names the flag; a value the kernel refuses names the file and the value" {
	start_carve
	run carve update --memory lots "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--memory: \`lots\` is not a size"* ]]
	run carve update --cpu-share -5 "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--cpu-share: \`-5\` is not an unsigned number"* ]]
	run carve update --cpu-quota 1.5 "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--cpu-quota: \`1.5\` is not a number"* ]]
	run carve update --cpuset-cpus 0-x "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--cpuset-cpus"* ]]
	run carve update --blkio-weight 70000 "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--blkio-weight"* ]]
	run carve update --memory "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"missing argument"* ]] || [[ "$output" == *"requires an argument"* ]]
	# Below the usage: the kernel says EBUSY, carve names the file.
	run carve update --memory 4096 "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"write \`4096\` to \`"*"/memory.limit_in_bytes\`"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	run carve update --cpuset-cpus 4095 "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"write \`4095\` to \`"*"/cpuset.cpus\`"* ]]
	run carve update --l3-cache-schema "L3:0=f" "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Intel RDT"* ]]
	run carve --debug update --kernel-memory 1m "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"kernel memory settings are ignored"* ]]
}

@test "update: a unified key of a v1 controller fails before anything is written" {
	[ -n "$(cgroup_mount memory)" ] || skip "memory is not a v1 controller on this node"
	start_carve
	before=$(cg_read "$CPID" pids pids.max)
	run carve update -r - "$ID" <<<'{"pids": {"limit": 9}, "unified": {"memory.high": "1G"}}'
	[ "$status" -eq 1 ]
	[[ "$output" == *"\`memory.high\` needs the v2 memory controller"* ]]
	[ "$(cg_read "$CPID" pids pids.max)" = "$before" ]
}

@test "update of a stopped container and of an unknown one fail as runc's" {
	update_config '.process.args = ["true"]'
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	wait_for_status "$ID" stopped
	run carve update --memory 64m "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container \`$ID\` is not running"* ]]
	run carve update --memory 64m nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"container \`nosuch\` does not exist"* ]]
	run carve update
	[ "$status" -eq 1 ]
	[[ "$output" == *"missing argument"* ]]
}

@test "update: a container that owns its CPUs (carve.cpus) refuses another CPU set" {
	[ "$(nproc --all)" -ge 2 ] || skip "one CPU: no CPU to own"
	cpu=$(($(nproc --all) - 1))
	update_config ".annotations = {\"carve.cpus\": \"$cpu\"}"
	if ! carve_create --bundle "$BUNDLE" "$ID"; then
		# Only another container owning the CPU is a reason to skip.
		[[ "$output" == *"is owned by"* ]] && skip "CPU $cpu is owned by another container: $output"
		false
	fi
	carve start "$ID"
	CPID=$(carve state "$ID" | jq -r .pid)
	run carve update --cpuset-cpus 0 "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"owns its CPUs (annotation carve.cpus \`$cpu\`)"* ]]
	run carve update -r - "$ID" <<<'{"cpu": {"cpus": "0"}}'
	[ "$status" -eq 1 ]
	[[ "$output" == *"carve.cpus"* ]]
	[ "$(cg_read "$CPID" cpuset cpuset.cpus)" = "$cpu" ]
	# The same set again (CRI runtimes repeat it) and other fields are fine.
	carve update --cpuset-cpus "$cpu" --cpu-share 300 "$ID"
	[ "$(cg_read "$CPID" cpu cpu.shares)" = 300 ]
}

# --- pause, resume ---------------------------------------------------------------

@test "pause and resume: the freezer, status paused in state and list, errors as runc's" {
	start_carve
	run carve resume "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container \`$ID\` is not paused"* ]]
	carve pause "$ID"
	[ "$(carve state "$ID" | jq -r .status)" = paused ]
	[ "$(carve list -f json | jq -r '.[0].status')" = paused ]
	carve list | grep -q "^$ID .* paused "
	if [ -n "$(cgroup_mount freezer)" ]; then
		[ "$(cg_read "$CPID" freezer freezer.state)" = FROZEN ]
	fi
	[ "$(sed -n 's/^State:\s*\(.\).*/\1/p' /proc/"$CPID"/status)" != R ]
	run carve pause "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container \`$ID\` is not running"* ]]
	run carve delete "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not stopped: paused"* ]]
	carve resume "$ID"
	[ "$(carve state "$ID" | jq -r .status)" = running ]
	if [ -n "$(cgroup_mount freezer)" ]; then
		[ "$(cg_read "$CPID" freezer freezer.state)" = THAWED ]
	fi
}

@test "pause of a created container, as runc; resume makes it created again" {
	carve_create --bundle "$BUNDLE" "$ID"
	carve pause "$ID"
	[ "$(carve state "$ID" | jq -r .status)" = paused ]
	run carve start "$ID"
	[ "$status" -eq 1 ]
	carve resume "$ID"
	[ "$(carve state "$ID" | jq -r .status)" = created ]
	carve start "$ID"
	[ "$(carve state "$ID" | jq -r .status)" = running ]
}

@test "pause and resume of a stopped container and of an unknown one" {
	update_config '.process.args = ["true"]'
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	wait_for_status "$ID" stopped
	run carve pause "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container \`$ID\` is not running"* ]]
	run carve resume "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container \`$ID\` is not paused"* ]]
	run carve pause nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"container \`nosuch\` does not exist"* ]]
}

@test "delete --force of a paused container leaves nothing" {
	start_carve
	carve pause "$ID"
	carve delete -f "$ID"
	wait_gone "$CPID"
	assert_no_leftovers "$ID"
}

# --- ps ------------------------------------------------------------------------------

@test "ps: ps -ef's header and the container's lines, as runc prints them" {
	require_runc
	command -v ps >/dev/null || skip "no ps(1) (procps)"
	run_both
	run carve ps "$ID"
	[ "$status" -eq 0 ]
	mine=$output
	run runc_ ps "$ID-runc"
	[ "$status" -eq 0 ]
	theirs=$output
	echo "carve: $mine"
	echo "runc:  $theirs"
	[ "$(head -1 <<<"$mine")" = "$(head -1 <<<"$theirs")" ]
	[ "$(wc -l <<<"$mine")" -eq 2 ]
	[ "$(wc -l <<<"$theirs")" -eq 2 ]
	[ "$(sed -n 2p <<<"$mine" | awk '{ print $2 }')" = "$CPID" ]
	[[ "$(sed -n 2p <<<"$mine")" == *"sleep 1000" ]]
	[ "$(sed -n 2p <<<"$mine" | wc -w)" -eq "$(sed -n 2p <<<"$theirs" | wc -w)" ]
}

@test "ps: the arguments after the id go to ps(1); without a PID column it fails as runc" {
	command -v ps >/dev/null || skip "no ps(1) (procps)"
	update_config '.process.args = ["sh", "-c", "sleep 1000 & sleep 1000"]'
	start_carve
	for i in $(seq 100); do [ "$(cgroup_pids_of "$ID" | wc -l)" -ge 2 ] && break; sleep 0.05; done
	run carve ps "$ID" -o pid,comm
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(ps -o pid,comm | head -1)" ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(printf '%s\n' "${lines[@]:1}" | awk '{ print $1 }' | sort -n)" = "$(cgroup_pids_of "$ID" | sort -n)" ]
	run carve ps "$ID" -o comm
	[ "$status" -eq 1 ]
	[[ "$output" == *"no PID column"* ]]
	run carve ps "$ID" --no-such-ps-flag
	[ "$status" -eq 1 ]
	[[ "$output" == *"ps: exit status"* ]]
}

@test "ps -f json: the container's PIDs as runc prints them; null once none is left" {
	require_runc
	run_both
	run carve ps -f json "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "[$CPID]" ]
	[ "$(runc_ ps -f json "$ID-runc")" = "[$RPID]" ]
	run carve ps --format table --format bad "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--format: \`bad\` is not \`table\` or \`json\`"* ]]
	carve kill "$ID" KILL
	runc_ kill "$ID-runc" KILL
	wait_for_status "$ID" stopped
	for i in $(seq 100); do [ -z "$(cgroup_pids_of "$ID")" ] && break; sleep 0.05; done
	for i in $(seq 100); do [ "$(runc_ state "$ID-runc" | jq -r .status)" = stopped ] && break; sleep 0.05; done
	[ "$(carve ps -f json "$ID")" = null ]
	[ "$(runc_ ps -f json "$ID-runc")" = null ]
}

# --- events ------------------------------------------------------------------------

@test "events --stats: one JSON line with runc's keys for the same config" {
	require_runc
	update_config '.linux.resources.pids = {"limit": 100} | .linux.resources.memory = {"limit": 134217728}'
	run_both
	sleep 0.2
	run carve events --stats "$ID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	mine=$output
	theirs=$(runc_ events --stats "$ID-runc")
	[ "$(jq -r .type <<<"$mine")" = stats ]
	[ "$(jq -r .id <<<"$mine")" = "$ID" ]
	[ "$(jq -r .data.pids.current <<<"$mine")" = 1 ]
	[ "$(jq -r .data.pids.limit <<<"$mine")" = 100 ]
	[ "$(jq -r .data.memory.usage.limit <<<"$mine")" = 134217728 ]
	# The same key set, array indexes folded; runc 1.1 reads no hugetlb of
	# the cgroup2 tree on a hybrid node, carve does.
	keys='[paths | map(if type == "number" then "[]" else . end) | join(".")] | unique
		| map(select(startswith("data.hugetlb.") | not)) | .[]'
	diff <(jq -r "$keys" <<<"$mine") <(jq -r "$keys" <<<"$theirs")
	# And in the same order, key by key.
	order='[paths | map(if type == "number" then "[]" else . end) | join(".")]
		| map(select(startswith("data.hugetlb.") or startswith("data.memory.raw.") | not)) | .[]'
	diff <(jq -r "$order" <<<"$mine" | uniq) <(jq -r "$order" <<<"$theirs" | uniq)
}

@test "events: stats every --interval until the container stops" {
	update_config '.process.args = ["sleep", "2"]'
	start_carve
	run timeout 20 "$CARVE_BINARY" --root "$TEST_ROOT" events --interval 300ms "$ID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -ge 3 ]
	for l in "${lines[@]}"; do
		[ "$(jq -r '.type + " " + .id' <<<"$l")" = "stats $ID" ]
	done
}

@test "events: an OOM kill in the container gives an oom event" {
	[ -n "$(cgroup_mount memory)" ] || [ -e "$(cgroup_mount "")/cgroup.controllers" ] || skip "no memory controller"
	update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}
		| .process.args = ["sh", "-c", "sleep 1; dd if=/dev/zero of=/dev/null bs=100M count=1; sleep 1000"]'
	start_carve
	"$CARVE_BINARY" --root "$TEST_ROOT" events --interval 1s "$ID" >"$BATS_TEST_TMPDIR/events" 2>&1 &
	epid=$!
	echo "$epid" >>"$BATS_TEST_TMPDIR/stray-pids"
	for i in $(seq 200); do grep -q '"type":"oom"' "$BATS_TEST_TMPDIR/events" && break; sleep 0.1; done
	cat "$BATS_TEST_TMPDIR/events"
	grep -qx "{\"type\":\"oom\",\"id\":\"$ID\"}" "$BATS_TEST_TMPDIR/events"
	# The stream ends with the container.
	carve kill "$ID" KILL
	for i in $(seq 100); do kill -0 "$epid" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$epid" 2>/dev/null
	wait "$epid"
}

@test "events: a bad --interval and a stopped container fail as runc's" {
	update_config '.process.args = ["true"]'
	carve_create --bundle "$BUNDLE" "$ID"
	run carve events --interval 0s "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"the interval must be greater than 0"* ]]
	run carve events --interval soon "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--interval: \`soon\` is not a duration"* ]]
	carve start "$ID"
	wait_for_status "$ID" stopped
	run carve events --stats "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container \`$ID\` is not running"* ]]
}

# --- the init gone, its children left (runc issue 4047) -------------------------

@test "the init exited and left children: ps lists them, plain delete kills them and leaves nothing" {
	update_config '.process.args = ["sh", "-c", "sleep 1000 & sleep 1000 & exit 0"]'
	start_carve
	wait_for_status "$ID" stopped
	pids=$(cgroup_pids_of "$ID")
	[ "$(wc -w <<<"$pids")" -eq 2 ]
	[ "$(carve ps -f json "$ID" | jq -c 'sort')" = "$(jq -cs 'sort' <<<"$pids")" ]
	carve delete "$ID"
	for p in $pids; do wait_gone "$p"; done
	assert_no_leftovers "$ID"
}

@test "the init exited and left a child: delete --force kills it and leaves nothing" {
	update_config '.process.args = ["sh", "-c", "sleep 1000 & exit 0"]'
	start_carve
	wait_for_status "$ID" stopped
	child=$(cgroup_pids_of "$ID")
	[ -n "$child" ]
	carve delete --force "$ID"
	wait_gone "$child"
	assert_no_leftovers "$ID"
}

# --- carve killed in the middle of create --------------------------------------

# Starts `carve create` with a createRuntime hook that writes its PID and
# sleeps, waits for the hook, and kills carve with SIGKILL.
create_and_kill() {
	local flag="$BATS_TEST_TMPDIR/hook.pid" i
	update_config ".hooks.createRuntime = [{\"path\": \"/bin/sh\",
		\"args\": [\"sh\", \"-c\", \"echo \$\$ > $flag; exec sleep 1000\"]}]"
	"$CARVE_BINARY" --root "$TEST_ROOT" create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 &
	CARVE_PID=$!
	for i in $(seq 200); do [ -s "$flag" ] && break; sleep 0.05; done
	[ -s "$flag" ]
	HOOK_PID=$(cat "$flag")
	echo "$HOOK_PID" >>"$BATS_TEST_TMPDIR/stray-pids"
	INIT_PID=$(jq -r .pid "$TEST_ROOT/$ID/state.json")
	[ "$INIT_PID" -gt 0 ]
	[ -n "$(find /sys/fs/cgroup -type d -name "$ID")" ]
	kill -9 "$CARVE_PID"
	local rc=0
	wait "$CARVE_PID" || rc=$?
	[ "$rc" -eq 137 ]
}

@test "kill -9 of carve during create: the container is stopped, delete removes its cgroups" {
	create_and_kill
	# The init dies with carve (PDEATHSIG).
	wait_gone "$INIT_PID"
	[ "$(carve state "$ID" | jq -r .status)" = stopped ]
	carve delete "$ID"
	assert_no_leftovers "$ID"
	[ -z "$(find /sys/fs/cgroup -type d -name "$ID*")" ]
	proc_gone "$INIT_PID"
}

@test "kill -9 of carve during create: delete --force removes its cgroups" {
	create_and_kill
	carve delete --force "$ID"
	wait_gone "$INIT_PID"
	assert_no_leftovers "$ID"
	[ -z "$(find /sys/fs/cgroup -type d -name "$ID*")" ]
}

@test "kill -9 of carve during create: delete copes with cgroups missing on some hierarchies" {
	create_and_kill
	wait_gone "$INIT_PID"
	# As if carve had died while it made the directories: some exist,
	# some do not.
	n=0
	for d in $(find /sys/fs/cgroup -depth -type d -name "$ID"); do
		[ $((n++ % 2)) -eq 0 ] && rmdir "$d"
	done
	[ "$n" -ge 2 ]
	carve delete "$ID"
	assert_no_leftovers "$ID"
	[ -z "$(find /sys/fs/cgroup -type d -name "$ID*")" ]
}

@test "a state directory without state.json (create killed before it saved) is removed by delete" {
	mkdir -p "$TEST_ROOT/$ID"
	run carve state "$ID"
	[ "$status" -eq 1 ]
	carve delete "$ID"
	[ ! -e "$TEST_ROOT/$ID" ]
}

# --- systemd -------------------------------------------------------------------------

@test "--systemd-cgroup without systemd fails with a clear error and leaves nothing" {
	[ ! -d /run/systemd/system ] || skip "systemd runs on this node"
	update_config ".linux.cgroupsPath = \"system.slice:carve:$ID\""
	run "$CARVE_BINARY" --root "$TEST_ROOT" --systemd-cgroup create --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"--systemd-cgroup: systemd is not running on this node"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	assert_no_leftovers "$ID"
	# A cgroupsPath that is not slice:prefix:name is named.
	update_config '.linux.cgroupsPath = "/plain/path"'
	run "$CARVE_BINARY" --root "$TEST_ROOT" --systemd-cgroup create --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.cgroupsPath: \`/plain/path\` is not of the form \`slice:prefix:name\`"* ]]
	assert_no_leftovers "$ID"
}
