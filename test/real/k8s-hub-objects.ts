/**
 * Dumps every Kubernetes object the JupyterHub-on-Kubernetes renderers produce, one YAML file per
 * object, for sample configs: `prod` (Pulumi.prod.yaml as shipped), `options` (manual TLS,
 * external database, GitHub OAuth, profiles with their own images, node selectors, no user
 * scheduler) and `minimal` (every add-on off, plain HTTP, dummy login). The real-checks tier
 * submits them to a real kube-apiserver.
 *
 *   ts-node test/real/k8s-hub-objects.ts OUTDIR [--openapi SWAGGER_JSON] [--dry-run-server]
 *
 * OUTDIR/<variant>/00-namespace.yaml is the namespace (a server-side dry run needs it to exist);
 * the other files are the objects in apply order. Secret values are placeholders.
 *
 * --openapi: validate every object offline against the Kubernetes OpenAPI (swagger 2.0) document,
 *   strictly (unknown fields are errors, like `kubectl --validate=strict`). Default: the document
 *   of the config's Kubernetes release in the Go module cache (k8s.io/kubernetes@v<version>).
 * --dry-run-server: with $KUBECONFIG, create each namespace and `kubectl apply --dry-run=server`
 *   every object (admission, defaulting and validation of the real API server).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { parseConfig } from "../../config/parse";
import type { KubernetesTopologyConfig } from "../../config/types";
import type { HubSecretValues } from "../../components/hub/secrets";
import { renderContext } from "../../components/kubernetes/jupyterhub/context";
import { checksum, hubDocumentJson } from "../../components/kubernetes/jupyterhub/hub/document";
import { HUB_SECRET_KEYS, neededHubSecrets } from "../../components/kubernetes/jupyterhub/hub/secret";
import { dockerConfigJson } from "../../components/kubernetes/jupyterhub/imagePullSecret";
import { resourceNames } from "../../components/kubernetes/jupyterhub/names";
import type { KubernetesObject } from "../../components/kubernetes/jupyterhub/objects";
import { renderHubObjects } from "../../components/kubernetes/jupyterhub/renderHub";

const ROOT = path.resolve(__dirname, "../..");
const DIGEST = (repo: string, n: number) => `registry.example.org/jupyter/${repo}@sha256:${String(n).repeat(64).slice(0, 64)}`;
const IMAGES = {
    hub: DIGEST("hub", 1),
    singleuser: DIGEST("singleuser", 2),
    proxy: DIGEST("proxy", 3),
    renewer: DIGEST("acme-renewer", 5),
};
const PLACEHOLDER = "placeholder-not-a-secret";
const PEM = (type: string) => `-----BEGIN ${type}-----\n${Buffer.from(PLACEHOLDER).toString("base64")}\n-----END ${type}-----\n`;

/**
 * A throw-away self-signed pair for the kubernetes.io/tls Secrets (the API server warns about a
 * certificate that does not parse). openssl when present; placeholders otherwise.
 */
function throwAwayCertificate(): { certificate: string; key: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-hub-objects-"));
    const run = spawnSync(
        "openssl",
        [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=jupyter.example.org",
            "-keyout",
            path.join(dir, "key.pem"),
            "-out",
            path.join(dir, "cert.pem"),
        ],
        { encoding: "utf8" },
    );
    try {
        if (run.status === 0) {
            return {
                certificate: fs.readFileSync(path.join(dir, "cert.pem"), "utf8"),
                key: fs.readFileSync(path.join(dir, "key.pem"), "utf8"),
            };
        }
        console.log("openssl not usable; the TLS Secrets carry placeholder PEM (the API server will warn)");
        return { certificate: PEM("CERTIFICATE"), key: PEM("PRIVATE KEY") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
const TLS_PAIR = throwAwayCertificate();

// ── sample configs ──────────────────────────────────────────────────────────────────────────

function prodValues(): Record<string, string> {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> };
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc.config)) {
        values[key.replace(/^jupyterhub-platform:/, "")] = Array.isArray(value) ? JSON.stringify(value) : String(value);
    }
    return values;
}

