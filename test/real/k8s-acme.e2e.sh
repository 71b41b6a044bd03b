#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# TLS of the hub on Kubernetes, for real, on the project's single-node cluster (tools/local-cluster)
# with objects from the program's renderers (k8s-acme-objects.ts; the hub itself is not started):
#
#   letsencrypt   the acme-renewer CronJob (certbot in images/acme-renewer) against Pebble on the
#                 node address; Pebble validates HTTP-01 through proxy-public's external IP (port
#                 80 -> the proxy's redirect -> 443 -> the challenge route certbot's hook added ->
#                 certbot --standalone in the job's pod), its DNS answers from pebble-challtestsrv.
#                 Pebble issues 150-second certificates, so certbot's own renewal window (half the
#                 lifetime once the CA's ARI says nothing new) comes within the test:
#                   1. first issuance: the bootstrap certificate is replaced, the proxy rolled and
#                      serving the new one (TLS handshake at the node address), the route removed;
#                   2. a run right after does nothing (certbot: not due), the account is reused;
#                   3. a run in the renewal window renews before expiry and the proxy serves it;
#                   4. a run in the window with the domain's DNS record gone fails the challenge:
#                      the job fails, the previous certificate stays in the Secret and is served;
#                   5. the record back, the next run renews again.
#   cert-manager  cert-manager's CRDs (from its Go module, v1.21.2) installed in the API server;
#                 the rendered Certificate accepted (server-side dry run, then created); the proxy
#                 waits for its Secret; the test writes the Secret as cert-manager's controller
#                 would (the controller is not built here: its main package is a nested module the
#                 Go module proxy does not serve), the proxy starts and serves it; the Secret's
#                 certificate replaced (a renewal), the proxy-tls-reloader rolls the proxy, which
#                 then serves the new one, once.
#
# Takes /tmp/jhp-cluster.lock for its whole run (one cluster per machine); JHP_CLUSTER_LOCK_HELD=1
# when the caller already holds it. Brings the cluster up when it is down and down again at the
# end (a cluster that was already up is left up). Needs root and Docker.
# Prints PASS/FAIL/SKIP lines and "N passed, M failed"; exits 1 on a failure.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TESTS="$ROOT/test/real"
# shellcheck source=../../tools/local-cluster/hold-lock.sh
. "$ROOT/tools/local-cluster/hold-lock.sh"
jhp_hold_cluster_lock test:k8s-acme 5400 bash "$0" "$@"
# shellcheck source=lib.sh
. "$TESTS/lib.sh"
RUN_START="$(now)"
WORK="$(mktemp -d /tmp/jhp-k8s-acme.XXXXXX)"
LOGDIR="$WORK/logs"
mkdir -p "$LOGDIR"

DOMAIN=hub.jhp.test
EMAIL=ops@jhp.test
ISSUER=jhp-pebble
LE_NS=jhp-acme-le
CM_NS=jhp-acme-cm
# Pebble's certificate lifetime (seconds): short enough for two renewal windows within the test.
CERT_SECONDS=150
PEBBLE_PORT=14000
PEBBLE_MGMT_PORT=15000
DNS_PORT=8053
DNS_MGMT_PORT=8055
RENEWER_IMAGE=jupyterhub-platform/acme-renewer:e2e
PROXY_IMAGE=jupyterhub-platform/proxy:e2e
PIDS=()
STARTED_CLUSTER=""

# shellcheck source=../../tools/local-cluster/lib.sh
. "$ROOT/tools/local-cluster/lib.sh"
NODE="$NODE_IP"

cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ -n "$STARTED_CLUSTER" ] && [ -z "${JHP_REAL_KEEP:-}" ]; then
        bash "$ROOT/tools/local-cluster/down.sh" >"$LOGDIR/cluster-down.log" 2>&1 || echo "FAIL cluster down: see $LOGDIR/cluster-down.log"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
echo "k8s acme checks: work directory $WORK"

finish() {
    summary
    [ "$FAILED" -eq 0 ]
    exit $?
}

if [ "$(id -u)" -ne 0 ]; then
    fail "prerequisites" "run as root (the cluster needs it)"
    finish
