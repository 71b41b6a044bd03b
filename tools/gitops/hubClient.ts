/**
 * A small JupyterHub REST client authenticated by an API token (a hub service's), and a kernel
 * client that runs notebook cells in one kernel of a user's server over the Jupyter messaging
 * protocol (websocket). Every call is bounded in time. Used by `npm run health`.
 */
import WebSocket from "ws";

export class HubError extends Error {}

export interface HubUser {
    name: string;
    servers?: Record<string, { ready: boolean; pending: string | null; url: string }>;
}

export class HubClient {
    constructor(
        readonly base: string,
        private readonly token: string,
        private readonly timeoutMs = 30_000,
    ) {}

    async request(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
        const res = await fetch(new URL(path, this.base), {
            method,
            headers: { authorization: `token ${this.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
            body: body === undefined ? undefined : JSON.stringify(body),
            redirect: "manual",
            signal: AbortSignal.timeout(this.timeoutMs),
        });
        const text = await res.text();
        let json: unknown;
        try {
            json = text ? JSON.parse(text) : undefined;
        } catch {
            json = undefined;
        }
        return { status: res.status, json, text };
    }

    /** `expect` statuses are success; anything else throws with the hub's message (never the token). */
    async call(method: string, path: string, expect: number[], body?: unknown): Promise<unknown> {
        const r = await this.request(method, path, body);
        if (!expect.includes(r.status)) {
            const msg = (r.json as { message?: string } | undefined)?.message ?? r.text.slice(0, 300);
            throw new HubError(`${method} ${path}: HTTP ${r.status}${msg ? ` (${msg})` : ""}`);
        }
        return r.json;
    }

    async user(name: string): Promise<HubUser | undefined> {
        const r = await this.request("GET", `/hub/api/users/${encodeURIComponent(name)}`);
        if (r.status === 404) return undefined;
        if (r.status !== 200) throw new HubError(`GET user ${name}: HTTP ${r.status}`);
        return r.json as HubUser;
    }
}

/** Polls until `probe` returns a value, or throws after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 500): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
        try {
            const v = await probe();
            if (v !== undefined) return v;
        } catch (err) {
            last = err instanceof Error ? err.message : String(err);
        }
        await new Promise((r) => setTimeout(r, everyMs));
    }
    throw new HubError(`${what}: not within ${Math.round(timeoutMs / 1000)} s${last ? ` (last error: ${last})` : ""}`);
}

export interface CellResult {
    stdout: string;
    /** text/plain of an execute_result, if the cell had one. */
    result?: string;
}

/**
 * Starts a kernel on `user`'s server, runs `cells` in order in that one kernel (state carries
 * over, as in a notebook), deletes the kernel, and returns each cell's output. A cell that
 * raises fails the whole run with the error's name and value.
 */
export async function runCells(
    base: string,
    user: string,
    token: string,
    cells: readonly string[],
    timeoutMs: number,
): Promise<CellResult[]> {
    const api = new URL(`/user/${encodeURIComponent(user)}/api/kernels`, base);
    const headers = { authorization: `token ${token}`, "content-type": "application/json" };
    const created = await fetch(api, { method: "POST", headers, body: "{}", signal: AbortSignal.timeout(60_000) });
    if (created.status !== 201) throw new HubError(`start a kernel: HTTP ${created.status} ${(await created.text()).slice(0, 200)}`);
    const kernel = (await created.json()) as { id: string };
    const ws = new URL(`${api.pathname}/${kernel.id}/channels`, base);
    ws.protocol = ws.protocol === "https:" ? "wss:" : "ws:";
    try {
        return await new Promise<CellResult[]>((resolve, reject) => {
            const socket = new WebSocket(ws, { headers: { authorization: `token ${token}` } });
            const results: CellResult[] = [];
            const session = `jhp-health-${Date.now()}`;
            let current = -1;
            let msgId = "";
            const timer = setTimeout(() => {
                socket.terminate();
                reject(new HubError(`the notebook did not finish within ${Math.round(timeoutMs / 1000)} s (cell ${current + 1})`));
            }, timeoutMs);
            const fail = (err: Error) => {
                clearTimeout(timer);
                socket.close();
                reject(err);
            };
            const next = () => {
                current++;
                if (current >= cells.length) {
                    clearTimeout(timer);
                    socket.close();
                    resolve(results);
                    return;
                }
                results.push({ stdout: "" });
                msgId = `${session}-${current}`;
                socket.send(
                    JSON.stringify({
                        header: {
                            msg_id: msgId,
                            username: user,
                            session,
                            msg_type: "execute_request",
                            version: "5.3",
                            date: new Date().toISOString(),
                        },
                        parent_header: {},
                        metadata: {},
                        content: {
                            code: cells[current],
                            silent: false,
                            store_history: true,
                            user_expressions: {},
                            allow_stdin: false,
                            stop_on_error: true,
                        },
                        channel: "shell",
                        buffers: [],
                    }),
                );
            };
            socket.on("open", next);
            socket.on("error", fail);
            socket.on("message", (data) => {
                const msg = JSON.parse(String(data)) as {
                    msg_type: string;
                    parent_header: { msg_id?: string };
                    content: Record<string, unknown>;
                };
                if (msg.parent_header?.msg_id !== msgId) return;
                const out = results[current];
                if (msg.msg_type === "stream" && msg.content.name === "stdout") out.stdout += String(msg.content.text);
                if (msg.msg_type === "execute_result")
                    out.result = String((msg.content.data as Record<string, unknown>)?.["text/plain"] ?? "");
                if (msg.msg_type === "error")
                    fail(new HubError(`cell ${current + 1} raised ${String(msg.content.ename)}: ${String(msg.content.evalue)}`));
                if (msg.msg_type === "status" && msg.content.execution_state === "idle") next();
            });
        });
    } finally {
        await fetch(new URL(`${api.pathname}/${kernel.id}`, base), {
            method: "DELETE",
            headers,
            signal: AbortSignal.timeout(15_000),
        }).catch(() => undefined);
    }
}
