#!/bin/bash
# The VM lane: boots the Debian 12 node of build-image.sh (systemd as PID 1,
# pure cgroup v2) with one of its kernels under qemu's software emulation,
# shares carve's build and the suites below with it over 9p, lets the node
# run them as a systemd service, and prints their TAP for automake's
# tap-driver.  Something missing on the host (root, qemu, an image that
# cannot be built) is a TAP skip with the reason.
#
# Usage: run-vm.sh KERNEL          KERNEL is 6.1 or 6.12; prints TAP
#        run-vm.sh --shell KERNEL  a root shell on the node's serial console,
#                                  the suites not started (Ctrl-a x quits)
# Environment: CARVE_SRCDIR, CARVE_BUILDDIR (as make check sets them),
# CARVE_VM_SUITES (space-separated, overrides VM_SUITES),
# CARVE_VM_SUITE_TIMEOUT (seconds for one suite, default 600),
# CARVE_VM_TIMEOUT (seconds for the whole boot and run), CARVE_VM_CACHE
# (see build-image.sh).
set -euo pipefail

# The suites the node runs, in this order, as paths in the source tree.
# Add a suite here once it passes on both kernels (or list its known
# failures below).
VM_SUITES=(
	tests/vm/smoke.bats
	tests/vm/quickstart.bats
	tests/integration/systemd.bats
	tests/integration/cgroups.bats
	tests/integration/cgroups-v2.bats
)

# Tests that fail today because of a known carve bug, as "SUITE: TEST NAME"
# (the test's full name, or `*` for every test of the suite).  They are
# reported as TAP TODO: a failure is expected (XFAIL), a pass (XPASS) fails
# make check, so the fix that makes one pass also removes it from here.
VM_KNOWN_FAILURES=(
)

shell=false
if [ "${1:-}" = --shell ]; then
	shell=true
	shift
fi
kernel=${1:?usage: run-vm.sh [--shell] 6.1|6.12}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=${CARVE_SRCDIR:-$(cd "$here/../.." && pwd)}
builddir=${CARVE_BUILDDIR:-$srcdir}
suite_timeout=${CARVE_VM_SUITE_TIMEOUT:-600}
if [ -n "${CARVE_VM_SUITES:-}" ]; then
	read -r -a VM_SUITES <<<"$CARVE_VM_SUITES"
