/**
 * A throw-away `local` stack for the load run and the fault test: created with a unique name,
 * configured for many users, brought up, and destroyed with its volumes. The engine is the one
 * DOCKER_HOST names (the fault test points it at its private dockerd).
 */
import {
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
    type RunResult,
} from "../../test/e2e/common/lib";

export interface LocalStack {
    name: string;
    port: number;
    base: string;
    /** `jupyterhub-<stack>`: prefix of every container, volume and network of the stack. */
    prefix: string;
    admin: string;
    password: string;
    hubContainer: string;
    proxyContainer: string;
    singleuserImage: string;
}

export async function must(what: string, p: Promise<RunResult>, secrets: string[] = []): Promise<RunResult> {
    const r = await p;
    if (r.code !== 0) throw new Error(`${what} failed: ${tail(r.stdout + r.stderr, secrets)}`);
    return r;
}

/** Unique, Docker-safe stack name: `<kind>-<UTC stamp>-<pid>`. */
export function uniqueStackName(kind: string): string {
    const stamp = new Date().toISOString().replace(/[-:T]/g, "").replace(/\..*/, "").toLowerCase();
    return `${kind}-${stamp}-${process.pid}`;
}

/** Every container, volume and network of the stack on the engine DOCKER_HOST names. */
export function stackObjects(prefix: string): { containers: string[]; volumes: string[]; networks: string[] } {
    const list = (args: string[]) =>
        docker(args)
            .out.split(/\s+/)
            .filter((n) => n.startsWith(`${prefix}-`));
    return {
        containers: list(["ps", "-a", "--format", "{{.Names}}", "--filter", `name=${prefix}-`]),
        volumes: list(["volume", "ls", "-q", "--filter", `name=${prefix}-`]),
        networks: list(["network", "ls", "--format", "{{.Name}}", "--filter", `name=${prefix}-`]),
    };
}

/** Destroy the stack, remove it, and remove anything of it the destroy left (bounded). */
export async function destroyStack(name: string, prefix: string): Promise<string> {
    const d = await pulumi(["destroy", "--yes", "--skip-preview"], name, 15 * 60_000);
    await pulumi(["stack", "rm", "--yes", "--force"], name, 60_000);
    const left = stackObjects(prefix);
    if (left.containers.length) docker(["rm", "-f", ...left.containers]);
    if (left.volumes.length) docker(["volume", "rm", "-f", ...left.volumes]);
    if (left.networks.length) docker(["network", "rm", ...left.networks]);
    return d.code === 0 ? "" : `destroy exited ${d.code}: ${tail(d.stdout + d.stderr, [], 400)}`;
}

/** `pulumi stack init`, config, `pulumi up` until /hub/health answers through the proxy. */
export async function createStack(
    name: string,
    port: number,
    extraConfig: Record<string, string> = {},
    upTimeoutMs = 30 * 60_000,
): Promise<LocalStack> {
    const admin = "load-admin";
    const config: Record<string, string> = {
        topology: "local",
        "hub.port": String(port),
        "hub.adminUsers": JSON.stringify([admin]),
        "hub.cull.enabled": "false",
        "singleuser.memory.limit": "1G",
        "singleuser.cpu.limit": "1",
        "data.retainOnDestroy": "false",
        ...baseImageConfig(),
        ...extraConfig,
    };
    await must("stack init", run("pulumi", ["stack", "init", name, "--non-interactive"], { timeoutMs: 60_000 }));
    for (const [k, v] of Object.entries(config)) await must(`config set ${k}`, pulumi(["config", "set", k, v], name, 60_000));
    await must("pulumi up", pulumi(["up", "--yes", "--skip-preview"], name, upTimeoutMs));
    const base = `http://127.0.0.1:${port}`;
    await waitFor("/hub/health through the proxy", 120_000, async () => ((await hubHealthy(base)) ? true : undefined), 250);
    const outs = await stackOutputs(name, true);
    return {
        name,
        port,
        base,
        prefix: `jupyterhub-${name}`,
        admin,
        password: String(outs.loginPassword),
        hubContainer: String(outs.hubContainer),
        proxyContainer: String(outs.proxyContainer),
        singleuserImage: String(outs.singleuserImage),
    };
}

/** One user of the run: logged in through the real form, with an API token of its own. */
export interface LoggedInUser {
    name: string;
    session: Session;
    token: string;
}

export async function loginUser(base: string, name: string, password: string): Promise<LoggedInUser> {
    const session = new Session(base);
    const res = await session.login(name, password);
    if (res.status !== 302) throw new Error(`login ${name}: HTTP ${res.status}`);
    const tok = await session.request("POST", `/hub/api/users/${name}/tokens`, {
        body: JSON.stringify({ note: "load", expires_in: 4 * 3600 }),
        headers: { "content-type": "application/json", "x-xsrftoken": await session.xsrfToken() },
    });
    if (tok.status !== 201) throw new Error(`token for ${name}: HTTP ${tok.status} ${await tok.text()}`);
    return { name, session, token: ((await tok.json()) as { token: string }).token };
}

interface HubUserModel {
    servers?: Record<string, { ready: boolean; pending: string | null }>;
}

/**
 * Ask for the user's server and wait until the hub says it is ready; seconds from request to
 * ready. Polls every `pollMs` (each user polls: 50 users at 2 s are 25 requests a second on the
 * hub); a server the hub dropped (its start failed) fails at once.
 */
export async function startServer(u: LoggedInUser, timeoutMs: number, pollMs = 2000): Promise<number> {
    const t0 = Date.now();
    const res = await u.session.request("POST", `/hub/api/users/${u.name}/server`, { token: u.token, body: "{}" });
    if (res.status !== 201 && res.status !== 202) throw new Error(`start ${u.name}: HTTP ${res.status} ${await res.text()}`);
    let lastError = "";
    while (Date.now() - t0 < timeoutMs) {
        try {
            const r = await u.session.request("GET", `/hub/api/users/${u.name}`, { token: u.token, timeoutMs: 60_000 });
            if (r.status === 200) {
                const s = ((await r.json()) as HubUserModel).servers?.[""];
                if (!s)
                    throw new StartFailed(
                        `${u.name}'s server is gone after ${((Date.now() - t0) / 1000).toFixed(0)}s (its start failed; see the hub's log)`,
                    );
                if (s.ready) return (Date.now() - t0) / 1000;
            } else {
                lastError = `HTTP ${r.status}`;
            }
        } catch (err) {
            if (err instanceof StartFailed) throw err;
            lastError = String(err);
        }
        await sleep(pollMs);
    }
    throw new Error(`${u.name}'s server not ready within ${timeoutMs / 1000}s${lastError ? ` (last error: ${lastError})` : ""}`);
}

class StartFailed extends Error {}

/** The user's server answers through the proxy (its own API, with the user's token). */
export async function serverAnswers(base: string, u: Pick<LoggedInUser, "name" | "token">, timeoutMs = 5000): Promise<boolean> {
    try {
        const res = await fetch(new URL(`/user/${encodeURIComponent(u.name)}/api/status`, base), {
            headers: { authorization: `token ${u.token}` },
            signal: AbortSignal.timeout(timeoutMs),
            redirect: "manual",
        });
        return res.status === 200;
    } catch {
        return false;
    }
}
