#!/usr/bin/env bash
# test/engine/run.sh - engine-level test: the real Pulumi CLI, language host and
# random provider run `pulumi preview`, `up` and `destroy` of the fixture project
# (test/engine/fixture) on the file backend (.pulumi-state); then the kubernetes plugin
# built by the toolchain runs test/engine/fixture-k8s.
#
#   npm run test:engine
#
# Checks: stack outputs; the secret output and the provider's secret state are
# ciphertext in `pulumi stack export` and in the raw state file; a second preview
# has no changes; destroy leaves zero resources; and a stack with an invalid config
# value fails preview and up with a message naming the key, creating nothing.
# kubernetes: a provider with renderYamlToDirectory (no cluster needed) renders a
# ConfigMap and a NetworkPolicy to YAML files whose contents are checked, the state records
# the plugin version package.json pins, and destroy removes the files; a provider whose
# kubeconfig points at a closed loopback port makes preview report the cluster unreachable.
#
# Prints one PASS/FAIL line per check and ends with "N passed, M failed".
# Bounded: every pulumi command has a timeout (JHP_ENGINE_STEP_TIMEOUT, default
# 300 s). The toolchain (`npm run toolchain`) is installed first if needed; that
# one-off build is not part of the bound. Set JHP_ENGINE_SKIP_TOOLCHAIN=1 to skip it.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
FIXTURE="$HERE/fixture"
STEP_TIMEOUT="${JHP_ENGINE_STEP_TIMEOUT:-300}"

# shellcheck source=tools/offline/toolchain/env.sh
source "$REPO/tools/offline/toolchain/env.sh"
# The fixture is TypeScript run by ts-node; type checking is `npm run typecheck`'s job.
export PULUMI_NODEJS_TRANSPILE_ONLY=true
# Keep the CLI's output plain for the assertions below.
export PULUMI_SKIP_CONFIRMATIONS=true NO_COLOR=1

PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND... : PASS iff the command succeeds
  local d="$1"; shift
  if "$@"; then pass "$d"; else fail "$d"; fi
}
finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
  exit $?
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/jhp-engine-test.XXXXXX")"
STATE_ROOT="$REPO/.pulumi-state/.pulumi"
RUN_ID="$(date +%s)-$$"
VALID="engine-valid-$RUN_ID"
INVALID="engine-invalid-$RUN_ID"
K8S_FIXTURE="$HERE/fixture-k8s"
K8S_RENDER="engine-k8s-render-$RUN_ID"
K8S_UNREACHABLE="engine-k8s-unreachable-$RUN_ID"

pulumi_in() { # pulumi_in DIR LOGNAME ARGS... : run pulumi in project DIR, bounded, output to $WORK/LOGNAME
  local dir="$1" name="$2"; shift 2
  (cd "$dir" && timeout --kill-after=10 "$STEP_TIMEOUT" pulumi "$@" --non-interactive) >"$WORK/$name" 2>&1
}
pulumi_() { pulumi_in "$FIXTURE" "$@"; }
show() { sed 's/^/    | /' "$WORK/$1" | tail -"${2:-25}"; }

# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
  local dir project s
  for s in "$VALID" "$INVALID" "$K8S_RENDER" "$K8S_UNREACHABLE"; do
    case "$s" in
      "$K8S_RENDER"|"$K8S_UNREACHABLE") dir="$K8S_FIXTURE" project=jhp-engine-k8s ;;
      *) dir="$FIXTURE" project=jhp-engine-test ;;
    esac
    [ -f "$dir/Pulumi.$s.yaml" ] || [ -e "$STATE_ROOT/stacks/$project/$s.json" ] || continue
    (cd "$dir" && timeout 120 pulumi destroy --yes --skip-preview --stack "$s" --non-interactive >/dev/null 2>&1
     timeout 60 pulumi stack rm --yes --force --stack "$s" --non-interactive >/dev/null 2>&1)
    rm -f "$dir/Pulumi.$s.yaml"
    # `stack rm` keeps a .bak, history, backups and an empty lock directory in the file
    # backend: drop them too.
    rm -rf "$STATE_ROOT/stacks/$project/$s.json"* "$STATE_ROOT/history/$project/$s" \
      "$STATE_ROOT/backups/$project/$s" "$STATE_ROOT/locks/organization/$project/$s"
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- toolchain ----------------------------------------------------------------
if [ "${JHP_ENGINE_SKIP_TOOLCHAIN:-0}" != 1 ]; then
  if ! bash "$REPO/tools/offline/toolchain/install.sh" --only cli,language,random,kubernetes >"$WORK/toolchain" 2>&1; then
    show toolchain 40
    fail "toolchain: pulumi CLI, language host, random and kubernetes plugins installed (npm run toolchain)"
    finish
  fi
