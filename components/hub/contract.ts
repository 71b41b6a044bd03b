/**
 * The hub contract: what the hub image (images/hub), the proxy image (images/proxy), the
 * single-user image and every deployment of them (Docker and Kubernetes) must agree on. Defined
 * here once; components/docker and components/kubernetes import it, and so does the hub config
 * document. The images state the same values in their own languages (Dockerfile ARG/USER/EXPOSE,
 * jupyterhub_config.py); test/unit/components/hub/contract.test.ts holds them to this file.
 */

/** Ports inside the containers (zero-to-jupyterhub's numbers). */
export const HUB_PORTS = {
    /** The hub's own HTTP server (API and pages) behind the proxy. */
    hub: 8081,
    /** configurable-http-proxy: public HTTP, public HTTPS (TLS on), and its REST API. */
    proxyHttp: 8000,
    proxyHttps: 8443,
    proxyApi: 8001,
    /** A user server (KubeSpawner's default port; DockerSpawner picks its own). */
    singleuser: 8888,
} as const;

/** Paths inside the hub container. */
export const HUB_PATHS = {
    /** Where the hub reads its config document: $PLATFORM_CONFIG (images/hub/Dockerfile). */
    configDir: "/etc/jupyterhub/platform",
    configFile: "config.json",
    /** Secret files (Kubernetes Secret mount): the hub reads `<NAME>_FILE`. */
    secretDir: "/etc/jupyterhub/secret",
    /** The hub database volume (a Docker volume or a PVC); the image makes it the hub user's. */
    dataDir: "/srv/jupyterhub/data",
    sqliteFile: "jupyterhub.sqlite",
    /** Gluster homes on Kubernetes: the provisioner's ConfigMap and Secret mounts. */
    homesConfigDir: "/etc/jupyterhub/homes-provisioner",
    homesSecretDir: "/etc/jupyterhub/homes-secret",
} as const;

/** The backup runner: its hub service name, and where the status file the hub reads lives. */
export const BACKUP = {
    serviceName: "platform-backup",
    /** The status volume (Docker) or ConfigMap (Kubernetes) mount, in the runner and the hub. */
    statusDir: "/var/lib/platform-backup",
    statusFile: "status.json",
    /** The runner's config document (components/backup/render.ts). */
    configFile: "/etc/jupyterhub/platform/backup.json",
    /** A volume or directory repository inside the runner's containers. */
    repositoryMount: "/repo",
} as const;

export const HUB_DOCUMENT_PATH = `${HUB_PATHS.configDir}/${HUB_PATHS.configFile}`;
/**
 * The program's jupyterhub_config.py, mounted next to the document by every deployment (not baked
 * into the image), so any image with JupyterHub and the needed packages can be the hub.
 */
export const HUB_CONFIG_SCRIPT = `${HUB_PATHS.configDir}/jupyterhub_config.py`;
/** How the hub starts, in any image. */
export const HUB_COMMAND: readonly string[] = ["jupyterhub", "--config", HUB_CONFIG_SCRIPT];
/** hub.auth.caBundle, next to the document. */
export const HUB_CA_BUNDLE_PATH = `${HUB_PATHS.configDir}/ca-bundle.pem`;
export const HUB_SQLITE_PATH = `${HUB_PATHS.dataDir}/${HUB_PATHS.sqliteFile}`;

/** Where the proxy finds its certificate and key (a bind mount on Docker, a Secret on Kubernetes). */
export const PROXY_TLS_DIR = "/etc/proxy-tls";

/** Users of the images. */
export const HUB_USER = { uid: 10001, gid: 10001 } as const;
/** `uid:gid` owning the hub's database directory where no fsGroup applies (a hostPath on Gluster). */
export const HUB_OWNER = `${HUB_USER.uid}:${HUB_USER.gid}`;
/**
 * The hub database's directory in the Gluster homes volume (`prod`): the storage side creates it
 * owned by HUB_OWNER (jhp-gluster-form.sh); the PV `hub-db-<namespace>` points at it.
 */
export const HUB_DB_GLUSTER_DIR = ".hub-db";
/** "nobody": the proxy image's user and every helper container's. */
export const NOBODY = 65534;
/** The docker-stacks contract the single-user image keeps: jovyan in group users. */
export const SINGLEUSER_USER = { uid: 1000, gid: 100 } as const;
/** `uid:gid` of a user's home, as chown and the VM helpers take it. */
export const SINGLEUSER_OWNER = `${SINGLEUSER_USER.uid}:${SINGLEUSER_USER.gid}`;

/** Network names the hub and proxy answer to (Docker aliases; Kubernetes Service names differ, see names.ts). */
export const HUB_HOSTS = { hub: "hub", proxy: "proxy" } as const;

/** Environment variables the hub config reads secrets from (or from `<NAME>_FILE`). */
export const HUB_SECRET_ENV = {
    cookieSecret: "PLATFORM_COOKIE_SECRET",
    proxyToken: "CONFIGPROXY_AUTH_TOKEN",
    cryptKey: "PLATFORM_CRYPT_KEY",
    dummyPassword: "PLATFORM_DUMMY_PASSWORD",
    oauthClientSecret: "PLATFORM_OAUTH_CLIENT_SECRET",
    ldapSearchPassword: "PLATFORM_LDAP_SEARCH_PASSWORD",
    dbUrl: "PLATFORM_DB_URL",
    /** JSON object service name → token of hub.services (the document lists the services without tokens). */
    serviceTokens: "PLATFORM_SERVICE_TOKENS",
    /** backup.enabled: the API token of the hub service the backup runner uses. */
    backupToken: "PLATFORM_BACKUP_TOKEN",
    /** kubernetes with dask.enabled: the token the hub registers for the dask-gateway service. */
    daskGatewayApiToken: "PLATFORM_DASK_GATEWAY_API_TOKEN",
} as const;

export type HubSecretName = keyof typeof HUB_SECRET_ENV;

/** Gluster homes on Kubernetes: the variable naming the provisioner token file. */
export const HOMES_TOKEN_ENV = "PLATFORM_HOMES_TOKEN_FILE";

/** The hub's URLs as seen from the proxy and user servers, given the host name it is reached by. */
export function hubConnectUrl(hubHost: string): string {
    return `http://${hubHost}:${HUB_PORTS.hub}`;
}

export const HUB_BIND_URL = `http://0.0.0.0:${HUB_PORTS.hub}`;

export function proxyApiUrl(proxyHost: string): string {
    return `http://${proxyHost}:${HUB_PORTS.proxyApi}`;
}
