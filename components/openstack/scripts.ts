/**
 * Shell scripts installed on the VMs by cloud-init. Each is a pure function of its parameters so
 * unit tests read them and test/real runs shellcheck on them and executes the quota, volume and
 * certificate scripts for real (btrfs on a loop device, glusterd in a network namespace, certbot
 * against Pebble). Parameters are baked in as shell-quoted defaults that an environment variable
 * may override (`JHP_*`), which is how the real checks point them at temporary paths.
 */

/** Quote a value for a POSIX shell (single quotes, embedded quotes escaped). */
export function shq(value: string | number): string {
    const s = String(value);
    return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

/** Paths the scripts and units are installed at on every VM. */
export const PATHS = {
    prepareVolume: "/usr/local/sbin/jhp-prepare-volume",
    homeProvision: "/usr/local/sbin/jhp-home-provision",
    certIssue: "/usr/local/sbin/jhp-cert-issue",
    certDeploy: "/usr/local/sbin/jhp-cert-deploy",
    tlsEnv: "/etc/jupyterhub-platform/tls.env",
    glusterForm: "/usr/local/sbin/jhp-gluster-form",
    glusterHome: "/usr/local/sbin/jhp-gluster-home",
    glusterMount: "/usr/local/sbin/jhp-gluster-mount",
    glusterEnv: "/etc/jupyterhub-platform/gluster.env",
    homesToken: "/etc/jupyterhub-platform/homes-token",
    kubeBootstrap: "/usr/local/sbin/jhp-kube-bootstrap",
} as const;

/**
 * Wait for an attached Cinder volume by its serial (the first 20 characters of the volume ID,
 * which virtio-blk exposes as /dev/disk/by-id/virtio-<serial> and virtio-scsi inside
 * scsi-0QEMU_QEMU_HARDDISK_<id>), make a filesystem only when the device carries none (a
 * reattached volume keeps its data; a device with a different filesystem is refused), and mount it
 * through /etc/fstab with `nofail` so a missing volume never blocks boot.
 *
 * Usage: jhp-prepare-volume VOLUME_ID FSTYPE MOUNTPOINT LABEL
 */
export function renderPrepareVolumeScript(): string {
    return `#!/bin/bash
# Managed by jupyterhub-platform: prepare one attached data volume.
set -euo pipefail

if [ "$#" -ne 4 ]; then
    echo "usage: $0 VOLUME_ID FSTYPE MOUNTPOINT LABEL" >&2
    exit 2
fi
volume_id="$1"
fstype="$2"
mountpoint="$3"
label="$4"
by_id_dir="\${JHP_BY_ID_DIR:-/dev/disk/by-id}"
fstab="\${JHP_FSTAB:-/etc/fstab}"
timeout="\${JHP_VOLUME_TIMEOUT:-900}"
serial="\${volume_id:0:20}"

case "$fstype" in
    ext4 | xfs | btrfs) ;;
    *)
        echo "unsupported filesystem $fstype" >&2
        exit 2
        ;;
esac

find_device() {
    local candidate
    for candidate in "$by_id_dir"/*"$serial"*; do
        case "$candidate" in
            *-part[0-9]*) continue ;;
        esac
        if [ -b "$candidate" ]; then
            readlink -f "$candidate"
            return 0
        fi
    done
    return 1
}

deadline=$((SECONDS + timeout))
device=""
until device="$(find_device)"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "volume $volume_id did not appear under $by_id_dir within \${timeout}s" >&2
        exit 1
    fi
    if command -v udevadm >/dev/null 2>&1; then
        udevadm settle --timeout=5 || true
    fi
    sleep 5
done
echo "volume $volume_id is $device"

current="$(blkid -p -o value -s TYPE "$device" || true)"
table="$(blkid -p -o value -s PTTYPE "$device" || true)"
if [ -z "$current" ] && [ -z "$table" ]; then
    echo "$device is blank: creating $fstype"
    case "$fstype" in
        ext4) mkfs.ext4 -q -L "$label" "$device" ;;
        xfs) mkfs.xfs -q -L "$label" "$device" ;;
        btrfs) mkfs.btrfs -q -L "$label" "$device" ;;
    esac
elif [ "$current" != "$fstype" ]; then
    echo "$device holds '\${current:-a partition table}', expected $fstype: refusing to touch it" >&2
    exit 1
else
    echo "$device already holds $fstype: keeping its data"
fi

uuid="$(blkid -p -o value -s UUID "$device")"
passno=2
if [ "$fstype" = btrfs ] || [ "$fstype" = xfs ]; then
    passno=0
fi
entry="UUID=$uuid $mountpoint $fstype defaults,nofail,x-systemd.device-timeout=120s 0 $passno"
tmp="$(mktemp)"
awk -v mp="$mountpoint" '$2 != mp' "$fstab" >"$tmp"
echo "$entry" >>"$tmp"
cat "$tmp" >"$fstab"
rm -f "$tmp"

mkdir -p "$mountpoint"
if ! mountpoint -q "$mountpoint"; then
    if [ "$fstab" = /etc/fstab ]; then
        systemctl daemon-reload || true
        mount "$mountpoint"
    else
        mount -t "$fstype" "UUID=$uuid" "$mountpoint"
    fi
fi
if [ "$fstype" = btrfs ]; then
    btrfs quota enable "$mountpoint"
fi
echo "$mountpoint mounted from $device"
`;
}

export interface HomeProvisionParams {
    /** Where the btrfs home volume is mounted; one subvolume per user below it. */
    homesRoot: string;
    /** qgroup limit of each home, in bytes. */
    quotaBytes: number;
    /** uid:gid that owns a new home (jovyan:users in the Jupyter images). */
    owner: string;
}

/**
 * Create a user's home as a btrfs subvolume with a qgroup limit (idempotent; the limit is
 * re-applied so a changed quota reaches existing homes). Runs as root, either with the name as an
 * argument or, with `--stdin`, reading one line from standard input and answering `ok NAME` or
 * `error ...` — the protocol of the socket-activated `jhp-homes@.service` that the hub's
 * pre-spawn hook connects to through /run/jupyterhub-homes/homes.sock.
 */
export function renderHomeProvisionScript(p: HomeProvisionParams): string {
    return `#!/bin/bash
# Managed by jupyterhub-platform: per-user btrfs home with a qgroup limit.
set -euo pipefail

homes_root="\${JHP_HOMES_ROOT:-${shq(p.homesRoot)}}"
quota="\${JHP_HOME_QUOTA:-${shq(p.quotaBytes)}}"
owner="\${JHP_HOME_OWNER:-${shq(p.owner)}}"

fail() {
    echo "error $*"
    exit 1
}

if [ "\${1:-}" = "--stdin" ]; then
    name=""
    IFS= read -r -t 10 name || [ -n "$name" ] || fail "no user name received"
    name="\${name%$'\\r'}"
elif [ "$#" -eq 1 ]; then
    name="$1"
else
    echo "usage: $0 NAME | --stdin" >&2
    exit 2
fi

# DockerSpawner's escaped names: letters, digits, '-', '_' and '.', never starting with a dot.
if ! [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ ]]; then
    fail "invalid user name"
fi
if ! [[ "$quota" =~ ^[0-9]+$ ]]; then
    fail "invalid quota $quota"
fi

home="$homes_root/$name"
exec 9>"$homes_root/.provision.lock"
flock -w 30 9 || fail "lock busy"

if ! btrfs subvolume show "$home" >/dev/null 2>&1; then
    if [ -e "$home" ]; then
        fail "$home exists and is not a subvolume"
    fi
    btrfs subvolume create "$home" >/dev/null
    chown "$owner" "$home"
    chmod 0750 "$home"
fi
btrfs qgroup limit "$quota" "$home"
echo "ok $name"
`;
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
 */
export function renderCertIssueScript(): string {
    return `#!/bin/bash
# Managed by jupyterhub-platform: obtain the hub's Let's Encrypt certificate.
set -euo pipefail

env_file="\${JHP_TLS_ENV:-${PATHS.tlsEnv}}"
# shellcheck source=/dev/null
. "$env_file"
: "\${DOMAIN:?DOMAIN missing in $env_file}" "\${EMAIL:?}" "\${ACME_SERVER:?}" "\${TLS_DIR:?}"
certbot_dir="\${CERTBOT_DIR:-/etc/letsencrypt}"
deploy_hook="\${DEPLOY_HOOK:-${PATHS.certDeploy}}"

install -d -m 0755 "$TLS_DIR"
if [ ! -s "$TLS_DIR/fullchain.pem" ] || [ ! -s "$TLS_DIR/privkey.pem" ]; then
    echo "no certificate yet: writing a self-signed placeholder for $DOMAIN"
    openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=$DOMAIN" \\
        -addext "subjectAltName=DNS:$DOMAIN" \\
        -keyout "$TLS_DIR/privkey.pem" -out "$TLS_DIR/fullchain.pem" 2>/dev/null
    chown "\${KEY_OWNER:-0:0}" "$TLS_DIR/privkey.pem"
    chmod 0600 "$TLS_DIR/privkey.pem"
    chmod 0644 "$TLS_DIR/fullchain.pem"
fi

if [ -s "$certbot_dir/live/$DOMAIN/fullchain.pem" ]; then
    echo "certificate for $DOMAIN exists; certbot.timer renews it"
    exit 0
fi

address_args=()
if [ -n "\${HTTP01_ADDRESS:-}" ]; then
    address_args=(--http-01-address "$HTTP01_ADDRESS")
fi
certbot certonly --non-interactive --agree-tos --email "$EMAIL" \\
    --server "$ACME_SERVER" \\
    --standalone --preferred-challenges http --http-01-port 80 "\${address_args[@]}" \\
    --config-dir "$certbot_dir" --work-dir "$certbot_dir/work" --logs-dir "$certbot_dir/logs" \\
    --cert-name "$DOMAIN" -d "$DOMAIN" \\
    --deploy-hook "$deploy_hook"
`;
}

/**
 * certbot deploy hook (runs after every successful issuance or renewal, with RENEWED_LINEAGE
 * set): copies the new chain and key atomically to the directory the proxy mounts and restarts
 * the proxy container(s), because configurable-http-proxy reads its certificate only at start.
 * The hub re-adds its routes to a restarted proxy on its periodic route check.
 */
export function renderCertDeployScript(): string {
    return `#!/bin/bash
# Managed by jupyterhub-platform: hand a renewed certificate to the proxy.
set -euo pipefail

env_file="\${JHP_TLS_ENV:-${PATHS.tlsEnv}}"
# shellcheck source=/dev/null
. "$env_file"
lineage="\${RENEWED_LINEAGE:?certbot sets RENEWED_LINEAGE for deploy hooks}"
docker_cmd="\${DOCKER:-docker}"

install -d -m 0755 "$TLS_DIR"
install -m 0644 "$lineage/fullchain.pem" "$TLS_DIR/.fullchain.pem.new"
install -m 0600 "$lineage/privkey.pem" "$TLS_DIR/.privkey.pem.new"
chown "\${KEY_OWNER:-0:0}" "$TLS_DIR/.privkey.pem.new"
mv -f "$TLS_DIR/.fullchain.pem.new" "$TLS_DIR/fullchain.pem"
mv -f "$TLS_DIR/.privkey.pem.new" "$TLS_DIR/privkey.pem"
echo "installed certificate from $lineage into $TLS_DIR"

if [ -n "\${PROXY_FILTER:-}" ] && command -v "$docker_cmd" >/dev/null 2>&1; then
    "$docker_cmd" ps -q --filter "$PROXY_FILTER" | while read -r id; do
        [ -n "$id" ] || continue
        echo "restarting proxy container $id"
        "$docker_cmd" restart "$id" >/dev/null
    done
fi
`;
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
        "",
    ].join("\n");
}

/**
 * Run on the first storage node: probe every peer until each one answers and is connected, then
 * create (once) and start the volume, enable directory quotas and make `df` inside a directory
 * report its quota. Idempotent, so a rebooted or replaced first node re-runs it harmlessly.
 */
export function renderGlusterFormScript(): string {
    return `#!/bin/bash
# Managed by jupyterhub-platform: form the replicated Gluster volume.
set -euo pipefail

env_file="\${JHP_GLUSTER_ENV:-${PATHS.glusterEnv}}"
# shellcheck source=/dev/null
. "$env_file"
timeout="\${JHP_GLUSTER_TIMEOUT:-1800}"
deadline=$((SECONDS + timeout))
read -r -a peer_list <<<"$PEERS"
self="\${peer_list[0]}"

wait_or_fail() {
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "gave up after \${timeout}s: $*" >&2
        exit 1
    fi
    sleep 10
}

until gluster pool list >/dev/null 2>&1; do
    wait_or_fail "glusterd does not answer locally"
done

for peer in "\${peer_list[@]:1}"; do
    until gluster peer probe "$peer"; do
        wait_or_fail "peer $peer does not answer"
    done
done

expected=$((\${#peer_list[@]} - 1))
until [ "$(gluster peer status | grep -c 'Peer in Cluster (Connected)' || true)" -ge "$expected" ]; do
    wait_or_fail "not all $expected peers are connected"
done

if ! gluster volume info "$VOLUME" >/dev/null 2>&1; then
    bricks=()
    for peer in "\${peer_list[@]}"; do
        bricks+=("$peer:$BRICK_DIR")
    done
    layout=()
    if [ "$REPLICA" -gt 1 ]; then
        layout=(replica "$REPLICA")
    fi
    echo "creating volume $VOLUME on \${bricks[*]} (self: $self)"
    gluster --mode=script volume create "$VOLUME" "\${layout[@]}" "\${bricks[@]}"
fi

if ! gluster volume info "$VOLUME" | grep -q '^Status: Started'; then
    gluster --mode=script volume start "$VOLUME"
fi

if ! gluster volume get "$VOLUME" features.quota | grep -q 'features.quota *on'; then
    gluster --mode=script volume quota "$VOLUME" enable
fi
gluster --mode=script volume set "$VOLUME" features.quota-deem-statfs on
echo "volume $VOLUME is started with directory quotas"
`;
}

/**
 * Create a user's home directory in the Gluster volume and set its directory quota. Runs as root
 * on a storage node (where the gluster CLI talks to the local glusterd), with the name as an
 * argument or, with `--stdin`, from the socket-activated `jhp-gluster-home@.service`: the client
 * sends the shared token (from the Kubernetes secret `homes-provisioner`) on the first line and
 * the user name on the second, and reads `ok NAME` or `error ...`.
 */
export function renderGlusterHomeScript(): string {
    return `#!/bin/bash
# Managed by jupyterhub-platform: per-user Gluster directory with a quota.
set -euo pipefail

env_file="\${JHP_GLUSTER_ENV:-${PATHS.glusterEnv}}"
token_file="\${JHP_HOMES_TOKEN:-${PATHS.homesToken}}"
# shellcheck source=/dev/null
. "$env_file"

fail() {
    echo "error $*"
    exit 1
}

if [ "\${1:-}" = "--stdin" ]; then
    token=""
    name=""
    IFS= read -r -t 10 token || fail "no token received"
    IFS= read -r -t 10 name || [ -n "$name" ] || fail "no user name received"
    token="\${token%$'\\r'}"
    name="\${name%$'\\r'}"
    expected="$(cat "$token_file")"
    if [ -z "$expected" ] || [ "$token" != "$expected" ]; then
        fail "unauthorized"
    fi
elif [ "$#" -eq 1 ]; then
    name="$1"
else
    echo "usage: $0 NAME | --stdin" >&2
    exit 2
fi

# KubeSpawner's escaped names: letters, digits, '-', '_' and '.', never starting with a dot.
if ! [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ ]]; then
    fail "invalid user name"
fi

if ! mountpoint -q "$ADMIN_MOUNT"; then
    mkdir -p "$ADMIN_MOUNT"
    mount -t glusterfs "localhost:/$VOLUME" "$ADMIN_MOUNT" || fail "cannot mount $VOLUME"
fi

exec 9>/run/jhp-gluster-home.lock
flock -w 60 9 || fail "lock busy"
home="$ADMIN_MOUNT/$name"
if [ ! -d "$home" ]; then
    mkdir "$home"
    chown "$OWNER" "$home"
    chmod 0750 "$home"
fi
gluster --mode=script volume quota "$VOLUME" limit-usage "/$name" "$QUOTA_BYTES" >/dev/null ||
    fail "cannot set the quota of /$name"
echo "ok $name"
`;
}

/**
 * Mount the Gluster volume on a worker at MOUNTPOINT (fstab with `nofail`, backup volfile
 * servers), retrying until the storage nodes have formed the volume. The empty mount point is made
 * immutable first, so nothing can write user data to the root disk while the volume is missing.
 *
 * Usage: jhp-gluster-mount MOUNTPOINT
 */
export function renderGlusterMountScript(): string {
    return `#!/bin/bash
# Managed by jupyterhub-platform: mount the homes volume on a worker.
set -euo pipefail

env_file="\${JHP_GLUSTER_ENV:-${PATHS.glusterEnv}}"
# shellcheck source=/dev/null
. "$env_file"
mountpoint_dir="\${1:?usage: $0 MOUNTPOINT}"
timeout="\${JHP_GLUSTER_TIMEOUT:-3600}"
deadline=$((SECONDS + timeout))
read -r -a peer_list <<<"$PEERS"
backups="$(IFS=:; echo "\${peer_list[*]:1}")"
options="defaults,_netdev,nofail,x-systemd.requires=network-online.target"
if [ -n "$backups" ]; then
    options="$options,backup-volfile-servers=$backups"
fi

mkdir -p "$mountpoint_dir"
if ! mountpoint -q "$mountpoint_dir"; then
    chattr +i "$mountpoint_dir" 2>/dev/null || true
fi
tmp="$(mktemp)"
awk -v mp="$mountpoint_dir" '$2 != mp' /etc/fstab >"$tmp"
echo "\${peer_list[0]}:/$VOLUME $mountpoint_dir glusterfs $options 0 0" >>"$tmp"
cat "$tmp" >/etc/fstab
rm -f "$tmp"
systemctl daemon-reload || true

until mountpoint -q "$mountpoint_dir"; do
    mount "$mountpoint_dir" || true
    if mountpoint -q "$mountpoint_dir"; then
        break
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "volume $VOLUME not mountable after \${timeout}s" >&2
        exit 1
    fi
    sleep 15
done
echo "$VOLUME mounted at $mountpoint_dir"
`;
}

export interface KubeBootstrapParams {
    /** Kubernetes version x.y.z; packages come from pkgs.k8s.io's v<x.y> repository. */
    version: string;
}

/**
 * Install containerd and the pinned kubeadm/kubelet/kubectl, then `kubeadm init` (role `init`)
 * or `kubeadm join` with retries until the first control plane answers (roles `control-plane`,
 * `worker`). The kubeadm configuration files are written by cloud-init next to it.
 *
 * Usage: jhp-kube-bootstrap init|control-plane|worker
 */
export function renderKubeBootstrapScript(p: KubeBootstrapParams): string {
    const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(p.version);
    if (!m) {
        throw new Error(`kubernetes.version must be x.y.z, got ${p.version}`);
    }
    const minor = `v${m[1]}.${m[2]}`;
    return `#!/bin/bash
# Managed by jupyterhub-platform: bootstrap this node with kubeadm.
set -euo pipefail

role="\${1:?usage: $0 init|control-plane|worker}"
k8s_version=${shq(p.version)}
k8s_minor=${shq(minor)}
export DEBIAN_FRONTEND=noninteractive

modprobe overlay
modprobe br_netfilter
printf 'overlay\\nbr_netfilter\\n' >/etc/modules-load.d/kubernetes.conf
printf 'net.ipv4.ip_forward = 1\\nnet.bridge.bridge-nf-call-iptables = 1\\nnet.bridge.bridge-nf-call-ip6tables = 1\\n' \\
    >/etc/sysctl.d/99-kubernetes.conf
sysctl --system >/dev/null
swapoff -a
sed -i '/\\sswap\\s/s/^/#/' /etc/fstab

apt-get update
apt-get install -y apt-transport-https ca-certificates curl gpg containerd
mkdir -p /etc/containerd /etc/apt/keyrings
containerd config default | sed 's/SystemdCgroup = false/SystemdCgroup = true/' >/etc/containerd/config.toml
systemctl restart containerd

curl -fsSL --retry 10 --retry-delay 6 "https://pkgs.k8s.io/core:/stable:/$k8s_minor/deb/Release.key" |
    gpg --dearmor --yes -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg
echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/$k8s_minor/deb/ /" \\
    >/etc/apt/sources.list.d/kubernetes.list
apt-get update
apt-get install -y "kubelet=$k8s_version-*" "kubeadm=$k8s_version-*" "kubectl=$k8s_version-*"
apt-mark hold kubelet kubeadm kubectl
systemctl enable kubelet

case "$role" in
    init)
        if [ ! -f /etc/kubernetes/admin.conf ]; then
            kubeadm init --config /etc/kubernetes/kubeadm/init.yaml
        fi
        ;;
    control-plane | worker)
        # kubeadm reset empties /etc/kubernetes/pki: keep the certificates cloud-init wrote there
        # (a joining control plane needs the shared CAs) and put them back after each reset.
        mkdir -p /etc/kubernetes/pki
        if [ ! -d /var/lib/jhp-pki ]; then
            mkdir -p /var/lib/jhp-pki
            cp -a /etc/kubernetes/pki/. /var/lib/jhp-pki/
            chmod 0700 /var/lib/jhp-pki
        fi
        attempts=0
        until [ -f /etc/kubernetes/kubelet.conf ] || kubeadm join --config /etc/kubernetes/kubeadm/join.yaml; do
            attempts=$((attempts + 1))
            if [ "$attempts" -ge 60 ]; then
                echo "kubeadm join failed $attempts times" >&2
                exit 1
            fi
            kubeadm reset --force || true
            mkdir -p /etc/kubernetes/pki
            cp -a /var/lib/jhp-pki/. /etc/kubernetes/pki/
            sleep 20
        done
        ;;
    *)
        echo "unknown role $role" >&2
        exit 2
        ;;
esac
`;
}
