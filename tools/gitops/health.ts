/**
 * npm run health -- --stack NAME [--service health] [--user jhp-health] [--timeout 300]
 *
 * End-to-end health check of a deployed stack through its hub's REST API, as a hub service:
 * the hub URL comes from the stack output `url`, the service's token from the stack config
 * `hub.serviceTokens` (the service must be declared in `hub.services` with the scopes
 * admin:users, admin:servers and access:servers). It creates the test user, starts its server,
 * uploads a small notebook into its home, runs the notebook's cells in one kernel and checks
 * their output, stops the server, deletes the user, and prints how long each step took.
 *
 * Exit status: 0 when every step passed, 1 on any failure (the test user is still stopped and
 * removed), 2 on a usage error. Bounded by --timeout (whole run) and per-step deadlines.
 * The token is never printed. The test user's name is fixed, so repeated runs reuse one home
 * (a Docker volume / PVC of a few KiB) instead of leaving one per run.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { HubClient, HubError, runCells, until } from "./hubClient";

const REPO = path.resolve(__dirname, "../..");

interface Options {
    stack: string;
    service: string;
    user: string;
    timeoutSeconds: number;
}

function usage(message: string): never {
    console.error(`health: ${message}\nusage: npm run health -- --stack NAME [--service health] [--user jhp-health] [--timeout 300]`);
    process.exit(2);
}

export function parseArgs(argv: readonly string[]): Options {
    const opts: Partial<Options> = { service: "health", user: "jhp-health", timeoutSeconds: 300 };
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] = argv[i].split("=", 2);
        const value = inline ?? argv[++i];
        if (value === undefined) usage(`${flag} needs a value`);
        switch (flag) {
            case "--stack":
                opts.stack = value;
                break;
            case "--service":
                opts.service = value;
                break;
            case "--user":
                if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(value)) usage("--user: lowercase letters, digits and -");
                opts.user = value;
                break;
            case "--timeout":
                opts.timeoutSeconds = Number(value);
                if (!(opts.timeoutSeconds >= 30)) usage("--timeout: seconds, at least 30");
                break;
            default:
                usage(`unknown argument ${flag}`);
        }
    }
    if (!opts.stack) usage("--stack is required");
    return opts as Options;
}

function pulumi(args: string[], stack: string): string {
    const r = spawnSync("pulumi", [...args, "--stack", stack, "--non-interactive"], {
        cwd: REPO,
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
    });
    if (r.status !== 0)
        throw new HubError(`pulumi ${args.slice(0, 3).join(" ")}: ${(r.stderr || r.stdout || String(r.error)).trim().slice(-400)}`);
    return r.stdout;
}

/** The hub URL and the service's token, from the stack's outputs and config. */
export function stackAccess(stack: string, service: string): { url: string; token: string } {
    const url = JSON.parse(pulumi(["stack", "output", "url", "--json"], stack)) as string;
    const declared = pulumi(["config", "get", "hub.services", "--json"], stack);
    const services = JSON.parse(JSON.parse(declared).value ?? "[]") as string[];
    if (!services.some((s) => s.split(";").some((f) => f.trim() === `name=${service}`))) {
        throw new HubError(
            `stack ${stack} declares no hub service "${service}" in hub.services (declare name=${service};scopes=admin:users,admin:servers,access:servers)`,
        );
    }
    const raw = pulumi(["config", "get", "hub.serviceTokens"], stack).trim();
    const token = (JSON.parse(raw) as Record<string, string>)[service];
    if (!token) throw new HubError(`hub.serviceTokens of stack ${stack} has no token for "${service}"`);
    return { url, token };
}

const NOTEBOOK_CELLS = [
    "import os, sys\nx = sum(range(10))",
    "print(f\"health {x * 6 // 5 - 12} {os.environ['JUPYTERHUB_USER']}\")",
    "sys.version_info[0]",
];

function notebook(): unknown {
    return {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
        cells: NOTEBOOK_CELLS.map((source, i) => ({
            cell_type: "code",
            id: `health-${i}`,
            metadata: {},
            execution_count: null,
            outputs: [],
            source,
        })),
    };
}

interface Step {
    name: string;
    seconds: number;
    ok: boolean;
    detail: string;
}

