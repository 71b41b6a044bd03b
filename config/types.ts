/**
 * The typed, validated stack configuration that every component consumes.
 *
 * Produced only by `loadStackConfig()` / `parseConfig()` in this folder: components never read
 * `pulumi.Config` themselves. Sizes are already converted to bytes and CPU amounts to cores, so
 * renderers do not parse strings again. Secrets are `pulumi.Output<string>` marked secret.
 */
import type * as pulumi from "@pulumi/pulumi";

/** `lab` is not a hub: one JupyterLab container for one person, with token login. */
export const TOPOLOGIES = ["local", "docker-vm", "kubernetes", "lab"] as const;
export type Topology = (typeof TOPOLOGIES)[number];

export const AUTH_TYPES = ["dummy", "native", "github", "google", "generic-oauth", "cas", "ldap"] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export const TLS_MODES = ["none", "letsencrypt", "manual", "cert-manager"] as const;
export type TlsMode = (typeof TLS_MODES)[number];

/** cert-manager's two issuer kinds a Certificate can reference (hub.tls.certManager.issuerKind). */
export const CERT_MANAGER_ISSUER_KINDS = ["Issuer", "ClusterIssuer"] as const;
export type CertManagerIssuerKind = (typeof CERT_MANAGER_ISSUER_KINDS)[number];

export const DB_TYPES = ["sqlite", "external"] as const;
export type DbType = (typeof DB_TYPES)[number];

export const CALICO_MODES = ["ipip", "vxlan", "bgp"] as const;
export type CalicoMode = (typeof CALICO_MODES)[number];

export const STORAGE_BACKENDS = ["gluster", "storage-class"] as const;
export type StorageBackend = (typeof STORAGE_BACKENDS)[number];

export const CLUSTER_SOURCES = ["openstack", "existing"] as const;
export type ClusterSource = (typeof CLUSTER_SOURCES)[number];

/** `auto`: ClusterIP with the entry node's address on a cluster built here, LoadBalancer on an existing one. */
export const PROXY_SERVICE_TYPES = ["auto", "LoadBalancer", "NodePort", "ClusterIP"] as const;
export type ProxyServiceType = (typeof PROXY_SERVICE_TYPES)[number];

export const TAG_SCHEMES = ["date-hash", "hash"] as const;

/** Access modes of a shared volume's claim on Kubernetes (the fill Job writes, user pods read). */
export const SHARED_VOLUME_ACCESS_MODES = ["ReadWriteMany", "ReadWriteOnce"] as const;
export type SharedVolumeAccessMode = (typeof SHARED_VOLUME_ACCESS_MODES)[number];
export type TagScheme = (typeof TAG_SCHEMES)[number];

export type Secret = pulumi.Output<string>;

export interface TlsConfig {
    mode: TlsMode;
    /** Contact e-mail for the ACME account (letsencrypt). */
    contactEmail?: string;
    /** ACME directory URL; Let's Encrypt production unless overridden (e.g. Pebble in tests). */
    acmeServer: string;
    /** PEM certificate chain and key (manual). */
    certificate?: Secret;
    key?: Secret;
    /** The site's cert-manager issuer the hub's Certificate references (cert-manager). */
    certManager?: { issuer: string; issuerKind: CertManagerIssuerKind };
}

export interface OAuthConfig {
    clientId: string;
    clientSecret: Secret;
    /** Always set: derived from hub.domain when not configured. */
    callbackUrl: string;
    authorizeUrl?: string;
    tokenUrl?: string;
    userdataUrl?: string;
    usernameClaim: string;
    scopes: readonly string[];
    /** Claim that carries group membership (generic-oauth). */
    groupsClaim?: string;
}

export interface CasConfig {
    loginUrl: string;
    serviceValidateUrl: string;
    /** The URL CAS redirects back to; derived from hub.domain when not configured. */
    serviceUrl: string;
}

export interface LdapConfig {
    serverAddress: string;
    serverPort: number;
    useSsl: boolean;
    bindDnTemplates: readonly string[];
    lookupDn: boolean;
    userSearchBase?: string;
    userAttribute: string;
    searchUser?: string;
    searchPassword?: Secret;
}

export interface AuthConfig {
    type: AuthType;
    /** dummy: the shared password; generated with RandomPassword when not configured. */
    dummyPassword?: Secret;
    oauth?: OAuthConfig;
    cas?: CasConfig;
    ldap?: LdapConfig;
    /** google: restrict logins to these hosted (G Suite) domains. */
    googleHostedDomains: readonly string[];
    /**
     * PEM certificates of a private CA that signs the identity provider's TLS certificate (CAS,
     * LDAP, OAuth servers); trusted by the hub in addition to the image's own CAs. Not secret.
     */
    caBundle?: string;
}

