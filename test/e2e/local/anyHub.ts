/**
 * Any hub image (images.hub.image): a hub image built outside the program — `docker build` of the
 * hub base with the spawner and culler from PyPI, none of the project's files — runs the hub of a
 * throw-away local stack by tag (resolved to its digest): the program mounts its
 * jupyterhub_config.py, templates and document, the hub answers, a user logs in and gets a
 * server. Then an image without dockerspawner: `pulumi up` fails at once with the hub config's
 * own message naming the package. Part of `npm run e2e:local`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Session, docker, hubHealthy, pulumi, run, stackOutputs, tail, waitFor } from "../common/lib";

const GOOD_TAG = "e2e-any-hub/hub:e2e";
const BARE_TAG = "e2e-any-hub/bare:e2e";
/** The pins of images/hub/requirements.txt this image needs (dummy login, DockerSpawner, the culler). */
const PACKAGES = ["dockerspawner==14.0.0", "jupyterhub-idle-culler==2.0.0"];
const MISSING = "jupyterhub_config: this hub image lacks the python package dockerspawner (needed for spawner docker)";
const USER = "anyhub-user";

/** The hub base with pip packages and nothing of this repository. */
function buildImages(hubBase: string): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-any-hub-"));
    try {
        fs.writeFileSync(
            path.join(dir, "Dockerfile"),
            [
                `FROM ${hubBase}`,
                "USER root",
                // Keep the base's JupyterHub: the packages only declare lower bounds.
                `RUN python3 -c 'import jupyterhub; print("jupyterhub==" + jupyterhub.__version__)' > /tmp/c.txt \\`,
                ` && python3 -m pip install --no-cache-dir -c /tmp/c.txt ${PACKAGES.join(" ")} && rm /tmp/c.txt`,
                "",
            ].join("\n"),
        );
        const good = docker(["build", "-q", "-t", GOOD_TAG, dir]);
        if (good.code !== 0) throw new Error(`docker build ${GOOD_TAG}: ${good.out}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    // The bare base: JupyterHub alone, no spawner.
    if (docker(["tag", hubBase, BARE_TAG]).code !== 0) throw new Error(`docker tag ${BARE_TAG}`);
}

export async function checkAnyHub(
    stack: string,
    port: number,
    baseConfig: Record<string, string>,
    secrets: string[],
): Promise<[string, string | undefined][]> {
    const results: [string, string | undefined][] = [];
    const base = `http://127.0.0.1:${port}`;
    const hubContainer = `jupyterhub-${stack}-hub`;
    const hubBase = process.env.JHP_HUB_BASE_IMAGE ?? "quay.io/jupyterhub/jupyterhub:5.3.0";
    const set = async (k: string, v: string) => {
        const r = await pulumi(["config", "set", "--path=false", k, v], stack, 60_000);
        if (r.code !== 0) throw new Error(`config set ${k}: ${r.stderr}`);
    };
    try {
        const started = Date.now();
        buildImages(hubBase);
        const built = ((Date.now() - started) / 1000).toFixed(0);
        const noFiles = docker(["run", "--rm", "--entrypoint", "sh", GOOD_TAG, "-c", "ls /etc/jupyterhub/jupyterhub_config.py 2>&1"]).out;
        results.push([
            `any hub: ${GOOD_TAG} built outside the program (${built}s) has none of the project's files`,
            /No such file/.test(noFiles) ? undefined : `found ${noFiles}`,
        ]);

        const init = await run("pulumi", ["stack", "init", stack, "--non-interactive"], { timeoutMs: 60_000 });
        if (init.code !== 0 && !/already exists/.test(init.stderr)) throw new Error(`stack init: ${init.stderr}`);
        for (const [k, v] of Object.entries({
            ...baseConfig,
            topology: "local",
            "hub.port": String(port),
            "data.retainOnDestroy": "false",
            "images.hub.image": GOOD_TAG,
        })) {
            await set(k, v);
        }
        const up = await pulumi(["up", "--yes", "--skip-preview"], stack, 15 * 60_000);
        const upText = up.stdout + up.stderr;
        const id = docker(["image", "inspect", "-f", "{{.Id}}", GOOD_TAG]).out.trim();
        results.push([
            `any hub: pulumi up runs ${GOOD_TAG} by its digest, which it names`,
            up.code !== 0
                ? `pulumi up exited ${up.code}: ${tail(upText, secrets)}`
                : !upText.includes(`images.hub.image: ${GOOD_TAG} resolved to ${id}`)
                  ? `no resolution message for ${id}: ${tail(upText, secrets)}`
                  : docker(["inspect", "-f", "{{.Image}}", hubContainer]).out.trim() !== id
                    ? `the hub runs ${docker(["inspect", "-f", "{{.Image}}", hubContainer]).out.trim()}`
                    : undefined,
        ]);
        if (up.code !== 0) return results;

        const healthy = await waitFor("any-hub health", 60_000, async () => ((await hubHealthy(base)) ? true : undefined)).catch(
            () => false,
        );
        const mounted = docker(["exec", hubContainer, "sh", "-c", "ls /etc/jupyterhub/platform /etc/jupyterhub/platform/templates"]).out;
        results.push([
            "any hub: the program's jupyterhub_config.py, modules, templates and document are mounted, and the hub is healthy",
            healthy &&
            ["config.json", "jupyterhub_config.py", "platform_check.py", "platform_homes.py", "login.html", "page.html"].every((f) =>
                mounted.includes(f),
            )
                ? undefined
                : `healthy ${healthy}; /etc/jupyterhub/platform: ${mounted}`,
        ]);

        const outs = await stackOutputs(stack, true);
        const password = String(outs.loginPassword ?? "");
        secrets.push(password);
        const session = new Session(base);
        const page = await (await session.request("GET", "/hub/login")).text();
        const login = await session.login(USER, password);
        results.push([
            "any hub: a user logs in through the form, which has the platform's login template",
            login.status === 302 && page.includes('id="platform-login-title"') ? undefined : `HTTP ${login.status}`,
        ]);
        // An API token from the logged-in session, then the REST API, as the main test does.
        const created = await session.request("POST", `/hub/api/users/${USER}/tokens`, {
            body: JSON.stringify({ note: "e2e-any-hub", expires_in: 600 }),
            headers: { "content-type": "application/json", "x-xsrftoken": await session.xsrfToken() },
        });
        const token = created.status === 201 ? ((await created.json()) as { token: string }).token : "";
        secrets.push(token);
        const start = await session.request("POST", `/hub/api/users/${USER}/server`, { token, body: "{}" });
        const ready = await waitFor(
            "any-hub server",
            120_000,
            async () => {
                const res = await session.request("GET", `/hub/api/users/${USER}`, { token });
                const model = (await res.json()) as { servers: Record<string, { ready: boolean }> };
                return model.servers[""]?.ready ? true : undefined;
            },
            2000,
        ).catch((err: unknown) => String(err));
        results.push([
            "any hub: DockerSpawner from that image starts the user's server",
            start.status < 300 && ready === true ? undefined : `token HTTP ${created.status}; start HTTP ${start.status}; ${String(ready)}`,
        ]);

        await set("images.hub.image", BARE_TAG);
        const t0 = Date.now();
        const bad = await pulumi(["up", "--yes", "--skip-preview"], stack, 10 * 60_000);
        const seconds = ((Date.now() - t0) / 1000).toFixed(0);
        const badText = bad.stdout + bad.stderr;
        results.push([
            `any hub: an image without dockerspawner stops pulumi up with the hub config's message (${seconds}s)`,
            bad.code !== 0 && badText.includes(MISSING) ? undefined : `exit ${bad.code}: ${tail(badText, secrets)}`,
        ]);
        results.push([
            "any hub: the running hub is left alone by the refused image",
            docker(["inspect", "-f", "{{.Image}}", hubContainer]).out.trim() === id ? undefined : "the hub container changed",
        ]);
    } catch (err) {
        results.push(["any hub: check ran", String(err)]);
    } finally {
        await pulumi(["config", "set", "--path=false", "images.hub.image", GOOD_TAG], stack, 60_000);
        await pulumi(["destroy", "--yes", "--skip-preview"], stack, 10 * 60_000);
        await pulumi(["stack", "rm", "--yes", "--force"], stack, 60_000);
        docker(["rmi", GOOD_TAG, BARE_TAG]);
    }
    return results;
}
