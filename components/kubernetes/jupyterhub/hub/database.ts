/**
 * The hub's sqlite database lives on its own PVC (z2jh's `hub-db-dir`), so a new hub pod finds
 * users, tokens and server state again. An external database needs no volume.
 */
import { toKubernetesQuantity } from "../../../../config/quantities";
import type { HubRenderContext } from "../context";
import { objectLabels, SKIP_AWAIT } from "../labels";
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
        metadata: {
            name: ctx.names.hubDbPvc,
            namespace: ctx.namespace,
            labels: objectLabels(ctx.names, "hub"),
            // The provider's PVC await wants `Pending` from a WaitForFirstConsumer class (e.g.
            // local-path) and `Bound` from others. The claim retained by `pulumi destroy` is
            // already Bound, so the next `up` waited 5 minutes and failed (found on a real
            // cluster). The hub Deployment's own await covers the volume: its pod cannot start
            // unbound.
            annotations: { ...SKIP_AWAIT },
        },
        spec: {
            // One writer: the hub Deployment uses the Recreate strategy for this reason.
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: toKubernetesQuantity(ctx.config.hub.db.volumeSizeBytes) } },
            ...(ctx.storageClassName !== undefined ? { storageClassName: ctx.storageClassName } : {}),
            ...(ctx.hubDbVolumeName !== undefined ? { volumeName: ctx.hubDbVolumeName } : {}),
        },
    };
}
