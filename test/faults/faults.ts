/**
 * npm run test:faults: faults during a load run on a `local` stack, with nothing lost.
 *
 * The stack runs on a private Docker engine this test starts (test/faults/dockerd.sh; DOCKER_HOST
 * points the program, the docker CLI and the hub at it), so restarting "the engine" never touches
 * the shared one. FAULTS_USERS users (default 8) log in through the form, start servers, write a
 * file in their home and execute code in a kernel every few seconds. Then, one after the other:
 *
 *   proxy crash     the proxy's process is SIGKILLed (its restart policy brings it back, with an
 *                   empty routing table)
 *   hub crash       the hub's process is SIGKILLed
 *   engine restart  the private dockerd is stopped and started again
 *
 * After each: every server answers through the proxy again within the fault's stated bound (the
 * recovery time is printed), each user's file is still in its home, no hub database row (users,
 * API tokens, servers, spawners) is lost, and no server is orphaned (every user container belongs
 * to a server the hub has running, and every running server has its container). At the end the
 * load runs on without errors. Bounded: users, every wait and the whole run (run.sh's timeout).
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { Checks, Session, docker, sleep, waitFor } from "../e2e/common/lib";
import { HUB_SQLITE_PATH } from "../../components/hub/contract";
import {
    createStack,
    destroyStack,
    loginUser,
    serverAnswers,
    startServer,
    uniqueStackName,
    type LocalStack,
    type LoggedInUser,
} from "../../bench/load/stack";
import { containerLog } from "../../bench/load/metrics";
import { Workload } from "../../bench/load/workload";
import { provideImages } from "./images";

const RUN_DIR = process.env.FAULTS_RUN_DIR ?? "";
const PRIVATE_HOST = `unix://${RUN_DIR}/docker.sock`;
const DOCKERD = path.join(__dirname, "dockerd.sh");
const USERS = Math.min(20, Math.max(1, Number(process.env.FAULTS_USERS ?? 8)));
const PORT = Number(process.env.FAULTS_PORT ?? 18300);
const INTERVAL = 3;
/** Steady load after the last fault that must run without a single error. */
const CALM_SECONDS = 20;
const MARKER = "fault-marker.txt";

/** Recovery bounds (seconds): every server answers through the proxy again within these. */
export const BOUNDS = { proxy: 20, hub: 90, engine: 240 } as const;

const checks = new Checks([]);
const { step, report } = checks;

function hostPid(container: string): number {
    const r = docker(["inspect", "-f", "{{.State.Pid}}", container]);
    const pid = Number(r.out.trim());
    if (r.code !== 0 || !(pid > 0)) throw new Error(`no running process for ${container}: ${r.out}`);
    return pid;
}

/** A crash, not a `docker kill` (which Docker counts as a manual stop and never restarts). */
function crash(container: string): void {
    process.kill(hostPid(container), "SIGKILL");
}

function dockerd(cmd: "restart" | "start"): void {
    const r = spawnSync("bash", [DOCKERD, cmd, RUN_DIR], { encoding: "utf8", timeout: 5 * 60_000 });
    if (r.status !== 0) throw new Error(`dockerd.sh ${cmd}: ${r.stdout}${r.stderr}`);
}

/** Rows of the hub's database that must never be lost (read with the hub image's python). */
function dbRows(stack: LocalStack): Set<string> {
    const py = [
        "import sqlite3, sys",
        `db = sqlite3.connect("file:${HUB_SQLITE_PATH}?mode=ro", uri=True)`,
        "for q in ('users', 'select name from users'), ('api_tokens', 'select id from api_tokens'), ('servers', 'select id from servers'), ('spawners', 'select id from spawners'):",
        "    for (v,) in db.execute(q[1]): print(f'{q[0]}:{v}')",
    ].join("\n");
    const r = docker(["exec", "-i", stack.hubContainer, "python3", "-"], py);
    if (r.code !== 0) throw new Error(`reading the hub database: ${r.out}`);
    return new Set(r.out.split("\n").filter(Boolean));
}

interface HubUser {
    name: string;
    servers: Record<string, { ready: boolean; state?: { object_id?: string; object_name?: string } }>;
}

async function hubServers(s: Session, token: string): Promise<Map<string, string>> {
    const res = await s.request("GET", "/hub/api/users?include_stopped_servers=false&state=", { token });
    if (res.status !== 200) throw new Error(`GET /hub/api/users: HTTP ${res.status}`);
    const users = (await res.json()) as HubUser[];
    const out = new Map<string, string>();
    for (const u of users) {
        const s0 = u.servers?.[""];
        if (s0) out.set(u.name, s0.state?.object_id ?? "");
    }
    return out;
}

