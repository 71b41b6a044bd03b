/**
 * The hub config document: the JSON that images/hub/jupyterhub_config.py reads at
 * $PLATFORM_CONFIG. One renderer for every topology; the spawner-specific part is a small
 * `docker` or `kubernetes` block the caller supplies. The document never carries a secret:
 * secrets reach the hub as environment variables or files (HUB_SECRET_ENV in ./contract.ts).
 */
import type { AuthType, HubTopologyConfig, Topology } from "../../config/types";
import { isPinned } from "../images/imageRefs";
import { HUB_BIND_URL, HUB_CA_BUNDLE_PATH, SINGLEUSER_USER, hubConnectUrl } from "./contract";
import { BACKUP } from "./contract";
import type { DaskDocumentBlock } from "./dask";

/** Bumped together with SCHEMA_VERSION in images/hub/jupyterhub_config.py. */
export const HUB_DOCUMENT_SCHEMA_VERSION = 1;

export interface SharedVolumeMount {
    name: string;
    mountPath: string;
}

export interface DockerSpawnerBlock {
    network: string;
    /** DockerSpawner.prefix: containers are named `<prefix>-<escaped user>`. */
    containerPrefix: string;
    /** Home volume name with DockerSpawner's `{username}` (escaped) placeholder. */
    homeVolumeTemplate: string;
    /**
     * docker-vm: the home helper's unix socket inside the hub container. When set, the hub's
     * pre-spawn hook sends the escaped user name there and fails the spawn unless the answer is
     * `ok <name>` (images/hub/platform_homes.py).
     */
    homesSocket?: string;
    /**
     * docker-vm: host path of a user's home with `{username}`; when set, DockerSpawner
     * bind-mounts it instead of the named volume `homeVolumeTemplate`.
     */
    homeBindTemplate?: string;
    sharedVolumes: SharedVolumeMount[];
    labels: Record<string, string>;
    removeContainers: boolean;
    pullPolicy: "ifnotpresent" | "never" | "always";
}

export interface KubeSpawnerBlock {
    namespace: string;
    homePvcTemplate: string;
    homeSizeBytes: number;
    storageClass?: string;
    storageAccessModes: string[];
    sharedVolumes: SharedVolumeMount[];
    nodeSelector: Record<string, string>;
    labels: Record<string, string>;
    imagePullPolicy: "IfNotPresent" | "Always" | "Never";
    /** KubeSpawner.scheduler_name (the user scheduler), when one runs. */
    schedulerName?: string | null;
    /** KubeSpawner.priority_class_name (user placeholders' priority class), when used. */
    priorityClassName?: string | null;
    /**
     * Gluster homes: where the ConfigMap `homes-provisioner` is mounted in the hub (helperHosts,
     * helperPort, pv-template.json). When set, the pre-spawn hook has the storage helper create
     * the user's directory and quota, then creates the user's PV; the helper token comes from
     * PLATFORM_HOMES_TOKEN_FILE. Set by the Kubernetes hub (kubernetes/jupyterhub/hub/document.ts).
     */
    homesProvisioner?: { configDir: string } | null;
    /** Secrets KubeSpawner puts on user pods to pull from images.registry (KubeSpawner.image_pull_secrets). */
    imagePullSecrets?: string[];
}

export interface HubDocumentProfile {
    slug: string;
    displayName: string;
    description: string;
    default: boolean;
    image?: string;
    memLimitBytes?: number;
    cpuLimit?: number;
    memGuaranteeBytes?: number;
    cpuGuarantee?: number;
}

