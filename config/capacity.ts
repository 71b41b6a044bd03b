/**
 * Capacity planning from measured figures: how many user servers fit a node, and the warnings
 * `preview` and `up` print when the configured guarantees, placeholders or expected users do not
 * fit. docs/capacity.md's table is rendered from the same figures (`npm run docs:config`).
 */
import type { Topology } from "./types";

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/**
 * Memory of the default single-user image and of the hub, measured by `npm run bench` (its
 * capacity rows; the file is named in docs/capacity.md). Resident memory (cgroup usage without page
 * cache) of a server right after it started and of one whose kernel holds a small working set.
 */
export const MEASURED_MEMORY = Object.freeze({
    idleServerBytes: 120 * MiB,
    activeServerBytes: 250 * MiB,
    hubBaseBytes: 200 * MiB,
    hubPerServerBytes: 1 * MiB,
    source: "bench/results (the capacity rows of npm run bench)",
});

/** Kept free on every node: the OS, the Docker engine or kubelet and container runtime, system pods. */
export const NODE_RESERVED_BYTES = 1 * GiB;

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

/** Memory one running server takes from its node, for planning: its guarantee, or what it holds idle. */
export function plannedServerBytes(guaranteeBytes: number | undefined): number {
    return Math.max(guaranteeBytes ?? 0, MEASURED_MEMORY.idleServerBytes) + MEASURED_MEMORY.hubPerServerBytes;
}

/** Memory left for user servers on `nodes` nodes of `nodeMemoryBytes` each, after the reserve and the hub. */
export function userServerMemory(nodes: number, nodeMemoryBytes: number): number {
    return nodes * Math.max(0, nodeMemoryBytes - NODE_RESERVED_BYTES) - MEASURED_MEMORY.hubBaseBytes;
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
    const perNode = c.nodeMemoryBytes - NODE_RESERVED_BYTES;
    const where = `${c.nodes} node${c.nodes === 1 ? "" : "s"} of ${size(c.nodeMemoryBytes)} (capacity.nodeMemory), ${size(NODE_RESERVED_BYTES)} of each kept for the system and ${size(MEASURED_MEMORY.hubBaseBytes)} for the hub`;
    if (c.guaranteeBytes !== undefined && c.guaranteeBytes > perNode) {
        out.push(
            `singleuser.memory.guarantee (${size(c.guaranteeBytes)}) is more than one node has for servers (${size(Math.max(0, perNode))} of ${size(c.nodeMemoryBytes)}): no server can be placed`,
        );
        return out;
    }
    const available = userServerMemory(c.nodes, c.nodeMemoryBytes);
    if (c.placeholders > 0 && c.guaranteeBytes !== undefined && c.placeholders * c.guaranteeBytes > available) {
        out.push(
            `kubernetes.userPlaceholders (${c.placeholders}) × singleuser.memory.guarantee (${size(c.guaranteeBytes)}) = ${size(c.placeholders * c.guaranteeBytes)}, more than the ${size(Math.max(0, available))} left for servers on ${where}: the placeholders alone fill the nodes`,
        );
        return out;
    }
    if (c.expectedUsers === 0) {
        return out;
    }
    const perServer = plannedServerBytes(c.guaranteeBytes);
    const reserved = kube && c.guaranteeBytes !== undefined ? c.placeholders * c.guaranteeBytes : 0;
    const needed = c.expectedUsers * perServer + reserved;
    if (needed > available) {
        const fit = Math.max(0, Math.floor((available - reserved) / perServer));
        const basis =
            c.guaranteeBytes !== undefined
                ? `singleuser.memory.guarantee ${size(c.guaranteeBytes)}`
                : `${size(MEASURED_MEMORY.idleServerBytes)} an idle server of the default image holds (measured)`;
        out.push(
            `capacity.expectedUsers (${c.expectedUsers}) do not fit: ${size(perServer)} each (${basis}, plus the hub's share)${reserved ? ` and ${size(reserved)} for the placeholders` : ""} is ${size(needed)}, more than the ${size(Math.max(0, available))} left for servers on ${where}; about ${fit} fit. ${kube ? "Servers beyond that stay Pending." : "Beyond that the engine's host runs out of memory and the kernel's OOM killer stops processes."} Add nodes or memory, or lower the guarantee`,
        );
    }
    return out;
}

/** The users-per-node table of docs/capacity.md, from the same figures and functions as the warnings. */
export function renderCapacityTable(): string {
    const sizes = [8, 16, 32, 64].map((g) => g * GiB);
    const columns: [string, number][] = [
        ["idle servers, no guarantee", plannedServerBytes(undefined)],
        ["active servers (working set measured)", MEASURED_MEMORY.activeServerBytes + MEASURED_MEMORY.hubPerServerBytes],
        ["guarantee 512Mi", plannedServerBytes(512 * MiB)],
        ["guarantee 1Gi", plannedServerBytes(1 * GiB)],
        ["guarantee 2Gi", plannedServerBytes(2 * GiB)],
    ];
    const lines = [
        `| node memory | ${columns.map(([name]) => name).join(" | ")} |`,
        `|---|${columns.map(() => "---:").join("|")}|`,
        ...sizes.map((m) => `| ${size(m)} | ${columns.map(([, per]) => String(serversThatFit(1, m, per))).join(" | ")} |`),
    ];
    return lines.join("\n");
}
