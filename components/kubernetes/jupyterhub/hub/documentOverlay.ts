/**
 * The facts of this deployment that the hub config document (components/hub/hubDocument.ts) must
 * agree with: Service names and ports, the sqlite path on the PVC, the namespace, the labels the
 * NetworkPolicies select on, the user node selector, the scheduler and priority class user pods
 * use, and the single-user image the puller pre-pulls. They are laid over the document the
 * caller renders, so a mismatch cannot reach the cluster.
 */
import * as crypto from "crypto";
import type { HubRenderContext } from "../context";
import { userPodLabels } from "../labels";
import { HUB_PATHS, HUB_SQLITE_PATH, hubUrls } from "../names";
import { placeholdersEnabled } from "../scheduling/priorityClasses";

type Doc = Record<string, unknown>;

function isObject(value: unknown): value is Doc {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

function section(doc: Doc, key: string): Doc {
    const value = doc[key];
    return isObject(value) ? value : {};
}

/** The fields written over the caller's document, by section. */
export function deploymentFacts(ctx: HubRenderContext, singleuserImage: string) {
    const urls = hubUrls(ctx.names);
    const k = ctx.kubernetes;
    return {
        hub: {
            bindUrl: urls.bindUrl,
            connectUrl: urls.connectUrl,
            // null: the external database URL is the PLATFORM_DB_URL secret file.
            dbUrl: ctx.config.hub.db.type === "sqlite" ? `sqlite:///${HUB_SQLITE_PATH}` : null,
        },
        proxy: { apiUrl: urls.proxyApiUrl },
        singleuser: { image: singleuserImage },
        kubernetes: {
            namespace: k.namespace,
            nodeSelector: { ...k.userNodeSelector },
            // Read by images/hub/jupyterhub_config.py as KubeSpawner.scheduler_name / priority_class_name.
            schedulerName: k.userScheduler ? ctx.names.schedulerName : null,
            priorityClassName: placeholdersEnabled(ctx) ? ctx.names.defaultPriorityClass : null,
            // Where hubDeployment mounts the homes-provisioner ConfigMap; null: no pre-spawn hook.
            homesProvisioner: ctx.homesProvisioner ? { configDir: HUB_PATHS.homesConfigDir } : null,
        },
    };
}

/** The caller's document with this deployment's facts laid over it. */
export function overlayHubDocument(ctx: HubRenderContext, doc: Doc, singleuserImage: string): Doc {
    if (doc.spawner !== "kubernetes" || !isObject(doc.kubernetes)) {
        throw new Error(
            `the hub config document for Kubernetes needs spawner "kubernetes" and a kubernetes block (renderHubDocument with target.kubernetes); got spawner ${JSON.stringify(doc.spawner)}`,
        );
    }
    const facts = deploymentFacts(ctx, singleuserImage);
    const kube = section(doc, "kubernetes");
    return {
        ...doc,
        hub: { ...section(doc, "hub"), ...facts.hub },
        proxy: { ...section(doc, "proxy"), ...facts.proxy },
        singleuser: { ...section(doc, "singleuser"), ...facts.singleuser },
        kubernetes: {
            ...kube,
            ...facts.kubernetes,
            // The caller's labels stay; the ones selectors and NetworkPolicies rely on win.
            labels: { ...(section(kube, "labels") as Record<string, string>), ...userPodLabels(ctx.names) },
        },
    };
}

/** The file the hub reads: stable, readable JSON. */
export function hubDocumentJson(ctx: HubRenderContext, doc: Doc, singleuserImage: string): string {
    return JSON.stringify(overlayHubDocument(ctx, doc, singleuserImage), null, 2) + "\n";
}

/** Goes into the hub pod template: a changed document restarts the hub, which reads it only at start. */
export function checksum(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex");
}
