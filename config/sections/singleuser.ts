/** singleuser.*: image, resources, storage, start-up actions and profiles of user servers. */
import type { ConfigReader } from "../reader";
import { isAbsolutePath, isEnvName, isImageRef, isUrl, isVolumeName } from "../formats";
import { CPU_ALLOWED, parseCpu, parseSize, SIZE_ALLOWED, toKubernetesQuantity } from "../quantities";
import {
    SHARED_VOLUME_ACCESS_MODES,
    type Profile,
    type SharedVolume,
    type SharedVolumeAccessMode,
    type SingleuserConfig,
    type Topology,
} from "../types";

/** What an image key accepts: a tag is resolved to its digest when the stack deploys. */
export const IMAGE_REF_ALLOWED = "an image reference by tag (repo:tag) or by digest (repo@sha256:<64 hex>)";

const MIN_MEMORY = 64 * 2 ** 20;
/** Set by JupyterHub and the spawners; overriding them breaks the server's connection to the hub. */
const RESERVED_ENV = /^(JUPYTERHUB_|JPY_|MEM_LIMIT$|CPU_LIMIT$|MEM_GUARANTEE$|CPU_GUARANTEE$)/;

export function readSingleuser(r: ConfigReader, topology: Topology): SingleuserConfig {
    const image = r.optStr("singleuser.image");
    if (image !== undefined && !isImageRef(image)) {
        r.bad("singleuser.image", image, `${IMAGE_REF_ALLOWED}, or empty to build images/singleuser`);
    }
    const defaultUrl = r.str("singleuser.defaultUrl");
    if (!defaultUrl.startsWith("/")) {
        r.bad("singleuser.defaultUrl", defaultUrl, "a path starting with /, such as /lab or /tree");
    }

    // Comparisons only run against a limit that parsed: a bad limit is already reported.
    const memLimit = r.size("singleuser.memory.limit");
    const memLimitBytes = memLimit ?? 2 * 2 ** 30;
    if (memLimitBytes < MIN_MEMORY) {
        r.bad(
            "singleuser.memory.limit",
            r.str("singleuser.memory.limit"),
            "at least 64Mi (a Jupyter server and kernel need more than that)",
        );
    }
    const memGuaranteeBytes = r.size("singleuser.memory.guarantee");
    if (memGuaranteeBytes !== undefined && memLimit !== undefined && memGuaranteeBytes > memLimit) {
        r.bad(
            "singleuser.memory.guarantee",
            r.str("singleuser.memory.guarantee"),
            `at most singleuser.memory.limit (${r.str("singleuser.memory.limit")})`,
            "guarantee above limit",
        );
    }
    const cpuLimitParsed = r.cpu("singleuser.cpu.limit");
    const cpuLimit = cpuLimitParsed ?? 1;
    const cpuGuarantee = r.cpu("singleuser.cpu.guarantee");
    if (cpuGuarantee !== undefined && cpuLimitParsed !== undefined && cpuGuarantee > cpuLimitParsed) {
        r.bad(
            "singleuser.cpu.guarantee",
            r.str("singleuser.cpu.guarantee"),
            `at most singleuser.cpu.limit (${r.str("singleuser.cpu.limit")})`,
            "guarantee above limit",
        );
    }

    const homeSize = r.size("singleuser.home.size");
    const homeQuota = r.size("singleuser.home.quota");
    const homeSizeBytes = homeSize ?? 2 ** 30;
    const homeQuotaBytes = homeQuota ?? homeSizeBytes;
    if (homeSize !== undefined && homeQuota !== undefined && homeQuota > homeSize) {
        r.bad(
            "singleuser.home.quota",
            r.str("singleuser.home.quota"),
            `at most singleuser.home.size (${toKubernetesQuantity(homeSizeBytes)})`,
            "quota above the home's capacity",
        );
    }
    if (topology === "local" && r.isSet("singleuser.home.quota")) {
        // Never silently ignored: local homes are Docker named volumes on the engine's own
        // filesystem, which has no per-volume quota to enforce it with.
        r.bad(
            "singleuser.home.quota",
            r.str("singleuser.home.quota"),
            "no value on topology local (remove the key)",
            "local homes are Docker named volumes, which cannot hold a quota; the Docker VM (btrfs qgroups) and Kubernetes (Gluster quotas) enforce one",
        );
    }
    const homeMountPath = r.str("singleuser.home.mountPath");
    if (!isAbsolutePath(homeMountPath)) {
        r.bad("singleuser.home.mountPath", homeMountPath, "an absolute path such as /home/jovyan");
    }

    const gitRepository = r.optStr("singleuser.gitRepository");
    if (gitRepository !== undefined && !isUrl(gitRepository, ["https:", "http:"])) {
        r.bad("singleuser.gitRepository", gitRepository, "an http(s) URL of a git repository (nbgitpuller clones over HTTP)");
    }
    const gitBranch = r.str("singleuser.gitBranch");
    if (!/^[A-Za-z0-9._/-]+$/.test(gitBranch)) {
        r.bad("singleuser.gitBranch", gitBranch, "a git branch name");
    }

    return {
        image,
        defaultUrl,
        memGuaranteeBytes,
        memLimitBytes,
        cpuGuarantee,
        cpuLimit,
        homeSizeBytes,
        homeQuotaBytes,
        homeMountPath,
        sharedVolumes: readSharedVolumes(r, homeMountPath, topology),
        gitRepository,
        gitBranch,
        postStartCommand: r.optStr("singleuser.postStartCommand"),
        env: readEnv(r),
        profiles: readProfiles(r, { memLimitBytes, cpuLimit, memGuaranteeBytes, cpuGuarantee }),
        startTimeoutSeconds: r.int("singleuser.startTimeout", 1, 86400, "a positive number of seconds up to 86400"),
    };
}

