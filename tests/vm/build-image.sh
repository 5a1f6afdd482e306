#!/bin/bash
# Builds the VM lane's Debian 12 node once: a root filesystem image with
# systemd, dbus, the libraries carve links and what the suites need, and
# the kernel + initrd of each kernel the lane boots (Debian's 6.1 and 6.12).
# Everything comes from Debian's archive through debootstrap and apt.
#
# The result is cached outside the clone, in
#   ${CARVE_VM_CACHE:-/var/cache/carve-vm}/<hash>/
# where <hash> is the sha256 of this script: changing the recipe builds a
# new image beside the old one, an unchanged recipe never builds again.
# Runs are never allowed to write into it (run-vm.sh boots it -snapshot).
#
# Usage: build-image.sh            prints the cache directory on stdout
#        build-image.sh --dir      prints it without building
# Needs root, debootstrap and mkfs.ext4 (e2fsprogs); about 3 minutes.
set -euo pipefail

MIRROR=${CARVE_VM_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${CARVE_VM_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
SUITE=bookworm

# The node's userspace: systemd as PID 1 with dbus (the systemd cgroup
# driver talks to it), the runtime libraries carve links, and the tools of
# the bats suites.  runc is Debian's, for side-by-side comparisons.
# libasan8/libubsan1 let a ./configure --enable-sanitizers build run too.
PACKAGES=(
	systemd systemd-sysv dbus udev kmod initramfs-tools
	libseccomp2 libyajl2 libcap2 libmount1 libsystemd0 libasan8 libubsan1
	busybox-static jq bats procps runc util-linux strace less
)

# Kernel flavours: the name run-vm.sh is given -> the Debian package.
# linux-image-6.12-amd64 is bookworm's second kernel, published through
# bookworm-security.
declare -A KERNEL_PACKAGES=(
	[6.1]=linux-image-amd64
	[6.12]=linux-image-6.12-amd64
)

self=$(readlink -f "${BASH_SOURCE[0]}")
hash=$(sha256sum "$self" | cut -c1-16)
cache=${CARVE_VM_CACHE:-/var/cache/carve-vm}
dir="$cache/$hash"

if [ "${1:-}" = --dir ]; then
	echo "$dir"
	exit 0
fi

log() { echo "build-image: $*" >&2; }

[ "$(id -u)" -eq 0 ] || { log "needs root (debootstrap, chroot)"; exit 1; }
for tool in debootstrap mkfs.ext4 chroot; do
	command -v "$tool" >/dev/null || { log "$tool not found (apt-get install debootstrap e2fsprogs)"; exit 1; }
done

mkdir -p "$cache"
# Two kernels' test entries may start at once (make -j): one builds, the
# other waits for it and finds the image done.
exec 9>"$cache/.lock-$hash"
flock 9
if [ -e "$dir/done" ]; then
	echo "$dir"
	exit 0
fi

work="$cache/.build-$hash"
root="$work/rootfs"
# Mounts inside the chroot while packages are configured.  They are taken
# down before anything under $work is removed: an `rm -rf` through a bound
# /dev would delete the host's device nodes.
mounted=()
unmount_all() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[i]}" 2>/dev/null || :
	done
	mounted=()
}
cleanup() {
	unmount_all
	# A build killed with -9 may have left its chroot's mounts.
	local m
	for m in $(awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/self/mounts | sort -r); do
		umount -l "$m" || :
	done
	if [ -d "$work" ] && ! grep -q " $work/" /proc/self/mounts; then
		rm -rf --one-file-system "$work"
	fi
}
trap cleanup EXIT
cleanup
mkdir -p "$work"

start=$SECONDS
log "debootstrap $SUITE from $MIRROR into $root"
debootstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" \
	"$SUITE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
	tail -n 20 "$work/debootstrap.log" >&2
	log "debootstrap failed"
	exit 1
}
log "debootstrap took $((SECONDS - start)) s"

cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF

# A small initrd: the modules that reach the root disk and nothing else
# (the kernel unpacks it under emulation at every boot).  9p is loaded
# from the root filesystem later.
mkdir -p "$root/etc/initramfs-tools/conf.d"
echo 'MODULES=list' >"$root/etc/initramfs-tools/conf.d/carve-vm.conf"
printf '%s\n' virtio_pci virtio_blk ext4 crc32c_generic >>"$root/etc/initramfs-tools/modules"

# No daemon starts inside the chroot while packages are configured.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

