#!/bin/bash
# Lifecycle latency, runc against carve: the wall time of `create`, `start`,
# `delete` (and their sum) and of a foreground `run`, of a busybox container
# whose process is /bin/true, on one bundle shared by both runtimes; N
# iterations, the runtimes interleaved (their order alternates).  Prints
# min/median/p90/max of each and the ratios runc/carve, then the peak RSS of
# each runtime command as /usr/bin/time reports it.  See bench/README.md.
set -euo pipefail

export BENCH_NAME=lifecycle
# shellcheck source=bench/lib.sh
. "$(dirname "$(readlink -f "$0")")/../lib.sh"

usage() {
	cat <<EOF
usage: $0 [OPTIONS]
  --carve PATH        carve binary (default \$CARVE, else ./carve)
  --runc PATH         runc binary (default: runc in PATH)
  --iterations N      timed iterations per runtime (default 50)
  --rss-iterations N  iterations under /usr/bin/time for the peak RSS (default 5, 0: none)
  --isolation MODE    carve's --isolation (permeable or oci; default: the node's,
                      permeable unless /etc/carve/carve.json says otherwise)
EOF
}

CARVE=${CARVE:-./carve}
RUNC=runc
ITERATIONS=50
RSS_ITERATIONS=5
ISOLATION=

