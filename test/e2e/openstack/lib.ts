/**
 * Helpers of the OpenStack end-to-end test and its benchmark: the `openstack` CLI against the
 * local OpenStack (tools/local-openstack, through OS_CLIENT_CONFIG_FILE/OS_CLOUD from its env.sh),
 * test stacks made from a config record, and leaving the cloud clean. Every call is bounded.
 * Nothing here sends a packet to an instance: the local OpenStack's servers never boot.
 */
import * as fs from "fs";
import * as nodeOs from "os";
import * as path from "path";
import * as pulumiSdk from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../../../config/parse";
import { PROJECT } from "../../../config/schema";
import type { PlatformConfig } from "../../../config/types";
import { namePrefix } from "../../../components/openstack/foundation";
import { PROJECT_DIR, pulumi as pulumiCli, run, tail, type RunResult } from "../common/lib";

export { PROJECT_DIR, run, tail };

/** The test project's cloud and the admin's (tools/local-openstack/env.sh exports both). */
export const CLOUD = requireEnv("OS_CLOUD");
export const ADMIN_CLOUD = requireEnv("JHP_OPENSTACK_ADMIN_CLOUD");
export const IMAGE = requireEnv("JHP_OPENSTACK_IMAGE");
export const EXTERNAL_NETWORK = requireEnv("JHP_OPENSTACK_EXTERNAL_NETWORK");
/** Flavor names of the local cloud, smallest first (env.sh: `name:vcpus:ram:disk ...`). */
export const FLAVORS = requireEnv("JHP_OPENSTACK_FLAVORS")
    .split(/\s+/)
    .filter(Boolean)
    .map((f) => f.split(":")[0]);

function requireEnv(name: string): string {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: source tools/local-openstack/env.sh first`);
    return v;
}

/** Secrets seen during the run, masked in every failure message. */
export const SECRETS: string[] = [];

// ------------------------------------------------------------------ the openstack CLI

/**
 * Set when the run's deadline passed: every later pulumi or openstack call fails at once, so the
 * flows run out quickly and the final sweep cleans up (it clears the flag first).
 */
export const control = { aborted: false };

function checkAborted(what: string): void {
    if (control.aborted) throw new Error(`not run (${what}): the run's deadline passed`);
}

/** Seconds spent in openstack CLI calls (each starts a Python interpreter and authenticates). */
export const cliStats = { calls: 0, seconds: 0 };

/**
 * `openstack ARGS -f json` as the test project's member (or the admin), parsed. Compute calls
 * that read user-data need the admin and microversion 2.3 (`computeVersion`).
 */
export async function os<T = Record<string, unknown>>(
    args: string[],
    opts: { admin?: boolean; computeVersion?: string; timeoutMs?: number; json?: boolean } = {},
): Promise<T> {
    const r = await osRaw([...args, ...(opts.json === false ? [] : ["-f", "json"])], opts);
    if (r.code !== 0) throw new Error(`openstack ${args.join(" ")} exited ${r.code}: ${tail(r.stderr, SECRETS, 600)}`);
    return (opts.json === false ? r.stdout : JSON.parse(r.stdout || "null")) as T;
}

