#!/usr/bin/env bash
# npm run e2e:lab — prepare what the lab end-to-end test needs, then run it.
# Needs a Docker engine (started here when missing), the local base images (built here when missing),
# Debian's chromium (installed when missing) and the Pulumi toolchain + docker plugin (built when missing).
set -euo pipefail
cd "$(dirname "$0")/../../.."

# shellcheck source=scripts/docker/tier-env.sh
source scripts/docker/tier-env.sh
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
    echo "e2e:lab: installing Debian's chromium"
    export DEBIAN_FRONTEND=noninteractive
    (apt-get install -y -qq -o DPkg::Lock::Timeout=600 chromium >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 chromium >/dev/null; })
fi
exec npx ts-node --transpile-only -P tsconfig.json test/e2e/lab/e2e.ts
