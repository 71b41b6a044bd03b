/**
 * npm run test:policy — the policy pack (policy/) for real:
 *   - its unit tests (test/unit/policy: every rule with fake resources);
 *   - `pulumi preview --policy-pack policy` of three deliberately bad fixture programs
 *     (test/policy/fixtures: Docker, Kubernetes rendered to YAML, OpenStack against a closed
 *     keystone), each of which must FAIL, naming every rule it breaks on the resource that
 *     breaks it, and nothing on the resources that are fine;
 *   - the same on a throw-away `local` stack of this project, brought up for real, which must
 *     PASS (advisories allowed).
 * The pack runs in the project's own Node.js language host (RunPlugin). Violations are read
 * from the engine's streamed JSON events. Prints PASS/FAIL lines and `N passed, M failed`.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parsePreview, type PolicyViolation } from "../../tools/gitops/previewComment";

const REPO = path.resolve(__dirname, "../..");
const FIXTURES = path.join(__dirname, "fixtures");
const FIXTURE_STACK = "gitops-policy";
const LOCAL_STACK = process.env.POLICY_LOCAL_STACK ?? "gitops-policy-local";
const LOCAL_PORT = process.env.POLICY_LOCAL_PORT ?? "18630";
const DEADLINE_MINUTES = Number(process.env.POLICY_DEADLINE_MINUTES ?? 30);

let passed = 0;
let failed = 0;
function report(ok: boolean, name: string, detail = ""): void {
    if (ok) passed++;
    else failed++;
    console.log(`${ok ? "PASS" : "FAIL"} ${name}${detail ? ` — ${detail}` : ""}`);
}

interface Run {
    code: number;
    stdout: string;
    stderr: string;
    seconds: number;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
    const t0 = Date.now();
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs ?? 10 * 60_000);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code: code ?? 1, stdout, stderr, seconds: (Date.now() - t0) / 1000 });
        });
    });
}

/** `pulumi preview --policy-pack policy` in `dir` with the streamed JSON events; the violations. */
async function previewWithPack(
    dir: string,
    stack: string,
    env: NodeJS.ProcessEnv = {},
): Promise<{ run: Run; violations: PolicyViolation[] }> {
    const r = await run(
        "pulumi",
        ["preview", "--json", "--stack", stack, "--non-interactive", "--policy-pack", path.join(REPO, "policy")],
        {
            cwd: dir,
            env: { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "1", ...env },
        },
    );
    let violations: PolicyViolation[] = [];
    try {
        violations = parsePreview(r.stdout).violations;
    } catch {
        violations = [];
    }
    return { run: r, violations };
}

const key = (v: { policy: string; level: string; resource: string }) => `${v.level} ${v.policy} @ ${v.resource}`;
const named = (vs: PolicyViolation[]) =>
    vs.map((v) => key({ policy: v.policy, level: v.level, resource: (v.urn ?? "").split("::").pop() ?? "" }));

interface Fixture {
    dir: string;
    env?: NodeJS.ProcessEnv;
    /** `<level> <rule> @ <resource>` that must be reported. */
    expected: string[];
    /** Resources on which no mandatory rule may be reported. */
    clean: string[];
    /** Plaintext that must not appear anywhere in the CLI's output. */
    neverPrinted: string[];
}

const FIXTURE_CASES: Fixture[] = [
    {
        dir: "docker",
        expected: [
            "mandatory secrets-are-secret @ root-with-plaintext-token",
            "mandatory non-root @ root-with-plaintext-token",
            "mandatory user-memory-limit @ root-with-plaintext-token",
            "mandatory user-data-kept @ homes",
            "advisory images-by-digest @ root-with-plaintext-token",
        ],
        clean: ["well-behaved", "fixture-docker", "run"],
        neverPrinted: ["plaintext-fixture-token-not-a-secret", "fixture-value-kept-secret"],
    },
    {
        dir: "kubernetes",
        env: { JHP_POLICY_RENDER_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "jhp-policy-render-")) },
        expected: [
            "mandatory secrets-are-secret @ site-cluster",
            "mandatory non-root @ root-hub",
            "mandatory user-memory-limit @ user-placeholder",
            "mandatory user-data-kept @ users",
            "mandatory user-data-kept @ claim-alice",
            "advisory images-by-digest @ root-hub",
        ],
        // The pull secret's stringData is made secret by @pulumi/kubernetes itself.
        clean: ["pull-secret", "render"],
        neverPrinted: ["plaintext-fixture-token", "Zml4dHVyZTpub3Qtc2VjcmV0"],
    },
    {
        dir: "openstack",
        expected: [
            "mandatory admin-ports-closed @ ssh-world",
            "mandatory admin-ports-closed @ kube-api-world",
            "mandatory secrets-are-secret @ hub-vm",
            "mandatory user-data-kept @ homes",
        ],
        // The provider's password is made secret by @pulumi/openstack itself.
        clean: ["ssh-admins", "https-world", "closed-keystone", "hub"],
        neverPrinted: ["plaintext-fixture-password", "not-a-real-key"],
    },
];

