#!/bin/bash
# Managed by jupyterhub-platform: hand a renewed certificate to the proxy.
set -euo pipefail

env_file="${JHP_TLS_ENV:-/etc/jupyterhub-platform/tls.env}"
# shellcheck source=/dev/null
. "$env_file"
lineage="${RENEWED_LINEAGE:?certbot sets RENEWED_LINEAGE for deploy hooks}"
docker_cmd="${DOCKER:-docker}"

install -d -m 0755 "$TLS_DIR"
install -m 0644 "$lineage/fullchain.pem" "$TLS_DIR/.fullchain.pem.new"
install -m 0600 "$lineage/privkey.pem" "$TLS_DIR/.privkey.pem.new"
chown "${KEY_OWNER:-0:0}" "$TLS_DIR/.privkey.pem.new"
mv -f "$TLS_DIR/.fullchain.pem.new" "$TLS_DIR/fullchain.pem"
mv -f "$TLS_DIR/.privkey.pem.new" "$TLS_DIR/privkey.pem"
echo "installed certificate from $lineage into $TLS_DIR"

if [ -n "${PROXY_FILTER:-}" ] && command -v "$docker_cmd" >/dev/null 2>&1; then
    "$docker_cmd" ps -q --filter "$PROXY_FILTER" | while read -r id; do
        [ -n "$id" ] || continue
        echo "restarting proxy container $id"
        "$docker_cmd" restart "$id" >/dev/null
    done
fi
