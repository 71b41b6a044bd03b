/**
 * The `prod` Kubernetes cluster on OpenStack VMs, bootstrapped by kubeadm through cloud-init:
 * control planes (the first runs `kubeadm init` with the program's CA, the others join as
 * control planes sharing it) and workers (join with the program's bootstrap token, mount the
 * Gluster volume). The admin kubeconfig is built here from the program's PKI — a secret, and only
 * handed out once the API server answers /readyz and authorizes the admin.
 */
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { KubernetesOnOpenStackConfig } from "../../config/types";
import { ApiServerReady } from "../kubeadm/apiServerReady";
import { ClusterPki } from "../kubeadm/clusterPki";
import { API_PORT, caCertHash, renderKubeconfig } from "../kubeadm/kubeadmConfig";
import { glusterParams } from "./glusterStorage";
import { controlPlaneUserData, workerUserData, type ClusterFacts } from "./kubeadmNodes";
import { needsPodAddressPairs } from "./securityRules";
import { floatingIpFor, nodePort, Server, serverMetadata, type VmPlacementArgs } from "./server";

export interface KubeadmClusterArgs extends VmPlacementArgs {
    config: KubernetesOnOpenStackConfig;
    groupIds: { controlPlane: pulumi.Input<string>; worker: pulumi.Input<string>; entry: pulumi.Input<string> };
    routerInterface: pulumi.Resource;
    /** Private addresses of the Gluster storage nodes (workers mount the volume). */
    glusterPeers: pulumi.Input<string[]>;
    /**
     * Seconds `pulumi up` waits for the API server.
     * @default 1800
     */
    readyTimeoutSeconds?: number;
    /**
     * Wait for the API server (the kubeconfig resolves only then). Off for `deploy.stage
     * infrastructure`: no connection is made to the cluster, and the kubeconfig must not be used.
     * @default true
     */
    waitForApi?: boolean;
}

/** Bootstrap-token alphabet: lower-case letters and digits only. */
const TOKEN_CHARS = { upper: false, lower: true, numeric: true, special: false } as const;

export class KubeadmCluster extends pulumi.ComponentResource {
    readonly apiFloatingIp: pulumi.Output<string>;
    readonly entryFloatingIp: pulumi.Output<string>;
    readonly apiUrl: pulumi.Output<string>;
    /** Secret; resolves only once the API server is ready. */
    readonly kubeconfig: pulumi.Output<string>;
    readonly controlPlaneIps: pulumi.Output<string[]>;
    readonly workerIps: pulumi.Output<string[]>;
    readonly pki: ClusterPki;
    readonly joinToken: pulumi.Output<string>;

