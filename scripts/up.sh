#!/usr/bin/env bash
# npm run up — from a fresh checkout to a working hub on http://127.0.0.1:8000:
# installs what is missing (node_modules, the Pulumi toolchain, a Docker engine, the local base
# images), selects or creates the `local` stack on the file backend, runs `pulumi up`, and prints
# the hub URL and login. The password is read from the secret stack output and shown only when
# stdout is a terminal (an operator at the keyboard); in a log it prints the command instead.
set -euo pipefail
cd "$(dirname "$0")/.."
STACK=${STACK:-local}

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

url=$(pulumi stack output url --stack "$STACK")
user=$(pulumi stack output loginUser --stack "$STACK")
echo
echo "JupyterHub is up: $url"
echo "  user:     $user (with dummy auth any user name works with the shared password)"
if [ -t 1 ]; then
    echo "  password: $(pulumi stack output loginPassword --show-secrets --stack "$STACK")"
else
    echo "  password: run  pulumi stack output loginPassword --show-secrets --stack $STACK"
fi
