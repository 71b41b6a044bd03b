/**
 * cloud-init user-data of the `dev` Docker VM (pure): prepares the docker and home volumes,
 * installs Docker, the per-user btrfs home helper and, for Let's Encrypt, certbot with its
 * issuance timer and deploy hook.
 */
import { acceptSocketUnit, perConnectionServiceUnit } from "./systemdUnits";
import { cloudConfig, type YamlValue } from "../shared/yaml";
import {
    PATHS,
    renderCertDeployScript,
    renderCertIssueScript,
    renderHomeProvisionScript,
    renderHomesEnv,
    renderPrepareVolumeScript,
    renderTlsEnv,
    type TlsEnvParams,
} from "./scripts";
import { NOBODY, SINGLEUSER_OWNER } from "../hub/contract";

/** The login user of the Ubuntu cloud images; the Docker provider connects as this user. */
export const ADMIN_USER = "ubuntu";
/** Where the home volume (btrfs, one subvolume per user) is mounted on the VM. */
export const HOMES_ROOT = "/srv/homes";
/** Directory with the socket of the home helper; bind-mount it into the hub container. */
export const HOMES_SOCKET_DIR = "/run/jupyterhub-homes";
export const HOMES_SOCKET = `${HOMES_SOCKET_DIR}/homes.sock`;
/** Where the proxy's certificate and key live on the VM (mounted into the proxy container). */
export const TLS_DIR = "/srv/jupyterhub/tls";
export const TLS_CERT_PATH = `${TLS_DIR}/fullchain.pem`;
export const TLS_KEY_PATH = `${TLS_DIR}/privkey.pem`;
/** uid:gid of `jovyan:users` in the Jupyter images, owner of each home. */
export const HOME_OWNER = SINGLEUSER_OWNER;
/** Fixed gid of the `docker` group (created before docker.io installs) so the hub can join it. */
export const DOCKER_GID = 2375;
/** The proxy image runs as nobody: it must be able to read the key. */
export const PROXY_KEY_OWNER = `${NOBODY}:${NOBODY}`;

export interface DockerVmUserDataParams {
    /** Cinder volume IDs; the VM waits for them by serial. */
    dockerVolumeId: string;
    homeVolumeId: string;
    homeQuotaBytes: number;
    tls:
        | { mode: "none" }
        | ({ mode: "letsencrypt" } & Omit<TlsEnvParams, "tlsDir" | "keyOwner">)
        | { mode: "manual"; certificate: string; key: string };
}

function file(path: string, content: string, permissions: string, owner = "root:root"): YamlValue {
    return { path, content, permissions, owner };
}

/**
 * The hub container reaches the socket through a read-only bind mount of its directory. It runs
 * as uid 10001 in the group of the Docker socket (group_add), so the socket belongs to `docker`.
 */
export function homesSocketUnit(): string {
    return acceptSocketUnit({
        description: "jupyterhub-platform: per-user home provisioning socket",
        listen: HOMES_SOCKET,
        extra: ["SocketMode=0660", "SocketGroup=docker", "DirectoryMode=0755"],
    });
}

export function homesServiceUnit(): string {
    return perConnectionServiceUnit({
        description: "jupyterhub-platform: create a user's btrfs home with its quota",
        unitExtra: [`RequiresMountsFor=${HOMES_ROOT}`],
        execStart: `${PATHS.homeProvision} --stdin`,
        timeoutSeconds: 60,
    });
}

/** Docker must never start with its data or the homes on the root disk. */
export function dockerMountsDropIn(): string {
    return `[Unit]
RequiresMountsFor=/var/lib/docker ${HOMES_ROOT}
`;
}

export function certIssueService(): string {
    return `[Unit]
Description=jupyterhub-platform: obtain the Let's Encrypt certificate
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart=${PATHS.certIssue}
`;
}

export function certIssueTimer(): string {
    return `[Unit]
Description=jupyterhub-platform: retry obtaining the certificate until DNS points here

[Timer]
OnBootSec=2min
OnUnitInactiveSec=10min

[Install]
WantedBy=timers.target
`;
}

export function renderDockerVmUserData(p: DockerVmUserDataParams): string {
    const files: YamlValue[] = [
        file(PATHS.prepareVolume, renderPrepareVolumeScript(), "0755"),
        file(PATHS.homesEnv, renderHomesEnv({ homesRoot: HOMES_ROOT, quotaBytes: p.homeQuotaBytes, owner: HOME_OWNER }), "0644"),
        file(PATHS.homeProvision, renderHomeProvisionScript(), "0755"),
        file("/etc/systemd/system/jhp-homes.socket", homesSocketUnit(), "0644"),
        file("/etc/systemd/system/jhp-homes@.service", homesServiceUnit(), "0644"),
        file("/etc/systemd/system/docker.service.d/10-jhp-mounts.conf", dockerMountsDropIn(), "0644"),
    ];
    const runcmd: YamlValue[] = [
        [PATHS.prepareVolume, p.dockerVolumeId, "ext4", "/var/lib/docker", "docker"],
        [PATHS.prepareVolume, p.homeVolumeId, "btrfs", HOMES_ROOT, "homes"],
        ["chmod", "0711", HOMES_ROOT],
        ["sh", "-c", `getent group docker >/dev/null || groupadd --gid ${DOCKER_GID} docker`],
        ["sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io"],
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", "docker.service", "jhp-homes.socket"],
        ["usermod", "-aG", "docker", ADMIN_USER],
    ];
    const packages = ["btrfs-progs", "openssl"];
    if (p.tls.mode === "letsencrypt") {
        packages.push("certbot");
        files.push(
            file(PATHS.tlsEnv, renderTlsEnv({ ...p.tls, tlsDir: TLS_DIR, keyOwner: PROXY_KEY_OWNER }), "0644"),
            file(PATHS.certIssue, renderCertIssueScript(), "0755"),
            file(PATHS.certDeploy, renderCertDeployScript(), "0755"),
            file("/etc/systemd/system/jhp-cert-issue.service", certIssueService(), "0644"),
            file("/etc/systemd/system/jhp-cert-issue.timer", certIssueTimer(), "0644"),
        );
        runcmd.push(
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", "--now", "jhp-cert-issue.timer", "certbot.timer"],
            ["sh", "-c", `${PATHS.certIssue} || echo 'certificate not issued yet; jhp-cert-issue.timer retries'`],
        );
    } else if (p.tls.mode === "manual") {
        files.push(file(TLS_CERT_PATH, p.tls.certificate, "0644"), file(TLS_KEY_PATH, p.tls.key, "0600", "nobody:nogroup"));
    }
    return cloudConfig({
        package_update: true,
        packages,
        write_files: files,
        runcmd,
        final_message: "jupyterhub-platform docker VM ready after $UPTIME seconds",
    });
}
