/**
 * kubeadm configuration (API kubeadm.k8s.io/v1beta4, Kubernetes >= 1.31), the admin kubeconfig
 * and the helpers around the cluster CA: all pure functions of their inputs.
 */
import * as crypto from "crypto";
import { toYaml, toYamlStream, type YamlValue } from "../shared/yaml";

export const KUBEADM_API = "kubeadm.k8s.io/v1beta4";
export const API_PORT = 6443;
export const CRI_SOCKET = "unix:///var/run/containerd/containerd.sock";
/** kubeadm's bootstrap-token format. */
export const TOKEN_PATTERN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

export interface ClusterNetworkParams {
    version: string;
    clusterName: string;
    podCidr: string;
    serviceCidr: string;
    /** host:port every node joins through (the first control plane's private address). */
    controlPlaneEndpoint: string;
    /** Extra names and addresses in the API server certificate (floating IP, private IPs). */
    certSans: readonly string[];
}

export interface InitParams extends ClusterNetworkParams {
    token: string;
    advertiseAddress: string;
}

export interface JoinParams {
    token: string;
    /** `sha256:<hex>` of the cluster CA's public key (SubjectPublicKeyInfo, DER). */
    caCertHash: string;
    apiServerEndpoint: string;
    /** Set for a control-plane join: the address this node's API server advertises. */
    controlPlaneAddress?: string;
}

/** [major, minor] of an x.y.z version. */
export function parseVersion(version: string): [number, number, number] {
    const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(version);
    if (!m) {
        throw new Error(`kubernetes version must be x.y.z, got ${version}`);
    }
    return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * The group of the kubeconfig's client certificate: kubeadm >= 1.29 binds `kubeadm:cluster-admins`
 * to cluster-admin (admin.conf) and keeps `system:masters` for the break-glass super-admin.conf.
 */
export function adminGroup(version: string): string {
    const [major, minor] = parseVersion(version);
    return major > 1 || minor >= 29 ? "kubeadm:cluster-admins" : "system:masters";
}

export function assertToken(token: string): void {
    if (!TOKEN_PATTERN.test(token)) {
        throw new Error("bootstrap token must match [a-z0-9]{6}.[a-z0-9]{16}");
    }
}

function assertV1beta4(version: string): void {
    const [major, minor] = parseVersion(version);
    if (major === 1 && minor < 31) {
        throw new Error(`kubeadm config v1beta4 needs Kubernetes >= 1.31, got ${version}`);
    }
}

function kubeletConfiguration(): YamlValue {
    return {
        apiVersion: "kubelet.config.k8s.io/v1beta1",
        kind: "KubeletConfiguration",
        cgroupDriver: "systemd",
        serverTLSBootstrap: false,
    };
}

/** init.yaml for the first control plane. */
export function renderInitConfig(p: InitParams): string {
    assertV1beta4(p.version);
    assertToken(p.token);
    const [tokenId] = p.token.split(".");
    return toYamlStream([
        {
            apiVersion: KUBEADM_API,
            kind: "InitConfiguration",
            bootstrapTokens: [
                {
                    token: p.token,
                    description: `jupyterhub-platform join token ${tokenId} (managed by Pulumi)`,
                    ttl: "0s",
                    usages: ["signing", "authentication"],
                    groups: ["system:bootstrappers:kubeadm:default-node-token"],
                },
            ],
            localAPIEndpoint: { advertiseAddress: p.advertiseAddress, bindPort: API_PORT },
            nodeRegistration: { criSocket: CRI_SOCKET },
        },
        {
            apiVersion: KUBEADM_API,
            kind: "ClusterConfiguration",
            clusterName: p.clusterName,
            kubernetesVersion: `v${parseVersion(p.version).join(".")}`,
            controlPlaneEndpoint: p.controlPlaneEndpoint,
            networking: { podSubnet: p.podCidr, serviceSubnet: p.serviceCidr, dnsDomain: "cluster.local" },
            apiServer: {
                certSANs: [...p.certSans],
                extraArgs: [{ name: "profiling", value: "false" }],
            },
            controllerManager: { extraArgs: [{ name: "profiling", value: "false" }] },
            scheduler: { extraArgs: [{ name: "profiling", value: "false" }] },
        },
        kubeletConfiguration(),
    ]);
}

/** join.yaml for further control planes and workers. */
export function renderJoinConfig(p: JoinParams): string {
    assertToken(p.token);
    if (!/^sha256:[0-9a-f]{64}$/.test(p.caCertHash)) {
        throw new Error("caCertHash must be sha256:<64 hex>");
    }
    return toYaml({
        apiVersion: KUBEADM_API,
        kind: "JoinConfiguration",
        discovery: {
            bootstrapToken: { apiServerEndpoint: p.apiServerEndpoint, token: p.token, caCertHashes: [p.caCertHash] },
        },
        nodeRegistration: { criSocket: CRI_SOCKET },
        controlPlane: p.controlPlaneAddress
            ? { localAPIEndpoint: { advertiseAddress: p.controlPlaneAddress, bindPort: API_PORT } }
            : undefined,
    });
}

/** kubeadm's --discovery-token-ca-cert-hash of a CA, from its public key or certificate PEM. */
export function caCertHash(pem: string): string {
    const key = pem.includes("CERTIFICATE") ? new crypto.X509Certificate(pem).publicKey : crypto.createPublicKey(pem);
    const der = key.export({ type: "spki", format: "der" });
    return "sha256:" + crypto.createHash("sha256").update(der).digest("hex");
}

export interface KubeconfigParams {
    clusterName: string;
    server: string;
    caCertPem: string;
    clientCertPem: string;
    clientKeyPem: string;
    user?: string;
}

function b64(s: string): string {
    return Buffer.from(s, "utf8").toString("base64");
}

/** A kubeconfig with embedded CA and client certificate (no exec plugin, no files). */
export function renderKubeconfig(p: KubeconfigParams): string {
    const user = p.user ?? "kubernetes-admin";
    const context = `${user}@${p.clusterName}`;
    return toYaml({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: p.clusterName, cluster: { server: p.server, "certificate-authority-data": b64(p.caCertPem) } }],
        users: [{ name: user, user: { "client-certificate-data": b64(p.clientCertPem), "client-key-data": b64(p.clientKeyPem) } }],
        contexts: [{ name: context, context: { cluster: p.clusterName, user } }],
        "current-context": context,
        preferences: {},
    });
}
