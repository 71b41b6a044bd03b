#!/bin/bash
# Managed by jupyterhub-platform: obtain the hub's Let's Encrypt certificate.
set -euo pipefail

env_file="${JHP_TLS_ENV:-/etc/jupyterhub-platform/tls.env}"
# shellcheck source=/dev/null
. "$env_file"
: "${DOMAIN:?DOMAIN missing in $env_file}" "${EMAIL:?}" "${ACME_SERVER:?}" "${TLS_DIR:?}"
certbot_dir="${CERTBOT_DIR:-/etc/letsencrypt}"
deploy_hook="${DEPLOY_HOOK:-/usr/local/sbin/jhp-cert-deploy}"

install -d -m 0755 "$TLS_DIR"
if [ ! -s "$TLS_DIR/fullchain.pem" ] || [ ! -s "$TLS_DIR/privkey.pem" ]; then
    echo "no certificate yet: writing a self-signed placeholder for $DOMAIN"
    openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=$DOMAIN" \
        -addext "subjectAltName=DNS:$DOMAIN" \
        -keyout "$TLS_DIR/privkey.pem" -out "$TLS_DIR/fullchain.pem" 2>/dev/null
    chown "${KEY_OWNER:-0:0}" "$TLS_DIR/privkey.pem"
    chmod 0600 "$TLS_DIR/privkey.pem"
    chmod 0644 "$TLS_DIR/fullchain.pem"
fi

if [ -s "$certbot_dir/live/$DOMAIN/fullchain.pem" ]; then
    echo "certificate for $DOMAIN exists; certbot.timer renews it"
    exit 0
fi

address_args=()
if [ -n "${HTTP01_ADDRESS:-}" ]; then
    address_args=(--http-01-address "$HTTP01_ADDRESS")
fi
certbot certonly --non-interactive --agree-tos --email "$EMAIL" \
    --server "$ACME_SERVER" \
    --standalone --preferred-challenges http --http-01-port 80 "${address_args[@]}" \
    --config-dir "$certbot_dir" --work-dir "$certbot_dir/work" --logs-dir "$certbot_dir/logs" \
    --cert-name "$DOMAIN" -d "$DOMAIN" \
    --deploy-hook "$deploy_hook"
