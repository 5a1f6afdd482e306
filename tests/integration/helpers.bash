# Shared by every bats suite: each test gets its own --root state directory,
# its own container ids and a busybox bundle; teardown deletes whatever the
# test left and checks that nothing of it remains on the node.

CARVE_BINARY=${CARVE_BINARY:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/carve}
CARVE_BUILDDIR=${CARVE_BUILDDIR:-$(dirname "$CARVE_BINARY")}
RECVTTY=${RECVTTY:-$CARVE_BUILDDIR/tests/helpers/recvtty}
BUSYBOX=${BUSYBOX:-/bin/busybox}

bats_require_minimum_version 1.5.0

# The busybox rootfs is built once per suite file and copied per test.
suite_rootfs() {
	local dir="$BATS_FILE_TMPDIR/rootfs-template"
	if [ ! -d "$dir" ]; then
		mkdir -p "$dir"/{bin,proc,sys,dev,tmp,etc,root,run}
		cp "$BUSYBOX" "$dir/bin/busybox"
		local t
		for t in $("$BUSYBOX" --list); do
			[ "$t" = busybox ] || ln -sf busybox "$dir/bin/$t"
		done
		echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/etc/passwd"
		echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>"$dir/etc/passwd"
		echo 'root:x:0:' >"$dir/etc/group"
		echo 'nogroup:x:65534:' >>"$dir/etc/group"
	fi
	echo "$dir"
}

setup_common() {
	TEST_ROOT="$BATS_TEST_TMPDIR/carve-root"
	RUNC_ROOT="$BATS_TEST_TMPDIR/runc-root"
	BUNDLE="$BATS_TEST_TMPDIR/bundle"
	mkdir -p "$BUNDLE"
	cp -a "$(suite_rootfs)" "$BUNDLE/rootfs"
	# Unique per test and recognisable: a leaked cgroup shows its origin.
	ID="carve-test-$$-${BATS_TEST_NUMBER}"
	(cd "$BUNDLE" && "$CARVE_BINARY" spec)
	# A quiet default: no terminal, a process that waits.
	update_config '.process.terminal = false | .process.args = ["sleep", "1000"] | del(.hostname)
		| .process.capabilities |= del(.ambient)'
}

setup() {
	setup_common
}

teardown() {
	teardown_common
}

teardown_common() {
	local id
	if [ -d "$TEST_ROOT" ]; then
		for id in $(ls "$TEST_ROOT"); do
			"$CARVE_BINARY" --root "$TEST_ROOT" delete -f "$id" >/dev/null 2>&1
		done
	fi
	if [ -d "$RUNC_ROOT" ]; then
		for id in $(ls "$RUNC_ROOT"); do
			runc --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1
		done
	fi
	# A test that failed half-way must not leave its cgroups behind either.
	# (-depth: children first; the memory hierarchy nests carve's cgroups
	# a few levels down on this node.)
	local d
	for d in $(find /sys/fs/cgroup -maxdepth 5 -depth -type d -name "$ID*" 2>/dev/null); do
		rmdir "$d" 2>/dev/null
	done
	return 0
}

# carve with this test's state directory.
carve() {
	"$CARVE_BINARY" --root "$TEST_ROOT" "$@"
}

# runc (Debian's) with this test's own state directory, for side-by-side
# comparisons.
runc_() {
	runc --root "$RUNC_ROOT" "$@"
}

require_runc() {
	command -v runc >/dev/null || skip "runc is not installed (apt-get install runc)"
}

# Applies a jq filter to the bundle's config.json.
update_config() {
	local tmp="$BUNDLE/config.json.tmp"
	jq "$1" "$BUNDLE/config.json" >"$tmp" && mv "$tmp" "$BUNDLE/config.json"
}

# Waits until `carve state ID` reports STATUS.
wait_for_status() {
	local id=$1 want=$2 i
	for i in $(seq 1 100); do
		[ "$(carve state "$id" 2>/dev/null | jq -r .status)" = "$want" ] && return 0
		sleep 0.05
	done
	echo "container $id never reached $want: $(carve state "$id" 2>&1)" >&2
	return 1
}

# Asserts that nothing of container ID remains: state directory, cgroups on
# every hierarchy, processes.
assert_no_leftovers() {
	local id=$1
	[ ! -e "$TEST_ROOT/$id" ] || { echo "state directory of $id left behind" >&2; return 1; }
	local left
	left=$(find /sys/fs/cgroup -maxdepth 5 -type d -name "$id" 2>/dev/null)
	[ -z "$left" ] || { echo "cgroups left behind: $left" >&2; return 1; }
	if grep -q "$BUNDLE/rootfs" /proc/self/mountinfo; then
		echo "mounts of the rootfs left in the host's namespace" >&2
		return 1
	fi
	return 0
}

# The PIDs of the processes in cgroup ID (pids hierarchy, or v2).
cgroup_pids_of() {
	local id=$1 f
	for f in /sys/fs/cgroup/pids/"$id"/cgroup.procs /sys/fs/cgroup/"$id"/cgroup.procs; do
		[ -r "$f" ] && { cat "$f"; return 0; }
	done
	return 1
}

# `carve create ARGS...` with its stdio kept away from bats: the container's
# init inherits it, and a pipe of `run` would stay open until the container
# exits.  Sets $status and $output (carve's messages) as `run` does, and
# returns $status.
carve_create() {
	local out="$BATS_TEST_TMPDIR/create.$RANDOM.out"
	status=0
	"$CARVE_BINARY" --root "$TEST_ROOT" create "$@" </dev/null >"$out" 2>&1 || status=$?
	output=$(cat "$out")
	[ "$status" -eq 0 ] || echo "carve create: $output" >&2
	return "$status"
}

# --- both isolation modes (environment, permeable, exec suites) -------------

# for_each_isolation FN ARGS...: runs FN ARGS... once per isolation mode,
# with ISOLATION (permeable, then oci) and CID, a container id of the mode's
# own (teardown removes it, its cgroups start with $ID).  The mode is
# printed first, so a failing test's output says which mode failed.
for_each_isolation() {
	local fn=$1
	shift
	for ISOLATION in permeable oci; do
		CID="$ID-$ISOLATION"
		echo "--- isolation: $ISOLATION"
		"$fn" "$@"
	done
}

# carve in this test's --root and the current ISOLATION mode.
carve_iso() {
	"$CARVE_BINARY" --root "$TEST_ROOT" --isolation "$ISOLATION" "$@"
}

# Copies a check program of tests/helpers (static) into the rootfs's /bin.
install_helper() {
	local name=$1 bin="$CARVE_BUILDDIR/tests/helpers/$1"
	[ -x "$bin" ] || skip "$bin is not built (make check builds it)"
	cp "$bin" "$BUNDLE/rootfs/bin/$name"
}
