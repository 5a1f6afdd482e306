#!/usr/bin/env bats
# containerd (Debian's 1.6) with contrib/containerd/carve.toml added to its
# config.toml, on a private socket, root and state: its CRI plugin loads the
# carve runtime handler, and `ctr run --runc-binary` runs carve through the runc shim
# (io.containerd.runc.v2), the shim that the handler names.  The image is
# an OCI archive of the busybox rootfs, imported with `ctr image import`.

load helpers
load node
load clients

IMAGE=localhost/carve-busybox:test
NS=carve-ctr

setup_file() {
	clients_require containerd containerd
	clients_setup_file
	export CTR_ROOT="$CLIENT_DIR/carve-root-ctr"
	sed "s|/usr/local/bin/carve|$CLIENT_CARVE|" "$CONTRIB/containerd/carve.toml" >"$CLIENT_DIR/carve.toml"
	cat >"$CLIENT_DIR/config.toml" <<-EOF
		version = 2
		root = "$CLIENT_DIR/root"
		state = "$CLIENT_DIR/state"
		[grpc]
		  address = "$CLIENT_DIR/containerd.sock"
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$CLIENT_DIR/opt"
		[plugins."io.containerd.grpc.v1.cri"]
		  restrict_oom_score_adj = true
		[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
		  runtime_type = "io.containerd.runc.v2"
	EOF
	# Pasted, not imported: containerd 1.6 imports replace a plugin's
	# whole table (the CRI settings above, runc's handler) with the file's.
	cat "$CLIENT_DIR/carve.toml" >>"$CLIENT_DIR/config.toml"
	clients_start_daemon containerd containerd --config "$CLIENT_DIR/config.toml"
	clients_wait 30 ctr_ version || {
		tail -20 "$CLIENT_DIR/containerd.log" >&2
		return 1
	}
	ctr_ image import "$(clients_oci_archive "$IMAGE")" >/dev/null
}

teardown_file() {
	ctr_cleanup
	clients_teardown_file "$NS"
}

setup() {
	ID="carve-ctr-$$-$BATS_TEST_NUMBER"
}

teardown() {
	[ -n "$BATS_TEST_COMPLETED" ] || { clients_show_calls; tail -5 "$CLIENT_DIR/containerd.log"; }
	ctr_cleanup
	restore_node
}

ctr_() {
	ctr --address "$CLIENT_DIR/containerd.sock" -n "$NS" "$@"
}

# ctr run with carve in runc's place, its state below the suite's directory.
ctr_run() {
	ctr_ run --runc-binary "$CLIENT_CARVE" --runc-root "$CTR_ROOT" "$@"
}

ctr_cleanup() {
	local c
	for c in $(ctr_ containers ls -q 2>/dev/null); do
		ctr_ task kill -s KILL "$c" >/dev/null 2>&1
		ctr_ task delete -f "$c" >/dev/null 2>&1
		ctr_ containers rm "$c" >/dev/null 2>&1
	done
}

@test "containerd: the CRI plugin runs with the carve handler of contrib/containerd/carve.toml" {
	run ctr_ plugins ls
	[ "$status" -eq 0 ]
	grep -E '^io\.containerd\.grpc\.v1 +cri +.* ok *$' <<<"$output"
	# The configuration the CRI plugin started with, as it logs it.
	run grep -o 'Runtimes:map\[carve:{[^}]*}' "$CLIENT_DIR/containerd.log"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Type:io.containerd.runc.v2 "* ]]
	[[ "$output" == *"PodAnnotations:[carve.*] ContainerAnnotations:[carve.*] "* ]]
	[[ "$output" == *"Options:map[BinaryName:$CLIENT_CARVE]"* ]]
}

@test "ctr run --runc-binary: the job's output, its exit status and its environment" {
	run --separate-stderr ctr_run --rm --env JOB=fwq "$IMAGE" "$ID" sh -c 'echo "job $JOB"; exit 3'
	echo "stderr: $stderr"
	[ "$status" -eq 3 ]
	[ "$output" = "job fwq" ]
	grep -q "^--root $CTR_ROOT/$NS .* create " "$CLIENT_DIR/calls.log"
	clients_assert_clean "$CTR_ROOT/$NS"
}

@test "ctr run -d, task exec, kill, delete" {
	run ctr_run -d --env JOB=fwq "$IMAGE" "$ID" sleep 1000
	[ "$status" -eq 0 ]
	run "$CARVE_BINARY" --root "$CTR_ROOT/$NS" state "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]

	# ctr task exec takes no --env: the process has the container's.
	run --separate-stderr ctr_ task exec --exec-id step2 "$ID" sh -c 'echo "step of $JOB"; exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = "step of fwq" ]

	run ctr_ task kill -s TERM "$ID"
	[ "$status" -eq 0 ]
	clients_wait 10 sh -c "ctr --address '$CLIENT_DIR/containerd.sock' -n '$NS' task ls | grep -q '^$ID .* STOPPED\$'"
	run ctr_ task delete "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"task $ID exit with non-zero exit code 143"* ]]
	run ctr_ containers rm "$ID"
	[ "$status" -eq 0 ]
	clients_assert_clean "$CTR_ROOT/$NS"
}

@test "ctr run -t and task exec -t: a terminal through carve's console socket" {
	# ctr takes the terminal from its own stdin: script(1) gives it one.
	run script -qec "ctr --address $CLIENT_DIR/containerd.sock -n $NS run --runc-binary $CLIENT_CARVE --runc-root $CTR_ROOT --rm -t $IMAGE $ID sh -c 'tty; test -t 0 && echo stdin is a terminal'" /dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	# ctr echoes a NUL (as ^@) into its terminal first, with runc too, and
	# script(1) adds a carriage return of its own.
	[[ "${lines[0]}" == ?(^@)/dev/pts/* ]]
	[ "${lines[1]}" = $'stdin is a terminal\r\r' ]

	ctr_run -d "$IMAGE" "$ID" sleep 1000
	run script -qec "ctr --address $CLIENT_DIR/containerd.sock -n $NS task exec -t --exec-id tty $ID tty" /dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == ?(^@)/dev/pts/* ]]
	ctr_cleanup
	clients_assert_clean "$CTR_ROOT/$NS"
}

@test "ctr run --memory-limit: the container's memory limit" {
	# ctr has no flag for a cpuset (the CPUs come with carve.cpus, below),
	# and its spec mounts no cgroup filesystem: the limit is read from the
	# container's cgroup on the host (ctr's cgroupsPath, /NAMESPACE/ID).
	run ctr_run -d --memory-limit 67108864 "$IMAGE" "$ID" sleep 1000
	[ "$status" -eq 0 ]
	run ctr_ task exec --exec-id cg "$ID" grep ':memory:' /proc/self/cgroup
	[ "$output" = "4:memory:/$NS/$ID" ] || [[ "$output" == *":memory:/$NS/$ID" ]]
	local mem=/sys/fs/cgroup/memory/$NS/$ID
	[ -d "$mem" ] || mem=/sys/fs/cgroup/$NS/$ID
	run cat "$mem/memory.limit_in_bytes" "$mem/memory.max"
	[ "${lines[0]}" = 67108864 ]
	ctr_cleanup
	clients_assert_clean "$CTR_ROOT/$NS"
}

@test "ctr run --annotation carve.cpus: a compute container that carve node shows" {
	clients_node_setup
	run ctr_run -d --annotation carve.cpus="$LAST" "$IMAGE" "$ID" sleep 1000
	[ "$status" -eq 0 ]
	run clients_partition "$ID"
	echo "$output"
	[ "$(jq -r .cpus <<<"$output")" = "$LAST" ]
	[ "$(jq -r .exclusive <<<"$output")" = true ]
	run --separate-stderr ctr_ task exec --exec-id cpus "$ID" grep Cpus_allowed_list /proc/self/status
	[ "$output" = "Cpus_allowed_list:	$LAST" ]

	ctr_cleanup
	clients_assert_clean "$CTR_ROOT/$NS"
	assert_node_restored
}
