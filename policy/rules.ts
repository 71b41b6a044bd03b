/**
 * The guard rails, as pure functions of one resource (type, properties, options, which
 * properties are secret) and the stack's configuration. policy/index.ts wires them into a
 * CrossGuard policy pack; test/unit/policy/rules.test.ts calls them with fake resources.
 *
 * A rule returns the violations it found, each a sentence naming the resource and the property.
 * A message never contains a property's value (it might be a secret that is not marked as one).
 */
import { HUB_DOCUMENT_PATH, HUB_PATHS, HUB_SECRET_ENV } from "../components/hub/contract";
import { LABEL_PREFIX } from "../components/docker/render";
import { flattenRuntimeConfig } from "../config/runtime";
import { PROJECT } from "../config/schema";
import { childPath, isSecretAt } from "./secrets";

export type Enforcement = "mandatory" | "advisory";

export interface PolicyResource {
    type: string;
    name: string;
    urn: string;
    props: Record<string, unknown>;
    /** The `protect` resource option. (retainOnDelete is not sent to analyzers; see userDataKept.) */
    protect: boolean;
    /** Paths of the properties that are Pulumi secrets (policy/secrets.ts). */
    secretPaths: ReadonlySet<string>;
}

export interface StackContext {
    /** The stack's configuration as the engine gives it to the pack (`<namespace>:<key>` → string). */
    config: Readonly<Record<string, string>>;
}

export interface Rule {
    name: string;
    description: string;
    enforcementLevel: Enforcement;
    check(resource: PolicyResource, stack: StackContext): string[];
}

// ── resource types ──────────────────────────────────────────────────────────────────────────
export const T = {
    dockerContainer: "docker:index/container:Container",
    dockerVolume: "docker:index/volume:Volume",
    dockerImage: "docker:index/image:Image",
    dockerProvider: "pulumi:providers:docker",
    k8sProvider: "pulumi:providers:kubernetes",
    openstackProvider: "pulumi:providers:openstack",
    k8sSecret: "kubernetes:core/v1:Secret",
    k8sConfigMap: "kubernetes:core/v1:ConfigMap",
    k8sPvc: "kubernetes:core/v1:PersistentVolumeClaim",
    k8sPv: "kubernetes:core/v1:PersistentVolume",
    k8sNamespace: "kubernetes:core/v1:Namespace",
    osVolume: "openstack:blockstorage/volume:Volume",
    osInstance: "openstack:compute/instance:Instance",
    osSecGroupRule: "openstack:networking/secGroupRule:SecGroupRule",
} as const;

/** Resources that hold user data: homes, the hub database, shared software, bricks. */
export const USER_DATA_TYPES: readonly string[] = [T.dockerVolume, T.k8sPvc, T.k8sPv, T.k8sNamespace, T.osVolume];

/** Workloads whose pod template the non-root and memory rules read, with the path to the pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};
const POD_LABEL_PATHS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Pod": ["metadata", "labels"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "metadata", "labels"],
};

/** Ports that must never be open to the world: SSH and the Kubernetes API. */
export const ADMIN_PORTS: readonly number[] = [22, 6443];
const WORLD = ["0.0.0.0/0", "::/0"];

/** Labels that mark user servers: the Docker role label and z2jh's `component` values. */
const DOCKER_ROLE_LABEL = `${LABEL_PREFIX}.role`;
const DOCKER_USER_ROLE = "user-server";
const K8S_USER_COMPONENTS = ["singleuser-server", "user-placeholder"];

/** Environment variable names that carry secrets: the hub's own, and anything named like one. */
const SECRET_ENV_NAMES: ReadonlySet<string> = new Set(Object.values(HUB_SECRET_ENV));
const SECRET_ENV_PATTERN = /(SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY|API_KEY|CRYPT_KEY)/i;
const PRIVATE_KEY_PATTERN = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

// ── helpers ─────────────────────────────────────────────────────────────────────────────────
type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function at(v: unknown, path: readonly string[]): unknown {
    let cur = v;
    for (const k of path) {
        if (!isObj(cur)) return undefined;
        cur = cur[k];
    }
    return cur;
}

