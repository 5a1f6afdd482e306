#!/usr/bin/env bats
# The container lifecycle: create, start, state, kill, delete, list, run;
# status transitions (runtime.md), PID reuse, and bad input that must fail
# with one clear line and leave nothing behind.

load helpers

# A hung test fails instead of blocking the suite.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-60}

# True when PID has exited (gone, or a zombie nobody reaped yet: this
# machine's PID 1 reaps late).
proc_gone() {
	local st
	st=$(sed -n 's/^.*) \(.\).*$/\1/p' /proc/"$1"/stat 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

# The keys of a JSON object with the type of each value, sorted: the shape
# of a runc output, without its values.
json_shape() {
	jq -S 'if type == "array" then .[0] else . end | to_entries | map({(.key): (.value | type)}) | add'
}

@test "create leaves the init waiting on the exec fifo, start runs the process" {
	carve_create --bundle "$BUNDLE" "$ID"
	[ -p "$TEST_ROOT/$ID/exec.fifo" ]
	run carve state "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = created ]
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" -gt 0 ]
	# Until start the init is carve itself, not the container's program.
	[ "$(readlink /proc/"$pid"/exe)" != "$(readlink -f "$BUNDLE/rootfs/bin/busybox")" ]

	run carve start "$ID"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	wait_for_status "$ID" running
	[ ! -e "$TEST_ROOT/$ID/exec.fifo" ]
	# The same PID now runs `sleep 1000` from the bundle's rootfs.
	[ "$(tr '\0' ' ' </proc/"$pid"/cmdline)" = "sleep 1000 " ]
	[ "$(carve state "$ID" | jq -r .pid)" = "$pid" ]
}

@test "start of a container that is not created fails" {
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	run carve start "$ID"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"$ID"*running* ]]
	[ "$(carve state "$ID" | jq -r .status)" = running ]
}

@test "status goes created, running, stopped, and delete removes everything" {
	update_config '.process.args = ["sleep", "0.5"]'
	carve_create --bundle "$BUNDLE" "$ID"
	[ "$(carve state "$ID" | jq -r .status)" = created ]
	carve start "$ID"
	[ "$(carve state "$ID" | jq -r .status)" = running ]
	wait_for_status "$ID" stopped
	run carve state "$ID"
	[ "$(jq -r .pid <<<"$output")" = 0 ]
	run carve delete "$ID"
	[ "$status" -eq 0 ]
	assert_no_leftovers "$ID"
	run carve state "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container \`$ID\` does not exist"* ]]
}

@test "state prints runc's keys and types" {
	require_runc
	update_config '.annotations = {"org.example.key": "value"}'
	carve_create --bundle "$BUNDLE" "$ID"
	run carve state "$ID"
	[ "$status" -eq 0 ]
	carve_shape=$(json_shape <<<"$output")
	[ "$(jq -r .id <<<"$output")" = "$ID" ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r .rootfs <<<"$output")" = "$BUNDLE/rootfs" ]
	[ "$(jq -r '.annotations["org.example.key"]' <<<"$output")" = value ]
	[[ "$(jq -r .created <<<"$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?Z$ ]]
	[ "$(jq -r .ociVersion <<<"$output")" = "$(jq -r .ociVersion "$BUNDLE/config.json")" ]

	runc_ create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	run runc_ state "$ID"
	[ "$status" -eq 0 ]
	runc_shape=$(json_shape <<<"$output")
	echo "carve: $carve_shape"
	echo "runc:  $runc_shape"
	[ "$carve_shape" = "$runc_shape" ]
	for k in ociVersion id pid status bundle rootfs created owner annotations; do
		jq -e --arg k "$k" 'has($k)' <<<"$carve_shape"
	done
}

@test "state without annotations omits the key, as runc" {
	carve_create --bundle "$BUNDLE" "$ID"
	run carve state "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq 'has("annotations")' <<<"$output")" = false ]
}

