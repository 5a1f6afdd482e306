#!/bin/bash
# OS noise seen by a job, runc against carve: the fixed-work-quantum probe
# (bench/noise/fwq) on one CPU
#   (a) in a runc container given that CPU (linux.resources.cpu.cpus), and
#   (b) in a carve compute container that owns it (annotation carve.cpus:
#       exclusive, kernel noise evicted, by default),
# while stress-ng loads the host (CPU, I/O and memory workers, not pinned:
# the load may wander onto the probe's CPU unless the runtime keeps it off).
# R rounds, the two runtimes interleaved (their order alternates), one run;
# prints both side by side and the ratios runc/carve.  See bench/README.md.
set -euo pipefail

export BENCH_NAME=noise
# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "$0")")/../lib.sh"

usage() {
	cat <<EOF
usage: $0 [OPTIONS]
  --carve PATH       carve binary (default \$CARVE, else ./carve)
  --fwq PATH         the probe (default: bench/noise/fwq beside carve)
  --runc PATH        runc binary (default: runc in PATH)
  --cpu N            the probe's CPU (default: the last online CPU)
  --rounds R         rounds (default 5)
  --samples N        fwq samples per run (default 100000)
  --quantum LOOPS    fwq loop count per sample (default: fwq's)
  --carve-mode MODE  exclusive: carve.cpus=CPU (the compute container, default);
                     plain: carve given the CPU as runc is (no carve.* annotation)
  --load ARGS        stress-ng arguments (default: --cpu NCPUS --io 1 --vm 1 --vm-bytes 64M)
  --no-load          no stress-ng (the machine's own noise)
  --raw DIR          keep every run's fwq line and samples in DIR
  --diagnose         name the threads that ran on the probe's CPU during each run
EOF
}

CARVE=${CARVE:-./carve}
FWQ=
RUNC=runc
CPU=
ROUNDS=5
SAMPLES=100000
QUANTUM=
MODE=exclusive
LOAD=
NO_LOAD=false
RAW_DIR=
DIAGNOSE=false

while [ $# -gt 0 ]; do
	case $1 in
	--carve) CARVE=${2:?--carve needs a path}; shift 2 ;;
	--fwq) FWQ=${2:?--fwq needs a path}; shift 2 ;;
	--runc) RUNC=${2:?--runc needs a path}; shift 2 ;;
	--cpu) CPU=${2:?--cpu needs a CPU number}; shift 2 ;;
	--rounds) ROUNDS=${2:?--rounds needs a number}; shift 2 ;;
	--samples) SAMPLES=${2:?--samples needs a number}; shift 2 ;;
	--quantum) QUANTUM=${2:?--quantum needs a loop count}; shift 2 ;;
	--carve-mode) MODE=${2:?--carve-mode needs exclusive or plain}; shift 2 ;;
	--load) LOAD=${2:?--load needs stress-ng arguments}; shift 2 ;;
	--no-load) NO_LOAD=true; shift ;;
	--raw) RAW_DIR=${2:?--raw needs a directory}; shift 2 ;;
	--diagnose) DIAGNOSE=true; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown option \`$1\`" ;;
	esac
done

[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "--rounds: \`$ROUNDS\` is not a positive number"
[[ "$SAMPLES" =~ ^[1-9][0-9]*$ ]] || die "--samples: \`$SAMPLES\` is not a positive number"
[ -z "$QUANTUM" ] || [[ "$QUANTUM" =~ ^[1-9][0-9]*$ ]] || die "--quantum: \`$QUANTUM\` is not a positive number"
case $MODE in exclusive | plain) ;; *) die "--carve-mode: \`$MODE\` is not exclusive or plain" ;; esac

require_root
CARVE_ARG=$CARVE
CARVE=$(readlink -f "$CARVE") || CARVE=$CARVE_ARG
if [ ! -f "$CARVE" ] || [ ! -x "$CARVE" ]; then die "no carve binary at \`$CARVE\` (--carve PATH or \$CARVE)"; fi
[ -n "$FWQ" ] || FWQ=$(dirname "$CARVE")/bench/noise/fwq
[ -x "$FWQ" ] || die "no fwq at \`$FWQ\` (make builds it; or --fwq PATH)"
RUNC=$(command -v "$RUNC") || die "runc not found (apt-get install runc, or --runc PATH)"
require_package jq jq
$NO_LOAD || require_package stress-ng stress-ng

# The CPUs: the probe's, and the ServiceOS's (every other online CPU).
mapfile -t ONLINE < <(online_cpus)
[ "${#ONLINE[@]}" -ge 2 ] || die "needs at least 2 online CPUs (one for the ServiceOS, one for the probe)"
[ -n "$CPU" ] || CPU=${ONLINE[${#ONLINE[@]} - 1]}
[[ "$CPU" =~ ^[0-9]+$ ]] || die "--cpu: \`$CPU\` is not a CPU number"
SERVICEOS_CPUS=
for c in "${ONLINE[@]}"; do
	[ "$c" = "$CPU" ] || SERVICEOS_CPUS=${SERVICEOS_CPUS:+$SERVICEOS_CPUS,}$c
done
[ "$SERVICEOS_CPUS" != "$(IFS=,; echo "${ONLINE[*]}")" ] || die "--cpu: CPU $CPU is not online (online: $(cat /sys/devices/system/cpu/online))"
[ -n "$LOAD" ] || LOAD="--cpu ${#ONLINE[@]} --io 1 --vm 1 --vm-bytes 64M"

# --- everything below is undone by cleanup -----------------------------------
TMP=$(mktemp -d /tmp/carve-bench-noise.XXXXXX)
LOAD_PID=
FAILED_RESTORE=0

# True while a process of process group PGID is alive (zombies do not
# count: they only wait to be reaped).
group_alive() {
	local pgid=$1 f s
	for f in /proc/[0-9]*/stat; do
		read -r s 2>/dev/null <"$f" || continue
		s=${s##*) }
		# shellcheck disable=SC2086
		set -- $s # state ppid pgrp ...
		[ "$3" = "$pgid" ] && [ "$1" != Z ] && return 0
	done
	return 1
}

stop_load() {
	[ -n "$LOAD_PID" ] || return 0
	# stress-ng runs in its own session, so its process group is its PID:
	# the workers go with it.
	kill -TERM -- "-$LOAD_PID" 2>/dev/null || true
	local i
	for ((i = 0; i < 100; i++)); do
		group_alive "$LOAD_PID" || break
		sleep 0.1
	done
	kill -KILL -- "-$LOAD_PID" 2>/dev/null || true
	wait "$LOAD_PID" 2>/dev/null || true
	LOAD_PID=
}

cleanup() {
	local rc=$? d
	trap - EXIT INT TERM
	stop_load
	# Whatever a failed or interrupted step left: each state root holds one
	# directory per container.
	for d in "$TMP"/carve-root/*/; do
		[ -d "$d" ] || continue
		d=$(basename "$d")
		carve_ delete -f "$d" >/dev/null 2>&1 || note "cleanup: carve delete -f $d failed"
	done
	for d in "$TMP"/runc-root/*/; do
		[ -d "$d" ] || continue
		d=$(basename "$d")
		runc_ delete -f "$d" >/dev/null 2>&1 || note "cleanup: runc delete -f $d failed"
	done
	remove_tmpdir "$TMP" || rc=1
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

carve_() {
	CARVE_CONFIG=$TMP/carve.json "$CARVE" --root "$TMP/carve-root" "$@"
}
runc_() {
	"$RUNC" --root "$TMP/runc-root" "$@"
}

# A private node: the ServiceOS keeps every CPU but the probe's, the ledger
# lives in the temporary directory.
jq -n --arg cpus "$SERVICEOS_CPUS" --arg ledger "$TMP/ledger" '{serviceos_cpus: $cpus, ledger: $ledger}' \
	>"$TMP/carve.json"

build_rootfs "$TMP/rootfs"
cp "$FWQ" "$TMP/rootfs/bin/fwq" || die "cannot copy $FWQ into the rootfs"
FWQ_ARGS=$(jq -cn --arg n "$SAMPLES" --arg q "$QUANTUM" --arg raw "$RAW_DIR" \
	'["/bin/fwq", "-n", $n] + (if $q == "" then [] else ["-q", $q] end) + (if $raw == "" then [] else ["-r"] end)')
# An absolute cgroupsPath: without one runc makes the container's cgroup
# under its caller's, and a caller confined to the ServiceOS CPUs (by
# another compute container) could not give it the probe's CPU.
make_bundle "$TMP/runc-bundle" "$TMP/rootfs" ".process.args = $FWQ_ARGS | .linux.resources.cpu.cpus = \"$CPU\"
	| .linux.cgroupsPath = \"/carve-bench-noise-$$-runc\""
if [ "$MODE" = exclusive ]; then
	# carve.cpus.exclusive and carve.kthreads=evict are the defaults.
	make_bundle "$TMP/carve-bundle" "$TMP/rootfs" ".process.args = $FWQ_ARGS | .annotations[\"carve.cpus\"] = \"$CPU\""
else
	make_bundle "$TMP/carve-bundle" "$TMP/rootfs" ".process.args = $FWQ_ARGS | .linux.resources.cpu.cpus = \"$CPU\""
fi
[ -z "$RAW_DIR" ] || mkdir -p "$RAW_DIR"

# What carve may change on the node (DESIGN.md: IRQ affinity, workqueue
# masks, parent cpusets, kernel threads' affinity, RT runtime), one "key
# value" line each, sorted by key.  Compared before carve's create and
# after its delete in every round.
node_snapshot() {
	local f pid
	{
		for f in /proc/irq/*/smp_affinity_list /sys/devices/virtual/workqueue/cpumask \
			/sys/devices/virtual/workqueue/*/cpumask \
			/proc/sys/kernel/sched_rt_runtime_us /proc/sys/kernel/sched_rt_period_us \
			/sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/cpuset/*/cpuset.cpus \
			/sys/fs/cgroup/cpuset/cpuset.cpu_exclusive /sys/fs/cgroup/cpuset/*/cpuset.cpu_exclusive \
			/sys/fs/cgroup/cpuset/cpuset.sched_load_balance /sys/fs/cgroup/cpuset/*/cpuset.sched_load_balance \
			/sys/fs/cgroup/cpu/cpu.rt_runtime_us /sys/fs/cgroup/cpu/*/cpu.rt_runtime_us \
			/sys/fs/cgroup/cpuset.cpus.partition /sys/fs/cgroup/*/cpuset.cpus.partition \
			/sys/fs/cgroup/cpuset.cpus /sys/fs/cgroup/*/cpuset.cpus; do
			if [ -r "$f" ]; then
				echo "$f $(tr '\n' ' ' <"$f" 2>/dev/null)"
			fi
		done
		# Kernel threads (children of kthreadd) and this script.
		for pid in $(ps -e -o pid=,ppid= | awk '$2 == 2 { print $1 }') $$; do
			f=/proc/$pid/status
			if [ -r "$f" ]; then
				echo "affinity/$pid/$(tr -d ' \n' <"/proc/$pid/comm" 2>/dev/null) $(awk '/^Cpus_allowed_list/ { print $2 }' "$f" 2>/dev/null)"
			fi
		done
	} 2>/dev/null | sort -k1,1
}

# Compares two snapshots: a key in both with another value is a setting
# not restored (a failure).  A cpuset directory only in AFTER may be one
# that carve left behind, or another user's: it is shown as a note.  Keys
# only in BEFORE (a kernel thread gone, a cgroup removed) are fine.
node_compare() {
	local before=$1 after=$2 diffs
	diffs=$(awk 'NR == FNR { v = $0; sub(/^[^ ]* ?/, "", v); b[$1] = v; next }
			{ v = $0; sub(/^[^ ]* ?/, "", v)
			  if ($1 in b) { if (b[$1] != v) print "changed: " $1 ": `" b[$1] "` -> `" v "`" }
			  else if ($1 ~ /^\/sys\/fs\/cgroup\/cpuset\/[^\/]*\/cpuset.cpus$/) print "note: new cpuset: " $1 " `" v "`" }' \
		"$before" "$after")
	[ -z "$diffs" ] && return 0
	echo "$diffs"
	grep -v '^note: ' >/dev/null <<<"$diffs" && return 1
	return 0
}

node_map() {
	local label=$1 out
	if out=$(carve_ node 2>&1); then
		printf '%s\n' "carve node ($label):" "$out" | sed '2,$s/^/    /'
	elif [ "$MODE" = exclusive ]; then
		die "carve node failed: $out"
	else
		echo "carve node ($label): unavailable: $out"
	fi
}

affinity_of() {
	awk '/^Cpus_allowed_list/ { print $2 }' "/proc/$1/status"
}

# True when task PID may run on the probe's CPU: otherwise the load could
# never disturb the probe and runc's figures would be carve's.
load_reaches_cpu() {
	local c
	for c in $(cpu_list_expand "$(affinity_of "$1")"); do
		[ "$c" = "$CPU" ] && return 0
	done
	return 1
}

start_load() {
	$NO_LOAD && return 0
	# Its own session (setsid without --fork: a background job of a script
	# is not a group leader, so setsid does not fork and $! is stress-ng),
	# so that the whole worker tree stops with its process group.  The
	# timeout only backs up a cleanup that never ran (kill -9 of this
	# script).
	# shellcheck disable=SC2086
	setsid stress-ng $LOAD --timeout "$((ROUNDS * 600))s" --quiet </dev/null >"$TMP/stress-ng.log" 2>&1 &
	LOAD_PID=$!
	sleep 0.5
	kill -0 "$LOAD_PID" 2>/dev/null || die "stress-ng $LOAD did not start: $(cat "$TMP/stress-ng.log")"
	[ "$(ps -o pgid= -p "$LOAD_PID" | tr -d ' ')" = "$LOAD_PID" ] || die "stress-ng is not in its own process group"
	load_reaches_cpu "$LOAD_PID" || die "the load cannot reach CPU $CPU (stress-ng's CPUs: $(affinity_of "$LOAD_PID")):" \
		"another compute container owns it? (carve node)"
	# Let every worker come up.
	sleep 1.5
}

# --diagnose: "TID PSR RUNTIME_NS PID NAME" for every thread (kernel
# threads' names in brackets), from /proc/*/task/*/stat (field 39, the CPU
# it last ran on) and schedstat (its run time).
thread_sample() {
	# Threads come and go while grep reads: a vanished file is fine.
	{ grep -H '' /proc/[0-9]*/task/[0-9]*/stat /proc/[0-9]*/task/[0-9]*/schedstat 2>/dev/null || true; } | awk '
		{ path = $0; sub(/:.*/, "", path); line = substr($0, length(path) + 2); split(path, c, "/"); tid = c[5] }
		path ~ /schedstat$/ { split(line, f, " "); rt[tid] = f[1]; next }
		{
			name = line; sub(/^[^(]*\(/, "", name); sub(/\) [^)]*$/, "", name)
			rest = line; sub(/^.*\) /, "", rest); split(rest, f, " ")
			psr[tid] = f[37]; kernel[tid] = (f[2] == 2 || c[3] == 2); nm[tid] = name; pid[tid] = c[3]
		}
		END { for (t in psr) if (t in rt) print t, psr[t], rt[t], pid[t], kernel[t] ? "[" nm[t] "]" : nm[t] }'
}

# --diagnose: the threads (fwq aside) that ran on the probe's CPU during
# one second of fwq's run, counted by name ("stress-ng-cpu*2 [ksoftirqd/1]*1").
# A thread whose last CPU is the probe's and whose run time grew in that
# second last ran there within it; one that ran there and moved on is
# missed, so this is a lower bound.
neighbours() {
	local pid=$1
	thread_sample >"$TMP/threads.1"
	sleep 1
	thread_sample >"$TMP/threads.2"
	if wait_pid_gone "$pid" 0; then
		echo "(fwq ended within the second: use more --samples)"
		return 0
	fi
	awk -v cpu="$CPU" -v fwq="$pid" 'NR == FNR { rt[$1] = $3; next }
		$2 == cpu && $4 != fwq && (!($1 in rt) || $3 > rt[$1]) { name = $5; for (i = 6; i <= NF; i++) name = name " " $i; c[name]++ }
		END { for (k in c) { printf "%s%s*%d", sep, k, c[k]; sep = " " } }' "$TMP/threads.1" "$TMP/threads.2"
}

# Runs the probe once in runtime RT (carve or runc) for ROUND; appends
# "ROUND RT <fwq line>" to $TMP/results.
probe() {
	local rt=$1 round=$2 id out pid line
	id=carve-bench-noise-$$-$round-$rt
	out=$TMP/out.$round.$rt
	if [ "$rt" = carve ]; then
		node_snapshot >"$TMP/node.before"
		carve_ create --bundle "$TMP/carve-bundle" "$id" </dev/null >"$out" 2>"$out.err" \
			|| die "round $round: carve create failed: $(cat "$out.err")"
		if [ "$round" -eq 1 ]; then
			[ ! -s "$out.err" ] || note "carve create said: $(cat "$out.err")"
			node_map "round 1, container created" >&2
		fi
		pid=$(carve_ state "$id" | jq -r .pid) || die "round $round: carve state $id failed"
		carve_ start "$id" || die "round $round: carve start $id failed"
	else
		runc_ create --bundle "$TMP/runc-bundle" "$id" </dev/null >"$out" 2>"$out.err" \
			|| die "round $round: runc create failed: $(cat "$out.err")"
		pid=$(runc_ state "$id" | jq -r .pid) || die "round $round: runc state $id failed"
		runc_ start "$id" || die "round $round: runc start $id failed"
	fi
	[[ "$pid" =~ ^[1-9][0-9]*$ ]] || die "round $round: $rt state gave no pid for $id"
	if $DIAGNOSE; then
		neighbours "$pid" >"$TMP/neighbours"
		note "round $round, $rt: threads that ran on CPU $CPU in one second of fwq's run: $(cat "$TMP/neighbours")"
	fi
	# Looks twice a second: this script is host load too.
	wait_pid_gone "$pid" 600 5 || die "round $round: fwq in $rt ($id, pid $pid) still runs after 600 s"
	if [ "$rt" = carve ]; then
		carve_ delete "$id" || die "round $round: carve delete $id failed"
		node_snapshot >"$TMP/node.after"
		if ! node_compare "$TMP/node.before" "$TMP/node.after" >"$TMP/node.diff"; then
			note "round $round: carve delete did not restore the node (or another user changed it meanwhile):"
			sed 's/^/    /' "$TMP/node.diff" >&2
			FAILED_RESTORE=1
		elif [ -s "$TMP/node.diff" ]; then
			note "round $round: after carve delete:"
			sed 's/^/    /' "$TMP/node.diff" >&2
		fi
	else
		runc_ delete "$id" || die "round $round: runc delete $id failed"
	fi
	line=$(grep '^fwq ' "$out") || die "round $round: fwq in $rt printed no result; its stderr: $(cat "$out.err")"
	[ "$(grep -c '^fwq ' "$out")" -eq 1 ] || die "round $round: fwq in $rt printed more than one result"
	# The probe must have run where it was put.
	[[ " $line " == *" cpu=$CPU "* ]] || die "round $round: fwq in $rt ran on another CPU than $CPU: $line"
	[[ " $line " == *" migrations=0 "* ]] || die "round $round: fwq in $rt migrated between CPUs: $line"
	[ -z "$RAW_DIR" ] || cp "$out" "$RAW_DIR/round$round.$rt"
	echo "$round $rt $line" >>"$TMP/results"
}

echo "noise: fwq on CPU $CPU (ServiceOS CPUs $SERVICEOS_CPUS), $SAMPLES samples${QUANTUM:+ of $QUANTUM loops}, $ROUNDS rounds"
echo "       carve $CARVE ($([ "$MODE" = exclusive ] && echo "carve.cpus=$CPU: exclusive, kernel noise evicted" || echo "plain: linux.resources.cpu.cpus=$CPU"))"
echo "       runc $RUNC ($("$RUNC" --version | sed -n 1p); linux.resources.cpu.cpus=$CPU)"
echo "       load: $($NO_LOAD && echo none || echo "stress-ng $LOAD, not pinned")"
echo "       kernel $(uname -r), ${#ONLINE[@]} CPUs online, clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
node_map "before" >&2
load_reaches_cpu $$ || die "this script cannot run on CPU $CPU (its CPUs: $(affinity_of $$)):" \
	"another compute container owns it? (carve node)"
: >"$TMP/results"
for ((round = 1; round <= ROUNDS; round++)); do
	start_load
	# The order alternates so that neither runtime always runs on a load
	# that has just started.
	if ((round % 2)); then
		probe runc "$round"
		probe carve "$round"
	else
		probe carve "$round"
		probe runc "$round"
	fi
	stop_load
	note "round $round of $ROUNDS done"
done
node_map "after the last delete" >&2

# The table: per round, then the median over the rounds, of each metric;
# ratio runc/carve (above 1: carve is quieter).
awk -v rounds="$ROUNDS" '
	function val(line, key,   n, i, kv, parts) {
		n = split(line, parts, " ")
		for (i = 1; i <= n; i++) { split(parts[i], kv, "="); if (kv[1] == key) return kv[2] }
		return ""
	}
	function ratio(r, c) {
		if (c + 0 == 0) return (r + 0 == 0) ? "-" : "inf"
		return sprintf("%.2f", r / c)
	}
	function show(key, r, c) {
		if (key == "noise") printf "  %-10s %12.6f %12.6f %10s\n", key, r, c, ratio(r, c)
		else printf "  %-10s %12.0f %12.0f %10s\n", key, r, c, ratio(r, c)
	}
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	BEGIN { nk = split("min_ns median_ns p99_ns p999_ns max_ns mean_ns noise", keys, " ") }
	{ line = $0; sub(/^[^ ]+ [^ ]+ /, "", line); res[$1, $2] = line }
	END {
		for (r = 1; r <= rounds; r++) {
			printf "\nround %d (%s first)\n  %-10s %12s %12s %10s\n", r, (r % 2) ? "runc" : "carve", "metric", "runc", "carve", "runc/carve"
			for (k = 1; k <= nk; k++) show(keys[k], val(res[r, "runc"], keys[k]), val(res[r, "carve"], keys[k]))
		}
		printf "\nmedian over %d rounds\n  %-10s %12s %12s %10s\n", rounds, "metric", "runc", "carve", "runc/carve"
		for (k = 1; k <= nk; k++) {
			for (r = 1; r <= rounds; r++) { a[r] = val(res[r, "runc"], keys[k]) + 0; b[r] = val(res[r, "carve"], keys[k]) + 0 }
			show(keys[k], median(a, rounds), median(b, rounds))
		}
	}' "$TMP/results"

[ "$FAILED_RESTORE" -eq 0 ] || die "carve delete did not restore the node in every round (see above)"
