/** kubernetes.cluster existing: the hub part alone, on a cluster given by a kubeconfig. */
import * as assert from "assert";
import { parseConfig } from "../../../config/parse";
import type { KubernetesOnExistingClusterConfig } from "../../../config/types";
import * as pulumi from "@pulumi/pulumi";
import { settle } from "../harness";
import { plain, setupMocks, type PlatformMocks } from "../fixtures/platformMocks";
import { EXISTING } from "../config/fixtures";

function existing(extra: Record<string, string> = {}): KubernetesOnExistingClusterConfig {
    const values = { ...EXISTING, ...extra };
    const result = parseConfig(
        { values, secretKeys: new Set(["images.registry.password", "kubernetes.kubeconfig", "kubernetes.gluster.helperToken"]) },
        { project: "jupyterhub-platform", stack: "site", makeSecret: (_k, v) => pulumi.secret(v), projectDir: "/work/project", env: {} },
    );
    if (!result.ok || result.config.topology !== "kubernetes" || result.config.cluster !== "existing") {
        throw new Error(`fixture invalid: ${result.ok ? "not an existing cluster" : result.problems.join("\n")}`);
    }
    return result.config;
}

async function deploy(config: KubernetesOnExistingClusterConfig): Promise<PlatformMocks> {
    const mocks = await setupMocks();
    const { deployTopology } = await import("../../../topologies");
    deployTopology(config);
    await settle(mocks);
    return mocks;
}

type Json = Record<string, unknown> & { spec?: Record<string, unknown> };

describe("kubernetes topology on an existing cluster", () => {
    it("creates no OpenStack resource and no network plugin; the provider is built from the kubeconfig secret", async () => {
        const mocks = await deploy(existing());
        assert.deepStrictEqual(
            mocks.resources.filter((r) => r.type.startsWith("openstack:") || r.type.includes("helm")).map((r) => r.type),
            [],
        );
        const provider = mocks.byName("cluster-k8s");
        assert.match(plain<string>(provider.inputs.kubeconfig), /current-context: site/);
        assert.ok(
            mocks.invokeCalls.every((t) => !t.startsWith("openstack:")),
            mocks.invokeCalls.join(", "),
        );
    });

    it("storage-class homes: only the namespace, no Gluster objects; claims from the configured class", async () => {
        const mocks = await deploy(existing({ "kubernetes.storageClass": "fast-ssd" }));
        const homes = mocks.resources.filter((r) => r.name.startsWith("homes-")).map((r) => r.name);
        assert.deepStrictEqual(homes, ["homes-namespace"]);
        assert.strictEqual(mocks.ofType("kubernetes:core/v1:PersistentVolume").length, 0);
        const pvc = mocks.byName("hub-persistentvolumeclaim-hub-db-dir").inputs as Json;
        assert.strictEqual((pvc.spec as Json).storageClassName, "fast-ssd");
        const doc = JSON.parse(
            (plain<Json>(mocks.byName("hub-configmap-hub-config").inputs.data) as Record<string, string>)["config.json"],
        );
        assert.strictEqual(doc.kubernetes.storageClass, "fast-ssd");
        assert.strictEqual(doc.kubernetes.homesProvisioner, null);
        // The hub creates its own ServiceAccount (no HomesStorage one).
        assert.ok(mocks.resources.some((r) => r.name === "hub-serviceaccount-hub"));
    });

    it("gluster homes: the provisioner objects point at the configured helper hosts, token secret", async () => {
        const mocks = await deploy(
            existing({
                "kubernetes.storage": "gluster",
                "kubernetes.gluster.helperHosts": JSON.stringify(["10.0.0.21"]),
                "kubernetes.gluster.helperToken": "t0ken",
            }),
        );
        const cm = mocks.byName("homes-provisioner-config").inputs as Json;
        assert.strictEqual((cm.data as Record<string, string>).helperHosts, "10.0.0.21");
        const secret = mocks.byName("homes-provisioner-token").inputs as Json;
        assert.strictEqual(plain<Record<string, string>>(secret.stringData).token, "t0ken");
        assert.ok(mocks.resources.some((r) => r.name === "homes-hub-db-pv"));
    });

    it("publishes the proxy as the configured Service type, on a fixed NodePort when asked", async () => {
        const lb = (await deploy(existing())).byName("hub-service-proxy-public").inputs as Json;
        assert.strictEqual((lb.spec as Json).type, "LoadBalancer");
        const np = (
            await deploy(existing({ "kubernetes.proxy.serviceType": "NodePort", "kubernetes.proxy.httpNodePort": "30080" }))
        ).byName("hub-service-proxy-public").inputs as Json;
        assert.strictEqual((np.spec as Json).type, "NodePort");
        assert.deepStrictEqual(
            (np.spec as { ports: { nodePort?: number }[] }).ports.map((p) => p.nodePort),
            [30080],
        );
        const ips = (
            await deploy(
                existing({ "kubernetes.proxy.serviceType": "ClusterIP", "kubernetes.proxy.externalIps": JSON.stringify(["10.0.0.5"]) }),
            )
        ).byName("hub-service-proxy-public").inputs as Json;
        assert.deepStrictEqual((ips.spec as Json).externalIPs, ["10.0.0.5"]);
    });

    it("pulls from images.registry with a dockerconfigjson Secret on every pod and on user pods", async () => {
        const mocks = await deploy(existing());
        const secret = mocks.byName("hub-secret-image-pull-secret").inputs as Json;
        assert.strictEqual(secret.type, "kubernetes.io/dockerconfigjson");
        const config = JSON.parse(plain<Record<string, string>>(secret.stringData)[".dockerconfigjson"]);
        assert.deepStrictEqual(Object.keys(config.auths), ["registry.example.org"]);
        assert.strictEqual(Buffer.from(config.auths["registry.example.org"].auth, "base64").toString(), "robot:s3cret");
        for (const name of ["hub-deployment-hub", "hub-deployment-proxy", "hub-daemonset-continuous-image-puller"]) {
            const spec = ((mocks.byName(name).inputs as Json).spec as { template: { spec: Json } }).template.spec;
            assert.deepStrictEqual(spec.imagePullSecrets, [{ name: "image-pull-secret" }], name);
        }
        const doc = JSON.parse(
            (plain<Json>(mocks.byName("hub-configmap-hub-config").inputs.data) as Record<string, string>)["config.json"],
        );
        assert.deepStrictEqual(doc.kubernetes.imagePullSecrets, ["image-pull-secret"]);
    });
});
