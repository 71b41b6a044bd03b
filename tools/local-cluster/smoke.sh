#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Smoke test of the running local cluster (npm run cluster:smoke), every step bounded:
#   - the node is Ready; a pod reaches the API server through the `kubernetes` Service;
#   - CoreDNS resolves kubernetes.default.svc.<domain> from a pod;
#   - the user-scheduler image (jupyterhub-platform/kube-scheduler) runs;
#   - a pod of a locally built image runs as non-root (restricted securityContext); a ClusterIP
#     Service to it answers from another pod (by DNS name); a NodePort Service and an
#     externalIPs Service answer from this host at the node address;
#   - a PVC of the default StorageClass binds, a pod writes to it, and the data is still there
#     for a new pod after the first is deleted;
#   - a high-priority pod preempts a low-priority one when the node is full (default scheduler).
# Prints PASS/FAIL lines and "N passed, N failed"; exits 1 on a failure. Cleans up after itself.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

NS=jhp-smoke
PASSED=0
FAILED=0
pass() {
    PASSED=$((PASSED + 1))
    echo "PASS $1"
}
fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL $1${2:+ — $2}"
}
cleanup() {
    kctl delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true
    kctl delete priorityclass jhp-smoke-low jhp-smoke-high --ignore-not-found >/dev/null 2>&1 || true
}
trap cleanup EXIT
[ -f "$ADMIN_KUBECONFIG" ] || die "no cluster ($ADMIN_KUBECONFIG missing): npm run cluster:up"

# A restricted-profile container of the local busybox image, as nobody.
SECURITY='securityContext: {runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}'

# run_pod NAME SECONDS SCRIPT [PVC]: run SCRIPT in a one-shot pod (with PVC mounted at /data);
# prints its log; fails unless the pod succeeds in time.
run_pod() {
    local name="$1" limit="$2" script="$3" mount="" volume="" phase=""
    if [ -n "${4:-}" ]; then
        mount="volumeMounts: [{name: data, mountPath: /data}]"
        volume="volumes: [{name: data, persistentVolumeClaim: {claimName: $4}}]"
    fi
    kctl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $name}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
    - name: c
      image: "$BUSYBOX_IMAGE"
      imagePullPolicy: Never
      command: [sh, -c, '$script']
      $SECURITY
      $mount
  $volume
EOF
    for _ in $(seq 1 "$limit"); do
        phase="$(kctl -n "$NS" get pod "$name" -o jsonpath='{.status.phase}' 2>/dev/null || true)"
        case "$phase" in Succeeded | Failed) break ;; esac
        sleep 1
    done
    kctl -n "$NS" logs "$name" 2>/dev/null || true
    [ "$phase" = Succeeded ]
}

phase_is() { [ "$(kctl -n "$NS" get pod "$1" -o jsonpath='{.status.phase}' 2>/dev/null)" = "$2" ]; }

# check NAME COMMAND...: PASS when COMMAND succeeds.
check() {
    local name="$1" out
    shift
    if out="$("$@" 2>&1)"; then pass "$name"; else fail "$name" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"; fi
}

echo "smoke test of the local cluster at $API_URL (node $NODE_NAME)"
cleanup
for _ in $(seq 1 60); do kctl get namespace "$NS" >/dev/null 2>&1 || break; sleep 1; done
kctl create namespace "$NS" >/dev/null

check "node $NODE_NAME is Ready" bash -c "[ \"\$($BIN/kubectl --kubeconfig $ADMIN_KUBECONFIG get node $NODE_NAME -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = True ]"

out="$(run_pod dns 90 "nslookup -type=a kubernetes.default.svc.$CLUSTER_DOMAIN" || echo "pod failed")"
if grep -qx "Address: $API_SERVICE_IP" <<<"$out"; then
    pass "CoreDNS resolves kubernetes.default.svc.$CLUSTER_DOMAIN to $API_SERVICE_IP from a pod"
else
    fail "CoreDNS resolves kubernetes.default.svc.$CLUSTER_DOMAIN from a pod" "$(tr '\n' ' ' <<<"$out")"
fi
out="$(run_pod api 90 "wget -qO- --no-check-certificate https://kubernetes.default.svc.$CLUSTER_DOMAIN/version" || echo "pod failed")"
if grep -q "\"gitVersion\": \"$KUBE_VERSION\"" <<<"$out"; then
    pass "a pod reaches the API server through the kubernetes Service ($KUBE_VERSION)"
else
    fail "a pod reaches the API server through the kubernetes Service" "$(tr '\n' ' ' <<<"$out")"
fi

# ── a web server as nobody, and three kinds of Service to it ───────────────────────────────────
TOKEN="jhp-smoke-$RANDOM$RANDOM"
kctl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: httpd
          image: "$BUSYBOX_IMAGE"
          imagePullPolicy: Never
          command: [sh, -c, 'mkdir -p /tmp/www && echo $TOKEN > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www']
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
          $SECURITY
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-nodeport}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-external}
spec:
  selector: {app: web}
  externalIPs: ["$NODE_IP"]
  ports: [{name: http, port: 80, targetPort: http}]