fi
for pair in openssl:openssl curl:curl flock:util-linux python3:python3; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || {
        DEBIAN_FRONTEND=noninteractive timeout 900 apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${pair#*:}" >>"$LOGDIR/apt.log" 2>&1 || true
    }
done
[ -d "$ROOT/node_modules" ] || (cd "$ROOT" && npm ci --no-audit --no-fund >"$LOGDIR/npm-ci.log" 2>&1)

# ── tools, images, cluster ─────────────────────────────────────────────────────────────────────
check "Docker engine running" bash "$ROOT/scripts/docker/ensure-dockerd.sh"
check "base images (upstream, or the project's stand-ins)" timeout 1800 bash "$ROOT/tools/offline/base-images/build.sh"
# shellcheck source=../../scripts/docker/base-images.sh
JHP_REPO_ROOT="$ROOT" . "$ROOT/scripts/docker/base-images.sh"
PEBBLE_BIN=""
if PEBBLE_BIN="$(timeout 900 bash "$ROOT/tools/offline/go-tools/build.sh" pebble 2>"$LOGDIR/build-pebble.log" | tail -n 1)" && [ -x "$PEBBLE_BIN/pebble" ]; then
    pass "Pebble and pebble-challtestsrv from the Go module proxy"
else
    fail "Pebble and pebble-challtestsrv from the Go module proxy" "$(tail -n 3 "$LOGDIR/build-pebble.log" | tr '\n' ' ')"
    finish
fi
check "build the ACME renewer image (certbot from PyPI) from the hub base $JHP_HUB_BASE_IMAGE" \
    env DOCKER_BUILDKIT=0 timeout 1200 docker build -q --build-arg "BASE_IMAGE=$JHP_HUB_BASE_IMAGE" -t "$RENEWER_IMAGE" "$ROOT/images/acme-renewer"
check "build the proxy image from the hub base" \
    env DOCKER_BUILDKIT=0 timeout 600 docker build -q --build-arg "BASE_IMAGE=$JHP_HUB_BASE_IMAGE" -t "$PROXY_IMAGE" "$ROOT/images/proxy"

if KUBECONFIG="$ADMIN_KUBECONFIG" "$BIN/kubectl" get --raw /readyz >/dev/null 2>&1; then
    pass "the local cluster is already up (left up at the end)"
else
    STARTED_CLUSTER=1
    check "bring the local cluster up (npm run cluster:up)" timeout 3600 bash "$ROOT/tools/local-cluster/up.sh"
fi
# shellcheck source=../../tools/local-cluster/env.sh
. "$ROOT/tools/local-cluster/env.sh"
if ! kubectl get --raw /readyz >/dev/null 2>&1; then
    fail "the cluster answers" "see $LOGDIR"
    finish
fi
check "load the renewer and proxy images into the node" bash "$ROOT/tools/local-cluster/load-images.sh" "$RENEWER_IMAGE" "$PROXY_IMAGE"

# ── Pebble on the node address (pods and the host reach it), DNS from challtestsrv ─────────────
P="$WORK/pebble"
mkdir -p "$P"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=jhp k8s-acme test CA" -keyout "$P/ca.key" -out "$P/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=pebble -keyout "$P/pebble.key" -out "$P/pebble.csr" 2>/dev/null
printf 'subjectAltName=IP:%s,IP:127.0.0.1\n' "$NODE" >"$P/san.ext"
openssl x509 -req -in "$P/pebble.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial -days 2 -extfile "$P/san.ext" -out "$P/pebble.pem" 2>/dev/null
cat >"$P/pebble.json" <<JSON
{"pebble": {"listenAddress": "$NODE:$PEBBLE_PORT", "managementListenAddress": "127.0.0.1:$PEBBLE_MGMT_PORT",
  "certificate": "$P/pebble.pem", "privateKey": "$P/pebble.key", "httpPort": 80, "tlsPort": 443,
  "ocspResponderURL": "", "externalAccountBindingRequired": false,
  "profiles": {"default": {"description": "short-lived, for the renewal window", "validityPeriod": $CERT_SECONDS}}}}
JSON
"$PEBBLE_BIN/pebble-challtestsrv" -defaultIPv4 "" -defaultIPv6 "" -dnsserver "127.0.0.1:$DNS_PORT" -http01 "" -https01 "" -tlsalpn01 "" -doh "" \
    -management "127.0.0.1:$DNS_MGMT_PORT" >"$LOGDIR/challtestsrv.log" 2>&1 &
PIDS+=("$!")
# No sleep in validation, no reuse of valid authorizations (every renewal answers a challenge).
PEBBLE_VA_NOSLEEP=1 PEBBLE_AUTHZREUSE=0 PEBBLE_WFE_NONCEREJECT=0 "$PEBBLE_BIN/pebble" -config "$P/pebble.json" -dnsserver "127.0.0.1:$DNS_PORT" >"$LOGDIR/pebble.log" 2>&1 &
PIDS+=("$!")
dns() { # add|clear
    local body
    if [ "$1" = add ]; then body="{\"host\":\"$DOMAIN\",\"addresses\":[\"$NODE\"]}"; else body="{\"host\":\"$DOMAIN\"}"; fi
    curl -sf -X POST -d "$body" "http://127.0.0.1:$DNS_MGMT_PORT/$1-a" >/dev/null
}
check "Pebble answers on the node address, challtestsrv's management API answers" bash -c \
    "for i in \$(seq 100); do curl -sf --cacert '$P/ca.pem' https://$NODE:$PEBBLE_PORT/dir >/dev/null && curl -s -o /dev/null http://127.0.0.1:$DNS_MGMT_PORT/ && exit 0; sleep 0.2; done; exit 1"
dns add

# ── the objects, from the renderers ────────────────────────────────────────────────────────────
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 -subj "/CN=$DOMAIN" -addext "subjectAltName=DNS:$DOMAIN" \
    -keyout "$WORK/bootstrap.key" -out "$WORK/bootstrap.crt" 2>/dev/null
check "render the letsencrypt and cert-manager objects with the program's renderers" env \
    JHP_ACME_DOMAIN="$DOMAIN" JHP_ACME_EMAIL="$EMAIL" JHP_ACME_SERVER="https://$NODE:$PEBBLE_PORT/dir" JHP_ACME_ISSUER="$ISSUER" \
    JHP_ACME_PUBLIC_IP="$NODE" JHP_ACME_BOOTSTRAP_CERT="$WORK/bootstrap.crt" JHP_ACME_BOOTSTRAP_KEY="$WORK/bootstrap.key" \
    JHP_RENEWER_IMAGE="$RENEWER_IMAGE" JHP_PROXY_IMAGE="$PROXY_IMAGE" JHP_HUB_IMAGE="$RENEWER_IMAGE" \
    bash -c "cd '$ROOT' && timeout 120 node -r ts-node/register/transpile-only test/real/k8s-acme-objects.ts '$WORK/objects'"

# ── helpers ────────────────────────────────────────────────────────────────────────────────────
# served: the leaf certificate the proxy presents at the node address (what users get).
served() { openssl s_client -connect "$NODE:443" -servername "$DOMAIN" </dev/null 2>/dev/null | openssl x509 2>/dev/null; }
# in_secret NS: the leaf certificate of NS/proxy-tls.
in_secret() { kubectl -n "$1" get secret proxy-tls -o jsonpath='{.data.tls\.crt}' | base64 -d | openssl x509 2>/dev/null; }
fp() { openssl x509 -noout -fingerprint -sha256 2>/dev/null | cut -d= -f2; }
# wait_served FINGERPRINT SECONDS: until the proxy serves that certificate.
wait_served() {
    local want="$1" end=$((SECONDS + $2))
    until [ "$(served | fp)" = "$want" ]; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 2
    done
}
# run_job NAME: one run of the CronJob; 0 when it completed, 1 when it failed. Logs in $LOGDIR.
run_job() {
    local name="$1" status=""
    kubectl -n "$LE_NS" create job --from=cronjob/acme-renewer "$name" >/dev/null
    for _ in $(seq 1 120); do
        status="$(kubectl -n "$LE_NS" get job "$name" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type} {end}')"
        case "$status" in *Complete*|*Failed*) break ;; esac
        sleep 2
    done
    kubectl -n "$LE_NS" logs "job/$name" --all-containers >"$LOGDIR/job-$name.log" 2>&1 || true
    [[ "$status" == *Complete* ]]
}
proxy_generation() { kubectl -n "$1" get deploy proxy -o jsonpath='{.metadata.generation}'; }
routes() { # NS: the proxy's routing table, through the proxy-api Service
    local ip token
    ip="$(kubectl -n "$1" get svc proxy-api -o jsonpath='{.spec.clusterIP}')"
    token="$(kubectl -n "$1" get secret hub-secret -o jsonpath='{.data.proxy-token}' | base64 -d)"
    curl -sf -H "Authorization: token $token" "http://$ip:8001/api/routes"
}
# accounts: the ACME account ids in certbot's state Secret.
accounts() {
    kubectl -n "$LE_NS" get secret acme-renewer-state -o jsonpath='{.data.certbot\.tar\.gz}' | base64 -d | tar -tzf - 2>/dev/null |
        sed -n 's|^\./accounts/[^/]*/[^/]*/\([0-9a-f]\{32\}\)/$|\1|p' | sort -u
}
not_after_epoch() { date -d "$(openssl x509 -noout -enddate | cut -d= -f2)" +%s; }
not_before_epoch() { date -d "$(openssl x509 -noout -startdate | cut -d= -f2)" +%s; }
# wait_window CERT_PEM_FILE: until certbot's default window opens (half the lifetime).
wait_window() {
    local nb na target
    nb="$(not_before_epoch <"$1")" na="$(not_after_epoch <"$1")"
    target=$((nb + (na - nb) / 2 + 5))
    while [ "$(date +%s)" -lt "$target" ]; do sleep 2; done
}

