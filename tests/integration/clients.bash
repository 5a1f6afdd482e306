# Shared by the clients-*.bats suites, which drive the real clients
# (Debian's podman, dockerd, containerd, Slurm) with the files of contrib/.
# Load after helpers and node.
#
# Each suite file gets one private directory (CLIENT_DIR, short: Unix
# socket paths are limited to 108 bytes) holding the clients' storage and
# state, carve's --root and a ledger of its own.  Daemons are started by the
# suite in setup_file and stopped in teardown_file by their PID; what a
# client leaves in the node's cgroup hierarchies (its parent cgroups) is
# removed when it did not exist before.
#
# carve is reached through CLIENT_CARVE, a two-line wrapper that gives carve
# the suite's node config (CARVE_CONFIG: its own ledger) and a default
# --root; a client that passes its own --root (containerd's shim, Slurm's
# oci.conf) comes later on the command line and wins.  The wrapper also
# records every call in $CLIENT_DIR/calls.log, printed when a test fails.

CONTRIB=${CARVE_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}/contrib

# clients_require COMMAND PACKAGE: installs Debian's PACKAGE when COMMAND is
# missing (as the README's test command does), or skips the whole file.
clients_require() {
	local cmd=$1 pkg=$2
	command -v "$cmd" >/dev/null && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$pkg" >&2 || :
	fi
	command -v "$cmd" >/dev/null || skip "$cmd is not installed and apt-get could not install $pkg"
}

# The busybox rootfs of helpers.bash as a tarball, for `podman import`,
# `docker import` and the OCI archive of `ctr image import`.
clients_rootfs_tar() {
	local tar="$CLIENT_DIR/busybox.tar"
	[ -f "$tar" ] || tar -C "$(suite_rootfs)" -cf "$tar" .
	echo "$tar"
}

# clients_oci_archive NAME [CMD-JSON]: an OCI image layout tarball of the
# busybox rootfs (one uncompressed layer) named NAME, as `ctr image import`
# takes it; its command CMD-JSON (default ["sh"]).
clients_oci_archive() {
	local name=$1 cmd=${2:-'["sh"]'} layer d out
	out="$CLIENT_DIR/oci-image-${name//[^a-z0-9]/_}.tar"
	layer=$(clients_rootfs_tar)
	d=$(mktemp -d "$CLIENT_DIR/oci.XXXXXX")
	mkdir -p "$d/blobs/sha256"
	local l_sum l_size c_sum c_size m_sum m_size
	l_sum=$(sha256sum "$layer" | cut -d' ' -f1)
	l_size=$(stat -c %s "$layer")
	cp "$layer" "$d/blobs/sha256/$l_sum"
	jq -cn --arg diff "sha256:$l_sum" --argjson cmd "$cmd" '{architecture: "amd64", os: "linux",
		config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: $cmd},
		rootfs: {type: "layers", diff_ids: [$diff]}}' >"$d/config"
	c_sum=$(sha256sum "$d/config" | cut -d' ' -f1)
	c_size=$(stat -c %s "$d/config")
	mv "$d/config" "$d/blobs/sha256/$c_sum"
	jq -cn --arg c "sha256:$c_sum" --argjson cs "$c_size" --arg l "sha256:$l_sum" --argjson ls "$l_size" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' >"$d/manifest"
	m_sum=$(sha256sum "$d/manifest" | cut -d' ' -f1)
	m_size=$(stat -c %s "$d/manifest")
	mv "$d/manifest" "$d/blobs/sha256/$m_sum"
	jq -cn --arg m "sha256:$m_sum" --argjson ms "$m_size" --arg name "$name" '{schemaVersion: 2,
		manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
		annotations: {"io.containerd.image.name": $name, "org.opencontainers.image.ref.name": ($name | sub(".*:"; ""))}}]}' >"$d/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
	tar -C "$d" -cf "$out" oci-layout index.json blobs
	rm -rf "$d"
	echo "$out"
}

# The parent cgroups a client makes on every hierarchy (libpod_parent,
# docker, ...), and whether each existed before the suite.
CLIENT_PARENT_CGROUPS=()

