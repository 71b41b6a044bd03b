import * as assert from "assert";
import { proxyArgs } from "../../../../../../components/kubernetes/jupyterhub/proxy/args";
import { proxyDeployment } from "../../../../../../components/kubernetes/jupyterhub/proxy/deployment";
import { proxyApiService, proxyPublicService } from "../../../../../../components/kubernetes/jupyterhub/proxy/services";
import { proxyTlsSecret } from "../../../../../../components/kubernetes/jupyterhub/proxy/tls";
import { ctx, json, PEM_CERT, PEM_KEY } from "../fixtures";

const MANUAL = { "hub.tls.mode": "manual", "hub.tls.certificate": PEM_CERT, "hub.tls.key": PEM_KEY };
const NONE = { "hub.tls.mode": "none" };

describe("jupyterhub-k8s proxy", () => {
    it("plain HTTP: CHP on 8000, its API on 8001, routing to the hub Service", () => {
        assert.deepStrictEqual(proxyArgs(ctx(NONE)), [
            "--ip=0.0.0.0",
            "--api-ip=0.0.0.0",
            "--api-port=8001",
            "--default-target=http://hub:8081",
            "--error-target=http://hub:8081/hub/error",
            "--log-level=info",
            "--port=8000",
        ]);
    });

    it("TLS (manual or letsencrypt): HTTPS on 8443 from the mounted Secret, 8000 redirects to 443", () => {
        for (const c of [ctx(MANUAL), ctx()]) {
            const args = proxyArgs(c);
            assert.deepStrictEqual(args.slice(6), [
                "--port=8443",
                "--ssl-cert=/etc/proxy-tls/tls.crt",
                "--ssl-key=/etc/proxy-tls/tls.key",
                "--redirect-port=8000",
                "--redirect-to=443",
            ]);
            const pod = json(proxyDeployment(c)).spec.template.spec;
            assert.deepStrictEqual(pod.volumes, [{ name: "tls", secret: { secretName: "proxy-tls", defaultMode: 0o444 } }]);
            assert.deepStrictEqual(pod.containers[0].volumeMounts, [{ name: "tls", mountPath: "/etc/proxy-tls", readOnly: true }]);
            assert.strictEqual(pod.containers[0].readinessProbe.httpGet.scheme, "HTTPS");
        }
    });

    it("runs one unprivileged CHP (nobody, no host ports: the namespace's Pod Security level forbids them)", () => {
        const d = json(proxyDeployment(ctx()));
        assert.deepStrictEqual(d.spec.strategy, { type: "Recreate" });
        const pod = d.spec.template.spec;
        const c = pod.containers[0];
        assert.strictEqual(c.securityContext.runAsUser, 65534);
        assert.strictEqual(c.securityContext.runAsNonRoot, true);
        assert.deepStrictEqual(
            c.ports.map((p: { name: string; containerPort: number; hostPort?: number }) => [p.name, p.containerPort, p.hostPort]),
            [
                ["http", 8000, undefined],
                ["https", 8443, undefined],
                ["api", 8001, undefined],
            ],
        );
        assert.strictEqual(pod.hostNetwork, undefined);
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.strictEqual(c.image, "registry.example.org/jupyter/proxy@sha256:" + "c".repeat(64));
        assert.deepStrictEqual(c.args, proxyArgs(ctx()));
    });

    it("reads the proxy token from the hub Secret (the same value the hub uses)", () => {
        const env = json(proxyDeployment(ctx())).spec.template.spec.containers[0].env;
        assert.deepStrictEqual(env, [
            { name: "CONFIGPROXY_AUTH_TOKEN", valueFrom: { secretKeyRef: { name: "hub-secret", key: "proxy-token" } } },
        ]);
    });

    it("may reach the hub and user servers (network-access labels) and sits on the core nodes", () => {
        const c = ctx({ "kubernetes.coreNodeSelector": JSON.stringify(["role=core"]) });
        const t = json(proxyDeployment(c)).spec.template;
        assert.strictEqual(t.metadata.labels["hub.jupyter.org/network-access-hub"], "true");
        assert.strictEqual(t.metadata.labels["hub.jupyter.org/network-access-singleuser"], "true");
        assert.strictEqual(t.metadata.labels.component, "proxy");
        assert.deepStrictEqual(t.spec.nodeSelector, { role: "core" });
    });

    it("proxy-api: ClusterIP on 8001", () => {
        const s = json(proxyApiService(ctx()));
        assert.strictEqual(s.metadata.name, "proxy-api");
        assert.strictEqual(s.spec.type, "ClusterIP");
        assert.deepStrictEqual(s.spec.ports, [{ name: "api", protocol: "TCP", port: 8001, targetPort: "api" }]);
    });

    it("proxy-public: 80 and 443 on the entry node's address (external IP), 80 only without TLS", () => {
        const s = json(proxyPublicService(ctx({}, { publicAddresses: ["10.20.0.15"] })));
        assert.strictEqual(s.metadata.name, "proxy-public");
        assert.deepStrictEqual(s.spec.externalIPs, ["10.20.0.15"]);
        assert.deepStrictEqual(s.spec.ports, [
            { name: "http", protocol: "TCP", port: 80, targetPort: "http" },
            { name: "https", protocol: "TCP", port: 443, targetPort: "https" },
        ]);
        const plain = json(proxyPublicService(ctx(NONE)));
        assert.strictEqual(plain.spec.externalIPs, undefined);
        assert.deepStrictEqual(plain.spec.ports, [{ name: "http", protocol: "TCP", port: 80, targetPort: "http" }]);
        assert.deepStrictEqual(plain.spec.selector, { app: "jupyterhub", release: "jupyterhub", component: "proxy" });
    });

    it("TLS Secret: kubernetes.io/tls with the given pair; none without TLS; an error without a pair", () => {
        const s = json(proxyTlsSecret(ctx(MANUAL), { certificate: "CERT", key: "KEY" }));
        assert.strictEqual(s.type, "kubernetes.io/tls");
        assert.deepStrictEqual(s.stringData, { "tls.crt": "CERT", "tls.key": "KEY" });
        assert.deepStrictEqual(s.metadata.annotations, { "pulumi.com/patchForce": "true" });
        assert.strictEqual(json(proxyTlsSecret(ctx(), { certificate: "C", key: "K" })).metadata.annotations, undefined);
        assert.strictEqual(proxyTlsSecret(ctx(NONE), undefined), undefined);
        assert.throws(() => proxyTlsSecret(ctx(MANUAL), undefined), /needs a certificate/);
    });
});
