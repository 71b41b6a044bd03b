#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Real checks (`npm run test:real`): real tools on the artifacts the program renders.
#   - cloud-init's own schema check on every rendered user-data variant;
#   - shellcheck on every shell script of the repository (and .ci/run), including the VM scripts of
#     components/openstack/cloud-init/ that user-data installs verbatim (render.ts checks that);
#   - volume handling and btrfs qgroup home quotas on loop devices (EDQUOT past the limit);
#   - GlusterFS: a real glusterd in a network namespace, the volume formed by the VM's script,
#     a directory quota set by the home helper, a FUSE write past it failing; then three
#     glusterds in three namespaces forming a replica-3 volume, one peer starting late;
#   - the dev VM's ACME flow (certbot + deploy hook + renewal) against Pebble in a namespace;
#   - kubeadm config validation and a real etcd + kube-apiserver accepting the rendered objects.
# Needs root (loop devices, mounts, namespaces). Installs missing Debian packages and builds the Go
# tools (Pebble, etcd, kube-apiserver, kubeadm) into a cache on first use. Every step is bounded.
# Ends with "N passed, M failed"; exits non-zero when anything failed.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TESTS="$ROOT/test/real"
# shellcheck source=lib.sh
. "$TESTS/lib.sh"
RUN_START="$(now)"
WORK="$(mktemp -d /tmp/jhp-real.XXXXXX)"
# Test users (uid 1000) must reach their homes below it.
chmod 0755 "$WORK"
LOGDIR="$WORK/logs"
RENDER="$WORK/render"
mkdir -p "$LOGDIR"
CLEANUPS=()

cleanup() {
    local i
    for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do "${CLEANUPS[$i]}" || true; done
    ip netns del jhp-real-gluster 2>/dev/null || true
    ip netns del jhp-real-acme 2>/dev/null || true
    if [ -z "${JHP_REAL_KEEP:-}" ]; then
        rm -rf "$WORK/volumes" "$WORK/gluster" "$WORK/kube/etcd" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "real checks: work directory $WORK"
if [ "$(id -u)" -ne 0 ]; then
    fail "prerequisites" "run as root (loop devices, mounts and network namespaces)"
    summary
    exit 1
fi

# ── prerequisites ──────────────────────────────────────────────────────────────────────────────
need=()
for pair in cloud-init:cloud-init shellcheck:shellcheck glusterd:glusterfs-server mkfs.btrfs:btrfs-progs mkfs.xfs:xfsprogs \
    certbot:certbot openssl:openssl losetup:mount ip:iproute2 systemd-socket-activate:systemd setpriv:util-linux; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ "${#need[@]}" -gt 0 ]; then
    check "install Debian packages: ${need[*]}" bash -c "timeout 300 apt-get update -q && DEBIAN_FRONTEND=noninteractive timeout 900 apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends ${need[*]}"
fi
modprobe loop 2>/dev/null || true
[ -e /dev/fuse ] || modprobe fuse 2>/dev/null || true

# The Go tools: Pebble is quick; the Kubernetes build is long on a cold cache, so it runs in the
# background while the other checks go on.
BUILD="$ROOT/tools/offline/go-tools/build.sh"
KUBE_BUILD_LOG="$LOGDIR/build-kube.log"
kube_build_start="$(now)"
timeout "${JHP_KUBE_BUILD_TIMEOUT:-2400}" bash "$BUILD" kube >"$KUBE_BUILD_LOG" 2>&1 &
KUBE_BUILD_PID=$!
kill_kube_build() { kill "$KUBE_BUILD_PID" 2>/dev/null || true; }
CLEANUPS+=(kill_kube_build)
PEBBLE_BIN=""
start="$(now)"
if PEBBLE_BIN="$(timeout 900 bash "$BUILD" pebble 2>"$LOGDIR/build-pebble.log" | tail -n 1)" && [ -x "$PEBBLE_BIN/pebble" ]; then
    pass "build Pebble from the Go module proxy" "$(since "$start")"
else
    fail "build Pebble from the Go module proxy" "$(tail -n 3 "$LOGDIR/build-pebble.log" | tr '\n' ' ')"
fi

# ── render ─────────────────────────────────────────────────────────────────────────────────────
check "render user-data, scripts, kubeadm configs and Kubernetes objects from the pure functions" \
    bash -c "cd '$ROOT' && timeout 120 node -r ts-node/register/transpile-only test/real/render.ts '$RENDER'"

