#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Real checks of the Docker VM's volume handling and btrfs home quotas, on loop devices:
# jhp-prepare-volume (wait by serial, mkfs only when blank, fstab with nofail, refuse a foreign
# filesystem) and jhp-home-provision (subvolume + qgroup limit; a write past it fails with EDQUOT),
# also through its socket protocol, with the VM's rendered homes.env.
# shellcheck disable=SC2154  # RENDER, WORK and LOGDIR come from run.sh

volumes_cleanup() {
    local mnt
    # "other" is mounted only when the refusal check fails (the script formatted the device).
    for mnt in "$WORK/volumes/mnt" "$WORK/volumes/other"; do
        if mountpoint -q "$mnt" 2>/dev/null; then umount -l "$mnt" || true; fi
    done
    if [ -n "${VOL_LOOP:-}" ]; then losetup -d "$VOL_LOOP" 2>/dev/null || true; fi
}

run_volumes() {
    local d="$WORK/volumes" scripts="$RENDER/scripts"
    local volid="5b1c7e2a-9d3f-4c11-8e6a-0f2b3c4d5e6f" serial
    serial="${volid:0:20}"
    mkdir -p "$d/by-id" "$d/mnt"
    : >"$d/fstab"
    truncate -s 400M "$d/home.img"
    VOL_LOOP="$(losetup -f --show "$d/home.img")"
    CLEANUPS+=(volumes_cleanup)
    # The device appears under by-id only after a delay, like a Cinder attach after boot.
    (sleep 3 && ln -s "$VOL_LOOP" "$d/by-id/virtio-$serial") &

    local env=(env JHP_BY_ID_DIR="$d/by-id" JHP_FSTAB="$d/fstab" JHP_VOLUME_TIMEOUT=60)
    check "volume: waits for the device by serial, makes btrfs on a blank volume, fstab with nofail" \
        bash -c "$(printf '%q ' "${env[@]}" "$scripts/jhp-prepare-volume.sh" "$volid" btrfs "$d/mnt" homes) && findmnt -n -o FSTYPE '$d/mnt' | grep -qx btrfs && grep -q ' $d/mnt btrfs defaults,nofail' '$d/fstab'"
    echo "keep me" >"$d/mnt/marker"
    umount "$d/mnt"
    check "volume: a reattached volume keeps its data (no mkfs)" \
        bash -c "$(printf '%q ' "${env[@]}" "$scripts/jhp-prepare-volume.sh" "$volid" btrfs "$d/mnt" homes) | grep -q 'keeping its data' && grep -qx 'keep me' '$d/mnt/marker' && [ \$(grep -c ' $d/mnt ' '$d/fstab') -eq 1 ]"
    expect_fail "volume: refuses a device holding another filesystem" "refusing to touch it" \
        "${env[@]}" "$scripts/jhp-prepare-volume.sh" "$volid" ext4 "$d/other" docker

    local quota=$((40 * 1024 * 1024))
    # The VM's homes.env (owner 1000:100), its root and quota overridden for the loop device.
    local henv=(env JHP_HOMES_ENV="$RENDER/homes.env" JHP_HOMES_ROOT="$d/mnt" JHP_HOME_QUOTA="$quota")
    check "btrfs: home helper creates alice's subvolume with a 40 MiB qgroup limit, owned by 1000:100" \
        bash -c "$(printf '%q ' "${henv[@]}" "$scripts/jhp-home-provision.sh" alice) | grep -qx 'ok alice' && btrfs subvolume show '$d/mnt/alice' >/dev/null && [ \"\$(stat -c %u:%g '$d/mnt/alice')\" = 1000:100 ] && btrfs qgroup show -re '$d/mnt' | grep -q 40.00MiB"
    check "btrfs: alice writes 20 MiB within her quota" \
        setpriv --reuid=1000 --regid=100 --clear-groups dd if=/dev/urandom of="$d/mnt/alice/ok.bin" bs=1M count=20 conv=fsync status=none
    expect_fail "btrfs: a write past alice's quota fails with EDQUOT" "Disk quota exceeded" \
        setpriv --reuid=1000 --regid=100 --clear-groups dd if=/dev/urandom of="$d/mnt/alice/big.bin" bs=1M count=60 conv=fsync status=none
    check "btrfs: the helper is idempotent and re-applies the limit" \
        bash -c "$(printf '%q ' "${henv[@]}" "$scripts/jhp-home-provision.sh" alice) | grep -qx 'ok alice' && [ -f '$d/mnt/alice/ok.bin' ]"
    # Without overrides every parameter comes from the env file (as on the VM): root and quota.
    sed -e "s|^HOMES_ROOT=.*|HOMES_ROOT=$d/mnt|" -e "s|^QUOTA_BYTES=.*|QUOTA_BYTES=$((25 * 1024 * 1024))|" "$RENDER/homes.env" >"$d/homes.env"
    check "btrfs: without JHP_* overrides the root and the 25 MiB quota come from homes.env" \
        bash -c "JHP_HOMES_ENV='$d/homes.env' '$scripts/jhp-home-provision.sh' carol | grep -qx 'ok carol' && id=\$(btrfs subvolume show '$d/mnt/carol' | awk '/Subvolume ID:/ { print \$3 }') && btrfs qgroup show -re '$d/mnt' | grep -E \"^0/\$id .* 25.00MiB\""
    expect_fail "btrfs: the helper refuses to run without its env file" "error cannot read" \
        env JHP_HOMES_ENV="$d/missing.env" "$scripts/jhp-home-provision.sh" dave

    # The socket protocol of jhp-homes@.service (Accept=yes: one connection = one run on stdin/stdout).
    local sock="$d/homes.sock"
    timeout 60 systemd-socket-activate --accept --inetd -E JHP_HOMES_ENV="$RENDER/homes.env" -E JHP_HOMES_ROOT="$d/mnt" -E JHP_HOME_QUOTA="$quota" \
        -l "$sock" "$scripts/jhp-home-provision.sh" --stdin >"$LOGDIR/socket-activate.log" 2>&1 &
    local sa_pid=$!
    for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
    check "btrfs: provisioning bob through the socket answers ok and creates his subvolume" \
        bash -c "python3 '$TESTS/socket_client.py' unix '$sock' 'bob' | grep -qx 'ok bob' && btrfs subvolume show '$d/mnt/bob' >/dev/null"
    check "btrfs: the socket refuses a path-like user name" \
        bash -c "python3 '$TESTS/socket_client.py' unix '$sock' '../etc' | grep -qx 'error invalid user name' && [ ! -e '$d/etc' ]"
    # `delete <name>` (npm run user reset|delete on docker-vm): the subvolume and its qgroup go.
    check "btrfs: 'delete bob' through the socket removes his subvolume and its qgroup" \
        bash -c "id=\$(btrfs subvolume show '$d/mnt/bob' | awk '/Subvolume ID:/ { print \$3 }') && python3 '$TESTS/socket_client.py' unix '$sock' 'delete bob' | grep -qx 'deleted bob' && [ ! -e '$d/mnt/bob' ] && btrfs subvolume sync '$d/mnt' && ! btrfs qgroup show '$d/mnt' | grep -q \"^0/\$id \""
    check "btrfs: after a delete the next spawn gets a fresh, empty home" \
        bash -c "python3 '$TESTS/socket_client.py' unix '$sock' 'bob' | grep -qx 'ok bob' && [ -z \"\$(ls -A '$d/mnt/bob')\" ]"
    kill "$sa_pid" 2>/dev/null || true
    wait "$sa_pid" 2>/dev/null || true
}
