/**
 * Backups on Kubernetes (backup.enabled): a CronJob runs images/hub/platform_backup.py in the hub
 * image on backup.schedule (UTC).
 *
 * Design. The hub database PVC (`hub-db-dir`) is ReadWriteOnce: the backup pod mounts it
 * read-only and is pinned next to the hub pod by a required pod affinity (same node), so the
 * claim can be attached there; it takes a consistent snapshot with sqlite's online backup API (an
 * external database is dumped instead and mounts nothing). Homes are per-user claims
 * (`claim-<user>`) that no long-running pod can mount in advance, so the runner creates one Job
 * per claim through the Kubernetes API, mounting that claim read-only; the same shape works for
 * Gluster PVs and any StorageClass, without reaching into the storage nodes.
 *
 * Capabilities: root with every capability dropped but DAC_OVERRIDE, no privilege escalation. On
 * Docker the runner uses DAC_READ_SEARCH (read-only by nature), but the hub's namespace enforces
 * the `baseline` Pod Security level, whose allowed additions do not include DAC_READ_SEARCH;
 * DAC_OVERRIDE is in that list, and with the claim mounted read-only it can read every file of
 * the home and write none. The runner's status goes to the
 * ConfigMap `backup-status`, which the hub mounts (optional) for the admin banner. Its rights are
 * exactly these: claims (read, and delete for `user delete`), Jobs and their pods and logs, the
 * status ConfigMap, and scaling the hub Deployment around a database restore.
 *
 * A volume repository (a PVC) is ReadWriteOnce on most classes: every per-claim Job would need it
 * on its node. Use an s3: or swift: repository on multi-node clusters (README).
 */
import * as pulumi from "@pulumi/pulumi";
import { toKubernetesQuantity } from "../../../../config/quantities";
import type { BackupConfig } from "../../../../config/types";
import { backupEnv, runnerDocumentBase, swiftSecretOf, type RunnerDocumentBase } from "../../../backup/render";
import { BACKUP } from "../../../hub/contract";
import type { HubRenderContext } from "../context";
import { usesSqlite } from "../hub/database";
import { podPullSecrets } from "../imagePullSecret";
import { NETWORK_ACCESS, objectLabels, selectorLabels } from "../labels";
import type { ConfigMap, CronJob, KubernetesObject, PersistentVolumeClaim, Role, RoleBinding, Secret, ServiceAccount } from "../objects";

/** What a backup pod adds to an empty capability set: allowed by Pod Security `baseline` (see above). */
export const KUBE_READ_CAPABILITIES = ["DAC_OVERRIDE"] as const;
/** Capabilities Pod Security `baseline` lets a container add (Kubernetes' pod security standards). */
export const BASELINE_CAPABILITIES = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
] as const;

/** Where the runner pod mounts the hub database claim (read-only). */
export const BACKUP_HUB_DATA_MOUNT = "/hub-data";
/** Generous: a first backup of many homes reads everything once. */
const ACTIVE_DEADLINE_SECONDS = 6 * 3600;

export interface KubeRunnerDocument extends RunnerDocumentBase {
    platform: "kubernetes";
    kubernetes: {
        namespace: string;
        image: string;
        /** Home claims are `<claimPrefix><slug>` (KubeSpawner's claim-{username}). */
        claimPrefix: string;
        /** User pods are `<podPrefix><slug>` (KubeSpawner's jupyter-{username}). */
        podPrefix: string;
        hubDbPvc: string | null;
        hubDataMount: string;
        hubDeployment: string;
        statusConfigMap: string;
        secretName: string;
        serviceAccount: string;
        jobPrefix: string;
        repositoryPvc: string | null;
        nodeSelector: Record<string, string>;
        imagePullSecrets: string[];
        labels: Record<string, string>;
        /** What the per-claim Jobs add to an empty capability set when they read a home. */
        readCapabilities: string[];
    };
}

function backupOf(ctx: HubRenderContext): BackupConfig {
    const b = ctx.config.backup;
    if (!b) throw new Error("backup renderers need backup.enabled");
    return b;
}

function meta(ctx: HubRenderContext, name: string) {
    return { name, namespace: ctx.namespace, labels: objectLabels(ctx.names, "backup") };
}

export function repositoryPvcName(ctx: HubRenderContext): string | null {
    const repo = backupOf(ctx).repository;
    return repo.kind === "volume" ? (repo.name ?? ctx.names.backupRepositoryPvc) : null;
}