# ── letsencrypt ────────────────────────────────────────────────────────────────────────────────
LE="$WORK/objects/letsencrypt"
check "letsencrypt: the rendered objects are created (restricted Pod Security namespace)" bash -c \
    "kubectl apply -f '$LE/00-namespace.yaml' && kubectl apply -f '$LE'"
# Test-only changes to the rendered CronJob: trust Pebble's API certificate (Let's Encrypt's is
# publicly trusted), and no scheduled run in the middle of the test (runs are started by hand).
kubectl -n "$LE_NS" create configmap pebble-ca --from-file=ca.pem="$P/ca.pem" >/dev/null
kubectl -n "$LE_NS" patch cronjob acme-renewer --type=json -p '[
  {"op": "add", "path": "/spec/suspend", "value": true},
  {"op": "add", "path": "/spec/jobTemplate/spec/template/spec/volumes/-", "value": {"name": "pebble-ca", "configMap": {"name": "pebble-ca"}}},
  {"op": "add", "path": "/spec/jobTemplate/spec/template/spec/containers/0/volumeMounts/-", "value": {"name": "pebble-ca", "mountPath": "/etc/pebble-ca", "readOnly": true}},
  {"op": "add", "path": "/spec/jobTemplate/spec/template/spec/containers/0/env/-", "value": {"name": "REQUESTS_CA_BUNDLE", "value": "/etc/pebble-ca/ca.pem"}}]' >/dev/null
