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
import type { DockerTopologyConfig } from "../../config/types";
import { HUB_FILES_DIR, readHubFiles, type HubFile } from "../hub/hubFiles";
import { hubSecrets } from "../hub/secrets";
import { backupContainerSpec, backupRepositoryVolumeSpec, backupStatusVolumeSpec, type DockerBackupConfig } from "./backup";
import { swiftSecretOf } from "../backup/render";
import type { ImageResolver } from "../images/imageResolver";
import {
    dockerHubDocumentOutput,
    hubContainerSpec,
    hubDataVolumeSpec,
    hubDataOwnerRun,
    hubImageCheckRun,
    networkSpec,
    proxyContainerSpec,
    sharedVolumeFillRun,
    sharedVolumeSpec,
} from "./containers";
import { DockerRun } from "./dockerRun";
import { dockerNames, LABEL_PREFIX, type HostHomes, type ProxyTls } from "./render";
import { UserServerJanitor } from "./userServerJanitor";

export interface DockerHubArgs {
    config: DockerTopologyConfig;
    /** The engine everything runs on; also used for the janitor's DOCKER_HOST. */
    provider: docker.Provider;
    /** DOCKER_HOST of that engine (unix:///var/run/docker.sock, ssh://admin@vm). */
    dockerHost: pulumi.Input<string>;
    /** Group id owning the Docker socket on the engine's host: added to the hub's groups. */
    dockerSocketGid: number;
    /** Path of the Docker socket on the engine's host. */
    dockerSocketPath?: string;
    hubImage: pulumi.Input<string>;
    singleuserImage: pulumi.Input<string>;
    proxyImage: pulumi.Input<string>;
    /** Resolves the images the config names by tag (profiles, shared-volume sources) on this engine. */
    resolver: ImageResolver;
    /**
     * The program's hub files, mounted into the hub.
     * @default readHubFiles() of images/hub
     */
    hubFiles?: readonly HubFile[];
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

/** images/hub/platform_check.py, run on its own in the hub image (its __main__ reads the document). */
function platformCheckScript(files: readonly HubFile[]): string {
    const script = files.find((f) => f.path === "platform_check.py");
    if (!script) {
        throw new Error(`DockerHub: platform_check.py is not among the hub files of ${HUB_FILES_DIR}`);
    }
    return script.content;
}

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
    /** backup.enabled: the runner's container (npm run backup / restore / user exec into it). */
    readonly backupContainerName?: pulumi.Output<string>;