function list(v: unknown): unknown[] {
    return Array.isArray(v) ? v : [];
}

function label(r: PolicyResource): string {
    return `${r.type.split(":").pop()} '${r.name}'`;
}

/** Provider inputs arrive JSON-encoded when they are not strings (e.g. the docker provider's registryAuth). */
function maybeJson(v: unknown): unknown {
    if (typeof v === "string" && /^\s*[[{]/.test(v)) {
        try {
            return JSON.parse(v);
        } catch {
            return v;
        }
    }
    return v;
}

/** Docker labels: `[{label, value}]` (the provider's input shape) or a plain map. */
function dockerLabels(props: Obj): Record<string, string> {
    const out: Record<string, string> = {};
    const raw = props.labels;
    if (Array.isArray(raw)) {
        for (const l of raw) if (isObj(l) && typeof l.label === "string") out[l.label] = String(l.value ?? "");
    } else if (isObj(raw)) {
        for (const [k, v] of Object.entries(raw)) out[k] = String(v);
    }
    return out;
}

/** The stack configuration of this project, flattened to dotted keys (config/runtime.ts). */
export function projectConfig(stack: StackContext): Record<string, string> {
    return flattenRuntimeConfig(stack.config, [], PROJECT).values;
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>` → project. */
export function projectOf(urn: string): string | undefined {
    return urn.split("::")[1];
}

/** The hub config documents a resource carries: a Docker hub container's upload, or a ConfigMap's config.json. */
export function hubDocuments(r: PolicyResource): { where: string; doc: Obj }[] {
    const found: { where: string; doc: Obj }[] = [];
    const parse = (where: string, text: unknown) => {
        if (typeof text !== "string") return;
        try {
            const doc: unknown = JSON.parse(text);
            if (isObj(doc) && typeof doc.schemaVersion === "number" && isObj(doc.singleuser)) found.push({ where, doc });
        } catch {
            // not a hub document
        }
    };
    if (r.type === T.dockerContainer) {
        list(r.props.uploads).forEach((u, i) => {
            if (isObj(u) && u.file === HUB_DOCUMENT_PATH) parse(`uploads[${i}].content`, u.content);
        });
    }
    if (r.type === T.k8sConfigMap && isObj(r.props.data)) {
        parse(`data["${HUB_PATHS.configFile}"]`, r.props.data[HUB_PATHS.configFile]);
    }
    return found;
}

interface ContainerRef {
    path: string;
    container: Obj;
}

function podSpecOf(r: PolicyResource): Obj | undefined {
    const path = POD_SPEC_PATHS[r.type];
    if (!path) return undefined;
    const spec = at(r.props, path);
    return isObj(spec) ? spec : undefined;
}

function podLabelsOf(r: PolicyResource): Obj {
    const path = POD_LABEL_PATHS[r.type] ?? (POD_SPEC_PATHS[r.type] ? ["spec", "template", "metadata", "labels"] : []);
    const labels = at(r.props, path);
    return isObj(labels) ? labels : {};
}

function podContainers(spec: Obj): ContainerRef[] {
    const refs: ContainerRef[] = [];
    for (const field of ["initContainers", "containers"]) {
        list(spec[field]).forEach((c, i) => {
            if (isObj(c)) refs.push({ path: `${field}[${i}]`, container: c });
        });
    }
    return refs;
}

function uidOf(user: unknown): string | undefined {
    if (typeof user !== "string" || user.trim() === "") return undefined;
    return user.split(":")[0].trim();
}

// ── rules ───────────────────────────────────────────────────────────────────────────────────

/** Values that must be Pulumi secrets are secrets (encrypted in state, masked in output). */
export const secretsAreSecret: Rule = {
    name: "secrets-are-secret",
    description:
        "Credentials are Pulumi secrets: container environment variables named like secrets, registry passwords, kubeconfigs, Kubernetes Secret data (the hub secret, the image pull secret), OpenStack passwords, private keys in user-data or uploads.",
    enforcementLevel: "mandatory",
    check(r) {
        const v: string[] = [];
        const mustBeSecret = (path: string, what: string) => {
            if (!isSecretAt(r.secretPaths, path)) v.push(`${label(r)}: ${what} (${path}) is not a Pulumi secret`);
        };
        const p = r.props;
        switch (r.type) {
            case T.dockerContainer:
                list(p.envs).forEach((e, i) => {
                    const name = typeof e === "string" ? e.split("=")[0] : "";
                    if (SECRET_ENV_NAMES.has(name) || SECRET_ENV_PATTERN.test(name)) {
                        mustBeSecret(childPath("envs", i), `environment variable ${name}`);
                    }
                });
                list(p.uploads).forEach((u, i) => {
                    if (isObj(u) && typeof u.content === "string" && PRIVATE_KEY_PATTERN.test(u.content)) {
                        mustBeSecret(`uploads[${i}].content`, `a private key uploaded to ${String(u.file)}`);
                    }
                });
                break;
            case T.dockerProvider: {
                const auth = maybeJson(p.registryAuth);
                list(auth).forEach((a, i) => {
                    if (isObj(a) && a.password !== undefined && a.password !== "") {
                        // Structured provider inputs are one JSON string: the whole list must be secret.
                        const path = typeof p.registryAuth === "string" ? "registryAuth" : `registryAuth[${i}].password`;
                        mustBeSecret(path, `the password of registry ${String(a.address ?? "")}`);
                    }
                });
                break;
            }
            case T.dockerImage: {
                const reg = maybeJson(p.registry);
                if (isObj(reg) && reg.password !== undefined && reg.password !== "") {
                    mustBeSecret(typeof p.registry === "string" ? "registry" : "registry.password", "the registry password");
                }
                break;
            }
            case T.k8sProvider:
                if (typeof p.kubeconfig === "string" && p.kubeconfig !== "") mustBeSecret("kubeconfig", "the kubeconfig");
                break;
            case T.openstackProvider:
                for (const key of ["password", "applicationCredentialSecret", "token"]) {
                    if (typeof p[key] === "string" && p[key] !== "") mustBeSecret(key, `the OpenStack ${key}`);
                }
                break;
            case T.k8sSecret:
                for (const field of ["data", "stringData"]) {
                    const data = p[field];
                    if (!isObj(data)) continue;
                    for (const key of Object.keys(data)) mustBeSecret(childPath(field, key), `key ${key}`);
                }
                break;
            case T.osInstance:
                if (typeof p.userData === "string" && PRIVATE_KEY_PATTERN.test(p.userData)) {
                    mustBeSecret("userData", "user-data holding a private key");
                }
                break;
        }
        return v;
    },
};

/**
 * Every resource holding user data is protected or retained. `protect` is visible to the pack;
 * `retainOnDelete` is not (the analyzer protocol's AnalyzerResourceOptions has no such field in
 * Pulumi 3.248), so for this project's resources retention is taken from the one switch the
 * program derives every retainOnDelete from: `data.retainOnDestroy` (default true).
 */
export const userDataKept: Rule = {
    name: "user-data-kept",
    description:
        "Docker volumes, PVCs, PersistentVolumes, Namespaces and Cinder volumes are `protect`ed or retained on delete (this project: data.retainOnDestroy true).",
    enforcementLevel: "mandatory",
    check(r, stack) {
        if (!USER_DATA_TYPES.includes(r.type) || r.protect) return [];
        if (projectOf(r.urn) === PROJECT) {
            const retain = projectConfig(stack)["data.retainOnDestroy"];
            if (retain === undefined || retain === "true") return [];
            return [`${label(r)} holds user data and data.retainOnDestroy is false: destroy or a replacement deletes it`];
        }
        return [`${label(r)} holds user data but is neither protected nor retained on delete`];
    },
};

/** Containers and pods run as a non-root user, unprivileged and without privilege escalation. */
export const nonRoot: Rule = {
    name: "non-root",
    description:
        "Docker containers set a non-root `user` with no-new-privileges and are not privileged; Kubernetes containers run as non-root (runAsNonRoot or runAsUser > 0) with allowPrivilegeEscalation false; user servers of the hub document run with a uid > 0.",
    enforcementLevel: "mandatory",
    check(r) {
        const v: string[] = [];
        const p = r.props;
        if (r.type === T.dockerContainer) {
            const uid = uidOf(p.user);
            if (uid === undefined)
                v.push(`${label(r)}: no \`user\`, so it runs as whatever the image says (root unless the image sets USER)`);
            else if (uid === "0" || uid === "root") v.push(`${label(r)}: runs as root (user ${uid})`);
            if (p.privileged === true) v.push(`${label(r)}: is privileged`);
            const opts = list(p.securityOpts).map(String);
            if (!opts.some((o) => /^no-new-privileges(:true)?$/.test(o))) v.push(`${label(r)}: securityOpts lacks no-new-privileges`);
        }
        const spec = podSpecOf(r);
        if (spec) {
            const podSc = isObj(spec.securityContext) ? spec.securityContext : {};
            for (const { path, container } of podContainers(spec)) {
                const sc = isObj(container.securityContext) ? container.securityContext : {};
                const name = `${label(r)} container '${String(container.name)}' (${path})`;
                const nonRootFlag = sc.runAsNonRoot ?? podSc.runAsNonRoot;
                const user = sc.runAsUser ?? podSc.runAsUser;
                if (user === 0) v.push(`${name}: runAsUser 0`);
                else if (nonRootFlag !== true && !(typeof user === "number" && user > 0))
                    v.push(`${name}: neither runAsNonRoot nor a runAsUser > 0`);
                if (sc.allowPrivilegeEscalation !== false) v.push(`${name}: allowPrivilegeEscalation is not false`);
                if (sc.privileged === true) v.push(`${name}: is privileged`);
            }
        }
        for (const { where, doc } of hubDocuments(r)) {
            const uid = at(doc, ["singleuser", "uid"]);
            if (!(typeof uid === "number" && uid > 0))
                v.push(`${label(r)}: the hub document (${where}) runs user servers as uid ${String(uid)}`);
        }
        return v;
    },
};