check "letsencrypt: the proxy starts and serves the bootstrap certificate" bash -c \
    "kubectl -n $LE_NS rollout status deploy/proxy --timeout=180s && for i in \$(seq 30); do [ \"\$(openssl s_client -connect $NODE:443 -servername $DOMAIN </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)\" = \"$(fp <"$WORK/bootstrap.crt")\" ] && exit 0; sleep 2; done; exit 1"

# 1. first issuance
gen0="$(proxy_generation "$LE_NS")"
if run_job issue; then pass "letsencrypt 1: the renewer job completes (certbot obtains a certificate from Pebble)"; else fail "letsencrypt 1: the renewer job completes" "[log $LOGDIR/job-issue.log]"; fi
in_secret "$LE_NS" >"$WORK/cert-a.pem" || true
check "letsencrypt 1: proxy-tls holds a certificate for $DOMAIN issued by Pebble" bash -c \
    "openssl x509 -in '$WORK/cert-a.pem' -noout -issuer | grep -qi pebble && openssl x509 -in '$WORK/cert-a.pem' -noout -ext subjectAltName | grep -q 'DNS:$DOMAIN'"
check "letsencrypt 1: the proxy was rolled for it and serves it at $NODE:443" bash -c \
    "[ \"\$(kubectl -n $LE_NS get deploy proxy -o jsonpath='{.metadata.generation}')\" -gt '$gen0' ] && kubectl -n $LE_NS rollout status deploy/proxy --timeout=180s && for i in \$(seq 60); do [ \"\$(openssl s_client -connect $NODE:443 -servername $DOMAIN </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)\" = \"$(fp <"$WORK/cert-a.pem")\" ] && exit 0; sleep 2; done; exit 1"