const VARIANTS: Record<string, { values: Record<string, string>; secretKeys: string[] }> = {
    prod: { values: prodValues(), secretKeys: ["images.registry.password"] },
    options: {
        values: {
            ...prodValues(),
            "hub.tls.mode": "manual",
            "hub.tls.certificate": TLS_PAIR.certificate,
            "hub.tls.key": TLS_PAIR.key,
            "hub.auth.type": "github",
            "hub.auth.oauth.clientId": "platform-client",
            "hub.auth.oauth.clientSecret": PLACEHOLDER,
            "hub.db.type": "external",
            "hub.db.url": `postgresql://hub:${PLACEHOLDER}@db.example.org/jupyterhub`,
            "singleuser.memory.guarantee": "",
            "singleuser.cpu.guarantee": "250m",
            "singleuser.profiles": JSON.stringify([
                `slug=default;name=Default;default=true`,
                `slug=big;name=Big;memory=4Gi;cpu=2;image=${DIGEST("datascience", 4)}`,
            ]),
            "kubernetes.namespace": "hub-options",
            "kubernetes.userScheduler": "false",
            "kubernetes.userPlaceholders": "5",
            "kubernetes.coreNodeSelector": JSON.stringify(["hub.jupyter.org/node-purpose=core"]),
            "kubernetes.userNodeSelector": JSON.stringify(["hub.jupyter.org/node-purpose=user"]),
        },
        secretKeys: ["images.registry.password", "hub.tls.certificate", "hub.tls.key", "hub.auth.oauth.clientSecret", "hub.db.url"],
    },
    minimal: {
        values: {
            ...prodValues(),
            "hub.tls.mode": "none",
            "hub.auth.type": "dummy",
            "kubernetes.namespace": "hub-minimal",
            "kubernetes.userPlaceholders": "0",
            "kubernetes.imagePuller": "false",
            "kubernetes.userScheduler": "false",
            "kubernetes.networkPolicies": "false",
        },
        secretKeys: ["images.registry.password"],
    },
};

function parse(values: Record<string, string>, secretKeys: string[]): KubernetesTopologyConfig {
    const result = parseConfig(
        { values, secretKeys: new Set(secretKeys) },
        { project: "jupyterhub-platform", stack: "real", makeSecret: (_k, v) => pulumi.secret(v), projectDir: ROOT, env: {} },
    );
    if (!result.ok) {
        throw new Error(`sample config does not parse:\n  ${result.problems.join("\n  ")}`);
    }
    if (result.config.topology !== "kubernetes") {
        throw new Error(`sample config is topology ${result.config.topology}, not kubernetes`);
    }
    return result.config;
}

// ── rendering ───────────────────────────────────────────────────────────────────────────────

function render(config: KubernetesTopologyConfig): KubernetesObject[] {
    const ctx = renderContext(config, {
        images: IMAGES,
        storageClassName: "gluster-homes",
        hubDbVolumeName: resourceNames(config.kubernetes.namespace).hubDbPv,
        // A documentation address (TEST-NET-1) standing in for the entry node's fixed IP.
        publicAddresses: ["192.0.2.10"],
    });
    const json = hubDocumentJson(ctx, IMAGES.singleuser);
    const secrets = Object.fromEntries(
        neededHubSecrets(ctx).map((s) => [s, `${PLACEHOLDER}-${HUB_SECRET_KEYS[s]}`]),
    ) as unknown as HubSecretValues<string>;
    const tls = config.hub.tls.mode === "none" ? undefined : TLS_PAIR;
    const registry = config.images.registry;
    // images.registry is set in every sample: the image pull Secret needs its (placeholder) login.
    const registryDockerConfig = registry ? dockerConfigJson(registry.server, registry.username, PLACEHOLDER) : undefined;
    return renderHubObjects(ctx, { documentJson: json, documentChecksum: checksum(json), secrets, tls, registryDockerConfig });
}