clients_setup_file() {
	CLIENT_DIR=$(mktemp -d /tmp/carve-cl.XXXXXX)
	export CLIENT_DIR
	export CLIENT_ROOT="$CLIENT_DIR/carve-root"
	export CLIENT_CARVE="$CLIENT_DIR/carve"
	export CARVE_CONFIG="$CLIENT_DIR/carve.json"
	export LEDGER="$CLIENT_DIR/ledger/ledger"
	echo "{\"ledger\": \"$LEDGER\"}" >"$CARVE_CONFIG"
	cat >"$CLIENT_CARVE" <<-EOF
		#!/bin/sh
		echo "\$*" >>"$CLIENT_DIR/calls.log"
		exec env CARVE_CONFIG="$CARVE_CONFIG" "$CARVE_BINARY" --root "$CLIENT_ROOT" "\$@"
	EOF
	chmod +x "$CLIENT_CARVE"
	: >"$CLIENT_DIR/pids"
	[ -d /run/containerd ] && touch "$CLIENT_DIR/had-run-containerd"
	: >"$CLIENT_DIR/cgroups.before"
	local h
	for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
		ls -d "$h"* 2>/dev/null >>"$CLIENT_DIR/cgroups.before"
	done
}

# clients_start_daemon NAME COMMAND...: starts COMMAND in the background,
# output in $CLIENT_DIR/NAME.log, its PID recorded for teardown_file.  fd 3
# (bats' TAP stream) is closed: a daemon holding it would keep bats waiting.
clients_start_daemon() {
	local name=$1
	shift
	"$@" >"$CLIENT_DIR/$name.log" 2>&1 </dev/null 3>&- &
	echo "$! $name" >>"$CLIENT_DIR/pids"
}

# clients_wait TIMEOUT-SECONDS COMMAND...: until COMMAND succeeds.
clients_wait() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "timed out after ${t}s waiting for: $*" >&2
	return 1
}

# Stops every daemon of the suite, last started first: SIGTERM, then
# SIGKILL after 15 s.
clients_stop_daemons() {
	local pid name i
	[ -r "$CLIENT_DIR/pids" ] || return 0
	tac "$CLIENT_DIR/pids" | while read -r pid name; do
		kill -TERM "$pid" 2>/dev/null || continue
		for ((i = 0; i < 150; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "$name ($pid) did not stop on SIGTERM: killed" >&2
			kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null || :
	done
	: >"$CLIENT_DIR/pids"
}

# clients_teardown_file PARENT-CGROUP...: stops the daemons, removes what
# carve still holds in the suite's roots, the parent cgroups the clients
# made (when new and empty) and the private directory.
clients_teardown_file() {
	clients_stop_daemons
	local r id
	for r in "$CLIENT_ROOT" "$CLIENT_DIR"/carve-root-*; do
		[ -d "$r" ] || continue
		for id in $(ls "$r"); do
			CARVE_CONFIG="$CARVE_CONFIG" "$CARVE_BINARY" --root "$r" delete -f "$id" >/dev/null 2>&1
		done
	done
	local parent h d
	for parent in "$@"; do
		for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
			d="$h$parent"
			[ -d "$d" ] || continue
			grep -qxF "$d" "$CLIENT_DIR/cgroups.before" && continue
			find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
	done
	# containerd's shims put their sockets below /run/containerd/s and ctr
	# its FIFOs below /run/containerd/fifo, whatever containerd's state.
	[ -e "$CLIENT_DIR/had-run-containerd" ] || rmdir /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null
	# Whatever a client mounted below the private directory.
	local m
	for m in $(awk -v d="$CLIENT_DIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$CLIENT_DIR"
}

# What a failing test shows beside its own output.
clients_show_calls() {
	echo "--- carve calls of this suite (last 20):"
	tail -n 20 "$CLIENT_DIR/calls.log" 2>/dev/null | cut -c1-300
}

# The node's CPUs, for the compute-container tests (node.bash's node_setup
# without its bundle); skips when the node cannot make a partition.
clients_node_setup() {
	node_cpus
	node_settings >"$BATS_TEST_TMPDIR/settings.before"
	kthread_affinities >"$BATS_TEST_TMPDIR/kthreads.before"
}

# carve node of the suite's ledger, as JSON: the partition of container ID.
clients_partition() {
	"$CARVE_BINARY" --root "$CLIENT_ROOT" node --format json | jq -c --arg id "$1" '.containers[] | select(.id == $id)'
}

# Asserts that nothing of the suite's containers remains in carve: no
# state in ROOT, no ledger partition, no cgroup of carve's compute tree.
clients_assert_clean() {
	local root=${1:-$CLIENT_ROOT}
	if [ -d "$root" ] && [ -n "$(ls "$root")" ]; then
		echo "carve state left in $root: $(ls "$root")" >&2
		return 1
	fi
	[ "$(ledger_partitions)" = 0 ] || {
		echo "ledger partitions left: $(jq -c .partitions "$LEDGER")" >&2
		return 1
	}
}
