/**
 * The hub's sqlite database lives on its own PVC (z2jh's `hub-db-dir`), so a new hub pod finds
 * users, tokens and server state again. An external database needs no volume.
 */
import { toKubernetesQuantity } from "../../../../config/quantities";
import type { HubRenderContext } from "../context";
import { objectLabels } from "../labels";
import type { PersistentVolumeClaim } from "../objects";

export function usesSqlite(ctx: HubRenderContext): boolean {
    return ctx.config.hub.db.type === "sqlite";
}

/** The PVC, or undefined with an external database. */
export function hubDbPvc(ctx: HubRenderContext): PersistentVolumeClaim | undefined {
    if (!usesSqlite(ctx)) {
        return undefined;
    }
    return {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: ctx.names.hubDbPvc, namespace: ctx.namespace, labels: objectLabels(ctx.names, "hub") },
        spec: {
            // One writer: the hub Deployment uses the Recreate strategy for this reason.
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: toKubernetesQuantity(ctx.config.hub.db.volumeSizeBytes) } },
            ...(ctx.storageClassName !== undefined ? { storageClassName: ctx.storageClassName } : {}),
            ...(ctx.hubDbVolumeName !== undefined ? { volumeName: ctx.hubDbVolumeName } : {}),
        },
    };
}
