/** Backups on Docker: the runner's container, its status volume, the repository, the hub's side. */
import * as assert from "assert";
import * as docker from "@pulumi/docker";
import { dockerRunnerDocument, type DockerBackupConfig } from "../../../../components/docker/backup";
import type { DockerTopologyConfig } from "../../../../config/types";
import { localConfig } from "../../fixtures/config";
import { DOCKER_IMAGE_INVOKES } from "../../fixtures/dockerImages";
import { settle, setup, type RecordingMocks } from "../../harness";

const SECRETS = ["backup.password", "backup.s3.secretAccessKey"];
const ON = { "backup.enabled": "true", "backup.password": "correct horse battery" };

async function deploy(config: DockerTopologyConfig, hostHomes?: { root: string; socket: string }) {
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
        hostHomes,
        resolver: new ImageResolver(provider, "engine"),
    });
    await settle(mocks);
    return { mocks, hub };
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** A container's env as the mock saw it: it must be a Pulumi secret (encrypted in the state). */
function envOf(mocks: RecordingMocks, name: string): string[] {
    const raw = mocks.byName(name).inputs.envs as Record<string, unknown>;
    assert.ok(!Array.isArray(raw) && raw[SECRET_SIG] !== undefined, `${name} envs must be a secret`);
    return (raw as { value: string[] }).value;
}

type Mount = { type: string; source: string; target: string; readOnly?: boolean };

