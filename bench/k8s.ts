/**
 * The Kubernetes half of `npm run bench`, on the local cluster (tools/local-cluster), run while
 * bench/run.sh holds the cluster lock:
 *
 *   cluster up        `cluster:up` with binaries and images cached, from a stopped cluster
 *   hub up            `pulumi up` of a fresh kubernetes stack (images already pushed) until
 *                     /hub/health answers through proxy-public
 *   start, 1 user     server start latency (REST API POST to ready), sequential samples
 *   start, N users    N users started at once
 *
 * Floor: a bare pod of the same single-user image (by digest, already on the node) running
 * start-notebook.py until its server answers on the pod's address, sequentially and N at once.
 * The cluster is taken down at the end; the stack is destroyed and its namespace removed.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR, Session, baseImageConfig, hubHealthy, pulumi, run, stackOutputs, tail, waitFor } from "../test/e2e/common/lib";
import { REGISTRY_CACHE_DIR, startRegistry, type LoopbackRegistry } from "../test/e2e/common/registry";
import { kubectl, pods, podReady } from "../test/e2e/k8s/kube";

export interface Row {
    metric: string;
    samples: number[];
    floor: number[];
}

const STACK = process.env.BENCH_K8S_STACK ?? "bench-k8s";
const NS = "jhp-bench";
const REGISTRY_PORT = Number(process.env.BENCH_K8S_REGISTRY_PORT ?? 15200);
const KUBE_VERSION = process.env.BENCH_K8S_VERSION ?? "1.33.13";
const LC = path.join(PROJECT_DIR, "tools/local-cluster");

function sh(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): number {
    const t0 = Date.now();
    const r = spawnSync("bash", [path.join(LC, script), ...args], {
        env: { ...process.env, ...env },
        encoding: "utf8",
        timeout: timeoutMs,
    });
    if (r.status !== 0) throw new Error(`${script} failed: ${(r.stderr ?? "").slice(-800)}`);
    return (Date.now() - t0) / 1000;
}

/** KUBECONFIG and friends from tools/local-cluster/env.sh, for kubectl and the stack. */
function clusterEnv(): Record<string, string> {
    const r = spawnSync("bash", ["-c", `. ${path.join(LC, "env.sh")} && env -0`], { encoding: "utf8" });
    const out: Record<string, string> = {};
    for (const kv of r.stdout.split("\0")) {
        const eq = kv.indexOf("=");
        if (eq > 0 && /^(KUBECONFIG|JHP_CLUSTER_|CONTAINER_RUNTIME|IMAGE_SERVICE|CONTAINERD_|PATH$)/.test(kv.slice(0, eq))) {
            out[kv.slice(0, eq)] = kv.slice(eq + 1);
        }
    }
    return out;
}

async function must(what: string, p: Promise<{ code: number; stdout: string; stderr: string; seconds: number }>): Promise<number> {
    const r = await p;
    if (r.code !== 0) throw new Error(`${what} failed: ${tail(r.stdout + r.stderr)}`);
    return r.seconds;
}

async function startAndWait(s: Session, token: string, user: string): Promise<number> {
    const t0 = Date.now();
    const res = await s.request("POST", `/hub/api/users/${user}/server`, { token, body: "{}" });
    if (res.status !== 201 && res.status !== 202) throw new Error(`start ${user}: HTTP ${res.status} ${await res.text()}`);
    await waitFor(
        `${user} ready`,
        300_000,
        async () => {
            const m = (await (await s.request("GET", `/hub/api/users/${user}`, { token })).json()) as {
                servers: Record<string, { ready: boolean }>;
            };
            return m.servers[""]?.ready ? true : undefined;
        },
        200,
    );
    return (Date.now() - t0) / 1000;
}

async function stopAndWait(s: Session, token: string, user: string): Promise<void> {
    await s.request("DELETE", `/hub/api/users/${user}/server`, { token });
    await waitFor(
        `${user} stopped`,
        180_000,
        async () => {
            const m = (await (await s.request("GET", `/hub/api/users/${user}`, { token })).json()) as { servers: Record<string, unknown> };
            return Object.keys(m.servers).length === 0 ? true : undefined;
        },
        500,
    );
    await waitFor(
        `${user}'s pod gone`,
        120_000,
        async () => (pods(NS).some((p) => p.metadata.name === `jupyter-${user}`) ? undefined : true),
        500,
    );
}

