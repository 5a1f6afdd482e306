# shellcheck shell=bash
# Shared by the bench/*/run.sh scripts (sourced, bash): messages, the
# packages they need, the busybox bundle, CPU lists, waiting for a process.

BUSYBOX=${BUSYBOX:-/bin/busybox}

# A step that fails under set -e says which one, also inside functions.
set -E
trap 'echo "${BENCH_NAME:-bench}: line $LINENO: \`$BASH_COMMAND\` failed (exit $?)" >&2' ERR

die() {
	echo "${BENCH_NAME:-bench}: $*" >&2
	exit 1
}

note() {
	echo "${BENCH_NAME:-bench}: $*" >&2
}

require_root() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (it creates containers and cgroups)"
}

# Installs Debian package PKG with apt-get when COMMAND is not found.
require_package() {
	local cmd=$1 pkg=$2
	command -v "$cmd" >/dev/null && return 0
	note "$cmd not found: apt-get install -y $pkg"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "$pkg" >&2; then
		DEBIAN_FRONTEND=noninteractive apt-get update >&2 || die "apt-get update failed"
		DEBIAN_FRONTEND=noninteractive apt-get install -y "$pkg" >&2 || die "apt-get install -y $pkg failed"
	fi
	command -v "$cmd" >/dev/null || die "$cmd still not found after installing $pkg"
}

# A busybox rootfs in DIR, as tests/integration/helpers.bash builds one.
build_rootfs() {
	local dir=$1 t
	[ -x "$BUSYBOX" ] || die "no busybox at $BUSYBOX (apt-get install busybox-static, or set BUSYBOX)"
	mkdir -p "$dir"/{bin,proc,sys,dev,tmp,etc,root,run}
	cp "$BUSYBOX" "$dir/bin/busybox"
	for t in $("$BUSYBOX" --list); do
		[ "$t" = busybox ] || ln -sf busybox "$dir/bin/$t"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/etc/passwd"
	echo 'root:x:0:' >"$dir/etc/group"
}

# A bundle in DIR whose root is the rootfs ROOTFS (absolute, so several
# bundles share one), from runc's own `runc spec`, made quiet: no terminal,
# no hostname (carve's default permeable mode has no UTS namespace to set
# it in), no ambient capabilities (as the bats suites do).  Then the jq
# filter FILTER is applied.
make_bundle() {
	local dir=$1 rootfs=$2 filter=$3
	mkdir -p "$dir"
	(cd "$dir" && rm -f config.json && "$RUNC" spec) || die "runc spec failed in $dir"
	jq --arg root "$rootfs" '.root.path = $root | .process.terminal = false | del(.hostname)
		| .process.capabilities |= del(.ambient) | '"$filter" "$dir/config.json" >"$dir/config.json.new" \
		|| die "cannot edit $dir/config.json"
	mv "$dir/config.json.new" "$dir/config.json"
}

# The CPUs of a CPU list ("0-3,8"), one per line.
cpu_list_expand() {
	local part lo hi
	local IFS=,
	for part in $1; do
		case $part in
		*-*) lo=${part%-*} hi=${part#*-} ;;
		*) lo=$part hi=$part ;;
		esac
		[[ "$lo" =~ ^[0-9]+$ && "$hi" =~ ^[0-9]+$ && "$lo" -le "$hi" ]] || die "\`$1\` is not a CPU list"
		seq "$lo" "$hi"
	done
}

online_cpus() {
	cpu_list_expand "$(cat /sys/devices/system/cpu/online)"
}

# Waits until process PID is gone (a zombie counts as gone: PID 1 may not
# reap promptly), at most SECONDS, looking every TENTHS tenths of a second
# (default 1).  Reads /proc with bash's own read: no process per look but
# sleep.
wait_pid_gone() {
	local pid=$1 seconds=$2 tenths=${3:-1} waited=0 s
	while :; do
		read -r s 2>/dev/null <"/proc/$pid/stat" || return 0
		s=${s##*) }
		[ "${s:0:1}" = Z ] && return 0
		((waited < seconds * 10)) || return 1
		waited=$((waited + tenths))
		sleep "$((tenths / 10)).$((tenths % 10))"
	done
}

# Removes the temporary directory DIR unless something is still mounted
# under it (rm would then reach into whatever the mount shows).
remove_tmpdir() {
	local dir=$1
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	if awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
		note "mounts remain under $dir: left in place"
		return 1
	fi
	rm -rf --one-file-system "$dir"
}
