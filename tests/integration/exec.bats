#!/usr/bin/env bats
# carve exec: runc's flags, in both isolation modes.  In oci mode the
# process joins every namespace of the container; in permeable mode its
# mount namespace and its cgroup only.  Where runc is the reference, the
# same exec goes through runc exec.

load helpers

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-60}
STARTED_PIDS=()

teardown() {
	local p
	for p in "${STARTED_PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	teardown_common
}

# Starts container CID (sleep) in the current isolation mode.
start_sleeper() {
	carve_iso run -d --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	INIT=$(carve state "$CID" | jq .pid)
}

check_joins() {
	start_sleeper
	local kind inside
	run -0 carve exec "$CID" sh -c 'for k in pid net ipc uts mnt cgroup; do echo "$k $(readlink /proc/self/ns/$k)"; done
		cat /proc/self/cgroup'
	echo "$output"
	for kind in pid net ipc uts mnt cgroup; do
		inside=$(awk -v k="$kind" '$1 == k { print $2 }' <<<"$output")
		[ "$inside" = "$(readlink "/proc/$INIT/ns/$kind")" ]
	done
	# Its cgroups are the init's, on every hierarchy.
	diff <(grep -v '^0::' "/proc/$INIT/cgroup" | sort) <(grep ':/' <<<"$output" | grep -v '^0::' | sort) ||
		[ "$ISOLATION" = oci ] # oci: a cgroup namespace shows paths from its root
	if [ "$ISOLATION" = permeable ]; then
		[ "$(readlink "/proc/$INIT/ns/net")" = "$(readlink /proc/self/ns/net)" ]
		[ "$(readlink "/proc/$INIT/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]
	fi
	# HOME, absent from process.env, is root's from the container's
	# /etc/passwd, as runc sets it.
	run -0 carve exec "$CID" sh -c 'echo "$HOME"'
	[ "$output" = /root ]
	# The exit status comes back, a signal's as 128 + its number.
	run -42 carve exec "$CID" sh -c 'exit 42'
	run -137 carve exec "$CID" sh -c 'kill -9 $$'
	carve delete -f "$CID"
}

@test "exec joins the container (oci: every namespace; permeable: mount and cgroup) and returns the status" {
	update_config '.linux.namespaces += [{"type": "cgroup"}]'
	for_each_isolation check_joins
}

# What a process reports of itself, for comparing carve exec and runc exec.
EXEC_PROBE='id; pwd; echo "FOO=$FOO HOME=$HOME"; grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):" /proc/self/status; echo "umask: $(umask)"'

check_flags() {
	start_sleeper
	local log="$BATS_TEST_TMPDIR/exec-$ISOLATION.log"
	run -0 --separate-stderr carve --log "$log" exec --user 1000:1000 --additional-gids 10 --additional-gids 20 --cwd /tmp \
		--env FOO=bar --cap CAP_NET_RAW --no-new-privs "$CID" sh -c "$EXEC_PROBE"
	echo "$output"
	[ "$output" = "$RUNC_FLAGS_OUT" ]
	# --cap adds to the ambient set when there is an inheritable one (runc
	# 1.2); a capability not inheritable cannot be ambient: a warning, in
	# the log (stderr is the process's: nothing from carve there).
	[ -z "$stderr" ]
	grep -F "level=warning msg=\"process.capabilities.ambient: capability \`CAP_NET_RAW\` is not in both the permitted and inheritable sets, ignored\"" "$log"
	# A -p process.json, with its own user, cwd, env, rlimits, oomScoreAdj
	# and capabilities.
	run -0 carve exec -p "$BATS_TEST_TMPDIR/process.json" "$CID"
	echo "$output"
	# process.user.umask is the process's (config.md): runc 1.1 gives an
	# exec'd process the container's umask, carve the one asked for.
	# runc 1.1 sets an exec'd process's RLIMIT_NOFILE racily (its Go
	# runtime's own raise sometimes wins): checked against the value.
	[ "$(grep -Ev '^(umask:|Max open files)' <<<"$output")" = \
		"$(grep -Ev '^(umask:|Max open files)' <<<"$RUNC_PROCESS_OUT")" ]
	grep -qx 'umask: 0077' <<<"$output"
	grep -Eq '^Max open files +100 +200 ' <<<"$output"
	# process.oomScoreAdj is the process's (config.md): runc 1.1 leaves an
	# exec'd process at its own score, carve applies it.
	echo '{"args": ["cat", "/proc/self/oom_score_adj"], "cwd": "/", "oomScoreAdj": 77}' >"$BATS_TEST_TMPDIR/oom.json"
	run -0 carve exec -p "$BATS_TEST_TMPDIR/oom.json" "$CID"
	[ "$output" = 77 ]
	carve delete -f "$CID"
}