/** Every user server has a memory limit: the hub document's, user containers', placeholders'. */
export const userMemoryLimit: Rule = {
    name: "user-memory-limit",
    description:
        "User servers have a memory limit: the hub document's singleuser.memLimitBytes and every profile's are > 0; Docker user containers set `memory`; user and placeholder pods set resources.limits.memory.",
    enforcementLevel: "mandatory",
    check(r) {
        const v: string[] = [];
        for (const { where, doc } of hubDocuments(r)) {
            const mem = at(doc, ["singleuser", "memLimitBytes"]);
            if (!(typeof mem === "number" && mem > 0))
                v.push(`${label(r)}: the hub document (${where}) gives user servers no memory limit`);
            list(at(doc, ["singleuser", "profiles"])).forEach((pr) => {
                if (isObj(pr) && pr.memLimitBytes !== undefined && !(typeof pr.memLimitBytes === "number" && pr.memLimitBytes > 0)) {
                    v.push(`${label(r)}: profile '${String(pr.slug)}' of the hub document (${where}) has no memory limit`);
                }
            });
        }
        if (r.type === T.dockerContainer && dockerLabels(r.props)[DOCKER_ROLE_LABEL] === DOCKER_USER_ROLE) {
            const mem = Number(r.props.memory ?? 0);
            if (!(mem > 0)) v.push(`${label(r)}: a user container without a memory limit (memory)`);
        }
        const spec = podSpecOf(r);
        const component = podLabelsOf(r).component;
        if (spec && typeof component === "string" && K8S_USER_COMPONENTS.includes(component)) {
            for (const { path, container } of podContainers(spec)) {
                const limit = at(container, ["resources", "limits", "memory"]);
                if (limit === undefined || limit === null || limit === "" || limit === "0" || limit === 0) {
                    v.push(
                        `${label(r)} container '${String(container.name)}' (${path}): a ${component} pod without resources.limits.memory`,
                    );
                }
            }
        }
        return v;
    },
};

