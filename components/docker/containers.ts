/**
 * The arguments of every Docker resource DockerHub creates, as pure functions of the config and
 * the values only known at deploy time (image references, the network name, secrets). DockerHub
 * only wires them; tests call them directly.
 */
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerTopologyConfig, SharedVolume } from "../../config/types";
import {
    HUB_DOCUMENT_PATH,
    HUB_HOSTS,
    HUB_PATHS,
    HUB_PORTS,
    HUB_SQLITE_PATH,
    HUB_USER,
    NOBODY,
    PROXY_TLS_DIR,
    proxyApiUrl,
} from "../hub/contract";
import { renderHubDocument, serializeHubDocument } from "../hub/hubDocument";
import type { HubSecretValues } from "../hub/secrets";
import { hubBackupStatusMount } from "./backup";
import { dockerDaskBlock } from "./daskCluster";
import {
    dockerNames,
    dockerSpawnerBlock,
    hostHomesHubMount,
    hubEnv,
    labelList,
    proxyCommand,
    proxyEnv,
    proxyPorts,
    stackLabels,
    type HostHomes,
    type ProxyTls,
} from "./render";

/** Seconds `pulumi up` waits for the hub's health check before failing. */
export const HUB_WAIT_SECONDS = 180;

/** Where the engine's Docker socket is mounted in the hub (DockerSpawner's default). */
const HUB_DOCKER_SOCKET = "/var/run/docker.sock";

/**
 * Both containers run as the images' non-root users, stated here too so the engine enforces it
 * whatever the image says, and no process in them can gain privileges (setuid binaries, file
 * capabilities). The policy pack's non-root rule checks exactly these two settings.
 */
const NO_NEW_PRIVILEGES = ["no-new-privileges"];

export function networkSpec(config: DockerTopologyConfig): docker.NetworkArgs {
    return { name: dockerNames(config).network, driver: "bridge", labels: labelList(stackLabels(config, "network")) };
}

export function hubDataVolumeSpec(config: DockerTopologyConfig): docker.VolumeArgs {
    return { name: dockerNames(config).hubDbVolume, labels: labelList(stackLabels(config, "hub-data")) };
}

export function sharedVolumeSpec(config: DockerTopologyConfig, volume: SharedVolume): docker.VolumeArgs {
    return { name: volume.name, labels: labelList(stackLabels(config, "shared")) };
}

export interface ProxyContainerInputs {
    image: pulumi.Input<string>;
    network: pulumi.Input<string>;
    proxyToken: pulumi.Output<string>;
    tls?: ProxyTls;
}

export function proxyContainerSpec(config: DockerTopologyConfig, p: ProxyContainerInputs): docker.ContainerArgs {
    const names = dockerNames(config);
    return {
        name: names.proxyContainer,
        image: p.image,
        command: proxyCommand(names.hubContainer, p.tls),
        envs: pulumi.secret(p.proxyToken.apply(proxyEnv)),
        ports: proxyPorts(config, p.tls),
        mounts: p.tls
            ? [
                  { type: "bind", source: p.tls.certPath, target: `${PROXY_TLS_DIR}/cert.pem`, readOnly: true },
                  { type: "bind", source: p.tls.keyPath, target: `${PROXY_TLS_DIR}/key.pem`, readOnly: true },
              ]
            : [],
        networksAdvanced: [{ name: p.network, aliases: [HUB_HOSTS.proxy] }],
        user: `${NOBODY}:${NOBODY}`,
        securityOpts: NO_NEW_PRIVILEGES,
        restart: "unless-stopped",
        labels: labelList(stackLabels(config, "proxy")),
    };
}

/** The hub config document the hub container is given, for this engine's names and images. */
export function dockerHubDocument(config: DockerTopologyConfig, singleuserImage: string, logoFile?: string, hostHomes?: HostHomes): string {
    const names = dockerNames(config);
    return serializeHubDocument(
        renderHubDocument(config, {
            singleuserImage,
            hubHost: names.hubContainer,
            proxyApiUrl: proxyApiUrl(names.proxyContainer),
            sqlitePath: HUB_SQLITE_PATH,
            logoFile,
            docker: dockerSpawnerBlock(config, hostHomes),
            dask: dockerDaskBlock(config),
        }),
    );
}

export interface HubContainerInputs {
    image: pulumi.Input<string>;
    singleuserImage: pulumi.Input<string>;
    network: pulumi.Input<string>;
    dataVolume: pulumi.Input<string>;
    secrets: HubSecretValues;
    /** A new proxy starts with an empty routing table: its ID in the hub's environment restarts the hub, which re-adds every route. */
    proxyId: pulumi.Input<string>;
    dockerSocketGid: number;
    dockerSocketPath: string;
    logoFile?: string;
    hostHomes?: HostHomes;
}

export function hubContainerSpec(config: DockerTopologyConfig, p: HubContainerInputs): docker.ContainerArgs {
    const names = dockerNames(config);
    // Every secret the config needs (HubSecretValues holds only those), by its HUB_SECRET_ENV name.
    const envs = pulumi.secret(
        pulumi
            .all([pulumi.all({ ...p.secrets }), p.proxyId])
            .apply(([secrets, proxyId]) => hubEnv(secrets, { PLATFORM_PROXY_CONTAINER: proxyId })),
    );
    const document = pulumi.output(p.singleuserImage).apply((image) => dockerHubDocument(config, image, p.logoFile, p.hostHomes));
    return {
        name: names.hubContainer,
        image: p.image,
        envs,
        // The hub runs as a non-root user; Docker socket access is by the socket's group.
        user: `${HUB_USER.uid}:${HUB_USER.gid}`,
        groupAdds: [String(p.dockerSocketGid)],
        securityOpts: NO_NEW_PRIVILEGES,
        mounts: [
            { type: "bind", source: p.dockerSocketPath, target: HUB_DOCKER_SOCKET },
            { type: "volume", source: p.dataVolume, target: HUB_PATHS.dataDir },
            ...(p.hostHomes ? [hostHomesHubMount(p.hostHomes)] : []),
            ...(config.backup ? [hubBackupStatusMount(config)] : []),
        ],
        uploads: [{ file: HUB_DOCUMENT_PATH, content: document, permissions: "0444" }],
        networksAdvanced: [{ name: p.network, aliases: [HUB_HOSTS.hub] }],
        restart: "unless-stopped",
        labels: labelList(stackLabels(config, "hub")),
        healthcheck: {
            tests: [
                "CMD",
                "python3",
                "-c",
                `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${HUB_PORTS.hub}/hub/health', timeout=4)`,
            ],
            interval: "3s",
            timeout: "5s",
            startPeriod: "5s",
            retries: 40,
        },
        // `pulumi up` returns once the hub answers its health check.
        wait: true,
        waitTimeout: HUB_WAIT_SECONDS,
    };
}
