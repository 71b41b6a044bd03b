/**
 * End to end on the real Docker engine with the real Pulumi engine: `pulumi up` of a throw-away
 * `local` stack, log in through the form, start a server through the REST API, run code in a
 * kernel, drive JupyterLab in headless Chromium, check limits, survive a hub restart, get culled,
 * `pulumi destroy`, come back and find the file. Prints PASS/FAIL lines and `N passed, M failed`.
 *
 * Run with `npm run e2e:local` (test/e2e/local/run.sh prepares the toolchain, dockerd and base
 * images). Bounded: every wait has a deadline and the whole run has E2E_DEADLINE_MINUTES.
 *
 * The shared software volume is filled from an image given by tag (a package in it imports in a
 * kernel, writes into it fail, a rebuilt tag refreshes it on the next up), and a second stack runs
 * a hub image built outside the program (./anyHub.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { chromium } from "playwright-core";
import { dockerSpawnerEscape } from "../../../components/docker/render";
import { checkAnyHub } from "./anyHub";
import { checkCasLogin } from "./casLogin";
import { checkHubConfig } from "./hubConfig";
import { checkProxyTls } from "./proxyTls";
import { startRegistry } from "../common/registry";
import { checkRegistryStack } from "./registry";
import {
    PROJECT_DIR,
    Session,
    baseImageConfig,
    docker,
    run,
    executeInKernel,
    hubHealthy,
    pulumi,
    sleep,
    stackOutputs,
    tail,
    waitFor,
    Checks,
} from "../common/lib";

const STACK = process.env.E2E_STACK ?? "e2e-local";
const PORT = Number(process.env.E2E_PORT ?? 18000);
const BASE = `http://127.0.0.1:${PORT}`;
const USER = "alice.e2e";
const ESCAPED = dockerSpawnerEscape(USER);
const PREFIX = `jupyterhub-${STACK}`;
const HOME_VOLUME = `${PREFIX}-home-${ESCAPED}`;
const SOFTWARE_VOLUME = `${PREFIX}-software`;
/** The shared volume's source image, given by tag: built here with a package only it has. */
const SOFTWARE_TAG = `e2e-local/software:${STACK}`;
/** A small pure-Python package from PyPI that the single-user image does not have. */
const SOFTWARE_PACKAGE = "tabulate==0.10.0";
const HUB_DATA_VOLUME = `${PREFIX}-hub-data`;
const USER_CONTAINER = `${PREFIX}-user-${ESCAPED}`;
const OUT_DIR = path.join(PROJECT_DIR, "test-output", "e2e-local");
const DEADLINE_MINUTES = Number(process.env.E2E_DEADLINE_MINUTES ?? 40);

const CONFIG: Record<string, string> = {
    topology: "local",
    "hub.port": String(PORT),
    "hub.pageTitle": "E2E Hub",
    "hub.adminUsers": JSON.stringify(["e2e-admin"]),
    "hub.cull.timeout": "60",
    "hub.cull.every": "10",
    "singleuser.memory.limit": "1G",
    "singleuser.cpu.limit": "0.5",
    "singleuser.sharedVolumes": JSON.stringify([`${SOFTWARE_VOLUME}:/opt/software;image=${SOFTWARE_TAG}`]),
    "singleuser.env": JSON.stringify(["PYTHONPATH=/opt/software/python"]),
    "data.retainOnDestroy": "true",
    ...baseImageConfig(),
};

const secrets: string[] = [];
const checks = new Checks(secrets, 600);
const { report, step } = checks;

async function up(): Promise<void> {
    const r = await pulumi(["up", "--yes", "--skip-preview"], STACK, 20 * 60_000);
    if (r.code !== 0) throw new Error(`pulumi up exited ${r.code}: ${tail(r.stdout + r.stderr, secrets)}`);
}

async function destroy(): Promise<void> {
    const r = await pulumi(["destroy", "--yes", "--skip-preview"], STACK, 10 * 60_000);
    if (r.code !== 0) throw new Error(`pulumi destroy exited ${r.code}: ${tail(r.stdout + r.stderr, secrets)}`);
}

