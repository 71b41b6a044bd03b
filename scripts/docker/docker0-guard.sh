#!/usr/bin/env bash
# Sourced by scripts that start a private dockerd beside the shared engine (test/faults/dockerd.sh,
# tools/dev-vm/docker-disk.sh).
#
# Observed here: while a second dockerd starts or stops, the shared engine's docker0 can disappear
# (moby removes a default bridge interface it does not own at start-up, with --bridge=none as well
# as with a bridge of its own), and every build or container on the shared engine's default
# network fails after that. The caller records docker0's address before its first start and puts
# the bridge back, as the shared engine defines it, after each start and stop.

# docker0_record <file>: keep docker0's IPv4 address (once; an empty file when there is none).
docker0_record() {
    local file=$1
    [ -f "$file" ] && return 0
    mkdir -p "$(dirname "$file")"
    ip -4 -o addr show dev docker0 2>/dev/null | awk '{print $4; exit}' >"$file" || true
}

# docker0_restore <file> <who>: put docker0 back with the recorded address if it has gone.
docker0_restore() {
    local file=$1 who=$2 cidr
    cidr=$(cat "$file" 2>/dev/null || true)
    [ -n "$cidr" ] || return 0
    ip link show docker0 >/dev/null 2>&1 && return 0
    ip link add name docker0 type bridge
    ip addr add "$cidr" dev docker0
    ip link set docker0 up
    echo "$who: the shared engine's docker0 ($cidr) had gone; put back" >&2
}
