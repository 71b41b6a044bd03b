import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { clusterFacts, kubeStackConfig } from "../../../bench/cluster";

const ROOT = path.resolve(__dirname, "../../..");

describe("bench: the kubernetes stack on the local cluster", () => {
    it("reads the cluster's facts from tools/local-cluster/lib.sh (the one place they are defined)", () => {
        const f = clusterFacts();
        const gomod = fs.readFileSync(path.join(ROOT, "tools/offline/go-tools/go/kube/go.mod"), "utf8");
        const pinned = /^\s*k8s\.io\/kubernetes v(\S+)$/m.exec(gomod)?.[1];
        assert.strictEqual(f.kubeVersion, pinned);
        assert.match(f.nodeIp, /^\d+\.\d+\.\d+\.\d+$/);
        assert.strictEqual(f.schedulerImage, `jupyterhub-platform/kube-scheduler:v${pinned}`);
        assert.match(f.pauseImage, /^jupyterhub-platform\/pause:\d/);
        assert.strictEqual(f.storageClass, "local-path");
    });

    it("configures an existing-cluster stack: proxy-public on the node, images via the registry, its password secret", () => {
        const facts = { nodeIp: "10.0.0.2", kubeVersion: "1.33.13", schedulerImage: "s:1", pauseImage: "p:1", storageClass: "sc" };
        const cfg = kubeStackConfig({
            namespace: "jhp-load",
            admin: "load-admin",
            registry: { server: "127.0.0.1:15200", username: "u", password: "secret-pw" },
            facts,
            baseImages: { "images.hubBaseImage": "base/hub:1" },
        });
        const get = (k: string) => cfg.find(([key]) => key === k);
        assert.strictEqual(get("topology")?.[1], "kubernetes");
        assert.strictEqual(get("kubernetes.cluster")?.[1], "existing");
        assert.strictEqual(get("kubernetes.namespace")?.[1], "jhp-load");
        assert.strictEqual(get("kubernetes.version")?.[1], "1.33.13");
        assert.strictEqual(get("kubernetes.storageClass")?.[1], "sc");
        assert.deepStrictEqual(JSON.parse(get("kubernetes.proxy.externalIps")?.[1] ?? "null"), ["10.0.0.2"]);
        assert.strictEqual(get("kubernetes.schedulerImage")?.[1], "s:1");
        assert.strictEqual(get("kubernetes.pauseImage")?.[1], "p:1");
        assert.strictEqual(get("kubernetes.userPlaceholders")?.[1], "0");
        assert.deepStrictEqual(JSON.parse(get("hub.adminUsers")?.[1] ?? "null"), ["load-admin"]);
        assert.strictEqual(get("images.hubBaseImage")?.[1], "base/hub:1");
        // Only the registry password is a secret (the kubeconfig is set apart, also as a secret).
        assert.deepStrictEqual(
            cfg.filter(([, , secret]) => secret).map(([k]) => k),
            ["images.registry.password"],
        );
        assert.strictEqual(new Set(cfg.map(([k]) => k)).size, cfg.length, "a key set twice");
    });
});
