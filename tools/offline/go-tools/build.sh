#!/bin/bash
# Build the Go tools the real checks and the local cluster need, from the Go module proxy, into a
# cache that survives across runs. Each wrapper module under go/ pins one upstream module (go.mod,
# go.sum); each binary carries a stamp of its module's go.mod/go.sum and of the build flags, so a
# warm run builds nothing and a changed pin rebuilds only what it affects.
#
# Usage: tools/offline/go-tools/build.sh SET   (prints the bin directory on stdout)
#   pebble     Pebble and pebble-challtestsrv (ACME test server)
#   kube       etcd, kube-apiserver, kubeadm (test/real)
#   scheduler  kube-scheduler (test/real's user-scheduler checks)
#   s3         SeaweedFS `weed` (an S3-compatible server for test/e2e/backup)
#   cluster    everything tools/local-cluster runs: the kube set, kube-controller-manager,
#              kube-scheduler, kubelet, kube-proxy, kubectl; crictl; CoreDNS; local-path-provisioner
#   traefik    traefik, the proxy of Dask Gateway on Kubernetes (test/e2e/k8s/dask-gateway)
set -euo pipefail

what="${1:?usage: $0 pebble|kube|scheduler|s3|cluster|traefik}"
here="$(cd "$(dirname "$0")" && pwd)"
cache="${JHP_REAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jupyterhub-platform/real}"
bin="$cache/bin"
mkdir -p "$bin"
export GOFLAGS="${GOFLAGS:--mod=mod}"
# A few k8s.io staging modules are missing from the checksum database mirror; go.sum pins them.
export GONOSUMDB="${GONOSUMDB:-k8s.io}"
export GOTOOLCHAIN=local
# Static binaries: the same files run on the host and inside the scratch images that
# tools/local-cluster builds (kube-scheduler, CoreDNS, local-path-provisioner).
export CGO_ENABLED=0

# The Kubernetes release the kube module pins, from its go.mod (defined there only).
kube_version() {
    awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$here/go/kube/go.mod"
}

# Version stamps: without them the binaries report v0.0.0-master, which kubectl, kubeadm and
# API clients (the Pulumi kubernetes provider reads /version) refuse or misread.
kube_ldflags() {
    local v major minor p=k8s.io/component-base/version
    v="$(kube_version)"
    major="${v#v}" && major="${major%%.*}"
    minor="${v#v*.}" && minor="${minor%%.*}"
    printf '%s' "-s -w -X $p.gitVersion=$v -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
}

stamp() { # MODULE LDFLAGS
    { sha256sum "$here/go/$1/go.mod" "$here/go/$1/go.sum" | cut -d' ' -f1; echo "$2 cgo=$CGO_ENABLED"; } | sha256sum | cut -c1-16
}

# build MODULE LDFLAGS NAME=PACKAGE...: build the stale ones of NAME from PACKAGE in go/MODULE.
build() {
    local module="$1" ldflags="$2" s pair name pkg stale=()
    shift 2
    s="$(stamp "$module" "$ldflags")"
    for pair in "$@"; do
        name="${pair%%=*}"
        # The stamp names the binary it was written for (size, mtime): another checkout's build
        # writing the same cache directory makes it stale.
        if [ ! -x "$bin/$name" ] || [ "$(cat "$bin/.$name.stamp" 2>/dev/null)" != "$s $(stat -c '%s %Y' "$bin/$name")" ]; then
            stale+=("$pair")
        fi
    done
    [ "${#stale[@]}" -gt 0 ] || return 0
    for pair in "${stale[@]}"; do
        name="${pair%%=*}" pkg="${pair#*=}"
        echo "build.sh: building $name ($pkg)" >&2
        (cd "$here/go/$module" && go build -trimpath -ldflags "$ldflags" -o "$bin/$name.tmp" "$pkg") >&2
        mv -f "$bin/$name.tmp" "$bin/$name"
        echo "$s $(stat -c '%s %Y' "$bin/$name")" >"$bin/.$name.stamp"
    done
}

k8s=k8s.io/kubernetes/cmd
kube_set() {
    build kube "-s -w" etcd=go.etcd.io/etcd/server/v3
    build kube "$(kube_ldflags)" kube-apiserver=$k8s/kube-apiserver kubeadm=$k8s/kubeadm
}

case "$what" in
    pebble)
        build pebble "" pebble=github.com/letsencrypt/pebble/v2/cmd/pebble pebble-challtestsrv=github.com/letsencrypt/pebble/v2/cmd/pebble-challtestsrv
        ;;
    kube)
        kube_set
        ;;
    s3)
        build seaweedfs "-s -w" weed=github.com/seaweedfs/seaweedfs/weed
        ;;
    scheduler)
        build kube "$(kube_ldflags)" kube-scheduler=$k8s/kube-scheduler
        ;;
    cluster)
        kube_set
        build kube "$(kube_ldflags)" kube-controller-manager=$k8s/kube-controller-manager kube-scheduler=$k8s/kube-scheduler \
            kubelet=$k8s/kubelet kube-proxy=$k8s/kube-proxy kubectl=$k8s/kubectl
        build crictl "-s -w" crictl=sigs.k8s.io/cri-tools/cmd/crictl
        build coredns "-s -w" coredns=github.com/coredns/coredns
        build local-path-provisioner "-s -w" local-path-provisioner=github.com/rancher/local-path-provisioner
        ;;
    traefik)
        # The version stamp traefik prints and logs (from the wrapper's go.mod, defined there only).
        tv="$(awk '$1 == "require" && $2 == "github.com/traefik/traefik/v3" {print $3; exit} $1 == "github.com/traefik/traefik/v3" && $2 ~ /^v/ {print $2; exit}' "$here/go/traefik/go.mod")"
        build traefik "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$tv" traefik=github.com/traefik/traefik/v3/cmd/traefik
        ;;
    *)
        echo "unknown tool set $what" >&2
        exit 2
        ;;
esac
echo "$bin"
