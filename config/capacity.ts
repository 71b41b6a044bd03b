/**
 * Capacity planning from measured figures: how many user servers fit a node, and the warnings
 * `preview` and `up` print when the configured guarantees, placeholders or expected users do not
 * fit. docs/capacity.md's table is rendered from the same figures (`npm run docs:config`).
 */
import type { Topology } from "./types";

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/**
 * Memory of the default single-user image and of what runs beside it, measured by `npm run bench`
 * (docs/capacity.md names the run): `docker stats` memory (cgroup usage without page cache) of a
 * server right after it started (p95 of 48) and of one whose kernel works on numpy arrays (max
 * of 3); the hub's and proxy's growth per running server; one containerd shim per container (PSS).
 */
export const MEASURED_MEMORY = Object.freeze({
    idleServerBytes: 109.4 * MiB,
    activeServerBytes: 178.8 * MiB,
    hubPerServerBytes: 0.18 * MiB,
    proxyPerServerBytes: 0.11 * MiB,
    shimPerServerBytes: 2.8 * MiB,
    /** Hub (110 MiB) and proxy (23 MiB) at rest, rounded up for growth. */
    hubAndProxyBytes: 0.2 * GiB,
});

/** What one more running server costs beyond its own container: hub, proxy, shim. */
const PER_SERVER_OVERHEAD_BYTES =
    MEASURED_MEMORY.hubPerServerBytes + MEASURED_MEMORY.proxyPerServerBytes + MEASURED_MEMORY.shimPerServerBytes;

/**
 * Kept free on every node: the OS and kernel (1 GiB) and the Docker engine or kubelet with the
 * container runtime (0.5 GiB; dockerd + containerd measured 0.16 GiB, rounded up for image
 * pulls), plus a share of RAM for the page cache, without which every file access of a notebook
 * goes to disk.
 */
export const NODE_RESERVED_BYTES = 1.5 * GiB;
export const PAGE_CACHE_SHARE = 0.1;

export interface CapacityInput {
    topology: Topology;
    expectedUsers: number;
    /** Nodes that run user servers; undefined when unknown. */
    nodes?: number;
    /** Memory of one such node; undefined when unknown. */
    nodeMemoryBytes?: number;
    /** kubernetes.userPlaceholders (0 elsewhere). */
    placeholders: number;
    /** singleuser.memory.guarantee: what a user pod requests on Kubernetes (and a soft reservation on Docker). */
    guaranteeBytes?: number;
    /** hub.activeServerLimit; 0: unlimited. */
    activeServerLimit: number;
}

/** A size for a message: whole Gi or Mi when exact, else rounded (6.3Gi). */
function size(bytes: number): string {
    if (bytes % GiB === 0) {
        return `${bytes / GiB}Gi`;
    }
    return bytes >= GiB ? `${(bytes / GiB).toFixed(1)}Gi` : `${Math.round(bytes / MiB)}Mi`;
}

/** Memory one running server takes on its node, for planning: its guarantee (what Kubernetes reserves), or what it holds idle. */
export function plannedServerBytes(guaranteeBytes: number | undefined, topology: Topology = "kubernetes"): number {
    // DockerSpawner has no memory guarantee: on Docker a server takes what it uses.
    const reserved = topology === "kubernetes" ? (guaranteeBytes ?? 0) : 0;
    return Math.max(reserved, MEASURED_MEMORY.idleServerBytes) + PER_SERVER_OVERHEAD_BYTES;
}

/** Memory one server takes while its kernel computes (the measured light workload). */
export function activeServerBytes(): number {
    return MEASURED_MEMORY.activeServerBytes + PER_SERVER_OVERHEAD_BYTES;
}

/** What one node has for servers: its memory less the page-cache share and the reserve. */
export function nodeServerMemory(nodeMemoryBytes: number): number {
    return Math.max(0, nodeMemoryBytes * (1 - PAGE_CACHE_SHARE) - NODE_RESERVED_BYTES);
}

/** Memory left for user servers on `nodes` nodes of `nodeMemoryBytes` each, after the reserves and the hub. */
export function userServerMemory(nodes: number, nodeMemoryBytes: number): number {
    return nodes * nodeServerMemory(nodeMemoryBytes) - MEASURED_MEMORY.hubAndProxyBytes;
}

/** Servers that fit, each taking `perServerBytes`. */
export function serversThatFit(nodes: number, nodeMemoryBytes: number, perServerBytes: number): number {
    return Math.max(0, Math.floor(userServerMemory(nodes, nodeMemoryBytes) / perServerBytes));
}