export async function osRaw(
    args: string[],
    opts: { admin?: boolean; computeVersion?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
    checkAborted(`openstack ${args.join(" ")}`);
    const pre = [
        "--os-cloud",
        opts.admin ? ADMIN_CLOUD : CLOUD,
        ...(opts.computeVersion ? ["--os-compute-api-version", opts.computeVersion] : []),
    ];
    const r = await run("openstack", [...pre, ...args], { timeoutMs: opts.timeoutMs ?? 180_000 });
    cliStats.calls++;
    cliStats.seconds += r.seconds;
    return r;
}

// ------------------------------------------------------------------ stacks

/** A test stack: its name, plain config and secret config (set with --secret). */
export interface StackSpec {
    name: string;
    config: Record<string, string>;
    secrets: Record<string, string>;
}

const STEP_TIMEOUT_MS = 20 * 60_000;

/** `pulumi ARGS --stack S --non-interactive`, bounded. */
export async function pulumi(args: string[], stack: string, timeoutMs = STEP_TIMEOUT_MS): Promise<RunResult> {
    checkAborted(`pulumi ${args.join(" ")}`);
    return pulumiCli(args, stack, timeoutMs);
}

/** Like pulumi(), but a non-zero exit is an error with the output's tail. */
export async function mustPulumi(args: string[], stack: string, timeoutMs = STEP_TIMEOUT_MS): Promise<RunResult> {
    const r = await pulumi(args, stack, timeoutMs);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}: ${tail(r.stdout + r.stderr, SECRETS, 1500)}`);
    return r;
}

/**
 * Removes the lock files an interrupted run left on a test stack (file backend only): a lock
 * whose process is gone on this host would make every later command on the stack fail with
 * "the stack is currently locked". Locks of a live process are left alone.
 */
export function clearStaleLocks(stack: string): string[] {
    const url = process.env.PULUMI_BACKEND_URL ?? "";
    if (!url.startsWith("file://")) return [];
    const dir = path.join(url.slice("file://".length).split("?")[0], ".pulumi", "locks", "organization", PROJECT, stack);
    const removed: string[] = [];
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
        if (!f.endsWith(".json")) continue;
        const lock = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as { pid: number; hostname: string };
        if (lock.hostname !== nodeOs.hostname() || processAlive(lock.pid)) continue;
        fs.rmSync(path.join(dir, f), { force: true });
        fs.rmSync(path.join(dir, `${f}.attrs`), { force: true });
        removed.push(`${stack} lock of pid ${lock.pid}`);
    }
    return removed;
}

function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

export async function stackExists(name: string): Promise<boolean> {
    checkAborted("pulumi stack ls");
    const ls = await run("pulumi", ["stack", "ls", "--json", "--non-interactive"], { timeoutMs: 60_000 });
    if (ls.code !== 0) throw new Error(`pulumi stack ls: ${ls.stderr}`);
    return (JSON.parse(ls.stdout) as { name: string }[]).some((s) => s.name === name);
}

/** Create the stack (or reuse it) and set its config; lists are JSON strings, as the loader reads them. */
export async function createStack(spec: StackSpec): Promise<void> {
    if (!(await stackExists(spec.name))) {
        const init = await run("pulumi", ["stack", "init", spec.name, "--non-interactive"], { timeoutMs: 60_000 });
        if (init.code !== 0) throw new Error(`stack init ${spec.name}: ${init.stderr}`);
    }
    await setConfig(spec.name, spec.config);
    for (const [k, v] of Object.entries(spec.secrets)) {
        SECRETS.push(v);
        await mustPulumi(["config", "set", "--secret", "--path=false", k, v], spec.name, 60_000);
    }
}

export async function setConfig(stack: string, values: Record<string, string>): Promise<void> {
    for (const [k, v] of Object.entries(values)) {
        await mustPulumi(["config", "set", "--path=false", k, v], stack, 60_000);
    }
}

/**
 * A stack from a committed example (Pulumi.<example>.yaml copied verbatim under the test stack's
 * name, keeping the salt `stack init` wrote), then the overrides and secrets set on the copy.
 */
export async function createStackFromExample(
    name: string,
    example: string,
    overrides: Record<string, string>,
    secrets: Record<string, string>,
    edits: readonly (readonly [string, string])[] = [],
): Promise<void> {
    await removeStackFile(name);
    const init = await run("pulumi", ["stack", "init", name, "--non-interactive"], { timeoutMs: 60_000 });
    if (init.code !== 0) throw new Error(`stack init ${name}: ${init.stderr}`);
    const file = stackFile(name);
    const salt = fs
        .readFileSync(file, "utf8")
        .split("\n")
        .find((l) => l.startsWith("encryptionsalt:"));
    if (!salt) throw new Error(`${file}: no encryptionsalt after stack init`);
    let text = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${example}.yaml`), "utf8");
    for (const [from, to] of edits) {
        if (!text.includes(from)) throw new Error(`Pulumi.${example}.yaml no longer contains ${from}`);
        text = text.split(from).join(to);
    }
    fs.writeFileSync(file, `${salt}\n${text}`);
    await setConfig(name, overrides);
    for (const [k, v] of Object.entries(secrets)) {
        SECRETS.push(v);
        await mustPulumi(["config", "set", "--secret", "--path=false", k, v], name, 60_000);
    }
}

function stackFile(name: string): string {
    return path.join(PROJECT_DIR, `Pulumi.${name}.yaml`);
}