while [ $# -gt 0 ]; do
	case $1 in
	--carve) CARVE=${2:?--carve needs a path}; shift 2 ;;
	--runc) RUNC=${2:?--runc needs a path}; shift 2 ;;
	--iterations) ITERATIONS=${2:?--iterations needs a number}; shift 2 ;;
	--rss-iterations) RSS_ITERATIONS=${2:?--rss-iterations needs a number}; shift 2 ;;
	--isolation) ISOLATION=${2:?--isolation needs permeable or oci}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown option \`$1\`" ;;
	esac
done

[[ "$ITERATIONS" =~ ^[1-9][0-9]*$ ]] || die "--iterations: \`$ITERATIONS\` is not a positive number"
[[ "$RSS_ITERATIONS" =~ ^[0-9]+$ ]] || die "--rss-iterations: \`$RSS_ITERATIONS\` is not a number"
case $ISOLATION in '' | permeable | oci) ;; *) die "--isolation: \`$ISOLATION\` is not permeable or oci" ;; esac
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash 5 (EPOCHREALTIME)"

require_root
CARVE_ARG=$CARVE
CARVE=$(readlink -f "$CARVE") || CARVE=$CARVE_ARG
if [ ! -f "$CARVE" ] || [ ! -x "$CARVE" ]; then die "no carve binary at \`$CARVE\` (--carve PATH or \$CARVE)"; fi
RUNC=$(command -v "$RUNC") || die "runc not found (apt-get install runc, or --runc PATH)"
require_package jq jq
TIME=/usr/bin/time
if [ "$RSS_ITERATIONS" -gt 0 ]; then
	[ -x "$TIME" ] || require_package "$TIME" time
fi

# --- everything below is undone by cleanup -----------------------------------
TMP=$(mktemp -d /tmp/carve-bench-lifecycle.XXXXXX)

cleanup() {
	local rc=$? d
	trap - EXIT INT TERM
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
	"$CARVE" --root "$TMP/carve-root" ${ISOLATION:+--isolation "$ISOLATION"} "$@"
}
runc_() {
	"$RUNC" --root "$TMP/runc-root" "$@"
}

build_rootfs "$TMP/rootfs"
make_bundle "$TMP/bundle" "$TMP/rootfs" '.process.args = ["/bin/true"]'
BUNDLE=$TMP/bundle

# One timed command: appends "RT PHASE MICROSECONDS" to $TMP/times.
# EPOCHREALTIME is bash's own clock read (microseconds, no fork); the
# runtime's output goes to a file, shown if it fails.
timed() {
	local rt=$1 phase=$2 t0 t1
	shift 2
	t0=${EPOCHREALTIME/./}
	"$@" </dev/null >"$TMP/out" 2>&1 || die "$rt $phase failed: $(cat "$TMP/out")"
	t1=${EPOCHREALTIME/./}
	echo "$rt $phase $((t1 - t0))" >>"$TMP/times"
}

# One iteration of runtime RT (carve_ or runc_): create, start, (wait
# for /bin/true to end: not timed), delete; then run.
iteration() {
	local rt=$1 i=$2 name id pid
	name=${rt%_}
	id=bench-lc-$$-$i-$name
	timed "$name" create "$rt" create --bundle "$BUNDLE" "$id"
	pid=$("$rt" state "$id" | jq -r .pid) || die "$name state $id failed"
	timed "$name" start "$rt" start "$id"
	wait_pid_gone "$pid" 30 || die "$name: /bin/true of $id (pid $pid) still runs after 30 s"
	timed "$name" delete "$rt" delete "$id"
	timed "$name" run "$rt" run --bundle "$BUNDLE" "$id-run"
	[ ! -e "$TMP/${name}-root/$id-run" ] || die "$name run left $id-run behind"
}

# The same under /usr/bin/time: appends "RT PHASE KIB" to $TMP/rss.
rss() {
	local rt=$1 phase=$2
	shift 2
	"$TIME" -f %M -o "$TMP/rss.one" "$@" </dev/null >"$TMP/out" 2>&1 || die "$rt $phase (under time) failed: $(cat "$TMP/out")"
	echo "$rt $phase $(tail -1 "$TMP/rss.one")" >>"$TMP/rss"
}

rss_iteration() {
	local rt=$1 i=$2 name id pid
	name=${rt%_}
	id=bench-lc-rss-$$-$i-$name
	if [ "$name" = carve ]; then
		set -- "$CARVE" --root "$TMP/carve-root" ${ISOLATION:+--isolation "$ISOLATION"}
	else
		set -- "$RUNC" --root "$TMP/runc-root"
	fi
	rss "$name" create "$@" create --bundle "$BUNDLE" "$id"
	pid=$("$rt" state "$id" | jq -r .pid) || die "$name state $id failed"
	rss "$name" start "$@" start "$id"
	wait_pid_gone "$pid" 30 || die "$name: /bin/true of $id (pid $pid) still runs after 30 s"
	rss "$name" delete "$@" delete "$id"
	rss "$name" run "$@" run --bundle "$BUNDLE" "$id-run"
}

echo "lifecycle: busybox /bin/true, $ITERATIONS iterations, runtimes interleaved"
echo "           carve $CARVE (isolation ${ISOLATION:-from the node config})"
echo "           runc $RUNC ($("$RUNC" --version | sed -n 1p))"
echo "           kernel $(uname -r), $(nproc) CPUs online"

# One untimed round each first: page cache, the sealed copy, cgroup
# hierarchies.
iteration carve_ 0
iteration runc_ 0
: >"$TMP/times"
for ((i = 1; i <= ITERATIONS; i++)); do
	if ((i % 2)); then
		iteration runc_ "$i"
		iteration carve_ "$i"
	else
		iteration carve_ "$i"
		iteration runc_ "$i"
	fi
done

: >"$TMP/rss"
for ((i = 1; i <= RSS_ITERATIONS; i++)); do
	rss_iteration carve_ "$i"
	rss_iteration runc_ "$i"
done

# Tables.  create+start+delete is the sum of the three, per iteration.
awk '
	function sortn(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	}
	function median(a, n) { return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	function rank(a, n, p,   r) { r = int((n * p + 99) / 100); if (r < 1) r = 1; return a[r] }
	function ratio(r, c) { return (c + 0 == 0) ? "-" : sprintf("%.2f", r / c) }
	FILENAME ~ /times$/ {
		n[$1, $2]++; v[$1, $2, n[$1, $2]] = $3
		# The k-th create, start and delete of a runtime belong to one container.
		if ($2 != "run") { csd[$1, $2, n[$1, $2]] = $3 }
		next
	}
	{ rn[$1, $2]++; if ($3 > rmax[$1, $2]) rmax[$1, $2] = $3 }
	END {
		split("carve runc", rts, " ")
		for (k = 1; k <= 2; k++) {
			rt = rts[k]
			n[rt, "create+start+delete"] = n[rt, "create"]
			for (i = 1; i <= n[rt, "create"]; i++)
				v[rt, "create+start+delete", i] = csd[rt, "create", i] + csd[rt, "start", i] + csd[rt, "delete", i]
		}
		np = split("create start delete create+start+delete run", phases, " ")
		printf "\nwall time, ms (%d iterations each)\n", n["carve", "create"]
		printf "  %-20s %-11s %9s %9s %9s %9s\n", "phase", "runtime", "min", "median", "p90", "max"
		for (p = 1; p <= np; p++) {
			ph = phases[p]
			for (k = 1; k <= 2; k++) {
				rt = rts[k]; m = n[rt, ph]
				delete a
				for (i = 1; i <= m; i++) a[i] = v[rt, ph, i]
				sortn(a, m)
				s[rt, 1] = a[1]; s[rt, 2] = median(a, m); s[rt, 3] = rank(a, m, 90); s[rt, 4] = a[m]
				printf "  %-20s %-11s %9.2f %9.2f %9.2f %9.2f\n", (k == 1) ? ph : "", rt, s[rt, 1] / 1000, s[rt, 2] / 1000, s[rt, 3] / 1000, s[rt, 4] / 1000
			}
			printf "  %-20s %-11s %9s %9s %9s %9s\n", "", "runc/carve", ratio(s["runc", 1], s["carve", 1]), ratio(s["runc", 2], s["carve", 2]), ratio(s["runc", 3], s["carve", 3]), ratio(s["runc", 4], s["carve", 4])
		}
		if (rn["carve", "create"] > 0) {
			printf "\npeak RSS, KiB (max of %d runs under /usr/bin/time -f %%M: the runtime process and the children it waited for)\n", rn["carve", "create"]
			printf "  %-20s %9s %9s %10s\n", "phase", "carve", "runc", "runc/carve"
			np = split("create start delete run", phases, " ")
			for (p = 1; p <= np; p++)
				printf "  %-20s %9d %9d %10s\n", phases[p], rmax["carve", phases[p]], rmax["runc", phases[p]], ratio(rmax["runc", phases[p]], rmax["carve", phases[p]])
		}
	}' "$TMP/times" "$TMP/rss"
