#!/usr/bin/env bash
# npm run e2e:dask — Dask beside the hub on the local Docker engine: prepare what the test needs
# (toolchain, dockerd, base images; the same as e2e:local), then run it.
set -euo pipefail
cd "$(dirname "$0")/../../.."

if ! bash scripts/docker/prepare-local.sh; then
    echo "FAIL could not prepare the toolchain, the Docker engine or the base images"
    echo "0 passed, 1 failed"
    exit 1
fi
# shellcheck disable=SC1091
source tools/offline/toolchain/env.sh
# JHP_HUB_BASE_IMAGE / JHP_SINGLEUSER_BASE_IMAGE: what the images are built from (stand-ins here).
# shellcheck source=scripts/docker/base-images.sh
source scripts/docker/base-images.sh
exec npx ts-node --transpile-only -P tsconfig.json test/e2e/dask/e2e.ts
