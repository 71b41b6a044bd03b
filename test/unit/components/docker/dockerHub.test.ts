import * as assert from "assert";
import * as docker from "@pulumi/docker";
import * as fs from "fs";
import * as path from "path";
import { setup, settle, valueOf, isSecret, type RecordingMocks } from "../../harness";
import { localConfig } from "../../fixtures/config";
import type { DockerTopologyConfig } from "../../../../config/types";
import { DOCKER_IMAGE_INVOKES, fakeDigest } from "../../fixtures/dockerImages";

// Loaded after setup() so resources register against the mocks.
async function deploy(config: DockerTopologyConfig, extra: { tls?: { certPath: string; keyPath: string } } = {}) {
    const mocks = await setup({}, { invokes: DOCKER_IMAGE_INVOKES });
    const { DockerHub } = await import("../../../../components/docker/dockerHub");
    const { ImageResolver } = await import("../../../../components/images/imageResolver");
    const provider = new docker.Provider("engine", { host: "unix:///var/run/docker.sock" });
    const hub = new DockerHub("hub", {
        config,
        provider,
        dockerHost: "unix:///var/run/docker.sock",
        dockerSocketGid: 998,
        hubImage: "sha256:" + "1".repeat(64),
        proxyImage: "sha256:" + "2".repeat(64),
        singleuserImage: "sha256:" + "3".repeat(64),
        resolver: new ImageResolver(provider, "engine"),
        ...extra,
    });
    await settle(mocks);
    return { mocks, hub };
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Container env from the mock; it must arrive as a Pulumi secret (so the state encrypts it). */
function envOf(mocks: RecordingMocks, name: string): string[] {
    const raw = mocks.byName(name).inputs.envs as Record<string, unknown> | string[];
    assert.ok(!Array.isArray(raw) && raw[SECRET_SIG] !== undefined, `${name} envs must be a secret`);
    return (raw as { value: string[] }).value;
}

describe("DockerHub component", () => {
    it("creates network, hub data volume, proxy and hub containers with stack names", async () => {
        const { mocks } = await deploy(localConfig({ "hub.port": "18000" }, { stack: "e2e" }));
        assert.strictEqual(mocks.byName("hub-network").inputs.name, "jupyterhub-e2e-net");
        assert.strictEqual(mocks.byName("hub-hub-data").type, "docker:index/volume:Volume");
        assert.strictEqual(mocks.byName("hub-hub-data").inputs.name, "jupyterhub-e2e-hub-data");
        const proxy = mocks.byName("hub-proxy");
        assert.strictEqual(proxy.type, "docker:index/container:Container");
        assert.strictEqual(proxy.inputs.name, "jupyterhub-e2e-proxy");
        assert.strictEqual(proxy.inputs.image, "sha256:" + "2".repeat(64));
        assert.deepStrictEqual(proxy.inputs.ports, [{ internal: 8000, external: 18000, ip: "127.0.0.1", protocol: "tcp" }]);
        const hub = mocks.byName("hub-hub");
        assert.strictEqual(hub.inputs.name, "jupyterhub-e2e-hub");
        assert.strictEqual(hub.inputs.image, "sha256:" + "1".repeat(64));
        assert.strictEqual(hub.inputs.ports, undefined, "only the proxy is published");
        assert.deepStrictEqual(hub.inputs.groupAdds, ["998"]);
        assert.strictEqual(hub.inputs.wait, true);
        const mounts = hub.inputs.mounts as { type: string; source: string; target: string }[];
        assert.deepStrictEqual(
            mounts.map((m) => [m.type, m.source, m.target]),
            [
                ["bind", "/var/run/docker.sock", "/var/run/docker.sock"],
                ["volume", "jupyterhub-e2e-hub-data", "/srv/jupyterhub/data"],
            ],
        );
        const nets = hub.inputs.networksAdvanced as { name: string }[];
        assert.strictEqual(nets[0].name, "jupyterhub-e2e-net");
    });

    it("waits hub.startTimeout for the hub's health check, not counting failed checks while it starts", async () => {
        // The first up on a VM under emulation failed at the old fixed 180 s; the hub was healthy a minute later.
        const { mocks } = await deploy(localConfig({ "hub.startTimeout": "900" }));
        const hub = mocks.byName("hub-hub").inputs;
        assert.strictEqual(hub.wait, true);
        assert.strictEqual(hub.waitTimeout, 900);
        assert.strictEqual((hub.healthcheck as { startPeriod: string }).startPeriod, "15m0s");
        const { mocks: defaults } = await deploy(localConfig());
        assert.strictEqual(defaults.byName("hub-hub").inputs.waitTimeout, 180);
    });

    it("uploads the hub document, with the single-user image pinned and no secret in it", async () => {
        const { mocks } = await deploy(
            localConfig({ "hub.auth.dummyPassword": "s3cret-dummy" }, { secretKeys: ["hub.auth.dummyPassword"] }),
        );
        const uploads = mocks.byName("hub-hub").inputs.uploads as { file: string; content: string; permissions: string }[];
        assert.strictEqual(uploads[0].file, "/etc/jupyterhub/platform/config.json");
        assert.strictEqual(uploads[0].permissions, "0444");
        const doc = JSON.parse(uploads[0].content);
        assert.strictEqual(doc.singleuser.image, "sha256:" + "3".repeat(64));
        assert.strictEqual(doc.proxy.apiUrl, "http://jupyterhub-unit-proxy:8001");
        assert.ok(!uploads[0].content.includes("s3cret-dummy"));
        assert.ok(!uploads[0].content.includes("mock-password"));
    });

    it("passes generated secrets in the hub environment, and the configured dummy password", async () => {
        const { mocks, hub } = await deploy(
            localConfig({ "hub.auth.dummyPassword": "s3cret-dummy" }, { secretKeys: ["hub.auth.dummyPassword"] }),
        );
        const env = envOf(mocks, "hub-hub");
        assert.ok(env.includes("PLATFORM_COOKIE_SECRET=mock-password-hub-cookie-secret"));
        assert.ok(env.includes("CONFIGPROXY_AUTH_TOKEN=mock-password-hub-proxy-token"));
        assert.ok(env.includes("PLATFORM_CRYPT_KEY=mock-password-hub-crypt-key"));
        assert.ok(env.includes("PLATFORM_DUMMY_PASSWORD=s3cret-dummy"));
        assert.ok(env.some((e) => e.startsWith("PLATFORM_PROXY_CONTAINER=")));
        assert.deepStrictEqual(envOf(mocks, "hub-proxy"), ["CONFIGPROXY_AUTH_TOKEN=mock-password-hub-proxy-token"]);
        assert.strictEqual(
            mocks.ofType("random:index/randomPassword:RandomPassword").length,
            3,
            "no generated dummy password when configured",
        );
        assert.strictEqual(await valueOf(hub.loginPassword), "s3cret-dummy");
        assert.ok(await isSecret(hub.loginPassword));
    });

    it("generates a dummy password when none is configured and exports it as a secret", async () => {
        const { mocks, hub } = await deploy(localConfig({ "hub.adminUsers": JSON.stringify(["teacher"]) }));
        const passwords = mocks.ofType("random:index/randomPassword:RandomPassword");
        assert.deepStrictEqual(passwords.map((p) => p.name).sort(), [
            "hub-cookie-secret",
            "hub-crypt-key",
            "hub-dummy-password",
            "hub-proxy-token",
        ]);
        for (const p of passwords) assert.strictEqual(p.inputs.special, false);
        assert.strictEqual(await valueOf(hub.loginPassword), "mock-password-hub-dummy-password");
        assert.ok(await isSecret(hub.loginPassword));
        assert.strictEqual(await valueOf(hub.loginUser), "teacher");
        assert.strictEqual(await valueOf(hub.url), "http://127.0.0.1:8000");
    });

    it("creates shared volumes and a janitor that keeps homes unless retainOnDestroy is false", async () => {
        const kept = await deploy(localConfig({ "singleuser.sharedVolumes": JSON.stringify(["software:/opt/software"]) }));
        assert.strictEqual(kept.mocks.byName("hub-shared-0").inputs.name, "software");
        const janitor = kept.mocks.byName("hub-user-servers");
        assert.strictEqual(janitor.inputs.containerLabel, "org.jupyterhub-platform.stack=unit");
        assert.strictEqual(janitor.inputs.userVolumePrefix, "jupyterhub-unit-home-");
        assert.strictEqual(janitor.inputs.removeVolumes, false);
        const dropped = await deploy(localConfig({ "data.retainOnDestroy": "false" }));
        assert.strictEqual(dropped.mocks.byName("hub-user-servers").inputs.removeVolumes, true);
    });

    it("mounts TLS files into the proxy and publishes 443 and 80", async () => {
        const { mocks } = await deploy(localConfig(), { tls: { certPath: "/etc/le/fullchain.pem", keyPath: "/etc/le/privkey.pem" } });
        const proxy = mocks.byName("hub-proxy");
        const mounts = proxy.inputs.mounts as { source: string; target: string; readOnly: boolean }[];
        assert.deepStrictEqual(
            mounts.map((m) => [m.source, m.target, m.readOnly]),
            [
                ["/etc/le/fullchain.pem", "/etc/proxy-tls/cert.pem", true],
                ["/etc/le/privkey.pem", "/etc/proxy-tls/key.pem", true],
            ],
        );
        assert.deepStrictEqual(
            (proxy.inputs.ports as { external: number }[]).map((p) => p.external),
            [443, 80],
        );
        assert.ok((proxy.inputs.command as string[]).includes("--port=8443"));
    });
});

describe("DockerHub: any hub image, shared volumes from images, profile images by tag", () => {
    const HUB_DIR = path.resolve(__dirname, "../../../../images/hub");
    type Upload = { file: string; content: string; permissions: string };

    it("mounts the program's jupyterhub_config.py, modules and templates into the hub and runs that copy", async () => {
        const { mocks } = await deploy(localConfig());
        const hub = mocks.byName("hub-hub").inputs;
        assert.deepStrictEqual(hub.command, ["jupyterhub", "--config", "/etc/jupyterhub/platform/jupyterhub_config.py"]);
        const uploads = hub.uploads as Upload[];
        assert.deepStrictEqual(
            uploads.map((u) => u.file),
            [
                "/etc/jupyterhub/platform/config.json",
                "/etc/jupyterhub/platform/jupyterhub_config.py",
                "/etc/jupyterhub/platform/platform_homes.py",
                "/etc/jupyterhub/platform/platform_backup.py",
                "/etc/jupyterhub/platform/platform_dask.py",
                "/etc/jupyterhub/platform/platform_check.py",
                "/etc/jupyterhub/platform/platform_proxy.py",
                "/etc/jupyterhub/platform/platform_spawn.py",
                "/etc/jupyterhub/platform/templates/login.html",
                "/etc/jupyterhub/platform/templates/page.html",
            ],
        );
        for (const u of uploads.slice(1)) {
            const rel = u.file.replace("/etc/jupyterhub/platform/", "");
            assert.strictEqual(u.content, fs.readFileSync(path.join(HUB_DIR, rel), "utf8"), `${rel} uploaded as in images/hub`);
            assert.strictEqual(u.permissions, "0444");
        }
        assert.ok(envOf(mocks, "hub-hub").includes("PLATFORM_CONFIG=/etc/jupyterhub/platform/config.json"));
    });

    it("checks the hub image for the config's packages with platform_check.py before the hub starts", async () => {
        const { mocks } = await deploy(localConfig({}, { stack: "e2e" }));
        const check = mocks.byName("hub-image-check");
        assert.strictEqual(check.type, "pulumi-nodejs:dynamic/jupyterhub-platform:DockerRun");
        const args = check.inputs.args as string[];
        assert.deepStrictEqual(args.slice(0, 6), ["--network", "none", "--entrypoint", "python3", "sha256:" + "1".repeat(64), "-"]);
        const doc = JSON.parse(args[6]);
        assert.strictEqual(doc.spawner, "docker");
        assert.strictEqual(doc.auth.type, "dummy");
        assert.strictEqual(check.inputs.stdin, fs.readFileSync(path.join(HUB_DIR, "platform_check.py"), "utf8"));
        const hubUrn = mocks.byName("hub-hub");
        assert.ok(hubUrn, "the hub is created after the check (dependsOn, in the golden snapshot)");
    });

    // Found by e2e:local: a prebuilt hub image has no hub-owned data directory, so the fresh
    // volume was root's and the hub (uid 10001) failed with "unable to open database file".
    it("gives the hub database volume to the hub user before the hub starts, whatever the image", async () => {
        const { mocks } = await deploy(localConfig({}, { stack: "e2e" }));
        const owner = mocks.byName("hub-hub-data-owner");
        assert.strictEqual(owner.type, "pulumi-nodejs:dynamic/jupyterhub-platform:DockerRun");
        assert.deepStrictEqual(owner.inputs.args, [
            "--network",
            "none",
            "--user",
            "0:0",
            "--entrypoint",
            "chown",
            "--mount",
            `type=volume,source=${mocks.byName("hub-hub-data").inputs.name as string},target=/srv/jupyterhub/data`,
            "sha256:" + "1".repeat(64),
            "10001:10001",
            "/srv/jupyterhub/data",
        ]);
    });

    it("fills a shared volume from its source image once per digest, as root, without network", async () => {
        const { mocks } = await deploy(
            localConfig(
                {
                    "singleuser.sharedVolumes": JSON.stringify(["e2e-software:/opt/software;image=e2e/software:1", "data:/srv/data"]),
                },
                { stack: "e2e" },
            ),
        );
        assert.deepStrictEqual(
            mocks.ofType("docker:index/volume:Volume").map((v) => v.inputs.name),
            ["jupyterhub-e2e-hub-data", "e2e-software", "data"],
        );
        const fills = mocks.ofType("pulumi-nodejs:dynamic/jupyterhub-platform:DockerRun").filter((r) => r.name.endsWith("-fill"));
        assert.deepStrictEqual(
            fills.map((f) => f.name),
            ["hub-shared-0-fill"],
            "only the volume with an image is filled",
        );
        const args = fills[0].inputs.args as string[];
        const pinned = fakeDigest("engine:e2e/software:1");
        assert.deepStrictEqual(args.slice(0, 9), [
            "--network",
            "none",
            "--user",
            "0:0",
            "-v",
            "e2e-software:/jhp-target",
            "--entrypoint",
            "/bin/sh",
            pinned,
        ]);
        assert.deepStrictEqual(args.slice(9, 10), ["-c"]);
        assert.deepStrictEqual(args.slice(11), ["jhp-fill", "/opt/software", pinned]);
        assert.match(args[10], /cp -a "\$src"\/\. "\$target"\//);
        const doc = JSON.parse((mocks.byName("hub-hub").inputs.uploads as Upload[])[0].content);
        assert.deepStrictEqual(doc.docker.sharedVolumes, [
            { name: "e2e-software", mountPath: "/opt/software" },
            { name: "data", mountPath: "/srv/data" },
        ]);
    });

    it("puts the digests of profile images given by tag into the document", async () => {
        const digest = "quay.io/jupyter/r@sha256:" + "e".repeat(64);
        const { mocks } = await deploy(
            localConfig({
                "singleuser.profiles": JSON.stringify(["slug=py;name=Python;image=e2e/course:week3", `slug=r;name=R;image=${digest}`]),
            }),
        );
        const doc = JSON.parse((mocks.byName("hub-hub").inputs.uploads as Upload[])[0].content);
        assert.deepStrictEqual(
            doc.singleuser.profiles.map((p: { image: string }) => p.image),
            [fakeDigest("engine:e2e/course:week3"), digest],
        );
    });

    it("mounts hub.auth.caBundle next to the document and names it there", async () => {
        const ca = fs.readFileSync(path.resolve(__dirname, "../../fixtures/test-ca.pem"), "utf8");
        const { mocks } = await deploy(
            localConfig({
                "hub.auth.type": "cas",
                "hub.auth.cas.loginUrl": "https://cas.example.org/cas/login",
                "hub.auth.cas.serviceValidateUrl": "https://cas.example.org/cas/p3/serviceValidate",
                "hub.auth.caBundle": ca,
            }),
        );
        const uploads = mocks.byName("hub-hub").inputs.uploads as Upload[];
        const bundle = uploads.find((u) => u.file === "/etc/jupyterhub/platform/ca-bundle.pem");
        assert.strictEqual(bundle?.content, ca);
        assert.strictEqual(JSON.parse(uploads[0].content).auth.caBundleFile, "/etc/jupyterhub/platform/ca-bundle.pem");
    });
});