    constructor(name: string, args: DockerHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:docker:DockerHub", name, {}, opts);
        const { config, provider } = args;
        const names = dockerNames(config);
        const child = { parent: this, provider };
        // User data (the hub database, shared trees) outlives the stack unless the operator opts out.
        const keep = { ...child, retainOnDelete: config.retainOnDestroy };
        // Fixed container names: the old container must go before its replacement starts.
        const replaceByName = { ...child, deleteBeforeReplace: true };

        const network = new docker.Network(`${name}-network`, networkSpec(config), child);
        const hubData = new docker.Volume(`${name}-hub-data`, hubDataVolumeSpec(config), keep);
        // Shared volumes with a source image are filled before any server can mount them.
        const fills = config.singleuser.sharedVolumes.flatMap((v, i) => {
            const volume = new docker.Volume(`${name}-shared-${i}`, sharedVolumeSpec(config, v), keep);
            if (!v.source) {
                return [];
            }
            const image = args.resolver.resolve(v.source.image, `singleuser.sharedVolumes ${v.name}`);
            return [
                new DockerRun(`${name}-shared-${i}-fill`, sharedVolumeFillRun(args.dockerHost, v, volume.name, image), {
                    parent: this,
                    dependsOn: [volume],
                }),
            ];
        });
        const profileImages = Object.fromEntries(
            config.singleuser.profiles
                .filter((p) => p.image !== undefined)
                .map((p) => [p.image as string, args.resolver.resolve(p.image as string, `singleuser.profiles ${p.slug}`)]),
        );
        const hubFiles = args.hubFiles ?? readHubFiles();
        // Any hub image may be named (images.hub.image): before the hub starts, check it has the
        // packages this config needs, so `up` stops at once with the missing package's name.
        const imageCheck = new DockerRun(
            `${name}-image-check`,
            hubImageCheckRun(
                args.dockerHost,
                args.hubImage,
                dockerHubDocumentOutput(config, { ...args, profileImages, logoFile: args.hubLogoFile }),
                platformCheckScript(hubFiles),
            ),
            { parent: this },
        );
        const dataOwner = new DockerRun(`${name}-hub-data-owner`, hubDataOwnerRun(args.dockerHost, args.hubImage, hubData.name), {
            parent: this,
            dependsOn: [hubData],
        });
        const secrets = hubSecrets(name, config, this);
        // Backups: the status volume exists before the hub, which mounts it read-only.
        const backupStatus = config.backup ? new docker.Volume(`${name}-backup-status`, backupStatusVolumeSpec(config), child) : undefined;
        const proxy = new docker.Container(
            `${name}-proxy`,
            proxyContainerSpec(config, { image: args.proxyImage, network: network.name, proxyToken: secrets.proxyToken, tls: args.tls }),
            replaceByName,
        );
        const hub = new docker.Container(
            `${name}-hub`,
            hubContainerSpec(config, {
                image: args.hubImage,
                singleuserImage: args.singleuserImage,
                profileImages,
                hubFiles,
                network: network.name,
                dataVolume: hubData.name,
                secrets,
                proxyId: proxy.id,
                dockerSocketGid: args.dockerSocketGid,
                dockerSocketPath: args.dockerSocketPath ?? "/var/run/docker.sock",
                logoFile: args.hubLogoFile,
                hostHomes: args.hostHomes,
            }),
            { ...replaceByName, dependsOn: [proxy, imageCheck, dataOwner, ...fills, ...(backupStatus ? [backupStatus] : [])] },
        );

        let backupContainer: docker.Container | undefined;
        if (config.backup && backupStatus && secrets.backupToken) {
            const backupConfig = config as DockerBackupConfig;
            const repoSpec = backupRepositoryVolumeSpec(backupConfig);
            // The repository holds every backup: kept through destroy unless data is not.
            const repoVolume = repoSpec ? new docker.Volume(`${name}-backup-repository`, repoSpec, keep) : undefined;
            backupContainer = new docker.Container(
                `${name}-backup`,
                backupContainerSpec(backupConfig, {
                    image: args.hubImage,
                    network: network.name,
                    statusVolume: backupStatus.name,
                    dockerSocketPath: args.dockerSocketPath ?? "/var/run/docker.sock",
                    hostHomes: args.hostHomes,
                    secrets: {
                        password: pulumi.secret(config.backup.password),
                        backupToken: secrets.backupToken,
                        s3SecretAccessKey: config.backup.s3 ? pulumi.secret(config.backup.s3.secretAccessKey) : undefined,
                        swiftSecret: swiftSecretOf(config.backup) ? pulumi.secret(swiftSecretOf(config.backup)!) : undefined,
                        dbUrl: secrets.dbUrl,
                    },
                }),
                { ...replaceByName, dependsOn: [hub, ...(repoVolume ? [repoVolume] : [])] },
            );
        }

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
            { parent: this, dependsOn: [network, proxy, hub, ...(backupContainer ? [backupContainer] : [])] },
        );

        this.url = pulumi.output(args.tls && config.hub.domain ? `https://${config.hub.domain}` : config.hub.publicUrl);
        this.loginUser = pulumi.output(config.hub.adminUsers[0] ?? "student");
        this.loginPassword = pulumi.secret(secrets.dummyPassword ?? "");
        this.networkName = network.name;
        this.hubContainerName = hub.name;
        this.proxyContainerName = proxy.name;
        this.hubDataVolume = hubData.name;
        this.userVolumePrefix = names.userVolumePrefix;
        this.backupContainerName = backupContainer ? backupContainer.name : undefined;
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
