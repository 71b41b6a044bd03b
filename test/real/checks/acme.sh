#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Real check of the dev VM's TLS flow against Pebble (Let's Encrypt's ACME test server) with the
# VM's own scripts and ACME client: jhp-cert-issue runs certbot standalone HTTP-01 on port 80 with
# the configured ACME server, Pebble validates over HTTP for real (its DNS answers come from
# pebble-challtestsrv), the deploy hook installs the certificate for the proxy and restarts it
# (a stand-in `docker` records the call), and `certbot renew` — what certbot.timer runs — renews
# with the saved options and runs the hook again.
#
# Runs inside a network namespace of its own (port 80 and every address stay inside it):
#   acme.sh RENDER WORK LOGDIR BIN
set -uo pipefail

RENDER="$1"
WORK="$2"
LOGDIR="$3"
BIN="$4"
TESTS="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=../lib.sh
. "$TESTS/lib.sh"
DOMAIN=hub.jhp.test

acme_cleanup() {
    for p in ${ACME_PIDS:-}; do kill "$p" 2>/dev/null || true; done
    for p in ${ACME_PIDS:-}; do wait "$p" 2>/dev/null || true; done
}

run_acme() {
    local d="$WORK/acme" scripts="$RENDER/scripts"
    mkdir -p "$d/bin" "$d/le" "$d/tls"
    trap acme_cleanup EXIT
    ip link set lo up

    # Pebble's own HTTPS identity (the ACME API), from a throw-away CA.
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=pebble test CA" -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/pebble.key" -out "$d/pebble.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/san.ext"
    openssl x509 -req -in "$d/pebble.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 -extfile "$d/san.ext" -out "$d/pebble.pem" 2>/dev/null
    cat >"$d/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:14000", "managementListenAddress": "127.0.0.1:15000",
  "certificate": "$d/pebble.pem", "privateKey": "$d/pebble.key",
  "httpPort": 80, "tlsPort": 443, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
    "$BIN/pebble-challtestsrv" -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dnsserver 127.0.0.1:8053 -http01 "" -https01 "" -tlsalpn01 "" -doh "" \
        -management 127.0.0.1:8055 >"$LOGDIR/challtestsrv.log" 2>&1 &
    ACME_PIDS="$!"
    PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 "$BIN/pebble" -config "$d/pebble.json" -dnsserver 127.0.0.1:8053 >"$LOGDIR/pebble.log" 2>&1 &
    ACME_PIDS="$ACME_PIDS $!"
    for _ in $(seq 100); do curl -sf --cacert "$d/ca.pem" https://127.0.0.1:14000/dir >/dev/null && break; sleep 0.1; done

    # The docker CLI stand-in: `ps` finds one proxy container, `restart` is recorded.
    cat >"$d/bin/docker" <<'SH'
#!/bin/sh
echo "$*" >>"$DOCKER_LOG"
if [ "$1" = ps ]; then echo 0123456789ab; fi
SH
    chmod +x "$d/bin/docker"
    # Same env file as the VM's (renderTlsEnv), pointed at Pebble and temporary directories.
    sed -e "s|^DOMAIN=.*|DOMAIN=$DOMAIN|" \
        -e "s|^ACME_SERVER=.*|ACME_SERVER=https://127.0.0.1:14000/dir|" \
        -e "s|^TLS_DIR=.*|TLS_DIR=$d/tls|" \
        -e "s|^CERTBOT_DIR=.*|CERTBOT_DIR=$d/le|" \
        -e "s|^DEPLOY_HOOK=.*|DEPLOY_HOOK=$scripts/jhp-cert-deploy.sh|" \
        -e "s|^HTTP01_ADDRESS=.*|HTTP01_ADDRESS=127.0.0.1|" \
        "$RENDER/tls.env" >"$d/tls.env"
    export JHP_TLS_ENV="$d/tls.env" REQUESTS_CA_BUNDLE="$d/ca.pem" DOCKER_LOG="$d/docker.log" PATH="$d/bin:$PATH"

    check "acme: jhp-cert-issue obtains a certificate from Pebble (certbot standalone HTTP-01 on port 80)" \
        bash -c "'$scripts/jhp-cert-issue.sh' && test -s '$d/le/live/$DOMAIN/fullchain.pem'"
    check "acme: the deploy hook installed chain and key for the proxy (key 0600, owned by the proxy user)" \
        bash -c "cmp '$d/le/live/$DOMAIN/fullchain.pem' '$d/tls/fullchain.pem' && cmp '$d/le/live/$DOMAIN/privkey.pem' '$d/tls/privkey.pem' && [ \"\$(stat -c %a:%u '$d/tls/privkey.pem')\" = 600:65534 ] && openssl x509 -in '$d/tls/fullchain.pem' -noout -issuer | grep -qi pebble && openssl x509 -in '$d/tls/fullchain.pem' -noout -ext subjectAltName | grep -q 'DNS:$DOMAIN'"
    check "acme: the deploy hook restarted the proxy container found by its label" \
        bash -c "grep -qx 'ps -q --filter label=org.jupyterhub-platform.role=proxy' '$d/docker.log' && grep -qx 'restart 0123456789ab' '$d/docker.log'"
    check "acme: a second jhp-cert-issue run (the retry timer) is a no-op" \
        bash -c "'$scripts/jhp-cert-issue.sh' | grep -q 'certbot.timer renews it'"
    local serial1
    serial1="$(openssl x509 -in "$d/tls/fullchain.pem" -noout -serial)"
    check "acme: certbot renew (as certbot.timer runs it) renews with the saved options and redeploys" \
        bash -c "certbot renew --force-renewal --non-interactive --no-random-sleep-on-renew --config-dir '$d/le' --work-dir '$d/le/work' --logs-dir '$d/le/logs' && [ \"\$(openssl x509 -in '$d/tls/fullchain.pem' -noout -serial)\" != '$serial1' ] && [ \$(grep -c '^restart ' '$d/docker.log') -eq 2 ] && grep -q '^authenticator = standalone' '$d/le/renewal/$DOMAIN.conf' && grep -q '^server = https://127.0.0.1:14000/dir' '$d/le/renewal/$DOMAIN.conf'"
}

run_acme
trap - EXIT
acme_cleanup
echo "COUNTS $PASSED $FAILED $SKIPPED"
