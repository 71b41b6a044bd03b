#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Real check of the GlusterFS homes: a real glusterd (Debian's glusterfs-server) in a network
# namespace of its own, an XFS brick on a loop device prepared by jhp-prepare-volume, the volume
# formed by jhp-gluster-form, a user directory and its quota made by jhp-gluster-home through its
# token-checked socket protocol, then a FUSE client (as on a worker) writing past the quota.
#
# Runs inside the namespace (`ip netns exec`, which also gives it a mount namespace of its own, so
# every mount of this check lives and dies here): run.sh creates the namespace and calls
#   gluster.sh RENDER WORK LOGDIR
set -uo pipefail

RENDER="$1"
WORK="$2"
LOGDIR="$3"
TESTS="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=../lib.sh
. "$TESTS/lib.sh"
GL_IP=10.254.77.1



gluster_cleanup() {
    local d="$WORK/gluster"
    for m in "$d/client" "$d/admin" "$d/brick"; do
        if mountpoint -q "$m" 2>/dev/null; then umount -l "$m" || true; fi
    done
    if [ -n "${GL_PID:-}" ]; then
        gluster --mode=script volume stop homes force >/dev/null 2>&1 || true
        pkill -TERM -f "glusterfsd.*$d/brick" 2>/dev/null || true
        kill "$GL_PID" 2>/dev/null || true
        wait "$GL_PID" 2>/dev/null || true
    fi
    pkill -TERM -f "glusterfs.*--volfile-server=$GL_IP" 2>/dev/null || true
    pkill -TERM -f "glusterfs.*$d/" 2>/dev/null || true
    sleep 1
    if [ -n "${GL_LOOP:-}" ]; then losetup -d "$GL_LOOP" 2>/dev/null || true; fi
}

run_gluster() {
    local d="$WORK/gluster" scripts="$RENDER/scripts"
    if pgrep -x glusterd >/dev/null; then
        fail "gluster: a glusterd already runs on this machine; stop it first"
        return
    fi
    mkdir -p "$d/by-id" "$d/brick" "$d/work" "$d/run" "$d/client" "$d/admin"
    trap gluster_cleanup EXIT
    ip link set lo up
    ip link add jhp0 type veth peer name jhp1
    ip addr add "$GL_IP/24" dev jhp0
    ip link set jhp0 up
    ip link set jhp1 up

    local volid="9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
    truncate -s 600M "$d/brick.img"
    GL_LOOP="$(losetup -f --show "$d/brick.img")"
    ln -s "$GL_LOOP" "$d/by-id/virtio-${volid:0:20}"
    : >"$d/fstab"
    check "gluster: brick volume gets XFS through jhp-prepare-volume" \
        env JHP_BY_ID_DIR="$d/by-id" JHP_FSTAB="$d/fstab" JHP_VOLUME_TIMEOUT=30 "$scripts/jhp-prepare-volume.sh" "$volid" xfs "$d/brick" brick0
    mkdir -p "$d/brick/brick"

    cat >"$d/glusterd.vol" <<VOL
volume management
    type mgmt/glusterd
    option working-directory $d/work
    option transport-type socket
    option transport.socket.listen-port 24007
    option ping-timeout 0
    option event-threads 1
end-volume
VOL
    glusterd -N -f "$d/glusterd.vol" -p "$d/run/glusterd.pid" --log-file="$LOGDIR/glusterd.log" >"$LOGDIR/glusterd.out" 2>&1 &
    GL_PID=$!

    cat >"$d/gluster.env" <<ENV
VOLUME=homes
PEERS=$GL_IP
BRICK_DIR=$d/brick/brick
REPLICA=1
QUOTA_BYTES=$((30 * 1024 * 1024))
ADMIN_MOUNT=$d/admin
OWNER=1000:100
HUB_DB_DIR=.hub-db
HUB_DB_OWNER=10001:10001
ENV
    echo "real-check-token" >"$d/token"
    chmod 0600 "$d/token"
    local genv=(env JHP_GLUSTER_ENV="$d/gluster.env" JHP_HOMES_TOKEN="$d/token" JHP_GLUSTER_TIMEOUT=120)

    check "gluster: jhp-gluster-form waits for glusterd, creates and starts the volume with quotas" \
        bash -c "$(printf '%q ' "${genv[@]}" "$scripts/jhp-gluster-form.sh") && gluster volume info homes | grep -q '^Status: Started' && gluster volume get homes features.quota | grep -q 'features.quota *on'"
    check "gluster: jhp-gluster-form leaves the hub database directory /.hub-db owned by the hub (10001:10001, 0700)" \
        bash -c "[ \"\$(stat -c %u:%g:%a '$d/admin/.hub-db')\" = 10001:10001:700 ]"
    check "gluster: forming again is a no-op" \
        "${genv[@]}" "$scripts/jhp-gluster-form.sh"
    # Enforce at once in this short test (production keeps Gluster's default timeouts).
    gluster --mode=script volume quota homes soft-timeout 0 >/dev/null 2>&1 || true
    gluster --mode=script volume quota homes hard-timeout 0 >/dev/null 2>&1 || true

    # The helper's socket, as jhp-gluster-home.socket serves it (Accept=yes) on the storage node.
    timeout 180 systemd-socket-activate --accept --inetd -E JHP_GLUSTER_ENV="$d/gluster.env" -E JHP_HOMES_TOKEN="$d/token" \
        -l "$GL_IP:24100" "$scripts/jhp-gluster-home.sh" --stdin >"$LOGDIR/gluster-socket.log" 2>&1 &
    local sa_pid=$!
    sleep 1
    expect_fail "gluster: the home helper refuses a wrong token" "error unauthorized" \
        bash -c "python3 '$TESTS/socket_client.py' tcp '$GL_IP:24100' wrong alice | tee /dev/stderr | grep -q '^ok'"
    check "gluster: the home helper creates alice's directory and sets its 30 MiB quota" \
        bash -c "python3 '$TESTS/socket_client.py' tcp '$GL_IP:24100' real-check-token alice | grep -qx 'ok alice' && gluster volume quota homes list /alice | grep -q '30.0MB'"
    kill "$sa_pid" 2>/dev/null || true
    wait "$sa_pid" 2>/dev/null || true

    check "gluster: a worker-style FUSE mount of the volume" \
        mount -t glusterfs "$GL_IP:/homes" "$d/client"
    check "gluster: alice's directory belongs to 1000:100 and takes 10 MiB" \
        bash -c "[ \"\$(stat -c %u:%g '$d/client/alice')\" = 1000:100 ] && setpriv --reuid=1000 --regid=100 --clear-groups dd if=/dev/urandom of='$d/client/alice/ok.bin' bs=1M count=10 conv=fsync status=none"
    expect_fail "gluster: a write past alice's directory quota fails with 'Disk quota exceeded'" "Disk quota exceeded" \
        setpriv --reuid=1000 --regid=100 --clear-groups dd if=/dev/urandom of="$d/client/alice/big.bin" bs=1M count=60 conv=fsync status=none
    check "gluster: the quota is listed for /alice with its usage" \
        bash -c "gluster volume quota homes list /alice | tee /dev/stderr | grep -q '^/alice *30.0MB'"
}

run_gluster
trap - EXIT
gluster_cleanup
echo "COUNTS $PASSED $FAILED $SKIPPED"
