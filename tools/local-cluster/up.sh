#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# npm run cluster:up — a real single-node Kubernetes cluster on this machine, for
# `npm run e2e:k8s`, `npm run bench` and developers.
#
# What runs (all child processes, no systemd; logs and pid files under $JHP_CLUSTER_RUN, default
# /tmp/jhp-cluster): etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and
# kube-proxy (iptables mode) built from k8s.io/kubernetes (tools/offline/go-tools/build.sh
# cluster); Debian's containerd with its own socket, root and state, CRI on, cgroupfs, Debian's
# runc; Debian's CNI plugins (bridge + host-local + portmap); in-cluster CoreDNS and
# local-path-provisioner (the default StorageClass), both built here from their Go modules.
# Images are built locally (images.sh) under the project's own name and copied from Docker into
# containerd; nothing is pulled, except from the loopback registries JHP_CLUSTER_REGISTRIES names
# (host:port, plain HTTP; e.g. the e2e test's docker-registry on 127.0.0.1).
#
# NOT real here: NetworkPolicies are accepted by the API server but NOT ENFORCED — the bridge CNI
# plugin has no policy engine and Calico cannot be built on this machine.
#
# What it changes on the machine (recorded in $RUN/state, restored by down.sh): the sysctls of
# lib.sh's SYSCTLS (kubelet sets kernel.panic, kernel.panic_on_oops, vm.overcommit_memory...;
# this script sets net.ipv4.ip_forward), two iptables FORWARD rules tagged $IPT_TAG (Docker's
# FORWARD policy is DROP), kube-proxy's and kubelet's KUBE-* chains, the links jhp-node0 (the
# node address) and jhp-cni0 (the pod bridge), mounts under $RUN, cgroups /kubepods.
#
# Idempotent: what runs already is left alone (a dead daemon is started again), so running it
# twice is harmless. Every wait is bounded. On failure, the logs are in $RUN/logs and
# `npm run cluster:down` cleans up.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || die "needs root (containerd, kubelet, iptables, links)"
T0="$(now)"

# ── packages and binaries ──────────────────────────────────────────────────────────────────────
need=()
for p in containerd runc containernetworking-plugins busybox-static iptables iproute2 nfacct gcc libc6-dev openssl curl; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
    log "installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get -o DPkg::Lock::Timeout=600 update -q >&2
    timeout 1200 apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${need[@]}" >&2
    BUSYBOX_VERSION="$(dpkg-query -W -f='${Version}' busybox-static | sed 's/^[0-9]*://; s/[^A-Za-z0-9_.-]/_/g')"
    BUSYBOX_IMAGE="$IMAGE_PREFIX/busybox:$BUSYBOX_VERSION"
fi
start="$(now)"
timeout "${JHP_CLUSTER_BUILD_TIMEOUT:-5400}" bash "$GO_TOOLS/build.sh" cluster >/dev/null
log "binaries ready in $BIN ($(since "$start"))"

start="$(now)"
bash "$LC_ROOT/scripts/docker/ensure-dockerd.sh" >&2
bash "$LC_DIR/images.sh"
log "images ready ($(since "$start"))"

# A run directory none of whose daemons is alive is what an interrupted run left (a killed CI
# job, a reboot): its containerd root can list images whose layers are gone. Take it down the
# usual way (which restores what it changed on the machine) and start clean.
if [ -d "$RUN" ]; then
    alive=0
    for d in "${DAEMONS[@]}"; do
        if daemon_running "$d"; then alive=1; fi
    done
    if [ "$alive" = 0 ]; then
        log "$RUN is left from a run that no longer runs: taking it down first"
        bash "$LC_DIR/down.sh"
    fi
fi

mkdir -p "$LOGS" "$PIDS" "$STATE" "$KCFG" "$CTRD_DIR" "$CNI_CONF_DIR" "$CNI_IPAM_DIR" "$KUBELET_DIR" "$POD_LOGS_DIR" "$STORAGE_DIR"

