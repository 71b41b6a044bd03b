#!/usr/bin/env bash
# npm run e2e:openstack — the OpenStack infrastructure of the dev and prod stacks, end to end, on
# the local OpenStack (tools/local-openstack) with the real Pulumi engine and openstack plugin.
# Installs what is missing (npm packages, the toolchain with the openstack plugin, the local
# OpenStack's packages), starts the local OpenStack when it is down and stops it again afterwards
# (JHP_E2E_OS_KEEP_UP=1 leaves it running). Ends with "N passed, M failed"; exit 0 iff none failed.
set -euo pipefail
cd "$(dirname "$0")/../../.."

[ -d node_modules ] || npm ci --no-audit --no-fund
# The examples' preview needs every plugin the program uses (kubernetes, docker, tls, random).
bash tools/offline/toolchain/install.sh

# shellcheck source=tools/local-openstack/lib.sh
source tools/local-openstack/lib.sh
started_here=""
if ! jhp_os_running keystone; then
    started_here=1
fi
stop_if_started() {
    if [ -n "$started_here" ] && [ -z "${JHP_E2E_OS_KEEP_UP:-}" ]; then
        bash tools/local-openstack/down.sh || true
    fi
}
trap stop_if_started EXIT
# Idempotent: when it is up this only checks health (and restarts a service whose config changed).
bash tools/local-openstack/up.sh

# shellcheck source=tools/local-openstack/env.sh
source tools/local-openstack/env.sh
# shellcheck source=tools/offline/toolchain/env.sh
source tools/offline/toolchain/env.sh
# Type checking is `npm run typecheck`'s job.
export PULUMI_NODEJS_TRANSPILE_ONLY=true
npx ts-node --transpile-only -P tsconfig.json test/e2e/openstack/e2e.ts
