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
import { HUB_BIND_URL, HUB_PORTS, hubConnectUrl, proxyApiUrl } from "../../hub/contract";

/**
 * Ports: the hub contract's container ports, plus what only the Kubernetes deployment has (the
 * public Service ports, the user scheduler's health port, the ACME responder).
 */
export const PORTS = {
    ...HUB_PORTS,
    /** Public ports: the proxy-public Service's, on its external IPs. */
    publicHttp: 80,
    publicHttps: 443,
    /** kube-scheduler's secure health endpoint. */
    schedulerHealth: 10259,
    /** The ACME renewer's HTTP-01 responder (certbot --standalone --http-01-port). */
    acmeSolver: 8089,
} as const;

/**
 * Pod-template annotation of the proxy Deployment naming the certificate it was (re)started for:
 * the ACME renewer (letsencrypt) and the TLS reloader (cert-manager) set it to roll the proxy,
 * which reads its certificate only at start.
 */
export const PROXY_TLS_ANNOTATION = "jupyterhub-platform/tls-certificate";

export interface ResourceNames {
    namespace: string;
    hubServiceAccount: string;
    hubRole: string;
    hubConfigMap: string;
    hubSecret: string;
    /** kubernetes.io/dockerconfigjson for images.registry (z2jh's name). */
    imagePullSecret: string;
    hubDbPvc: string;
    /** Gluster homes: the pre-created PersistentVolume the hub database claim binds to (cluster-scoped). */
    hubDbPv: string;
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
    netpolTlsReloader: string;
    acme: string;
    /** certbot's config directory (account, lineage, renewal settings), round-tripped by the renewer. */
    acmeState: string;
    /** cert-manager mode: the Certificate (its Secret is proxyTlsSecret). */
    certificate: string;
    /** cert-manager mode: rolls the proxy when the Secret holds another certificate than it serves. */
    tlsReloader: string;
    tlsReloaderScript: string;
    /** backup.enabled: the CronJob, its ServiceAccount/Role and the runner's per-claim Jobs' prefix. */
    backup: string;
    backupConfigMap: string;
    /** restic's environment and the hub service token. */
    backupSecret: string;
    /** Written by the runner (not by Pulumi), mounted read-only and optional into the hub. */
    backupStatusConfigMap: string;
    /** The default repository PVC (backup.repository empty). */
    backupRepositoryPvc: string;
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
        imagePullSecret: "image-pull-secret",
        hubDbPvc: "hub-db-dir",
        hubDbPv: `hub-db-${namespace}`,
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
        netpolTlsReloader: "proxy-tls-reloader",
        acme: "acme-renewer",
        acmeState: "acme-renewer-state",
        certificate: "proxy-tls",
        tlsReloader: "proxy-tls-reloader",
        tlsReloaderScript: "proxy-tls-reloader-script",
        backup: "backup",
        backupConfigMap: "backup-config",
        backupSecret: "backup-env",
        backupStatusConfigMap: "backup-status",
        backupRepositoryPvc: "backups",
    };
}

/** In-cluster URLs of the hub and the proxy API (same namespace: short Service names). */
export function hubUrls(names: ResourceNames): { bindUrl: string; connectUrl: string; proxyApiUrl: string } {
    return { bindUrl: HUB_BIND_URL, connectUrl: hubConnectUrl(names.hubService), proxyApiUrl: proxyApiUrl(names.proxyApiService) };
}
