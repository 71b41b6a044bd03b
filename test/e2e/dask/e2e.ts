/**
 * Dask beside the hub, end to end on the real Docker engine with the real Pulumi engine: `pulumi
 * up` of a throw-away `local` stack with dask.enabled, a scheduler and two workers from the
 * single-user image; a user's kernel connects with a bare `distributed.Client()` (the address the
 * hub injected) and computes a result that every worker took part in; the scheduler's dashboard
 * answers through the hub for the logged-in user, and for nobody else; `pulumi destroy` removes
 * every container. Prints PASS/FAIL lines and `N passed, M failed`.
 *
 * Run with `npm run e2e:dask` (test/e2e/dask/run.sh prepares the toolchain, dockerd and the base
 * images). Bounded: every wait has a deadline and the whole run has E2E_DEADLINE_MINUTES.
 */
import { daskNames } from "../../../components/docker/daskCluster";
import { dockerSpawnerEscape } from "../../../components/docker/render";
import { DASK_PORTS } from "../../../components/hub/dask";
import { localConfig } from "../../unit/fixtures/config";
import {
    Session,
    baseImageConfig,
    docker,
    executeInKernel,
    hubHealthy,
    pulumi,
    run,
    stackOutputs,
    tail,
    waitFor,
    Checks,
} from "../common/lib";

const STACK = process.env.E2E_DASK_STACK ?? "e2e-dask";
const PORT = Number(process.env.E2E_DASK_PORT ?? 18300);
const BASE = `http://127.0.0.1:${PORT}`;
const USER = "dana.e2e";
const OTHER = "olaf.e2e";
const WORKERS = 2;
const PREFIX = `jupyterhub-${STACK}`;
const DEADLINE_MINUTES = Number(process.env.E2E_DEADLINE_MINUTES ?? 30);

const CONFIG: Record<string, string> = {
    topology: "local",
    "hub.port": String(PORT),
    "hub.cull.enabled": "false",
    "singleuser.memory.limit": "1G",
    "singleuser.cpu.limit": "1",
    "dask.enabled": "true",
    "dask.workers": String(WORKERS),
    "dask.worker.memory": "512Mi",
    "dask.worker.cpu": "0.5",
    "dask.scheduler.memory": "512Mi",
    "dask.scheduler.cpu": "0.5",
    // Throw-away: destroy removes the homes too.
    "data.retainOnDestroy": "false",
    ...baseImageConfig(),
};
// The container names, from the program's own naming (the config fixture parses the same keys).
const NAMES = daskNames(localConfig(CONFIG, { stack: STACK }));
const SCHEDULER = NAMES.scheduler;
const WORKER_NAMES = Array.from({ length: WORKERS }, (_, i) => NAMES.worker(i));
const DASHBOARD = `/user/${USER}/proxy/${SCHEDULER}:${DASK_PORTS.dashboard}`;

const secrets: string[] = [];
const checks = new Checks(secrets, 800);
const { report, step } = checks;

function stackContainers(): string[] {
    return docker(["ps", "-aq", "--filter", `label=org.jupyterhub-platform.stack=${STACK}`])
        .out.split(/\s+/)
        .filter(Boolean);
}

async function cleanSlate(): Promise<void> {
    const ls = await run("pulumi", ["stack", "ls", "--json", "--non-interactive"], { timeoutMs: 60_000 }).catch(() => undefined);
    if (ls && ls.code === 0 && ls.stdout.includes(`"${STACK}"`)) {
        await pulumi(["destroy", "--yes", "--skip-preview"], STACK, 10 * 60_000);
        await pulumi(["stack", "rm", "--yes", "--force"], STACK, 60_000);
    }
    const ids = stackContainers();
    if (ids.length) docker(["rm", "-f", ...ids]);
    for (const v of docker(["volume", "ls", "-q", "--filter", `name=${PREFIX}-`])
        .out.split(/\s+/)
        .filter(Boolean))
        docker(["volume", "rm", "-f", v]);
    docker(["network", "rm", `${PREFIX}-net`]);
}

