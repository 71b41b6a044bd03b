#!/usr/bin/env bash
# A private Docker engine for the fault test, so restarting "the Docker engine" never touches the
# shared one at /var/run/docker.sock (other work on this machine runs there).
#
#   dockerd.sh start   <run-dir>   start it (idempotent), wait until it answers
#   dockerd.sh stop    <run-dir>   stop it (SIGTERM, bounded), leave its data
#   dockerd.sh restart <run-dir>   stop + start (the fault)
#   dockerd.sh destroy <run-dir>   remove its containers, stop it, undo the firewall rule, delete the run dir
#
# Everything lives in <run-dir>: data-root, exec-root, pidfile, socket, log, an empty daemon.json
# (so /etc/docker/daemon.json, if any, is not read). It shares nothing with the shared engine:
#   - its own default bridge (docker0 is the shared engine's): a Linux bridge made here with an
#     address of its own pool, deleted by `destroy`; image builds run their steps on it;
#   - its own address pool for the networks it creates;
#   - no iptables management (--iptables=false): two engines rewriting the DOCKER chains would
#     fight. Published ports on 127.0.0.1 still work through docker-proxy. Containers on one of its
#     networks talk across a Linux bridge, which br_netfilter sends through the FORWARD chain
#     (policy DROP here), so one ACCEPT rule for the pool is inserted, recorded in the run dir and
#     removed by `destroy`;
#   - its own containerd namespaces, since it uses the machine's containerd when one runs.
set -euo pipefail

cmd=${1:?usage: dockerd.sh start|stop|restart|destroy <run-dir>}
RUN_DIR=${2:?usage: dockerd.sh start|stop|restart|destroy <run-dir>}
# The pool of this engine's networks: must not overlap the shared engine's (172.16.0.0/12 here).
POOL=${FAULTS_DOCKER_POOL:-10.213.0.0/16}
# Networks come from the pool's lower half; the default bridge has an address in the upper half.
NETWORK_POOL=${FAULTS_NETWORK_POOL:-10.213.0.0/17}
BRIDGE_ADDRESS=${FAULTS_BRIDGE_ADDRESS:-10.213.255.1/24}
# One bridge per run dir (interface names have at most 15 characters).
BRIDGE=jhpf$(printf '%s' "$RUN_DIR" | md5sum | cut -c1-8)
WAIT_SECONDS=${FAULTS_DOCKERD_WAIT:-90}
SOCK="$RUN_DIR/docker.sock"
PIDFILE="$RUN_DIR/docker.pid"
RULE=(FORWARD -s "$POOL" -d "$POOL" -m comment --comment "jhp-faults $RUN_DIR" -j ACCEPT)

dk() { DOCKER_HOST="unix://$SOCK" timeout 60 docker "$@"; }

# The shared engine's docker0 can vanish while this engine starts or stops: recorded before the
# first start, put back after each start and stop.
# shellcheck source=scripts/docker/docker0-guard.sh
. "$(cd "$(dirname "$0")/../.." && pwd)/scripts/docker/docker0-guard.sh"
DOCKER0_FILE="$RUN_DIR/docker0.cidr"
record_docker0() { docker0_record "$DOCKER0_FILE"; }
restore_docker0() { docker0_restore "$DOCKER0_FILE" faults-dockerd; }

running_pid() {
    [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && cat "$PIDFILE"
}

start() {
    record_docker0
    mkdir -p "$RUN_DIR/data" "$RUN_DIR/exec"
    [ -f "$RUN_DIR/daemon.json" ] || echo '{}' >"$RUN_DIR/daemon.json"
    if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
        ip link add name "$BRIDGE" type bridge
        ip addr add "$BRIDGE_ADDRESS" dev "$BRIDGE"
        ip link set "$BRIDGE" up
    fi
    if ! running_pid >/dev/null; then
        rm -f "$PIDFILE" "$SOCK"
        # A session of its own: the test's deadline must not kill it before `destroy` runs.
        setsid -f dockerd \
            --config-file "$RUN_DIR/daemon.json" \
            --data-root "$RUN_DIR/data" \
            --exec-root "$RUN_DIR/exec" \
            --pidfile "$PIDFILE" \
            --host "unix://$SOCK" \
            --bridge="$BRIDGE" \
            --iptables=false \
            --ip6tables=false \
            --ip-masq=false \
            --default-address-pool "base=$NETWORK_POOL,size=24" \
            --containerd-namespace jhp-faults \
            --containerd-plugins-namespace jhp-faults-plugins \
            >>"$RUN_DIR/dockerd.log" 2>&1 </dev/null
    fi
    if ! iptables -C "${RULE[@]}" 2>/dev/null; then
        iptables -I "${RULE[@]}"
        echo "iptables -D ${RULE[*]}" >"$RUN_DIR/iptables.undo"
    fi
    for _ in $(seq 1 "$WAIT_SECONDS"); do
        if dk info >/dev/null 2>&1; then
            restore_docker0
            echo "faults-dockerd: private engine answering on unix://$SOCK"
            return 0
        fi
        sleep 1
    done
    echo "faults-dockerd: no answer within ${WAIT_SECONDS}s; log:" >&2
    tail -n 30 "$RUN_DIR/dockerd.log" >&2 || true
    return 1
}

stop() {
    local pid
    pid=$(running_pid) || return 0
    kill -TERM "$pid"
    for _ in $(seq 1 "$WAIT_SECONDS"); do
        if ! kill -0 "$pid" 2>/dev/null; then
            restore_docker0
            return 0
        fi
        sleep 1
    done
    echo "faults-dockerd: dockerd $pid still running after ${WAIT_SECONDS}s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
}

destroy() {
    if running_pid >/dev/null; then
        local ids
        ids=$(dk ps -aq || true)
        # shellcheck disable=SC2086
        [ -z "$ids" ] || dk rm -f $ids >/dev/null || true
        stop
    fi
    while iptables -C "${RULE[@]}" 2>/dev/null; do iptables -D "${RULE[@]}"; done
    if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link delete "$BRIDGE"; fi
    restore_docker0
    # Anything the engine left mounted under its roots (it unmounts on a clean stop).
    { grep -F " $RUN_DIR/" /proc/mounts || true; } | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" || true; done
    rm -rf "$RUN_DIR"
}

case "$cmd" in
start) start ;;
stop) stop ;;
restart)
    stop
    start
    ;;
destroy) destroy ;;
*)
    echo "usage: dockerd.sh start|stop|restart|destroy <run-dir>" >&2
    exit 2
    ;;
esac
