#!/usr/bin/env bats
# Every bad input fails the command with exit status 1, one line on stderr
# naming what was wrong, the same message as an error line of the json log,
# and leaves nothing behind: no state directory, cgroup, mount or process.

load helpers

setup() {
	setup_common
	LOG="$BATS_TEST_TMPDIR/carve.log"
	# The container's processes carry the test's id in their environment,
	# so that a leaked one is found after it exec'd.
	update_config ".process.env += [\"CARVE_TEST_ID=$ID\"]"
}

# expect_error MSG ARGS...: runs `carve --log LOG --log-format json ARGS...`
# and checks that it failed as a user expects: exit status 1, exactly one
# line on stderr, `carve: ` and a message containing MSG, and that message as
# the one error line of the json log ({"level","msg","time"}).
expect_error() {
	local msg=$1
	shift
	rm -f "$LOG"
	run --separate-stderr "$CARVE_BINARY" --root "$TEST_ROOT" --log "$LOG" --log-format json "$@"
	echo "exit status: $status"
	echo "stderr: $stderr"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "carve: "*"$msg"* ]]
	[ -z "$output" ]
	assert_json_error_logged "${stderr#carve: }"
}

# The log holds exactly one error line, with MSG, in runc's shape.
assert_json_error_logged() {
	local msg=$1
	echo "log: $(cat "$LOG")"
	# Every line is a JSON object with exactly runc's three keys.
	jq -e -s 'length > 0 and all(.[]; type == "object" and (keys == ["level", "msg", "time"])
		and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}")))' "$LOG"
	[ "$(jq -s '[.[] | select(.level == "error")] | length' "$LOG")" -eq 1 ]
	jq -e --arg m "$msg" 'select(.level == "error") | .msg == $m' "$LOG"
}

