/**
 * The user-data of each node of the kubeadm cluster, as pure functions of the cluster's facts
 * (known once the ports, the floating IP, the PKI and the join token exist): the first control
 * plane runs `kubeadm init`, the others join as control planes, workers join and mount the
 * Gluster volume. KubeadmCluster only resolves the facts and hands each Server its function.
 */
import { API_PORT, renderInitConfig, renderJoinConfig } from "../kubeadm/kubeadmConfig";
import { renderControlPlaneUserData, renderWorkerUserData, type ClusterPkiFiles } from "./clusterCloudInit";
import type { GlusterParams } from "./scripts";

export interface ClusterFacts {
    version: string;
    clusterName: string;
    podCidr: string;
    serviceCidr: string;
    /** The bootstrap token, `<id>.<secret>`. */
    token: string;
    /** sha256 of the cluster CA's public key, as kubeadm's discovery wants it. */
    caCertHash: string;
    /** Fixed IPs of the control planes; the first is the API endpoint. */
    controlPlaneIps: readonly string[];
}

/** What only the control planes need: the CA keys and the API floating IP (a SAN of its certificate). */
export interface ControlPlaneSecrets {
    pki: ClusterPkiFiles;
    apiFloatingIp: string;
}

function apiEndpoint(f: ClusterFacts): string {
    return `${f.controlPlaneIps[0]}:${API_PORT}`;
}

/** Control plane `index`: init for 0, a control-plane join for the others. Holds the CA keys. */
export function controlPlaneUserData(f: ClusterFacts, cp: ControlPlaneSecrets, index: number): string {
    const kubeadmConfig =
        index === 0
            ? renderInitConfig({
                  version: f.version,
                  clusterName: f.clusterName,
                  podCidr: f.podCidr,
                  serviceCidr: f.serviceCidr,
                  controlPlaneEndpoint: apiEndpoint(f),
                  certSans: [cp.apiFloatingIp, ...f.controlPlaneIps],
                  token: f.token,
                  advertiseAddress: f.controlPlaneIps[0],
              })
            : renderJoinConfig({
                  token: f.token,
                  caCertHash: f.caCertHash,
                  apiServerEndpoint: apiEndpoint(f),
                  controlPlaneAddress: f.controlPlaneIps[index],
              });
    return renderControlPlaneUserData({ version: f.version, first: index === 0, pki: cp.pki, kubeadmConfig });
}

/** A worker: joins and FUSE-mounts the Gluster volume served by `gluster.peers`. */
export function workerUserData(f: ClusterFacts, gluster: GlusterParams): string {
    return renderWorkerUserData({
        version: f.version,
        joinConfig: renderJoinConfig({ token: f.token, caCertHash: f.caCertHash, apiServerEndpoint: apiEndpoint(f) }),
        gluster,
    });
}
