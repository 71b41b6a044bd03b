/**
 * An upgrade that keeps everything, on the real Docker and Pulumi engines: the previous release
 * ($JHP_PREVIOUS_DIR, a worktree of the release tag) brings the `local` stack up with JupyterHub
 * of the base stand-in; users log in, get API tokens, write files, one server keeps running; then
 * this checkout runs `pulumi up` on the same state with a newer JupyterHub in the hub image
 * ($JHP_NEW_HUB_BASE_IMAGE). JupyterHub upgrades its database at start (upgrade_db, after copying
 * the sqlite file next to itself) and every user, token and file is still there; the running
 * server keeps answering (or is restarted cleanly when the release changed its container).
 *
 * Prints PASS/FAIL lines and `N passed, M failed`. Run with `npm run e2e:upgrade` (run.sh).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR, Session, baseImageConfig, docker, hubHealthy, run, tail, waitFor, Checks } from "../common/lib";
import { dockerSpawnerEscape } from "../../../components/docker/render";

const STACK = process.env.E2E_STACK ?? "e2e-upgrade";
const PORT = Number(process.env.E2E_PORT ?? 18200);
const BASE = `http://127.0.0.1:${PORT}`;
const PREV_DIR = process.env.JHP_PREVIOUS_DIR ?? "";
const PREVIOUS = process.env.JHP_PREVIOUS_RELEASE ?? "previous release";
const NEW_BASE = process.env.JHP_NEW_HUB_BASE_IMAGE ?? "";
const NEW_VERSION = process.env.JHP_NEW_JUPYTERHUB ?? "";
const PREFIX = `jupyterhub-${STACK}`;
const HUB = `${PREFIX}-hub`;
const HUB_DATA = `${PREFIX}-hub-data`;
const USERS = ["alice.up", "carol.up"];
const ADMIN = "e2e-admin";
const VOLUMES = [HUB_DATA, ...USERS.map((u) => `${PREFIX}-home-${dockerSpawnerEscape(u)}`)];
const DEADLINE_MINUTES = Number(process.env.E2E_DEADLINE_MINUTES ?? 40);

const secrets: string[] = [];
const checks = new Checks(secrets, 700);
const { report, step } = checks;

/** pulumi in `dir` (the release's worktree or this checkout), on this checkout's state backend. */
async function pulumiIn(dir: string, args: string[], timeoutMs = 20 * 60_000) {
    const r = await run("bash", ["-c", 'cd "$0" && exec pulumi "$@"', dir, ...args, "--stack", STACK, "--non-interactive"], { timeoutMs });
    return r;
}

