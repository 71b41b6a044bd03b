/**
 * End to end of the `lab` topology on the real Docker engine with the real Pulumi engine: `pulumi
 * up` of a throw-away lab stack, log in with the generated token through JupyterLab's own form,
 * run code in a kernel that writes into the work directory, open JupyterLab in headless Chromium,
 * `pulumi destroy`, find the file in the host directory, `up` again and read it back; the same
 * with the stack's named work volume (retained by destroy); then lab.image by tag: the preview
 * names the digest it resolved to, a rebuilt tag replaces the container, and a tag nobody has is
 * refused with its name. Prints PASS/FAIL lines and `N passed, M failed`.
 *
 * Run with `npm run e2e:lab` (test/e2e/lab/run.sh prepares the toolchain, dockerd and base images).
 * Bounded: every wait has a deadline and the whole run has E2E_DEADLINE_MINUTES.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium } from "playwright-core";
import { PROJECT_DIR, docker, executeInKernelAt, pulumi, run, stackOutputs, tail, Checks } from "../common/lib";

const STACK = process.env.E2E_LAB_STACK ?? "e2e-lab";
const PORT = Number(process.env.E2E_LAB_PORT ?? 18888);
const BASE = `http://127.0.0.1:${PORT}/`;
const CONTAINER = `jupyterlab-${STACK}`;
const VOLUME = `jupyterlab-${STACK}-work`;
const TAG = `e2e-lab/lab:${STACK}`;
const MOUNT = "/home/jovyan/work";
const OUT_DIR = path.join(PROJECT_DIR, "test-output", "e2e-lab");
const DEADLINE_MINUTES = Number(process.env.E2E_DEADLINE_MINUTES ?? 30);
/** A registry on a loopback port nothing listens on: a tag there cannot be resolved, and nothing leaves the machine. */
const UNRESOLVABLE = "127.0.0.1:1/e2e-lab/missing:never";

const secrets: string[] = [];
const checks = new Checks(secrets, 600);
const { report, step } = checks;

async function up(): Promise<string> {
    const r = await pulumi(["up", "--yes", "--skip-preview"], STACK, 15 * 60_000);
    if (r.code !== 0) throw new Error(`pulumi up exited ${r.code}: ${tail(r.stdout + r.stderr, secrets)}`);
    return r.stdout + r.stderr;
}

async function destroy(): Promise<void> {
    const r = await pulumi(["destroy", "--yes", "--skip-preview"], STACK, 10 * 60_000);
    if (r.code !== 0) throw new Error(`pulumi destroy exited ${r.code}: ${tail(r.stdout + r.stderr, secrets)}`);
}

async function config(key: string, value: string | undefined): Promise<void> {
    const r =
        value === undefined
            ? await pulumi(["config", "rm", key], STACK, 60_000)
            : await pulumi(["config", "set", "--path=false", key, value], STACK, 60_000);
    if (r.code !== 0) throw new Error(`config ${key}: ${r.stderr}`);
}

async function token(): Promise<string> {
    const outs = await stackOutputs(STACK, true);
    const t = String(outs.token ?? "");
    if (t.length < 32) throw new Error("no generated token in the stack outputs");
    secrets.push(t);
    return t;
}

function api(pathname: string, tok: string, init: RequestInit = {}): Promise<Response> {
    return fetch(new URL(pathname, BASE), {
        ...init,
        headers: { authorization: `token ${tok}`, ...(init.headers as Record<string, string>) },
        redirect: "manual",
        signal: AbortSignal.timeout(30_000),
    });
}

async function readFile(tok: string, name: string): Promise<string> {
    const res = await api(`api/contents/${name}?type=file&format=text`, tok);
    if (res.status !== 200) {
        const mounts = docker(["inspect", "-f", "{{json .Mounts}}", CONTAINER]).out.trim();
        const listing = docker(["exec", CONTAINER, "ls", "-la", MOUNT]).out.trim();
        throw new Error(`GET ${name}: HTTP ${res.status}; mounts ${mounts}; ${MOUNT}: ${listing}`);
    }
    return ((await res.json()) as { content: string }).content;
}

