/**
 * Security-group rule tables per role (pure). Every rule is ingress and IPv4; OpenStack's default
 * egress rules stay in place. A rule's source is either CIDRs (admin CIDRs, the Internet, the pod
 * network) or another role's group (node-to-node traffic).
 */
import type { CalicoMode } from "../../config/types";

export type Role = "docker" | "controlPlane" | "worker" | "storage" | "entry";

export interface RuleSpec {
    /** Group the rule belongs to. */
    role: Role;
    description: string;
    protocol: "tcp" | "udp" | "icmp" | "4";
    portMin?: number;
    portMax?: number;
    /** Source: CIDR or the members of another role's group. */
    from: { cidr: string } | { role: Role };
}

export const PORTS = {
    ssh: 22,
    http: 80,
    https: 443,
    kubeApi: 6443,
    etcd: [2379, 2380] as const,
    kubelet: 10250,
    bgp: 179,
    vxlan: 4789,
    typha: 5473,
    glusterMgmt: [24007, 24008] as const,
    glusterBricks: [49152, 49251] as const,
    homesHelper: 24100,
} as const;

const ANYWHERE = "0.0.0.0/0";
/** Every TCP port but SSH: what the pod network may reach on a node without encapsulation. */
const POD_TCP_RANGES: readonly (readonly [number, number])[] = [
    [1, PORTS.ssh - 1],
    [PORTS.ssh + 1, 65535],
];

function tcp(role: Role, description: string, min: number, max: number, from: RuleSpec["from"]): RuleSpec {
    return { role, description, protocol: "tcp", portMin: min, portMax: max, from };
}

export interface DockerVmRuleParams {
    adminCidrs: readonly string[];
    /** The proxy's plain-HTTP port when TLS is off (hub.port), opened to everyone too. */
    plainHttpPort?: number;
}

/** The `dev` Docker VM: SSH (and so the Docker provider) from admin CIDRs, 80/443 public. */
export function dockerVmRules(p: DockerVmRuleParams): RuleSpec[] {
    return [
        ...p.adminCidrs.map((cidr) => tcp("docker", `SSH and the Docker provider from ${cidr}`, PORTS.ssh, PORTS.ssh, { cidr })),
        ...p.adminCidrs.map((cidr): RuleSpec => ({ role: "docker", description: `ICMP from ${cidr}`, protocol: "icmp", from: { cidr } })),
        tcp("docker", "HTTP (ACME HTTP-01 challenge)", PORTS.http, PORTS.http, { cidr: ANYWHERE }),
        tcp("docker", "HTTPS (the hub)", PORTS.https, PORTS.https, { cidr: ANYWHERE }),
        ...(p.plainHttpPort !== undefined && p.plainHttpPort !== PORTS.http && p.plainHttpPort !== PORTS.https
            ? [tcp("docker", "the hub over plain HTTP (TLS off)", p.plainHttpPort, p.plainHttpPort, { cidr: ANYWHERE })]
            : []),
    ];
}

export interface ClusterRuleParams {
    adminCidrs: readonly string[];
    calicoMode: CalicoMode;
    podCidr: string;
    /** The Tigera operator always runs Typha; kept as a switch for manifest installs. */
    typha: boolean;
}

/**
 * The `prod` cluster. Control planes and workers are both Kubernetes nodes: node-to-node rules
 * are written for each pair of node roles. Storage nodes accept Gluster traffic from workers (the
 * FUSE clients) and from each other.
 */
