/**
 * GlusterFS storage nodes: one VM per node with a separate brick volume (retained like every
 * data volume), a replicated volume formed by cloud-init from the first node once every peer
 * answers, directory quotas enabled, and the token-protected home/quota helper on each node.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { KubernetesOnOpenStackConfig } from "../../config/types";
import { BRICK_DIR, GLUSTER_VOLUME, glusterReplica, renderStorageUserData, STORAGE_ADMIN_MOUNT } from "./clusterCloudInit";
import { HUB_DB_GLUSTER_DIR, HUB_OWNER, SINGLEUSER_OWNER } from "../hub/contract";
import type { GlusterParams } from "./scripts";
import { nodePort, Server, serverMetadata, type VmPlacementArgs } from "./server";

export interface GlusterStorageArgs extends VmPlacementArgs {
    config: KubernetesOnOpenStackConfig;
    securityGroupIds: pulumi.Input<string>[];
    imageId: pulumi.Input<string>;
}

/** Gluster parameters shared by storage nodes and workers (pure). */
export function glusterParams(config: KubernetesOnOpenStackConfig, peers: readonly string[]): GlusterParams {
    return {
        volume: GLUSTER_VOLUME,
        peers,
        brickDir: BRICK_DIR,
        replica: glusterReplica(peers.length),
        quotaBytes: config.singleuser.homeQuotaBytes,
        adminMount: STORAGE_ADMIN_MOUNT,
        owner: SINGLEUSER_OWNER,
        hubDbDir: HUB_DB_GLUSTER_DIR,
        hubDbOwner: HUB_OWNER,
    };
}

export class GlusterStorage extends pulumi.ComponentResource {
    readonly peers: pulumi.Output<string[]>;
    /** Secret shared with the Kubernetes secret `homes-provisioner`. */
    readonly homesToken: pulumi.Output<string>;
    readonly volumeName = GLUSTER_VOLUME;
    readonly brickVolumeIds: pulumi.Output<string>[];

    constructor(name: string, args: GlusterStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:openstack:GlusterStorage", name, {}, opts);
        const { config } = args;
        const os = config.openstack;
        const count = os.nodes.storage;
        glusterReplica(count);
        const token = new random.RandomPassword(`${name}-homes-token`, { length: 48, special: false }, { parent: this });

        const ports = Array.from({ length: count }, (_, i) =>
            nodePort(
                `${name}-${i}-port`,
                {
                    provider: args.provider,
                    portName: `${args.namePrefix}-storage-${i}-port`,
                    networkId: args.networkId,
                    subnetId: args.subnetId,
                    securityGroupIds: args.securityGroupIds,
                },
                this,
            ),
        );
        const peers = pulumi.all(ports.map((p) => p.allFixedIps.apply((ips) => ips[0])));

        const servers = ports.map(
            (port, i) =>
                new Server(
                    `${name}-${i}`,
                    {
                        provider: args.provider,
                        serverName: `${args.namePrefix}-storage-${i}`,
                        port,
                        flavorName: os.flavors.storage,
                        imageId: args.imageId,
                        bootGb: os.volumes.bootGb,
                        keyPairName: args.keyPairName,
                        retainData: config.retainOnDestroy,
                        dataVolumes: [
                            {
                                role: "brick",
                                sizeGb: os.volumes.brickGb,
                                description: `jupyterhub-platform: GlusterFS brick ${i} (user homes)`,
                            },
                        ],
                        userData: (ids) =>
                            pulumi.secret(
                                pulumi.all([ids.brick, peers, token.result]).apply(([brickVolumeId, peerIps, homesToken]) =>
                                    renderStorageUserData({
                                        index: i,
                                        brickVolumeId,
                                        gluster: glusterParams(config, peerIps),
                                        homesToken,
                                    }),
                                ),
                            ),
                        metadata: serverMetadata("storage", config.stack),
                    },
                    { parent: this },
                ),
        );

        this.peers = peers;
        this.homesToken = pulumi.secret(token.result);
        this.brickVolumeIds = servers.map((s) => s.volumeIds.brick);
        this.registerOutputs({ peers: this.peers, volumeName: this.volumeName });
    }
}
