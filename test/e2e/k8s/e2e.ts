/**
 * End to end on a real Kubernetes cluster (tools/local-cluster: one node, 1.33) with the real
 * Pulumi engine and kubernetes plugin, in the program's existing-cluster mode: images built here,
 * pushed to a real registry on loopback (docker-registry, htpasswd) and pulled by the node's
 * containerd by digest with the image pull secret. Sixteen checks, each reported on its own:
 *
 *   [1] pulumi up  [2] core pods Ready  [3] login form  [4] spawn by the user scheduler
 *   [5] kernel  [6] home PVC  [7] limits and uid  [8] placeholder preemption
 *   [11] hub pod deleted, routes kept/restored  [11b] proxy pod deleted, routes back at once  [9] culler  [10] new image pulled before the hub rolls
 *   [12] destroy keeps data  [13] up again: file and token  [14] Gluster homes with a quota
 *   [15] a full Gluster home: a clear save error, another user unaffected
 *
 * ([11] and [11b] run before [9]: the culler stops the server they need.) Prints PASS/FAIL lines and
 * `N passed, M failed`. Run by test/e2e/k8s/run.sh (npm run e2e:k8s), which holds the cluster lock,
 * brings the cluster up with the registry's hosts.toml and down again. Bounded: every wait has a
 * deadline and the whole run has E2E_DEADLINE_MINUTES.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CORE_RESOURCES } from "../../../components/kubernetes/jupyterhub/podDefaults";
import { USER_SCHEDULER_REPLICAS } from "../../../components/kubernetes/jupyterhub/scheduling/userSchedulerDeployment";
import { resourceNames } from "../../../components/kubernetes/jupyterhub/names";
import { toKubernetesQuantity } from "../../../config/quantities";
import {
    PROJECT_DIR,
    Session,
    baseImageConfig,
    executeInKernel,
    hubHealthy,
    pulumi,
    run,
    sleep,
    stackOutputs,
    tail,
    waitFor,
    Checks,
} from "../common/lib";
import { REGISTRY_CACHE_DIR, startRegistry, type LoopbackRegistry } from "../common/registry";
import { bytesOf, coresOf, events, kubeJson, kubectl, nodeImageDigests, nodeMemory, podReady, pods, type Pod } from "./kube";

const RUN_DIR = process.env.E2E_K8S_RUN ?? "/tmp/jhp-e2e-k8s";
const REGISTRY_PORT = Number(process.env.E2E_K8S_REGISTRY_PORT ?? 15100);
const NODE_IP = process.env.JHP_CLUSTER_NODE_IP ?? "10.213.0.2";
const DEADLINE_MINUTES = Number(process.env.E2E_DEADLINE_MINUTES ?? 75);
const KUBE_VERSION = process.env.E2E_K8S_VERSION ?? "1.33.13";
const SCHEDULER_IMAGE = process.env.E2E_K8S_SCHEDULER_IMAGE ?? `jupyterhub-platform/kube-scheduler:v${KUBE_VERSION}`;
const PAUSE_IMAGE = process.env.E2E_K8S_PAUSE_IMAGE ?? "jupyterhub-platform/pause:3.10.1";
const STORAGE_CLASS = "local-path";
const NODE_CIDR = `${NODE_IP.split(".").slice(0, 3).join(".")}.0/24`;

/** The main stack: storage-class homes, proxy-public with the node's address as external IP (port 80). */
const STACK = "e2e-k8s";
const NS = "jhp-e2e";
const BASE = `http://${NODE_IP}`;
/** The Gluster stack: homes on the Gluster volume, proxy-public as a NodePort. */
const GSTACK = "e2e-k8s-gluster";
const GNS = "jhp-e2e-gl";
const GLUSTER_NODE_PORT = 30180;
const GBASE = `http://${NODE_IP}:${GLUSTER_NODE_PORT}`;
const GLUSTER_SH = path.join(PROJECT_DIR, "test/e2e/k8s/gluster.sh");
const GLUSTER_STATE = path.join(RUN_DIR, "gluster");

const USER = "alice";
const USER2 = "bob";
const GUSER = "gina";
const GUSER2 = "gabe";
const NAMES = resourceNames(NS);
const CULL_TIMEOUT = 120;
const EXTRA_PIP = "tabulate==0.9.0";
const CPU_GUARANTEE = 0.1;
const CPU_LIMIT = 0.5;
/** Seconds from a replaced proxy's first API answer to its table holding the user's route (poll 2 s). */
const PROXY_ROUTES_BOUND_S = 15;
const Mi = 2 ** 20;

const secrets: string[] = [];
let registry: LoopbackRegistry | undefined;

const checks = new Checks(secrets, 900);
const { report, step } = checks;

function must(r: { code: number; out: string; err: string }, what: string): string {
    if (r.code !== 0) throw new Error(`${what}: ${(r.err || r.out).trim().slice(-600)}`);
    return r.out;
}

async function up(stack: string, timeoutMin = 25): Promise<number> {
    const r = await pulumi(["up", "--yes", "--skip-preview"], stack, timeoutMin * 60_000);
    if (r.code !== 0) throw new Error(`pulumi up exited ${r.code}: ${tail(r.stdout + r.stderr, secrets)}`);
    fs.writeFileSync(path.join(RUN_DIR, `${stack}-up-${Date.now()}.log`), r.stdout + r.stderr);
    return r.seconds;
}

async function destroy(stack: string): Promise<void> {
    const r = await pulumi(["destroy", "--yes", "--skip-preview"], stack, 15 * 60_000);
    if (r.code !== 0) throw new Error(`pulumi destroy exited ${r.code}: ${tail(r.stdout + r.stderr, secrets)}`);
}

async function stackExists(stack: string): Promise<boolean> {
    const ls = await run("pulumi", ["stack", "ls", "--json", "--non-interactive"], { timeoutMs: 60_000 });
    return ls.code === 0 && ls.stdout.includes(`"${stack}"`);
}

