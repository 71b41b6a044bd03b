#!/usr/bin/env bash
# npm run bench — prepare what the bench needs (as for the e2e test), then run it.
# Needs the Pulumi toolchain (npm run toolchain); starts dockerd and builds base images when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci
# The CLI, language host and the random and docker plugins (instant when current).
if ! bash scripts/toolchain/install.sh --only cli,language,random,docker; then
    echo "FAIL Pulumi toolchain could not be installed"
    echo "0 passed, 1 failed"
    exit 1
fi
# shellcheck disable=SC1091
source scripts/toolchain/env.sh
bash scripts/docker/ensure-dockerd.sh
bash scripts/base-images/build.sh
exec npx ts-node --transpile-only -P tsconfig.json bench/bench.ts