function portsOf(p: Obj): [number, number] {
    const min = Number(p.portRangeMin ?? 0);
    const max = Number(p.portRangeMax ?? 0);
    // 0/unset on both ends means every port.
    if (!min && !max) return [1, 65535];
    return [min || max, max || min];
}

/** No security group rule opens SSH or the Kubernetes API to the whole Internet. */
export const adminPortsClosed: Rule = {
    name: "admin-ports-closed",
    description: "No OpenStack security group rule opens SSH (22) or the Kubernetes API (6443) to 0.0.0.0/0 or ::/0.",
    enforcementLevel: "mandatory",
    check(r) {
        if (r.type !== T.osSecGroupRule) return [];
        const p = r.props;
        if (String(p.direction ?? "") !== "ingress") return [];
        const prefix = typeof p.remoteIpPrefix === "string" ? p.remoteIpPrefix.trim() : "";
        // No prefix and no remote group means any source.
        const world = WORLD.includes(prefix) || (prefix === "" && !p.remoteGroupId);
        const protocol = String(p.protocol ?? "").toLowerCase();
        if (!world || (protocol !== "" && protocol !== "tcp" && protocol !== "any" && protocol !== "6")) return [];
        const [lo, hi] = portsOf(p);
        return ADMIN_PORTS.filter((port) => port >= lo && port <= hi).map(
            (port) => `${label(r)}: opens port ${port} (${port === 22 ? "SSH" : "Kubernetes API"}) to ${prefix || "any address"}`,
        );
    },
};

