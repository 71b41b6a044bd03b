#!/usr/bin/env bash
# npm run e2e:backup — backups that restore, on the real Docker engine and the real Pulumi engine:
# a local stack with backups into a real S3 server (SeaweedFS, built from its Go module by
# tools/offline/go-tools/build.sh s3, in a container on a Docker network the test makes) and
# into a Docker volume repository. Prepares what it needs, then runs test/e2e/backup/e2e.ts.
set -euo pipefail
cd "$(dirname "$0")/../../.."

# shellcheck source=scripts/docker/tier-env.sh
source scripts/docker/tier-env.sh
if ! bin=$(bash tools/offline/go-tools/build.sh s3); then
    echo "FAIL could not build SeaweedFS (tools/offline/go-tools/build.sh s3)"
    echo "0 passed, 1 failed"
    exit 1
fi
export JHP_WEED_BIN="$bin/weed"
exec npx ts-node --transpile-only -P tsconfig.json test/e2e/backup/e2e.ts
