import { strict as assert } from "assert";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { invokeReason } from "../../../../components/images/imageResolver";
import { DOCKER_IMAGE_INVOKES, fakeDigest, GET_REGISTRY_IMAGE, GET_REMOTE_IMAGE } from "../../fixtures/dockerImages";
import { setup, valueOf, type RecordingMocks } from "../../harness";

async function resolver(from: "engine" | "registry") {
    const mocks = await setup({}, { invokes: DOCKER_IMAGE_INVOKES });
    const { ImageResolver } = await import("../../../../components/images/imageResolver");
    return { mocks, resolver: new ImageResolver(new docker.Provider("engine", {}), from) };
}

/** The rejection of an Output, as the program would see it. */
function failureOf(out: pulumi.Output<string>): Promise<Error> {
    return new Promise((resolve) => {
        out.apply((v) => resolve(new Error(`resolved to ${v}`)));
        // An Output's rejection surfaces through its promise.
        (out as unknown as { promise(): Promise<string> }).promise().catch((e: Error) => resolve(e));
    });
}

const invoked = (mocks: RecordingMocks) => mocks.invokeCalls.slice().sort();

describe("ImageResolver", () => {
    it("leaves pinned references alone and asks nobody", async () => {
        const { mocks, resolver: r } = await resolver("engine");
        const pinned = "quay.io/jupyter/r@sha256:" + "a".repeat(64);
        assert.equal(await valueOf(r.resolve(pinned, "singleuser.image")), pinned);
        assert.equal(await valueOf(r.resolve("sha256:" + "b".repeat(64), "singleuser.image")), "sha256:" + "b".repeat(64));
        assert.deepEqual(mocks.invokeCalls, []);
        assert.deepEqual(await valueOf(r.output()), {});
    });

    it("Docker topologies: a tag on the engine becomes its image ID, asked once per tag", async () => {
        const { mocks, resolver: r } = await resolver("engine");
        const a = r.resolve("site/software:1", "singleuser.sharedVolumes software");
        const b = r.resolve("site/software:1", "singleuser.profiles");
        assert.equal(await valueOf(a), fakeDigest("engine:site/software:1"));
        assert.equal(await valueOf(b), fakeDigest("engine:site/software:1"));
        assert.deepEqual(invoked(mocks), [GET_REMOTE_IMAGE]);
        assert.deepEqual(await valueOf(r.output()), { "site/software:1": fakeDigest("engine:site/software:1") });
    });

    it("Docker topologies: an image the engine got from a registry keeps its registry digest", async () => {
        const { resolver: r } = await resolver("engine");
        const ref = "registry.example.org/jupyter/scipy:2025";
        assert.equal(
            await valueOf(r.resolve(ref, "singleuser.image")),
            `registry.example.org/jupyter/scipy@${fakeDigest(`registry:${ref}`)}`,
        );
    });

    it("Docker topologies: a tag the engine lacks is resolved in its registry", async () => {
        const { mocks, resolver: r } = await resolver("engine");
        assert.equal(await valueOf(r.resolve("remote/hub:5", "images.hub.image")), `remote/hub@${fakeDigest("registry:remote/hub:5")}`);
        assert.deepEqual(invoked(mocks), [GET_REGISTRY_IMAGE, GET_REMOTE_IMAGE]);
    });

    it("Kubernetes: only the registry counts, never the operator's engine", async () => {
        const { mocks, resolver: r } = await resolver("registry");
        assert.equal(await valueOf(r.resolve("site/software:1", "x")), `site/software@${fakeDigest("registry:site/software:1")}`);
        assert.deepEqual(invoked(mocks), [GET_REGISTRY_IMAGE]);
    });

    it("refuses what cannot be resolved, naming the image, the key and where it looked", async () => {
        const { resolver: r } = await resolver("engine");
        const err = await failureOf(r.resolve("missing/course:week3", "singleuser.profiles (week3)"));
        assert.ok(err instanceof pulumi.RunError, String(err));
        // The mock monitor drops the provider's own words; npm run e2e:lab checks them with the real engine.
        assert.match(
            err.message,
            /^cannot resolve singleuser.profiles \(week3\) missing\/course:week3 to a digest: not on the Docker engine.*; not resolvable in the registry docker.io.*\. Build or pull it first/,
        );
    });

    it("keeps only the provider's own words of an invoke error", () => {
        const text =
            "invocation of docker:index/getRemoteImage:getRemoteImage returned an error: invoking docker:index/getRemoteImage:getRemoteImage: 1 error occurred:\n\t* did not find docker image 'x:1'\n\n";
        assert.equal(invokeReason(new Error(text)), "did not find docker image 'x:1'");
    });
});
