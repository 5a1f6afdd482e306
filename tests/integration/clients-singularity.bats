#!/usr/bin/env bats
# SingularityCE 4.x in OCI mode (`singularity run --oci IMAGE ARGS...`),
# which Debian does not package: the test replays what SingularityCE does
# with its OCI runtime (crun, else runc; here carve in their place), as
# its OCI launcher does it for root (internal/pkg/runtime/launcher/oci):
#
#   - a bundle in a temporary directory: rootfs/ (the image, with a
#     writable tmpfs overlay on top: --oci mode always uses
#     --writable-tmpfs) and a config.json of its own making (below);
#   - one call, with the bundle as working directory, stdin the same as
#     stdout, stdout and stderr inherited:
#       RUNTIME --root /run/singularity-oci [--systemd-cgroup] run -b BUNDLE UUID
#     (--systemd-cgroup when singularity.conf says `systemd cgroups = yes`,
#     its default); SingularityCE then exits with the runtime's status.
#     It passes no --console-socket: with a terminal, process.terminal is
#     true and the runtime makes the pty and copies it to its own stdio.
#
# The overlay is mounted in a mount namespace of the test's own (unshare),
# so nothing of it reaches the host's.

load helpers

setup() {
	SING_DIR="$BATS_TEST_TMPDIR/sing"
	SING_ROOT="$SING_DIR/singularity-oci"
	BUNDLE="$SING_DIR/oci-bundle"
	LOWER="$SING_DIR/image"
	mkdir -p "$BUNDLE/rootfs" "$SING_DIR/overlay"
	cp -a "$(suite_rootfs)" "$LOWER"
	# SingularityCE writes the host's resolv.conf into the image.
	cp /etc/resolv.conf "$LOWER/etc/resolv.conf" 2>/dev/null || :
	UUID=$(cat /proc/sys/kernel/random/uuid)
	TTY_GID=$(getent group tty | cut -d: -f3)
	TTY_GID=${TTY_GID:-5}
}

teardown() {
	if [ -d "$SING_ROOT" ]; then
		local id
		for id in $(ls "$SING_ROOT"); do
			"$CARVE_BINARY" --root "$SING_ROOT" delete -f "$id" >/dev/null 2>&1
		done
	fi
}

# The config.json that SingularityCE 4.x writes for `run --oci` as root,
# with no options: its minimal spec (IPC, PID and mount namespaces,
# writable root), the default capabilities for root (permitted, effective
# and bounding; no inheritable, no ambient), the mounts of its OCI launcher
# (/proc, read-only /sys, a tmpfs /dev with shm, mqueue and devpts, tmpfs
# /tmp, /var/tmp and home, each sized by `sessiondir max size`, 64 MiB),
# cwd the home directory, env: the image's, then SINGULARITY_CONTAINER,
# SINGULARITY_NAME, HOME, TERM, SINGULARITYENV_* without the prefix,
# LD_LIBRARY_PATH with /.singularity.d/libs.  TERMINAL: whether its stdin
# is a terminal.  No cgroupsPath or resources without --apply-cgroups; on
# cgroup v2 hosts it adds a read-only cgroup mount.
singularity_config() {
	local terminal=$1
	shift
	local caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'
	local cgroup2=false
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && cgroup2=true
	jq -n --argjson terminal "$terminal" --argjson caps "$caps" --arg bundle "$BUNDLE" \
		--arg name "oci-archive:$SING_DIR/busybox.tar" --arg gid "gid=$TTY_GID" --argjson cgroup2 "$cgroup2" \
		--argjson args "$(for a in "$@"; do jq -n --arg a "$a" '$a'; done | jq -sc .)" \
		--arg term "${TERM:-}" --arg job "${SINGULARITYENV_JOB:-}" '{
		ociVersion: "1.1.0",
		root: {path: "rootfs", readonly: false},
		process: {
			terminal: $terminal, user: {uid: 0, gid: 0}, args: $args,
			env: (["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"SINGULARITY_CONTAINER=" + $bundle, "SINGULARITY_NAME=" + $name, "HOME=/root"]
				+ (if $term != "" then ["TERM=" + $term] else [] end)
				+ (if $job != "" then ["JOB=" + $job] else [] end)
				+ ["LD_LIBRARY_PATH=/.singularity.d/libs"]),
			cwd: "/root",
			capabilities: {bounding: $caps, effective: $caps, permitted: $caps, inheritable: [], ambient: []},
			noNewPrivileges: false
		},
		mounts: ([
			{destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]},
			{destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]}]
			+ (if $cgroup2 then [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "ro"]}] else [] end)
			+ [
			{destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=64m"]},
			{destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=64m"]},
			{destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]},
			{destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", $gid]},
			{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "relatime", "mode=777", "size=64m"]},
			{destination: "/var/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "relatime", "mode=777", "size=64m"]},
			{destination: "/root", type: "tmpfs", source: "tmpfs", options: ["relatime", "mode=755", "size=64m", "nosuid", "uid=0", "gid=0"]}]),
		linux: {namespaces: [{type: "ipc"}, {type: "pid"}, {type: "mount"}]}
	}' >"$BUNDLE/config.json"
}