async function removeStackFile(name: string): Promise<void> {
    if (await stackExists(name)) {
        await pulumi(["stack", "rm", "--yes", "--force"], name, 60_000);
    }
    fs.rmSync(stackFile(name), { force: true });
}

/** The stack's config as the program validates it (the same parser, the same defaults). */
export function parsedConfig(spec: StackSpec): PlatformConfig {
    const result = parseConfig(
        { values: { ...spec.config, ...spec.secrets }, secretKeys: new Set(Object.keys(spec.secrets)) },
        { project: PROJECT, stack: spec.name, makeSecret: (_k, v) => pulumiSdk.secret(v), projectDir: PROJECT_DIR, env: {} },
    );
    if (!result.ok) throw new Error(`test stack ${spec.name} invalid:\n${result.problems.join("\n")}`);
    return result.config;
}

/** The prefix of every OpenStack name of a stack (the program's own function). */
export function prefixOf(stack: string): string {
    return namePrefix({ project: PROJECT, stack } as PlatformConfig);
}

/** Resources of `pulumi stack export --show-secrets` by their URN name (the last URN segment). */
export async function stateByName(stack: string): Promise<Map<string, { type: string; outputs: Record<string, unknown> }>> {
    const r = await mustPulumi(["stack", "export", "--show-secrets"], stack, 120_000);
    const doc = JSON.parse(r.stdout) as { deployment: { resources?: { urn: string; type: string; outputs?: Record<string, unknown> }[] } };
    const out = new Map<string, { type: string; outputs: Record<string, unknown> }>();
    for (const res of doc.deployment.resources ?? []) {
        out.set(res.urn.split("::").pop()!, { type: res.type, outputs: unwrapSecrets(res.outputs ?? {}) as Record<string, unknown> });
    }
    return out;
}

