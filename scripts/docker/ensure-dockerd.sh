#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine: install Debian's docker.io when the
# daemon binary is missing, start dockerd in the background when none runs, and wait until
# `docker info` answers. Idempotent: a running engine is left alone.
#
# Why not systemd: CI and development sandboxes here run without an init system, so the daemon
# is started directly with nohup and its log kept under /var/log.
set -euo pipefail

LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
WAIT_SECONDS=${DOCKERD_WAIT_SECONDS:-60}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if docker info >/dev/null 2>&1; then
    echo "ensure-dockerd: engine already answering"
    exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
    echo "ensure-dockerd: installing docker.io (Debian)"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    # Debian's docker.io brings dockerd, containerd and runc. Its own docker CLI is fine too,
    # but a newer client in /usr/local/bin (if present) stays first on PATH and negotiates down.
    as_root apt-get install -y -qq docker.io >/dev/null
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
    echo "ensure-dockerd: starting dockerd (log: $LOG)"
    # A stale pid file from a killed daemon makes dockerd refuse to start.
    if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
        as_root rm -f /var/run/docker.pid
    fi
    # In a session of its own: a test's deadline or a CI job that kills its process group must
    # not take the engine with it (seen: a killed test run left every later tier without Docker).
    as_root sh -c "setsid -f dockerd >>'$LOG' 2>&1 </dev/null"
fi

for _ in $(seq 1 "$WAIT_SECONDS"); do
    if docker info >/dev/null 2>&1; then
        echo "ensure-dockerd: engine ready ($(docker version --format '{{.Server.Version}}'))"
        exit 0
    fi
    sleep 1
done
echo "ensure-dockerd: dockerd did not answer within ${WAIT_SECONDS}s; last log lines:" >&2
tail -n 30 "$LOG" >&2 || true
exit 1