async function createStack(stack: string, config: [string, string, boolean?][]): Promise<void> {
    const init = await run("pulumi", ["stack", "init", stack, "--non-interactive"], { timeoutMs: 60_000 });
    if (init.code !== 0 && !/already exists/.test(init.stderr)) throw new Error(`stack init: ${init.stderr}`);
    const kubeconfig = fs.readFileSync(String(process.env.KUBECONFIG), "utf8");
    const set = await run("pulumi", ["config", "set", "--secret", "kubernetes.kubeconfig", "--stack", stack, "--non-interactive"], {
        timeoutMs: 60_000,
        input: kubeconfig,
    });
    if (set.code !== 0) throw new Error(`config set kubernetes.kubeconfig: ${set.stderr}`);
    for (const [k, v, secret] of config) {
        const r = await pulumi(["config", "set", "--path=false", ...(secret ? ["--secret"] : []), k, v], stack, 60_000);
        if (r.code !== 0) throw new Error(`config set ${k}: ${r.stderr}`);
    }
}

/** Settings both stacks share: the cluster, its version and images, the registry. */
function commonConfig(reg: LoopbackRegistry): [string, string, boolean?][] {
    return [
        ["topology", "kubernetes"],
        ["kubernetes.cluster", "existing"],
        ["kubernetes.version", KUBE_VERSION],
        ["kubernetes.nodeCidr", NODE_CIDR],
        ["kubernetes.schedulerImage", SCHEDULER_IMAGE],
        ["kubernetes.pauseImage", PAUSE_IMAGE],
        ["images.registry.server", reg.server],
        ["images.registry.username", reg.username],
        ["images.registry.password", reg.password, true],
        ["hub.auth.type", "dummy"],
        ["data.retainOnDestroy", "true"],
        ...Object.entries(baseImageConfig()).map(([k, v]): [string, string] => [k, v]),
    ];
}

/** Namespaces, retained volumes and stacks of an earlier run, so this one starts from nothing. */
async function cleanSlate(): Promise<void> {
    for (const s of [GSTACK, STACK]) {
        if (await stackExists(s)) {
            await pulumi(["destroy", "--yes", "--skip-preview"], s, 15 * 60_000);
            await pulumi(["stack", "rm", "--yes", "--force"], s, 60_000);
        }
    }
    deleteLeftovers();
}

/** Namespaces (their claims; local-path deletes its volumes) and the Gluster stack's Retain PVs. */
function deleteLeftovers(): void {
    kubectl(["delete", "namespace", NS, GNS, "--ignore-not-found", "--wait=true", "--timeout=180s"], 200_000);
    const pvs = kubeJson<{ items: { metadata: { name: string } }[] }>(["get", "pv"]).items.map((p) => p.metadata.name);
    const ours = pvs.filter((n) => n === resourceNames(GNS).hubDbPv || n.startsWith(`home-${GNS}-`));
    if (ours.length) kubectl(["delete", "pv", ...ours, "--wait=true", "--timeout=120s"], 150_000);
}

interface UserModel {
    name: string;
    servers: Record<string, { ready: boolean }>;
}

async function userModel(s: Session, user: string, token: string): Promise<UserModel> {
    const res = await s.request("GET", `/hub/api/users/${user}`, { token });
    if (res.status !== 200) throw new Error(`GET user ${user}: HTTP ${res.status}`);
    return (await res.json()) as UserModel;
}

async function startServer(s: Session, user: string, token: string, timeoutMs = 300_000): Promise<number> {
    const t0 = Date.now();
    const res = await s.request("POST", `/hub/api/users/${user}/server`, { token, body: "{}" });
    if (res.status !== 201 && res.status !== 202 && res.status !== 400) {
        throw new Error(`start ${user}: HTTP ${res.status} ${await res.text()}`);
    }
    await waitFor(`${user}'s server ready`, timeoutMs, async () =>
        (await userModel(s, user, token)).servers[""]?.ready ? true : undefined,
    );
    return (Date.now() - t0) / 1000;
}

async function stopServer(s: Session, user: string, token: string): Promise<void> {
    await s.request("DELETE", `/hub/api/users/${user}/server`, { token });
    await waitFor(`${user}'s server stopped`, 180_000, async () =>
        Object.keys((await userModel(s, user, token)).servers).length === 0 ? true : undefined,
    );
}

/** Log in through the form and make an API token (the user's own, via the xsrf-protected API). */
async function loginAndToken(s: Session, user: string, password: string): Promise<string> {
    const res = await s.login(user, password);
    if (res.status !== 302) throw new Error(`POST /hub/login: HTTP ${res.status}`);
    const home = await s.request("GET", "/hub/home");
    if (home.status !== 200) throw new Error(`/hub/home after login: HTTP ${home.status}`);
    const tok = await s.request("POST", `/hub/api/users/${user}/tokens`, {
        body: JSON.stringify({ note: "e2e-k8s", expires_in: 4 * 3600 }),
        headers: { "content-type": "application/json", "x-xsrftoken": await s.xsrfToken() },
    });
    if (tok.status !== 201) throw new Error(`create token: HTTP ${tok.status} ${await tok.text()}`);
    const token = ((await tok.json()) as { token: string }).token;
    secrets.push(token);
    return token;
}

function userPod(ns: string, user: string): Pod | undefined {
    return pods(ns, `component=singleuser-server`).find((p) => p.metadata.name === `jupyter-${user}` && !p.metadata.deletionTimestamp);
}

function podsOf(component: string, ns = NS): Pod[] {
    return pods(ns, `component=${component}`).filter((p) => !p.metadata.deletionTimestamp);
}

/**
 * User pods of the main stack that belong to no server the hub reports: `known` are the users whose
 * server the hub lists as running (bob's stopped in [8], so only alice's pod may exist).
 */