export function capacityWarnings(c: CapacityInput): string[] {
    const out: string[] = [];
    const kube = c.topology === "kubernetes";
    if (kube && c.placeholders > 0 && c.guaranteeBytes === undefined) {
        out.push(
            `kubernetes.userPlaceholders (${c.placeholders}) keep no room: a placeholder requests singleuser.memory.guarantee, which is empty, so it reserves nothing; set a guarantee (e.g. 512Mi) or kubernetes.userPlaceholders 0`,
        );
    }
    if (c.activeServerLimit > 0 && c.expectedUsers > c.activeServerLimit) {
        out.push(
            `capacity.expectedUsers (${c.expectedUsers}) is above hub.activeServerLimit (${c.activeServerLimit}): ${c.expectedUsers - c.activeServerLimit} of them cannot start a server while the others run`,
        );
    }
    if (c.expectedUsers === 0 && (c.placeholders === 0 || c.guaranteeBytes === undefined)) {
        return out;
    }
    if (c.nodeMemoryBytes === undefined || c.nodes === undefined) {
        if (c.expectedUsers > 0) {
            out.push(
                `capacity.expectedUsers (${c.expectedUsers}) is not checked against the nodes: set capacity.nodeMemory${kube ? " (and capacity.nodes on an existing cluster)" : ""}`,
            );
        }
        return out;
    }
    const perNode = nodeServerMemory(c.nodeMemoryBytes);
    const where = `${c.nodes} node${c.nodes === 1 ? "" : "s"} of ${size(c.nodeMemoryBytes)} (capacity.nodeMemory; each keeps ${size(NODE_RESERVED_BYTES)} and ${PAGE_CACHE_SHARE * 100}% for the system and page cache, ${size(MEASURED_MEMORY.hubAndProxyBytes)} go to the hub and proxy)`;
    if (kube && c.guaranteeBytes !== undefined && c.guaranteeBytes > perNode) {
        out.push(
            `singleuser.memory.guarantee (${size(c.guaranteeBytes)}) is more than one node has for servers (${size(perNode)} of ${size(c.nodeMemoryBytes)}): no server can be placed`,
        );
        return out;
    }
    const available = userServerMemory(c.nodes, c.nodeMemoryBytes);
    const reserved = kube && c.guaranteeBytes !== undefined ? c.placeholders * c.guaranteeBytes : 0;
    if (reserved > available) {
        out.push(
            `kubernetes.userPlaceholders (${c.placeholders}) × singleuser.memory.guarantee (${size(c.guaranteeBytes ?? 0)}) = ${size(reserved)}, more than the ${size(Math.max(0, available))} left for servers on ${where}: the placeholders alone fill the nodes`,
        );
        return out;
    }
    if (c.expectedUsers === 0) {
        return out;
    }
    const perServer = plannedServerBytes(c.guaranteeBytes, c.topology);
    const needed = c.expectedUsers * perServer + reserved;
    const fit = (per: number): number => Math.max(0, Math.floor((available - reserved) / per));
    if (needed > available) {
        const basis =
            kube && c.guaranteeBytes !== undefined
                ? `singleuser.memory.guarantee ${size(c.guaranteeBytes)}`
                : `what an idle server of the default image holds, measured`;
        out.push(
            `capacity.expectedUsers (${c.expectedUsers}) do not fit: ${size(perServer)} each (${basis}, with its share of hub, proxy and runtime)${reserved ? ` and ${size(reserved)} for the placeholders` : ""} is ${size(needed)}, more than the ${size(Math.max(0, available))} left for servers on ${where}; about ${fit(perServer)} fit. ${kube ? "Servers beyond that stay Pending." : "Beyond that the host runs out of memory and the kernel's OOM killer ends kernels."} Add nodes or memory${kube ? ", or lower the guarantee" : ", or lower capacity.expectedUsers"}`,
        );
        return out;
    }
    const active = activeServerBytes();
    if (!kube && c.expectedUsers * active > available) {
        out.push(
            `capacity.expectedUsers (${c.expectedUsers}) fit while idle but not when they compute at once: ${size(active)} each for a light numpy workload (measured) is ${size(c.expectedUsers * active)}, more than the ${size(Math.max(0, available))} left for servers on ${where}; about ${fit(active)} fit then, and beyond that the kernel's OOM killer ends kernels (docs/capacity.md)`,
        );
    }
    return out;
}

/** The users-per-node table of docs/capacity.md, from the same figures and functions as the warnings. */
export function renderCapacityTable(): string {
    const sizes = [8, 16, 32, 64].map((g) => g * GiB);
    const columns: [string, number][] = [
        [`all idle (${size(plannedServerBytes(undefined, "docker-vm"))} each)`, plannedServerBytes(undefined, "docker-vm")],
        [`all active, light (${size(activeServerBytes())} each)`, activeServerBytes()],
        ["512Mi each (guarantee or no over-commit)", plannedServerBytes(512 * MiB)],
        ["1Gi each", plannedServerBytes(1 * GiB)],
        ["2G each (the default limit)", plannedServerBytes(2e9)],
    ];
    const lines = [
        `| node memory | for servers | ${columns.map(([name]) => name).join(" | ")} |`,
        `|---:|---:|${columns.map(() => "---:").join("|")}|`,
        ...sizes.map(
            (m) =>
                `| ${size(m)} | ${size(userServerMemory(1, m))} | ${columns.map(([, per]) => String(serversThatFit(1, m, per))).join(" | ")} |`,
        ),
    ];
    return lines.join("\n");
}
