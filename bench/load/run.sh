#!/usr/bin/env bash
# npm run load [-- --users N --duration S --interval S] — prepare what the load run needs (as for
# e2e:local: toolchain, Docker engine, base images), then run bench/load/load.ts. The whole run is
# bounded by LOAD_TIMEOUT seconds (default 3600).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! bash scripts/docker/prepare-local.sh; then
    echo "FAIL could not prepare the toolchain, the Docker engine or the base images"
    exit 1
fi
# shellcheck disable=SC1091
source tools/offline/toolchain/env.sh
# shellcheck source=scripts/docker/base-images.sh
source scripts/docker/base-images.sh
# On the deadline the tool gets SIGTERM and destroys its stack (up to 15 min) before the KILL.
exec timeout --kill-after=900 "${LOAD_TIMEOUT:-3600}" npx ts-node --transpile-only -P tsconfig.json bench/load/load.ts "$@"