check "letsencrypt 1: the challenge was answered through the proxy route, which is gone again" bash -c \
    "grep -q 'proxy route /.well-known/acme-challenge -> ' '$LOGDIR/job-issue.log' && grep -q 'proxy route /.well-known/acme-challenge removed' '$LOGDIR/job-issue.log'"
routes "$LE_NS" >"$LOGDIR/routes-1.json" 2>&1 || true
check "letsencrypt 1: the proxy's routing table has no challenge route left" bash -c "test -s '$LOGDIR/routes-1.json' && ! grep -q acme-challenge '$LOGDIR/routes-1.json'"
accounts >"$WORK/accounts-1" || true
check "letsencrypt 1: certbot's state (one ACME account, the lineage) is saved in acme-renewer-state" bash -c "[ \$(wc -l <'$WORK/accounts-1') -eq 1 ]"
kubectl -n "$LE_NS" get secret acme-renewer-state -o jsonpath='{.data.certbot\.tar\.gz}' | base64 -d >"$WORK/state.tar.gz" 2>/dev/null || true
echo "state size after issuance: $(stat -c %s "$WORK/state.tar.gz" 2>/dev/null) bytes (tar.gz)"

# 2. a run right after: nothing to do. The CA's renewal information (ARI) for this certificate is
# set to a window ending just before expiry, so certbot's decision does not depend on where in
# Pebble's default window (the whole 150 s) its random pick falls; certbot then asks again only
# after the Retry-After (6 h), and until then uses its own default window: half the lifetime.
start="$(date -u -d "@$(($(not_after_epoch <"$WORK/cert-a.pem") - 20))" +%Y-%m-%dT%H:%M:%SZ)"
end="$(date -u -d "@$(($(not_after_epoch <"$WORK/cert-a.pem") - 10))" +%Y-%m-%dT%H:%M:%SZ)"
python3 -c 'import json, sys; print(json.dumps({"Certificate": open(sys.argv[1]).read(), "ARIResponse": json.dumps({"suggestedWindow": {"start": sys.argv[2], "end": sys.argv[3]}})}))' \
    "$WORK/cert-a.pem" "$start" "$end" >"$WORK/ari.json"
curl -sf --cacert "$P/ca.pem" -X POST --data-binary "@$WORK/ari.json" "https://127.0.0.1:$PEBBLE_MGMT_PORT/set-renewal-info/" >"$LOGDIR/set-renewal-info.log" 2>&1 || echo "set-renewal-info failed (log $LOGDIR/set-renewal-info.log)"
gen1="$(proxy_generation "$LE_NS")"
if run_job noop; then pass "letsencrypt 2: a run right after completes"; else fail "letsencrypt 2: a run right after completes" "[log $LOGDIR/job-noop.log]"; fi
check "letsencrypt 2: certbot finds the certificate not yet due; Secret and proxy untouched" bash -c \
    "grep -q 'Certificate not yet due for renewal' '$LOGDIR/job-noop.log' && [ \"\$(kubectl -n $LE_NS get secret proxy-tls -o jsonpath='{.data.tls\\.crt}' | base64 -d | openssl x509 -noout -fingerprint -sha256)\" = \"\$(openssl x509 -in '$WORK/cert-a.pem' -noout -fingerprint -sha256)\" ] && [ \"\$(kubectl -n $LE_NS get deploy proxy -o jsonpath='{.metadata.generation}')\" = '$gen1' ]"

# 3. renewal in certbot's window, before expiry
wait_window "$WORK/cert-a.pem"
if run_job renew; then pass "letsencrypt 3: a run in the renewal window completes"; else fail "letsencrypt 3: a run in the renewal window completes" "[log $LOGDIR/job-renew.log]"; fi
renewed_at="$(date +%s)"
in_secret "$LE_NS" >"$WORK/cert-b.pem" || true
check "letsencrypt 3: certbot renewed before expiry (a new certificate while the old one was still valid)" bash -c \
    "[ \"\$(openssl x509 -in '$WORK/cert-b.pem' -noout -serial)\" != \"\$(openssl x509 -in '$WORK/cert-a.pem' -noout -serial)\" ] && [ $(not_after_epoch <"$WORK/cert-a.pem") -gt $renewed_at ] && grep -qi 'renew' '$LOGDIR/job-renew.log'"
