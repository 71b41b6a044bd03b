/**
 * Helpers shared by the local end-to-end test and the bench: running the real pulumi and docker
 * CLIs, a small cookie-aware HTTP client for the hub's login form and REST API, and executing
 * code in a kernel over its websocket. Every wait is bounded.
 */
import { spawn, spawnSync } from "child_process";
import * as http from "http";
import * as https from "https";
import * as path from "path";
import WebSocket from "ws";

export const PROJECT_DIR = path.resolve(__dirname, "../../..");

/** Where pulumi commands run: the repository itself. */
export const PULUMI_DIR = PROJECT_DIR;

export function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

export interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
    seconds: number;
}

/** Run a command to completion (bounded by timeoutMs); output is captured, never echoed. */
export function run(
    cmd: string,
    args: string[],
    opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { cwd: PULUMI_DIR, env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(
            () => {
                stderr += `\n[timed out after ${opts.timeoutMs} ms]`;
                child.kill("SIGTERM");
            },
            opts.timeoutMs ?? 15 * 60_000,
        );
        // A child that exits (or closes stdin) before reading its input makes this write fail
        // with EPIPE; unhandled, that error crashed the whole test run (seen in e2e:dev-vm's
        // polling of ssh). The exit code is what counts.
        child.stdin.on("error", () => undefined);
        child.stdin.end(opts.input ?? "");
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code: code ?? 1, stdout, stderr, seconds: (Date.now() - started) / 1000 });
        });
    });
}

export function docker(args: string[], input?: string): { code: number; out: string } {
    const r = spawnSync("docker", args, { encoding: "utf8", timeout: 120_000, input });
    return { code: r.status ?? 1, out: (r.stdout ?? "") + (r.status ? (r.stderr ?? "") : "") };
}

export function pulumi(args: string[], stack: string, timeoutMs?: number): Promise<RunResult> {
    return run("pulumi", [...args, "--stack", stack, "--non-interactive"], { timeoutMs, env: { PULUMI_SKIP_UPDATE_CHECK: "true" } });
}