export interface CullConfig {
    enabled: boolean;
    /** Seconds of inactivity after which a server is stopped. */
    timeoutSeconds: number;
    /** Seconds between culler runs. */
    everySeconds: number;
    /** Stop servers older than this many seconds even when active; 0 = never. */
    maxAgeSeconds: number;
}

/** A JupyterHub API service (hub.services): a grader, a dashboard, the platform's health check. */
export interface HubService {
    name: string;
    /** JupyterHub scopes granted to the service's token (e.g. admin:users, access:servers). */
    scopes: readonly string[];
    /** JupyterHub built-in roles granted as well (user, admin, server, token). */
    roles: readonly string[];
}

export interface HubConfig {
    /** Public DNS name; empty for `local`. */
    domain?: string;
    /** Base URL users reach, e.g. http://127.0.0.1:8000 or https://hub.example.org. */
    publicUrl: string;
    /** Address and port the proxy publishes on the Docker host (local/docker-vm). */
    bindAddress: string;
    port: number;
    tls: TlsConfig;
    adminUsers: readonly string[];
    allowedUsers: readonly string[];
    allowedGroups: readonly string[];
    auth: AuthConfig;
    db: { type: DbType; url?: Secret; volumeSizeBytes: number };
    cull: CullConfig;
    concurrentSpawnLimit: number;
    activeServerLimit: number;
    /** Docker topologies: seconds `pulumi up` waits for the hub container's health check. */
    startTimeoutSeconds: number;
    pageTitle: string;
    /** Absolute path of a logo file on the machine running Pulumi, baked into the hub image. */
    logoPath?: string;
    services: readonly HubService[];
    /** Secret JSON object service name → API token; present exactly when services are declared. */
    serviceTokens?: Secret;
}

/** Where a shared volume's content comes from: a directory tree of an image, copied once per digest. */
export interface SharedVolumeSource {
    /** Image reference as configured (tag or digest); resolved to a digest at deploy time. */
    image: string;
    /** Absolute directory in the image whose content becomes the volume's root. */
    path: string;
}

export interface SharedVolume {
    /** Docker volume / Kubernetes PVC name holding the read-only software tree. */
    name: string;
    mountPath: string;
    /** The program fills the volume from this image; without it the volume is the operator's to fill. */
    source?: SharedVolumeSource;
    /** Kubernetes, with a source: the claim's size and access mode. */
    sizeBytes?: number;
    accessMode?: SharedVolumeAccessMode;
}

export interface Profile {
    slug: string;
    displayName: string;
    description: string;
    image?: string;
    memLimitBytes?: number;
    cpuLimit?: number;
    memGuaranteeBytes?: number;
    cpuGuarantee?: number;
    default: boolean;
}

export interface SingleuserConfig {
    /**
     * Prebuilt image as configured, by tag or digest (a tag is resolved to its digest at deploy
     * time); when undefined the program builds images/singleuser.
     */
    image?: string;
    defaultUrl: string;
    memGuaranteeBytes?: number;
    memLimitBytes: number;
    cpuGuarantee?: number;
    cpuLimit: number;
    /** Capacity of a user's home (Kubernetes PVC request). */
    homeSizeBytes: number;
    /** Filesystem quota of a user's home (btrfs qgroup / Gluster directory quota). */
    homeQuotaBytes: number;
    homeMountPath: string;
    sharedVolumes: readonly SharedVolume[];
    /** nbgitpuller: repository pulled into the home on every start. */
    gitRepository?: string;
    gitBranch: string;
    postStartCommand?: string;
    env: Readonly<Record<string, string>>;
    profiles: readonly Profile[];
    startTimeoutSeconds: number;
}

/** dask.*: Dask beside the hub. Sizes in bytes, CPU in cores. */
export interface DaskConfig {
    enabled: boolean;
    /** Docker topologies: worker containers. */
    workers: number;
    worker: { memoryBytes: number; cpu: number };
    scheduler: { memoryBytes: number; cpu: number };
    /** Kubernetes: Dask Gateway's limits. */
    gateway: {
        /** traefik, the gateway's proxy. */
        traefikImage: string;
        /** 0: unlimited. */
        maxClustersPerUser: number;
        maxCoresPerCluster?: number;
        maxMemoryPerClusterBytes?: number;
        /** 0: unlimited. */
        maxWorkersPerCluster: number;
        /** 0: never. */
        idleTimeoutSeconds: number;
    };
}

