/**
 * Dask Gateway on a real Kubernetes cluster (tools/local-cluster) with the real Pulumi engine and
 * kubernetes plugin, in the existing-cluster mode of e2e:k8s (images pushed to a loopback registry,
 * pulled by digest): `pulumi up` of a hub stack with dask.enabled; a user's kernel creates a gateway
 * cluster with `Gateway().new_cluster()` (no arguments: the hub put DASK_GATEWAY__* in its
 * environment), scales it to 2 workers whose pods run on the kubelet, computes over both, reaches
 * the dashboard through the hub, is refused a second cluster (dask.gateway.maxClustersPerUser 1),
 * stops it; a cluster left running goes when the idle culler stops the user's server. Prints
 * PASS/FAIL lines and `N passed, M failed`.
 *
 * Run by test/e2e/k8s/dask-gateway.sh (npm run e2e:dask-gateway), which holds the cluster lock and
 * brings the cluster up and down. Bounded: every wait has a deadline, the run has E2E_DEADLINE_MINUTES.
 */
import * as fs from "fs";
import * as path from "path";
import { GATEWAY_PREFIX, gatewayNames } from "../../../components/kubernetes/daskGateway/names";
import { Session, baseImageConfig, executeInKernel, hubHealthy, pulumi, run, stackOutputs, tail, waitFor, Checks } from "../common/lib";
import { REGISTRY_CACHE_DIR, startRegistry, type LoopbackRegistry } from "../common/registry";
import { kubeJson, kubectl, pods, podReady, type Pod } from "./kube";

const RUN_DIR = process.env.E2E_K8S_RUN ?? "/tmp/jhp-e2e-dask-gateway";
const REGISTRY_PORT = Number(process.env.E2E_K8S_REGISTRY_PORT ?? 15110);
const NODE_IP = process.env.JHP_CLUSTER_NODE_IP ?? "10.213.0.2";
const DEADLINE_MINUTES = Number(process.env.E2E_DEADLINE_MINUTES ?? 45);
const KUBE_VERSION = process.env.E2E_K8S_VERSION ?? "1.33.13";
const TRAEFIK_IMAGE = process.env.E2E_TRAEFIK_IMAGE ?? "jupyterhub-platform/traefik:v3.3.5";
const NODE_CIDR = `${NODE_IP.split(".").slice(0, 3).join(".")}.0/24`;

const STACK = "e2e-k8s-dask";
const NS = "jhp-e2e-dask";
const NODE_PORT = 30280;
const BASE = `http://${NODE_IP}:${NODE_PORT}`;
const USER = "dora";
const CULL_TIMEOUT = 90;
const GW = gatewayNames(NS);

const secrets: string[] = [];
let registry: LoopbackRegistry | undefined;

const checks = new Checks(secrets, 900);
const { report, step } = checks;

async function stackExists(): Promise<boolean> {
    const ls = await run("pulumi", ["stack", "ls", "--json", "--non-interactive"], { timeoutMs: 60_000 });
    return ls.code === 0 && ls.stdout.includes(`"${STACK}"`);
}

async function cleanSlate(): Promise<void> {
    if (await stackExists()) {
        await pulumi(["destroy", "--yes", "--skip-preview"], STACK, 15 * 60_000);
        await pulumi(["stack", "rm", "--yes", "--force"], STACK, 60_000);
    }
    kubectl(["delete", "namespace", NS, "--ignore-not-found", "--wait=true", "--timeout=180s"], 200_000);
}

