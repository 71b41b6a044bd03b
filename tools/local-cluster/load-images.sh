#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Copy images from the Docker engine into the local cluster's containerd (namespace k8s.io, where
# the kubelet looks), skipping those already there with the same image ID. Nothing is pulled:
# pods must use these names with imagePullPolicy IfNotPresent or Never.
# Usage: tools/local-cluster/load-images.sh IMAGE...
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ "$#" -gt 0 ] || die "usage: $0 IMAGE..."
[ -S "$CTRD_SOCK" ] || die "no containerd at $CTRD_SOCK: run npm run cluster:up first"
mkdir -p "$STATE/images"

# containerd_ref NAME: the full reference Docker's short NAME stands for (what containerd shows).
containerd_ref() {
    local n="$1" first="${1%%/*}"
    if [[ "$n" != */* ]]; then
        n="docker.io/library/$n"
    elif [[ "$first" != *.* && "$first" != *:* && "$first" != localhost ]]; then
        n="docker.io/$n"
    fi
    [[ "${n##*/}" == *[:@]* ]] || n="$n:latest"
    echo "$n"
}

for image in "$@"; do
    id="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null)" || die "no image $image in the Docker engine"
    ref="$(containerd_ref "$image")"
    record="$STATE/images/$(printf '%s' "$ref" | tr '/:@' '___')"
    # Recorded, listed and with every blob present: a containerd root left behind by an interrupted
    # run can list an image whose layers are gone (CoreDNS then never starts).
    if [ "$(cat "$record" 2>/dev/null)" = "$id" ] && ctr_ images ls -q "name==$ref" 2>/dev/null | grep -qx "$ref" \
        && ctr_ images check "name==$ref" 2>/dev/null | awk 'NR > 1 && $4 == "complete" { ok = 1 } END { exit !ok }'; then
        log "$image already in containerd"
        continue
    fi
    start="$(now)"
    docker save "$image" | ctr_ images import - >/dev/null
    echo "$id" >"$record"
    log "loaded $image into containerd as $ref ($(since "$start"))"
done