/** JupyterLab's own login form: the token goes in the password field, with the _xsrf pair. */
async function formLogin(tok: string): Promise<{ status: number; cookie: string }> {
    const page = await fetch(new URL("login", BASE), { signal: AbortSignal.timeout(30_000) });
    const cookies = page.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
    const xsrf = /name="_xsrf" value="([^"]+)"/.exec(await page.text())?.[1];
    if (!xsrf) throw new Error("login page has no _xsrf field");
    const res = await fetch(new URL("login?next=%2Flab", BASE), {
        method: "POST",
        body: new URLSearchParams({ _xsrf: xsrf, password: tok }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies },
        redirect: "manual",
        signal: AbortSignal.timeout(30_000),
    });
    const session = res.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .filter((c) => c.startsWith("username-"))
        .join("; ");
    return { status: res.status, cookie: session };
}

function imageOfContainer(): string {
    return docker(["inspect", "-f", "{{.Image}}", CONTAINER]).out.trim();
}

async function cleanSlate(): Promise<void> {
    const ls = await run("pulumi", ["stack", "ls", "--json", "--non-interactive"], { timeoutMs: 60_000 }).catch(() => undefined);
    if (ls && ls.code === 0 && ls.stdout.includes(`"${STACK}"`)) {
        await pulumi(["destroy", "--yes", "--skip-preview"], STACK, 10 * 60_000);
        await pulumi(["stack", "rm", "--yes", "--force"], STACK, 60_000);
    }
    docker(["rm", "-f", CONTAINER]);
    docker(["volume", "rm", "-f", VOLUME]);
    docker(["rmi", TAG]);
}

