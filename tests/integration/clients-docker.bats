#!/usr/bin/env bats
# Docker (Debian's docker.io 20.10) runs carve through
# contrib/docker/daemon.json.  dockerd runs on a private socket, data-root
# and exec-root (its own containerd below them), without iptables or a
# bridge, with the cgroupfs driver; containers use --network host: Docker adds its
# libnetwork-setkey hook for --network none as for its bridge, which carve
# refuses in permeable mode (permeable.bats).

load helpers
load node
load clients

IMAGE=carve-busybox:test
DOCKER=/usr/bin/docker

setup_file() {
	clients_require dockerd docker.io
	clients_setup_file
	jq --arg path "$CLIENT_CARVE" '.runtimes.carve.path = $path' "$CONTRIB/docker/daemon.json" >"$CLIENT_DIR/daemon.json"
	clients_start_daemon dockerd dockerd --config-file "$CLIENT_DIR/daemon.json" \
		--data-root "$CLIENT_DIR/data" --exec-root "$CLIENT_DIR/exec" \
		-H "unix://$CLIENT_DIR/docker.sock" --pidfile "$CLIENT_DIR/docker.pid" \
		--iptables=false --ip6tables=false --bridge=none \
		--exec-opt native.cgroupdriver=cgroupfs
	clients_wait 30 docker_ version || {
		tail -20 "$CLIENT_DIR/dockerd.log" >&2
		return 1
	}
	docker_ import "$(clients_rootfs_tar)" "$IMAGE" >/dev/null
}

teardown_file() {
	docker_ rm -f $(docker_ ps -aq) >/dev/null 2>&1
	clients_teardown_file docker
}

setup() {
	ID="carve-docker-$$-$BATS_TEST_NUMBER"
}

teardown() {
	[ -n "$BATS_TEST_COMPLETED" ] || { clients_show_calls; tail -5 "$CLIENT_DIR/dockerd.log"; }
	docker_ rm -f "$ID" >/dev/null 2>&1
	restore_node
}

docker_() {
	"$DOCKER" -H "unix://$CLIENT_DIR/docker.sock" "$@"
}

# carve's state directory: the --root that dockerd's containerd shim
# passes, below dockerd's exec-root.
docker_carve_root() {
	echo "$CLIENT_DIR/exec/runtime-runc/moby"
}

@test "docker info: the carve runtime of contrib/docker/daemon.json" {
	run docker_ info --format '{{json .Runtimes}}'
	[ "$status" -eq 0 ]
	[ "$(jq -r .carve.path <<<"$output")" = "$CLIENT_CARVE" ]
}

@test "docker run: the job's output, its exit status and its environment" {
	run --separate-stderr docker_ run --rm --runtime carve --network host -e JOB=fwq "$IMAGE" sh -c 'echo "job $JOB"; exit 3'
	echo "stderr: $stderr"
	[ "$status" -eq 3 ]
	[ "$output" = "job fwq" ]
	grep -q " create " "$CLIENT_DIR/calls.log"
	clients_assert_clean "$(docker_carve_root)"
}

@test "docker run -d, exec, stop, rm" {
	run docker_ run -d --runtime carve --network host --name "$ID" "$IMAGE" sleep 1000
	[ "$status" -eq 0 ]
	local cid=$output
	run "$CARVE_BINARY" --root "$(docker_carve_root)" state "$cid"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]

	run --separate-stderr docker_ exec -e STEP=2 "$ID" sh -c 'echo "step $STEP"; exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = "step 2" ]

	run docker_ stop -t 2 "$ID"
	[ "$status" -eq 0 ]
	run docker_ inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$ID"
	[ "$output" = "exited 143" ]
	run docker_ rm "$ID"
	[ "$status" -eq 0 ]
	clients_assert_clean "$(docker_carve_root)"
}

@test "docker run -t and exec -t: a terminal through carve's console socket" {
	run --separate-stderr docker_ run --rm -t --runtime carve --network host "$IMAGE" sh -c 'tty; test -t 0 && echo stdin is a terminal' </dev/null
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == /dev/pts/* ]]
	[ "${lines[1]}" = $'stdin is a terminal\r' ]

	docker_ run -d --runtime carve --network host --name "$ID" "$IMAGE" sleep 1000
	run --separate-stderr docker_ exec -t "$ID" tty </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == /dev/pts/* ]]
	docker_ rm -f "$ID"
	clients_assert_clean "$(docker_carve_root)"
}

@test "docker run --cpuset-cpus --memory: the container's CPUs and memory limit" {
	clients_node_setup
	run --separate-stderr docker_ run --rm --runtime carve --network host --cpuset-cpus "$LAST" --memory 64m "$IMAGE" sh -c \
		'grep Cpus_allowed_list /proc/self/status; cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Cpus_allowed_list:	$LAST" ]
	[ "${lines[1]}" = 67108864 ]
}

@test "docker run --annotation carve.cpus: a compute container that carve node shows" {
	# `docker run --annotation` came with Docker 24; 20.10 passes no
	# annotation to the runtime at all.
	docker_ run --help | grep -q -- '--annotation' ||
		skip "docker $(docker_ version --format '{{.Client.Version}}') has no \`docker run --annotation\` (Docker 24 and later)"
	clients_node_setup
	run docker_ run -d --runtime carve --network host --name "$ID" --annotation carve.cpus="$LAST" "$IMAGE" sleep 1000
	[ "$status" -eq 0 ]
	local cid=$output
	run clients_partition "$cid"
	[ "$(jq -r .cpus <<<"$output")" = "$LAST" ]
	[ "$(jq -r .exclusive <<<"$output")" = true ]
	run docker_ exec "$ID" grep Cpus_allowed_list /proc/self/status
	[ "$output" = "Cpus_allowed_list:	$LAST" ]
	docker_ rm -f "$ID"
	clients_assert_clean "$(docker_carve_root)"
	assert_node_restored
}
