#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# One storage node of the three-peer Gluster check, run by gluster3.sh as
#   ip netns exec jhp-real-g<i> unshare --mount --propagation private gluster-node.sh RENDER DIR INDEX PEERS LOGDIR
# Its own network namespace gives it the address 10.254.78.<i>; its own mount namespace gives it
# a private /run (glusterd's socket and pid files), /var/lib/glusterd and /var/log/glusterfs, so
# three glusterds run side by side like three VMs. Node 1 forms the volume with the VM's script;
# it waits for every peer, so the others may start late.
set -uo pipefail

RENDER="$1"
DIR="$2"
INDEX="$3"
PEERS="$4"
LOGDIR="$5"
TESTS="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=../lib.sh
. "$TESTS/lib.sh"
d="$DIR/node$INDEX"
scripts="$RENDER/scripts"

mkdir -p "$d/run" "$d/lib" "$d/log" "$d/by-id" "$d/client"
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/gluster
mount --bind "$d/lib" /var/lib/glusterd
mount --bind "$d/log" /var/log/glusterfs
# The same brick path on every node, as on the VMs: a private /mnt holds it.
mount -t tmpfs -o mode=0755 tmpfs /mnt
brick_mount=/mnt/jhp-brick
ip link set lo up

volid="7c6d5e4f-3a2b-4c1d-9e8f-00000000000$INDEX"
truncate -s 400M "$d/brick.img"
loop="$(losetup -f --show "$d/brick.img")"
ln -s "$loop" "$d/by-id/virtio-${volid:0:20}"
: >"$d/fstab"
node_cleanup() {
    for m in "$d/client" "$brick_mount"; do
        if mountpoint -q "$m"; then umount -l "$m" || true; fi
    done
    losetup -d "$loop" 2>/dev/null || true
}
trap node_cleanup EXIT
env JHP_BY_ID_DIR="$d/by-id" JHP_FSTAB="$d/fstab" JHP_VOLUME_TIMEOUT=30 "$scripts/jhp-prepare-volume.sh" "$volid" xfs "$brick_mount" "brick$INDEX" >"$LOGDIR/node$INDEX-brick.log" 2>&1
mkdir -p "$brick_mount/brick"

# Every node but the last starts glusterd at once; the last one only after node 1 began probing.
if [ "$INDEX" -eq 3 ]; then sleep 15; fi
glusterd -N --log-file="$LOGDIR/node$INDEX-glusterd.log" >"$LOGDIR/node$INDEX-glusterd.out" 2>&1 &

if [ "$INDEX" -ne 1 ]; then
    # Serve until node 1 is done (bounded).
    for _ in $(seq 600); do [ -e "$DIR/done" ] && break; sleep 0.5; done
    exit 0
fi

cat >"$d/gluster.env" <<ENV
VOLUME=homes
PEERS='$PEERS'
BRICK_DIR=$brick_mount/brick
REPLICA=3
QUOTA_BYTES=$((30 * 1024 * 1024))
ADMIN_MOUNT=$d/admin
OWNER=1000:100
HUB_DB_DIR=.hub-db
HUB_DB_OWNER=10001:10001
ENV
start="$(now)"
form_log="$LOGDIR/node1-form.log"
if env JHP_GLUSTER_ENV="$d/gluster.env" JHP_GLUSTER_TIMEOUT=240 "$scripts/jhp-gluster-form.sh" >"$form_log" 2>&1 &&
    gluster volume info homes | tee -a "$form_log" | grep -q '^Number of Bricks: 1 x 3 = 3'; then
    pass "gluster (3 peers): jhp-gluster-form waited for a late peer, then created the replica-3 volume" "$(since "$start")"
else
    fail "gluster (3 peers): jhp-gluster-form waited for a late peer, then created the replica-3 volume" "$(tail -n 4 "$form_log" | tr '\n' ' ')"
fi
check "gluster (3 peers): every peer is connected" bash -c "[ \$(gluster peer status | grep -c 'Peer in Cluster (Connected)') -eq 2 ]"
touch "$DIR/done"
echo "COUNTS $PASSED $FAILED $SKIPPED"
