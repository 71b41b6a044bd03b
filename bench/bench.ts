/**
 * npm run bench: how long the local topology takes, against the floor measured in the same run.
 *
 *   hub up           `pulumi up` of a fresh stack with the images already built, until
 *                    /hub/health answers through the proxy
 *   no-op up         `pulumi up` with nothing to change
 *   start, 1 user    server start latency (REST API POST to ready), sequential samples
 *   start, 10 users  ten users started at once, latency of each
 *
 * Floor: a plain `docker run` of the same single-user image until its server answers HTTP,
 * sequentially and ten at once. Then, unless BENCH_K8S=0, the same on the local Kubernetes
 * cluster (bench/k8s.ts: cluster up, hub up, server starts against a bare-pod floor). Prints a
 * table with ratios and writes bench/results/<stamp>.md and .json. Bounded: fixed sample counts
 * and deadlines; the stacks and their volumes are removed, the cluster taken down.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    PROJECT_DIR,
    Session,
    baseImageConfig,
    docker,
    hubHealthy,
    pulumi,
    run,
    sleep,
    stackOutputs,
    tail,
    waitFor,
} from "../test/e2e/common/lib";
import { kubernetesRows, type Row } from "./k8s";

const STACK = process.env.BENCH_STACK ?? "bench-local";
const PORT = Number(process.env.BENCH_PORT ?? 18100);
const BASE = `http://127.0.0.1:${PORT}`;
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 5);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 10);
const PREFIX = `jupyterhub-${STACK}`;
const ADMIN = "bench-admin";

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

/** Plain `docker run` of the single-user image until its server answers; returns seconds each. */
async function floorRuns(image: string, count: number, concurrent: boolean): Promise<number[]> {
    const one = async (i: number): Promise<number> => {
        const name = `${PREFIX}-floor-${i}`;
        docker(["rm", "-f", name]);
        const t0 = Date.now();
        const r = docker([
            "run",
            "-d",
            "--name",
            name,
            "-p",
            "127.0.0.1::8888",
            "--memory",
            "1g",
            image,
            "start-notebook.py",
            "--ServerApp.token=bench",
        ]);
        if (r.code !== 0) throw new Error(`docker run: ${r.out}`);
        try {
            const port = docker(["port", name, "8888/tcp"]).out.trim().split(":").pop();
            await waitFor(
                `floor container ${i}`,
                120_000,
                async () => {
                    const res = await fetch(`http://127.0.0.1:${port}/api/status?token=bench`, { signal: AbortSignal.timeout(2000) }).catch(
                        () => undefined,
                    );
                    return res && res.status === 200 ? true : undefined;
                },
                100,
            );
            return (Date.now() - t0) / 1000;
        } finally {
            docker(["rm", "-f", name]);
        }
    };
    if (concurrent) {
        return Promise.all(Array.from({ length: count }, (_, i) => one(i)));
    }
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(await one(i));
    return out;
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
        120_000,
        async () => {
            const m = (await (await s.request("GET", `/hub/api/users/${user}`, { token })).json()) as { servers: Record<string, unknown> };
            return Object.keys(m.servers).length === 0 ? true : undefined;
        },
        500,
    );
}

async function cleanup(): Promise<void> {
    await pulumi(["destroy", "--yes", "--skip-preview"], STACK, 10 * 60_000);
    await pulumi(["stack", "rm", "--yes", "--force"], STACK, 60_000);
    const vols = docker(["volume", "ls", "-q", "--filter", `name=${PREFIX}-`])
        .out.split(/\s+/)
        .filter((v) => v.startsWith(`${PREFIX}-`));
    if (vols.length) docker(["volume", "rm", "-f", ...vols]);
}

