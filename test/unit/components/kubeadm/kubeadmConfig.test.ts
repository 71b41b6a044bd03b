import * as assert from "assert";
import * as crypto from "crypto";
import * as YAML from "yaml";
import {
    adminGroup,
    caCertHash,
    renderInitConfig,
    renderJoinConfig,
    renderKubeconfig,
    TOKEN_PATTERN,
} from "../../../../components/kubeadm/kubeadmConfig";

const token = "abcdef.0123456789abcdef";
const net = {
    version: "1.33.5",
    clusterName: "jh-prod",
    podCidr: "192.168.0.0/16",
    serviceCidr: "10.96.0.0/12",
    controlPlaneEndpoint: "10.20.0.11:6443",
    certSans: ["203.0.113.5", "10.20.0.11"],
};

describe("kubeadm configuration", () => {
    it("init config is v1beta4 with the program's token, endpoint, SANs and networks", () => {
        const docs = YAML.parseAllDocuments(renderInitConfig({ ...net, token, advertiseAddress: "10.20.0.11" })).map((d) => d.toJS());
        assert.deepStrictEqual(
            docs.map((d) => [d.apiVersion, d.kind]),
            [
                ["kubeadm.k8s.io/v1beta4", "InitConfiguration"],
                ["kubeadm.k8s.io/v1beta4", "ClusterConfiguration"],
                ["kubelet.config.k8s.io/v1beta1", "KubeletConfiguration"],
            ],
        );
        const [init, cluster, kubelet] = docs;
        assert.strictEqual(init.bootstrapTokens[0].token, token);
        assert.strictEqual(init.bootstrapTokens[0].ttl, "0s");
        assert.deepStrictEqual(init.localAPIEndpoint, { advertiseAddress: "10.20.0.11", bindPort: 6443 });
        assert.strictEqual(cluster.kubernetesVersion, "v1.33.5");
        assert.strictEqual(cluster.controlPlaneEndpoint, "10.20.0.11:6443");
        assert.deepStrictEqual(cluster.networking, {
            podSubnet: "192.168.0.0/16",
            serviceSubnet: "10.96.0.0/12",
            dnsDomain: "cluster.local",
        });
        assert.deepStrictEqual(cluster.apiServer.certSANs, ["203.0.113.5", "10.20.0.11"]);
        assert.deepStrictEqual(
            cluster.apiServer.extraArgs,
            [{ name: "profiling", value: "false" }],
            "v1beta4 extraArgs are name/value lists",
        );
        assert.strictEqual(kubelet.cgroupDriver, "systemd");
    });
    it("refuses malformed tokens and versions older than v1beta4", () => {
        assert.throws(() => renderInitConfig({ ...net, token: "ABCDEF.0123456789abcdef", advertiseAddress: "10.0.0.1" }), /token/);
        assert.throws(() => renderInitConfig({ ...net, version: "1.30.2", token, advertiseAddress: "10.0.0.1" }), /v1beta4/);
        assert.ok(TOKEN_PATTERN.test(token));
    });
    it("join config discovers the cluster by token and CA hash; control planes add their endpoint", () => {
        const hash = "sha256:" + "a".repeat(64);
        const worker = YAML.parse(renderJoinConfig({ token, caCertHash: hash, apiServerEndpoint: "10.20.0.11:6443" }));
        assert.deepStrictEqual(worker.discovery.bootstrapToken, { apiServerEndpoint: "10.20.0.11:6443", token, caCertHashes: [hash] });
        assert.strictEqual(worker.controlPlane, undefined);
        const cp = YAML.parse(
            renderJoinConfig({ token, caCertHash: hash, apiServerEndpoint: "10.20.0.11:6443", controlPlaneAddress: "10.20.0.12" }),
        );
        assert.deepStrictEqual(cp.controlPlane, { localAPIEndpoint: { advertiseAddress: "10.20.0.12", bindPort: 6443 } });
        assert.throws(() => renderJoinConfig({ token, caCertHash: "sha256:xyz", apiServerEndpoint: "x:6443" }), /caCertHash/);
    });
    it("CA hash is sha256 over the public key's SubjectPublicKeyInfo", () => {
        const { publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
        const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
        const expected = crypto
            .createHash("sha256")
            .update(publicKey.export({ type: "spki", format: "der" }))
            .digest("hex");
        assert.strictEqual(caCertHash(pem), `sha256:${expected}`);
    });
    it("admin group is kubeadm:cluster-admins from 1.29 on", () => {
        assert.strictEqual(adminGroup("1.28.9"), "system:masters");
        assert.strictEqual(adminGroup("1.29.0"), "kubeadm:cluster-admins");
        assert.strictEqual(adminGroup("1.33.5"), "kubeadm:cluster-admins");
    });
    it("kubeconfig embeds CA and client certificate", () => {
        const kc = YAML.parse(
            renderKubeconfig({
                clusterName: "c",
                server: "https://203.0.113.5:6443",
                caCertPem: "CA",
                clientCertPem: "CERT",
                clientKeyPem: "KEY",
            }),
        );
        assert.strictEqual(kc["current-context"], "kubernetes-admin@c");
        assert.strictEqual(Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64").toString(), "CA");
        assert.strictEqual(Buffer.from(kc.users[0].user["client-key-data"], "base64").toString(), "KEY");
        assert.strictEqual(kc.clusters[0].cluster.server, "https://203.0.113.5:6443");
    });
});
