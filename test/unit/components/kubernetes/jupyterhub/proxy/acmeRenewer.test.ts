import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import {
    ACME_SCHEDULE,
    acmeCronJob,
    acmeRenewer,
    acmeRole,
    acmeScript,
} from "../../../../../../components/kubernetes/jupyterhub/proxy/acmeRenewer";
import { ctx, json, PEM_CERT, PEM_KEY, type Json } from "../fixtures";

const SCRIPT_DIR = path.resolve(__dirname, "../../../../../../components/kubernetes/jupyterhub/proxy");

describe("jupyterhub-k8s ACME renewer (letsencrypt)", () => {
    it("exists only with hub.tls.mode letsencrypt", () => {
        assert.deepStrictEqual(
            acmeRenewer(ctx()).map((o) => `${o.kind}/${o.metadata.name}`),
            [
                "ServiceAccount/acme-renewer",
                "Role/acme-renewer",
                "RoleBinding/acme-renewer",
                "ConfigMap/acme-renewer-script",
                "CronJob/acme-renewer",
            ],
        );
        assert.deepStrictEqual(acmeRenewer(ctx({ "hub.tls.mode": "none" })), []);
        assert.deepStrictEqual(acmeRenewer(ctx({ "hub.tls.mode": "manual", "hub.tls.certificate": PEM_CERT, "hub.tls.key": PEM_KEY })), []);
    });

    it("may touch exactly the proxy's TLS Secret and the proxy Deployment", () => {
        assert.deepStrictEqual(json(acmeRole(ctx())).rules, [
            { apiGroups: [""], resources: ["secrets"], resourceNames: ["proxy-tls"], verbs: ["get", "patch"] },
            { apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["proxy"], verbs: ["patch"] },
        ]);
    });

    it("runs hourly in the hub image, configured from hub.domain / hub.tls.*, reaching the proxy API", () => {
        const cj = json(acmeCronJob(ctx({ "hub.tls.acmeServer": "https://acme-staging-v02.api.letsencrypt.org/directory" })));
        assert.strictEqual(cj.spec.schedule, ACME_SCHEDULE);
        assert.strictEqual(cj.spec.concurrencyPolicy, "Forbid");
        const pod = cj.spec.jobTemplate.spec.template.spec;
        const c = pod.containers[0];
        assert.strictEqual(c.image, "registry.example.org/jupyter/hub@sha256:" + "a".repeat(64));
        assert.deepStrictEqual(c.command, ["python3", "/opt/acme-renewer/acme_renew.py"]);
        const env = Object.fromEntries(c.env.map((e: Json) => [e.name, e.value ?? e.valueFrom]));
        assert.strictEqual(env.DOMAIN, "jupyter.example.org");
        assert.strictEqual(env.EMAIL, "ops@example.org");
        assert.strictEqual(env.ACME_SERVER, "https://acme-staging-v02.api.letsencrypt.org/directory");
        assert.strictEqual(env.PROXY_API_URL, "http://proxy-api:8001");
        assert.deepStrictEqual(env.POD_IP, { fieldRef: { fieldPath: "status.podIP" } });
        assert.deepStrictEqual(env.CONFIGPROXY_AUTH_TOKEN, { secretKeyRef: { name: "hub-secret", key: "proxy-token" } });
        assert.strictEqual(pod.serviceAccountName, "acme-renewer");
        assert.strictEqual(pod.restartPolicy, "Never");
        assert.strictEqual(c.securityContext.runAsNonRoot, true);
        assert.strictEqual(cj.spec.jobTemplate.spec.template.metadata.labels["hub.jupyter.org/network-access-proxy-api"], "true");
    });

    it("ships the script in a ConfigMap", () => {
        const cm = json(acmeRenewer(ctx()).find((o) => o.kind === "ConfigMap"));
        assert.strictEqual(cm.data["acme_renew.py"], acmeScript());
        assert.match(acmeScript(), /^#!\/usr\/bin\/env python3/);
    });
});

/** The script's pure parts, run by Python with `cryptography` (as in the hub image). */
describe("jupyterhub-k8s acme_renew.py", function () {
    this.timeout(30000);
    before(function () {
        const probe = spawnSync("python3", ["-c", "import cryptography"], { encoding: "utf8" });
        if (probe.status !== 0) {
            this.skip();
        }
    });

    function python(code: string): string {
        const run = spawnSync("python3", ["-c", code], {
            encoding: "utf8",
            env: { ...process.env, PYTHONPATH: SCRIPT_DIR, PYTHONDONTWRITEBYTECODE: "1" },
        });
        assert.strictEqual(run.status, 0, run.stderr);
        return run.stdout.trim();
    }

    it("renews a missing, unreadable, self-signed, wrong-name or expiring certificate, and only those", () => {
        const out = python(`
import datetime as dt
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
import acme_renew as a
now = dt.datetime.now(dt.timezone.utc)
ca_key = ec.generate_private_key(ec.SECP256R1())
ca = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Unit CA")])
def cert(name, days, issuer=ca, key=ca_key):
    k = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer if issuer else subject)
         .public_key(k.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=days))
         .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False))
    return b.sign(key if issuer else k, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
cases = {
  "none": None,
  "garbage": b"not a certificate",
  "self-signed": cert("hub.example.org", 365, issuer=None),
  "other-name": cert("other.example.org", 80),
  "expiring": cert("hub.example.org", 10),
  "good": cert("hub.example.org", 80),
}
for k, pem in cases.items():
    print(k, "->", a.needs_certificate(pem, "hub.example.org", 30) is not None)
`);
        assert.deepStrictEqual(out.split("\n"), [
            "none -> True",
            "garbage -> True",
            "self-signed -> True",
            "other-name -> True",
            "expiring -> True",
            "good -> False",
        ]);
    });

    it("signs JWS with ES256 as raw r||s and computes the RFC 7638 thumbprint", () => {
        const out = python(`
import base64, hashlib, json
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
import acme_renew as a
key = ec.generate_private_key(ec.SECP256R1())
sig = a.sign_es256(key, b"payload")
assert len(sig) == 64
key.public_key().verify(encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")), b"payload", ec.ECDSA(hashes.SHA256()))
jwk = a.jwk_of(key)
canonical = '{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}' % (jwk["x"], jwk["y"])
expected = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
assert a.thumbprint(jwk) == expected, (a.thumbprint(jwk), expected)
print("ok")
`);
        assert.strictEqual(out, "ok");
    });

    it("answers HTTP-01 requests for known tokens only", () => {
        const out = python(`
import socket, urllib.request, urllib.error
import acme_renew as a
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
with a.Responder(port) as r:
    r.answers["tok"] = "tok.thumb"
    print(urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/acme-challenge/tok").read().decode())
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/acme-challenge/other")
    except urllib.error.HTTPError as e:
        print(e.code)
`);
        assert.deepStrictEqual(
            out.split("\n").filter((l) => !l.startsWith("acme-renewer:")),
            ["tok.thumb", "404"],
        );
    });
});
