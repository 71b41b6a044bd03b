#!/usr/bin/env bash
# Backups on the real local Kubernetes cluster (tools/local-cluster), with the program's own
# renderers (kubeObjects.ts): the backup CronJob's ServiceAccount, Role, RoleBinding, repository
# PVC and CronJob, in a namespace enforcing Pod Security `baseline` as the hub's does. A stand-in
# hub pod holds a sqlite database on `hub-db-dir`; a user's claim holds a file. A Job made from
# the CronJob runs the runner (platform_backup.py run): a consistent snapshot of the database from
# its read-only mount next to the hub pod, a per-claim Job for the home through the API, the
# status published to the `backup-status` ConfigMap. Then the file is deleted, a restore Job
# (restore-home) brings it back, and a reader pod finds it.
#
# The cluster is shared: this holds /tmp/jhp-cluster.lock for its whole run (waits up to 90 min).
# Prints PASS/FAIL lines and `N passed, M failed`.
set -euo pipefail
cd "$(dirname "$0")/../../.."
# shellcheck source=tools/local-cluster/hold-lock.sh
. tools/local-cluster/hold-lock.sh
jhp_hold_cluster_lock e2e:backup:kube 5400 bash "$0" "$@"

NS=${JHP_BACKUP_E2E_NAMESPACE:-jhp-backup-e2e}
IMAGE=jupyterhub-platform/hub:backup-kube-e2e
passed=0
failed=0
work=$(mktemp -d /tmp/jhp-backup-kube.XXXXXX)
started_cluster=0

pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
finish() {
    kubectl delete namespace "$NS" --wait=true --timeout=180s >/dev/null 2>&1 || true
    if [ "$started_cluster" = 1 ]; then npm run --silent cluster:down >"$work/down.log" 2>&1 || echo "cluster:down failed (see $work/down.log)"; fi
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}
trap 'finish; exit $?' EXIT

bash scripts/docker/prepare-local.sh >/dev/null
# shellcheck source=scripts/docker/base-images.sh
source scripts/docker/base-images.sh
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE_IMAGE=$JHP_HUB_BASE_IMAGE" -t "$IMAGE" images/hub >/dev/null

if ! [ -S /tmp/jhp-cluster/containerd/containerd.sock ] || ! npm run --silent cluster:smoke >/dev/null 2>&1; then
    npm run --silent cluster:up >"$work/up.log" 2>&1 || { fail "cluster:up (see $work/up.log)"; exit 1; }
    started_cluster=1
fi
# shellcheck source=tools/local-cluster/env.sh
. tools/local-cluster/env.sh
bash tools/local-cluster/load-images.sh "$IMAGE" >/dev/null

kubectl delete namespace "$NS" --wait=true --timeout=180s >/dev/null 2>&1 || true
kubectl create namespace "$NS" >/dev/null
kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=baseline pod-security.kubernetes.io/warn=restricted >/dev/null

npx --no-install ts-node --transpile-only test/e2e/backup/kubeObjects.ts "$NS" "$IMAGE" >"$work/objects.yaml"
npx --no-install ts-node --transpile-only test/e2e/backup/kubeObjects.ts "$NS" "$IMAGE" --runner-document >"$work/backup.json"
kubectl -n "$NS" create configmap backup-config --from-file=backup.json="$work/backup.json" >/dev/null
kubectl -n "$NS" create secret generic backup-env --from-literal=RESTIC_REPOSITORY=/repo \
    --from-literal=RESTIC_PASSWORD="kube-e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    --from-literal=PLATFORM_BACKUP_CONFIG=/etc/jupyterhub/platform/backup.json >/dev/null
if kubectl apply -f "$work/objects.yaml" >"$work/apply.log" 2>&1; then
    pass "the rendered ServiceAccount, Role, RoleBinding, PVC and CronJob are accepted in a baseline namespace"
else
    fail "apply: $(tail -5 "$work/apply.log")"
fi

# The hub stand-in: the hub's labels, its database claim, a sqlite database written as the hub user.
cat >"$work/fixtures.yaml" <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: hub-db-dir, namespace: $NS}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 100Mi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: claim-alice, namespace: $NS}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 100Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: hub, namespace: $NS, labels: {app: jupyterhub, release: $NS, component: hub}}
spec:
  securityContext: {fsGroup: 10001}
  containers:
  - name: hub
    image: $IMAGE
    imagePullPolicy: Never
    command: [python3, -c, "import sqlite3,time; c=sqlite3.connect('/srv/jupyterhub/data/jupyterhub.sqlite'); c.execute('create table if not exists users (name text)'); c.execute(\"insert into users values ('alice')\"); c.commit(); time.sleep(3600)"]
    volumeMounts: [{name: db, mountPath: /srv/jupyterhub/data}]
  volumes: [{name: db, persistentVolumeClaim: {claimName: hub-db-dir}}]
---
apiVersion: v1
kind: Pod
metadata: {name: writer, namespace: $NS}
spec:
  restartPolicy: Never
  securityContext: {runAsUser: 1000, runAsGroup: 100, fsGroup: 100}
  containers:
  - name: w
    image: $IMAGE
    imagePullPolicy: Never
    command: [sh, -c, "mkdir -p /home/jovyan/project && echo 'kept by restic' > /home/jovyan/project/notes.txt && chmod 600 /home/jovyan/project/notes.txt"]
    volumeMounts: [{name: home, mountPath: /home/jovyan}]
  volumes: [{name: home, persistentVolumeClaim: {claimName: claim-alice}}]
