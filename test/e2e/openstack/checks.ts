/**
 * What the OpenStack end-to-end test reads back from the local OpenStack with the `openstack`
 * CLI after a `pulumi up`, and compares with what the program means to create: the rule tables
 * of securityRules.ts, the ports' groups and address pairs, volumes on the right instances,
 * floating IPs on the right ports, the key pair, and each instance's user-data equal to the
 * program's own renderer fed with the IDs and addresses read back (and, for the cluster, the
 * PKI and tokens from the stack's state).
 */
import type { DockerVmOnOpenStackConfig, KubernetesOnOpenStackConfig } from "../../../config/types";
import { caCertHash } from "../../../components/kubeadm/kubeadmConfig";
import { dockerVmUserData } from "../../../components/openstack/dockerVm";
import { namePrefix } from "../../../components/openstack/foundation";
import { glusterParams } from "../../../components/openstack/glusterStorage";
import { controlPlaneUserData, workerUserData, type ClusterFacts } from "../../../components/openstack/kubeadmNodes";
import { renderStorageUserData } from "../../../components/openstack/clusterCloudInit";
import { ruleKey } from "../../../components/openstack/securityGroups";
import { clusterRules, dockerVmRules, needsPodAddressPairs, type Role, type RuleSpec } from "../../../components/openstack/securityRules";
import { METADATA_KEYS, serverMetadata } from "../../../components/openstack/server";
import { EXTERNAL_NETWORK, IMAGE, os, stateByName } from "./lib";

// ------------------------------------------------------------------ read back

export interface ServerView {
    id: string;
    name: string;
    status: string;
    flavor: string;
    image: string;
    keyName: string;
    properties: Record<string, string>;
    /** Volume ID → delete on termination (microversion 2.3). */
    volumes: Map<string, boolean>;
    userData: string;
}

interface RawServer {
    id: string;
    name: string;
    status: string;
    flavor: string;
    image: string;
    key_name: string;
    properties: Record<string, string>;
    volumes_attached: { id: string; delete_on_termination?: boolean }[];
    "OS-EXT-SRV-ATTR:user_data": string | null;
}

/** A server by name, with its user-data (admin, compute microversion 2.3). */
export async function readServer(name: string): Promise<ServerView> {
    const { id } = await os<{ id: string }>(["server", "show", name]);
    const s = await os<RawServer>(["server", "show", id], { admin: true, computeVersion: "2.3" });
    return {
        id: s.id,
        name: s.name,
        status: s.status,
        flavor: s.flavor,
        image: s.image,
        keyName: s.key_name,
        properties: s.properties,
        volumes: new Map(s.volumes_attached.map((v) => [v.id, v.delete_on_termination === true])),
        userData: Buffer.from(s["OS-EXT-SRV-ATTR:user_data"] ?? "", "base64").toString("utf8"),
    };
}

export interface PortView {
    id: string;
    deviceId: string;
    fixedIp: string;
    subnetId: string;
    securityGroupIds: string[];
    allowedAddressPairs: string[];
}

export async function readPort(name: string): Promise<PortView> {
    const p = await os<{
        id: string;
        device_id: string;
        fixed_ips: { subnet_id: string; ip_address: string }[];
        security_group_ids: string[];
        allowed_address_pairs: { ip_address: string }[];
    }>(["port", "show", name]);
    return {
        id: p.id,
        deviceId: p.device_id,
        fixedIp: p.fixed_ips[0]?.ip_address ?? "",
        subnetId: p.fixed_ips[0]?.subnet_id ?? "",
        securityGroupIds: [...p.security_group_ids].sort(),
        allowedAddressPairs: p.allowed_address_pairs.map((a) => a.ip_address).sort(),
    };
}

export interface VolumeView {
    id: string;
    name: string;
    size: number;
    status: string;
    description: string;
    properties: Record<string, string>;
    attachedTo: string[];
    imageName?: string;
}

