/** kubernetes.*: where the cluster comes from, version, networks, Calico, storage, the proxy's Service and hub add-ons. */
import type { ConfigReader } from "../reader";
import { isDnsLabel, isHostname, isImageRef, isSemver, parseLabel } from "../formats";
import { cidrsOverlap, isCidr, parseCidr, parseIpv4, type Cidr } from "../cidr";
import type {
    CalicoMode,
    ClusterSource,
    ExternalGlusterConfig,
    KubernetesConfig,
    ProxyServiceType,
    Secret,
    StorageBackend,
} from "../types";

/** Kubernetes' default service-node-port-range. */
const NODE_PORTS = { min: 30000, max: 32767 } as const;

export interface KubernetesRead {
    cluster: ClusterSource;
    config: KubernetesConfig;
    /** kubernetes.cluster existing. */
    kubeconfig?: Secret;
    /** kubernetes.cluster existing with kubernetes.storage gluster. */
    gluster?: ExternalGlusterConfig;
}

/** kubernetes.cluster, read first: it decides which other sections apply. */
export function readClusterSource(r: ConfigReader): ClusterSource {
    return r.oneOf<ClusterSource>("kubernetes.cluster");
}

/** kubeadm's v1beta4 configuration API, which the cluster bootstrap renders, starts at 1.31. */
const MIN_MINOR = 31;

export function readKubernetes(r: ConfigReader, cluster: ClusterSource, nodeNetwork: Cidr | undefined): KubernetesRead {
    const version = r.str("kubernetes.version");
    if (!isSemver(version) || Number(version.split(".")[0]) !== 1 || Number(version.split(".")[1]) < MIN_MINOR) {
        r.bad("kubernetes.version", version, `a release x.y.z, 1.${MIN_MINOR}.0 or newer (e.g. 1.33.5)`);
    }
    const namespace = r.str("kubernetes.namespace");
    if (!isDnsLabel(namespace)) {
        r.bad("kubernetes.namespace", namespace, "a DNS label: lowercase letters, digits and -, at most 63 characters");
    }
    const pod = cidr(r, "kubernetes.podCidr", 8, 20);
    const service = cidr(r, "kubernetes.serviceCidr", 8, 24);
    if (pod && service && cidrsOverlap(pod, service)) {
        r.bad(
            "kubernetes.serviceCidr",
            service.text,
            `a range that does not overlap kubernetes.podCidr (${pod.text})`,
            "overlapping CIDRs",
        );
    }
    for (const [key, c] of [
        ["kubernetes.podCidr", pod],
        ["kubernetes.serviceCidr", service],
    ] as const) {
        if (c && nodeNetwork && cidrsOverlap(c, nodeNetwork)) {
            r.bad(key, c.text, `a range that does not overlap openstack.networkCidr (${nodeNetwork.text})`, "overlapping CIDRs");
        }
    }
    const calicoVersion = r.str("kubernetes.calico.version");
    if (!isSemver(calicoVersion)) {
        r.bad("kubernetes.calico.version", calicoVersion, "a Calico release x.y.z such as 3.29.3");
    }
    const storage = r.oneOf<StorageBackend>("kubernetes.storage");
    const existing = readExisting(r, cluster, storage);
    const nodeCidr = cluster === "openstack" ? nodeNetwork?.text : existing.nodeCidr;
    const config: KubernetesConfig = {
        version,
        namespace,
        podCidr: pod?.text ?? r.str("kubernetes.podCidr"),
        serviceCidr: service?.text ?? r.str("kubernetes.serviceCidr"),
        calicoMode: r.oneOf<CalicoMode>("kubernetes.calico.mode"),
        calicoVersion,
        storage,
        userPlaceholders: r.int("kubernetes.userPlaceholders", 0, 1000),
        imagePuller: r.bool("kubernetes.imagePuller"),
        userScheduler: r.bool("kubernetes.userScheduler"),
        networkPolicies: r.bool("kubernetes.networkPolicies"),
        coreNodeSelector: selector(r, "kubernetes.coreNodeSelector"),
        userNodeSelector: selector(r, "kubernetes.userNodeSelector"),
        ...(existing.storageClass !== undefined ? { storageClass: existing.storageClass } : {}),
        proxy: readProxy(r, cluster),
        ...optionalImage(r, "kubernetes.schedulerImage", "schedulerImage"),
        ...optionalImage(r, "kubernetes.pauseImage", "pauseImage"),
        ...(nodeCidr !== undefined ? { nodeCidr } : {}),
    };
    return { cluster, config, kubeconfig: existing.kubeconfig, gluster: existing.gluster };
}