EOF
kubectl apply -f "$work/fixtures.yaml" >/dev/null
kubectl -n "$NS" wait --for=condition=Ready pod/hub --timeout=180s >/dev/null
kubectl -n "$NS" wait --for=jsonpath='{.status.phase}'=Succeeded pod/writer --timeout=180s >/dev/null
kubectl -n "$NS" delete pod writer --wait=true >/dev/null

run_job() { # NAME [COMMAND...]: a Job from the CronJob's template, optionally with another command
    local name=$1
    shift
    if [ "$#" -eq 0 ]; then
        kubectl -n "$NS" create job "$name" --from=cronjob/backup >/dev/null
    else
        kubectl -n "$NS" get cronjob backup -o json | python3 -c '
import json, sys
cron = json.load(sys.stdin)
name, command = sys.argv[1], sys.argv[2:]
spec = cron["spec"]["jobTemplate"]["spec"]
spec["template"]["spec"]["containers"][0]["command"] = command
print(json.dumps({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": spec}))
' "$name" "$@" | kubectl -n "$NS" create -f - >/dev/null
    fi
    # Succeeded or failed, whichever comes first (kubectl wait knows one condition at a time).
    local i state
    for i in $(seq 200); do
        state=$(kubectl -n "$NS" get "job/$name" -o jsonpath='{.status.succeeded}/{.status.failed}' 2>/dev/null || true)
        case "$state" in
            1/*) return 0 ;;
            */1) return 1 ;;
        esac
        [ "$i" -lt 200 ] && sleep 3
    done
    return 1
}

t0=$SECONDS
if run_job backup-now; then
    pass "a Job from the CronJob backed up the database and alice's claim ($((SECONDS - t0)) s): $(kubectl -n "$NS" logs job/backup-now | tail -1)"
else
    fail "backup Job: $(kubectl -n "$NS" logs job/backup-now 2>&1 | tail -8)"
fi
node=$(kubectl -n "$NS" get pod hub -o jsonpath='{.spec.nodeName}')
ran_on=$(kubectl -n "$NS" get pods -l job-name=backup-now -o jsonpath='{.items[0].spec.nodeName}')
if [ "$node" = "$ran_on" ]; then pass "the backup pod ran on the hub pod's node ($node)"; else fail "backup pod on $ran_on, hub on $node"; fi
status=$(kubectl -n "$NS" get configmap backup-status -o jsonpath='{.data.status\.json}' 2>/dev/null || true)
if python3 -c 'import json,sys; s=json.loads(sys.argv[1]); sys.exit(0 if s["ok"] and s["homes"] == 1 else 1)' "$status" 2>/dev/null; then
    pass "the status ConfigMap the hub mounts says ok, 1 home"
else
    fail "backup-status: $status"
fi

kubectl -n "$NS" run wipe --image="$IMAGE" --image-pull-policy=Never --restart=Never \
    --overrides='{"spec":{"securityContext":{"runAsUser":1000,"runAsGroup":100},"containers":[{"name":"wipe","image":"'"$IMAGE"'","imagePullPolicy":"Never","command":["sh","-c","rm -rf /home/jovyan/project"],"volumeMounts":[{"name":"home","mountPath":"/home/jovyan"}]}],"volumes":[{"name":"home","persistentVolumeClaim":{"claimName":"claim-alice"}}]}}' >/dev/null
kubectl -n "$NS" wait --for=jsonpath='{.status.phase}'=Succeeded pod/wipe --timeout=120s >/dev/null
kubectl -n "$NS" delete pod wipe --wait=true >/dev/null
if run_job restore-alice python3 /etc/jupyterhub/platform_backup.py restore-home --user alice; then
    pass "restore-home through a per-claim Job: $(kubectl -n "$NS" logs job/restore-alice | tail -1)"
else
    fail "restore Job: $(kubectl -n "$NS" logs job/restore-alice 2>&1 | tail -8)"
fi
kubectl -n "$NS" run reader --image="$IMAGE" --image-pull-policy=Never --restart=Never \
    --overrides='{"spec":{"securityContext":{"runAsUser":1000,"runAsGroup":100},"containers":[{"name":"reader","image":"'"$IMAGE"'","imagePullPolicy":"Never","command":["sh","-c","stat -c %u:%g:%a /home/jovyan/project/notes.txt; cat /home/jovyan/project/notes.txt"],"volumeMounts":[{"name":"home","mountPath":"/home/jovyan"}]}],"volumes":[{"name":"home","persistentVolumeClaim":{"claimName":"claim-alice"}}]}}' >/dev/null
kubectl -n "$NS" wait --for=jsonpath='{.status.phase}'=Succeeded pod/reader --timeout=120s >/dev/null || true
got=$(kubectl -n "$NS" logs reader 2>&1 | tr '\n' ' ')
if [ "$got" = "1000:100:600 kept by restic " ]; then pass "alice's file is back with its owner and mode"; else fail "reader: $got"; fi