@test "a reused PID never makes a stopped container look running" {
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	wait_for_status "$ID" running
	pid=$(carve state "$ID" | jq -r .pid)
	state="$TEST_ROOT/$ID/state.json"
	cp "$state" "$BATS_TEST_TMPDIR/state.saved"

	# Another process with the saved PID: a different start time.
	jq '.pid_start = (.pid_start + 1)' "$BATS_TEST_TMPDIR/state.saved" >"$state"
	[ "$(carve state "$ID" | jq -r .status)" = stopped ]
	[ "$(carve state "$ID" | jq -r .pid)" = 0 ]
	run carve kill "$ID" KILL
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not running"* ]]
	# The process that really has the PID was not signalled.
	! proc_gone "$pid"

	# The saved PID now belongs to a live process of the host.
	sleep 1000 &
	other=$!
	jq --argjson p "$other" '.pid = $p' "$BATS_TEST_TMPDIR/state.saved" >"$state"
	status_now=$(carve state "$ID" | jq -r .status)
	run carve kill "$ID" KILL
	kill_status=$status
	alive=0
	kill -0 "$other" && alive=1
	kill "$other"
	wait "$other" || :
	[ "$status_now" = stopped ]
	[ "$kill_status" -eq 1 ]
	[ "$alive" -eq 1 ]

	cp "$BATS_TEST_TMPDIR/state.saved" "$state"
	[ "$(carve state "$ID" | jq -r .status)" = running ]
}

@test "kill sends SIGTERM by default" {
	update_config '.root.readonly = false'
	update_config '.process.args = ["sh", "-c", "trap \"echo TERM > /tmp/got; exit 0\" TERM; touch /tmp/ready; while :; do sleep 0.05; done"]'
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	for i in $(seq 100); do [ -e "$BUNDLE/rootfs/tmp/ready" ] && break; sleep 0.05; done
	run carve kill "$ID"
	[ "$status" -eq 0 ]
	wait_for_status "$ID" stopped
	[ "$(cat "$BUNDLE/rootfs/tmp/got")" = TERM ]
}

@test "kill takes signal names and numbers" {
	update_config '.root.readonly = false'
	update_config '.process.args = ["sh", "-c", "trap \"echo USR1 >> /tmp/got\" USR1; trap \"echo HUP >> /tmp/got\" HUP; touch /tmp/ready; while :; do sleep 0.05; done"]'
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	for i in $(seq 100); do [ -e "$BUNDLE/rootfs/tmp/ready" ] && break; sleep 0.05; done
	carve kill "$ID" USR1
	for i in $(seq 100); do [ "$(wc -l <"$BUNDLE/rootfs/tmp/got" 2>/dev/null)" = 1 ] && break; sleep 0.05; done
	carve kill "$ID" SIGHUP
	for i in $(seq 100); do [ "$(wc -l <"$BUNDLE/rootfs/tmp/got" 2>/dev/null)" = 2 ] && break; sleep 0.05; done
	[ "$(cat "$BUNDLE/rootfs/tmp/got" | tr '\n' ' ')" = "USR1 HUP " ]
	[ "$(carve state "$ID" | jq -r .status)" = running ]
	run carve kill "$ID" 9
	[ "$status" -eq 0 ]
	wait_for_status "$ID" stopped
}

@test "kill with a bad signal fails and signals nothing" {
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	for sig in SIGFOO 0x9 99999 ""; do
		run carve kill "$ID" "$sig"
		echo "$sig: $output"
		[ "$status" -eq 1 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *signal* ]]
	done
	[ "$(carve state "$ID" | jq -r .status)" = running ]
}

@test "kill of a stopped container fails, kill --all of a stopped container with no process succeeds" {
	update_config '.process.args = ["true"]'
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	wait_for_status "$ID" stopped
	run carve kill "$ID" KILL
	[ "$status" -eq 1 ]
	[[ "$output" == *"container \`$ID\` is not running"* ]]
	# runc: --all on a stopped container signals what is left, if anything.
	run carve kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	[ "$(carve state "$ID" | jq -r .status)" = stopped ]
}

