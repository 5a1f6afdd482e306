#!/bin/sh
# carve's demo: builds a busybox bundle in a temporary directory and runs a
# compute container from it, which prints its PID (a host PID: permeable
# containers share the host's PID namespace), the CPUs it may run on and its
# cgroups.  Run from the build directory after `make`, as root.
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

echo "carve run $id (bundle $work/bundle)"
"$CARVE" --root "$root" run "$id"
echo "the container exited with status $?; host PID of this shell: $$"
