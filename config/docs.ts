/**
 * Renders the two documents derived from config/schema.ts: the `config:` block of Pulumi.yaml
 * and docs/config-reference.md. `npm run docs:config` writes them; a unit test fails on drift.
 */
import { stringify } from "yaml";
import { CONFIG_KEYS, type KeySpec } from "./schema";

/**
 * Pulumi's own `secret: true` is not used: the engine then rejects an empty default, which would
 * force every stack to set every secret. The loader enforces encryption instead.
 */
export function pulumiYamlConfig(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of CONFIG_KEYS) {
        const entry: Record<string, unknown> = { type: k.type };
        if (k.type === "array") {
            entry.items = { type: "string" };
        }
        entry.description = describe(k);
        entry.default = Array.isArray(k.default) ? [...k.default] : k.default;
        out[k.key] = entry;
    }
    return out;
}

function describe(k: KeySpec): string {
    const parts = [k.description];
    if (k.enum) {
        parts.push(`One of: ${k.enum.join(", ")}.`);
    }
    if (k.secret) {
        parts.push("Secret: set with `pulumi config set --secret`.");
    }
    return parts.join(" ");
}

export const PULUMI_YAML_HEADER = `# Generated config block: edit config/schema.ts and run \`npm run docs:config\`.
name: jupyterhub-platform
description: A complete JupyterHub service (local Docker, an OpenStack Docker VM, or Kubernetes on OpenStack) from per-stack config.
runtime:
  name: nodejs
  options:
    packagemanager: npm
    # Transpile only (tsconfig.pulumi.json: noCheck); \`npm test\` does the type-checking.
    tsconfig: tsconfig.pulumi.json
`;

export function renderPulumiYaml(): string {
    return PULUMI_YAML_HEADER + stringify({ config: pulumiYamlConfig() }, { lineWidth: 0 });
}

function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function defaultText(k: KeySpec): string {
    if (Array.isArray(k.default)) {
        return k.default.length === 0 ? "`[]`" : `\`${JSON.stringify(k.default)}\``;
    }
    return k.default === "" ? "(empty)" : `\`${String(k.default)}\``;
}

/**
 * The brief's deployments as example stacks: which file to copy and which keys make each one
 * (README.md shows them in full).
 */
const DEPLOYMENTS = [
    "## Deployments",
    "",
    "Each deployment of the brief is an example stack in the repository: copy it to `Pulumi.<stack>.yaml`, replace every `CHANGE-ME`, set the secrets with `--secret`. README.md shows them in full.",
    "",
    "| deployment | example stack | topology | the keys that make it |",
    "|---|---|---|---|",
    "| A hub on this machine | `Pulumi.local.yaml` | `local` | `hub.adminUsers`, `singleuser.memory.limit` 2G, `singleuser.cpu.limit` 1, `singleuser.sharedVolumes`, `hub.cull.timeout` 3600 |",
    "| One JupyterLab for one person, token login | `Pulumi.lab.yaml` | `lab` | `lab.port`, `lab.work` (host directory or volume), `lab.memory.limit`, `lab.cpu.limit`, `lab.image` (by tag or digest) |",
    "| One OpenStack VM with Docker: 2 GB / 1 CPU and a 1 GB home quota per user, culling after 60 min, OAuth login, Let's Encrypt, a shared read-only software volume | `Pulumi.dev.yaml` | `docker-vm` | `openstack.*`, `hub.auth.type` github, `hub.tls.mode` letsencrypt, `singleuser.home.quota` 1G, `singleuser.sharedVolumes` with `image=` |",
    "| Kubernetes on OpenStack VMs: Calico, GlusterFS `claim-<user>` of 500Mi, 128M, 0.5 CPU, culling after 300 s, CAS, a course repository | `Pulumi.prod.yaml` | `kubernetes` | `kubernetes.*`, `hub.auth.type` cas (+ `hub.auth.caBundle` for a private CA), `singleuser.home.size` 500Mi, `singleuser.gitRepository`, `kubernetes.userPlaceholders` |",
    "| Dask beside the hub | `Pulumi.local-dask.yaml` | `local` | `dask.enabled`, `dask.workers` 2, `dask.worker.memory` 1G, `dask.worker.cpu` 1, `dask.scheduler.memory` (Dask Gateway on `kubernetes`) |",
    "",
    "Image keys (`singleuser.image`, profile `image=`, `images.hub.image`, `lab.image`, shared-volume `image=`) take a tag or a digest: every `pulumi preview` and `up` resolves a tag to its digest (the Docker engine's image, else the registry; on Kubernetes the registry), deploys the digest and lists it in the stack output `resolvedImages`.",
    "",
];

export function renderReference(): string {
    const groups = new Map<string, KeySpec[]>();
    for (const k of CONFIG_KEYS) {
        const group = k.key.includes(".") ? k.key.split(".")[0] : "platform";
        groups.set(group, [...(groups.get(group) ?? []), k]);
    }
    const lines = [
        "# Config reference",
        "",
        "Generated from `config/schema.ts` by `npm run docs:config`; do not edit by hand.",
        "Every key lives in the `jupyterhub-platform` namespace: `pulumi config set <key> <value>`.",
        "Keys marked **secret** must be set with `pulumi config set --secret`; the program refuses them in plaintext.",
        "Sizes accept Kubernetes quantities (`512Mi`, `2Gi`, `2G`) and Docker sizes (`512m`, `2g`); `2GB` is rejected.",
        "",
        ...DEPLOYMENTS,
    ];
    for (const [group, keys] of groups) {
        lines.push(`## ${group}`, "", "| key | type | default | description |", "|---|---|---|---|");
        for (const k of keys) {
            const type = k.type === "array" ? "list of strings" : k.type;
            const allowed = k.enum ? ` One of: ${k.enum.map((v) => `\`${v}\``).join(", ")}.` : "";
            const secret = k.secret ? " **secret**" : "";
            lines.push(`| \`${k.key}\` | ${type}${secret} | ${defaultText(k)} | ${cell(k.description + allowed)} |`);
        }
        lines.push("");
    }
    return lines.join("\n");
}
