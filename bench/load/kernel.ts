/**
 * One kernel kept open for a whole run: created over the user's server API through the proxy,
 * its websocket kept, code executed on it again and again; each execution's round trip timed.
 * (test/e2e/common/lib.ts executeInKernel opens a new kernel per execution, which is a
 * different load.)
 */
import WebSocket from "ws";

export class KernelClient {
    private ws?: WebSocket;
    private kernelId?: string;
    private waiting = new Map<string, { resolve: (out: string) => void; reject: (e: Error) => void; out: string; timer: NodeJS.Timeout }>();
    private seq = 0;

    constructor(
        readonly serverUrl: string,
        readonly token: string,
        readonly user: string,
    ) {}

    async open(timeoutMs = 60_000): Promise<void> {
        const api = new URL("api/kernels", this.serverUrl);
        const created = await fetch(api, {
            method: "POST",
            headers: { authorization: `token ${this.token}`, "content-type": "application/json" },
            body: "{}",
            signal: AbortSignal.timeout(timeoutMs),
        });
        if (created.status !== 201) throw new Error(`kernel create for ${this.user}: HTTP ${created.status} ${await created.text()}`);
        this.kernelId = ((await created.json()) as { id: string }).id;
        await this.connect(timeoutMs);
    }

    /** (Re)open the websocket to the same kernel, e.g. after the proxy was replaced. */
    async connect(timeoutMs = 30_000): Promise<void> {
        if (!this.kernelId) throw new Error("kernel not created");
        this.ws?.terminate();
        const wsUrl = new URL(`api/kernels/${this.kernelId}/channels`, this.serverUrl);
        wsUrl.protocol = wsUrl.protocol === "https:" ? "wss:" : "ws:";
        const ws = new WebSocket(wsUrl, { headers: { authorization: `token ${this.token}` }, handshakeTimeout: timeoutMs });
        this.ws = ws;
        ws.on("message", (data) => this.onMessage(String(data)));
        ws.on("close", () => this.failAll(new Error(`${this.user}: kernel websocket closed`)));
        ws.on("error", (err) => this.failAll(err instanceof Error ? err : new Error(String(err))));
        await new Promise<void>((resolve, reject) => {
            ws.once("open", () => resolve());
            ws.once("error", reject);
            ws.once("unexpected-response", (_req, res) => reject(new Error(`${this.user}: websocket HTTP ${res.statusCode}`)));
        });
    }

    get connected(): boolean {
        return this.ws?.readyState === WebSocket.OPEN;
    }

    /** Execute `code`; resolves with its stdout when the kernel is idle again. */
    execute(code: string, timeoutMs = 30_000): Promise<string> {
        const ws = this.ws;
        if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error(`${this.user}: kernel websocket not open`));
        const msgId = `load-${this.user}-${++this.seq}-${Date.now()}`;
        return new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => {
                this.waiting.delete(msgId);
                reject(new Error(`${this.user}: execution not finished within ${timeoutMs / 1000}s`));
            }, timeoutMs);
            this.waiting.set(msgId, { resolve, reject, out: "", timer });
            ws.send(
                JSON.stringify({
                    header: {
                        msg_id: msgId,
                        username: this.user,
                        session: msgId,
                        msg_type: "execute_request",
                        version: "5.3",
                        date: new Date().toISOString(),
                    },
                    parent_header: {},
                    metadata: {},
                    content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
                    channel: "shell",
                    buffers: [],
                }),
            );
        });
    }

    private onMessage(raw: string): void {
        const msg = JSON.parse(raw) as { msg_type: string; parent_header: { msg_id?: string }; content: Record<string, unknown> };
        const w = msg.parent_header?.msg_id ? this.waiting.get(msg.parent_header.msg_id) : undefined;
        if (!w || !msg.parent_header.msg_id) return;
        if (msg.msg_type === "stream" && msg.content.name === "stdout") w.out += String(msg.content.text);
        if (msg.msg_type === "error") {
            this.settle(msg.parent_header.msg_id);
            w.reject(new Error(`${this.user}: kernel error ${String(msg.content.ename)}: ${String(msg.content.evalue)}`));
        } else if (msg.msg_type === "status" && msg.content.execution_state === "idle") {
            this.settle(msg.parent_header.msg_id);
            w.resolve(w.out);
        }
    }

    private settle(id: string): void {
        const w = this.waiting.get(id);
        if (w) clearTimeout(w.timer);
        this.waiting.delete(id);
    }

    private failAll(err: Error): void {
        for (const [id, w] of [...this.waiting]) {
            this.settle(id);
            w.reject(err);
        }
    }

    async close(): Promise<void> {
        this.ws?.close();
        this.failAll(new Error("closed"));
        if (this.kernelId) {
            await fetch(new URL(`api/kernels/${this.kernelId}`, this.serverUrl), {
                method: "DELETE",
                headers: { authorization: `token ${this.token}` },
                signal: AbortSignal.timeout(10_000),
            }).catch(() => undefined);
        }
    }
}