/** Objects as plain data; fails on anything that is not (an Output would be a rendering bug here). */
function plain(value: unknown, where: string): unknown {
    if (pulumi.Output.isInstance(value)) {
        throw new Error(`${where} is a pulumi Output; the dump needs plain values`);
    }
    if (Array.isArray(value)) {
        return value.map((v, i) => plain(v, `${where}[${i}]`));
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, plain(v, `${where}.${k}`)]),
        );
    }
    return value;
}

function namespaceObject(name: string) {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name,
            labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" },
        },
    };
}

function dump(outDir: string): { dir: string; namespace: string; files: string[]; objects: unknown[]; version: string }[] {
    const result = [];
    for (const [variant, { values, secretKeys }] of Object.entries(VARIANTS)) {
        const config = parse(values, secretKeys);
        const dir = path.join(outDir, variant);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true });
        const namespace = config.kubernetes.namespace;
        // `restricted`: stricter than the cluster's baseline, so a pass here is a pass there.
        fs.writeFileSync(path.join(dir, "00-namespace.yaml"), YAML.stringify(namespaceObject(namespace)));
        const objects = render(config).map((o) => plain(o, `${o.kind}/${o.metadata.name}`));
        const files = objects.map((o, i) => {
            const { kind, metadata } = o as { kind: string; metadata: { name: string } };
            const file = path.join(dir, `${String(i + 1).padStart(2, "0")}-${kind.toLowerCase()}-${metadata.name}.yaml`);
            fs.writeFileSync(file, YAML.stringify(o, { lineWidth: 0 }));
            return file;
        });
        console.log(`${variant}: ${files.length} objects in ${dir}`);
        result.push({ dir, namespace, files, objects, version: config.kubernetes.version });
    }
    return result;
}

// ── offline OpenAPI validation ──────────────────────────────────────────────────────────────

const GVK_EXTENSION = "x-kubernetes-group-version-kind";

function defaultSwagger(version: string): string | undefined {
    const modCache = process.env.GOMODCACHE ?? path.join(os.homedir(), "go", "pkg", "mod");
    const file = path.join(modCache, "k8s.io", `kubernetes@v${version}`, "api", "openapi-spec", "swagger.json");
    return fs.existsSync(file) ? file : undefined;
}

/**
 * The swagger document as a JSON schema Ajv can use: strict objects (no unknown fields), and
 * IntOrString / Quantity accepting what the API server accepts.
 */
function strictSchema(swagger: { definitions: Record<string, Record<string, unknown>> }) {
    const defs = JSON.parse(JSON.stringify(swagger.definitions)) as Record<string, Record<string, unknown>>;
    for (const def of Object.values(defs)) {
        const visit = (schema: Record<string, unknown>) => {
            if (schema.properties && schema.additionalProperties === undefined) {
                schema.additionalProperties = false;
            }
            for (const value of Object.values(schema)) {
                if (value && typeof value === "object") {
                    visit(value as Record<string, unknown>);
                }
            }
        };
        visit(def);
    }
    defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = { type: ["string", "integer"] };
    defs["io.k8s.apimachinery.pkg.api.resource.Quantity"] = { type: ["string", "number"] };
    return defs;
}

/** An object the validator must reject, so a validator that accepts everything cannot pass. */
const KNOWN_BAD = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "known-bad" },
    spec: { selector: {}, template: { spec: { containers: [{ name: "c", imagee: "typo", ports: [{ containerPort: "eighty" }] }] } } },
};

