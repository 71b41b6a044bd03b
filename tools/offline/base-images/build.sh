#!/usr/bin/env bash
# Build local stand-ins for the upstream base images, tagged exactly as the upstream refs, so the
# default BASE_IMAGE build args of images/hub and images/singleuser resolve on this engine
# without pulling (no container registry is reachable here).
#
#   1. debootstrap Debian bookworm (minbase) -> `docker import` as $ROOTFS_IMAGE
#   2. tools/offline/base-images/hub        -> quay.io/jupyterhub/jupyterhub:5.3.0
#   3. tools/offline/base-images/singleuser -> quay.io/jupyter/minimal-notebook:2025-06-30
#
# Cache: an image that already exists on the engine (a stand-in, or the real upstream image on a
# machine that could pull it) is left alone; FORCE=1 rebuilds the stand-ins.
set -euo pipefail
cd "$(dirname "$0")"

HUB_REF=${HUB_BASE_REF:-quay.io/jupyterhub/jupyterhub:5.3.0}
SINGLEUSER_REF=${SINGLEUSER_BASE_REF:-quay.io/jupyter/minimal-notebook:2025-06-30}
ROOTFS_IMAGE=${ROOTFS_IMAGE:-jupyterhub-platform/debian-rootfs:bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
FORCE=${FORCE:-0}

# The classic builder: the docker CLI here may lack the buildx plugin, and the classic builder
# resolves FROM against the local image store without any registry round trip.
export DOCKER_BUILDKIT=0

exists() { docker image inspect "$1" >/dev/null 2>&1; }

log() { echo "base-images: $*"; }

if [ "$FORCE" != 1 ] && exists "$HUB_REF" && exists "$SINGLEUSER_REF"; then
    log "both base images present ($HUB_REF, $SINGLEUSER_REF); nothing to do"
    exit 0
fi

if [ "$FORCE" = 1 ] || ! exists "$ROOTFS_IMAGE"; then
    if ! command -v debootstrap >/dev/null 2>&1; then
        log "installing debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
    fi
    rootfs=$(mktemp -d /tmp/bookworm-rootfs.XXXXXX)
    trap 'rm -rf "$rootfs"' EXIT
    log "debootstrap bookworm into $rootfs (a few minutes)"
    debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" > /tmp/debootstrap.log 2>&1 \
        || { tail -n 40 /tmp/debootstrap.log; exit 1; }
    # Keep the image small and free of host-specific files.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
    : > "$rootfs"/etc/hostname
    log "docker import -> $ROOTFS_IMAGE"
    tar -C "$rootfs" --numeric-owner -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["/bin/bash"]' - "$ROOTFS_IMAGE" >/dev/null
    rm -rf "$rootfs"
    trap - EXIT
fi

build() {
    local ref=$1 dir=$2
    if [ "$FORCE" != 1 ] && exists "$ref"; then
        log "$ref present; skipped"
        return
    fi
    log "building $ref from $dir (log: /tmp/base-image-$dir.log)"
    # A copy of the context with the build host's extra CAs added (see extra_ca below).
    local ctx
    ctx=$(mktemp -d /tmp/base-image-ctx.XXXXXX)
    cp -R "$dir/." "$ctx/"
    mkdir -p "$ctx/extra-ca"
    extra_ca "$ctx/extra-ca"
    if ! docker build --build-arg "ROOTFS_IMAGE=$ROOTFS_IMAGE" -t "$ref" "$ctx" > "/tmp/base-image-$dir.log" 2>&1; then
        tail -n 40 "/tmp/base-image-$dir.log"
        rm -rf "$ctx"
        exit 1
    fi
    rm -rf "$ctx"
}

# Builds fetch from PyPI/npm over HTTPS. Where egress goes through a TLS-intercepting proxy (as
# on this project's machines) its CA is in the host bundle named by SSL_CERT_FILE but not in a
# fresh Debian; copy the certificates that Debian's own bundle lacks into the stand-ins (and so
# into every image built FROM them). Elsewhere this adds nothing.
extra_ca() {
    local out=$1 bundle=${EXTRA_CA_BUNDLE:-${SSL_CERT_FILE:-}}
    [ -n "$bundle" ] && [ -f "$bundle" ] || return 0
    python3 - "$bundle" "$out" <<'PY'
import hashlib, pathlib, re, sys
bundle, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
pem = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)
known = set()
for f in pathlib.Path("/usr/share/ca-certificates").rglob("*.crt"):
    known.update(m.group(0) for m in pem.finditer(f.read_text(errors="ignore")))
for cert in pem.findall(bundle.read_text(errors="ignore")):
    if cert not in known:
        (out / f"host-{hashlib.sha256(cert.encode()).hexdigest()[:12]}.crt").write_text(cert + "\n")
PY
    local n
    n=$(find "$out" -name '*.crt' | wc -l)
    [ "$n" -gt 0 ] && log "adding $n extra CA certificate(s) from $bundle"
    return 0
}

build "$HUB_REF" hub
build "$SINGLEUSER_REF" singleuser
log "done: $(docker image inspect --format '{{.Id}}' "$HUB_REF") $HUB_REF"
log "done: $(docker image inspect --format '{{.Id}}' "$SINGLEUSER_REF") $SINGLEUSER_REF"
