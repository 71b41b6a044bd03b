/**
 * JupyterHub on one Docker engine (local, or the docker-vm over ssh://): a private network,
 * configurable-http-proxy in its own container, the hub with DockerSpawner and its sqlite on a
 * volume, per-user home volumes (created by DockerSpawner) or, on the docker-vm, per-user host
 * directories with a quota (`hostHomes`), shared read-only volumes, random
 * secrets, and the idle culler as a hub service. Everything rendered comes from ./render.ts and
 * ../hub/hubDocument.ts.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PlatformConfig } from "../../config/types";
import { HUB_DOCUMENT_PATH, HUB_API_PORT, renderHubDocument, requiredHubSecrets, serializeHubDocument } from "../hub/hubDocument";
import {
    HUB_DATA_DIR,
    HUB_SQLITE_PATH,
    PROXY_TLS_DIR,
    dockerNames,
    dockerSpawnerBlock,
    hubEnv,
    labelList,
    proxyCommand,
    proxyEnv,
    proxyPorts,
    stackLabels,
    hostHomesHubMount,
    LABEL_PREFIX,
    type HostHomes,
    type ProxyTls,
} from "./render";
import { UserServerJanitor } from "./userServerJanitor";

export interface DockerHubArgs {
    config: PlatformConfig;
    /** The engine everything runs on; also used for the janitor's DOCKER_HOST. */
    provider: docker.Provider;
    /** DOCKER_HOST of that engine (unix:///var/run/docker.sock, ssh://admin@vm). */
    dockerHost: string;
    /** Group id owning the Docker socket on the engine's host: added to the hub's groups. */
    dockerSocketGid: number;
    /** Path of the Docker socket on the engine's host. */
    dockerSocketPath?: string;
    hubImage: pulumi.Input<string>;
    singleuserImage: pulumi.Input<string>;
    proxyImage: pulumi.Input<string>;
    /** Path of a logo baked into the hub image (PlatformImages.hubLogoFile). */
    hubLogoFile?: string;
    tls?: ProxyTls;
    /**
     * docker-vm: homes are host directories made by the VM's helper (btrfs subvolume + qgroup per
     * user). The helper socket's directory is bind-mounted read-only into the hub, whose pre-spawn
     * hook calls it, and DockerSpawner bind-mounts `<root>/{username}` instead of a named volume.
     * Unset (local): homes are named Docker volumes, without a quota.
     */
    hostHomes?: HostHomes;
}

/** Seconds `pulumi up` waits for the hub's health check before failing. */
const HUB_WAIT_SECONDS = 180;

export class DockerHub extends pulumi.ComponentResource {
    readonly url: pulumi.Output<string>;
    readonly loginUser: pulumi.Output<string>;
    /** Secret; empty unless the authenticator is dummy. */
    readonly loginPassword: pulumi.Output<string>;
    readonly networkName: pulumi.Output<string>;
    readonly hubContainerName: pulumi.Output<string>;
    readonly proxyContainerName: pulumi.Output<string>;
    readonly hubDataVolume: pulumi.Output<string>;
    readonly userVolumePrefix: string;

