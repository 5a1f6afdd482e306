#!/usr/bin/env bats
# Crash safety: carve killed (SIGKILL) at every named step of create, start,
# exec, delete, update, pause and resume (CARVE_FAULT_POINT, runtime/base/
# fault.h), for a plain container and for a compute container.  Afterwards
# `delete -f` succeeds and nothing is left: no state directory, cgroup,
# mount, process, hook process, ledger entry, or changed node setting.

load helpers
load node

setup() {
	node_setup
	update_config '.process.args = ["sleep", "1000"]'
}

teardown() {
	node_teardown
}

# Runs `carve ARGS...` with CARVE_FAULT_POINT=$1, which must kill it there.
killed_at() {
	local step=$1
	shift
	status=0
	CARVE_FAULT_POINT=$step "$CARVE_BINARY" --root "$TEST_ROOT" "$@" </dev/null >"$BATS_TEST_TMPDIR/fault.out" 2>&1 ||
		status=$?
	if [ "$status" -ne 137 ]; then
		echo "carve $* was not killed at $step (status $status): $(cat "$BATS_TEST_TMPDIR/fault.out")" >&2
		return 1
	fi
}

# After the kill: the next delete -f gives everything back.
delete_recovers() {
	run carve delete -f "$ID"
	echo "delete -f: $output"
	[ "$status" -eq 0 ]
	# A second one finds nothing, as runc.
	run carve state "$ID"
	[ "$status" -eq 1 ]
	assert_no_leftovers "$ID"
	[ "$(ledger_partitions)" = 0 ]
	assert_node_restored
}

compute_annotations() {
	annotate "{\"carve.cpus\": \"$LAST\", \"carve.memory\": \"4M\"}"
}

create_steps="create:claimed-id create:planned create:cloned create:cgroup create:applied create:hooks create:ready create:committed"
compute_create_steps="compute:recorded compute:cpuset compute:surrounded compute:evicting"

@test "faults: a plain create killed at each step: delete -f gives everything back" {
	update_config '.hooks = {"prestart": [{"path": "/bin/true"}]}'
	local step
	for step in $create_steps; do
		echo "--- $step"
		killed_at "$step" create --bundle "$BUNDLE" "$ID"
		delete_recovers
	done
}

@test "faults: a compute create killed at each step: delete -f gives the partition and the node back" {
	compute_annotations
	update_config '.hooks = {"prestart": [{"path": "/bin/true"}]}'
	local step
	for step in $create_steps $compute_create_steps; do
		echo "--- $step"
		killed_at "$step" create --bundle "$BUNDLE" "$ID"
		delete_recovers
	done
}

@test "faults: a compute create killed half-way is reclaimed by the next command, without delete" {
	compute_annotations
	local step
	for step in create:cloned create:cgroup compute:surrounded; do
		echo "--- $step"
		killed_at "$step" create --bundle "$BUNDLE" "$ID"
		# Any command: the partition's creator is dead and its create never
		# completed.
		carve list >/dev/null
		[ "$(ledger_partitions)" = 0 ]
		carve delete -f "$ID"
		assert_node_restored
	done
}

@test "faults: delete -f killed at each step: the next delete -f finishes the release" {
	local step kind
	for kind in plain compute; do
		[ "$kind" = compute ] && compute_annotations
		for step in delete:killed delete:poststop delete:cgroup delete:released compute:dropping compute:dropped compute:restoring; do
			[ "$kind" = plain ] && [ "${step%%:*}" = compute ] && continue
			echo "--- $kind $step"
			carve_create --bundle "$BUNDLE" "$ID"
			carve start "$ID"
			killed_at "$step" delete -f "$ID"
			delete_recovers
		done
	done
}

@test "faults: start, exec, update, pause and resume killed half-way: delete -f still cleans up" {
	local kind
	for kind in plain compute; do
		[ "$kind" = compute ] && compute_annotations
		echo "--- $kind start:opened-fifo"
		carve_create --bundle "$BUNDLE" "$ID"
		killed_at start:opened-fifo start "$ID"
		delete_recovers

		carve_create --bundle "$BUNDLE" "$ID"
		carve start "$ID"
		for step in exec:cloned exec:entered; do
			echo "--- $kind $step"
			killed_at "$step" exec "$ID" sleep 1000
		done
		echo "--- $kind update:applied"
		killed_at update:applied update --pids-limit 50 "$ID"
		echo "--- $kind pause:frozen"
		killed_at pause:frozen pause "$ID"
		[ "$(carve state "$ID" | jq -r .status)" = paused ]
		echo "--- $kind resume:thawing"
		killed_at resume:thawing resume "$ID"
		delete_recovers
	done
}

