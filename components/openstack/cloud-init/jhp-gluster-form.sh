#!/bin/bash
# Managed by jupyterhub-platform: form the replicated Gluster volume.
set -euo pipefail

env_file="${JHP_GLUSTER_ENV:-/etc/jupyterhub-platform/gluster.env}"
# shellcheck source=/dev/null
. "$env_file"
timeout="${JHP_GLUSTER_TIMEOUT:-1800}"
deadline=$((SECONDS + timeout))
read -r -a peer_list <<<"$PEERS"
self="${peer_list[0]}"

wait_or_fail() {
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "gave up after ${timeout}s: $*" >&2
        exit 1
    fi
    sleep 10
}

until gluster pool list >/dev/null 2>&1; do
    wait_or_fail "glusterd does not answer locally"
done

for peer in "${peer_list[@]:1}"; do
    until gluster peer probe "$peer"; do
        wait_or_fail "peer $peer does not answer"
    done
done

expected=$((${#peer_list[@]} - 1))
until [ "$(gluster peer status | grep -c 'Peer in Cluster (Connected)' || true)" -ge "$expected" ]; do
    wait_or_fail "not all $expected peers are connected"
done

if ! gluster volume info "$VOLUME" >/dev/null 2>&1; then
    bricks=()
    for peer in "${peer_list[@]}"; do
        bricks+=("$peer:$BRICK_DIR")
    done
    layout=()
    if [ "$REPLICA" -gt 1 ]; then
        layout=(replica "$REPLICA")
    fi
    echo "creating volume $VOLUME on ${bricks[*]} (self: $self)"
    gluster --mode=script volume create "$VOLUME" "${layout[@]}" "${bricks[@]}"
fi

if ! gluster volume info "$VOLUME" | grep -q '^Status: Started'; then
    gluster --mode=script volume start "$VOLUME"
fi

if ! gluster volume get "$VOLUME" features.quota | grep -q 'features.quota *on'; then
    gluster --mode=script volume quota "$VOLUME" enable
fi
gluster --mode=script volume set "$VOLUME" features.quota-deem-statfs on

# The hub database's directory (PV hub-db-<namespace>, a hostPath on the workers' mount): owned by
# the hub's uid, because a hostPath volume gets no fsGroup and the hub runs unprivileged.
if ! mountpoint -q "$ADMIN_MOUNT"; then
    mkdir -p "$ADMIN_MOUNT"
    until mount -t glusterfs "localhost:/$VOLUME" "$ADMIN_MOUNT"; do
        wait_or_fail "cannot mount $VOLUME at $ADMIN_MOUNT"
    done
fi
mkdir -p "$ADMIN_MOUNT/$HUB_DB_DIR"
chown "$HUB_DB_OWNER" "$ADMIN_MOUNT/$HUB_DB_DIR"
chmod 0700 "$ADMIN_MOUNT/$HUB_DB_DIR"
echo "volume $VOLUME is started with directory quotas; /$HUB_DB_DIR belongs to $HUB_DB_OWNER"
