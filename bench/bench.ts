/**
 * npm run bench: how long the local topology takes and how much memory it holds, each figure
 * against a floor measured in the same run, with the issue's targets as ratios.
 *
 *   hub up              `pulumi up` of a fresh stack with the images already built, until
 *                       /hub/health answers through the proxy             target ≤ 3x docker run
 *   no-op up            `pulumi up` with nothing to change                 target ≤ 1.5x the no-op
 *                       up of an empty program with the same providers (docker, random, a dynamic
 *                       provider) and the same runtime options, made in a temp dir
 *   start, 1 user       server start latency (REST API POST to ready), sequential
 *                                                                          target p50 ≤ 1.3x, p95 ≤ 1.6x
 *   start, N users      N users at once (BENCH_CONCURRENT, default 10)
 *   start, M users      M users at once (BENCH_MANY, default 50)           target p50 ≤ 1.15x M
 *                       concurrent docker runs, 0 errors, no hub event-loop stall over 0.5 s (the
 *                       hub logs stalls from 0.25 s, images/hub/jupyterhub_config.py)
 *   memory              idle memory of each of the M user servers after start; active memory of
 *                       BENCH_ACTIVE of them while a kernel works on numpy arrays; the hub's
 *                       memory at 0 and at M servers (cost per server). `docker stats` figures
 *                       (cgroup usage without page cache).
 *
 * Floors: a plain `docker run` of the same single-user image on a user-defined network (as the
 * spawner does) until its server answers HTTP: sequentially, N and M at once. Then, unless
 * BENCH_K8S=0, the same on the local Kubernetes cluster (bench/k8s.ts). Prints a table and writes
 * bench/results/<stamp>.md and .json. Bounded: fixed sample counts and deadlines; the stacks,
 * their volumes, the floor containers and network are removed, the cluster taken down.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    PROJECT_DIR,
    Session,
    baseImageConfig,
    docker,
    executeInKernel,
    hubHealthy,
    pulumi,
    run,
    sleep,
    stackOutputs,
    tail,
    waitFor,
} from "../test/e2e/common/lib";
import { emptyProgramNoop } from "./emptyProgram";
import { kubernetesRows, type Row } from "./k8s";

function envInt(name: string, dflt: number): number {
    const v = Number(process.env[name] ?? dflt);
    if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer`);
    return v;
}

const STACK = process.env.BENCH_STACK ?? "bench-local";
const PORT = envInt("BENCH_PORT", 18100);
const BASE = `http://127.0.0.1:${PORT}`;
const SEQUENTIAL = envInt("BENCH_SEQUENTIAL", 5);
const CONCURRENT = envInt("BENCH_CONCURRENT", 10);
const MANY = envInt("BENCH_MANY", 50);
const NOOP = Math.max(1, envInt("BENCH_NOOP", 3));
const ACTIVE = envInt("BENCH_ACTIVE", 3);
const PREFIX = `jupyterhub-${STACK}`;
const FLOOR_NET = `${PREFIX}-floor`;
const ADMIN = "bench-admin";
/** A user's server container (components/docker/render.ts dockerNames: `<base>-user-<escaped name>`). */
const userContainer = (user: string) => `${PREFIX}-user-${user}`;
/** The issue's targets (ratios to the floor of the same run). */
const TARGETS = {
    hubUp: 3,
    noop: 1.5,
    startP50: 1.3,
    startP95: 1.6,
    manyP50: 1.15,
    stallSeconds: 0.5,
};
/** The numpy work of the active-memory sample: ~3 x 8 MB arrays and a matrix product, held 6 s. */
const ACTIVE_CODE =
    "import numpy as np, time\na = np.random.rand(1000, 1000)\nb = a @ a\nc = np.sort(b, axis=None)\ntime.sleep(6)\nprint(round(float(c[-1]), 1) > 0)";

const CONFIG: Record<string, string> = {
    topology: "local",
    "hub.port": String(PORT),
    "hub.adminUsers": JSON.stringify([ADMIN]),
    "hub.cull.enabled": "false",
    "singleuser.memory.limit": "1G",
    "singleuser.cpu.limit": "1",
    "data.retainOnDestroy": "false",
    ...baseImageConfig(),
};

function quantile(xs: number[], q: number): number {
    const s = [...xs].sort((a, b) => a - b);
    if (s.length === 0) return NaN;
    const idx = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
    return s[idx];
}

