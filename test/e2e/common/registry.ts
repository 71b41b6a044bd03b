/**
 * A real registry on loopback for the images.registry path: Debian's docker-registry
 * (distribution 2.8) on 127.0.0.1:<port> with htpasswd auth stands in for a site registry.
 * Used by e2e:local (a second stack pushes there) and e2e:k8s (the cluster's containerd pulls
 * from it over plain HTTP). Started and stopped by the caller.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { waitFor } from "./lib";

/**
 * Layers pushed by the Kubernetes tests and the bench, kept between runs (content-addressed, so a
 * cache: a warm run pushes no new layer). E2E_K8S_REGISTRY_CACHE moves it.
 */
export const REGISTRY_CACHE_DIR =
    process.env.E2E_K8S_REGISTRY_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "jupyterhub-platform", "e2e-k8s-registry");

export interface LoopbackRegistry {
    server: string;
    username: string;
    password: string;
    stop(): void;
}

/**
 * Start docker-registry on 127.0.0.1:<port> with one htpasswd user (a new password each time).
 * `opts.pidFile` receives its pid, so a wrapper script can stop it even when this process dies
 * first; `opts.storageDir` keeps the pushed layers there (a cache: a warm run pushes nothing new),
 * else they go with the registry.
 */
export async function startRegistry(port: number, opts: { pidFile?: string; storageDir?: string } = {}): Promise<LoopbackRegistry> {
    const pidFile = opts.pidFile;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-registry-"));
    const username = "e2e";
    const password = `e2e-${Math.random().toString(36).slice(2)}-registry`;
    const htpasswd = spawnSync("htpasswd", ["-Bbn", username, password], { encoding: "utf8" });
    if (htpasswd.status !== 0) throw new Error(`htpasswd: ${htpasswd.stderr}`);
    fs.writeFileSync(path.join(dir, "htpasswd"), htpasswd.stdout);
    fs.writeFileSync(
        path.join(dir, "config.yml"),
        [
            "version: 0.1",
            "log: { level: warn }",
            `storage: { filesystem: { rootdirectory: ${opts.storageDir ?? `${dir}/data`} } }`,
            `http: { addr: "127.0.0.1:${port}" }`,
            `auth: { htpasswd: { realm: e2e, path: ${dir}/htpasswd } }`,
            "",
        ].join("\n"),
    );
    const child: ChildProcess = spawn("docker-registry", ["serve", path.join(dir, "config.yml")], { stdio: "ignore" });
    if (pidFile && child.pid !== undefined) fs.writeFileSync(pidFile, `${child.pid}\n`);
    let exited = false;
    child.on("exit", () => (exited = true));
    const server = `127.0.0.1:${port}`;
    await waitFor(
        "registry",
        20_000,
        async () => {
            if (exited) throw new Error(`docker-registry exited (port ${port} in use?)`);
            const res = await fetch(`http://${server}/v2/`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
            return res?.status === 401 ? true : undefined;
        },
        200,
    );
    return {
        server,
        username,
        password,
        stop: () => {
            child.kill("SIGTERM");
            fs.rmSync(dir, { recursive: true, force: true });
            if (pidFile) fs.rmSync(pidFile, { force: true });
        },
    };
}
