/**
 * Pure parsing and validation of a stack's raw config into a frozen PlatformConfig. Every problem
 * is collected, so one run tells the operator about all of them.
 */
import { ConfigReader, type RawConfig } from "./reader";
import { CONFIG_KEYS, KEY_INDEX } from "./schema";
import { nearestKey } from "./suggest";
import { capacityWarnings } from "./capacity";
import { readBackup } from "./sections/backup";
import { readCapacity } from "./sections/capacity";
import { readHub } from "./sections/hub";
import { readImages } from "./sections/images";
import { readDask } from "./sections/dask";
import { readDockerVmHost } from "./sections/dockerVm";
import { readLab } from "./sections/lab";
import { readClusterSource, readKubernetes } from "./sections/kubernetes";
import { readOpenStack } from "./sections/openstack";
import { readSingleuser } from "./sections/singleuser";
import type { DeployStage, HubConfig, KubernetesConfig, LabConfig, PlatformConfig, Secret, Topology } from "./types";

export interface ParseOptions {
    project: string;
    stack: string;
    /** Wraps a secret value; the Pulumi loader uses `Config.requireSecret`. */
    makeSecret: (key: string, value: string) => Secret;
    /** Folder that relative paths (hub.logo) are resolved against. */
    projectDir: string;
    /** Process environment, for credentials the providers read themselves (OS_CLOUD, ...). */
    env?: Readonly<Record<string, string | undefined>>;
    /** Memory of the machine running the program: the node of topology `local` for capacity checks. */
    hostMemoryBytes?: number;
}

/** `warnings`: nothing wrong enough to stop for, but the operator should know (capacity planning). */
export type ParseResult = { ok: true; config: PlatformConfig; warnings: string[] } | { ok: false; problems: string[] };

