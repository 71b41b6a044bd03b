#!/usr/bin/env bash
# npm run bench — prepare what the bench needs (as for the e2e tests), then run it.
# Needs the Pulumi toolchain (npm run toolchain); starts dockerd and builds base images when missing.
# The Kubernetes part (BENCH_K8S=0 skips it) starts and stops the local cluster, so the whole run
# holds the cluster lock (tools/local-cluster/lib.sh CLUSTER_LOCK), waiting for it at most
# BENCH_LOCK_WAIT seconds (default 1800) and holding it at most BENCH_TIMEOUT seconds (default 5400).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${BENCH_K8S:-1}" != 0 ]; then
    # shellcheck source=tools/local-cluster/hold-lock.sh
    . tools/local-cluster/hold-lock.sh
    jhp_hold_cluster_lock bench "${BENCH_LOCK_WAIT:-1800}" timeout "${BENCH_TIMEOUT:-5400}" bash "$0" "$@"
fi

if ! bash scripts/docker/prepare-local.sh; then
    echo "FAIL could not prepare the toolchain, the Docker engine or the base images"
    echo "0 passed, 1 failed"
    exit 1
fi
if [ "${BENCH_K8S:-1}" != 0 ]; then
    # shellcheck source=bench/k8s-prepare.sh
    source bench/k8s-prepare.sh
fi
# shellcheck disable=SC1091
source tools/offline/toolchain/env.sh
# JHP_HUB_BASE_IMAGE / JHP_SINGLEUSER_BASE_IMAGE: what the images are built from (stand-ins here).
# shellcheck source=scripts/docker/base-images.sh
source scripts/docker/base-images.sh
exec npx ts-node --transpile-only -P tsconfig.json bench/bench.ts
