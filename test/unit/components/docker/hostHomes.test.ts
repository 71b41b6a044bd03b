import * as assert from "assert";
import * as docker from "@pulumi/docker";
import { dockerSpawnerBlock, hostHomesHubMount, type HostHomes } from "../../../../components/docker/render";
import { HOMES_ROOT, HOMES_SOCKET, HOMES_SOCKET_DIR } from "../../../../components/openstack/dockerVmCloudInit";
import type { DockerTopologyConfig } from "../../../../config/types";
import { settle, setup } from "../../harness";
import { localConfig } from "../../fixtures/config";
import { devConfig, setupMocks } from "../../fixtures/platformMocks";
import { DOCKER_IMAGE_INVOKES } from "../../fixtures/dockerImages";

const VM_HOMES: HostHomes = { root: HOMES_ROOT, socket: HOMES_SOCKET };

describe("docker-vm host homes: renderers", () => {
    it("points the document at the helper socket and the host home of {username}", () => {
        const block = dockerSpawnerBlock(localConfig(), VM_HOMES);
        assert.strictEqual(block.homesSocket, "/run/jupyterhub-homes/homes.sock");
        assert.strictEqual(block.homeBindTemplate, "/srv/homes/{username}");
        // The named-volume template stays (the janitor and older images know it).
        assert.strictEqual(block.homeVolumeTemplate, "jupyterhub-unit-home-{username}");
        assert.strictEqual(
            dockerSpawnerBlock(localConfig(), { root: "/data/homes/", socket: "/run/h/s.sock" }).homeBindTemplate,
            "/data/homes/{username}",
        );
    });

    it("leaves the local topology on named volumes: no socket, no bind template", () => {
        const block = dockerSpawnerBlock(localConfig());
        assert.ok(!("homesSocket" in block) && !("homeBindTemplate" in block), JSON.stringify(block));
    });

    it("bind-mounts the socket's directory read-only at the same path in the hub", () => {
        assert.deepStrictEqual(hostHomesHubMount(VM_HOMES), {
            type: "bind",
            source: HOMES_SOCKET_DIR,
            target: HOMES_SOCKET_DIR,
            readOnly: true,
        });
        assert.throws(() => hostHomesHubMount({ root: "/srv/homes", socket: "homes.sock" }), /absolute/);
        assert.throws(() => hostHomesHubMount({ root: "/srv/homes", socket: "/homes.sock" }), /own directory/);
        assert.throws(() => hostHomesHubMount({ root: "srv/homes", socket: "/run/x/homes.sock" }), /absolute/);
    });
});

async function deployHub(config: DockerTopologyConfig, hostHomes?: HostHomes) {
    const mocks = await setup({}, { invokes: DOCKER_IMAGE_INVOKES });
    const { DockerHub } = await import("../../../../components/docker/dockerHub");
    const { ImageResolver } = await import("../../../../components/images/imageResolver");
    const provider = new docker.Provider("engine", { host: "unix:///var/run/docker.sock" });
    new DockerHub("hub", {
        config,
        provider,
        dockerHost: "unix:///var/run/docker.sock",
        dockerSocketGid: 2375,
        hubImage: "sha256:" + "1".repeat(64),
        proxyImage: "sha256:" + "2".repeat(64),
        singleuserImage: "sha256:" + "3".repeat(64),
        resolver: new ImageResolver(provider, "engine"),
        hostHomes,
    });
    await settle(mocks);
    return mocks;
}

type Mount = { type: string; source: string; target: string; readOnly?: boolean };

function hubInputs(mocks: { byName(n: string): { inputs: Record<string, unknown> } }) {
    const hub = mocks.byName("hub-hub").inputs;
    const uploads = hub.uploads as { content: string }[];
    return { mounts: hub.mounts as Mount[], doc: JSON.parse(uploads[0].content) };
}

describe("docker-vm host homes: DockerHub", () => {
    it("with hostHomes: mounts the helper's socket directory read-only and writes the fields into the document", async () => {
        const { mounts, doc } = hubInputs(await deployHub(localConfig(), VM_HOMES));
        assert.deepStrictEqual(
            mounts.map((m) => [m.type, m.source, m.target, m.readOnly ?? false]),
            [
                ["bind", "/var/run/docker.sock", "/var/run/docker.sock", false],
                ["volume", "jupyterhub-unit-hub-data", "/srv/jupyterhub/data", false],
                ["bind", "/run/jupyterhub-homes", "/run/jupyterhub-homes", true],
            ],
        );
        assert.strictEqual(doc.docker.homesSocket, "/run/jupyterhub-homes/homes.sock");
        assert.strictEqual(doc.docker.homeBindTemplate, "/srv/homes/{username}");
    });

    it("without hostHomes (local): no socket mount, named home volumes", async () => {
        const { mounts, doc } = hubInputs(await deployHub(localConfig()));
        assert.ok(!mounts.some((m) => m.source.includes("jupyterhub-homes")));
        assert.strictEqual(doc.docker.homesSocket, undefined);
        assert.strictEqual(doc.docker.homeBindTemplate, undefined);
        assert.strictEqual(doc.docker.homeVolumeTemplate, "jupyterhub-unit-home-{username}");
    });

    it("the dev topology wires the VM's helper socket and /srv/homes into its DockerHub", async () => {
        const mocks = await setupMocks();
        const { deployDockerVm } = await import("../../../../topologies/dockerVm");
        deployDockerVm(devConfig());
        await settle(mocks);
        const { mounts, doc } = hubInputs(mocks);
        assert.ok(
            mounts.some((m) => m.type === "bind" && m.source === HOMES_SOCKET_DIR && m.target === HOMES_SOCKET_DIR && m.readOnly === true),
            JSON.stringify(mounts),
        );
        assert.strictEqual(doc.docker.homesSocket, HOMES_SOCKET);
        assert.strictEqual(doc.docker.homeBindTemplate, `${HOMES_ROOT}/{username}`);
    });
});