/** A bare pod of the single-user image until its server answers on the pod's address. */
async function floorPods(image: string, count: number, concurrent: boolean): Promise<number[]> {
    const one = async (i: number): Promise<number> => {
        const name = `floor-${i}`;
        kubectl(["-n", NS, "delete", "pod", name, "--ignore-not-found", "--grace-period=0", "--wait=true"], 120_000);
        const manifest = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name, labels: { app: "bench-floor" } },
            spec: {
                imagePullSecrets: [{ name: "image-pull-secret" }],
                terminationGracePeriodSeconds: 0,
                securityContext: { runAsUser: 1000, fsGroup: 100 },
                containers: [
                    {
                        name: "notebook",
                        image,
                        imagePullPolicy: "IfNotPresent",
                        args: ["start-notebook.py", "--ServerApp.token=bench", "--ServerApp.ip=0.0.0.0"],
                        resources: { requests: { cpu: "50m", memory: "256Mi" }, limits: { memory: "1G" } },
                    },
                ],
            },
        };
        const t0 = Date.now();
        const r = kubectl(["-n", NS, "apply", "-f", "-"], 60_000, JSON.stringify(manifest));
        if (r.code !== 0) throw new Error(`floor pod: ${r.err}`);
        try {
            await waitFor(
                `floor pod ${i}`,
                180_000,
                async () => {
                    const ip = pods(NS, "app=bench-floor").find((p) => p.metadata.name === name)?.status.podIP;
                    if (!ip) return undefined;
                    const res = await fetch(`http://${ip}:8888/api/status?token=bench`, { signal: AbortSignal.timeout(2000) }).catch(
                        () => undefined,
                    );
                    return res?.status === 200 ? true : undefined;
                },
                100,
            );
            return (Date.now() - t0) / 1000;
        } finally {
            kubectl(["-n", NS, "delete", "pod", name, "--grace-period=0", "--wait=false"], 60_000);
        }
    };
    if (concurrent) return Promise.all(Array.from({ length: count }, (_, i) => one(i)));
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(await one(i));
    return out;
}

async function removeStack(): Promise<void> {
    const ls = await run("pulumi", ["stack", "ls", "--json", "--non-interactive"], { timeoutMs: 60_000 });
    if (ls.stdout.includes(`"${STACK}"`)) {
        await pulumi(["destroy", "--yes", "--skip-preview"], STACK, 15 * 60_000);
        await pulumi(["stack", "rm", "--yes", "--force"], STACK, 60_000);
    }
}