fi
if ! command -v pulumi >/dev/null 2>&1; then
  fail "toolchain: pulumi on PATH"; finish
fi
SDK_VERSION="$(node -p 'require(process.argv[1]).version' "$REPO/node_modules/@pulumi/pulumi/package.json")"
RANDOM_VERSION="$(node -p 'require(process.argv[1]).version' "$REPO/node_modules/@pulumi/random/package.json")"
K8S_VERSION="$(node -p 'require(process.argv[1]).version' "$REPO/node_modules/@pulumi/kubernetes/package.json")"
check "pulumi version is v$SDK_VERSION (matches @pulumi/pulumi)" test "$(pulumi version)" = "v$SDK_VERSION"
pulumi plugin ls >"$WORK/plugins" 2>&1
check "plugin cache has resource plugin random $RANDOM_VERSION" \
  grep -Eq "^random[[:space:]]+resource[[:space:]]+${RANDOM_VERSION}[[:space:]]" "$WORK/plugins"
check "plugin cache has resource plugin kubernetes $K8S_VERSION" \
  grep -Eq "^kubernetes[[:space:]]+resource[[:space:]]+${K8S_VERSION}[[:space:]]" "$WORK/plugins"

mkdir -p "$REPO/.pulumi-state"
STATE_DIR="$STATE_ROOT/stacks/jhp-engine-test"

json() { # json FILE JS-EXPRESSION-OF-d : print the value
  node -e 'const fs=require("fs");const d=JSON.parse(fs.readFileSync(process.argv[1],"utf8"));
    const v=(new Function("d","return ("+process.argv[2]+")"))(d);process.stdout.write(typeof v==="string"?v:JSON.stringify(v))' "$1" "$2"
}

# --- valid stack: preview, up, outputs, secrets, no-change preview, destroy ------
if pulumi_ init-valid stack init "$VALID"; then
  pulumi_ config-valid config set --stack "$VALID" jupyterhub-platform:topology local
  if pulumi_ preview-valid preview --stack "$VALID" --diff; then
    if grep -q "random:index/randomPassword:RandomPassword" "$WORK/preview-valid" && grep -Eq "\+ +2 to create|2 to create" "$WORK/preview-valid"; then
      pass "preview (valid config): plans the stack and one RandomPassword"
    else
      fail "preview (valid config): expected a RandomPassword create"; show preview-valid
    fi
  else
    fail "preview (valid config) exits 0"; show preview-valid
  fi

  if pulumi_ up-valid up --yes --stack "$VALID"; then
    pass "up (valid config) exits 0"
  else
    fail "up (valid config) exits 0"; show up-valid 40
  fi

  pulumi_ outputs stack output --json --stack "$VALID"
  pulumi_ outputs-secret stack output --json --show-secrets --stack "$VALID"
  check "output marker is \"jhp-engine-test\"" test "$(json "$WORK/outputs" 'd.marker')" = "jhp-engine-test"
  check "output passwordLength is 24" test "$(json "$WORK/outputs" 'd.passwordLength')" = "24"
  check "output topology is \"local\" (stack config reached loadStackConfig)" test "$(json "$WORK/outputs" 'd.topology')" = "local"
  check "output secretPassword is masked without --show-secrets" test "$(json "$WORK/outputs" 'd.secretPassword')" = "[secret]"
  PASSWORD="$(json "$WORK/outputs-secret" 'd.secretPassword' 2>/dev/null || true)"
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  check "secretPassword decrypts to a 24-character alphanumeric password" \
    bash -c '[[ "$1" =~ ^[A-Za-z0-9]{24}$ ]]' _ "$PASSWORD"

  pulumi_ export stack export --stack "$VALID"
  check "stack export: secretPassword output is a ciphertext secret" \
    test "$(json "$WORK/export" 'd.deployment.resources.find(r=>r.type==="pulumi:pulumi:Stack").outputs.secretPassword.ciphertext ? "yes" : "no"')" = yes
  check "stack export: RandomPassword.result is a ciphertext secret" \
    test "$(json "$WORK/export" 'd.deployment.resources.find(r=>r.type==="random:index/randomPassword:RandomPassword").outputs.result.ciphertext ? "yes" : "no"')" = yes
  if [ -n "$PASSWORD" ] && ! grep -qF "$PASSWORD" "$WORK/export"; then
    pass "stack export: plaintext password appears nowhere"
  else
    fail "stack export: plaintext password appears nowhere"
  fi
  RAW="$STATE_DIR/$VALID.json"
  if [ -f "$RAW" ] && [ -n "$PASSWORD" ] && grep -q '"ciphertext"' "$RAW" && ! grep -qF "$PASSWORD" "$RAW"; then
    pass "raw state file .pulumi-state/.pulumi/stacks/jhp-engine-test/$VALID.json holds only ciphertext"
  else
    fail "raw state file holds only ciphertext ($RAW)"
  fi

  if pulumi_ preview-again preview --stack "$VALID" --expect-no-changes; then
    pass "second preview: no changes"
  else
    fail "second preview: no changes"; show preview-again
  fi

  if pulumi_ destroy-valid destroy --yes --stack "$VALID"; then
    pulumi_ export-destroyed stack export --stack "$VALID"
    check "destroy: zero resources left in the state" \
      test "$(json "$WORK/export-destroyed" '(d.deployment.resources||[]).length')" = "0"
  else
    fail "destroy exits 0"; show destroy-valid
  fi

  # Capacity planning warns through the engine and does not stop the preview.
  pulumi_ config-capacity config set --stack "$VALID" jupyterhub-platform:capacity.expectedUsers 100000
  if pulumi_ preview-capacity preview --stack "$VALID"; then
    check "preview with capacity.expectedUsers 100000 warns that they do not fit this machine's memory" \
      grep -Eq "warning: capacity.expectedUsers \(100000\) do not fit: .* \(capacity.nodeMemory;" "$WORK/preview-capacity"
  else
    fail "preview with capacity.expectedUsers 100000 exits 0 (a warning, not an error)"; show preview-capacity
  fi
