#!/bin/bash
# Managed by jupyterhub-platform: per-user btrfs home with a qgroup limit.
# One request per connection: `NAME` makes the home (answer `ok NAME`); `delete NAME` removes
# it for good, subvolume and qgroup (answer `deleted NAME`), used by the backup runner's
# `user reset|delete` after it has checked that the user's server is stopped.
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

action=provision
if [[ "$name" == "delete "* ]]; then
    action=delete
    name="${name#delete }"
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

if [ "$action" = delete ]; then
    if btrfs subvolume show "$home" >/dev/null 2>&1; then
        # The qgroup outlives its subvolume unless destroyed; its id is the subvolume's.
        subvol_id="$(btrfs subvolume show "$home" | awk '/Subvolume ID:/ {print $3}')"
        btrfs subvolume delete --commit-after "$home" >/dev/null || fail "cannot delete $home"
        if [ -n "$subvol_id" ]; then
            btrfs qgroup destroy "0/$subvol_id" "$homes_root" >/dev/null 2>&1 || true
        fi
    elif [ -e "$home" ]; then
        fail "$home exists and is not a subvolume"
    fi
    echo "deleted $name"
    exit 0
fi

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