/** `--show-secrets` leaves secrets as `{<secret sig>: ..., plaintext: "<JSON>"}`: the values inside. */
function unwrapSecrets(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (SECRET_SIG in o && typeof o.plaintext === "string") return unwrapSecrets(JSON.parse(o.plaintext));
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The steps `pulumi preview --json` plans, as `op name` (no `same`). */
export async function plannedSteps(stack: string, extra: string[] = []): Promise<{ op: string; name: string; type: string }[]> {
    const r = await pulumi(["preview", "--json", ...extra], stack, 10 * 60_000);
    if (r.code !== 0) throw new Error(`pulumi preview --json exited ${r.code}: ${tail(r.stdout + r.stderr, SECRETS, 1500)}`);
    const doc = JSON.parse(r.stdout) as { steps?: { op: string; urn: string }[] };
    return (doc.steps ?? [])
        .filter((s) => s.op !== "same")
        .map((s) => {
            const parts = s.urn.split("::");
            return { op: s.op, name: parts[3], type: parts[2].split("$").pop()! };
        });
}

// ------------------------------------------------------------------ cleanup

interface Named {
    ID: string;
    Name: string;
}

/**
 * Removes a stack and everything of it in the cloud: `pulumi state unprotect` of every resource,
 * `pulumi destroy` (the data volumes are only dropped from the state: retainOnDelete), `stack
 * rm`, then every object named with the stack's prefix, with the CLI. Returns what the CLI had
 * to delete (empty after a clean destroy, except the retained data volumes).
 */
export async function removeStackAndLeftovers(stack: string): Promise<string[]> {
    await removeStack(stack);
    const prefix = prefixOf(stack);
    return (await leftovers(prefix)).length ? deleteByPrefix(prefix) : [];
}

/** The Pulumi side of removeStackAndLeftovers: unprotect, destroy, `stack rm`, the stack file. */
export async function removeStack(stack: string): Promise<void> {
    for (const l of clearStaleLocks(stack)) console.log(`e2e:openstack: removed the stale ${l}`);
    if (await stackExists(stack)) {
        await pulumi(["state", "unprotect", "--all", "--yes"], stack, 120_000);
        await pulumi(["destroy", "--yes", "--skip-preview"], stack, STEP_TIMEOUT_MS);
        await pulumi(["stack", "rm", "--yes", "--force"], stack, 60_000);
    }
    fs.rmSync(stackFile(stack), { force: true });
}

/** Deletes every object whose name starts with `<prefix>-`, in dependency order. */
export async function deleteByPrefix(prefix: string): Promise<string[]> {
    const mine = (n: Named) => n.Name?.startsWith(`${prefix}-`);
    const deleted: string[] = [];
    const del = async (kind: string[], items: Named[]) => {
        for (const it of items) {
            const r = await osRaw([...kind, "delete", it.ID]);
            deleted.push(`${kind.join(" ")} ${it.Name}${r.code === 0 ? "" : ` (failed: ${tail(r.stderr, [], 200)})`}`);
        }
    };
    const servers = (await os<Named[]>(["server", "list"])).filter(mine);
    for (const s of servers) {
        await osRaw(["server", "delete", "--wait", s.ID], { timeoutMs: 300_000 });
        deleted.push(`server ${s.Name}`);
    }
    const ports = (await os<Named[]>(["port", "list"])).filter(mine);
    const fips = await os<{ ID: string; Port: string | null; "Floating IP Address": string }[]>(["floating", "ip", "list"]);
    for (const f of fips.filter((f) => f.Port && ports.some((p) => p.ID === f.Port))) {
        await osRaw(["floating", "ip", "delete", f.ID]);
        deleted.push(`floating ip ${f["Floating IP Address"]}`);
    }
    await waitFor(async () => {
        const busy = (await os<(Named & { Status: string })[]>(["volume", "list"])).filter((v) => mine(v) && v.Status !== "available");
        return busy.length === 0;
    }, 300_000);
    await del(["volume"], (await os<Named[]>(["volume", "list"])).filter(mine));
    const routers = (await os<Named[]>(["router", "list"])).filter(mine);
    const subnets = (await os<Named[]>(["subnet", "list"])).filter(mine);
    for (const r of routers) {
        for (const s of subnets) await osRaw(["router", "remove", "subnet", r.ID, s.ID]);
    }
    await del(["router"], routers);
    await del(["port"], ports);
    await del(["subnet"], subnets);
    await del(["network"], (await os<Named[]>(["network", "list"])).filter(mine));
    await del(["security", "group"], (await os<Named[]>(["security", "group", "list"])).filter(mine));
    const keys = (await os<{ Name: string }[]>(["keypair", "list"])).filter((k) => k.Name.startsWith(`${prefix}-`));
    await del(
        ["keypair"],
        keys.map((k) => ({ ID: k.Name, Name: k.Name })),
    );
    // Volumes go away asynchronously.
    await waitFor(async () => (await os<Named[]>(["volume", "list"])).filter(mine).length === 0, 300_000);
    return deleted;
}

/**
 * Everything of the test project whose name starts with `<prefix>-` for one of the prefixes
 * (empty: clean). One list call per kind, whatever the number of prefixes (each CLI call costs
 * seconds).
 */
export async function leftovers(...prefixes: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const kind of [["server"], ["volume"], ["port"], ["router"], ["subnet"], ["network"], ["security", "group"], ["keypair"]]) {
        const items = await os<{ Name: string }[]>([...kind, "list"]);
        out.push(...items.filter((i) => prefixes.some((p) => i.Name?.startsWith(`${p}-`))).map((i) => `${kind.join(" ")} ${i.Name}`));
    }
    return out;
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await check()) return;
        if (Date.now() > deadline) throw new Error(`not done after ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

// ------------------------------------------------------------------ reporting

export class Reporter {
    passed = 0;
    failed = 0;
    constructor(private readonly prefix = "") {}

    report(ok: boolean, name: string, detail = ""): void {
        if (ok) this.passed++;
        else this.failed++;
        console.log(`${ok ? "PASS" : "FAIL"} ${this.prefix}${name}${detail ? ` — ${tail(detail, SECRETS, 800)}` : ""}`);
    }

    /** Runs one step; a thrown error is a FAIL. Returns whether it passed. */
    async step(name: string, fn: () => Promise<string | void>): Promise<boolean> {
        const started = Date.now();
        try {
            const detail = await fn();
            this.report(true, `${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`, detail || "");
            return true;
        } catch (err) {
            this.report(false, name, err instanceof Error ? err.message : String(err));
            return false;
        }
    }
}

/** The example stack files' config keys (for the test's overrides and secret lists). */
export function exampleKeys(example: string): string[] {
    const doc = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${example}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return Object.keys(doc.config).map((k) => k.replace(/^jupyterhub-platform:/, ""));
}