function orphanedUserPods(known: string[]): string[] {
    const expected = new Set(known.map((u) => `jupyter-${u}`));
    return pods(NS, "component=singleuser-server")
        .filter((p) => !p.metadata.deletionTimestamp)
        .map((p) => p.metadata.name)
        .filter((name) => !expected.has(name));
}

/** Why a user's server did not start: its pod's phase and events, and the hub's log lines naming the user. */
function spawnDiagnostics(ns: string, user: string): string {
    const pod = pods(ns, "component=singleuser-server").find((p) => p.metadata.name === `jupyter-${user}`);
    const evs = pod ? events(ns, pod.metadata.name).map((e) => `${e.reason}: ${e.message}`) : [];
    const hub = pods(ns, "component=hub")[0];
    const log = hub ? kubectl(["-n", ns, "logs", hub.metadata.name, "--tail=400"], 30_000).out : "";
    const lines = log
        .split("\n")
        .filter((l) => l.includes(user) && /^\[[EW]/.test(l))
        .slice(-6);
    return `pod ${pod ? pod.status.phase : "absent"}; events ${JSON.stringify(evs.slice(-6))}; hub ${JSON.stringify(lines)}`;
}

async function waitHub(base: string, timeoutMs = 300_000): Promise<void> {
    await waitFor(`${base}/hub/health`, timeoutMs, async () => ((await hubHealthy(base)) ? true : undefined));
}

function execInPod(ns: string, pod: string, script: string, timeoutMs = 120_000): { code: number; out: string; err: string } {
    return kubectl(["-n", ns, "exec", pod, "-c", "notebook", "--", "sh", "-c", script], timeoutMs);
}

/** The proxy's routing table, through its API Service (ClusterIPs answer on the node). */
async function proxyRoutes(): Promise<Record<string, { target: string }>> {
    const token = Buffer.from(
        must(kubectl(["-n", NS, "get", "secret", NAMES.hubSecret, "-o", "jsonpath={.data.proxy-token}"]), "secret"),
        "base64",
    ).toString();
    secrets.push(token);
    const ip = must(kubectl(["-n", NS, "get", "service", NAMES.proxyApiService, "-o", "jsonpath={.spec.clusterIP}"]), "proxy-api");
    const res = await fetch(`http://${ip}:8001/api/routes`, {
        headers: { authorization: `token ${token}` },
        signal: AbortSignal.timeout(10_000),
    });
    if (res.status !== 200) throw new Error(`proxy API: HTTP ${res.status}`);
    return (await res.json()) as Record<string, { target: string }>;
}

async function deleteRoute(route: string): Promise<void> {
    const token = Buffer.from(
        must(kubectl(["-n", NS, "get", "secret", NAMES.hubSecret, "-o", "jsonpath={.data.proxy-token}"]), "secret"),
        "base64",
    ).toString();
    const ip = must(kubectl(["-n", NS, "get", "service", NAMES.proxyApiService, "-o", "jsonpath={.spec.clusterIP}"]), "proxy-api");
    const res = await fetch(`http://${ip}:8001/api/routes${route}`, {
        method: "DELETE",
        headers: { authorization: `token ${token}` },
        signal: AbortSignal.timeout(10_000),
    });
    if (res.status !== 204) throw new Error(`proxy API DELETE ${route}: HTTP ${res.status}`);
}

/**
 * Check 8's sizing: every user pod and the placeholder request U of memory, chosen from the node
 * so that one user and one placeholder fit but two users and a placeholder do not (0.4 of what is
 * free after the cluster's own pods, both stacks' core pods and the Gluster stack's user).
 */
function userGuarantee(): { bytes: number; detail: string } {
    const { allocatable, requested } = nodeMemory();
    const core = (name: keyof typeof CORE_RESOURCES) => bytesOf((CORE_RESOURCES[name].requests as Record<string, string>).memory);
    const stack1 = core("hub") + core("proxy") + USER_SCHEDULER_REPLICAS * core("scheduler");
    const stack2 = core("hub") + core("proxy") + GLUSTER_USER_GUARANTEE + 256 * Mi;
    const free = allocatable - requested - stack1 - stack2;
    const bytes = Math.floor((0.4 * free) / Mi) * Mi;
    if (bytes < 512 * Mi) throw new Error(`node too small: ${Math.round(free / Mi)}Mi free for user pods, need 1280Mi`);
    return {
        bytes,
        detail:
            `node allocatable ${Math.round(allocatable / Mi)}Mi, cluster pods request ${Math.round(requested / Mi)}Mi, ` +
            `core pods of both stacks ${Math.round((stack1 + stack2) / Mi)}Mi: free ${Math.round(free / Mi)}Mi; ` +
            `user guarantee = limit = placeholder request = ${Math.round(bytes / Mi)}Mi (0.4 of free: 1 user + 1 placeholder fit, 2 users + 1 placeholder do not)`,
    };
}
const GLUSTER_USER_GUARANTEE = 256 * Mi;

async function main(): Promise<void> {
    let gluster: { session: Session; token: string; password: string } | undefined;
    fs.mkdirSync(RUN_DIR, { recursive: true });
    const overall = setTimeout(() => {
        console.log(`FAIL deadline of ${DEADLINE_MINUTES} minutes reached`);
        console.log(`${checks.summary(1)}`);
        process.exit(1);
    }, DEADLINE_MINUTES * 60_000);
    overall.unref();

    let guarantee = 0;
    const prepared = await step("prepare: clean slate, loopback registry, stack config sized to the node", async () => {
        await cleanSlate();
        registry = await startRegistry(REGISTRY_PORT, { pidFile: path.join(RUN_DIR, "registry.pid"), storageDir: REGISTRY_CACHE_DIR });
        secrets.push(registry.password);
        const g = userGuarantee();
        guarantee = g.bytes;
        const q = toKubernetesQuantity(guarantee);
        await createStack(STACK, [
            ...commonConfig(registry),
            ["kubernetes.namespace", NS],
            ["kubernetes.storage", "storage-class"],
            ["kubernetes.storageClass", STORAGE_CLASS],
            ["kubernetes.proxy.serviceType", "ClusterIP"],
            ["kubernetes.proxy.externalIps", JSON.stringify([NODE_IP])],
            ["kubernetes.userPlaceholders", "1"],
            ["kubernetes.userScheduler", "true"],
            ["kubernetes.imagePuller", "true"],
            ["hub.cull.enabled", "true"],
            ["hub.cull.timeout", String(CULL_TIMEOUT)],
            ["hub.cull.every", "10"],
            ["singleuser.memory.guarantee", q],
            ["singleuser.memory.limit", q],
            ["singleuser.cpu.guarantee", String(CPU_GUARANTEE)],
            ["singleuser.cpu.limit", String(CPU_LIMIT)],
        ]);
        return `registry ${registry.server}; ${g.detail}`;
    });
    if (!prepared) return;

    let password = "";
    let outs: Record<string, unknown> = {};
    const deployed = await step(
        "[1] pulumi up: existing cluster, local-path homes, external IP, placeholders, user scheduler, puller",
        async () => {
            const seconds = await up(STACK);
            outs = await stackOutputs(STACK, true);
            password = String(outs.loginPassword ?? "");
            secrets.push(password);
            const pattern = new RegExp(`^127\\.0\\.0\\.1:${REGISTRY_PORT}/jupyterhub-platform/(hub|proxy|singleuser)@sha256:[0-9a-f]{64}$`);
            for (const k of ["hubImage", "proxyImage", "singleuserImage"]) {
                if (!pattern.test(String(outs[k]))) throw new Error(`${k} not pushed and pinned: ${String(outs[k])}`);
            }
            if (password.length < 8) throw new Error("no dummy password output");
            return `${seconds.toFixed(0)}s; images pinned in ${registry?.server}`;
        },
    );
    if (!deployed) return;

    await step(
        "[2] hub, proxy, user-scheduler (2) and image-puller pods Ready, placeholder Running; pulled with the pull secret",
        async () => {
            const want: [string, number][] = [
                ["hub", 1],
                ["proxy", 1],
                ["user-scheduler", USER_SCHEDULER_REPLICAS],
                ["continuous-image-puller", 1],
            ];
            await waitFor("core pods Ready", 300_000, async () =>
                want.every(([c, n]) => podsOf(c).filter(podReady).length === n) &&
                podsOf("user-placeholder").filter((p) => p.status.phase === "Running").length === 1
                    ? true
                    : undefined,
            );
            const hub = podsOf("hub")[0];
            if (hub.spec.containers[0].image !== outs.hubImage) throw new Error(`hub runs ${hub.spec.containers[0].image}`);
            if (!hub.spec.imagePullSecrets?.some((s) => s.name === NAMES.imagePullSecret))
                throw new Error("hub pod has no image-pull-secret");
            const pulled = events(NS, hub.metadata.name).filter((e) => e.reason === "Pulled");
            await waitHub(BASE);
            return `${want.map(([c, n]) => `${c} ${n}/${n}`).join(", ")}, placeholder 1 Running; hub: ${pulled[0]?.message ?? "no Pulled event"}`;
        },
    );

    const session = new Session(BASE);
    let token = "";
    const loggedIn = await step("[3] log in through proxy-public (the node's address, port 80) with the real login form", async () => {
        const wrong = await new Session(BASE).login(USER, "definitely-not-the-password");
        if (wrong.status === 302) throw new Error("a wrong password was accepted");
        token = await loginAndToken(session, USER, password);
        return `wrong password refused (HTTP ${wrong.status}); login 302; API token made through the xsrf-protected API`;
    });
    if (!loggedIn) return;

    const spawned = await step(
        "[4] start a server through the REST API: KubeSpawner's pod jupyter-alice, scheduled by the user scheduler",
        async () => {
            const seconds = await startServer(session, USER, token);
            const pod = userPod(NS, USER);
            if (!pod) throw new Error("no pod jupyter-alice");
            if (pod.spec.schedulerName !== NAMES.schedulerName) throw new Error(`schedulerName ${pod.spec.schedulerName}`);
            const scheduled = events(NS, pod.metadata.name).find((e) => e.reason === "Scheduled");
            const by = scheduled?.reportingComponent || scheduled?.source?.component;
            if (by !== NAMES.schedulerName) throw new Error(`Scheduled event from ${by ?? "nobody"}`);
            if (pod.spec.containers[0].image !== outs.singleuserImage) throw new Error(`user pod runs ${pod.spec.containers[0].image}`);
            if (!pod.spec.imagePullSecrets?.some((s) => s.name === NAMES.imagePullSecret))
                throw new Error("user pod has no image-pull-secret");
            return `ready after ${seconds.toFixed(1)}s; schedulerName ${pod.spec.schedulerName}; "${scheduled?.message}" reported by ${by}`;
        },
    );
    if (!spawned) return;

    await step("[5] run code in a kernel over its websocket (through the proxy)", async () => {
        const out = await executeInKernel(BASE, USER, token, "import os\nprint(6*7, os.getuid(), os.environ['JUPYTERHUB_USER'])");
        if (out.trim() !== `42 1000 ${USER}`) throw new Error(`output ${JSON.stringify(out)}`);
        return out.trim();
    });

    const marker = `written by e2e:k8s at ${new Date().toISOString()}`;
    await step("[6] write a file in the home; claim-alice is Bound (local-path)", async () => {
        const res = await session.request("PUT", `/user/${USER}/api/contents/e2e-marker.txt`, {
            token,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ type: "file", format: "text", content: marker }),
        });
        if (res.status !== 201 && res.status !== 200) throw new Error(`contents PUT: HTTP ${res.status}`);
        const inPod = must(execInPod(NS, `jupyter-${USER}`, "cat /home/jovyan/e2e-marker.txt"), "cat in the pod");
        if (inPod !== marker) throw new Error(`in the pod: ${JSON.stringify(inPod)}`);
        const pvc = kubeJson<{ status: { phase: string }; spec: { storageClassName: string; volumeName: string } }>([
            "-n",
            NS,
            "get",
            "pvc",
            `claim-${USER}`,
        ]);
        if (pvc.status.phase !== "Bound" || pvc.spec.storageClassName !== STORAGE_CLASS) {
            throw new Error(`claim-${USER}: ${pvc.status.phase} ${pvc.spec.storageClassName}`);
        }
        return `claim-${USER} Bound to ${pvc.spec.volumeName} (${pvc.spec.storageClassName})`;
    });

    await step("[7] the user pod's requests and limits equal the stack config; it runs as uid 1000, non-root", async () => {
        const pod = userPod(NS, USER);
        if (!pod) throw new Error("no user pod");
        const c = pod.spec.containers.find((x) => x.name === "notebook") ?? pod.spec.containers[0];
        const r = c.resources ?? {};
        const got = {
            memRequest: bytesOf(r.requests?.memory),
            memLimit: bytesOf(r.limits?.memory),
            cpuRequest: coresOf(r.requests?.cpu),
            cpuLimit: coresOf(r.limits?.cpu),
        };
        const want = { memRequest: guarantee, memLimit: guarantee, cpuRequest: CPU_GUARANTEE, cpuLimit: CPU_LIMIT };
        if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`resources ${JSON.stringify(r)}; want ${JSON.stringify(want)}`);
        const ids = must(execInPod(NS, pod.metadata.name, "id -u; id -g; cat /proc/1/status | grep -E '^(Uid|CapEff)'"), "id").trim();
        const [uid, gid] = ids.split("\n");
        if (uid !== "1000" || gid !== "100") throw new Error(`ids: ${ids}`);
        if (!/^CapEff:\s+0+$/m.test(ids)) throw new Error(`the server has capabilities: ${ids}`);
        if (c.securityContext?.allowPrivilegeEscalation !== false) throw new Error("allowPrivilegeEscalation is not false");
        return `requests ${r.requests?.memory}/${r.requests?.cpu}, limits ${r.limits?.memory}/${r.limits?.cpu}; uid 1000 gid 100, no capabilities`;
    });

    await step("[8] a placeholder is preempted by the user scheduler when a second user needs its room", async () => {
        await startServer(session, USER, token);
        const before = podsOf("user-placeholder").filter((p) => p.status.phase === "Running");
        if (before.length !== 1) throw new Error(`placeholders running before: ${before.length}`);
        const victim = before[0];
        const bobSession = new Session(BASE);
        const bobToken = await loginAndToken(bobSession, USER2, password);
        const seconds = await startServer(bobSession, USER2, bobToken, 240_000);
        const preempted = await waitFor("the Preempted event", 60_000, async () =>
            events(NS, victim.metadata.name).find(
                (e) => e.reason === "Preempted" && (!e.involvedObject.uid || e.involvedObject.uid === victim.metadata.uid),
            ),
        );
        const by = preempted.reportingComponent || preempted.source?.component;
        if (by !== NAMES.schedulerName) throw new Error(`preempted by ${by}`);
        const now = podsOf("user-placeholder");
        if (now.some((p) => p.metadata.uid === victim.metadata.uid)) throw new Error("the placeholder pod was not removed");
        const pending = await waitFor("the new placeholder Pending (no room)", 60_000, async () =>
            podsOf("user-placeholder").find(
                (p) => p.status.phase === "Pending" && p.status.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False"),
            ),
        );
        await stopServer(bobSession, USER2, bobToken);
        await waitFor("the placeholder back on the node", 180_000, async () =>
            podsOf("user-placeholder").some((p) => p.status.phase === "Running") ? true : undefined,
        );
        return `bob ready after ${seconds.toFixed(1)}s; "${preempted.message}" (${by}); ${pending.metadata.name} Pending while bob ran, Running again after bob stopped`;
    });

    await step(
        "[11] the hub pod is deleted: the server answers through the proxy meanwhile; the new hub restores a lost route",
        async () => {
            await startServer(session, USER, token);
            const old = podsOf("hub")[0];
            must(kubectl(["-n", NS, "delete", "pod", old.metadata.name, "--wait=false"]), "delete hub pod");
            const during = await session.request("GET", `/user/${USER}/api/contents/e2e-marker.txt`, { token });
            const hubDown = !(await hubHealthy(BASE));
            if (during.status !== 200) throw new Error(`with the hub pod deleted: HTTP ${during.status}`);
            await waitFor("a new hub pod Ready", 240_000, async () =>
                podsOf("hub").some((p) => p.metadata.name !== old.metadata.name && podReady(p)) ? true : undefined,
            );
            await waitHub(BASE);
            const model = await userModel(session, USER, token);
            if (!model.servers[""]?.ready) throw new Error("the new hub lost the running server");
            const orphans = orphanedUserPods(model.servers[""] ? [USER] : []);
            if (orphans.length) throw new Error(`user pods the new hub does not know: ${orphans.join(" ")}`);
            // configurable-http-proxy keys routes without the trailing slash.
            const route = `/user/${USER}`;
            const routes = await proxyRoutes();
            if (!routes[route]) throw new Error(`no route ${route} in ${Object.keys(routes).join(" ")}`);
            await deleteRoute(route);
            const t0 = Date.now();
            await waitFor(`the hub re-adds ${route}`, 150_000, async () => ((await proxyRoutes())[route] ? true : undefined), 2000);
            const after = await session.request("GET", `/user/${USER}/api/contents/e2e-marker.txt`, { token });
            if (after.status !== 200) throw new Error(`after the route came back: HTTP ${after.status}`);
            return `served while the hub was ${hubDown ? "down" : "restarting"} (HTTP 200); route ${route} -> ${routes[route].target}; deleted from the proxy, re-added by the hub after ${((Date.now() - t0) / 1000).toFixed(0)}s`;
        },
    );

    await step(
        `[11b] the proxy pod is deleted: the hub's poll re-adds every route to the new proxy within ${PROXY_ROUTES_BOUND_S} s of it answering; nothing orphaned`,
        async () => {
            await startServer(session, USER, token);
            const old = podsOf("proxy")[0];
            const t0 = Date.now();
            must(kubectl(["-n", NS, "delete", "pod", old.metadata.name, "--wait=false"]), "delete proxy pod");
            const fresh = await waitFor("a new proxy pod Ready", 240_000, async () =>
                podsOf("proxy").find((p) => p.metadata.name !== old.metadata.name && podReady(p)),
            );
            // From the first answer of the new proxy's API (an empty table, or one already restored).
            const answering = await waitFor("the new proxy's API", 120_000, async () => proxyRoutes().catch(() => undefined), 250);
            const tApi = Date.now();
            const route = `/user/${USER}`;
            await waitFor(
                `${route} in the new proxy's table`,
                PROXY_ROUTES_BOUND_S * 1000,
                async () => ((await proxyRoutes())[route] ? true : undefined),
                250,
            );
            const restoredAfter = (Date.now() - tApi) / 1000;
            await waitFor(
                "the server through proxy-public",
                60_000,
                async () => {
                    const r = await session.request("GET", `/user/${USER}/api/contents/e2e-marker.txt`, { token }).catch(() => undefined);
                    return r?.status === 200 ? true : undefined;
                },
                500,
            );
            const recovery = (Date.now() - t0) / 1000;
            const model = await userModel(session, USER, token);
            if (!model.servers[""]?.ready) throw new Error("the hub lost the running server");
            const orphans = orphanedUserPods(model.servers[""] ? [USER] : []);
            if (orphans.length) throw new Error(`user pods the hub does not know: ${orphans.join(" ")}`);
            return `new pod ${fresh.metadata.name}; its API first answered with ${Object.keys(answering).length} routes; ${route} back ${restoredAfter.toFixed(1)}s later; server answering through proxy-public ${recovery.toFixed(1)}s after the delete`;
        },
    );

    await step(`[9] the culler stops the idle server (timeout ${CULL_TIMEOUT} s, every 10 s)`, async () => {
        const t0 = Date.now();
        await waitFor(
            "server culled",
            (CULL_TIMEOUT + 240) * 1000,
            async () => (Object.keys((await userModel(session, USER, token)).servers).length === 0 ? true : undefined),
            5000,
        );
        await waitFor("the user pod gone", 120_000, async () => (userPod(NS, USER) === undefined ? true : undefined));
        return `culled ${((Date.now() - t0) / 1000).toFixed(0)}s after the last check; pod jupyter-${USER} deleted, claim kept: ${must(kubectl(["-n", NS, "get", "pvc", `claim-${USER}`, "-o", "jsonpath={.status.phase}"]), "pvc")}`;
    });

    await step(`[10] a new single-user image (pip ${EXTRA_PIP}) is on the node (puller) before the hub pod rolls to it`, async () => {
        const oldHub = podsOf("hub")[0].metadata.name;
        const before = new Set(nodeImageDigests().filter((d) => d.includes("/jupyterhub-platform/singleuser@")));
        const r = await pulumi(
            ["config", "set", "--path=false", "images.singleuser.pipPackages", JSON.stringify([EXTRA_PIP])],
            STACK,
            60_000,
        );
        if (r.code !== 0) throw new Error(r.stderr);
        // Watch the node's images and the hub pods while `pulumi up` runs.
        const firstSeen = new Map<string, number>();
        let watching = true;
        const watcher = (async () => {
            while (watching) {
                try {
                    for (const d of nodeImageDigests())
                        if (!before.has(d) && d.includes("/singleuser@") && !firstSeen.has(d)) firstSeen.set(d, Date.now());
                } catch {
                    /* the next round tries again */
                }
                await sleep(500);
            }
        })();
        let seconds = 0;
        try {
            seconds = await up(STACK);
        } finally {
            watching = false;
            await watcher;
        }
        const newRef = String((await stackOutputs(STACK)).singleuserImage);
        if (newRef === outs.singleuserImage) throw new Error("the single-user image did not change");
        const seen = firstSeen.get(newRef);
        if (seen === undefined) throw new Error(`${newRef} never appeared on the node (crictl images)`);
        const hub = await waitFor("the new hub pod", 180_000, async () =>
            podsOf("hub").find((p) => p.metadata.name !== oldHub && podReady(p)),
        );
        const hubCreated = Date.parse(hub.metadata.creationTimestamp);
        // creationTimestamp has whole seconds: the image must be there by the end of that second.
        if (seen > hubCreated + 999) {
            throw new Error(
                `the hub pod was created at ${hub.metadata.creationTimestamp}, the image appeared at ${new Date(seen).toISOString()}`,
            );
        }
        const puller = kubeJson<{ spec: { template: { spec: { initContainers: { image: string }[] } } } }>([
            "-n",
            NS,
            "get",
            "daemonset",
            NAMES.imagePuller,
        ]);
        if (puller.spec.template.spec.initContainers[0].image !== newRef) throw new Error("the puller does not pull the new image");
        const doc = JSON.parse(
            must(kubectl(["-n", NS, "exec", hub.metadata.name, "--", "cat", "/etc/jupyterhub/platform/config.json"]), "hub document"),
        ) as {
            singleuser: { image: string };
        };
        if (doc.singleuser.image !== newRef) throw new Error(`the new hub spawns ${doc.singleuser.image}`);
        outs.singleuserImage = newRef;
        return `pulumi up ${seconds.toFixed(0)}s; image on the node at ${new Date(seen).toISOString()}, hub pod ${hub.metadata.name} created ${hub.metadata.creationTimestamp}; the hub's document names it`;
    });

    const destroyed = await step(
        "[12] pulumi destroy keeps the namespace, claim-alice and its PV, and the hub database claim",
        async () => {
            await waitHub(BASE);
            await startServer(session, USER, token);
            const pvOf = (claim: string) => must(kubectl(["-n", NS, "get", "pvc", claim, "-o", "jsonpath={.spec.volumeName}"]), claim);
            const volumes = { home: pvOf(`claim-${USER}`), db: pvOf(NAMES.hubDbPvc) };
            await destroy(STACK);
            const left = kubectl(["-n", NS, "get", "deployments,daemonsets,statefulsets,services", "-o", "name"]).out.trim();
            if (left) throw new Error(`left after destroy: ${left}`);
            if (kubectl(["get", "namespace", NS]).code !== 0) throw new Error(`namespace ${NS} was deleted`);
            for (const [claim, pv] of [
                [`claim-${USER}`, volumes.home],
                [NAMES.hubDbPvc, volumes.db],
            ]) {
                const phase = kubectl(["-n", NS, "get", "pvc", claim, "-o", "jsonpath={.status.phase}"]).out;
                if (phase !== "Bound") throw new Error(`${claim}: ${phase || "gone"}`);
                if (kubectl(["get", "pv", pv]).code !== 0) throw new Error(`PV ${pv} was deleted`);
            }
            return `namespace ${NS}, claim-${USER} (${volumes.home}) and ${NAMES.hubDbPvc} (${volumes.db}) survive; workloads and Services gone`;
        },
    );

    if (destroyed) {
        await step("[13] pulumi up again: the old API token still works, the file is back, the new image runs", async () => {
            const seconds = await up(STACK);
            await waitHub(BASE);
            const fresh = new Session(BASE);
            const me = await fresh.request("GET", "/hub/api/user", { token });
            if (me.status !== 200 || ((await me.json()) as { name: string }).name !== USER) throw new Error(`old token: HTTP ${me.status}`);
            await startServer(fresh, USER, token);
            const res = await fresh.request("GET", `/user/${USER}/api/contents/e2e-marker.txt?type=file&format=text`, { token });
            if (res.status !== 200) throw new Error(`file: HTTP ${res.status}`);
            const content = ((await res.json()) as { content: string }).content;
            if (content !== marker) throw new Error(`file content ${JSON.stringify(content)}`);
            const version = (await executeInKernel(BASE, USER, token, "import tabulate; print(tabulate.__version__)")).trim();
            if (version !== EXTRA_PIP.split("==")[1]) throw new Error(`tabulate ${version}`);
            return `up ${seconds.toFixed(0)}s; token valid, file read back, tabulate ${version} in the server`;
        });
    }

    await step(
        "[14] Gluster homes: glusterd in a namespace, FUSE mount at /mnt/homes, the hub's hook makes the directory, quota and PV; a write past the quota fails",
        async () => {
            const upG = spawnSync("bash", [GLUSTER_SH, "up", GLUSTER_STATE], { encoding: "utf8", timeout: 600_000 });
            if (upG.status !== 0) throw new Error(`gluster.sh up: ${(upG.stderr || "").slice(-800)}`);
            const env = Object.fromEntries(
                fs
                    .readFileSync(path.join(GLUSTER_STATE, "gluster.env"), "utf8")
                    .trim()
                    .split("\n")
                    .map((l) => l.split("=", 2) as [string, string]),
            );
            const helperToken = fs.readFileSync(env.GLUSTER_TOKEN_FILE, "utf8").trim();
            secrets.push(helperToken);
            const quota = Number(env.GLUSTER_QUOTA_BYTES);
            if (!registry) throw new Error("no registry");
            await createStack(GSTACK, [
                ...commonConfig(registry),
                ["kubernetes.namespace", GNS],
                ["kubernetes.storage", "gluster"],
                ["kubernetes.gluster.helperHosts", JSON.stringify([env.GLUSTER_HELPER_HOST])],
                ["kubernetes.gluster.helperToken", helperToken, true],
                ["kubernetes.proxy.serviceType", "NodePort"],
                ["kubernetes.proxy.httpNodePort", String(GLUSTER_NODE_PORT)],
                ["kubernetes.userPlaceholders", "0"],
                ["kubernetes.userScheduler", "false"],
                ["kubernetes.imagePuller", "false"],
                ["hub.cull.enabled", "false"],
                ["singleuser.memory.guarantee", toKubernetesQuantity(GLUSTER_USER_GUARANTEE)],
                ["singleuser.memory.limit", "1G"],
                // Two users side by side ([15]) on the 2-core node: without a request, each would request its limit.
                ["singleuser.cpu.guarantee", String(CPU_GUARANTEE)],
                ["singleuser.cpu.limit", String(CPU_LIMIT)],
                ["singleuser.home.quota", String(quota)],
                ["images.singleuser.pipPackages", JSON.stringify([EXTRA_PIP])],
            ]);
            await up(GSTACK);
            await waitHub(GBASE);
            const gpass = String((await stackOutputs(GSTACK, true)).loginPassword);
            secrets.push(gpass);
            const s = new Session(GBASE);
            const gtoken = await loginAndToken(s, GUSER, gpass);
            await startServer(s, GUSER, gtoken);
            const home = path.join(env.GLUSTER_HOMES_MOUNT, GUSER);
            const st = fs.statSync(home);
            if (`${st.uid}:${st.gid}` !== "1000:100") throw new Error(`${home} belongs to ${st.uid}:${st.gid}`);
            const pvName = `home-${GNS}-${GUSER}`;
            const pv = kubeJson<{ spec: { hostPath: { path: string }; claimRef: { name: string } }; status: { phase: string } }>([
                "get",
                "pv",
                pvName,
            ]);
            if (pv.status.phase !== "Bound" || pv.spec.hostPath.path !== home || pv.spec.claimRef.name !== `claim-${GUSER}`) {
                throw new Error(`PV ${pvName}: ${JSON.stringify({ phase: pv.status.phase, ...pv.spec })}`);
            }
            const pod = `jupyter-${GUSER}`;
            const small = Math.floor(quota / 3 / Mi);
            const ok = execInPod(
                GNS,
                pod,
                `dd if=/dev/urandom of=/home/jovyan/ok.bin bs=1M count=${small} conv=fsync status=none && df -B1 /home/jovyan | tail -n 1`,
            );
            if (ok.code !== 0) throw new Error(`a ${small} MiB write failed: ${ok.err}`);
            const big = execInPod(
                GNS,
                pod,
                `dd if=/dev/urandom of=/home/jovyan/big.bin bs=1M count=${2 * Math.ceil(quota / Mi)} conv=fsync status=none`,
            );
            if (big.code === 0) throw new Error("a write of twice the quota succeeded");
            if (!/Disk quota exceeded/.test(big.err)) throw new Error(`the write failed otherwise: ${big.err}`);
            gluster = { session: s, token: gtoken, password: gpass };
            return `/mnt/homes/${GUSER} 1000:100, PV ${pvName} Bound to claim-${GUSER}; ${small} MiB written (df: ${ok.out.trim().split(/\s+/)[1]} bytes), ${2 * Math.ceil(quota / Mi)} MiB: "${big.err.trim().split("\n")[0]}"`;
        },
    );
    if (!gluster) return;
    const g = gluster;

    await step(
        `[15] ${GUSER}'s home is full: a save through the contents API (JupyterLab's) fails naming 'Disk quota exceeded'; ${GUSER2} on the same volume starts and saves; the hub answers`,
        async () => {
            // The home still holds the part of big.bin written before the quota stopped it.
            const save = await g.session.request("PUT", `/user/${GUSER}/api/contents/full-home.txt`, {
                token: g.token,
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ type: "file", format: "text", content: "x".repeat(4 * Mi) }),
            });
            const body = await save.text();
            if (save.status < 400 || !body.includes("Disk quota exceeded")) {
                throw new Error(`save into the full home: HTTP ${save.status} ${body.slice(0, 300)}`);
            }
            const other = new Session(GBASE);
            const otherToken = await loginAndToken(other, GUSER2, g.password);
            const seconds = await startServer(other, GUSER2, otherToken).catch((err: unknown) => {
                throw new Error(`${String(err)}; ${spawnDiagnostics(GNS, GUSER2)}`);
            });
            const saved = await other.request("PUT", `/user/${GUSER2}/api/contents/unaffected.txt`, {
                token: otherToken,
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ type: "file", format: "text", content: "y".repeat(4 * Mi) }),
            });
            if (saved.status !== 201 && saved.status !== 200)
                throw new Error(`${GUSER2}'s save: HTTP ${saved.status} ${await saved.text()}`);
            if (!(await hubHealthy(GBASE))) throw new Error("the hub stopped answering");
            // Space back for the owner: the same save succeeds once the big file is gone.
            must(execInPod(GNS, `jupyter-${GUSER}`, "rm -f /home/jovyan/big.bin"), "rm big.bin");
            const again = await g.session.request("PUT", `/user/${GUSER}/api/contents/full-home.txt`, {
                token: g.token,
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ type: "file", format: "text", content: "x".repeat(4 * Mi) }),
            });
            if (again.status !== 201 && again.status !== 200) throw new Error(`save after freeing space: HTTP ${again.status}`);
            const message = /"message":\s*"([^"]*)"/.exec(body)?.[1] ?? body.slice(0, 160);
            return `${GUSER}: HTTP ${save.status} "${message}"; ${GUSER2} ready after ${seconds.toFixed(1)}s and saved 4 MiB; ${GUSER} saved again after removing big.bin`;
        },
    );
}

