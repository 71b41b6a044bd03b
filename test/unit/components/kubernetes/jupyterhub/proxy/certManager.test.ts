import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    TLS_RELOADER_INTERVAL,
    certManagerObjects,
    proxyCertificate,
    tlsReloaderDeployment,
    tlsReloaderRole,
    tlsReloaderScript,
} from "../../../../../../components/kubernetes/jupyterhub/proxy/certManager";
import { proxyDeployment } from "../../../../../../components/kubernetes/jupyterhub/proxy/deployment";
import { proxyTlsSecret } from "../../../../../../components/kubernetes/jupyterhub/proxy/tls";
import { proxyArgs } from "../../../../../../components/kubernetes/jupyterhub/proxy/args";
import { PROXY_TLS_ANNOTATION } from "../../../../../../components/kubernetes/jupyterhub/names";
import { renderHubObjects } from "../../../../../../components/kubernetes/jupyterhub/renderHub";
import { networkPolicies } from "../../../../../../components/kubernetes/jupyterhub/networkPolicies/policies";
import { ctx, json, kinds, PEM_CERT, PEM_KEY, type Json } from "../fixtures";

const CERT_MANAGER = { "hub.tls.mode": "cert-manager", "hub.tls.contactEmail": "", "hub.tls.certManager.issuer": "letsencrypt-prod" };
const SCRIPT_DIR = path.resolve(__dirname, "../../../../../../components/kubernetes/jupyterhub/proxy");