async function createStack(reg: LoopbackRegistry): Promise<void> {
    const init = await run("pulumi", ["stack", "init", STACK, "--non-interactive"], { timeoutMs: 60_000 });
    if (init.code !== 0 && !/already exists/.test(init.stderr)) throw new Error(`stack init: ${init.stderr}`);
    const kubeconfig = fs.readFileSync(String(process.env.KUBECONFIG), "utf8");
    const set = await run("pulumi", ["config", "set", "--secret", "kubernetes.kubeconfig", "--stack", STACK, "--non-interactive"], {
        timeoutMs: 60_000,
        input: kubeconfig,
    });
    if (set.code !== 0) throw new Error(`config set kubernetes.kubeconfig: ${set.stderr}`);
    const config: [string, string, boolean?][] = [
        ["topology", "kubernetes"],
        ["kubernetes.cluster", "existing"],
        ["kubernetes.version", KUBE_VERSION],
        ["kubernetes.nodeCidr", NODE_CIDR],
        ["kubernetes.namespace", NS],
        ["kubernetes.storage", "storage-class"],
        ["kubernetes.storageClass", "local-path"],
        ["kubernetes.proxy.serviceType", "NodePort"],
        ["kubernetes.proxy.httpNodePort", String(NODE_PORT)],
        // Only what this test is about: no puller, placeholders or user scheduler.
        ["kubernetes.imagePuller", "false"],
        ["kubernetes.userScheduler", "false"],
        ["kubernetes.userPlaceholders", "0"],
        ["images.registry.server", reg.server],
        ["images.registry.username", reg.username],
        ["images.registry.password", reg.password, true],
        ["hub.auth.type", "dummy"],
        ["hub.cull.timeout", String(CULL_TIMEOUT)],
        ["hub.cull.every", "10"],
        ["singleuser.memory.limit", "1G"],
        ["singleuser.cpu.guarantee", "100m"],
        ["singleuser.cpu.limit", "1"],
        ["data.retainOnDestroy", "false"],
        ["dask.enabled", "true"],
        ["dask.worker.memory", "512Mi"],
        ["dask.worker.cpu", "250m"],
        ["dask.scheduler.memory", "512Mi"],
        ["dask.scheduler.cpu", "250m"],
        ["dask.gateway.maxClustersPerUser", "1"],
        ["dask.gateway.traefikImage", TRAEFIK_IMAGE],
        ...Object.entries(baseImageConfig()).map(([k, v]): [string, string] => [k, v]),
    ];
    for (const [k, v, secret] of config) {
        const r = await pulumi(["config", "set", "--path=false", ...(secret ? ["--secret"] : []), k, v], STACK, 60_000);
        if (r.code !== 0) throw new Error(`config set ${k}: ${r.stderr}`);
    }
}

async function loginAndToken(s: Session, password: string): Promise<string> {
    const res = await s.login(USER, password);
    if (res.status !== 302) throw new Error(`POST /hub/login: HTTP ${res.status}`);
    const tok = await s.request("POST", `/hub/api/users/${USER}/tokens`, {
        body: JSON.stringify({ note: "e2e-dask-gateway", expires_in: 4 * 3600 }),
        headers: { "content-type": "application/json", "x-xsrftoken": await s.xsrfToken() },
    });
    if (tok.status !== 201) throw new Error(`create token: HTTP ${tok.status} ${await tok.text()}`);
    const token = ((await tok.json()) as { token: string }).token;
    secrets.push(token);
    return token;
}

async function servers(s: Session, token: string): Promise<Record<string, { ready: boolean }>> {
    const res = await s.request("GET", `/hub/api/users/${USER}`, { token });
    if (res.status !== 200) throw new Error(`GET user: HTTP ${res.status}`);
    return ((await res.json()) as { servers: Record<string, { ready: boolean }> }).servers;
}

async function startServer(s: Session, token: string): Promise<number> {
    const t0 = Date.now();
    const res = await s.request("POST", `/hub/api/users/${USER}/server`, { token, body: "{}" });
    if (![201, 202, 400].includes(res.status)) throw new Error(`start: HTTP ${res.status} ${await res.text()}`);
    await waitFor("server ready", 300_000, async () => ((await servers(s, token))[""]?.ready ? true : undefined));
    return (Date.now() - t0) / 1000;
}

function clusterPods(name: string): Pod[] {
    return pods(NS, `gateway.dask.org/cluster=${name}`).filter((p) => !p.metadata.deletionTimestamp);
}

function role(p: Pod): string {
    return p.metadata.labels?.["app.kubernetes.io/component"] ?? "?";
}

/** A kernel's last printed line as JSON. */
async function kernelJson<T>(token: string, code: string, timeoutMs: number): Promise<T> {
    const out = await executeInKernel(BASE, USER, token, code, timeoutMs);
    return JSON.parse(out.trim().split("\n").pop() ?? "{}") as T;
}

const COMPUTE = `
import json, os, time
from dask_gateway import Gateway
from distributed import get_worker
gateway = Gateway()
# The cluster outlives this kernel (the test's kernels are deleted after each run): stopped explicitly below.
cluster = gateway.new_cluster(shutdown_on_close=False)
cluster.scale(2)
client = cluster.get_client()
client.wait_for_workers(2, timeout=420)
def square(x):
    time.sleep(0.02)
    return x * x, get_worker().name
results = client.gather(client.map(square, range(200)))
per_worker = {}
for _, name in results:
    per_worker[name] = per_worker.get(name, 0) + 1
print(json.dumps({
    "name": cluster.name,
    "total": sum(v for v, _ in results),
    "per_worker": per_worker,
    "workers": len(client.scheduler_info()["workers"]),
    "dashboard": cluster.dashboard_link,
    "address": gateway.address,
    "env": os.environ.get("DASK_GATEWAY__ADDRESS"),
}))
client.close()
`;

