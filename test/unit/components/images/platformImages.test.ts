import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { settle, valueOf } from "../../harness";
import { platformConfig } from "../../fixtures/config";
import { MOCK_IMAGE_ID, MOCK_PUSHED_DIGEST, setupImageMocks } from "./mocks";
import { pinnedRef } from "../../../../components/images/builtImage";
import type { HubTopologyConfig } from "../../../../config/types";

const IMAGES_DIR = path.resolve(__dirname, "../../../../images");
const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";

async function build(config: HubTopologyConfig) {
    const mocks = await setupImageMocks();
    const { PlatformImages } = await import("../../../../components/images/platformImages");
    const { ImageResolver } = await import("../../../../components/images/imageResolver");
    const resolver = new ImageResolver(new docker.Provider("unit-docker", {}), "engine");
    const images = new PlatformImages("images", { config, imagesDir: IMAGES_DIR, resolver });
    await settle(mocks);
    return { mocks, images };
}

interface BuildInput {
    context: string;
    dockerfile: string;
    buildArgs: Record<string, string>;
    useLegacyBuilder: boolean;
    pullParent: boolean;
    label: Record<string, string>;
}

describe("PlatformImages component", () => {
    it("builds hub, proxy and single-user images on the engine with date-hash tags and the classic builder", async () => {
        const { mocks, images } = await build(platformConfig());
        const built = mocks.ofType(REMOTE_IMAGE);
        assert.deepStrictEqual(built.map((b) => b.name).sort(), ["images-hub-image", "images-proxy-image", "images-singleuser-image"]);
        for (const b of built) {
            assert.match(String(b.inputs.name), /^jupyterhub-platform\/(hub|proxy|singleuser):\d{4}-\d{2}-\d{2}-[0-9a-f]{12}$/);
            assert.strictEqual(b.inputs.keepLocally, true);
            const input = b.inputs.build as BuildInput;
            assert.strictEqual(input.useLegacyBuilder, true, "classic builder: local base images, no pull");
            assert.strictEqual(input.pullParent, false);
            assert.ok(path.isAbsolute(input.context) && fs.existsSync(path.join(input.context, input.dockerfile)));
            assert.strictEqual(String(b.inputs.name).slice(-12), input.label["org.jupyterhub-platform.content-hash"].slice(0, 12));
        }
        assert.strictEqual(mocks.ofType("docker:index/registryImage:RegistryImage").length, 0, "nothing pushed without a registry");
        const su = mocks.byName("images-singleuser-image").inputs.build as BuildInput;
        assert.strictEqual(su.buildArgs.BASE_IMAGE, "quay.io/jupyter/minimal-notebook:2025-06-30");
        assert.strictEqual(await valueOf(images.singleuserRef), MOCK_IMAGE_ID, "local engine: pinned by image ID");
        assert.strictEqual(await valueOf(images.hubRef), MOCK_IMAGE_ID);
        assert.match(images.tags.hub, /^\d{4}-\d{2}-\d{2}-[0-9a-f]{12}$/);
    });

    it("pushes to a configured registry and pins by the pushed digest", async () => {
        const base = platformConfig();
        const config = {
            ...base,
            images: { ...base.images, registry: { server: "registry.example.org", username: "ci", password: pulumi.secret("pw") } },
        };
        const { mocks, images } = await build(config);
        const pushes = mocks.ofType("docker:index/registryImage:RegistryImage");
        assert.deepStrictEqual(pushes.map((p) => p.name).sort(), ["images-hub-push", "images-proxy-push", "images-singleuser-push"]);
        for (const p of pushes) {
            assert.match(String(p.inputs.name), /^registry\.example\.org\/jupyterhub-platform\/(hub|proxy|singleuser):/);
            assert.strictEqual(p.inputs.keepRemotely, true);
        }
        assert.strictEqual(await valueOf(images.hubRef), `registry.example.org/jupyterhub-platform/hub@${MOCK_PUSHED_DIGEST}`);
    });

    it("uses a configured single-user image as is and builds only hub and proxy", async () => {
        const ref = "registry.example.org/jupyter/scipy@sha256:" + "c".repeat(64);
        const { mocks, images } = await build(platformConfig({ "singleuser.image": ref }));
        assert.deepStrictEqual(
            mocks
                .ofType(REMOTE_IMAGE)
                .map((b) => b.name)
                .sort(),
            ["images-hub-image", "images-proxy-image"],
        );
        assert.strictEqual(await valueOf(images.singleuserRef), ref);
    });

    it("changes the single-user tag when a package build arg changes, and only that tag", async () => {
        const a = await build(platformConfig());
        const b = await build(platformConfig({ "images.singleuser.pipPackages": JSON.stringify(["pandas"]) }));
        assert.notStrictEqual(b.images.tags.singleuser, a.images.tags.singleuser);
        assert.strictEqual(b.images.tags.hub, a.images.tags.hub);
        const args = (b.mocks.byName("images-singleuser-image").inputs.build as BuildInput).buildArgs;
        assert.strictEqual(args.PIP_PACKAGES, "pandas");
    });

    it("tags with the hash alone under tagScheme=hash", async () => {
        const { images } = await build(platformConfig({ "images.tagScheme": "hash" }));
        assert.match(images.tags.hub, /^[0-9a-f]{12}$/);
    });

    it("bakes a configured logo into a staged hub context", async () => {
        const logo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "logo-")), "brand.svg");
        fs.writeFileSync(logo, "<svg xmlns='http://www.w3.org/2000/svg'/>");
        const base = platformConfig();
        const config = { ...base, hub: { ...base.hub, logoPath: logo } };
        const { mocks, images } = await build(config);
        const ctx = (mocks.byName("images-hub-image").inputs.build as BuildInput).context;
        assert.notStrictEqual(ctx, path.join(IMAGES_DIR, "hub"));
        assert.ok(fs.existsSync(path.join(ctx, "branding", "logo.svg")));
        assert.ok(fs.existsSync(path.join(ctx, "jupyterhub_config.py")));
        assert.strictEqual(images.hubLogoFile, "/etc/jupyterhub/branding/logo.svg");
    });

    it("pins references by digest and refuses anything else", () => {
        assert.strictEqual(pinnedRef("r/hub", MOCK_IMAGE_ID), MOCK_IMAGE_ID);
        assert.strictEqual(pinnedRef("reg/r/hub", undefined, MOCK_PUSHED_DIGEST), `reg/r/hub@${MOCK_PUSHED_DIGEST}`);
        assert.throws(() => pinnedRef("r/hub", undefined), /no image ID/);
        assert.throws(() => pinnedRef("r/hub", "r/hub:latest"), /no image ID/);
        assert.throws(() => pinnedRef("r/hub", MOCK_IMAGE_ID, ""), /no sha256 digest/);
    });
});
