/**
 * Configs (from the real parser), render contexts and helpers for the JupyterHub-on-Kubernetes
 * tests. Renderers are called with plain strings, so their objects are plain data.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "../../../../../config/parse";
import type { KubernetesTopologyConfig } from "../../../../../config/types";
import {
    renderContext,
    type HubImages,
    type HubRenderContext,
    type HubRenderOptions,
} from "../../../../../components/kubernetes/jupyterhub/context";
import { hubDocumentJson } from "../../../../../components/kubernetes/jupyterhub/hub/document";
import type { KubernetesObject } from "../../../../../components/kubernetes/jupyterhub/objects";
import { asTopology } from "../../../fixtures/config";

export const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIxhuyPpNG3m+Y9Pmb5p0JHu7NFhYHuDHv9pQdm3nxj8 ops@example.org";

const digest = (repo: string, hex: string) => `registry.example.org/jupyter/${repo}@sha256:${hex.repeat(64)}`;
export const IMAGES: HubImages = {
    hub: digest("hub", "a"),
    singleuser: digest("singleuser", "b"),
    proxy: digest("proxy", "c"),
    renewer: digest("acme-renewer", "e"),
};
export const PROFILE_IMAGE = digest("datascience", "d");

/** Throw-away PEM-shaped values: the config parser only checks the armour. */
export const PEM_CERT = "-----BEGIN CERTIFICATE-----\nTUlJQnVuaXQ=\n-----END CERTIFICATE-----\n";
export const PEM_KEY = "-----BEGIN PRIVATE KEY-----\nTUlJQnVuaXQ=\n-----END PRIVATE KEY-----\n";

/** The prod example's shape: Kubernetes on OpenStack, CAS, Let's Encrypt, 2 placeholders. */
export const PROD: Record<string, string> = {
    topology: "kubernetes",
    "openstack.cloud": "unit-cloud",
    "openstack.externalNetwork": "public",
    "openstack.sshPublicKey": SSH_KEY,
    "openstack.adminCidrs": JSON.stringify(["198.51.100.0/24"]),
    "images.registry.server": "registry.example.org",
    "images.registry.username": "ci",
    "images.registry.password": "registry-password",
    "hub.domain": "jupyter.example.org",
    "hub.tls.mode": "letsencrypt",
    "hub.tls.contactEmail": "ops@example.org",
    "hub.auth.type": "cas",
    "hub.auth.cas.loginUrl": "https://cas.example.org/cas/login",
    "hub.auth.cas.serviceValidateUrl": "https://cas.example.org/cas/p3/serviceValidate",
    "singleuser.memory.guarantee": "128M",
    "singleuser.memory.limit": "128M",
    "singleuser.cpu.limit": "0.5",
    "singleuser.home.size": "500Mi",
    "singleuser.home.quota": "500Mi",
    "kubernetes.userPlaceholders": "2",
};

const SECRET_KEYS = [
    "images.registry.password",
    "hub.tls.certificate",
    "hub.tls.key",
    "hub.auth.oauth.clientSecret",
    "hub.db.url",
    "hub.auth.dummyPassword",
    "hub.auth.ldap.searchPassword",
    "backup.password",
    "backup.s3.secretAccessKey",
];

export function config(extra: Record<string, string> = {}): KubernetesTopologyConfig {
    const values = { ...PROD, ...extra };
    // An empty override removes a key (e.g. CAS settings when switching authenticator).
    for (const [k, v] of Object.entries(extra)) {
        if (v === "") {
            delete values[k];
        }
    }
    const result = parseConfig(
        { values, secretKeys: new Set(SECRET_KEYS.filter((k) => k in values)) },
        { project: "jupyterhub-platform", stack: "unit", makeSecret: (_k, v) => pulumi.secret(v), projectDir: "/work/project", env: {} },
    );
    if (!result.ok) {
        throw new Error(`fixture config invalid:\n${result.problems.join("\n")}`);
    }
    return asTopology(result.config, "kubernetes");
}

/** Switch the authenticator: drops the CAS keys of the base config. */
export const NO_CAS = { "hub.auth.cas.loginUrl": "", "hub.auth.cas.serviceValidateUrl": "" };

export const ADDONS_OFF = {
    "kubernetes.userPlaceholders": "0",
    "kubernetes.imagePuller": "false",
    "kubernetes.userScheduler": "false",
    "kubernetes.networkPolicies": "false",
};

export function ctx(
    extra: Record<string, string> = {},
    options: HubRenderOptions & { images?: Partial<HubImages> } = {},
): HubRenderContext {
    return renderContext(config(extra), { ...options, images: { ...IMAGES, ...options.images } });
}

/** The config document as the component renders it. */
export function hubDocument(c: HubRenderContext): Record<string, unknown> {
    return JSON.parse(hubDocumentJson(c, IMAGES.singleuser as string)) as Record<string, unknown>;
}

/** Plain JSON view of a rendered object (tests index into it freely). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
export function json(obj: unknown): Json {
    return JSON.parse(JSON.stringify(obj));
}

export function find(objects: readonly KubernetesObject[], kind: string, name: string): Json {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) {
        throw new Error(`no ${kind}/${name}; have ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
    }
    return json(found);
}

export function kinds(objects: readonly KubernetesObject[]): string[] {
    return objects.map((o) => `${o.kind}/${o.metadata.name}`);
}
