import * as assert from "assert";
import * as openstack from "@pulumi/openstack";
import * as YAML from "yaml";
import { settle, valueOf, isSecret } from "../harness";
import type { KubernetesOnOpenStackConfig } from "../../../config/types";
import { caCertHash, TOKEN_PATTERN } from "../../../components/kubeadm/kubeadmConfig";
import { MOCK_PUBLIC_KEY_PEM, optionsRecorder, plain, isSecretInput, prodConfig, setupMocks } from "../fixtures/platformMocks";

async function deployTopology(config: KubernetesOnOpenStackConfig) {
    const mocks = await setupMocks();
    const { deployKubernetes } = await import("../../../topologies/kubernetes");
    const outputs = deployKubernetes(config);
    await settle(mocks);
    return { mocks, outputs };
}

type WriteFile = { path: string; content: string };
function files(userData: unknown): Map<string, string> {
    const doc = YAML.parse(plain<string>(userData)) as { write_files: WriteFile[] };
    return new Map(doc.write_files.map((f) => [f.path, f.content]));
}

describe("kubernetes topology (prod stack)", () => {
    it("creates storage, control-plane and worker VMs, a floating IP for the API and one for the entry node", async () => {
        const { mocks } = await deployTopology(prodConfig());
        const names = mocks.ofType("openstack:compute/instance:Instance").map((r) => r.name);
        assert.deepStrictEqual(names.sort(), [
            "cluster-cp-0-vm",
            "cluster-worker-0-vm",
            "cluster-worker-1-vm",
            "gluster-0-vm",
            "gluster-1-vm",
            "gluster-2-vm",
        ]);
        assert.strictEqual(mocks.ofType("openstack:networking/floatingIp:FloatingIp").length, 2);
        assert.strictEqual(mocks.ofType("openstack:networking/secGroup:SecGroup").length, 4);
        const bricks = mocks.ofType("openstack:blockstorage/volume:Volume");
        assert.deepStrictEqual(
            bricks.map((b) => [b.name, b.inputs.size]),
            [
                ["gluster-0-brick", 500],
                ["gluster-1-brick", 500],
                ["gluster-2-brick", 500],
            ],
        );
        // The entry node (worker 0) is in the entry group; the API floating IP is on control plane 0.
        assert.deepStrictEqual(mocks.byName("cluster-worker-0-port").inputs.securityGroupIds, [
            "secgroups-worker-id",
            "secgroups-entry-id",
        ]);
        assert.deepStrictEqual(mocks.byName("cluster-worker-1-port").inputs.securityGroupIds, ["secgroups-worker-id"]);
        assert.strictEqual(mocks.byName("cluster-api-fip-assoc").inputs.portId, "cluster-cp-0-port-id");
        assert.strictEqual(mocks.byName("cluster-entry-fip-assoc").inputs.portId, "cluster-worker-0-port-id");
    });

    it("makes the bootstrap token with RandomPassword in kubeadm's alphabet", async () => {
        const { mocks } = await deployTopology(prodConfig());
        const id = mocks.byName("cluster-token-id").inputs;
        const secret = mocks.byName("cluster-token-secret").inputs;
        assert.deepStrictEqual([id.length, id.upper, id.lower, id.numeric, id.special], [6, false, true, true, false]);
        assert.strictEqual(secret.length, 16);
        assert.strictEqual(mocks.ofType("random:index/randomString:RandomString").length, 0);
        const join = YAML.parse(files(mocks.byName("cluster-worker-0-vm").inputs.userData).get("/etc/kubernetes/kubeadm/join.yaml")!);
        assert.match(join.discovery.bootstrapToken.token, TOKEN_PATTERN);
        assert.deepStrictEqual(join.discovery.bootstrapToken.caCertHashes, [caCertHash(MOCK_PUBLIC_KEY_PEM)]);
        assert.match(join.discovery.bootstrapToken.apiServerEndpoint, /^10\.20\.0\.\d+:6443$/);
    });

    it("hands the program's CA to kubeadm in secret control-plane user-data and signs an admin cert", async () => {
        const { mocks } = await deployTopology(prodConfig());
        const cp = mocks.byName("cluster-cp-0-vm").inputs;
        assert.ok(isSecretInput(cp.userData), "control-plane user-data is secret");
        const f = files(cp.userData);
        assert.match(f.get("/etc/kubernetes/pki/ca.key")!, /BEGIN RSA PRIVATE KEY/);
        assert.match(f.get("/etc/kubernetes/pki/ca.crt")!, /mock-cluster-pki-ca/);
        const init = YAML.parseAllDocuments(f.get("/etc/kubernetes/kubeadm/init.yaml")!).map((d) => d.toJS());
        assert.match(init[0].bootstrapTokens[0].token, TOKEN_PATTERN);
        assert.ok(
            init[1].apiServer.certSANs.some((s: string) => s.startsWith("203.0.113.")),
            "floating IP in the API certificate",
        );
        assert.ok(isSecretInput(mocks.byName("cluster-worker-0-vm").inputs.userData), "worker user-data holds the token");
        assert.ok(isSecretInput(mocks.byName("gluster-0-vm").inputs.userData), "storage user-data holds the helper token");

        const csr = mocks.byName("cluster-pki-admin-csr").inputs as { subject: Record<string, string> };
        assert.deepStrictEqual(csr.subject, { commonName: "kubernetes-admin", organization: "kubeadm:cluster-admins" });
        const admin = mocks.byName("cluster-pki-admin").inputs as Record<string, unknown>;
        assert.deepStrictEqual(admin.allowedUses, ["digital_signature", "key_encipherment", "client_auth"]);
        assert.match(String(plain(admin.caCertPem)), /mock-cluster-pki-ca/);
        const ca = mocks.byName("cluster-pki-ca").inputs as Record<string, unknown>;
        assert.strictEqual(ca.isCaCertificate, true);
    });

    it("exports the kubeconfig as a secret and builds the explicit Kubernetes provider from it, after /readyz", async () => {
        const { mocks, outputs } = await deployTopology(prodConfig());
        assert.ok(await isSecret(outputs.kubeconfig as never));
        const kc = YAML.parse(await valueOf(outputs.kubeconfig as never));
        assert.match(kc.clusters[0].cluster.server, /^https:\/\/203\.0\.113\.\d+:6443$/);
        const provider = mocks.byName("cluster-k8s").inputs;
        assert.ok(isSecretInput(provider.kubeconfig), "the provider gets the kubeconfig as a secret");
        assert.strictEqual(
            plain<string>(provider.kubeconfig),
            await valueOf(outputs.kubeconfig as never),
            "built from the program's kubeconfig",
        );
        const ready = mocks.byName("cluster-api-ready").inputs;
        assert.strictEqual(ready.url, kc.clusters[0].cluster.server);
        assert.ok(isSecretInput(ready.clientKeyPem), "the admin key stays secret in the waiter's state");
        // Calico, namespace and storage objects all go through that provider.
        for (const name of ["calico-operator", "homes-namespace", "homes-storage-class", "homes-hub-db-pv", "homes-provisioner-token"]) {
            assert.ok(
                mocks.providers.get(name)?.includes("pulumi:providers:kubernetes::cluster-k8s"),
                `${name}: ${mocks.providers.get(name)}`,
            );
        }
        const secret = mocks.byName("homes-provisioner-token").inputs as { stringData: unknown };
        assert.ok(isSecretInput(secret.stringData) || isSecretInput((secret.stringData as Record<string, unknown>).token));
    });

    it("installs Calico in the configured mode through the tigera-operator chart", async () => {
        const { mocks } = await deployTopology(prodConfig({ "kubernetes.calico.mode": "ipip" }));
        const release = mocks.byName("calico-operator").inputs as {
            chart: string;
            version: string;
            repositoryOpts: { repo: string };
            values: { installation: { calicoNetwork: { ipPools: { encapsulation: string }[] } } };
        };
        assert.strictEqual(release.chart, "tigera-operator");
        assert.strictEqual(release.version, "v3.29.3");
        assert.strictEqual(release.repositoryOpts.repo, "https://docs.tigera.io/calico/charts");
        assert.strictEqual(release.values.installation.calicoNetwork.ipPools[0].encapsulation, "IPIP");
    });

    it("adds the pod CIDR as allowed address pair on node ports only in bgp mode", async () => {
        const bgp = (await deployTopology(prodConfig({ "kubernetes.calico.mode": "bgp" }))).mocks;
        for (const p of ["cluster-cp-0-port", "cluster-worker-0-port", "cluster-worker-1-port"]) {
            assert.deepStrictEqual(bgp.byName(p).inputs.allowedAddressPairs, [{ ipAddress: "192.168.0.0/16" }], p);
        }
        assert.strictEqual(bgp.byName("gluster-0-port").inputs.allowedAddressPairs, undefined);
        const vxlan = (await deployTopology(prodConfig())).mocks;
        assert.strictEqual(vxlan.byName("cluster-worker-0-port").inputs.allowedAddressPairs, undefined);
    });

    it("forms the Gluster volume from all storage peers; workers mount it with backups", async () => {
        const { mocks } = await deployTopology(prodConfig());
        const storageIps = ["gluster-0-port", "gluster-1-port", "gluster-2-port"].map((n) => n);
        assert.strictEqual(storageIps.length, 3);
        const env0 = files(mocks.byName("gluster-0-vm").inputs.userData).get("/etc/jupyterhub-platform/gluster.env")!;
        assert.match(env0, /^PEERS='10\.20\.0\.\d+ 10\.20\.0\.\d+ 10\.20\.0\.\d+'$/m);
        assert.match(env0, /^REPLICA=3$/m);
        assert.match(env0, /^QUOTA_BYTES=1073741824$/m);
        const envW = files(mocks.byName("cluster-worker-1-vm").inputs.userData).get("/etc/jupyterhub-platform/gluster.env")!;
        assert.strictEqual(envW.match(/^PEERS=.*$/m)![0], env0.match(/^PEERS=.*$/m)![0]);
    });
});

