#!/bin/bash
# Managed by jupyterhub-platform: per-user btrfs home with a qgroup limit.
set -euo pipefail

fail() {
    echo "error $*"
    exit 1
}

# HOMES_ROOT, QUOTA_BYTES and OWNER of this VM; JHP_* override them (the tests' temporary paths).
env_file="${JHP_HOMES_ENV:-/etc/jupyterhub-platform/homes.env}"
[ -r "$env_file" ] || fail "cannot read $env_file"
# shellcheck source=/dev/null
. "$env_file"
homes_root="${JHP_HOMES_ROOT:-${HOMES_ROOT:-}}"
quota="${JHP_HOME_QUOTA:-${QUOTA_BYTES:-}}"
owner="${JHP_HOME_OWNER:-${OWNER:-}}"
if [ -z "$homes_root" ] || [ -z "$owner" ]; then
    fail "HOMES_ROOT and OWNER must be set in $env_file"
fi

if [ "${1:-}" = "--stdin" ]; then
    name=""
    IFS= read -r -t 10 name || [ -n "$name" ] || fail "no user name received"
    name="${name%$'\r'}"
elif [ "$#" -eq 1 ]; then
    name="$1"
else
    echo "usage: $0 NAME | --stdin" >&2
    exit 2
fi

# DockerSpawner's escaped names: letters, digits, '-', '_' and '.', never starting with a dot.
if ! [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ ]]; then
    fail "invalid user name"
fi
if ! [[ "$quota" =~ ^[0-9]+$ ]]; then
    fail "invalid quota $quota"
fi

home="$homes_root/$name"
exec 9>"$homes_root/.provision.lock"
flock -w 30 9 || fail "lock busy"

if ! btrfs subvolume show "$home" >/dev/null 2>&1; then
    if [ -e "$home" ]; then
        fail "$home exists and is not a subvolume"
    fi
    btrfs subvolume create "$home" >/dev/null
    chown "$owner" "$home"
    chmod 0750 "$home"
fi
btrfs qgroup limit "$quota" "$home"
echo "ok $name"