@test "kill --all reaches the children the init left behind" {
	update_config '.process.args = ["sh", "-c", "sleep 1000 & sleep 1000 & exit 0"]'
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	wait_for_status "$ID" stopped
	pids=$(cgroup_pids_of "$ID") || skip "no pids cgroup for $ID"
	[ "$(wc -w <<<"$pids")" -eq 2 ]
	for p in $pids; do [ "$(tr '\0' ' ' </proc/"$p"/cmdline)" = "sleep 1000 " ]; done

	# Without --all only the (gone) init would be signalled.
	run carve kill "$ID" KILL
	[ "$status" -eq 1 ]
	run carve kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	for i in $(seq 100); do [ -z "$(cgroup_pids_of "$ID")" ] && break; sleep 0.05; done
	[ -z "$(cgroup_pids_of "$ID")" ]
	for p in $pids; do proc_gone "$p"; done
	carve delete "$ID"
	assert_no_leftovers "$ID"
}

@test "kill --all signals every process of a running container" {
	update_config '.process.args = ["sh", "-c", "sleep 1000 & sleep 1000 & wait"]'
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	for i in $(seq 100); do [ "$(cgroup_pids_of "$ID" | wc -l)" -ge 3 ] && break; sleep 0.05; done
	pids=$(cgroup_pids_of "$ID") || skip "no pids cgroup for $ID"
	[ "$(wc -w <<<"$pids")" -eq 3 ]
	run carve kill -a "$ID" TERM
	[ "$status" -eq 0 ]
	wait_for_status "$ID" stopped
	for i in $(seq 100); do [ -z "$(cgroup_pids_of "$ID")" ] && break; sleep 0.05; done
	for p in $pids; do proc_gone "$p"; done
}

@test "delete refuses a running container, delete --force removes it" {
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	pid=$(carve state "$ID" | jq -r .pid)
	run carve delete "$ID"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"cannot delete container \`$ID\` that is not stopped: running"* ]]
	[ "$(carve state "$ID" | jq -r .status)" = running ]

	run carve delete --force "$ID"
	[ "$status" -eq 0 ]
	proc_gone "$pid"
	assert_no_leftovers "$ID"
}

@test "delete --force of a created container kills its init" {
	carve_create --bundle "$BUNDLE" "$ID"
	pid=$(carve state "$ID" | jq -r .pid)
	! proc_gone "$pid"
	run carve delete -f "$ID"
	[ "$status" -eq 0 ]
	proc_gone "$pid"
	assert_no_leftovers "$ID"
}

@test "delete of a created container without --force removes it, as runc" {
	carve_create --bundle "$BUNDLE" "$ID"
	pid=$(carve state "$ID" | jq -r .pid)
	run carve delete "$ID"
	[ "$status" -eq 0 ]
	proc_gone "$pid"
	assert_no_leftovers "$ID"
}

@test "delete --force of a stopped container and of an unknown one" {
	update_config '.process.args = ["true"]'
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	wait_for_status "$ID" stopped
	carve delete --force "$ID"
	assert_no_leftovers "$ID"
	# As runc 1.1: --force of one that is gone succeeds, quietly; without
	# it, the id is named.
	run carve delete --force "$ID"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run carve delete "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container \`$ID\` does not exist"* ]]
}

@test "list prints runc's table" {
	require_runc
	run carve list
	[ "$status" -eq 0 ]
	[ "$output" = "$(runc_ list)" ]

	carve_create --bundle "$BUNDLE" "$ID"
	carve_create --bundle "$BUNDLE" "$ID-b"
	carve start "$ID-b"
	run carve list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	read -ra head <<<"${lines[0]}"
	[ "${head[*]}" = "ID PID STATUS BUNDLE CREATED OWNER" ]
	read -ra row <<<"${lines[1]}"
	[ "${row[0]}" = "$ID" ]
	[ "${row[1]}" = "$(carve state "$ID" | jq -r .pid)" ]
	[ "${row[2]}" = created ]
	[ "${row[3]}" = "$BUNDLE" ]
	[ "${row[5]}" = root ]
	read -ra row <<<"${lines[2]}"
	[ "${row[0]}" = "$ID-b" ]
	[ "${row[2]}" = running ]

	# Columns start where runc's start (Go's tabwriter).
	runc_ create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	runc_ create --bundle "$BUNDLE" "$ID-b" </dev/null >/dev/null 2>&1
	runc_out=$(runc_ list)
	echo "$runc_out"
	carve_head=$(sed -n 1p <<<"$output" | sed 's/[A-Z]\+/X/g')
	runc_head=$(sed -n 1p <<<"$runc_out" | sed 's/[A-Z]\+/X/g')
	# The CREATED column's width depends on the nanoseconds of the times.
	[ "$(cut -c1-60 <<<"$carve_head")" = "$(cut -c1-60 <<<"$runc_head")" ]
}

