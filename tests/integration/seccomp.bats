#!/usr/bin/env bats
# linux.seccomp as config-linux.md (v1.3.0) has it: profiles as large as
# Docker's and Podman's defaults, every action and operator, the flags,
# unknown names skipped, and the seccomp agent protocol of listenerPath
# with a third-party agent (tests/helpers/seccomp-agent), including a
# notify list that holds the calls carve itself makes after the load.

load helpers

AGENT=${AGENT:-$CARVE_BUILDDIR/tests/helpers/seccomp-agent}
PROFILES="$BATS_TEST_DIRNAME/seccomp-profiles"

setup() {
	setup_common
	AGENT_PID=
}

teardown() {
	teardown_common
	if [ -n "$AGENT_PID" ]; then
		kill "$AGENT_PID" 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null
	fi
	return 0
}

# Sets linux.seccomp to the profile file $1.
use_profile() {
	local tmp="$BUNDLE/config.json.tmp"
	jq --slurpfile p "$1" '.linux.seccomp = $p[0]' "$BUNDLE/config.json" >"$tmp" && mv "$tmp" "$BUNDLE/config.json"
}

# Starts the minimal agent on $BATS_TEST_TMPDIR/agent.sock, recording into
# $BATS_TEST_TMPDIR/rec; extra arguments go to the agent.
start_agent() {
	[ -x "$AGENT" ] || skip "$AGENT is not built (make check builds it)"
	REC="$BATS_TEST_TMPDIR/rec"
	SOCK="$BATS_TEST_TMPDIR/agent.sock"
	mkdir -p "$REC"
	"$AGENT" --record "$REC" "$@" "$SOCK" </dev/null >/dev/null 2>&1 &
	AGENT_PID=$!
	local i
	for i in $(seq 1 100); do
		[ -S "$SOCK" ] && return 0
		sleep 0.02
	done
	echo "the agent did not listen" >&2
	return 1
}

@test "a profile shaped like Docker's default loads and is enforced" {
	use_profile "$PROFILES/docker-like.json"
	update_config '.process.args = ["sh", "-c", "ls / >/dev/null && echo listed; mount -t tmpfs t /tmp; echo mount=$?; unshare -m true; echo unshare=$?"]'
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"listed"* ]]
	[[ "$output" == *"mount=1"* ]]
	[[ "$output" == *"unshare(0x20000): Operation not permitted"* ]]
	assert_no_leftovers "$ID"
}

@test "a profile shaped like Podman's default loads: ENOSYS by default, EPERM for the dangerous calls" {
	use_profile "$PROFILES/podman-like.json"
	# mount: EPERM by rule; clone3 ENOSYS by rule; a call the profile does
	# not name gets the default ENOSYS.
	update_config '.linux.seccomp.syscalls[1].names -= ["mkdirat", "mkdir"]'
	update_config '.process.args = ["sh", "-c", "echo up; mount -t tmpfs t /tmp; mkdir /tmp/x; echo mkdir=$?"]'
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"up"* ]]
	[[ "$output" == *"mount: permission denied"* ]]
	[[ "$output" == *"can't create directory '/tmp/x': Function not implemented"* ]]
}

@test "every action: ERRNO with errnoRet, KILL_PROCESS, KILL_THREAD, KILL, TRAP, TRACE, LOG, ALLOW" {
	local action want
	# ERRNO with its errnoRet; TRACE without a tracer fails with ENOSYS.
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95},
		{"names": ["rmdir"], "action": "SCMP_ACT_TRACE", "errnoRet": 7},
		{"names": ["getcwd"], "action": "SCMP_ACT_LOG"},
		{"names": ["uname"], "action": "SCMP_ACT_ALLOW"}]}'
	update_config '.process.args = ["sh", "-c", "mkdir /tmp/a; rmdir /tmp; pwd; uname -s"]'
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Operation not supported"* ]]
	[[ "$output" == *"Function not implemented"* ]]
	[[ "$output" == *"Linux"* ]]

	# The killing actions end the process with SIGSYS: 128 + 31.
	for action in SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_KILL SCMP_ACT_TRAP; do
		update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"$action\"}]}"
		update_config '.process.args = ["mkdir", "/tmp/k"]'
		run carve run --bundle "$BUNDLE" "$ID-$action"
		echo "$action: $status $output"
		[ "$status" -eq 159 ]
	done
}

@test "argument conditions: EQ, MASKED_EQ, and two tests of one argument ORed (runc's rule)" {
	# kill(pid, sig): sig is argument 1.  SIGHUP 1, SIGUSR1 10, SIGUSR2 12, SIGTSTP 20.
	update_config '.root.readonly = false | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]},
		{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 1, "value": 12, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 20, "op": "SCMP_CMP_EQ"}]},
		{"names": ["openat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95, "args": [{"index": 2, "value": 3, "valueTwo": 1, "op": "SCMP_CMP_MASKED_EQ"}]}]}'
	update_config '.process.args = ["sh", "-c", "trap \"\" HUP USR1 USR2 TSTP; kill -USR1 $$; echo usr1=$?; kill -USR2 $$; echo usr2=$?; kill -TSTP $$; echo tstp=$?; kill -HUP $$; echo hup=$?; echo x > /tmp/f; echo write=$?; cat /etc/passwd | head -1"]'
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"usr1=1"* ]]
	[[ "$output" == *"usr2=1"* ]]
	[[ "$output" == *"tstp=1"* ]]
	[[ "$output" == *"hup=0"* ]]
	# O_WRONLY (flags & 3 == 1) is refused, O_RDONLY is not.
	[[ "$output" == *"can't create /tmp/f: Operation not supported"* ]]
	[[ "$output" == *"root:x:0:0"* ]]
}

