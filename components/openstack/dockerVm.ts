/**
 * The `dev` Docker VM: a port with a floating IP, a boot volume made from the image, a `docker`
 * data volume for /var/lib/docker and a btrfs `home` volume with one qgroup-limited subvolume per
 * user, cloud-init that prepares them and installs Docker (and certbot for Let's Encrypt), and a
 * readiness wait so the Docker provider over ssh:// finds the engine.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DockerVmConfig, DockerVmOnOpenStackConfig } from "../../config/types";
import {
    ADMIN_USER,
    DOCKER_GID,
    renderDockerVmUserData,
    TLS_CERT_PATH,
    TLS_KEY_PATH,
    type DockerVmUserDataParams,
} from "./dockerVmCloudInit";
import { floatingIpFor, nodePort, Server, serverMetadata, type VmPlacementArgs } from "./server";
import { SshReady } from "./sshReady";

export interface DockerVmArgs extends VmPlacementArgs {
    config: DockerVmOnOpenStackConfig;
    securityGroupIds: pulumi.Input<string>[];
    /** Floating IP association waits for the router interface. */
    routerInterface: pulumi.Resource;
    /**
     * Seconds to wait for SSH + cloud-init.
     * @default 1800
     */
    readyTimeoutSeconds?: number;
    /**
     * Wait for SSH and cloud-init (dockerHost resolves only then). Off for `deploy.stage
     * infrastructure`: no connection is made to the VM, and dockerHost must not be used.
     * @default true
     */
    waitForReady?: boolean;
}

/** `docker ps --filter` of the stack's proxy container (components/docker/render.ts stackLabels). */
export const PROXY_FILTER = "label=org.jupyterhub-platform.role=proxy";

type VmTls = DockerVmUserDataParams["tls"] | { mode: "manual-secret" };

/** The user-data's TLS part, with the manual certificate and key (secrets) filled in. */
export function userDataTls(tls: VmTls, certificate: string | undefined, key: string | undefined): DockerVmUserDataParams["tls"] {
    return tls.mode === "manual-secret" ? { mode: "manual", certificate: certificate ?? "", key: key ?? "" } : tls;
}

/** Host paths of the certificate and key for DockerHub's `tls`, when TLS is on (port 80 is certbot's). */
export function proxyTlsOf(tls: VmTls): { certPath: string; keyPath: string; redirectHttp: false } | undefined {
    return tls.mode === "none" ? undefined : { certPath: TLS_CERT_PATH, keyPath: TLS_KEY_PATH, redirectHttp: false };
}

/** The TLS part of the user-data from config (pure). */
export function dockerVmTls(config: DockerVmConfig, proxyFilter: string): VmTls {
    const tls = config.hub.tls;
    if (tls.mode === "letsencrypt") {
        if (!config.hub.domain || !tls.contactEmail) {
            throw new Error("hub.tls.mode=letsencrypt needs hub.domain and hub.tls.contactEmail");
        }
        return { mode: "letsencrypt", domain: config.hub.domain, email: tls.contactEmail, acmeServer: tls.acmeServer, proxyFilter };
    }
    if (tls.mode === "manual") {
        return { mode: "manual-secret" };
    }
    if (tls.mode === "cert-manager") {
        // Validation refuses it for docker-vm; never fall back to plain HTTP silently.
        throw new Error("hub.tls.mode cert-manager needs topology kubernetes");
    }
    return { mode: "none" };
}

/**
 * The VM's user-data once its volumes exist (pure): the end-to-end test renders it from the volume
 * IDs it reads back from OpenStack and compares it with what Nova holds. Manual TLS passes the
 * certificate and key (they end up in the user-data).
 */
