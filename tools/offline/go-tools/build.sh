#!/bin/bash
# Build the Go tools the real checks need, from the Go module proxy, into a cache that survives
# across runs: Pebble and pebble-challtestsrv (ACME test server), etcd, kube-apiserver and kubeadm.
# Usage: tools/offline/go-tools/build.sh pebble|kube   (prints the bin directory)
set -euo pipefail

what="${1:?usage: $0 pebble|kube}"
here="$(cd "$(dirname "$0")" && pwd)"
cache="${JHP_REAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jupyterhub-platform/real}"
bin="$cache/bin"
mkdir -p "$bin"
export GOFLAGS="${GOFLAGS:--mod=mod}"
# A few k8s.io staging modules are missing from the checksum database mirror; go.sum pins them.
export GONOSUMDB="${GONOSUMDB:-k8s.io}"
export GOTOOLCHAIN=local

stamp() {
    sha256sum "$here/go/$1/go.mod" "$here/go/$1/go.sum" | sha256sum | cut -c1-16
}

case "$what" in
    pebble)
        if [ ! -x "$bin/pebble" ] || [ ! -x "$bin/pebble-challtestsrv" ] || [ "$(cat "$bin/.pebble.stamp" 2>/dev/null)" != "$(stamp pebble)" ]; then
            (cd "$here/go/pebble" && go build -o "$bin/" github.com/letsencrypt/pebble/v2/cmd/pebble github.com/letsencrypt/pebble/v2/cmd/pebble-challtestsrv) >&2
            stamp pebble >"$bin/.pebble.stamp"
        fi
        ;;
    kube)
        if [ ! -x "$bin/kube-apiserver" ] || [ ! -x "$bin/etcd" ] || [ ! -x "$bin/kubeadm" ] || [ "$(cat "$bin/.kube.stamp" 2>/dev/null)" != "$(stamp kube)" ]; then
            (
                cd "$here/go/kube"
                go build -o "$bin/etcd" go.etcd.io/etcd/server/v3
                go build -o "$bin/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubeadm
            ) >&2
            stamp kube >"$bin/.kube.stamp"
        fi
        ;;
    *)
        echo "unknown tool set $what" >&2
        exit 2
        ;;
esac
echo "$bin"