describe("DockerHub with backups", () => {
    it("no backup objects while backup.enabled is false", async () => {
        const { mocks, hub } = await deploy(localConfig({}, { stack: "e2e" }));
        assert.ok(!mocks.resources.some((r) => r.name.startsWith("hub-backup")));
        assert.strictEqual(hub.backupContainerName, undefined);
        const doc = JSON.parse((mocks.byName("hub-hub").inputs.uploads as { content: string }[])[0].content);
        assert.strictEqual(doc.backup, null);
    });

    it("the runner: hub image, scheduler loop, root without capabilities but DAC_READ_SEARCH, never privileged", async () => {
        const { mocks } = await deploy(localConfig(ON, { stack: "e2e", secretKeys: SECRETS }));
        const c = mocks.byName("hub-backup");
        assert.strictEqual(c.inputs.name, "jupyterhub-e2e-backup");
        assert.strictEqual(c.inputs.image, "sha256:" + "1".repeat(64));
        assert.deepStrictEqual(c.inputs.command, ["python3", "/etc/jupyterhub/platform_backup.py", "serve"]);
        assert.strictEqual(c.inputs.user, "0:0");
        assert.deepStrictEqual(c.inputs.capabilities, { drops: ["ALL"], adds: ["DAC_READ_SEARCH"] });
        assert.deepStrictEqual(c.inputs.securityOpts, ["no-new-privileges"]);
        assert.notStrictEqual(c.inputs.privileged, true);
        const mounts = (c.inputs.mounts as Mount[]).map((m) => [m.type, m.source, m.target, Boolean(m.readOnly)]);
        assert.deepStrictEqual(mounts, [
            ["bind", "/var/run/docker.sock", "/var/run/docker.sock", false],
            ["volume", "jupyterhub-e2e-backup-status", "/var/lib/platform-backup", false],
            ["volume", "jupyterhub-e2e-backups", "/repo", false],
        ]);
        assert.strictEqual(mocks.byName("hub-backup-repository").inputs.name, "jupyterhub-e2e-backups");
    });

    it("secrets reach the runner and the hub only as secret environment; the runner document holds none", async () => {
        const { mocks } = await deploy(localConfig(ON, { stack: "e2e", secretKeys: SECRETS }));
        const c = mocks.byName("hub-backup");
        const env = envOf(mocks, "hub-backup");
        assert.ok(env.includes("RESTIC_PASSWORD=correct horse battery"));
        assert.ok(env.includes("RESTIC_REPOSITORY=/repo"));
        assert.ok(env.includes("PLATFORM_BACKUP_TOKEN=mock-password-hub-backup-token"));
        const hubEnv = envOf(mocks, "hub-hub");
        assert.ok(hubEnv.includes("PLATFORM_BACKUP_TOKEN=mock-password-hub-backup-token"), "the hub registers the same token");
        assert.ok(!hubEnv.some((e) => e.startsWith("RESTIC_")), "the hub never sees the repository password");
        const upload = (c.inputs.uploads as { file: string; content: string }[])[0];
        assert.strictEqual(upload.file, "/etc/jupyterhub/platform/backup.json");
        assert.ok(!upload.content.includes("correct horse") && !upload.content.includes("mock-password"));
    });

    it("the hub mounts the status read-only and its document names the service and the banner's file", async () => {
        const { mocks } = await deploy(localConfig({ ...ON, "backup.schedule": "0 * * * *" }, { stack: "e2e", secretKeys: SECRETS }));
        const mounts = mocks.byName("hub-hub").inputs.mounts as Mount[];
        assert.deepStrictEqual(
            mounts.find((m) => m.target === "/var/lib/platform-backup"),
            { type: "volume", source: "jupyterhub-e2e-backup-status", target: "/var/lib/platform-backup", readOnly: true },
        );
        const doc = JSON.parse((mocks.byName("hub-hub").inputs.uploads as { content: string }[])[0].content);
        assert.deepStrictEqual(doc.backup, {
            serviceName: "platform-backup",
            statusFile: "/var/lib/platform-backup/status.json",
            maxAgeSeconds: 7200,
        });
    });

    it("an S3 repository: no repository volume, restic's URL and keys in the runner's environment", async () => {
        const { mocks } = await deploy(
            localConfig(
                {
                    ...ON,
                    "backup.repository": "s3:http://s3:8333/hub",
                    "backup.s3.accessKeyId": "AK",
                    "backup.s3.secretAccessKey": "SK-secret",
                },
                { stack: "e2e", secretKeys: SECRETS },
            ),
        );
        assert.ok(!mocks.resources.some((r) => r.name === "hub-backup-repository"));
        const env = envOf(mocks, "hub-backup");
        assert.ok(env.includes("RESTIC_REPOSITORY=s3:http://s3:8333/hub"));
        assert.ok(env.includes("AWS_SECRET_ACCESS_KEY=SK-secret"));
        assert.ok(!(mocks.byName("hub-backup").inputs.mounts as Mount[]).some((m) => m.target === "/repo"));
    });

    it("docker-vm homes: the runner lists /srv/homes read-only and reaches the helper's socket directory", async () => {
        const homes = { root: "/srv/homes", socket: "/run/jupyterhub-homes/homes.sock" };
        const config = localConfig({ ...ON, "backup.repository": "/srv/backups" }, { stack: "e2e", secretKeys: SECRETS });
        const { mocks } = await deploy(config, homes);
        const mounts = (mocks.byName("hub-backup").inputs.mounts as Mount[]).map((m) => [m.type, m.source, m.target, Boolean(m.readOnly)]);
        assert.deepStrictEqual(mounts.slice(2), [
            ["bind", "/srv/backups", "/repo", false],
            ["bind", "/srv/homes", "/srv/homes", true],
            ["bind", "/run/jupyterhub-homes", "/run/jupyterhub-homes", true],
        ]);
        const doc = dockerRunnerDocument(config as DockerBackupConfig, "sha256:abc", homes);
        assert.strictEqual(doc.docker.homesRoot, "/srv/homes");
        assert.strictEqual(doc.docker.homesSocket, "/run/jupyterhub-homes/homes.sock");
        assert.deepStrictEqual(doc.docker.repositoryMount, { type: "bind", source: "/srv/backups", target: "/repo" });
    });

    it("runner document: the names the one-shot containers and restores use", () => {
        const config = localConfig(ON, { stack: "e2e", secretKeys: SECRETS }) as DockerBackupConfig;
        const doc = dockerRunnerDocument(config, "sha256:abc");
        assert.deepStrictEqual(doc.docker, {
            image: "sha256:abc",
            network: "jupyterhub-e2e-net",
            containerPrefix: "jupyterhub-e2e-backup",
            hubContainer: "jupyterhub-e2e-hub",
            hubDataVolume: "jupyterhub-e2e-hub-data",
            hubDataLabels: {
                "org.jupyterhub-platform.project": "jupyterhub-platform",
                "org.jupyterhub-platform.stack": "e2e",
                "org.jupyterhub-platform.role": "hub-data",
            },
            userVolumePrefix: "jupyterhub-e2e-home-",
            userContainerPrefix: "jupyterhub-e2e-user",
            homesRoot: null,
            homesSocket: null,
            repositoryMount: { type: "volume", source: "jupyterhub-e2e-backups", target: "/repo" },
            labels: {
                "org.jupyterhub-platform.project": "jupyterhub-platform",
                "org.jupyterhub-platform.stack": "e2e",
                "org.jupyterhub-platform.role": "backup-job",
            },
        });
        assert.strictEqual(doc.platform, "docker");
    });
});