export async function main(argv: readonly string[]): Promise<number> {
    const opts = parseArgs(argv);
    const started = Date.now();
    const deadline = started + opts.timeoutSeconds * 1000;
    const left = (capMs: number) => Math.max(1000, Math.min(capMs, deadline - Date.now()));
    const steps: Step[] = [];
    const step = async (name: string, fn: () => Promise<string | void>): Promise<boolean> => {
        const t0 = Date.now();
        try {
            if (Date.now() > deadline) throw new HubError(`the run's --timeout of ${opts.timeoutSeconds} s is over`);
            const detail = (await fn()) ?? "";
            steps.push({ name, seconds: (Date.now() - t0) / 1000, ok: true, detail });
            return true;
        } catch (err) {
            steps.push({ name, seconds: (Date.now() - t0) / 1000, ok: false, detail: err instanceof Error ? err.message : String(err) });
            return false;
        }
    };

    let hub: HubClient | undefined;
    let url = "";
    let token = "";
    const user = opts.user;
    const u = encodeURIComponent(user);
    const stopAndRemove = async () => {
        if (!hub) return;
        const h = hub;
        const existing = await h.user(user);
        if (!existing) return "no user";
        if (Object.keys(existing.servers ?? {}).length > 0) {
            await h.call("DELETE", `/hub/api/users/${u}/server`, [202, 204]);
            await until("the server stopped", left(120_000), async () =>
                Object.keys((await h.user(user))?.servers ?? {}).length === 0 ? true : undefined,
            );
        }
        await h.call("DELETE", `/hub/api/users/${u}`, [204]);
        return "removed";
    };

    const ok =
        (await step("read the hub URL and the service token from the stack", async () => {
            ({ url, token } = stackAccess(opts.stack, opts.service));
            hub = new HubClient(url, token);
            return url;
        })) &&
        (await step("hub API answers and the token is a service's", async () => {
            const h = hub as HubClient;
            const info = (await h.call("GET", "/hub/api/", [200])) as { version?: string };
            const me = (await h.call("GET", "/hub/api/user", [200])) as { kind?: string; name?: string; scopes?: string[] };
            if (me.kind !== "service" || me.name !== opts.service)
                throw new HubError(`the token belongs to ${me.kind} ${me.name}, not service ${opts.service}`);
            return `JupyterHub ${info.version}, service ${me.name}`;
        })) &&
        (await step("remove what an interrupted run left", async () => (await stopAndRemove()) ?? "")) &&
        (await step(`create the test user ${user}`, async () => {
            await (hub as HubClient).call("POST", `/hub/api/users/${u}`, [201]);
        })) &&
        (await step("start the user's server and wait until it is ready", async () => {
            const h = hub as HubClient;
            await h.call("POST", `/hub/api/users/${u}/server`, [201, 202]);
            await until("the server ready", left(240_000), async () => ((await h.user(user))?.servers?.[""]?.ready ? true : undefined));
        })) &&
        (await step("upload the health notebook into the home", async () => {
            const r = await fetch(new URL(`/user/${u}/api/contents/jhp-health.ipynb`, url), {
                method: "PUT",
                headers: { authorization: `token ${token}`, "content-type": "application/json" },
                body: JSON.stringify({ type: "notebook", format: "json", content: notebook() }),
                signal: AbortSignal.timeout(left(30_000)),
            });
            if (r.status !== 200 && r.status !== 201) throw new HubError(`PUT the notebook: HTTP ${r.status}`);
        })) &&
        (await step("run the notebook's cells in one kernel and check the output", async () => {
            const r = await fetch(new URL(`/user/${u}/api/contents/jhp-health.ipynb?content=1`, url), {
                headers: { authorization: `token ${token}` },
                signal: AbortSignal.timeout(left(30_000)),
            });
            if (r.status !== 200) throw new HubError(`GET the notebook back: HTTP ${r.status}`);
            const nb = (await r.json()) as { content: { cells: { source: string }[] } };
            const cells = nb.content.cells.map((c) => c.source);
            if (JSON.stringify(cells) !== JSON.stringify(NOTEBOOK_CELLS))
                throw new HubError("the notebook read back differs from the one written");
            const out = await runCells(url, user, token, cells, left(120_000));
            const expected = `health 42 ${user}`;
            if (out[1]?.stdout.trim() !== expected)
                throw new HubError(`cell 2 printed ${JSON.stringify(out[1]?.stdout)}, expected ${JSON.stringify(expected)}`);
            if (out[2]?.result !== "3") throw new HubError(`cell 3 returned ${JSON.stringify(out[2]?.result)}, expected "3"`);
            return `"${expected}", Python ${out[2].result}`;
        }));

    // Always leave the hub as it was, even after a failure.
    const cleaned = await step("stop the server and remove the test user", async () => {
        if (!hub) return "nothing to do";
        const r = await stopAndRemove();
        if (await (hub as HubClient).user(user)) throw new HubError("the test user is still there");
        return r;
    });

    const total = (Date.now() - started) / 1000;
    console.log(`health check of stack ${opts.stack} (${url || "?"}), service ${opts.service}, user ${user}`);
    for (const s of steps) {
        console.log(`${s.ok ? "PASS" : "FAIL"} ${s.seconds.toFixed(2).padStart(7)} s  ${s.name}${s.detail ? ` — ${s.detail}` : ""}`);
    }
    const passed = steps.filter((s) => s.ok).length;
    console.log(`total ${total.toFixed(1)} s`);
    console.log(`${passed} passed, ${steps.length - passed} failed`);
    return ok && cleaned ? 0 : 1;
}

if (require.main === module) {
    const args = process.argv.slice(2);
    main(args)
        .then((code) => process.exit(code))
        .catch((err: unknown) => {
            console.error(`health: ${err instanceof Error ? err.message : String(err)}`);
            process.exit(1);
        });
}