async function cleanup(): Promise<void> {
    if (process.env.E2E_KEEP === "1") {
        console.log(`E2E_KEEP=1: stacks ${STACK} (${BASE}) and ${GSTACK} (${GBASE}), the registry and the Gluster node left running`);
        return;
    }
    await step(
        "cleanup: destroy both stacks, then remove their namespaces and retained volumes, the Gluster node and the registry",
        async () => {
            const problems: string[] = [];
            for (const s of [GSTACK, STACK]) {
                if (!(await stackExists(s))) continue;
                await destroy(s).catch((e: unknown) => problems.push(String(e)));
                const rm = await pulumi(["stack", "rm", "--yes", "--force"], s, 60_000);
                if (rm.code !== 0) problems.push(`stack rm ${s}: ${rm.stderr}`);
            }
            deleteLeftovers();
            for (const ns of [NS, GNS]) if (kubectl(["get", "namespace", ns]).code === 0) problems.push(`namespace ${ns} left`);
            if (fs.existsSync(GLUSTER_STATE)) {
                const down = spawnSync("bash", [GLUSTER_SH, "down", GLUSTER_STATE], { encoding: "utf8", timeout: 300_000 });
                if (down.status !== 0) problems.push(`gluster.sh down: ${down.stderr.slice(-400)}`);
                else fs.rmSync(GLUSTER_STATE, { recursive: true, force: true });
            }
            registry?.stop();
            if (problems.length) throw new Error(problems.join("; "));
        },
    );
}

main()
    .catch((err) => report(false, "e2e runner", String(err)))
    .then(cleanup)
    .catch((err) => report(false, "cleanup", String(err)))
    .finally(() => {
        registry?.stop();
        console.log(`${checks.summary()}`);
        process.exit(checks.ok ? 0 : 1);
    });
