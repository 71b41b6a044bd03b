/**
 * The user scheduler's KubeSchedulerConfiguration: a second kube-scheduler, only for pods that ask
 * for it by schedulerName (user pods and placeholders), that packs them onto the fewest nodes
 * (NodeResourcesFit with the MostAllocated strategy) instead of spreading them, so idle nodes stay
 * empty and a cluster autoscaler can remove them. Weights are zero-to-jupyterhub's: node affinity
 * first, then pod affinity, then packing, then image locality.
 */
import type { HubRenderContext } from "../context";
import { objectLabels } from "../labels";
import type { ConfigMap } from "../objects";

export const SCHEDULER_CONFIG_DIR = "/etc/user-scheduler";
export const SCHEDULER_CONFIG_FILE = "config.yaml";

const SCORE_WEIGHTS: readonly [string, number][] = [
    ["NodeAffinity", 14631],
    ["InterPodAffinity", 1331],
    ["NodeResourcesFit", 121],
    ["ImageLocality", 11],
];

export function kubeSchedulerConfiguration(ctx: HubRenderContext) {
    const { names } = ctx;
    return {
        apiVersion: "kubescheduler.config.k8s.io/v1",
        kind: "KubeSchedulerConfiguration",
        leaderElection: {
            leaderElect: true,
            resourceLock: "leases",
            resourceName: names.schedulerLock,
            resourceNamespace: ctx.kubernetes.namespace,
        },
        profiles: [
            {
                schedulerName: names.schedulerName,
                plugins: {
                    score: {
                        // Re-enabled below with packing weights; the balancing scorer would undo packing.
                        disabled: [{ name: "NodeResourcesBalancedAllocation" }, ...SCORE_WEIGHTS.map(([name]) => ({ name }))],
                        enabled: SCORE_WEIGHTS.map(([name, weight]) => ({ name, weight })),
                    },
                },
                pluginConfig: [
                    {
                        name: "NodeResourcesFit",
                        args: {
                            scoringStrategy: {
                                type: "MostAllocated",
                                resources: [
                                    { name: "cpu", weight: 1 },
                                    { name: "memory", weight: 1 },
                                ],
                            },
                        },
                    },
                    {
                        // No system-default topology spreading: placeholders (a StatefulSet) would
                        // otherwise be spread across nodes, the opposite of packing.
                        name: "PodTopologySpread",
                        args: { defaultingType: "List", defaultConstraints: [] },
                    },
                ],
            },
        ],
    };
}

export function userSchedulerConfigMap(ctx: HubRenderContext): ConfigMap {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: ctx.names.schedulerConfigMap, namespace: ctx.namespace, labels: objectLabels(ctx.names, "user-scheduler") },
        // JSON is YAML: kube-scheduler reads it as is, and no YAML emitter is needed.
        data: { [SCHEDULER_CONFIG_FILE]: JSON.stringify(kubeSchedulerConfiguration(ctx), null, 2) + "\n" },
    };
}