function volumeExists(name: string): boolean {
    return docker(["volume", "inspect", name]).code === 0;
}

/** Leave nothing of a previous run behind: stack, containers, volumes, network. */
async function cleanSlate(): Promise<void> {
    const ls = await run("pulumi", ["stack", "ls", "--json", "--non-interactive"], { timeoutMs: 60_000 }).catch(() => undefined);
    const exists = ls && ls.code === 0 && ls.stdout.includes(`"${STACK}"`);
    if (exists) {
        await pulumi(["destroy", "--yes", "--skip-preview"], STACK, 10 * 60_000);
        await pulumi(["stack", "rm", "--yes", "--force"], STACK, 60_000);
    }
    const ids = docker(["ps", "-aq", "--filter", `label=org.jupyterhub-platform.stack=${STACK}`])
        .out.split(/\s+/)
        .filter(Boolean);
    if (ids.length) docker(["rm", "-f", ...ids]);
    for (const v of [HOME_VOLUME, SOFTWARE_VOLUME, HUB_DATA_VOLUME]) docker(["volume", "rm", "-f", v]);
    docker(["network", "rm", `${PREFIX}-net`]);
    docker(["rmi", SOFTWARE_TAG]);
}

/**
 * The software image: the package installed under the shared path, and a marker module whose
 * VERSION tells which build the volume holds. Built FROM the single-user base (it has pip); any
 * image with a shell and cp can be a source.
 */
function buildSoftware(version: string): string {
    const base = process.env.JHP_SINGLEUSER_BASE_IMAGE ?? "quay.io/jupyter/minimal-notebook:2025-06-30";
    const dockerfile = [
        `FROM ${base}`,
        "USER root",
        `RUN python3 -m pip install --no-cache-dir --no-deps --target /opt/software/python ${SOFTWARE_PACKAGE}`,
        "ARG VERSION",
        `RUN mkdir -p /opt/software/python/jhp_e2e_software && printf 'VERSION = "%s"\\n' "$VERSION" > /opt/software/python/jhp_e2e_software/__init__.py`,
        "",
    ].join("\n");
    const r = docker(["build", "-q", "--build-arg", `VERSION=${version}`, "-t", SOFTWARE_TAG, "-"], dockerfile);
    if (r.code !== 0) throw new Error(`docker build ${SOFTWARE_TAG}: ${r.out}`);
    return r.out.trim();
}

async function createStack(): Promise<void> {
    const init = await run("pulumi", ["stack", "init", STACK, "--non-interactive"], { timeoutMs: 60_000 });
    if (init.code !== 0 && !/already exists/.test(init.stderr)) throw new Error(`stack init: ${init.stderr}`);
    for (const [k, v] of Object.entries(CONFIG)) {
        const r = await pulumi(["config", "set", "--path=false", k, v], STACK, 60_000);
        if (r.code !== 0) throw new Error(`config set ${k}: ${r.stderr}`);
    }
}

interface UserModel {
    servers: Record<string, { ready: boolean; pending: string | null; url: string }>;
}

async function userModel(s: Session, token: string): Promise<UserModel> {
    const res = await s.request("GET", `/hub/api/users/${USER}`, { token });
    if (res.status !== 200) throw new Error(`GET user: HTTP ${res.status}`);
    return (await res.json()) as UserModel;
}

async function startServer(s: Session, token: string): Promise<number> {
    const t0 = Date.now();
    const res = await s.request("POST", `/hub/api/users/${USER}/server`, { token, body: "{}" });
    if (res.status !== 201 && res.status !== 202 && res.status !== 400) {
        throw new Error(`start server: HTTP ${res.status} ${await res.text()}`);
    }
    await waitFor("server ready", 180_000, async () => ((await userModel(s, token)).servers[""]?.ready ? true : undefined));
    return (Date.now() - t0) / 1000;
}

