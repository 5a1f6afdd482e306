#!/usr/bin/env bats
# The six OCI hooks (config.md "POSIX-platform Hooks", runtime.md
# "Lifecycle"): their order, the state on their stdin, the namespace they
# run in, args, env, timeout and the failure rules of runtime-spec 1.3.

load helpers

setup() {
	setup_common
	HOOKDIR="$BATS_TEST_TMPDIR/hooklog"
	HOOKLOG="$HOOKDIR/log"
	mkdir -p "$HOOKDIR" "$BUNDLE/hooks"
	# The container sees the log's directory at /hooklog.
	update_config ".mounts += [{\"destination\": \"/hooklog\", \"type\": \"bind\", \"source\": \"$HOOKDIR\",
		\"options\": [\"rbind\", \"rw\"]}]"
	# A file only the container's root has.
	echo rootfs >"$BUNDLE/rootfs/carve-rootfs-marker"
	# record KIND LOG: appends "KIND<tab>MNT-NS<tab>IN-ROOTFS<tab>STATE" to LOG.
	# Hooks get exactly their env: the script uses absolute paths only.
	cat >"$BUNDLE/hooks/record" <<-'EOF'
		#!/bin/sh
		state=$(/bin/busybox cat)
		ns=$(/bin/busybox readlink /proc/self/ns/mnt)
		inroot=no
		[ -e /carve-rootfs-marker ] && inroot=yes
		/bin/busybox printf '%s\t%s\t%s\t%s\n' "$1" "$ns" "$inroot" "$state" >>"$2"
	EOF
	chmod +x "$BUNDLE/hooks/record"
	# startContainer hooks resolve in the container: a copy in the rootfs.
	cp "$BUNDLE/hooks/record" "$BUNDLE/rootfs/bin/record"
	HOST_MNT_NS=$(readlink /proc/self/ns/mnt)
}

# A hook entry that records KIND: host path, or the rootfs copy for the
# hooks that resolve in the container.
record_hook() {
	local kind=$1
	if [ "$kind" = startContainer ]; then
		echo "{\"path\": \"/bin/record\", \"args\": [\"record\", \"$kind\", \"/hooklog/log\"]}"
	else
		echo "{\"path\": \"$BUNDLE/hooks/record\", \"args\": [\"record\", \"$kind\", \"$HOOKLOG\"]}"
	fi
}

all_record_hooks() {
	local k filter=".hooks = {}"
	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		filter="$filter | .hooks.$k = [$(record_hook $k)]"
	done
	update_config "$filter"
}

# The kinds recorded so far, in order, space-separated.
recorded_kinds() {
	[ -f "$HOOKLOG" ] || return 0
	cut -f1 "$HOOKLOG" | tr '\n' ' ' | sed 's/ $//'
}

# Field N (2 mnt ns, 3 in-rootfs, 4 state) of KIND's line.
recorded() {
	awk -F'\t' -v k="$1" -v n="$2" '$1 == k { print $n }' "$HOOKLOG"
}

failing_hook() {
	local path=$1
	printf '#!/bin/sh\necho "boom from $1" >&2\nexit 3\n' >"$path"
	chmod +x "$path"
}

@test "all six hooks run in order, each at its lifecycle point" {
	all_record_hooks
	carve create -b "$BUNDLE" "$ID"
	[ "$(recorded_kinds)" = "prestart createRuntime createContainer" ]
	carve start "$ID"
	# start returns after poststart ran.
	[ "$(recorded_kinds)" = "prestart createRuntime createContainer startContainer poststart" ]
	wait_for_status "$ID" running
	carve kill "$ID" KILL
	wait_for_status "$ID" stopped
	# The container stopping is not delete: poststop waits for it.
	[ "$(recorded_kinds)" = "prestart createRuntime createContainer startContainer poststart" ]
	carve delete "$ID"
	[ "$(recorded_kinds)" = "prestart createRuntime createContainer startContainer poststart poststop" ]
	assert_no_leftovers "$ID"
}

