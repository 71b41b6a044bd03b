#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Real checks of the Kubernetes artifacts: kubeadm (built from k8s.io/kubernetes) validates the
# rendered kubeadm configurations, and a real etcd + kube-apiserver on loopback (high ports)
# accepts the rendered objects. The program's own readiness wait (waitForApiServer) runs against
# it, first refused while the kubeadm:cluster-admins binding is missing (as right after
# `kubeadm init` starts), then ready. A pod using claim-<user> passes the namespace's baseline Pod
# Security level, one with a hostPath volume is refused — why homes are hostPath-backed PVs.
# shellcheck disable=SC2154  # RENDER, WORK, LOGDIR, TESTS, ROOT and KUBE_BIN come from run.sh

kube_cleanup() {
    for p in ${KUBE_PIDS:-}; do kill "$p" 2>/dev/null || true; done
    for p in ${KUBE_PIDS:-}; do wait "$p" 2>/dev/null || true; done
}

kube_client() {
    (cd "$ROOT" && node -r ts-node/register/transpile-only test/real/kube-client.ts "$@")
}

run_kube() {
    local d="$WORK/kube" k="$RENDER/kubeadm"
    mkdir -p "$d"
    for f in init join-worker join-control-plane; do
        check "kubeadm config validate accepts $f.yaml" "$KUBE_BIN/kubeadm" config validate --config "$k/$f.yaml"
    done

    # PKI of the test API server.
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kubernetes" -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
    sign() { # name subject san
        openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$d/$1.key" -out "$d/$1.csr" 2>/dev/null
        printf '%s\n' "$3" >"$d/$1.ext"
        openssl x509 -req -in "$d/$1.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 -extfile "$d/$1.ext" -out "$d/$1.crt" 2>/dev/null
    }
    sign apiserver "/CN=kube-apiserver" "subjectAltName=IP:127.0.0.1,DNS:localhost"
    sign admin "/O=kubeadm:cluster-admins/CN=kubernetes-admin" "extendedKeyUsage=clientAuth"
    sign masters "/O=system:masters/CN=kubeadm-init" "extendedKeyUsage=clientAuth"
    openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
    openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null

    # Free loopback ports picked now (others may run their own API servers on the usual ones);
    # TLS against this run's CA guarantees the client talks to this server only.
    local client_port peer_port api_port
    read -r client_port peer_port api_port < <(python3 -c 'import socket
ss = [socket.socket() for _ in range(3)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
    CLEANUPS+=(kube_cleanup)
    "$KUBE_BIN/etcd" --name jhp --data-dir "$d/etcd" --listen-client-urls "http://127.0.0.1:$client_port" --advertise-client-urls "http://127.0.0.1:$client_port" \
        --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" --initial-cluster "jhp=http://127.0.0.1:$peer_port" \
        --log-level warn >"$LOGDIR/etcd.log" 2>&1 &
    KUBE_PIDS="$!"
    "$KUBE_BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$client_port" --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
        --client-ca-file="$d/ca.crt" --tls-cert-file="$d/apiserver.crt" --tls-private-key-file="$d/apiserver.key" \
        --service-account-issuer=https://kubernetes.default.svc.cluster.local --service-account-key-file="$d/sa.pub" \
        --service-account-signing-key-file="$d/sa.key" --service-cluster-ip-range=10.96.0.0/12 --authorization-mode=Node,RBAC \
        --cert-dir="$d/certs" --allow-privileged=true >"$LOGDIR/kube-apiserver.log" 2>&1 &
    KUBE_PIDS="$KUBE_PIDS $!"
    local url="https://127.0.0.1:$api_port"
    local admin=("$url" "$d/ca.crt" "$d/admin.crt" "$d/admin.key")
    local masters=("$url" "$d/ca.crt" "$d/masters.crt" "$d/masters.key")

    expect_fail "kube: the readiness wait keeps waiting while the admin is not yet authorized" "admin request answered 403" \
        kube_client wait "${admin[@]}" 25
    cat >"$d/crb.json" <<'JSON'
{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "kubeadm:cluster-admins"},
 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
 "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "kubeadm:cluster-admins"}]}
JSON
    check "kube: kubeadm's kubeadm:cluster-admins binding created (as kubeadm init does)" \
        kube_client post "${masters[@]}" /apis/rbac.authorization.k8s.io/v1/clusterrolebindings "$d/crb.json"
    check "kube: the program's readiness wait (/readyz with the CA, then an authorized admin request) succeeds" \
        kube_client wait "${admin[@]}" 60
    local objects=("$RENDER"/k8s/*.json)
    check "kube: the API server accepts the rendered namespace, storage class, PVs, RBAC, config map and secret (${#objects[@]} objects)" \
        kube_client create "${admin[@]}" "${objects[@]}"

    cat >"$d/pvc.json" <<'JSON'
{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "claim-alice", "namespace": "jupyterhub"},
 "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "gluster-homes", "resources": {"requests": {"storage": "500Mi"}}}}
JSON
    cat >"$d/pod-pvc.json" <<'JSON'
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "jupyter-alice", "namespace": "jupyterhub"},
 "spec": {"serviceAccountName": "hub", "automountServiceAccountToken": false,
  "containers": [{"name": "notebook", "image": "registry.example.org/jupyter/singleuser:1", "volumeMounts": [{"name": "home", "mountPath": "/home/jovyan"}]}],
  "volumes": [{"name": "home", "persistentVolumeClaim": {"claimName": "claim-alice"}}]}}
JSON
    sed -e 's/"jupyter-alice"/"jupyter-hostpath"/' -e 's|"persistentVolumeClaim": {"claimName": "claim-alice"}|"hostPath": {"path": "/mnt/homes/alice"}|' "$d/pod-pvc.json" >"$d/pod-hostpath.json"
    check "kube: KubeSpawner-style claim-alice and a pod using it pass the namespace's baseline Pod Security" \
        kube_client create "${admin[@]}" "$d/pvc.json" "$d/pod-pvc.json"
    expect_fail "kube: a pod mounting the home by hostPath is refused by baseline Pod Security" "violates PodSecurity" \
        kube_client create "${admin[@]}" "$d/pod-hostpath.json"
    skip "kube: Calico's Installation ($RENDER/crd/calico-installation.json)" "the operator.tigera.io CRD is not obtainable here (github.com/tigera/operator is refused by the module proxy); only unit-tested"
}
