/**
 * The `docker-vm` topology (`dev` stack): one VM running Docker, driven over ssh:// — the images
 * are built on its engine (or pushed to images.registry) and DockerHub runs there.
 *
 * - dockerVm.host empty: the program creates the VM on OpenStack (network, security groups, key
 *   pair, the VM with its data volumes) with the rendered user-data.
 * - dockerVm.host set (ssh://user@host[:port]): an existing VM that the operator booted with this
 *   stack's user-data (stack output `userData`, with `deploy.stage infrastructure` nothing else
 *   is done); no OpenStack resource is created.
 *
 * The machine running Pulumi needs the private key in ssh-agent (or ~/.ssh/config for the host):
 * the readiness wait, the Docker provider and DockerHub's janitor all use the system's ssh client.
 */
import * as crypto from "crypto";
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerVmConfig, DockerVmOnExistingHostConfig, DockerVmOnOpenStackConfig } from "../config/types";
import { DaskCluster } from "../components/docker/daskCluster";
import { DockerHub } from "../components/docker/dockerHub";
import type { ProxyTls } from "../components/docker/render";
import { ImageResolver } from "../components/images/imageResolver";
import { PlatformImages } from "../components/images/platformImages";
import { DockerVm, dockerVmTls, dockerVmUserData, PROXY_FILTER, proxyTlsOf } from "../components/openstack/dockerVm";
import { ADMIN_USER, DOCKER_GID, HOMES_ROOT, HOMES_SOCKET } from "../components/openstack/dockerVmCloudInit";
import { lookupImageId, namePrefix } from "../components/openstack/foundation";
import { PrivateNetwork } from "../components/openstack/network";
import { createOpenStackProvider } from "../components/openstack/provider";
import { SecurityGroups } from "../components/openstack/securityGroups";
import { dockerVmRules } from "../components/openstack/securityRules";
import { SSH_OPTIONS, SshReady } from "../components/openstack/sshReady";
import type { StackOutputs } from "./index";

export function deployDockerVm(config: DockerVmConfig): StackOutputs {
    return config.vm === "existing" ? deployOnExistingHost(config) : deployOnOpenStack(config);
}

function deployOnOpenStack(config: DockerVmOnOpenStackConfig): StackOutputs {
    const os = config.openstack;
    const prefix = namePrefix(config);
    const provider = createOpenStackProvider("openstack", os);
    const network = new PrivateNetwork("network", { config: os, provider, namePrefix: prefix });
    const groups = new SecurityGroups("secgroups", {
        rules: dockerVmRules({ adminCidrs: os.adminCidrs, plainHttpPort: config.hub.tls.mode === "none" ? config.hub.port : undefined }),
        provider,
        namePrefix: prefix,
    });
    const infrastructureOnly = config.stage === "infrastructure";
    const vm = new DockerVm("docker-vm", {
        config,
        provider,
        namePrefix: prefix,
        networkId: network.networkId,
        subnetId: network.subnetId,
        securityGroupIds: [groups.groupIds.docker!],
        keyPairName: network.keyPairName,
        imageId: lookupImageId(os, provider),
        routerInterface: network.routerInterface,
        waitForReady: !infrastructureOnly,
    });
    const infrastructure: StackOutputs = {
        floatingIp: vm.floatingIp,
        privateIp: vm.privateIp,
        sshCommand: pulumi.interpolate`ssh ${ADMIN_USER}@${vm.floatingIp}`,
        dnsRecord: config.hub.domain
            ? pulumi.interpolate`${config.hub.domain}. IN A ${vm.floatingIp}`
            : pulumi.output("(hub.domain not set)"),
        dockerVolumeId: vm.volumeIds.docker,
        homeVolumeId: vm.volumeIds.home,
    };
    if (infrastructureOnly) {
        // deploy.stage infrastructure: nothing connects to the VM; the next `up` with stage all adds the hub.
        return infrastructure;
    }
    return { ...infrastructure, ...deployHubOnVm(config, vm.dockerHost, vm.tls) };
}

