/**
 * cloud-init user-data of the `prod` cluster's VMs (pure): kubeadm control planes and workers,
 * GlusterFS storage nodes. Control-plane user-data carries the cluster CA keys, so the caller
 * marks it secret.
 */
import { acceptSocketUnit, perConnectionServiceUnit } from "./systemdUnits";
import { cloudConfig, type YamlValue } from "../shared/yaml";
import {
    PATHS,
    renderGlusterEnv,
    renderGlusterFormScript,
    renderGlusterHomeScript,
    renderGlusterMountScript,
    renderKubeBootstrapScript,
    renderKubeEnv,
    renderPrepareVolumeScript,
    type GlusterParams,
} from "./scripts";
import type { ClusterPkiFiles } from "../kubeadm/clusterPki";

export type { ClusterPkiFiles };

/** Where workers mount the Gluster volume; user homes are hostPath PVs below it. */
export const WORKER_HOMES_MOUNT = "/mnt/homes";
/** Brick volume mount and brick directory on storage nodes. */
export const BRICK_MOUNT = "/data/glusterfs/homes";
export const BRICK_DIR = `${BRICK_MOUNT}/brick`;
/** Storage nodes' own mount of the volume, used to create user directories. */
export const STORAGE_ADMIN_MOUNT = "/mnt/homes-admin";
/** TCP port of the socket-activated home/quota helper on storage nodes. */
export const HOMES_HELPER_PORT = 24100;
export const GLUSTER_VOLUME = "homes";

function file(path: string, content: string, permissions: string): YamlValue {
    return { path, content, permissions, owner: "root:root" };
}

function pkiFiles(pki: ClusterPkiFiles): YamlValue[] {
    return [
        file("/etc/kubernetes/pki/ca.crt", pki.caCert, "0644"),
        file("/etc/kubernetes/pki/ca.key", pki.caKey, "0600"),
        file("/etc/kubernetes/pki/front-proxy-ca.crt", pki.frontProxyCaCert, "0644"),
        file("/etc/kubernetes/pki/front-proxy-ca.key", pki.frontProxyCaKey, "0600"),
        file("/etc/kubernetes/pki/etcd/ca.crt", pki.etcdCaCert, "0644"),
        file("/etc/kubernetes/pki/etcd/ca.key", pki.etcdCaKey, "0600"),
        file("/etc/kubernetes/pki/sa.key", pki.saKey, "0600"),
        file("/etc/kubernetes/pki/sa.pub", pki.saPub, "0644"),
    ];
}

export interface ControlPlaneUserDataParams {
    version: string;
    /** init.yaml (first control plane) or join.yaml with a controlPlane section. */
    kubeadmConfig: string;
    first: boolean;
    pki: ClusterPkiFiles;
}

export function renderControlPlaneUserData(p: ControlPlaneUserDataParams): string {
    const configPath = p.first ? "/etc/kubernetes/kubeadm/init.yaml" : "/etc/kubernetes/kubeadm/join.yaml";
    return cloudConfig({
        package_update: true,
        write_files: [
            ...pkiFiles(p.pki),
            file(configPath, p.kubeadmConfig, "0600"),
            file(PATHS.kubeEnv, renderKubeEnv({ version: p.version }), "0644"),
            file(PATHS.kubeBootstrap, renderKubeBootstrapScript(), "0755"),
        ],
        runcmd: [[PATHS.kubeBootstrap, p.first ? "init" : "control-plane"]],
        final_message: "jupyterhub-platform control plane ready after $UPTIME seconds",
    });
}

export interface WorkerUserDataParams {
    version: string;
    joinConfig: string;
    gluster: GlusterParams;
}

export function renderWorkerUserData(p: WorkerUserDataParams): string {
    return cloudConfig({
        package_update: true,
        packages: ["glusterfs-client"],
        write_files: [
            file("/etc/kubernetes/kubeadm/join.yaml", p.joinConfig, "0600"),
            file(PATHS.kubeEnv, renderKubeEnv({ version: p.version }), "0644"),
            file(PATHS.kubeBootstrap, renderKubeBootstrapScript(), "0755"),
            file(PATHS.glusterEnv, renderGlusterEnv(p.gluster), "0644"),
            file(PATHS.glusterMount, renderGlusterMountScript(), "0755"),
        ],
        runcmd: [
            [PATHS.kubeBootstrap, "worker"],
            [PATHS.glusterMount, WORKER_HOMES_MOUNT],
        ],
        final_message: "jupyterhub-platform worker ready after $UPTIME seconds",
    });
}

export function glusterHomeSocketUnit(): string {
    return acceptSocketUnit({ description: "jupyterhub-platform: per-user Gluster home provisioning socket", listen: HOMES_HELPER_PORT });
}

export function glusterHomeServiceUnit(): string {
    return perConnectionServiceUnit({
        description: "jupyterhub-platform: create a user's Gluster directory with its quota",
        unitExtra: ["After=glusterd.service"],
        execStart: `${PATHS.glusterHome} --stdin`,
        timeoutSeconds: 120,
    });
}

export interface StorageUserDataParams {
    /** Index among the storage nodes; node 0 forms the volume. */
    index: number;
    brickVolumeId: string;
    gluster: GlusterParams;
    /** Shared secret of the home helper (also in the Kubernetes secret homes-provisioner). */
    homesToken: string;
}

export function renderStorageUserData(p: StorageUserDataParams): string {
    const runcmd: YamlValue[] = [
        [PATHS.prepareVolume, p.brickVolumeId, "xfs", BRICK_MOUNT, `brick${p.index}`],
        ["mkdir", "-p", BRICK_DIR],
        ["systemctl", "enable", "--now", "glusterd.service"],
    ];
    if (p.index === 0) {
        runcmd.push([PATHS.glusterForm]);
    }
    runcmd.push(["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", "jhp-gluster-home.socket"]);
    return cloudConfig({
        package_update: true,
        packages: ["glusterfs-server", "xfsprogs"],
        write_files: [
            file(PATHS.prepareVolume, renderPrepareVolumeScript(), "0755"),
            file(PATHS.glusterEnv, renderGlusterEnv(p.gluster), "0644"),
            file(PATHS.glusterForm, renderGlusterFormScript(), "0755"),
            file(PATHS.glusterHome, renderGlusterHomeScript(), "0755"),
            file(PATHS.homesToken, p.homesToken + "\n", "0600"),
            file("/etc/systemd/system/jhp-gluster-home.socket", glusterHomeSocketUnit(), "0644"),
            file("/etc/systemd/system/jhp-gluster-home@.service", glusterHomeServiceUnit(), "0644"),
        ],
        runcmd,
        final_message: "jupyterhub-platform storage node ready after $UPTIME seconds",
    });
}

/** Replica count for N storage nodes (validated by config: 1 or a multiple of 3). */
export function glusterReplica(storageNodes: number): number {
    if (storageNodes === 1) {
        return 1;
    }
    if (storageNodes >= 3 && storageNodes % 3 === 0) {
        return 3;
    }
    throw new Error(`openstack.nodes.storage must be 1 or a multiple of 3, got ${storageNodes}`);
}
