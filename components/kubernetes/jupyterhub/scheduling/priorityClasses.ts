/**
 * Pod priorities that make user placeholders work: placeholders run below every real pod, so
 * when a user's pod does not fit, the scheduler evicts a placeholder and the user starts at once
 * while the evicted placeholder waits for room (on a cluster autoscaler, a new node).
 * Only created with placeholders; without them every pod keeps the cluster's default priority.
 */
import type { HubRenderContext } from "../context";
import { objectLabels } from "../labels";
import type { PriorityClass } from "../objects";

/** z2jh's values: core and user pods at 0, placeholders at -10. */
export const DEFAULT_PRIORITY = 0;
export const PLACEHOLDER_PRIORITY = -10;

export function placeholdersEnabled(ctx: HubRenderContext): boolean {
    return ctx.kubernetes.userPlaceholders > 0;
}

/** priorityClassName for hub, proxy, scheduler and user pods (undefined without placeholders). */
export function defaultPriorityClassName(ctx: HubRenderContext): string | undefined {
    return placeholdersEnabled(ctx) ? ctx.names.defaultPriorityClass : undefined;
}

export function priorityClasses(ctx: HubRenderContext): PriorityClass[] {
    if (!placeholdersEnabled(ctx)) {
        return [];
    }
    return [
        {
            apiVersion: "scheduling.k8s.io/v1",
            kind: "PriorityClass",
            metadata: { name: ctx.names.defaultPriorityClass, labels: objectLabels(ctx.names, "hub") },
            value: DEFAULT_PRIORITY,
            globalDefault: false,
            description: `JupyterHub in ${ctx.kubernetes.namespace}: hub, proxy and user pods; preempts user placeholders.`,
        },
        {
            apiVersion: "scheduling.k8s.io/v1",
            kind: "PriorityClass",
            metadata: { name: ctx.names.placeholderPriorityClass, labels: objectLabels(ctx.names, "user-placeholder") },
            value: PLACEHOLDER_PRIORITY,
            globalDefault: false,
            // Placeholders never evict anything; they only hold room.
            preemptionPolicy: "Never",
            description: `JupyterHub in ${ctx.kubernetes.namespace}: user placeholders, evicted first when a real user pod needs room.`,
        },
    ];
}
