/**
 * The test stacks of the OpenStack end-to-end test and its benchmark, all with deploy.stage
 * infrastructure (the local OpenStack's instances never boot, so nothing may wait for them or
 * connect to them), sized to the local cloud: the smallest flavor, 10-12 GB volumes (sparse files).
 */
import * as crypto from "crypto";
import { CLOUD, EXTERNAL_NETWORK, FLAVORS, IMAGE, type StackSpec } from "./lib";

/** A fresh ed25519 public key in OpenSSH form; the private half is dropped (nothing connects). */
export function throwAwaySshKey(): string {
    const { publicKey } = crypto.generateKeyPairSync("ed25519");
    const raw = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url");
    const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
    return `ssh-ed25519 ${Buffer.concat([field(Buffer.from("ssh-ed25519")), field(raw)]).toString("base64")} e2e-openstack@jupyterhub-platform`;
}

/** Admin CIDRs of the test stacks: private ranges nothing here routes (no traffic goes anywhere). */
export const ADMIN_CIDRS = ["10.250.0.0/16", "172.31.255.0/24"];

function openstack(sshPublicKey: string): Record<string, string> {
    return {
        "deploy.stage": "infrastructure",
        "openstack.cloud": CLOUD,
        "openstack.externalNetwork": EXTERNAL_NETWORK,
        "openstack.image": IMAGE,
        "openstack.sshPublicKey": sshPublicKey,
        "openstack.adminCidrs": JSON.stringify(ADMIN_CIDRS),
        "openstack.volumes.bootGb": "10",
    };
}

/** `dev`-shaped: docker-vm with Let's Encrypt, like Pulumi.dev.yaml. */
export function devStack(name: string, sshPublicKey = throwAwaySshKey()): StackSpec {
    return {
        name,
        config: {
            topology: "docker-vm",
            ...openstack(sshPublicKey),
            "hub.domain": "hub-e2e.example.org",
            "hub.tls.mode": "letsencrypt",
            "hub.tls.contactEmail": "ops@example.org",
            "openstack.flavors.docker": FLAVORS[0],
            "openstack.volumes.dockerGb": "11",
            "openstack.volumes.homeGb": "12",
            "singleuser.home.quota": "1G",
        },
        secrets: {},
    };
}

/** `prod`-shaped: kubeadm on OpenStack, 1 control plane, 2 workers, 3 storage nodes. */
export function prodStack(name: string, sshPublicKey = throwAwaySshKey()): StackSpec {
    return {
        name,
        config: {
            topology: "kubernetes",
            "kubernetes.cluster": "openstack",
            ...openstack(sshPublicKey),
            "hub.domain": "jupyter-e2e.example.org",
            "images.registry.server": "registry.example.org",
            "images.registry.username": "e2e",
            "openstack.flavors.controlPlane": FLAVORS[0],
            "openstack.flavors.worker": FLAVORS[0],
            "openstack.flavors.storage": FLAVORS[0],
            "openstack.volumes.brickGb": "11",
            "openstack.nodes.controlPlane": "1",
            "openstack.nodes.workers": "2",
            "openstack.nodes.storage": "3",
            "kubernetes.calico.mode": "vxlan",
        },
        // Validation wants a registry for the hub's images even though this stage builds none.
        secrets: { "images.registry.password": `e2e-${crypto.randomBytes(12).toString("hex")}` },
    };
}

/**
 * The committed examples, previewed against the local OpenStack: what is overridden on the copy
 * (the cloud entry and the image; the examples' flavors and external network exist there), text
 * replaced in the copied stack file (`edits`), and
 * the secrets set encrypted (their placeholders are plaintext, which the program refuses).
 */
export const EXAMPLES = {
    dev: {
        overrides: { "openstack.cloud": CLOUD, "openstack.image": IMAGE },
        // The example's software image is a placeholder tag (change-me) no registry holds, which
        // preview refuses to resolve; a digest is taken as given.
        edits: [["software:2025.1", `software@sha256:${"0".repeat(64)}`]],
        secrets: { "hub.auth.oauth.clientSecret": `e2e-${crypto.randomBytes(12).toString("hex")}` },
    },
    prod: {
        overrides: { "openstack.cloud": CLOUD, "openstack.image": IMAGE },
        edits: [],
        secrets: { "images.registry.password": `e2e-${crypto.randomBytes(12).toString("hex")}` },
    },
} as const;

/**
 * What `pulumi preview` of each example plans, by kind (docs/openstack.md, "Resources per stack",
 * states the same numbers): `component` = the program's ComponentResources, `provider` = explicit
 * providers, `dynamic` = dynamic resources (readiness waits, the user-server janitor).
 */
export const EXAMPLE_PLAN: Record<keyof typeof EXAMPLES, Record<string, number>> = {
    dev: { stack: 1, provider: 2, component: 9, openstack: 18, docker: 8, random: 3, dynamic: 5 },
    prod: { stack: 1, provider: 3, component: 19, openstack: 57, kubernetes: 41, tls: 12, random: 6, docker: 8, dynamic: 1 },
};

/** The kind of a planned resource, from its type token. */
export function kindOf(type: string): string {
    if (type === "pulumi:pulumi:Stack") return "stack";
    if (type.startsWith("pulumi:providers:")) return "provider";
    if (type.startsWith("jupyterhub-platform:")) return "component";
    if (type.startsWith("pulumi-nodejs:")) return "dynamic";
    return type.split(":")[0];
}