async function must(what: string, p: Promise<{ code: number; stdout: string; stderr: string; seconds: number }>): Promise<number> {
    const r = await p;
    if (r.code !== 0) throw new Error(`${what} failed: ${tail(r.stdout + r.stderr)}`);
    return r.seconds;
}

async function dockerAsync(args: string[], timeoutMs = 120_000): Promise<string> {
    const r = await run("docker", args, { timeoutMs });
    if (r.code !== 0) throw new Error(`docker ${args[0]}: ${tail(r.stdout + r.stderr, [], 400)}`);
    return r.stdout;
}

/** Plain `docker run` of the single-user image until its server answers; seconds each. */
async function floorRuns(image: string, count: number, concurrent: boolean): Promise<number[]> {
    const one = async (i: number): Promise<number> => {
        const name = `${PREFIX}-floor-${i}`;
        docker(["rm", "-f", name]);
        const t0 = Date.now();
        // The options the spawner's containers get that cost start time: a user-defined network
        // and a memory limit without swap.
        await dockerAsync([
            "run",
            "-d",
            "--name",
            name,
            "--network",
            FLOOR_NET,
            "--memory",
            "1g",
            "--memory-swap",
            "1g",
            image,
            "start-notebook.py",
            "--ServerApp.token=bench",
        ]);
        try {
            const ip = (
                await dockerAsync(["inspect", "-f", `{{(index .NetworkSettings.Networks "${FLOOR_NET}").IPAddress}}`, name])
            ).trim();
            await waitFor(
                `floor container ${i}`,
                600_000, // 50 at once on a saturated machine took over 180 s
                async () => {
                    const res = await fetch(`http://${ip}:8888/api/status?token=bench`, { signal: AbortSignal.timeout(2000) }).catch(
                        () => undefined,
                    );
                    return res && res.status === 200 ? true : undefined;
                },
                100,
            );
            return (Date.now() - t0) / 1000;
        } finally {
            await run("docker", ["rm", "-f", name], { timeoutMs: 120_000 });
        }
    };
    if (concurrent) return Promise.all(Array.from({ length: count }, (_, i) => one(i)));
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(await one(i));
    return out;
}

interface UserModel {
    name: string;
    servers: Record<string, { ready: boolean; pending: string | null }>;
}

/**
 * Start `users` at once through the REST API and follow each spawn on its progress event stream
 * (`/hub/api/users/<name>/server/progress`, the EventSource JupyterHub's spawn page opens in a
 * browser), as a class of browsers does. Returns the latencies of the ready ones and the failures.
 *
 * Earlier versions polled the whole user list (`/hub/api/users?limit=500`) 4 times a second: each
 * such request serialises every user model on the hub's event loop, took 0.6–15 s at 50 users, and
 * was itself the hub's longest event-loop stall (bench/results/2026-12-01T11-12-49-275Z.hub.log).
 */
