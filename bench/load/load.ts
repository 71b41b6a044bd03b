/**
 * npm run load [-- --target local|k8s --users N --duration S --interval S]: N users log in through
 * the real login form, start their servers at once, open a kernel each, execute code at a steady
 * rate for a fixed time through the proxy, then stop. Reports errors, spawn p50/p95/max, request
 * and execution latency p50/p99 through the proxy, hub and proxy CPU/RSS (sampled from their
 * cgroups), the hub's event-loop stalls (from its own log), per-user idle RSS and total memory, as
 * a table in bench/results/load-<stamp>.md and .json. Exits nonzero on any error.
 *
 * Where the hub runs is the target's business (targets/): `local` is a `local` stack on the Docker
 * engine, `k8s` a `kubernetes` stack on the local single-node cluster. This file is the same for both.
 *
 * Bounded: at most MAX_USERS users, MAX_DURATION seconds of load, one execution per user every
 * MIN_INTERVAL seconds at most; loopback (and the local cluster's node address) only. The stack
 * (a unique name) is created and destroyed with its volumes by the tool.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR, sleep } from "../../test/e2e/common/lib";
import { DEFAULT_REGISTRY_PORT } from "../cluster";
import { CgroupSampler, MiB, cgroupRss, hostMemoryUsed, loadAverage, parseStalls, quantile } from "./metrics";
import { loginUser, startServer, uniqueStackName, type LoggedInUser } from "./stack";
import { KubernetesTarget } from "./targets/k8s";
import { LocalTarget } from "./targets/local";
import { TARGET_KINDS, type DeployedTarget, type LoadTarget, type TargetKind } from "./targets/target";
import { Workload } from "./workload";

export const MAX_USERS = 200;
export const MAX_DURATION = 1800;
export const MIN_INTERVAL = 1;

/**
 * Users by default: 50 on the Docker engine; 10 on the local cluster, whose one node is this
 * 2-core machine with the control plane on it.
 */
export const DEFAULT_USERS: Record<TargetKind, number> = { local: 50, k8s: 10 };

export interface LoadOptions {
    users: number;
    duration: number;
    interval: number;
    target: TargetKind;
    /** local: the hub's port on 127.0.0.1 (k8s: proxy-public answers on the node's port 80). */
    port: number;
    /** k8s: port of the loopback registry the cluster pulls the images from. */
    registryPort: number;
    spawnTimeout: number;
    idleSeconds: number;
}

