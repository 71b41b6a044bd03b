#!/bin/bash
# Shared definitions of the local single-node Kubernetes cluster (tools/local-cluster): every
# name, address, port and path is defined here once; up.sh, down.sh, smoke.sh, load-images.sh and
# env.sh source this file. Sourcing has no side effects.
# shellcheck disable=SC2034 # the variables are used by the scripts that source this file

LC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LC_ROOT="$(cd "$LC_DIR/../.." && pwd)"

# ── where things live ──────────────────────────────────────────────────────────────────────────
# Run directory: state, configs, logs and pid files of one cluster; removed by down.sh.
RUN="${JHP_CLUSTER_RUN:-/tmp/jhp-cluster}"
LOGS="$RUN/logs"
PIDS="$RUN/pids"
STATE="$RUN/state"       # what up.sh changed on the machine, read back by down.sh
PKI="$RUN/pki"
KCFG="$RUN/kubeconfig"   # per-component kubeconfigs
ADMIN_KUBECONFIG="$RUN/admin.kubeconfig"
CTRD_DIR="$RUN/containerd"
CTRD_SOCK="$CTRD_DIR/containerd.sock"
CTRD_NS=k8s.io           # the containerd namespace the CRI plugin uses
CNI_CONF_DIR="$RUN/cni/net.d"
CNI_IPAM_DIR="$RUN/cni/ipam"
CNI_BIN_DIR=/usr/lib/cni # Debian's containernetworking-plugins
KUBELET_DIR="$RUN/kubelet"
POD_LOGS_DIR="$RUN/pod-logs"
STORAGE_DIR="$RUN/storage" # local-path-provisioner's volumes: they live as long as the cluster
# Go-built binaries (tools/offline/go-tools/build.sh cluster) and the image build cache.
BIN="${JHP_REAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jupyterhub-platform/real}/bin"
IMAGE_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/jupyterhub-platform/local-cluster"
GO_TOOLS="$LC_ROOT/tools/offline/go-tools"

# Only one local cluster can run on a machine: everything that brings it up, uses it or takes it
# down for a while (e2e:k8s, bench) holds this lock (flock) for its whole run.
# shellcheck source=tools/local-cluster/hold-lock.sh
. "$LC_ROOT/tools/local-cluster/hold-lock.sh"

# ── network ────────────────────────────────────────────────────────────────────────────────────
# The node's address lives on a port-less bridge the scripts create (this kernel has no dummy
# links). Pods reach the API server at this address through the `kubernetes` Service; the host
# reaches NodePort and externalIPs Services here. None of the ranges touch Docker's 172.16/12 or
# 192.168/16 pools, nor the host's own network.
NODE_NAME=jhp-node0
NODE_IF=jhp-node0
NODE_IP=10.213.0.2
NODE_PREFIX=24
POD_CIDR=10.214.0.0/24     # the node's pod range (one node: also the cluster's)
CNI_BRIDGE=jhp-cni0
CNI_NETWORK=jhp-pods
SERVICE_CIDR=10.215.0.0/24
API_SERVICE_IP=10.215.0.1  # first address of SERVICE_CIDR: the `kubernetes` Service
DNS_SERVICE_IP=10.215.0.10
CLUSTER_DOMAIN=cluster.local
API_PORT=6443
ETCD_PORT=2379
ETCD_PEER_PORT=2380
KCM_PORT=10257
SCHEDULER_PORT=10259
KUBELET_PORT=10250
KUBELET_HEALTHZ_PORT=10248
PROXY_HEALTHZ_PORT=10256
PROXY_METRICS_PORT=10249
API_URL="https://$NODE_IP:$API_PORT"
# iptables comment on the rules up.sh adds itself (so down.sh removes exactly those).
IPT_TAG=jhp-local-cluster

# ── capacity (read by up.sh when it writes the kubelet configuration) ──────────────────────────
# Allocatable = capacity - reserved - eviction threshold: raise the reservation to make a small
# node, e.g. JHP_CLUSTER_RESERVED_MEMORY=22Gi leaves about 1.5Gi for pods.
RESERVED_MEMORY="${JHP_CLUSTER_RESERVED_MEMORY:-512Mi}"
RESERVED_CPU="${JHP_CLUSTER_RESERVED_CPU:-100m}"
MAX_PODS="${JHP_CLUSTER_MAX_PODS:-110}"