export function kubeRunnerDocument(ctx: HubRenderContext, namespace: string, image: string): KubeRunnerDocument {
    const { names } = ctx;
    const pullSecrets = podPullSecrets(ctx).imagePullSecrets ?? [];
    return {
        platform: "kubernetes",
        ...runnerDocumentBase(backupOf(ctx), ctx.config.stack, ctx.config.hub.db.type, names.hubService),
        kubernetes: {
            namespace,
            image,
            claimPrefix: "claim-",
            podPrefix: "jupyter-",
            hubDbPvc: usesSqlite(ctx) ? names.hubDbPvc : null,
            hubDataMount: BACKUP_HUB_DATA_MOUNT,
            hubDeployment: names.hubDeployment,
            statusConfigMap: names.backupStatusConfigMap,
            secretName: names.backupSecret,
            serviceAccount: names.backup,
            jobPrefix: `${names.backup}-`,
            repositoryPvc: repositoryPvcName(ctx),
            nodeSelector: { ...ctx.kubernetes.coreNodeSelector },
            imagePullSecrets: pullSecrets.map((s) => String((s as { name: string }).name)),
            labels: selectorLabels(names, "backup"),
            readCapabilities: [...KUBE_READ_CAPABILITIES],
        },
    };
}

export function backupServiceAccount(ctx: HubRenderContext): ServiceAccount {
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(ctx, ctx.names.backup) };
}

export function backupRole(ctx: HubRenderContext): Role {
    const { names } = ctx;
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: meta(ctx, names.backup),
        rules: [
            { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "list", "delete"] },
            { apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list"] },
            { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "delete"] },
            // create cannot be limited by name; update only touches the status.
            { apiGroups: [""], resources: ["configmaps"], verbs: ["create"] },
            { apiGroups: [""], resources: ["configmaps"], resourceNames: [names.backupStatusConfigMap], verbs: ["get", "update", "patch"] },
            { apiGroups: ["apps"], resources: ["deployments/scale"], resourceNames: [names.hubDeployment], verbs: ["get", "patch"] },
        ],
    };
}

export function backupRoleBinding(ctx: HubRenderContext): RoleBinding {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: meta(ctx, ctx.names.backup),
        subjects: [{ kind: "ServiceAccount", name: ctx.names.backup, namespace: ctx.namespace }],
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: ctx.names.backup },
    };
}

export function backupConfigMap(ctx: HubRenderContext): ConfigMap {
    const doc = pulumi
        .all([pulumi.output(ctx.namespace), pulumi.output(ctx.images.hub)])
        .apply(([ns, image]) => JSON.stringify(kubeRunnerDocument(ctx, ns, image), null, 2) + "\n");
    return { apiVersion: "v1", kind: "ConfigMap", metadata: meta(ctx, ctx.names.backupConfigMap), data: { "backup.json": doc } };
}

/** restic's environment and the service token, from secret Outputs only. */
export function backupSecret(ctx: HubRenderContext, backupToken: pulumi.Input<string>, dbUrl?: pulumi.Input<string>): Secret {
    const b = backupOf(ctx);
    const swift = swiftSecretOf(b);
    const env = pulumi
        .all({
            password: b.password,
            backupToken,
            s3SecretAccessKey: b.s3?.secretAccessKey ?? "",
            swiftSecret: swift ?? "",
            dbUrl: dbUrl ?? "",
        })
        .apply((v) =>
            backupEnv(b, {
                password: v.password,
                backupToken: v.backupToken,
                s3SecretAccessKey: b.s3 ? v.s3SecretAccessKey : undefined,
                swiftSecret: swift ? v.swiftSecret : undefined,
                dbUrl: dbUrl ? v.dbUrl : undefined,
            }),
        );
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: meta(ctx, ctx.names.backupSecret),
        type: "Opaque",
        stringData: pulumi.secret(env),
    };
}

export function backupRepositoryPvc(ctx: HubRenderContext): PersistentVolumeClaim | undefined {
    const name = repositoryPvcName(ctx);
    if (name === null) return undefined;
    return {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: meta(ctx, name),
        spec: {
            accessModes: ["ReadWriteOnce"],
            // Room for the hub database and every home at least once.
            resources: { requests: { storage: toKubernetesQuantity(ctx.config.hub.db.volumeSizeBytes * 10) } },
            ...(ctx.storageClassName !== undefined ? { storageClassName: ctx.storageClassName } : {}),
        },
    };
}