# No process of container ID is left: none has the id in its command line
# (the init before exec is `carve ... create ID`), its environment (the
# marker set in setup) or its cgroup path.
assert_no_processes() {
	local id=$1 f pid left=""
	for f in $(grep -lasF -e "$id" /proc/[0-9]*/cmdline /proc/[0-9]*/environ /proc/[0-9]*/cgroup 2>/dev/null); do
		pid=${f#/proc/}
		pid=${pid%%/*}
		# grep itself matched its own command line; it is gone now.
		[ -d "/proc/$pid" ] || continue
		[ "$pid" = "$$" ] && continue
		# A killed init reparented to PID 1 stays a zombie until PID 1 reaps
		# it (some sandboxes' PID 1 never does): it runs nothing and holds
		# nothing, so it is not a leftover of carve's.
		grep -qs '^State:.*Z' "/proc/$pid/status" && continue
		left="$left $pid:$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	done
	[ -z "$left" ] || { echo "processes of $id left behind:$left" >&2; return 1; }
}

assert_nothing_left() {
	assert_no_leftovers "$1"
	assert_no_processes "$1"
	# The failed create did not leave an entry for `list` either.
	[ -z "$(carve list -q)" ]
}

# A hook script that writes to stderr and exits 3.
failing_hook() {
	local path=$1
	mkdir -p "$(dirname "$path")"
	printf '#!/bin/sh\necho "boom from $1" >&2\nexit 3\n' >"$path"
	chmod +x "$path"
}

@test "malformed JSON in config.json" {
	echo '{"ociVersion": "1.3.0", "process": {' >"$BUNDLE/config.json"
	expect_error "config.json" create -b "$BUNDLE" "$ID"
	[[ "$stderr" == *"invalid JSON"* ]]
	assert_nothing_left "$ID"
}

@test "config.json of the wrong JSON type" {
	echo '["not", "an", "object"]' >"$BUNDLE/config.json"
	expect_error "expected an object" create -b "$BUNDLE" "$ID"
	assert_nothing_left "$ID"
}

@test "a field of the wrong JSON type names its path" {
	update_config '.process.args = "sleep 1000"'
	expect_error "process.args" create -b "$BUNDLE" "$ID"
	[[ "$stderr" == *"array"* ]]
	assert_nothing_left "$ID"
}

@test "missing ociVersion" {
	update_config 'del(.ociVersion)'
	expect_error "ociVersion" create -b "$BUNDLE" "$ID"
	assert_nothing_left "$ID"
}

@test "missing process" {
	update_config 'del(.process)'
	expect_error "process" create -b "$BUNDLE" "$ID"
	assert_nothing_left "$ID"
}

@test "missing rootfs" {
	rm -rf "$BUNDLE/rootfs"
	expect_error "root.path" create -b "$BUNDLE" "$ID"
	[[ "$stderr" == *"$BUNDLE/rootfs"* ]]
	[[ "$stderr" == *"No such file or directory"* ]]
	assert_nothing_left "$ID"
}

@test "rootfs is not a directory" {
	touch "$BUNDLE/rootfs.img"
	update_config '.root.path = "rootfs.img"'
	expect_error "root.path" create -b "$BUNDLE" "$ID"
	[[ "$stderr" == *"rootfs.img"* ]]
	[[ "$stderr" == *"Not a directory"* ]]
	assert_nothing_left "$ID"
}

@test "missing bundle" {
	expect_error "$BATS_TEST_TMPDIR/nowhere" create -b "$BATS_TEST_TMPDIR/nowhere" "$ID"
	assert_nothing_left "$ID"
}

@test "duplicate id: the second create fails, the first container is untouched" {
	carve create -b "$BUNDLE" "$ID"
	local before
	before=$(carve state "$ID" | jq -c '{pid, status, created}')
	expect_error "container \`$ID\` already exists" create -b "$BUNDLE" "$ID"
	[ "$(carve state "$ID" | jq -c '{pid, status, created}')" = "$before" ]
	[ "$(carve list -q)" = "$ID" ]
	carve delete "$ID"
	assert_nothing_left "$ID"
}

@test "invalid id characters" {
	local bad
	for bad in 'a/b' '../escape' 'a b' '.' '..' 'x;y'; do
		expect_error "invalid container id \`$bad\`" create -b "$BUNDLE" "$bad"
	done
	# Nothing was created in the state directory or next to it.
	[ -z "$(ls -A "$TEST_ROOT" 2>/dev/null)" ]
	[ ! -e "$BATS_TEST_TMPDIR/escape" ]
}

@test "an empty id" {
	expect_error "invalid container id" create -b "$BUNDLE" ""
	[ -z "$(ls -A "$TEST_ROOT" 2>/dev/null)" ]
}

@test "unknown id for start, state, kill and delete" {
	local verb
	for verb in start state kill delete; do
		expect_error "container \`nope-$ID\` does not exist" "$verb" "nope-$ID"
	done
	expect_error "container \`nope-$ID\` does not exist" delete --force "nope-$ID"
	expect_error "container \`nope-$ID\` does not exist" kill --all "nope-$ID" KILL
}

@test "bad signal names and numbers leave the container running" {
	carve create -b "$BUNDLE" "$ID"
	carve start "$ID"
	wait_for_status "$ID" running
	local sig
	for sig in FOO SIGFOO 99 65 1x; do
		expect_error "$sig" kill "$ID" "$sig"
		[[ "$stderr" == *signal* ]]
	done
	[ "$(carve state "$ID" | jq -r .status)" = running ]
}

@test "start on a running container" {
	carve create -b "$BUNDLE" "$ID"
	carve start "$ID"
	wait_for_status "$ID" running
	expect_error "cannot start container \`$ID\`" start "$ID"
	[[ "$stderr" == *running* ]]
	[ "$(carve state "$ID" | jq -r .status)" = running ]
}

@test "start on a stopped container" {
	update_config '.process.args = ["true"]'
	carve create -b "$BUNDLE" "$ID"
	carve start "$ID"
	wait_for_status "$ID" stopped
	expect_error "cannot start container \`$ID\`" start "$ID"
	[[ "$stderr" == *stopped* ]]
}

@test "delete of a running container without --force" {
	carve create -b "$BUNDLE" "$ID"
	carve start "$ID"
	wait_for_status "$ID" running
	expect_error "cannot delete container \`$ID\`" delete "$ID"
	[[ "$stderr" == *running* ]]
	[ "$(carve state "$ID" | jq -r .status)" = running ]
	[ -d "$TEST_ROOT/$ID" ]
	carve delete --force "$ID"
	assert_nothing_left "$ID"
}

@test "unknown command" {
	expect_error "unknown command \`frobnicate\`" frobnicate "$ID"
}

@test "unknown global flag" {
	expect_error "unknown option \`--frobnicate\`" --frobnicate list
}

@test "global option without its argument" {
	run --separate-stderr "$CARVE_BINARY" --root
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == *"\`--root\`"* ]]
}

@test "unknown flag of each subcommand" {
	local verb
	for verb in create start run state kill delete list; do
		expect_error "unknown option \`--frobnicate\`" "$verb" --frobnicate "$ID"
		[[ "$stderr" == *"$verb"* ]]
	done
	expect_error "unknown option" create -x -b "$BUNDLE" "$ID"
	assert_nothing_left "$ID"
}

@test "--log-format bad" {
	rm -f "$LOG"
	run --separate-stderr "$CARVE_BINARY" --root "$TEST_ROOT" --log "$LOG" --log-format yaml state "$ID"
	echo "stderr: $stderr"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "carve: "*"--log-format"*"yaml"* ]]
	# With no format to write it in, the log gets nothing rather than a
	# line its reader cannot parse.
	[ ! -s "$LOG" ]
}

@test "--isolation bad" {
	expect_error "--isolation: \`sealed\`" --isolation sealed create -b "$BUNDLE" "$ID"
	[[ "$stderr" == *permeable* ]]
	assert_nothing_left "$ID"
}

@test "bad carve.isolation annotation" {
	update_config '.annotations["carve.isolation"] = "sealed"'
	expect_error "carve.isolation" create -b "$BUNDLE" "$ID"
	[[ "$stderr" == *"\`sealed\`"* ]]
	assert_nothing_left "$ID"
}

@test "--console-socket with process.terminal false" {
	expect_error "--console-socket" create -b "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/console.sock" "$ID"
	[[ "$stderr" == *"terminal"* ]]
	assert_nothing_left "$ID"
}

@test "process.terminal true without --console-socket" {
	update_config '.process.terminal = true'
	expect_error "console-socket" create -b "$BUNDLE" "$ID"
	assert_nothing_left "$ID"
}

@test "exec of a missing binary fails create" {
	update_config '.process.args = ["no-such-program", "arg"]'
	expect_error "executable file not found" create -b "$BUNDLE" "$ID"
	[[ "$stderr" == *"no-such-program"* ]]
	assert_nothing_left "$ID"
}

@test "exec of a missing absolute path fails create" {
	update_config '.process.args = ["/bin/no-such-program"]'
	expect_error "/bin/no-such-program" create -b "$BUNDLE" "$ID"
	assert_nothing_left "$ID"
}

@test "--preserve-fds bad" {
	expect_error "--preserve-fds" create -b "$BUNDLE" --preserve-fds many "$ID"
	assert_nothing_left "$ID"
}

@test "a failing prestart hook fails create and leaves nothing" {
	failing_hook "$BUNDLE/hooks/fail"
	update_config ".hooks.prestart = [{\"path\": \"$BUNDLE/hooks/fail\", \"args\": [\"fail\", \"prestart\"]}]"
	expect_error "prestart hook \`$BUNDLE/hooks/fail\`" create -b "$BUNDLE" "$ID"
	[[ "$stderr" == *"exited with status 3"* ]]
	[[ "$stderr" == *"boom from prestart"* ]]
	assert_nothing_left "$ID"
}

@test "a failing createRuntime hook fails create and leaves nothing" {
	failing_hook "$BUNDLE/hooks/fail"
	update_config ".hooks.createRuntime = [{\"path\": \"$BUNDLE/hooks/fail\", \"args\": [\"fail\", \"createRuntime\"]}]"
	expect_error "createRuntime hook \`$BUNDLE/hooks/fail\`" create -b "$BUNDLE" "$ID"
	[[ "$stderr" == *"exited with status 3"* ]]
	[[ "$stderr" == *"boom from createRuntime"* ]]
	assert_nothing_left "$ID"
}

@test "a failing createContainer hook fails create and leaves nothing" {
	failing_hook "$BUNDLE/hooks/fail"
	update_config ".hooks.createContainer = [{\"path\": \"$BUNDLE/hooks/fail\", \"args\": [\"fail\", \"createContainer\"]}]"
	expect_error "createContainer hook \`$BUNDLE/hooks/fail\`" create -b "$BUNDLE" "$ID"
	[[ "$stderr" == *"exited with status 3"* ]]
	[[ "$stderr" == *"boom from createContainer"* ]]
	assert_nothing_left "$ID"
}

@test "a failing startContainer hook fails start; the container is stopped, delete leaves nothing" {
	# startContainer hooks resolve in the container: the script is in the rootfs.
	failing_hook "$BUNDLE/rootfs/bin/fail-hook"
	update_config '.hooks.startContainer = [{"path": "/bin/fail-hook", "args": ["fail", "startContainer"]}]'
	carve create -b "$BUNDLE" "$ID"
	expect_error "startContainer hook \`/bin/fail-hook\`" start "$ID"
	[[ "$stderr" == *"exited with status 3"* ]]
	[[ "$stderr" == *"boom from startContainer"* ]]
	wait_for_status "$ID" stopped
	carve delete "$ID"
	assert_nothing_left "$ID"
}

@test "a failing poststart hook fails start (runtime-spec 1.3); the container is stopped" {
	failing_hook "$BUNDLE/hooks/fail"
	update_config ".hooks.poststart = [{\"path\": \"$BUNDLE/hooks/fail\", \"args\": [\"fail\", \"poststart\"]}]"
	carve create -b "$BUNDLE" "$ID"
	expect_error "poststart hook \`$BUNDLE/hooks/fail\`" start "$ID"
	[[ "$stderr" == *"exited with status 3"* ]]
	[[ "$stderr" == *"boom from poststart"* ]]
	wait_for_status "$ID" stopped
	carve delete "$ID"
	assert_nothing_left "$ID"
}

@test "a hook that does not exist fails create with the exec error" {
	update_config ".hooks.createRuntime = [{\"path\": \"$BUNDLE/hooks/missing\"}]"
	expect_error "createRuntime hook \`$BUNDLE/hooks/missing\`" create -b "$BUNDLE" "$ID"
	[[ "$stderr" == *"No such file or directory"* ]]
	assert_nothing_left "$ID"
}

@test "run reports a failing create like create does" {
	update_config '.process.args = ["no-such-program"]'
	expect_error "executable file not found" run -b "$BUNDLE" "$ID"
	assert_nothing_left "$ID"
}
