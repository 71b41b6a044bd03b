/**
 * A `kubernetes` stack on the local single-node cluster (tools/local-cluster), shared by the
 * Kubernetes half of `npm run bench` (bench/k8s.ts) and `npm run load -- --target k8s`
 * (bench/load/targets/k8s.ts). Both run while their run.sh holds the cluster lock, so the
 * cluster is theirs: a loopback registry the cluster pulls from, the cluster taken down and
 * brought up fresh, a stack in existing-cluster mode sized for many small servers on this node,
 * and the teardown of all of it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR, baseImageConfig, hubHealthy, pulumi, run, stackOutputs, waitFor } from "../test/e2e/common/lib";
import { REGISTRY_CACHE_DIR, startRegistry, type LoopbackRegistry } from "../test/e2e/common/registry";
import { kubectl } from "../test/e2e/k8s/kube";
import { must } from "./load/stack";

const LC = path.join(PROJECT_DIR, "tools/local-cluster");

/**
 * Port of the loopback registry of the bench and the load run (the cluster lock keeps them apart;
 * e2e:k8s uses 15100).
 */
export const DEFAULT_REGISTRY_PORT = 15200;

/** What the stack needs to know about the cluster, read from tools/local-cluster/lib.sh. */
export interface ClusterFacts {
    /** The node's address: proxy-public's external IP, where the hub answers on port 80. */
    nodeIp: string;
    /** `1.33.13` (lib.sh's KUBE_VERSION without the v). */
    kubeVersion: string;
    schedulerImage: string;
    pauseImage: string;
    storageClass: string;
}

/** lib.sh is the one place these are defined; sourcing it has no side effects. */
export function clusterFacts(): ClusterFacts {
    const r = spawnSync(
        "bash",
        [
            "-c",
            `. ${path.join(LC, "lib.sh")} && printf '%s\\n' "$NODE_IP" "$KUBE_VERSION" "$SCHEDULER_IMAGE" "$PAUSE_IMAGE" "$STORAGE_CLASS"`,
        ],
        { encoding: "utf8", timeout: 30_000 },
    );
    const [nodeIp, kubeVersion, schedulerImage, pauseImage, storageClass] = (r.stdout ?? "").split("\n");
    if (r.status !== 0 || !storageClass) throw new Error(`reading tools/local-cluster/lib.sh: ${r.stderr}`);
    return { nodeIp, kubeVersion: kubeVersion.replace(/^v/, ""), schedulerImage, pauseImage, storageClass };
}

/** KUBECONFIG and friends from tools/local-cluster/env.sh, for kubectl and the stack. */
export function clusterEnv(): Record<string, string> {
    const r = spawnSync("bash", ["-c", `. ${path.join(LC, "env.sh")} && env -0`], { encoding: "utf8", timeout: 30_000 });
    const out: Record<string, string> = {};
    for (const kv of (r.stdout ?? "").split("\0")) {
        const eq = kv.indexOf("=");
        if (eq > 0 && /^(KUBECONFIG|JHP_CLUSTER_|CONTAINER_RUNTIME|IMAGE_SERVICE|CONTAINERD_|PATH$)/.test(kv.slice(0, eq))) {
            out[kv.slice(0, eq)] = kv.slice(eq + 1);
        }
    }
    return out;
}

/** Run one of tools/local-cluster's scripts (bounded); seconds it took. */
export function clusterScript(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): number {
    const t0 = Date.now();
    const r = spawnSync("bash", [path.join(LC, script), ...args], {
        env: { ...process.env, ...env },
        encoding: "utf8",
        timeout: timeoutMs,
        maxBuffer: 64 * 2 ** 20,
    });
    if (r.status !== 0) throw new Error(`${script} failed: ${(r.stderr ?? "").slice(-800)}${r.error ? ` (${String(r.error)})` : ""}`);
    return (Date.now() - t0) / 1000;
}

export interface KubeStackSpec {
    namespace: string;
    /** The hub's admin user. */
    admin: string;
    registry: Pick<LoopbackRegistry, "server" | "username" | "password">;
    facts: ClusterFacts;
    /** Base image settings (baseImageConfig(): the local stand-ins). */
    baseImages: Record<string, string>;
}

/**
 * The configuration of the stack (key, value, secret?), kubeconfig aside: existing-cluster mode,
 * homes on the cluster's storage class, proxy-public on the node's address, images pushed to the
 * loopback registry, no placeholders (they would hold a server's room each), no culling, and
 * small requests so that ten servers fit beside the cluster on two cores with the same limits as
 * the local stacks (1 CPU, 1G).
 */
export function kubeStackConfig(spec: KubeStackSpec): [string, string, boolean?][] {
    const { facts, registry } = spec;
    return [
        ["topology", "kubernetes"],
        ["kubernetes.cluster", "existing"],
        ["kubernetes.version", facts.kubeVersion],
        ["kubernetes.namespace", spec.namespace],
        ["kubernetes.storage", "storage-class"],
        ["kubernetes.storageClass", facts.storageClass],
        ["kubernetes.proxy.serviceType", "ClusterIP"],
        ["kubernetes.proxy.externalIps", JSON.stringify([facts.nodeIp])],
        ["kubernetes.schedulerImage", facts.schedulerImage],
        ["kubernetes.pauseImage", facts.pauseImage],
        ["kubernetes.userPlaceholders", "0"],
        ["images.registry.server", registry.server],
        ["images.registry.username", registry.username],
        ["images.registry.password", registry.password, true],
        ["hub.adminUsers", JSON.stringify([spec.admin])],
        ["hub.cull.enabled", "false"],
        ["data.retainOnDestroy", "false"],
        ["singleuser.memory.guarantee", "256Mi"],
        ["singleuser.memory.limit", "1G"],
        ["singleuser.cpu.guarantee", "0.05"],
        ["singleuser.cpu.limit", "1"],
        ...Object.entries(spec.baseImages).map(([k, v]): [string, string] => [k, v]),
    ];
}

