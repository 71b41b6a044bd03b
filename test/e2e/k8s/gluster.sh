#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# The `prod` Gluster home path on the local cluster, for npm run e2e:k8s (check 14):
#   - a storage "node": a network namespace of its own (address $NS_IP, routed from the host and
#     so from the pods) with a private mount namespace, running Debian's glusterd on an XFS brick
#     (a loop device), the volume formed by the VM's own jhp-gluster-form.sh, and the VM's home
#     helper jhp-gluster-home.sh served on TCP $HELPER_PORT by systemd-socket-activate (as the
#     socket unit does on the VM: Accept=yes, token first);
#   - the cluster's node (this host) FUSE-mounts the volume at /mnt/homes, where the user PVs'
#     hostPaths point, as cloud-init does on every worker.
#
#   gluster.sh up STATE_DIR     set it all up; writes STATE_DIR/gluster.env (helper address, port,
#                               token file, quota) for the test; idempotent only from a clean state
#   gluster.sh down STATE_DIR   undo everything up recorded (mount, namespace, veth, loop device,
#                               processes, /mnt/homes if it created it), then check; exit 1 if
#                               something is left
# Needs root. Every wait is bounded; the storage node stops itself after E2E_GLUSTER_MAX_SECONDS.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
VM_SCRIPTS="$ROOT/components/openstack/cloud-init"

# ── names, addresses, paths (defined once) ─────────────────────────────────────────────────────
NETNS=jhp-e2e-gluster
HOST_IF=jhp-e2e-gl0
NS_IF=jhp-e2e-gl1
HOST_IP=10.216.0.1
NS_IP=10.216.0.2
PREFIX=24
# components/openstack/clusterCloudInit.ts HOMES_HELPER_PORT; components/kubernetes/homesStorage.ts WORKER_HOMES_PATH.
HELPER_PORT=24100
HOMES_MOUNT=/mnt/homes
VOLUME=homes
HOME_OWNER=1000:100
# components/hub/contract.ts HUB_DB_GLUSTER_DIR and HUB_OWNER (jhp-gluster-form.sh creates it).
HUB_DB_DIR=.hub-db
HUB_DB_OWNER=10001:10001
QUOTA_BYTES="${E2E_GLUSTER_QUOTA_BYTES:-$((30 * 1024 * 1024))}"
MAX_SECONDS="${E2E_GLUSTER_MAX_SECONDS:-5400}"