else
  fail "stack init $VALID"; show init-valid
fi

# --- invalid stack: fails before any resource is created --------------------------
if pulumi_ init-invalid stack init "$INVALID"; then
  pulumi_ config-invalid config set --stack "$INVALID" jupyterhub-platform:hub.auth.type bogus
  if pulumi_ preview-invalid preview --stack "$INVALID"; then
    fail "preview (invalid config) fails"; show preview-invalid
  else
    check "preview (invalid config) fails naming jupyterhub-platform:hub.auth.type" \
      grep -q "jupyterhub-platform:hub.auth.type" "$WORK/preview-invalid"
  fi
  if pulumi_ up-invalid up --yes --stack "$INVALID"; then
    fail "up (invalid config) fails"; show up-invalid
  else
    check "up (invalid config) fails naming jupyterhub-platform:hub.auth.type" \
      grep -q "jupyterhub-platform:hub.auth.type" "$WORK/up-invalid"
  fi
  pulumi_ export-invalid stack export --stack "$INVALID"
  COUNT="$(json "$WORK/export-invalid" '(d.deployment.resources||[]).filter(r=>r.type!=="pulumi:pulumi:Stack").length' 2>/dev/null || echo "?")"
  STACKS="$(json "$WORK/export-invalid" '(d.deployment.resources||[]).filter(r=>r.type==="pulumi:pulumi:Stack").length' 2>/dev/null || echo "?")"
  check "up (invalid config) created zero resources (state: $COUNT resources besides $STACKS stack record)" test "$COUNT" = "0"
else
  fail "stack init $INVALID"; show init-invalid
fi