# ── images (built locally, never pulled; names are the project's own) ──────────────────────────
IMAGE_PREFIX=jupyterhub-platform
COREDNS_VERSION=1.14.7     # also pinned in tools/offline/go-tools/go/coredns/go.mod
LPP_VERSION=v0.0.30        # also pinned in tools/offline/go-tools/go/local-path-provisioner/go.mod
BUSYBOX_VERSION="$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null | sed 's/^[0-9]*://; s/[^A-Za-z0-9_.-]/_/g')"
kube_version() { awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$GO_TOOLS/go/kube/go.mod"; }
KUBE_VERSION="$(kube_version)"
PAUSE_VERSION=3.10.1        # build/pause's TAG in k8s.io/kubernetes at KUBE_VERSION (images.sh checks)
PAUSE_IMAGE="$IMAGE_PREFIX/pause:$PAUSE_VERSION"
SCHEDULER_IMAGE="$IMAGE_PREFIX/kube-scheduler:$KUBE_VERSION"
COREDNS_IMAGE="$IMAGE_PREFIX/coredns:$COREDNS_VERSION"
LPP_IMAGE="$IMAGE_PREFIX/local-path-provisioner:$LPP_VERSION"
BUSYBOX_IMAGE="$IMAGE_PREFIX/busybox:${BUSYBOX_VERSION:-unknown}"
STORAGE_CLASS=local-path

# ── registries ─────────────────────────────────────────────────────────────────────────────────
# Registries that images.registry may name and that containerd pulls from over plain HTTP
# (e.g. JHP_CLUSTER_REGISTRIES=127.0.0.1:15100 for the e2e test's loopback docker-registry);
# space- or comma-separated host:port. Only loopback: this machine may not reach other hosts.
# Every other registry (CLOSED_REGISTRIES) is pointed at a closed port, so nothing is pulled
# from the internet.
REGISTRIES="$(printf '%s' "${JHP_CLUSTER_REGISTRIES:-}" | tr ',' ' ')"
CLOSED_REGISTRIES="docker.io registry.k8s.io quay.io ghcr.io"

# ── what the cluster changes on the machine, recorded by up.sh and restored by down.sh ─────────
# kubelet sets the first six (its kernel tunables), kube-proxy and the CNI bridge the next ones;
# conntrack limits are left alone by kube-proxy's configuration but are checked all the same.
SYSCTLS=(
    kernel.panic kernel.panic_on_oops vm.overcommit_memory vm.panic_on_oom
    kernel.keys.root_maxkeys kernel.keys.root_maxbytes
    net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv4.conf.all.route_localnet
    net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
    net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_timeout_established
    net.netfilter.nf_conntrack_tcp_timeout_close_wait
)
# The daemons, in start order (down.sh stops them in reverse, kubelet first).
DAEMONS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy)

# ── helpers ────────────────────────────────────────────────────────────────────────────────────
log() { printf '[local-cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN {printf "%.1fs", e - s}'; }

# wait_for SECONDS WHAT COMMAND...: run COMMAND every second until it succeeds or time runs out.
wait_for() {
    local limit="$1" what="$2" end
    shift 2
    end=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$end" ]; then
            log "timed out after ${limit}s waiting for $what"
            return 1
        fi
        sleep 1
    done
}

daemon_pid() { cat "$PIDS/$1.pid" 2>/dev/null; }

# A daemon runs when its pid file names a live process running the expected binary.
daemon_running() {
    local pid exe
    pid="$(daemon_pid "$1")" || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
    [ "$(basename "$exe")" = "$1" ]
}

# start_daemon NAME COMMAND...: run COMMAND in its own session (setsid execs in place, so $! is
# the daemon itself), output in $LOGS/NAME.log, pid in $PIDS/NAME.pid. No-op when running.
start_daemon() {
    local name="$1"
    shift
    if daemon_running "$name"; then
        log "$name already running (pid $(daemon_pid "$name"))"
        return 0
    fi
    mkdir -p "$LOGS" "$PIDS"
    setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
    echo "$!" >"$PIDS/$name.pid"
    log "started $name (pid $!, log $LOGS/$name.log)"
}

# stop_daemon NAME [GRACE_SECONDS]: SIGTERM, then SIGKILL after the grace period.
stop_daemon() {
    local name="$1" grace="${2:-20}" pid i
    if daemon_running "$name"; then
        pid="$(daemon_pid "$name")"
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < grace * 5; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "$name (pid $pid) ignored SIGTERM for ${grace}s: SIGKILL"
            kill -9 "$pid" 2>/dev/null || true
        fi
        log "stopped $name (pid $pid)"
    fi
    rm -f "$PIDS/$name.pid"
}

kctl() { "$BIN/kubectl" --kubeconfig "$ADMIN_KUBECONFIG" "$@"; }
crictl_() { "$BIN/crictl" --runtime-endpoint "unix://$CTRD_SOCK" --image-endpoint "unix://$CTRD_SOCK" --timeout 20s "$@"; }
ctr_() { ctr --address "$CTRD_SOCK" --namespace "$CTRD_NS" "$@"; }

# Names of the netfilter accounting objects (`nfacct list` prints `{ pkts = ..., bytes = ... } = NAME;`).
nfacct_names() { nfacct list 2>/dev/null | sed -n 's/.*} = \(.*\);$/\1/p' | sort || true; }

# Rules up.sh added (iptables -S form), for removal by down.sh.
tagged_rules() { iptables -S 2>/dev/null | grep -F -- "--comment $IPT_TAG" || true; }