describe("jupyterhub-k8s cert-manager mode", () => {
    it("renders a Certificate for hub.domain from the ClusterIssuer, into the Secret the proxy mounts", () => {
        const c = json(proxyCertificate(ctx(CERT_MANAGER)));
        assert.strictEqual(c.apiVersion, "cert-manager.io/v1");
        assert.strictEqual(c.kind, "Certificate");
        assert.strictEqual(c.metadata.namespace, "jupyterhub");
        assert.deepStrictEqual(c.spec.dnsNames, ["jupyter.example.org"]);
        assert.strictEqual(c.spec.secretName, "proxy-tls");
        assert.deepStrictEqual(c.spec.issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: "letsencrypt-prod" });
        assert.strictEqual(c.spec.privateKey.rotationPolicy, "Always");
        assert.strictEqual(c.spec.secretTemplate.labels.component, "proxy");
        const proxy = json(proxyDeployment(ctx(CERT_MANAGER)));
        assert.deepStrictEqual(proxy.spec.template.spec.volumes, [
            { name: "tls", secret: { secretName: c.spec.secretName, defaultMode: 0o444 } },
        ]);
        assert.ok(proxyArgs(ctx(CERT_MANAGER)).includes("--ssl-cert=/etc/proxy-tls/tls.crt"));
    });

    it("references a namespaced Issuer when asked", () => {
        const c = json(
            proxyCertificate(ctx({ ...CERT_MANAGER, "hub.tls.certManager.issuer": "site-ca", "hub.tls.certManager.issuerKind": "Issuer" })),
        );
        assert.deepStrictEqual(c.spec.issuerRef, { group: "cert-manager.io", kind: "Issuer", name: "site-ca" });
    });

    it("never creates the proxy-tls Secret itself (cert-manager owns it)", () => {
        assert.strictEqual(proxyTlsSecret(ctx(CERT_MANAGER), undefined), undefined);
        const objects = renderHubObjects(ctx(CERT_MANAGER), {
            documentJson: "{}",
            documentChecksum: "0",
            secrets: { cookieSecret: "c", proxyToken: "p", cryptKey: "k" },
            registryDockerConfig: "{}",
        });
        const names = kinds(objects);
        assert.ok(!names.includes("Secret/proxy-tls"), names.join(", "));
        assert.ok(!names.some((n) => n.includes("acme-renewer")), "no certbot renewer in cert-manager mode");
        // The Certificate is applied with the configuration, before the workloads that need its Secret.
        assert.ok(names.indexOf("Certificate/proxy-tls") < names.indexOf("Deployment/proxy"));
        for (const n of [
            "ServiceAccount/proxy-tls-reloader",
            "Role/proxy-tls-reloader",
            "RoleBinding/proxy-tls-reloader",
            "ConfigMap/proxy-tls-reloader-script",
            "Deployment/proxy-tls-reloader",
            "NetworkPolicy/proxy-tls-reloader",
        ]) {
            assert.ok(names.includes(n), `${n} in ${names.join(", ")}`);
        }
    });

    it("exists only in cert-manager mode", () => {
        assert.deepStrictEqual(certManagerObjects(ctx()), []);
        assert.deepStrictEqual(
            certManagerObjects(ctx({ "hub.tls.mode": "manual", "hub.tls.certificate": PEM_CERT, "hub.tls.key": PEM_KEY })),
            [],
        );
        assert.deepStrictEqual(certManagerObjects(ctx({ "hub.tls.mode": "none" })), []);
    });

    it("the reloader may read that Secret and roll that Deployment, nothing else", () => {
        assert.deepStrictEqual(json(tlsReloaderRole(ctx(CERT_MANAGER))).rules, [
            { apiGroups: [""], resources: ["secrets"], resourceNames: ["proxy-tls"], verbs: ["get"] },
            { apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["proxy"], verbs: ["get", "patch"] },
        ]);
    });

    it("the reloader runs the ConfigMap's script in the hub image against proxy-public's HTTPS port", () => {
        const d = json(tlsReloaderDeployment(ctx(CERT_MANAGER)));
        const pod = d.spec.template.spec;
        const c = pod.containers[0];
        assert.strictEqual(c.image, "registry.example.org/jupyter/hub@sha256:" + "a".repeat(64));
        assert.deepStrictEqual(c.command, ["python3", "/opt/proxy-tls-reloader/tls_reloader.py"]);
        const env = Object.fromEntries(c.env.map((e: Json) => [e.name, e.value]));
        assert.strictEqual(env.PROXY_HOST, "proxy-public");
        assert.strictEqual(env.PROXY_PORT, "443");
        assert.strictEqual(env.ANNOTATION, PROXY_TLS_ANNOTATION);
        assert.strictEqual(env.INTERVAL, String(TLS_RELOADER_INTERVAL));
        assert.strictEqual(env.TLS_SECRET, "proxy-tls");
        assert.strictEqual(pod.serviceAccountName, "proxy-tls-reloader");
        assert.strictEqual(c.securityContext.runAsNonRoot, true);
        const cm = certManagerObjects(ctx(CERT_MANAGER)).find((o) => o.kind === "ConfigMap");
        assert.strictEqual(json(cm).data["tls_reloader.py"], tlsReloaderScript());
    });

    it("the reloader's NetworkPolicy lets it reach the proxy's HTTPS port and nothing reach it", () => {
        const np = json(networkPolicies(ctx(CERT_MANAGER)).find((p) => p.metadata.name === "proxy-tls-reloader"));
        assert.deepStrictEqual(np.spec.ingress, []);
        assert.deepStrictEqual(np.spec.egress[0], {
            to: [{ podSelector: { matchLabels: { app: "jupyterhub", release: "jupyterhub", component: "proxy" } } }],
            ports: [{ protocol: "TCP", port: 8443 }],
        });
    });
});