check "letsencrypt 3: the proxy serves the renewed certificate" bash -c \
    "kubectl -n $LE_NS rollout status deploy/proxy --timeout=180s && for i in \$(seq 60); do [ \"\$(openssl s_client -connect $NODE:443 -servername $DOMAIN </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)\" = \"$(fp <"$WORK/cert-b.pem")\" ] && exit 0; sleep 2; done; exit 1"
accounts >"$WORK/accounts-3" || true
check "letsencrypt 3: the same ACME account was used (no new registration)" cmp "$WORK/accounts-1" "$WORK/accounts-3"

# 4. a failed challenge keeps the previous certificate
wait_window "$WORK/cert-b.pem"
dns clear
gen4="$(proxy_generation "$LE_NS")"
if run_job broken; then fail "letsencrypt 4: the run with the domain's DNS record gone fails" "it completed [log $LOGDIR/job-broken.log]"; else pass "letsencrypt 4: the run with the domain's DNS record gone fails"; fi
check "letsencrypt 4: certbot reports the failed challenge" grep -Eqi 'DNS problem|no valid A records|Some challenges have failed|unauthorized|connection' "$LOGDIR/job-broken.log"
check "letsencrypt 4: the previous certificate stays in proxy-tls and is still served, the proxy not rolled" bash -c \
    "[ \"\$(kubectl -n $LE_NS get secret proxy-tls -o jsonpath='{.data.tls\\.crt}' | base64 -d | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)\" = \"$(fp <"$WORK/cert-b.pem")\" ] && [ \"\$(openssl s_client -connect $NODE:443 -servername $DOMAIN </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)\" = \"$(fp <"$WORK/cert-b.pem")\" ] && [ \"\$(kubectl -n $LE_NS get deploy proxy -o jsonpath='{.metadata.generation}')\" = '$gen4' ]"
routes "$LE_NS" >"$LOGDIR/routes-4.json" 2>&1 || true
check "letsencrypt 4: the post-hook removed the challenge route after the failure" bash -c "test -s '$LOGDIR/routes-4.json' && ! grep -q acme-challenge '$LOGDIR/routes-4.json'"

# 5. recovery
dns add
if run_job recover; then pass "letsencrypt 5: with DNS back, the next run completes"; else fail "letsencrypt 5: with DNS back, the next run completes" "[log $LOGDIR/job-recover.log]"; fi
in_secret "$LE_NS" >"$WORK/cert-c.pem" || true
check "letsencrypt 5: it renewed, and the proxy serves the new certificate" bash -c \
    "[ \"\$(openssl x509 -in '$WORK/cert-c.pem' -noout -serial)\" != \"\$(openssl x509 -in '$WORK/cert-b.pem' -noout -serial)\" ] && kubectl -n $LE_NS rollout status deploy/proxy --timeout=180s && for i in \$(seq 60); do [ \"\$(openssl s_client -connect $NODE:443 -servername $DOMAIN </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)\" = \"$(fp <"$WORK/cert-c.pem")\" ] && exit 0; sleep 2; done; exit 1"
kubectl -n "$LE_NS" get secret acme-renewer-state -o jsonpath='{.data.certbot\.tar\.gz}' | base64 -d >"$WORK/state.tar.gz" 2>/dev/null || true
echo "state size after three certificates: $(stat -c %s "$WORK/state.tar.gz" 2>/dev/null) bytes (tar.gz)"
# proxy-public's external IP and ports are shared with the next namespace's Service: free them.
kubectl delete namespace "$LE_NS" --wait=true --timeout=180s >/dev/null 2>&1 || true

# ── cert-manager ───────────────────────────────────────────────────────────────────────────────
CM="$WORK/objects/cert-manager"
CM_SRC="$(cd "$ROOT/tools/offline/go-tools/go/cert-manager" && GOFLAGS=-mod=mod GONOSUMDB=github.com/cert-manager GOTOOLCHAIN=local timeout 600 go mod download -json github.com/cert-manager/cert-manager 2>"$LOGDIR/cert-manager-download.log" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [ -d "$CM_SRC/deploy/crds" ]; then
    check "cert-manager: its CRDs ($(basename "$CM_SRC")) are installed and established" bash -c \
        "kubectl apply --server-side -f '$CM_SRC/deploy/crds/' && kubectl wait --for=condition=Established --timeout=60s crd/certificates.cert-manager.io crd/clusterissuers.cert-manager.io crd/issuers.cert-manager.io"
else
    fail "cert-manager: download its module for the CRDs" "$(tail -n 3 "$LOGDIR/cert-manager-download.log" | tr '\n' ' ')"