fi
# The whole run: a boot (about 40 s, 3 minutes on a loaded machine), each
# suite's own bound, and the power-off.
timeout=${CARVE_VM_TIMEOUT:-$((240 + ${#VM_SUITES[@]} * suite_timeout))}

skip() {
	echo "1..0 # SKIP $kernel: $*"
	exit 0
}

case $kernel in
6.1 | 6.12) ;;
*) echo "run-vm.sh: unknown kernel \`$kernel\` (6.1 or 6.12)" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || skip "the VM lane needs root (9p with security_model=none, debootstrap)"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
[ -x "$builddir/carve" ] || {
	echo "1..1"
	echo "not ok 1 - $kernel: $builddir/carve is not built"
	exit 1
}

run="$builddir/tests/vm/run-$kernel"
rm -rf "$run"
mkdir -p "$run/share/out" "$run/share/tree"

# --- the image (built once, cached) ------------------------------------------
t0=$SECONDS
if ! image=$("$here/build-image.sh" 2>"$run/build.log"); then
	sed 's/^/# /' "$run/build.log"
	skip "the VM image could not be built: $(tail -n 1 "$run/build.log") (log: $run/build.log)"
fi
sed 's/^/# /' "$run/build.log"
build_s=$((SECONDS - t0))
[ -r "$image/vmlinuz-$kernel" ] || skip "no kernel $kernel in $image"

# --- what the node gets: carve, the helpers, the suites ---------------------
tree="$run/share/tree"
install -D -m 755 "$builddir/carve" "$tree/carve"
for helper in recvtty shm-peer; do
	if [ -x "$builddir/tests/helpers/$helper" ]; then
		install -D -m 755 "$builddir/tests/helpers/$helper" "$tree/tests/helpers/$helper"
	fi
done
mkdir -p "$tree/tests/integration" "$tree/tests/vm" "$tree/contrib"
cp "$srcdir"/tests/integration/*.bats "$srcdir"/tests/integration/*.bash "$tree/tests/integration/"
cp "$srcdir"/tests/vm/*.bats "$tree/tests/vm/"
cp "$srcdir/contrib/quickstart.sh" "$tree/contrib/"
cp "$here/guest-run.sh" "$run/share/guest-run.sh"
for suite in "${VM_SUITES[@]}"; do
	[ -r "$tree/$suite" ] || {
		echo "run-vm.sh: VM_SUITES names \`$suite\`, which is not in the tree" >&2
		exit 2
	}
done
printf '%s\n' "${VM_SUITES[@]}" >"$run/share/suites"
echo "$suite_timeout" >"$run/share/suite-timeout"

# --- boot ---------------------------------------------------------------------
# TCG, not KVM: nested KVM hangs at boot on these machines.  The root disk
# is the cached image opened with snapshot=on: the run's writes go to a
# temporary overlay, never into the cache.  No network device.
cmdline="root=/dev/vda rw console=ttyS0 panic=1 systemd.unified_cgroup_hierarchy=1"
qemu=(
	qemu-system-x86_64 -accel "tcg,thread=multi" -cpu max -smp 2 -m 2048
	-nographic -no-reboot -nic none
	-kernel "$image/vmlinuz-$kernel" -initrd "$image/initrd-$kernel"
	-drive "file=$image/rootfs.img,format=raw,if=virtio,snapshot=on"
	-virtfs "local,path=$run/share,mount_tag=carve,security_model=none,id=carve"
)
if $shell; then
	echo "run-vm.sh: kernel $kernel, the share is /mnt/carve; the suites: bash /mnt/carve/guest-run.sh" >&2
	exec "${qemu[@]}" -append "$cmdline systemd.mask=carve-vm-tests.service"
fi

t0=$SECONDS
qemu_status=0
timeout "$timeout" "${qemu[@]}" -append "$cmdline" </dev/null >"$run/console.log" 2>&1 || qemu_status=$?
vm_s=$((SECONDS - t0))

# --- the results, as one TAP stream ------------------------------------------
out="$run/share/out"
echo "# kernel $kernel: $(cat "$out/uname" 2>/dev/null || echo "did not report")"
[ ! -r "$out/node" ] || sed 's/^/# /' "$out/node"
echo "# image: $image (ready in ${build_s} s); qemu ran ${vm_s} s, the suites started after $(cat "$out/boot-seconds" 2>/dev/null || echo '?') s of uptime"

known="$run/known-failures"
printf '%s\n' "${VM_KNOWN_FAILURES[@]}" >"$known"
n=0
bad=0
i=0
for suite in "${VM_SUITES[@]}"; do
	i=$((i + 1))
	name=$(basename "$suite")
	tap="$out/$i.tap"
	if [ ! -r "$tap" ]; then
		n=$((n + 1))
		bad=$((bad + 1))
		echo "not ok $n - $name: did not run in the VM (qemu status $qemu_status; console: $run/console.log)"
		continue
	fi
	# No status: the node stopped (timeout, panic) while the suite ran;
	# what it reported so far is still counted.
	st=unfinished
	secs='?'
	[ ! -r "$out/$i.status" ] || read -r st secs <"$out/$i.status"
	echo "# $name: bats exited $st after $secs s"
	# Renumber into one stream, name each test after its suite, mark the
	# known failures TODO; anything that is not TAP becomes a comment.
	result=$(awk -v suite="$name" -v n="$n" -v known="$known" '
		BEGIN { while ((getline k < known) > 0) kf[k] = 1 }
		/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0; next }
		/^(not )?ok [0-9]+/ {
			ok = ($1 == "ok")
			line = $0
			sub(/^(not )?ok [0-9]+ /, "", line)
			test = line
			sub(/ # [sS][kK][iI][pP].*$/, "", test)
			# bats --timing: "NAME in 123ms"
			skipped = (test != line)
			sub(/ in [0-9]+ms$/, "", test)
			directive = ""
			if (!skipped && ((suite ": " test) in kf || (suite ": *") in kf))
				directive = " # TODO known failure, see run-vm.sh VM_KNOWN_FAILURES"
			n++
			ran++
			if (!ok && directive == "") failed++
			print (ok ? "ok " : "not ok ") n " " suite ": " line directive
			next
		}
		/^#/ { print; next }
		{ print "# " $0 }
		END { printf "%d %d %d %d\n", n, ran, plan, failed > "/dev/stderr" }
	' "$tap" 2>"$run/$i.count")
	echo "$result"
	read -r n ran plan failed <"$run/$i.count"
	bad=$((bad + failed))
	if [ "$st" = unfinished ] || [ "$ran" -ne "$plan" ] ||
		{ [ "$st" -ne 0 ] && [ "$failed" -eq 0 ] && ! grep -q '^not ok' "$tap"; }; then
		n=$((n + 1))
		bad=$((bad + 1))
		why="exited $st"
		[ "$st" != 124 ] || why="was stopped after ${suite_timeout} s (CARVE_VM_SUITE_TIMEOUT)"
		echo "not ok $n - $name: bats ran $ran of $plan tests and $why"
	fi
done
if [ ! -e "$out/done" ]; then
	n=$((n + 1))
	bad=$((bad + 1))
	echo "not ok $n - $kernel: the node did not finish its run (qemu status $qemu_status after ${vm_s} s)"
	tail -n 30 "$run/console.log" | sed 's/^/# /'
fi
echo "1..$n"
[ "$bad" -eq 0 ]