mount -t proc proc "$root/proc" && mounted+=("$root/proc")
mount -t sysfs sysfs "$root/sys" && mounted+=("$root/sys")
mount --bind /dev "$root/dev" && mounted+=("$root/dev")

start=$SECONDS
log "installing kernels: ${KERNEL_PACKAGES[*]}"
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }
{
	in_root apt-get update &&
		in_root apt-get install -y --no-install-recommends "${KERNEL_PACKAGES[@]}" &&
		in_root apt-get upgrade -y --no-install-recommends
} >"$work/kernels.log" 2>&1 || {
	tail -n 20 "$work/kernels.log" >&2
	log "installing the kernels failed"
	exit 1
}
log "kernels took $((SECONDS - start)) s"
unmount_all
rm -f "$root/usr/sbin/policy-rc.d"

# Copy each flavour's kernel and initrd out: qemu boots them with
# -kernel/-initrd.
mkdir -p "$work/out"
for flavour in "${!KERNEL_PACKAGES[@]}"; do
	release=$(cd "$root/boot" && ls -1 vmlinuz-"$flavour".*-amd64 | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
	[ -n "$release" ] || { log "no vmlinuz-$flavour.* in the image"; exit 1; }
	cp "$root/boot/vmlinuz-$release" "$work/out/vmlinuz-$flavour"
	cp "$root/boot/initrd.img-$release" "$work/out/initrd-$flavour"
	echo "$flavour $release" >>"$work/out/kernels"
done

# --- the node's configuration ----------------------------------------------
echo carve-vm >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tcarve-vm\n' >"$root/etc/hosts"
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$root/etc/fstab"
# A fixed machine id: no first-boot setup, and every run boots the same node.
echo 3c5ac0ffee0000000000000000000010 >"$root/etc/machine-id"
chroot "$root" passwd -d root >/dev/null

# The debugging shell (run-vm.sh --shell): root logged in on the serial
# console.
mkdir -p "$root/etc/systemd/system/serial-getty@ttyS0.service.d"
cat >"$root/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<'EOF'
[Service]
ExecStart=
ExecStart=-/sbin/agetty -o '-p -f -- \\u' --autologin root --keep-baud 115200,57600,38400,9600 - $TERM
EOF

# The host's share (run-vm.sh's -virtfs, tag `carve`): carve, the suites,
# and where the results go.
mkdir -p "$root/mnt/carve"
cat >"$root/etc/systemd/system/mnt-carve.mount" <<'EOF'
[Unit]
Description=carve's build and test suites, shared by the host

[Mount]
What=carve
Where=/mnt/carve
Type=9p
Options=trans=virtio,version=9p2000.L,msize=524288

[Install]
WantedBy=multi-user.target
EOF

# The suites run as a service, as containerd, Podman or slurmd would start
# carve: the service's cgroup is carve's own cgroup, delegated as
# containerd.service, docker.service and slurmd.service have theirs
# (Delegate=yes).  The node powers off
# when it ends, whatever the result (run-vm.sh reads the result from the
# share).
cat >"$root/etc/systemd/system/carve-vm-tests.service" <<'EOF'
[Unit]
Description=carve's test suites, run as a systemd service
Requires=mnt-carve.mount dbus.service
After=mnt-carve.mount dbus.service multi-user.target
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
Delegate=yes
Environment=HOME=/root
ExecStart=/bin/bash /mnt/carve/guest-run.sh
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=60min

[Install]
WantedBy=multi-user.target
EOF

systemctl --root="$root" enable mnt-carve.mount carve-vm-tests.service >/dev/null 2>&1
# What only slows a boot under emulation down.
systemctl --root="$root" mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
	fstrim.timer systemd-firstboot.service >/dev/null 2>&1

in_root apt-get clean
rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin
chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' >"$work/out/packages"

# --- the disk --------------------------------------------------------------
start=$SECONDS
size_mb=$(($(du -sxm "$root" | cut -f1) + 2048))
truncate -s "${size_mb}M" "$work/out/rootfs.img"
mkfs.ext4 -q -F -L carve-vm -d "$root" "$work/out/rootfs.img" >"$work/mkfs.log" 2>&1 || {
	cat "$work/mkfs.log" >&2
	log "mkfs.ext4 -d failed"
	exit 1
}
log "mkfs.ext4 -d ($size_mb MB) took $((SECONDS - start)) s"

cp "$self" "$work/out/recipe.sh"
touch "$work/out/done"
rm -rf "$dir"
mv "$work/out" "$dir"
log "image ready in $dir"
echo "$dir"