/** What only one cluster source uses: refused with the other, so no setting is silently ignored. */
function readExisting(
    r: ConfigReader,
    cluster: ClusterSource,
    storage: StorageBackend,
): { kubeconfig?: KubernetesRead["kubeconfig"]; gluster?: ExternalGlusterConfig; storageClass?: string; nodeCidr?: string } {
    const kubeconfig = r.secret("kubernetes.kubeconfig");
    const kubeconfigText = r.peekSecret("kubernetes.kubeconfig");
    const helperHosts = r.list("kubernetes.gluster.helperHosts");
    const helperToken = r.secret("kubernetes.gluster.helperToken");
    const hasToken = r.peekSecret("kubernetes.gluster.helperToken") !== undefined;
    const storageClass = r.optStr("kubernetes.storageClass");
    const nodeCidrText = r.optStr("kubernetes.nodeCidr");

    if (storageClass !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(storageClass)) {
        r.bad("kubernetes.storageClass", storageClass, "a StorageClass name (lowercase letters, digits, '-' and '.')");
    }
    if (storageClass !== undefined && storage !== "storage-class") {
        r.need(
            "kubernetes.storageClass",
            `has no effect with kubernetes.storage ${storage}; remove it or set kubernetes.storage storage-class`,
        );
    }
    if (cluster === "openstack") {
        const why = "has no effect with kubernetes.cluster openstack (the program builds the cluster and its Gluster storage)";
        if (kubeconfigText !== undefined) r.need("kubernetes.kubeconfig", `${why}; remove it or set kubernetes.cluster existing`);
        if (helperHosts.length > 0) r.need("kubernetes.gluster.helperHosts", why);
        if (hasToken) r.need("kubernetes.gluster.helperToken", why);
        if (nodeCidrText !== undefined) r.need("kubernetes.nodeCidr", `${why}; the nodes' network is openstack.networkCidr`);
        if (storage === "storage-class") {
            r.bad(
                "kubernetes.storage",
                storage,
                "gluster with kubernetes.cluster openstack",
                "the cluster built here has no dynamic volume provisioner; storage-class needs an existing cluster",
            );
        }
        return {};
    }

    if (kubeconfigText === undefined) {
        r.need(
            "kubernetes.kubeconfig",
            "is required with kubernetes.cluster existing; set it with `pulumi config set --secret kubernetes.kubeconfig < kubeconfig.yaml`",
        );
    } else if (!/^\s*(apiVersion|clusters|kind|current-context)\s*:/m.test(kubeconfigText) || !/clusters\s*:/.test(kubeconfigText)) {
        r.bad("kubernetes.kubeconfig", "", "a kubeconfig document (YAML with clusters, users and contexts)", "not a kubeconfig");
    }
    let nodeCidr: string | undefined;
    if (nodeCidrText !== undefined) {
        const parsed = parseCidr(nodeCidrText);
        if (!isCidr(parsed)) {
            r.bad("kubernetes.nodeCidr", nodeCidrText, "an IPv4 CIDR such as 10.0.0.0/16", parsed.error);
        } else {
            nodeCidr = parsed.text;
        }
    }
    let gluster: ExternalGlusterConfig | undefined;
    if (storage === "gluster") {
        if (helperHosts.length === 0) {
            r.need(
                "kubernetes.gluster.helperHosts",
                "needs the storage nodes running the home helper with kubernetes.cluster existing and kubernetes.storage gluster (or use kubernetes.storage storage-class)",
            );
        }
        for (const h of helperHosts) {
            if (parseIpv4(h) === undefined && !isHostname(h)) {
                r.bad("kubernetes.gluster.helperHosts", h, "IPv4 addresses or host names of the storage nodes");
            }
        }
        if (!hasToken) {
            r.need(
                "kubernetes.gluster.helperToken",
                "is required with kubernetes.storage gluster on an existing cluster; set it with `pulumi config set --secret kubernetes.gluster.helperToken <token>`",
            );
        }
        if (helperToken && helperHosts.length > 0) {
            gluster = { helperHosts, helperToken };
        }
    } else {
        const why = `has no effect with kubernetes.storage ${storage}`;
        if (helperHosts.length > 0) r.need("kubernetes.gluster.helperHosts", why);
        if (hasToken) r.need("kubernetes.gluster.helperToken", why);
    }
    return { kubeconfig, gluster, storageClass, nodeCidr };
}