export function backupCronJob(ctx: HubRenderContext): CronJob {
    const { names } = ctx;
    const b = backupOf(ctx);
    const sqlite = usesSqlite(ctx);
    const repo = repositoryPvcName(ctx);
    return {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: meta(ctx, names.backup),
        spec: {
            schedule: b.schedule,
            timeZone: "Etc/UTC",
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 3600,
            successfulJobsHistoryLimit: 1,
            failedJobsHistoryLimit: 3,
            jobTemplate: {
                spec: {
                    backoffLimit: 0,
                    activeDeadlineSeconds: ACTIVE_DEADLINE_SECONDS,
                    template: {
                        metadata: { labels: { ...selectorLabels(names, "backup"), [NETWORK_ACCESS.hub]: "true" } },
                        spec: {
                            serviceAccountName: names.backup,
                            automountServiceAccountToken: true,
                            enableServiceLinks: false,
                            ...podPullSecrets(ctx),
                            restartPolicy: "Never",
                            nodeSelector: { ...ctx.kubernetes.coreNodeSelector },
                            // The RWO hub database claim is attached where the hub runs.
                            ...(sqlite
                                ? {
                                      affinity: {
                                          podAffinity: {
                                              requiredDuringSchedulingIgnoredDuringExecution: [
                                                  {
                                                      labelSelector: { matchLabels: selectorLabels(names, "hub") },
                                                      topologyKey: "kubernetes.io/hostname",
                                                  },
                                              ],
                                          },
                                      },
                                  }
                                : {}),
                            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
                            volumes: [
                                { name: "config", configMap: { name: names.backupConfigMap, defaultMode: 0o444 } },
                                { name: "status", emptyDir: {} },
                                ...(sqlite
                                    ? [{ name: "hub-db", persistentVolumeClaim: { claimName: names.hubDbPvc, readOnly: true } }]
                                    : []),
                                ...(repo ? [{ name: "repository", persistentVolumeClaim: { claimName: repo } }] : []),
                            ],
                            containers: [
                                {
                                    name: "backup",
                                    image: ctx.images.hub,
                                    command: ["python3", "/etc/jupyterhub/platform_backup.py", "run"],
                                    envFrom: [{ secretRef: { name: names.backupSecret } }],
                                    env: [{ name: "PYTHONUNBUFFERED", value: "1" }],
                                    volumeMounts: [
                                        { name: "config", mountPath: BACKUP.configFile, subPath: "backup.json", readOnly: true },
                                        { name: "status", mountPath: BACKUP.statusDir },
                                        ...(sqlite ? [{ name: "hub-db", mountPath: BACKUP_HUB_DATA_MOUNT, readOnly: true }] : []),
                                        ...(repo ? [{ name: "repository", mountPath: BACKUP.repositoryMount }] : []),
                                    ],
                                    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
                                    securityContext: {
                                        runAsUser: 0,
                                        runAsGroup: 0,
                                        allowPrivilegeEscalation: false,
                                        capabilities: { drop: ["ALL"], add: [...KUBE_READ_CAPABILITIES] },
                                    },
                                },
                            ],
                        },
                    },
                },
            },
        },
    };
}

/** The hub's read-only view of the runner's status (optional: absent until the first run). */
export function hubBackupStatusVolume(ctx: HubRenderContext) {
    if (!ctx.config.backup) return { volumes: [], volumeMounts: [] };
    return {
        volumes: [{ name: "backup-status", configMap: { name: ctx.names.backupStatusConfigMap, optional: true, defaultMode: 0o444 } }],
        volumeMounts: [{ name: "backup-status", mountPath: BACKUP.statusDir, readOnly: true }],
    };
}

/** Everything backups need, or nothing when they are off. */
export function backupObjects(
    ctx: HubRenderContext,
    backupToken: pulumi.Input<string> | undefined,
    dbUrl?: pulumi.Input<string>,
): KubernetesObject[] {
    if (!ctx.config.backup) return [];
    if (backupToken === undefined) throw new Error("backups need the hub's generated backup token");
    return [
        backupServiceAccount(ctx),
        backupRole(ctx),
        backupRoleBinding(ctx),
        backupConfigMap(ctx),
        backupSecret(ctx, backupToken, dbUrl),
        ...[backupRepositoryPvc(ctx)].filter((x): x is PersistentVolumeClaim => x !== undefined),
        backupCronJob(ctx),
    ];
}