describe("data protection of cluster volumes", () => {
    async function gluster(config: KubernetesOnOpenStackConfig) {
        const mocks = await setupMocks();
        const { GlusterStorage } = await import("../../../components/openstack/glusterStorage");
        const rec = optionsRecorder();
        const provider = new openstack.Provider("os", { cloud: "unit" });
        new GlusterStorage(
            "gluster",
            {
                config,
                provider,
                namePrefix: "p",
                networkId: "n",
                subnetId: "s",
                securityGroupIds: ["sg"],
                keyPairName: "k",
                imageId: config.openstack.image,
            },
            { transformations: [rec.transformation] },
        );
        await settle(mocks);
        return { mocks, options: rec.seen };
    }

    it("brick volumes are protected and retained; instances are replaceable", async () => {
        const { options } = await gluster(prodConfig());
        for (let i = 0; i < 3; i++) {
            assert.deepStrictEqual(
                [options.get(`gluster-${i}-brick`)?.protect, options.get(`gluster-${i}-brick`)?.retainOnDelete],
                [true, true],
            );
            assert.strictEqual(options.get(`gluster-${i}-vm`)?.deleteBeforeReplace, true);
        }
    });

    it("a new image changes the storage instances but no brick volume", async () => {
        const a = (await gluster(prodConfig())).mocks;
        const before = new Map(a.resources.map((r) => [r.name, JSON.stringify(r.inputs)]));
        const b = (await gluster(prodConfig({ "openstack.image": "Debian 13" }))).mocks;
        const changed = b.resources.filter((r) => before.get(r.name) !== JSON.stringify(r.inputs)).map((r) => r.name);
        assert.deepStrictEqual(changed.sort(), ["gluster-0-vm", "gluster-1-vm", "gluster-2-vm"]);
    });
});
