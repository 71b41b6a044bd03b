import * as assert from "assert";
import { fakeDigest } from "../fixtures/dockerImages";
import { labConfig } from "../fixtures/config";
import { setupMocks } from "../fixtures/platformMocks";
import { settle, valueOf } from "../harness";
import type { LabConfig } from "../../../config/types";

async function deploy(config: LabConfig) {
    const mocks = await setupMocks();
    const { deployTopology } = await import("../../../topologies");
    const outputs = deployTopology(config);
    await settle(mocks);
    return { mocks, outputs };
}

describe("lab topology", () => {
    it("builds images/singleuser on the local engine and runs it as the lab, with nothing of a hub", async () => {
        const { mocks, outputs } = await deploy(labConfig({ "images.singleuser.pipPackages": JSON.stringify(["dask"]) }, { stack: "lab" }));
        const built = mocks.ofType("docker:index/remoteImage:RemoteImage");
        assert.deepStrictEqual(
            built.map((b) => b.name),
            ["lab-image-image"],
        );
        assert.match(String(built[0].inputs.name), /^jupyterhub-platform\/singleuser:/);
        assert.strictEqual((built[0].inputs.build as { buildArgs: Record<string, string> }).buildArgs.PIP_PACKAGES, "dask");
        assert.strictEqual(mocks.byName("lab-server").inputs.image, "sha256:" + "1".repeat(64));
        assert.deepStrictEqual(
            [...new Set(mocks.resources.map((r) => r.type))].sort(),
            [
                "docker:index/container:Container",
                "docker:index/remoteImage:RemoteImage",
                "docker:index/volume:Volume",
                "jupyterhub-platform:docker:JupyterLab",
                "jupyterhub-platform:images:BuiltImage",
                "pulumi-nodejs:dynamic/jupyterhub-platform:DockerRun",
                "pulumi:providers:docker",
                "random:index/randomPassword:RandomPassword",
            ],
            "one container, its volume and token: no network, no hub, no proxy",
        );
        assert.strictEqual(mocks.byName("local-docker").inputs.host, "unix:///var/run/docker.sock");
        assert.strictEqual(await valueOf(outputs.url), "http://127.0.0.1:8888/lab");
        assert.deepStrictEqual(await valueOf(outputs.resolvedImages), {});
    });

    it("runs lab.image by tag as the digest the engine reports, without building, and says so", async () => {
        const { mocks, outputs } = await deploy(labConfig({ "lab.image": "e2e-lab/lab:e2e" }));
        assert.strictEqual(mocks.ofType("docker:index/remoteImage:RemoteImage").length, 0);
        assert.deepStrictEqual(mocks.invokeCalls, ["docker:index/getRemoteImage:getRemoteImage"]);
        const pinned = fakeDigest("engine:e2e-lab/lab:e2e");
        assert.strictEqual(mocks.byName("lab-server").inputs.image, pinned);
        assert.strictEqual(await valueOf(outputs.image), pinned);
        assert.deepStrictEqual(await valueOf(outputs.resolvedImages), { "e2e-lab/lab:e2e": pinned });
    });
});