export async function stackOutputs(stack: string, showSecrets = false): Promise<Record<string, unknown>> {
    const r = await pulumi(["stack", "output", "--json", ...(showSecrets ? ["--show-secrets"] : [])], stack, 60_000);
    if (r.code !== 0) {
        throw new Error(`pulumi stack output failed: ${r.stderr.slice(-500)}`);
    }
    return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Tail of a command's output for a failure message, with any known secret masked. */
export function tail(text: string, secrets: string[] = [], n = 1500): string {
    let t = text.slice(-n);
    for (const s of secrets) {
        if (s) t = t.split(s).join("[secret]");
    }
    return t;
}

/** A browser-like HTTP session: keeps cookies, does not follow redirects. */
export class Session {
    readonly cookies = new Map<string, string>();

    constructor(readonly base: string) {}

    /**
     * One request through node:http, not fetch: fetch always sends `Sec-Fetch-Mode: cors`, which
     * JupyterHub 5 treats as an API call and so never sets the anonymous `_xsrf` cookie on the
     * login page. The POST then carried only the form field, whose signed token matched the one
     * the hub recomputes only within the same second: logins failed now and then (seen on the
     * real cluster right after the hub started). Like a browser, page loads say `navigate`.
     */
    async request(
        method: string,
        url: string,
        init: { body?: string; headers?: Record<string, string>; token?: string; timeoutMs?: number } = {},
    ): Promise<Response> {
        const target = new URL(url, this.base);
        const headers: Record<string, string> = { "user-agent": "jupyterhub-platform-e2e", ...init.headers };
        if (this.cookies.size > 0) {
            headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
        }
        if (init.token) {
            headers.authorization = `token ${init.token}`;
        } else if (method === "GET" && !target.pathname.includes("/api/")) {
            headers["sec-fetch-mode"] = "navigate";
        }
        if (init.body !== undefined) {
            headers["content-length"] = String(Buffer.byteLength(init.body));
        }
        const timeoutMs = init.timeoutMs ?? 30_000;
        const res = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
            const req = (target.protocol === "https:" ? https : http).request(
                target,
                // A new connection each time (agent: false): a kept-alive socket the proxy or a server has
                // just closed answers "socket hang up".
                { method, headers, timeout: timeoutMs, rejectUnauthorized: false, agent: false },
                (r) => {
                    const chunks: Buffer[] = [];
                    r.on("data", (c: Buffer) => chunks.push(c));
                    r.on("end", () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks) }));
                    r.on("error", reject);
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${target.href}: no answer within ${timeoutMs} ms`)));
            req.on("error", reject);
            req.end(init.body);
        });
        const setCookies = res.headers["set-cookie"] ?? [];
        for (const c of setCookies) {
            const [pair] = c.split(";");
            const eq = pair.indexOf("=");
            const name = pair.slice(0, eq).trim();
            const value = pair.slice(eq + 1).trim();
            if (/expires=Thu, 01 Jan 1970/i.test(c) || value === '""' || /max-age=0\b/i.test(c)) {
                this.cookies.delete(name);
            } else {
                this.cookies.set(name, value);
            }
        }
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
            for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) out.append(k, one);
        }
        // A Response cannot carry a body with 204/304; the callers only read status there.
        const empty = res.status === 204 || res.status === 304 || res.status < 200;
        return new Response(empty ? null : res.body, { status: res.status < 200 ? 200 : res.status, headers: out });
    }

    /** The hub's real login form: GET it, carry the _xsrf field and cookie, POST. */
    async login(user: string, password: string): Promise<Response> {
        const form = await this.request("GET", "/hub/login");
        const html = await form.text();
        const xsrf = /name="_xsrf"\s+value="([^"]+)"/.exec(html)?.[1];
        if (!xsrf) {
            throw new Error("login form has no _xsrf field");
        }
        const body = new URLSearchParams({ _xsrf: xsrf, username: user, password }).toString();
        return this.request("POST", "/hub/login?next=%2Fhub%2Fhome", {
            body,
            headers: { "content-type": "application/x-www-form-urlencoded" },
        });
    }

    /**
     * The XSRF token for cookie-authenticated API calls (X-XSRFToken header). JupyterHub keeps a
     * signed copy in the `_xsrf` cookie; the token itself is in the page data (jhdata.xsrf_token).
     */
    async xsrfToken(): Promise<string> {
        const res = await this.request("GET", "/hub/home");
        const html = await res.text();
        const token = /xsrf_token:\s*"([^"]+)"/.exec(html)?.[1];
        if (!token) {
            throw new Error(`no xsrf_token in /hub/home (HTTP ${res.status}; not logged in?)`);
        }
        return token;
    }
}

/** Poll `probe` until it returns a value or the deadline passes. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 1000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError = "";
    while (Date.now() < deadline) {
        try {
            const v = await probe();
            if (v !== undefined) return v;
        } catch (err) {
            lastError = String(err);
        }
        await sleep(intervalMs);
    }
    throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ""}`);
}

export async function hubHealthy(base: string): Promise<boolean> {
    try {
        const res = await fetch(new URL("/hub/health", base), { signal: AbortSignal.timeout(3000) });
        return res.status === 200;
    } catch {
        return false;
    }
}

/**
 * Execute `code` in a new kernel of the user's server over the kernel websocket (Jupyter
 * messaging protocol) and return what it printed on stdout.
 */
export async function executeInKernel(base: string, user: string, token: string, code: string, timeoutMs = 60_000): Promise<string> {
    return executeInKernelAt(new URL(`/user/${encodeURIComponent(user)}/`, base).href, token, code, timeoutMs, user);
}

/**
 * The same against any Jupyter server at `serverUrl` (ending in /): a hub user's
 * `<hub>/user/<name>/` or a standalone JupyterLab's root.
 */
