#!/usr/bin/env bash
# npm run test:gitops — the PR preview comment on real previews of a throw-away local stack
# (test/gitops/previews.ts). Prepares what the local topology needs first: the toolchain, the
# Docker engine and the local base images (scripts/docker/prepare-local.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! bash scripts/docker/prepare-local.sh; then
    echo "FAIL could not prepare the toolchain, the Docker engine or the base images"
    echo "0 passed, 1 failed"
    exit 1
fi
# shellcheck source=tools/offline/toolchain/env.sh
source tools/offline/toolchain/env.sh
export NO_COLOR=1
exec npx ts-node --transpile-only -P tsconfig.json test/gitops/previews.ts
