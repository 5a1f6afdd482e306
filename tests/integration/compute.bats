#!/usr/bin/env bats
# Compute containers' exclusive CPUs and kernel-noise eviction: the cpusets,
# the CPUs every host task may use, the IRQ and workqueue masks, during and
# after, on whatever CPUs this node has (never a hard-coded 0 or 1).

load helpers

load node

setup() {
	node_setup
}

teardown() {
	node_teardown
}

@test "an exclusive CPU: its cpuset, the ServiceOS, host tasks, IRQs and workqueues, all back after delete" {
	annotate "{\"carve.cpus\": \"$LAST\"}"
	carve_create --bundle "$BUNDLE" "$ID"
	# A container that starts as asked says nothing on stderr; what carve
	# could not do (an IRQ that refuses to move) is in its state.
	[ -z "$output" ]
	local create_output dir irq f rest
	create_output=$(carve state "$ID" | jq -r '."carve.warnings" // [] | .[]')

	dir=$(cpuset_of "$ID")
	[ -d "$dir" ]
	[[ "$dir" == "$CPUSET/carve.compute/"* ]]
	[ "$(cat "$dir/cpuset.cpus")" = "$LAST" ]
	[ "$(cat "$dir/cpuset.cpu_exclusive")" = 1 ]
	[ "$(cat "$dir/cpuset.sched_load_balance")" = 0 ]
	[ "$(cat "$CPUSET/carve.compute/cpuset.cpu_exclusive")" = 1 ]
	[ "$(cat "$CPUSET/cpuset.sched_load_balance")" = 0 ]
	# The container's process is there, and only runs on its CPU.
	grep -qx "$(carve state "$ID" | jq .pid)" "$dir/cgroup.procs"
	[ "$(awk '/^Cpus_allowed_list/ {print $2}' /proc/"$(carve state "$ID" | jq .pid)"/status)" = "$LAST" ]

	# The ServiceOS holds every other CPU.
	rest=$(expand_list "$(cat "$CPUSET/carve.serviceos/cpuset.cpus")")
	[ "$rest" = "$(for f in "${CPUS[@]}"; do [ "$f" = "$LAST" ] || echo "$f"; done | xargs)" ]

	# No host task may run on the CPU.
	run tasks_on_cpu "$LAST" "$dir"
	[ -z "$output" ] || {
		echo "tasks that may still run on CPU $LAST:" >&2
		echo "$output" >&2
		false
	}

	# IRQs moved off, or named as refusing; the workqueue masks too.
	for f in /proc/irq/*/smp_affinity; do
		irq=$(basename "$(dirname "$f")")
		if mask_has "$(cat "$f")" "$LAST"; then
			grep -q "irq $irq: smp_affinity refused" <<<"$create_output" || {
				echo "irq $irq still on CPU $LAST: $(cat "$f")" >&2
				false
			}
		fi
	done
	! mask_has "$(cat /proc/irq/default_smp_affinity)" "$LAST"
	! mask_has "$(cat "$WQ/cpumask")" "$LAST"

	# The partition map.
	run carve node
	[ "$status" -eq 0 ]
	[[ "$output" == *"$ID"* ]]
	run carve node --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r --arg id "$ID" '.containers[] | select(.id == $id) | .cpus' <<<"$output")" = "$LAST" ]
	[ "$(jq -r --arg id "$ID" '.containers[] | select(.id == $id) | .exclusive' <<<"$output")" = true ]
	[ "$(jq -r '.serviceos.cpus' <<<"$output")" = "$FIRST" ]
	[ "$(jq -r --arg id "$ID" '.containers[] | select(.id == $id) | .evicted.workqueues' <<<"$output")" -ge 1 ]
	! list_has "$(jq -r .host_cpus <<<"$output")" "$LAST"
	# The IRQs that refused to move, as the state names them, are what
	# carve node reports: in JSON, and in text on the container's line.
	local refused unmoved
	refused=$(sed -n 's/^irq \([0-9]*\): smp_affinity refused.*/\1/p' <<<"$create_output" | sort -n | xargs)
	unmoved=$(jq -r --arg id "$ID" '.containers[] | select(.id == $id) | .evicted.irqs_unmoved[]' <<<"$output" | sort -n | xargs)
	echo "refused: [$refused] carve node: [$unmoved]"
	[ "$refused" = "$unmoved" ]
	run -0 carve node
	unmoved=$(sed -n 's/^ *irqs that refused to move: //p' <<<"$output" | tr , '\n' | sort -n | xargs)
	[ "$refused" = "$unmoved" ]

	run carve delete -f "$ID"
	[ "$status" -eq 0 ]
	assert_no_leftovers "$ID"
	assert_node_restored
	run carve node --format json
	[ "$(jq '.containers | length' <<<"$output")" = 0 ]
}

