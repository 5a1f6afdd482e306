#!/usr/bin/env bats
# carve.syscalls.forward with carve-serviceos: each test starts its own
# daemon on a private socket named by a private node config
# (CARVE_CONFIG, serviceos_socket), and stops it by its PID.

load helpers

SOS=${SOS:-$CARVE_BUILDDIR/carve-serviceos}
FWD="openat,open,creat,mkdir,mkdirat,newfstatat,stat,lstat,statx,unlinkat,unlink,renameat,renameat2,rename"

setup() {
	setup_common
	SOS_PID=
	[ -x "$SOS" ] || skip "$SOS is not built"
	# sun_path is 108 bytes: a short directory of the test's own.
	SOS_DIR=$(mktemp -d /tmp/carve-sos.XXXXXX)
	SOCK="$SOS_DIR/sos.sock"
	export CARVE_CONFIG="$SOS_DIR/carve.json"
	echo "{\"serviceos_socket\": \"$SOCK\", \"ledger\": \"$SOS_DIR/ledger\"}" >"$CARVE_CONFIG"
	update_config '.root.readonly = false'
}

teardown() {
	teardown_common
	stop_daemon
	rm -rf "$SOS_DIR"
	return 0
}

start_daemon() {
	"$SOS" --debug "$@" </dev/null >"$SOS_DIR/daemon.log" 2>&1 &
	SOS_PID=$!
	local i
	for i in $(seq 1 100); do
		[ -S "$SOCK" ] && return 0
		sleep 0.02
	done
	cat "$SOS_DIR/daemon.log" >&2
	return 1
}

stop_daemon() {
	if [ -n "$SOS_PID" ]; then
		kill "$SOS_PID" 2>/dev/null
		wait "$SOS_PID" 2>/dev/null
		SOS_PID=
	fi
}

forward() {
	update_config ".annotations = {\"carve.syscalls.forward\": \"$1\"}"
}