@test "list -f json: runc's keys, null when empty" {
	require_runc
	run carve list -f json
	[ "$status" -eq 0 ]
	[ "$output" = null ]
	[ "$output" = "$(runc_ list -f json)" ]

	update_config '.annotations = {"a": "b"}'
	carve_create --bundle "$BUNDLE" "$ID"
	run carve list --format json
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" = 1 ]
	[ "$(jq -r '.[0].id' <<<"$output")" = "$ID" ]
	[ "$(jq -r '.[0].status' <<<"$output")" = created ]
	[ "$(jq -r '.[0].owner' <<<"$output")" = root ]
	carve_shape=$(json_shape <<<"$output")
	runc_ create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	runc_shape=$(runc_ list -f json | json_shape)
	echo "carve: $carve_shape"
	echo "runc:  $runc_shape"
	[ "$carve_shape" = "$runc_shape" ]
}

@test "list -q prints the ids only" {
	carve_create --bundle "$BUNDLE" "$ID-2"
	carve_create --bundle "$BUNDLE" "$ID-1"
	run carve list -q
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n%s' "$ID-1" "$ID-2")" ]
	run carve list -f table
	[ "$status" -eq 0 ]
	run carve list -f yaml
	[ "$status" -eq 1 ]
	[[ "$output" == *"yaml"* ]]
}

@test "run returns the container's exit status and output" {
	update_config '.process.args = ["sh", "-c", "echo out; echo err >&2; exit 3"]'
	run --separate-stderr carve run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 3 ]
	[ "$output" = out ]
	[ "$stderr" = err ]
	assert_no_leftovers "$ID"

	update_config '.process.args = ["true"]'
	run carve run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_no_leftovers "$ID"
}

@test "run passes its stdin to the container" {
	update_config '.process.args = ["sh", "-c", "read line; echo got $line"]'
	run carve run --bundle "$BUNDLE" "$ID" <<<"hello"
	[ "$status" -eq 0 ]
	[ "$output" = "got hello" ]
}

@test "run of a process killed by a signal returns 128 + signal" {
	update_config '.process.args = ["sh", "-c", "kill -KILL $$"]'
	run carve run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 137 ]
	assert_no_leftovers "$ID"
}

@test "run forwards signals to the container" {
	update_config '.root.readonly = false'
	update_config '.process.args = ["sh", "-c", "trap \"echo got-$SIG; exit 42\" TERM; touch /tmp/ready; while :; do sleep 0.05; done"]'
	update_config '.process.env += ["SIG=TERM"]'
	# Not the `carve` function: $! must be carve itself, not a subshell.
	"$CARVE_BINARY" --root "$TEST_ROOT" run --bundle "$BUNDLE" "$ID" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	runpid=$!
	for i in $(seq 100); do [ -e "$BUNDLE/rootfs/tmp/ready" ] && break; sleep 0.05; done
	[ "$(carve state "$ID" | jq -r .status)" = running ]
	kill -TERM "$runpid"
	rc=0
	wait "$runpid" || rc=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$rc" -eq 42 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = got-TERM ]
	assert_no_leftovers "$ID"
}

@test "run --detach leaves the container running" {
	carve run --detach --bundle "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	[ "$(carve state "$ID" | jq -r .status)" = running ]
	run -1 carve run -d --bundle "$BUNDLE" "$ID"
	[[ "$output" == *"container \`$ID\` already exists"* ]]
	[ "$(carve state "$ID" | jq -r .status)" = running ]
}

@test "run --keep keeps the stopped container" {
	update_config '.process.args = ["sh", "-c", "exit 5"]'
	run carve run --keep --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 5 ]
	run carve state "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = stopped ]
	[ "$(carve list -q)" = "$ID" ]
	carve delete "$ID"
	assert_no_leftovers "$ID"
}

