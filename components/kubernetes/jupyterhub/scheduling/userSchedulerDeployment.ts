/**
 * The user scheduler's Deployment: two kube-scheduler replicas with leader election (one
 * schedules, the other takes over), on the core nodes.
 */
import type { HubRenderContext } from "../context";
import { objectLabels, selectorLabels } from "../labels";
import { NOBODY } from "../../../hub/contract";
import { PORTS } from "../names";
import type { Deployment } from "../objects";
import { CORE_RESOURCES, restrictedContainer, restrictedPod } from "../podDefaults";
import { defaultPriorityClassName } from "./priorityClasses";
import { SCHEDULER_CONFIG_DIR, SCHEDULER_CONFIG_FILE } from "./userSchedulerConfig";
import { podPullSecrets } from "../imagePullSecret";

export const USER_SCHEDULER_REPLICAS = 2;

export function userSchedulerDeployment(ctx: HubRenderContext, configChecksum: string): Deployment {
    const { names } = ctx;
    const priorityClassName = defaultPriorityClassName(ctx);
    const health = { httpGet: { path: "/healthz", port: PORTS.schedulerHealth, scheme: "HTTPS" } };
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: names.userScheduler, namespace: ctx.namespace, labels: objectLabels(names, "user-scheduler") },
        spec: {
            replicas: USER_SCHEDULER_REPLICAS,
            selector: { matchLabels: selectorLabels(names, "user-scheduler") },
            template: {
                metadata: {
                    labels: selectorLabels(names, "user-scheduler"),
                    // kube-scheduler reads its configuration once: a change rolls the pods.
                    annotations: { "jupyterhub-platform/config-checksum": configChecksum },
                },
                spec: {
                    serviceAccountName: names.userScheduler,
                    automountServiceAccountToken: true,
                    enableServiceLinks: false,
                    ...podPullSecrets(ctx),
                    ...(priorityClassName ? { priorityClassName } : {}),
                    nodeSelector: { ...ctx.kubernetes.coreNodeSelector },
                    securityContext: restrictedPod(),
                    volumes: [{ name: "config", configMap: { name: names.schedulerConfigMap } }],
                    containers: [
                        {
                            name: "kube-scheduler",
                            image: ctx.images.scheduler,
                            command: [
                                "/usr/local/bin/kube-scheduler",
                                `--config=${SCHEDULER_CONFIG_DIR}/${SCHEDULER_CONFIG_FILE}`,
                                // Serve /healthz without reading kube-system's
                                // extension-apiserver-authentication ConfigMap (not granted).
                                "--authentication-skip-lookup=true",
                                "--v=2",
                            ],
                            volumeMounts: [{ name: "config", mountPath: SCHEDULER_CONFIG_DIR, readOnly: true }],
                            livenessProbe: { ...health, initialDelaySeconds: 15 },
                            readinessProbe: health,
                            resources: CORE_RESOURCES.scheduler,
                            securityContext: restrictedContainer(NOBODY),
                        },
                    ],
                },
            },
        },
    };
}
