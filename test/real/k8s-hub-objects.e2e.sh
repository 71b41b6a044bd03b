#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Real checks of JupyterHub on Kubernetes (components/kubernetes/jupyterhub), beyond schema:
#   1. every object of three sample configs (k8s-hub-objects.ts) validated offline against the
#      Kubernetes OpenAPI document and accepted by a real kube-apiserver (server-side dry run in a
#      namespace enforcing the `restricted` Pod Security level, warnings count as failures);
#   2. the prod objects created for real; what the hub's, the ACME renewer's and the user
#      scheduler's ServiceAccounts may and may not do, asked of the API server's RBAC;
#   3. a real kube-scheduler (the cluster's release, built from k8s.io/kubernetes) run with the
#      rendered KubeSchedulerConfiguration and only the user-scheduler ServiceAccount's token:
#      it takes its own Lease, packs user pods onto the fuller of two nodes (MostAllocated) and
#      evicts a placeholder for a user pod, while a placeholder never evicts anything;
#   (the ACME renewer runs for real on the local cluster: test/real/k8s-acme.e2e.sh).
#   4. Dask Gateway (components/kubernetes/daskGateway, prod with dask.enabled): its CRDs created for
#      real and Established, every other object accepted (server-side dry run, restricted Pod
#      Security, no warnings) and then created, what its three ServiceAccounts may and may not do;
#      with Docker and the built dask-gateway image, dask-gateway-server loads the rendered configs
#      (validating every value) and its controller's own code makes one cluster's objects
#      (scheduler and worker pods, credentials, traefik routes), which the API server accepts.
#
#   k8s-hub-objects.e2e.sh KUBE_BIN
#     KUBE_BIN: etcd and kube-apiserver (tools/offline/go-tools/build.sh kube); kube-scheduler is
#       built next to them when missing (build.sh scheduler).
#     JHP_DASK_GATEWAY_IMAGE: the built images/dask-gateway for the end of step 4 (skipped when unset or absent).
# Prints PASS/FAIL/SKIP lines and a final "COUNTS passed failed skipped"; exits 1 on a failure.
set -uo pipefail

KUBE_BIN="${1:?usage: $0 KUBE_BIN}"
TESTS="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$TESTS/../.." && pwd)"
# shellcheck source=lib.sh
. "$TESTS/lib.sh"
RUN_START="$(now)"
WORK="$(mktemp -d /tmp/jhp-k8s-hub.XXXXXX)"
LOGDIR="$WORK/logs"
OUT="$WORK/objects"
mkdir -p "$LOGDIR"
PIDS=""
NS=jupyterhub