export function parseConfig(raw: RawConfig, opts: ParseOptions): ParseResult {
    const r = new ConfigReader(raw, opts.project, opts.makeSecret);
    reportMisplacedKeys(r, raw, opts.project);
    reportUnknownKeys(r, raw);
    r.reportPlaintextSecrets(CONFIG_KEYS.filter((k) => k.secret).map((k) => k.key));

    const before = r.problems.length;
    const topology = r.oneOf<Topology>("topology");
    if (r.problems.length > before) {
        // Every other check depends on the topology: report the unknown one alone (with the
        // topology-independent problems above), not follow-on problems of a guessed fallback.
        return { ok: false, problems: r.problems };
    }
    if (topology === "lab") {
        return parseLab(r, raw, opts);
    }
    warnUnusedSection(r, raw, "lab.", topology);
    const cluster = topology === "kubernetes" ? readClusterSource(r) : undefined;
    const hub = readHub(r, topology, opts.projectDir);
    const singleuser = readSingleuser(r, topology);
    const images = readImages(r, topology, singleuser.image !== undefined ? "singleuser.image" : undefined);
    if (images.hub.image !== undefined && hub.logoPath !== undefined) {
        r.need(
            "hub.logo",
            "is baked into the hub image the program builds, and images.hub.image names a prebuilt one; bake the logo into that image, or remove one of the two keys",
        );
    }
    const dask = readDask(r, raw, topology);
    // docker-vm on a VM the operator prepared (dockerVm.host): no OpenStack resources.
    const existingHost = topology === "docker-vm" ? readDockerVmHost(r) : undefined;
    const usesOpenStack = (topology === "docker-vm" && existingHost === undefined) || cluster === "openstack";
    const openstack = usesOpenStack ? readOpenStack(r, topology, opts.env ?? {}) : undefined;
    const kubernetes = cluster ? readKubernetes(r, cluster, openstack?.networkCidr) : undefined;
    if (!usesOpenStack) {
        warnUnusedSection(
            r,
            raw,
            "openstack.",
            cluster === "existing"
                ? "kubernetes with kubernetes.cluster existing"
                : existingHost
                  ? "docker-vm with dockerVm.host"
                  : topology,
        );
    }
    if (topology !== "docker-vm") {
        warnUnusedSection(r, raw, "dockerVm.", topology);
    } else if (existingHost === undefined) {
        warnUnusedSection(r, raw, "dockerVm.", "docker-vm without dockerVm.host (the VM is made on OpenStack)");
    }
    if (topology !== "kubernetes") {
        warnUnusedSection(r, raw, "kubernetes.", topology);
    }
    if (cluster === "existing") {
        // The site's cluster has its own network plugin; Calico is only installed on a cluster built here.
        warnUnusedSection(r, raw, "kubernetes.calico.", "kubernetes with kubernetes.cluster existing");
    }
    const capacity = readCapacity(r, {
        topology,
        ...(cluster === "openstack" && openstack ? { openstackWorkers: openstack.config.nodes.workers } : {}),
        ...(opts.hostMemoryBytes !== undefined ? { hostMemoryBytes: opts.hostMemoryBytes } : {}),
    });
    const backup = readBackup(r, topology, openstack?.config);
    if (raw.values["backup.enabled"] !== "true") {
        reportUnusedBackupKeys(r, raw);
    }
    const stage = r.oneOf<DeployStage>("deploy.stage");
    // docker-vm on an existing host: `infrastructure` only renders the user-data (stack output userData).
    if (stage !== "all" && !usesOpenStack && existingHost === undefined) {
        r.bad(
            "deploy.stage",
            stage,
            "all",
            `topology ${cluster === "existing" ? "kubernetes on an existing cluster" : topology} has no infrastructure of its own to deploy first`,
        );
    }
    if (kubernetes) {
        hub.publicUrl = kubernetesPublicUrl(hub, kubernetes.config.proxy);
    }

    if (r.problems.length > 0) {
        return { ok: false, problems: r.problems };
    }
    const common = {
        project: opts.project,
        stack: opts.stack,
        retainOnDestroy: r.bool("data.retainOnDestroy"),
        hub,
        singleuser,
        images,
        ...(backup ? { backup } : {}),
        dask,
    };
    let config: PlatformConfig;
    if (topology === "local") {
        config = { ...common, topology };
    } else if (topology === "docker-vm" && existingHost) {
        config = { ...common, topology, vm: "existing", existingHost, stage };
    } else if (topology === "docker-vm" && openstack) {
        config = { ...common, topology, vm: "openstack", openstack: openstack.config, stage };
    } else if (topology === "kubernetes" && kubernetes?.cluster === "openstack" && openstack) {
        config = { ...common, topology, cluster: "openstack", openstack: openstack.config, kubernetes: kubernetes.config, stage };
    } else if (topology === "kubernetes" && kubernetes?.cluster === "existing" && kubernetes.kubeconfig) {
        config = {
            ...common,
            topology,
            cluster: "existing",
            kubeconfig: kubernetes.kubeconfig,
            kubernetes: kubernetes.config,
            ...(kubernetes.gluster ? { gluster: kubernetes.gluster } : {}),
        };
    } else {
        // Unreachable: every problem, including a missing section, was reported above.
        throw new Error(`parseConfig: topology ${topology} without its sections and without a reported problem`);
    }
    const warnings = capacityWarnings({
        topology,
        ...capacity,
        placeholders: kubernetes?.config.userPlaceholders ?? 0,
        ...(singleuser.memGuaranteeBytes !== undefined ? { guaranteeBytes: singleuser.memGuaranteeBytes } : {}),
        activeServerLimit: hub.activeServerLimit,
    });
    return { ok: true, config: deepFreeze(config), warnings };
}

/**
 * `lab`: no hub, so exactly the lab and images sections; hub, single-user and cloud settings would
 * have no effect and are reported.
 */
