#!/usr/bin/env bash
# The dev VM's docker data disk, prepared on this machine (a stand-in for the VM pulling its
# images from a registry, which it cannot do here): an ext4 filesystem labelled as the
# user-data's volume preparation makes it (it keeps a filesystem it finds, so the VM mounts this
# one as its /var/lib/docker), filled by a private second dockerd of the same version as the
# guest's (Debian bookworm's docker.io 20.10.24) with
#   - the hub's stand-in base image (the program builds the proxy image from it on the VM),
#   - the hub and single-user images built from images/hub and images/singleuser on those
#     stand-in bases; the test stack names them as prebuilt images (images.hub.image,
#     singleuser.image), because building them on the VM under TCG (apt and pip in the hub
#     image) would take far longer than everything else.
# Loading ~1.4 GB with `docker save | ssh docker load` into the VM's engine took over 17 minutes
# under TCG and never finished; here the same load and the builds run at host speed.
#
# Prints the folder holding docker.raw (sparse) and images.env (HUB_IMAGE, SINGLEUSER_IMAGE,
# PROXY_BASE_IMAGE). Cached under $JHP_DEV_VM_CACHE/docker-disk-<hash of the inputs>; only the
# newest disk is kept. A run boots a qcow2 overlay of docker.raw and never writes to it.
#
# The shared engine (/var/run/docker.sock) is only read (`docker image inspect`, `docker save`).
# The private dockerd, its loop mount and its run folder are removed on every exit path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=tools/dev-vm/lib.sh
. "$here/lib.sh"
# shellcheck source=scripts/docker/docker0-guard.sh
. "$repo/scripts/docker/docker0-guard.sh"

: "${JHP_HUB_BASE_IMAGE:?source scripts/docker/base-images.sh first}"
: "${JHP_SINGLEUSER_BASE_IMAGE:?source scripts/docker/base-images.sh first}"

work="$JHP_DEV_VM_RUN/docker-disk"
mnt="$work/mnt"
sock="$work/docker.sock"
pidfile="$work/dockerd.pid"
docker0_file="$work/docker0.cidr"
private=(docker -H "unix://$sock")

# The inputs: the base images' IDs, the image folders' files, this script, the disk size and the
# dockerd that fills it (its version decides the on-disk format the guest's dockerd reads).
base_ids="$(docker image inspect -f '{{.Id}}' "$JHP_HUB_BASE_IMAGE" "$JHP_SINGLEUSER_BASE_IMAGE")" \
    || { dev_vm_log "base images missing on the engine: run scripts/docker/prepare-local.sh"; exit 1; }
key="$(
    {
        echo "$base_ids"
        echo "$JHP_DEV_VM_DOCKER_DISK_SIZE"
        dockerd --version
        sha256sum "$here/docker-disk.sh"
        (cd "$repo" && find images/hub images/singleuser -type f ! -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum)
    } | sha256sum | cut -c1-16
)"
out="$JHP_DEV_VM_CACHE/docker-disk-$key"
if [ -f "$out/docker.raw" ] && [ -f "$out/images.env" ]; then
    dev_vm_log "docker disk cached: $out"
    echo "$out"
    exit 0
fi

