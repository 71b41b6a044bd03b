/**
 * dask_gateway_config.py of the gateway API server and of the controller, rendered from the stack
 * config: the KubeBackend and its cluster defaults (the single-user image, dask.worker.* and
 * dask.scheduler.* sizes, dask.gateway.* limits), JupyterHub authentication, and the per-user
 * cluster limit, which dask-gateway has no option for (a small KubeBackend subclass enforces it
 * when a cluster is requested). Values are written as Python literals (py()).
 */
import type { DaskConfig } from "../../../config/types";
import { CLUSTER_POD_USER, GATEWAY_PORTS, GATEWAY_PREFIX, gatewayUrls, type GatewayNames } from "./names";

export interface GatewayConfigParams {
    names: GatewayNames;
    dask: DaskConfig;
    /** The single-user image, pinned: scheduler and worker pods run it. */
    clusterImage: string;
    /** The hub's API as the gateway reaches it, e.g. http://hub:8081/hub/api. */
    hubApiUrl: string;
    imagePullSecrets: string[];
}

/** A Python literal of a JSON value: JSON's strings and numbers are Python's; true/false/null are not. */
export function py(v: unknown): string {
    if (v === null || v === undefined) return "None";
    if (v === true) return "True";
    if (v === false) return "False";
    if (Array.isArray(v)) return `[${v.map(py).join(", ")}]`;
    if (typeof v === "object") {
        return `{${Object.entries(v as Record<string, unknown>)
            .map(([k, x]) => `${JSON.stringify(k)}: ${py(x)}`)
            .join(", ")}}`;
    }
    return JSON.stringify(v);
}

/** The restricted Pod Security Standard for the cluster pods (as the hub's own pods). */
function clusterPodSecurity(): { pod: Record<string, unknown>; container: Record<string, unknown> } {
    return {
        pod: { securityContext: { runAsNonRoot: true, fsGroup: CLUSTER_POD_USER.gid, seccompProfile: { type: "RuntimeDefault" } } },
        container: {
            securityContext: {
                runAsUser: CLUSTER_POD_USER.uid,
                runAsGroup: CLUSTER_POD_USER.gid,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
            },
        },
    };
}

