#!/bin/sh
# carve's demo: builds a busybox bundle in a temporary directory and runs a
# compute container from it that owns the last online CPU exclusively
# (carve.cpus; on a one-CPU machine it runs without a partition).  It prints
# its PID (a host PID: permeable containers share the host's PID namespace),
# the CPUs it may run on and its cgroups; `carve node` shows the partition
# map while it exists and after it is gone.  Run from the build directory
# after `make`, as root.
set -eu

CARVE=${CARVE:-$(cd "$(dirname "$0")/.." && pwd)/carve}
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$CARVE" ] || { echo "quickstart: $CARVE not found: build carve first" >&2; exit 1; }
[ -x "$BUSYBOX" ] || { echo "quickstart: $BUSYBOX not found: apt-get install busybox-static" >&2; exit 1; }

work=$(mktemp -d /tmp/carve-quickstart.XXXXXX)
root="$work/state"
id="quickstart-$$"
cleanup() {
	"$CARVE" --root "$root" delete --force "$id" >/dev/null 2>&1 || :
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/proc" "$work/bundle/rootfs/dev" "$work/bundle/rootfs/sys"
cp "$BUSYBOX" "$work/bundle/rootfs/bin/busybox"
for t in sh cat grep echo; do ln -s busybox "$work/bundle/rootfs/bin/$t"; done

cd "$work/bundle"
"$CARVE" spec
# Print what a compute container is: its host PID, its CPUs, its cgroups.
script='echo "compute container: pid $$"; grep Cpus_allowed_list /proc/self/status; echo "cgroups:"; cat /proc/self/cgroup'
sed -i -e 's|"terminal": true|"terminal": false|' \
	-e "s|\"sh\"$|\"sh\", \"-c\", \"$(printf '%s' "$script" | sed 's/"/\\\\"/g')\"|" config.json
# The demo container needs no hostname of its own (permeable mode shares
# the host's UTS namespace).
sed -i '/"hostname":/d' config.json

# The last online CPU becomes the container's own, unless it is the only
# one (the ServiceOS keeps the first).
online=$(cat /sys/devices/system/cpu/online)
last=${online##*[,-]}
first=${online%%[,-]*}
if [ "$last" != "$first" ]; then
	sed -i "s|^\t\"ociVersion\": \"\([^\"]*\)\",|\t\"ociVersion\": \"\1\",\n\t\"annotations\": {\"carve.cpus\": \"$last\"},|" config.json
	echo "the container will own CPU $last exclusively (annotation carve.cpus=$last)"
fi

echo "carve create $id (bundle $work/bundle)"
"$CARVE" --root "$root" create "$id"
echo "--- carve node, while the container exists:"
"$CARVE" --root "$root" node
echo "--- carve start $id:"
"$CARVE" --root "$root" start "$id"
while [ "$("$CARVE" --root "$root" state "$id" | grep -o '"status": *"[a-z]*"' | grep -o '[a-z]*"$')" != 'stopped"' ]; do
	sleep 0.1
done
"$CARVE" --root "$root" delete "$id"
echo "--- carve node, after delete (the CPU, IRQs and kernel threads are back):"
"$CARVE" --root "$root" node
echo "host PID of this shell: $$"
