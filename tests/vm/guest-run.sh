#!/bin/bash
# Runs inside the VM lane's node as carve-vm-tests.service (see
# build-image.sh): copies carve and the suites from the host's share to the
# node's disk, runs each suite listed in /mnt/carve/suites with bats, and
# leaves each suite's TAP and exit status in /mnt/carve/out for run-vm.sh.
# The unit powers the node off when this ends.  From the debugging shell
# (run-vm.sh --shell) it runs the suites in the shell's session instead.
set -uo pipefail

share=/mnt/carve
out=$share/out
opt=/opt/carve
mkdir -p "$out"
cut -d' ' -f1 /proc/uptime >"$out/boot-seconds"
uname -rv >"$out/uname"

# carve runs from the node's own disk, as it would be installed, not from
# the 9p share.
rm -rf "$opt"
cp -a "$share/tree" "$opt"
cd "$opt" || exit 1
export CARVE_BINARY=$opt/carve CARVE_BUILDDIR=$opt CARVE_SRCDIR=$opt

{
	echo "systemd $(systemctl --version | head -n 1 | cut -d' ' -f2), PID 1 is $(cat /proc/1/comm)"
	echo "this runs in cgroup $(cut -d: -f3- /proc/self/cgroup)"
	echo "/sys/fs/cgroup: $(stat -f -c %T /sys/fs/cgroup), controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
	echo "root subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
	echo "carve: $("$CARVE_BINARY" --version 2>&1 | head -n 1)"
} >"$out/node"

# A hung test fails after BATS_TEST_TIMEOUT (unless its suite sets its
# own), a hung suite after the suite timeout: the node always reports, and
# the suites after it still run.
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300}
suite_timeout=$(cat "$share/suite-timeout" 2>/dev/null || echo 600)

i=0
while read -r suite; do
	i=$((i + 1))
	start=$SECONDS
	# The TAP goes to the share as it is written, and to the console
	# (console.log on the host): a run cut short still shows how far it got.
	timeout --kill-after=10 "$suite_timeout" bats --tap --timing "$suite" </dev/null 2>&1 | tee "$out/$i.tap"
	status=${PIPESTATUS[0]}
	echo "$status $((SECONDS - start))" >"$out/$i.status"
	echo "guest-run: $suite: exit $status after $((SECONDS - start)) s"
done <"$share/suites"

journalctl -b --no-pager >"$out/journal.txt" 2>&1
sync
touch "$out/done"
