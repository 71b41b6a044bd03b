/**
 * A whole-stack snapshot under Pulumi mocks: every resource a topology registers, by URN, with its
 * inputs and the options that decide what `pulumi up` does to it (protect, retainOnDelete,
 * deleteBeforeReplace, ignoreChanges, dependencies, aliases, provider). A refactor that keeps the
 * snapshot keeps every URN (no replacement) and every input (no diff).
 *
 * Large rendered artifacts inside inputs (cloud-init user-data, the hub config document,
 * Kubernetes manifests) are lifted out into files of their own, so a change to one shows as a
 * readable diff of that file: see artifactsOf().
 */
import * as pulumi from "@pulumi/pulumi";
import { readHubFiles } from "../../../components/hub/hubFiles";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export interface SnapshotEntry {
    urn: string;
    custom: boolean;
    parent?: string;
    provider?: string;
    protect?: true;
    retainOnDelete?: true;
    deleteBeforeReplace?: true;
    ignoreChanges?: string[];
    dependsOn?: string[];
    aliases?: unknown[];
    inputs: unknown;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProvider(): string;
    getProtect(): boolean;
    getRetainondelete(): boolean;
    getDeletebeforereplace(): boolean;
    getIgnorechangesList(): string[];
    getDependenciesList(): string[];
    getAliasesList(): { toObject(): unknown }[];
}

interface MockMonitorLike {
    registerResource(req: RegisterRequest, callback: (err: unknown, res: unknown) => void): Promise<void>;
}

/** Records the options of every registration; call right after pulumi.runtime.setMocks(). */
export function recordRegistrations(): Map<string, Omit<SnapshotEntry, "urn" | "inputs">> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): MockMonitorLike };
    const monitor = settings.getMonitor();
    const seen = new Map<string, Omit<SnapshotEntry, "urn" | "inputs">>();
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = async (req, callback) => {
        const key = `${req.getType()}::${req.getName()}`;
        const providerRef = req.getProvider();
        seen.set(key, {
            custom: req.getCustom(),
            ...(req.getParent() ? { parent: req.getParent() } : {}),
            // A provider reference is "<urn>::<id>"; the URN is what identifies it.
            ...(providerRef ? { provider: providerRef.split("::").slice(0, -1).join("::") } : {}),
            ...(req.getProtect() ? { protect: true } : {}),
            ...(req.getRetainondelete() ? { retainOnDelete: true } : {}),
            ...(req.getDeletebeforereplace() ? { deleteBeforeReplace: true } : {}),
            ...(req.getIgnorechangesList().length ? { ignoreChanges: [...req.getIgnorechangesList()].sort() } : {}),
            ...(req.getDependenciesList().length ? { dependsOn: [...new Set(req.getDependenciesList())].sort() } : {}),
            ...(req.getAliasesList().length ? { aliases: req.getAliasesList().map((a) => a.toObject()) } : {}),
        });
        return original(req, callback);
    };
    return seen;
}

/** Secrets become `{ "<secret>": value }`, so the snapshot shows what the state would encrypt. */
export function normalize(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(normalize);
    }
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SECRET_SIG] !== undefined) {
            return { "<secret>": normalize(obj.value) };
        }
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(obj).sort()) {
            out[key] = normalize(obj[key]);
        }
        return out;
    }
    return value;
}

export interface Artifact {
    /** File name under the stack's golden folder. */
    file: string;
    content: string;
}

/**
 * The hub files the program ships verbatim (images/hub, mounted next to the hub document) stand
 * in snapshots as a pointer: they are plain files with their own tests, and copying them into
 * every golden folder would only repeat them.
 */
function shippedHubFile(): (content: string) => string | undefined {
    const byContent = new Map(readHubFiles().map((f) => [f.content, `<images/hub/${f.path} of this checkout>`]));
    return (content) => byContent.get(content);
}

/**
 * Lifts rendered documents out of resource inputs: an OpenStack instance's user-data, a Docker
 * container's uploaded files, and each Kubernetes object. The snapshot keeps a pointer instead.
 */
export function liftArtifacts(type: string, name: string, inputs: unknown, artifacts: Artifact[]): unknown {
    const obj = inputs as Record<string, unknown>;
    const hubFile = shippedHubFile();
    const lift = (file: string, content: string) => {
        artifacts.push({ file, content });
        return `<golden file ${file}>`;
    };
    const unwrap = (v: unknown): { secret: boolean; value: unknown } =>
        v && typeof v === "object" && "<secret>" in (v as object)
            ? { secret: true, value: (v as Record<string, unknown>)["<secret>"] }
            : { secret: false, value: v };
    if (type === "openstack:compute/instance:Instance" && obj.userData !== undefined) {
        const u = unwrap(obj.userData);
        const pointer = lift(`userdata/${name}.yaml`, String(u.value));
        return { ...obj, userData: u.secret ? { "<secret>": pointer } : pointer };
    }
    if (type === "docker:index/container:Container" && Array.isArray(obj.uploads)) {
        return {
            ...obj,
            uploads: (obj.uploads as Record<string, unknown>[]).map((up) => {
                const c = unwrap(up.content);
                const shipped = c.secret ? undefined : hubFile(String(c.value));
                if (shipped) {
                    return { ...up, content: shipped };
                }
                const base = String(up.file).split("/").pop();
                const pointer = lift(`uploads/${name}--${base}`, String(c.value));
                return { ...up, content: c.secret ? { "<secret>": pointer } : pointer };
            }),
        };
    }
    if (type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm") && type !== "pulumi:providers:kubernetes") {
        const kind = type.split(":").pop();
        if (kind === "ConfigMap" && obj.data && typeof obj.data === "object") {
            const data = Object.fromEntries(
                Object.entries(obj.data as Record<string, unknown>).map(([k, v]) => [k, hubFile(String(v)) ?? v]),
            );
            return lift(`kubernetes/${name}.${kind}.json`, JSON.stringify({ ...obj, data }, null, 2) + "\n");
        }
        return lift(`kubernetes/${name}.${kind}.json`, JSON.stringify(obj, null, 2) + "\n");
    }
    return inputs;
}

/** The snapshot of one deployment: entries sorted by URN, plus the lifted artifacts. */
export function snapshotOf(
    resources: Map<string, { urn: string; state: unknown }>,
    registrations: Map<string, Omit<SnapshotEntry, "urn" | "inputs">>,
    inputsByKey: Map<string, unknown>,
    normalizeText: (s: string) => string,
): { entries: SnapshotEntry[]; artifacts: Artifact[] } {
    const artifacts: Artifact[] = [];
    const entries: SnapshotEntry[] = [];
    for (const urn of [...resources.keys()].sort()) {
        const parts = urn.split("::");
        const type = parts[2].split("$").pop() as string;
        const name = parts[3];
        const key = `${type}::${name}`;
        const options = registrations.get(key);
        if (!options) {
            continue; // a read (invoke-backed) resource or the stack itself
        }
        const inputs = liftArtifacts(type, name, normalize(inputsByKey.get(key) ?? {}), artifacts);
        entries.push({ urn, ...options, inputs });
    }
    const text = (s: string) => normalizeText(s);
    return {
        entries: JSON.parse(text(JSON.stringify(entries))) as SnapshotEntry[],
        artifacts: artifacts.map((a) => ({ file: a.file, content: text(a.content) })),
    };
}

export type { pulumi };
