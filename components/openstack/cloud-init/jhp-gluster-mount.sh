#!/bin/bash
# Managed by jupyterhub-platform: mount the homes volume on a worker.
set -euo pipefail

env_file="${JHP_GLUSTER_ENV:-/etc/jupyterhub-platform/gluster.env}"
# shellcheck source=/dev/null
. "$env_file"
mountpoint_dir="${1:?usage: $0 MOUNTPOINT}"
timeout="${JHP_GLUSTER_TIMEOUT:-3600}"
deadline=$((SECONDS + timeout))
read -r -a peer_list <<<"$PEERS"
backups="$(IFS=:; echo "${peer_list[*]:1}")"
options="defaults,_netdev,nofail,x-systemd.requires=network-online.target"
if [ -n "$backups" ]; then
    options="$options,backup-volfile-servers=$backups"
fi

mkdir -p "$mountpoint_dir"
if ! mountpoint -q "$mountpoint_dir"; then
    chattr +i "$mountpoint_dir" 2>/dev/null || true
fi
tmp="$(mktemp)"
awk -v mp="$mountpoint_dir" '$2 != mp' /etc/fstab >"$tmp"
echo "${peer_list[0]}:/$VOLUME $mountpoint_dir glusterfs $options 0 0" >>"$tmp"
cat "$tmp" >/etc/fstab
rm -f "$tmp"
systemctl daemon-reload || true

until mountpoint -q "$mountpoint_dir"; do
    mount "$mountpoint_dir" || true
    if mountpoint -q "$mountpoint_dir"; then
        break
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "volume $VOLUME not mountable after ${timeout}s" >&2
        exit 1
    fi
    sleep 15
done
echo "$VOLUME mounted at $mountpoint_dir"