async function must(dir: string, args: string[], timeoutMs?: number): Promise<string> {
    const r = await pulumiIn(dir, args, timeoutMs);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} in ${dir} exited ${r.code}: ${tail(r.stdout + r.stderr, secrets)}`);
    return r.stdout;
}

async function outputs(dir: string): Promise<Record<string, unknown>> {
    return JSON.parse(await must(dir, ["stack", "output", "--json", "--show-secrets"], 60_000)) as Record<string, unknown>;
}

function stackFile(dir: string): string {
    return path.join(dir, `Pulumi.${STACK}.yaml`);
}

async function cleanSlate(): Promise<void> {
    const ls = await run("pulumi", ["stack", "ls", "--json", "--non-interactive"], { timeoutMs: 60_000 });
    if (ls.code === 0 && ls.stdout.includes(`"${STACK}"`)) {
        // An interrupted run may have left the stack's file only in the release's worktree.
        if (!fs.existsSync(stackFile(PROJECT_DIR)) && fs.existsSync(stackFile(PREV_DIR))) {
            fs.copyFileSync(stackFile(PREV_DIR), stackFile(PROJECT_DIR));
        }
        await pulumiIn(PROJECT_DIR, ["destroy", "--yes", "--skip-preview"], 10 * 60_000);
        await pulumiIn(PROJECT_DIR, ["stack", "rm", "--yes", "--force"], 60_000);
    }
    const ids = docker(["ps", "-aq", "--filter", `label=org.jupyterhub-platform.stack=${STACK}`])
        .out.split(/\s+/)
        .filter(Boolean);
    if (ids.length) docker(["rm", "-f", ...ids]);
    for (const v of VOLUMES) docker(["volume", "rm", "-f", v]);
    docker(["network", "rm", `${PREFIX}-net`]);
    for (const f of [stackFile(PROJECT_DIR), stackFile(PREV_DIR)]) fs.rmSync(f, { force: true });
}

interface Before {
    password: string;
    tokens: Record<string, string>;
    adminToken: string;
    users: string[];
    runningContainer: string;
    hubVersion: string;
}

async function userModel(user: string, token: string): Promise<{ name: string; servers: Record<string, { ready: boolean }> }> {
    const res = await new Session(BASE).request("GET", `/hub/api/users/${user}`, { token });
    if (res.status !== 200) throw new Error(`GET ${user}: HTTP ${res.status}`);
    return (await res.json()) as { name: string; servers: Record<string, { ready: boolean }> };
}

async function startServer(user: string, token: string): Promise<void> {
    const res = await new Session(BASE).request("POST", `/hub/api/users/${user}/server`, { token, body: "{}" });
    if (![201, 202, 400].includes(res.status)) throw new Error(`start ${user}: HTTP ${res.status} ${await res.text()}`);
    await waitFor(`server of ${user} ready`, 180_000, async () => ((await userModel(user, token)).servers[""]?.ready ? true : undefined));
}

async function fileOf(user: string, token: string, p: string): Promise<string | undefined> {
    const res = await new Session(BASE).request("GET", `/user/${user}/api/contents/${p}?type=file&format=text`, { token });
    return res.status === 200 ? ((await res.json()) as { content: string }).content : undefined;
}

const content = (user: string): string => `${user} wrote this before the upgrade`;

async function main(): Promise<void> {
    const overall = setTimeout(() => {
        console.log(`FAIL deadline of ${DEADLINE_MINUTES} minutes reached`);
        console.log(`${checks.summary(1)}`);
        process.exit(1);
    }, DEADLINE_MINUTES * 60_000);
    if (!PREV_DIR || !NEW_BASE) throw new Error("JHP_PREVIOUS_DIR and JHP_NEW_HUB_BASE_IMAGE must be set (npm run e2e:upgrade)");
    await cleanSlate();
    const before: Before = { password: "", tokens: {}, adminToken: "", users: [], runningContainer: "", hubVersion: "" };

    const deployed = await step(`${PREVIOUS} brings the local stack up`, async () => {
        const init = await pulumiIn(PREV_DIR, ["stack", "init"], 60_000);
        if (init.code !== 0 && !/already exists/.test(init.stderr)) throw new Error(init.stderr);
        const values: Record<string, string> = {
            topology: "local",
            "hub.port": String(PORT),
            "hub.adminUsers": JSON.stringify([ADMIN]),
            "hub.cull.enabled": "false",
            "singleuser.memory.limit": "1G",
            ...baseImageConfig(),
        };
        for (const [k, v] of Object.entries(values)) await must(PREV_DIR, ["config", "set", "--path=false", k, v], 60_000);
        await must(PREV_DIR, ["up", "--yes", "--skip-preview"]);
        const outs = await outputs(PREV_DIR);
        before.password = String(outs.loginPassword);
        secrets.push(before.password);
        before.hubVersion = docker(["exec", HUB, "jupyterhub", "--version"]).out.trim();
        return `JupyterHub ${before.hubVersion} in the previous release's hub image`;
    });
    if (!deployed) return clearTimeout(overall);

    await step("users log in, get API tokens and write files; one server stays running", async () => {
        await waitFor("/hub/health", 60_000, async () => ((await hubHealthy(BASE)) ? true : undefined));
        for (const user of [...USERS, ADMIN]) {
            const s = new Session(BASE);
            const login = await s.login(user, before.password);
            if (login.status !== 302) throw new Error(`login ${user}: HTTP ${login.status} ${(await login.text()).slice(0, 300)}`);
            const res = await s.request("POST", `/hub/api/users/${user}/tokens`, {
                body: JSON.stringify({ note: "before the upgrade" }),
                headers: { "content-type": "application/json", "x-xsrftoken": await s.xsrfToken() },
            });
            if (res.status !== 201) throw new Error(`token for ${user}: HTTP ${res.status}`);
            const token = ((await res.json()) as { token: string }).token;
            secrets.push(token);
            if (user === ADMIN) before.adminToken = token;
            else before.tokens[user] = token;
        }
        for (const user of USERS) {
            const token = before.tokens[user];
            await startServer(user, token);
            const res = await new Session(BASE).request("PUT", `/user/${user}/api/contents/before-upgrade.txt`, {
                token,
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ type: "file", format: "text", content: content(user) }),
            });
            if (res.status !== 201 && res.status !== 200) throw new Error(`write ${user}: HTTP ${res.status}`);
        }
        // carol stops; alice's server keeps running through the upgrade.
        await new Session(BASE).request("DELETE", `/hub/api/users/${USERS[1]}/server`, { token: before.tokens[USERS[1]] });
        await waitFor("carol stopped", 60_000, async () =>
            Object.keys((await userModel(USERS[1], before.tokens[USERS[1]])).servers).length === 0 ? true : undefined,
        );
        const list = await new Session(BASE).request("GET", "/hub/api/users", { token: before.adminToken });
        before.users = ((await list.json()) as { name: string }[]).map((u) => u.name).sort();
        before.runningContainer = docker(["inspect", "-f", "{{.Id}}", `${PREFIX}-user-${dockerSpawnerEscape(USERS[0])}`]).out.trim();
        return `users ${before.users.join(", ")}`;
    });

    const upgraded = await step(`pulumi up with this checkout and JupyterHub ${NEW_VERSION} in the hub image`, async () => {
        // The stack's settings move with it: the same file (and encryption salt) in this checkout.
        fs.copyFileSync(stackFile(PREV_DIR), stackFile(PROJECT_DIR));
        await must(PROJECT_DIR, ["config", "set", "--path=false", "images.hub.baseImage", NEW_BASE], 60_000);
        const t0 = Date.now();
        await must(PROJECT_DIR, ["up", "--yes", "--skip-preview"]);
        const version = docker(["exec", HUB, "jupyterhub", "--version"]).out.trim();
        if (version !== NEW_VERSION) throw new Error(`hub runs JupyterHub ${version}, expected ${NEW_VERSION}`);
        return `${before.hubVersion} -> ${version}; pulumi up ${((Date.now() - t0) / 1000).toFixed(0)} s`;
    });
    if (!upgraded) return clearTimeout(overall);

    await step("the hub upgraded its database at start, after copying it next to itself", async () => {
        // JupyterHub logs to stderr.
        const logs = spawnSync("docker", ["logs", HUB], { encoding: "utf8", timeout: 60_000 });
        const all = `${logs.stdout ?? ""}${logs.stderr ?? ""}`;
        const files = docker(["run", "--rm", "-v", `${HUB_DATA}:/d:ro`, "--entrypoint", "ls", NEW_BASE, "/d"])
            .out.split(/\s+/)
            .filter(Boolean);
        const copies = files.filter((f) => /^jupyterhub\.sqlite\..+/.test(f));
        if (copies.length === 0) {
            // Same schema in both versions: nothing to upgrade, and JupyterHub copies nothing.
            if (/Upgrading sqlite/.test(all)) throw new Error("an upgrade was logged but no copy of the database was made");
            return `no schema change between ${before.hubVersion} and ${NEW_VERSION}: nothing to upgrade (files: ${files.join(" ")})`;
        }
        if (!/Upgrading sqlite:/.test(all)) throw new Error(`a copy (${copies.join(" ")}) but no "Upgrading sqlite:" in the hub's log`);
        const revision = (file: string): string =>
            docker([
                "run",
                "--rm",
                "-v",
                `${HUB_DATA}:/d:ro`,
                "--entrypoint",
                "python3",
                NEW_BASE,
                "-c",
                `import sqlite3; print(sqlite3.connect('file:/d/${file}?mode=ro', uri=True).execute('select version_num from alembic_version').fetchone()[0])`,
            ]).out.trim();
        const was = revision(copies[0]);
        const now = revision("jupyterhub.sqlite");
        if (!/^[0-9a-f]{12}$/.test(was) || !/^[0-9a-f]{12}$/.test(now) || was === now) throw new Error(`alembic revision ${was} -> ${now}`);
        return `copy ${copies[0]}; alembic revision ${was} -> ${now}`;
    });

    await step("every user and token is still there", async () => {
        await waitFor("/hub/health", 90_000, async () => ((await hubHealthy(BASE)) ? true : undefined));
        const list = await new Session(BASE).request("GET", "/hub/api/users", { token: before.adminToken });
        if (list.status !== 200) throw new Error(`admin token: HTTP ${list.status}`);
        const users = ((await list.json()) as { name: string }[]).map((u) => u.name).sort();
        if (JSON.stringify(users) !== JSON.stringify(before.users))
            throw new Error(`users ${users.join(",")} != ${before.users.join(",")}`);
        for (const user of USERS) {
            const res = await new Session(BASE).request("GET", "/hub/api/user", { token: before.tokens[user] });
            if (res.status !== 200 || ((await res.json()) as { name: string }).name !== user)
                throw new Error(`token of ${user}: HTTP ${res.status}`);
        }
    });

    await step("the running server keeps answering (or was restarted cleanly) with its files", async () => {
        const user = USERS[0];
        const token = before.tokens[user];
        const got = await waitFor("alice's file through the proxy", 120_000, async () => fileOf(user, token, "before-upgrade.txt"), 2000);
        if (got !== content(user)) throw new Error(`file ${JSON.stringify(got)}`);
        const now = docker(["inspect", "-f", "{{.Id}}", `${PREFIX}-user-${dockerSpawnerEscape(user)}`]).out.trim();
        return now === before.runningContainer ? "same container, never stopped" : "restarted into a new container";
    });

    await step("a stopped user's server starts on the new hub and finds the file", async () => {
        const user = USERS[1];
        await startServer(user, before.tokens[user]);
        const got = await fileOf(user, before.tokens[user], "before-upgrade.txt");
        if (got !== content(user)) throw new Error(`file ${JSON.stringify(got)}`);
    });

    await step("a second pulumi up changes nothing", async () => {
        const r = await pulumiIn(PROJECT_DIR, ["preview", "--expect-no-changes"], 10 * 60_000);
        if (r.code !== 0) throw new Error(tail(r.stdout + r.stderr, secrets));
    });
    clearTimeout(overall);
}

