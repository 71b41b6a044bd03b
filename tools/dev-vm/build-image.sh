#!/usr/bin/env bash
# Build the dev VM's boot image: Debian (default bookworm) by debootstrap, with the image's own
# kernel and initramfs next to it for QEMU's direct boot (-kernel/-initrd, no bootloader).
#
# The image carries what a cloud image carries and nothing of the platform: a kernel, udev,
# cloud-init (NoCloud datasource), an SSH server, sudo and ifupdown/DHCP. Docker, btrfs-progs,
# certbot & co. are installed by the rendered user-data itself through the guest's apt, which
# reaches the same Debian mirror as this machine through QEMU's user-mode network.
#
# Output (printed on stdout): the folder $JHP_DEV_VM_CACHE/<key>/ holding root.qcow2, vmlinuz,
# initrd.img and manifest.txt, where <key> hashes every input (suite, mirror, package set, this
# script and lib.sh). A warm run only prints the folder.
#
# Usage: build-image.sh [EXTRA_PACKAGE...]   (extra packages make a different image, e.g. to test
# replacing the VM's boot disk with a new build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tools/dev-vm/lib.sh
. "$here/lib.sh"

# What a cloud image has; cloud-init, the kernel and sshd are what the user-data relies on.
# debootstrap lays the base system with the first list; the rest is installed with apt inside
# the tree (debootstrap's own --include configures packages out of dependency order, and
# python3-cryptography, a cloud-init dependency, fails to configure that way).
BASE_PACKAGES=(systemd-sysv udev dbus ifupdown isc-dhcp-client iproute2 netbase ca-certificates)
# `locales`: update-locale, which cloud-init's locale module runs; Debian's cloud images carry it.
PACKAGES=(linux-image-amd64 initramfs-tools cloud-init openssh-server sudo gnupg curl locales "$@")

key="$( {
    echo "$JHP_DEV_VM_SUITE $JHP_DEV_VM_MIRROR $JHP_DEV_VM_ROOT_SIZE"
    printf '%s\n' "${BASE_PACKAGES[@]}" "${PACKAGES[@]}" | sort
    cat "$here/build-image.sh" "$here/lib.sh"
} | sha256sum | cut -c1-16)"
out="$JHP_DEV_VM_CACHE/$JHP_DEV_VM_SUITE-$key"
if [ -f "$out/manifest.txt" ] && [ -f "$out/root.qcow2" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ]; then
    dev_vm_log "image cached: $out"
    echo "$out"
    exit 0
fi