@test "the --root default is /run/carve" {
	[ ! -e "/run/carve/$ID" ] || skip "/run/carve/$ID exists"
	had_root=0
	[ -d /run/carve ] && had_root=1
	"$CARVE_BINARY" create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	present=0
	[ -f "/run/carve/$ID/state.json" ] && present=1
	listed=$("$CARVE_BINARY" list -q | grep -cx "$ID" || :)
	"$CARVE_BINARY" delete -f "$ID"
	[ "$had_root" -eq 1 ] || rmdir /run/carve 2>/dev/null || :
	[ "$present" -eq 1 ]
	[ "$listed" -eq 1 ]
	[ ! -e "/run/carve/$ID" ]
}

# --- bad input -----------------------------------------------------------

# Runs carve with a json log and checks the failure: exit 1, one line on
# stderr containing $1, and the same message as an error line in the log.
expect_failure() {
	local want=$1
	shift
	rm -f "$BATS_TEST_TMPDIR/log.json"
	run --separate-stderr "$CARVE_BINARY" --root "$TEST_ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json "$@"
	echo "status: $status"
	echo "stderr: $stderr"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == *"$want"* ]]
	[ -z "$output" ]
	local last
	last=$(grep '"level":"error"' "$BATS_TEST_TMPDIR/log.json" | tail -n 1)
	echo "log: $last"
	[ "$(jq -r .level <<<"$last")" = error ]
	[[ "$(jq -r .msg <<<"$last")" == *"$want"* ]]
	[[ "$(jq -r .time <<<"$last")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]]
}

# No process of the bundle's rootfs survives a failed create.
assert_no_process_of_bundle() {
	local p
	for p in /proc/[0-9]*; do
		if [ "$(readlink "$p/root" 2>/dev/null)" = "$BUNDLE/rootfs" ]; then
			echo "process ${p#/proc/} left behind" >&2
			return 1
		fi
		if grep -qs "$TEST_ROOT/$ID" "$p/cmdline"; then
			echo "process ${p#/proc/} left behind" >&2
			return 1
		fi
	done
}

@test "malformed config.json" {
	echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	expect_failure "config.json" create --bundle "$BUNDLE" "$ID"
	assert_no_leftovers "$ID"
	[ -z "$(carve list -q)" ]

	echo '{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": "sh", "cwd": "/"}}' >"$BUNDLE/config.json"
	expect_failure "process.args" create --bundle "$BUNDLE" "$ID"
	assert_no_leftovers "$ID"
}

@test "missing rootfs" {
	rm -rf "$BUNDLE/rootfs"
	expect_failure "rootfs" create --bundle "$BUNDLE" "$ID"
	[[ "$stderr" == *"$BUNDLE/rootfs"* ]]
	assert_no_leftovers "$ID"
	expect_failure "rootfs" run --bundle "$BUNDLE" "$ID"
	assert_no_leftovers "$ID"
}

@test "missing bundle and missing executable" {
	expect_failure "$BATS_TEST_TMPDIR/nowhere" create --bundle "$BATS_TEST_TMPDIR/nowhere" "$ID"
	assert_no_leftovers "$ID"

	update_config '.process.args = ["/bin/no-such-program"]'
	expect_failure "no-such-program" create --bundle "$BUNDLE" "$ID"
	assert_no_leftovers "$ID"
	assert_no_process_of_bundle
}

@test "duplicate id" {
	carve_create --bundle "$BUNDLE" "$ID"
	pid=$(carve state "$ID" | jq -r .pid)
	expect_failure "container \`$ID\` already exists" create --bundle "$BUNDLE" "$ID"
	# The first container is untouched.
	[ "$(carve state "$ID" | jq -r .status)" = created ]
	[ "$(carve state "$ID" | jq -r .pid)" = "$pid" ]
	carve start "$ID"
	[ "$(carve state "$ID" | jq -r .status)" = running ]
}

@test "unknown id" {
	for cmd in state start delete "kill"; do
		expect_failure "container \`nosuch\` does not exist" $cmd nosuch
	done
	expect_failure "container \`nosuch\` does not exist" kill nosuch KILL
	# As runc: delete --force of a container that is not there is done
	# already (Slurm and containerd's shim delete what may be gone).
	require_runc
	run runc_ delete -f nosuch
	[ "$status" -eq 0 ]
	run carve delete -f nosuch
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "invalid id" {
	expect_failure "invalid container id" create --bundle "$BUNDLE" "../escape"
	[ ! -e "$TEST_ROOT/../escape" ]
	expect_failure "invalid container id" state "a/b"
	expect_failure "invalid container id" create --bundle "$BUNDLE" ".."
}

@test "bad options and commands" {
	expect_failure "unknown command \`frobnicate\`" frobnicate
	expect_failure "create: missing argument" create
	expect_failure "kill: too many arguments" kill a b c
	# No log without a valid format: the message goes to stderr alone.
	run --separate-stderr carve --log "$BATS_TEST_TMPDIR/log" --log-format yaml list
	[ "$status" -eq 1 ]
	[ "$stderr" = "carve: --log-format: \`yaml\` is not \`text\` or \`json\`" ]
	expect_failure "--root" --root relative/dir list
}

@test "a failing prestart hook fails create and leaves nothing" {
	update_config '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "echo hook-says-no >&2; exit 3"]}]'
	expect_failure "prestart hook" create --bundle "$BUNDLE" "$ID"
	[[ "$stderr" == *"hook-says-no"* ]]
	[[ "$stderr" == *"3"* ]]
	assert_no_leftovers "$ID"
	assert_no_process_of_bundle
}

@test "a failing createRuntime hook fails run and leaves nothing" {
	update_config '.hooks.createRuntime = [{"path": "/bin/false"}]'
	expect_failure "createRuntime hook" run --bundle "$BUNDLE" "$ID"
	assert_no_leftovers "$ID"
	assert_no_process_of_bundle
}

@test "a failing poststart hook fails start and stops the container" {
	update_config '.hooks.poststart = [{"path": "/bin/sh", "args": ["sh", "-c", "exit 7"]}]'
	carve_create --bundle "$BUNDLE" "$ID"
	pid=$(carve state "$ID" | jq -r .pid)
	expect_failure "poststart hook" start "$ID"
	wait_for_status "$ID" stopped
	proc_gone "$pid"
	carve delete "$ID"
	assert_no_leftovers "$ID"
}

@test "a failing poststop hook is a warning" {
	update_config '.hooks.poststop = [{"path": "/bin/false"}] | .process.args = ["true"]'
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	wait_for_status "$ID" stopped
	run --separate-stderr carve --debug delete "$ID"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"warning"*"poststop hook"* ]]
	assert_no_leftovers "$ID"
}

