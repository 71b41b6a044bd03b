/**
 * Shell scripts installed on the VMs by cloud-init, and the environment files that parameterise
 * them. Each script is a plain file in ./cloud-init/, named after its install path in PATHS
 * (`/usr/local/sbin/jhp-x` ← `cloud-init/jhp-x.sh`) and installed verbatim: shellcheck and the
 * real checks (test/real: btrfs on a loop device, glusterd in a network namespace, certbot
 * against Pebble) run the very bytes cloud-init writes. Parameters come from an environment file
 * that cloud-init writes next to the script (rendered by the pure functions here), from arguments,
 * or — only to point the real checks at temporary paths — from `JHP_*` environment overrides.
 *
 * The scripts read when the program runs, like acme_renew.py: the folder sits next to this module,
 * so the Pulumi engine (ts-node from the repository) finds it.
 */
import * as fs from "fs";
import * as path from "path";

/** Quote a value for a POSIX shell (single quotes, embedded quotes escaped). */
export function shq(value: string | number): string {
    const s = String(value);
    return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

/**
 * Paths the scripts, units and environment files are installed at on every VM. The scripts name
 * their default environment file literally (they are installed verbatim); a unit test checks
 * that every such path is one of these.
 */
export const PATHS = {
    prepareVolume: "/usr/local/sbin/jhp-prepare-volume",
    homeProvision: "/usr/local/sbin/jhp-home-provision",
    homesEnv: "/etc/jupyterhub-platform/homes.env",
    certIssue: "/usr/local/sbin/jhp-cert-issue",
    certDeploy: "/usr/local/sbin/jhp-cert-deploy",
    tlsEnv: "/etc/jupyterhub-platform/tls.env",
    glusterForm: "/usr/local/sbin/jhp-gluster-form",
    glusterHome: "/usr/local/sbin/jhp-gluster-home",
    glusterMount: "/usr/local/sbin/jhp-gluster-mount",
    glusterEnv: "/etc/jupyterhub-platform/gluster.env",
    homesToken: "/etc/jupyterhub-platform/homes-token",
    kubeBootstrap: "/usr/local/sbin/jhp-kube-bootstrap",
    kubeEnv: "/etc/jupyterhub-platform/kube.env",
} as const;

/** Folder of the script files, next to this module. */
export const VM_SCRIPTS_DIR = path.join(__dirname, "cloud-init");

/** The repository file installed at `installPath` (a PATHS entry under /usr/local/sbin). */
export function vmScriptFile(installPath: string): string {
    return path.join(VM_SCRIPTS_DIR, `${path.posix.basename(installPath)}.sh`);
}

function readVmScript(installPath: string): string {
    return fs.readFileSync(vmScriptFile(installPath), "utf8");
}

/**
 * Wait for an attached Cinder volume by its serial (the first 20 characters of the volume ID,
 * which virtio-blk exposes as /dev/disk/by-id/virtio-<serial> and virtio-scsi inside
 * scsi-0QEMU_QEMU_HARDDISK_<id>), make a filesystem only when the device carries none (a
 * reattached volume keeps its data; a device with a different filesystem is refused), and mount it
 * through /etc/fstab with `nofail` so a missing volume never blocks boot.
 *
 * Usage: jhp-prepare-volume VOLUME_ID FSTYPE MOUNTPOINT LABEL (parameters as arguments).
 * Overrides for tests: JHP_BY_ID_DIR, JHP_FSTAB, JHP_VOLUME_TIMEOUT.
 */
export function renderPrepareVolumeScript(): string {
    return readVmScript(PATHS.prepareVolume);
}

export interface HomeProvisionParams {
    /** Where the btrfs home volume is mounted; one subvolume per user below it. */
    homesRoot: string;
    /** qgroup limit of each home, in bytes. */
    quotaBytes: number;
    /** uid:gid that owns a new home (jovyan:users in the Jupyter images). */
    owner: string;
}

/** The environment file read by jhp-home-provision (PATHS.homesEnv). */
export function renderHomesEnv(p: HomeProvisionParams): string {
    // The script accepts digits only; checking here fails `pulumi preview`, not a user's spawn.
    if (!Number.isSafeInteger(p.quotaBytes) || p.quotaBytes < 0) {
        throw new Error(`the home quota must be a whole number of bytes, got ${p.quotaBytes}`);
    }
    return [
        "# Managed by jupyterhub-platform: per-user btrfs homes of this VM.",
        `HOMES_ROOT=${shq(p.homesRoot)}`,
        `QUOTA_BYTES=${shq(p.quotaBytes)}`,
        `OWNER=${shq(p.owner)}`,
        "",
    ].join("\n");
}

/**
 * Create a user's home as a btrfs subvolume with a qgroup limit (idempotent; the limit is
 * re-applied so a changed quota reaches existing homes). Runs as root, either with the name as an
 * argument or, with `--stdin`, reading one line from standard input and answering `ok NAME` or
 * `error ...` — the protocol of the socket-activated `jhp-homes@.service` that the hub's
 * pre-spawn hook connects to through /run/jupyterhub-homes/homes.sock.
 *
 * Parameters: PATHS.homesEnv (renderHomesEnv). Overrides for tests: JHP_HOMES_ENV (the file),
 * JHP_HOMES_ROOT, JHP_HOME_QUOTA, JHP_HOME_OWNER.
 */
export function renderHomeProvisionScript(): string {
    return readVmScript(PATHS.homeProvision);
}

export interface TlsEnvParams {
    domain: string;
    email: string;
    acmeServer: string;
    /** Directory the proxy reads fullchain.pem and privkey.pem from. */
    tlsDir: string;
    /** `docker ps --filter` expression selecting the proxy container(s) to restart. */
    proxyFilter: string;
    /** uid:gid that must be able to read the key inside the proxy container. */
    keyOwner: string;
}

/** The environment file read by jhp-cert-issue and jhp-cert-deploy. */
export function renderTlsEnv(p: TlsEnvParams): string {
    return [
        "# Managed by jupyterhub-platform: Let's Encrypt settings of this VM.",
        `DOMAIN=${shq(p.domain)}`,
        `EMAIL=${shq(p.email)}`,
        `ACME_SERVER=${shq(p.acmeServer)}`,
        `TLS_DIR=${shq(p.tlsDir)}`,
        `PROXY_FILTER=${shq(p.proxyFilter)}`,
        `KEY_OWNER=${shq(p.keyOwner)}`,
        "CERTBOT_DIR=/etc/letsencrypt",
        `DEPLOY_HOOK=${PATHS.certDeploy}`,
        "HTTP01_ADDRESS=",
        "",
    ].join("\n");
}

/**
 * Obtain the certificate once with certbot's standalone HTTP-01 authenticator on port 80 (the
 * proxy publishes only 443, so port 80 is free for certbot), retried by jhp-cert-issue.timer until
 * DNS points at the VM. Until then a short-lived self-signed placeholder lets the proxy start.
 * Renewal is certbot's own certbot.timer (`certbot renew`), which reuses the options saved here,
 * including the deploy hook.
 *
 * Parameters: PATHS.tlsEnv (renderTlsEnv). Override for tests: JHP_TLS_ENV (the file).
 */
export function renderCertIssueScript(): string {
    return readVmScript(PATHS.certIssue);
}

/**
 * certbot deploy hook (runs after every successful issuance or renewal, with RENEWED_LINEAGE
 * set): copies the new chain and key atomically to the directory the proxy mounts and restarts
 * the proxy container(s), because configurable-http-proxy reads its certificate only at start.
 * The hub re-adds its routes to a restarted proxy on its periodic route check.
 *
 * Parameters: PATHS.tlsEnv (renderTlsEnv), RENEWED_LINEAGE from certbot. Overrides for tests:
 * JHP_TLS_ENV, DOCKER (the docker CLI).
 */
export function renderCertDeployScript(): string {
    return readVmScript(PATHS.certDeploy);
}

export interface GlusterParams {
    /** Gluster volume name. */
    volume: string;
    /** Private addresses of every storage node, the first one forms the volume. */
    peers: readonly string[];
    /** Brick directory on every storage node (a subdirectory of the brick volume's mount). */
    brickDir: string;
    /** 3 for replica-3 sets; 1 for a plain distributed volume (a single storage node). */
    replica: number;
    /** Per-user directory quota in bytes. */
    quotaBytes: number;
    /** Where storage nodes mount the volume to create user directories. */
    adminMount: string;
    /** uid:gid owning a new user directory. */
    owner: string;
    /** Directory of the hub database in the volume (relative), created owned by hubDbOwner. */
    hubDbDir: string;
    /** uid:gid of the hub: a hostPath volume gets no fsGroup, so the storage side sets the owner. */
    hubDbOwner: string;
}

/** The environment file read by the Gluster scripts. */
export function renderGlusterEnv(p: GlusterParams): string {
    return [
        "# Managed by jupyterhub-platform: GlusterFS settings.",
        `VOLUME=${shq(p.volume)}`,
        `PEERS=${shq(p.peers.join(" "))}`,
        `BRICK_DIR=${shq(p.brickDir)}`,
        `REPLICA=${shq(p.replica)}`,
        `QUOTA_BYTES=${shq(p.quotaBytes)}`,
        `ADMIN_MOUNT=${shq(p.adminMount)}`,
        `OWNER=${shq(p.owner)}`,
        `HUB_DB_DIR=${shq(p.hubDbDir)}`,
        `HUB_DB_OWNER=${shq(p.hubDbOwner)}`,
        "",
    ].join("\n");
}

/**
 * Run on the first storage node: probe every peer until each one answers and is connected, then
 * create (once) and start the volume, enable directory quotas and make `df` inside a directory
 * report its quota. Idempotent, so a rebooted or replaced first node re-runs it harmlessly.
 *
 * Parameters: PATHS.glusterEnv (renderGlusterEnv). Overrides for tests: JHP_GLUSTER_ENV,
 * JHP_GLUSTER_TIMEOUT.
 */
export function renderGlusterFormScript(): string {
    return readVmScript(PATHS.glusterForm);
}

/**
 * Create a user's home directory in the Gluster volume and set its directory quota. Runs as root
 * on a storage node (where the gluster CLI talks to the local glusterd), with the name as an
 * argument or, with `--stdin`, from the socket-activated `jhp-gluster-home@.service`: the client
 * sends the shared token (from the Kubernetes secret `homes-provisioner`) on the first line and
 * the user name on the second, and reads `ok NAME` or `error ...`.
 *
 * Parameters: PATHS.glusterEnv, PATHS.homesToken. Overrides for tests: JHP_GLUSTER_ENV,
 * JHP_HOMES_TOKEN.
 */
export function renderGlusterHomeScript(): string {
    return readVmScript(PATHS.glusterHome);
}

/**
 * Mount the Gluster volume on a worker at MOUNTPOINT (fstab with `nofail`, backup volfile
 * servers), retrying until the storage nodes have formed the volume. The empty mount point is made
 * immutable first, so nothing can write user data to the root disk while the volume is missing.
 *
 * Usage: jhp-gluster-mount MOUNTPOINT. Parameters: PATHS.glusterEnv. Overrides for tests:
 * JHP_GLUSTER_ENV, JHP_GLUSTER_TIMEOUT.
 */
export function renderGlusterMountScript(): string {
    return readVmScript(PATHS.glusterMount);
}

export interface KubeBootstrapParams {
    /** Kubernetes version x.y.z; packages come from pkgs.k8s.io's v<x.y> repository. */
    version: string;
}

/** The environment file read by jhp-kube-bootstrap (PATHS.kubeEnv). */
export function renderKubeEnv(p: KubeBootstrapParams): string {
    // The script checks the same shape; checking here fails `pulumi preview`, not the VM's boot.
    if (!/^\d+\.\d+\.\d+$/.test(p.version)) {
        throw new Error(`kubernetes.version must be x.y.z, got ${p.version}`);
    }
    return ["# Managed by jupyterhub-platform: Kubernetes packages of this node.", `K8S_VERSION=${shq(p.version)}`, ""].join("\n");
}

/**
 * Install containerd and the pinned kubeadm/kubelet/kubectl (from pkgs.k8s.io's repository of
 * the version's minor release), then `kubeadm init` (role `init`) or `kubeadm join` with retries
 * until the first control plane answers (roles `control-plane`, `worker`). The kubeadm
 * configuration files are written by cloud-init next to it.
 *
 * Usage: jhp-kube-bootstrap init|control-plane|worker. Parameters: PATHS.kubeEnv (renderKubeEnv).
 * Override: JHP_KUBE_ENV (the file).
 */
export function renderKubeBootstrapScript(): string {
    return readVmScript(PATHS.kubeBootstrap);
}