@test "faults: a createRuntime hook of a create killed with -9 is ended by delete -f and by the reclaim" {
	local hook_pid kind create_pid
	update_config ".hooks = {\"createRuntime\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo \$\$ > $HOOK_PID_FILE; sleep 600 & sleep 600\"]}]}"
	for kind in plain compute; do
		[ "$kind" = compute ] && compute_annotations
		rm -f "$HOOK_PID_FILE"
		"$CARVE_BINARY" --root "$TEST_ROOT" create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 &
		create_pid=$!
		for _ in $(seq 100); do [ -s "$HOOK_PID_FILE" ] && break; sleep 0.05; done
		hook_pid=$(cat "$HOOK_PID_FILE")
		kill -9 "$create_pid"
		wait "$create_pid" || true
		# The hook and what it started run on, reparented.
		kill -0 "$hook_pid"
		[ "$(pgrep -g "$hook_pid" | wc -l)" -ge 2 ]
		if [ "$kind" = compute ]; then
			carve list >/dev/null
		else
			carve delete -f "$ID"
		fi
		for _ in $(seq 50); do [ -z "$(pgrep -g "$hook_pid")" ] && break; sleep 0.05; done
		[ -z "$(pgrep -g "$hook_pid")" ]
		carve delete -f "$ID"
		assert_no_leftovers "$ID"
		[ "$(ledger_partitions)" = 0 ]
	done
	assert_node_restored
}

@test "faults: a state directory a create killed before its state left is taken back by list and by create" {
	mkdir -p "$TEST_ROOT/$ID"
	run carve list -q
	[ "$status" -eq 0 ]
	[ ! -e "$TEST_ROOT/$ID" ]
	mkdir -p "$TEST_ROOT/$ID" "$TEST_ROOT/#creating-abcdef"
	carve_create --bundle "$BUNDLE" "$ID"
	carve list >/dev/null
	[ ! -e "$TEST_ROOT/#creating-abcdef" ]
	carve delete -f "$ID"
	# One a create is still making (locked) is left alone.
	mkdir -p "$TEST_ROOT/$ID"
	exec 9<"$TEST_ROOT/$ID"
	flock 9
	run carve delete -f "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container \`$ID\` is being created"* ]]
	carve_create --bundle "$BUNDLE" "$ID-x"
	carve list >/dev/null
	[ -d "$TEST_ROOT/$ID" ]
	exec 9<&-
	carve delete -f "$ID-x" || true
	carve delete -f "$ID"
	[ ! -e "$TEST_ROOT/$ID" ]
}

@test "faults: a corrupt ledger: its previous copy carries on; with both gone delete keeps the container" {
	compute_annotations
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	cp "$LEDGER" "$BATS_TEST_TMPDIR/good"
	cp "$LEDGER.prev" "$BATS_TEST_TMPDIR/good.prev"
	# A torn or hand-edited ledger: the copy before the last commit is used,
	# and said so once (a warning: with --debug on stderr, and in the log).
	echo '{"version": 2, "boot' >"$LEDGER"
	run carve --debug --log "$BATS_TEST_TMPDIR/log" list
	[ "$status" -eq 0 ]
	[[ "$output" == *"ledger \`$LEDGER\` is corrupt"*"previous copy \`$LEDGER.prev\`"* ]]
	grep -q "ledger \`$LEDGER\` is corrupt" "$BATS_TEST_TMPDIR/log"
	[ "$(ledger_partitions)" = 1 ]
	run carve --debug list
	[[ "$output" != *corrupt* ]]
	# Both unreadable: delete refuses, keeps the state, says why, and does
	# not invite anyone to remove the ledger.
	echo garbage >"$LEDGER"
	echo garbage >"$LEDGER.prev"
	run carve delete -f "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container \`$ID\` is kept: its partition cannot be given back"*"and so is its previous copy"* ]]
	[[ "$output" != *"remove it"* ]]
	[ -d "$TEST_ROOT/$ID" ]
	# Repaired, the same delete finishes.
	cp "$BATS_TEST_TMPDIR/good" "$LEDGER"
	run carve delete -f "$ID"
	[ "$status" -eq 0 ]
	assert_no_leftovers "$ID"
	assert_node_restored
}