EOF
check "a pod of $BUSYBOX_IMAGE becomes Ready" kctl -n "$NS" rollout status deployment/web --timeout=90s
pod="$(kctl -n "$NS" get pod -l app=web -o jsonpath='{.items[0].metadata.name}')"
uid="$(kctl -n "$NS" exec "$pod" -- id -u 2>&1 || true)"
if [ "$uid" = 65534 ]; then pass "it runs as non-root (uid $uid)"; else fail "it runs as non-root" "id -u: $uid"; fi
# (timeout, not wget -T: Debian busybox 1.35 wget segfaults with -T)
out="$(run_pod client 60 "timeout 10 wget -qO- http://web.$NS.svc.$CLUSTER_DOMAIN:8080/" || echo "pod failed")"
if grep -qx "$TOKEN" <<<"$out"; then
    pass "ClusterIP Service answers from another pod (web.$NS.svc.$CLUSTER_DOMAIN:8080)"
else
    fail "ClusterIP Service answers from another pod" "$(tr '\n' ' ' <<<"$out")"
fi
node_port="$(kctl -n "$NS" get service web-nodeport -o jsonpath='{.spec.ports[0].nodePort}')"
host_get() { for _ in $(seq 1 20); do curl -sf --max-time 3 "$1" | grep -qx "$TOKEN" && return 0; sleep 1; done; return 1; }
check "NodePort Service answers from the host: curl http://$NODE_IP:$node_port/" host_get "http://$NODE_IP:$node_port/"
check "externalIPs Service answers from the host: curl http://$NODE_IP:80/" host_get "http://$NODE_IP:80/"

# The user scheduler's image (the hub runs it with its own command) starts as nobody.
kctl -n "$NS" run sched-image --image="$SCHEDULER_IMAGE" --image-pull-policy=Never --restart=Never \
    --overrides='{"spec": {"securityContext": {"runAsNonRoot": true, "runAsUser": 65534}}}' \
    --command -- /usr/local/bin/kube-scheduler --version >/dev/null 2>&1 || true
out="the pod did not succeed"
if wait_for 60 "the scheduler image's pod" phase_is sched-image Succeeded; then
    out="$(kctl -n "$NS" logs sched-image 2>&1 || true)"
fi
if grep -qx "Kubernetes $KUBE_VERSION" <<<"$out"; then
    pass "the user-scheduler image $SCHEDULER_IMAGE runs (kube-scheduler --version: $KUBE_VERSION)"
else
    fail "the user-scheduler image $SCHEDULER_IMAGE runs" "$(tr '\n' ' ' <<<"$out")"
fi

# ── storage ────────────────────────────────────────────────────────────────────────────────────
kctl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
EOF
out="$(run_pod writer 120 "echo $TOKEN > /data/token && cat /data/token" data || echo "pod failed")"
if grep -qx "$TOKEN" <<<"$out"; then pass "a pod writes to a PVC of the default StorageClass ($STORAGE_CLASS)"; else fail "a pod writes to a PVC" "$(tr '\n' ' ' <<<"$out")"; fi
phase="$(kctl -n "$NS" get pvc data -o jsonpath='{.status.phase}' 2>/dev/null || true)"
pv="$(kctl -n "$NS" get pvc data -o jsonpath='{.spec.volumeName}' 2>/dev/null || true)"
if [ "$phase" = Bound ] && [ -n "$pv" ]; then pass "the PVC is Bound (volume $pv)"; else fail "the PVC is Bound" "phase '$phase'"; fi
kctl -n "$NS" delete pod writer --wait=true --timeout=60s >/dev/null 2>&1 || true
out="$(run_pod reader 120 "cat /data/token" data || echo "pod failed")"
if grep -qx "$TOKEN" <<<"$out"; then pass "the data survives the pod's deletion (read by a new pod)"; else fail "the data survives the pod's deletion" "$(tr '\n' ' ' <<<"$out")"; fi

# ── priority and preemption (default scheduler) ────────────────────────────────────────────────
alloc="$(kctl get node "$NODE_NAME" -o jsonpath='{.status.allocatable.memory}')"
alloc_ki="$(awk -v q="$alloc" 'BEGIN { n = q + 0; u = substr(q, length(n "") + 1)
    f["Ki"] = 1; f["Mi"] = 1024; f["Gi"] = 1048576; f[""] = 1 / 1024; printf "%d", n * f[u] }')"
request="$((alloc_ki * 6 / 10))Ki"
kctl apply -f - >/dev/null <<EOF
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: jhp-smoke-low}
value: -10
preemptionPolicy: Never
description: smoke test placeholder
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: jhp-smoke-high}
value: 1000
description: smoke test user pod
EOF
idle_pod() { # NAME PRIORITYCLASS
    kctl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  priorityClassName: $2
  terminationGracePeriodSeconds: 0
  containers:
    - name: pause
      image: "$PAUSE_IMAGE"
      imagePullPolicy: Never
      resources: {requests: {memory: "$request"}, limits: {memory: "$request"}}
      $SECURITY
EOF
}
running() { phase_is "$1" Running; }
idle_pod placeholder jhp-smoke-low
check "a low-priority placeholder ($request of $alloc allocatable) runs ($PAUSE_IMAGE)" wait_for 60 placeholder running placeholder
idle_pod user jhp-smoke-high
gone() { ! kctl -n "$NS" get pod placeholder >/dev/null 2>&1 || [ -n "$(kctl -n "$NS" get pod placeholder -o jsonpath='{.metadata.deletionTimestamp}')" ]; }
preempts() { wait_for 90 "preemption of the placeholder" gone && wait_for 90 "the user pod" running user; }
check "a high-priority pod (same request) preempts it and runs" preempts

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