export interface ImageBuildConfig {
    baseImage: string;
    aptPackages: readonly string[];
    condaPackages: readonly string[];
    pipPackages: readonly string[];
}

export interface ImagesConfig {
    registry?: { server: string; username: string; password: Secret };
    /** Repository prefix, e.g. `registry.example.org/jupyter` or `jupyterhub-platform` locally. */
    repository: string;
    tagScheme: TagScheme;
    /** `image`: a prebuilt hub image (tag or digest) used as-is instead of building images/hub. */
    hub: { baseImage: string; image?: string };
    singleuser: ImageBuildConfig;
}

export interface OpenStackConfig {
    cloud?: string;
    authUrl?: string;
    region?: string;
    username?: string;
    password?: Secret;
    projectName?: string;
    userDomainName: string;
    projectDomainName: string;
    applicationCredentialId?: string;
    applicationCredentialSecret?: Secret;
    externalNetwork: string;
    image: string;
    flavors: { docker: string; controlPlane: string; worker: string; storage: string };
    sshPublicKey: string;
    adminCidrs: readonly string[];
    networkCidr: string;
    dnsServers: readonly string[];
    /** Volume sizes in GB (OpenStack's unit). */
    volumes: { bootGb: number; homeGb: number; dockerGb: number; brickGb: number };
    nodes: { controlPlane: number; workers: number; storage: number };
}

export interface KubernetesConfig {
    version: string;
    namespace: string;
    podCidr: string;
    serviceCidr: string;
    calicoMode: CalicoMode;
    calicoVersion: string;
    storage: StorageBackend;
    userPlaceholders: number;
    imagePuller: boolean;
    userScheduler: boolean;
    networkPolicies: boolean;
    coreNodeSelector: Readonly<Record<string, string>>;
    userNodeSelector: Readonly<Record<string, string>>;
    /** StorageClass of homes and the hub database (storage-class); undefined: the cluster's default. */
    storageClass?: string;
    /** How users reach the proxy: the proxy-public Service. */
    proxy: {
        /** Resolved: never `auto`. */
        serviceType: Exclude<ProxyServiceType, "auto">;
        externalIps: readonly string[];
        /** NodePort only; undefined: the cluster picks one. */
        httpNodePort?: number;
        httpsNodePort?: number;
    };
    /** kube-scheduler image of the user scheduler; undefined: registry.k8s.io/kube-scheduler:v<version>. */
    schedulerImage?: string;
    /** A pause image for placeholders and the image puller; undefined: `sleep` in the single-user image. */
    pauseImage?: string;
    /** The nodes' network, kept out of user pods' reach by the NetworkPolicies (openstack.networkCidr on a cluster built here). */
    nodeCidr?: string;
}

/** Gluster homes on an existing cluster: the storage nodes' home helper (the cluster built here makes its own). */
export interface ExternalGlusterConfig {
    helperHosts: readonly string[];
    helperToken: Secret;
}

export const DEPLOY_STAGES = ["all", "infrastructure"] as const;
/** `infrastructure`: only the cloud resources (VMs, volumes, network), no readiness waits, no hub. */
export type DeployStage = (typeof DEPLOY_STAGES)[number];

/**
 * Where restic keeps the backups. `volume`: a Docker volume or a PVC (`name` undefined: the
 * stack's default, jupyterhub-<stack>-backups / `backups`); `directory`: a directory on the
 * Docker host; `s3`/`swift`: restic's own backends, `restic` is the repository string it takes.
 */
export type BackupRepository =
    | { kind: "volume"; name?: string }
    | { kind: "directory"; path: string }
    | { kind: "s3"; endpoint: string; bucket: string; prefix: string; restic: string }
    | { kind: "swift"; container: string; path: string; restic: string };

/** What restic needs for a swift: repository: an application credential, or a password login. */
export type SwiftCredentials = { authUrl: string; region?: string } & (
    | { applicationCredentialId: string; applicationCredentialSecret: Secret }
    | { username: string; password: Secret; projectName: string; userDomainName: string; projectDomainName: string }
);

export interface BackupConfig {
    repository: BackupRepository;
    /** restic's repository password (RESTIC_PASSWORD). */
    password: Secret;
    s3?: { accessKeyId: string; secretAccessKey: Secret };
    swift?: SwiftCredentials;
    /** Five-field cron expression, UTC (config/cron.ts). */
    schedule: string;
    /** A last good backup older than this is overdue: twice the longest gap of the schedule. */
    maxAgeSeconds: number;
    keep: { daily: number; weekly: number; monthly: number };
}

