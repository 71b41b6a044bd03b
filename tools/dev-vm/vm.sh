#!/usr/bin/env bash
# Run the dev VM under QEMU (TCG, no KVM), one at a time, in $JHP_DEV_VM_RUN:
#
#   vm.sh disks DOCKER_ID HOME_ID [DOCKER_BASE]
#                                            data disks (kept across boots and boot disks): the
#                                            docker disk a qcow2 overlay of DOCKER_BASE (a raw
#                                            disk from docker-disk.sh) or blank, the home blank
#   vm.sh start IMAGE_DIR BOOT USERDATA IID  boot disk `BOOT` (a qcow2 overlay of IMAGE_DIR's
#                                            image, made on first use), a NoCloud seed with
#                                            USERDATA and instance-id IID; returns once QEMU runs
#   vm.sh hostkeys                           the guest's SSH host keys from the serial console
#                                            (cloud-init prints them there), as known_hosts lines
#   vm.sh stop                               ACPI power-off, then kill after a bound
#   vm.sh kill                               kill QEMU now (cleanup paths)
#   vm.sh argv IMAGE_DIR DISK SEED_ISO CONSOLE DOCKER_ID HOME_ID   print QEMU's arguments (tests)
#
# Disks: the boot disk is virtio vda (direct boot with the image's own kernel and initramfs, root
# found by its label); the data disks are virtio-blk devices whose serial is the first 20 characters of
# their volume ID, as Cinder attaches volumes, so /dev/disk/by-id/virtio-<serial> names them.
# Network: QEMU's user-mode network (slirp); the guest's SSH and hub ports are forwarded to
# 127.0.0.1:$JHP_DEV_VM_SSH_PORT and 127.0.0.1:$JHP_DEV_VM_HUB_PORT; no host network changes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tools/dev-vm/lib.sh
. "$here/lib.sh"

run="$JHP_DEV_VM_RUN"
pidfile="$run/qemu.pid"
monitor="$run/monitor.sock"

qemu_pid() {
    local pid
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        echo "$pid"
        return 0
    fi
    return 1
}

serial_of() { local id=$1; echo "${id:0:20}"; }

cmd_disks() {
    local docker_id=$1 home_id=$2 docker_base=${3:-}
    mkdir -p "$run"
    printf '%s\n%s\n' "$docker_id" "$home_id" >"$run/volume-ids"
    if [ ! -f "$run/docker.qcow2" ]; then
        if [ -n "$docker_base" ]; then
            # The cached filled disk stays untouched: the VM writes to the overlay.
            qemu-img create -q -f qcow2 -F raw -b "$docker_base" "$run/docker.qcow2"
        else
            qemu-img create -q -f qcow2 "$run/docker.qcow2" "$JHP_DEV_VM_DOCKER_DISK_SIZE"
        fi
    fi
    [ -f "$run/home.raw" ] || truncate -s "$JHP_DEV_VM_HOME_DISK_SIZE" "$run/home.raw"
}

# The QEMU command line, in the array qemu_args (`vm.sh argv` prints it for the unit test).
# Every disk is an explicit virtio-blk-pci device, in this order: boot, docker, home, seed. QEMU
# places `-drive if=virtio` disks after all -device ones, so mixing both made the blank docker
# disk /dev/vda on the first real boot; the order also matches OpenStack (image vda, volumes after).
qemu_argv() {
    local image=$1 disk=$2 seed_iso=$3 console=$4 docker_id=$5 home_id=$6
    qemu_args=(
        -name jhp-dev-vm -machine q35 -accel tcg -cpu max -smp "$JHP_DEV_VM_CPUS" -m "$JHP_DEV_VM_MEMORY_MB"
        -display none -serial "file:$console" -monitor "unix:$monitor,server,nowait"
        -daemonize -pidfile "$pidfile"
        -kernel "$image/vmlinuz" -initrd "$image/initrd.img"
        -append "root=LABEL=$JHP_DEV_VM_ROOT_LABEL rw console=ttyS0,115200"
        -drive "file=$disk,if=none,id=boot,format=qcow2,cache=unsafe"
        -device "virtio-blk-pci,drive=boot"
        -drive "file=$run/docker.qcow2,if=none,id=docker,format=qcow2,cache=unsafe"
        -device "virtio-blk-pci,drive=docker,serial=$(serial_of "$docker_id")"
        -drive "file=$run/home.raw,if=none,id=home,format=raw,cache=unsafe"
        -device "virtio-blk-pci,drive=home,serial=$(serial_of "$home_id")"
        -drive "file=$seed_iso,if=none,id=seed,format=raw,readonly=on"
        -device "virtio-blk-pci,drive=seed"
        -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$JHP_DEV_VM_SSH_PORT-:22,hostfwd=tcp:127.0.0.1:$JHP_DEV_VM_HUB_PORT-:$JHP_DEV_VM_GUEST_HUB_PORT"
        -device "virtio-net-pci,netdev=net0"
    )
}

