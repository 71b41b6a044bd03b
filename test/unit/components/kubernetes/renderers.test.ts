import * as assert from "assert";
import { renderCalicoHelmValues, renderCalicoInstallation } from "../../../../components/kubernetes/calico";
import {
    renderHubDbPv,
    renderNamespace,
    renderProvisionerConfigMap,
    renderProvisionerRbac,
    renderStorageClass,
    renderUserHomePv,
} from "../../../../components/kubernetes/homesStorage";

describe("Calico", () => {
    const p = { podCidr: "192.168.0.0/16", nodeCidr: "10.20.0.0/24" };
    it("vxlan: VXLAN pool, BGP off", () => {
        const spec = (
            renderCalicoInstallation({ ...p, mode: "vxlan" }) as {
                spec: { calicoNetwork: { bgp: string; ipPools: { encapsulation: string; cidr: string; natOutgoing: string }[] } };
            }
        ).spec;
        assert.strictEqual(spec.calicoNetwork.bgp, "Disabled");
        assert.strictEqual(spec.calicoNetwork.ipPools[0].encapsulation, "VXLAN");
        assert.strictEqual(spec.calicoNetwork.ipPools[0].cidr, "192.168.0.0/16");
        assert.strictEqual(spec.calicoNetwork.ipPools[0].natOutgoing, "Enabled");
    });
    it("ipip and bgp: BGP on, IPIP or no encapsulation; node addresses from the private network", () => {
        const ipip = renderCalicoHelmValues({ ...p, mode: "ipip" }) as {
            installation: {
                enabled: boolean;
                calicoNetwork: { bgp: string; ipPools: { encapsulation: string }[]; nodeAddressAutodetectionV4: unknown };
            };
        };
        assert.strictEqual(ipip.installation.enabled, true);
        assert.strictEqual(ipip.installation.calicoNetwork.bgp, "Enabled");
        assert.strictEqual(ipip.installation.calicoNetwork.ipPools[0].encapsulation, "IPIP");
        assert.deepStrictEqual(ipip.installation.calicoNetwork.nodeAddressAutodetectionV4, { cidrs: ["10.20.0.0/24"] });
        const bgp = renderCalicoHelmValues({ ...p, mode: "bgp" }) as typeof ipip;
        assert.strictEqual(bgp.installation.calicoNetwork.ipPools[0].encapsulation, "None");
    });
});

describe("homes storage objects", () => {
    const p = {
        namespace: "jupyterhub",
        homeSizeBytes: 524288000,
        hubDbSizeBytes: 1073741824,
        helperHosts: ["10.20.0.5", "10.20.0.6"],
        helperPort: 24100,
    };
    it("user PV is hostPath below the Gluster mount, pre-bound to claim-<user>, retained", () => {
        const pv = renderUserHomePv(p, "alice") as unknown as {
            metadata: { name: string };
            spec: { hostPath: unknown; claimRef: unknown; persistentVolumeReclaimPolicy: string; capacity: { storage: string } };
        };
        assert.strictEqual(pv.metadata.name, "home-jupyterhub-alice");
        assert.deepStrictEqual(pv.spec.hostPath, { path: "/mnt/homes/alice", type: "Directory" });
        assert.deepStrictEqual(pv.spec.claimRef, { namespace: "jupyterhub", name: "claim-alice" });
        assert.strictEqual(pv.spec.persistentVolumeReclaimPolicy, "Retain");
        assert.strictEqual(pv.spec.capacity.storage, "524288000");
        assert.throws(() => renderUserHomePv(p, "../etc"), /escaped/);
    });
    it("namespace enforces baseline pod security; storage class has no provisioner", () => {
        assert.strictEqual((renderNamespace(p).metadata.labels ?? {})["pod-security.kubernetes.io/enforce"], "baseline");
        const sc = renderStorageClass() as unknown as { provisioner: string; reclaimPolicy: string };
        assert.strictEqual(sc.provisioner, "kubernetes.io/no-provisioner");
        assert.strictEqual(sc.reclaimPolicy, "Retain");
        assert.strictEqual((renderHubDbPv(p) as unknown as { spec: { claimRef: { name: string } } }).spec.claimRef.name, "hub-db-dir");
    });
    it("the hub's service account may create PVs and nothing else", () => {
        const [sa, role, binding] = renderProvisionerRbac(p) as unknown as [
            { metadata: { name: string } },
            { rules: unknown },
            { subjects: unknown },
        ];
        assert.strictEqual(sa.metadata.name, "hub");
        assert.deepStrictEqual(role.rules, [
            { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get", "list", "watch", "create"] },
        ]);
        assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: "hub", namespace: "jupyterhub" }]);
        const cm = renderProvisionerConfigMap(p) as unknown as { data: Record<string, string> };
        assert.strictEqual(cm.data.helperHosts, "10.20.0.5,10.20.0.6");
        assert.strictEqual(JSON.parse(cm.data["pv-template.json"]).spec.hostPath.path, "/mnt/homes/{username}");
    });
});