# --- kubernetes plugin ----------------------------------------------------------------
# Render mode: a provider with renderYamlToDirectory writes manifests instead of calling a
# cluster, so up/destroy run the real plugin end to end without one.
RENDER_DIR="$WORK/rendered"
MANIFESTS="$RENDER_DIR/1-manifest"
yaml_() { # yaml_ FILE JS-EXPRESSION-OF-d : print the value (the YAML file parsed by the yaml package)
  node -e 'const fs=require("fs");const YAML=require(require.resolve("yaml",{paths:[process.argv[3]]}));
    const d=YAML.parse(fs.readFileSync(process.argv[1],"utf8"));
    const v=(new Function("d","return ("+process.argv[2]+")"))(d);process.stdout.write(typeof v==="string"?v:JSON.stringify(v))' "$1" "$2" "$REPO"
}
if pulumi_in "$K8S_FIXTURE" init-k8s-render stack init "$K8S_RENDER"; then
  pulumi_in "$K8S_FIXTURE" config-k8s-render config set --stack "$K8S_RENDER" jhp-engine-k8s:renderDir "$RENDER_DIR"
  if pulumi_in "$K8S_FIXTURE" up-k8s-render up --yes --stack "$K8S_RENDER"; then
    pass "kubernetes render mode: up exits 0 without a cluster"
  else
    fail "kubernetes render mode: up exits 0 without a cluster"; show up-k8s-render 40
  fi
  CM_YAML="$MANIFESTS/v1-configmap-jhp-engine-jhp-engine-settings.yaml"
  NP_YAML="$MANIFESTS/networking.k8s.io_v1-networkpolicy-jhp-engine-jhp-engine-deny-ingress.yaml"
  check "kubernetes render mode: exactly the two manifests were written ($(find "$RENDER_DIR" -type f 2>/dev/null | wc -l) files)" \
    test "$(find "$RENDER_DIR" -type f 2>/dev/null | wc -l)" = 2
  if [ -f "$CM_YAML" ]; then
    check "kubernetes render mode: ConfigMap manifest is v1/ConfigMap jhp-engine/jhp-engine-settings" \
      test "$(yaml_ "$CM_YAML" '[d.apiVersion,d.kind,d.metadata.namespace,d.metadata.name].join(" ")')" = "v1 ConfigMap jhp-engine jhp-engine-settings"
    check "kubernetes render mode: ConfigMap data is exactly what the program set" \
      test "$(yaml_ "$CM_YAML" 'd.data')" = '{"hub.yaml":"port: 8081\n","marker":"jhp-engine-k8s"}'
  else
    fail "kubernetes render mode: ConfigMap manifest written ($CM_YAML)"; find "$RENDER_DIR" -type f | sed 's/^/    | /'
  fi
  if [ -f "$NP_YAML" ]; then
    check "kubernetes render mode: NetworkPolicy manifest is networking.k8s.io/v1 with the pod selector and Ingress policy" \
      test "$(yaml_ "$NP_YAML" '[d.apiVersion,d.kind,d.metadata.name,d.spec.podSelector.matchLabels.app,d.spec.policyTypes.join(",")].join(" ")')" = \
      "networking.k8s.io/v1 NetworkPolicy jhp-engine-deny-ingress jhp-engine Ingress"
  else
    fail "kubernetes render mode: NetworkPolicy manifest written ($NP_YAML)"; find "$RENDER_DIR" -type f | sed 's/^/    | /'
  fi
  pulumi_in "$K8S_FIXTURE" export-k8s-render stack export --stack "$K8S_RENDER"
  check "kubernetes render mode: the state's provider is plugin version $K8S_VERSION" \
    test "$(json "$WORK/export-k8s-render" '(d.deployment.resources.find(r=>r.type==="pulumi:providers:kubernetes")||{inputs:{}}).inputs.version')" = "$K8S_VERSION"
  if pulumi_in "$K8S_FIXTURE" preview-k8s-render preview --stack "$K8S_RENDER" --expect-no-changes; then
    pass "kubernetes render mode: second preview has no changes"
  else
    fail "kubernetes render mode: second preview has no changes"; show preview-k8s-render
  fi
  if pulumi_in "$K8S_FIXTURE" destroy-k8s-render destroy --yes --stack "$K8S_RENDER"; then
    check "kubernetes render mode: destroy removes the rendered manifests" \
      test "$(find "$RENDER_DIR" -type f 2>/dev/null | wc -l)" = 0
  else
    fail "kubernetes render mode: destroy exits 0"; show destroy-k8s-render
  fi
else
  fail "stack init $K8S_RENDER"; show init-k8s-render
fi

# An unreachable cluster: the kubeconfig names a loopback port nothing listens on. up must
# fail with the plugin's "cluster is unreachable" error and create no Kubernetes object.
CLOSED_PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})')"
KUBECONFIG_CLOSED="apiVersion: v1
kind: Config
clusters:
  - name: closed
    cluster: {server: \"https://127.0.0.1:$CLOSED_PORT\", insecure-skip-tls-verify: true}
users:
  - name: nobody
    user: {token: not-a-token}
contexts:
  - name: closed
    context: {cluster: closed, user: nobody}
current-context: closed
"
if pulumi_in "$K8S_FIXTURE" init-k8s-unreachable stack init "$K8S_UNREACHABLE"; then
  pulumi_in "$K8S_FIXTURE" config-k8s-unreachable config set --stack "$K8S_UNREACHABLE" jhp-engine-k8s:kubeconfig "$KUBECONFIG_CLOSED"
  if pulumi_in "$K8S_FIXTURE" up-k8s-unreachable up --yes --stack "$K8S_UNREACHABLE"; then
    fail "kubernetes, unreachable cluster: up fails"; show up-k8s-unreachable
  else
    check "kubernetes, unreachable cluster: up fails with the plugin's unreachable error for 127.0.0.1:$CLOSED_PORT" \
      grep -q "configured Kubernetes cluster is unreachable.*127.0.0.1:$CLOSED_PORT.*connection refused" "$WORK/up-k8s-unreachable"
  fi
  pulumi_in "$K8S_FIXTURE" export-k8s-unreachable stack export --stack "$K8S_UNREACHABLE"
  COUNT="$(json "$WORK/export-k8s-unreachable" '(d.deployment.resources||[]).filter(r=>r.type.startsWith("kubernetes:")).length' 2>/dev/null || echo "?")"
  check "kubernetes, unreachable cluster: no Kubernetes object in the state ($COUNT)" test "$COUNT" = 0
else
  fail "stack init $K8S_UNREACHABLE"; show init-k8s-unreachable
fi

finish
