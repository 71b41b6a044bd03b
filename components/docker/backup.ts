/**
 * Backups on a Docker engine (local, docker-vm): the runner's container (the hub image running
 * platform_backup.py's scheduler loop), its status volume, and the default repository volume.
 * Pure specs; DockerHub wires them.
 *
 * The runner drives the engine through its socket: it creates one short-lived container per home
 * (homes are created after it, so it cannot mount them itself), and stops/starts the hub around a
 * database restore. It runs as root with every capability dropped but DAC_READ_SEARCH, and
 * no-new-privileges; write access to the socket comes from uid 0 owning it, not from a capability.
 * The socket is root-equivalent on the engine's host, as it already is for the hub (DockerSpawner).
 */
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { BackupConfig, DockerTopologyConfig } from "../../config/types";
import { BACKUP, HUB_HOSTS } from "../hub/contract";
import { backupEnv, envList, runnerDocumentBase, type RunnerDocumentBase } from "../backup/render";
import { dockerNames, labelList, stackLabels, type HostHomes } from "./render";

export type DockerBackupConfig = DockerTopologyConfig & { backup: BackupConfig };

export interface DockerRunnerDocument extends RunnerDocumentBase {
    platform: "docker";
    docker: {
        image: string;
        network: string;
        /** Prefix of the one-shot containers' names. */
        containerPrefix: string;
        hubContainer: string;
        hubDataVolume: string;
        /** Labels the hub data volume is (re)created with on a restore into a removed volume. */
        hubDataLabels: Record<string, string>;
        userVolumePrefix: string;
        userContainerPrefix: string;
        /** docker-vm: the homes directory and the home helper's socket. */
        homesRoot: string | null;
        homesSocket: string | null;
        repositoryMount: { type: "volume" | "bind"; source: string; target: string } | null;
        labels: Record<string, string>;
    };
}

/** The repository as a mount of the runner's containers; undefined for s3 and swift. */
export function repositoryMountOf(config: DockerBackupConfig): DockerRunnerDocument["docker"]["repositoryMount"] {
    const repo = config.backup.repository;
    if (repo.kind === "volume") {
        return { type: "volume", source: repo.name ?? dockerNames(config).backupRepositoryVolume, target: BACKUP.repositoryMount };
    }
    if (repo.kind === "directory") {
        return { type: "bind", source: repo.path, target: BACKUP.repositoryMount };
    }
    return null;
}

export function dockerRunnerDocument(config: DockerBackupConfig, image: string, hostHomes?: HostHomes): DockerRunnerDocument {
    const names = dockerNames(config);
    return {
        platform: "docker",
        ...runnerDocumentBase(config.backup, config.stack, config.hub.db.type, HUB_HOSTS.hub),
        docker: {
            image,
            network: names.network,
            containerPrefix: names.backupContainer,
            hubContainer: names.hubContainer,
            hubDataVolume: names.hubDbVolume,
            hubDataLabels: stackLabels(config, "hub-data"),
            userVolumePrefix: names.userVolumePrefix,
            userContainerPrefix: names.userContainerPrefix,
            homesRoot: hostHomes ? hostHomes.root.replace(/\/+$/, "") : null,
            homesSocket: hostHomes ? hostHomes.socket : null,
            repositoryMount: repositoryMountOf(config),
            labels: stackLabels(config, "backup-job"),
        },
    };
}

export function backupStatusVolumeSpec(config: DockerTopologyConfig): docker.VolumeArgs {
    return { name: dockerNames(config).backupStatusVolume, labels: labelList(stackLabels(config, "backup-status")) };
}

export function backupRepositoryVolumeSpec(config: DockerBackupConfig): docker.VolumeArgs | undefined {
    const repo = config.backup.repository;
    if (repo.kind !== "volume") {
        return undefined;
    }
    return { name: repo.name ?? dockerNames(config).backupRepositoryVolume, labels: labelList(stackLabels(config, "backup-repository")) };
}

/** The hub's read-only view of the runner's status (for the admin banner). */
export function hubBackupStatusMount(config: DockerTopologyConfig): { type: "volume"; source: string; target: string; readOnly: true } {
    return { type: "volume", source: dockerNames(config).backupStatusVolume, target: BACKUP.statusDir, readOnly: true };
}

export interface BackupContainerInputs {
    image: pulumi.Input<string>;
    network: pulumi.Input<string>;
    secrets: {
        password: pulumi.Output<string>;
        backupToken: pulumi.Output<string>;
        s3SecretAccessKey?: pulumi.Output<string>;
        swiftSecret?: pulumi.Output<string>;
        dbUrl?: pulumi.Output<string>;
    };
    dockerSocketPath: string;
    hostHomes?: HostHomes;
    /** Depends on the status volume's creation. */
    statusVolume: pulumi.Input<string>;
}

export function backupContainerSpec(config: DockerBackupConfig, p: BackupContainerInputs): docker.ContainerArgs {
    const names = dockerNames(config);
    const s = p.secrets;
    const envs = pulumi.secret(
        pulumi
            .all([s.password, s.backupToken, s.s3SecretAccessKey, s.swiftSecret, s.dbUrl])
            .apply(([password, backupToken, s3SecretAccessKey, swiftSecret, dbUrl]) =>
                envList(backupEnv(config.backup, { password, backupToken, s3SecretAccessKey, swiftSecret, dbUrl })),
            ),
    );
    const document = pulumi
        .output(p.image)
        .apply((image) => JSON.stringify(dockerRunnerDocument(config, image, p.hostHomes), null, 2) + "\n");
    const repo = repositoryMountOf(config);
    return {
        name: names.backupContainer,
        image: p.image,
        command: ["python3", "/etc/jupyterhub/platform_backup.py", "serve"],
        user: "0:0",
        capabilities: { drops: ["ALL"], adds: ["DAC_READ_SEARCH"] },
        securityOpts: ["no-new-privileges"],
        envs,
        mounts: [
            { type: "bind", source: p.dockerSocketPath, target: "/var/run/docker.sock" },
            { type: "volume", source: p.statusVolume, target: BACKUP.statusDir },
            ...(repo ? [{ type: repo.type, source: repo.source, target: repo.target }] : []),
            // docker-vm: list the homes, and ask the VM's helper to re-create one before a restore.
            ...(p.hostHomes
                ? [
                      { type: "bind", source: p.hostHomes.root, target: p.hostHomes.root, readOnly: true },
                      { type: "bind", source: dirOf(p.hostHomes.socket), target: dirOf(p.hostHomes.socket), readOnly: true },
                  ]
                : []),
        ],
        uploads: [{ file: BACKUP.configFile, content: document, permissions: "0444" }],
        networksAdvanced: [{ name: p.network, aliases: ["backup"] }],
        restart: "unless-stopped",
        labels: labelList(stackLabels(config, "backup")),
    };
}

function dirOf(path: string): string {
    return path.slice(0, path.lastIndexOf("/"));
}
