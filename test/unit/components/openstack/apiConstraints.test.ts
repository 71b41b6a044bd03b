/**
 * What the real OpenStack API refuses or rewrites, found by `npm run e2e:openstack` against the
 * local OpenStack (Zed) and pinned here at the lowest tier: each test fails on the input that the
 * API answered with an error or a perpetual diff.
 */
import * as assert from "assert";
import type { PlatformConfig } from "../../../../config/types";
import { METADATA_KEYS, novaMetadataProblems, serverMetadata } from "../../../../components/openstack/server";
import { settle } from "../../harness";
import { devConfig, plain, prodConfig, setupMocks, type PlatformMocks } from "../../fixtures/platformMocks";

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
});
