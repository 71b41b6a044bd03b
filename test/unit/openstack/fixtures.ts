/**
 * Configs and mocks for the OpenStack and Kubernetes tests. Configs come from the real parser;
 * the mocks extend the shared harness with what these components read back: port addresses,
 * floating IPs, real key material for the PKI (so the CA hash is computed for real) and bootstrap
 * token parts in kubeadm's alphabet.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "../../../config/parse";
import type { DockerVmConfig, KubernetesOnOpenStackConfig, PlatformConfig } from "../../../config/types";
import { asTopology } from "../hub/fixtures";
import { RecordingMocks, type InvokeHandler } from "../harness";

export const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIxhuyPpNG3m+Y9Pmb5p0JHu7NFhYHuDHv9pQdm3nxj8 ops@example.org";

const OPENSTACK: Record<string, string> = {
    "openstack.cloud": "unit-cloud",
    "openstack.externalNetwork": "public",
    "openstack.sshPublicKey": SSH_KEY,
    "openstack.adminCidrs": JSON.stringify(["198.51.100.0/24"]),
    "openstack.dnsServers": JSON.stringify(["192.0.2.53"]),
};

export function config(values: Record<string, string> = {}, opts: { stack?: string } = {}): PlatformConfig {
    const result = parseConfig(
        {
            values,
            secretKeys: new Set(
                Object.keys(values).filter((k) => k.endsWith("certificate") || k.endsWith(".key") || k.endsWith("password")),
            ),
        },
        {
            project: "jupyterhub-platform",
            stack: opts.stack ?? "unit",
            makeSecret: (_k, v) => pulumi.secret(v),
            projectDir: "/work/project",
            env: {},
        },
    );
    if (!result.ok) {
        throw new Error(`fixture config invalid:\n${result.problems.join("\n")}`);
    }
    return result.config;
}

/** The `dev` stack: docker-vm with Let's Encrypt. */
export function devConfig(extra: Record<string, string> = {}): DockerVmConfig {
    const c = config(
        {
            topology: "docker-vm",
            ...OPENSTACK,
            "hub.domain": "hub.example.org",
            "hub.bindAddress": "0.0.0.0",
            "hub.tls.mode": "letsencrypt",
            "hub.tls.contactEmail": "ops@example.org",
            ...extra,
        },
        { stack: "dev" },
    );
    return asTopology(c, "docker-vm");
}

/** The `prod` stack: kubernetes. */
export function prodConfig(extra: Record<string, string> = {}): KubernetesOnOpenStackConfig {
    const c = config(
        {
            topology: "kubernetes",
            ...OPENSTACK,
            "hub.domain": "hub.example.org",
            "images.registry.server": "registry.example.org",
            "images.registry.username": "ci",
            "images.registry.password": "registry-password",
            ...extra,
        },
        { stack: "prod" },
    );
    const k = asTopology(c, "kubernetes");
    if (k.cluster !== "openstack") {
        throw new Error("fixture: prodConfig builds the cluster on OpenStack");
    }
    return k;
}

/**
 * One RSA key pair shared by every mocked tls.PrivateKey: a committed test-only key, so rendered
 * artifacts that embed it (control-plane user-data) are the same on every run and golden files
 * can hold them.
 */
const KEYS = (() => {
    const privateKey = crypto.createPrivateKey(fs.readFileSync(path.join(__dirname, "..", "fixtures", "test-rsa-key.pem")));
    return { privateKey, publicKey: crypto.createPublicKey(privateKey) };
})();
export const MOCK_PUBLIC_KEY_PEM = KEYS.publicKey.export({ type: "spki", format: "pem" }).toString();
const MOCK_PRIVATE_KEY_PEM = KEYS.privateKey.export({ type: "pkcs1", format: "pem" }).toString();

function tokenChars(length: number, name: string): string {
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    const seed = crypto.createHash("sha256").update(name).digest();
    return Array.from({ length }, (_, i) => alphabet[seed[i % seed.length] % alphabet.length]).join("");
}

export class PlatformMocks extends RecordingMocks {
    private ports = 0;
    /** Provider reference of each resource (explicit providers only). */
    readonly providers = new Map<string, string | undefined>();

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const base = super.newResource(args);
        this.providers.set(args.name, args.provider);
        const extra: Record<string, unknown> = {};
        switch (args.type) {
            case "openstack:networking/port:Port":
                this.ports++;
                extra.allFixedIps = [`10.20.0.${10 + this.ports}`];
                break;
            case "openstack:networking/floatingIp:FloatingIp":
                extra.address = `203.0.113.${10 + this.resources.filter((r) => r.type === args.type).length}`;
                break;
            case "tls:index/privateKey:PrivateKey":
                extra.privateKeyPem = MOCK_PRIVATE_KEY_PEM;
                extra.publicKeyPem = MOCK_PUBLIC_KEY_PEM;
                break;
            case "tls:index/selfSignedCert:SelfSignedCert":
            case "tls:index/locallySignedCert:LocallySignedCert":
                extra.certPem = `-----BEGIN CERTIFICATE-----\nmock-${args.name}\n-----END CERTIFICATE-----\n`;
                break;
            case "tls:index/certRequest:CertRequest":
                extra.certRequestPem = `mock-csr-${args.name}`;
                break;
            case "random:index/randomPassword:RandomPassword":
                if (args.inputs.upper === false && args.inputs.special === false) {
                    extra.result = tokenChars(Number(args.inputs.length), args.name);
                }
                break;
            case "openstack:compute/keypair:Keypair":
                extra.name = args.inputs.name;
                break;
        }
        return { id: base.id, state: { ...base.state, ...extra } };
    }
}

export const INVOKES: Record<string, InvokeHandler> = {
    "openstack:networking/getNetwork:getNetwork": (inputs) => ({ id: `net-${String(inputs.name)}`, name: inputs.name }),
    "openstack:images/getImage:getImage": (inputs) => ({ id: `image-${String(inputs.name).replace(/\s+/g, "-")}`, name: inputs.name }),
};

export async function setupMocks(): Promise<PlatformMocks> {
    const mocks = new PlatformMocks(INVOKES);
    await pulumi.runtime.setMocks(mocks, "jupyterhub-platform", "unit", false);
    return mocks;
}

export interface RecordedOptions {
    protect?: boolean;
    retainOnDelete?: boolean;
    deleteBeforeReplace?: boolean;
}

/** A transformation (inherited by children) that records each resource's options. */
export function optionsRecorder(): { seen: Map<string, RecordedOptions>; transformation: pulumi.ResourceTransformation } {
    const seen = new Map<string, RecordedOptions>();
    return {
        seen,
        transformation: (a) => {
            seen.set(a.name, {
                protect: a.opts.protect,
                retainOnDelete: a.opts.retainOnDelete,
                deleteBeforeReplace: (a.opts as pulumi.CustomResourceOptions).deleteBeforeReplace,
            });
            return undefined;
        },
    };
}

/** Unwrap a mocked input that may arrive as a secret envelope. */
export function plain<T>(v: unknown): T {
    const sig = "4dabf18193072939515e22adb298388d";
    if (v && typeof v === "object" && (v as Record<string, unknown>)[sig] !== undefined) {
        return (v as { value: T }).value;
    }
    return v as T;
}

export function isSecretInput(v: unknown): boolean {
    return !!v && typeof v === "object" && (v as Record<string, unknown>)["4dabf18193072939515e22adb298388d"] !== undefined;
}
