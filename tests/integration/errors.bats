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

# --- the container's environment (env) ---------------------------------------

@test "a bad mount option names the mount and the option, in both modes" {
	local mode
	for mode in permeable oci; do
		update_config '.mounts += [{"destination": "/data", "type": "bind", "source": "/tmp", "options": ["rbind", "frobnicate"]}]'
		expect_error "mounts[7] \`/data\`: options[1]: \`frobnicate\` is not an option of a bind mount" \
			--isolation "$mode" create -b "$BUNDLE" "$ID"
		assert_nothing_left "$ID"
		update_config 'del(.mounts[7]) | .mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "frob=1"]}]'
		expect_error "mounts[7] \`/data\`: mount \`tmpfs\` with options \`frob=1\`: Invalid argument" \
			--isolation "$mode" create -b "$BUNDLE" "$ID"
		assert_nothing_left "$ID"
		update_config 'del(.mounts[7])'
	done
}

@test "an unknown rlimit type" {
	update_config '.process.rlimits += [{"type": "RLIMIT_FROB", "hard": 1, "soft": 1}]'
	expect_error "process.rlimits[1].type: unknown rlimit \"RLIMIT_FROB\"" create -b "$BUNDLE" "$ID"
	assert_nothing_left "$ID"
}

@test "a relative mount destination" {
	# config.md deprecates them; carve refuses them (runc 1.1 warns).
	update_config '.mounts += [{"destination": "data", "type": "tmpfs", "source": "tmpfs"}]'
	expect_error "mounts[7].destination: \"data\" is not an absolute path" create -b "$BUNDLE" "$ID"
	assert_nothing_left "$ID"
}

@test "a device that cannot be what linux.devices asks for" {
	# A file at the device's path that is not that device (config-linux.md:
	# an error), in both modes.
	mkdir -p "$BUNDLE/rootfs/data"
	echo plain >"$BUNDLE/rootfs/data/dev"
	mknod "$BUNDLE/rootfs/data/zero" c 1 5
	local mode
	for mode in permeable oci; do
		update_config '.linux.devices = [{"path": "/data/dev", "type": "c", "major": 1, "minor": 3}]'
		expect_error "linux.devices[0] \`/data/dev\`: exists and is not a character device" \
			--isolation "$mode" create -b "$BUNDLE" "$ID"
		assert_nothing_left "$ID"
		update_config '.linux.devices = [{"path": "/data/zero", "type": "c", "major": 1, "minor": 3}]'
		expect_error "linux.devices[0] \`/data/zero\`: exists and is character device 1:5, not 1:3" \
			--isolation "$mode" create -b "$BUNDLE" "$ID"
		assert_nothing_left "$ID"
	done
	[ "$(cat "$BUNDLE/rootfs/data/dev")" = plain ]
}

@test "a device the host does not have, in a user namespace (bound from the host)" {
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.devices = [{"path": "/dev/carve-missing", "type": "c", "major": 1, "minor": 3}]'
	chmod o+x "$BATS_RUN_TMPDIR"
	expect_error "linux.devices[0] \`/dev/carve-missing\`: no such device on the host" \
		--isolation oci create -b "$BUNDLE" "$ID"
	assert_nothing_left "$ID"
	# And one the host has, but as another device.
	update_config '.linux.devices = [{"path": "/dev/null", "type": "c", "major": 1, "minor": 5}]'
	expect_error "linux.devices[0] \`/dev/null\`: the host's \`/dev/null\` is not the character device 1:5 asked for" \
		--isolation oci create -b "$BUNDLE" "$ID"
	assert_nothing_left "$ID"
}

@test "a mount target behind a symlink that leaves the rootfs through /proc" {
	# An absolute symlink is resolved inside the rootfs (environment.bats);
	# one through a /proc magic link would reach the host's tree: refused.
	ln -s /proc/self/root/tmp "$BUNDLE/rootfs/magic"
	# A name only this test uses: a /tmp/x another program left on the node
	# must not fail it, and what it checks is that carve made nothing.
	local target="carve-magic-$ID"
	[ ! -e "/tmp/$target" ]
	update_config ".mounts += [{\"destination\": \"/magic/$target\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}]"
	local mode
	for mode in permeable oci; do
		expect_error "mounts[7] \`/magic/$target\`: open \`/magic/$target\` (a symlink on the way loops or is a /proc magic link, which could leave the rootfs): Too many levels of symbolic links" \
			--isolation "$mode" create -b "$BUNDLE" "$ID"
		assert_nothing_left "$ID"
	done
	[ ! -e "/tmp/$target" ]
}

@test "sysctl and hostname: a global key fails in both modes, a namespaced one without its namespace in oci mode" {
	local mode
	for mode in permeable oci; do
		update_config '.linux.sysctl = {"vm.swappiness": "10"}'
		expect_error "linux.sysctl: \`vm.swappiness\` is not in a separate kernel namespace" \
			--isolation "$mode" create -b "$BUNDLE" "$ID"
		assert_nothing_left "$ID"
	done
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.namespaces |= map(select(.type != "network"))'
	expect_error "linux.sysctl: \`net.ipv4.ip_forward\` is not allowed in the host's network namespace" \
		--isolation oci create -b "$BUNDLE" "$ID"
	assert_nothing_left "$ID"
	update_config '.linux.sysctl = {"kernel.hostname": "x"}'
	expect_error "linux.sysctl: \`kernel.hostname\` conflicts with the \`hostname\` field" \
		--isolation oci create -b "$BUNDLE" "$ID"
	assert_nothing_left "$ID"
	update_config 'del(.linux.sysctl) | .hostname = "box" | .linux.namespaces |= map(select(.type != "uts"))'
	expect_error "hostname: needs a uts namespace in linux.namespaces" --isolation oci create -b "$BUNDLE" "$ID"
	assert_nothing_left "$ID"
}

@test "apparmorProfile and selinuxLabel without the LSM: a clear error" {
	if ! grep -qs Y /sys/module/apparmor/parameters/enabled; then
		update_config '.process.apparmorProfile = "carve-test"'
		expect_error "process.apparmorProfile: AppArmor is not enabled on this host" create -b "$BUNDLE" "$ID"
		assert_nothing_left "$ID"
		update_config 'del(.process.apparmorProfile)'
	fi
	if [ ! -d /sys/fs/selinux ]; then
		update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
		expect_error "process.selinuxLabel: SELinux is not enabled on this host" create -b "$BUNDLE" "$ID"
		assert_nothing_left "$ID"
	fi
	grep -qs Y /sys/module/apparmor/parameters/enabled && [ -d /sys/fs/selinux ] &&
		skip "both AppArmor and SELinux are enabled here"
	return 0
}

@test "an unknown or ungrantable capability is a warning naming it, not a failure" {
	update_config '.process.capabilities.bounding += ["CAP_FROB"] | .process.capabilities.effective += ["CAP_SYS_RESOURCE"]
		| .process.args = ["true"]'
	run --separate-stderr "$CARVE_BINARY" --root "$TEST_ROOT" --debug run -b "$BUNDLE" "$ID"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"carve: warning: process.capabilities.bounding: capability \`CAP_FROB\` is unknown, ignored"* ]]
	# Root here lacks CAP_SYS_RESOURCE (DESIGN.md): either not ours to give
	# or not in the permitted set; named either way.
	[[ "$stderr" == *"warning: process.capabilities.effective: capability \`CAP_SYS_RESOURCE\`"* ]]
}