cleanup() {
    # Newest first (the API server before its etcd); SIGKILL whatever outlives a grace period.
    local p reversed=""
    for p in $PIDS; do reversed="$p $reversed"; done
    for p in $reversed; do
        kill "$p" 2>/dev/null || continue
        for _ in $(seq 1 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    [ -n "${JHP_REAL_KEEP:-}" ] || rm -rf "$WORK/etcd"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
echo "k8s hub checks: work directory $WORK"

free_ports() {
    python3 -c 'import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])' "$1"
}

# ── an API server of our own ───────────────────────────────────────────────────────────────────
start_apiserver() {
    local d="$WORK/pki" client_port peer_port
    mkdir -p "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=jhp-k8s-hub-ca" -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$d/apiserver.key" -out "$d/apiserver.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$d/apiserver.ext"
    openssl x509 -req -in "$d/apiserver.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 -extfile "$d/apiserver.ext" -out "$d/apiserver.crt" 2>/dev/null
    openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
    openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
    ADMIN_TOKEN="$(openssl rand -hex 24)"
    printf '%s,jhp-admin,jhp-admin,system:masters\n' "$ADMIN_TOKEN" >"$d/tokens.csv"
    read -r client_port peer_port API_PORT < <(free_ports 3)
    "$KUBE_BIN/etcd" --name jhp --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$client_port" --advertise-client-urls "http://127.0.0.1:$client_port" \
        --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" --initial-cluster "jhp=http://127.0.0.1:$peer_port" \
        --log-level warn >"$LOGDIR/etcd.log" 2>&1 &
    PIDS="$PIDS $!"
    "$KUBE_BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$client_port" --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
        --tls-cert-file="$d/apiserver.crt" --tls-private-key-file="$d/apiserver.key" --token-auth-file="$d/tokens.csv" \
        --service-account-issuer=https://kubernetes.default.svc.cluster.local --service-account-key-file="$d/sa.pub" \
        --service-account-signing-key-file="$d/sa.key" --service-cluster-ip-range=10.96.0.0/12 --authorization-mode=RBAC \
        --cert-dir="$WORK/certs" >"$LOGDIR/kube-apiserver.log" 2>&1 &
    PIDS="$PIDS $!"
    export KUBECONFIG="$WORK/admin.kubeconfig"
    kubeconfig "$ADMIN_TOKEN" >"$KUBECONFIG"
    for _ in $(seq 1 90); do
        kubectl get --raw /readyz >/dev/null 2>&1 && return 0
        sleep 1
    done
    return 1
}

kubeconfig() { # TOKEN
    cat <<EOF
apiVersion: v1
kind: Config
clusters: [{name: jhp, cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$WORK/pki/ca.crt"}}]
users: [{name: u, user: {token: "$1"}}]
contexts: [{name: jhp, context: {cluster: jhp, user: u}}]
current-context: jhp
EOF
}

# can SA EXPECT VERB RESOURCE[/NAME] [NAMESPACE] [SUBRESOURCE]: one RBAC question to the API server.
can() {
    local sa="$1" expect="$2" verb="$3" resource="$4" ns="${5:-$NS}" sub="${6:-}" got may=may
    [ "$expect" = yes ] || may="may not"
    got="$(kubectl auth can-i "$verb" "$resource" ${sub:+--subresource="$sub"} --as="system:serviceaccount:$NS:$sa" -n "$ns" 2>/dev/null)"
    if [ "$got" = "$expect" ]; then
        pass "rbac: $sa $may $verb $resource${sub:+/$sub} in $ns"
    else
        fail "rbac: $sa $verb $resource${sub:+/$sub} in $ns" "expected $expect, got $got"
    fi
}

# ── 1. render, validate offline, dry-run on the server ─────────────────────────────────────────
if ! start_apiserver; then
    fail "start etcd and kube-apiserver" "$(tail -n 3 "$LOGDIR/kube-apiserver.log" | tr '\n' ' ')"
    summary
    echo "COUNTS $PASSED $FAILED $SKIPPED"
    exit 1
fi
pass "start etcd and kube-apiserver ($("$KUBE_BIN/kube-apiserver" --version))"
check "objects of the prod, options and minimal configs: OpenAPI-valid and accepted by kube-apiserver (restricted Pod Security, no warnings)" \
    bash -c "cd '$ROOT' && timeout 300 node -r ts-node/register/transpile-only test/real/k8s-hub-objects.ts '$OUT' --dry-run-server"

# ── 2. the prod objects for real; RBAC ─────────────────────────────────────────────────────────
check "create the prod objects for real" kubectl apply -f "$OUT/prod/"
can hub yes create pods
can hub yes delete persistentvolumeclaims
can hub yes watch events
can hub no create pods default
can hub no patch deployments
can acme-renewer yes patch secrets/proxy-tls
can acme-renewer yes get secrets/acme-renewer-state
can acme-renewer no get secrets/hub-secret
can acme-renewer yes patch deployments/proxy
can acme-renewer no patch deployments/hub
can user-scheduler yes update leases.coordination.k8s.io/user-scheduler-lock
can user-scheduler yes create pods sched-test binding
can user-scheduler no create pods

# ── 3. the user scheduler ──────────────────────────────────────────────────────────────────────
SCHED="$KUBE_BIN/kube-scheduler"
if [ ! -x "$SCHED" ]; then
    # The kube module pins kube-scheduler too (the `scheduler` set; cached next to the API server).
    check "build kube-scheduler from k8s.io/kubernetes (the API server's release)" bash -c \
        "timeout 1800 bash '$ROOT/tools/offline/go-tools/build.sh' scheduler >'$WORK/scheduler-bin'"
    SCHED="$(tail -n 1 "$WORK/scheduler-bin" 2>/dev/null)/kube-scheduler"
fi
run_scheduler_checks() {
    local token sched_port
    token="$(kubectl -n "$NS" create token user-scheduler --duration=1h)"
    kubeconfig "$token" >"$WORK/scheduler.kubeconfig"
    read -r sched_port < <(free_ports 1)
    # The rendered configuration, plus where to find the API server (in a pod: in-cluster config).
    kubectl -n "$NS" get configmap user-scheduler -o jsonpath='{.data.config\.yaml}' |
        python3 -c 'import json, sys; c = json.load(sys.stdin); c["clientConnection"] = {"kubeconfig": sys.argv[1]}; print(json.dumps(c))' "$WORK/scheduler.kubeconfig" >"$WORK/scheduler.json"
    "$SCHED" --config="$WORK/scheduler.json" --authentication-skip-lookup=true --authentication-kubeconfig="$WORK/scheduler.kubeconfig" \
        --authorization-kubeconfig="$WORK/scheduler.kubeconfig" --secure-port="$sched_port" --v=2 >"$LOGDIR/kube-scheduler.log" 2>&1 &
    PIDS="$PIDS $!"
    check "user scheduler: takes its Lease with the ServiceAccount's rights only" bash -c \
        "for i in \$(seq 1 60); do [ -n \"\$(kubectl -n $NS get lease user-scheduler-lock -o jsonpath='{.spec.holderIdentity}' 2>/dev/null)\" ] && exit 0; sleep 1; done; exit 1"
    check "user scheduler: /healthz answers over HTTPS" bash -c "curl -skf https://127.0.0.1:$sched_port/healthz"

    kubectl create namespace sched-test >/dev/null && kubectl -n sched-test create serviceaccount default >/dev/null
    local n
    for n in node-a node-b; do
        kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata: {name: $n, labels: {kubernetes.io/hostname: $n}}
EOF
        kubectl patch node "$n" --subresource=status --type=merge -p '{"status":{"capacity":{"cpu":"4","memory":"8Gi","pods":"110"},"allocatable":{"cpu":"4","memory":"8Gi","pods":"110"},"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"no kubelet: a stand-in","lastHeartbeatTime":"2025-01-01T00:00:00Z","lastTransitionTime":"2025-01-01T00:00:00Z"}]}}' >/dev/null
        # No node lifecycle controller runs to lift the not-ready taint the API server adds.
        kubectl patch node "$n" --type=json -p '[{"op":"remove","path":"/spec/taints"}]' >/dev/null 2>&1 || true
    done
    pod() { # NAME NODE SCHEDULER CPU PRIORITYCLASS
        kubectl -n sched-test apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  ${2:+nodeName: $2}
  schedulerName: $3
  ${5:+priorityClassName: $5}
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 0
  containers: [{name: c, image: "example.org/idle@sha256:$(printf '%064d' 0)", resources: {requests: {cpu: "$4", memory: 128Mi}, limits: {cpu: "$4", memory: 128Mi}}}]
EOF
    }
    node_of() { kubectl -n sched-test get pod "$1" -o jsonpath='{.spec.nodeName}'; }
    wait_bound() { for _ in $(seq 1 30); do [ -n "$(node_of "$1")" ] && return 0; sleep 1; done; return 1; }
    local scheduler=jupyterhub-user-scheduler
    pod busy node-a default-scheduler 2
    pod user-1 "" "$scheduler" 500m && wait_bound user-1
    pod user-2 "" "$scheduler" 500m && wait_bound user-2
    if [ "$(node_of user-1)/$(node_of user-2)" = "node-a/node-a" ]; then
        pass "user scheduler: packs user pods onto the fuller node (MostAllocated)"
    else
        fail "user scheduler: packs user pods onto the fuller node (MostAllocated)" "user-1 on $(node_of user-1), user-2 on $(node_of user-2) [log $LOGDIR/kube-scheduler.log]"
    fi
    # Fill what is left (node-a 1 CPU, node-b 4 CPU) with placeholders, one more than fits.
    local i
    for i in $(seq 1 11); do pod "placeholder-$i" "" "$scheduler" 500m jupyterhub-user-placeholder-priority; done
    sleep 5
    pod user-3 "" "$scheduler" 500m jupyterhub-default-priority
    if wait_bound user-3 && grep -q 'preempted victim Pod.*preemptor="sched-test/user-3"\|Preemptor Pod preempted victim Pod" preemptor="sched-test/user-3"' "$LOGDIR/kube-scheduler.log"; then
        pass "user scheduler: a user pod evicts a placeholder when no node has room"
    else
        fail "user scheduler: a user pod evicts a placeholder when no node has room" "user-3 on '$(node_of user-3)' [log $LOGDIR/kube-scheduler.log]"
    fi
    if grep -q 'pod="sched-test/placeholder-[0-9]*".*preemptionPolicy=Never' "$LOGDIR/kube-scheduler.log"; then
        pass "user scheduler: the placeholder left over waits instead of evicting (preemptionPolicy Never)"
    else
        fail "user scheduler: the placeholder left over waits instead of evicting" "[log $LOGDIR/kube-scheduler.log]"
    fi
}
if [ -x "$SCHED" ]; then
    run_scheduler_checks
else
    fail "user scheduler checks" "no kube-scheduler binary"
fi

# ── 4. Dask Gateway ────────────────────────────────────────────────────────────────────────────
run_dask_gateway_checks() {
    local d="$OUT/dask-gateway"
    check "dask gateway: render the objects of prod with dask.enabled" bash -c \
        "cd '$ROOT' && timeout 300 node -r ts-node/register/transpile-only test/real/k8s-dask-gateway-objects.ts '$d'"
    check "dask gateway: the DaskCluster and traefik CRDs are created and Established" bash -c \
        "kubectl apply -f '$d/crds/' && kubectl wait --for=condition=Established --timeout=60s -f '$d/crds/'"
    check "dask gateway: every other object is accepted (server-side dry run, restricted namespace, no warnings)" \
        kubectl apply --dry-run=server --warnings-as-errors -f "$d/objects/"
    check "dask gateway: the objects created for real" kubectl apply -f "$d/objects/"
    can api-dask-gateway yes create daskclusters.gateway.dask.org
    can api-dask-gateway yes get secrets
    can api-dask-gateway no create pods
    can controller-dask-gateway yes create pods
    can controller-dask-gateway yes create ingressroutetcps.traefik.io
    can controller-dask-gateway yes patch daskclusters.gateway.dask.org "$NS" status
    can controller-dask-gateway no get secrets
    can traefik-dask-gateway yes watch middlewares.traefik.io
    can traefik-dask-gateway no create pods
    if [ -z "${JHP_DASK_GATEWAY_IMAGE:-}" ] || ! docker image inspect "$JHP_DASK_GATEWAY_IMAGE" >/dev/null 2>&1; then
        skip "dask gateway: the controller's own objects for one cluster" "set JHP_DASK_GATEWAY_IMAGE to a built images/dask-gateway"
        return
    fi
    check "dask gateway: dask-gateway-server loads the rendered configs and its controller makes one cluster's objects" bash -c \
        "docker run --rm -v '$d/config:/cfg:ro' -v '$TESTS/dask_gateway_cluster_objects.py:/opt/check.py:ro' '$JHP_DASK_GATEWAY_IMAGE' python3 /opt/check.py >'$d/cluster-objects.json'"
    # Cluster pods run as the namespace's default ServiceAccount, which no controller-manager made here.
    kubectl -n "$NS" get serviceaccount default >/dev/null 2>&1 || kubectl -n "$NS" create serviceaccount default >/dev/null
    # `create`, not `apply`: worker pods have a generateName, as the controller creates them.
    check "dask gateway: a cluster's scheduler and worker pods, credentials and traefik routes are accepted (restricted, no warnings)" \
        kubectl create --dry-run=server --warnings-as-errors -f "$d/cluster-objects.json"
}
run_dask_gateway_checks

summary
echo "COUNTS $PASSED $FAILED $SKIPPED"
[ "$FAILED" -eq 0 ]
