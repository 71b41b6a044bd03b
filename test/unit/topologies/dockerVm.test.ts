import * as assert from "assert";
import * as openstack from "@pulumi/openstack";
import * as YAML from "yaml";
import { settle, valueOf, isSecret } from "../harness";
import type { DockerVmConfig, DockerVmOnOpenStackConfig } from "../../../config/types";
import {
    devConfig,
    EXISTING_VOLUMES,
    existingHostConfig,
    isSecretInput,
    optionsRecorder,
    plain,
    SSH_KEY,
    setupMocks,
    type PlatformMocks,
} from "../fixtures/platformMocks";

async function deployTopology(config: DockerVmConfig) {
    const mocks = await setupMocks();
    const { deployDockerVm } = await import("../../../topologies/dockerVm");
    const outputs = deployDockerVm(config);
    await settle(mocks);
    return { mocks, outputs };
}

async function deployVm(config: DockerVmOnOpenStackConfig) {
    const mocks = await setupMocks();
    const { DockerVm } = await import("../../../components/openstack/dockerVm");
    const rec = optionsRecorder();
    const provider = new openstack.Provider("os", { cloud: "unit" });
    const vm = new DockerVm(
        "docker-vm",
        {
            config,
            provider,
            namePrefix: "jupyterhub-platform-dev",
            networkId: "net-id",
            subnetId: "subnet-id",
            securityGroupIds: ["sg-docker"],
            keyPairName: "key",
            imageId: openstack.images.getImageOutput({ name: config.openstack.image, mostRecent: true }, { provider }).id,
            routerInterface: provider,
        },
        { transformations: [rec.transformation] },
    );
    await settle(mocks);
    return { mocks, vm, options: rec.seen };
}

export function countByType(mocks: PlatformMocks): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of mocks.resources) {
        counts[r.type] = (counts[r.type] ?? 0) + 1;
    }
    return counts;
}