const SHARED_VOLUME_FIELDS = ["image", "path", "size", "access"];
const SHARED_VOLUME_ALLOWED =
    "entries `name:/mount/path[;image=<repo:tag or repo@sha256:..>][;path=/dir/in/image][;size=10Gi][;access=ReadWriteMany|ReadWriteOnce]` with a lowercase volume name, e.g. software:/opt/software;image=registry.example.org/software:2025.1";
/** Claim size of a filled shared volume on Kubernetes when the entry names none. */
export const SHARED_VOLUME_DEFAULT_SIZE = 10 * 2 ** 30;

function readSharedVolumes(r: ConfigReader, homeMountPath: string, topology: Topology): SharedVolume[] {
    const key = "singleuser.sharedVolumes";
    const out: SharedVolume[] = [];
    for (const item of r.list(key)) {
        const [head, ...parts] = item.split(";").map((p) => p.trim());
        const colon = head.indexOf(":");
        const name = head.slice(0, colon);
        const mountPath = head.slice(colon + 1);
        if (colon < 0 || !isVolumeName(name) || !isAbsolutePath(mountPath)) {
            r.bad(key, item, SHARED_VOLUME_ALLOWED);
            continue;
        }
        if (mountPath === homeMountPath || mountPath === "/") {
            r.bad(key, item, `a mount path other than / and the home (${homeMountPath})`);
            continue;
        }
        if (out.some((v) => v.name === name || v.mountPath === mountPath)) {
            r.bad(key, item, "each volume name and mount path once", "duplicate");
            continue;
        }
        const fields = new Map<string, string>();
        const problems: string[] = [];
        for (const part of parts.filter((p) => p !== "")) {
            const eq = part.indexOf("=");
            const field = eq < 0 ? part : part.slice(0, eq).trim();
            if (eq < 0 || !SHARED_VOLUME_FIELDS.includes(field) || fields.has(field)) {
                problems.push(eq < 0 ? `"${part}" is not field=value` : `unknown or repeated field "${field}"`);
            } else {
                fields.set(field, part.slice(eq + 1).trim());
            }
        }
        const volume = problems.length === 0 ? sharedVolumeFrom(name, mountPath, fields, topology, problems) : undefined;
        if (volume === undefined || problems.length > 0) {
            r.bad(key, item, SHARED_VOLUME_ALLOWED, problems.join(", "));
        } else {
            out.push(volume);
        }
    }
    return out;
}