export function renderGatewayConfig(p: GatewayConfigParams): string {
    const { names, dask } = p;
    const g = dask.gateway;
    const urls = gatewayUrls(names);
    const security = clusterPodSecurity();
    const lines = [
        "# Rendered by jupyterhub-platform (components/kubernetes/daskGateway/gatewayConfig.ts).",
        "from dask_gateway_server.backends.base import PublicException",
        "from dask_gateway_server.backends.kubernetes import KubeBackend",
        "",
        'c.DaskGateway.log_level = "INFO"',
        `c.DaskGateway.address = ":${GATEWAY_PORTS.api}"`,
        "",
        "",
        "class PlatformKubeBackend(KubeBackend):",
        '    """KubeBackend with dask.gateway.maxClustersPerUser: a user\'s request for one more cluster',
        '    than allowed is refused with a message (HTTP 422), before anything is created."""',
        "",
        `    max_clusters_per_user = ${g.maxClustersPerUser}`,
        "",
        "    async def start_cluster(self, user, cluster_options):",
        "        if self.max_clusters_per_user:",
        "            active = await self.list_clusters(username=user.name)",
        "            if len(active) >= self.max_clusters_per_user:",
        "                raise PublicException(",
        '                    f"{user.name} already runs {len(active)} Dask cluster(s), the most allowed per user; "',
        '                    "shut one down first (cluster.shutdown() or gateway.stop_cluster(name))"',
        "                )",
        "        return await super().start_cluster(user, cluster_options)",
        "",
        "",
        "c.DaskGateway.backend_class = PlatformKubeBackend",
        `c.KubeBackend.gateway_instance = ${py(names.instance)}`,
        `c.KubeBackend.api_url = ${py(urls.api)}`,
        "",
        "# Cluster pods: the single-user image, so a user's client and the cluster run the same dask.",
        `c.KubeClusterConfig.namespace = ${py(names.namespace)}`,
        `c.KubeClusterConfig.image = ${py(p.clusterImage)}`,
        'c.KubeClusterConfig.image_pull_policy = "IfNotPresent"',
        `c.KubeClusterConfig.image_pull_secrets = ${py(p.imagePullSecrets.map((name) => ({ name })))}`,
        "# The image has the `dask` command (the dask-scheduler/dask-worker aliases are gone from distributed).",
        'c.KubeClusterConfig.scheduler_cmd = ["dask", "scheduler"]',
        'c.KubeClusterConfig.worker_cmd = ["dask", "worker"]',
        `c.KubeClusterConfig.scheduler_cores = ${dask.scheduler.cpu}`,
        `c.KubeClusterConfig.scheduler_cores_limit = ${dask.scheduler.cpu}`,
        `c.KubeClusterConfig.scheduler_memory = ${dask.scheduler.memoryBytes}`,
        `c.KubeClusterConfig.scheduler_memory_limit = ${dask.scheduler.memoryBytes}`,
        `c.KubeClusterConfig.worker_cores = ${dask.worker.cpu}`,
        `c.KubeClusterConfig.worker_cores_limit = ${dask.worker.cpu}`,
        `c.KubeClusterConfig.worker_memory = ${dask.worker.memoryBytes}`,
        `c.KubeClusterConfig.worker_memory_limit = ${dask.worker.memoryBytes}`,
        `c.KubeClusterConfig.worker_threads = ${Math.max(1, Math.floor(dask.worker.cpu))}`,
        `c.KubeClusterConfig.scheduler_extra_pod_config = ${py(security.pod)}`,
        `c.KubeClusterConfig.worker_extra_pod_config = ${py(security.pod)}`,
        `c.KubeClusterConfig.scheduler_extra_container_config = ${py(security.container)}`,
        `c.KubeClusterConfig.worker_extra_container_config = ${py(security.container)}`,
        "",
        "# Limits (dask.gateway.*): per cluster from dask-gateway's own options, idle clusters stop.",
        `c.KubeClusterConfig.idle_timeout = ${g.idleTimeoutSeconds}`,
        ...(g.maxCoresPerCluster !== undefined ? [`c.KubeClusterConfig.cluster_max_cores = ${g.maxCoresPerCluster}`] : []),
        ...(g.maxMemoryPerClusterBytes !== undefined ? [`c.KubeClusterConfig.cluster_max_memory = ${g.maxMemoryPerClusterBytes}`] : []),
        ...(g.maxWorkersPerCluster > 0 ? [`c.KubeClusterConfig.cluster_max_workers = ${g.maxWorkersPerCluster}`] : []),
        "",
        "# JupyterHub authentication: a user's hub token (JUPYTERHUB_API_TOKEN in their server) names them.",
        "# The gateway's own token (JUPYTERHUB_API_TOKEN here) comes from its Secret.",
        'c.DaskGateway.authenticator_class = "dask_gateway_server.auth.JupyterHubAuthenticator"',
        `c.JupyterHubAuthenticator.jupyterhub_api_url = ${py(p.hubApiUrl)}`,
        "",
    ];
    return lines.join("\n");
}

export function renderControllerConfig(names: GatewayNames): string {
    const urls = gatewayUrls(names);
    return [
        "# Rendered by jupyterhub-platform (components/kubernetes/daskGateway/gatewayConfig.ts).",
        'c.KubeController.log_level = "INFO"',
        `c.KubeController.address = ":${GATEWAY_PORTS.api}"`,
        `c.KubeController.api_url = ${py(urls.api)}`,
        `c.KubeController.gateway_instance = ${py(names.instance)}`,
        "# Routes through the hub: /services/dask-gateway/clusters/<namespace>.<name>/ is a cluster's dashboard.",
        `c.KubeController.proxy_prefix = ${py(GATEWAY_PREFIX)}`,
        `c.KubeController.proxy_web_middlewares = ${py([{ name: names.clustersPrefixMiddleware, namespace: names.namespace }])}`,
        "# Schedulers' TLS connections share traefik's web entrypoint (routed by SNI), as in daskhub.",
        'c.KubeController.proxy_tcp_entrypoint = "web"',
        "",
    ].join("\n");
}
