# Shared by the suites that change node settings through compute
# containers (compute.bats, faults.bats): the node's CPUs, a snapshot of
# every setting carve may change, a private ledger per test, and the checks
# and last-resort restore around them.  Load after helpers.

CPUSET=/sys/fs/cgroup/cpuset
WQ=/sys/devices/virtual/workqueue

# "0-2,5" -> "0 1 2 5"
expand_list() {
	local part
	for part in $(tr ',' ' ' <<<"$1"); do
		case $part in
		*-*) seq "${part%-*}" "${part#*-}" ;;
		*) echo "$part" ;;
		esac
	done | xargs
}

list_has() {
	local c
	for c in $(expand_list "$1"); do
		[ "$c" = "$2" ] && return 0
	done
	return 1
}

# Whether the kernel's hex mask ("3", "00000000,00000003") has CPU $2.
mask_has() {
	local m=${1//,/} idx digit
	idx=$((${#m} - 1 - $2 / 4))
	[ "$idx" -ge 0 ] || return 1
	digit=$((16#${m:$idx:1}))
	(((digit >> ($2 % 4)) & 1))
}

# Every node setting carve may change, one "path value" line each.
node_settings() {
	local f
	for f in /proc/irq/*/smp_affinity /proc/irq/default_smp_affinity "$WQ"/cpumask "$WQ"/*/cpumask \
		"$CPUSET"/cpuset.sched_load_balance /proc/sys/kernel/timer_migration; do
		[ -r "$f" ] && echo "$f $(cat "$f")"
	done
	[ -d "$CPUSET/carve.compute" ] && echo "$CPUSET/carve.compute"
	# carve.serviceos stays while it holds cgroups that processes made in
	# it (other tests run on this node too), with every CPU again.
	if [ -d "$CPUSET/carve.serviceos" ] && { [ "$(cat "$CPUSET/carve.serviceos/cpuset.cpus")" != "$ONLINE" ] ||
		[ -s "$CPUSET/carve.serviceos/tasks" ]; }; then
		echo "$CPUSET/carve.serviceos $(cat "$CPUSET/carve.serviceos/cpuset.cpus")"
	fi
	return 0
}

# The affinity of the kernel threads user space may move (not
# PF_NO_SETAFFINITY): "pid list" lines.  An IRQ's thread is left out: the
# kernel gives it its IRQ's effective CPU at each interrupt, and the IRQ's
# own mask is in node_settings.
kthread_affinities() {
	local d st rest flags ppid
	for d in /proc/[0-9]*; do
		st=$(cat "$d/stat" 2>/dev/null) || continue
		rest=${st##*) }
		set -- $rest
		ppid=$2
		flags=$7
		[ "${d#/proc/}" = 2 ] || [ "$ppid" = 2 ] || continue
		((flags & 0x04000000)) && continue
		case "$(cat "$d/comm" 2>/dev/null)" in irq/*) continue ;; esac
		echo "${d#/proc/} $(awk '/^Cpus_allowed_list/ {print $2}' "$d/status" 2>/dev/null)"
	done | sort
}

# Tasks that may run on CPU $1 although carve evicted the host from it: not
# zombies, not the kernel's own bound threads (PF_KTHREAD with
# PF_NO_SETAFFINITY: per-CPU threads, workqueue workers and rescuers), not in
# cpuset directory $2 (the container's).
tasks_on_cpu() {
	local cpu=$1 own d st rest state flags list
	own=" $(cat "$2"/tasks | tr '\n' ' ') "
	for d in /proc/[0-9]*; do
		st=$(cat "$d/stat" 2>/dev/null) || continue
		rest=${st##*) }
		set -- $rest
		state=$1
		flags=$7
		[ "$state" = Z ] && continue
		((flags & 0x00200000)) && ((flags & 0x04000000)) && continue
		case "$own" in *" ${d#/proc/} "*) continue ;; esac
		list=$(awk '/^Cpus_allowed_list/ {print $2}' "$d/status" 2>/dev/null) || continue
		[ -n "$list" ] || continue
		list_has "$list" "$cpu" && echo "${d#/proc/} $(cat "$d/comm" 2>/dev/null) $list"
	done
	return 0
}

# The node's CPUs (ONLINE, CPUS, FIRST, LAST); skips when the node cannot
# make a partition.  node_setup and the client suites start with it.
node_cpus() {
	[ -w "$CPUSET/cpuset.cpu_exclusive" ] || skip "needs the cgroup v1 cpuset hierarchy at $CPUSET"
	ONLINE=$(cat /sys/devices/system/cpu/online)
	CPUS=($(expand_list "$ONLINE"))
	[ "${#CPUS[@]}" -ge 2 ] || skip "needs two online CPUs (the ServiceOS keeps one)"
	FIRST=${CPUS[0]}
	LAST=${CPUS[${#CPUS[@]} - 1]}
}

node_setup() {
	node_cpus
	setup_common
	ROOT2="$BATS_TEST_TMPDIR/carve-root2"
	LEDGER="$BATS_TEST_TMPDIR/ledger/ledger"
	export CARVE_CONFIG="$BATS_TEST_TMPDIR/carve.json"
	echo "{\"ledger\": \"$LEDGER\"}" >"$CARVE_CONFIG"
	node_settings >"$BATS_TEST_TMPDIR/settings.before"
	kthread_affinities >"$BATS_TEST_TMPDIR/kthreads.before"
	FOREIGN="$CPUSET/carve-test-foreign-$$-$BATS_TEST_NUMBER"
	FOREIGN_PID=
	HOOK_PID_FILE="$BATS_TEST_TMPDIR/hook.pid"
}

# A last resort when the test failed half-way: what this test's ledger
# still records is put back to its original.  Only this ledger is trusted:
# other tests on this node may change the same settings meanwhile.
restore_node() {
	local kind path orig d
	"$CARVE_BINARY" --root "$TEST_ROOT" list >/dev/null 2>&1
	[ -r "$LEDGER" ] || return 0
	jq -r '.settings | reverse | .[] | "\(.kind)\t\(.path)\t\(.original)"' "$LEDGER" |
		while IFS=$'\t' read -r kind path orig; do
			case $kind in
			file) [ -f "$path" ] && echo "$orig" >"$path" 2>/dev/null ;;
			affinity) taskset -pc "$orig" "${path#/proc/}" >/dev/null 2>&1 ;;
			cgroup_dir)
				for d in "$path"/*/; do
					[ -d "$d" ] && rmdir "$d" 2>/dev/null
				done
				for d in $(cat "$path/tasks" 2>/dev/null); do
					echo "$d" >"$(dirname "$path")/tasks" 2>/dev/null
				done
				rmdir "$path" 2>/dev/null
				;;
			mount)
				while mountpoint -q "$path" 2>/dev/null; do umount -l "$path" || break; done
				rmdir "$path" 2>/dev/null
				;;
			esac
		done
	return 0
}

node_teardown() {
	local r id
	for r in "$TEST_ROOT" "$ROOT2"; do
		[ -d "$r" ] || continue
		for id in $(ls "$r"); do
			"$CARVE_BINARY" --root "$r" delete -f "$id" >/dev/null 2>&1
		done
	done
	if [ -n "$FOREIGN_PID" ]; then
		kill -9 "$FOREIGN_PID" 2>/dev/null
		wait "$FOREIGN_PID" 2>/dev/null
	fi
	if [ -r "$HOOK_PID_FILE" ]; then
		kill -9 "$(cat "$HOOK_PID_FILE")" 2>/dev/null
	fi
	[ -d "$FOREIGN/inner" ] && rmdir "$FOREIGN/inner"
	[ -d "$FOREIGN" ] && rmdir "$FOREIGN"
	[ -n "$LEDGER" ] && restore_node
	teardown_common
}

# carve's config.json annotations.
annotate() {
	update_config ".annotations = $1"
}

# The container's cpuset directory, from `carve node --format json`.
cpuset_of() {
	carve node --format json | jq -r --arg id "$1" '.containers[] | select(.id == $id) | .cpuset'
}

ledger_partitions() {
	if [ -r "$LEDGER" ]; then
		jq '.partitions | length' "$LEDGER"
	else
		echo 0
	fi
}

# Everything carve changed is back: node settings and kernel threads.
assert_node_restored() {
	node_settings >"$BATS_TEST_TMPDIR/settings.after"
	diff "$BATS_TEST_TMPDIR/settings.before" "$BATS_TEST_TMPDIR/settings.after" || {
		echo "node settings differ after delete" >&2
		return 1
	}
	kthread_affinities >"$BATS_TEST_TMPDIR/kthreads.after"
	# Only the threads alive before and after: kernel threads come and go.
	join "$BATS_TEST_TMPDIR/kthreads.before" "$BATS_TEST_TMPDIR/kthreads.after" | awk '$2 != $3 { print; bad = 1 } END { exit bad }' || {
		echo "kernel threads' affinity not restored (pid before after) above" >&2
		return 1
	}
	[ "$(ledger_partitions)" = 0 ]
}

