/**
 * deploy.stage infrastructure: the same cloud resources as a full deploy, and nothing that
 * connects to the VMs (no readiness wait, no Docker or Kubernetes provider, no hub). The
 * OpenStack end-to-end test relies on it: the local OpenStack's instances never boot.
 */
import * as assert from "assert";
import type { PlatformConfig } from "../../../config/types";
import { settle } from "../harness";
import { devConfig, prodConfig, setupMocks, type PlatformMocks } from "../fixtures/platformMocks";

async function deploy(config: PlatformConfig): Promise<{ mocks: PlatformMocks; outputs: Record<string, unknown> }> {
    const mocks = await setupMocks();
    const { deployTopology } = await import("../../../topologies");
    const outputs = deployTopology(config);
    await settle(mocks);
    return { mocks, outputs };
}

/** `type::name` of every resource of a provider package (its type starts with `pkg:`). */
function of(mocks: PlatformMocks, ...pkgs: string[]): string[] {
    return mocks.resources
        .filter((r) => pkgs.some((p) => r.type.startsWith(`${p}:`)))
        .map((r) => `${r.type}::${r.name}`)
        .sort();
}

/** Inputs of the OpenStack resources by type and name. */
function openstackInputs(mocks: PlatformMocks): Map<string, unknown> {
    return new Map(mocks.resources.filter((r) => r.type.startsWith("openstack:")).map((r) => [`${r.type}::${r.name}`, r.inputs]));
}

const CASES: [string, (extra: Record<string, string>) => PlatformConfig, string[]][] = [
    // dev: docker (images, hub) and the ssh wait (a dynamic resource) are the hub part.
    ["dev (docker-vm)", (extra) => devConfig(extra), ["docker", "pulumi-nodejs", "random"]],
    // prod: the PKI and the join token stay (the user-data needs them); the rest is the cluster's.
    ["prod (kubernetes on OpenStack)", (extra) => prodConfig(extra), ["kubernetes", "docker", "pulumi-nodejs"]],
];

describe("deploy.stage infrastructure", () => {
    for (const [name, config, hubPackages] of CASES) {
        it(`${name}: the same OpenStack resources with the same inputs as stage all, and nothing of ${hubPackages.join(", ")}`, async () => {
            const all = await deploy(config({}));
            const allOpenstack = openstackInputs(all.mocks);
            assert.ok(of(all.mocks, ...hubPackages).length > 0, "the full deploy has a hub part");

            const infra = await deploy(config({ "deploy.stage": "infrastructure" }));
            assert.deepStrictEqual(of(infra.mocks, ...hubPackages), []);
            assert.deepStrictEqual([...openstackInputs(infra.mocks).keys()].sort(), [...allOpenstack.keys()].sort());
            for (const [key, inputs] of openstackInputs(infra.mocks)) {
                assert.deepStrictEqual(inputs, allOpenstack.get(key), key);
            }
        });
    }

    it("prod: outputs name the cloud resources, and no kubeconfig (nothing may use it before the cluster answers)", async () => {
        const { outputs } = await deploy(prodConfig({ "deploy.stage": "infrastructure" }));
        assert.deepStrictEqual(Object.keys(outputs).sort(), [
            "apiFloatingIp",
            "apiUrl",
            "brickVolumeIds",
            "controlPlaneIps",
            "entryFloatingIp",
            "glusterVolume",
            "storageIps",
            "workerIps",
        ]);
    });
});