dockerd_pid=""
# Everything mounted below the work folder: the disk, and what dockerd leaves behind (it keeps
# its network namespace bind-mounted at exec/netns/default after it stops), innermost first.
unmount_all() {
    local m
    [ -d "$work" ] || return 0
    findmnt -rn -o TARGET | { grep -F "$work/" || true; } | sort -r | while read -r m; do
        umount "$m" || umount -l "$m" || true
    done
}
cleanup() {
    local rc=$?
    if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
        kill "$dockerd_pid" 2>/dev/null || true
        for _ in $(seq 1 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$dockerd_pid" 2>/dev/null || true
    fi
    unmount_all
    docker0_restore "$docker0_file" docker-disk
    if [ "$rc" -ne 0 ]; then
        dev_vm_log "docker disk failed (rc $rc); dockerd log: $work/dockerd.log"
        tail -n 20 "$work/dockerd.log" >&2 2>/dev/null || true
        rm -rf "$out.tmp"
    fi
    # The script's own status, whatever the cleanup commands returned.
    exit "$rc"
}
trap cleanup EXIT

[ ! -e "$sock" ] || { dev_vm_log "$sock exists: another docker-disk.sh running? remove $work if not"; exit 1; }
rm -rf "$work" "$out.tmp"
mkdir -p "$work" "$mnt" "$out.tmp"
# The shared engine's docker0 can vanish while the private dockerd starts or stops (see
# scripts/docker/docker0-guard.sh): recorded now, put back once it answers and on exit.
docker0_record "$docker0_file"
start=$SECONDS
truncate -s "$JHP_DEV_VM_DOCKER_DISK_SIZE" "$out.tmp/docker.raw"
# The same filesystem and label jhp-prepare-volume makes on a blank docker volume.
mkfs.ext4 -q -L docker "$out.tmp/docker.raw"
mount -o loop "$out.tmp/docker.raw" "$mnt"

# A private dockerd: its own data root (the disk), exec root, socket and pid file; no bridge,
# no iptables rules, no NAT, and its own containerd namespaces in case a system containerd runs.
dockerd --data-root "$mnt" --exec-root "$work/exec" --pidfile "$pidfile" -H "unix://$sock" \
    --storage-driver overlay2 --bridge=none --iptables=false --ip-masq=false --ip6tables=false \
    --containerd-namespace jhp-dev-vm --containerd-plugins-namespace jhp-dev-vm-plugins \
    >"$work/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 1 120); do
    "${private[@]}" version >/dev/null 2>&1 && break
    kill -0 "$dockerd_pid" 2>/dev/null || { dev_vm_log "private dockerd exited"; exit 1; }
    sleep 0.5
done
"${private[@]}" version >/dev/null || { dev_vm_log "private dockerd did not answer within 60 s"; exit 1; }
docker0_restore "$docker0_file" docker-disk

docker save "$JHP_HUB_BASE_IMAGE" "$JHP_SINGLEUSER_BASE_IMAGE" | "${private[@]}" load -q >&2
hub_image="jupyterhub-platform/hub:dev-vm-$key"
singleuser_image="jupyterhub-platform/singleuser:dev-vm-$key"
# Host networking: the private dockerd has no bridge; the builds reach apt and PyPI like the host.
timeout 1800 "${private[@]}" build -q --network host --build-arg "BASE_IMAGE=$JHP_HUB_BASE_IMAGE" \
    -t "$hub_image" "$repo/images/hub" >&2
timeout 1800 "${private[@]}" build -q --network host --build-arg "BASE_IMAGE=$JHP_SINGLEUSER_BASE_IMAGE" \
    -t "$singleuser_image" "$repo/images/singleuser" >&2
# The single-user base is only needed to build the single-user image: drop its tag (its layers stay
# as the built image's).
"${private[@]}" rmi "$JHP_SINGLEUSER_BASE_IMAGE" >/dev/null
"${private[@]}" images --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}' >&2

kill "$dockerd_pid"
for _ in $(seq 1 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
kill -0 "$dockerd_pid" 2>/dev/null && { dev_vm_log "private dockerd did not stop"; exit 1; }
dockerd_pid=""
# Networks are the guest's own business (its dockerd has a bridge); builder state is not needed.
rm -rf "$mnt/network" "$mnt/buildkit" "$mnt/tmp"
used="$(df -h --output=used "$mnt" | tail -n 1 | tr -d ' ')"
# Give the blocks of deleted files (build containers, layers of intermediate steps) back to
# the sparse file: the loop device turns discards into holes.
fstrim "$mnt" || true
unmount_all

cat >"$out.tmp/images.env" <<EOF
HUB_IMAGE=$hub_image
SINGLEUSER_IMAGE=$singleuser_image
PROXY_BASE_IMAGE=$JHP_HUB_BASE_IMAGE
EOF
# Keep only this disk.
find "$JHP_DEV_VM_CACHE" -maxdepth 1 -name 'docker-disk-*' ! -name "docker-disk-$key" ! -name "docker-disk-$key.tmp" -exec rm -rf {} +
mv "$out.tmp" "$out"
dev_vm_log "docker disk $out: $used used, $(du -h "$out/docker.raw" | cut -f1) on disk, made in $((SECONDS - start)) s"
echo "$out"