/** A hub with a public domain serves HTTPS. */
export const tlsForPublicDomain: Rule = {
    name: "tls-for-public-domain",
    description:
        "A stack with a public domain (hub.domain) has TLS on (hub.tls.mode letsencrypt or manual): the hub document's publicUrl is https.",
    enforcementLevel: "mandatory",
    check(r, stack) {
        // The config half runs once, on the stack resource: it holds even before any document is known.
        const v: string[] = r.type === STACK_TYPE && projectOf(r.urn) === PROJECT ? tlsConfigViolations(stack) : [];
        for (const { where, doc } of hubDocuments(r)) {
            const url = at(doc, ["hub", "publicUrl"]);
            if (typeof url === "string" && url.startsWith("http://")) {
                v.push(`${label(r)}: the hub document (${where}) publishes ${url} without TLS; set hub.tls.mode letsencrypt or manual`);
            }
        }
        return v;
    },
};

/** The stack's root resource. */
export const STACK_TYPE = "pulumi:pulumi:Stack";

/** The stack-level half of tlsForPublicDomain: the config says so even before any document is known. */
export function tlsConfigViolations(stack: StackContext): string[] {
    const cfg = projectConfig(stack);
    const domain = cfg["hub.domain"];
    const mode = cfg["hub.tls.mode"] ?? "none";
    return domain && mode === "none" ? [`stack config: hub.domain is ${domain} but hub.tls.mode is none`] : [];
}

function isDigestRef(image: string): boolean {
    return /@sha256:[0-9a-f]{64}$/.test(image) || /^sha256:[0-9a-f]{64}$/.test(image);
}

/** Advisory: images are referenced by digest (repo@sha256:… or a local image ID), not by a tag. */
export const imagesByDigest: Rule = {
    name: "images-by-digest",
    description:
        "Images are referenced by digest (repo@sha256:...) or local image ID rather than by a tag, so a deployment runs exactly what was previewed.",
    enforcementLevel: "advisory",
    check(r) {
        const v: string[] = [];
        const check = (where: string, image: unknown) => {
            if (typeof image === "string" && image !== "" && !isDigestRef(image))
                v.push(`${label(r)}: ${where} uses the tag reference ${image}`);
        };
        if (r.type === T.dockerContainer) check("image", r.props.image);
        const spec = podSpecOf(r);
        if (spec) for (const { path, container } of podContainers(spec)) check(`${path}.image`, container.image);
        for (const { where, doc } of hubDocuments(r)) {
            check(`the user image of the hub document (${where})`, at(doc, ["singleuser", "image"]));
            list(at(doc, ["singleuser", "profiles"])).forEach((pr) => {
                if (isObj(pr)) check(`profile '${String(pr.slug)}' of the hub document (${where})`, pr.image);
            });
        }
        return v;
    },
};

export const RULES: readonly Rule[] = [
    secretsAreSecret,
    userDataKept,
    nonRoot,
    userMemoryLimit,
    adminPortsClosed,
    tlsForPublicDomain,
    imagesByDigest,
];
