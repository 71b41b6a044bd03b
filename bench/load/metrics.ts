/**
 * Resource figures of containers and pods read from their cgroup (v1, cgroupfs driver: this
 * machine's Docker and the local cluster's kubelet), and the figures of a run: quantiles, the
 * hub's event-loop stalls from its own log, host memory.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import { docker } from "../../test/e2e/common/lib";

const CGROUP_ROOT = "/sys/fs/cgroup";

export function quantile(xs: readonly number[], q: number): number {
    const s = [...xs].sort((a, b) => a - b);
    if (s.length === 0) return NaN;
    return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** cgroup directory (relative to a controller) of a running container: `<parent>/<id>`. */
export function containerCgroup(container: string): string | undefined {
    const r = docker(["inspect", "-f", "{{.Id}} {{.HostConfig.CgroupParent}}", container]);
    if (r.code !== 0) return undefined;
    const [id, parent] = r.out.trim().split(" ");
    return `${(parent || "/docker").replace(/\/+$/, "")}/${id}`;
}

/**
 * cgroup directory (relative to a controller) of a Kubernetes pod under the kubelet's cgroupfs
 * driver with one cgroup per QoS class (the default): `/kubepods/pod<uid>` for a Guaranteed pod,
 * `/kubepods/burstable/pod<uid>` and `/kubepods/besteffort/pod<uid>` for the others. The pod's
 * cgroup holds all its containers and its sandbox (pause) container.
 */
export function podCgroup(pod: { uid: string; qosClass?: string }): string {
    if (!/^[0-9a-f-]+$/.test(pod.uid)) throw new Error(`not a pod uid: ${pod.uid}`);
    switch (pod.qosClass) {
        case "Guaranteed":
            return `/kubepods/pod${pod.uid}`;
        case "Burstable":
            return `/kubepods/burstable/pod${pod.uid}`;
        case "BestEffort":
            return `/kubepods/besteffort/pod${pod.uid}`;
        default:
            throw new Error(`pod ${pod.uid}: unknown QoS class ${String(pod.qosClass)}`);
    }
}

function readNumber(file: string): number | undefined {
    try {
        return Number(fs.readFileSync(file, "utf8").trim());
    } catch {
        return undefined;
    }
}

/** Resident memory (total_rss of memory.stat: anonymous memory, no page cache) in bytes. */
export function cgroupRss(cg: string): number | undefined {
    try {
        const stat = fs.readFileSync(`${CGROUP_ROOT}/memory${cg}/memory.stat`, "utf8");
        const m = /^total_rss (\d+)$/m.exec(stat);
        return m ? Number(m[1]) : undefined;
    } catch {
        return undefined;
    }
}

/** CPU time used so far, in seconds. */
export function cgroupCpuSeconds(cg: string): number | undefined {
    const ns = readNumber(`${CGROUP_ROOT}/cpuacct${cg}/cpuacct.usage`);
    return ns === undefined ? undefined : ns / 1e9;
}

export interface Sample {
    t: number;
    /** CPU use since the previous sample, in cores (1.0 = one core busy). */
    cpu: number;
    rss: number;
}

/**
 * Samples one cgroup's CPU and RSS every `intervalMs` until stop(). `locate` names the cgroup (of
 * a container, of a pod); it is asked again when the cgroup is gone (the container or pod replaced).
 */
export class CgroupSampler {
    readonly samples: Sample[] = [];
    private timer?: NodeJS.Timeout;
    private last?: { t: number; cpu: number };
    private cg?: string;

    constructor(
        readonly locate: () => string | undefined,
        readonly intervalMs = 1000,
    ) {}

    start(): void {
        this.timer = setInterval(() => this.sample(), this.intervalMs);
    }

    private sample(): void {
        // The container or pod may be replaced (a fault): look its cgroup up again when it is gone.
        if (!this.cg || cgroupCpuSeconds(this.cg) === undefined) {
            this.cg = this.locate();
            this.last = undefined;
        }
        if (!this.cg) return;
        const cpu = cgroupCpuSeconds(this.cg);
        const rss = cgroupRss(this.cg);
        const t = Date.now();
        if (cpu === undefined || rss === undefined) return;
        if (this.last) this.samples.push({ t, cpu: (cpu - this.last.cpu) / ((t - this.last.t) / 1000), rss });
        this.last = { t, cpu };
    }

    stop(): void {
        if (this.timer) clearInterval(this.timer);
    }
}

/** Everything the container logged (stdout and stderr, where the hub logs) since `since`. */
export function containerLog(container: string, since: string): string {
    const r = spawnSync("docker", ["logs", "--since", since, container], { encoding: "utf8", timeout: 120_000, maxBuffer: 256 * 2 ** 20 });
    return `${r.stdout ?? ""}${r.stderr ?? ""}`;
}

/**
 * Event-loop stalls in a hub log: JupyterHub's own event-loop monitor (jupyterhub/metrics.py)
 * logs "Event loop was unresponsive for at least N.NNs!". Returns every stall in seconds and
 * the lines.
 */
export function parseStalls(log: string): { stalls: number[]; lines: string[] } {
    const lines = log.split("\n").filter((l) => /event loop was unresponsive/i.test(l));
    const stalls = lines
        .map((l) => /unresponsive for (?:at least )?([0-9]+(?:\.[0-9]+)?)\s*s/i.exec(l)?.[1])
        .filter((x): x is string => x !== undefined)
        .map(Number);
    return { stalls, lines };
}

/** Host memory in use (MemTotal − MemAvailable), bytes. */
export function hostMemoryUsed(): number {
    const info = fs.readFileSync("/proc/meminfo", "utf8");
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(info)?.[1] ?? NaN) * 1024;
    return kb("MemTotal") - kb("MemAvailable");
}

export function loadAverage(): string {
    return fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}

export const MiB = 2 ** 20;