# render TEMPLATE: the template with each @NAME@ replaced by lib.sh's value of NAME.
render() {
    local text name value
    text="$(cat "$LC_DIR/configs/$1")"
    for name in $(grep -o '@[A-Z_]*@' "$LC_DIR/configs/$1" | sort -u | tr -d @); do
        [ -n "${!name+x}" ] || die "configs/$1 names @$name@, which lib.sh does not define"
        value="${!name}"
        text="${text//"@$name@"/"$value"}"
    done
    printf '%s\n' "$text"
}

# ── the machine: record, then change ───────────────────────────────────────────────────────────
# Recorded once per cluster (a second up must not take the cluster's own settings for the
# machine's): down.sh restores exactly these values.
if [ ! -f "$STATE/sysctl.before" ]; then
    for s in "${SYSCTLS[@]}"; do
        v="$(sysctl -n "$s" 2>/dev/null)" && printf '%s\t%s\n' "$s" "$v"
    done >"$STATE/sysctl.before.tmp"
    mv "$STATE/sysctl.before.tmp" "$STATE/sysctl.before"
    # Which /kubepods cgroups existed before (none expected): down.sh removes only new ones.
    for d in /sys/fs/cgroup/*/kubepods; do [ -d "$d" ] && echo "$d"; done >"$STATE/cgroups.before" || true
    for d in /var/log/containers /var/log/pods /var/lib/kubelet /var/run/netns; do [ -e "$d" ] && echo "$d"; done >"$STATE/paths.before" || true
    # kube-proxy counts dropped packets in netfilter accounting objects (nfacct).
    nfacct_names >"$STATE/nfacct.before"
    for ipt in iptables ip6tables; do
        for table in filter nat mangle raw; do
            "$ipt" -t "$table" -S 2>/dev/null | awk -v p="$ipt $table" '$1 == "-N" && $2 ~ /^(KUBE|CNI)-/ {print p, $2}'
        done
    done >"$STATE/chains.before"
fi

if ! ip link show "$NODE_IF" >/dev/null 2>&1; then
    ip link add "$NODE_IF" type bridge
    log "created link $NODE_IF (the node address $NODE_IP)"
fi
ip -4 addr show dev "$NODE_IF" | grep -q "inet $NODE_IP/" || ip addr add "$NODE_IP/$NODE_PREFIX" dev "$NODE_IF"
ip link set "$NODE_IF" up
# Routing between the pod bridge and the node address, and Service DNAT to pods on the bridge.
sysctl -qw net.ipv4.ip_forward=1
# Docker's FORWARD policy is DROP: let pod traffic through (bridged traffic passes iptables).
for dir in -s -d; do
    iptables -C FORWARD "$dir" "$POD_CIDR" -m comment --comment "$IPT_TAG" -j ACCEPT 2>/dev/null ||
        iptables -I FORWARD 1 "$dir" "$POD_CIDR" -m comment --comment "$IPT_TAG" -j ACCEPT
done

# ── configuration and PKI ──────────────────────────────────────────────────────────────────────
# install_config TEMPLATE DEST: write the rendered template only when it differs (kube-proxy exits when
# its file changes); a running daemon whose configuration changed is restarted below, so e.g.
# `JHP_CLUSTER_RESERVED_MEMORY=20Gi npm run cluster:up` resizes a running node.
changed=()
install_config() {
    render "$1" >"$2.new"
    if cmp -s "$2.new" "$2"; then
        rm -f "$2.new"
    else
        [ ! -f "$2" ] || changed+=("$1")
        mv -f "$2.new" "$2"
    fi
}
restart_if_changed() { # DAEMON TEMPLATE
    if [[ " ${changed[*]} " == *" $2 "* ]] && daemon_running "$1"; then
        log "configuration of $1 changed: restarting it"
        stop_daemon "$1"
    fi
}
install_config containerd.toml "$CTRD_DIR/config.toml"
# containerd reads certs.d/<host>/hosts.toml at each pull: no restart when these change.
for registry in $CLOSED_REGISTRIES; do
    mkdir -p "$CTRD_DIR/certs.d/$registry"
    install_config registry-hosts.toml "$CTRD_DIR/certs.d/$registry/hosts.toml"
done
for REGISTRY in $REGISTRIES; do
    [[ "$REGISTRY" =~ ^(127\.[0-9]+\.[0-9]+\.[0-9]+|localhost):[0-9]+$ ]] ||
        die "JHP_CLUSTER_REGISTRIES: $REGISTRY is not a loopback host:port (e.g. 127.0.0.1:15100)"
    mkdir -p "$CTRD_DIR/certs.d/$REGISTRY"
    install_config registry-http-hosts.toml "$CTRD_DIR/certs.d/$REGISTRY/hosts.toml"
    log "containerd pulls from $REGISTRY over plain HTTP"
done
# A registry of an earlier up that is no longer listed: back to the default (https, fails).
for dir in "$CTRD_DIR"/certs.d/*/; do
    registry="$(basename "$dir")"
    [[ " $CLOSED_REGISTRIES $REGISTRIES " == *" $registry "* ]] || rm -rf "$dir"
