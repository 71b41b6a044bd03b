/** openstack.*: credentials, network, VM sizes and counts for the docker-vm and kubernetes topologies. */
import type { ConfigReader } from "../reader";
import { isSshPublicKey, isUrl } from "../formats";
import { isCidr, parseCidr, parseIpv4, type Cidr } from "../cidr";
import type { OpenStackConfig, Topology } from "../types";

export interface OpenStackRead {
    config: OpenStackConfig;
    networkCidr?: Cidr;
}

/**
 * `env` is the process environment: the OpenStack provider also authenticates from OS_CLOUD /
 * OS_AUTH_URL, so those count as credentials too.
 */
export function readOpenStack(r: ConfigReader, topology: Topology, env: Readonly<Record<string, string | undefined>>): OpenStackRead {
    const cloud = r.optStr("openstack.cloud");
    const authUrl = r.optStr("openstack.authUrl");
    if (authUrl !== undefined && !isUrl(authUrl, ["https:", "http:"])) {
        r.bad("openstack.authUrl", authUrl, "the Keystone URL, e.g. https://keystone.example.org:5000/v3");
    }
    const username = r.optStr("openstack.username");
    const password = r.secret("openstack.password");
    const projectName = r.optStr("openstack.projectName");
    const applicationCredentialId = r.optStr("openstack.applicationCredentialId");
    const applicationCredentialSecret = r.secret("openstack.applicationCredentialSecret");
    if (cloud === undefined && authUrl === undefined && !env.OS_CLOUD && !env.OS_AUTH_URL) {
        r.need("openstack.cloud", `or openstack.authUrl is required for topology ${topology} (or export OS_CLOUD / OS_AUTH_URL)`);
    }
    if (authUrl !== undefined) {
        const hasAppCred = applicationCredentialId !== undefined && r.peekSecret("openstack.applicationCredentialSecret") !== undefined;
        const hasPassword = username !== undefined && r.peekSecret("openstack.password") !== undefined && projectName !== undefined;
        if (!hasAppCred && !hasPassword) {
            r.need(
                "openstack.authUrl",
                "needs credentials: openstack.username + openstack.password (secret) + openstack.projectName, or openstack.applicationCredentialId + openstack.applicationCredentialSecret (secret)",
            );
        }
    }

    const externalNetwork = required(r, "openstack.externalNetwork", topology, "the router and floating IP attach to it");
    const sshPublicKey = required(r, "openstack.sshPublicKey", topology, "it is how operators and the Docker provider reach the VMs");
    if (sshPublicKey !== "" && !isSshPublicKey(sshPublicKey)) {
        r.bad("openstack.sshPublicKey", `${sshPublicKey.slice(0, 20)}…`, "one OpenSSH public key line (ssh-ed25519 AAAA... comment)");
    }
    const adminCidrs = r.list("openstack.adminCidrs");
    if (adminCidrs.length === 0) {
        r.need(
            "openstack.adminCidrs",
            `needs at least one CIDR for topology ${topology}: SSH${topology === "kubernetes" ? " and the Kubernetes API are" : " is"} only open to these`,
        );
    }
    for (const c of adminCidrs) {
        const parsed = parseCidr(c);
        if (!isCidr(parsed)) {
            r.bad("openstack.adminCidrs", c, "IPv4 CIDRs such as 192.0.2.0/24", parsed.error);
        }
    }
    const networkCidr = readNetworkCidr(r);
    const dnsServers = r.list("openstack.dnsServers");
    for (const d of dnsServers) {
        if (parseIpv4(d) === undefined) {
            r.bad("openstack.dnsServers", d, "IPv4 addresses");
        }
    }

    const gb = (key: string, min: number): number => r.int(key, min, 65536, `a size in GB from ${min} to 65536`);
    const config: OpenStackConfig = {
        cloud,
        authUrl,
        region: r.optStr("openstack.region"),
        username,
        password,
        projectName,
        userDomainName: r.str("openstack.userDomainName"),
        projectDomainName: r.str("openstack.projectDomainName"),
        applicationCredentialId,
        applicationCredentialSecret,
        externalNetwork,
        image: required(r, "openstack.image", topology, "every VM boots from it"),
        flavors: {
            docker: required(r, "openstack.flavors.docker", topology, "the Docker VM uses it"),
            controlPlane: required(r, "openstack.flavors.controlPlane", topology, "control-plane VMs use it"),
            worker: required(r, "openstack.flavors.worker", topology, "worker VMs use it"),
            storage: required(r, "openstack.flavors.storage", topology, "storage VMs use it"),
        },
        sshPublicKey,
        adminCidrs,
        networkCidr: networkCidr?.text ?? r.str("openstack.networkCidr"),
        dnsServers,
        volumes: {
            bootGb: gb("openstack.volumes.bootGb", 10),
            homeGb: gb("openstack.volumes.homeGb", 1),
            dockerGb: gb("openstack.volumes.dockerGb", 10),
            brickGb: gb("openstack.volumes.brickGb", 1),
        },
        nodes: readNodes(r, topology),
    };
    return { config, networkCidr };
}

function required(r: ConfigReader, key: string, topology: Topology, why: string): string {
    const v = r.optStr(key);
    if (v === undefined) {
        r.need(key, `is required for topology ${topology}: ${why}`);
        return "";
    }
    return v;
}

function readNetworkCidr(r: ConfigReader): Cidr | undefined {
    const text = r.str("openstack.networkCidr");
    const parsed = parseCidr(text);
    if (!isCidr(parsed)) {
        r.bad("openstack.networkCidr", text, "an IPv4 CIDR such as 10.20.0.0/24", parsed.error);
        return undefined;
    }
    if (parsed.prefix > 28 || parsed.prefix < 8) {
        r.bad("openstack.networkCidr", text, "a prefix from /8 to /28");
        return undefined;
    }
    return parsed;
}

function readNodes(r: ConfigReader, topology: Topology): OpenStackConfig["nodes"] {
    const controlPlane = r.int("openstack.nodes.controlPlane", 1, 7);
    if (![1, 3, 5].includes(controlPlane)) {
        r.bad("openstack.nodes.controlPlane", controlPlane, "1, 3 or 5", "etcd needs an odd number of members for quorum");
    }
    const workers = r.int("openstack.nodes.workers", 1, 500);
    const storage = r.int("openstack.nodes.storage", 1, 99);
    if (topology === "kubernetes" && storage !== 1 && storage % 3 !== 0) {
        r.bad("openstack.nodes.storage", storage, "1 (no replication) or a multiple of 3 (replica-3 Gluster volume)");
    }
    return { controlPlane, workers, storage };
}
