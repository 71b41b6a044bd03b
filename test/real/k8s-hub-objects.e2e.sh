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
#   4. with Docker and the built proxy and hub images: the ACME renewer (acme_renew.py in the hub
#      image, the CronJob's environment) against Pebble, through the rendered configurable-http-
#      proxy (port 80 redirect, bootstrap certificate on 443, temporary challenge route), writing
#      the Secret and restarting the proxy Deployment with the acme-renewer ServiceAccount's token;
#   5. Dask Gateway (components/kubernetes/daskGateway, prod with dask.enabled): its CRDs created for
#      real and Established, every other object accepted (server-side dry run, restricted Pod
#      Security, no warnings) and then created, what its three ServiceAccounts may and may not do;
#      with Docker and the built dask-gateway image, dask-gateway-server loads the rendered configs
#      (validating every value) and its controller's own code makes one cluster's objects
#      (scheduler and worker pods, credentials, traefik routes), which the API server accepts.
#
#   k8s-hub-objects.e2e.sh KUBE_BIN [PEBBLE_BIN]
#     KUBE_BIN: etcd and kube-apiserver (tools/offline/go-tools/build.sh kube); kube-scheduler is
#       built next to them when missing (build.sh scheduler). PEBBLE_BIN: pebble, pebble-challtestsrv (optional).
#     JHP_HUB_IMAGE / JHP_PROXY_IMAGE: local images for step 4 (skipped when unset or absent).
#     JHP_DASK_GATEWAY_IMAGE: the built images/dask-gateway for the end of step 5 (skipped likewise).
# Prints PASS/FAIL/SKIP lines and a final "COUNTS passed failed skipped"; exits 1 on a failure.
set -uo pipefail

KUBE_BIN="${1:?usage: $0 KUBE_BIN [PEBBLE_BIN]}"
PEBBLE_BIN="${2:-}"
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
CONTAINERS=""
NS=jupyterhub