export async function kubernetesRows(sequential: number, concurrent: number): Promise<Row[]> {
    let reg: LoopbackRegistry | undefined;
    const log = (m: string) => console.log(`bench (kubernetes): ${m}`);
    try {
        reg = await startRegistry(REGISTRY_PORT, { storageDir: REGISTRY_CACHE_DIR });
        log("cluster down, then cluster:up with binaries and images cached");
        sh("down.sh", [], {}, 600_000);
        const clusterUp = sh("up.sh", [], { JHP_CLUSTER_REGISTRIES: reg.server }, 1800_000);
        Object.assign(process.env, clusterEnv());
        await removeStack();
        kubectl(["delete", "namespace", NS, "--ignore-not-found", "--wait=true", "--timeout=180s"], 200_000);

        await must("stack init", run("pulumi", ["stack", "init", STACK, "--non-interactive"], { timeoutMs: 60_000 }));
        const kc = await run("pulumi", ["config", "set", "--secret", "kubernetes.kubeconfig", "--stack", STACK, "--non-interactive"], {
            timeoutMs: 60_000,
            input: fs.readFileSync(String(process.env.KUBECONFIG), "utf8"),
        });
        if (kc.code !== 0) throw new Error(kc.stderr);
        const nodeIp = String(process.env.JHP_CLUSTER_NODE_IP);
        const base = `http://${nodeIp}`;
        const config: [string, string, boolean?][] = [
            ["topology", "kubernetes"],
            ["kubernetes.cluster", "existing"],
            ["kubernetes.version", KUBE_VERSION],
            ["kubernetes.namespace", NS],
            ["kubernetes.storage", "storage-class"],
            ["kubernetes.storageClass", "local-path"],
            ["kubernetes.proxy.serviceType", "ClusterIP"],
            ["kubernetes.proxy.externalIps", JSON.stringify([nodeIp])],
            ["kubernetes.schedulerImage", `jupyterhub-platform/kube-scheduler:v${KUBE_VERSION}`],
            ["kubernetes.pauseImage", "jupyterhub-platform/pause:3.10.1"],
            ["kubernetes.userPlaceholders", "0"],
            ["images.registry.server", reg.server],
            ["images.registry.username", reg.username],
            ["images.registry.password", reg.password, true],
            ["hub.adminUsers", JSON.stringify(["bench-admin"])],
            ["hub.cull.enabled", "false"],
            ["data.retainOnDestroy", "false"],
            // Ten servers on two cores: small requests, the same limits as the local bench.
            ["singleuser.memory.guarantee", "256Mi"],
            ["singleuser.memory.limit", "1G"],
            ["singleuser.cpu.guarantee", "0.05"],
            ["singleuser.cpu.limit", "1"],
            ...Object.entries(baseImageConfig()).map(([k, v]): [string, string] => [k, v]),
        ];
        for (const [k, v, secret] of config) {
            await must(`config set ${k}`, pulumi(["config", "set", "--path=false", ...(secret ? ["--secret"] : []), k, v], STACK, 60_000));
        }
        log("warm-up pulumi up (builds or reuses and pushes the images), then destroy");
        await must("warm-up up", pulumi(["up", "--yes", "--skip-preview"], STACK, 30 * 60_000));
        const image = String((await stackOutputs(STACK)).singleuserImage);
        await must("destroy", pulumi(["destroy", "--yes", "--skip-preview"], STACK, 15 * 60_000));
        kubectl(["delete", "namespace", NS, "--wait=true", "--timeout=180s"], 200_000);

        log("pulumi up with images pushed, until /hub/health through proxy-public");
        const t0 = Date.now();
        await must("up", pulumi(["up", "--yes", "--skip-preview"], STACK, 20 * 60_000));
        await waitFor("/hub/health", 300_000, async () => ((await hubHealthy(base)) ? true : undefined), 100);
        const hubUp = (Date.now() - t0) / 1000;

        const password = String((await stackOutputs(STACK, true)).loginPassword);
        const s = new Session(base);
        const login = await s.login("bench-admin", password);
        if (login.status !== 302) throw new Error(`admin login: HTTP ${login.status}`);
        const tokRes = await s.request("POST", "/hub/api/users/bench-admin/tokens", {
            body: JSON.stringify({ note: "bench", expires_in: 3600 }),
            headers: { "content-type": "application/json", "x-xsrftoken": await s.xsrfToken() },
        });
        if (tokRes.status !== 201) throw new Error(`token: HTTP ${tokRes.status}`);
        const token = ((await tokRes.json()) as { token: string }).token;
        const users = Array.from({ length: concurrent }, (_, i) => `bench-user-${i}`);
        const created = await s.request("POST", "/hub/api/users", { token, body: JSON.stringify({ usernames: users }) });
        if (created.status !== 201) throw new Error(`create users: HTTP ${created.status}`);

        log(`${sequential} sequential server starts (the first creates the user's claim)`);
        const seq: number[] = [];
        for (let i = 0; i < sequential; i++) {
            seq.push(await startAndWait(s, token, users[0]));
            await stopAndWait(s, token, users[0]);
        }
        log(`${concurrent} concurrent server starts`);
        const conc = await Promise.all(users.map((u) => startAndWait(s, token, u)));
        await Promise.all(users.map((u) => stopAndWait(s, token, u)));

        log("floor: bare pods of the single-user image");
        const floorSeq = await floorPods(image, sequential, false);
        const floorConc = await floorPods(image, concurrent, true);
        if (!pods(NS, "component=hub").some(podReady)) throw new Error("the hub is not Ready at the end");
        return [
            { metric: "k8s: cluster:up (binaries and images cached) to CoreDNS Ready", samples: [clusterUp], floor: [] },
            { metric: "k8s: hub up (pulumi up → /hub/health via proxy-public), images pushed", samples: [hubUp], floor: [floorSeq[0]] },
            { metric: "k8s: server start, 1 user", samples: seq, floor: floorSeq },
            { metric: `k8s: server start, ${concurrent} concurrent users`, samples: conc, floor: floorConc },
        ];
    } finally {
        await removeStack().catch(() => undefined);
        kubectl(["delete", "namespace", NS, "--ignore-not-found", "--wait=true", "--timeout=180s"], 200_000);
        reg?.stop();
        try {
            sh("down.sh", [], {}, 600_000);
        } catch (err) {
            console.error(`bench (kubernetes): ${String(err)}`);
        }
    }
}