@test "exec joins the moved cpuset; load_balance and kthreads=keep are honoured" {
	annotate "{\"carve.cpus\": \"$LAST\", \"carve.cpus.load_balance\": \"true\", \"carve.kthreads\": \"keep\"}"
	carve_create --bundle "$BUNDLE" "$ID"
	local dir
	dir=$(cpuset_of "$ID")
	[ "$(cat "$dir/cpuset.sched_load_balance")" = 1 ]
	# keep: the workqueue mask is untouched.
	[ "$(cat "$WQ/cpumask")" = "$(awk -v f="$WQ/cpumask" '$1 == f {print $2}' "$BATS_TEST_TMPDIR/settings.before")" ]

	run carve exec "$ID" sh -c 'grep Cpus_allowed_list /proc/self/status; grep cpuset /proc/self/cgroup'
	[ "$status" -eq 0 ]
	[[ "$output" == *"Cpus_allowed_list:"*"$LAST"* ]]
	[[ "$output" == *"carve.compute/"* ]]

	run carve delete -f "$ID"
	[ "$status" -eq 0 ]
	assert_node_restored
}

@test "a foreign cpuset spanning every CPU is shrunk, then grows back" {
	mkdir "$FOREIGN" "$FOREIGN/inner"
	cat "$CPUSET/cpuset.mems" >"$FOREIGN/cpuset.mems"
	echo "$ONLINE" >"$FOREIGN/cpuset.cpus"
	cat "$CPUSET/cpuset.mems" >"$FOREIGN/inner/cpuset.mems"
	echo "$ONLINE" >"$FOREIGN/inner/cpuset.cpus"
	sleep 1000 </dev/null >/dev/null 2>&1 &
	FOREIGN_PID=$!
	echo "$FOREIGN_PID" >"$FOREIGN/inner/tasks"

	annotate "{\"carve.cpus\": \"$LAST\"}"
	carve_create --bundle "$BUNDLE" "$ID"
	! list_has "$(cat "$FOREIGN/cpuset.cpus")" "$LAST"
	! list_has "$(cat "$FOREIGN/inner/cpuset.cpus")" "$LAST"
	! list_has "$(awk '/^Cpus_allowed_list/ {print $2}' /proc/$FOREIGN_PID/status)" "$LAST"

	run carve delete -f "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$FOREIGN/cpuset.cpus")" = "$ONLINE" ]
	[ "$(cat "$FOREIGN/inner/cpuset.cpus")" = "$ONLINE" ]
	assert_node_restored
}

@test "a cpuset another tool nests in carve.serviceos keeps its CPUs and its task; carve says it stays" {
	annotate "{\"carve.cpus\": \"$LAST\"}"
	carve_create --bundle "$BUNDLE" "$ID"
	local nested="$CPUSET/carve.serviceos/carve-test-nested-$$"
	mkdir "$nested"
	cat "$CPUSET/cpuset.mems" >"$nested/cpuset.mems"
	echo "$FIRST" >"$nested/cpuset.cpus"
	sleep 1000 </dev/null >/dev/null 2>&1 &
	FOREIGN_PID=$!
	echo "$FOREIGN_PID" >"$nested/tasks"
	run carve --debug delete -f "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	# Not widened: carve shrank nothing there.
	[ "$(cat "$nested/cpuset.cpus")" = "$FIRST" ]
	grep -qx "$FOREIGN_PID" "$nested/tasks"
	[ "$(awk '/^Cpus_allowed_list/ {print $2}' /proc/$FOREIGN_PID/status)" = "$FIRST" ]
	# carve.serviceos stays for it, with every CPU again, and carve says so.
	[ "$(cat "$CPUSET/carve.serviceos/cpuset.cpus")" = "$ONLINE" ]
	[[ "$output" == *"carve.serviceos\` stays: it holds cgroups another tool made in it"* ]]
	[ "$(ledger_partitions)" = 0 ]
	kill -9 "$FOREIGN_PID"
	wait "$FOREIGN_PID" 2>/dev/null || true
	FOREIGN_PID=
	rmdir "$nested"
	rmdir "$CPUSET/carve.serviceos"
}