async function createStack(): Promise<void> {
    const init = await run("pulumi", ["stack", "init", STACK, "--non-interactive"], { timeoutMs: 60_000 });
    if (init.code !== 0 && !/already exists/.test(init.stderr)) throw new Error(`stack init: ${init.stderr}`);
    for (const [k, v] of Object.entries(CONFIG)) {
        const r = await pulumi(["config", "set", "--path=false", k, v], STACK, 60_000);
        if (r.code !== 0) throw new Error(`config set ${k}: ${r.stderr}`);
    }
}

/** A browser's GET: follow redirects (the user server's OAuth round trip with the hub) with the session's cookies. */
async function browse(s: Session, url: string, maxRedirects = 10): Promise<{ status: number; url: string; body: string }> {
    let current = new URL(url, BASE);
    for (let i = 0; i <= maxRedirects; i++) {
        const res = await s.request("GET", current.pathname + current.search);
        const location = res.headers.get("location");
        if (res.status >= 300 && res.status < 400 && location) {
            await res.arrayBuffer();
            const next = new URL(location, current);
            if (next.origin !== new URL(BASE).origin) {
                return { status: res.status, url: next.href, body: "" };
            }
            current = next;
            continue;
        }
        return { status: res.status, url: current.href, body: await res.text() };
    }
    throw new Error(`more than ${maxRedirects} redirects from ${url}`);
}

async function startServer(s: Session, token: string, user: string): Promise<number> {
    const t0 = Date.now();
    const res = await s.request("POST", `/hub/api/users/${user}/server`, { token, body: "{}" });
    if (![201, 202, 400].includes(res.status)) throw new Error(`start server: HTTP ${res.status} ${await res.text()}`);
    await waitFor("server ready", 180_000, async () => {
        const m = await s.request("GET", `/hub/api/users/${user}`, { token });
        const model = (await m.json()) as { servers: Record<string, { ready: boolean }> };
        return model.servers[""]?.ready ? true : undefined;
    });
    return (Date.now() - t0) / 1000;
}

async function loginWithToken(user: string, password: string): Promise<{ session: Session; token: string }> {
    const session = new Session(BASE);
    const res = await session.login(user, password);
    if (res.status !== 302) throw new Error(`login ${user}: HTTP ${res.status}`);
    const t = await session.request("POST", `/hub/api/users/${user}/tokens`, {
        body: JSON.stringify({ note: "e2e-dask", expires_in: 3600 }),
        headers: { "content-type": "application/json", "x-xsrftoken": await session.xsrfToken() },
    });
    if (t.status !== 201) throw new Error(`token for ${user}: HTTP ${t.status} ${await t.text()}`);
    const token = ((await t.json()) as { token: string }).token;
    secrets.push(token);
    return { session, token };
}

/** The kernel's work: a bare Client(), tasks spread over the workers, each result tagged with the worker that ran it. */
const KERNEL_CODE = `
import json, os, time
from distributed import Client, get_worker
client = Client(timeout=60)
client.wait_for_workers(${WORKERS}, timeout=120)
def square(x):
    time.sleep(0.02)
    return x * x, get_worker().name
futures = client.map(square, range(400))
results = client.gather(futures)
per_worker = {}
for _, name in results:
    per_worker[name] = per_worker.get(name, 0) + 1
versions = client.get_versions(check=True)
print(json.dumps({
    "env": os.environ.get("DASK_SCHEDULER_ADDRESS"),
    "connected": client.scheduler.address,
    "total": sum(v for v, _ in results),
    "per_worker": per_worker,
    "workers": sorted(w["name"] for w in client.scheduler_info()["workers"].values()),
    "dashboard": client.dashboard_link,
    "distributed": versions["client"]["packages"]["distributed"],
}))
client.close()
`;

interface KernelResult {
    env: string;
    connected: string;
    total: number;
    per_worker: Record<string, number>;
    workers: string[];
    dashboard: string;
    distributed: string;
}

async function main(): Promise<void> {
    const overall = setTimeout(() => {
        console.log(`FAIL deadline of ${DEADLINE_MINUTES} minutes reached`);
        console.log(`${checks.summary(1)}`);
        process.exit(1);
    }, DEADLINE_MINUTES * 60_000);
    try {
        await cleanSlate();
        await createStack();
        await scenario();
    } finally {
        clearTimeout(overall);
    }
}