async function stackExists(stack: string): Promise<boolean> {
    const ls = await run("pulumi", ["stack", "ls", "--json", "--non-interactive"], { timeoutMs: 60_000 });
    return ls.stdout.includes(`"${stack}"`);
}

/**
 * The cluster, its registry and one stack on it. Every step is bounded; tearDown() may be called
 * in any state (also from a signal handler while another step runs) and leaves nothing running.
 */
export class LocalClusterStack {
    registry?: LoopbackRegistry;
    facts?: ClusterFacts;
    private clusterStarted = false;

    constructor(
        readonly stack: string,
        readonly namespace: string,
        readonly opts: {
            admin: string;
            registryPort: number;
            /** Where the registry's pid goes, for a wrapper script's cleanup when this process dies first. */
            registryPidFile?: string;
            log: (m: string) => void;
        },
    ) {}

    /** http://<node address>: proxy-public's external IP, port 80. */
    get base(): string {
        if (!this.facts) throw new Error("the cluster is not up");
        return `http://${this.facts.nodeIp}`;
    }

    /** Loopback registry, then `cluster:down` and `cluster:up` pulling from it; seconds of up.sh. */
    async startCluster(): Promise<number> {
        this.registry = await startRegistry(this.opts.registryPort, { storageDir: REGISTRY_CACHE_DIR, pidFile: this.opts.registryPidFile });
        this.opts.log("cluster down, then cluster:up with binaries and images cached");
        clusterScript("down.sh", [], {}, 600_000);
        this.clusterStarted = true;
        const seconds = clusterScript("up.sh", [], { JHP_CLUSTER_REGISTRIES: this.registry.server }, 1800_000);
        Object.assign(process.env, clusterEnv());
        this.facts = clusterFacts();
        return seconds;
    }

    /** A fresh stack (a left-over one and its namespace removed first), configured. */
    async initStack(): Promise<void> {
        if (!this.registry || !this.facts) throw new Error("startCluster() first");
        await this.removeStack();
        this.deleteNamespace();
        await must("stack init", run("pulumi", ["stack", "init", this.stack, "--non-interactive"], { timeoutMs: 60_000 }));
        const kc = await run("pulumi", ["config", "set", "--secret", "kubernetes.kubeconfig", "--stack", this.stack, "--non-interactive"], {
            timeoutMs: 60_000,
            input: fs.readFileSync(String(process.env.KUBECONFIG), "utf8"),
        });
        if (kc.code !== 0) throw new Error(`config set kubernetes.kubeconfig: ${kc.stderr}`);
        const config = kubeStackConfig({
            namespace: this.namespace,
            admin: this.opts.admin,
            registry: this.registry,
            facts: this.facts,
            baseImages: baseImageConfig(),
        });
        for (const [k, v, secret] of config) {
            await must(
                `config set ${k}`,
                pulumi(["config", "set", "--path=false", ...(secret ? ["--secret"] : []), k, v], this.stack, 60_000),
                [this.registry.password],
            );
        }
    }

    /** `pulumi up` until /hub/health answers through proxy-public; seconds. */
    async up(timeoutMs = 30 * 60_000): Promise<number> {
        const t0 = Date.now();
        await must("pulumi up", pulumi(["up", "--yes", "--skip-preview"], this.stack, timeoutMs));
        await waitFor("/hub/health through proxy-public", 300_000, async () => ((await hubHealthy(this.base)) ? true : undefined), 100);
        return (Date.now() - t0) / 1000;
    }

    async outputs(showSecrets = false): Promise<Record<string, unknown>> {
        return stackOutputs(this.stack, showSecrets);
    }

    /** `pulumi destroy` and the namespace removed; the stack itself stays for another `up`. */
    async destroy(): Promise<void> {
        await must("pulumi destroy", pulumi(["destroy", "--yes", "--skip-preview"], this.stack, 15 * 60_000));
        this.deleteNamespace();
    }

    private deleteNamespace(): void {
        kubectl(["delete", "namespace", this.namespace, "--ignore-not-found", "--wait=true", "--timeout=180s"], 200_000);
    }

    private async removeStack(): Promise<string> {
        if (!(await stackExists(this.stack))) return "";
        const d = await pulumi(["destroy", "--yes", "--skip-preview"], this.stack, 15 * 60_000);
        await pulumi(["stack", "rm", "--yes", "--force"], this.stack, 60_000);
        return d.code === 0 ? "" : `pulumi destroy exited ${d.code}: ${(d.stdout + d.stderr).slice(-400)}`;
    }

    /** Stack, namespace, registry and cluster gone; what went wrong, or "" when all is gone. */
    async tearDown(): Promise<string> {
        const problems: string[] = [];
        if (this.facts) {
            // The cluster answers (startCluster() got past up.sh): remove what is on it first.
            const left = await this.removeStack().catch((e) => String(e));
            if (left) problems.push(left);
            this.deleteNamespace();
        }
        this.registry?.stop();
        this.registry = undefined;
        if (this.clusterStarted) {
            try {
                clusterScript("down.sh", [], {}, 600_000);
                this.clusterStarted = false;
            } catch (err) {
                problems.push(String(err));
            }
        }
        return problems.join("; ");
    }
}
