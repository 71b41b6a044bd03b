import * as assert from "assert";
import {
    renderProvisionerConfigMap,
    renderProvisionerRbac,
    renderProvisionerSecret,
    type HomesParams,
} from "../../../../../../components/kubernetes/homesStorage";
import { HOMES_TOKEN_ENV, HUB_PATHS } from "../../../../../../components/hub/contract";
import { hubDeployment, homesProvisionerMounts } from "../../../../../../components/kubernetes/jupyterhub/hub/deployment";
import { renderHubObjects } from "../../../../../../components/kubernetes/jupyterhub/renderHub";
import { ctx, hubDocument, json, PEM_CERT, PEM_KEY } from "../fixtures";

const PARAMS: HomesParams = { namespace: "jupyterhub", homeSizeBytes: 1, hubDbSizeBytes: 1, helperHosts: ["10.0.0.5"], helperPort: 24100 };

describe("jupyterhub-k8s Gluster homes provisioner (hub side)", () => {
    it("is off by default: no extra volumes, mounts or environment, and no hook in the document", () => {
        const c = ctx();
        assert.deepStrictEqual(homesProvisionerMounts(c), { volumes: [], volumeMounts: [], env: [] });
        const pod = json(hubDeployment(c, "x")).spec.template.spec;
        assert.ok(!pod.volumes.some((v: { name: string }) => v.name.startsWith("homes")));
        assert.ok(!pod.containers[0].env.some((e: { name: string }) => e.name === HOMES_TOKEN_ENV));
        const k = (hubDocument(c) as Record<string, Record<string, unknown>>).kubernetes;
        assert.strictEqual(k.homesProvisioner, null);
    });

    it("mounts the ConfigMap and Secret that HomesStorage creates, and points the hook at them", () => {
        const c = ctx({}, { homesProvisioner: true });
        const pod = json(hubDeployment(c, "x")).spec.template.spec;
        const cm = renderProvisionerConfigMap(PARAMS);
        const secret = renderProvisionerSecret(PARAMS, "t");
        const volumes = pod.volumes.filter((v: { name: string }) => v.name.startsWith("homes"));
        assert.deepStrictEqual(volumes, [
            { name: "homes-provisioner", configMap: { name: cm.metadata.name, defaultMode: 0o444 } },
            { name: "homes-token", secret: { secretName: secret.metadata.name, defaultMode: 0o440 } },
        ]);
        const hub = pod.containers[0];
        const mounts = hub.volumeMounts.filter((m: { name: string }) => m.name.startsWith("homes"));
        assert.deepStrictEqual(mounts, [
            { name: "homes-provisioner", mountPath: "/etc/jupyterhub/homes-provisioner", readOnly: true },
            { name: "homes-token", mountPath: "/etc/jupyterhub/homes-secret", readOnly: true },
        ]);
        // The Secret's key is `token`; the hub gets its path, never its value.
        assert.ok(Object.keys(secret.stringData as object).includes("token"));
        assert.ok(
            hub.env.some(
                (e: { name: string; value: string }) =>
                    e.name === "PLATFORM_HOMES_TOKEN_FILE" && e.value === "/etc/jupyterhub/homes-secret/token",
            ),
        );
        assert.ok(hub.env.every((e: { valueFrom?: unknown }) => e.valueFrom === undefined));
        // The ConfigMap's keys are the files the hook reads.
        assert.deepStrictEqual(Object.keys(cm.data as object).sort(), [
            "helperHosts",
            "helperPort",
            "homesPath",
            "pv-template.json",
            "storageClass",
        ]);
        // The document tells the hook where the ConfigMap is.
        const k = (hubDocument(c) as Record<string, Record<string, unknown>>).kubernetes;
        assert.deepStrictEqual(k.homesProvisioner, { configDir: HUB_PATHS.homesConfigDir });
    });

    it("the PV template binds to KubeSpawner's claim-{username}, and the hub's account may create PVs", () => {
        const c = ctx({}, { homesProvisioner: true });
        const doc = hubDocument(c) as { kubernetes: { homePvcTemplate: string; homeSizeBytes: number } };
        const pv = JSON.parse((renderProvisionerConfigMap(PARAMS).data as Record<string, string>)["pv-template.json"]);
        assert.strictEqual(pv.spec.claimRef.name, doc.kubernetes.homePvcTemplate);
        const [sa, role, binding] = renderProvisionerRbac(PARAMS);
        assert.strictEqual(sa.metadata.name, c.names.hubServiceAccount);
        assert.ok(
            (role.rules as { resources: string[]; verbs: string[] }[]).some(
                (r) => r.resources.includes("persistentvolumes") && r.verbs.includes("create"),
            ),
        );
        assert.deepStrictEqual((binding.subjects as { name: string }[])[0].name, c.names.hubServiceAccount);
    });

    it("renderHubObjects carries the mounts into the hub Deployment", () => {
        const c = ctx({}, { homesProvisioner: true });
        const objects = renderHubObjects(c, {
            documentJson: "{}",
            documentChecksum: "x",
            secrets: { cookieSecret: "c", proxyToken: "p", cryptKey: "k" },
            tls: { certificate: PEM_CERT, key: PEM_KEY },
            registryDockerConfig: "{}",
        });
        const dep = json(objects.find((o) => o.kind === "Deployment" && o.metadata.name === "hub"));
        assert.ok(dep.spec.template.spec.volumes.some((v: { name: string }) => v.name === "homes-token"));
    });
});