async function main(): Promise<void> {
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const overall = setTimeout(() => {
        console.log(`FAIL deadline of ${DEADLINE_MINUTES} minutes reached`);
        console.log(`${checks.summary(1)}`);
        process.exit(1);
    }, DEADLINE_MINUTES * 60_000);

    await cleanSlate();
    let softwareId = "";
    const built = await step("build the shared volume's source image (a PyPI package under /opt/software)", async () => {
        softwareId = buildSoftware("1");
        const probe = docker([
            "run",
            "--rm",
            "--entrypoint",
            "python3",
            String(process.env.JHP_SINGLEUSER_BASE_IMAGE ?? ""),
            "-c",
            "import tabulate",
        ]);
        if (probe.code === 0) throw new Error("the single-user base already has tabulate: the check would prove nothing");
        return `${SOFTWARE_TAG} = ${softwareId.slice(0, 19)}…`;
    });
    if (!built) return finish(overall);
    await createStack();

    let password = "";
    let loginUser = USER;
    let token = "";
    const session = new Session(BASE);

    const deployed = await step("pulumi up creates the local stack", async () => {
        await up();
        const outs = await stackOutputs(STACK, true);
        password = String(outs.loginPassword ?? "");
        secrets.push(password);
        loginUser = String(outs.loginUser);
        if (outs.url !== BASE) throw new Error(`url output ${String(outs.url)} != ${BASE}`);
        if (!/^sha256:[0-9a-f]{64}$/.test(String(outs.singleuserImage)))
            throw new Error(`singleuser image not pinned: ${String(outs.singleuserImage)}`);
        return `url=${String(outs.url)} loginUser=${loginUser}`;
    });
    if (!deployed) return finish(overall);

    const images = await stackOutputs(STACK);
    for (const [variant, error] of checkHubConfig(String(images.hubImage))) {
        report(!error, `hub config loads in the built hub image's JupyterHub: ${variant}`, error ?? "");
    }
    for (const [check, error] of await checkCasLogin(String(images.hubImage), String(images.proxyImage))) {
        report(!error, check, error ?? "");
    }
    for (const [check, error] of await checkProxyTls(String(images.proxyImage))) {
        report(!error, check, error ?? "");
    }

    await step("secrets are not in plaintext in the stack state or outputs", async () => {
        const exported = await pulumi(["stack", "export"], STACK, 60_000);
        if (exported.code !== 0) throw new Error(exported.stderr);
        if (password.length < 8) throw new Error("no generated password to look for");
        if (exported.stdout.includes(password)) throw new Error("dummy password found in plaintext in the state");
        const plain = await stackOutputs(STACK, false);
        if (JSON.stringify(plain).includes(password)) throw new Error("password visible in stack outputs without --show-secrets");
        const hubEnv = docker(["inspect", "-f", "{{json .Config.Env}}", `${PREFIX}-hub`]).out;
        if (!hubEnv.includes("PLATFORM_COOKIE_SECRET=")) throw new Error("hub has no cookie secret in its environment");
        const doc = docker(["exec", `${PREFIX}-hub`, "cat", "/etc/jupyterhub/platform/config.json"]).out;
        if (!doc.includes('"schemaVersion": 1') || doc.includes(password)) throw new Error("config document missing or holds a secret");
    });

    await step("hub answers /hub/health through the proxy", async () => {
        await waitFor("/hub/health", 60_000, async () => ((await hubHealthy(BASE)) ? true : undefined));
    });

    await step("login page shows the configured title", async () => {
        const html = await (await session.request("GET", "/hub/login")).text();
        if (!html.includes("<title>E2E Hub</title>") || !html.includes('id="platform-login-title"')) throw new Error("title not rendered");
    });

    await step("wrong password is refused by the login form", async () => {
        const s = new Session(BASE);
        const res = await s.login(USER, "definitely-wrong-password");
        if (res.status === 302) throw new Error("login with a wrong password redirected");
    });

    const loggedIn = await step("login through the real form (xsrf field + cookie)", async () => {
        const res = await session.login(USER, password);
        if (res.status !== 302) throw new Error(`POST /hub/login: HTTP ${res.status}`);
        const home = await session.request("GET", "/hub/home");
        if (home.status !== 200) throw new Error(`/hub/home after login: HTTP ${home.status}`);
    });
    if (!loggedIn) return finish(overall);

    await step("an admin user logs in with the same shared password and gets the admin page", async () => {
        const admin = new Session(BASE);
        const res = await admin.login(loginUser, password);
        if (res.status !== 302) throw new Error(`admin login: HTTP ${res.status}`);
        const page = await admin.request("GET", "/hub/admin");
        if (page.status !== 200) throw new Error(`/hub/admin: HTTP ${page.status}`);
    });

    await step("create an API token for the user via the REST API", async () => {
        const res = await session.request("POST", `/hub/api/users/${USER}/tokens`, {
            body: JSON.stringify({ note: "e2e", expires_in: 3600 }),
            headers: { "content-type": "application/json", "x-xsrftoken": await session.xsrfToken() },
        });
        if (res.status !== 201) throw new Error(`HTTP ${res.status} ${await res.text()}`);
        token = ((await res.json()) as { token: string }).token;
        secrets.push(token);
    });

    const started = await step("start the user's server through the REST API", async () => {
        const seconds = await startServer(session, token);
        return `ready after ${seconds.toFixed(1)}s`;
    });
    if (!started) return finish(overall);

    await step("execute code in a kernel over its websocket", async () => {
        const out = await executeInKernel(BASE, USER, token, "import os\nprint(6*7, os.getuid(), os.environ['JUPYTERHUB_USER'])");
        if (out.trim() !== `42 1000 ${USER}`) throw new Error(`unexpected output ${JSON.stringify(out)}`);
        return out.trim();
    });

    await step("user container has the memory/CPU limits, runs as jovyan, mounts homes and the shared volume", async () => {
        const fmt = "{{.HostConfig.Memory}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}} {{.Config.User}}";
        const [mem, quota, period, user] = docker(["inspect", "-f", fmt, USER_CONTAINER]).out.trim().split(" ");
        if (Number(mem) !== 1_000_000_000) throw new Error(`memory limit ${mem}`);
        if (Number(quota) / Number(period) !== 0.5) throw new Error(`cpu ${quota}/${period}`);
        if (user !== "1000") throw new Error(`user ${user}`);
        const whoami = docker(["exec", USER_CONTAINER, "id", "-un"]).out.trim();
        if (whoami !== "jovyan") throw new Error(`runs as ${whoami}`);
        const mounts = docker(["inspect", "-f", "{{range .Mounts}}{{.Name}}:{{.Destination}}:{{.RW}} {{end}}", USER_CONTAINER]).out;
        if (!mounts.includes(`${HOME_VOLUME}:/home/jovyan:true`)) throw new Error(`home mount missing: ${mounts}`);
        if (!mounts.includes(`${SOFTWARE_VOLUME}:/opt/software:false`)) throw new Error(`shared read-only mount missing: ${mounts}`);
        const hubUser = docker(["exec", `${PREFIX}-hub`, "id", "-u"]).out.trim();
        if (hubUser === "0") throw new Error("hub runs as root");
        return `memory=${mem} cpu=${Number(quota) / Number(period)} user=${whoami} hub uid=${hubUser}`;
    });

    await step("shared software volume: filled from the image by tag, its package imports in a kernel, writes are refused", async () => {
        const code = [
            "import errno, tabulate, jhp_e2e_software",
            "print(jhp_e2e_software.VERSION, tabulate.__file__)",
            "print(open('/opt/software/.jupyterhub-platform-source').read().strip())",
            "try:",
            "    open('/opt/software/python/new-file', 'w')",
            "    print('writable')",
            "except OSError as e:",
            "    print('refused', errno.errorcode[e.errno])",
        ].join("\n");
        const out = (await executeInKernel(BASE, USER, token, code)).trim().split("\n");
        const expected = ["1 /opt/software/python/tabulate/__init__.py", softwareId, "refused EROFS"];
        if (JSON.stringify(out) !== JSON.stringify(expected))
            throw new Error(`kernel printed ${JSON.stringify(out)}, expected ${JSON.stringify(expected)}`);
        return out.join(" | ");
    });

    await step("demo notebook was seeded into the new home", async () => {
        const res = await session.request("GET", `/user/${USER}/api/contents/Welcome.ipynb?content=0`, { token });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    });

    await step("JupyterLab in headless Chromium: log in, run a cell, screenshot", async () => {
        const browser = await chromium.launch({
            executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
            args: [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        });
        try {
            const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
            await page.goto(`${BASE}/hub/login`, { timeout: 30_000 });
            await page.fill("#username_input", USER);
            await page.fill("#password_input", password);
            await Promise.all([page.waitForURL(/\/(hub\/(home|spawn)|user\/)/, { timeout: 30_000 }), page.click("#login_submit")]);
            await page.goto(`${BASE}/user/${USER}/lab/tree/Welcome.ipynb`, { timeout: 60_000 });
            const cell = page.locator(".jp-Notebook .jp-CodeCell").first();
            await cell.waitFor({ timeout: 90_000 });
            // The status bar says "Python 3 (ipykernel) | Idle" once the kernel is up.
            await page
                .getByText(/\| Idle/)
                .first()
                .waitFor({ timeout: 90_000 });
            await cell.locator(".jp-InputArea-editor").click();
            await page.keyboard.press("Shift+Enter");
            const output = cell.locator(".jp-OutputArea-output", { hasText: "Hello" }).first();
            await output.waitFor({ timeout: 60_000 });
            const text = (await output.textContent()) ?? "";
            await page.screenshot({ path: path.join(OUT_DIR, "jupyterlab.png") });
            if (!text.includes(`Hello ${USER}`)) throw new Error(`cell output ${JSON.stringify(text)}`);
            return `output: ${text.trim().split("\n")[0]}; screenshot test-output/e2e-local/jupyterlab.png`;
        } finally {
            await browser.close();
        }
    });

    const marker = `written by e2e at ${new Date().toISOString()}`;
    await step("write a file in the home through the contents API", async () => {
        const res = await session.request("PUT", `/user/${USER}/api/contents/e2e-marker.txt`, {
            token,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ type: "file", format: "text", content: marker }),
        });
        if (res.status !== 201 && res.status !== 200) throw new Error(`HTTP ${res.status}`);
        const check = docker(["exec", USER_CONTAINER, "cat", "/home/jovyan/e2e-marker.txt"]).out;
        if (check !== marker) throw new Error(`file content in container: ${JSON.stringify(check)}`);
    });

    await step("user server answers through the proxy while the hub is down and after it restarts", async () => {
        const hub = `${PREFIX}-hub`;
        if (docker(["stop", hub]).code !== 0) throw new Error("docker stop hub failed");
        try {
            const res = await session.request("GET", `/user/${USER}/api/contents/e2e-marker.txt`, { token });
            if (res.status !== 200) throw new Error(`with the hub stopped: HTTP ${res.status}`);
        } finally {
            docker(["start", hub]);
        }
        await waitFor("hub healthy after restart", 90_000, async () => ((await hubHealthy(BASE)) ? true : undefined));
        const res = await session.request("GET", `/user/${USER}/api/contents/e2e-marker.txt`, { token });
        if (res.status !== 200) throw new Error(`after hub restart: HTTP ${res.status}`);
        const model = await userModel(session, token);
        if (!model.servers[""]?.ready) throw new Error("hub lost track of the running server");
    });

    await step("idle culler stops the idle server (timeout 60 s, every 10 s)", async () => {
        const t0 = Date.now();
        await waitFor(
            "server culled",
            240_000,
            async () => (Object.keys((await userModel(session, token)).servers).length === 0 ? true : undefined),
            5000,
        );
        await waitFor("user container removed", 30_000, async () => (docker(["inspect", USER_CONTAINER]).code !== 0 ? true : undefined));
        return `culled ${((Date.now() - t0) / 1000).toFixed(0)}s after the last activity check began`;
    });

    await step("start the server again (home kept), then pulumi destroy keeps homes and hub data", async () => {
        await startServer(session, token);
        await destroy();
        const left = docker(["ps", "-aq", "--filter", `label=org.jupyterhub-platform.stack=${STACK}`]).out.trim();
        if (left) throw new Error(`containers left after destroy: ${left}`);
        if (docker(["network", "inspect", `${PREFIX}-net`]).code === 0) throw new Error("network left after destroy");
        for (const v of [HOME_VOLUME, HUB_DATA_VOLUME]) {
            if (!volumeExists(v)) throw new Error(`volume ${v} was removed by destroy`);
        }
    });

    await step("pulumi up again: the old API token still works (hub database kept) and the file is back", async () => {
        await up();
        await waitFor("/hub/health", 60_000, async () => ((await hubHealthy(BASE)) ? true : undefined));
        const fresh = new Session(BASE);
        await startServer(fresh, token);
        const res = await fresh.request("GET", `/user/${USER}/api/contents/e2e-marker.txt?type=file&format=text`, { token });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        const content = ((await res.json()) as { content: string }).content;
        if (content !== marker) throw new Error(`file content ${JSON.stringify(content)}`);
    });

    await step("a rebuilt software tag is a new digest: the next up refills the volume, new kernels see it", async () => {
        const second = buildSoftware("2");
        if (second === softwareId) throw new Error("the rebuild did not change the image ID");
        const t0 = Date.now();
        const r = await pulumi(["up", "--yes", "--skip-preview"], STACK, 20 * 60_000);
        const text = r.stdout + r.stderr;
        if (r.code !== 0) throw new Error(`pulumi up exited ${r.code}: ${tail(text, secrets)}`);
        if (!text.includes(`singleuser.sharedVolumes ${SOFTWARE_VOLUME}: ${SOFTWARE_TAG} resolved to ${second}`))
            throw new Error(`up does not name the new digest: ${tail(text, secrets)}`);
        const seconds = ((Date.now() - t0) / 1000).toFixed(1);
        const fresh = new Session(BASE);
        await startServer(fresh, token);
        const out = (await executeInKernel(BASE, USER, token, "import jhp_e2e_software; print(jhp_e2e_software.VERSION)")).trim();
        if (out !== "2") throw new Error(`kernel sees VERSION ${out}`);
        softwareId = second;
        return `refilled in an up of ${seconds}s`;
    });

    await step("no-op pulumi up changes nothing", async () => {
        const r = await pulumi(["preview", "--expect-no-changes"], STACK, 10 * 60_000);
        if (r.code !== 0) throw new Error(tail(r.stdout + r.stderr, secrets));
    });

    const reg = await startRegistry(Number(process.env.E2E_REGISTRY_PORT ?? 15000)).catch((err: unknown) => {
        report(false, "registry: start docker-registry on loopback", String(err));
        return undefined;
    });
    if (reg) {
        try {
            for (const [check, error] of await checkRegistryStack(`${STACK}-registry`, PORT + 1, reg, secrets)) {
                report(!error, check, error ?? "");
            }
        } finally {
            reg.stop();
        }
    }

    for (const [check, error] of await checkAnyHub(`${STACK}-any-hub`, PORT + 2, baseImageConfig(), secrets)) {
        report(!error, check, error ?? "");
    }

    finish(overall);
}

function finish(overall: NodeJS.Timeout): void {
    clearTimeout(overall);
}

async function cleanup(): Promise<void> {
    if (process.env.E2E_KEEP === "1") {
        console.log(`E2E_KEEP=1: stack ${STACK} left running at ${BASE}`);
        return;
    }
    const ok = await step("cleanup: destroy the stack and remove the test's volumes", async () => {
        await destroy();
        const rm = await pulumi(["stack", "rm", "--yes"], STACK, 60_000);
        if (rm.code !== 0) throw new Error(rm.stderr);
        for (const v of [HOME_VOLUME, SOFTWARE_VOLUME, HUB_DATA_VOLUME]) docker(["volume", "rm", "-f", v]);
        docker(["rmi", SOFTWARE_TAG]);
        if ([HOME_VOLUME, SOFTWARE_VOLUME, HUB_DATA_VOLUME].some(volumeExists)) throw new Error("a volume is still there");
    });
    if (!ok) await sleep(0);
}

main()
    .catch((err) => report(false, "e2e runner", String(err)))
    .then(cleanup)
    .catch((err) => report(false, "cleanup", String(err)))
    .finally(() => {
        console.log(`${checks.summary()}`);
        process.exit(checks.ok ? 0 : 1);
    });