function validateOffline(swaggerFile: string, objects: unknown[]): string[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv = require("ajv") as new (opts: object) => {
        compile(s: object): ((d: unknown) => boolean) & { errors?: { dataPath?: string; instancePath?: string; message?: string }[] };
    };
    const swagger = JSON.parse(fs.readFileSync(swaggerFile, "utf8"));
    const definitions = strictSchema(swagger);
    const byKind = new Map<string, string>();
    for (const [name, def] of Object.entries(definitions)) {
        for (const gvk of (def[GVK_EXTENSION] as { group: string; version: string; kind: string }[] | undefined) ?? []) {
            byKind.set(`${gvk.group ? `${gvk.group}/` : ""}${gvk.version}/${gvk.kind}`, name);
        }
    }
    const ajv = new Ajv({ allErrors: true, unknownFormats: "ignore", schemaId: "auto", logger: false });
    const validators = new Map<string, ReturnType<typeof ajv.compile>>();
    const problems: string[] = [];
    for (const o of [KNOWN_BAD, ...objects]) {
        const { apiVersion, kind, metadata } = o as { apiVersion: string; kind: string; metadata: { name: string } };
        const def = byKind.get(`${apiVersion}/${kind}`);
        if (!def) {
            problems.push(`${kind}/${metadata.name}: no schema for ${apiVersion} ${kind}`);
            continue;
        }
        const validate = validators.get(def) ?? ajv.compile({ definitions, $ref: `#/definitions/${def}` });
        validators.set(def, validate);
        if (o === KNOWN_BAD) {
            const errors = validate(o) ? [] : (validate.errors ?? []).map((e) => e.message ?? "");
            if (!errors.some((m) => m.includes("additional properties")) || !errors.some((m) => m.includes("integer"))) {
                problems.push(`the validator accepted a Deployment with an unknown field and a string port (${errors.join("; ")})`);
            }
        } else if (!validate(o)) {
            for (const e of validate.errors ?? []) {
                problems.push(`${kind}/${metadata.name}${e.dataPath ?? e.instancePath ?? ""}: ${e.message}`);
            }
        }
    }
    return problems;
}

// ── real API server ─────────────────────────────────────────────────────────────────────────

function dryRunServer(dir: string, namespace: string): string[] {
    const kubectl = (...args: string[]) => spawnSync("kubectl", args, { encoding: "utf8" });
    const ns = kubectl("apply", "-f", path.join(dir, "00-namespace.yaml"));
    if (ns.status !== 0) {
        return [`namespace ${namespace}: ${ns.stderr}`];
    }
    const problems: string[] = [];
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".yaml") && f !== "00-namespace.yaml")) {
        const run = kubectl("apply", "--dry-run=server", "--validate=strict", "-n", namespace, "-f", path.join(dir, file));
        console.log(`  ${run.stdout.trim()}`);
        // Warnings count: the namespace enforces the restricted Pod Security level, and for
        // workloads the API server only warns about pod templates that would be rejected.
        if (run.status !== 0 || run.stderr.trim() !== "") {
            problems.push(`${file}: ${run.stderr.trim() || `kubectl exited ${run.status}`}`);
        }
    }
    return problems;
}

function main(): void {
    const args = process.argv.slice(2);
    const outDir = args.find((a) => !a.startsWith("--") && args[args.indexOf(a) - 1] !== "--openapi");
    if (!outDir) {
        console.error("usage: k8s-hub-objects.ts OUTDIR [--openapi SWAGGER_JSON] [--dry-run-server]");
        process.exit(2);
    }
    const variants = dump(outDir);
    let failed = false;
    const swaggerArg = args.includes("--openapi") ? args[args.indexOf("--openapi") + 1] : undefined;
    for (const v of variants) {
        const swagger = swaggerArg ?? defaultSwagger(v.version);
        if (swagger) {
            const problems = validateOffline(swagger, v.objects);
            console.log(
                `${path.basename(v.dir)}: OpenAPI ${path.relative(os.homedir(), swagger)}: ${problems.length === 0 ? `all ${v.objects.length} objects valid` : "INVALID"}`,
            );
            problems.forEach((p) => console.log(`  ${p}`));
            failed ||= problems.length > 0;
        } else {
            console.log(
                `${path.basename(v.dir)}: no OpenAPI document for Kubernetes ${v.version} (pass --openapi); offline validation skipped`,
            );
        }
        if (args.includes("--dry-run-server")) {
            const problems = dryRunServer(v.dir, v.namespace);
            console.log(
                `${path.basename(v.dir)}: kube-apiserver dry run: ${problems.length === 0 ? `all ${v.files.length} objects accepted` : "REJECTED"}`,
            );
            problems.forEach((p) => console.log(`  ${p}`));
            failed ||= problems.length > 0;
        }
    }
    process.exit(failed ? 1 : 0);
}

main();
