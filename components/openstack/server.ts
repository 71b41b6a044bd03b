/**
 * One VM: a Nova instance booting from a volume made from the image, on a port the caller
 * created (so its address is known before the instance and survives a replacement), with data
 * volumes that are separate Cinder volumes attached with VolumeAttach. A data volume never depends
 * on the image or the user-data, so replacing the instance (new image, new user-data) detaches and
 * re-attaches it and never deletes it; with `retainData` it is also protected and retained on
 * delete.
 */
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";

/** Where a group of VMs is placed: shared by the Docker VM, the storage nodes and the cluster. */
export interface VmPlacementArgs {
    provider: openstack.Provider;
    namePrefix: string;
    networkId: pulumi.Input<string>;
    subnetId: pulumi.Input<string>;
    keyPairName: pulumi.Input<string>;
    imageId: pulumi.Input<string>;
}

export interface DataVolumeSpec {
    /** Short role name: `docker`, `home`, `brick`. */
    role: string;
    sizeGb: number;
    description: string;
}

export interface ServerArgs {
    provider: openstack.Provider;
    /** OpenStack name of the instance. */
    serverName: string;
    port: openstack.networking.Port;
    flavorName: pulumi.Input<string>;
    imageId: pulumi.Input<string>;
    bootGb: number;
    keyPairName: pulumi.Input<string>;
    dataVolumes: readonly DataVolumeSpec[];
    retainData: boolean;
    /** Called with the data volumes' IDs (the VM finds them by serial); may be secret. */
    userData: (volumeIds: Readonly<Record<string, pulumi.Output<string>>>) => pulumi.Input<string>;
    metadata?: Record<string, string>;
}

/**
 * Keys of the metadata the program puts on its instances and volumes. Nova refuses a metadata key
 * outside `^[a-zA-Z0-9-_:. ]{1,255}$` (HTTP 400 on server create; `/` is not allowed) and a value
 * longer than 255 characters (nova/api/validation/parameter_types.py `metadata`); Cinder accepts
 * the same keys, so both use these.
 */
export const METADATA_KEYS = { role: "jupyterhub-platform:role", stack: "jupyterhub-platform:stack" } as const;
const NOVA_METADATA_KEY = /^[a-zA-Z0-9-_:. ]{1,255}$/;
const NOVA_METADATA_VALUE_MAX = 255;

/** Metadata of a VM: its role and stack. */
export function serverMetadata(role: string, stack: string): Record<string, string> {
    return { [METADATA_KEYS.role]: role, [METADATA_KEYS.stack]: stack };
}

/** Problems Nova's API would answer with HTTP 400 for this instance metadata (empty: none). */
export function novaMetadataProblems(metadata: Readonly<Record<string, string>>): string[] {
    const problems: string[] = [];
    for (const [k, v] of Object.entries(metadata)) {
        if (!NOVA_METADATA_KEY.test(k)) problems.push(`metadata key ${JSON.stringify(k)} does not match ${NOVA_METADATA_KEY.source}`);
        if (v.length > NOVA_METADATA_VALUE_MAX)
            problems.push(`metadata value of ${k} is longer than ${NOVA_METADATA_VALUE_MAX} characters`);
    }
    return problems;
}

/** Resource options of anything holding user data. */
export function dataVolumeOptions(retainData: boolean): Pick<pulumi.CustomResourceOptions, "protect" | "retainOnDelete"> {
    return retainData ? { protect: true, retainOnDelete: true } : { protect: false, retainOnDelete: false };
}

export class Server extends pulumi.ComponentResource {
    readonly instance: openstack.compute.Instance;
    readonly volumes: Readonly<Record<string, openstack.blockstorage.Volume>>;
    readonly volumeIds: Readonly<Record<string, pulumi.Output<string>>>;
    readonly fixedIp: pulumi.Output<string>;