log() { printf '[e2e-gluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

# ── inside the namespace: the storage node ─────────────────────────────────────────────────────
# Runs as `ip netns exec NETNS unshare --mount --propagation private gluster.sh _node STATE`: its
# mounts (a private /run, /var/lib/glusterd, /var/log/glusterfs, the brick, the helper's admin
# mount) end with it.
node_main() {
    local st="$1" d="$1/node" sa_pid=""
    mkdir -p "$d/lib" "$d/log" "$d/brick" "$d/admin"
    mount -t tmpfs -o mode=0755 tmpfs /run
    mkdir -p /run/gluster
    mount --bind "$d/lib" /var/lib/glusterd
    mount --bind "$d/log" /var/log/glusterfs
    ip link set lo up
    mount "$(cat "$st/loop")" "$d/brick"
    mkdir -p "$d/brick/brick"
    node_stop() {
        [ -z "$sa_pid" ] || kill "$sa_pid" 2>/dev/null || true
        gluster --mode=script volume stop "$VOLUME" force >/dev/null 2>&1 || true
        if mountpoint -q "$d/admin"; then umount -l "$d/admin" || true; fi
        pkill -TERM -f "glusterfsd.*$d/brick" 2>/dev/null || true
        pkill -TERM -x glusterd 2>/dev/null || true
        sleep 1
        umount -l "$d/brick" 2>/dev/null || true
    }
    trap node_stop EXIT
    glusterd -N --log-file="$st/logs/glusterd.log" >"$st/logs/glusterd.out" 2>&1 &
    cat >"$st/gluster-vm.env" <<ENV
VOLUME=$VOLUME
PEERS=$NS_IP
BRICK_DIR=$d/brick/brick
REPLICA=1
QUOTA_BYTES=$QUOTA_BYTES
ADMIN_MOUNT=$d/admin
OWNER=$HOME_OWNER
HUB_DB_DIR=$HUB_DB_DIR
HUB_DB_OWNER=$HUB_DB_OWNER
ENV
    JHP_GLUSTER_ENV="$st/gluster-vm.env" JHP_GLUSTER_TIMEOUT=120 bash "$VM_SCRIPTS/jhp-gluster-form.sh" >"$st/logs/form.log" 2>&1 ||
        {
            echo "jhp-gluster-form failed: $(tail -n 3 "$st/logs/form.log" | tr '\n' ' ')" >"$st/failed"
            exit 1
        }
    # Enforce at once in this short test (Gluster's default soft/hard timeouts are 60 s / 5 s).
    gluster --mode=script volume quota "$VOLUME" soft-timeout 0 >/dev/null
    gluster --mode=script volume quota "$VOLUME" hard-timeout 0 >/dev/null
    # The helper as jhp-gluster-home.socket serves it on the storage VM (one process per connection).
    systemd-socket-activate --accept --inetd -l "$NS_IP:$HELPER_PORT" \
        -E JHP_GLUSTER_ENV="$st/gluster-vm.env" -E JHP_HOMES_TOKEN="$st/token" \
        bash "$VM_SCRIPTS/jhp-gluster-home.sh" --stdin >>"$st/logs/helper.log" 2>&1 &
    sa_pid=$!
    touch "$st/ready"
    local end=$((SECONDS + MAX_SECONDS))
    while [ ! -e "$st/stop" ] && [ "$SECONDS" -lt "$end" ]; do sleep 1; done
}

# ── on the host ────────────────────────────────────────────────────────────────────────────────
up() {
    local st="$1" need=() p
    [ "$(id -u)" -eq 0 ] || die "needs root"
    for p in glusterd:glusterfs-server mount.glusterfs:glusterfs-client mkfs.xfs:xfsprogs systemd-socket-activate:systemd; do
        command -v "${p%%:*}" >/dev/null 2>&1 || need+=("${p#*:}")
    done
    if [ "${#need[@]}" -gt 0 ]; then
        log "installing Debian packages: ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        timeout 900 apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${need[@]}" >&2 ||
            { timeout 600 apt-get update -q >&2 && timeout 900 apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${need[@]}" >&2; }
    fi
    [ ! -e "$st/netns" ] || die "$st holds an earlier run: gluster.sh down $st first"
    ip netns list | grep -qw "$NETNS" && die "network namespace $NETNS exists (an earlier run?): gluster.sh down $st"
    if mountpoint -q "$HOMES_MOUNT"; then die "$HOMES_MOUNT is already a mount point"; fi
    if [ -e "$HOMES_MOUNT" ] && [ -n "$(ls -A "$HOMES_MOUNT")" ]; then die "$HOMES_MOUNT exists and is not empty"; fi
    mkdir -p "$st/logs"
    chmod 0755 "$st"

    # Network: host <-> namespace; the namespace routes back through the host (to the pods).
    ip netns add "$NETNS"
    echo "$NETNS" >"$st/netns"
    ip link add "$HOST_IF" type veth peer name "$NS_IF" netns "$NETNS"
    ip addr add "$HOST_IP/$PREFIX" dev "$HOST_IF"
    ip link set "$HOST_IF" up
    ip -n "$NETNS" addr add "$NS_IP/$PREFIX" dev "$NS_IF"
    ip -n "$NETNS" link set "$NS_IF" up
    ip -n "$NETNS" link set lo up
    ip -n "$NETNS" route add default via "$HOST_IP"

    # The brick: XFS on a loop device (Gluster needs extended attributes).
    truncate -s 600M "$st/brick.img"
    losetup -f --show "$st/brick.img" >"$st/loop"
    mkfs.xfs -q -i size=512 "$(cat "$st/loop")"

    openssl rand -hex 24 >"$st/token"
    chmod 0600 "$st/token"
    rm -f "$st/ready" "$st/failed" "$st/stop"
    setsid timeout "$((MAX_SECONDS + 60))" ip netns exec "$NETNS" unshare --mount --propagation private \
        bash "$0" _node "$st" >"$st/logs/node.log" 2>&1 </dev/null &
    echo "$!" >"$st/node.pid"
    local end=$((SECONDS + 180))
    until [ -e "$st/ready" ]; do
        [ ! -e "$st/failed" ] || die "storage node: $(cat "$st/failed") (logs in $st/logs)"
        kill -0 "$(cat "$st/node.pid")" 2>/dev/null || die "storage node exited: $(tail -n 5 "$st/logs/node.log" | tr '\n' ' ')"
        [ "$SECONDS" -lt "$end" ] || die "storage node not ready after 180 s (logs in $st/logs)"
        sleep 1
    done
    log "glusterd and the home helper run in $NETNS at $NS_IP (helper port $HELPER_PORT)"

    # The worker's FUSE mount, recorded first so down undoes even a half-made one.
    if [ ! -e "$HOMES_MOUNT" ]; then
        mkdir -p "$HOMES_MOUNT"
        echo "$HOMES_MOUNT" >"$st/created-mountpoint"
    fi
    echo "$HOMES_MOUNT" >"$st/mounted"
    local ok=""
    for _ in $(seq 1 20); do
        if timeout 60 mount -t glusterfs -o log-file="$st/logs/client.log" "$NS_IP:/$VOLUME" "$HOMES_MOUNT"; then
            ok=1
            break
        fi
        sleep 2
    done
    [ -n "$ok" ] || die "could not mount $NS_IP:/$VOLUME at $HOMES_MOUNT (log $st/logs/client.log)"
    log "$NS_IP:/$VOLUME mounted at $HOMES_MOUNT"
    cat >"$st/gluster.env" <<ENV
GLUSTER_HELPER_HOST=$NS_IP
GLUSTER_HELPER_PORT=$HELPER_PORT
GLUSTER_TOKEN_FILE=$st/token
GLUSTER_QUOTA_BYTES=$QUOTA_BYTES
GLUSTER_HOMES_MOUNT=$HOMES_MOUNT
GLUSTER_NETNS=$NETNS
ENV
}

down() {
    local st="$1" problems=() pid
    [ -d "$st" ] || return 0
    if [ -e "$st/mounted" ]; then
        for _ in 1 2 3; do
            mountpoint -q "$HOMES_MOUNT" || break
            umount "$HOMES_MOUNT" 2>/dev/null || umount -l "$HOMES_MOUNT" 2>/dev/null || sleep 1
        done
        rm -f "$st/mounted"
    fi
    # The FUSE client of that mount (it exits on unmount; bounded wait, then ended).
    for _ in $(seq 1 10); do pgrep -f "glusterfs.*--volfile-server=$NS_IP" >/dev/null || break; sleep 0.5; done
    pkill -TERM -f "glusterfs.*--volfile-server=$NS_IP" 2>/dev/null || true
    if [ -e "$st/node.pid" ]; then
        touch "$st/stop"
        pid="$(cat "$st/node.pid")"
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill "$pid" 2>/dev/null || true
        rm -f "$st/node.pid"
    fi
    if ip netns list | grep -qw "$NETNS"; then
        for sig in TERM KILL; do
            pids="$(ip netns pids "$NETNS" 2>/dev/null | tr '\n' ' ')"
            [ -n "${pids// /}" ] || break
            # shellcheck disable=SC2086 # a list of pids
            kill -s "$sig" $pids 2>/dev/null || true
            sleep 2
        done
        ip netns del "$NETNS" 2>/dev/null || true
    fi
    ip link del "$HOST_IF" 2>/dev/null || true
    rm -f "$st/netns"
    if [ -e "$st/loop" ]; then
        for _ in 1 2 3 4 5; do losetup -d "$(cat "$st/loop")" 2>/dev/null && break; sleep 1; done
        rm -f "$st/loop"
    fi
    if [ -e "$st/created-mountpoint" ] && ! mountpoint -q "$HOMES_MOUNT"; then
        rmdir "$HOMES_MOUNT" 2>/dev/null || problems+=("$HOMES_MOUNT is not empty after unmounting")
        rm -f "$st/created-mountpoint"
    fi
    rm -f "$st/brick.img"

    mountpoint -q "$HOMES_MOUNT" && problems+=("$HOMES_MOUNT still mounted")
    ip netns list | grep -qw "$NETNS" && problems+=("namespace $NETNS left")
    ip link show "$HOST_IF" >/dev/null 2>&1 && problems+=("link $HOST_IF left")
    pgrep -f "glusterfs.*--volfile-server=$NS_IP" >/dev/null && problems+=("FUSE client left")
    losetup -j "$st/brick.img" 2>/dev/null | grep -q . && problems+=("loop device left")
    if [ "${#problems[@]}" -gt 0 ]; then
        printf '  NOT CLEAN: %s\n' "${problems[@]}" >&2
        return 1
    fi
    log "down: mount, namespace, veth, loop device and processes gone"
}

case "${1:-}" in
    up) up "${2:?state dir}" ;;
    down) down "${2:?state dir}" ;;
    _node) node_main "${2:?state dir}" ;;
    *)
        echo "usage: $0 up|down STATE_DIR" >&2
        exit 2
        ;;
esac
