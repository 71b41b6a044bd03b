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
import { Session, waitFor } from "../test/e2e/common/lib";
import { kubectl, pods, podReady } from "../test/e2e/k8s/kube";
import { DEFAULT_REGISTRY_PORT, LocalClusterStack } from "./cluster";

export interface Row {
    metric: string;
    samples: number[];
    floor: number[];
}

const STACK = process.env.BENCH_K8S_STACK ?? "bench-k8s";
const NS = "jhp-bench";
const REGISTRY_PORT = Number(process.env.BENCH_K8S_REGISTRY_PORT ?? DEFAULT_REGISTRY_PORT);

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
                        args: ["start-notebook.py", "--ServerApp.token=bench"],
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

export async function kubernetesRows(sequential: number, concurrent: number): Promise<Row[]> {
    const log = (m: string) => console.log(`bench (kubernetes): ${m}`);
    const cluster = new LocalClusterStack(STACK, NS, { admin: "bench-admin", registryPort: REGISTRY_PORT, log });
    try {
        const clusterUp = await cluster.startCluster();
        await cluster.initStack();
        const base = cluster.base;
        log("warm-up pulumi up (builds or reuses and pushes the images), then destroy");
        await cluster.up();
        const image = String((await cluster.outputs()).singleuserImage);
        await cluster.destroy();

        log("pulumi up with images pushed, until /hub/health through proxy-public");
        const hubUp = await cluster.up(20 * 60_000);

        const password = String((await cluster.outputs(true)).loginPassword);
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
        const left = await cluster.tearDown();
        if (left) console.error(`bench (kubernetes): teardown: ${left}`);
    }
}
