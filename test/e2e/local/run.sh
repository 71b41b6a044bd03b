#!/usr/bin/env bash
# npm run e2e:local — prepare what the end-to-end test needs, then run it.
# Needs a Docker engine (started here when missing), the local base images (built here when missing),
# Debian's chromium (installed when missing) and the Pulumi toolchain + docker plugin (built when missing).
set -euo pipefail
cd "$(dirname "$0")/../../.."

# shellcheck source=scripts/docker/tier-env.sh
source scripts/docker/tier-env.sh
# Debian packages the test drives: chromium (JupyterLab in a headless browser), docker-registry
# and htpasswd (a loopback registry for the images.registry path).
missing=""
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing="$missing chromium"
command -v docker-registry >/dev/null 2>&1 || missing="$missing docker-registry"
command -v htpasswd >/dev/null 2>&1 || missing="$missing apache2-utils"
if [ -n "$missing" ]; then
    echo "e2e: installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    (apt-get install -y -qq $missing >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq $missing >/dev/null; })
fi
exec npx ts-node --transpile-only -P tsconfig.json test/e2e/local/e2e.ts
