/**
 * Where `npm run load` runs: a target creates a hub for the run and destroys it again. load.ts
 * only sees this interface; targets/local.ts (a `local` stack on the Docker engine) and
 * targets/k8s.ts (a `kubernetes` stack on the local cluster) implement it.
 */

export type TargetKind = "local" | "k8s";
export const TARGET_KINDS: readonly TargetKind[] = ["local", "k8s"];

/** A hub up and answering, and where to read its resource figures. */
export interface DeployedTarget {
    /** URL of the proxy's public side: login, the hub API and the users' servers. */
    base: string;
    /** The shared login password of the stack (its `loginPassword` output). */
    password: string;
    /** cgroup directory (relative to a controller) of the hub's container or pod; undefined while it has none. */
    hubCgroup(): string | undefined;
    proxyCgroup(): string | undefined;
    /** cgroup directories of the user servers running now. */
    userServerCgroups(): string[];
    /** Everything the hub logged (stdout and stderr) since `since` (ISO time). */
    hubLog(since: string): string;
}

export interface LoadTarget {
    readonly kind: TargetKind;
    /** The Pulumi stack the target creates (unique per run). */
    readonly stack: string;
    /** One sentence for the table's header: where the hub and the servers ran. */
    readonly description: string;
    create(): Promise<DeployedTarget>;
    /**
     * Remove everything create() made, in whatever state it got to (also from a signal handler
     * while create() runs); returns what could not be removed, "" when all is gone.
     */
    destroy(): Promise<string>;
}