@test "forwarded file calls are served by carve-serviceos and have the native effect" {
	start_daemon
	forward "$FWD"
	update_config '.process.args = ["sh", "-c", "mkdir /tmp/d && echo hello >/tmp/d/f && cat /tmp/d/f && stat -c \"%s %F\" /tmp/d/f && mv /tmp/d/f /tmp/d/g && ls /tmp/d && rm /tmp/d/g && ls /tmp/d | wc -l; cat /nonexistent; echo rc=$?"]'
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"hello"* ]]
	[[ "$output" == *"6 regular file"* ]]
	[[ "$output" == *"g"* ]]
	[[ "$output" == *"No such file or directory"* ]]
	[[ "$output" == *"rc=1"* ]]
	[ -d "$BUNDLE/rootfs/tmp/d" ]
	[ ! -e "$BUNDLE/rootfs/tmp/d/g" ]
	# The daemon did it: its counters name the container and the calls.
	run "$SOS" status --format json
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r --arg id "$ID" '.containers[] | select(.id == $id) | .syscalls[] | select(.name == "mkdir") | .calls' <<<"$output")" -ge 1 ]
	[ "$(jq -r --arg id "$ID" '[.containers[] | select(.id == $id) | .syscalls[] | select(.name == "openat") | .errors] | add' <<<"$output")" -ge 1 ]
	jq -e '.containers[0].syscalls[0].latency_us | has("p50") and has("p90") and has("p99")' <<<"$output"
	# Served on the ServiceOS CPUs (no serviceos_cpus: the first online
	# CPU): every thread of the daemon, its workers too.
	local first t
	first=$(cut -d, -f1 /sys/devices/system/cpu/online | cut -d- -f1)
	[ "$(jq -r .cpus <<<"$output")" = "$first" ]
	[ "$(ls /proc/$SOS_PID/task | wc -l)" -ge 2 ]
	for t in /proc/$SOS_PID/task/*; do
		[ "$(awk '/^Cpus_allowed_list/ {print $2}' "$t/status")" = "$first" ]
	done
	assert_no_leftovers "$ID"
}

@test "a forwarded path never leaves the container's root, through .. or a symlink" {
	start_daemon
	forward "$FWD"
	echo secret >"$SOS_DIR/outside"
	ln -s "$SOS_DIR/outside" "$BUNDLE/rootfs/tmp/link"
	update_config ".process.args = [\"sh\", \"-c\", \"cat /../../../..$SOS_DIR/outside; echo a=\$?; cat /tmp/link; echo b=\$?; mkdir /../../x; ls -d /x\"]"
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[[ "$output" != *"secret"* ]]
	[[ "$output" == *"a=1"* ]]
	[[ "$output" == *"b=1"* ]]
	[ -d "$BUNDLE/rootfs/x" ]
	[ ! -e /x ] || [ "$(stat -c %i /x)" != "$(stat -c %i "$BUNDLE/rootfs/x")" ]
	# The daemon answered them (and refused the escapes).
	[ "$("$SOS" status --format json | jq --arg id "$ID" '[.containers[] | select(.id == $id) | .syscalls[] | select(.name == "openat") | .errors] | add')" -ge 2 ]
}

@test "a non-root container user cannot read a root-only file through forwarding" {
	start_daemon
	forward "$FWD"
	echo root-only >"$BUNDLE/rootfs/tmp/private"
	chmod 0600 "$BUNDLE/rootfs/tmp/private"
	update_config '.process.user = {"uid": 65534, "gid": 65534} | .process.args = ["sh", "-c", "cat /tmp/private; echo rc=$?; mkdir /tmp/nobody-dir; echo mk=$?"]'
	chmod 1777 "$BUNDLE/rootfs/tmp"
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[[ "$output" != *"root-only"* ]]
	[[ "$output" == *"Permission denied"* ]]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *"mk=0"* ]]
	[ "$(stat -c %u "$BUNDLE/rootfs/tmp/nobody-dir")" = 65534 ]
	[ "$("$SOS" status --format json | jq --arg id "$ID" '[.containers[] | select(.id == $id) | .syscalls[] | select(.name == "openat") | .errors] | add')" -ge 1 ]
}

@test "many containers and threads at once; one blocking call does not stall the others" {
	start_daemon
	forward "$FWD"
	mkfifo "$BUNDLE/rootfs/tmp/fifo"
	# The blocked one: opening a fifo nobody writes to waits in the daemon.
	update_config '.process.args = ["sh", "-c", "cat /tmp/fifo; echo unblocked"]'
	carve_create --bundle "$BUNDLE" "$ID-block"
	carve start "$ID-block"
	sleep 0.5
	# Eight containers, four shells each, all forwarding at the same time.
	local i pids=()
	update_config '.process.args = ["sh", "-c", "for t in 1 2 3 4; do (for n in 1 2 3 4 5 6 7 8 9 10; do mkdir -p /tmp/t$t/$n && stat /tmp/t$t/$n >/dev/null || echo FAIL; done) & done; wait; ls /tmp/t1 /tmp/t2 /tmp/t3 /tmp/t4 | grep -c ^[0-9]"]'
	for i in 1 2 3 4 5 6 7 8; do
		timeout 60 "$CARVE_BINARY" --root "$TEST_ROOT" run --bundle "$BUNDLE" "$ID-m$i" </dev/null >"$SOS_DIR/m$i.out" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	for i in 1 2 3 4 5 6 7 8; do
		cat "$SOS_DIR/m$i.out"
		! grep -q FAIL "$SOS_DIR/m$i.out"
		grep -qx 40 "$SOS_DIR/m$i.out"
	done
	# Still blocked, and released by a writer.
	[ "$(carve state "$ID-block" | jq -r .status)" = running ]
	echo go >"$BUNDLE/rootfs/tmp/fifo"
	for i in $(seq 1 100); do
		[ "$(carve state "$ID-block" | jq -r .status)" = stopped ] && break
		sleep 0.05
	done
	[ "$(carve state "$ID-block" | jq -r .status)" = stopped ]
	run "$SOS" status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$ID-m8"* ]]
	[[ "$output" == *"P99(us)"* ]]
	[ "$("$SOS" status --format json | jq '[.containers[].id] | length')" -ge 9 ]
}

@test "an exec'd process forwards too, through its own connection (state running)" {
	start_daemon
	forward "$FWD"
	carve_create --bundle "$BUNDLE" "$ID"
	carve start "$ID"
	run carve exec "$ID" sh -c 'mkdir /tmp/from-exec && echo made'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"made"* ]]
	[ -d "$BUNDLE/rootfs/tmp/from-exec" ]
	cat "$SOS_DIR/daemon.log"
	grep -q "container \`$ID\`: serving process [0-9]* (creating)" "$SOS_DIR/daemon.log"
	grep -q "container \`$ID\`: serving process [0-9]* (running)" "$SOS_DIR/daemon.log"
	[ "$("$SOS" status --format json | jq --arg id "$ID" '[.containers[] | select(.id == $id) | .syscalls[] | select(.name == "mkdir") | .calls] | add')" -ge 1 ]
	carve delete -f "$ID"
}

@test "with linux.seccomp: allowed calls are forwarded, refused ones stay refused (the stricter action wins)" {
	start_daemon
	forward "mkdir,mkdirat,rmdir"
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95}]}'
	update_config '.process.args = ["sh", "-c", "mkdir /tmp/m; echo m=$?; rmdir /tmp/m; echo r=$?"]'
	local log="$BATS_TEST_TMPDIR/run.log"
	run carve --log "$log" run --bundle "$BUNDLE" "$ID"
	echo "$output"
	cat "$log"
	[ "$status" -eq 0 ]
	# The warning is in the log, not in the job's output (main's cff6cad).
	[[ "$output" != *"is not forwarded"* ]]
	grep -F 'level=warning msg="carve.syscalls.forward: `rmdir` is not forwarded' "$log"
	[[ "$output" == *"m=0"* ]]
	[[ "$output" == *"Operation not supported"* ]]
	[[ "$output" == *"r=1"* ]]
	[ -d "$BUNDLE/rootfs/tmp/m" ]
	run "$SOS" status --format json
	[ "$(jq --arg id "$ID" '[.containers[] | select(.id == $id) | .syscalls[] | select(.name == "mkdir") | .calls] | add' <<<"$output")" -ge 1 ]
	[ "$(jq --arg id "$ID" '[.containers[] | select(.id == $id) | .syscalls[] | select(.name == "rmdir")] | length' <<<"$output")" -eq 0 ]
}

@test "no daemon: create fails with one line naming the key, leaving nothing" {
	forward "openat"
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"carve: annotations.carve.syscalls.forward: carve-serviceos is not listening at \`$SOCK\`: No such file or directory"* ]]
	assert_no_leftovers "$ID"
	# A socket left by a dead daemon: the send fails, with the key.
	python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$SOCK"
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"annotations.carve.syscalls.forward: carve-serviceos:"*"Connection refused"* ]]
	assert_no_leftovers "$ID"
}

@test "a config with its own listenerPath and forwarding is refused" {
	start_daemon
	forward "openat"
	update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$SOCK\"}"
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"annotations.carve.syscalls.forward: linux.seccomp.listenerPath"*"takes the listener already"* ]]
	assert_no_leftovers "$ID"
}

@test "the daemon killed mid-run: the trapped call fails with ENOSYS, the container keeps running" {
	start_daemon
	forward "mkdir,mkdirat"
	update_config '.process.args = ["sh", "-c", "mkdir /tmp/a; echo a=$?; while [ ! -e /tmp/go ]; do sleep 0.1; done; mkdir /tmp/b; echo b=$?; echo alive"]'
	local out="$SOS_DIR/run.out"
	"$CARVE_BINARY" --root "$TEST_ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >"$out" 2>&1 &
	local run_pid=$!
	for i in $(seq 1 100); do
		grep -q "a=" "$out" && break
		sleep 0.05
	done
	kill -9 "$SOS_PID"
	wait "$SOS_PID" 2>/dev/null || true
	SOS_PID=
	touch "$BUNDLE/rootfs/tmp/go"
	timeout 20 tail --pid "$run_pid" -f /dev/null
	cat "$out"
	grep -q "a=0" "$out"
	grep -q "Function not implemented" "$out"
	grep -q "b=1" "$out"
	grep -q alive "$out"
	[ -d "$BUNDLE/rootfs/tmp/a" ]
	[ ! -e "$BUNDLE/rootfs/tmp/b" ]
	# A new daemon serves new containers.
	rm -f "$SOCK"
	start_daemon
	update_config '.process.args = ["sh", "-c", "mkdir /tmp/c; echo c=$?"]'
	run carve run --bundle "$BUNDLE" "$ID-2"
	echo "$output"
	[[ "$output" == *"c=0"* ]]
}

@test "carve-serviceos: bad options and a second daemon on the same socket fail with one line" {
	run "$SOS" --socket relative
	[ "$status" -eq 1 ]
	[ "$output" = "carve-serviceos: --socket: \`relative\` is not an absolute path" ]
	run "$SOS" --format json
	[ "$status" -eq 1 ]
	[[ "$output" == "carve-serviceos: --format: only for"* ]]
	run "$SOS" status
	[ "$status" -eq 1 ]
	[[ "$output" == "carve-serviceos: no carve-serviceos at \`$SOCK\`: No such file or directory" ]]
	start_daemon
	run "$SOS"
	[ "$status" -eq 1 ]
	[[ "$output" == *"another carve-serviceos is listening there"* ]]
	kill -0 "$SOS_PID"
}

@test "socket activation: the daemon serves on the socket it inherits (LISTEN_FDS, LISTEN_PID)" {
	command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate is not installed"
	# It binds the socket, waits for the first connection and execs the
	# daemon in its own place: $! is the daemon's PID.
	systemd-socket-activate -l "$SOCK" "$SOS" --debug </dev/null >"$SOS_DIR/daemon.log" 2>&1 &
	SOS_PID=$!
	for i in $(seq 1 100); do
		[ -S "$SOCK" ] && break
		sleep 0.02
	done
	forward "$FWD"
	update_config '.process.args = ["sh", "-c", "mkdir /tmp/act && echo made"]'
	run carve run --bundle "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"made"* ]]
	[ -d "$BUNDLE/rootfs/tmp/act" ]
	cat "$SOS_DIR/daemon.log"
	grep -q "(socket activation), pid $SOS_PID" "$SOS_DIR/daemon.log"
	[ "$("$SOS" status --format json | jq .pid)" = "$SOS_PID" ]
}

@test "socket activation: a descriptor 3 that is not a listening socket is one line, exit 1" {
	run bash -c 'exec 3</dev/null; export LISTEN_FDS=1 LISTEN_PID=$$; exec "$0"' "$SOS"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "carve-serviceos: LISTEN_FDS: descriptor 3 is not a listening Unix stream socket" ]
	[ ! -e "$SOCK" ]
}