dev_vm_require_packages
start=$SECONDS
work="$(mktemp -d /tmp/jhp-dev-vm-build.XXXXXX)"
rootfs="$work/rootfs"
mounted=()
cleanup() {
    local m
    # The chroot's kernel filesystems are the only mounts this script makes.
    for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
    if [ "${JHP_DEV_VM_KEEP_BUILD:-0}" = 1 ]; then dev_vm_log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
# Downloaded .debs are kept between builds (debootstrap's cache), so a rebuild is mostly local.
debs="$JHP_DEV_VM_CACHE/debs-$JHP_DEV_VM_SUITE"
mkdir -p "$debs"
dev_vm_log "debootstrap $JHP_DEV_VM_SUITE into $rootfs; log $work/build.log"
if ! debootstrap --cache-dir="$debs" --include="$(IFS=,; echo "${BASE_PACKAGES[*]}")" \
    "$JHP_DEV_VM_SUITE" "$rootfs" "$JHP_DEV_VM_MIRROR" >"$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log" >&2
    tail -n 40 "$rootfs/debootstrap/debootstrap.log" >&2 || true
    exit 1
fi
dev_vm_log "apt-get install ${PACKAGES[*]} in the tree"
for m in proc sys dev; do
    mount --bind "/$m" "$rootfs/$m"
    mounted=("$rootfs/$m" "${mounted[@]}")
done
# No service may start inside the build tree.
printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
if ! chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef "${PACKAGES[@]}" >>"$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log" >&2
    exit 1
fi
chroot "$rootfs" apt-get clean
rm -f "$rootfs/usr/sbin/policy-rc.d"
for m in "${mounted[@]}"; do umount -l "$m"; done
mounted=()

# The guest's apt: the same mirror, with updates and security like a cloud image.
cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $JHP_DEV_VM_MIRROR $JHP_DEV_VM_SUITE main
deb $JHP_DEV_VM_MIRROR $JHP_DEV_VM_SUITE-updates main
deb ${JHP_DEV_VM_MIRROR%/debian}/debian-security $JHP_DEV_VM_SUITE-security main
SOURCES
# Direct boot: the root filesystem is a whole disk (no partition table), found by its label
# (the same label on the kernel command line in vm.sh), not by its position.
echo "LABEL=$JHP_DEV_VM_ROOT_LABEL / ext4 defaults,errors=remount-ro 0 1" >"$rootfs/etc/fstab"
# A system locale, as cloud images have: without /etc/default/locale, cloud-init's locale module
# wants its default en_US.UTF-8, Debian's locale-gen only builds what /etc/locale.gen lists, and
# update-locale then fails the module (the first real boots ended with that error). C.UTF-8 is
# built into libc and needs no generation.
echo "LANG=C.UTF-8" >"$rootfs/etc/default/locale"
# QEMU boots the kernel and initramfs copied out of the image (direct boot), never the guest's
# /boot: regenerating the initramfs in the guest (apt triggers it, e.g. for btrfs-progs from the
# user-data) took over 6 minutes under TCG on the first real boot for nothing.
sed -i 's/^update_initramfs=.*/update_initramfs=no/' "$rootfs/etc/initramfs-tools/update-initramfs.conf"
grep -qx 'update_initramfs=no' "$rootfs/etc/initramfs-tools/update-initramfs.conf"
# Only the NoCloud seed is attached; probing cloud metadata services would only cost time.
mkdir -p "$rootfs/etc/cloud/cloud.cfg.d"
cat >"$rootfs/etc/cloud/cloud.cfg.d/90-jhp-dev-vm.cfg" <<'CFG'
# jupyterhub-platform dev VM image: seeded by a NoCloud `cidata` disk.
datasource_list: [NoCloud, None]
CFG
# Per-instance identity comes at first boot: machine-id, SSH host keys (cloud-init makes them).
: >"$rootfs/etc/machine-id"
rm -f "$rootfs/var/lib/dbus/machine-id" "$rootfs"/etc/ssh/ssh_host_*
echo "debian" >"$rootfs/etc/hostname"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb

kernel="$(find "$rootfs/boot" -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n 1)"
initrd="$(find "$rootfs/boot" -maxdepth 1 -name 'initrd.img-*' | sort -V | tail -n 1)"
if [ -z "$kernel" ] || [ -z "$initrd" ]; then
    dev_vm_log "no kernel or initramfs in the image"
    exit 1
fi

mkdir -p "$work/out"
cp "$kernel" "$work/out/vmlinuz"
cp "$initrd" "$work/out/initrd.img"
# mke2fs copies the tree (owners, modes, xattrs) into the filesystem: no loop device needed.
truncate -s "$JHP_DEV_VM_ROOT_SIZE" "$work/root.raw"
mkfs.ext4 -q -L "$JHP_DEV_VM_ROOT_LABEL" -d "$rootfs" "$work/root.raw"
qemu-img convert -f raw -O qcow2 "$work/root.raw" "$work/out/root.qcow2"
{
    echo "suite: $JHP_DEV_VM_SUITE"
    echo "mirror: $JHP_DEV_VM_MIRROR"
    echo "kernel: $(basename "$kernel")"
    echo "cloud-init: $(chroot "$rootfs" dpkg-query -W -f "\${Version}" cloud-init)"
    echo "packages: ${BASE_PACKAGES[*]} ${PACKAGES[*]}"
    echo "built: $(date -u +%FT%TZ) in $((SECONDS - start)) s"
    echo "size: $(du -sh --apparent-size "$work/out/root.qcow2" | cut -f1) (qcow2), $(du -sh "$rootfs" | cut -f1) (tree)"
} >"$work/out/manifest.txt"
mkdir -p "$JHP_DEV_VM_CACHE"
rm -rf "$out"
mv "$work/out" "$out"
dev_vm_log "built $out in $((SECONDS - start)) s"
sed 's/^/dev-vm:   /' "$out/manifest.txt" >&2
echo "$out"
