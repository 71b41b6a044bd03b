/** kubernetes.*: cluster version, networks, Calico, storage and hub add-ons. */
import type { ConfigReader } from "../reader";
import { isDnsLabel, isSemver, parseLabel } from "../formats";
import { cidrsOverlap, isCidr, parseCidr, type Cidr } from "../cidr";
import type { CalicoMode, KubernetesConfig, StorageBackend } from "../types";

/** kubeadm's v1beta4 configuration API, which the cluster bootstrap renders, starts at 1.31. */
const MIN_MINOR = 31;

export function readKubernetes(r: ConfigReader, nodeNetwork: Cidr | undefined): KubernetesConfig {
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
    return {
        version,
        namespace,
        podCidr: pod?.text ?? r.str("kubernetes.podCidr"),
        serviceCidr: service?.text ?? r.str("kubernetes.serviceCidr"),
        calicoMode: r.oneOf<CalicoMode>("kubernetes.calico.mode"),
        calicoVersion,
        storage: r.oneOf<StorageBackend>("kubernetes.storage"),
        userPlaceholders: r.int("kubernetes.userPlaceholders", 0, 1000),
        imagePuller: r.bool("kubernetes.imagePuller"),
        userScheduler: r.bool("kubernetes.userScheduler"),
        networkPolicies: r.bool("kubernetes.networkPolicies"),
        coreNodeSelector: selector(r, "kubernetes.coreNodeSelector"),
        userNodeSelector: selector(r, "kubernetes.userNodeSelector"),
    };
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
