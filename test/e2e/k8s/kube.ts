/**
 * kubectl and crictl against the local cluster (tools/local-cluster/env.sh sets KUBECONFIG and the
 * containerd socket), bounded, plus the quantity arithmetic the checks need. Shared by the
 * Kubernetes end-to-end test and the bench.
 */
import { spawnSync } from "child_process";
import { parseCpu, parseSize } from "../../../config/quantities";

export interface Cmd {
    code: number;
    out: string;
    err: string;
}

function exec(cmd: string, args: string[], timeoutMs: number, input?: string): Cmd {
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, input, maxBuffer: 64 * 1024 * 1024 });
    return { code: r.status ?? 1, out: r.stdout ?? "", err: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

export function kubectl(args: string[], timeoutMs = 60_000, input?: string): Cmd {
    return exec("kubectl", ["--request-timeout=30s", ...args], timeoutMs, input);
}

/** kubectl ... -o json, parsed; throws with kubectl's message on failure. */
export function kubeJson<T = Record<string, unknown>>(args: string[]): T {
    const r = kubectl([...args, "-o", "json"]);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.err.trim()}`);
    return JSON.parse(r.out) as T;
}

export function crictl(args: string[], timeoutMs = 30_000): Cmd {
    return exec("crictl", ["--timeout", "20s", ...args], timeoutMs);
}

/** The repo digests (`repo@sha256:…`) of the images on the node, from containerd. */
export function nodeImageDigests(): string[] {
    const r = crictl(["images", "--digests", "-o", "json"]);
    if (r.code !== 0) throw new Error(`crictl images: ${r.err.trim()}`);
    const doc = JSON.parse(r.out) as { images: { repoDigests?: string[] }[] };
    return doc.images.flatMap((i) => i.repoDigests ?? []);
}

export interface Pod {
    metadata: { name: string; uid: string; creationTimestamp: string; deletionTimestamp?: string; labels?: Record<string, string> };
    spec: {
        schedulerName?: string;
        priorityClassName?: string;
        nodeName?: string;
        imagePullSecrets?: { name: string }[];
        securityContext?: Record<string, unknown>;
        containers: {
            name: string;
            image: string;
            resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
            securityContext?: Record<string, unknown>;
        }[];
        initContainers?: { name: string; image: string }[];
    };
    status: {
        phase: string;
        podIP?: string;
        qosClass?: "Guaranteed" | "Burstable" | "BestEffort";
        conditions?: { type: string; status: string; reason?: string }[];
        containerStatuses?: { ready: boolean }[];
    };
}

export function pods(namespace: string, selector?: string): Pod[] {
    return kubeJson<{ items: Pod[] }>(["-n", namespace, "get", "pods", ...(selector ? ["-l", selector] : [])]).items;
}

export function podReady(p: Pod): boolean {
    return !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

export interface KubeEvent {
    reason: string;
    message?: string;
    reportingComponent?: string;
    source?: { component?: string };
    involvedObject: { name: string; uid?: string };
}

export function events(namespace: string, objectName: string): KubeEvent[] {
    return kubeJson<{ items: KubeEvent[] }>(["-n", namespace, "get", "events", "--field-selector", `involvedObject.name=${objectName}`])
        .items;
}

/** Memory in bytes from a Kubernetes quantity (what kubectl shows). */
export function bytesOf(q: string | undefined): number {
    const n = q === undefined ? undefined : parseSize(q);
    if (n === undefined) throw new Error(`not a memory quantity: ${q}`);
    return n;
}

export function coresOf(q: string | undefined): number {
    const n = q === undefined ? undefined : parseCpu(q);
    if (n === undefined) throw new Error(`not a CPU quantity: ${q}`);
    return n;
}

/** The node's allocatable memory, and the memory requests of every pod that holds a place on it. */
export function nodeMemory(): { allocatable: number; requested: number } {
    const nodes = kubeJson<{ items: { status: { allocatable: Record<string, string> } }[] }>(["get", "nodes"]).items;
    if (nodes.length !== 1) throw new Error(`expected one node, found ${nodes.length}`);
    const all = kubeJson<{ items: Pod[] }>(["get", "pods", "-A"]).items.filter(
        (p) => p.status.phase !== "Succeeded" && p.status.phase !== "Failed" && p.spec.nodeName,
    );
    const requested = all
        .flatMap((p) => p.spec.containers)
        .reduce((sum, c) => sum + (c.resources?.requests?.memory ? bytesOf(c.resources.requests.memory) : 0), 0);
    return { allocatable: bytesOf(nodes[0].status.allocatable.memory), requested };
}