@test "exec flags and -p process.json give the process runc exec gives it, in both modes" {
	require_runc
	update_config '.process.capabilities.inheritable = ["CAP_KILL"] | .process.capabilities.ambient = ["CAP_KILL"]
		| .process.noNewPrivileges = false'
	jq -n --arg probe "$EXEC_PROBE; grep \"Max open files\" /proc/self/limits" '{
		"args": ["sh", "-c", $probe], "cwd": "/root", "env": ["PATH=/bin", "FOO=from-json"],
		"user": {"uid": 65534, "gid": 65534, "umask": 63},
		"capabilities": {"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"]},
		"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}], "oomScoreAdj": 77,
		"noNewPrivileges": true}' >"$BATS_TEST_TMPDIR/process.json"
	runc_ run -d --bundle "$BUNDLE" "$ID-runc" </dev/null >/dev/null 2>&1
	run -0 runc_ exec --user 1000:1000 --additional-gids 10 --additional-gids 20 --cwd /tmp --env FOO=bar \
		--cap CAP_NET_RAW --no-new-privs "$ID-runc" sh -c "$EXEC_PROBE"
	RUNC_FLAGS_OUT=$output
	echo "runc: $RUNC_FLAGS_OUT"
	run -0 runc_ exec -p "$BATS_TEST_TMPDIR/process.json" "$ID-runc"
	RUNC_PROCESS_OUT=$output
	echo "runc -p: $RUNC_PROCESS_OUT"
	[[ "$RUNC_PROCESS_OUT" == *"uid=65534"*"/root"*"FOO=from-json"* ]]
	for_each_isolation check_flags
}

check_tty_detach() {
	start_sleeper
	local sock="$BATS_TEST_TMPDIR/console-$ISOLATION.sock" out="$BATS_TEST_TMPDIR/console-$ISOLATION.out"
	local pidfile="$BATS_TEST_TMPDIR/recvtty-$ISOLATION.pid"
	"$RECVTTY" --mode single --pid-file "$pidfile" "$sock" </dev/null >"$out" 2>&1 &
	local recv=$!
	STARTED_PIDS+=("$recv")
	for _ in $(seq 100); do [ -s "$pidfile" ] && break; sleep 0.02; done
	# --detach returns at once; --pid-file holds the process's host PID.
	run -0 carve exec --tty --detach --console-socket "$sock" --pid-file "$BATS_TEST_TMPDIR/exec.pid" \
		"$CID" sh -c 'tty; echo "in: $$"; sleep 0.3'
	[ -z "$output" ]
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	[ -d "/proc/$pid" ]
	grep -q "^NSpid:.*$pid" "/proc/$pid/status"
	wait "$recv"
	tr -d '\r' <"$out"
	[ "$(tr -d '\r' <"$out" | head -1)" = /dev/pts/0 ]
	if [ "$ISOLATION" = permeable ]; then
		# The host's PID namespace: the PID inside is the PID outside.
		grep -qx "in: $pid" <(tr -d '\r' <"$out")
	fi
	carve delete -f "$CID"
}

@test "exec --tty --console-socket --detach --pid-file, in both modes" {
	[ -x "$RECVTTY" ] || skip "recvtty is not built (make tests/helpers/recvtty)"
	for_each_isolation check_tty_detach
}

