/**
 * Image build inputs: the content hash of a build context, the tag (`images.tagScheme`), image
 * names and the Dockerfile build args. The hash and tag functions are pure; the two readers at
 * the bottom do the file system work and hand plain data to them.
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { ImageBuildConfig, ImagesConfig, TagScheme } from "../../config/types";

export interface ContextFile {
    /** Path relative to the context root, with forward slashes. */
    path: string;
    content: Buffer | string;
    /** Unix permission bits; the executable bit changes the image, so it is hashed too. */
    mode?: number;
}

/**
 * SHA-256 over every context file (path, mode, content) and the build args, independent of
 * listing order. Length-prefixed fields keep distinct inputs from colliding by concatenation.
 */
export function contentHash(files: readonly ContextFile[], buildArgs: Readonly<Record<string, string>>, dockerfile = "Dockerfile"): string {
    const h = createHash("sha256");
    const field = (s: string | Buffer) => {
        const b = typeof s === "string" ? Buffer.from(s, "utf8") : s;
        h.update(`${b.length}:`);
        h.update(b);
    };
    field("jupyterhub-platform/image-hash/v1");
    field(dockerfile);
    for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
        field(f.path);
        field((f.mode ?? 0o644) & 0o111 ? "x" : "-");
        field(f.content);
    }
    for (const key of Object.keys(buildArgs).sort()) {
        field(key);
        field(buildArgs[key]);
    }
    return h.digest("hex");
}

/** `YYYY-MM-DD` in UTC. */
export function formatDate(d: Date): string {
    return d.toISOString().slice(0, 10);
}

/** `YYYY-MM-DD-<hash12>` (date-hash) or `<hash12>` (hash). */
export function imageTag(scheme: TagScheme, hash: string, date: string): string {
    if (!/^[0-9a-f]{12,}$/.test(hash)) {
        throw new Error(`imageTag: not a hex hash: ${hash}`);
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
        throw new Error(`imageTag: not a YYYY-MM-DD date: ${date}`);
    }
    const short = hash.slice(0, 12);
    return scheme === "date-hash" ? `${date}-${short}` : short;
}

/**
 * Repository of one platform image: `<images.repository>/<component>`, prefixed with the
 * registry server when one is configured and the repository does not already name it.
 */
export function imageRepository(images: ImagesConfig, component: string): string {
    const server = images.registry?.server.replace(/^https?:\/\//, "").replace(/\/+$/, "");
    const repo = images.repository.replace(/\/+$/, "");
    const qualified = server && !repo.startsWith(`${server}/`) ? `${server}/${repo}` : repo;
    return `${qualified}/${component}`;
}

/** Build args of images/singleuser: package lists are space-separated. */
export function singleuserBuildArgs(cfg: ImageBuildConfig): Record<string, string> {
    return {
        BASE_IMAGE: cfg.baseImage,
        APT_PACKAGES: cfg.aptPackages.join(" "),
        CONDA_PACKAGES: cfg.condaPackages.join(" "),
        PIP_PACKAGES: cfg.pipPackages.join(" "),
    };
}

export function hubBuildArgs(images: ImagesConfig): Record<string, string> {
    return { BASE_IMAGE: images.hub.baseImage };
}

/** The proxy is built from the hub's base, which ships configurable-http-proxy. */
export function proxyBuildArgs(images: ImagesConfig): Record<string, string> {
    return { BASE_IMAGE: images.hub.baseImage };
}

/** The ACME renewer (certbot) is built from the hub's base, which ships Python. */
export function renewerBuildArgs(images: ImagesConfig): Record<string, string> {
    return { BASE_IMAGE: images.hub.baseImage };
}

// ── file system readers ──────────────────────────────────────────────────────────────────────

/** Every file under `dir` (the whole build context: there is no .dockerignore in images/). */
export function readContextFiles(dir: string): ContextFile[] {
    const out: ContextFile[] = [];
    const walk = (rel: string) => {
        for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
            const relPath = rel ? `${rel}/${entry.name}` : entry.name;
            const abs = path.join(dir, relPath);
            if (entry.isDirectory()) {
                walk(relPath);
            } else if (entry.isFile()) {
                out.push({ path: relPath, content: fs.readFileSync(abs), mode: fs.statSync(abs).mode });
            }
        }
    };
    walk("");
    return out;
}

/**
 * The date of a context's content, so the tag does not change every day for the same content:
 * the last commit touching the folder when it is committed and clean, else the newest file
 * modification time.
 */
export function contextDate(dir: string, files: readonly ContextFile[]): string {
    try {
        const opts = { cwd: dir, encoding: "utf8" as const, stdio: ["ignore", "pipe", "ignore"] as ("ignore" | "pipe")[] };
        const dirty = execFileSync("git", ["status", "--porcelain", "--", "."], opts).trim();
        const committed = execFileSync("git", ["log", "-1", "--format=%cs", "--", "."], opts).trim();
        if (!dirty && /^\d{4}-\d{2}-\d{2}$/.test(committed)) {
            return committed;
        }
    } catch {
        // Not a git checkout: fall through to modification times.
    }
    let newest = 0;
    for (const f of files) {
        newest = Math.max(newest, fs.statSync(path.join(dir, f.path)).mtimeMs);
    }
    return formatDate(new Date(newest || Date.now()));
}

/**
 * Address for the docker provider's registryAuth. Docker talks plain HTTP to registries on the
 * loopback range (127.0.0.0/8 and localhost are insecure registries by default) and HTTPS to
 * everything else; the provider's own digest look-up after a push only uses HTTP when the address
 * says `http://`, so say it for loopback registries.
 */
export function registryAuthAddress(server: string): string {
    const host = server.replace(/^https?:\/\//, "").split("/")[0];
    const name = host.replace(/:\d+$/, "");
    const loopback = name === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(name) || name === "[::1]";
    return loopback ? `http://${host}` : host;
}