cmd_start() {
    local image=$1 boot=$2 userdata=$3 iid=$4
    if qemu_pid >/dev/null; then
        dev_vm_log "a VM is already running (pid $(qemu_pid)); stop it first"
        return 1
    fi
    [ -f "$run/volume-ids" ] || { dev_vm_log "no data disks: run 'vm.sh disks' first"; return 1; }
    local docker_id home_id
    docker_id="$(sed -n 1p "$run/volume-ids")"
    home_id="$(sed -n 2p "$run/volume-ids")"
    local disk="$run/boot-$boot.qcow2"
    [ -f "$disk" ] || qemu-img create -q -f qcow2 -F qcow2 -b "$image/root.qcow2" "$disk"
    # NoCloud seed: a `cidata` ISO with user-data and meta-data.
    local seed="$run/seed-$boot"
    rm -rf "$seed" && mkdir -p "$seed"
    cp "$userdata" "$seed/user-data"
    printf 'instance-id: %s\nlocal-hostname: jhp-dev-vm\n' "$iid" >"$seed/meta-data"
    genisoimage -quiet -output "$seed.iso" -volid cidata -joliet -rock "$seed/user-data" "$seed/meta-data"
    local n=1
    while [ -e "$run/console-$n.log" ]; do n=$((n + 1)); done
    ln -sfn "console-$n.log" "$run/console.log"
    qemu_argv "$image" "$disk" "$seed.iso" "$run/console-$n.log" "$docker_id" "$home_id"
    dev_vm_log "starting QEMU (TCG, $JHP_DEV_VM_CPUS vCPUs, ${JHP_DEV_VM_MEMORY_MB} MiB), boot disk $disk, console $run/console-$n.log"
    qemu-system-x86_64 "${qemu_args[@]}"
    dev_vm_log "QEMU pid $(qemu_pid)"
}

cmd_hostkeys() {
    # cloud-init's keys-to-console: the public host keys between these markers.
    sed -n '/-----BEGIN SSH HOST KEY KEYS-----/,/-----END SSH HOST KEY KEYS-----/p' "$run/console.log" \
        | tr -d '\r' | grep -E '^(ssh-ed25519|ecdsa-sha2-nistp[0-9]+|ssh-rsa) ' \
        | sed "s/^/[127.0.0.1]:$JHP_DEV_VM_SSH_PORT /" | cut -d' ' -f1-3
}

cmd_stop() {
    local pid
    pid="$(qemu_pid)" || return 0
    # ACPI power button: systemd shuts the guest down cleanly; QEMU exits when it powers off.
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$monitor" <<'PY' || true
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b"system_powerdown\n")
s.close()
PY
    fi
    local i
    for i in $(seq 1 "${JHP_DEV_VM_STOP_TIMEOUT:-180}"); do
        kill -0 "$pid" 2>/dev/null || { dev_vm_log "VM powered off after ${i}s"; rm -f "$pidfile"; return 0; }
        sleep 1
    done
    dev_vm_log "VM did not power off; killing QEMU $pid"
    cmd_kill
}

cmd_kill() {
    local pid
    pid="$(qemu_pid)" || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

case "${1:-}" in
    disks) shift; cmd_disks "$@" ;;
    start) shift; dev_vm_require_packages; cmd_start "$@" ;;
    hostkeys) cmd_hostkeys ;;
    stop) cmd_stop ;;
    kill) cmd_kill ;;
    pid) qemu_pid ;;
    argv) shift; qemu_argv "$@"; printf '%s\n' "${qemu_args[@]}" ;;
    *) echo "usage: $0 disks|start|hostkeys|stop|kill|pid|argv ..." >&2; exit 2 ;;
esac