check_fds_cgroup_affinity() {
	start_sleeper
	local pid sub
	# --preserve-fds 2: descriptors 3 and 4 of the caller, no more.
	carve exec --detach --preserve-fds 2 --pid-file "$BATS_TEST_TMPDIR/p.pid" "$CID" sleep 100 \
		3</dev/null 4</dev/null 5</dev/null 6</dev/null
	pid=$(cat "$BATS_TEST_TMPDIR/p.pid")
	[ "$(ls "/proc/$pid/fd" | sort -n | tr '\n' ' ')" = "0 1 2 3 4 " ]
	kill "$pid"
	# --cgroup: an existing sub-cgroup of the container's, as runc; on the
	# named controllers' hierarchies, or on every one.
	sub=$(awk -F: '$2 == "pids" { print $3 }' "/proc/$INIT/cgroup")
	mkdir "/sys/fs/cgroup/pids$sub/job-step"
	run -0 carve exec --cgroup pids:job-step "$CID" cat /proc/self/cgroup
	grep -q "^[0-9]*:pids:.*/job-step\$" <<<"$output"
	# Not on every hierarchy: refused, and not made behind the caller's back.
	run -1 carve exec --cgroup job-step "$CID" true
	[[ "$output" == *"--cgroup \`job-step\`: sub-cgroup"*"does not exist"* ]]
	[ -z "$(find /sys/fs/cgroup -mindepth 2 -maxdepth 7 -type d -name job-step ! -path "*/pids/*" 2>/dev/null)" ]
	local line dir
	while IFS=: read -r _ ctrl path; do
		case $ctrl in "") dir=/sys/fs/cgroup/unified$path ;; name=*) dir=/sys/fs/cgroup/${ctrl#name=}$path ;;
		*) dir=/sys/fs/cgroup/${ctrl%%,*}$path ;; esac
		[ -d "$dir" ] || dir=/sys/fs/cgroup/$ctrl$path
		[ -d "$dir" ] || continue
		mkdir -p "$dir/job-step"
		if [ -e "$dir/cpuset.cpus" ]; then
			cat "$dir/cpuset.cpus" >"$dir/job-step/cpuset.cpus"
			cat "$dir/cpuset.mems" >"$dir/job-step/cpuset.mems"
		fi
	done <"/proc/$INIT/cgroup"
	run carve exec --cgroup job-step "$CID" cat /proc/self/cgroup
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output"
	grep -q "^[0-9]*:pids:.*/job-step\$" <<<"$output"
	# A path that climbs out, an absolute one, an unknown controller.
	for bad in ../.. job-step/../.. /x nosuch:job-step; do
		run -1 carve exec --cgroup "$bad" "$CID" true
		echo "$bad: $output"
		[[ "$output" == *"--cgroup \`$bad\`"* ]]
	done
	# execCPUAffinity: `final` once in the cgroup; without it, every CPU the
	# cgroup allows, not carve's own affinity (runc 1.2).
	echo '{"args": ["grep", "Cpus_allowed_list", "/proc/self/status"], "cwd": "/",
		"execCPUAffinity": {"initial": "0", "final": "1"}}' >"$BATS_TEST_TMPDIR/aff.json"
	run -0 carve exec -p "$BATS_TEST_TMPDIR/aff.json" "$CID"
	echo "$output"
	[[ "$output" == $'Cpus_allowed_list:\t1' ]]
	run -0 taskset -c 0 "$CARVE_BINARY" --root "$TEST_ROOT" exec "$CID" grep Cpus_allowed_list /proc/self/status
	echo "$output"
	local cpuset allowed=/sys/devices/system/cpu/online
	cpuset=$(awk -F: '$2 == "cpuset" { print $3 }' "/proc/$INIT/cgroup")
	[ -z "$cpuset" ] || allowed="/sys/fs/cgroup/cpuset$cpuset/cpuset.effective_cpus"
	[[ "$output" == $'Cpus_allowed_list:\t'"$(cat "$allowed")" ]]
	carve delete -f "$CID"
	assert_no_leftovers "$CID"
}

@test "exec --preserve-fds, --cgroup and execCPUAffinity, in both modes" {
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
	[ -d /sys/fs/cgroup/pids ] || skip "checked on the cgroup v1 pids hierarchy"
	for_each_isolation check_fds_cgroup_affinity
}

@test "exec errors: a stopped container, a missing program, a bad --user, an LSM that is not there" {
	update_config '.process.args = ["true"]'
	carve run -d --bundle "$BUNDLE" "$ID-done" </dev/null >/dev/null 2>&1
	wait_for_status "$ID-done" stopped
	run -1 carve exec "$ID-done" true
	[[ "$output" == *"cannot exec in container \`$ID-done\`: it is stopped"* ]]
	update_config '.process.args = ["sleep", "1000"]'
	carve run -d --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	run -1 carve exec "$ID" no-such-program
	[[ "$output" == *"no-such-program"* ]]
	run -1 carve exec --user nobody "$ID" true
	[[ "$output" == *"--user: \`nobody\` is not a numeric id"* ]]
	if ! grep -qs Y /sys/module/apparmor/parameters/enabled; then
		run -1 carve exec --apparmor some-profile "$ID" true
		[[ "$output" == *"process.apparmorProfile: AppArmor is not enabled on this host"* ]]
	fi
	if [ ! -d /sys/fs/selinux ]; then
		run -1 carve exec --process-label system_u:system_r:container_t:s0 "$ID" true
		[[ "$output" == *"process.selinuxLabel: SELinux is not enabled on this host"* ]]
	fi
	# None of these left a process in the container.
	[ "$(cgroup_pids_of "$ID" | wc -l)" -eq 1 ]
}