    constructor(name: string, args: ServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:openstack:Server", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const metadataProblems = novaMetadataProblems(args.metadata ?? {});
        if (metadataProblems.length > 0) {
            // Fail at preview, not halfway through `up` when Nova refuses the server.
            throw new Error(`Server ${args.serverName}: ${metadataProblems.join("; ")}`);
        }

        const volumes: Record<string, openstack.blockstorage.Volume> = {};
        const volumeIds: Record<string, pulumi.Output<string>> = {};
        for (const v of args.dataVolumes) {
            // Inputs: name, size and description only — nothing that changes with the image or
            // the user-data.
            volumes[v.role] = new openstack.blockstorage.Volume(
                `${name}-${v.role}`,
                {
                    name: `${args.serverName}-${v.role}`,
                    size: v.sizeGb,
                    description: v.description,
                    metadata: { [METADATA_KEYS.role]: v.role },
                },
                { ...child, ...dataVolumeOptions(args.retainData) },
            );
            volumeIds[v.role] = volumes[v.role].id;
        }

        this.instance = new openstack.compute.Instance(
            `${name}-vm`,
            {
                name: args.serverName,
                flavorName: args.flavorName,
                keyPair: args.keyPairName,
                networks: [{ port: args.port.id }],
                blockDevices: [
                    {
                        // The boot disk only: data lives on the volumes attached below.
                        sourceType: "image",
                        uuid: args.imageId,
                        destinationType: "volume",
                        volumeSize: args.bootGb,
                        bootIndex: 0,
                        deleteOnTermination: true,
                    },
                ],
                userData: args.userData(volumeIds),
                metadata: args.metadata,
                stopBeforeDestroy: true,
            },
            // The attached volumes must be detached before a replacement instance attaches them.
            { ...child, deleteBeforeReplace: true },
        );

        for (const v of args.dataVolumes) {
            new openstack.compute.VolumeAttach(
                `${name}-${v.role}-attach`,
                { instanceId: this.instance.id, volumeId: volumes[v.role].id },
                { ...child, deleteBeforeReplace: true },
            );
        }

        this.volumes = volumes;
        this.volumeIds = volumeIds;
        this.fixedIp = args.port.allFixedIps.apply((ips) => ips[0]);
        this.registerOutputs({ instanceId: this.instance.id, fixedIp: this.fixedIp, volumeIds });
    }
}

export interface NodePortArgs {
    provider: openstack.Provider;
    portName: string;
    networkId: pulumi.Input<string>;
    subnetId: pulumi.Input<string>;
    securityGroupIds: pulumi.Input<string>[];
    /** Extra source addresses the port may send from (Calico's pod CIDR without encapsulation). */
    allowedAddressPairs?: readonly string[];
}

/** The port of a VM, created before the instance so its address can go into user-data. */
export function nodePort(name: string, args: NodePortArgs, parent: pulumi.Resource): openstack.networking.Port {
    return new openstack.networking.Port(
        name,
        {
            name: args.portName,
            networkId: args.networkId,
            fixedIps: [{ subnetId: args.subnetId }],
            securityGroupIds: args.securityGroupIds,
            adminStateUp: true,
            allowedAddressPairs: args.allowedAddressPairs?.map((ipAddress) => ({ ipAddress })),
        },
        { parent, provider: args.provider },
    );
}

/** A floating IP from the external network, associated with a port. */
export function floatingIpFor(
    name: string,
    args: { provider: openstack.Provider; pool: string; port: openstack.networking.Port; dependsOn: pulumi.Resource[] },
    parent: pulumi.Resource,
): openstack.networking.FloatingIp {
    const fip = new openstack.networking.FloatingIp(
        name,
        { pool: args.pool, description: "jupyterhub-platform entry point" },
        { parent, provider: args.provider },
    );
    new openstack.networking.FloatingIpAssociate(
        `${name}-assoc`,
        { floatingIp: fip.address, portId: args.port.id },
        { parent, provider: args.provider, dependsOn: args.dependsOn },
    );
    return fip;
}