# singularity_run [--systemd-cgroup]: what `singularity run --oci` does
# once the bundle is made: the writable tmpfs overlay on rootfs/, then the
# runtime's run from the bundle, stdin = stdout.  A script, so that
# script(1) can run it in a terminal.
singularity_script() {
	cat >"$SING_DIR/singularity-run" <<-EOF
		#!/bin/sh
		exec unshare -m --propagation private sh -c '
			mount -t tmpfs -o mode=755 tmpfs "$SING_DIR/overlay" &&
			mkdir "$SING_DIR/overlay/upper" "$SING_DIR/overlay/work" &&
			mount -t overlay overlay -o "lowerdir=$LOWER,upperdir=$SING_DIR/overlay/upper,workdir=$SING_DIR/overlay/work" "$BUNDLE/rootfs" &&
			cd "$BUNDLE" &&
			exec "\$@" <&1' sh "$CARVE_BINARY" --root "$SING_ROOT" "\$@" run -b "$BUNDLE" "$UUID"
	EOF
	chmod +x "$SING_DIR/singularity-run"
}

singularity_run() {
	singularity_script
	"$SING_DIR/singularity-run" "$@"
}

@test "singularity run --oci: the job's output, its exit status and its environment" {
	SINGULARITYENV_JOB=fwq singularity_config false sh -c 'echo "job $JOB in $PWD, home $HOME"; exit 3'
	run --separate-stderr singularity_run
	echo "stderr: $stderr"
	[ "$status" -eq 3 ]
	[ "$output" = "job fwq in /root, home /root" ]
	# `run` deletes the container: nothing left in SingularityCE's --root.
	[ -z "$(ls "$SING_ROOT")" ]
}

@test "singularity run --oci: the writable tmpfs overlay and the launcher's mounts" {
	singularity_config false sh -c '
		echo scratch >/etc/written && cat /etc/written
		awk '\''$2 == "/tmp" || $2 == "/var/tmp" || $2 == "/root" || $2 == "/dev/shm" || $2 == "/dev/pts" { print $2, $3 }'\'' /proc/mounts | sort -u
		grep -c . /etc/resolv.conf >/dev/null && echo resolv.conf'
	run --separate-stderr singularity_run
	echo "$output"
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = scratch ]
	[ "${lines[1]}" = "/dev/pts devpts" ]
	# /dev/shm: permeable mode also binds the host's over the tmpfs (sort -u).
	[ "${lines[2]}" = "/dev/shm tmpfs" ]
	[ "${lines[3]}" = "/root tmpfs" ]
	[ "${lines[4]}" = "/tmp tmpfs" ]
	[ "${lines[5]}" = "/var/tmp tmpfs" ]
	# The write went to the overlay's upper layer, not to the image.
	[ ! -e "$LOWER/etc/written" ]
	[ -z "$(ls "$SING_ROOT")" ]
}

@test "singularity run --oci in a terminal: process.terminal without a console socket" {
	singularity_config true sh -c 'tty; test -t 0 && test -t 1 && echo stdio is a terminal; exit 5'
	# SingularityCE's own stdin is the terminal script(1) gives it.
	singularity_script
	run script -qec "$SING_DIR/singularity-run" /dev/null
	echo "$output"
	[ "$status" -eq 5 ]
	# script(1) shows a NUL (^@) first, as with runc, and carriage returns.
	[[ "${lines[0]}" == ?(^@)/dev/pts/* ]]
	[[ "${lines[1]}" == "stdio is a terminal"*($'\r') ]]
	[ -z "$(ls "$SING_ROOT")" ]
}

@test "singularity run --oci with singularity.conf's default 'systemd cgroups = yes': --systemd-cgroup" {
	[ "$(cat /proc/1/comm)" = systemd ] && [ -S /run/systemd/private ] ||
		skip "SingularityCE passes --systemd-cgroup by default: needs systemd as PID 1 (here: $(cat /proc/1/comm))"
	singularity_config false sh -c 'grep -q ":/system.slice/" /proc/self/cgroup && echo in a systemd scope'
	run --separate-stderr singularity_run --systemd-cgroup
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "in a systemd scope" ]
	[ -z "$(ls "$SING_ROOT")" ]
}
