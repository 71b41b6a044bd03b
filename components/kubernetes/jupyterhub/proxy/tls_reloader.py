#!/usr/bin/env python3
"""Roll the proxy when it serves another certificate than its TLS Secret holds (hub.tls.mode
cert-manager).

cert-manager writes the kubernetes.io/tls Secret the proxy mounts, but configurable-http-proxy
reads its certificate only at start. Every INTERVAL seconds this loop compares the leaf
certificate in the Secret with the one the proxy actually serves (a TLS handshake with PROXY_HOST:
PROXY_PORT) and, when they differ, sets the proxy Deployment's pod-template annotation ANNOTATION
to the Secret's certificate fingerprint, which rolls the proxy (what `kubectl rollout restart`
does). Comparing what is served rather than tracking resourceVersions needs no state: a restarted
reloader, a renewal while it was down and the proxy's first start all come out right, and nothing
rolls twice for one certificate (the annotation already names it while the new pod starts).

Runs in the hub image (Python, standard library only) with a ServiceAccount that may get the
Secret and get/patch the Deployment. Environment: NAMESPACE TLS_SECRET PROXY_DEPLOYMENT ANNOTATION
PROXY_HOST PROXY_PORT [INTERVAL] [ONCE].
"""

import base64
import hashlib
import json
import os
import socket
import ssl
import sys
import time
import urllib.error
import urllib.request

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
END = "-----END CERTIFICATE-----"


def log(message):
    print(f"proxy-tls-reloader: {message}", flush=True)


def leaf(pem):
    """The first certificate of a PEM chain, normalised, or "" when there is none."""
    text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else pem
    return text[: text.index(END) + len(END)].strip() if END in text else ""


def fingerprint(pem):
    return hashlib.sha256(leaf(pem).encode("ascii")).hexdigest()[:32]


class Kube:
    def __init__(self, namespace):
        self.api = os.environ.get("KUBE_API", "https://kubernetes.default.svc").rstrip("/")
        self.token_file = os.environ.get("KUBE_TOKEN_FILE", f"{SA_DIR}/token")
        self.context = ssl.create_default_context(cafile=os.environ.get("KUBE_CA_FILE", f"{SA_DIR}/ca.crt"))
        self.namespace = namespace

    def call(self, method, path, body=None):
        # The projected token is rotated by the kubelet: read it for every call.
        with open(self.token_file, encoding="utf-8") as f:
            token = f.read().strip()
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/merge-patch+json"
        req = urllib.request.Request(f"{self.api}{path}", data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=30, context=self.context) as resp:
            return json.loads(resp.read())


def served_certificate(host, port):
    """The leaf the proxy presents, or None when it does not answer (starting, rolling)."""
    try:
        return leaf(ssl.get_server_certificate((host, port), timeout=10))
    except (OSError, ssl.SSLError):
        return None


def check(kube, env):
    """One comparison; returns what it did, for the log."""
    ns = env["NAMESPACE"]
    try:
        secret = kube.call("GET", f"/api/v1/namespaces/{ns}/secrets/{env['TLS_SECRET']}")
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return "the Secret does not exist yet (cert-manager has not issued the first certificate)"
        raise
    wanted = leaf(base64.b64decode((secret.get("data") or {}).get("tls.crt", "")))
    if not wanted:
        return "the Secret holds no certificate yet"
    served = served_certificate(env["PROXY_HOST"], int(env["PROXY_PORT"]))
    if served is None:
        return "the proxy does not answer; checking again later"
    if served == wanted:
        return None
    value = fingerprint(wanted)
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/{env['PROXY_DEPLOYMENT']}"
    annotations = kube.call("GET", path)["spec"]["template"]["metadata"].get("annotations") or {}
    if annotations.get(env["ANNOTATION"]) == value:
        return "the proxy was already rolled for this certificate; waiting for the new pod"
    kube.call("PATCH", path, {"spec": {"template": {"metadata": {"annotations": {env["ANNOTATION"]: value}}}}})
    return f"the proxy serves another certificate than the Secret: rolled it for {value}"


def main():
    env = {k: os.environ.get(k, "") for k in ("NAMESPACE", "TLS_SECRET", "PROXY_DEPLOYMENT", "ANNOTATION", "PROXY_HOST", "PROXY_PORT")}
    missing = [k for k, v in env.items() if not v]
    if missing:
        sys.exit(f"proxy-tls-reloader: environment variables required: {' '.join(missing)}")
    interval = int(os.environ.get("INTERVAL", "30"))
    kube = Kube(env["NAMESPACE"])
    socket.setdefaulttimeout(30)
    last = None
    while True:
        try:
            said = check(kube, env)
        except (OSError, urllib.error.URLError, KeyError, ValueError) as err:
            said = f"check failed: {err}"
        if said and said != last:
            log(said)
        last = said
        if os.environ.get("ONCE") == "1":
            return 0
        time.sleep(interval)


if __name__ == "__main__":
    sys.exit(main())