/** What every topology has. */
interface CommonConfig {
    /** Pulumi project name; also the config namespace. */
    project: string;
    stack: string;
    /** Keep user homes and the hub database on `pulumi destroy` and replacements. */
    retainOnDestroy: boolean;
    hub: HubConfig;
    singleuser: SingleuserConfig;
    images: ImagesConfig;
    /** Present when backup.enabled. */
    backup?: BackupConfig;
    dask: DaskConfig;
}

/** `lab`: one JupyterLab container for one person on the local Docker engine (no hub). */
export interface LabSettings {
    /** Prebuilt image (tag or digest, docker-stacks contract); undefined: build images/singleuser. */
    image?: string;
    /** Host port on 127.0.0.1. */
    port: number;
    /** The work directory: a host directory (bind mount) ... */
    workDir?: string;
    /** ... or a named Docker volume; undefined with workDir unset: the stack's own volume. */
    workVolume?: string;
    /** Where the work directory is mounted; also the server's root directory. */
    mountPath: string;
    memLimitBytes: number;
    cpuLimit: number;
    /** The login token; generated (RandomPassword) when not configured. */
    token?: Secret;
}

export interface LabConfig {
    topology: "lab";
    project: string;
    stack: string;
    /** Keep the work volume on `pulumi destroy` (a host directory is never touched). */
    retainOnDestroy: boolean;
    lab: LabSettings;
    /** For building images/singleuser (repository, tags, base image, packages). */
    images: ImagesConfig;
}

/** `local`: the Docker engine on the machine running Pulumi. No cloud sections. */
export interface LocalConfig extends CommonConfig {
    topology: "local";
}

/** An existing VM that runs the docker-vm user-data, reached over SSH (dockerVm.host). */
export interface ExistingDockerHost {
    /** ssh://user@host[:port], the Docker provider's host. */
    url: string;
    user: string;
    host: string;
    port?: number;
    /** Authorized for `user` by the user-data. */
    sshPublicKey?: string;
    /** IDs (or serials) of the attached disks the user-data prepares. */
    volumeIds: { docker: string; home: string };
}

interface DockerVmCommon extends CommonConfig {
    topology: "docker-vm";
    stage: DeployStage;
}

/** `docker-vm` (dockerVm.host empty): one OpenStack VM running Docker, created by the program. */
export interface DockerVmOnOpenStackConfig extends DockerVmCommon {
    vm: "openstack";
    openstack: OpenStackConfig;
}

/** `docker-vm` with dockerVm.host: a VM the operator prepared with the rendered user-data. */
export interface DockerVmOnExistingHostConfig extends DockerVmCommon {
    vm: "existing";
    existingHost: ExistingDockerHost;
}

/** `docker-vm`: one VM running Docker. */
export type DockerVmConfig = DockerVmOnOpenStackConfig | DockerVmOnExistingHostConfig;

/** `kubernetes` with `kubernetes.cluster: openstack`: a kubeadm cluster this program builds on OpenStack VMs. */
export interface KubernetesOnOpenStackConfig extends CommonConfig {
    topology: "kubernetes";
    cluster: "openstack";
    openstack: OpenStackConfig;
    kubernetes: KubernetesConfig;
    stage: DeployStage;
}

/** `kubernetes` with `kubernetes.cluster: existing`: a cluster the site already runs, given by a kubeconfig. */
export interface KubernetesOnExistingClusterConfig extends CommonConfig {
    topology: "kubernetes";
    cluster: "existing";
    /** Secret. */
    kubeconfig: Secret;
    kubernetes: KubernetesConfig;
    /** Present with kubernetes.storage gluster. */
    gluster?: ExternalGlusterConfig;
}

export type KubernetesTopologyConfig = KubernetesOnOpenStackConfig | KubernetesOnExistingClusterConfig;

/**
 * The validated stack configuration, discriminated by `topology`: each topology's section is
 * present exactly when that topology is selected, so components take the member they serve and
 * never check for a missing section at run time.
 */
export type PlatformConfig = LocalConfig | DockerVmConfig | KubernetesOnOpenStackConfig | KubernetesOnExistingClusterConfig | LabConfig;

/** The topologies that run JupyterHub (every one but `lab`): they have the hub and singleuser sections. */
export type HubTopologyConfig = Exclude<PlatformConfig, LabConfig>;

/** The topologies whose hub runs on one Docker engine (DockerSpawner). */
export type DockerTopologyConfig = LocalConfig | DockerVmConfig;