export interface HubDocument {
    schemaVersion: number;
    topology: Topology;
    spawner: "docker" | "kubernetes";
    hub: {
        bindUrl: string;
        connectUrl: string;
        publicUrl: string | null;
        /** null: the URL is a secret in PLATFORM_DB_URL (external database). */
        dbUrl: string | null;
        adminUsers: string[];
        allowedUsers: string[];
        allowedGroups: string[];
        concurrentSpawnLimit: number;
        activeServerLimit: number;
        lastActivityInterval: number;
        logLevel: string;
        /**
         * hub.services without their tokens (those come from PLATFORM_SERVICE_TOKENS). Absent when
         * none are declared, so a stack without services keeps its document (and hub) unchanged.
         */
        services?: { name: string; scopes: string[]; roles: string[] }[];
    };
    proxy: { apiUrl: string };
    auth: {
        type: AuthType;
        oauth: {
            clientId: string;
            callbackUrl: string;
            authorizeUrl: string | null;
            tokenUrl: string | null;
            userdataUrl: string | null;
            usernameClaim: string;
            groupsClaim: string | null;
            scopes: string[];
        } | null;
        cas: { loginUrl: string; serviceValidateUrl: string; serviceUrl: string } | null;
        ldap: {
            serverAddress: string;
            serverPort: number;
            useSsl: boolean;
            bindDnTemplates: string[];
            lookupDn: boolean;
            userSearchBase: string | null;
            userAttribute: string;
            searchUser: string | null;
        } | null;
        googleHostedDomains: string[];
        /** hub.auth.caBundle as a file next to the document; null: the image's CAs only. */
        caBundleFile: string | null;
    };
    singleuser: {
        image: string;
        cmd: string[];
        defaultUrl: string;
        memLimitBytes: number;
        cpuLimit: number;
        memGuaranteeBytes: number | null;
        cpuGuarantee: number | null;
        startTimeoutSeconds: number;
        homeMountPath: string;
        uid: number;
        gid: number;
        env: Record<string, string>;
        gitRepository: string | null;
        gitBranch: string;
        postStartCommand: string | null;
        profiles: HubDocumentProfile[];
    };
    docker: DockerSpawnerBlock | null;
    kubernetes: KubeSpawnerBlock | null;
    /** Dask beside the hub (dask.enabled): user servers' Dask environment, the gateway service. */
    dask: DaskDocumentBlock | null;
    cull: { enabled: boolean; timeoutSeconds: number; everySeconds: number; maxAgeSeconds: number };
    /** backup.enabled: the runner's hub service and the status file behind the admin banner. */
    backup: { serviceName: string; statusFile: string; maxAgeSeconds: number } | null;
    templates: { pageTitle: string; logoFile: string | null };
}

/** What the topology knows that the config does not: addresses, the image ref, the spawner block. */
export interface HubDocumentTarget {
    /** Pinned single-user image reference (repo@sha256:… or a local image ID). */
    singleuserImage: string;
    /**
     * Profile images the config names by tag, each with its digest-pinned reference (the stack's
     * ImageResolver); a profile image by tag without an entry here is a programming error.
     */
    profileImages?: Readonly<Record<string, string>>;
    /** Host name other containers / pods reach the hub by. */
    hubHost: string;
    proxyApiUrl: string;
    /** Path of the logo inside the hub image, when one was baked in. */
    logoFile?: string;
    /** Absolute sqlite path inside the hub container (sqlite only). */
    sqlitePath?: string;
    docker?: DockerSpawnerBlock;
    kubernetes?: KubeSpawnerBlock;
    /** Set by the topology that runs Dask (dask.enabled). */
    dask?: DaskDocumentBlock;
}