@test "each hook gets the container's state on stdin with the status of its point" {
	all_record_hooks
	update_config '.annotations = {"org.example.hooks": "yes"}'
	carve create -b "$BUNDLE" "$ID"
	local pid
	pid=$(carve state "$ID" | jq .pid)
	carve start "$ID"
	carve delete --force "$ID"
	cat "$HOOKLOG"

	local kind want
	for kind in prestart createRuntime createContainer startContainer poststart poststop; do
		case $kind in
		prestart | createRuntime | createContainer) want=creating ;;
		# runtime.md: `created` until the user's program is executed.
		startContainer) want=created ;;
		poststart) want=running ;;
		poststop) want=stopped ;;
		esac
		recorded "$kind" 4 | jq -e --arg id "$ID" --arg b "$BUNDLE" --arg s "$want" \
			'.id == $id and .bundle == $b and .status == $s and .ociVersion == "1.3.0"
			and .annotations == {"org.example.hooks": "yes"}'
		if [ "$kind" != poststop ]; then
			# Permeable: no PID namespace, the container's pid is the host's.
			recorded "$kind" 4 | jq -e --argjson p "$pid" '.pid == $p'
		fi
	done
}

@test "hooks run in the runtime or the container namespace as config.md says" {
	all_record_hooks
	carve create -b "$BUNDLE" "$ID"
	carve start "$ID"
	carve delete --force "$ID"
	cat "$HOOKLOG"
	local kind
	# Runtime namespace: carve's own mount namespace, the host's files.
	for kind in prestart createRuntime poststart poststop; do
		[ "$(recorded "$kind" 2)" = "$HOST_MNT_NS" ]
		[ "$(recorded "$kind" 3)" = no ]
	done
	# Container namespace: the container's mount namespace; createContainer
	# runs before pivot_root, startContainer inside the container's root.
	for kind in createContainer startContainer; do
		[ -n "$(recorded "$kind" 2)" ]
		[ "$(recorded "$kind" 2)" != "$HOST_MNT_NS" ]
	done
	[ "$(recorded createContainer 2)" = "$(recorded startContainer 2)" ]
	[ "$(recorded startContainer 3)" = yes ]
}

@test "in oci isolation, container-namespace hooks see the pid as the container does" {
	all_record_hooks
	update_config '.linux.namespaces = [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}]'
	carve --isolation oci create -b "$BUNDLE" "$ID"
	local pid
	pid=$(carve state "$ID" | jq .pid)
	carve start "$ID"
	carve delete --force "$ID"
	cat "$HOOKLOG"
	# runtime.md: for hooks in the container namespace the pid as seen by
	# the container, for the others the pid as seen by the runtime.
	recorded createContainer 4 | jq -e '.pid == 1'
	recorded startContainer 4 | jq -e '.pid == 1'
	recorded createRuntime 4 | jq -e --argjson p "$pid" '.pid == $p'
	recorded poststart 4 | jq -e --argjson p "$pid" '.pid == $p'
}

@test "hook args and env are passed exactly" {
	# busybox dispatches on argv[0], so args[0] reaches the hook as is and
	# /proc/$$/cmdline shows exactly args.  The shell edits its own environ,
	# so the environment is copied by `cp /proc/self/environ`, a process
	# that runs with exactly the hook's env.
	# (`exit 0`: the shell would exec its last command, and $$ be cat's.)
	local script='/bin/busybox cat /proc/$$/cmdline >$OUT.args; exit 0'
	local hooks
	hooks=$(jq -n --arg s "$script" --arg d "$HOOKDIR" '{
		createRuntime: [{path: "/bin/busybox",
			args: ["sh", "-c", "OUT=\($d)/createRuntime; \($s)", "zero", "a b", "", "*", "$HOME"],
			env: ["FOO=bar baz", "EMPTY=", "EQ=a=b"]},
			{path: "/bin/busybox", args: ["cp", "/proc/self/environ", "\($d)/createRuntime.env"],
			env: ["FOO=bar baz", "EMPTY=", "EQ=a=b"]}],
		startContainer: [{path: "/bin/busybox",
			args: ["sh", "-c", "OUT=/hooklog/startContainer; \($s)", "zero", "x  y"]},
			{path: "/bin/busybox", args: ["cp", "/proc/self/environ", "/hooklog/startContainer.env"],
			env: ["ONLY=this"]}],
		prestart: [{path: "/bin/busybox", args: ["cp", "/proc/self/environ", "\($d)/prestart.env"]}]}')
	update_config ".hooks = $hooks"
	# Nothing of carve's own environment may reach a hook.
	CARVE_TEST_LEAK=1 carve create -b "$BUNDLE" "$ID"
	CARVE_TEST_LEAK=1 carve start "$ID"

	# (bats' $lines drops empty lines: compare the whole output.)
	run -0 tr '\0' '\n' <"$HOOKDIR/createRuntime.args"
	[ "$output" = "$(printf 'sh\n-c\n%s\nzero\na b\n\n*\n$HOME' "OUT=$HOOKDIR/createRuntime; $script")" ]
	run -0 tr '\0' '\n' <"$HOOKDIR/createRuntime.env"
	[ "$output" = "$(printf 'FOO=bar baz\nEMPTY=\nEQ=a=b')" ]

	run -0 tr '\0' '\n' <"$HOOKDIR/startContainer.args"
	[ "$output" = "$(printf 'sh\n-c\n%s\nzero\nx  y' "OUT=/hooklog/startContainer; $script")" ]
	run -0 tr '\0' '\n' <"$HOOKDIR/startContainer.env"
	[ "$output" = "ONLY=this" ]

	# No env: an empty environment.
	[ -f "$HOOKDIR/prestart.env" ]
	[ ! -s "$HOOKDIR/prestart.env" ]
}

