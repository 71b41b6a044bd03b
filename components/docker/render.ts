/**
 * Pure renderers for the Docker topology (local and docker-vm): names, labels, the proxy's
 * command line, published ports, the hub's environment and the hub document's docker block.
 * Components only wire these into resources; tests call them directly.
 */
import * as path from "path";
import type { HubTopologyConfig, PlatformConfig } from "../../config/types";
import { HUB_PORTS, HUB_SECRET_ENV, PROXY_TLS_DIR, hubConnectUrl, type HubSecretName } from "../hub/contract";
import type { DockerSpawnerBlock } from "../hub/hubDocument";
import { cleanName } from "../shared/names";

export const LABEL_PREFIX = "org.jupyterhub-platform";

export interface ProxyTls {
    /** Host paths (on the Docker engine's machine) of the PEM certificate chain and key. */
    certPath: string;
    keyPath: string;
    /**
     * Also publish port 80 and redirect it to HTTPS.
     * @default true
     */
    redirectHttp?: boolean;
}

export interface DockerNames {
    /** Prefix shared by every object of this stack on the engine. */
    base: string;
    network: string;
    hubContainer: string;
    proxyContainer: string;
    hubDbVolume: string;
    /** DockerSpawner.prefix: user containers are `<userContainerPrefix>-<escaped name>`. */
    userContainerPrefix: string;
    /** Prefix of per-user home volumes; the escaped user name follows. */
    userVolumePrefix: string;
    /** backup.enabled: the runner's container (also the prefix of its one-shot containers). */
    backupContainer: string;
    /** The small volume the runner writes its status to (read-only in the hub). */
    backupStatusVolume: string;
    /** The default restic repository (backup.repository empty). */
    backupRepositoryVolume: string;
}

export function dockerNames(config: PlatformConfig): DockerNames {
    // Docker object names allow [a-zA-Z0-9][a-zA-Z0-9_.-]; keep to lower case and dashes.
    const base = `jupyterhub-${cleanName(config.stack, "default")}`;
    return {
        base,
        network: `${base}-net`,
        hubContainer: `${base}-hub`,
        proxyContainer: `${base}-proxy`,
        hubDbVolume: `${base}-hub-data`,
        userContainerPrefix: `${base}-user`,
        userVolumePrefix: `${base}-home-`,
        backupContainer: `${base}-backup`,
        backupStatusVolume: `${base}-backup-status`,
        backupRepositoryVolume: `${base}-backups`,
    };
}

/**
 * DockerSpawner's default escaping of a user name for container and volume names (escapism with
 * safe characters a-z0-9, escape character '-', each other UTF-8 byte as -XX, then lower-cased).
 * Mirrors `DockerSpawner._escape` so the program and tests know the volume DockerSpawner creates.
 */
export function dockerSpawnerEscape(name: string): string {
    const safe = /^[a-z0-9]$/;
    let out = "";
    for (const ch of name) {
        if (safe.test(ch)) {
            out += ch;
        } else {
            for (const byte of Buffer.from(ch, "utf8")) {
                out += "-" + byte.toString(16).toUpperCase().padStart(2, "0");
            }
        }
    }
    return out.toLowerCase();
}

/** Name of the home volume DockerSpawner creates for `user`. */
export function userHomeVolumeName(config: PlatformConfig, user: string): string {
    return dockerNames(config).userVolumePrefix + dockerSpawnerEscape(user);
}

export function stackLabels(config: PlatformConfig, role: string): Record<string, string> {
    return {
        [`${LABEL_PREFIX}.project`]: config.project,
        [`${LABEL_PREFIX}.stack`]: config.stack,
        [`${LABEL_PREFIX}.role`]: role,
    };
}

/** docker.Container `labels` input shape. */
export function labelList(labels: Record<string, string>): { label: string; value: string }[] {
    return Object.entries(labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([label, value]) => ({ label, value }));
}

/**
 * Per-user homes on the engine's host (docker-vm): a root helper behind a unix socket makes
 * `<root>/<escaped name>` (a btrfs subvolume with a qgroup limit) and answers `ok <name>`.
 */
export interface HostHomes {
    /** Host directory holding one home per user (`/srv/homes`). */
    root: string;
    /** Host path of the helper's unix socket (`/run/jupyterhub-homes/homes.sock`). */
    socket: string;
}

