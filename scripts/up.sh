#!/usr/bin/env bash
# npm run up [-- --stack NAME] — from a fresh checkout to a running stack on this machine:
# installs what is missing (node_modules, the Pulumi toolchain, a Docker engine, the local base
# images), selects or creates the stack on the file backend (its example Pulumi.<stack>.yaml is
# its config), runs `pulumi up`, and prints how to log in. The stack is `local` (a hub on
# http://127.0.0.1:8000) unless --stack or $STACK names another, e.g. `lab` (one JupyterLab).
# Secrets (the hub password, the lab token) are read from the secret stack outputs and shown
# only when stdout is a terminal (an operator at the keyboard); in a log it prints the command.
set -euo pipefail
cd "$(dirname "$0")/.."
STACK=${STACK:-local}

usage() { echo "usage: npm run up [-- --stack NAME]   (default: \$STACK or local)"; }
while [ $# -gt 0 ]; do
    case "$1" in
        -s | --stack)
            [ $# -ge 2 ] || { usage >&2; exit 2; }
            STACK=$2
            shift 2
            ;;
        --stack=*)
            STACK=${1#--stack=}
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            echo "up.sh: unknown argument $1" >&2
            usage >&2
            exit 2
            ;;
    esac
done

step() { echo; echo "==> $*"; }

step "toolchain, Docker engine, base images"
bash scripts/docker/prepare-local.sh
# shellcheck disable=SC1091
source tools/offline/toolchain/env.sh
# shellcheck source=scripts/docker/base-images.sh
source scripts/docker/base-images.sh
# shellcheck source=tools/gitops/health-service.sh
source tools/gitops/health-service.sh

step "stack $STACK"
if ! pulumi stack select "$STACK" --non-interactive 2>/dev/null; then
    pulumi stack init "$STACK" --non-interactive
fi
jhp_set_base_images "$STACK"
# `npm run health -- --stack $STACK` talks to the hub as the service `health`: declared with a
# random token unless the stack declares services (and their tokens) of its own.
if ! pulumi config get hub.services --stack "$STACK" >/dev/null 2>&1 && ! pulumi config get hub.serviceTokens --stack "$STACK" >/dev/null 2>&1; then
    jhp_declare_health_service "$STACK"
    echo "stack $STACK: declared the hub service 'health' with a random token (hub.services, hub.serviceTokens)"
fi

step "pulumi up"
pulumi up --yes --skip-preview --non-interactive --stack "$STACK"

# Show a secret output on a terminal; name the command that shows it otherwise.
secret_output() {
    local name=$1
    if [ -t 1 ]; then
        pulumi stack output "$name" --show-secrets --stack "$STACK"
    else
        echo "run  pulumi stack output $name --show-secrets --stack $STACK"
    fi
}

url=$(pulumi stack output url --stack "$STACK")
topology=$(pulumi config get topology --stack "$STACK" 2>/dev/null || echo local)
echo
if [ "$topology" = lab ]; then
    echo "JupyterLab is up: $url"
    echo "  token:    $(secret_output token)"
    echo "  work dir: $(pulumi stack output work --stack "$STACK") (kept by pulumi destroy)"
else
    user=$(pulumi stack output loginUser --stack "$STACK")
    echo "JupyterHub is up: $url"
    echo "  user:     $user (with dummy auth any user name works with the shared password)"
    echo "  password: $(secret_output loginPassword)"
fi
