#!/usr/bin/env bash
# npm run test:policy — the policy pack: unit tests, bad fixtures that must fail, and a real
# local stack that must pass (test/policy/policy.ts). Prepares the toolchain (with the
# kubernetes and openstack plugins the fixtures preview with), the Docker engine and the local
# base images first.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! bash scripts/docker/prepare-local.sh || ! bash tools/offline/toolchain/install.sh --only cli,language,random,docker,kubernetes,openstack; then
    echo "FAIL could not prepare the toolchain, the Docker engine or the base images"
    echo "0 passed, 1 failed"
    exit 1
fi
# shellcheck source=tools/offline/toolchain/env.sh
source tools/offline/toolchain/env.sh
# The fixtures are TypeScript run by ts-node; type checking is `npm run typecheck`'s job.
export PULUMI_NODEJS_TRANSPILE_ONLY=true NO_COLOR=1
exec npx ts-node --transpile-only -P tsconfig.json test/policy/policy.ts
