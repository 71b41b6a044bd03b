/**
 * The arguments of every Docker resource DockerHub creates, as pure functions of the config and
 * the values only known at deploy time (image references, the network name, secrets). DockerHub
 * only wires them; tests call them directly.
 */
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerTopologyConfig, SharedVolume } from "../../config/types";
import {
    HUB_COMMAND,
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
import { hubFilePath, hubFilesWith, type HubFile } from "../hub/hubFiles";
import { renderHubDocument, serializeHubDocument } from "../hub/hubDocument";
import type { HubSecretValues } from "../hub/secrets";
import { FILL_TARGET, fillArgs } from "../shared/sharedVolumeFill";
import { hubBackupStatusMount } from "./backup";
import { dockerDaskBlock } from "./daskCluster";
import type { DockerRunArgs } from "./dockerRun";
import {
    dockerNames,
    dockerSpawnerBlock,
    goDuration,
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

export interface DockerHubImages {
    /** Pinned single-user image. */
    singleuser: string;
    /** Profile images the config names by tag → their pinned references. */
    profiles?: Readonly<Record<string, string>>;
}

/** The hub config document the hub container is given, for this engine's names and images. */
export function dockerHubDocument(config: DockerTopologyConfig, images: DockerHubImages, logoFile?: string, hostHomes?: HostHomes): string {
    const names = dockerNames(config);
    return serializeHubDocument(
        renderHubDocument(config, {
            singleuserImage: images.singleuser,
            profileImages: images.profiles,
            hubHost: names.hubContainer,
            proxyApiUrl: proxyApiUrl(names.proxyContainer),
            sqlitePath: HUB_SQLITE_PATH,
            logoFile,
            docker: dockerSpawnerBlock(config, hostHomes),
            dask: dockerDaskBlock(config),
        }),
    );
}

/** The document as an Output of the images it names (the hub's upload, and the image check's input). */
export function dockerHubDocumentOutput(
    config: DockerTopologyConfig,
    p: Pick<HubContainerInputs, "singleuserImage" | "profileImages" | "logoFile" | "hostHomes">,
): pulumi.Output<string> {
    return pulumi
        .all([p.singleuserImage, p.profileImages ?? {}])
        .apply(([singleuser, profiles]) => dockerHubDocument(config, { singleuser, profiles }, p.logoFile, p.hostHomes));
}

/** The one-shot run that checks the hub image for the packages the document needs (images/hub/platform_check.py). */
export function hubImageCheckRun(
    dockerHost: pulumi.Input<string>,
    image: pulumi.Input<string>,
    document: pulumi.Input<string>,
    checkScript: string,
): DockerRunArgs {
    return {
        dockerHost,
        args: pulumi
            .all([image, document])
            .apply(([img, doc]) => ["--network", "none", "--entrypoint", "python3", img, "-", JSON.stringify(JSON.parse(doc))]),
        stdin: checkScript,
        purpose: "the hub image cannot run the hub config",
        timeoutSeconds: 120,
    };
}

/**
 * The one-shot run that gives the hub database volume to the hub user before the hub starts. A
 * fresh named volume takes the owner of the image's mount point; images/hub makes that the hub
 * user, but a prebuilt hub image (images.hub.image) has no such directory, so the volume would be
 * root's and sqlite could not open its file. Only the volume's top directory is changed.
 */
export function hubDataOwnerRun(
    dockerHost: pulumi.Input<string>,
    image: pulumi.Input<string>,
    dataVolume: pulumi.Input<string>,
): DockerRunArgs {
    return {
        dockerHost,
        args: pulumi
            .all([image, dataVolume])
            .apply(([img, volume]) => [
                "--network",
                "none",
                "--user",
                "0:0",
                "--entrypoint",
                "chown",
                "--mount",
                `type=volume,source=${volume},target=${HUB_PATHS.dataDir}`,
                img,
                `${HUB_USER.uid}:${HUB_USER.gid}`,
                HUB_PATHS.dataDir,
            ]),
        purpose: "the hub database volume cannot be given to the hub user",
        timeoutSeconds: 120,
    };
}

/** The one-shot run that fills a shared volume from its source image (../shared/sharedVolumeFill.ts). */
export function sharedVolumeFillRun(
    dockerHost: pulumi.Input<string>,
    volume: SharedVolume,
    volumeName: pulumi.Input<string>,
    pinnedImage: pulumi.Input<string>,
): DockerRunArgs {
    if (!volume.source) {
        throw new Error(`shared volume ${volume.name} has no source image to fill it from`);
    }
    const source = volume.source;
    return {
        dockerHost,
        args: pulumi
            .all([volumeName, pinnedImage])
            .apply(([vol, img]) => [
                "--network",
                "none",
                "--user",
                "0:0",
                "-v",
                `${vol}:${FILL_TARGET}`,
                "--entrypoint",
                "/bin/sh",
                img,
                ...fillArgs(source.path, img),
            ]),
        purpose: `fill the shared volume ${volume.name} with ${source.path} of ${source.image}`,
        // A big software tree takes a while to copy.
        timeoutSeconds: 3600,
    };
}

export interface HubContainerInputs {
    image: pulumi.Input<string>;
    singleuserImage: pulumi.Input<string>;
    /** Profile images the config names by tag → their pinned references. */
    profileImages?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** The program's hub files (readHubFiles()): mounted next to the document. */
    hubFiles: readonly HubFile[];
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
        pulumi.all([pulumi.all({ ...p.secrets }), p.proxyId]).apply(([secrets, proxyId]) =>
            // PLATFORM_CONFIG: a prebuilt hub image does not set it as images/hub does.
            hubEnv(secrets, { PLATFORM_PROXY_CONTAINER: proxyId, PLATFORM_CONFIG: HUB_DOCUMENT_PATH }),
        ),
    );
    const document = dockerHubDocumentOutput(config, p);
    return {
        name: names.hubContainer,
        image: p.image,
        // The program's jupyterhub_config.py, whatever the image bakes in.
        command: [...HUB_COMMAND],
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
        uploads: [
            { file: HUB_DOCUMENT_PATH, content: document, permissions: "0444" },
            ...hubFilesWith(p.hubFiles, config.hub.auth.caBundle).map((f) => ({
                file: hubFilePath(f),
                content: f.content,
                permissions: "0444",
            })),
        ],
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
            // Failed checks while the hub starts do not count (a slow VM takes minutes), so the
            // container is not marked unhealthy before `pulumi up` stops waiting for it.
            startPeriod: goDuration(config.hub.startTimeoutSeconds),
            retries: 40,
        },
        // `pulumi up` returns once the hub answers its health check (hub.startTimeout).
        wait: true,
        waitTimeout: config.hub.startTimeoutSeconds,
    };
}
