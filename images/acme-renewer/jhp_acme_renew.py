#!/usr/bin/env python3
"""Glue around certbot for the Kubernetes ACME renewer (hub.tls.mode letsencrypt).

certbot does the whole ACME exchange: account, order, HTTP-01 challenge (its standalone server on
SOLVER_PORT), retries, and the renewal window (`--keep-until-expiring`: ARI from the CA, else its
default share of the certificate's lifetime). This file only does what is particular to the
platform:

  jhp-acme-renew            one run of the CronJob:
      1. restore certbot's config directory (account, certificate lineage, renewal settings) from
         the Secret STATE_SECRET, so every run reuses the same account and knows the certificate;
      2. run `certbot certonly --keep-until-expiring` with the hooks below;
      3. save the config directory back into STATE_SECRET when certbot changed it (also after a
         failed attempt: a newly registered account is kept), guarded by the Secret's
         resourceVersion so two runs cannot overwrite each other;
      4. when certbot's current certificate is not the one in TLS_SECRET, write it there and roll
         the proxy Deployment (configurable-http-proxy reads its certificate only at start). This
         compares instead of relying on a deploy hook, so a run that died after certbot finished
         is completed by the next one.
  jhp-acme-renew route-add  certbot --pre-hook: route /.well-known/acme-challenge on the proxy
                            (configurable-http-proxy's REST API) to this pod's SOLVER_PORT.
  jhp-acme-renew route-del  certbot --post-hook: remove that route again.

Standard library only. Configuration from the environment (the CronJob sets it; see usage()).
"""

import base64
import hashlib
import io
import json
import os
import ssl
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request

CHALLENGE_ROUTE = "/.well-known/acme-challenge"
STATE_KEY = "certbot.tar.gz"
# certbot's lock files: present after every run, never state.
IGNORED = {".certbot.lock"}


def log(message):
    # stdout: certbot reports anything a hook writes to stderr as "ran with error output".
    print(f"jhp-acme-renew: {message}", flush=True)


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None or value == "":
        sys.exit(f"jhp-acme-renew: environment variable {name} is required")
    return value


def http(url, method="GET", body=None, headers=None, context=None, timeout=30):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout, context=context) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


# ── the Kubernetes API, with the pod's ServiceAccount ──────────────────────────────────────────


