#!/usr/bin/env bash
# npm run load [-- --target local|k8s --users N --duration S --interval S] — prepare what the load
# run needs (as for e2e:local: toolchain, Docker engine, base images), then run bench/load/load.ts.
# The tool's own run is bounded by LOAD_TIMEOUT seconds (default 3600).
#
# --target k8s (or LOAD_TARGET=k8s) runs on the local cluster (tools/local-cluster), which the tool
# brings up and takes down: the whole run then holds the cluster lock, waiting for it at most
# LOAD_LOCK_WAIT seconds (default 3600), and also prepares what a kubernetes stack needs
# (bench/k8s-prepare.sh). Whatever the tool leaves when it dies (its loopback registry, the
# cluster) is stopped here afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The target, as load.ts reads it (a flag wins over LOAD_TARGET); load.ts checks the value.
target="${LOAD_TARGET:-local}"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        --target=*) target="${args[i]#--target=}" ;;
        --target) target="${args[i + 1]:-}" ;;
    esac
done

if [ "$target" = k8s ]; then
    # shellcheck source=tools/local-cluster/hold-lock.sh
    . tools/local-cluster/hold-lock.sh
    jhp_hold_cluster_lock load "${LOAD_LOCK_WAIT:-3600}" bash "$0" "$@"
fi

if ! bash scripts/docker/prepare-local.sh; then
    echo "FAIL could not prepare the toolchain, the Docker engine or the base images"
    exit 1
fi
if [ "$target" = k8s ]; then
    # shellcheck source=bench/k8s-prepare.sh
    source bench/k8s-prepare.sh
fi
# shellcheck disable=SC1091
source tools/offline/toolchain/env.sh
# shellcheck source=scripts/docker/base-images.sh
source scripts/docker/base-images.sh
tool=(npx ts-node --transpile-only -P tsconfig.json bench/load/load.ts "$@")
# On the deadline the tool gets SIGTERM and destroys its stack (and cluster) before the KILL.
if [ "$target" != k8s ]; then
    exec timeout --kill-after=900 "${LOAD_TIMEOUT:-3600}" "${tool[@]}"
fi

# k8s: the registry's pid file lives here, so that it can be stopped when the tool was killed.
export LOAD_K8S_RUN="${LOAD_K8S_RUN:-/tmp/jhp-load-k8s}"
mkdir -p "$LOAD_K8S_RUN"
rc=0
timeout --kill-after=900 "${LOAD_TIMEOUT:-3600}" "${tool[@]}" || rc=$?
pid="$(cat "$LOAD_K8S_RUN/registry.pid" 2>/dev/null || true)"
if [ -n "$pid" ] && [ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null)")" = docker-registry ]; then
    echo "load: stopping the loopback registry the tool left (pid $pid)"
    kill "$pid" 2>/dev/null || true
fi
rm -f "$LOAD_K8S_RUN/registry.pid"
# The tool takes the cluster down itself; down.sh is quick and changes nothing when it did.
if ! timeout 600 bash tools/local-cluster/down.sh >"$LOAD_K8S_RUN/cluster-down.log" 2>&1; then
    echo "FAIL the cluster could not be taken down: $(tail -n 5 "$LOAD_K8S_RUN/cluster-down.log" | tr '\n' ' ')"
    rc=1
fi
exit "$rc"