export function renderHubDocument(config: HubTopologyConfig, target: HubDocumentTarget): HubDocument {
    const spawner = config.topology === "kubernetes" ? "kubernetes" : "docker";
    if (spawner === "docker" && !target.docker) {
        throw new Error(`renderHubDocument: topology ${config.topology} needs a docker block`);
    }
    if (spawner === "kubernetes" && !target.kubernetes) {
        throw new Error("renderHubDocument: topology kubernetes needs a kubernetes block");
    }
    const { hub, singleuser: su } = config;
    const auth = hub.auth;
    const sqlite = hub.db.type === "sqlite";
    if (config.dask.enabled !== (target.dask !== undefined)) {
        throw new Error(
            `renderHubDocument: dask.enabled is ${config.dask.enabled} but the target ${target.dask ? "has" : "has no"} dask block`,
        );
    }
    if (sqlite && !target.sqlitePath) {
        throw new Error("renderHubDocument: a sqlite hub database needs target.sqlitePath");
    }
    return {
        schemaVersion: HUB_DOCUMENT_SCHEMA_VERSION,
        topology: config.topology,
        spawner,
        hub: {
            bindUrl: HUB_BIND_URL,
            connectUrl: hubConnectUrl(target.hubHost),
            // A local hub answers on whatever loopback name the browser used; pinning a public
            // URL only matters where OAuth/CAS callbacks and TLS name one host.
            publicUrl: hub.domain ? hub.publicUrl : null,
            dbUrl: sqlite ? `sqlite:///${target.sqlitePath}` : null,
            adminUsers: [...hub.adminUsers],
            allowedUsers: [...hub.allowedUsers],
            allowedGroups: [...hub.allowedGroups],
            concurrentSpawnLimit: hub.concurrentSpawnLimit,
            activeServerLimit: hub.activeServerLimit,
            lastActivityInterval: 60,
            logLevel: "INFO",
            ...(hub.services.length > 0
                ? { services: hub.services.map((s) => ({ name: s.name, scopes: [...s.scopes], roles: [...s.roles] })) }
                : {}),
        },
        proxy: { apiUrl: target.proxyApiUrl },
        auth: {
            type: auth.type,
            oauth: auth.oauth
                ? {
                      clientId: auth.oauth.clientId,
                      callbackUrl: auth.oauth.callbackUrl,
                      authorizeUrl: auth.oauth.authorizeUrl ?? null,
                      tokenUrl: auth.oauth.tokenUrl ?? null,
                      userdataUrl: auth.oauth.userdataUrl ?? null,
                      usernameClaim: auth.oauth.usernameClaim,
                      groupsClaim: auth.oauth.groupsClaim ?? null,
                      scopes: [...auth.oauth.scopes],
                  }
                : null,
            cas: auth.cas ? { ...auth.cas } : null,
            ldap: auth.ldap
                ? {
                      serverAddress: auth.ldap.serverAddress,
                      serverPort: auth.ldap.serverPort,
                      useSsl: auth.ldap.useSsl,
                      bindDnTemplates: [...auth.ldap.bindDnTemplates],
                      lookupDn: auth.ldap.lookupDn,
                      userSearchBase: auth.ldap.userSearchBase ?? null,
                      userAttribute: auth.ldap.userAttribute,
                      searchUser: auth.ldap.searchUser ?? null,
                  }
                : null,
            googleHostedDomains: [...auth.googleHostedDomains],
            caBundleFile: auth.caBundle !== undefined ? HUB_CA_BUNDLE_PATH : null,
        },
        singleuser: {
            image: target.singleuserImage,
            cmd: ["jupyterhub-singleuser"],
            defaultUrl: su.defaultUrl,
            memLimitBytes: su.memLimitBytes,
            cpuLimit: su.cpuLimit,
            memGuaranteeBytes: su.memGuaranteeBytes ?? null,
            cpuGuarantee: su.cpuGuarantee ?? null,
            startTimeoutSeconds: su.startTimeoutSeconds,
            homeMountPath: su.homeMountPath,
            uid: SINGLEUSER_USER.uid,
            gid: SINGLEUSER_USER.gid,
            env: { ...su.env },
            gitRepository: su.gitRepository ?? null,
            gitBranch: su.gitBranch,
            postStartCommand: su.postStartCommand ?? null,
            profiles: su.profiles.map((p) => ({
                slug: p.slug,
                displayName: p.displayName,
                description: p.description,
                default: p.default,
                ...(p.image !== undefined ? { image: pinnedProfileImage(p.slug, p.image, target.profileImages) } : {}),
                ...(p.memLimitBytes !== undefined ? { memLimitBytes: p.memLimitBytes } : {}),
                ...(p.cpuLimit !== undefined ? { cpuLimit: p.cpuLimit } : {}),
                ...(p.memGuaranteeBytes !== undefined ? { memGuaranteeBytes: p.memGuaranteeBytes } : {}),
                ...(p.cpuGuarantee !== undefined ? { cpuGuarantee: p.cpuGuarantee } : {}),
            })),
        },
        docker: spawner === "docker" ? (target.docker as DockerSpawnerBlock) : null,
        kubernetes: spawner === "kubernetes" ? (target.kubernetes as KubeSpawnerBlock) : null,
        dask: target.dask ? { env: { ...target.dask.env }, gateway: target.dask.gateway ? { ...target.dask.gateway } : null } : null,
        cull: {
            enabled: hub.cull.enabled,
            timeoutSeconds: hub.cull.timeoutSeconds,
            everySeconds: hub.cull.everySeconds,
            maxAgeSeconds: hub.cull.maxAgeSeconds,
        },
        backup: config.backup
            ? {
                  serviceName: BACKUP.serviceName,
                  statusFile: `${BACKUP.statusDir}/${BACKUP.statusFile}`,
                  maxAgeSeconds: config.backup.maxAgeSeconds,
              }
            : null,
        templates: { pageTitle: hub.pageTitle, logoFile: target.logoFile ?? null },
    };
}

/** Spawners get digests only: the configured reference when pinned, else its resolution. */
function pinnedProfileImage(slug: string, ref: string, resolved: Readonly<Record<string, string>> | undefined): string {
    if (isPinned(ref)) {
        return ref;
    }
    const pinned = resolved?.[ref];
    if (pinned === undefined || !isPinned(pinned)) {
        throw new Error(`renderHubDocument: the image ${ref} of profile ${slug} was not resolved to a digest`);
    }
    return pinned;
}

/** Stable, readable JSON (the file the hub reads; also what a change diff shows). */
export function serializeHubDocument(doc: HubDocument): string {
    return JSON.stringify(doc, null, 2) + "\n";
}
