#!/usr/bin/env bash
# npm run test:faults — faults during a load run on a `local` stack (test/faults/faults.ts), on a
# private Docker engine started here and removed at the end (test/faults/dockerd.sh), so the
# engine restart never touches the shared one. Prepares what e2e:local needs first. The whole run
# is bounded by FAULTS_TIMEOUT seconds (default 3600).
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=scripts/docker/tier-env.sh
source scripts/docker/tier-env.sh

FAULTS_RUN_DIR=${FAULTS_RUN_DIR:-/tmp/jhp-faults-$$}
export FAULTS_RUN_DIR
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { bash test/faults/dockerd.sh destroy "$FAULTS_RUN_DIR" || true; }
trap cleanup EXIT
bash test/faults/dockerd.sh start "$FAULTS_RUN_DIR"
rc=0
timeout --kill-after=900 "${FAULTS_TIMEOUT:-3600}" npx ts-node --transpile-only -P tsconfig.json test/faults/faults.ts || rc=$?
exit "$rc"