fi
kubectl apply -f "$CM/00-namespace.yaml" >/dev/null
CM_CERT_FILE="$(find "$CM" -name '*-certificate-proxy-tls.yaml' | head -n 1)"
check "cert-manager: the API server accepts the rendered Certificate (server-side dry run, strict)" \
    kubectl apply --dry-run=server --validate=strict -f "$CM_CERT_FILE"
expect_fail "cert-manager: the CRD's schema is live (a Certificate without issuerRef is refused)" "issuerRef" bash -c \
    "sed '/issuerRef:/,\$d' '$CM_CERT_FILE' | kubectl apply --dry-run=server -f -"
check "cert-manager: the rendered objects are created" kubectl apply -f "$CM"
check "cert-manager: the proxy waits for the Secret cert-manager will write" bash -c \
    "sleep 5; kubectl -n $CM_NS get pods -l component=proxy -o jsonpath='{.items[0].status.containerStatuses[0].state.waiting.reason}' | grep -q ContainerCreating"
# What cert-manager's controller does on issuance: write the Certificate's Secret.
issue_secret() { # NAME: a certificate for the domain, signed by the test CA, into proxy-tls
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$DOMAIN" -keyout "$WORK/$1.key" -out "$WORK/$1.csr" 2>/dev/null
    printf 'subjectAltName=DNS:%s\n' "$DOMAIN" >"$WORK/$1.ext"
    openssl x509 -req -in "$WORK/$1.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial -days 2 -extfile "$WORK/$1.ext" -out "$WORK/$1.crt" 2>/dev/null
    kubectl -n "$CM_NS" create secret tls proxy-tls --cert="$WORK/$1.crt" --key="$WORK/$1.key" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
}
issue_secret cm-first
check "cert-manager: with the Secret written, the proxy starts and serves its certificate" bash -c \
    "kubectl -n $CM_NS rollout status deploy/proxy --timeout=180s && for i in \$(seq 60); do [ \"\$(openssl s_client -connect $NODE:443 -servername $DOMAIN </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)\" = \"$(fp <"$WORK/cm-first.crt")\" ] && exit 0; sleep 2; done; exit 1"
check "cert-manager: the reloader runs" kubectl -n "$CM_NS" rollout status deploy/proxy-tls-reloader --timeout=180s
sleep 35
gen_cm="$(proxy_generation "$CM_NS")"
check "cert-manager: the reloader leaves a proxy alone that serves the Secret's certificate" bash -c "[ -z \"\$(kubectl -n $CM_NS get deploy proxy -o jsonpath='{.spec.template.metadata.annotations}')\" ]"
issue_secret cm-renewed
renewed_at=$SECONDS
if wait_served "$(fp <"$WORK/cm-renewed.crt")" 240; then
    pass "cert-manager: after the Secret's certificate changed, the reloader rolled the proxy, which serves the new one" "$((SECONDS - renewed_at)) s"
else
    fail "cert-manager: after the Secret's certificate changed, the proxy serves the new one" "still $(served | fp) [logs: kubectl -n $CM_NS logs deploy/proxy-tls-reloader]"
fi
kubectl -n "$CM_NS" logs deploy/proxy-tls-reloader >"$LOGDIR/reloader.log" 2>&1 || true
sleep 35
check "cert-manager: exactly one rollout, annotated with the new certificate" bash -c \
    "[ \"\$(kubectl -n $CM_NS get deploy proxy -o jsonpath='{.metadata.generation}')\" = \"$((gen_cm + 1))\" ] && kubectl -n $CM_NS get deploy proxy -o jsonpath='{.spec.template.metadata.annotations}' | grep -q '\"jupyterhub-platform/tls-certificate\":\"$(python3 -c 'import hashlib, sys; t = open(sys.argv[1]).read(); e = "-----END CERTIFICATE-----"; print(hashlib.sha256(t[: t.index(e) + len(e)].strip().encode()).hexdigest()[:32])' "$WORK/cm-renewed.crt")\"'"
kubectl delete namespace "$CM_NS" --wait=true --timeout=180s >/dev/null 2>&1 || true
if [ -d "$CM_SRC/deploy/crds" ]; then kubectl delete -f "$CM_SRC/deploy/crds/" --wait=true >/dev/null 2>&1 || true; fi

finish