done
install_config cni.conflist "$CNI_CONF_DIR/10-$CNI_NETWORK.conflist"
install_config kubelet.yaml "$KUBELET_DIR/config.yaml"
: >"$KUBELET_DIR/resolv.conf"
install_config kube-proxy.yaml "$RUN/kube-proxy.yaml"
install_config kubeadm.yaml "$RUN/kubeadm.yaml"
if [ ! -f "$ADMIN_KUBECONFIG" ]; then
    # kubeadm only writes files here: the CA, serving and client certificates, the ServiceAccount
    # key pair, and a kubeconfig per component. super-admin.conf is in system:masters.
    "$BIN/kubeadm" init phase certs all --config "$RUN/kubeadm.yaml" >"$LOGS/kubeadm.log" 2>&1
    "$BIN/kubeadm" init phase kubeconfig all --config "$RUN/kubeadm.yaml" --kubeconfig-dir "$KCFG" >>"$LOGS/kubeadm.log" 2>&1
    "$BIN/kubeadm" kubeconfig user --config "$RUN/kubeadm.yaml" --client-name system:kube-proxy >"$KCFG/kube-proxy.conf" 2>>"$LOGS/kubeadm.log"
    cp "$KCFG/super-admin.conf" "$ADMIN_KUBECONFIG.tmp" && mv "$ADMIN_KUBECONFIG.tmp" "$ADMIN_KUBECONFIG"
    log "PKI and kubeconfigs written ($PKI, $KCFG)"
fi

# ── control plane ──────────────────────────────────────────────────────────────────────────────
start_daemon etcd "$BIN/etcd" --name "$NODE_NAME" --data-dir "$RUN/etcd" \
    --listen-client-urls "http://$NODE_IP:$ETCD_PORT" --advertise-client-urls "http://$NODE_IP:$ETCD_PORT" \
    --listen-peer-urls "http://$NODE_IP:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://$NODE_IP:$ETCD_PEER_PORT" \
    --initial-cluster "$NODE_NAME=http://$NODE_IP:$ETCD_PEER_PORT" --log-level warn
wait_for 60 "etcd health" curl -sf "http://$NODE_IP:$ETCD_PORT/health" || die "etcd did not come up: $LOGS/etcd.log"

start_daemon kube-apiserver "$BIN/kube-apiserver" \
    --advertise-address="$NODE_IP" --bind-address="$NODE_IP" --secure-port="$API_PORT" \
    --etcd-servers="http://$NODE_IP:$ETCD_PORT" --service-cluster-ip-range="$SERVICE_CIDR" \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-extra-headers-prefix=X-Remote-Extra- --requestheader-group-headers=X-Remote-Group \
    --requestheader-username-headers=X-Remote-User \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --cert-dir="$RUN/apiserver-certs"
wait_for 120 "kube-apiserver /readyz" kctl get --raw /readyz || die "kube-apiserver did not become ready: $LOGS/kube-apiserver.log"
log "API server ready at $API_URL ($(since "$T0") since start)"
render rbac.yaml | kctl apply -f - >"$LOGS/rbac.log"

