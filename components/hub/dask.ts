/**
 * Dask beside the hub: what the single-user image (images/singleuser), the hub config
 * (images/hub/jupyterhub_config.py) and the Dask deployments (components/docker/daskCluster.ts,
 * components/kubernetes/daskGateway/) agree on. test/unit/components/hub/dask.test.ts holds the
 * images to these values.
 */

/** distributed's own defaults: the scheduler's comm port and its (bokeh) dashboard. */
export const DASK_PORTS = { scheduler: 8786, dashboard: 8787 } as const;

/**
 * Variables of a user server's environment.
 * - DASK_SCHEDULER_ADDRESS: dask's config key `scheduler-address`, which a bare
 *   `distributed.Client()` connects to.
 * - DASK_DISTRIBUTED__DASHBOARD__LINK: `distributed.dashboard.link`, the link Client and the
 *   JupyterLab widgets show; distributed fills `{VAR}` from the environment.
 * - PLATFORM_DASK_DASHBOARD_HOST: read by the image's jupyter_server_config.py, which adds the host
 *   to jupyter-server-proxy's allow-list.
 * - DASK_GATEWAY__*: dask-gateway's client config (address, proxy address, public address, auth).
 */
export const DASK_ENV = {
    schedulerAddress: "DASK_SCHEDULER_ADDRESS",
    dashboardLink: "DASK_DISTRIBUTED__DASHBOARD__LINK",
    dashboardHost: "PLATFORM_DASK_DASHBOARD_HOST",
    gatewayAddress: "DASK_GATEWAY__ADDRESS",
    gatewayProxyAddress: "DASK_GATEWAY__PROXY_ADDRESS",
    gatewayPublicAddress: "DASK_GATEWAY__PUBLIC_ADDRESS",
    gatewayAuthType: "DASK_GATEWAY__AUTH__TYPE",
} as const;

/**
 * The `dask` block of the hub config document (components/hub/hubDocument.ts): what
 * jupyterhub_config.py adds to every user server's environment, and on Kubernetes the gateway
 * as a JupyterHub service.
 */
export interface DaskDocumentBlock {
    env: Record<string, string>;
    gateway: DaskGatewayServiceBlock | null;
}

export interface DaskGatewayServiceBlock {
    /** JupyterHub service name; its routes are /services/<name>/. */
    serviceName: string;
    /** Where the hub's proxy sends /services/<name>/ (the gateway's traefik, web entrypoint). */
    url: string;
    /** The gateway's API, as the hub reaches it, for stopping a user's clusters with their server. */
    apiUrl: string;
    /** Stop a user's gateway clusters when their server stops (culled or stopped). */
    stopClustersWithServer: boolean;
}

/** The dashboard of a scheduler at host:port, through the user's server (jupyter-server-proxy). */
export function proxiedDashboardLink(host: string, port: number = DASK_PORTS.dashboard): string {
    // distributed formats the link with os.environ; JUPYTERHUB_SERVICE_PREFIX is /user/<name>/.
    return `{JUPYTERHUB_SERVICE_PREFIX}proxy/${host}:${port}/status`;
}

/** A user server's environment for the shared scheduler at `host` (Docker topologies). */
export function schedulerEnv(host: string): Record<string, string> {
    return {
        [DASK_ENV.schedulerAddress]: `tcp://${host}:${DASK_PORTS.scheduler}`,
        [DASK_ENV.dashboardLink]: proxiedDashboardLink(host),
        [DASK_ENV.dashboardHost]: host,
    };
}
