#!/usr/bin/env bash
# The base images of images/hub and images/singleuser on an engine that cannot pull them: when
# the upstream image (the Dockerfiles' BASE_IMAGE default) is not on the engine, build a local
# stand-in under the project's own name, never the upstream one, so a machine with registry
# access never mistakes it for the real image:
#
#   1. debootstrap Debian bookworm (minbase) -> `docker import` as $ROOTFS_IMAGE
#   2. tools/offline/base-images/hub        -> jupyterhub-platform/standin-jupyterhub:<upstream tag>
#   3. tools/offline/base-images/singleuser -> jupyterhub-platform/standin-minimal-notebook:<upstream tag>
#
# It never pulls (no registry may be contacted from here); on a machine with registry access,
# `docker pull` the upstream images first and this script uses them as they are.
#
# Writes the refs to build from to $JHP_BASE_IMAGES_ENV (default <repo>/.jhp/base-images.env):
#   JHP_HUB_BASE_IMAGE=...   JHP_SINGLEUSER_BASE_IMAGE=...
# which the scripts that deploy stacks here turn into images.hub.baseImage /
# images.singleuser.baseImage (see scripts/docker/base-images.sh).
#
# Cache: an image that already exists on the engine is left alone; FORCE=1 rebuilds the stand-ins.
#
# `build.sh --hub-version X` builds only a hub stand-in with JupyterHub X from PyPI,
# jupyterhub-platform/standin-jupyterhub:X (what a newer upstream hub image would be; the upgrade
# test builds the hub image on it), prints its ref and writes no env file.
set -euo pipefail
HUB_VERSION=""
if [ "${1:-}" = "--hub-version" ]; then
    HUB_VERSION="${2:?usage: $0 [--hub-version X.Y.Z]}"
    [[ "$HUB_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "build.sh: bad JupyterHub version $HUB_VERSION" >&2; exit 2; }
fi
cd "$(dirname "$0")"
REPO=$(cd ../../.. && pwd)

# The upstream refs are the Dockerfiles' defaults (test/unit/components/hub/contract.test.ts holds them equal
# to the config schema's defaults).
upstream_of() { sed -n 's/^ARG BASE_IMAGE=//p' "$REPO/images/$1/Dockerfile" | head -n 1; }
# quay.io/jupyter/minimal-notebook:2025-06-30 -> jupyterhub-platform/standin-minimal-notebook:2025-06-30
standin_of() { local last=${1##*/}; echo "jupyterhub-platform/standin-${last}"; }

UPSTREAM_HUB=$(upstream_of hub)
UPSTREAM_SINGLEUSER=$(upstream_of singleuser)
ENV_FILE=${JHP_BASE_IMAGES_ENV:-$REPO/.jhp/base-images.env}
ROOTFS_IMAGE=${ROOTFS_IMAGE:-jupyterhub-platform/debian-rootfs:bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
FORCE=${FORCE:-0}

# The classic builder: the docker CLI here may lack the buildx plugin, and the classic builder
# resolves FROM against the local image store without any registry round trip.
export DOCKER_BUILDKIT=0

exists() { docker image inspect "$1" >/dev/null 2>&1; }

log() { echo "base-images: $*"; }

write_env() {
    mkdir -p "$(dirname "$ENV_FILE")"
    printf 'JHP_HUB_BASE_IMAGE=%s\nJHP_SINGLEUSER_BASE_IMAGE=%s\n' "$1" "$2" >"$ENV_FILE"
    log "base images: hub $1, single-user $2 (in $ENV_FILE)"
}

# Stand-ins carry the label org.jupyterhub-platform.stand-in. Earlier versions of this script
# tagged them with the upstream names: move such a tag to the project's name (keeping the
# image), so it is never taken for the upstream image.
standin_label() { docker image inspect -f '{{index .Config.Labels "org.jupyterhub-platform.stand-in"}}' "$1" 2>/dev/null; }
for upstream in "$UPSTREAM_HUB" "$UPSTREAM_SINGLEUSER"; do
    if exists "$upstream" && [ -n "$(standin_label "$upstream")" ]; then
        log "$upstream is a local stand-in under the upstream name; renaming it $(standin_of "$upstream")"
        docker tag "$upstream" "$(standin_of "$upstream")"
        docker rmi "$upstream" >/dev/null
    fi
done

if [ -z "$HUB_VERSION" ] && [ "$FORCE" != 1 ] && exists "$UPSTREAM_HUB" && exists "$UPSTREAM_SINGLEUSER"; then
    write_env "$UPSTREAM_HUB" "$UPSTREAM_SINGLEUSER"
    exit 0
fi
HUB_REF=$(standin_of "$UPSTREAM_HUB")
SINGLEUSER_REF=$(standin_of "$UPSTREAM_SINGLEUSER")
if [ -z "$HUB_VERSION" ] && [ "$FORCE" != 1 ] && exists "$HUB_REF" && exists "$SINGLEUSER_REF"; then
    write_env "$HUB_REF" "$SINGLEUSER_REF"
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
    shift 2
    if [ "$FORCE" != 1 ] && exists "$ref"; then
        log "$ref present; skipped"
        return
    fi
    log "building $ref from $dir (log: /tmp/base-image-$dir.log)" >&2
    # A copy of the context with the build host's extra CAs added (see extra_ca below).
    local ctx
    ctx=$(mktemp -d /tmp/base-image-ctx.XXXXXX)
    cp -R "$dir/." "$ctx/"
    mkdir -p "$ctx/extra-ca"
    extra_ca "$ctx/extra-ca"
    if ! docker build --build-arg "ROOTFS_IMAGE=$ROOTFS_IMAGE" "$@" -t "$ref" "$ctx" > "/tmp/base-image-$dir.log" 2>&1; then
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

if [ -n "$HUB_VERSION" ]; then
    ref="jupyterhub-platform/standin-jupyterhub:$HUB_VERSION"
    build "$ref" hub --build-arg "JUPYTERHUB_VERSION=$HUB_VERSION" >&2
    echo "$ref"
    exit 0
fi
build "$HUB_REF" hub
build "$SINGLEUSER_REF" singleuser
log "done: $(docker image inspect --format '{{.Id}}' "$HUB_REF") $HUB_REF"
log "done: $(docker image inspect --format '{{.Id}}' "$SINGLEUSER_REF") $SINGLEUSER_REF"
write_env "$HUB_REF" "$SINGLEUSER_REF"