    constructor(name: string, args: DockerHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:docker:DockerHub", name, {}, opts);
        const { config, provider } = args;
        if (config.topology === "kubernetes") {
            throw new Error("DockerHub serves the local and docker-vm topologies");
        }
        const names = dockerNames(config);
        const child = { parent: this, provider };
        // User data (the hub database, shared trees) outlives the stack unless the operator opts out.
        const keep = { ...child, retainOnDelete: config.retainOnDestroy };

        const network = new docker.Network(
            `${name}-network`,
            { name: names.network, driver: "bridge", labels: labelList(stackLabels(config, "network")) },
            child,
        );
        const hubData = new docker.Volume(
            `${name}-hub-data`,
            { name: names.hubDbVolume, labels: labelList(stackLabels(config, "hub-data")) },
            keep,
        );
        config.singleuser.sharedVolumes.forEach(
            (v, i) => new docker.Volume(`${name}-shared-${i}`, { name: v.name, labels: labelList(stackLabels(config, "shared")) }, keep),
        );

        // Secrets: random unless configured; RandomPassword.result is a secret output.
        const password = (role: string, length: number) =>
            new random.RandomPassword(`${name}-${role}`, { length, special: false }, { parent: this }).result;
        const cookieSecret = password("cookie-secret", 64);
        const proxyToken = password("proxy-token", 64);
        const cryptKey = password("crypt-key", 64);
        const needed = requiredHubSecrets(config);
        const auth = config.hub.auth;
        const dummyPassword = needed.includes("dummyPassword") ? (auth.dummyPassword ?? password("dummy-password", 24)) : undefined;

        const tlsMounts = args.tls
            ? [
                  { type: "bind", source: args.tls.certPath, target: `${PROXY_TLS_DIR}/cert.pem`, readOnly: true },
                  { type: "bind", source: args.tls.keyPath, target: `${PROXY_TLS_DIR}/key.pem`, readOnly: true },
              ]
            : [];
        const proxy = new docker.Container(
            `${name}-proxy`,
            {
                name: names.proxyContainer,
                image: args.proxyImage,
                command: proxyCommand(names.hubContainer, args.tls),
                envs: pulumi.secret(proxyToken.apply(proxyEnv)),
                ports: proxyPorts(config, args.tls),
                mounts: tlsMounts,
                networksAdvanced: [{ name: network.name, aliases: ["proxy"] }],
                restart: "unless-stopped",
                labels: labelList(stackLabels(config, "proxy")),
            },
            // Fixed container names: the old container must go before its replacement starts.
            { ...child, deleteBeforeReplace: true },
        );

        const document = pulumi.output(args.singleuserImage).apply((image) =>
            serializeHubDocument(
                renderHubDocument(config, {
                    singleuserImage: image,
                    hubHost: names.hubContainer,
                    proxyApiUrl: `http://${names.proxyContainer}:8001`,
                    sqlitePath: HUB_SQLITE_PATH,
                    logoFile: args.hubLogoFile,
                    docker: dockerSpawnerBlock(config, args.hostHomes),
                }),
            ),
        );
        const envs = pulumi.secret(
            pulumi
                .all([
                    cookieSecret,
                    proxyToken,
                    cryptKey,
                    dummyPassword,
                    auth.oauth?.clientSecret,
                    auth.ldap?.searchPassword,
                    config.hub.db.url,
                    proxy.id,
                ])
                .apply(([cookie, token, crypt, dummy, oauth, ldap, dbUrl, proxyId]) =>
                    hubEnv(
                        {
                            cookieSecret: cookie,
                            proxyToken: token,
                            cryptKey: crypt,
                            dummyPassword: dummy,
                            oauthClientSecret: oauth,
                            ldapSearchPassword: ldap,
                            dbUrl,
                        },
                        // A new proxy starts with an empty routing table: changing this restarts the
                        // hub, which re-adds every route at start-up.
                        { PLATFORM_PROXY_CONTAINER: proxyId },
                    ),
                ),
        );
        const socket = args.dockerSocketPath ?? "/var/run/docker.sock";
        const hub = new docker.Container(
            `${name}-hub`,
            {
                name: names.hubContainer,
                image: args.hubImage,
                envs,
                // The hub runs as a non-root user; Docker socket access is by the socket's group.
                groupAdds: [String(args.dockerSocketGid)],
                mounts: [
                    { type: "bind", source: socket, target: "/var/run/docker.sock" },
                    { type: "volume", source: hubData.name, target: HUB_DATA_DIR },
                    ...(args.hostHomes ? [hostHomesHubMount(args.hostHomes)] : []),
                ],
                uploads: [{ file: HUB_DOCUMENT_PATH, content: document, permissions: "0444" }],
                networksAdvanced: [{ name: network.name, aliases: ["hub"] }],
                restart: "unless-stopped",
                labels: labelList(stackLabels(config, "hub")),
                healthcheck: {
                    tests: [
                        "CMD",
                        "python3",
                        "-c",
                        `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${HUB_API_PORT}/hub/health', timeout=4)`,
                    ],
                    interval: "3s",
                    timeout: "5s",
                    startPeriod: "5s",
                    retries: 40,
                },
                // `pulumi up` returns once the hub answers its health check.
                wait: true,
                waitTimeout: HUB_WAIT_SECONDS,
            },
            { ...child, deleteBeforeReplace: true, dependsOn: [proxy] },
        );

        // Removes the stack's user containers (and, when data is not kept, their homes) on destroy.
        // It depends on the hub, proxy and network, so Pulumi deletes it first: the user
        // containers are gone before the network is removed.
        new UserServerJanitor(
            `${name}-user-servers`,
            {
                dockerHost: args.dockerHost,
                containerLabel: `${LABEL_PREFIX}.stack=${config.stack}`,
                userVolumePrefix: names.userVolumePrefix,
                removeVolumes: !config.retainOnDestroy,
            },
            { parent: this, dependsOn: [network, proxy, hub] },
        );

        this.url = pulumi.output(args.tls && config.hub.domain ? `https://${config.hub.domain}` : config.hub.publicUrl);
        this.loginUser = pulumi.output(config.hub.adminUsers[0] ?? "student");
        this.loginPassword = pulumi.secret(dummyPassword ?? "");
        this.networkName = network.name;
        this.hubContainerName = hub.name;
        this.proxyContainerName = proxy.name;
        this.hubDataVolume = hubData.name;
        this.userVolumePrefix = names.userVolumePrefix;
        this.registerOutputs({
            url: this.url,
            loginUser: this.loginUser,
            loginPassword: this.loginPassword,
            networkName: this.networkName,
            hubContainerName: this.hubContainerName,
            proxyContainerName: this.proxyContainerName,
            hubDataVolume: this.hubDataVolume,
        });
    }
}
