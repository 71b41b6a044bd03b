#!/usr/bin/env bash
# test/engine/run.sh - engine-level test: the real Pulumi CLI, language host and
# random provider run `pulumi preview`, `up` and `destroy` of the fixture project
# (test/engine/fixture) on the file backend (.pulumi-state).
#
#   npm run test:engine
#
# Checks: stack outputs; the secret output and the provider's secret state are
# ciphertext in `pulumi stack export` and in the raw state file; a second preview
# has no changes; destroy leaves zero resources; and a stack with an invalid config
# value fails preview and up with a message naming the key, creating nothing.
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

pulumi_() { # pulumi_ LOGNAME ARGS... : run pulumi in the fixture, bounded, output to $WORK/LOGNAME
  local name="$1"; shift
  (cd "$FIXTURE" && timeout --kill-after=10 "$STEP_TIMEOUT" pulumi "$@" --non-interactive) >"$WORK/$name" 2>&1
}
show() { sed 's/^/    | /' "$WORK/$1" | tail -"${2:-25}"; }

# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
  for s in "$VALID" "$INVALID"; do
    (cd "$FIXTURE" && timeout 120 pulumi destroy --yes --skip-preview --stack "$s" --non-interactive >/dev/null 2>&1
     timeout 60 pulumi stack rm --yes --force --stack "$s" --non-interactive >/dev/null 2>&1)
    rm -f "$FIXTURE/Pulumi.$s.yaml"
    # `stack rm` keeps a .bak, history and backups in the file backend: drop them too.
    rm -rf "$STATE_ROOT/stacks/jhp-engine-test/$s.json"* "$STATE_ROOT/history/jhp-engine-test/$s" \
      "$STATE_ROOT/backups/jhp-engine-test/$s"
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- toolchain ----------------------------------------------------------------
if [ "${JHP_ENGINE_SKIP_TOOLCHAIN:-0}" != 1 ]; then
  if ! bash "$REPO/tools/offline/toolchain/install.sh" --only cli,language,random >"$WORK/toolchain" 2>&1; then
    show toolchain 40
    fail "toolchain: pulumi CLI, language host and random plugin installed (npm run toolchain)"
    finish
  fi
fi
if ! command -v pulumi >/dev/null 2>&1; then
  fail "toolchain: pulumi on PATH"; finish
fi
SDK_VERSION="$(node -p 'require(process.argv[1]).version' "$REPO/node_modules/@pulumi/pulumi/package.json")"
RANDOM_VERSION="$(node -p 'require(process.argv[1]).version' "$REPO/node_modules/@pulumi/random/package.json")"
check "pulumi version is v$SDK_VERSION (matches @pulumi/pulumi)" test "$(pulumi version)" = "v$SDK_VERSION"
pulumi plugin ls >"$WORK/plugins" 2>&1
check "plugin cache has resource plugin random $RANDOM_VERSION" \
  grep -Eq "^random[[:space:]]+resource[[:space:]]+${RANDOM_VERSION}[[:space:]]" "$WORK/plugins"

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

finish
