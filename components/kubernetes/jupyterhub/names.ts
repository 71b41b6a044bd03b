/**
 * Object names, ports and paths of JupyterHub on Kubernetes, in one place so every renderer,
 * the hub config document and the tests agree.
 *
 * Naming: objects inside the hub's namespace keep zero-to-jupyterhub's names (`hub`,
 * `proxy-api`, `proxy-public`, `user-scheduler`, ...): the namespace already scopes them, and
 * operators who know z2jh find what they expect. Cluster-scoped objects (PriorityClasses,
 * ClusterRoleBindings) and the scheduler name, which the whole cluster shares, carry the
 * namespace as prefix so two hubs on one cluster cannot collide.
 */

/** Ports inside the pods (z2jh's): hub API 8081, proxy HTTP 8000 / HTTPS 8443 / API 8001, user servers 8888. */
export const PORTS = {
    hub: 8081,
    proxyHttp: 8000,
    proxyHttps: 8443,
    proxyApi: 8001,
    singleuser: 8888,
    /** Public ports: the proxy-public Service's, on its external IPs. */
    publicHttp: 80,
    publicHttps: 443,
    /** kube-scheduler's secure health endpoint. */
    schedulerHealth: 10259,
    /** The ACME renewer's HTTP-01 responder. */
    acmeSolver: 8089,
} as const;

/** Paths inside the hub container (images/hub/Dockerfile creates the data dir for the hub user). */
export const HUB_PATHS = {
    /** ConfigMap mount; images/hub reads $PLATFORM_CONFIG = <dir>/config.json. */
    configDir: "/etc/jupyterhub/platform",
    configFile: "config.json",
    /** Secret mount; jupyterhub_config.py reads <NAME>_FILE. */
    secretDir: "/etc/jupyterhub/secret",
    /** The sqlite PVC mount. */
    dataDir: "/srv/jupyterhub/data",
    sqliteFile: "jupyterhub.sqlite",
    /** Gluster homes: the ConfigMap `homes-provisioner` (helper hosts/port, PV template). */
    homesConfigDir: "/etc/jupyterhub/homes-provisioner",
    /** Gluster homes: the Secret `homes-provisioner` (key `token`); PLATFORM_HOMES_TOKEN_FILE. */
    homesSecretDir: "/etc/jupyterhub/homes-secret",
} as const;

export const HUB_SQLITE_PATH = `${HUB_PATHS.dataDir}/${HUB_PATHS.sqliteFile}`;

/** Where the proxy reads its TLS certificate (a kubernetes.io/tls Secret: tls.crt, tls.key). */
export const PROXY_TLS_DIR = "/etc/proxy-tls";

/** The hub image's non-root user (images/hub/Dockerfile HUB_UID / HUB_GID). */
export const HUB_UID = 10001;
export const HUB_GID = 10001;
/** "nobody": the proxy image's user and the user of every helper container. */
export const NOBODY = 65534;

export interface ResourceNames {
    namespace: string;
    hubServiceAccount: string;
    hubRole: string;
    hubConfigMap: string;
    hubSecret: string;
    hubDbPvc: string;
    /** ConfigMap and Secret of the Gluster homes provisioner (components/kubernetes/homesStorage.ts). */
    homesProvisionerConfigMap: string;
    homesProvisionerSecret: string;
    hubDeployment: string;
    /** The Service user pods and the proxy reach the hub by. */
    hubService: string;
    proxyDeployment: string;
    proxyApiService: string;
    proxyPublicService: string;
    proxyTlsSecret: string;
    imagePuller: string;
    userPlaceholder: string;
    defaultPriorityClass: string;
    placeholderPriorityClass: string;
    userScheduler: string;
    /** schedulerName user pods ask for: cluster-wide, so namespaced by prefix. */
    schedulerName: string;
    schedulerLock: string;
    schedulerConfigMap: string;
    schedulerClusterBindings: { kubeScheduler: string; volumeScheduler: string };
    netpolHub: string;
    netpolProxy: string;
    netpolSingleuser: string;
    netpolAcme: string;
    acme: string;
    acmeScript: string;
}

/** The names for a hub in `namespace` (kubernetes.namespace). */
export function resourceNames(namespace: string): ResourceNames {
    const cluster = (role: string) => `${namespace}-${role}`;
    return {
        namespace,
        hubServiceAccount: "hub",
        hubRole: "hub",
        hubConfigMap: "hub-config",
        hubSecret: "hub-secret",
        hubDbPvc: "hub-db-dir",
        homesProvisionerConfigMap: "homes-provisioner",
        homesProvisionerSecret: "homes-provisioner",
        hubDeployment: "hub",
        hubService: "hub",
        proxyDeployment: "proxy",
        proxyApiService: "proxy-api",
        proxyPublicService: "proxy-public",
        proxyTlsSecret: "proxy-tls",
        imagePuller: "continuous-image-puller",
        userPlaceholder: "user-placeholder",
        defaultPriorityClass: cluster("default-priority"),
        placeholderPriorityClass: cluster("user-placeholder-priority"),
        userScheduler: "user-scheduler",
        schedulerName: cluster("user-scheduler"),
        schedulerLock: "user-scheduler-lock",
        schedulerConfigMap: "user-scheduler",
        schedulerClusterBindings: {
            kubeScheduler: cluster("user-scheduler-kube-scheduler"),
            volumeScheduler: cluster("user-scheduler-volume-scheduler"),
        },
        netpolHub: "hub",
        netpolProxy: "proxy",
        netpolSingleuser: "singleuser",
        netpolAcme: "acme-renewer",
        acme: "acme-renewer",
        acmeScript: "acme-renewer-script",
    };
}

/** In-cluster URLs the hub config document must carry (same namespace: short Service names). */
export function hubUrls(names: ResourceNames): { bindUrl: string; connectUrl: string; proxyApiUrl: string } {
    return {
        bindUrl: `http://0.0.0.0:${PORTS.hub}`,
        connectUrl: `http://${names.hubService}:${PORTS.hub}`,
        proxyApiUrl: `http://${names.proxyApiService}:${PORTS.proxyApi}`,
    };
}
