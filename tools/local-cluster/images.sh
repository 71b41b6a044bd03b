#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Build the local cluster's own images into the Docker engine, from binaries built here; nothing
# is pulled. Each image is a `docker import` of a tar holding only what it runs, labelled with a
# hash of its inputs, so a warm run rebuilds nothing.
#   pause                   build/pause/linux/pause.c from the k8s.io/kubernetes module, static
#   kube-scheduler          the cluster's own kube-scheduler (the hub's "user scheduler")
#   coredns                 CoreDNS from its Go module
#   local-path-provisioner  the dynamic PVC provisioner, and busybox (its helper pods' image,
#                           also the smoke test's image)
# Usage: images.sh   (needs tools/offline/go-tools/build.sh cluster and a running dockerd)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

LABEL=org.jupyterhub-platform.inputs
WORK="$(mktemp -d /tmp/jhp-cluster-images.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

# import NAME ROOTFS CHANGE...: docker import ROOTFS as NAME unless NAME already carries the same
# inputs (the files of ROOTFS and the CHANGE lines).
import() {
    local name="$1" rootfs="$2" inputs have c args=()
    shift 2
    inputs="$( (cd "$rootfs" && find . -type f -print0 | sort -z | xargs -0 sha256sum && find . -type l -printf '%p -> %l\n' | sort) | { cat; printf '%s\n' "$@"; } | sha256sum | cut -c1-16)"
    have="$(docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$name" 2>/dev/null || true)"
    if [ "$have" = "$inputs" ]; then
        log "image $name up to date"
        return 0
    fi
    for c in "$@" "LABEL $LABEL=$inputs"; do args+=(--change "$c"); done
    tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -c . | docker import "${args[@]}" - "$name" >/dev/null
    log "image $name built ($(docker image inspect -f '{{.Size}}' "$name" | numfmt --to=iec))"
}

for b in kube-scheduler coredns local-path-provisioner; do
    [ -x "$BIN/$b" ] || die "$BIN/$b missing: run tools/offline/go-tools/build.sh cluster"
done

# ── pause ──────────────────────────────────────────────────────────────────────────────────────
kube_src="$(cd "$GO_TOOLS/go/kube" && GOFLAGS=-mod=mod GONOSUMDB=k8s.io GOTOOLCHAIN=local go list -m -f '{{.Dir}}' k8s.io/kubernetes)"
tag="$(awk '$1 == "TAG" && $2 == "?=" {print $3}' "$kube_src/build/pause/Makefile")"
[ "$tag" = "$PAUSE_VERSION" ] || die "build/pause/Makefile says TAG $tag, lib.sh PAUSE_VERSION $PAUSE_VERSION: update lib.sh"
command -v gcc >/dev/null || die "gcc missing (apt-get install gcc libc6-dev)"
mkdir -p "$WORK/pause"
# The upstream Makefile's flags: small, warnings are errors, static (the image has no libc).
gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION-$IMAGE_PREFIX" -o "$WORK/pause/pause" "$kube_src/build/pause/linux/pause.c"
strip "$WORK/pause/pause"
import "$PAUSE_IMAGE" "$WORK/pause" 'USER 65535:65535' 'ENTRYPOINT ["/pause"]'

# ── Go binaries in scratch images (static builds: CGO_ENABLED=0) ───────────────────────────────
mkdir -p "$WORK/scheduler/usr/local/bin" "$WORK/coredns" "$WORK/lpp/usr/bin"
cp "$BIN/kube-scheduler" "$WORK/scheduler/usr/local/bin/"
import "$SCHEDULER_IMAGE" "$WORK/scheduler" 'USER 65532:65532' 'ENTRYPOINT ["/usr/local/bin/kube-scheduler"]'
cp "$BIN/coredns" "$WORK/coredns/"
import "$COREDNS_IMAGE" "$WORK/coredns" 'USER 65532:65532' 'ENTRYPOINT ["/coredns"]'
cp "$BIN/local-path-provisioner" "$WORK/lpp/usr/bin/"
import "$LPP_IMAGE" "$WORK/lpp" 'ENV PATH=/usr/bin' 'USER 65532:65532' 'ENTRYPOINT ["/usr/bin/local-path-provisioner"]'

# ── busybox: a shell and the usual tools, one static binary ────────────────────────────────────
[ -x /bin/busybox ] || die "busybox-static missing (apt-get install busybox-static)"
bb="$WORK/busybox"
mkdir -p "$bb/bin" "$bb/etc" "$bb/tmp" "$bb/data"
chmod 1777 "$bb/tmp"
cp /bin/busybox "$bb/bin/busybox"
for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$bb/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$bb/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$bb/etc/group"
import "$BUSYBOX_IMAGE" "$bb" 'ENV PATH=/bin' 'CMD ["sh"]'