export async function executeInKernelAt(serverUrl: string, token: string, code: string, timeoutMs = 60_000, user = "e2e"): Promise<string> {
    const api = new URL("api/kernels", serverUrl);
    const created = await fetch(api, {
        method: "POST",
        headers: { authorization: `token ${token}`, "content-type": "application/json" },
        body: "{}",
    });
    if (created.status !== 201) {
        throw new Error(`kernel create: HTTP ${created.status} ${await created.text()}`);
    }
    const kernel = (await created.json()) as { id: string };
    const wsUrl = new URL(`api/kernels/${kernel.id}/channels`, serverUrl);
    wsUrl.protocol = wsUrl.protocol === "https:" ? "wss:" : "ws:";
    try {
        return await new Promise<string>((resolve, reject) => {
            const ws = new WebSocket(wsUrl, { headers: { authorization: `token ${token}` } });
            const msgId = `e2e-${Date.now()}`;
            let stdout = "";
            const timer = setTimeout(() => {
                ws.terminate();
                reject(new Error(`kernel did not finish within ${timeoutMs / 1000}s`));
            }, timeoutMs);
            ws.on("open", () => {
                ws.send(
                    JSON.stringify({
                        header: {
                            msg_id: msgId,
                            username: user,
                            session: msgId,
                            msg_type: "execute_request",
                            version: "5.3",
                            date: new Date().toISOString(),
                        },
                        parent_header: {},
                        metadata: {},
                        content: {
                            code,
                            silent: false,
                            store_history: false,
                            user_expressions: {},
                            allow_stdin: false,
                            stop_on_error: true,
                        },
                        channel: "shell",
                        buffers: [],
                    }),
                );
            });
            ws.on("message", (data) => {
                const msg = JSON.parse(String(data)) as {
                    msg_type: string;
                    parent_header: { msg_id?: string };
                    content: Record<string, unknown>;
                };
                if (msg.parent_header?.msg_id !== msgId) return;
                if (msg.msg_type === "stream" && msg.content.name === "stdout") stdout += String(msg.content.text);
                if (msg.msg_type === "error") {
                    clearTimeout(timer);
                    ws.close();
                    reject(new Error(`kernel error: ${String(msg.content.ename)}: ${String(msg.content.evalue)}`));
                }
                if (msg.msg_type === "status" && msg.content.execution_state === "idle") {
                    clearTimeout(timer);
                    ws.close();
                    resolve(stdout);
                }
            });
            ws.on("error", (err) => {
                clearTimeout(timer);
                reject(err);
            });
        });
    } finally {
        await fetch(new URL(kernel.id, api.href + "/"), { method: "DELETE", headers: { authorization: `token ${token}` } }).catch(
            () => undefined,
        );
    }
}

/**
 * Stack config for the base images the images are built from on this machine: the project's
 * stand-ins when no registry is reachable (scripts/docker/base-images.sh exports the refs), none
 * when the upstream images are on the engine.
 */
export function baseImageConfig(): Record<string, string> {
    const refs = {
        "images.hub.baseImage": process.env.JHP_HUB_BASE_IMAGE,
        "images.singleuser.baseImage": process.env.JHP_SINGLEUSER_BASE_IMAGE,
    };
    return Object.fromEntries(
        Object.entries(refs).filter(
            (e): e is [string, string] => typeof e[1] === "string" && e[1].startsWith("jupyterhub-platform/standin-"),
        ),
    );
}

/**
 * The PASS/FAIL lines of one end-to-end run and their count. `report` and `step` are bound, so a
 * test can destructure them; details are cut and have the run's secrets masked (tail()).
 */
export class Checks {
    passed = 0;
    failed = 0;

    constructor(
        private readonly secrets: readonly string[],
        private readonly detailChars = 600,
    ) {}

    readonly report = (ok: boolean, name: string, detail = ""): void => {
        if (ok) this.passed++;
        else this.failed++;
        console.log(`${ok ? "PASS" : "FAIL"} ${name}${detail ? ` — ${tail(detail, [...this.secrets], this.detailChars)}` : ""}`);
    };

    /** Run one check; a thrown error is a FAIL. Returns whether it passed. */
    readonly step = async (name: string, fn: () => Promise<string | void>): Promise<boolean> => {
        const started = Date.now();
        const timed = () => `${name} (${((Date.now() - started) / 1000).toFixed(1)}s)`;
        try {
            const detail = await fn();
            this.report(true, timed(), detail || "");
            return true;
        } catch (err) {
            this.report(false, timed(), err instanceof Error ? err.message : String(err));
            return false;
        }
    };

    /** `N passed, M failed`, counting `extraFailures` outside any check (a setup that threw). */
    summary(extraFailures = 0): string {
        return `${this.passed} passed, ${this.failed + extraFailures} failed`;
    }

    /** Every check passed, and there was at least one. */
    get ok(): boolean {
        return this.failed === 0 && this.passed > 0;
    }
}