export function parseLoadOptions(argv: string[], env: NodeJS.ProcessEnv): LoadOptions {
    const flags: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
        if (!m) throw new Error(`unknown argument ${argv[i]}`);
        const v = m[2] ?? argv[++i];
        if (v === undefined) throw new Error(`--${m[1]} needs a value`);
        flags[m[1]] = v;
    }
    const num = (flag: string, envName: string, dflt: number, min: number, max: number): number => {
        const raw = flags[flag] ?? env[envName];
        const v = raw === undefined ? dflt : Number(raw);
        if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${flag} / ${envName}: ${raw} is outside ${min}..${max}`);
        return v;
    };
    const known = ["users", "duration", "interval", "target", "port", "registry-port", "spawn-timeout", "idle"];
    for (const k of Object.keys(flags)) if (!known.includes(k)) throw new Error(`unknown flag --${k} (known: ${known.join(", ")})`);
    const target = flags.target ?? env.LOAD_TARGET ?? "local";
    if (!(TARGET_KINDS as readonly string[]).includes(target)) throw new Error(`--target ${target}: one of ${TARGET_KINDS.join(", ")}`);
    const kind = target as TargetKind;
    if (kind !== "local" && flags.port !== undefined)
        throw new Error(`--port is the local hub's port; the ${kind} target answers on the node's port 80`);
    if (kind !== "k8s" && flags["registry-port"] !== undefined) throw new Error("--registry-port is for --target k8s only");
    return {
        users: num("users", "LOAD_USERS", DEFAULT_USERS[kind], 1, MAX_USERS),
        duration: num("duration", "LOAD_DURATION", 120, 10, MAX_DURATION),
        interval: num("interval", "LOAD_INTERVAL", 5, MIN_INTERVAL, 600),
        target: kind,
        port: num("port", "LOAD_PORT", 18200, 1024, 65535),
        registryPort: num("registry-port", "LOAD_REGISTRY_PORT", DEFAULT_REGISTRY_PORT, 1024, 65535),
        spawnTimeout: num("spawn-timeout", "LOAD_SPAWN_TIMEOUT", 600, 30, 1800),
        idleSeconds: num("idle", "LOAD_IDLE", 15, 0, 300),
    };
}

/** The target of the run; `LOAD_K8S_RUN` (set by run.sh) receives the registry's pid file. */
export function makeTarget(opts: LoadOptions, stack: string, env: NodeJS.ProcessEnv): LoadTarget {
    switch (opts.target) {
        case "local":
            return new LocalTarget(stack, opts.port);
        case "k8s":
            return new KubernetesTarget(stack, {
                registryPort: opts.registryPort,
                registryPidFile: env.LOAD_K8S_RUN ? path.join(env.LOAD_K8S_RUN, "registry.pid") : undefined,
            });
    }
}

interface Row {
    metric: string;
    value: string;
}

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "—");
const mib = (b: number) => (Number.isFinite(b) ? `${(b / MiB).toFixed(0)} MiB` : "—");

/** The target being run, for the signal handler. */
let current: LoadTarget | undefined;

async function main(): Promise<number> {
    const opts = parseLoadOptions(process.argv.slice(2), process.env);
    const started = new Date();
    const name = uniqueStackName("load");
    const target = makeTarget(opts, name, process.env);
    current = target;
    const errors: string[] = [];
    const rows: Row[] = [];
    const json: Record<string, unknown> = {
        started: started.toISOString(),
        options: opts,
        target: target.description,
        loadAverageBefore: loadAverage(),
    };
    let stack: DeployedTarget | undefined;
    try {
        console.log(
            `load: ${opts.users} users, ${opts.duration}s, one execution + one request per user every ${opts.interval}s; target ${opts.target}, stack ${name}; load average ${loadAverage()}`,
        );
        const memBefore = hostMemoryUsed();
        stack = await target.create();
        const since = new Date(Date.now() - 5 * 60_000).toISOString();
        const hub = new CgroupSampler(stack.hubCgroup);
        const proxy = new CgroupSampler(stack.proxyCgroup);
        hub.start();
        proxy.start();
        let peakMem = hostMemoryUsed();
        const memTimer = setInterval(() => (peakMem = Math.max(peakMem, hostMemoryUsed())), 1000);

        // Log in and start at once, as a class at the start of a lesson does.
        const names = Array.from({ length: opts.users }, (_, i) => `load-user-${i}`);
        console.log(`load: ${opts.users} logins through the form and server starts`);
        const spawn: number[] = [];
        const users: LoggedInUser[] = [];
        const tSpawn = Date.now();
        await Promise.all(
            names.map(async (n) => {
                try {
                    const u = await loginUser(stack!.base, n, stack!.password);
                    spawn.push(await startServer(u, opts.spawnTimeout * 1000));
                    users.push(u);
                } catch (err) {
                    errors.push(`spawn ${n}: ${String(err)}`);
                }
            }),
        );
        const spawnWall = (Date.now() - tSpawn) / 1000;
        console.log(`load: ${users.length}/${opts.users} servers ready in ${spawnWall.toFixed(1)}s; opening kernels`);
        users.sort((a, b) => a.name.localeCompare(b.name));
        const work = new Workload(stack.base, users, opts.interval);
        const kernelErrors = await work.openKernels();
        const kernelFailures = kernelErrors.size;
        for (const [u, e] of kernelErrors) errors.push(`kernel ${u}: ${e}`);
        const hubSamplesBefore = hub.samples.length;
        const proxySamplesBefore = proxy.samples.length;
        console.log(`load: steady load for ${opts.duration}s on ${work.kernels.size} kernels; load average ${loadAverage()}`);
        const loadAvgDuring: string[] = [];
        work.start();
        const tEnd = Date.now() + opts.duration * 1000;
        while (Date.now() < tEnd) {
            await sleep(Math.min(15_000, tEnd - Date.now()));
            loadAvgDuring.push(loadAverage());
        }
        await work.stop();
        const steadyHub = hub.samples.slice(hubSamplesBefore);
        const steadyProxy = proxy.samples.slice(proxySamplesBefore);
        console.log(`load: activity stopped; ${opts.idleSeconds}s idle, then per-user RSS`);
        await sleep(opts.idleSeconds * 1000);
        const idle = stack
            .userServerCgroups()
            .map(cgroupRss)
            .filter((x): x is number => x !== undefined);
        const hubRss = hub.samples.at(-1)?.rss ?? NaN;
        const proxyRss = proxy.samples.at(-1)?.rss ?? NaN;
        const memIdle = hostMemoryUsed();
        clearInterval(memTimer);
        hub.stop();
        proxy.stop();
        await work.closeKernels();
        const hubLog = stack.hubLog(since);
        const stalls = parseStalls(hubLog);
        // The hub's own error lines (a failed spawn says why only there; the stack is destroyed next).
        const hubErrors = hubLog.split("\n").filter((l) => /^\[E /.test(l));
        for (const l of hubErrors.slice(0, 10)) errors.push(`hub log: ${l.slice(0, 400)}`);

        const execs = work.outcomes.filter((o) => o.kind === "execute");
        const reqs = work.outcomes.filter((o) => o.kind === "request");
        const failed = work.outcomes.filter((o) => !o.ok);
        for (const f of failed.slice(0, 20)) errors.push(`${f.kind} ${f.user} at +${((f.t - tSpawn) / 1000).toFixed(0)}s: ${f.error}`);
        if (failed.length > 20) errors.push(`… and ${failed.length - 20} more failed operations`);
        const ms = (xs: { ms: number }[]) => xs.filter((o) => "ok" in o && (o as { ok: boolean }).ok).map((o) => o.ms);
        const okExec = ms(execs);
        const okReq = ms(reqs);
        const cpu = (s: { cpu: number }[]) => s.map((x) => x.cpu);
        const rss = (s: { rss: number }[]) => s.map((x) => x.rss);
        rows.push(
            { metric: "users (servers ready / asked)", value: `${users.length} / ${opts.users}` },
            {
                metric: "errors: failed login/spawn, failed kernel, failed execution/request",
                value: `${opts.users - users.length}, ${kernelFailures}, ${failed.length}`,
            },
            {
                metric: "spawn p50 / p95 / max (s), all started at once",
                value: `${fmt(quantile(spawn, 0.5), 1)} / ${fmt(quantile(spawn, 0.95), 1)} / ${fmt(Math.max(...spawn), 1)}`,
            },
            { metric: "all servers ready (s, wall)", value: fmt(spawnWall, 1) },
            { metric: `executions (ok / total) in ${opts.duration}s`, value: `${okExec.length} / ${execs.length}` },
            {
                metric: "execution round trip p50 / p99 (ms, websocket through the proxy)",
                value: `${fmt(quantile(okExec, 0.5), 0)} / ${fmt(quantile(okExec, 0.99), 0)}`,
            },
            {
                metric: "request latency p50 / p99 (ms, GET /user/<name>/api/contents through the proxy)",
                value: `${fmt(quantile(okReq, 0.5), 0)} / ${fmt(quantile(okReq, 0.99), 0)}`,
            },
            {
                metric: "hub CPU mean / max (cores), steady phase",
                value: `${fmt(mean(cpu(steadyHub)))} / ${fmt(Math.max(...cpu(steadyHub)))}`,
            },
            { metric: "hub CPU max (cores), whole run incl. spawns", value: fmt(Math.max(...cpu(hub.samples))) },
            { metric: "hub RSS max / at idle", value: `${mib(Math.max(...rss(hub.samples)))} / ${mib(hubRss)}` },
            {
                metric: "proxy CPU mean / max (cores), steady phase",
                value: `${fmt(mean(cpu(steadyProxy)))} / ${fmt(Math.max(...cpu(steadyProxy)))}`,
            },
            { metric: "proxy RSS max / at idle", value: `${mib(Math.max(...rss(proxy.samples)))} / ${mib(proxyRss)}` },
            {
                metric: "hub event-loop stalls (count, max s) from the hub's log",
                value: `${stalls.stalls.length}, ${fmt(stalls.stalls.length ? Math.max(...stalls.stalls) : 0)}`,
            },
            {
                metric: `idle user server RSS p50 / max (${opts.idleSeconds}s after the last execution, kernel open)`,
                value: `${mib(quantile(idle, 0.5))} / ${mib(Math.max(...idle))}`,
            },
            {
                metric: "total RSS: hub + proxy + all user servers at idle",
                value: mib(hubRss + proxyRss + idle.reduce((a, b) => a + b, 0)),
            },
            {
                metric: "host memory in use: before / peak / at idle (MemTotal − MemAvailable; other work included)",
                value: `${mib(memBefore)} / ${mib(peakMem)} / ${mib(memIdle)}`,
            },
            {
                metric: "load average during the steady phase (1 min, sampled every 15 s)",
                value: loadAvgDuring.map((l) => l.split(" ")[0]).join(", "),
            },
        );
        Object.assign(json, {
            stack: name,
            spawnSeconds: spawn,
            spawnWall,
            executionsMs: okExec,
            requestsMs: okReq,
            failed,
            hubSamples: hub.samples,
            proxySamples: proxy.samples,
            stalls,
            idleUserRss: idle,
            memory: { before: memBefore, peak: peakMem, idle: memIdle },
            loadAverageDuring: loadAvgDuring,
            errors,
        });
    } catch (err) {
        errors.push(`run: ${String(err)}`);
    } finally {
        console.log(`load: destroying stack ${name}${opts.target === "k8s" ? " and the cluster" : ""}`);
        const left = await target.destroy().catch((e) => String(e));
        if (left) errors.push(`cleanup: ${left}`);
        current = undefined;
    }
    const lines = [
        `# load ${started.toISOString()}`,
        "",
        `Machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; load average before ${String(json.loadAverageBefore)}; target ${opts.target}: ${target.description}; ${opts.users} users, ${opts.duration} s of load, one execution (\`${"sum of squares below 20000"}\`) and one HTTP request per user every ${opts.interval} s.`,
        "",
        "| metric | value |",
        "|---|---|",
        ...rows.map((r) => `| ${r.metric} | ${r.value} |`),
        "",
        errors.length ? `Errors (${errors.length}):\n\n${errors.map((e) => `- ${e.replace(/\n/g, " ")}`).join("\n")}\n` : "No errors.\n",
    ];
    const table = lines.join("\n");
    console.log("\n" + table);
    const dir = path.join(PROJECT_DIR, "bench", "results");
    fs.mkdirSync(dir, { recursive: true });
    const stamp = `load-${started.toISOString().replace(/[:.]/g, "-")}`;
    fs.writeFileSync(path.join(dir, `${stamp}.md`), table);
    fs.writeFileSync(path.join(dir, `${stamp}.json`), JSON.stringify({ ...json, rows }, null, 2) + "\n");
    console.log(`load: wrote bench/results/${stamp}.md and .json`);
    return errors.length ? 1 : 0;
}

function mean(xs: number[]): number {
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

if (require.main === module) {
    // A deadline (run.sh's timeout) or ^C: still destroy the stack, then stop.
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
        process.once(sig, () => {
            console.error(`load: ${sig}; destroying stack ${current?.stack ?? "(none yet)"} before exiting`);
            const done = () => process.exit(1);
            if (current) current.destroy().then(done, done);
            else done();
        });
    }
    main()
        .then((code) => (process.exitCode = code))
        .catch((err) => {
            console.error(`load failed: ${String(err)}`);
            process.exitCode = 1;
        });
}