async function scenario(): Promise<void> {
    let password = "";
    const deployed = await step(`pulumi up: hub, proxy, a Dask scheduler and ${WORKERS} workers`, async () => {
        const r = await pulumi(["up", "--yes", "--skip-preview"], STACK, 25 * 60_000);
        if (r.code !== 0) throw new Error(`pulumi up exited ${r.code}: ${tail(r.stdout + r.stderr, secrets)}`);
        const outs = await stackOutputs(STACK, true);
        password = String(outs.loginPassword ?? "");
        secrets.push(password);
        if (outs.daskSchedulerAddress !== `tcp://${SCHEDULER}:${DASK_PORTS.scheduler}`)
            throw new Error(`daskSchedulerAddress output ${String(outs.daskSchedulerAddress)}`);
        if (JSON.stringify(outs.daskWorkers) !== JSON.stringify(WORKER_NAMES))
            throw new Error(`daskWorkers output ${JSON.stringify(outs.daskWorkers)}`);
        return `${r.seconds.toFixed(0)}s`;
    });
    if (!deployed) return;

    await step("scheduler and workers run the single-user image with their limits, on the hub's network only", async () => {
        const outs = await stackOutputs(STACK);
        const image = String(outs.singleuserImage);
        const fmt = "{{.Image}} {{.State.Running}} {{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.MemorySwap}}";
        const details: string[] = [];
        for (const name of [SCHEDULER, ...WORKER_NAMES]) {
            const [img, running, mem, nano, swap] = docker(["inspect", "-f", fmt, name]).out.trim().split(" ");
            const ports = docker(["inspect", "-f", "{{json .HostConfig.PortBindings}}", name]).out.trim();
            if (img !== image) throw new Error(`${name} runs ${img}, not the single-user image ${image}`);
            if (running !== "true") throw new Error(`${name} is not running`);
            if (Number(mem) !== 512 * 2 ** 20 || Number(swap) !== Number(mem)) throw new Error(`${name} memory ${mem} swap ${swap}`);
            if (Number(nano) !== 0.5e9) throw new Error(`${name} NanoCpus ${nano}`);
            if (ports !== "{}" && ports !== "null") throw new Error(`${name} publishes ports: ${ports}`);
            const nets = docker(["inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", name]).out.trim();
            if (nets !== `${PREFIX}-net`) throw new Error(`${name} networks: ${nets}`);
            details.push(`${name}: 512Mi/0.5cpu`);
        }
        return details.join(", ");
    });

    await step("hub answers /hub/health", async () => {
        await waitFor("/hub/health", 60_000, async () => ((await hubHealthy(BASE)) ? true : undefined));
    });

    let user: { session: Session; token: string } | undefined;
    const started = await step("log in through the form and start the user's server", async () => {
        user = await loginWithToken(USER, password);
        return `ready after ${(await startServer(user.session, user.token, USER)).toFixed(1)}s`;
    });
    if (!started || !user) return;
    const { session, token } = user;

    await step("the user's server has the scheduler address in its environment", async () => {
        const env = docker(["inspect", "-f", "{{json .Config.Env}}", `${PREFIX}-user-${dockerSpawnerEscape(USER)}`]).out;
        if (!env.includes(`"DASK_SCHEDULER_ADDRESS=tcp://${SCHEDULER}:${DASK_PORTS.scheduler}"`)) throw new Error(`env: ${env}`);
    });

    let kernel: KernelResult | undefined;
    await step(`a bare distributed.Client() in a kernel computes over all ${WORKERS} workers`, async () => {
        const out = await executeInKernel(BASE, USER, token, KERNEL_CODE, 240_000);
        kernel = JSON.parse(out.trim().split("\n").pop() ?? "{}") as KernelResult;
        const k = kernel;
        if (k.env !== `tcp://${SCHEDULER}:${DASK_PORTS.scheduler}`) throw new Error(`DASK_SCHEDULER_ADDRESS=${k.env}`);
        if (!k.connected.endsWith(`:${DASK_PORTS.scheduler}`)) throw new Error(`connected to ${k.connected}`);
        const expected = Array.from({ length: 400 }, (_, x) => x * x).reduce((a, b) => a + b, 0);
        if (k.total !== expected) throw new Error(`sum ${k.total} != ${expected}`);
        if (JSON.stringify(k.workers) !== JSON.stringify(WORKER_NAMES)) throw new Error(`scheduler's workers ${JSON.stringify(k.workers)}`);
        for (const w of WORKER_NAMES) {
            if (!(k.per_worker[w] > 0)) throw new Error(`worker ${w} ran no task: ${JSON.stringify(k.per_worker)}`);
        }
        return `sum=${k.total}, tasks per worker ${JSON.stringify(k.per_worker)}, distributed ${k.distributed} everywhere (get_versions check)`;
    });

    await step("Client.dashboard_link points through the user's own server", async () => {
        if (!kernel) throw new Error("no kernel result");
        if (kernel.dashboard !== `${DASHBOARD}/status`) throw new Error(`dashboard_link ${kernel.dashboard}`);
    });

    await step("the dashboard answers through the hub for the logged-in user (jupyter-server-proxy)", async () => {
        const page = await browse(session, `${DASHBOARD}/status`);
        if (page.status !== 200 || !/Dask/.test(page.body)) throw new Error(`${page.url}: HTTP ${page.status} ${page.body.slice(0, 200)}`);
        const identity = await browse(session, `${DASHBOARD}/json/identity.json`);
        if (identity.status !== 200) throw new Error(`identity.json: HTTP ${identity.status}`);
        const workers = Object.values(
            (JSON.parse(identity.body) as { workers: Record<string, { name?: string; id?: string }> }).workers,
        ).map((w) => String(w.name ?? w.id));
        if (JSON.stringify(workers.sort()) !== JSON.stringify(WORKER_NAMES))
            throw new Error(`dashboard's workers ${JSON.stringify(workers)}`);
        return `/status HTTP 200; the dashboard lists ${workers.join(", ")}`;
    });

    await step("without a login the dashboard URL sends the browser to the hub's login page", async () => {
        const anonymous = await browse(new Session(BASE), `${DASHBOARD}/status`);
        if (!/\/hub\/login/.test(anonymous.url) && !(anonymous.status === 200 && /_xsrf/.test(anonymous.body)))
            throw new Error(`anonymous: HTTP ${anonymous.status} at ${anonymous.url}`);
        if (/Dask/.test(anonymous.body) && !/_xsrf/.test(anonymous.body)) throw new Error("dashboard served without a login");
    });

    await step("another logged-in user is refused the user's dashboard", async () => {
        const other = new Session(BASE);
        const res = await other.login(OTHER, password);
        if (res.status !== 302) throw new Error(`login ${OTHER}: HTTP ${res.status}`);
        const page = await browse(other, `${DASHBOARD}/status`);
        if (page.status !== 403) throw new Error(`${OTHER} got HTTP ${page.status} at ${page.url}`);
        return "HTTP 403";
    });

    await step("pulumi destroy removes the scheduler and the workers with the hub", async () => {
        const r = await pulumi(["destroy", "--yes", "--skip-preview"], STACK, 10 * 60_000);
        if (r.code !== 0) throw new Error(`pulumi destroy exited ${r.code}: ${tail(r.stdout + r.stderr, secrets)}`);
        const left = stackContainers();
        if (left.length) throw new Error(`containers left: ${left.join(" ")}`);
        for (const name of [SCHEDULER, ...WORKER_NAMES]) {
            if (docker(["inspect", name]).code === 0) throw new Error(`${name} still exists`);
        }
    });
}

async function cleanup(): Promise<void> {
    if (process.env.E2E_KEEP === "1") {
        console.log(`E2E_KEEP=1: stack ${STACK} left running at ${BASE}`);
        return;
    }
    await step("cleanup: destroy and remove the stack, its volumes and network", async () => {
        const d = await pulumi(["destroy", "--yes", "--skip-preview"], STACK, 10 * 60_000);
        if (d.code !== 0) throw new Error(tail(d.stdout + d.stderr, secrets));
        const rm = await pulumi(["stack", "rm", "--yes"], STACK, 60_000);
        if (rm.code !== 0) throw new Error(rm.stderr);
        await cleanSlate();
        if (stackContainers().length) throw new Error("containers left");
    });
}

main()
    .catch((err) => report(false, "e2e-dask runner", String(err)))
    .then(cleanup)
    .catch((err) => report(false, "cleanup", String(err)))
    .finally(() => {
        console.log(`${checks.summary()}`);
        process.exit(checks.ok ? 0 : 1);
    });