function userContainers(stack: LocalStack): { id: string; name: string; running: boolean }[] {
    const r = docker([
        "ps",
        "-a",
        "--no-trunc",
        "--filter",
        `label=org.jupyterhub-platform.stack=${stack.name}`,
        "--filter",
        "label=org.jupyterhub-platform.role=user-server",
        "--format",
        "{{.ID}} {{.Names}} {{.State}}",
    ]);
    return r.out
        .split("\n")
        .filter(Boolean)
        .map((l) => {
            const [id, name, state] = l.split(" ");
            return { id, name, running: state === "running" };
        });
}

/** The stack being run, for the signal handler. */
let current: string | undefined;

async function main(): Promise<void> {
    if (!RUN_DIR) throw new Error("FAULTS_RUN_DIR is unset (run through test/faults/run.sh)");
    const images = provideImages(PRIVATE_HOST, (s) => console.log(s));
    // From here on everything (pulumi, the docker CLI, the hub's socket) is the private engine.
    process.env.DOCKER_HOST = PRIVATE_HOST;
    const name = uniqueStackName("faults");
    const prefix = `jupyterhub-${name}`;
    current = name;
    let work: Workload | undefined;
    try {
        console.log(`faults: stack ${name} on ${PRIVATE_HOST}, ${USERS} users`);
        const stack = await createStack(name, PORT, { "images.hub.image": images.hub, "singleuser.image": images.singleuser });
        const admin = new Session(stack.base);
        const adminLogin = await admin.login(stack.admin, stack.password);
        if (adminLogin.status !== 302) throw new Error(`admin login: HTTP ${adminLogin.status}`);
        const tok = await admin.request("POST", `/hub/api/users/${stack.admin}/tokens`, {
            body: JSON.stringify({ note: "faults", expires_in: 4 * 3600 }),
            headers: { "content-type": "application/json", "x-xsrftoken": await admin.xsrfToken() },
        });
        const adminToken = ((await tok.json()) as { token: string }).token;

        const users: LoggedInUser[] = [];
        await step(`${USERS} users log in through the form and start their servers`, async () => {
            const started = await Promise.all(
                Array.from({ length: USERS }, async (_, i) => {
                    const u = await loginUser(stack.base, `fault-user-${i}`, stack.password);
                    const s = await startServer(u, 600_000);
                    users.push(u);
                    return s;
                }),
            );
            return `spawn max ${Math.max(...started).toFixed(1)}s`;
        });
        if (users.length < USERS) throw new Error(`only ${users.length} of ${USERS} servers started; no fault injected`);
        users.sort((a, b) => a.name.localeCompare(b.name));
        work = new Workload(stack.base, users, INTERVAL);
        const w = work;
        await step("every user opens a kernel and writes a file in its home", async () => {
            const failed = await w.openKernels();
            if (failed.size) throw new Error([...failed].map(([u, e]) => `${u}: ${e}`).join("; "));
            for (const u of users) {
                await w.kernels.get(u.name)!.execute(`import os\nopen(os.path.expanduser("~/${MARKER}"), "w").write("${u.name}")`, 30_000);
            }
        });
        const rowsBefore = dbRows(stack);
        report(rowsBefore.size > 2 * USERS, "hub database rows recorded before the faults", `${rowsBefore.size} rows`);
        w.start();
        await sleep(2 * INTERVAL * 1000);

        const faults: { name: string; bound: number; inject: () => void; after?: () => Promise<void> }[] = [
            {
                name: "proxy crash (SIGKILL of configurable-http-proxy)",
                bound: BOUNDS.proxy,
                inject: () => crash(stack.proxyContainer),
                // The routes came back through the hub's watch of the proxy container, not the sweep.
                after: () =>
                    step("proxy crash: the hub re-added the routes on the proxy container's start", async () => {
                        const log = containerLog(stack.hubContainer, "5m");
                        const line = log
                            .split("\n")
                            .find((l) => /platform proxy watch: proxy container \w+ started; routes checked/.test(l));
                        if (!line)
                            throw new Error("no 'platform proxy watch: proxy container … started; routes checked' line in the hub's log");
                        return line.replace(/^.*platform proxy watch: /, "");
                    }).then(() => undefined),
            },
            { name: "hub crash (SIGKILL of the hub)", bound: BOUNDS.hub, inject: () => crash(stack.hubContainer) },
            { name: "Docker engine restart (the private dockerd)", bound: BOUNDS.engine, inject: () => dockerd("restart") },
        ];
        const recoveries: string[] = [];
        for (const f of faults) {
            console.log(`faults: ${f.name}`);
            const t0 = Date.now();
            f.inject();
            // Give the fault a moment to take effect before probing (a crashed proxy restarts in ~0.1s).
            await sleep(500);
            let recovered = NaN;
            await step(`${f.name}: every server and the hub answer through the proxy within ${f.bound}s`, async () => {
                await waitFor(
                    "every server and the hub through the proxy",
                    Math.max(3 * f.bound, 120) * 1000,
                    async () => {
                        const health = await fetch(new URL("/hub/health", stack.base), { signal: AbortSignal.timeout(3000) }).catch(
                            () => undefined,
                        );
                        if (health?.status !== 200) return undefined;
                        const ok = await Promise.all(users.map((u) => serverAnswers(stack.base, u, 3000)));
                        return ok.every(Boolean) ? true : undefined;
                    },
                    250,
                );
                recovered = (Date.now() - t0) / 1000;
                recoveries.push(`${f.name}: ${recovered.toFixed(1)}s (bound ${f.bound}s)`);
                console.log(`RECOVERY ${f.name}: ${recovered.toFixed(1)}s (bound ${f.bound}s)`);
                if (recovered > f.bound) throw new Error(`recovered after ${recovered.toFixed(1)}s, over the bound of ${f.bound}s`);
                return `recovered in ${recovered.toFixed(1)}s`;
            });
            await f.after?.();
            await step(`${f.name}: every user's file is still in its home`, async () => {
                const bad: string[] = [];
                for (const c of userContainers(stack)) {
                    const r = docker(["exec", c.name, "sh", "-c", `cat "$HOME/${MARKER}"`]);
                    const user = users.find((u) => r.out.trim() === u.name);
                    if (r.code !== 0 || !user) bad.push(`${c.name}: ${r.out.trim()}`);
                }
                if (userContainers(stack).length !== users.length)
                    bad.push(`${userContainers(stack).length} user containers for ${users.length} users`);
                if (bad.length) throw new Error(bad.join("; "));
            });
            await step(`${f.name}: no hub database row lost`, async () => {
                const after = await waitFor("the hub database", 60_000, async () => dbRows(stack));
                const lost = [...rowsBefore].filter((r) => !after.has(r));
                if (lost.length) throw new Error(`lost: ${lost.join(", ")}`);
                return `${rowsBefore.size} rows before, ${after.size} after`;
            });
            await step(`${f.name}: no orphaned server (containers = running servers)`, async () => {
                const running = await hubServers(admin, adminToken);
                const containers = userContainers(stack);
                const problems: string[] = [];
                for (const c of containers) {
                    if (!c.running) problems.push(`${c.name} not running`);
                    if (![...running.values()].some((id) => id && c.id.startsWith(id)))
                        problems.push(`${c.name} belongs to no running server`);
                }
                for (const [u, id] of running) {
                    if (!containers.some((c) => id && c.id.startsWith(id) && c.running))
                        problems.push(`${u}'s server has no running container`);
                }
                const missing = users.filter((u) => !running.has(u.name)).map((u) => u.name);
                if (missing.length) problems.push(`servers the hub no longer has: ${missing.join(", ")}`);
                if (problems.length) throw new Error(problems.join("; "));
                return `${containers.length} containers, ${running.size} servers`;
            });
        }
        const calmFrom = Date.now();
        await sleep(CALM_SECONDS * 1000);
        await w.stop();
        await step(`the load runs without errors for ${CALM_SECONDS}s after the last fault`, async () => {
            // Kernels were lost with their servers' restart: the workload re-opens them first.
            const after = w.outcomes.filter((o) => o.t >= calmFrom + 2 * INTERVAL * 1000);
            const failed = after.filter((o) => !o.ok);
            if (after.filter((o) => o.kind === "execute").length < users.length) throw new Error(`only ${after.length} operations`);
            if (failed.length)
                throw new Error(
                    `${failed.length} of ${after.length} failed: ${failed
                        .slice(0, 5)
                        .map((o) => `${o.user} ${o.kind} ${o.error}`)
                        .join("; ")}`,
                );
            return `${after.length} operations`;
        });
        const during = w.outcomes.filter((o) => !o.ok).length;
        console.log(`faults: ${during} operations failed while faults were under way (expected; not counted)`);
        console.log(`faults: recovery times\n  ${recoveries.join("\n  ")}`);
    } catch (err) {
        report(false, "fault test setup", err instanceof Error ? err.message : String(err));
    } finally {
        await work?.stop();
        await work?.closeKernels().catch(() => undefined);
        console.log(`faults: destroying stack ${name}`);
        const left = await destroyStack(name, prefix).catch((e) => String(e));
        report(left === "", "stack destroyed, nothing of it left on the engine", left);
        current = undefined;
    }
    console.log(checks.summary());
    process.exitCode = checks.ok ? 0 : 1;
}

// The run's deadline (run.sh's timeout) or ^C: destroy the stack, then stop (run.sh then removes
// the private engine).
for (const sig of ["SIGTERM", "SIGINT"] as const) {
    process.once(sig, () => {
        console.error(`faults: ${sig}; destroying stack ${current ?? "(none yet)"} before exiting`);
        const done = () => process.exit(1);
        if (current) destroyStack(current, `jupyterhub-${current}`).then(done, done);
        else done();
    });
}

void main();
