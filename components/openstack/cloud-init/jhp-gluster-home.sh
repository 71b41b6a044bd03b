#!/bin/bash
# Managed by jupyterhub-platform: per-user Gluster directory with a quota.
set -euo pipefail

env_file="${JHP_GLUSTER_ENV:-/etc/jupyterhub-platform/gluster.env}"
token_file="${JHP_HOMES_TOKEN:-/etc/jupyterhub-platform/homes-token}"
# shellcheck source=/dev/null
. "$env_file"

fail() {
    echo "error $*"
    exit 1
}

if [ "${1:-}" = "--stdin" ]; then
    token=""
    name=""
    IFS= read -r -t 10 token || fail "no token received"
    IFS= read -r -t 10 name || [ -n "$name" ] || fail "no user name received"
    token="${token%$'\r'}"
    name="${name%$'\r'}"
    expected="$(cat "$token_file")"
    if [ -z "$expected" ] || [ "$token" != "$expected" ]; then
        fail "unauthorized"
    fi
elif [ "$#" -eq 1 ]; then
    name="$1"
else
    echo "usage: $0 NAME | --stdin" >&2
    exit 2
fi

# `delete NAME` removes the user's directory and its quota for good (answer `deleted NAME`).
action=provision
if [[ "$name" == "delete "* ]]; then
    action=delete
    name="${name#delete }"
fi

# KubeSpawner's escaped names: letters, digits, '-', '_' and '.', never starting with a dot.
if ! [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ ]]; then
    fail "invalid user name"
fi

if ! mountpoint -q "$ADMIN_MOUNT"; then
    mkdir -p "$ADMIN_MOUNT"
    mount -t glusterfs "localhost:/$VOLUME" "$ADMIN_MOUNT" || fail "cannot mount $VOLUME"
fi

exec 9>/run/jhp-gluster-home.lock
flock -w 60 9 || fail "lock busy"
home="$ADMIN_MOUNT/$name"
if [ "$action" = delete ]; then
    gluster --mode=script volume quota "$VOLUME" remove "/$name" >/dev/null 2>&1 || true
    rm -rf --one-file-system -- "$home" || fail "cannot remove /$name"
    echo "deleted $name"
    exit 0
fi
if [ ! -d "$home" ]; then
    mkdir "$home"
    chown "$OWNER" "$home"
    chmod 0750 "$home"
fi
gluster --mode=script volume quota "$VOLUME" limit-usage "/$name" "$QUOTA_BYTES" >/dev/null ||
    fail "cannot set the quota of /$name"
echo "ok $name"