# ── cloud-init schema ──────────────────────────────────────────────────────────────────────────
for f in "$RENDER"/userdata/*.yaml; do
    check "cloud-init schema: $(basename "$f" .yaml)" bash -c "timeout 60 cloud-init schema --config-file '$f' 2>&1 | tee /dev/stderr | grep -q '^Valid cloud-config'"
done
printf '#cloud-config\nruncmd: 5\nwrite_files: [{path: 1}]\n' >"$WORK/invalid.yaml"
expect_fail "cloud-init schema rejects an invalid document (the check is live)" "is not of type" timeout 60 cloud-init schema --config-file "$WORK/invalid.yaml"

# ── shellcheck ─────────────────────────────────────────────────────────────────────────────────
# The whole tree, so a script in a new folder is never missed; the VM scripts in user-data are
# these files byte for byte (render.ts refuses anything else), so they need no second pass.
mapfile -t repo_scripts < <(cd "$ROOT" && {
    find . \( -name node_modules -o -name .git -o -name .pulumi-state \) -prune -o -name '*.sh' -type f -print | sed 's|^\./||'
    echo .ci/run
} | sort)
for s in "${repo_scripts[@]}"; do
    check "shellcheck $s" bash -c "cd '$ROOT' && timeout 60 shellcheck -x '$s'"
done

# ── the shared engine's docker0 beside a private dockerd ──────────────────────────────────────
# In a network namespace of its own: a docker0 as the shared engine makes it, recorded, deleted
# (what a private dockerd's start did here), put back with the same address.
check "docker0 guard: a vanished docker0 is put back with its recorded address" \
    timeout 30 unshare -n bash -c ". '$ROOT/scripts/docker/docker0-guard.sh'
        ip link add name docker0 type bridge && ip addr add 172.17.0.1/16 dev docker0
        docker0_record '$WORK/docker0.cidr' && ip link delete docker0
        docker0_restore '$WORK/docker0.cidr' real-check
        ip -4 -o addr show dev docker0 | grep -q ' 172.17.0.1/16 '"

# ── volumes and btrfs quotas ───────────────────────────────────────────────────────────────────
# shellcheck source=checks/volumes.sh
. "$TESTS/checks/volumes.sh"
run_volumes

# ── GlusterFS ──────────────────────────────────────────────────────────────────────────────────
ip netns del jhp-real-gluster 2>/dev/null || true
if ip netns add jhp-real-gluster; then
    timeout 600 ip netns exec jhp-real-gluster bash "$TESTS/checks/gluster.sh" "$RENDER" "$WORK" "$LOGDIR" >"$LOGDIR/gluster-run.log" 2>&1
    grep -E '^(PASS|FAIL|SKIP) ' "$LOGDIR/gluster-run.log"
    read -r _ p f s < <(grep '^COUNTS ' "$LOGDIR/gluster-run.log" || echo "COUNTS 0 1 0")
    PASSED=$((PASSED + p)); FAILED=$((FAILED + f)); SKIPPED=$((SKIPPED + s))
    if ! grep -q '^COUNTS ' "$LOGDIR/gluster-run.log"; then echo "FAIL gluster: the check did not finish (log $LOGDIR/gluster-run.log)"; fi
    ip netns del jhp-real-gluster 2>/dev/null || true
else
    fail "gluster: create the network namespace"
fi

# shellcheck source=checks/gluster3.sh
. "$TESTS/checks/gluster3.sh"
run_gluster3

# ── ACME against Pebble ────────────────────────────────────────────────────────────────────────
if [ -n "$PEBBLE_BIN" ] && ip netns add jhp-real-acme; then
    timeout 600 ip netns exec jhp-real-acme bash "$TESTS/checks/acme.sh" "$RENDER" "$WORK" "$LOGDIR" "$PEBBLE_BIN" >"$LOGDIR/acme-run.log" 2>&1
    grep -E '^(PASS|FAIL|SKIP) ' "$LOGDIR/acme-run.log"
    read -r _ p f s < <(grep '^COUNTS ' "$LOGDIR/acme-run.log" || echo "COUNTS 0 1 0")
    PASSED=$((PASSED + p)); FAILED=$((FAILED + f)); SKIPPED=$((SKIPPED + s))
    if ! grep -q '^COUNTS ' "$LOGDIR/acme-run.log"; then echo "FAIL acme: the check did not finish (log $LOGDIR/acme-run.log)"; fi
    ip netns del jhp-real-acme 2>/dev/null || true
else
    fail "acme: Pebble or the network namespace is missing"
fi

# ── Kubernetes ─────────────────────────────────────────────────────────────────────────────────
if wait "$KUBE_BUILD_PID" && KUBE_BIN="$(tail -n 1 "$KUBE_BUILD_LOG")" && [ -x "$KUBE_BIN/kube-apiserver" ]; then
    pass "build etcd, kube-apiserver and kubeadm from the Go module proxy" "$(since "$kube_build_start") incl. waiting"
    # shellcheck source=checks/kube.sh
    . "$TESTS/checks/kube.sh"
    run_kube
else
    fail "build etcd, kube-apiserver and kubeadm from the Go module proxy" "$(tail -n 3 "$KUBE_BUILD_LOG" | tr '\n' ' ') [log $KUBE_BUILD_LOG]"
fi

summary
[ "$FAILED" -eq 0 ]