async function main(workDir: string): Promise<void> {
    fs.mkdirSync(OUT_DIR, { recursive: true });
    await cleanSlate();
    const init = await run("pulumi", ["stack", "init", STACK, "--non-interactive"], { timeoutMs: 60_000 });
    if (init.code !== 0 && !/already exists/.test(init.stderr)) throw new Error(`stack init: ${init.stderr}`);
    const settings: Record<string, string> = {
        topology: "lab",
        "lab.port": String(PORT),
        "lab.work": workDir,
        "lab.memory.limit": "1G",
        "lab.cpu.limit": "0.5",
        "data.retainOnDestroy": "true",
    };
    // Built from the local stand-in when no registry is reachable (scripts/docker/base-images.sh).
    const base = process.env.JHP_SINGLEUSER_BASE_IMAGE;
    if (base?.startsWith("jupyterhub-platform/standin-")) settings["images.singleuser.baseImage"] = base;
    for (const [k, v] of Object.entries(settings)) await config(k, v);

    let tok = "";
    const deployed = await step("pulumi up creates the lab (images/singleuser built here, host directory mounted)", async () => {
        await up();
        tok = await token();
        const outs = await stackOutputs(STACK);
        if (outs.url !== `${BASE}lab`) throw new Error(`url output ${String(outs.url)}`);
        if (outs.work !== workDir) throw new Error(`work output ${String(outs.work)}`);
        if (!/^sha256:[0-9a-f]{64}$/.test(String(outs.image))) throw new Error(`image not pinned: ${String(outs.image)}`);
        return `url=${String(outs.url)} image=${String(outs.image).slice(0, 19)}…`;
    });
    if (!deployed) return;

    await step("the token is a secret: not in the state or the plain outputs", async () => {
        const state = await pulumi(["stack", "export"], STACK, 60_000);
        if (state.stdout.includes(tok)) throw new Error("token in plaintext in the state");
        if (JSON.stringify(await stackOutputs(STACK)).includes(tok)) throw new Error("token visible without --show-secrets");
    });

    await step("no token, a wrong token: refused", async () => {
        const none = await fetch(new URL("api/contents", BASE), { signal: AbortSignal.timeout(10_000) });
        const wrong = await api("api/contents", "not-the-token");
        if (none.status !== 403 || wrong.status !== 403) throw new Error(`HTTP ${none.status} / ${wrong.status}`);
    });

    await step("log in with the token through JupyterLab's login form", async () => {
        const { status, cookie } = await formLogin(tok);
        if (status !== 302 || !cookie) throw new Error(`POST /login: HTTP ${status}, session cookie: ${cookie ? "yes" : "no"}`);
        const res = await fetch(new URL("api/contents", BASE), { headers: { cookie }, signal: AbortSignal.timeout(10_000) });
        if (res.status !== 200) throw new Error(`contents with the session cookie: HTTP ${res.status}`);
    });

    const marker = `written by the lab e2e at ${new Date().toISOString()}`;
    await step("a kernel writes a file into the work directory, as jovyan, under the limits", async () => {
        const code = `import os\nopen("${MOUNT}/e2e-lab.txt", "w").write(${JSON.stringify(marker)})\nprint(os.getuid(), 6 * 7)`;
        const out = (await executeInKernelAt(BASE, tok, code)).trim();
        if (out !== "1000 42") throw new Error(`kernel printed ${JSON.stringify(out)}`);
        const host = fs.readFileSync(path.join(workDir, "e2e-lab.txt"), "utf8");
        if (host !== marker) throw new Error(`host file holds ${JSON.stringify(host)}`);
        const [mem, cpus, ports] = docker([
            "inspect",
            "-f",
            "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{json .HostConfig.PortBindings}}",
            CONTAINER,
        ])
            .out.trim()
            .split(" ");
        if (Number(mem) !== 953 * 2 ** 20 || Number(cpus) !== 5e8) throw new Error(`limits memory=${mem} nanoCpus=${cpus}`);
        if (!ports.includes(`"HostIp":"127.0.0.1","HostPort":"${PORT}"`)) throw new Error(`published as ${ports}`);
        return `memory=${mem} nanoCpus=${cpus} ${ports}`;
    });

    await step("JupyterLab in headless Chromium: the token URL opens the lab and lists the file", async () => {
        const browser = await chromium.launch({
            executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
            args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        });
        try {
            const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
            await page.goto(`${BASE}lab?token=${tok}`, { timeout: 60_000 });
            await page.locator(".jp-DirListing-itemText", { hasText: "e2e-lab.txt" }).first().waitFor({ timeout: 90_000 });
            await page.screenshot({ path: path.join(OUT_DIR, "jupyterlab.png") });
            return "screenshot test-output/e2e-lab/jupyterlab.png";
        } finally {
            await browser.close();
        }
    });

    await step("pulumi destroy removes the container and leaves the file in the host directory", async () => {
        await destroy();
        if (docker(["inspect", CONTAINER]).code === 0) throw new Error("container left after destroy");
        if (fs.readFileSync(path.join(workDir, "e2e-lab.txt"), "utf8") !== marker) throw new Error("file changed or gone");
    });

    await step("pulumi up again: the file is read back through the contents API", async () => {
        await up();
        tok = await token();
        const content = await readFile(tok, "e2e-lab.txt");
        if (content !== marker) throw new Error(`content ${JSON.stringify(content)}`);
    });

    const volumeMarker = `volume ${marker}`;
    await step("without lab.work: the stack's own volume, writable by jovyan; destroy keeps it (retainOnDelete)", async () => {
        await config("lab.work", undefined);
        await up();
        tok = await token();
        const res = await api("api/contents/in-volume.txt", tok, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ type: "file", format: "text", content: volumeMarker }),
        });
        if (res.status !== 201 && res.status !== 200) throw new Error(`PUT: HTTP ${res.status}`);
        await destroy();
        if (docker(["volume", "inspect", VOLUME]).code !== 0) throw new Error(`volume ${VOLUME} removed by destroy`);
        await up();
        tok = await token();
        const content = await readFile(tok, "in-volume.txt");
        if (content !== volumeMarker) throw new Error(`content after up: ${JSON.stringify(content)}`);
    });

    let firstId = "";
    await step("lab.image by tag: the preview shows the digest it resolves to, and up runs that digest", async () => {
        firstId = imageOfContainer();
        if (docker(["tag", firstId, TAG]).code !== 0) throw new Error(`docker tag ${TAG}`);
        await config("lab.image", TAG);
        const preview = await pulumi(["preview", "--diff"], STACK, 10 * 60_000);
        if (preview.code !== 0) throw new Error(tail(preview.stdout + preview.stderr, secrets));
        // The engine prints program messages on stdout or stderr, depending on when they arrive.
        const said = (preview.stdout + preview.stderr).split("\n").find((l) => l.includes(`lab.image: ${TAG} resolved to`));
        if (!said?.includes(`resolved to ${firstId} (from the Docker engine)`)) {
            const lines = (preview.stdout + preview.stderr).split("\n").filter((l) => /resolved|error/.test(l));
            throw new Error(`preview says ${JSON.stringify(said)}, expected ${firstId}; lines: ${lines.join(" | ")}`);
        }
        await up();
        const outs = await stackOutputs(STACK);
        const resolved = (outs.resolvedImages ?? {}) as Record<string, string>;
        if (resolved[TAG] !== firstId || outs.image !== firstId) throw new Error(`outputs ${JSON.stringify(outs)}`);
        if (imageOfContainer() !== firstId) throw new Error(`container runs ${imageOfContainer()}`);
        return `${TAG} → ${firstId.slice(0, 19)}…`;
    });

    await step("a rebuilt tag is a new digest: the next up replaces the container, the volume keeps the file", async () => {
        const build = docker(["build", "-q", "-t", TAG, "--label", `e2e-rebuilt=${Date.now()}`, "-"], `FROM ${firstId}\n`);
        if (build.code !== 0) throw new Error(`docker build: ${build.out}`);
        const secondId = build.out.trim();
        if (secondId === firstId) throw new Error("the rebuild did not change the image ID");
        const out = await up();
        if (!out.includes(`lab.image: ${TAG} resolved to ${secondId}`))
            throw new Error(`up does not name the new digest: ${tail(out, secrets)}`);
        if (imageOfContainer() !== secondId) throw new Error(`container runs ${imageOfContainer()}, not ${secondId}`);
        tok = await token();
        if ((await readFile(tok, "in-volume.txt")) !== volumeMarker) throw new Error("file lost");
        return `${TAG} → ${secondId.slice(0, 19)}…`;
    });

    await step("a tag that cannot be resolved is refused with its name, before anything changes", async () => {
        await config("lab.image", UNRESOLVABLE);
        const preview = await pulumi(["preview"], STACK, 10 * 60_000);
        const text = preview.stdout + preview.stderr;
        if (preview.code === 0) throw new Error("preview succeeded");
        const expected = `cannot resolve lab.image ${UNRESOLVABLE} to a digest: not on the Docker engine`;
        if (!text.includes(expected) || !text.includes("not resolvable in the registry 127.0.0.1:1"))
            throw new Error(`message: ${tail(text, secrets)}`);
        await config("lab.image", TAG);
        return text
            .split("\n")
            .find((l) => l.includes("cannot resolve"))
            ?.trim();
    });
}