@test "a CPU owned through one --root is refused through another, naming its owner" {
	annotate "{\"carve.cpus\": \"$LAST\"}"
	carve_create --bundle "$BUNDLE" "$ID"
	run "$CARVE_BINARY" --root "$ROOT2" create --bundle "$BUNDLE" "$ID-2" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"annotations.carve.cpus: \`$LAST\`: CPU $LAST is owned by container \`$ID\` (root \`$TEST_ROOT\`)"* ]]
	[ ! -e "$ROOT2/$ID-2" ]
	[ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d -name "$ID-2")" ]
	[ "$(ledger_partitions)" = 1 ]
	# The owner is untouched.
	[ "$(cat "$(cpuset_of "$ID")/cpuset.cpus")" = "$LAST" ]
	run carve delete -f "$ID"
	assert_node_restored
}

@test "a count takes a free CPU that is not the ServiceOS's; asking for the ServiceOS's CPU fails" {
	annotate '{"carve.cpus.count": "1"}'
	carve_create --bundle "$BUNDLE" "$ID"
	local got
	got=$(carve node --format json | jq -r --arg id "$ID" '.containers[] | select(.id == $id) | .cpus')
	[ "$(expand_list "$got" | wc -w)" = 1 ]
	[ "$got" != "$FIRST" ]
	[ "$(cat "$(cpuset_of "$ID")/cpuset.cpus")" = "$got" ]
	run carve delete -f "$ID"
	[ "$status" -eq 0 ]

	annotate "{\"carve.cpus\": \"$FIRST\"}"
	run carve create --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"annotations.carve.cpus: \`$FIRST\`: CPU $FIRST belongs to the ServiceOS"* ]]
	assert_no_leftovers "$ID"

	# More than the node can give.
	annotate "{\"carve.cpus.count\": \"${#CPUS[@]}\"}"
	run carve create --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"annotations.carve.cpus.count: \`${#CPUS[@]}\` CPUs asked"* ]]
	assert_no_leftovers "$ID"
	assert_node_restored
}

