#!/usr/bin/env bats
# The VM lane's smoke suite, run inside the node of tests/vm (run-vm.sh):
# that the node is what the lane promises (systemd as PID 1, pure cgroup v2
# with every controller, dbus), and that carve runs a busybox bundle from a
# systemd service, where containerd, Podman or slurmd would start it.

load ../integration/helpers

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

setup() {
	setup_common
	# What the bundle's process prints: its PID and its cgroup.
	update_config '.process.args = ["sh", "-c", "echo hello from $$; cat /proc/self/cgroup"]'
}

teardown() {
	teardown_common
	local unit
	for unit in "$ID-svc.service" "carve-$ID.scope"; do
		systemctl stop "$unit" >/dev/null 2>&1 || :
		systemctl reset-failed "$unit" >/dev/null 2>&1 || :
	done
	rmdir /sys/fs/cgroup/carve-smoke 2>/dev/null || :
}

# Runs ARGS... as a transient systemd service and waits for it, its stdio
# being the test's: sets $status and $output as `run` does.
run_as_service() {
	run systemd-run --quiet --wait --pipe --collect --unit="$ID-svc" "$@" </dev/null
	echo "systemd-run $*: exit $status, output: $output" >&2
}

@test "systemd is PID 1 and the suites run in a service of its" {
	[ "$(cat /proc/1/comm)" = systemd ]
	[[ "$(cat /proc/self/cgroup)" == 0::/system.slice/*.service ]]
	run systemctl is-active dbus.service
	[ "$output" = active ]
	# systemd's manager answers on the system bus (the systemd cgroup driver
	# asks it for scopes).
	run busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 \
		org.freedesktop.systemd1.Manager Version
	[ "$status" -eq 0 ]
	[[ "$output" == 's "252'* ]]
}

@test "/sys/fs/cgroup is cgroup2 alone, with every controller" {
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]
	# No v1 hierarchy anywhere: a pure unified node, not a hybrid one.
	run awk '$3 == "cgroup" { print $2 }' /proc/self/mounts
	[ -z "$output" ]
	local c
	for c in cpuset cpu io memory hugetlb pids rdma misc; do
		grep -qw "$c" /sys/fs/cgroup/cgroup.controllers || {
			echo "controller $c missing: $(cat /sys/fs/cgroup/cgroup.controllers)" >&2
			return 1
		}
	done
}

@test "carve --version" {
	run "$CARVE_BINARY" --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "carve version "* ]]
}

@test "carve spec writes a config.json" {
	local dir="$BATS_TEST_TMPDIR/spec"
	mkdir "$dir"
	(cd "$dir" && "$CARVE_BINARY" spec)
	[ "$(jq -r .ociVersion "$dir/config.json")" = 1.3.0 ]
	[ "$(jq -r '.root.path' "$dir/config.json")" = rootfs ]
}

@test "carve run with an absolute cgroupsPath from a systemd service" {
	update_config ".linux.cgroupsPath = \"/carve-smoke/$ID\""
	run_as_service "$CARVE_BINARY" --root "$TEST_ROOT" run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "hello from "* ]]
	[ "${lines[1]}" = "0::/carve-smoke/$ID" ]
	assert_no_leftovers "$ID"
}

@test "carve run passes the container's exit status through a systemd service" {
	update_config ".linux.cgroupsPath = \"/carve-smoke/$ID\" | .process.args = [\"sh\", \"-c\", \"exit 3\"]"
	run_as_service "$CARVE_BINARY" --root "$TEST_ROOT" run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 3 ]
	assert_no_leftovers "$ID"
}

# The bundle as `carve spec` writes it: no cgroupsPath, so the container's
# cgroup is relative, placed as runc's fs2 driver does it (beside carve's
# own cgroup, which holds processes: v2 forbids a child there).
@test "carve run of the default spec from a systemd service" {
	run_as_service "$CARVE_BINARY" --root "$TEST_ROOT" run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "hello from "* ]]
	[ "${lines[1]}" = "0::/system.slice/$ID" ]
	assert_no_leftovers "$ID"
}

@test "carve run --isolation=oci of the default spec from a systemd service" {
	run_as_service "$CARVE_BINARY" --root "$TEST_ROOT" --isolation=oci run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "hello from 1" ]
	assert_no_leftovers "$ID"
}

# --systemd-cgroup: systemd itself makes the container's scope
# (StartTransientUnit), knows it while the container runs, and forgets it
# at delete.  create runs from a service, as a containerd shim or conmon
# would run it; the container outlives that service, in its own scope.
@test "carve --systemd-cgroup create from a systemd service makes a transient scope systemd knows, delete removes it" {
	update_config ".linux.cgroupsPath = \"system.slice:carve:$ID\" | .process.args = [\"sleep\", \"1000\"]"
	# No --pipe: the container's init inherits create's stdio, and would
	# hold a pipe of the test open.
	systemd-run --quiet --wait --collect --unit="$ID-svc" \
		"$CARVE_BINARY" --root "$TEST_ROOT" --systemd-cgroup create --bundle "$BUNDLE" "$ID" </dev/null
	[ "$(carve state "$ID" | jq -r .status)" = created ]
	run systemctl is-active "carve-$ID.scope"
	echo "carve-$ID.scope: $output" >&2
	[ "$output" = active ]
	pid=$(carve state "$ID" | jq -r .pid)
	[ "$(cut -d: -f3 /proc/"$pid"/cgroup)" = "/system.slice/carve-$ID.scope" ]
	carve start "$ID"
	wait_for_status "$ID" running
	carve delete --force "$ID"
	run systemctl is-active "carve-$ID.scope"
	[ "$output" != active ]
	[ ! -d "/sys/fs/cgroup/system.slice/carve-$ID.scope" ]
	assert_no_leftovers "$ID"
}
