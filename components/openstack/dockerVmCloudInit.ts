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

/**
 * The login user of the Ubuntu cloud images; the Docker provider connects as this user. The
 * user-data names it as cloud-init's default user, so images whose default user differs (Debian's
 * is `debian`) get the same one, with the key pair's key.
 */
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
    /**
     * The admin user the Docker provider connects as (cloud-init's default user).
     * @default ADMIN_USER
     */
    adminUser?: string;
    /** Public keys authorized for the admin user besides the cloud's key pair (an existing host has none). */
    sshAuthorizedKeys?: readonly string[];
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

/** Where Docker's ordering against the VM's mounts and the homes socket is declared. */
export const DOCKER_DROP_IN = "/etc/systemd/system/docker.service.d/10-jhp-order.conf";

/**
 * Docker must never start with its data or the homes on the root disk, nor before the homes
 * socket: the hub container bind-mounts the socket's directory, which lives in /run (a tmpfs)
 * and is made by the socket unit. Found by the first boot of a replaced boot disk: the docker.io
 * package started Docker (and with it the hub, restart policy unless-stopped) before runcmd
 * enabled the socket, and the hub failed for good with "error mounting /run/jupyterhub-homes:
 * no such file or directory".
 */
export function dockerUnitDropIn(): string {
    return `[Unit]
RequiresMountsFor=/var/lib/docker ${HOMES_ROOT}
Wants=jhp-homes.socket
After=jhp-homes.socket
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
    const adminUser = p.adminUser ?? ADMIN_USER;
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(adminUser)) {
        throw new Error(`the admin user must be a plain user name, got ${JSON.stringify(adminUser)}`);
    }
    const files: YamlValue[] = [
        file(PATHS.prepareVolume, renderPrepareVolumeScript(), "0755"),
        file(PATHS.homesEnv, renderHomesEnv({ homesRoot: HOMES_ROOT, quotaBytes: p.homeQuotaBytes, owner: HOME_OWNER }), "0644"),
        file(PATHS.homeProvision, renderHomeProvisionScript(), "0755"),
        file("/etc/systemd/system/jhp-homes.socket", homesSocketUnit(), "0644"),
        file("/etc/systemd/system/jhp-homes@.service", homesServiceUnit(), "0644"),
        file(DOCKER_DROP_IN, dockerUnitDropIn(), "0644"),
    ];
    const runcmd: YamlValue[] = [
        [PATHS.prepareVolume, p.dockerVolumeId, "ext4", "/var/lib/docker", "docker"],
        [PATHS.prepareVolume, p.homeVolumeId, "btrfs", HOMES_ROOT, "homes"],
        ["chmod", "0711", HOMES_ROOT],
        ["sh", "-c", `getent group docker >/dev/null || groupadd --gid ${DOCKER_GID} docker`],
        ["sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io"],
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", "docker.service", "jhp-homes.socket"],
        ["usermod", "-aG", "docker", adminUser],
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
    // `user` overrides the name of the image's default user and keeps its other settings
    // (passwordless sudo, the cloud's SSH key): Ubuntu's is already `ubuntu`, Debian's is `debian`.
    const user: Record<string, YamlValue> = { name: adminUser };
    if (p.sshAuthorizedKeys && p.sshAuthorizedKeys.length > 0) {
        user.ssh_authorized_keys = [...p.sshAuthorizedKeys];
    }
    return cloudConfig({
        user,
        package_update: true,
        packages,
        write_files: files,
        runcmd,
        final_message: "jupyterhub-platform docker VM ready after $UPTIME seconds",
    });
}
