/**
 * npm run test:gitops — the PR comment renderer on REAL previews of a throw-away `local` stack
 * (the real engine, the real Docker engine), for the four kinds of change a pull request brings:
 *
 *   1. no-op                      nothing changes
 *   2. a config change            a shared volume is added: one volume created, the hub replaced
 *   3. a hub replacement          a new page title: the hub container is replaced
 *   4. a deletion of user data    with data.retainOnDestroy false, a shared volume removed from
 *                                 config: the volume (and its data) would be deleted; previewed
 *                                 with the policy pack, whose user-data rule fails it
 *
 * and asserts on the rendered comments (saved under test-output/gitops/). Secrets: one preview
 * is run with --show-secrets, so the JSON holds the hub's secrets in plaintext; the comment must
 * still not contain any. Prints PASS/FAIL lines and `N passed, M failed`; bounded (every pulumi
 * command has a timeout, the whole run GITOPS_DEADLINE_MINUTES).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { MARKER, parsePreview, renderComment, type Preview } from "../../tools/gitops/previewComment";

const REPO = path.resolve(__dirname, "../..");
const STACK = process.env.GITOPS_STACK ?? "gitops-previews";
const PORT = process.env.GITOPS_PORT ?? "18620";
const OUT = path.join(REPO, "test-output", "gitops");
const DEADLINE_MINUTES = Number(process.env.GITOPS_DEADLINE_MINUTES ?? 30);
const SOFTWARE = `jupyterhub-${STACK}-software:/opt/software`;

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

function run(cmd: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<Run> {
    const t0 = Date.now();
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => {
            stderr += `\n[timed out after ${timeoutMs / 1000} s]`;
            child.kill("SIGTERM");
        }, timeoutMs);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code: code ?? 1, stdout, stderr, seconds: (Date.now() - t0) / 1000 });
        });
    });
}

const pulumi = (args: string[], timeoutMs = 10 * 60_000, env: NodeJS.ProcessEnv = {}) =>
    run("pulumi", [...args, "--stack", STACK, "--non-interactive"], timeoutMs, env);

async function config(...kv: [string, string | undefined][]): Promise<void> {
    for (const [k, v] of kv) {
        const r = v === undefined ? await pulumi(["config", "rm", k], 60_000) : await pulumi(["config", "set", k, v], 60_000);
        if (r.code !== 0 && v !== undefined) throw new Error(`config set ${k}: ${r.stderr.slice(-300)}`);
    }
}

interface Rendered {
    preview: Preview;
    comment: string;
    raw: string;
    code: number;
    seconds: number;
}

async function preview(name: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Rendered> {
    const r = await pulumi(["preview", "--json", "--diff", ...extra], 10 * 60_000, env);
    const p = parsePreview(r.stdout);
    const comment = renderComment(p, {
        stack: STACK,
        exitCode: r.code,
        runUrl: "https://github.com/example/jupyterhub-platform/actions/runs/1",
    });
    fs.writeFileSync(path.join(OUT, `${name}.md`), comment);
    return { preview: p, comment, raw: r.stdout, code: r.code, seconds: r.seconds };
}

function check(name: string, fn: () => string | void): void {
    try {
        report(true, name, fn() ?? "");
    } catch (err) {
        report(false, name, err instanceof Error ? err.message : String(err));
    }
}

function expect(cond: boolean, message: string): void {
    if (!cond) throw new Error(message);
}

async function stack(cmd: "up" | "down", ...args: string[]): Promise<Run> {
    return run("bash", ["test/gitops/local-stack.sh", cmd, STACK, ...args], 20 * 60_000);
}

async function main(): Promise<void> {
    fs.mkdirSync(OUT, { recursive: true });
    await stack("down");
    const up = await stack("up", PORT);
    report(
        up.code === 0,
        `bring up the throw-away local stack ${STACK}`,
        up.code === 0 ? up.stdout.trim().split("\n").pop() : up.stderr.slice(-800),
    );
    if (up.code !== 0) return;

    // 1. no-op
    const noop = await preview("1-noop");
    check(`no-op preview (${noop.seconds.toFixed(0)} s): the comment says no changes and warns of nothing`, () => {
        expect(noop.code === 0, `preview exited ${noop.code}`);
        expect(noop.comment.startsWith(MARKER(STACK)), "no marker line");
        expect(noop.preview.changes.length === 0, `changes: ${noop.preview.changes.map((c) => `${c.op} ${c.name}`).join(", ")}`);
        expect(noop.comment.includes("✅ no changes"), "no 'no changes' headline");
        expect(!noop.comment.includes("CAUTION"), "a warning on a no-op");
    });

    // 2. config change: a shared volume is added
    await config(["singleuser.sharedVolumes", JSON.stringify([SOFTWARE])]);
    const added = await preview("2-config-change");
    check(`config change (${added.seconds.toFixed(0)} s): the new volume is created, the hub replaced, no user data at risk`, () => {
        expect(added.code === 0, `preview exited ${added.code}`);
        const ops = added.preview.changes.map((c) => `${c.op} ${c.name}`).sort();
        // The hub image check (a one-shot run, components/docker/containers.ts) reruns for every
        // new hub document.
        expect(
            JSON.stringify(ops) === JSON.stringify(["create hub-shared-0", "replace hub-hub", "replace hub-image-check"]),
            `changes: ${ops.join(", ")}`,
        );
        expect(
            /<b>create<\/b> \(1\)[\s\S]*⛔ `hub-shared-0` \| `docker:index\/volume:Volume`/.test(added.comment),
            "the created volume is not listed",
        );
        expect(
            /`hub-hub` \| `docker:index\/container:Container` \| replaced because of `[a-z]+`/.test(added.comment),
            "the hub replacement is not listed with its cause",
        );
        expect(!added.comment.includes("CAUTION"), "creating a volume is not a risk");
        return ops.join(", ");
    });

    // 3. hub replacement, previewed with --show-secrets as streamed events: the CLI then puts the
    // hub's secrets in plaintext into the JSON (the summary document would still mask them)
    await config(["singleuser.sharedVolumes", undefined], ["hub.pageTitle", "GitOps Preview Test"]);
    const replaced = await preview("3-hub-replacement", ["--show-secrets"], { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "1" });
    const tokens = await pulumi(["config", "get", "hub.serviceTokens"], 60_000);
    const password = await pulumi(["stack", "output", "loginPassword", "--show-secrets"], 60_000);
    const secrets = [JSON.parse(tokens.stdout.trim() || "{}").health as string, password.stdout.trim()].filter((s) => s && s.length >= 16);
    check(
        `hub replacement (${replaced.seconds.toFixed(0)} s): only the hub container (and its image check), replaced because of its uploaded document`,
        () => {
            expect(replaced.code === 0, `preview exited ${replaced.code}`);
            const ops = replaced.preview.changes.map((c) => `${c.op} ${c.name}`).sort();
            expect(JSON.stringify(ops) === '["replace hub-hub","replace hub-image-check"]', `changes: ${ops.join(", ")}`);
            expect(replaced.comment.includes("replaced because of `uploads`"), "cause not named");
            expect(!replaced.comment.includes("CAUTION"), "a container is not user data");
        },
    );
    check("secrets: the --show-secrets JSON holds the hub's secrets in plaintext, the comment none of them", () => {
        expect(secrets.length === 2, "could not read the service token and the login password to look for");
        expect(
            secrets.some((s) => replaced.raw.includes(s)),
            "the JSON did not contain a plaintext secret: the check would prove nothing",
        );
        for (const s of secrets) expect(!replaced.comment.includes(s), "a secret value is in the comment");
        return `${secrets.filter((s) => replaced.raw.includes(s)).length} plaintext secret(s) in the JSON, 0 in the comment`;
    });

    // 4. deletion of user data: an unretained shared volume removed from config
    await config(["hub.pageTitle", undefined], ["singleuser.sharedVolumes", JSON.stringify([SOFTWARE])], ["data.retainOnDestroy", "false"]);
    const applied = await pulumi(["up", "--yes", "--skip-preview"], 15 * 60_000);
    report(
        applied.code === 0,
        `pulumi up with an unretained shared volume (${applied.seconds.toFixed(0)} s)`,
        applied.code === 0 ? "" : applied.stderr.slice(-600),
    );
    await config(["singleuser.sharedVolumes", undefined]);
    const deleted = await preview("4-user-data-deletion", ["--policy-pack", "policy"], { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "1" });
    check(`user data deletion (${deleted.seconds.toFixed(0)} s): the volume's deletion comes first, loudly, as not retained`, () => {
        const ops = deleted.preview.changes.map((c) => `${c.op} ${c.name}`).sort();
        expect(ops.includes("delete hub-shared-0"), `changes: ${ops.join(", ")}`);
        const caution = deleted.comment.indexOf("[!CAUTION]");
        expect(caution > 0 && caution < deleted.comment.indexOf("<details"), "no warning before the change tables");
        expect(
            /User data at risk: 1 resource holding user data would be deleted, 1 of them without being retained/.test(deleted.comment),
            "headline",
        );
        expect(
            /⛔ \| \*\*delete\*\* \| `docker:index\/volume:Volume` `hub-shared-0` \| Docker volume; \*\*not retained: its data is deleted\*\*/.test(
                deleted.comment,
            ),
            "risk row",
        );
        return ops.join(", ");
    });
    check("the same preview with the policy pack: the user-data rule fails it and the comment names it", () => {
        expect(deleted.code !== 0, "preview with a mandatory violation exited 0");
        expect(deleted.comment.includes("❌ preview failed"), "not marked failed");
        expect(
            /❌ \*\*user-data-kept\*\* \(mandatory\) `hub-hub-data`: Volume 'hub-hub-data' holds user data and data.retainOnDestroy is false/.test(
                deleted.comment,
            ),
            "violation not listed",
        );
    });
}

async function cleanup(): Promise<void> {
    if (process.env.GITOPS_KEEP === "1") return;
    const down = await stack("down");
    report(down.code === 0, `remove the stack ${STACK}, its containers and volumes`, down.code === 0 ? "" : down.stderr.slice(-400));
}

const deadline = setTimeout(() => {
    console.log(`FAIL deadline of ${DEADLINE_MINUTES} minutes reached`);
    console.log(`${passed} passed, ${failed + 1} failed`);
    process.exit(1);
}, DEADLINE_MINUTES * 60_000);

void main()
    .catch((err: unknown) => report(false, "test:gitops runner", String(err)))
    .then(cleanup)
    .finally(() => {
        clearTimeout(deadline);
        console.log(`${passed} passed, ${failed} failed`);
        process.exit(failed === 0 && passed > 0 ? 0 : 1);
    });
