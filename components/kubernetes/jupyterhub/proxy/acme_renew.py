#!/usr/bin/env python3
"""Keep the proxy's TLS certificate issued and renewed by an ACME CA (Let's Encrypt).

Runs as a Kubernetes CronJob in the hub image (Python with `cryptography`, which JupyterHub
already needs). Each run:

1. reads the `kubernetes.io/tls` Secret the proxy serves; exits when it holds a CA-issued
   certificate for DOMAIN valid for more than RENEW_DAYS days;
2. otherwise orders a certificate (RFC 8555) and answers the HTTP-01 challenge itself: it serves
   the key authorization on SOLVER_PORT and adds a route for /.well-known/acme-challenge/ to
   configurable-http-proxy through its REST API, pointing at this pod. The CA's request reaches
   port 80 on the entry node, the proxy redirects it to HTTPS (the CA follows redirects to 443 and
   does not check the certificate there, which at first is a self-signed bootstrap one), and the
   route hands it to this pod. JupyterHub ignores routes it did not add, so it leaves it alone;
3. writes the new key and chain into the Secret and restarts the proxy Deployment (the proxy
   reads its certificate at start), then removes the route.

Only the standard library and `cryptography`. Configuration from the environment (see main()).
"""

import base64
import datetime
import hashlib
import http.server
import json
import os
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

CHALLENGE_PREFIX = "/.well-known/acme-challenge/"
USER_AGENT = "jupyterhub-platform-acme-renewer"


def log(message):
    print(f"acme-renewer: {message}", flush=True)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None or value == "":
        sys.exit(f"acme-renewer: environment variable {name} is required")
    return value


def secret_env(name):
    """A secret from $NAME_FILE (mounted file) or $NAME."""
    path = os.environ.get(name + "_FILE")
    if path:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    return env(name)


# ── HTTP ──────────────────────────────────────────────────────────────────────────────────────


class HttpError(Exception):
    def __init__(self, status, body, headers):
        super().__init__(f"HTTP {status}: {body[:500]!r}")
        self.status = status
        self.body = body
        self.headers = headers