async function fixture(f: Fixture): Promise<void> {
    const dir = path.join(FIXTURES, f.dir);
    await run("pulumi", ["stack", "rm", FIXTURE_STACK, "--yes", "--force", "--non-interactive"], { cwd: dir, timeoutMs: 60_000 });
    const init = await run("pulumi", ["stack", "init", FIXTURE_STACK, "--non-interactive"], { cwd: dir, timeoutMs: 60_000 });
    if (init.code !== 0) {
        report(false, `${f.dir} fixture: stack init`, init.stderr.slice(-300));
        return;
    }
    try {
        const { run: r, violations } = await previewWithPack(dir, FIXTURE_STACK, f.env);
        const got = named(violations);
        report(r.code !== 0, `${f.dir} fixture (${r.seconds.toFixed(0)} s): the preview fails on mandatory violations`, `exit ${r.code}`);
        for (const e of f.expected)
            report(
                got.includes(e),
                `${f.dir} fixture: ${e}`,
                got.includes(e) ? "" : `reported: ${got.join("; ") || "(nothing)"} ${r.stderr.slice(-400)}`,
            );
        const wrong = got.filter((g) => g.startsWith("mandatory") && f.clean.some((c) => g.endsWith(`@ ${c}`)));
        report(wrong.length === 0, `${f.dir} fixture: nothing mandatory on ${f.clean.join(", ")}`, wrong.join("; "));
        const unexpected = got.filter((g) => !f.expected.includes(g));
        report(unexpected.length === 0, `${f.dir} fixture: no other violation`, unexpected.join("; "));
        // The pack's messages name resources and properties, never values. (The engine's JSON
        // events do carry plaintext inputs, and the SDK's debug lines even secrets: not the pack's.)
        const messages = violations.map((v) => v.message).join("\n") + r.stderr;
        const leaked = f.neverPrinted.filter((s) => messages.includes(s));
        report(
            leaked.length === 0,
            `${f.dir} fixture: no fixture value in the pack's messages or the CLI's stderr`,
            leaked.length ? `${leaked.length} value(s) printed` : "",
        );
    } finally {
        await run("pulumi", ["stack", "rm", FIXTURE_STACK, "--yes", "--force", "--non-interactive"], { cwd: dir, timeoutMs: 60_000 });
        if (f.env?.JHP_POLICY_RENDER_DIR) fs.rmSync(f.env.JHP_POLICY_RENDER_DIR, { recursive: true, force: true });
    }
}

async function main(): Promise<void> {
    const unit = await run("npx", [
        "mocha",
        "--no-config",
        "-r",
        "ts-node/register/transpile-only",
        "--timeout",
        "20000",
        "test/unit/policy/**/*.test.ts",
    ]);
    const count = /(\d+) passing/.exec(unit.stdout)?.[1] ?? "0";
    report(
        unit.code === 0 && Number(count) > 0,
        `unit tests of every rule (${count} passing)`,
        unit.code === 0 ? "" : unit.stdout.slice(-1500),
    );

    for (const f of FIXTURE_CASES) await fixture(f);

    await run("bash", ["test/gitops/local-stack.sh", "down", LOCAL_STACK], { timeoutMs: 15 * 60_000 });
    const up = await run("bash", ["test/gitops/local-stack.sh", "up", LOCAL_STACK, LOCAL_PORT], { timeoutMs: 20 * 60_000 });
    report(
        up.code === 0,
        `bring up the throw-away local stack ${LOCAL_STACK}`,
        up.code === 0 ? up.stdout.trim().split("\n").pop() : up.stderr.slice(-800),
    );
    if (up.code === 0) {
        const { run: r, violations } = await previewWithPack(REPO, LOCAL_STACK);
        const mandatory = named(violations.filter((v) => v.level === "mandatory"));
        const advisory = named(violations.filter((v) => v.level !== "mandatory"));
        report(
            r.code === 0 && mandatory.length === 0,
            `the local stack passes the pack (${r.seconds.toFixed(0)} s; ${advisory.length} advisories)`,
            r.code === 0 ? advisory.join("; ") : `exit ${r.code}: ${mandatory.join("; ")} ${r.stderr.slice(-600)}`,
        );
    }
    const down = await run("bash", ["test/gitops/local-stack.sh", "down", LOCAL_STACK], { timeoutMs: 15 * 60_000 });
    report(down.code === 0, `remove the stack ${LOCAL_STACK}, its containers and volumes`, down.code === 0 ? "" : down.stderr.slice(-400));
}

const deadline = setTimeout(() => {
    console.log(`FAIL deadline of ${DEADLINE_MINUTES} minutes reached`);
    console.log(`${passed} passed, ${failed + 1} failed`);
    process.exit(1);
}, DEADLINE_MINUTES * 60_000);

void main()
    .catch((err: unknown) => report(false, "test:policy runner", String(err)))
    .finally(() => {
        clearTimeout(deadline);
        console.log(`${passed} passed, ${failed} failed`);
        process.exit(failed === 0 && passed > 0 ? 0 : 1);
    });