@test "the four flags are accepted; an unknown syscall name is skipped and reported with --debug" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
		"syscalls": [{"names": ["carve_no_such_call", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95}]}'
	update_config '.process.args = ["sh", "-c", "mkdir /tmp/z; grep Seccomp: /proc/self/status"]'
	run carve --debug run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"linux.seccomp.syscalls[0].names[0]: unknown syscall \`carve_no_such_call\`, skipped"* ]]
	[[ "$output" == *"Operation not supported"* ]]
	[[ "$output" == *"Seccomp:"*"2"* ]]
	[[ "$output" != *"not supported by this kernel"* ]]
}

@test "bad seccomp configurations fail create with one line naming the field, leaving nothing" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "x"}'
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.seccomp.listenerMetadata: set without linux.seccomp.listenerPath"* ]]
	assert_no_leftovers "$ID"

	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY rules"* ]]
	assert_no_leftovers "$ID"

	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_KILL", "errnoRet": 3}]}'
	run carve run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"errnoRet: \`SCMP_ACT_KILL\` takes no errno return code"* ]]

	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/x"}'
	run carve run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot be the default action"* ]]
	assert_no_leftovers "$ID"
}

@test "listenerPath: the agent gets one connection per process, the state and the listener (creating, then running for exec)" {
	start_agent
	update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$SOCK\", \"listenerMetadata\": \"MKNOD=/dev/null\",
		\"syscalls\": [{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	update_config '.process.args = ["sleep", "1000"] | .annotations = {"k": "v"}'
	carve_create --bundle "$BUNDLE" "$ID"
	local pid
	pid=$(carve state "$ID" | jq .pid)
	carve start "$ID"
	run carve exec "$ID" sh -c 'pwd; echo exec-done'
	echo "$output"
	[ "$status" -eq 0 ]
	# getcwd was answered by the agent (CONTINUE): the real result.
	[[ "$output" == *"/"*"exec-done"* ]]
	ls "$REC"
	[ "$(cat "$REC/fds-0")" = 1 ]
	[ "$(cat "$REC/fds-1")" = 1 ]
	run jq -c '[.ociVersion, .fds, .pid, .metadata, .state.id, .state.status, .state.pid, .state.annotations.k]' "$REC/state-0.json"
	echo "$output"
	[ "$output" = "[\"1.3.0\",[\"seccompFd\"],$pid,\"MKNOD=/dev/null\",\"$ID\",\"creating\",$pid,\"v\"]" ]
	run jq -r '[.state.status, .state.pid, (.pid != .state.pid)] | @tsv' "$REC/state-1.json"
	echo "$output"
	[ "$output" = "running	$pid	true" ]
	carve delete -f "$ID"
}

@test "listenerPath with the calls carve makes after the load in the notify list does not hang (crun issue 1002)" {
	start_agent
	local calls='["sendmsg", "sendto", "write", "read", "recvmsg", "recvfrom", "close", "openat", "newfstatat", "fcntl", "execve", "rt_sigprocmask", "prctl", "exit_group"]'
	local nnp
	for nnp in true false; do
		update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$SOCK\",
			\"syscalls\": [{\"names\": $calls, \"action\": \"SCMP_ACT_NOTIFY\"}]} | .process.noNewPrivileges = $nnp"
		update_config '.process.args = ["sh", "-c", "echo hello from $0"]'
		run timeout 20 "$CARVE_BINARY" --root "$TEST_ROOT" run --bundle "$BUNDLE" "$ID-$nnp"
		echo "noNewPrivileges=$nnp: $status $output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"hello from sh"* ]]
		# exec: the exec'd process hands its listener over the same way.
		update_config '.process.args = ["sleep", "1000"]'
		carve_create --bundle "$BUNDLE" "$ID-x$nnp"
		carve start "$ID-x$nnp"
		run timeout 20 "$CARVE_BINARY" --root "$TEST_ROOT" exec "$ID-x$nnp" sh -c 'echo exec ok'
		echo "exec: $status $output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"exec ok"* ]]
		carve delete -f "$ID-x$nnp"
	done
}

@test "a listenerPath nobody listens on fails create naming it, leaving nothing behind" {
	update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$BATS_TEST_TMPDIR/nobody.sock\",
		\"syscalls\": [{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.seccomp.listenerPath: seccomp agent: connect \`$BATS_TEST_TMPDIR/nobody.sock\`: No such file or directory"* ]]
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	assert_no_leftovers "$ID"
}

@test "when the agent is gone, trapped calls fail with ENOSYS and the container keeps running" {
	start_agent --errno 95
	update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$SOCK\",
		\"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	update_config '.root.readonly = false | .process.args = ["sh", "-c", "mkdir /tmp/a 2>>/tmp/out; echo first=$? >>/tmp/out; read x </tmp/go; mkdir /tmp/b 2>>/tmp/out; echo second=$? >>/tmp/out; sleep 1000"]'
	mkfifo "$BUNDLE/rootfs/tmp/go"
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	local out="$BUNDLE/rootfs/tmp/out" i
	for i in $(seq 1 100); do grep -q first "$out" 2>/dev/null && break; sleep 0.05; done
	kill "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null || true
	AGENT_PID=
	echo go >"$BUNDLE/rootfs/tmp/go"
	for i in $(seq 1 100); do grep -q second "$out" 2>/dev/null && break; sleep 0.05; done
	cat "$out"
	# The agent's own answer first, then the kernel's once the listener is closed.
	grep -q "can't create directory '/tmp/a': Operation not supported" "$out"
	grep -q "can't create directory '/tmp/b': Function not implemented" "$out"
	grep -q "second=1" "$out"
	run carve state "$ID"
	[[ "$output" == *'"status": "running"'* ]]
	carve delete -f "$ID"
}