class Kube:
    SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"

    def __init__(self, namespace):
        self.api = os.environ.get("KUBE_API", "https://kubernetes.default.svc").rstrip("/")
        with open(os.environ.get("KUBE_TOKEN_FILE", f"{self.SA_DIR}/token"), encoding="utf-8") as f:
            self.token = f.read().strip()
        ca_file = os.environ.get("KUBE_CA_FILE", f"{self.SA_DIR}/ca.crt")
        self.context = ssl.create_default_context(cafile=ca_file)
        self.namespace = namespace

    def call(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/merge-patch+json"
        return http(f"{self.api}{path}", method, data, headers, self.context)

    def secret(self, name):
        return self.call("GET", f"/api/v1/namespaces/{self.namespace}/secrets/{name}")

    def patch_secret(self, name, data, resource_version=None):
        body = {"data": data}
        if resource_version:
            # A merge patch naming the resourceVersion fails with 409 if the Secret changed since.
            body["metadata"] = {"resourceVersion": resource_version}
        self.call("PATCH", f"/api/v1/namespaces/{self.namespace}/secrets/{name}", body)

    def roll(self, deployment, annotation, value):
        """What `kubectl rollout restart` does, with a value naming the certificate: rolling twice
        for the same certificate changes nothing."""
        patch = {"spec": {"template": {"metadata": {"annotations": {annotation: value}}}}}
        self.call("PATCH", f"/apis/apps/v1/namespaces/{self.namespace}/deployments/{deployment}", patch)


# ── certbot's config directory <-> one tar.gz in a Secret ─────────────────────────────────────


def tree_digest(root):
    """SHA-256 over every file, link and directory under root (path, kind, mode, content)."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            if name in IGNORED:
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if os.path.islink(path):
                entry = f"L {rel} {os.readlink(path)}"
            elif os.path.isdir(path):
                entry = f"D {rel} {st.st_mode & 0o777:o}"
            else:
                with open(path, "rb") as f:
                    entry = f"F {rel} {st.st_mode & 0o777:o} {hashlib.sha256(f.read()).hexdigest()}"
            h.update(entry.encode("utf-8") + b"\n")
    return h.hexdigest()


def pack(root):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(root, arcname=".", filter=lambda info: None if os.path.basename(info.name) in IGNORED else info)
    return buf.getvalue()


def unpack(blob, root):
    """Extract into root, refusing anything that would land outside it (absolute or `..` paths,
    links pointing out) and anything but files, directories and symlinks. certbot's live/ links
    are relative and stay inside."""
    top = os.path.realpath(root)

    def inside(path):
        real = os.path.realpath(path)
        return real == top or real.startswith(top + os.sep)

    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        members = tar.getmembers()
        for m in members:
            target = os.path.join(top, m.name)
            if not (m.isfile() or m.isdir() or m.issym()) or os.path.isabs(m.name) or not inside(target):
                raise ValueError(f"refusing state entry {m.name!r}")
            if m.issym() and not inside(os.path.join(os.path.dirname(target), m.linkname)):
                raise ValueError(f"refusing state link {m.name!r} -> {m.linkname!r}")
        # Python's own "data" filter too, where it exists (3.11.4 and later).
        tar.extractall(top, members=members, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))


# ── configurable-http-proxy's routes (the certbot hooks) ──────────────────────────────────────


def proxy_route(method):
    url = f"{env('PROXY_API_URL').rstrip('/')}/api/routes{CHALLENGE_ROUTE}"
    headers = {"Authorization": f"token {env('CONFIGPROXY_AUTH_TOKEN')}"}
    body = None
    if method == "POST":
        # JupyterHub only touches routes it added itself, so it leaves this one alone.
        body = json.dumps({"target": f"http://{env('POD_IP')}:{env('SOLVER_PORT')}"}).encode("utf-8")
        headers["Content-Type"] = "application/json"
    http(url, method, body, headers)


# ── one run ───────────────────────────────────────────────────────────────────────────────────


def certbot_command(dirs, self_path):
    email = os.environ.get("EMAIL", "")
    return [
        "certbot", "certonly", "--non-interactive", "--agree-tos", "--no-eff-email",
        *(["--email", email] if email else ["--register-unsafely-without-email"]),
        "--server", env("ACME_SERVER"),
        "--standalone", "--preferred-challenges", "http", "--http-01-port", env("SOLVER_PORT"),
        "--cert-name", env("DOMAIN"), "-d", env("DOMAIN"),
        # certbot's own renewal window: nothing happens until the certificate is due.
        "--keep-until-expiring",
        "--config-dir", dirs["config"], "--work-dir", dirs["work"], "--logs-dir", dirs["logs"],
        "--pre-hook", f"{self_path} route-add", "--post-hook", f"{self_path} route-del",
    ]  # fmt: skip


def first_certificate(pem):
    """The leaf of a PEM chain, normalised (what the proxy serves first)."""
    text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else pem
    end = "-----END CERTIFICATE-----"
    return text[: text.index(end) + len(end)].strip() if end in text else ""


def renew():
    namespace = env("NAMESPACE")
    domain = env("DOMAIN")
    tls_secret, state_secret = env("TLS_SECRET"), env("STATE_SECRET")
    base = os.environ.get("CERTBOT_DIR", "/var/lib/acme-renewer")
    dirs = {name: os.path.join(base, name) for name in ("config", "work", "logs")}
    for d in dirs.values():
        os.makedirs(d, mode=0o700, exist_ok=True)
    kube = Kube(namespace)

    state = kube.secret(state_secret)
    blob = (state.get("data") or {}).get(STATE_KEY)
    if blob:
        unpack(base64.b64decode(blob), dirs["config"])
        log(f"restored certbot's state from secret {state_secret}")
    else:
        log(f"secret {state_secret} holds no state yet: certbot starts afresh")
    before = tree_digest(dirs["config"])

    self_path = os.path.realpath(sys.argv[0])
    result = subprocess.run(certbot_command(dirs, self_path), check=False)

    if tree_digest(dirs["config"]) != before:
        kube.patch_secret(state_secret, {STATE_KEY: base64.b64encode(pack(dirs["config"])).decode()}, state["metadata"]["resourceVersion"])
        log(f"saved certbot's state to secret {state_secret}")

    live = os.path.join(dirs["config"], "live", domain)
    if os.path.exists(os.path.join(live, "fullchain.pem")):
        with open(os.path.join(live, "fullchain.pem"), "rb") as f:
            chain = f.read()
        with open(os.path.join(live, "privkey.pem"), "rb") as f:
            key = f.read()
        current = base64.b64decode((kube.secret(tls_secret).get("data") or {}).get("tls.crt", ""))
        if first_certificate(current) != first_certificate(chain):
            kube.patch_secret(tls_secret, {"tls.crt": base64.b64encode(chain).decode(), "tls.key": base64.b64encode(key).decode()})
            log(f"wrote the certificate for {domain} into secret {tls_secret}")
            fingerprint = hashlib.sha256(first_certificate(chain).encode("ascii")).hexdigest()[:32]
            kube.roll(env("PROXY_DEPLOYMENT"), env("RESTART_ANNOTATION"), fingerprint)
            log(f"rolled deployment {env('PROXY_DEPLOYMENT')} to serve it")
        else:
            log(f"secret {tls_secret} already holds certbot's current certificate")

    if result.returncode != 0:
        log_file = os.path.join(dirs["logs"], "letsencrypt.log")
        if os.path.exists(log_file):
            with open(log_file, encoding="utf-8", errors="replace") as f:
                log("certbot failed; the end of its log:\n" + "".join(f.readlines()[-40:]))
        return result.returncode
    return 0


def usage():
    return (
        "usage: jhp-acme-renew [route-add|route-del]\n"
        "environment: DOMAIN EMAIL ACME_SERVER NAMESPACE TLS_SECRET STATE_SECRET PROXY_DEPLOYMENT\n"
        "  RESTART_ANNOTATION PROXY_API_URL CONFIGPROXY_AUTH_TOKEN POD_IP SOLVER_PORT [CERTBOT_DIR]"
    )


def main(argv):
    command = argv[1] if len(argv) > 1 else "renew"
    try:
        if command == "renew":
            return renew()
        if command == "route-add":
            proxy_route("POST")
            log(f"proxy route {CHALLENGE_ROUTE} -> this pod's port {env('SOLVER_PORT')}")
            return 0
        if command == "route-del":
            proxy_route("DELETE")
            log(f"proxy route {CHALLENGE_ROUTE} removed")
            return 0
    except urllib.error.HTTPError as err:
        log(f"{err.method if hasattr(err, 'method') else ''} {err.url}: HTTP {err.code} {err.read()[:300]!r}")
        return 1
    print(usage(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