start_daemon kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$KCFG/controller-manager.conf" --authentication-kubeconfig="$KCFG/controller-manager.conf" \
    --authorization-kubeconfig="$KCFG/controller-manager.conf" --bind-address="$NODE_IP" --secure-port="$KCM_PORT" \
    --cluster-name=jhp-local --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" --use-service-account-credentials=true \
    --allocate-node-cidrs=false --leader-elect=false --cert-dir="$RUN/kcm-certs"
start_daemon kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig="$KCFG/scheduler.conf" --authentication-kubeconfig="$KCFG/scheduler.conf" \
    --authorization-kubeconfig="$KCFG/scheduler.conf" --bind-address="$NODE_IP" --secure-port="$SCHEDULER_PORT" \
    --leader-elect=false --cert-dir="$RUN/scheduler-certs"

# ── the node ───────────────────────────────────────────────────────────────────────────────────
restart_if_changed containerd containerd.toml
start_daemon containerd /usr/bin/containerd --config "$CTRD_DIR/config.toml"
wait_for 60 "containerd" ctr_ version || die "containerd did not come up: $LOGS/containerd.log"
bash "$LC_DIR/load-images.sh" "$PAUSE_IMAGE" "$COREDNS_IMAGE" "$SCHEDULER_IMAGE" "$LPP_IMAGE" "$BUSYBOX_IMAGE"

restart_if_changed kubelet kubelet.yaml
start_daemon kubelet "$BIN/kubelet" --config="$KUBELET_DIR/config.yaml" --kubeconfig="$KCFG/kubelet.conf" \
    --root-dir="$KUBELET_DIR" --cert-dir="$KUBELET_DIR/pki" --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --v=1
node_ready() { [ "$(kctl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]; }
wait_for 180 "node $NODE_NAME Ready" node_ready || die "the node did not become Ready: $LOGS/kubelet.log"
T_NODE="$(since "$T0")"
log "node $NODE_NAME Ready ($T_NODE since start)"

restart_if_changed kube-proxy kube-proxy.yaml
start_daemon kube-proxy "$BIN/kube-proxy" --config="$RUN/kube-proxy.yaml"
wait_for 60 "kube-proxy healthz" curl -sf "http://$NODE_IP:$PROXY_HEALTHZ_PORT/healthz" || die "kube-proxy did not come up: $LOGS/kube-proxy.log"

# ── add-ons ────────────────────────────────────────────────────────────────────────────────────
render coredns.yaml | kctl apply -f - >"$LOGS/addons.log"
render local-path-provisioner.yaml | kctl apply -f - >>"$LOGS/addons.log"
kctl -n kube-system rollout status deployment/coredns --timeout=180s >/dev/null ||
    die "CoreDNS did not become Ready: kubectl -n kube-system describe pod -l k8s-app=kube-dns"
T_DNS="$(since "$T0")"
log "CoreDNS Ready ($T_DNS since start)"
kctl -n local-path-storage rollout status deployment/local-path-provisioner --timeout=120s >/dev/null ||
    die "local-path-provisioner did not become Ready"

cat >&2 <<EOF

Local cluster up: node $NODE_NAME Ready after $T_NODE, CoreDNS Ready after $T_DNS.
  . tools/local-cluster/env.sh        # KUBECONFIG, JHP_CLUSTER_NODE_IP, CONTAINERD_ADDRESS, PATH (kubectl, crictl)
  kubectl get nodes,pods -A
  tools/local-cluster/load-images.sh IMAGE...   # Docker images into the node (imagePullPolicy IfNotPresent/Never)
  NodePort and externalIPs Services answer from this host at $NODE_IP, e.g. curl http://$NODE_IP:<nodePort>/
  Default StorageClass: $STORAGE_CLASS (volumes under $STORAGE_DIR). NetworkPolicies are not enforced.
  Images: $PAUSE_IMAGE (sandbox), $SCHEDULER_IMAGE, $COREDNS_IMAGE, $LPP_IMAGE, $BUSYBOX_IMAGE
  Registries pulled from over plain HTTP (JHP_CLUSTER_REGISTRIES): ${REGISTRIES:-none}
  npm run cluster:down                # stop it all and restore the machine
EOF
