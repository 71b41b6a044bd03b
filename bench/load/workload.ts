/**
 * The steady part of a load run: every user executes code in its own open kernel and makes one
 * HTTP request to its server through the proxy, at a fixed rate, until stopped. Every outcome is
 * recorded with its time, so a caller can tell errors during a fault from errors after it.
 */
import { sleep } from "../../test/e2e/common/lib";
import { KernelClient } from "./kernel";
import type { LoggedInUser } from "./stack";

export interface Outcome {
    /** ms since epoch when the operation started. */
    t: number;
    user: string;
    kind: "execute" | "request" | "reconnect";
    ok: boolean;
    ms: number;
    error?: string;
}

/** What each execution runs: a little CPU, a line of output to check. */
export const LOAD_CODE = "print(sum(i * i for i in range(20000)))";
export const LOAD_EXPECTED = String(Array.from({ length: 20000 }, (_, i) => i * i).reduce((a, b) => a + b, 0));

export class Workload {
    readonly outcomes: Outcome[] = [];
    readonly kernels = new Map<string, KernelClient>();
    private running = false;
    private loops: Promise<void>[] = [];

    constructor(
        readonly base: string,
        readonly users: readonly LoggedInUser[],
        /** Seconds between two executions of one user. */
        readonly intervalSeconds: number,
    ) {}

    serverUrl(user: string): string {
        return new URL(`/user/${encodeURIComponent(user)}/`, this.base).href;
    }

    /** Open one kernel per user (bounded per user); returns the users whose kernel failed. */
    async openKernels(timeoutMs = 120_000): Promise<Map<string, string>> {
        const failed = new Map<string, string>();
        await Promise.all(
            this.users.map(async (u) => {
                const k = new KernelClient(this.serverUrl(u.name), u.token, u.name);
                try {
                    await k.open(timeoutMs);
                    const out = await k.execute(LOAD_CODE, timeoutMs);
                    if (out.trim() !== LOAD_EXPECTED) throw new Error(`unexpected output ${JSON.stringify(out)}`);
                    this.kernels.set(u.name, k);
                } catch (err) {
                    failed.set(u.name, String(err));
                }
            }),
        );
        return failed;
    }

    start(): void {
        this.running = true;
        const n = this.kernels.size;
        let i = 0;
        for (const u of this.users) {
            const k = this.kernels.get(u.name);
            if (!k) continue;
            // Spread the users over one interval so the rate is steady, not in bursts.
            const offset = (this.intervalSeconds * 1000 * i++) / Math.max(1, n);
            this.loops.push(this.loop(u, k, offset));
        }
    }

    private record(o: Outcome): void {
        this.outcomes.push(o);
    }

    private async loop(u: LoggedInUser, k: KernelClient, offsetMs: number): Promise<void> {
        await sleep(offsetMs);
        let next = Date.now();
        while (this.running) {
            const t = Date.now();
            if (!k.connected) {
                try {
                    await k.connect(10_000);
                    this.record({ t, user: u.name, kind: "reconnect", ok: true, ms: Date.now() - t });
                } catch (err) {
                    // The kernel may be gone with its server (an engine restart): open a new one.
                    const reopened = await k.open(10_000).then(
                        () => true,
                        () => false,
                    );
                    this.record({
                        t,
                        user: u.name,
                        kind: "reconnect",
                        ok: reopened,
                        ms: Date.now() - t,
                        error: reopened ? undefined : String(err),
                    });
                }
            }
            if (k.connected) {
                const t1 = Date.now();
                try {
                    const out = await k.execute(LOAD_CODE, 30_000);
                    const ok = out.trim() === LOAD_EXPECTED;
                    this.record({ t: t1, user: u.name, kind: "execute", ok, ms: Date.now() - t1, error: ok ? undefined : `output ${out}` });
                } catch (err) {
                    this.record({ t: t1, user: u.name, kind: "execute", ok: false, ms: Date.now() - t1, error: String(err) });
                }
            }
            const t2 = Date.now();
            try {
                const res = await fetch(new URL(`/user/${encodeURIComponent(u.name)}/api/contents`, this.base), {
                    headers: { authorization: `token ${u.token}` },
                    signal: AbortSignal.timeout(15_000),
                    redirect: "manual",
                });
                await res.arrayBuffer();
                this.record({
                    t: t2,
                    user: u.name,
                    kind: "request",
                    ok: res.status === 200,
                    ms: Date.now() - t2,
                    error: res.status === 200 ? undefined : `HTTP ${res.status}`,
                });
            } catch (err) {
                this.record({ t: t2, user: u.name, kind: "request", ok: false, ms: Date.now() - t2, error: String(err) });
            }
            next += this.intervalSeconds * 1000;
            // Fixed schedule; a late tick is not made up with a burst.
            if (next < Date.now()) next = Date.now();
            while (this.running && Date.now() < next) await sleep(Math.min(500, next - Date.now()));
        }
    }

    async stop(): Promise<void> {
        this.running = false;
        await Promise.all(this.loops);
        this.loops = [];
    }

    async closeKernels(): Promise<void> {
        await Promise.all([...this.kernels.values()].map((k) => k.close()));
        this.kernels.clear();
    }
}