@test "every bad carve.* value fails create naming the key and value, leaving nothing behind" {
	local cases=(
		'carve.cpus|abc|{"carve.cpus": "abc"}|is not a CPU list'
		'carve.cpus|1-0|{"carve.cpus": "1-0"}|is not a CPU list'
		'carve.cpus|4000|{"carve.cpus": "4000"}|is not online'
		'carve.cpus.count|0|{"carve.cpus.count": "0"}|is not a number of CPUs'
		'carve.cpus.count|two|{"carve.cpus.count": "two"}|is not a number of CPUs'
		'carve.cpus.count|1|{"carve.cpus": "1", "carve.cpus.count": "1"}|carve.cpus `1` says which CPUs already'
		'carve.cpus.exclusive|yes|{"carve.cpus.count": "1", "carve.cpus.exclusive": "yes"}|is not `true` or `false`'
		'carve.cpus.load_balance|maybe|{"carve.cpus.count": "1", "carve.cpus.load_balance": "maybe"}|is not `true` or `false`'
		'carve.kthreads|drop|{"carve.cpus.count": "1", "carve.kthreads": "drop"}|is not `evict` or `keep`'
		'carve.cpus.exclusive|true|{"carve.cpus.exclusive": "true"}|needs carve.cpus'
		'carve.kthreads|evict|{"carve.kthreads": "evict"}|needs carve.cpus'
		'carve.cpus.load_balance|true|{"carve.cpus.count": "1", "carve.cpus.exclusive": "false", "carve.cpus.load_balance": "true"}|needs carve.cpus.exclusive=true'
	)
	local c key value json want
	for c in "${cases[@]}"; do
		IFS='|' read -r key value json want <<<"$c"
		annotate "$json"
		run carve create --bundle "$BUNDLE" "$ID" </dev/null
		echo "$key=$value: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"annotations.$key: \`$value\`"*"$want"* ]]
		assert_no_leftovers "$ID"
		[ "$(ledger_partitions)" = 0 ]
	done
	annotate '{"carve.cpu": "1"}'
	run carve create --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"annotations.carve.cpu: not a carve annotation"* ]]
	assert_no_leftovers "$ID"
	assert_node_restored
}

@test "parallel creates asking for one CPU each: exactly as many succeed as there are free CPUs" {
	local n=6 i ok=0 want=$((${#CPUS[@]} - 1))
	[ "$want" -le "$n" ] || want=$n
	annotate '{"carve.cpus.count": "1"}'
	for i in $(seq 1 $n); do
		(
			rc=0
			"$CARVE_BINARY" --root "$TEST_ROOT" create --bundle "$BUNDLE" "$ID-$i" </dev/null \
				>"$BATS_TEST_TMPDIR/par.$i" 2>&1 || rc=$?
			echo $rc >"$BATS_TEST_TMPDIR/par.$i.rc"
		) &
	done
	wait
	for i in $(seq 1 $n); do
		if [ "$(cat "$BATS_TEST_TMPDIR/par.$i.rc")" = 0 ]; then
			ok=$((ok + 1))
		else
			grep -q "annotations.carve.cpus.count: \`1\` CPUs asked, 0 free" "$BATS_TEST_TMPDIR/par.$i" || {
				cat "$BATS_TEST_TMPDIR/par.$i" >&2
				false
			}
			[ ! -e "$TEST_ROOT/$ID-$i" ]
		fi
	done
	[ "$ok" -eq "$want" ]
	[ "$(ledger_partitions)" = "$want" ]
	# Each owns a different CPU.
	[ "$(carve node --format json | jq -r '.containers[].cpus' | sort -u | wc -l)" = "$want" ]
	for i in $(seq 1 $n); do
		carve delete -f "$ID-$i" >/dev/null 2>&1 || true
	done
	assert_node_restored
}

@test "a create killed with -9 half-way: the next carve command gives everything back" {
	annotate "{\"carve.cpus\": \"$LAST\"}"
	update_config ".hooks = {\"createRuntime\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo \$\$ > $HOOK_PID_FILE; exec sleep 60\"]}]}"
	"$CARVE_BINARY" --root "$TEST_ROOT" create --bundle "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/killed.out" 2>&1 &
	local pid=$! i
	for i in $(seq 1 100); do
		[ -s "$HOOK_PID_FILE" ] && break
		sleep 0.05
	done
	[ -s "$HOOK_PID_FILE" ]
	# The partition is in place while the hook runs.
	[ "$(cat "$CPUSET/carve.compute/cpuset.cpus")" = "$LAST" ]
	kill -9 "$pid"
	wait "$pid" || true
	kill -9 "$(cat "$HOOK_PID_FILE")"
	[ "$(ledger_partitions)" = 1 ]

	run carve list
	[ "$status" -eq 0 ]
	assert_node_restored
	run carve delete "$ID"
	[ "$status" -eq 0 ]
	assert_no_leftovers "$ID"
}

@test "shared CPUs (carve.cpus.exclusive=false) set the cpuset without a partition" {
	annotate "{\"carve.cpus\": \"$LAST\", \"carve.cpus.exclusive\": \"false\"}"
	carve_create --bundle "$BUNDLE" "$ID"
	[ ! -d "$CPUSET/carve.compute" ]
	[ "$(awk '/^Cpus_allowed_list/ {print $2}' /proc/"$(carve state "$ID" | jq .pid)"/status)" = "$LAST" ]
	[ "$(carve node --format json | jq -r '.containers[0].exclusive')" = false ]
	# An exclusive request for the same CPU is refused while it is used.
	local b2="$BATS_TEST_TMPDIR/bundle2"
	mkdir "$b2"
	ln -s "$BUNDLE/rootfs" "$b2/rootfs"
	jq ".annotations = {\"carve.cpus\": \"$LAST\"}" "$BUNDLE/config.json" >"$b2/config.json"
	run "$CARVE_BINARY" --root "$ROOT2" create --bundle "$b2" "$ID-2" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"CPU $LAST is used by container \`$ID\`"* ]]
	run carve delete -f "$ID"
	[ "$status" -eq 0 ]
	assert_node_restored
}

@test "while a CPU is owned, other containers are created on the CPUs left" {
	annotate "{\"carve.cpus\": \"$LAST\"}"
	carve_create --bundle "$BUNDLE" "$ID"
	# A plain container at a new top-level cgroup: the kernel refuses it the
	# owned CPU, so carve gives it the others.
	local b2="$BATS_TEST_TMPDIR/bundle2" pid
	mkdir "$b2"
	ln -s "$BUNDLE/rootfs" "$b2/rootfs"
	jq ".annotations = {} | .linux.cgroupsPath = \"/$ID-plain\"" "$BUNDLE/config.json" >"$b2/config.json"
	carve_create --bundle "$b2" "$ID-plain"
	pid=$(carve state "$ID-plain" | jq .pid)
	! list_has "$(awk '/^Cpus_allowed_list/ {print $2}' /proc/"$pid"/status)" "$LAST"
	! list_has "$(cat "$CPUSET/$ID-plain/cpuset.cpus")" "$LAST"
	run carve delete -f "$ID-plain"
	[ "$status" -eq 0 ]
	run carve delete -f "$ID"
	[ "$status" -eq 0 ]
	assert_node_restored
}