    constructor(name: string, args: KubeadmClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:openstack:KubeadmCluster", name, {}, opts);
        const { config } = args;
        const os = config.openstack;
        const k8s = config.kubernetes;
        const clusterName = args.namePrefix;

        const pki = new ClusterPki(`${name}-pki`, { version: k8s.version }, { parent: this });
        const tokenId = new random.RandomPassword(`${name}-token-id`, { length: 6, ...TOKEN_CHARS }, { parent: this });
        const tokenSecret = new random.RandomPassword(`${name}-token-secret`, { length: 16, ...TOKEN_CHARS }, { parent: this });
        const token = pulumi.secret(pulumi.interpolate`${tokenId.result}.${tokenSecret.result}`);
        // The hash of the CA key's public half equals the one kubeadm computes from ca.crt.
        const caHash = pki.caPublicKeyPem.apply(caCertHash);

        const pairs = needsPodAddressPairs(k8s.calicoMode) ? [k8s.podCidr] : undefined;
        const port = (role: string, i: number, groups: pulumi.Input<string>[]) =>
            nodePort(
                `${name}-${role}-${i}-port`,
                {
                    provider: args.provider,
                    portName: `${args.namePrefix}-${role}-${i}-port`,
                    networkId: args.networkId,
                    subnetId: args.subnetId,
                    securityGroupIds: groups,
                    allowedAddressPairs: pairs,
                },
                this,
            );
        const cpPorts = Array.from({ length: os.nodes.controlPlane }, (_, i) => port("cp", i, [args.groupIds.controlPlane]));
        const workerPorts = Array.from({ length: os.nodes.workers }, (_, i) =>
            port("worker", i, i === 0 ? [args.groupIds.worker, args.groupIds.entry] : [args.groupIds.worker]),
        );
        const ipOf = (p: openstack.networking.Port) => p.allFixedIps.apply((ips) => ips[0]);
        const cpIps = pulumi.all(cpPorts.map(ipOf));
        const workerIps = pulumi.all(workerPorts.map(ipOf));

        const apiFip = floatingIpFor(
            `${name}-api-fip`,
            { provider: args.provider, pool: os.externalNetwork, port: cpPorts[0], dependsOn: [args.routerInterface] },
            this,
        );
        const entryFip = floatingIpFor(
            `${name}-entry-fip`,
            { provider: args.provider, pool: os.externalNetwork, port: workerPorts[0], dependsOn: [args.routerInterface] },
            this,
        );

        // What every node's user-data needs, once the ports and the token exist.
        const facts: pulumi.Output<ClusterFacts> = pulumi.all([token, caHash, cpIps]).apply(([tok, hash, ips]) => ({
            version: k8s.version,
            clusterName,
            podCidr: k8s.podCidr,
            serviceCidr: k8s.serviceCidr,
            token: tok,
            caCertHash: hash,
            controlPlaneIps: ips,
        }));
        const common = {
            provider: args.provider,
            imageId: args.imageId,
            bootGb: os.volumes.bootGb,
            keyPairName: args.keyPairName,
            retainData: config.retainOnDestroy,
            dataVolumes: [],
        };
        const role = (r: string) => serverMetadata(r, config.stack);
        const controlPlanes = cpPorts.map(
            (port, i) =>
                new Server(
                    `${name}-cp-${i}`,
                    {
                        ...common,
                        serverName: `${args.namePrefix}-cp-${i}`,
                        port,
                        flavorName: os.flavors.controlPlane,
                        // Holds the CA keys and the join token.
                        userData: () =>
                            pulumi.secret(
                                pulumi
                                    .all([facts, pki.files, apiFip.address])
                                    .apply(([f, files, fip]) => controlPlaneUserData(f, { pki: files, apiFloatingIp: fip }, i)),
                            ),
                        metadata: role("control-plane"),
                    },
                    { parent: this },
                ),
        );
        workerPorts.forEach(
            (port, i) =>
                new Server(
                    `${name}-worker-${i}`,
                    {
                        ...common,
                        serverName: `${args.namePrefix}-worker-${i}`,
                        port,
                        flavorName: os.flavors.worker,
                        userData: () =>
                            pulumi.secret(
                                pulumi
                                    .all([facts, args.glusterPeers])
                                    .apply(([f, peers]) => workerUserData(f, glusterParams(config, peers))),
                            ),
                        metadata: role("worker"),
                    },
                    { parent: this },
                ),
        );

        const apiUrl = pulumi.interpolate`https://${apiFip.address}:${API_PORT}`;
        const ready =
            args.waitForApi === false
                ? undefined
                : new ApiServerReady(
                      `${name}-api-ready`,
                      {
                          url: apiUrl,
                          caCertPem: pki.caCertPem,
                          clientCertPem: pki.adminCertPem,
                          clientKeyPem: pki.adminKeyPem,
                          timeoutSeconds: args.readyTimeoutSeconds ?? 1800,
                      },
                      { parent: this, dependsOn: [controlPlanes[0]] },
                  );
        this.kubeconfig = pulumi.secret(
            pulumi
                .all([apiUrl, pki.caCertPem, pki.adminCertPem, pki.adminKeyPem, ready?.id])
                .apply(([server, caCertPem, clientCertPem, clientKeyPem]) =>
                    renderKubeconfig({ clusterName, server, caCertPem, clientCertPem, clientKeyPem }),
                ),
        );
        this.apiFloatingIp = apiFip.address;
        this.entryFloatingIp = entryFip.address;
        this.apiUrl = apiUrl;
        this.controlPlaneIps = cpIps;
        this.workerIps = workerIps;
        this.pki = pki;
        this.joinToken = token;
        this.registerOutputs({
            apiUrl,
            apiFloatingIp: this.apiFloatingIp,
            entryFloatingIp: this.entryFloatingIp,
            kubeconfig: this.kubeconfig,
        });
    }
}
