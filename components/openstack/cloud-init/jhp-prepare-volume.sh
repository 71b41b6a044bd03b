#!/bin/bash
# Managed by jupyterhub-platform: prepare one attached data volume.
set -euo pipefail

if [ "$#" -ne 4 ]; then
    echo "usage: $0 VOLUME_ID FSTYPE MOUNTPOINT LABEL" >&2
    exit 2
fi
volume_id="$1"
fstype="$2"
mountpoint="$3"
label="$4"
by_id_dir="${JHP_BY_ID_DIR:-/dev/disk/by-id}"
fstab="${JHP_FSTAB:-/etc/fstab}"
timeout="${JHP_VOLUME_TIMEOUT:-900}"
serial="${volume_id:0:20}"

case "$fstype" in
    ext4 | xfs | btrfs) ;;
    *)
        echo "unsupported filesystem $fstype" >&2
        exit 2
        ;;
esac

find_device() {
    local candidate
    for candidate in "$by_id_dir"/*"$serial"*; do
        case "$candidate" in
            *-part[0-9]*) continue ;;
        esac
        if [ -b "$candidate" ]; then
            readlink -f "$candidate"
            return 0
        fi
    done
    return 1
}

deadline=$((SECONDS + timeout))
device=""
until device="$(find_device)"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "volume $volume_id did not appear under $by_id_dir within ${timeout}s" >&2
        exit 1
    fi
    if command -v udevadm >/dev/null 2>&1; then
        udevadm settle --timeout=5 || true
    fi
    sleep 5
done
echo "volume $volume_id is $device"

current="$(blkid -p -o value -s TYPE "$device" || true)"
table="$(blkid -p -o value -s PTTYPE "$device" || true)"
if [ -z "$current" ] && [ -z "$table" ]; then
    echo "$device is blank: creating $fstype"
    case "$fstype" in
        ext4) mkfs.ext4 -q -L "$label" "$device" ;;
        xfs) mkfs.xfs -q -L "$label" "$device" ;;
        btrfs) mkfs.btrfs -q -L "$label" "$device" ;;
    esac
elif [ "$current" != "$fstype" ]; then
    echo "$device holds '${current:-a partition table}', expected $fstype: refusing to touch it" >&2
    exit 1
else
    echo "$device already holds $fstype: keeping its data"
fi

uuid="$(blkid -p -o value -s UUID "$device")"
passno=2
if [ "$fstype" = btrfs ] || [ "$fstype" = xfs ]; then
    passno=0
fi
entry="UUID=$uuid $mountpoint $fstype defaults,nofail,x-systemd.device-timeout=120s 0 $passno"
tmp="$(mktemp)"
awk -v mp="$mountpoint" '$2 != mp' "$fstab" >"$tmp"
echo "$entry" >>"$tmp"
cat "$tmp" >"$fstab"
rm -f "$tmp"

mkdir -p "$mountpoint"
if ! mountpoint -q "$mountpoint"; then
    if [ "$fstab" = /etc/fstab ]; then
        systemctl daemon-reload || true
        mount "$mountpoint"
    else
        mount -t "$fstype" "UUID=$uuid" "$mountpoint"
    fi
fi
if [ "$fstype" = btrfs ]; then
    btrfs quota enable "$mountpoint"
fi
echo "$mountpoint mounted from $device"