export async function readVolume(idOrName: string): Promise<VolumeView> {
    const v = await os<{
        id: string;
        name: string;
        size: number;
        status: string;
        description: string;
        properties: Record<string, string>;
        attachments: { server_id: string }[];
        volume_image_metadata?: Record<string, string>;
    }>(["volume", "show", idOrName]);
    return {
        id: v.id,
        name: v.name,
        size: v.size,
        status: v.status,
        description: v.description,
        properties: v.properties ?? {},
        attachedTo: v.attachments.map((a) => a.server_id),
        imageName: v.volume_image_metadata?.image_name,
    };
}

interface FloatingIpRow {
    ID: string;
    "Floating IP Address": string;
    "Fixed IP Address": string | null;
    Port: string | null;
}

export async function floatingIps(): Promise<FloatingIpRow[]> {
    return os<FloatingIpRow[]>(["floating", "ip", "list"]);
}

interface RawRule {
    direction: string;
    ethertype: string;
    protocol: string | null;
    port_range_min: number | null;
    port_range_max: number | null;
    remote_ip_prefix: string | null;
    remote_group_id: string | null;
    description: string | null;
}

/** The stack's security groups by role, with their rules (one `show` per group). */
export async function readGroups(prefix: string, roles: readonly Role[]): Promise<Map<Role, { id: string; rules: RawRule[] }>> {
    const out = new Map<Role, { id: string; rules: RawRule[] }>();
    for (const role of roles) {
        const g = await os<{ id: string; rules: RawRule[] }>(["security", "group", "show", `${prefix}-${role}`]);
        out.set(role, { id: g.id, rules: g.rules });
    }
    return out;
}

// ------------------------------------------------------------------ compare

/** A failure message when two texts differ, without their content (user-data holds secrets). */
export function textDiff(what: string, actual: string, expected: string): string | undefined {
    if (actual === expected) return undefined;
    const a = actual.split("\n");
    const e = expected.split("\n");
    const line = a.findIndex((l, i) => l !== e[i]);
    return `${what}: differs from the rendered user-data at line ${(line < 0 ? Math.min(a.length, e.length) : line) + 1} (${a.length} lines in Nova, ${e.length} rendered)`;
}

export function expectEqual(what: string, actual: unknown, expected: unknown): string | undefined {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    return a === e ? undefined : `${what}: ${a} != expected ${e}`;
}

function sorted(xs: readonly string[]): string[] {
    return [...xs].sort();
}

/** One line per rule, the way both sides can be written: group, direction, protocol, ports, source, description. */
function ruleLine(
    group: string,
    r: {
        direction: string;
        ethertype: string;
        protocol: string | null;
        min: number | null;
        max: number | null;
        from: string;
        description: string;
    },
): string {
    return `${group} ${r.direction} ${r.ethertype} ${r.protocol ?? "any"} ${r.min ?? "*"}-${r.max ?? "*"} from ${r.from} "${r.description}"`;
}

