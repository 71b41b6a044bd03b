/**
 * Names, ports, paths and labels of Dask Gateway on Kubernetes, in one place. The shape is the
 * dask-gateway Helm chart's as daskhub installs it (gateway API server, controller, traefik), in
 * the hub's namespace: namespaced objects keep the chart's role names (`api-dask-gateway`,
 * `controller-dask-gateway`, `traefik-dask-gateway`); cluster-scoped ones and the gateway
 * instance (which traefik and the controller select on cluster-wide) carry the namespace.
 */

/** The JupyterHub service: its name, and the path prefix of every gateway route through the hub. */
export const GATEWAY_SERVICE_NAME = "dask-gateway";
export const GATEWAY_PREFIX = `/services/${GATEWAY_SERVICE_NAME}`;

export const GATEWAY_PORTS = {
    /** dask-gateway-server's API (and the controller's health endpoint). */
    api: 8000,
    /** traefik's web entrypoint: HTTP routes and, by TLS SNI, the schedulers' TCP routes. */
    traefikWeb: 8000,
    /** traefik's own entrypoint: /ping for the probes. */
    traefikPing: 9000,
    /** The traefik Service's port users and the hub's proxy connect to. */
    traefikService: 80,
} as const;

/** Where the ConfigMaps put dask_gateway_config.py. */
export const GATEWAY_CONFIG_DIR = "/etc/dask-gateway";
export const GATEWAY_CONFIG_FILE = "dask_gateway_config.py";

/** Dask cluster pods run the single-user image as its user (the docker-stacks contract). */
export const CLUSTER_POD_USER = { uid: 1000, gid: 100 } as const;
/** The gateway image's user (images/dask-gateway/Dockerfile). */
export const GATEWAY_UID = 65534;
/** traefik's user in the chart. */
export const TRAEFIK_UID = 1000;

export interface GatewayNames {
    namespace: string;
    /** gateway.dask.org/instance: traefik's label selector and the controller's cluster filter. */
    instance: string;
    api: string;
    controller: string;
    traefik: string;
    apiConfigMap: string;
    controllerConfigMap: string;
    /** The gateway's JupyterHub API token. */
    apiSecret: string;
    apiClusterRole: string;
    controllerClusterRole: string;
    traefikClusterRole: string;
    apiPrefixMiddleware: string;
    clustersPrefixMiddleware: string;
}

export function gatewayNames(namespace: string): GatewayNames {
    const cluster = (role: string) => `${namespace}-${role}`;
    return {
        namespace,
        instance: cluster("dask-gateway"),
        api: "api-dask-gateway",
        controller: "controller-dask-gateway",
        traefik: "traefik-dask-gateway",
        apiConfigMap: "api-dask-gateway",
        controllerConfigMap: "controller-dask-gateway",
        apiSecret: "api-dask-gateway",
        apiClusterRole: cluster("dask-gateway-api"),
        controllerClusterRole: cluster("dask-gateway-controller"),
        traefikClusterRole: cluster("dask-gateway-traefik"),
        apiPrefixMiddleware: "api-prefix-dask-gateway",
        clustersPrefixMiddleware: "clusters-prefix-dask-gateway",
    };
}

export type GatewayComponent = "gateway" | "controller" | "traefik";

export function gatewaySelector(names: GatewayNames, component: GatewayComponent): Record<string, string> {
    return {
        "app.kubernetes.io/name": "dask-gateway",
        "app.kubernetes.io/instance": names.instance,
        "app.kubernetes.io/component": component,
    };
}

/** Every object carries the instance label: traefik only reads routes and middlewares that have it. */
export function gatewayLabels(names: GatewayNames, component: GatewayComponent): Record<string, string> {
    return { ...gatewaySelector(names, component), "gateway.dask.org/instance": names.instance, "app.kubernetes.io/managed-by": "pulumi" };
}

/** In-cluster URLs (full Service names: the hub and user pods resolve them from the same namespace, the controller from anywhere). */
export function gatewayUrls(names: GatewayNames): { api: string; traefik: string; proxyAddress: string } {
    const svc = (name: string) => `${name}.${names.namespace}`;
    return {
        api: `http://${svc(names.api)}:${GATEWAY_PORTS.api}/api`,
        traefik: `http://${svc(names.traefik)}:${GATEWAY_PORTS.traefikService}`,
        proxyAddress: `gateway://${svc(names.traefik)}:${GATEWAY_PORTS.traefikService}`,
    };
}