@test "a hook timeout kills the hook and its children and fails create" {
	cat >"$BUNDLE/hooks/slow" <<-'EOF'
		#!/bin/sh
		/bin/busybox sleep 31337 &
		/bin/busybox sleep 31338
	EOF
	chmod +x "$BUNDLE/hooks/slow"
	update_config ".hooks.createRuntime = [{\"path\": \"$BUNDLE/hooks/slow\", \"timeout\": 1}]
		| .hooks.createContainer = [$(record_hook createContainer)]"
	local t0=$SECONDS
	run --separate-stderr carve create -b "$BUNDLE" "$ID"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ $((SECONDS - t0)) -lt 10 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == *"createRuntime hook \`$BUNDLE/hooks/slow\`"* ]]
	[[ "$stderr" == *"timed out"* ]]
	# The later hooks did not run; nothing of the hook or the container is left.
	[ "$(recorded_kinds)" = "" ]
	assert_no_leftovers "$ID"
	local p
	for p in $(pgrep -f 'sleep 3133[78]'); do
		# A zombie is only waiting for PID 1 to reap it.
		grep -qs '^State:.*Z' "/proc/$p/status" || { echo "hook process $p left behind"; false; }
	done
}

@test "a hook within its timeout runs normally" {
	update_config ".hooks.createRuntime = [$(record_hook createRuntime | jq -c '.timeout = 30')]"
	carve create -b "$BUNDLE" "$ID"
	[ "$(recorded_kinds)" = createRuntime ]
}

@test "a failing prestart hook fails create: later hooks do not run, poststop does, nothing is left" {
	all_record_hooks
	failing_hook "$BUNDLE/hooks/fail"
	update_config ".hooks.prestart = [{\"path\": \"$BUNDLE/hooks/fail\", \"args\": [\"fail\", \"prestart\"]}]"
	run --separate-stderr carve create -b "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"prestart hook"*"exited with status 3: boom from prestart"* ]]
	# runtime.md: stop the container and continue at step 12 (destroy),
	# then 13 (poststop).
	[ "$(recorded_kinds)" = "poststop" ]
	assert_no_leftovers "$ID"
}

@test "a failing createRuntime hook fails create: later hooks do not run, poststop does, nothing is left" {
	all_record_hooks
	failing_hook "$BUNDLE/hooks/fail"
	update_config ".hooks.createRuntime = [{\"path\": \"$BUNDLE/hooks/fail\", \"args\": [\"fail\", \"createRuntime\"]}]"
	run --separate-stderr carve create -b "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"createRuntime hook"*"boom from createRuntime"* ]]
	[ "$(recorded_kinds)" = "prestart poststop" ]
	assert_no_leftovers "$ID"
}

@test "a failing createContainer hook fails create: later hooks do not run, poststop does, nothing is left" {
	all_record_hooks
	failing_hook "$BUNDLE/hooks/fail"
	update_config ".hooks.createContainer = [{\"path\": \"$BUNDLE/hooks/fail\", \"args\": [\"fail\", \"createContainer\"]}]"
	run --separate-stderr carve create -b "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"createContainer hook"*"boom from createContainer"* ]]
	[ "$(recorded_kinds)" = "prestart createRuntime poststop" ]
	assert_no_leftovers "$ID"
}