/** The rules the program's table asks for, plus the two egress rules Neutron gives every group. */
export function expectedRuleLines(rules: readonly RuleSpec[], roles: readonly Role[]): string[] {
    const seen = new Set<string>();
    const lines: string[] = [];
    for (const rule of rules) {
        const key = `${rule.role}-${ruleKey(rule)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        lines.push(
            ruleLine(rule.role, {
                direction: "ingress",
                ethertype: "IPv4",
                protocol: rule.protocol,
                min: rule.portMin ?? null,
                max: rule.portMax ?? null,
                from: "cidr" in rule.from ? rule.from.cidr : `group ${rule.from.role}`,
                description: rule.description,
            }),
        );
    }
    for (const role of roles) {
        for (const ethertype of ["IPv4", "IPv6"]) {
            lines.push(
                ruleLine(role, { direction: "egress", ethertype, protocol: null, min: null, max: null, from: "anywhere", description: "" }),
            );
        }
    }
    return lines.sort();
}

export function actualRuleLines(groups: Map<Role, { id: string; rules: RawRule[] }>): string[] {
    const roleById = new Map([...groups].map(([role, g]) => [g.id, role]));
    const lines: string[] = [];
    for (const [role, g] of groups) {
        for (const r of g.rules) {
            lines.push(
                ruleLine(role, {
                    direction: r.direction,
                    ethertype: r.ethertype,
                    protocol: r.protocol,
                    min: r.port_range_min,
                    max: r.port_range_max,
                    from: r.remote_group_id
                        ? `group ${roleById.get(r.remote_group_id) ?? r.remote_group_id}`
                        : (r.remote_ip_prefix ?? "anywhere"),
                    description: r.description ?? "",
                }),
            );
        }
    }
    return lines.sort();
}

/**
 * SSH (22) and the Kubernetes API (6443) reachable only from the given CIDRs (the admin CIDRs;
 * for the API without encapsulation also the pod network) or from node groups. A rule without a
 * port range covers every port.
 */
export function adminOnlyProblems(
    groups: Map<Role, { id: string; rules: RawRule[] }>,
    allowed: { ssh: readonly string[]; api: readonly string[] },
): string[] {
    const problems: string[] = [];
    for (const [role, g] of groups) {
        for (const r of g.rules) {
            if (r.direction !== "ingress") continue;
            for (const [port, cidrs] of [
                [22, allowed.ssh],
                [6443, allowed.api],
            ] as const) {
                const covers = r.port_range_min === null || (r.port_range_min <= port && (r.port_range_max ?? r.port_range_min) >= port);
                const tcp = r.protocol === null || r.protocol === "tcp" || r.protocol === "6";
                if (!covers || !tcp || r.remote_group_id) continue;
                if (!r.remote_ip_prefix || !cidrs.includes(r.remote_ip_prefix)) {
                    problems.push(`${role}: port ${port} open from ${r.remote_ip_prefix ?? "anywhere"}`);
                }
            }
        }
    }
    return problems;
}

// ------------------------------------------------------------------ per stack

/** A named check and its problem (undefined: passed). */
export type Finding = [string, string | undefined];

/** The shared parts: network, subnet, router, key pair. */
async function foundationFindings(
    prefix: string,
    networkCidr: string,
    sshPublicKey: string,
): Promise<{ findings: Finding[]; subnetId: string }> {
    const findings: Finding[] = [];
    const subnet = await os<{ id: string; cidr: string; enable_dhcp: boolean; network_id: string }>(["subnet", "show", `${prefix}-subnet`]);
    const network = await os<{ id: string }>(["network", "show", `${prefix}-net`]);
    const external = await os<{ id: string }>(["network", "show", EXTERNAL_NETWORK]);
    const router = await os<{ external_gateway_info: { network_id: string } | null; interfaces_info: { subnet_id: string }[] }>([
        "router",
        "show",
        `${prefix}-router`,
    ]);
    findings.push([
        "network, subnet (CIDR, DHCP) and router (gateway on the external network, interface on the subnet)",
        expectEqual(
            "network",
            {
                cidr: subnet.cidr,
                dhcp: subnet.enable_dhcp,
                network: subnet.network_id === network.id,
                gateway: router.external_gateway_info?.network_id === external.id,
                interface: router.interfaces_info.map((i) => i.subnet_id),
            },
            { cidr: networkCidr, dhcp: true, network: true, gateway: true, interface: [subnet.id] },
        ),
    ]);
    const publicKey = (await os<string>(["keypair", "show", "--public-key", `${prefix}-key`], { json: false })).trim();
    findings.push(["key pair holds openstack.sshPublicKey", expectEqual("public key", publicKey, sshPublicKey.trim())]);
    return { findings, subnetId: subnet.id };
}

/** Boot volume: made by Nova from the image, bootGb, deleted with the instance. */
async function bootVolumeFinding(server: ServerView, dataVolumeIds: readonly string[], bootGb: number): Promise<string | undefined> {
    const boot = [...server.volumes].filter(([id]) => !dataVolumeIds.includes(id));
    if (boot.length !== 1) return `${server.name}: ${boot.length} volumes besides the data volumes, expected 1 boot volume`;
    const [bootId, deleteOnTermination] = boot[0];
    const v = await readVolume(bootId);
    return expectEqual(
        `${server.name} boot volume`,
        { size: v.size, image: v.imageName, deleteOnTermination, dataKept: dataVolumeIds.map((id) => server.volumes.get(id)) },
        { size: bootGb, image: IMAGE, deleteOnTermination: true, dataKept: dataVolumeIds.map(() => false) },
    );
}

export interface DevFacts {
    serverId: string;
    portId: string;
    floatingIp: string;
    volumeIds: { docker: string; home: string };
}

/** Everything of a dev (docker-vm) stack, read back and compared. */
export async function devFindings(
    config: DockerVmOnOpenStackConfig,
    outputs: Record<string, unknown>,
): Promise<{ findings: Finding[]; facts: DevFacts }> {
    const os_ = config.openstack;
    const prefix = namePrefix(config);
    const { findings, subnetId } = await foundationFindings(prefix, os_.networkCidr, os_.sshPublicKey);

    const server = await readServer(`${prefix}-docker`);
    const port = await readPort(`${prefix}-docker-port`);
    const docker = await readVolume(`${prefix}-docker-docker`);
    const home = await readVolume(`${prefix}-docker-home`);
    const groups = await readGroups(prefix, ["docker"]);
    const fip = (await floatingIps()).filter((f) => f.Port === port.id);

    findings.push([
        "instance ACTIVE with its flavor, key pair, metadata, booted from a volume",
        expectEqual(
            "instance",
            {
                status: server.status,
                flavor: server.flavor.split(" ")[0],
                key: server.keyName,
                properties: server.properties,
                image: server.image,
            },
            {
                status: "ACTIVE",
                flavor: os_.flavors.docker,
                key: `${prefix}-key`,
                properties: serverMetadata("docker", config.stack),
                image: "N/A (booted from volume)",
            },
        ),
    ]);
    findings.push([
        "port on the subnet with the docker group, bound to the instance, no address pairs",
        expectEqual(
            "port",
            {
                device: port.deviceId,
                subnet: port.subnetId,
                groups: port.securityGroupIds,
                pairs: port.allowedAddressPairs,
                ip: port.fixedIp,
            },
            { device: server.id, subnet: subnetId, groups: [groups.get("docker")!.id], pairs: [], ip: outputs.privateIp },
        ),
    ]);
    findings.push([
        "floating IP associated with the VM's port (the stack output)",
        expectEqual(
            "floating ip",
            fip.map((f) => [f["Floating IP Address"], f["Fixed IP Address"]]),
            [[outputs.floatingIp, port.fixedIp]],
        ),
    ]);
    const volumes = { docker: os_.volumes.dockerGb, home: os_.volumes.homeGb };
    for (const [role, v] of [
        ["docker", docker],
        ["home", home],
    ] as const) {
        findings.push([
            `${role} volume: size, role metadata, attached to the instance only, the stack output`,
            expectEqual(
                `${role} volume`,
                { size: v.size, role: v.properties[METADATA_KEYS.role], status: v.status, attachedTo: v.attachedTo, id: v.id },
                { size: volumes[role], role, status: "in-use", attachedTo: [server.id], id: outputs[`${role}VolumeId`] },
            ),
        ]);
    }
    findings.push([
        "boot volume from the image, bootGb, deleted with the instance; data volumes not",
        await bootVolumeFinding(server, [docker.id, home.id], os_.volumes.bootGb),
    ]);

    const rules = dockerVmRules({
        adminCidrs: os_.adminCidrs,
        // As topologies/dockerVm.ts: the hub's plain port is opened only with TLS off.
        plainHttpPort: config.hub.tls.mode === "none" ? config.hub.port : undefined,
    });
    findings.push([
        "security group rules are exactly the docker-vm table (+ Neutron's egress)",
        expectEqual("rules", actualRuleLines(groups), expectedRuleLines(rules, ["docker"])),
    ]);
    const open = adminOnlyProblems(groups, { ssh: os_.adminCidrs, api: os_.adminCidrs });
    findings.push(["SSH only from the admin CIDRs", open.length ? open.join("; ") : undefined]);

    findings.push([
        "user-data in Nova equals dockerVmUserData() for the volume IDs read back",
        textDiff("user-data", server.userData, dockerVmUserData(config, { docker: docker.id, home: home.id })),
    ]);
    return {
        findings,
        facts: {
            serverId: server.id,
            portId: port.id,
            floatingIp: String(outputs.floatingIp),
            volumeIds: { docker: docker.id, home: home.id },
        },
    };
}

export interface ProdFacts {
    serverIds: Record<string, string>;
    brickVolumeIds: string[];
}

const CLUSTER_ROLES: Role[] = ["controlPlane", "worker", "storage", "entry"];

/** Everything of a prod (kubernetes on OpenStack) stack, read back and compared. */
export async function prodFindings(
    config: KubernetesOnOpenStackConfig,
    outputs: Record<string, unknown>,
): Promise<{ findings: Finding[]; facts: ProdFacts }> {
    const os_ = config.openstack;
    const kube = config.kubernetes;
    const prefix = namePrefix(config);
    const { findings, subnetId } = await foundationFindings(prefix, os_.networkCidr, os_.sshPublicKey);
    const groups = await readGroups(prefix, CLUSTER_ROLES);
    const gid = (r: Role) => groups.get(r)!.id;

    const nodes = [
        ...Array.from({ length: os_.nodes.controlPlane }, (_, i) => ({
            name: `cp-${i}`,
            role: "control-plane",
            flavor: os_.flavors.controlPlane,
            groups: [gid("controlPlane")],
            pairs: true,
        })),
        ...Array.from({ length: os_.nodes.workers }, (_, i) => ({
            name: `worker-${i}`,
            role: "worker",
            flavor: os_.flavors.worker,
            groups: i === 0 ? [gid("worker"), gid("entry")] : [gid("worker")],
            pairs: true,
        })),
        ...Array.from({ length: os_.nodes.storage }, (_, i) => ({
            name: `storage-${i}`,
            role: "storage",
            flavor: os_.flavors.storage,
            groups: [gid("storage")],
            pairs: false,
        })),
    ];
    const servers = new Map<string, ServerView>();
    const ports = new Map<string, PortView>();
    for (const n of nodes) {
        servers.set(n.name, await readServer(`${prefix}-${n.name}`));
        ports.set(n.name, await readPort(`${prefix}-${n.name}-port`));
    }
    const bricks = [];
    for (let i = 0; i < os_.nodes.storage; i++) bricks.push(await readVolume(`${prefix}-storage-${i}-brick`));
    const fips = await floatingIps();

    const pairs = needsPodAddressPairs(kube.calicoMode) ? [kube.podCidr] : [];
    for (const n of nodes) {
        const s = servers.get(n.name)!;
        const p = ports.get(n.name)!;
        findings.push([
            `${n.name}: ACTIVE, flavor, key pair, metadata; port with its groups${n.pairs && pairs.length ? ", the pod CIDR as allowed address pair" : ", no address pairs"}`,
            expectEqual(
                n.name,
                {
                    status: s.status,
                    flavor: s.flavor.split(" ")[0],
                    key: s.keyName,
                    properties: s.properties,
                    device: p.deviceId,
                    subnet: p.subnetId,
                    groups: p.securityGroupIds,
                    pairs: p.allowedAddressPairs,
                },
                {
                    status: "ACTIVE",
                    flavor: n.flavor,
                    key: `${prefix}-key`,
                    properties: serverMetadata(n.role, config.stack),
                    device: s.id,
                    subnet: subnetId,
                    groups: sorted(n.groups),
                    pairs: n.pairs ? pairs : [],
                },
            ),
        ]);
    }
    const fipOf = (portId: string) => fips.filter((f) => f.Port === portId).map((f) => f["Floating IP Address"]);
    findings.push([
        "API floating IP on control plane 0's port, entry floating IP on worker 0's port (the stack outputs)",
        expectEqual(
            "floating ips",
            { api: fipOf(ports.get("cp-0")!.id), entry: fipOf(ports.get("worker-0")!.id) },
            { api: [outputs.apiFloatingIp], entry: [outputs.entryFloatingIp] },
        ),
    ]);
    const ipsOf = (kind: string) => nodes.filter((n) => n.name.startsWith(`${kind}-`)).map((n) => ports.get(n.name)!.fixedIp);
    findings.push([
        "stack outputs: the ports' addresses and the brick volume IDs",
        expectEqual(
            "outputs",
            { cp: outputs.controlPlaneIps, workers: outputs.workerIps, storage: outputs.storageIps, bricks: outputs.brickVolumeIds },
            { cp: ipsOf("cp"), workers: ipsOf("worker"), storage: ipsOf("storage"), bricks: bricks.map((b) => b.id) },
        ),
    ]);
    bricks.forEach((b, i) => {
        const server = servers.get(`storage-${i}`)!;
        findings.push([
            `brick ${i}: size, role metadata, attached to storage-${i} only`,
            expectEqual(
                `brick ${i}`,
                { size: b.size, role: b.properties[METADATA_KEYS.role], status: b.status, attachedTo: b.attachedTo },
                { size: os_.volumes.brickGb, role: "brick", status: "in-use", attachedTo: [server.id] },
            ),
        ]);
    });
    for (const n of nodes) {
        const data = n.name.startsWith("storage-") ? [bricks[Number(n.name.split("-")[1])].id] : [];
        findings.push([
            `${n.name}: boot volume from the image, bootGb, deleted with the instance`,
            await bootVolumeFinding(servers.get(n.name)!, data, os_.volumes.bootGb),
        ]);
    }

    const rules = clusterRules({ adminCidrs: os_.adminCidrs, calicoMode: kube.calicoMode, podCidr: kube.podCidr, typha: true });
    findings.push([
        `security group rules are exactly the cluster table for ${kube.calicoMode} (+ Neutron's egress)`,
        expectEqual("rules", actualRuleLines(groups), expectedRuleLines(rules, CLUSTER_ROLES)),
    ]);
    // Without encapsulation pods reach the API through the kubernetes Service from their own addresses.
    const apiFromPods = needsPodAddressPairs(kube.calicoMode) ? [kube.podCidr] : [];
    const open = adminOnlyProblems(groups, { ssh: os_.adminCidrs, api: [...os_.adminCidrs, ...apiFromPods] });
    findings.push([
        `SSH only from the admin CIDRs, the Kubernetes API from them${apiFromPods.length ? " and the pod network" : ""} (and the node groups)`,
        open.length ? open.join("; ") : undefined,
    ]);

    // User-data: the secrets (token, PKI, helper token) from the state, the rest read back.
    const state = await stateByName(config.stack);
    const out = (name: string, key: string): string => {
        const v = state.get(name)?.outputs[key];
        if (typeof v !== "string") throw new Error(`state has no ${name}.${key}`);
        return v;
    };
    const facts: ClusterFacts = {
        version: kube.version,
        clusterName: prefix,
        podCidr: kube.podCidr,
        serviceCidr: kube.serviceCidr,
        token: `${out("cluster-token-id", "result")}.${out("cluster-token-secret", "result")}`,
        caCertHash: caCertHash(out("cluster-pki-ca-key", "publicKeyPem")),
        controlPlaneIps: ipsOf("cp"),
    };
    const pki = {
        caCert: out("cluster-pki-ca", "certPem"),
        caKey: out("cluster-pki-ca-key", "privateKeyPem"),
        frontProxyCaCert: out("cluster-pki-front-proxy-ca", "certPem"),
        frontProxyCaKey: out("cluster-pki-front-proxy-ca-key", "privateKeyPem"),
        etcdCaCert: out("cluster-pki-etcd-ca", "certPem"),
        etcdCaKey: out("cluster-pki-etcd-ca-key", "privateKeyPem"),
        saKey: out("cluster-pki-sa-key", "privateKeyPem"),
        saPub: out("cluster-pki-sa-key", "publicKeyPem"),
    };
    const gluster = glusterParams(config, ipsOf("storage"));
    const homesToken = out("gluster-homes-token", "result");
    for (const n of nodes) {
        const i = Number(n.name.split("-").pop());
        const expected = n.name.startsWith("cp-")
            ? controlPlaneUserData(facts, { pki, apiFloatingIp: String(outputs.apiFloatingIp) }, i)
            : n.name.startsWith("worker-")
              ? workerUserData(facts, gluster)
              : renderStorageUserData({ index: i, brickVolumeId: bricks[i].id, gluster, homesToken });
        findings.push([
            `${n.name}: user-data in Nova equals the rendered one`,
            textDiff(`${n.name} user-data`, servers.get(n.name)!.userData, expected),
        ]);
    }
    return {
        findings,
        facts: { serverIds: Object.fromEntries([...servers].map(([k, s]) => [k, s.id])), brickVolumeIds: bricks.map((b) => b.id) },
    };
}