async function cleanup(): Promise<void> {
    if (process.env.E2E_KEEP === "1") {
        console.log(`E2E_KEEP=1: stack ${STACK} left running at ${BASE}`);
        return;
    }
    await step("cleanup: destroy the stack with this checkout, remove its volumes and stack files", async () => {
        const d = await pulumiIn(
            fs.existsSync(stackFile(PROJECT_DIR)) ? PROJECT_DIR : PREV_DIR,
            ["destroy", "--yes", "--skip-preview"],
            10 * 60_000,
        );
        if (d.code !== 0) throw new Error(tail(d.stdout + d.stderr, secrets));
        await pulumiIn(PROJECT_DIR, ["stack", "rm", "--yes", "--force"], 60_000);
        for (const v of VOLUMES) docker(["volume", "rm", "-f", v]);
        for (const f of [stackFile(PROJECT_DIR), stackFile(PREV_DIR)]) fs.rmSync(f, { force: true });
        const left = VOLUMES.filter((v) => docker(["volume", "inspect", v]).code === 0);
        if (left.length) throw new Error(`volumes left: ${left.join(", ")}`);
    });
}

main()
    .catch((err) => report(false, "e2e runner", String(err)))
    .then(cleanup)
    .catch((err) => report(false, "cleanup", String(err)))
    .finally(() => {
        console.log(`${checks.summary()}`);
        process.exit(checks.ok ? 0 : 1);
    });