export function clusterRules(p: ClusterRuleParams): RuleSpec[] {
    const rules: RuleSpec[] = [];
    const nodeRoles: Role[] = ["controlPlane", "worker"];
    for (const role of [...nodeRoles, "storage"] as Role[]) {
        for (const cidr of p.adminCidrs) {
            rules.push(tcp(role, `SSH from ${cidr}`, PORTS.ssh, PORTS.ssh, { cidr }));
        }
    }
    for (const cidr of p.adminCidrs) {
        rules.push(tcp("controlPlane", `Kubernetes API from ${cidr}`, PORTS.kubeApi, PORTS.kubeApi, { cidr }));
    }
    for (const from of nodeRoles) {
        rules.push(tcp("controlPlane", `Kubernetes API from ${from}`, PORTS.kubeApi, PORTS.kubeApi, { role: from }));
    }
    rules.push(
        tcp("controlPlane", "etcd peers and clients between control planes", PORTS.etcd[0], PORTS.etcd[1], { role: "controlPlane" }),
    );

    for (const to of nodeRoles) {
        for (const from of nodeRoles) {
            rules.push(tcp(to, `kubelet API from ${from}`, PORTS.kubelet, PORTS.kubelet, { role: from }));
            if (p.calicoMode === "ipip" || p.calicoMode === "bgp") {
                rules.push(tcp(to, `Calico BGP from ${from}`, PORTS.bgp, PORTS.bgp, { role: from }));
            }
            if (p.calicoMode === "ipip") {
                rules.push({ role: to, description: `Calico IP-in-IP from ${from}`, protocol: "4", from: { role: from } });
            }
            if (p.calicoMode === "vxlan") {
                rules.push({
                    role: to,
                    description: `Calico VXLAN from ${from}`,
                    protocol: "udp",
                    portMin: PORTS.vxlan,
                    portMax: PORTS.vxlan,
                    from: { role: from },
                });
            }
            if (p.typha) {
                rules.push(tcp(to, `Calico Typha from ${from}`, PORTS.typha, PORTS.typha, { role: from }));
            }
        }
        if (p.calicoMode === "bgp") {
            // Unencapsulated pod traffic carries pod addresses (also allowed on the ports as
            // address pairs, else Neutron's anti-spoofing drops it). A rule matches ports, not the
            // destination address, so "any TCP from the pod network" would open the nodes' own SSH
            // to every pod: TCP is opened around it. The Kubernetes API stays reachable (pods reach
            // it through the kubernetes Service, whose DNAT keeps the pod's source address).
            for (const [min, max] of POD_TCP_RANGES) {
                rules.push(tcp(to, `pod network tcp ${min}-${max} (Calico without encapsulation)`, min, max, { cidr: p.podCidr }));
            }
            for (const proto of ["udp", "icmp"] as const) {
                rules.push({
                    role: to,
                    description: `pod network ${proto} (Calico without encapsulation)`,
                    protocol: proto,
                    from: { cidr: p.podCidr },
                });
            }
        }
    }

    for (const from of ["worker", "storage"] as Role[]) {
        rules.push(tcp("storage", `GlusterFS management from ${from}`, PORTS.glusterMgmt[0], PORTS.glusterMgmt[1], { role: from }));
        rules.push(tcp("storage", `GlusterFS bricks from ${from}`, PORTS.glusterBricks[0], PORTS.glusterBricks[1], { role: from }));
    }
    rules.push(
        tcp("storage", "home/quota helper from workers (token-protected)", PORTS.homesHelper, PORTS.homesHelper, { role: "worker" }),
    );

    rules.push(tcp("entry", "HTTP (the hub's proxy)", PORTS.http, PORTS.http, { cidr: ANYWHERE }));
    rules.push(tcp("entry", "HTTPS (the hub's proxy)", PORTS.https, PORTS.https, { cidr: ANYWHERE }));
    return rules;
}

/** Roles a rule table uses (each gets one security group). */
export function rolesOf(rules: readonly RuleSpec[]): Role[] {
    const out = new Set<Role>();
    for (const r of rules) {
        out.add(r.role);
        if ("role" in r.from) {
            out.add(r.from.role);
        }
    }
    return [...out];
}

/** Whether a node's port needs the pod CIDR as an allowed address pair. */
export function needsPodAddressPairs(mode: CalicoMode): boolean {
    return mode === "bgp";
}