async function main(): Promise<void> {
    const started = new Date();
    await cleanup();
    await must("stack init", run("pulumi", ["stack", "init", STACK, "--non-interactive"], { timeoutMs: 60_000 }));
    for (const [k, v] of Object.entries(CONFIG)) await must(`config set ${k}`, pulumi(["config", "set", k, v], STACK, 60_000));

    console.log("bench: warm-up pulumi up (builds or reuses the images), then destroy");
    await must("warm-up up", pulumi(["up", "--yes", "--skip-preview"], STACK, 30 * 60_000));
    const image = String((await stackOutputs(STACK)).singleuserImage);
    await must("destroy", pulumi(["destroy", "--yes", "--skip-preview"], STACK, 10 * 60_000));

    console.log("bench: pulumi up with images present, until /hub/health");
    const t0 = Date.now();
    await must("up", pulumi(["up", "--yes", "--skip-preview"], STACK, 20 * 60_000));
    await waitFor("/hub/health", 120_000, async () => ((await hubHealthy(BASE)) ? true : undefined), 100);
    const hubUp = (Date.now() - t0) / 1000;

    console.log("bench: no-op pulumi up");
    const noop = await must("no-op up", pulumi(["up", "--yes", "--skip-preview"], STACK, 10 * 60_000));

    const outs = await stackOutputs(STACK, true);
    const password = String(outs.loginPassword);
    const s = new Session(BASE);
    const login = await s.login(ADMIN, password);
    if (login.status !== 302) throw new Error(`admin login: HTTP ${login.status}`);
    const tokRes = await s.request("POST", `/hub/api/users/${ADMIN}/tokens`, {
        body: JSON.stringify({ note: "bench", expires_in: 3600 }),
        headers: { "content-type": "application/json", "x-xsrftoken": await s.xsrfToken() },
    });
    if (tokRes.status !== 201) throw new Error(`token: HTTP ${tokRes.status}`);
    const token = ((await tokRes.json()) as { token: string }).token;
    const users = Array.from({ length: CONCURRENT }, (_, i) => `bench-user-${i}`);
    const created = await s.request("POST", "/hub/api/users", { token, body: JSON.stringify({ usernames: users }) });
    if (created.status !== 201) throw new Error(`create users: HTTP ${created.status} ${await created.text()}`);

    console.log(`bench: ${SEQUENTIAL} sequential server starts`);
    const seq: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
        seq.push(await startAndWait(s, token, users[0]));
        await stopAndWait(s, token, users[0]);
    }
    console.log(`bench: ${CONCURRENT} concurrent server starts`);
    const conc = await Promise.all(users.map((u) => startAndWait(s, token, u)));
    await Promise.all(users.map((u) => stopAndWait(s, token, u)));

    console.log("bench: floor (plain docker run of the single-user image)");
    const floorSeq = await floorRuns(image, SEQUENTIAL, false);
    const floorConc = await floorRuns(image, CONCURRENT, true);

    const rows: Row[] = [
        { metric: "hub up (pulumi up → /hub/health), images present", samples: [hubUp], floor: [quantile(floorSeq, 0.5)] },
        { metric: "no-op pulumi up", samples: [noop], floor: [quantile(floorSeq, 0.5)] },
        { metric: "server start, 1 user", samples: seq, floor: floorSeq },
        { metric: `server start, ${CONCURRENT} concurrent users`, samples: conc, floor: floorConc },
    ];
    await cleanup();
    if (process.env.BENCH_K8S !== "0") {
        rows.push(...(await kubernetesRows(SEQUENTIAL, CONCURRENT)));
    }
    const num = (x: number, unit = "") => (Number.isFinite(x) ? `${x.toFixed(2)}${unit}` : "—");
    const lines = [
        `# bench ${started.toISOString()}`,
        "",
        `Machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Docker ${docker(["version", "--format", "{{.Server.Version}}"]).out.trim()}; samples: ${SEQUENTIAL} sequential, ${CONCURRENT} concurrent.`,
        "Floor: plain `docker run` of the same single-user image until its server answers HTTP (same run); k8s rows: a bare pod of that image on the local cluster until it answers on the pod's address (same run).",
        "",
        "| metric | p50 (s) | p95 (s) | floor p50 (s) | floor p95 (s) | ratio p50 | ratio p95 |",
        "|---|---:|---:|---:|---:|---:|---:|",
        ...rows.map((r) => {
            const [p50, p95, f50, f95] = [
                quantile(r.samples, 0.5),
                quantile(r.samples, 0.95),
                quantile(r.floor, 0.5),
                quantile(r.floor, 0.95),
            ];
            return `| ${r.metric} | ${num(p50)} | ${num(p95)} | ${num(f50)} | ${num(f95)} | ${num(p50 / f50, "x")} | ${num(p95 / f95, "x")} |`;
        }),
        "",
    ];
    const table = lines.join("\n");
    console.log("\n" + table);
    const dir = path.join(PROJECT_DIR, "bench", "results");
    fs.mkdirSync(dir, { recursive: true });
    const stamp = started.toISOString().replace(/[:.]/g, "-");
    fs.writeFileSync(path.join(dir, `${stamp}.md`), table);
    fs.writeFileSync(path.join(dir, `${stamp}.json`), JSON.stringify({ started: started.toISOString(), rows }, null, 2) + "\n");
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