async function cleanup(workDir: string): Promise<void> {
    if (process.env.E2E_KEEP === "1") {
        console.log(`E2E_KEEP=1: stack ${STACK} left running at ${BASE}, work directory ${workDir}`);
        return;
    }
    await step("cleanup: destroy the stack, remove its volume, tag and host directory", async () => {
        await destroy();
        const rm = await pulumi(["stack", "rm", "--yes"], STACK, 60_000);
        if (rm.code !== 0) throw new Error(rm.stderr);
        docker(["volume", "rm", "-f", VOLUME]);
        docker(["rmi", TAG]);
        fs.rmSync(workDir, { recursive: true, force: true });
        if (docker(["volume", "inspect", VOLUME]).code === 0) throw new Error("volume still there");
    });
}

const overall = setTimeout(() => {
    console.log(`FAIL deadline of ${DEADLINE_MINUTES} minutes reached`);
    console.log(`${checks.summary(1)}`);
    process.exit(1);
}, DEADLINE_MINUTES * 60_000);

// The person's directory on the host: writable by jovyan (uid 1000), as the lab.work key says.
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-lab-work-"));
fs.chownSync(workDir, 1000, 100);
main(workDir)
    .catch((err) => report(false, "e2e runner", String(err)))
    .then(() => cleanup(workDir))
    .catch((err) => report(false, "cleanup", String(err)))
    .finally(() => {
        clearTimeout(overall);
        console.log(`${checks.summary()}`);
        process.exit(checks.ok ? 0 : 1);
    });
