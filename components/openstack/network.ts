/**
 * The private network of a stack: network, subnet, a router to the external network and the
 * key pair every VM gets.
 */
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import type { OpenStackConfig } from "../../config/types";

export interface PrivateNetworkArgs {
    config: OpenStackConfig;
    provider: openstack.Provider;
    /** Prefix of the OpenStack object names (project-stack). */
    namePrefix: string;
}

export class PrivateNetwork extends pulumi.ComponentResource {
    readonly networkId: pulumi.Output<string>;
    readonly subnetId: pulumi.Output<string>;
    readonly routerId: pulumi.Output<string>;
    /** Depend on this before associating floating IPs (the subnet must reach the router). */
    readonly routerInterface: openstack.networking.RouterInterface;
    readonly keyPairName: pulumi.Output<string>;
    readonly externalNetworkId: pulumi.Output<string>;

    constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:openstack:PrivateNetwork", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const cfg = args.config;

        const external = openstack.networking.getNetworkOutput(
            { name: cfg.externalNetwork, external: true },
            { parent: this, provider: args.provider },
        );
        const network = new openstack.networking.Network(`${name}-net`, { name: `${args.namePrefix}-net`, adminStateUp: true }, child);
        const subnet = new openstack.networking.Subnet(
            `${name}-subnet`,
            {
                name: `${args.namePrefix}-subnet`,
                networkId: network.id,
                cidr: cfg.networkCidr,
                ipVersion: 4,
                enableDhcp: true,
                dnsNameservers: cfg.dnsServers.length > 0 ? [...cfg.dnsServers] : undefined,
            },
            child,
        );
        const router = new openstack.networking.Router(
            `${name}-router`,
            { name: `${args.namePrefix}-router`, adminStateUp: true, externalNetworkId: external.id },
            child,
        );
        this.routerInterface = new openstack.networking.RouterInterface(
            `${name}-router-interface`,
            { routerId: router.id, subnetId: subnet.id },
            child,
        );
        const keyPair = new openstack.compute.Keypair(
            `${name}-keypair`,
            { name: `${args.namePrefix}-key`, publicKey: cfg.sshPublicKey },
            child,
        );

        this.networkId = network.id;
        this.subnetId = subnet.id;
        this.routerId = router.id;
        this.keyPairName = keyPair.name;
        this.externalNetworkId = external.id;
        this.registerOutputs({
            networkId: this.networkId,
            subnetId: this.subnetId,
            routerId: this.routerId,
            keyPairName: this.keyPairName,
        });
    }
}