cleanup() {
    [ -n "${JHP_REAL_KEEP:-}" ] || for c in $CONTAINERS; do docker rm -f "$c" >/dev/null 2>&1 || true; done
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

# ── 4. the ACME renewer against Pebble ─────────────────────────────────────────────────────────
run_acme_checks() {
    local w="$WORK/acme" token=proxy-token-of-the-acme-check chp=jhp-k8s-hub-chp pod_ip pid gw minica
    mkdir -p "$w/tls"
    # The proxy as rendered: its arguments, and the Secret's pair at the mount path.
    python3 - "$OUT/prod" "$w" <<'PY'
import glob, json, sys, yaml
out, w = sys.argv[1], sys.argv[2]
load = lambda pattern: yaml.safe_load(open(glob.glob(f"{out}/{pattern}")[0]))
proxy = load("*-deployment-proxy.yaml")["spec"]["template"]["spec"]["containers"][0]
json.dump(proxy["args"], open(f"{w}/chp-args.json", "w"))
tls = load("*-secret-proxy-tls.yaml")["stringData"]
open(f"{w}/tls/tls.crt", "w").write(tls["tls.crt"])
open(f"{w}/tls/tls.key", "w").write(tls["tls.key"])
job = load("*-cronjob-acme-renewer.yaml")["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
json.dump({e["name"]: e["value"] for e in job["env"] if "value" in e}, open(f"{w}/env.json", "w"))
PY
    chmod 0644 "$w"/tls/*
    local args=()
    mapfile -t args < <(python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))))' "$w/chp-args.json")
    CONTAINERS="$CONTAINERS $chp"
    docker run -d --name "$chp" -e CONFIGPROXY_AUTH_TOKEN="$token" -v "$w/tls:/etc/proxy-tls:ro" "$JHP_PROXY_IMAGE" "${args[@]}" >/dev/null
    pod_ip="$(docker inspect "$chp" --format '{{.NetworkSettings.IPAddress}}')"
    pid="$(docker inspect "$chp" --format '{{.State.Pid}}')"
    # kube-proxy's part: proxy-public's ports 80/443 to the pod's 8000/8443.
    for chain in OUTPUT PREROUTING; do
        nsenter -t "$pid" -n iptables -t nat -A "$chain" -p tcp --dport 80 -j REDIRECT --to-ports 8000
        nsenter -t "$pid" -n iptables -t nat -A "$chain" -p tcp --dport 443 -j REDIRECT --to-ports 8443
    done
    # Pebble's API certificate for the pod address, from Pebble's own test CA (in its module source).
    minica="$(go env GOMODCACHE)/github.com/letsencrypt/pebble/v2@$(grep -o 'github.com/letsencrypt/pebble/v2 v[^ ]*' "$ROOT/tools/offline/go-tools/go/pebble/go.mod" | head -n 1 | cut -d' ' -f2)/test/certs"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=pebble -keyout "$w/pebble.key" -out "$w/pebble.csr" 2>/dev/null
    printf 'subjectAltName=IP:%s\n' "$pod_ip" >"$w/san.ext"
    openssl x509 -req -in "$w/pebble.csr" -CA "$minica/pebble.minica.pem" -CAkey "$minica/pebble.minica.key.pem" -CAcreateserial -days 1 -extfile "$w/san.ext" -out "$w/pebble.crt" 2>/dev/null
    cp "$minica/pebble.minica.pem" "$w/minica.pem"
    cp "$WORK/pki/ca.crt" "$w/kube-ca.crt"
    printf '{"pebble": {"listenAddress": "0.0.0.0:14000", "managementListenAddress": "0.0.0.0:15000", "certificate": "/w/pebble.crt", "privateKey": "/w/pebble.key", "httpPort": 80, "tlsPort": 443, "ocspResponderURL": "", "externalAccountBindingRequired": false}}\n' >"$w/pebble.json"
    find "$w" -maxdepth 1 -type f -exec chmod 0644 {} +
    CONTAINERS="$CONTAINERS jhp-k8s-hub-dns jhp-k8s-hub-pebble"
    docker run -d --name jhp-k8s-hub-dns --network "container:$chp" -v "$PEBBLE_BIN:/pebble:ro" --entrypoint /pebble/pebble-challtestsrv "$JHP_PROXY_IMAGE" \
        -defaultIPv4 "$pod_ip" -defaultIPv6 "" -dnsserver :8053 -http01 "" -https01 "" -tlsalpn01 "" -doh "" -management :8055 >/dev/null
    docker run -d --name jhp-k8s-hub-pebble --network "container:$chp" -e PEBBLE_VA_NOSLEEP=1 -v "$PEBBLE_BIN:/pebble:ro" -v "$w:/w:ro" \
        --entrypoint /pebble/pebble "$JHP_PROXY_IMAGE" -config /w/pebble.json -dnsserver 127.0.0.1:8053 >/dev/null
    sleep 3
    kubectl -n "$NS" create token acme-renewer --duration=1h >"$w/sa-token"
    chmod 0644 "$w/sa-token"
    gw="$(ip -4 -o addr show docker0 | awk '{print $4}' | cut -d/ -f1)"
    # The CronJob's environment; what differs is where things are on this machine: the pod IP is
    # the Docker host's (the renewer uses the host network to reach the API server on loopback).
    python3 - "$w/env.json" >"$w/renewer.env" <<PY
import json, sys
env = json.load(open(sys.argv[1]))
env.update({"POD_IP": "$gw", "CONFIGPROXY_AUTH_TOKEN": "$token", "PROXY_API_URL": "http://$pod_ip:8001",
            "ACME_SERVER": "https://$pod_ip:14000/dir", "ACME_CA_FILE": "/w/minica.pem",
            "KUBE_API": "https://127.0.0.1:$API_PORT", "KUBE_TOKEN_FILE": "/w/sa-token", "KUBE_CA_FILE": "/w/kube-ca.crt"})
print("\n".join(f"{k}={v}" for k, v in env.items()))
PY
    renewer() {
        docker run --rm --network host --env-file "$w/renewer.env" -v "$w:/w:ro" \
            -v "$ROOT/components/kubernetes/jupyterhub/proxy/acme_renew.py:/opt/acme-renewer/acme_renew.py:ro" \
            --entrypoint python3 "$JHP_HUB_IMAGE" /opt/acme-renewer/acme_renew.py
    }
    check "acme: the renewer replaces the bootstrap certificate via HTTP-01 through the proxy (redirect, 443, route)" renewer
    check "acme: the Secret now holds a certificate for the domain from the ACME CA" bash -c \
        "kubectl -n $NS get secret proxy-tls -o jsonpath='{.data.tls\\.crt}' | base64 -d | openssl x509 -noout -issuer -ext subjectAltName | tee /dev/stderr | grep -q 'Pebble' && kubectl -n $NS get secret proxy-tls -o jsonpath='{.data.tls\\.crt}' | base64 -d | openssl x509 -noout -ext subjectAltName | grep -q 'DNS:jupyter.example.org'"
    check "acme: the proxy Deployment was restarted to load it" bash -c \
        "kubectl -n $NS get deploy proxy -o jsonpath='{.spec.template.metadata.annotations}' | grep -q tls-renewed-at"
    docker exec "$chp" python3 -c 'import sys, urllib.request as u; print(u.urlopen(u.Request("http://127.0.0.1:8001/api/routes", headers={"Authorization": "token " + sys.argv[1]})).read().decode())' "$token" >"$LOGDIR/acme-routes.json" 2>&1
    check "acme: the challenge route is gone from the proxy, the hub's default route stays" bash -c \
        "grep -q '\"/\"' '$LOGDIR/acme-routes.json' && ! grep -q acme-challenge '$LOGDIR/acme-routes.json'"
    renewer >"$LOGDIR/acme-second-run.log" 2>&1
    check "acme: a second run finds the certificate good and does nothing" grep -q 'nothing to do' "$LOGDIR/acme-second-run.log"
}
if [ -z "$PEBBLE_BIN" ] || [ ! -x "$PEBBLE_BIN/pebble" ]; then
    skip "acme renewer against Pebble" "no Pebble (tools/offline/go-tools/build.sh pebble)"
elif [ -z "${JHP_HUB_IMAGE:-}" ] || [ -z "${JHP_PROXY_IMAGE:-}" ] || ! docker image inspect "$JHP_HUB_IMAGE" "$JHP_PROXY_IMAGE" >/dev/null 2>&1; then
    skip "acme renewer against Pebble" "set JHP_HUB_IMAGE and JHP_PROXY_IMAGE to built hub and proxy images"
else
    run_acme_checks
fi

# ── 5. Dask Gateway ────────────────────────────────────────────────────────────────────────────
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