@test "a failing startContainer hook fails start: the program never runs, poststart neither" {
	all_record_hooks
	failing_hook "$BUNDLE/rootfs/bin/fail"
	# The program would leave a trace if it ran.
	update_config '.process.args = ["sh", "-c", "echo ran >/hooklog/program; sleep 1000"]
		| .hooks.startContainer = [{"path": "/bin/fail", "args": ["fail", "startContainer"]}]'
	carve create -b "$BUNDLE" "$ID"
	run --separate-stderr carve start "$ID"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"startContainer hook"*"boom from startContainer"* ]]
	wait_for_status "$ID" stopped
	[ ! -e "$HOOKDIR/program" ]
	[ "$(recorded_kinds)" = "prestart createRuntime createContainer" ]
	carve delete "$ID"
	[ "$(recorded_kinds)" = "prestart createRuntime createContainer poststop" ]
	assert_no_leftovers "$ID"
}

@test "a failing poststart hook fails start and stops the container (runtime-spec 1.3)" {
	all_record_hooks
	failing_hook "$BUNDLE/hooks/fail"
	update_config ".hooks.poststart = [{\"path\": \"$BUNDLE/hooks/fail\", \"args\": [\"fail\", \"poststart\"]}]"
	carve create -b "$BUNDLE" "$ID"
	run --separate-stderr carve start "$ID"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"poststart hook"*"boom from poststart"* ]]
	wait_for_status "$ID" stopped
	carve delete "$ID"
	[ "$(recorded_kinds)" = "prestart createRuntime createContainer startContainer poststop" ]
	assert_no_leftovers "$ID"
}

@test "a failing poststop hook is a warning: delete succeeds and the next poststop hooks run" {
	failing_hook "$BUNDLE/hooks/fail"
	update_config ".hooks.poststop = [{\"path\": \"$BUNDLE/hooks/fail\", \"args\": [\"fail\", \"poststop\"]},
		$(record_hook poststop)]"
	carve create -b "$BUNDLE" "$ID"
	carve start "$ID"
	local log="$BATS_TEST_TMPDIR/carve.log"
	run --separate-stderr "$CARVE_BINARY" --root "$TEST_ROOT" --log "$log" --log-format json delete --force "$ID"
	echo "$stderr"
	[ "$status" -eq 0 ]
	# A warning is the log's (and stderr's only with --debug).
	[ -z "$stderr" ]
	jq -e -s 'length == 1 and .[0].level == "warning" and (.[0].msg | contains("boom from poststop"))' "$log"
	[ "$(recorded_kinds)" = poststop ]
	assert_no_leftovers "$ID"
}

@test "hooks: the state on stdin has runc's shape, and runc's statuses" {
	require_runc
	all_record_hooks
	update_config '.annotations = {"org.example.hooks": "yes"}'
	runc_ create -b "$BUNDLE" "$ID-runc"
	runc_ start "$ID-runc"
	runc_ delete --force "$ID-runc"
	mv "$HOOKLOG" "$HOOKDIR/runc.log"
	carve create -b "$BUNDLE" "$ID"
	carve start "$ID"
	carve delete --force "$ID"
	cat "$HOOKDIR/runc.log" "$HOOKLOG"

	local kind shape='to_entries | map({key, type: (.value | type)}) | sort_by(.key)'
	for kind in prestart createRuntime createContainer startContainer poststart poststop; do
		local ours theirs
		ours=$(recorded "$kind" 4 | jq -c "$shape")
		theirs=$(HOOKLOG="$HOOKDIR/runc.log" recorded "$kind" 4 | jq -c "$shape")
		echo "$kind: carve $ours runc $theirs"
		[ -n "$ours" ]
		[ "$ours" = "$theirs" ]
		# runc 1.1 sends `created` to poststart hooks, before runtime-spec
		# 1.3 said the program runs by then: carve follows the spec there.
		if [ "$kind" != poststart ]; then
			[ "$(recorded "$kind" 4 | jq -r .status)" = "$(HOOKLOG="$HOOKDIR/runc.log" recorded "$kind" 4 | jq -r .status)" ]
		fi
	done
}
