#!/usr/bin/env bash
# npm run e2e:dask — Dask beside the hub on the local Docker engine: prepare what the test needs
# (toolchain, dockerd, base images; the same as e2e:local), then run it.
set -euo pipefail
cd "$(dirname "$0")/../../.."

# shellcheck source=scripts/docker/tier-env.sh
source scripts/docker/tier-env.sh
exec npx ts-node --transpile-only -P tsconfig.json test/e2e/dask/e2e.ts