function sharedVolumeFrom(
    name: string,
    mountPath: string,
    f: Map<string, string>,
    topology: Topology,
    problems: string[],
): SharedVolume | undefined {
    const image = f.get("image");
    const path = f.get("path");
    const size = f.get("size");
    const access = f.get("access");
    if (image !== undefined && !isImageRef(image)) problems.push(`image must be ${IMAGE_REF_ALLOWED}`);
    if (path !== undefined && (!isAbsolutePath(path) || path === "/")) problems.push("path must be an absolute directory other than /");
    if (image === undefined) {
        for (const [field, value] of [
            ["path", path],
            ["size", size],
            ["access", access],
        ] as const) {
            if (value !== undefined) problems.push(`${field} needs image= (it describes how the program fills the volume)`);
        }
    }
    const sizeBytes = size === undefined ? undefined : parseSize(size);
    if (size !== undefined && sizeBytes === undefined) problems.push(`size must be ${SIZE_ALLOWED}`);
    if (access !== undefined && !(SHARED_VOLUME_ACCESS_MODES as readonly string[]).includes(access)) {
        problems.push(`access must be one of ${SHARED_VOLUME_ACCESS_MODES.join(", ")}`);
    }
    if (topology !== "kubernetes") {
        for (const [field, value] of [
            ["size", size],
            ["access", access],
        ] as const) {
            if (value !== undefined) problems.push(`${field} applies to Kubernetes claims; it has no effect with topology ${topology}`);
        }
    }
    if (problems.length > 0) {
        return undefined;
    }
    if (image === undefined) {
        return { name, mountPath };
    }
    return {
        name,
        mountPath,
        source: { image, path: path ?? mountPath },
        ...(topology === "kubernetes"
            ? { sizeBytes: sizeBytes ?? SHARED_VOLUME_DEFAULT_SIZE, accessMode: (access as SharedVolumeAccessMode) ?? "ReadWriteMany" }
            : {}),
    };
}

function readEnv(r: ConfigReader): Record<string, string> {
    const key = "singleuser.env";
    const env: Record<string, string> = {};
    for (const item of r.list(key)) {
        const eq = item.indexOf("=");
        const name = eq < 0 ? item : item.slice(0, eq);
        if (eq < 0 || !isEnvName(name)) {
            r.bad(key, item, "entries `NAME=value` with NAME made of letters, digits and _");
        } else if (RESERVED_ENV.test(name)) {
            r.bad(key, item, "names other than JUPYTERHUB_*, JPY_*, MEM_*/CPU_* limits", "reserved for JupyterHub and the spawner");
        } else {
            env[name] = item.slice(eq + 1);
        }
    }
    return env;
}

const PROFILE_FIELDS = ["slug", "name", "description", "image", "memory", "cpu", "memoryGuarantee", "cpuGuarantee", "default"];
const PROFILE_ALLOWED =
    "entries `slug=<a-z0-9->;name=<text>[;description=..][;image=repo:tag or repo@sha256:..][;memory=2Gi][;cpu=1][;memoryGuarantee=1Gi][;cpuGuarantee=0.5][;default=true]`";

/** The server-wide resources a profile inherits where it sets none of its own. */
export interface ProfileDefaults {
    memLimitBytes: number;
    cpuLimit: number;
    memGuaranteeBytes?: number;
    cpuGuarantee?: number;
}

export function readProfiles(r: ConfigReader, defaults: ProfileDefaults): Profile[] {
    const key = "singleuser.profiles";
    const profiles: Profile[] = [];
    for (const item of r.list(key)) {
        const fields = new Map<string, string>();
        let ok = true;
        for (const part of item
            .split(";")
            .map((p) => p.trim())
            .filter((p) => p !== "")) {
            const eq = part.indexOf("=");
            const field = eq < 0 ? part : part.slice(0, eq).trim();
            if (eq < 0 || !PROFILE_FIELDS.includes(field) || fields.has(field)) {
                r.bad(key, item, PROFILE_ALLOWED, eq < 0 ? `"${part}" is not field=value` : `unknown or repeated field "${field}"`);
                ok = false;
                break;
            }
            fields.set(field, part.slice(eq + 1).trim());
        }
        if (!ok) {
            continue;
        }
        const profile = profileFrom(r, key, item, fields, defaults);
        if (profile && profiles.some((p) => p.slug === profile.slug)) {
            r.bad(key, item, "a unique slug per profile", `slug "${profile.slug}" is used twice`);
        } else if (profile) {
            profiles.push(profile);
        }
    }
    if (profiles.filter((p) => p.default).length > 1) {
        r.bad(
            key,
            profiles.filter((p) => p.default).map((p) => p.slug),
            "at most one profile with default=true",
        );
    }
    return profiles;
}