function readProxy(r: ConfigReader, cluster: ClusterSource): KubernetesConfig["proxy"] {
    const requested = r.oneOf<ProxyServiceType>("kubernetes.proxy.serviceType");
    const externalIps = r.list("kubernetes.proxy.externalIps");
    for (const ip of externalIps) {
        if (parseIpv4(ip) === undefined) {
            r.bad("kubernetes.proxy.externalIps", ip, "IPv4 addresses of nodes");
        }
    }
    if (cluster === "openstack" && (requested !== "auto" || externalIps.length > 0)) {
        const key = requested !== "auto" ? "kubernetes.proxy.serviceType" : "kubernetes.proxy.externalIps";
        r.bad(
            key,
            requested !== "auto" ? requested : externalIps.join(","),
            "auto (the default) with kubernetes.cluster openstack",
            "users reach the cluster built here through the entry node's floating IP, which the program sets as the Service's external IP",
        );
    }
    const serviceType = requested === "auto" ? (cluster === "openstack" ? "ClusterIP" : "LoadBalancer") : requested;
    const nodePort = (key: string): number | undefined => {
        const n = r.int(key, 0, NODE_PORTS.max);
        if (n === 0) return undefined;
        if (serviceType !== "NodePort") {
            r.need(key, `has no effect with kubernetes.proxy.serviceType ${serviceType}; set it to 0 or use NodePort`);
        } else if (n < NODE_PORTS.min) {
            r.bad(key, n, `0 or a port from ${NODE_PORTS.min} to ${NODE_PORTS.max} (the default NodePort range)`);
        }
        return n;
    };
    const httpNodePort = nodePort("kubernetes.proxy.httpNodePort");
    const httpsNodePort = nodePort("kubernetes.proxy.httpsNodePort");
    return {
        serviceType,
        externalIps,
        ...(httpNodePort !== undefined ? { httpNodePort } : {}),
        ...(httpsNodePort !== undefined ? { httpsNodePort } : {}),
    };
}

function optionalImage<K extends "schedulerImage" | "pauseImage">(r: ConfigReader, key: string, field: K): Partial<Record<K, string>> {
    const ref = r.optStr(key);
    if (ref === undefined) return {};
    if (!isImageRef(ref)) {
        r.bad(key, ref, "an image reference such as registry.k8s.io/kube-scheduler:v1.33.5 or repo@sha256:<digest>");
    }
    return { [field]: ref } as Partial<Record<K, string>>;
}

function cidr(r: ConfigReader, key: string, minPrefix: number, maxPrefix: number): Cidr | undefined {
    const text = r.str(key);
    const parsed = parseCidr(text);
    if (!isCidr(parsed)) {
        r.bad(key, text, "an IPv4 CIDR such as 192.168.0.0/16", parsed.error);
        return undefined;
    }
    if (parsed.prefix < minPrefix || parsed.prefix > maxPrefix) {
        r.bad(key, text, `a prefix from /${minPrefix} to /${maxPrefix}`);
        return undefined;
    }
    return parsed;
}

function selector(r: ConfigReader, key: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const item of r.list(key)) {
        const label = parseLabel(item);
        if (!label) {
            r.bad(key, item, "node labels `key=value`, e.g. hub.jupyter.org/node-purpose=user");
        } else {
            out[label[0]] = label[1];
        }
    }
    return out;
}
