#!/usr/bin/env bash
# Throw-away `local` stacks of this project for the GitOps, policy and health tiers: brought up
# for real (the real engine, the real Docker engine, images built by the program) and removed
# with everything they left on the engine.
#
#   test/gitops/local-stack.sh up NAME PORT [KEY=VALUE ...]   create (or reuse) and `pulumi up`
#   test/gitops/local-stack.sh down NAME                      destroy, remove the stack, its
#                                                             containers, volumes and network
#
# `up` configures the stack like Pulumi.local.yaml (dummy login, hub.port PORT) with the health
# service of `npm run health` and a fresh random token for it (a secret), plus KEY=VALUE
# overrides (`--secret KEY=VALUE` marks one secret). The caller exports PULUMI_CONFIG_PASSPHRASE
# or relies on tools/offline/toolchain/env.sh's test-only one. Every pulumi command is bounded
# (JHP_STACK_STEP_TIMEOUT, default 900 s).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
STEP_TIMEOUT="${JHP_STACK_STEP_TIMEOUT:-900}"

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1 name=$2
shift 2
case "$name" in
    local | dev | prod) echo "local-stack.sh: refusing to touch the example stack '$name'" >&2; exit 2 ;;
esac

# shellcheck source=tools/offline/toolchain/env.sh
source tools/offline/toolchain/env.sh
# shellcheck source=tools/gitops/health-service.sh
source tools/gitops/health-service.sh
export PULUMI_SKIP_CONFIRMATIONS=true NO_COLOR=1

p() { timeout --kill-after=20 "$STEP_TIMEOUT" pulumi "$@" --stack "$name" --non-interactive; }

stack_exists() { pulumi stack ls --json --non-interactive 2>/dev/null | grep -q "\"name\": \"$name\""; }

docker_leftovers() {
    local base="jupyterhub-$name"
    # shellcheck disable=SC2046
    docker rm -f $(docker ps -aq --filter "label=org.jupyterhub-platform.stack=$name") >/dev/null 2>&1 || true
    docker volume ls -q --filter "label=org.jupyterhub-platform.stack=$name" | xargs -r docker volume rm -f >/dev/null
    docker volume ls -q | grep -E "^$base-(home-|hub-data$|software)" | xargs -r docker volume rm -f >/dev/null || true
    docker network rm "$base-net" >/dev/null 2>&1 || true
}

case "$cmd" in
    up)
        port=${1:?up needs a PORT}
        shift
        # shellcheck source=scripts/docker/base-images.sh
        source scripts/docker/base-images.sh
        stack_exists || pulumi stack init "$name" --non-interactive >/dev/null
        jhp_set_base_images "$name" >/dev/null
        p config set topology local >/dev/null
        p config set hub.port "$port" >/dev/null
        p config set hub.adminUsers '["admin"]' >/dev/null
        p config set singleuser.memory.limit 1G >/dev/null
        p config set singleuser.cpu.limit 1 >/dev/null
        jhp_declare_health_service "$name"
        secret=""
        for kv in "$@"; do
            if [ "$kv" = --secret ]; then secret=--secret; continue; fi
            p config set $secret "${kv%%=*}" "${kv#*=}" >/dev/null
            secret=""
        done
        start=$SECONDS
        if ! p up --yes --skip-preview >"${TMPDIR:-/tmp}/jhp-stack-$name-up.log" 2>&1; then
            tail -40 "${TMPDIR:-/tmp}/jhp-stack-$name-up.log" >&2
            echo "local-stack.sh: pulumi up of $name failed" >&2
            exit 1
        fi
        echo "local-stack.sh: $name is up at $(p stack output url) in $((SECONDS - start)) s"
        ;;
    down)
        if stack_exists; then
            p destroy --yes --skip-preview >/dev/null 2>&1 || p destroy --yes --skip-preview --refresh >/dev/null 2>&1 || true
            p stack rm --yes --force >/dev/null 2>&1 || true
        fi
        rm -f "Pulumi.$name.yaml"
        docker_leftovers
        echo "local-stack.sh: $name removed"
        ;;
    *) usage ;;
esac