function profileFrom(r: ConfigReader, key: string, item: string, f: Map<string, string>, defaults: ProfileDefaults): Profile | undefined {
    const slug = f.get("slug");
    const name = f.get("name");
    const problems: string[] = [];
    if (!slug || !/^[a-z0-9][a-z0-9-]*$/.test(slug)) problems.push("slug of a-z, 0-9 and - is required");
    if (!name) problems.push("name is required");
    const image = f.get("image");
    if (image !== undefined && !isImageRef(image)) problems.push(`image must be ${IMAGE_REF_ALLOWED}`);
    const memory = f.get("memory");
    const memLimitBytes = memory === undefined ? undefined : parseSize(memory);
    if (memory !== undefined && (memLimitBytes === undefined || memLimitBytes < MIN_MEMORY))
        problems.push(`memory must be ${SIZE_ALLOWED}, at least 64Mi`);
    const cpu = f.get("cpu");
    const cpuLimit = cpu === undefined ? undefined : parseCpu(cpu);
    if (cpu !== undefined && (cpuLimit === undefined || cpuLimit <= 0)) problems.push(`cpu must be ${CPU_ALLOWED}`);
    const memoryGuarantee = f.get("memoryGuarantee");
    const memGuaranteeBytes = memoryGuarantee === undefined ? undefined : parseSize(memoryGuarantee);
    if (memoryGuarantee !== undefined && memGuaranteeBytes === undefined) problems.push(`memoryGuarantee must be ${SIZE_ALLOWED}`);
    const cpuGuaranteeText = f.get("cpuGuarantee");
    const cpuGuarantee = cpuGuaranteeText === undefined ? undefined : parseCpu(cpuGuaranteeText);
    if (cpuGuaranteeText !== undefined && (cpuGuarantee === undefined || cpuGuarantee <= 0))
        problems.push(`cpuGuarantee must be ${CPU_ALLOWED}`);
    // Each profile against the guarantees that apply to it: its own, else the server-wide ones.
    const effMemLimit = memLimitBytes ?? defaults.memLimitBytes;
    const effMemGuarantee = memGuaranteeBytes ?? defaults.memGuaranteeBytes;
    if (effMemGuarantee !== undefined && effMemGuarantee > effMemLimit) {
        problems.push(
            `its memory guarantee ${memoryGuarantee ?? "(singleuser.memory.guarantee)"} = ${effMemGuarantee} bytes is above its memory limit ${memory ?? "(singleuser.memory.limit)"} = ${effMemLimit} bytes`,
        );
    }
    const effCpuLimit = cpuLimit ?? defaults.cpuLimit;
    const effCpuGuarantee = cpuGuarantee ?? defaults.cpuGuarantee;
    if (effCpuGuarantee !== undefined && effCpuGuarantee > effCpuLimit) {
        problems.push(
            `its CPU guarantee ${cpuGuaranteeText ?? "(singleuser.cpu.guarantee)"} = ${effCpuGuarantee} is above its CPU limit ${cpu ?? "(singleuser.cpu.limit)"} = ${effCpuLimit}`,
        );
    }
    const def = f.get("default");
    if (def !== undefined && def !== "true" && def !== "false") problems.push("default must be true or false");
    if (problems.length > 0) {
        r.bad(key, item, PROFILE_ALLOWED, problems.join(", "));
        return undefined;
    }
    return {
        slug: slug as string,
        displayName: name as string,
        description: f.get("description") ?? "",
        image,
        memLimitBytes,
        cpuLimit,
        ...(memGuaranteeBytes !== undefined ? { memGuaranteeBytes } : {}),
        ...(cpuGuarantee !== undefined ? { cpuGuarantee } : {}),
        default: def === "true",
    };
}