async function main(): Promise<void> {
    fs.mkdirSync(RUN_DIR, { recursive: true });
    const overall = setTimeout(() => {
        console.log(`FAIL deadline of ${DEADLINE_MINUTES} minutes reached`);
        console.log(`${checks.summary(1)}`);
        process.exit(1);
    }, DEADLINE_MINUTES * 60_000);
    try {
        await cleanSlate();
        registry = await startRegistry(REGISTRY_PORT, { pidFile: path.join(RUN_DIR, "registry.pid"), storageDir: REGISTRY_CACHE_DIR });
        secrets.push(registry.password);
        await createStack(registry);
        await scenario();
    } finally {
        clearTimeout(overall);
    }
}

async function scenario(): Promise<void> {
    let password = "";
    const deployed = await step("pulumi up: the hub and Dask Gateway (server, controller, traefik) on the cluster", async () => {
        const r = await pulumi(["up", "--yes", "--skip-preview"], STACK, 30 * 60_000);
        fs.writeFileSync(path.join(RUN_DIR, `up-${Date.now()}.log`), r.stdout + r.stderr);
        if (r.code !== 0) throw new Error(`pulumi up exited ${r.code}: ${tail(r.stdout + r.stderr, secrets)}`);
        password = String((await stackOutputs(STACK, true)).loginPassword ?? "");
        secrets.push(password);
        return `${r.seconds.toFixed(0)}s`;
    });
    if (!deployed) return;

    await step("gateway, controller and traefik pods are Ready on the kubelet; the hub answers", async () => {
        for (const component of ["gateway", "controller", "traefik"]) {
            await waitFor(`${component} Ready`, 300_000, async () =>
                pods(NS, `app.kubernetes.io/component=${component},gateway.dask.org/instance=${GW.instance}`).some(podReady)
                    ? true
                    : undefined,
            );
        }
        await waitFor("/hub/health", 300_000, async () => ((await hubHealthy(BASE)) ? true : undefined));
    });

    const session = new Session(BASE);
    let token = "";
    const started = await step("log in and start the user's server", async () => {
        token = await loginAndToken(session, password);
        return `ready after ${(await startServer(session, token)).toFixed(1)}s`;
    });
    if (!started) return;

    type ClusterResult = {
        name: string;
        total: number;
        per_worker: Record<string, number>;
        workers: number;
        dashboard: string;
        address: string;
        env: string;
    };
    let cluster: ClusterResult | undefined;
    await step("Gateway().new_cluster() with no arguments, scaled to 2 workers, computes over both", async () => {
        const c = await kernelJson<ClusterResult>(token, COMPUTE, 600_000);
        cluster = c;
        const expected = Array.from({ length: 200 }, (_, x) => x * x).reduce((a, b) => a + b, 0);
        if (c.total !== expected) throw new Error(`sum ${c.total} != ${expected}`);
        if (c.workers !== 2 || Object.keys(c.per_worker).length !== 2)
            throw new Error(`workers ${c.workers}, tasks ${JSON.stringify(c.per_worker)}`);
        if (c.env !== `http://${GW.traefik}.${NS}:80${GATEWAY_PREFIX}`) throw new Error(`DASK_GATEWAY__ADDRESS=${c.env}`);
        return `cluster ${c.name}: sum=${c.total}, tasks per worker ${JSON.stringify(c.per_worker)}`;
    });
    if (!cluster) return;
    const done = cluster;
    const name = done.name.split(".").pop() as string;

    await step("the cluster's scheduler and 2 worker pods run on the kubelet, from the single-user image", async () => {
        const ps = clusterPods(name);
        const running = ps.filter((p) => p.status?.phase === "Running" && p.spec?.nodeName);
        const roles = running.map(role).sort();
        if (JSON.stringify(roles) !== JSON.stringify(["dask-scheduler", "dask-worker", "dask-worker"]))
            throw new Error(`pods: ${ps.map((p) => `${p.metadata.name}:${p.status?.phase}`).join(" ")}`);
        const su = String((await stackOutputs(STACK)).singleuserImage);
        const images = new Set(running.map((p) => p.spec?.containers?.[0]?.image));
        if (images.size !== 1 || !images.has(su)) throw new Error(`images ${[...images].join(", ")} != ${su}`);
        return running.map((p) => `${p.metadata.name} on ${p.spec?.nodeName}`).join(", ");
    });

    await step("the cluster's dashboard answers through the hub (/services/dask-gateway/clusters/...)", async () => {
        const link = new URL(done.dashboard, BASE);
        if (!link.pathname.startsWith(`${GATEWAY_PREFIX}/clusters/`)) throw new Error(`dashboard link ${done.dashboard}`);
        const res = await waitFor("dashboard", 60_000, async () => {
            const r = await fetch(new URL(link.pathname, BASE), { signal: AbortSignal.timeout(10_000) });
            const body = await r.text();
            return r.status === 200 && /Dask/.test(body) ? `${link.pathname}: HTTP 200` : undefined;
        });
        return res;
    });

    await step("a second cluster is refused (dask.gateway.maxClustersPerUser 1) with the gateway's message", async () => {
        const r = await kernelJson<{ error: string }>(
            token,
            `import json\nfrom dask_gateway import Gateway\ntry:\n    c = Gateway().new_cluster(shutdown_on_close=False)\n    c.shutdown()\n    print(json.dumps({"error": ""}))\nexcept Exception as e:\n    print(json.dumps({"error": str(e)}))`,
            120_000,
        );
        if (!/already runs 1 Dask cluster/.test(r.error)) throw new Error(`second new_cluster(): ${JSON.stringify(r.error)}`);
        return r.error.slice(0, 160);
    });

    await step("stopping the cluster from the kernel removes its pods", async () => {
        if (clusterPods(name).length === 0) throw new Error("no pod of the cluster was running before the stop");
        await executeInKernel(
            BASE,
            USER,
            token,
            `from dask_gateway import Gateway\nGateway().stop_cluster(${JSON.stringify(done.name)})`,
            120_000,
        );
        await waitFor("cluster pods gone", 180_000, async () => (clusterPods(name).length === 0 ? true : undefined), 2000);
    });

    let left = "";
    await step("a cluster left running goes when the idle culler stops the user's server", async () => {
        const r = await kernelJson<{ name: string }>(
            token,
            `import json\nfrom dask_gateway import Gateway\nc = Gateway().new_cluster(shutdown_on_close=False)\nc.scale(1)\nprint(json.dumps({"name": c.name}))`,
            300_000,
        );
        left = r.name.split(".").pop() as string;
        await waitFor("its scheduler pod running", 300_000, async () =>
            clusterPods(left).some((p) => role(p) === "dask-scheduler" && p.status?.phase === "Running") ? true : undefined,
        );
        const t0 = Date.now();
        await waitFor(
            "server culled",
            (CULL_TIMEOUT + 240) * 1000,
            async () => (Object.keys(await servers(session, token)).length === 0 ? true : undefined),
            5000,
        );
        const culled = (Date.now() - t0) / 1000;
        await waitFor(
            "the culled user's cluster pods gone",
            180_000,
            async () => (clusterPods(left).length === 0 ? true : undefined),
            2000,
        );
        const hubLog = kubectl(["-n", NS, "logs", "deploy/hub", "--tail=400"]).out;
        if (!hubLog.includes(`stopped ${USER}'s clusters`)) throw new Error("the hub's post-stop hook did not log stopping the clusters");
        const crs = kubeJson<{ items: { metadata: { name: string } }[] }>(["-n", NS, "get", "daskclusters.gateway.dask.org"]).items.map(
            (i) => i.metadata.name,
        );
        return `server culled after ${culled.toFixed(0)}s; cluster ${left} stopped by the hub's post-stop hook; DaskCluster objects left: ${crs.length}`;
    });

    await step("pulumi destroy removes the gateway with the hub", async () => {
        const r = await pulumi(["destroy", "--yes", "--skip-preview"], STACK, 15 * 60_000);
        if (r.code !== 0) throw new Error(`destroy exited ${r.code}: ${tail(r.stdout + r.stderr, secrets)}`);
        const leftPods = pods(NS).filter((p) => !p.metadata.deletionTimestamp && /dask/.test(p.metadata.name));
        if (leftPods.length) throw new Error(`pods left: ${leftPods.map((p) => p.metadata.name).join(" ")}`);
    });
}

async function cleanup(): Promise<void> {
    if (process.env.E2E_KEEP === "1") {
        console.log(`E2E_KEEP=1: stack ${STACK} left at ${BASE}`);
        return;
    }
    await step("cleanup: destroy and remove the stack and namespace, stop the registry", async () => {
        await cleanSlate();
        registry?.stop();
    });
}

main()
    .catch((err) => report(false, "e2e-dask-gateway runner", String(err)))
    .then(cleanup)
    .catch((err) => report(false, "cleanup", String(err)))
    .finally(() => {
        console.log(`${checks.summary()}`);
        process.exit(checks.ok ? 0 : 1);
    });
