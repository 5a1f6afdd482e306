#!/usr/bin/env bats
# Podman (Debian's 4.3) runs carve through contrib/podman/containers.conf.
# Podman gets private storage, runroot, tmpdir and network config, and a
# containers.conf made of the contrib file (carve's path set to the build's)
# and what this node needs: ulimits that root without CAP_SYS_RESOURCE can
# set, the cgroupfs manager and the file events backend (no systemd).

load helpers
load node
load clients

IMAGE=localhost/carve-busybox:test

setup_file() {
	clients_require podman podman
	clients_setup_file
	[ -d /var/lib/containers ] && touch "$CLIENT_DIR/had-var-lib-containers"
	{
		sed "s|^carve = \[|carve = [\n  \"$CLIENT_CARVE\",|" "$CONTRIB/podman/containers.conf"
		cat <<-EOF
			[containers]
			default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
		EOF
	} >"$CLIENT_DIR/containers.conf"
	podman_ import "$(clients_rootfs_tar)" "$IMAGE" >/dev/null
}

teardown_file() {
	podman_ rm -af -t 0 >/dev/null 2>&1
	podman_ rmi -af >/dev/null 2>&1
	clients_teardown_file libpod_parent
	# Podman's blob-info cache is there whatever its --root.
	[ -e "$CLIENT_DIR/had-var-lib-containers" ] || rm -rf /var/lib/containers
}

setup() {
	ID="carve-podman-$$-$BATS_TEST_NUMBER"
}

teardown() {
	[ -n "$BATS_TEST_COMPLETED" ] || clients_show_calls
	podman_ rm -af -t 0 >/dev/null 2>&1
	restore_node
}

podman_() {
	CONTAINERS_CONF="$CLIENT_DIR/containers.conf" podman --root "$CLIENT_DIR/storage" \
		--runroot "$CLIENT_DIR/runroot" --tmpdir "$CLIENT_DIR/libpod" \
		--network-config-dir "$CLIENT_DIR/cni" --storage-driver overlay \
		--cgroup-manager cgroupfs --events-backend file --runtime carve "$@"
}

@test "podman: the runtime is carve, from contrib/podman/containers.conf" {
	run podman_ info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}'
	[ "$status" -eq 0 ]
	[ "$output" = "carve $CLIENT_CARVE" ]
}

@test "podman run: the job's output, its exit status and its environment" {
	run --separate-stderr podman_ run --rm --network none -e JOB=fwq "$IMAGE" sh -c 'echo "job $JOB"; exit 3'
	echo "stderr: $stderr"
	[ "$status" -eq 3 ]
	[ "$output" = "job fwq" ]
	clients_assert_clean
}

@test "podman run -d, exec, stop, rm" {
	run podman_ run -d --network none --name "$ID" "$IMAGE" sleep 1000
	[ "$status" -eq 0 ]
	local cid=$output
	run "$CARVE_BINARY" --root "$CLIENT_ROOT" state "$cid"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]

	run --separate-stderr podman_ exec -e STEP=2 "$ID" sh -c 'echo "step $STEP"; exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = "step 2" ]

	run podman_ stop -t 2 "$ID"
	[ "$status" -eq 0 ]
	run podman_ inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$ID"
	[ "$output" = "exited 143" ]
	run podman_ rm "$ID"
	[ "$status" -eq 0 ]
	clients_assert_clean
}

@test "podman run -t and exec -t: a terminal through carve's console socket" {
	run --separate-stderr podman_ run --rm -t --network none "$IMAGE" sh -c 'tty; test -t 0 && echo stdin is a terminal' </dev/null
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == /dev/pts/* ]]
	[ "${lines[1]}" = $'stdin is a terminal\r' ]

	podman_ run -d --network none --name "$ID" "$IMAGE" sleep 1000
	run --separate-stderr podman_ exec -t "$ID" tty </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == /dev/pts/* ]]
	podman_ rm -f -t 0 "$ID"
	clients_assert_clean
}

@test "podman run --cpuset-cpus --memory: the container's CPUs and memory limit" {
	clients_node_setup
	run --separate-stderr podman_ run --rm --network none --cpuset-cpus "$LAST" --memory 64m "$IMAGE" sh -c \
		'grep Cpus_allowed_list /proc/self/status; cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Cpus_allowed_list:	$LAST" ]
	[ "${lines[1]}" = 67108864 ]
}

@test "podman run --annotation carve.cpus: a compute container that carve node shows" {
	clients_node_setup
	run podman_ run -d --network none --name "$ID" --annotation carve.cpus="$LAST" "$IMAGE" sleep 1000
	[ "$status" -eq 0 ]
	local cid=$output
	run clients_partition "$cid"
	echo "$output"
	[ "$(jq -r .cpus <<<"$output")" = "$LAST" ]
	[ "$(jq -r .exclusive <<<"$output")" = true ]
	run podman_ exec "$ID" grep Cpus_allowed_list /proc/self/status
	[ "$output" = "Cpus_allowed_list:	$LAST" ]

	podman_ rm -f -t 0 "$ID"
	clients_assert_clean
	assert_node_restored
}
