/** capacity.*: what the operator expects, so preview and up can warn before users hit the limit. */
import type { ConfigReader } from "../reader";
import type { Topology } from "../types";

export interface CapacitySettings {
    /** Servers expected at once; 0: no check against them. */
    expectedUsers: number;
    /** Memory of one node that runs user servers; undefined: unknown. */
    nodeMemoryBytes?: number;
    /** Nodes that run user servers; undefined: unknown. */
    nodes?: number;
}

export interface CapacityContext {
    topology: Topology;
    /** Worker VMs of a cluster this program builds (openstack.nodes.workers). */
    openstackWorkers?: number;
    /** The memory of the machine running the program: the node of the `local` topology. */
    hostMemoryBytes?: number;
}

export function readCapacity(r: ConfigReader, ctx: CapacityContext): CapacitySettings {
    const expectedUsers = r.int("capacity.expectedUsers", 0);
    const nodeMemoryBytes = r.size("capacity.nodeMemory") ?? (ctx.topology === "local" ? ctx.hostMemoryBytes : undefined);
    const given = r.int("capacity.nodes", 0);
    if (given > 0 && (ctx.topology === "local" || ctx.topology === "docker-vm")) {
        r.bad("capacity.nodes", given, "0 (unset) on this topology", `topology ${ctx.topology} runs every server on one machine`);
    }
    const fromTopology = ctx.topology === "kubernetes" ? ctx.openstackWorkers : 1;
    const nodes = given > 0 ? given : fromTopology;
    return { expectedUsers, ...(nodeMemoryBytes !== undefined ? { nodeMemoryBytes } : {}), ...(nodes !== undefined ? { nodes } : {}) };
}
