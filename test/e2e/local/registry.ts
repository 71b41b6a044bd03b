/**
 * The images.registry path for real on Docker: with the loopback registry of
 * test/e2e/common/registry.ts, a second throw-away stack with images.registry.* set must push the
 * three images and run the hub from `repo@sha256:…` references. Part of `npm run e2e:local`.
 */
import { baseImageConfig, docker, hubHealthy, pulumi, run, stackOutputs, tail, waitFor } from "../common/lib";
import type { LoopbackRegistry } from "../common/registry";

/** Up a second stack that pushes to the registry; returns [check, error-or-undefined]. */
export async function checkRegistryStack(
    stack: string,
    port: number,
    reg: LoopbackRegistry,
    secrets: string[],
): Promise<[string, string | undefined][]> {
    const results: [string, string | undefined][] = [];
    const base = `http://127.0.0.1:${port}`;
    try {
        const init = await run("pulumi", ["stack", "init", stack, "--non-interactive"], { timeoutMs: 60_000 });
        if (init.code !== 0 && !/already exists/.test(init.stderr)) throw new Error(`stack init: ${init.stderr}`);
        const settings: [string, string, boolean][] = [
            ["hub.port", String(port), false],
            ["data.retainOnDestroy", "false", false],
            ["images.registry.server", reg.server, false],
            ["images.registry.username", reg.username, false],
            ["images.registry.password", reg.password, true],
            // The images are built from this machine's base images (stand-ins when nothing can be pulled).
            ...Object.entries(baseImageConfig()).map(([k, v]): [string, string, boolean] => [k, v, false]),
        ];
        for (const [k, v, secret] of settings) {
            const r = await pulumi(["config", "set", ...(secret ? ["--secret"] : []), k, v], stack, 60_000);
            if (r.code !== 0) throw new Error(`config set ${k}: ${r.stderr}`);
        }
        const up = await pulumi(["up", "--yes", "--skip-preview"], stack, 15 * 60_000);
        if (up.code !== 0) throw new Error(`pulumi up: ${tail(up.stdout + up.stderr, [...secrets, reg.password])}`);
        const outs = await stackOutputs(stack);
        const pinned = ["hubImage", "proxyImage", "singleuserImage"].map((k) => String(outs[k]));
        const pattern = new RegExp(`^${reg.server.replace(/\./g, "\\.")}/jupyterhub-platform/(hub|proxy|singleuser)@sha256:[0-9a-f]{64}$`);
        results.push([
            "registry: the three images are pushed and referenced as repo@sha256 digests",
            pinned.every((p) => pattern.test(p)) ? undefined : pinned.join(" "),
        ]);
        const manifest = await fetch(`http://${reg.server}/v2/jupyterhub-platform/hub/manifests/${pinned[0].split("@")[1]}`, {
            headers: {
                authorization: `Basic ${Buffer.from(`${reg.username}:${reg.password}`).toString("base64")}`,
                accept: "application/vnd.docker.distribution.manifest.v2+json",
            },
        });
        results.push([
            "registry: the registry serves the hub image's manifest by that digest",
            manifest.status === 200 ? undefined : `HTTP ${manifest.status}`,
        ]);
        const running = docker(["inspect", "-f", "{{.Config.Image}}", `jupyterhub-${stack}-hub`]).out.trim();
        const healthy = await waitFor("registry stack health", 60_000, async () => ((await hubHealthy(base)) ? true : undefined)).catch(
            () => false,
        );
        results.push([
            "registry: the hub container runs from the pushed digest and is healthy",
            running === pinned[0] && healthy ? undefined : `image ${running}, healthy ${healthy}`,
        ]);
        const state = await pulumi(["stack", "export"], stack, 60_000);
        results.push([
            "registry: the registry password is not in plaintext in the state",
            state.stdout.includes(reg.password) ? "found in the state" : undefined,
        ]);
    } catch (err) {
        results.push(["registry: check ran", String(err)]);
    } finally {
        await pulumi(["destroy", "--yes", "--skip-preview"], stack, 10 * 60_000);
        await pulumi(["stack", "rm", "--yes", "--force"], stack, 60_000);
    }
    return results;
}
