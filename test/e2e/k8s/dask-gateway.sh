#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# npm run e2e:dask-gateway — Dask Gateway on the local Kubernetes cluster (tools/local-cluster)
# with the real Pulumi engine and kubernetes plugin; the checks are in dask-gateway.ts. The same
# mechanism as e2e:k8s (run.sh): the cluster lock for the whole run, images pushed to a loopback
# registry that containerd pulls from over HTTP, the cluster brought up and down again. traefik,
# which nothing here can pull, is built from its Go module (tools/offline/go-tools/build.sh
# traefik) into the image jupyterhub-platform/traefik and copied into the node.
#
# Environment: E2E_KEEP=1 leaves the stack, registry and cluster running; E2E_K8S_REGISTRY_PORT
# (default 15110); E2E_K8S_RUN (default /tmp/jhp-e2e-dask-gateway); E2E_LOCK_WAIT seconds to wait
# for the cluster lock (default 5400); E2E_DEADLINE_MINUTES. Ends with "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT="$(pwd)"
LC="$ROOT/tools/local-cluster"

# shellcheck source=../../../tools/local-cluster/hold-lock.sh
. "$LC/hold-lock.sh"
jhp_hold_cluster_lock e2e:dask-gateway "${E2E_LOCK_WAIT:-5400}" bash "$0" "$@"

T0=$SECONDS
export E2E_K8S_RUN="${E2E_K8S_RUN:-/tmp/jhp-e2e-dask-gateway}"
export E2E_K8S_REGISTRY_PORT="${E2E_K8S_REGISTRY_PORT:-15110}"
# The traefik version is the wrapper module's pin (tools/offline/go-tools/go/traefik/go.mod).
TRAEFIK_VERSION="$(awk '$1 == "require" && $2 == "github.com/traefik/traefik/v3" {print $3}' tools/offline/go-tools/go/traefik/go.mod)"
export E2E_TRAEFIK_IMAGE="jupyterhub-platform/traefik:$TRAEFIK_VERSION"
mkdir -p "$E2E_K8S_RUN"

prepare_failed() {
    echo "FAIL $1"
    echo "0 passed, 1 failed"
    exit 1
}

cleanup() {
    local rc=$?
    if [ "${E2E_KEEP:-}" = 1 ]; then
        echo "e2e:dask-gateway: E2E_KEEP=1: the cluster stays up (npm run cluster:down)"
        return
    fi
    local pid
    pid="$(cat "$E2E_K8S_RUN/registry.pid" 2>/dev/null || true)"
    if [ -n "$pid" ] && [ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null)")" = docker-registry ]; then
        kill "$pid" 2>/dev/null || true
    fi
    rm -f "$E2E_K8S_RUN/registry.pid"
    local start=$SECONDS
    if ! timeout 300 bash "$LC/down.sh" >"$E2E_K8S_RUN/cluster-down.log" 2>&1; then
        echo "FAIL cluster down left something behind: $(tail -n 5 "$E2E_K8S_RUN/cluster-down.log" | tr '\n' ' ')"
        rc=1
    else
        echo "e2e:dask-gateway: cluster down in $((SECONDS - start)) s, machine as before"
    fi
    echo "e2e:dask-gateway: wall time $((SECONDS - T0)) s"
    exit "$rc"
}
trap cleanup EXIT

start=$SECONDS
bash scripts/docker/prepare-local.sh >"$E2E_K8S_RUN/prepare.log" 2>&1 ||
    prepare_failed "prepare the Docker engine and base images (log $E2E_K8S_RUN/prepare.log)"
bash tools/offline/toolchain/install.sh --only cli,language,random,docker,kubernetes,tls >>"$E2E_K8S_RUN/prepare.log" 2>&1 ||
    prepare_failed "install the Pulumi toolchain with the kubernetes plugin (log $E2E_K8S_RUN/prepare.log)"
missing=()
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    { timeout 900 apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" ||
        { timeout 600 apt-get update -q && timeout 900 apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}"; }; } \
        >>"$E2E_K8S_RUN/prepare.log" 2>&1 || prepare_failed "install ${missing[*]}"
fi
# traefik from its Go module (cold: ~28 min on 2 loaded cores, 3.2 GB peak RSS; cached after).
bin="$(timeout 3600 bash tools/offline/go-tools/build.sh traefik 2>>"$E2E_K8S_RUN/prepare.log" | tail -n 1)" ||
    prepare_failed "build traefik (log $E2E_K8S_RUN/prepare.log)"
# A scratch image holding only the static binary, rebuilt only when the binary changes.
want="$(sha256sum "$bin/traefik" | cut -c1-16)"
if [ "$(docker image inspect -f '{{index .Config.Labels "org.jupyterhub-platform.inputs"}}' "$E2E_TRAEFIK_IMAGE" 2>/dev/null || true)" != "$want" ]; then
    rootfs="$(mktemp -d)"
    install -D -m 0755 "$bin/traefik" "$rootfs/usr/local/bin/traefik"
    tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -c . | docker import --change 'USER 1000:1000' \
        --change 'ENTRYPOINT ["/usr/local/bin/traefik"]' --change "LABEL org.jupyterhub-platform.inputs=$want" - "$E2E_TRAEFIK_IMAGE" >/dev/null
    rm -rf "$rootfs"
fi
echo "e2e:dask-gateway: toolchain, Docker engine, base images, traefik image ready in $((SECONDS - start)) s"

start=$SECONDS
JHP_CLUSTER_REGISTRIES="127.0.0.1:$E2E_K8S_REGISTRY_PORT" timeout "${E2E_CLUSTER_UP_TIMEOUT:-5400}" bash "$LC/up.sh" \
    >"$E2E_K8S_RUN/cluster-up.log" 2>&1 || prepare_failed "cluster up (log $E2E_K8S_RUN/cluster-up.log)"
timeout 600 bash "$LC/load-images.sh" "$E2E_TRAEFIK_IMAGE" >>"$E2E_K8S_RUN/cluster-up.log" 2>&1 ||
    prepare_failed "copy $E2E_TRAEFIK_IMAGE into the node (log $E2E_K8S_RUN/cluster-up.log)"
echo "e2e:dask-gateway: cluster up in $((SECONDS - start)) s (pulls from 127.0.0.1:$E2E_K8S_REGISTRY_PORT over HTTP)"

# shellcheck source=../../../tools/offline/toolchain/env.sh
source tools/offline/toolchain/env.sh
# shellcheck source=../../../tools/local-cluster/env.sh
source "$LC/env.sh"
# shellcheck source=../../../scripts/docker/base-images.sh
source scripts/docker/base-images.sh
timeout $((${E2E_DEADLINE_MINUTES:-45} * 60 + 600)) npx ts-node --transpile-only -P tsconfig.json test/e2e/k8s/dask-gateway.ts