/** tls_reloader.py's decision, against a real TLS server (Python's ssl) and a recording API stand-in. */
describe("jupyterhub-k8s tls_reloader.py", function () {
    this.timeout(60000);
    let dir = "";
    before(function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tls-reloader-"));
        for (const name of ["a", "b"]) {
            const r = spawnSync(
                "openssl",
                [
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-days",
                    "2",
                    "-subj",
                    `/CN=${name}.example.org`,
                    "-keyout",
                    path.join(dir, `${name}.key`),
                    "-out",
                    path.join(dir, `${name}.crt`),
                ],
                { encoding: "utf8" },
            );
            if (r.status !== 0) {
                this.skip();
            }
        }
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    function scenario(secretCert: string, servedCert: string | null, annotation: string | null): string[] {
        const code = `
import base64, json, socket, ssl, threading, sys, urllib.error
import tls_reloader as r
d = sys.argv[1]
secret_cert, served, annotation = sys.argv[2], sys.argv[3], sys.argv[4]
port = 1
if served != "none":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(f"{d}/{served}.crt", f"{d}/{served}.key")
    srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(); port = srv.getsockname()[1]
    def serve():
        while True:
            c, _ = srv.accept()
            try:
                ctx.wrap_socket(c, server_side=True).close()
            except OSError:
                pass
    threading.Thread(target=serve, daemon=True).start()
else:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
calls = []
class Kube:
    def call(self, method, path, body=None):
        calls.append([method, path, body])
        if "/secrets/" in path:
            if secret_cert == "missing":
                raise urllib.error.HTTPError(path, 404, "Not Found", {}, None)
            data = {} if secret_cert == "none" else {"tls.crt": base64.b64encode(open(f"{d}/{secret_cert}.crt", "rb").read()).decode()}
            return {"data": data}
        ann = {} if annotation == "none" else {"jupyterhub-platform/tls-certificate": r.fingerprint(open(f"{d}/{annotation}.crt").read())}
        return {"spec": {"template": {"metadata": {"annotations": ann}}}}
env = {"NAMESPACE": "ns", "TLS_SECRET": "proxy-tls", "PROXY_DEPLOYMENT": "proxy", "ANNOTATION": "jupyterhub-platform/tls-certificate", "PROXY_HOST": "127.0.0.1", "PROXY_PORT": str(port)}
said = r.check(Kube(), env)
patches = [c for c in calls if c[0] == "PATCH"]
print(json.dumps(said))
print(json.dumps(patches))
`;
        const run = spawnSync("python3", ["-c", code, dir, secretCert, servedCert ?? "none", annotation ?? "none"], {
            encoding: "utf8",
            env: { ...process.env, PYTHONPATH: SCRIPT_DIR, PYTHONDONTWRITEBYTECODE: "1" },
        });
        assert.strictEqual(run.status, 0, run.stderr);
        return run.stdout.trim().split("\n");
    }

    const fp = (name: string) => {
        const run = spawnSync(
            "python3",
            ["-c", `import tls_reloader as r, sys; print(r.fingerprint(open(sys.argv[1]).read()))`, path.join(dir, `${name}.crt`)],
            {
                encoding: "utf8",
                env: { ...process.env, PYTHONPATH: SCRIPT_DIR },
            },
        );
        return run.stdout.trim();
    };

    it("does nothing while the proxy serves the Secret's certificate", () => {
        assert.deepStrictEqual(scenario("a", "a", null), ["null", "[]"]);
    });

    it("rolls the proxy, naming the new certificate, when it serves another one", () => {
        const [said, patches] = scenario("b", "a", "a");
        assert.match(JSON.parse(said), /rolled it/);
        assert.deepStrictEqual(JSON.parse(patches), [
            [
                "PATCH",
                "/apis/apps/v1/namespaces/ns/deployments/proxy",
                { spec: { template: { metadata: { annotations: { [PROXY_TLS_ANNOTATION]: fp("b") } } } } },
            ],
        ]);
    });

    it("does not roll twice for one certificate while the new pod starts", () => {
        const [said, patches] = scenario("b", "a", "b");
        assert.match(JSON.parse(said), /already rolled/);
        assert.strictEqual(patches, "[]");
    });

    it("waits when the Secret has no certificate yet or the proxy does not answer", () => {
        assert.match(JSON.parse(scenario("none", "a", null)[0]), /no certificate yet/);
        assert.match(JSON.parse(scenario("missing", "a", null)[0]), /does not exist yet/);
        const [said, patches] = scenario("b", null, null);
        assert.match(JSON.parse(said), /does not answer/);
        assert.strictEqual(patches, "[]");
    });
});
