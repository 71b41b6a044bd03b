/**
 * The hub config document of JupyterHub on Kubernetes: the one renderer every topology uses
 * (components/hub/hubDocument.ts) with the KubeSpawner block built from this deployment's facts —
 * Service names, the sqlite file on the PVC, the namespace, the labels the NetworkPolicies select
 * on, the user node selector, the scheduler and priority class user pods use. Both come from the
 * same render context, so the document and the objects cannot disagree.
 */
import * as crypto from "crypto";
import { HUB_PATHS, HUB_SQLITE_PATH, proxyApiUrl } from "../../../hub/contract";
import { renderHubDocument, serializeHubDocument, type KubeSpawnerBlock } from "../../../hub/hubDocument";
import type { HubRenderContext } from "../context";
import { pullSecretEnabled } from "../imagePullSecret";
import { userPodLabels } from "../labels";
import { placeholdersEnabled } from "../scheduling/priorityClasses";
import { gatewayNames } from "../../daskGateway/names";
import { gatewayDaskBlock } from "../../daskGateway/render";

/** KubeSpawner's claim per user (zero-to-jupyterhub's name); the Gluster PVs are pre-bound to it. */
export const HOME_PVC_TEMPLATE = "claim-{username}";

export function kubeSpawnerBlock(ctx: HubRenderContext): KubeSpawnerBlock {
    const k = ctx.kubernetes;
    const su = ctx.config.singleuser;
    return {
        namespace: k.namespace,
        homePvcTemplate: HOME_PVC_TEMPLATE,
        homeSizeBytes: su.homeSizeBytes,
        ...(ctx.storageClassName !== undefined ? { storageClass: ctx.storageClassName } : {}),
        storageAccessModes: ["ReadWriteOnce"],
        sharedVolumes: su.sharedVolumes.map((v) => ({ name: v.name, mountPath: v.mountPath })),
        nodeSelector: { ...k.userNodeSelector },
        labels: userPodLabels(ctx.names),
        imagePullPolicy: "IfNotPresent",
        // Read by images/hub/jupyterhub_config.py as KubeSpawner.scheduler_name / priority_class_name.
        schedulerName: k.userScheduler ? ctx.names.schedulerName : null,
        priorityClassName: placeholdersEnabled(ctx) ? ctx.names.defaultPriorityClass : null,
        // Where the hub Deployment mounts the homes-provisioner ConfigMap; null: no pre-spawn hook.
        homesProvisioner: ctx.homesProvisioner ? { configDir: HUB_PATHS.homesConfigDir } : null,
        imagePullSecrets: pullSecretEnabled(ctx) ? [ctx.names.imagePullSecret] : [],
    };
}

/** The file the hub reads, for the single-user image the puller pre-pulls (and the profiles' pinned images). */
export function hubDocumentJson(ctx: HubRenderContext, singleuserImage: string, profileImages?: Readonly<Record<string, string>>): string {
    return serializeHubDocument(
        renderHubDocument(ctx.config, {
            singleuserImage,
            profileImages,
            hubHost: ctx.names.hubService,
            proxyApiUrl: proxyApiUrl(ctx.names.proxyApiService),
            sqlitePath: HUB_SQLITE_PATH,
            logoFile: ctx.logoFile,
            kubernetes: kubeSpawnerBlock(ctx),
            ...(ctx.config.dask.enabled ? { dask: gatewayDaskBlock(gatewayNames(ctx.kubernetes.namespace)) } : {}),
        }),
    );
}

/** Goes into the hub pod template: a changed document restarts the hub, which reads it only at start. */
export function checksum(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex");
}

/** The checksum of everything the hub reads from its ConfigMap: the document and the hub files. */
export function configChecksum(ctx: HubRenderContext, documentJson: string): string {
    return checksum(JSON.stringify([documentJson, ...ctx.hubFiles.map((f) => [f.path, f.content])]));
}
