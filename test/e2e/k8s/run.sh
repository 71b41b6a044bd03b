#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# npm run e2e:k8s — JupyterHub on a real single-node Kubernetes cluster (tools/local-cluster) with
# the real Pulumi engine and kubernetes plugin; the checks are in e2e.ts.
#
# Holds the cluster lock (tools/local-cluster/lib.sh CLUSTER_LOCK, flock) for the whole run: only
# one cluster can run on a machine and other users (bench, a developer, another test) wait for it.
# Prepares what the test needs (toolchain with the kubernetes plugin, Docker engine, base images,
# Debian's docker-registry and htpasswd), brings the cluster up with containerd pulling from the
# test's loopback registry over plain HTTP, runs e2e.ts, and takes the cluster down again.
#
# Environment: E2E_KEEP=1 leaves stacks, registry, Gluster node and cluster running;
# E2E_K8S_REGISTRY_PORT (default 15100); E2E_K8S_RUN (default /tmp/jhp-e2e-k8s);
# E2E_LOCK_WAIT seconds to wait for the cluster lock (default 5400); E2E_DEADLINE_MINUTES.
# Ends with "N passed, M failed"; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT="$(pwd)"
LC="$ROOT/tools/local-cluster"

# shellcheck source=../../../tools/local-cluster/hold-lock.sh
. "$LC/hold-lock.sh"
jhp_hold_cluster_lock e2e:k8s "${E2E_LOCK_WAIT:-5400}" bash "$0" "$@"

T0=$SECONDS
export E2E_K8S_RUN="${E2E_K8S_RUN:-/tmp/jhp-e2e-k8s}"
export E2E_K8S_REGISTRY_PORT="${E2E_K8S_REGISTRY_PORT:-15100}"
mkdir -p "$E2E_K8S_RUN"

prepare_failed() {
    echo "FAIL $1"
    echo "0 passed, 1 failed"
    exit 1
}

cleanup() {
    local rc=$?
    if [ "${E2E_KEEP:-}" = 1 ]; then
        echo "e2e:k8s: E2E_KEEP=1: the cluster stays up (npm run cluster:down)"
        return
    fi
    # What e2e.ts could not stop if it died: its registry and the Gluster node.
    local pid
    pid="$(cat "$E2E_K8S_RUN/registry.pid" 2>/dev/null || true)"
    if [ -n "$pid" ] && [ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null)")" = docker-registry ]; then
        kill "$pid" 2>/dev/null || true
    fi
    rm -f "$E2E_K8S_RUN/registry.pid"
    if [ -d "$E2E_K8S_RUN/gluster" ]; then
        bash test/e2e/k8s/gluster.sh down "$E2E_K8S_RUN/gluster" && rm -rf "$E2E_K8S_RUN/gluster" || rc=1
    fi
    local start=$SECONDS
    if ! timeout 300 bash "$LC/down.sh" >"$E2E_K8S_RUN/cluster-down.log" 2>&1; then
        echo "FAIL cluster down left something behind: $(tail -n 5 "$E2E_K8S_RUN/cluster-down.log" | tr '\n' ' ')"
        rc=1
    else
        echo "e2e:k8s: cluster down in $((SECONDS - start)) s, machine as before"
    fi
    echo "e2e:k8s: wall time $((SECONDS - T0)) s"
    exit "$rc"
}
trap cleanup EXIT

start=$SECONDS
bash scripts/docker/prepare-local.sh >"$E2E_K8S_RUN/prepare.log" 2>&1 ||
    prepare_failed "prepare the Docker engine and base images (log $E2E_K8S_RUN/prepare.log)"
# The kubernetes plugin on top of what prepare-local installs (a cold build is ~22 CPU-minutes).
bash tools/offline/toolchain/install.sh --only cli,language,random,docker,kubernetes,tls >>"$E2E_K8S_RUN/prepare.log" 2>&1 ||
    prepare_failed "install the Pulumi toolchain with the kubernetes plugin (log $E2E_K8S_RUN/prepare.log)"
missing=()
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "e2e:k8s: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    { timeout 900 apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" ||
        { timeout 600 apt-get update -q && timeout 900 apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}"; }; } \
        >>"$E2E_K8S_RUN/prepare.log" 2>&1 || prepare_failed "install ${missing[*]}"
fi
echo "e2e:k8s: toolchain, Docker engine, base images and packages ready in $((SECONDS - start)) s"

start=$SECONDS
JHP_CLUSTER_REGISTRIES="127.0.0.1:$E2E_K8S_REGISTRY_PORT" timeout "${E2E_CLUSTER_UP_TIMEOUT:-5400}" bash "$LC/up.sh" \
    >"$E2E_K8S_RUN/cluster-up.log" 2>&1 || prepare_failed "cluster up (log $E2E_K8S_RUN/cluster-up.log)"
echo "e2e:k8s: cluster up in $((SECONDS - start)) s (pulls from 127.0.0.1:$E2E_K8S_REGISTRY_PORT over HTTP)"

# shellcheck source=../../../tools/offline/toolchain/env.sh
source tools/offline/toolchain/env.sh
# shellcheck source=../../../tools/local-cluster/env.sh
source "$LC/env.sh"
# JHP_HUB_BASE_IMAGE / JHP_SINGLEUSER_BASE_IMAGE: what the images are built from (stand-ins here).
# shellcheck source=../../../scripts/docker/base-images.sh
source scripts/docker/base-images.sh
timeout $((${E2E_DEADLINE_MINUTES:-75} * 60 + 600)) npx ts-node --transpile-only -P tsconfig.json test/e2e/k8s/e2e.ts