export function dockerVmUserData(
    config: DockerVmConfig,
    volumeIds: { docker: string; home: string },
    manualTls?: { certificate: string; key: string },
): string {
    const tls = dockerVmTls(config, PROXY_FILTER);
    // An existing host (dockerVm.host) has its own login user and no key pair from a cloud.
    const host = config.vm === "existing" ? config.existingHost : undefined;
    return renderDockerVmUserData({
        ...(host ? { adminUser: host.user, sshAuthorizedKeys: host.sshPublicKey ? [host.sshPublicKey] : [] } : {}),
        dockerVolumeId: volumeIds.docker,
        homeVolumeId: volumeIds.home,
        homeQuotaBytes: config.singleuser.homeQuotaBytes,
        tls: userDataTls(tls, manualTls?.certificate, manualTls?.key),
    });
}

export class DockerVm extends pulumi.ComponentResource {
    readonly floatingIp: pulumi.Output<string>;
    readonly privateIp: pulumi.Output<string>;
    /** ssh://ubuntu@<floating ip>, resolved only once the VM is ready. */
    readonly dockerHost: pulumi.Output<string>;
    readonly dockerSocketGid = DOCKER_GID;
    readonly volumeIds: Readonly<Record<string, pulumi.Output<string>>>;
    readonly instanceId: pulumi.Output<string>;
    /** Host paths of the certificate and key for DockerHub's `tls`, when TLS is on. */
    readonly tls?: { certPath: string; keyPath: string; redirectHttp: false };

    constructor(name: string, args: DockerVmArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:openstack:DockerVm", name, {}, opts);
        const { config } = args;
        const os = config.openstack;
        const serverName = `${args.namePrefix}-docker`;
        const tls = dockerVmTls(config, PROXY_FILTER);

        const port = nodePort(
            `${name}-port`,
            {
                provider: args.provider,
                portName: `${serverName}-port`,
                networkId: args.networkId,
                subnetId: args.subnetId,
                securityGroupIds: args.securityGroupIds,
            },
            this,
        );
        const fip = floatingIpFor(
            `${name}-fip`,
            { provider: args.provider, pool: os.externalNetwork, port, dependsOn: [args.routerInterface] },
            this,
        );

        const server = new Server(
            `${name}-server`,
            {
                provider: args.provider,
                serverName,
                port,
                flavorName: os.flavors.docker,
                imageId: args.imageId,
                bootGb: os.volumes.bootGb,
                keyPairName: args.keyPairName,
                retainData: config.retainOnDestroy,
                dataVolumes: [
                    {
                        role: "docker",
                        sizeGb: os.volumes.dockerGb,
                        description: "jupyterhub-platform: /var/lib/docker (images, hub database volume)",
                    },
                    {
                        role: "home",
                        sizeGb: os.volumes.homeGb,
                        description: "jupyterhub-platform: user homes (btrfs, one subvolume per user)",
                    },
                ],
                userData: (ids) => {
                    const rendered = pulumi
                        .all([ids.docker, ids.home, config.hub.tls.certificate, config.hub.tls.key])
                        .apply(([docker, home, certificate, key]) =>
                            dockerVmUserData(config, { docker, home }, { certificate: certificate ?? "", key: key ?? "" }),
                        );
                    // Manual TLS puts the private key into the user-data.
                    return tls.mode === "manual-secret" ? pulumi.secret(rendered) : rendered;
                },
                metadata: serverMetadata("docker", config.stack),
            },
            { parent: this },
        );

        const ready =
            args.waitForReady === false
                ? undefined
                : new SshReady(
                      `${name}-ready`,
                      {
                          user: ADMIN_USER,
                          host: fip.address,
                          instanceId: server.instance.id,
                          timeoutSeconds: args.readyTimeoutSeconds ?? 1800,
                      },
                      { parent: this, dependsOn: [server] },
                  );

        this.floatingIp = fip.address;
        this.privateIp = server.fixedIp;
        this.instanceId = server.instance.id;
        this.volumeIds = server.volumeIds;
        this.dockerHost = pulumi.all([fip.address, ready?.id]).apply(([ip]) => `ssh://${ADMIN_USER}@${ip}`);
        this.tls = proxyTlsOf(tls);
        this.registerOutputs({
            floatingIp: this.floatingIp,
            privateIp: this.privateIp,
            dockerHost: this.dockerHost,
            volumeIds: this.volumeIds,
        });
    }
}