@test "the json log has runc's keys" {
	require_runc
	run "$CARVE_BINARY" --root "$TEST_ROOT" --log "$BATS_TEST_TMPDIR/carve.log" --log-format json state nosuch
	[ "$status" -eq 1 ]
	run runc --root "$RUNC_ROOT" --log "$BATS_TEST_TMPDIR/runc.log" --log-format json state nosuch
	[ "$status" -eq 1 ]
	carve_keys=$(tail -n 1 "$BATS_TEST_TMPDIR/carve.log" | jq -c 'keys')
	runc_keys=$(tail -n 1 "$BATS_TEST_TMPDIR/runc.log" | jq -c 'keys')
	[ "$carve_keys" = "$runc_keys" ]
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/carve.log" | jq -r .level)" = "$(tail -n 1 "$BATS_TEST_TMPDIR/runc.log" | jq -r .level)" ]
}

@test "the text log has runc's fields, --debug adds debug lines" {
	run "$CARVE_BINARY" --root "$TEST_ROOT" --log "$BATS_TEST_TMPDIR/carve.log" state nosuch
	[ "$status" -eq 1 ]
	line=$(tail -n 1 "$BATS_TEST_TMPDIR/carve.log")
	[[ "$line" =~ ^time=\"[0-9T:Z-]+\"\ level=error\ msg=\".*nosuch.*\"$ ]]
	run "$CARVE_BINARY" --debug --root "$TEST_ROOT" list
	[ "$status" -eq 0 ]
}