def request(url, method="GET", body=None, headers=None, context=None):
    """(status, headers, body bytes); raises HttpError for 4xx/5xx."""
    req = urllib.request.Request(url, data=body, method=method, headers={"User-Agent": USER_AGENT, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30, context=context) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        raise HttpError(err.code, err.read(), err.headers) from None


# ── the certificate in the Secret ─────────────────────────────────────────────────────────────


def needs_certificate(cert_pem, domain, renew_days, now=None):
    """Why a new certificate is needed, or None when the current one is good."""
    if not cert_pem:
        return "no certificate"
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        return "the certificate does not parse"
    if cert.issuer == cert.subject:
        return "the certificate is self-signed (bootstrap)"
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = []
    if domain not in names:
        return f"the certificate is for {names}, not {domain}"
    now = now or datetime.datetime.now(datetime.timezone.utc)
    left = cert.not_valid_after_utc - now
    if left < datetime.timedelta(days=renew_days):
        return f"the certificate expires in {left.days} days"
    return None


# ── Kubernetes API (the pod's service account) ────────────────────────────────────────────────


class Kube:
    SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"

    def __init__(self, api, token, ca_file):
        self.api = api.rstrip("/")
        self.token = token
        self.context = ssl.create_default_context(cafile=ca_file) if ca_file else None

    @classmethod
    def from_environment(cls):
        api = os.environ.get("KUBE_API", "https://kubernetes.default.svc")
        token_file = os.environ.get("KUBE_TOKEN_FILE", f"{cls.SA_DIR}/token")
        ca_file = os.environ.get("KUBE_CA_FILE", f"{cls.SA_DIR}/ca.crt")
        with open(token_file, encoding="utf-8") as f:
            token = f.read().strip()
        return cls(api, token, ca_file if os.path.exists(ca_file) else None)

    def call(self, method, path, body=None, content_type="application/json"):
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = content_type
        _, _, raw = request(self.api + path, method, data, headers, self.context)
        return json.loads(raw) if raw else None

    def read_tls_secret(self, namespace, name):
        secret = self.call("GET", f"/api/v1/namespaces/{namespace}/secrets/{name}")
        data = secret.get("data") or {}
        return base64.b64decode(data["tls.crt"]) if data.get("tls.crt") else None

    def write_tls_secret(self, namespace, name, chain_pem, key_pem):
        patch = {"data": {"tls.crt": base64.b64encode(chain_pem).decode(), "tls.key": base64.b64encode(key_pem).decode()}}
        self.call("PATCH", f"/api/v1/namespaces/{namespace}/secrets/{name}", patch, "application/merge-patch+json")

    def restart_deployment(self, namespace, name):
        # What `kubectl rollout restart` does: a new pod-template annotation rolls the pods.
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        patch = {"spec": {"template": {"metadata": {"annotations": {"jupyterhub-platform/tls-renewed-at": stamp}}}}}
        self.call("PATCH", f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}", patch, "application/merge-patch+json")


# ── configurable-http-proxy's route API ───────────────────────────────────────────────────────


class ProxyRoutes:
    def __init__(self, api_url, token):
        self.api_url = api_url.rstrip("/")
        self.headers = {"Authorization": f"token {token}"}

    def add(self, path, target):
        body = json.dumps({"target": target}).encode("utf-8")
        request(f"{self.api_url}/api/routes{path}", "POST", body, {**self.headers, "Content-Type": "application/json"})

    def delete(self, path):
        try:
            request(f"{self.api_url}/api/routes{path}", "DELETE", None, self.headers)
        except (HttpError, OSError) as err:
            log(f"could not remove the proxy route {path}: {err}")


# ── HTTP-01 responder ─────────────────────────────────────────────────────────────────────────


class Responder:
    """Serves /.well-known/acme-challenge/<token> -> key authorization."""

    def __init__(self, port):
        self.answers = {}
        answers = self.answers

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                token = self.path[len(CHALLENGE_PREFIX) :] if self.path.startswith(CHALLENGE_PREFIX) else None
                answer = answers.get(token)
                self.send_response(200 if answer else 404)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                if answer:
                    self.wfile.write(answer.encode("ascii"))

            def log_message(self, fmt, *args):
                log("responder: " + (fmt % args))

        self.server = http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


# ── ACME (RFC 8555) ───────────────────────────────────────────────────────────────────────────


def jwk_of(key):
    numbers = key.public_key().public_numbers()
    return {"crv": "P-256", "kty": "EC", "x": b64url(numbers.x.to_bytes(32, "big")), "y": b64url(numbers.y.to_bytes(32, "big"))}


def thumbprint(jwk):
    """RFC 7638: SHA-256 of the required members, sorted, without whitespace."""
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, sort_keys=True, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def sign_es256(key, data):
    """JWS ES256: the raw 64-byte r||s, not DER."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


class Acme:
    def __init__(self, directory_url, ca_file=None):
        self.context = ssl.create_default_context(cafile=ca_file) if ca_file else None
        _, _, raw = request(directory_url, context=self.context)
        self.directory = json.loads(raw)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.jwk = jwk_of(self.key)
        self.kid = None
        self.nonce = None

    def _nonce(self):
        if self.nonce:
            nonce, self.nonce = self.nonce, None
            return nonce
        _, headers, _ = request(self.directory["newNonce"], "HEAD", context=self.context)
        return headers["Replay-Nonce"]

    def post(self, url, payload, accept="application/json"):
        """A signed POST (payload None = POST-as-GET). Retries a rejected nonce once."""
        for attempt in (1, 2):
            protected = {"alg": "ES256", "nonce": self._nonce(), "url": url}
            protected.update({"kid": self.kid} if self.kid else {"jwk": self.jwk})
            p64 = b64url(json.dumps(protected).encode("utf-8"))
            body64 = "" if payload is None else b64url(json.dumps(payload).encode("utf-8"))
            sig = sign_es256(self.key, f"{p64}.{body64}".encode("ascii"))
            body = json.dumps({"protected": p64, "payload": body64, "signature": b64url(sig)}).encode("utf-8")
            headers = {"Content-Type": "application/jose+json", "Accept": accept}
            try:
                status, resp_headers, raw = request(url, "POST", body, headers, self.context)
            except HttpError as err:
                self.nonce = err.headers.get("Replay-Nonce") if err.headers else None
                if attempt == 1 and b"badNonce" in err.body:
                    continue
                raise
            self.nonce = resp_headers.get("Replay-Nonce")
            return status, resp_headers, raw
        raise AssertionError("unreachable")

    def post_json(self, url, payload):
        _, headers, raw = self.post(url, payload)
        return headers, json.loads(raw) if raw else {}

    def register(self, email):
        payload = {"termsOfServiceAgreed": True}
        if email:
            payload["contact"] = [f"mailto:{email}"]
        headers, _ = self.post_json(self.directory["newAccount"], payload)
        self.kid = headers["Location"]

    def poll(self, url, done, timeout=180):
        deadline = time.monotonic() + timeout
        while True:
            _, body = self.post_json(url, None)
            if body.get("status") in done:
                return body
            if body.get("status") == "invalid":
                raise RuntimeError(f"ACME object {url} is invalid: {json.dumps(body)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"ACME object {url} still {body.get('status')} after {timeout}s")
            time.sleep(2)

    def issue(self, domain, answer):
        """Order, prove control with HTTP-01 via answer(token, key_authorization), return (chain, key)."""
        headers, order = self.post_json(self.directory["newOrder"], {"identifiers": [{"type": "dns", "value": domain}]})
        order_url = headers["Location"]
        for authz_url in order["authorizations"]:
            _, authz = self.post_json(authz_url, None)
            if authz.get("status") == "valid":
                continue
            challenge = next(c for c in authz["challenges"] if c["type"] == "http-01")
            answer(challenge["token"], f"{challenge['token']}.{thumbprint(self.jwk)}")
            self.post_json(challenge["url"], {})
            self.poll(authz_url, {"valid"})
        cert_key = ec.generate_private_key(ec.SECP256R1())
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)]))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
            .sign(cert_key, hashes.SHA256())
        )
        self.post_json(order["finalize"], {"csr": b64url(csr.public_bytes(serialization.Encoding.DER))})
        order = self.poll(order_url, {"valid"})
        _, _, chain = self.post(order["certificate"], None, accept="application/pem-certificate-chain")
        key_pem = cert_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return chain, key_pem


# ── main ──────────────────────────────────────────────────────────────────────────────────────


def main():
    domain = env("DOMAIN")
    namespace = env("NAMESPACE")
    secret_name = env("TLS_SECRET")
    renew_days = int(env("RENEW_DAYS", "30"))
    kube = Kube.from_environment()

    reason = "FORCE is set" if os.environ.get("FORCE") == "1" else needs_certificate(kube.read_tls_secret(namespace, secret_name), domain, renew_days)
    if reason is None:
        log(f"the certificate for {domain} is good for more than {renew_days} days; nothing to do")
        return 0
    log(f"requesting a certificate for {domain}: {reason}")

    port = int(env("SOLVER_PORT", "8089"))
    routes = ProxyRoutes(env("PROXY_API_URL"), secret_env("CONFIGPROXY_AUTH_TOKEN"))
    route = CHALLENGE_PREFIX.rstrip("/")
    acme = Acme(env("ACME_SERVER"), os.environ.get("ACME_CA_FILE") or None)
    acme.register(os.environ.get("EMAIL", ""))
    with Responder(port) as responder:
        routes.add(route, f"http://{env('POD_IP')}:{port}")
        try:
            chain, key = acme.issue(domain, lambda token, answer: responder.answers.__setitem__(token, answer))
        finally:
            routes.delete(route)
    kube.write_tls_secret(namespace, secret_name, chain, key)
    log(f"stored the new certificate for {domain} in secret {namespace}/{secret_name}")
    kube.restart_deployment(namespace, env("PROXY_DEPLOYMENT"))
    log("restarted the proxy to load it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