async function startMany(
    s: Session,
    token: string,
    users: string[],
    deadlineMs = 600_000,
): Promise<{ seconds: number[]; errors: string[] }> {
    const t0 = Date.now();
    const deadline = t0 + deadlineMs;
    const seconds: number[] = [];
    const errors: string[] = [];
    await Promise.all(
        users.map(async (u) => {
            const res = await s.request("POST", `/hub/api/users/${u}/server`, { token, body: "{}" });
            if (res.status !== 201 && res.status !== 202) {
                errors.push(`${u}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
                return;
            }
            const outcome = await followSpawn(s, token, u, deadline);
            if (outcome === "ready") seconds.push((Date.now() - t0) / 1000);
            else errors.push(`${u}: ${outcome}`);
        }),
    );
    return { seconds, errors };
}

/** The events of one progress stream until it ends: "ready", "failed: …", or undefined (ended early). */
async function progressOutcome(base: string, token: string, user: string, deadline: number): Promise<string | undefined> {
    const res = await fetch(new URL(`/hub/api/users/${user}/server/progress`, base), {
        headers: { authorization: `token ${token}`, accept: "text/event-stream" },
        signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
    });
    if (res.status !== 200 || !res.body) {
        await res.body?.cancel();
        return undefined;
    }
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffered.indexOf("\n\n")) >= 0) {
            const data = buffered
                .slice(0, end)
                .split("\n")
                .filter((l) => l.startsWith("data:"))
                .map((l) => l.slice(5))
                .join("\n");
            buffered = buffered.slice(end + 2);
            if (!data.trim()) continue;
            const ev = JSON.parse(data) as { ready?: boolean; failed?: boolean; message?: string };
            if (ev.ready) return "ready";
            if (ev.failed) return `spawn failed: ${ev.message ?? "no message"}`;
        }
    }
    return undefined;
}

/**
 * Follows one user's spawn to its end. A stream that ends without "ready" (a hub too busy to answer
 * in time, a spawn that ended before the stream opened, or a failure event) is followed by one look
 * at the user's model, which decides; then a new stream.
 */
async function followSpawn(s: Session, token: string, user: string, deadline: number): Promise<string> {
    while (Date.now() < deadline) {
        const outcome = await progressOutcome(s.base, token, user, deadline).catch(() => undefined);
        if (outcome === "ready") return outcome;
        const res = await s.request("GET", `/hub/api/users/${user}`, { token }).catch(() => undefined);
        if (res?.status === 200) {
            const srv = ((await res.json()) as UserModel).servers[""];
            if (srv?.ready) return "ready";
            if (!srv) return outcome ?? "spawn failed (no server after the request)";
        }
        await sleep(250);
    }
    return "not ready by the deadline";
}

async function stopMany(s: Session, token: string, users: string[]): Promise<void> {
    await Promise.all(users.map((u) => s.request("DELETE", `/hub/api/users/${u}/server`, { token })));
    await waitFor(
        "servers stopped",
        300_000,
        async () => {
            const list = (await (await s.request("GET", "/hub/api/users?limit=500", { token })).json()) as UserModel[];
            return list.every((m) => !users.includes(m.name) || Object.keys(m.servers).length === 0) ? true : undefined;
        },
        500,
    );
}

/** Memory (bytes) of containers as `docker stats` reports it (cgroup usage without page cache). */
async function memoryOf(names: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!names.length) return out;
    const text = await dockerAsync(["stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", ...names], 180_000);
    const units: Record<string, number> = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, kB: 1e3, MB: 1e6, GB: 1e9 };
    for (const line of text.trim().split("\n")) {
        const m = /^(\S+) ([\d.]+)([A-Za-z]+) \//.exec(line.trim());
        if (m && units[m[3]]) out.set(m[1], Number(m[2]) * units[m[3]]);
    }
    return out;
}

/** The hub's longest event-loop stall (seconds) logged since `since` (its log warns from 0.25 s). */
async function maxStallSince(hub: string, since: Date): Promise<{ max: number; count: number }> {
    const r = await run("docker", ["logs", "--since", since.toISOString(), hub], { timeoutMs: 60_000 });
    const stalls = [...(r.stdout + r.stderr).matchAll(/Event loop was unresponsive for at least ([\d.]+)s/g)].map((m) => Number(m[1]));
    return { max: stalls.length ? Math.max(...stalls) : 0, count: stalls.length };
}

async function cleanup(): Promise<void> {
    await pulumi(["destroy", "--yes", "--skip-preview"], STACK, 10 * 60_000);
    await pulumi(["stack", "rm", "--yes", "--force"], STACK, 60_000);
    const leftovers = docker(["ps", "-aq", "--filter", `name=${PREFIX}-`])
        .out.split(/\s+/)
        .filter(Boolean);
    if (leftovers.length) docker(["rm", "-f", ...leftovers]);
    const vols = docker(["volume", "ls", "-q", "--filter", `name=${PREFIX}-`])
        .out.split(/\s+/)
        .filter((v) => v.startsWith(`${PREFIX}-`));
    if (vols.length) docker(["volume", "rm", "-f", ...vols]);
    docker(["network", "rm", FLOOR_NET]);
}

/** "met" or "missed by N%" for ratio ≤ limit. */
function verdict(ratio: number, limit: number): string {
    if (!Number.isFinite(ratio)) return "not measured";
    return ratio <= limit ? "met" : `missed by ${Math.round((ratio / limit - 1) * 100)}%`;
}

interface BenchRow extends Row {
    target?: string;
}

async function main(): Promise<void> {
    const started = new Date();
    const load0 = os.loadavg();
    await cleanup();
    await must("stack init", run("pulumi", ["stack", "init", STACK, "--non-interactive"], { timeoutMs: 60_000 }));
    for (const [k, v] of Object.entries(CONFIG)) await must(`config set ${k}`, pulumi(["config", "set", k, v], STACK, 60_000));

    console.log("bench: warm-up pulumi up (builds or reuses the images), then destroy");
    await must("warm-up up", pulumi(["up", "--yes", "--skip-preview"], STACK, 30 * 60_000));
    const image = String((await stackOutputs(STACK)).singleuserImage);
    await must("destroy", pulumi(["destroy", "--yes", "--skip-preview"], STACK, 10 * 60_000));

    console.log(`bench: no-op pulumi up of an empty program with the same providers (${NOOP}x)`);
    const noopFloor = await emptyProgramNoop(NOOP);

    console.log("bench: pulumi up with images present, until /hub/health");
    const t0 = Date.now();
    await must("up", pulumi(["up", "--yes", "--skip-preview"], STACK, 20 * 60_000));
    await waitFor("/hub/health", 120_000, async () => ((await hubHealthy(BASE)) ? true : undefined), 100);
    const hubUp = (Date.now() - t0) / 1000;

    console.log(`bench: no-op pulumi up (${NOOP}x)`);
    const noop: number[] = [];
    for (let i = 0; i < NOOP; i++) noop.push(await must("no-op up", pulumi(["up", "--yes", "--skip-preview"], STACK, 10 * 60_000)));

    const outs = await stackOutputs(STACK, true);
    const password = String(outs.loginPassword);
    const hubContainer = docker(["ps", "--format", "{{.Names}}", "--filter", `name=^${PREFIX}-hub$`]).out.trim();
    if (!hubContainer) throw new Error(`no hub container ${PREFIX}-hub`);
    const s = new Session(BASE);
    const login = await s.login(ADMIN, password);
    if (login.status !== 302) throw new Error(`admin login: HTTP ${login.status}`);
    const tokRes = await s.request("POST", `/hub/api/users/${ADMIN}/tokens`, {
        body: JSON.stringify({ note: "bench", expires_in: 7200 }),
        headers: { "content-type": "application/json", "x-xsrftoken": await s.xsrfToken() },
    });
    if (tokRes.status !== 201) throw new Error(`token: HTTP ${tokRes.status}`);
    const token = ((await tokRes.json()) as { token: string }).token;
    // Names DockerSpawner does not escape, so each container is userContainer(name).
    const users = Array.from({ length: Math.max(CONCURRENT, MANY, 1) }, (_, i) => `benchuser${i}`);
    const created = await s.request("POST", "/hub/api/users", { token, body: JSON.stringify({ usernames: users }) });
    if (created.status !== 201) throw new Error(`create users: HTTP ${created.status} ${await created.text()}`);
    await sleep(5000); // the hub settles after login and user creation before its baseline memory
    const proxyContainer = `${PREFIX}-proxy`;
    const mem0 = await memoryOf([hubContainer, proxyContainer]);
    const [hubMem0, proxyMem0] = [mem0.get(hubContainer) ?? NaN, mem0.get(proxyContainer) ?? NaN];

    console.log(`bench: ${SEQUENTIAL} sequential server starts`);
    const seq: number[] = [];
    const seqErrors: string[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
        const r = await startMany(s, token, [users[0]]);
        seq.push(...r.seconds);
        seqErrors.push(...r.errors);
        await stopMany(s, token, [users[0]]);
    }
    console.log(`bench: ${CONCURRENT} concurrent server starts`);
    const conc = await startMany(s, token, users.slice(0, CONCURRENT));
    await stopMany(s, token, users.slice(0, CONCURRENT));

    console.log(`bench: ${MANY} concurrent server starts`);
    const manyStart = new Date();
    const many = await startMany(s, token, users.slice(0, MANY));
    const stall = await maxStallSince(hubContainer, manyStart);
    const running = users.slice(0, MANY).filter((u) => docker(["inspect", userContainer(u)]).code === 0);
    console.log(`bench: memory of ${running.length} idle servers and the hub`);
    await sleep(10_000); // idle: servers done starting, nobody working
    const idleMem = await memoryOf([hubContainer, proxyContainer, ...running.map(userContainer)]);
    const [hubMemN, proxyMemN] = [idleMem.get(hubContainer) ?? NaN, idleMem.get(proxyContainer) ?? NaN];
    const idle = running.map((u) => idleMem.get(userContainer(u))).filter((x): x is number => x !== undefined);

    console.log(`bench: memory of ${Math.min(ACTIVE, running.length)} servers while a kernel works`);
    const activeUsers = running.slice(0, ACTIVE);
    const work = Promise.all(activeUsers.map((u) => executeInKernel(BASE, u, token, ACTIVE_CODE, 120_000)));
    // Sample while every kernel holds its arrays (they sleep 6 s after the work); kernel start is ~2-4 s here.
    const activeSamples: number[][] = activeUsers.map(() => []);
    const sampleUntil = Date.now() + 14_000;
    let done = false;
    void work.finally(() => (done = true));
    while (!done && Date.now() < sampleUntil) {
        const m = await memoryOf(activeUsers.map(userContainer));
        activeUsers.forEach((u, i) => {
            const v = m.get(userContainer(u));
            if (v !== undefined) activeSamples[i].push(v);
        });
        await sleep(500);
    }
    const outputs = await work;
    if (!outputs.every((o) => o.trim() === "True")) throw new Error(`active workload: unexpected output ${JSON.stringify(outputs)}`);
    const active = activeSamples.map((xs) => Math.max(...xs)).filter(Number.isFinite);
    await stopMany(s, token, users.slice(0, MANY));
    // The hub's log of the whole run, for the spawn phases (bench/results/<stamp>.hub.log, git-ignored).
    const hubLog = await run("docker", ["logs", "--timestamps", hubContainer], { timeoutMs: 60_000 });
    const resultsDir = path.join(PROJECT_DIR, "bench", "results");
    const stamp = started.toISOString().replace(/[:.]/g, "-");
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, `${stamp}.hub.log`), hubLog.stdout + hubLog.stderr);

    console.log("bench: floor (plain docker run of the single-user image)");
    docker(["network", "create", FLOOR_NET]);
    const floorSeq = await floorRuns(image, SEQUENTIAL, false);
    const floorConc = CONCURRENT ? await floorRuns(image, CONCURRENT, true) : [];
    const floorMany = MANY ? await floorRuns(image, MANY, true) : [];
    const load1 = os.loadavg();

    const f50 = quantile(floorSeq, 0.5);
    const rows: BenchRow[] = [
        {
            metric: "hub up (pulumi up → /hub/health), images present",
            samples: [hubUp],
            floor: floorSeq,
            target: `≤ ${TARGETS.hubUp}x docker run p50: ${verdict(hubUp / f50, TARGETS.hubUp)}`,
        },
        {
            metric: "no-op pulumi up (floor: empty program, same providers)",
            samples: noop,
            floor: noopFloor,
            target: `p50 ≤ ${TARGETS.noop}x: ${verdict(quantile(noop, 0.5) / quantile(noopFloor, 0.5), TARGETS.noop)}`,
        },
        {
            metric: "server start, 1 user" + (seqErrors.length ? ` (${seqErrors.length} errors)` : ""),
            samples: seq,
            floor: floorSeq,
            target:
                `p50 ≤ ${TARGETS.startP50}x: ${verdict(quantile(seq, 0.5) / f50, TARGETS.startP50)}; ` +
                `p95 ≤ ${TARGETS.startP95}x: ${verdict(quantile(seq, 0.95) / quantile(floorSeq, 0.95), TARGETS.startP95)}`,
        },
        {
            metric: `server start, ${CONCURRENT} concurrent users` + (conc.errors.length ? ` (${conc.errors.length} errors)` : ""),
            samples: conc.seconds,
            floor: floorConc,
        },
        {
            metric: `server start, ${MANY} concurrent users: ${many.errors.length} errors, max hub event-loop stall ${stall.max.toFixed(2)} s (${stall.count} ≥ 0.25 s)`,
            samples: many.seconds,
            floor: floorMany,
            target:
                `p50 ≤ ${TARGETS.manyP50}x: ${verdict(quantile(many.seconds, 0.5) / quantile(floorMany, 0.5), TARGETS.manyP50)}; ` +
                `0 errors: ${many.errors.length === 0 ? "met" : `missed (${many.errors.length})`}; ` +
                `stall ≤ ${TARGETS.stallSeconds} s: ${verdict(stall.max / TARGETS.stallSeconds, 1)}`,
        },
    ];
    const mib = (b: number) => b / 2 ** 20;
    const memory = {
        idleServerMiB: { p50: mib(quantile(idle, 0.5)), p95: mib(quantile(idle, 0.95)), max: mib(Math.max(...idle)), n: idle.length },
        activeServerMiB: { p50: mib(quantile(active, 0.5)), max: mib(Math.max(...active)), n: active.length },
        hubMiB: {
            atZero: mib(hubMem0),
            atN: mib(hubMemN),
            n: running.length,
            perServer: mib((hubMemN - hubMem0) / Math.max(1, running.length)),
        },
        proxyMiB: { atZero: mib(proxyMem0), atN: mib(proxyMemN), perServer: mib((proxyMemN - proxyMem0) / Math.max(1, running.length)) },
    };
    const errors = [...seqErrors, ...conc.errors, ...many.errors];
    await cleanup();
    if (process.env.BENCH_K8S !== "0") {
        rows.push(...(await kubernetesRows(SEQUENTIAL, CONCURRENT)));
    }
    const num = (x: number, unit = "") => (Number.isFinite(x) ? `${x.toFixed(2)}${unit}` : "—");
    const lines = [
        `# bench ${started.toISOString()}`,
        "",
        `Machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Docker ${docker(["version", "--format", "{{.Server.Version}}"]).out.trim()}; ` +
            `load average (1/5/15 min) ${load0.map((x) => x.toFixed(1)).join("/")} at start, ${load1.map((x) => x.toFixed(1)).join("/")} at the end ` +
            `(other work shares this machine); samples: ${SEQUENTIAL} sequential, ${CONCURRENT} and ${MANY} concurrent, ${NOOP} no-op ups.`,
        "Floor: plain `docker run` of the same single-user image on a user-defined network until its server answers HTTP (same run); no-op up floor: an empty program with the same providers and runtime options; k8s rows: a bare pod of that image on the local cluster until it answers on the pod's address (same run).",
        "",
        "| metric | p50 (s) | p95 (s) | floor p50 (s) | floor p95 (s) | ratio p50 | ratio p95 | target / met or missed by N% |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        ...rows.map((r) => {
            const [p50, p95, fl50, fl95] = [
                quantile(r.samples, 0.5),
                quantile(r.samples, 0.95),
                quantile(r.floor, 0.5),
                quantile(r.floor, 0.95),
            ];
            return `| ${r.metric} | ${num(p50)} | ${num(p95)} | ${num(fl50)} | ${num(fl95)} | ${num(p50 / fl50, "x")} | ${num(p95 / fl95, "x")} | ${r.target ?? "—"} |`;
        }),
        "",
        "Memory (`docker stats`: cgroup usage without page cache), default single-user image, 1 GiB limit:",
        "",
        "| what | figure |",
        "|---|---:|",
        `| user server, idle after start (p50 / p95 / max of ${memory.idleServerMiB.n}) | ${num(memory.idleServerMiB.p50)} / ${num(memory.idleServerMiB.p95)} / ${num(memory.idleServerMiB.max)} MiB |`,
        `| user server, kernel working on numpy arrays (p50 / max of ${memory.activeServerMiB.n}) | ${num(memory.activeServerMiB.p50)} / ${num(memory.activeServerMiB.max)} MiB |`,
        `| hub at 0 servers / at ${memory.hubMiB.n} servers | ${num(memory.hubMiB.atZero)} / ${num(memory.hubMiB.atN)} MiB |`,
        `| hub cost per running server | ${num(memory.hubMiB.perServer)} MiB |`,
        `| proxy at 0 / at ${memory.hubMiB.n} servers (per server) | ${num(memory.proxyMiB.atZero)} / ${num(memory.proxyMiB.atN)} MiB (${num(memory.proxyMiB.perServer)} MiB) |`,
        "",
        ...(errors.length ? ["Errors:", "", ...errors.map((e) => `- ${e}`), ""] : []),
    ];
    const table = lines.join("\n");
    console.log("\n" + table);
    const dir = resultsDir;
    fs.writeFileSync(path.join(dir, `${stamp}.md`), table);
    fs.writeFileSync(
        path.join(dir, `${stamp}.json`),
        JSON.stringify(
            { started: started.toISOString(), loadAverage: { start: load0, end: load1 }, rows, memory, stall, errors, targets: TARGETS },
            null,
            2,
        ) + "\n",
    );
    console.log(`bench: wrote bench/results/${stamp}.md and .json`);
}

main()
    .catch((err) => {
        console.error(`bench failed: ${String(err)}`);
        process.exitCode = 1;
    })
    .finally(async () => {
        await cleanup().catch(() => undefined);
        await sleep(0);
    });