describe("docker-vm topology (dev stack)", () => {
    it("creates network, router, key pair, security group, VM with two data volumes, and the hub over ssh://", async () => {
        const { mocks, outputs } = await deployTopology(devConfig());
        const counts = countByType(mocks);
        assert.strictEqual(counts["openstack:networking/network:Network"], 1);
        assert.strictEqual(counts["openstack:networking/subnet:Subnet"], 1);
        assert.strictEqual(counts["openstack:networking/router:Router"], 1);
        assert.strictEqual(counts["openstack:networking/routerInterface:RouterInterface"], 1);
        assert.strictEqual(counts["openstack:compute/keypair:Keypair"], 1);
        assert.strictEqual(counts["openstack:networking/secGroup:SecGroup"], 1);
        assert.strictEqual(counts["openstack:compute/instance:Instance"], 1);
        assert.strictEqual(counts["openstack:blockstorage/volume:Volume"], 2);
        assert.strictEqual(counts["openstack:compute/volumeAttach:VolumeAttach"], 2);
        assert.strictEqual(counts["openstack:networking/floatingIp:FloatingIp"], 1);
        assert.strictEqual(mocks.byName("network-router").inputs.externalNetworkId, "net-public");
        assert.strictEqual(mocks.byName("network-keypair").inputs.publicKey, devConfig().openstack.sshPublicKey);
        assert.deepStrictEqual(mocks.byName("network-subnet").inputs.dnsNameservers, ["192.0.2.53"]);

        const engine = mocks.byName("vm-docker");
        const fip = await valueOf(outputs.floatingIp as never);
        assert.strictEqual(engine.inputs.host, `ssh://ubuntu@${fip}`);
        assert.ok((JSON.parse(String(engine.inputs.sshOpts)) as string[]).includes("BatchMode=yes"));
        // DockerHub and the images run on the VM's engine.
        assert.ok(mocks.providers.get("hub-proxy")?.includes("vm-docker"), String(mocks.providers.get("hub-proxy")));
        assert.ok(mocks.providers.get("images-hub-image")?.includes("vm-docker"), "images build on the VM engine");
        // TLS: the proxy publishes 443 only (port 80 is certbot's) and mounts the certbot-fed files.
        const proxy = mocks.byName("hub-proxy").inputs as { ports: { external: number }[]; mounts: { source: string }[] };
        assert.deepStrictEqual(
            proxy.ports.map((p) => p.external),
            [443],
        );
        assert.deepStrictEqual(
            proxy.mounts.map((m) => m.source),
            ["/srv/jupyterhub/tls/fullchain.pem", "/srv/jupyterhub/tls/privkey.pem"],
        );
        assert.ok(await isSecret(outputs.loginPassword as never));
        // Every OpenStack resource uses the explicit provider.
        for (const r of mocks.resources.filter((x) => x.type.startsWith("openstack:") && x.type !== "pulumi:providers:openstack")) {
            assert.ok(
                mocks.providers.get(r.name)?.includes("pulumi:providers:openstack::openstack"),
                `${r.name} uses the explicit provider`,
            );
        }
    });

    it("waits for SSH and cloud-init on the floating IP before the Docker provider is used", async () => {
        const { mocks } = await deployTopology(devConfig());
        const ready = mocks.byName("docker-vm-ready");
        assert.strictEqual(ready.type, "pulumi-nodejs:dynamic:Resource");
        assert.strictEqual(ready.inputs.user, "ubuntu");
        assert.match(String(ready.inputs.host), /^203\.0\.113\.\d+$/);
        assert.strictEqual(ready.inputs.instanceId, "docker-vm-server-vm-id");
    });

    it("boots from an image volume deleted with the VM; data volumes are separate and attached", async () => {
        const { mocks } = await deployVm(devConfig());
        const vm = mocks.byName("docker-vm-server-vm").inputs as {
            blockDevices: unknown;
            networks: unknown;
            flavorName: string;
            userData: unknown;
        };
        assert.deepStrictEqual(vm.blockDevices, [
            {
                sourceType: "image",
                uuid: "image-Ubuntu-24.04",
                destinationType: "volume",
                volumeSize: 40,
                bootIndex: 0,
                deleteOnTermination: true,
            },
        ]);
        assert.deepStrictEqual(vm.networks, [{ port: "docker-vm-port-id" }]);
        assert.strictEqual(vm.flavorName, "m1.xlarge");
        const volumes = mocks.ofType("openstack:blockstorage/volume:Volume");
        assert.deepStrictEqual(
            volumes.map((v) => [v.name, v.inputs.size]),
            [
                ["docker-vm-server-docker", 200],
                ["docker-vm-server-home", 500],
            ],
        );
        const attaches = mocks.ofType("openstack:compute/volumeAttach:VolumeAttach");
        assert.deepStrictEqual(
            attaches.map((a) => [a.inputs.instanceId, a.inputs.volumeId]),
            [
                ["docker-vm-server-vm-id", "docker-vm-server-docker-id"],
                ["docker-vm-server-vm-id", "docker-vm-server-home-id"],
            ],
        );
        const userData = YAML.parse(plain<string>(vm.userData)) as { runcmd: string[][] };
        assert.ok(
            userData.runcmd.some(
                (c) => c.join(" ") === "/usr/local/sbin/jhp-prepare-volume docker-vm-server-home-id btrfs /srv/homes homes",
            ),
        );
        assert.ok(!isSecretInput(vm.userData), "letsencrypt user-data holds no secret");
        const port = mocks.byName("docker-vm-port").inputs as { securityGroupIds: unknown; allowedAddressPairs: unknown };
        assert.deepStrictEqual(port.securityGroupIds, ["sg-docker"]);
        assert.strictEqual(port.allowedAddressPairs, undefined);
    });

    it("data volumes are protected and retained on delete when retainOnDestroy is true (the default)", async () => {
        const { options } = await deployVm(devConfig());
        for (const v of ["docker-vm-server-docker", "docker-vm-server-home"]) {
            assert.deepStrictEqual(
                { protect: options.get(v)?.protect, retain: options.get(v)?.retainOnDelete },
                { protect: true, retain: true },
                v,
            );
        }
        assert.strictEqual(options.get("docker-vm-server-vm")?.deleteBeforeReplace, true, "old VM releases its volumes first");
        assert.strictEqual(options.get("docker-vm-server-vm")?.protect, undefined, "the VM itself is replaceable");
        assert.strictEqual(options.get("docker-vm-server-docker-attach")?.deleteBeforeReplace, true);
    });

    it("throw-away stacks (retainOnDestroy=false) neither protect nor retain", async () => {
        const { options } = await deployVm(devConfig({ "data.retainOnDestroy": "false" }));
        assert.deepStrictEqual(
            [options.get("docker-vm-server-home")?.protect, options.get("docker-vm-server-home")?.retainOnDelete],
            [false, false],
        );
    });

    it("a new image or new user-data changes only the instance (and its attachments), never a data volume", async () => {
        const before = (await deployVm(devConfig())).mocks;
        const beforeInputs = new Map(before.resources.map((r) => [r.name, JSON.stringify(r.inputs)]));
        const after = (await deployVm(devConfig({ "openstack.image": "Ubuntu 26.04", "singleuser.home.quota": "512M" }))).mocks;
        const changed = after.resources.filter((r) => beforeInputs.get(r.name) !== JSON.stringify(r.inputs)).map((r) => r.name);
        assert.deepStrictEqual(changed, ["docker-vm-server-vm"], "only the instance's inputs change");
        // Attachments follow the instance ID (replaced with it); volumes keep theirs.
        for (const v of after.ofType("openstack:blockstorage/volume:Volume")) {
            assert.ok(!JSON.stringify(v.inputs).includes("image-"), "volume inputs never mention the image");
            assert.deepStrictEqual(Object.keys(v.inputs).sort(), ["description", "metadata", "name", "size"]);
        }
    });

    it("manual TLS marks the user-data secret (it carries the private key)", async () => {
        const cfg = devConfig({
            "hub.tls.mode": "manual",
            "hub.tls.certificate": "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----",
            "hub.tls.key": "-----BEGIN PRIVATE KEY-----\nY\n-----END PRIVATE KEY-----",
        });
        const { mocks } = await deployVm(cfg);
        const vm = mocks.byName("docker-vm-server-vm").inputs;
        assert.ok(isSecretInput(vm.userData));
        assert.match(plain<string>(vm.userData), /BEGIN PRIVATE KEY/);
    });

    it("dockerVm.host: no OpenStack resource; the rendered user-data as output, then the wait and the hub on ssh://host:port", async () => {
        const { mocks, outputs } = await deployTopology(existingHostConfig());
        assert.deepStrictEqual(
            mocks.resources.filter((r) => r.type.startsWith("openstack:") || r.type === "pulumi:providers:openstack").map((r) => r.name),
            [],
        );
        const userData = String(await valueOf(outputs.userData as never));
        const doc = YAML.parse(userData) as { user: { name: string; ssh_authorized_keys: string[] }; runcmd: string[][] };
        assert.deepStrictEqual(doc.user, { name: "ubuntu", ssh_authorized_keys: [SSH_KEY] });
        const prepares = doc.runcmd.filter((c) => c[0] === "/usr/local/sbin/jhp-prepare-volume").map((c) => c.slice(1).join(" "));
        assert.deepStrictEqual(prepares, [
            `${EXISTING_VOLUMES.docker} ext4 /var/lib/docker docker`,
            `${EXISTING_VOLUMES.home} btrfs /srv/homes homes`,
        ]);
        const ready = mocks.byName("docker-vm-ready");
        assert.deepStrictEqual([ready.inputs.user, ready.inputs.host, ready.inputs.port], ["ubuntu", "127.0.0.1", 18622]);
        assert.match(String(ready.inputs.instanceId), /^user-data-[0-9a-f]{16}$/);
        assert.strictEqual(mocks.byName("vm-docker").inputs.host, "ssh://ubuntu@127.0.0.1:18622");
        assert.ok(mocks.providers.get("hub-hub")?.includes("vm-docker"), "the hub runs on the VM's engine");
        // Plain HTTP on hub.port, published on every address of the VM.
        const proxy = mocks.byName("hub-proxy").inputs as { ports: { external: number; ip: string }[] };
        assert.deepStrictEqual(
            proxy.ports.map((p) => [p.ip, p.external]),
            [["0.0.0.0", 8000]],
        );
        assert.strictEqual(await valueOf(outputs.sshCommand as never), "ssh -p 18622 ubuntu@127.0.0.1");
    });

    it("dockerVm.host with deploy.stage infrastructure only renders the user-data: nothing connects to the VM", async () => {
        const { mocks, outputs } = await deployTopology(existingHostConfig({ "deploy.stage": "infrastructure" }));
        assert.deepStrictEqual(
            mocks.resources.map((r) => r.name),
            [],
        );
        assert.match(String(await valueOf(outputs.userData as never)), /^#cloud-config\n/);
        assert.strictEqual(outputs.dockerHost, undefined);
    });
});