function parseLab(r: ConfigReader, raw: RawConfig, opts: ParseOptions): ParseResult {
    const lab = readLab(r);
    const images = readImages(r, "lab", lab.image !== undefined ? "lab.image" : undefined);
    for (const prefix of ["hub.", "singleuser.", "images.hub.", "openstack.", "kubernetes.", "capacity."]) {
        warnUnusedSection(r, raw, prefix, "lab");
    }
    const stage = r.oneOf<DeployStage>("deploy.stage");
    if (stage !== "all") {
        r.bad("deploy.stage", stage, "all", "topology lab has no infrastructure of its own to deploy first");
    }
    if (r.problems.length > 0) {
        return { ok: false, problems: r.problems };
    }
    const config: LabConfig = {
        topology: "lab",
        project: opts.project,
        stack: opts.stack,
        retainOnDestroy: r.bool("data.retainOnDestroy"),
        lab,
        images,
    };
    return { ok: true, config: deepFreeze(config), warnings: [] };
}

/** Keys under a misspelt project namespace: name the key the operator meant. */
function reportMisplacedKeys(r: ConfigReader, raw: RawConfig, project: string): void {
    for (const fullKey of raw.misplacedKeys ?? []) {
        const namespace = fullKey.slice(0, fullKey.indexOf(":"));
        const key = fullKey.slice(namespace.length + 1);
        const meant = KEY_INDEX.has(key)
            ? `${project}:${key}`
            : `${project}:${
                  nearestKey(
                      key,
                      CONFIG_KEYS.map((k) => k.key),
                  ) ?? key
              }`;
        r.foreign(`${fullKey}: unknown config namespace "${namespace}", so the setting would be ignored; did you mean ${meant}?`);
    }
}

function reportUnknownKeys(r: ConfigReader, raw: RawConfig): void {
    const known = CONFIG_KEYS.map((k) => k.key);
    for (const key of Object.keys(raw.values)) {
        if (!KEY_INDEX.has(key)) {
            const near = nearestKey(key, known);
            r.need(key, `unknown key${near ? `; did you mean ${r.fq(near)}?` : ""} (see docs/config-reference.md for every key)`);
        }
    }
}

/**
 * Settings for a section the topology does not use are a mistake worth stopping for: the
 * operator believes they have an effect. Defaults injected by the engine are equal to the
 * schema default and pass.
 */
function warnUnusedSection(r: ConfigReader, raw: RawConfig, prefix: string, topology: string): void {
    for (const [key, value] of Object.entries(raw.values)) {
        const s = KEY_INDEX.get(key);
        if (!s || !key.startsWith(prefix)) {
            continue;
        }
        const def = Array.isArray(s.default) ? JSON.stringify(s.default) : String(s.default);
        if (value !== def && value !== "") {
            r.need(key, `has no effect with topology ${topology}; remove it or change topology`);
        }
    }
}

/** backup.* settings while backup.enabled is false would silently do nothing. */
function reportUnusedBackupKeys(r: ConfigReader, raw: RawConfig): void {
    for (const [key, value] of Object.entries(raw.values)) {
        const s = KEY_INDEX.get(key);
        if (!s || !key.startsWith("backup.") || key === "backup.enabled") {
            continue;
        }
        const def = Array.isArray(s.default) ? JSON.stringify(s.default) : String(s.default);
        if (value !== def && value !== "") {
            r.need(key, "has no effect while backup.enabled is false; set backup.enabled true or remove it");
        }
    }
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value) && !isOutput(value)) {
        for (const v of Object.values(value as object)) {
            deepFreeze(v);
        }
        Object.freeze(value);
    }
    return value;
}

function isOutput(value: object): boolean {
    return "apply" in value && typeof (value as { apply: unknown }).apply === "function";
}

/**
 * The URL users type on Kubernetes: https with a domain and TLS; otherwise the domain or the first
 * external IP, on the NodePort when the proxy is published on a fixed one.
 */
function kubernetesPublicUrl(hub: HubConfig, proxy: KubernetesConfig["proxy"]): string {
    if (hub.tls.mode !== "none" && hub.domain) {
        return hub.publicUrl;
    }
    const host = hub.domain ?? proxy.externalIps[0] ?? "127.0.0.1";
    const port = proxy.serviceType === "NodePort" ? proxy.httpNodePort : 80;
    return port === undefined || port === 80 ? `http://${host}` : `http://${host}:${port}`;
}