/**
 * An existing VM: the user-data is rendered for it (the operator boots the VM with it), then —
 * unless deploy.stage is infrastructure — the program waits for cloud-init over SSH and deploys
 * the hub onto the VM's engine.
 */
function deployOnExistingHost(config: DockerVmOnExistingHostConfig): StackOutputs {
    const host = config.existingHost;
    const tls = dockerVmTls(config, PROXY_FILTER);
    const rendered = pulumi
        .all([config.hub.tls.certificate, config.hub.tls.key])
        .apply(([certificate, key]) => dockerVmUserData(config, host.volumeIds, { certificate: certificate ?? "", key: key ?? "" }));
    // Manual TLS puts the private key into the user-data.
    const userData = tls.mode === "manual-secret" ? pulumi.secret(rendered) : rendered;
    const sshTarget = `${host.user}@${host.host}`;
    const infrastructure: StackOutputs = {
        userData,
        sshCommand: pulumi.output(host.port === undefined ? `ssh ${sshTarget}` : `ssh -p ${host.port} ${sshTarget}`),
        dockerVolumeId: pulumi.output(host.volumeIds.docker),
        homeVolumeId: pulumi.output(host.volumeIds.home),
    };
    if (config.stage === "infrastructure") {
        return infrastructure;
    }
    const ready = new SshReady("docker-vm-ready", {
        user: host.user,
        host: host.host,
        port: host.port,
        // A new user-data means the operator re-provisions the VM: wait for its cloud-init again.
        instanceId: userData.apply((u) => `user-data-${crypto.createHash("sha256").update(u).digest("hex").slice(0, 16)}`),
        timeoutSeconds: 1800,
    });
    const dockerHost = ready.id.apply(() => host.url);
    return { ...infrastructure, ...deployHubOnVm(config, dockerHost, proxyTlsOf(tls)) };
}

/** The images and the hub on the VM's Docker engine, reached over ssh:// once the VM is ready. */
function deployHubOnVm(config: DockerVmConfig, dockerHost: pulumi.Output<string>, tls: ProxyTls | undefined): StackOutputs {
    const engine = new docker.Provider("vm-docker", { host: dockerHost, sshOpts: [...SSH_OPTIONS] });
    const resolver = new ImageResolver(engine, "engine");
    const images = new PlatformImages(
        "images",
        { config, imagesDir: path.resolve(__dirname, "..", "images"), resolver },
        { provider: engine },
    );
    const hub = new DockerHub("hub", {
        config,
        provider: engine,
        dockerHost,
        dockerSocketGid: DOCKER_GID,
        dockerSocketPath: "/var/run/docker.sock",
        hubImage: images.hubRef,
        proxyImage: images.proxyRef,
        singleuserImage: images.singleuserRef,
        hubLogoFile: images.hubLogoFile,
        resolver,
        tls,
        // Homes on the VM's btrfs volume, one subvolume with a qgroup limit per user, made by the
        // socket-activated jhp-homes helper that the hub's pre-spawn hook calls.
        hostHomes: { root: HOMES_ROOT, socket: HOMES_SOCKET },
    });

    const dask = config.dask.enabled
        ? new DaskCluster("dask", { config, provider: engine, image: images.singleuserRef, network: hub.networkName })
        : undefined;
    return {
        url: hub.url,
        loginUser: hub.loginUser,
        loginPassword: hub.loginPassword,
        dockerHost,
        hubContainer: hub.hubContainerName,
        proxyContainer: hub.proxyContainerName,
        hubDataVolume: hub.hubDataVolume,
        hubImage: images.hubRef,
        proxyImage: images.proxyRef,
        singleuserImage: images.singleuserRef,
        ...(hub.backupContainerName ? { backupContainer: hub.backupContainerName } : {}),
        ...(dask ? { daskSchedulerAddress: dask.schedulerAddress, daskWorkers: dask.workerContainerNames } : {}),
        resolvedImages: resolver.output(),
    };
}
