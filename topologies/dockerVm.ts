/**
 * The `docker-vm` topology (`dev` stack): one OpenStack VM running Docker. Creates the network,
 * security groups, key pair and the VM with its data volumes, then drives the VM's Docker engine
 * over ssh:// — builds the images there (or pushes them to images.registry) and runs DockerHub.
 *
 * The machine running Pulumi needs the private key of openstack.sshPublicKey in ssh-agent (or
 * ~/.ssh/config for the floating IP): the readiness wait, the Docker provider and DockerHub's
 * janitor all use the system's ssh client.
 */
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerVmConfig } from "../config/types";
import { DaskCluster } from "../components/docker/daskCluster";
import { DockerHub } from "../components/docker/dockerHub";
import { ImageResolver } from "../components/images/imageResolver";
import { PlatformImages } from "../components/images/platformImages";
import { DockerVm } from "../components/openstack/dockerVm";
import { ADMIN_USER, HOMES_ROOT, HOMES_SOCKET } from "../components/openstack/dockerVmCloudInit";
import { lookupImageId, namePrefix } from "../components/openstack/foundation";
import { PrivateNetwork } from "../components/openstack/network";
import { createOpenStackProvider } from "../components/openstack/provider";
import { SecurityGroups } from "../components/openstack/securityGroups";
import { dockerVmRules } from "../components/openstack/securityRules";
import { SSH_OPTIONS } from "../components/openstack/sshReady";
import type { StackOutputs } from "./index";

export function deployDockerVm(config: DockerVmConfig): StackOutputs {
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

    const engine = new docker.Provider("vm-docker", { host: vm.dockerHost, sshOpts: [...SSH_OPTIONS] });
    const resolver = new ImageResolver(engine, "engine");
    const images = new PlatformImages(
        "images",
        { config, imagesDir: path.resolve(__dirname, "..", "images"), resolver },
        { provider: engine },
    );
    const hub = new DockerHub("hub", {
        config,
        provider: engine,
        dockerHost: vm.dockerHost,
        dockerSocketGid: vm.dockerSocketGid,
        dockerSocketPath: "/var/run/docker.sock",
        hubImage: images.hubRef,
        proxyImage: images.proxyRef,
        singleuserImage: images.singleuserRef,
        hubLogoFile: images.hubLogoFile,
        resolver,
        tls: vm.tls,
        // Homes on the VM's btrfs volume, one subvolume with a qgroup limit per user, made by the
        // socket-activated jhp-homes helper that the hub's pre-spawn hook calls.
        hostHomes: { root: HOMES_ROOT, socket: HOMES_SOCKET },
    });

    const dask = config.dask.enabled
        ? new DaskCluster("dask", { config, provider: engine, image: images.singleuserRef, network: hub.networkName })
        : undefined;
    return {
        ...infrastructure,
        url: hub.url,
        loginUser: hub.loginUser,
        loginPassword: hub.loginPassword,
        dockerHost: vm.dockerHost,
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
