# shellcheck shell=bash
# Names, paths and ports of the local dev VM (QEMU, TCG), defined once. Sourced by build-image.sh,
# vm.sh and test/e2e/dev-vm/run.sh.

# Built images: one folder per input hash (debootstrap suite, package set, this folder's scripts).
JHP_DEV_VM_CACHE="${JHP_DEV_VM_CACHE:-${HOME}/.cache/jupyterhub-platform/dev-vm}"
# A running VM's disks, seed, console log, pid file and ssh material.
JHP_DEV_VM_RUN="${JHP_DEV_VM_RUN:-/tmp/jhp-dev-vm}"
# Host loopback ports forwarded by QEMU's user-mode network (slirp) into the guest.
JHP_DEV_VM_SSH_PORT="${JHP_DEV_VM_SSH_PORT:-18622}"
JHP_DEV_VM_HUB_PORT="${JHP_DEV_VM_HUB_PORT:-18680}"
# The port the hub publishes inside the guest (hub.port of the test stack).
JHP_DEV_VM_GUEST_HUB_PORT="${JHP_DEV_VM_GUEST_HUB_PORT:-8000}"
# Guest size: TCG is CPU-bound; two vCPUs match the machine, 4 GiB hold dockerd, the hub, a
# user server with its limit and the image builds.
JHP_DEV_VM_CPUS="${JHP_DEV_VM_CPUS:-2}"
JHP_DEV_VM_MEMORY_MB="${JHP_DEV_VM_MEMORY_MB:-4096}"
# Debian release and mirror of the image (the host's own mirror: the guest reaches the same
# address through slirp).
JHP_DEV_VM_SUITE="${JHP_DEV_VM_SUITE:-bookworm}"
JHP_DEV_VM_MIRROR="${JHP_DEV_VM_MIRROR:-http://deb.debian.org/debian}"
# Filesystem label of the image's root (fstab and the kernel's root= find it by this label).
JHP_DEV_VM_ROOT_LABEL="${JHP_DEV_VM_ROOT_LABEL:-jhp-root}"
# Size of the data disks (sparse): images and containers (docker-disk.sh fills it); homes.
JHP_DEV_VM_DOCKER_DISK_SIZE="${JHP_DEV_VM_DOCKER_DISK_SIZE:-16G}"
JHP_DEV_VM_HOME_DISK_SIZE="${JHP_DEV_VM_HOME_DISK_SIZE:-2G}"
# Size of the root filesystem of the image (sparse).
JHP_DEV_VM_ROOT_SIZE="${JHP_DEV_VM_ROOT_SIZE:-8G}"

dev_vm_log() { echo "dev-vm: $*" >&2; }

# Install the Debian packages the scripts need (CI starts from a clean machine).
dev_vm_require_packages() {
    local missing=() pair cmd pkg
    for pair in qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils genisoimage:genisoimage \
        debootstrap:debootstrap mkfs.ext4:e2fsprogs ssh:openssh-client ssh-keygen:openssh-client; do
        cmd=${pair%%:*} pkg=${pair#*:}
        command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    dev_vm_log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null \
        || { apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null; }
}
