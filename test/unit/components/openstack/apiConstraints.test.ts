/**
 * What the real OpenStack API refuses or rewrites, found by `npm run e2e:openstack` against the
 * local OpenStack (Zed) and pinned here at the lowest tier: each test fails on the input that the
 * API answered with an error or a perpetual diff.
 */
import * as assert from "assert";
import * as openstack from "@pulumi/openstack";
import type { PlatformConfig } from "../../../../config/types";
import { SecurityGroups } from "../../../../components/openstack/securityGroups";
import { clusterRules, dockerVmRules } from "../../../../components/openstack/securityRules";
import { METADATA_KEYS, novaMetadataProblems, serverMetadata } from "../../../../components/openstack/server";
import { settle } from "../../harness";
import { devConfig, optionsRecorder, plain, prodConfig, setupMocks, type PlatformMocks } from "../../fixtures/platformMocks";

async function deploy(config: PlatformConfig): Promise<PlatformMocks> {
    const mocks = await setupMocks();
    const { deployTopology } = await import("../../../../topologies");
    deployTopology(config);
    await settle(mocks);
    return mocks;
}

const STACKS: [string, () => PlatformConfig][] = [
    ["dev", () => devConfig()],
    ["prod (vxlan)", () => prodConfig()],
    ["prod (bgp)", () => prodConfig({ "kubernetes.calico.mode": "bgp" })],
];

describe("OpenStack API constraints", () => {
    describe("Nova instance metadata (POST /servers answered 400 for `jupyterhub-platform/role`)", () => {
        it("refuses keys outside Nova's pattern and values over 255 characters", () => {
            assert.deepStrictEqual(novaMetadataProblems({ "jupyterhub-platform/role": "docker" }), [
                'metadata key "jupyterhub-platform/role" does not match ^[a-zA-Z0-9-_:. ]{1,255}$',
            ]);
            assert.strictEqual(novaMetadataProblems({ ok: "x".repeat(256) }).length, 1);
            assert.deepStrictEqual(novaMetadataProblems(serverMetadata("control-plane", "prod-2024.a_b")), []);
        });

        for (const [name, config] of STACKS) {
            it(`${name}: every instance's and volume's metadata passes Nova's schema`, async () => {
                const mocks = await deploy(config());
                const withMetadata = [
                    ...mocks.ofType("openstack:compute/instance:Instance"),
                    ...mocks.ofType("openstack:blockstorage/volume:Volume"),
                ];
                assert.ok(withMetadata.length > 0);
                for (const r of withMetadata) {
                    const metadata = plain<Record<string, string>>(r.inputs.metadata);
                    assert.ok(METADATA_KEYS.role in metadata, `${r.name} has no role metadata`);
                    assert.deepStrictEqual(novaMetadataProblems(metadata), [], r.name);
                }
            });
        }
    });

    describe("Neutron security group rules (409 SecurityGroupRuleExists when a rule was replaced create-first)", () => {
        const tables = {
            "docker-vm": dockerVmRules({ adminCidrs: ["192.0.2.0/24", "198.51.100.0/24"], plainHttpPort: 8000 }),
            cluster: clusterRules({ adminCidrs: ["192.0.2.0/24"], calicoMode: "bgp", podCidr: "192.168.0.0/16", typha: true }),
        };
        for (const [name, rules] of Object.entries(tables)) {
            it(`${name}: every rule is deleted before its replacement is created`, async () => {
                const mocks = await setupMocks();
                const rec = optionsRecorder();
                const provider = new openstack.Provider("os", { cloud: "unit" });
                new SecurityGroups("sg", { rules, provider, namePrefix: "unit" }, { transformations: [rec.transformation] });
                await settle(mocks);
                const ruleResources = mocks.ofType("openstack:networking/secGroupRule:SecGroupRule");
                assert.ok(ruleResources.length > 0);
                for (const r of ruleResources) {
                    assert.strictEqual(rec.seen.get(r.name)?.deleteBeforeReplace, true, r.name);
                }
            });
        }
    });
});