/** Host homes as the hub sees them: the socket's directory, bind-mounted read-only at the same path. */
export function hostHomesHubMount(homes: HostHomes): { type: "bind"; source: string; target: string; readOnly: true } {
    const dir = path.posix.dirname(homes.socket);
    if (!path.posix.isAbsolute(homes.socket) || dir === "/" || !path.posix.isAbsolute(homes.root)) {
        throw new Error(`hostHomes needs absolute paths and a socket in its own directory (got ${homes.root}, ${homes.socket})`);
    }
    // The whole directory, not the socket file: a socket re-created by systemd stays visible.
    return { type: "bind", source: dir, target: dir, readOnly: true };
}

export function dockerSpawnerBlock(config: HubTopologyConfig, hostHomes?: HostHomes): DockerSpawnerBlock {
    const names = dockerNames(config);
    return {
        network: names.network,
        containerPrefix: names.userContainerPrefix,
        homeVolumeTemplate: `${names.userVolumePrefix}{username}`,
        ...(hostHomes
            ? {
                  homesSocket: hostHomes.socket,
                  homeBindTemplate: `${hostHomes.root.replace(/\/+$/, "")}/{username}`,
              }
            : {}),
        sharedVolumes: config.singleuser.sharedVolumes.map((v) => ({ name: v.name, mountPath: v.mountPath })),
        labels: stackLabels(config, "user-server"),
        removeContainers: true,
        pullPolicy: "ifnotpresent",
    };
}

export function proxyCommand(hubHost: string, tls?: ProxyTls): string[] {
    const hub = hubConnectUrl(hubHost);
    const args = [
        "--ip=0.0.0.0",
        `--api-ip=0.0.0.0`,
        `--api-port=${HUB_PORTS.proxyApi}`,
        `--default-target=${hub}`,
        `--error-target=${hub}/hub/error`,
        "--log-level=info",
    ];
    if (tls) {
        args.push(`--port=${HUB_PORTS.proxyHttps}`, `--ssl-cert=${PROXY_TLS_DIR}/cert.pem`, `--ssl-key=${PROXY_TLS_DIR}/key.pem`);
        if (tls.redirectHttp !== false) {
            args.push(`--redirect-port=${HUB_PORTS.proxyHttp}`, "--redirect-to=443");
        }
    } else {
        args.push(`--port=${HUB_PORTS.proxyHttp}`);
    }
    return args;
}

export interface PortMapping {
    internal: number;
    external: number;
    ip: string;
    protocol: "tcp";
}

/** Host ports of the proxy: hub.port over HTTP, or 443 (and 80 for the redirect) with TLS. */
export function proxyPorts(config: HubTopologyConfig, tls?: ProxyTls): PortMapping[] {
    const ip = config.hub.bindAddress;
    if (!tls) {
        return [{ internal: HUB_PORTS.proxyHttp, external: config.hub.port, ip, protocol: "tcp" }];
    }
    const ports: PortMapping[] = [{ internal: HUB_PORTS.proxyHttps, external: 443, ip, protocol: "tcp" }];
    if (tls.redirectHttp !== false) {
        ports.push({ internal: HUB_PORTS.proxyHttp, external: 80, ip, protocol: "tcp" });
    }
    return ports;
}

/** The hub container's environment (`NAME=value`), sorted; only the secrets the config needs. */
export function hubEnv(secrets: Partial<Record<HubSecretName, string>>, extra: Record<string, string> = {}): string[] {
    const env: Record<string, string> = { ...extra };
    for (const [key, name] of Object.entries(HUB_SECRET_ENV) as [HubSecretName, string][]) {
        const value = secrets[key];
        if (value !== undefined) {
            env[name] = value;
        }
    }
    return Object.keys(env)
        .sort()
        .map((k) => `${k}=${env[k]}`);
}

/** The proxy only needs the API token (configurable-http-proxy reads CONFIGPROXY_AUTH_TOKEN). */
export function proxyEnv(proxyToken: string): string[] {
    return [`${HUB_SECRET_ENV.proxyToken}=${proxyToken}`];
}

/**
 * A duration in whole seconds as Go prints it (`time.Duration.String()`: "45s", "3m0s",
 * "1h0m0s"), which is how the Docker provider reads a health check's durations back. Written in
 * any other form ("180s") the stored value differs from the input and every `pulumi up` plans an
 * update of the container.
 */
export function goDuration(seconds: number): string {
    if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`goDuration: ${seconds} is not a whole number of seconds`);
    if (seconds === 0) return "0s";
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    if (h > 0) return `${h}h${m}m${s}s`;
    if (m > 0) return `${m}m${s}s`;
    return `${s}s`;
}
