/**
 * User placeholders (z2jh's `user-placeholder`): idle pods sized like one user's pod, at a
 * priority below every real pod. They keep room for `kubernetes.userPlaceholders` users ready —
 * a starting user evicts one instead of waiting for a node — and they go through the user
 * scheduler, so they pack like real users do.
 */
import type { HubRenderContext } from "../context";
import { idleContainer } from "../idleContainer";
import { objectLabels, selectorLabels, SKIP_AWAIT } from "../labels";
import type { StatefulSet } from "../objects";
import { restrictedPod, userPodResources } from "../podDefaults";
import { placeholdersEnabled } from "./priorityClasses";
import { podPullSecrets } from "../imagePullSecret";

export function userPlaceholders(ctx: HubRenderContext): StatefulSet | undefined {
    if (!placeholdersEnabled(ctx)) {
        return undefined;
    }
    const { names } = ctx;
    return {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: {
            name: names.userPlaceholder,
            namespace: ctx.namespace,
            labels: objectLabels(names, "user-placeholder"),
            annotations: { ...SKIP_AWAIT },
        },
        spec: {
            replicas: ctx.kubernetes.userPlaceholders,
            // Start and replace all placeholders at once; their order means nothing.
            podManagementPolicy: "Parallel",
            serviceName: names.userPlaceholder,
            selector: { matchLabels: selectorLabels(names, "user-placeholder") },
            template: {
                metadata: { labels: selectorLabels(names, "user-placeholder") },
                spec: {
                    priorityClassName: names.placeholderPriorityClass,
                    ...(ctx.kubernetes.userScheduler ? { schedulerName: names.schedulerName } : {}),
                    nodeSelector: { ...ctx.kubernetes.userNodeSelector },
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    ...podPullSecrets(ctx),
                    // Evicted for a real user: leave at once.
                    terminationGracePeriodSeconds: 0,
                    securityContext: restrictedPod(),
                    containers: [idleContainer(ctx, userPodResources(ctx.config.singleuser))],
                },
            },
        },
    };
}
