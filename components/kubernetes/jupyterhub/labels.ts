/**
 * Labels in zero-to-jupyterhub's convention: `app: jupyterhub`, `release`, `component`. KubeSpawner
 * labels user pods `component: singleuser-server` and adds the hub's common labels (the config
 * document's `kubernetes.labels`), so selectors written here also match the pods the hub spawns.
 */
import type { ResourceNames } from "./names";

export const APP = "jupyterhub";

export type Component =
    | "hub"
    | "proxy"
    | "singleuser-server"
    | "continuous-image-puller"
    | "user-placeholder"
    | "user-scheduler"
    | "acme-renewer"
    | "proxy-tls-reloader"
    | "backup";

/**
 * z2jh's network-access labels: a pod carrying one may open connections to the named component
 * (the NetworkPolicies admit them). Written as label values "true".
 */
export const NETWORK_ACCESS = {
    hub: "hub.jupyter.org/network-access-hub",
    proxyApi: "hub.jupyter.org/network-access-proxy-api",
    proxyHttp: "hub.jupyter.org/network-access-proxy-http",
    singleuser: "hub.jupyter.org/network-access-singleuser",
} as const;

/** What a selector needs: stable across upgrades (Deployment selectors are immutable). */
export function selectorLabels(names: ResourceNames, component: Component): Record<string, string> {
    return { app: APP, release: names.namespace, component };
}

/** Labels on an object's metadata. */
export function objectLabels(names: ResourceNames, component: Component): Record<string, string> {
    return { ...selectorLabels(names, component), "app.kubernetes.io/managed-by": "pulumi" };
}

/**
 * Labels KubeSpawner puts on every user pod (common_labels): the selector parts of the
 * singleuser-server component (KubeSpawner adds `component` itself) and the right to reach the hub.
 */
export function userPodLabels(names: ResourceNames): Record<string, string> {
    return { app: APP, release: names.namespace, heritage: APP, [NETWORK_ACCESS.hub]: "true" };
}

/**
 * Tells the Pulumi Kubernetes provider not to wait for an object to become ready: placeholders
 * stay Pending by design whenever users fill the cluster, and the hub database claim may be
 * Pending (WaitForFirstConsumer) or already Bound (retained from an earlier stack).
 */
export const SKIP_AWAIT = { "pulumi.com/skipAwait": "true" } as const;
