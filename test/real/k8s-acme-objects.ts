/**
 * The objects test/real/k8s-acme.e2e.sh applies to the local cluster, from the program's own
 * renderers (renderHubObjects), for two configs of the hub on a test domain:
 *   letsencrypt/   hub.tls.mode letsencrypt against the given ACME server (Pebble)
 *   cert-manager/  hub.tls.mode cert-manager with the given ClusterIssuer
 * Only what the TLS paths need is written (the proxy, its Services and Secrets, the renewer or the
 * Certificate and the reloader, their RBAC and NetworkPolicies): the hub itself is not started.
 * 00-namespace.yaml enforces the `restricted` Pod Security level.
 *
 *   ts-node test/real/k8s-acme-objects.ts OUTDIR
 * Environment: JHP_ACME_DOMAIN, JHP_ACME_SERVER, JHP_ACME_EMAIL, JHP_ACME_ISSUER, JHP_ACME_PUBLIC_IP
 * (proxy-public's external IP), JHP_ACME_BOOTSTRAP_CERT / _KEY (PEM files: letsencrypt's bootstrap
 * pair, which Pulumi makes with @pulumi/tls), JHP_RENEWER_IMAGE, JHP_PROXY_IMAGE, JHP_HUB_IMAGE
 * (the reloader's image: any image with the hub's Python).
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { parseConfig } from "../../config/parse";
import type { HubSecretValues } from "../../components/hub/secrets";
import { renderContext } from "../../components/kubernetes/jupyterhub/context";
import { checksum, hubDocumentJson } from "../../components/kubernetes/jupyterhub/hub/document";
import { HUB_SECRET_KEYS, neededHubSecrets } from "../../components/kubernetes/jupyterhub/hub/secret";
import { dockerConfigJson } from "../../components/kubernetes/jupyterhub/imagePullSecret";
import type { KubernetesObject } from "../../components/kubernetes/jupyterhub/objects";
import { renderHubObjects } from "../../components/kubernetes/jupyterhub/renderHub";

function need(name: string): string {
    const v = process.env[name];
    if (!v) {
        throw new Error(`${name} is required`);
    }
    return v;
}

/** The objects the TLS paths use; everything else the renderers make is left out. */
const WANTED = new Set([
    "Secret/hub-secret",
    "Secret/image-pull-secret",
    "Secret/proxy-tls",
    "Secret/acme-renewer-state",
    "ServiceAccount/acme-renewer",
    "Role/acme-renewer",
    "RoleBinding/acme-renewer",
    "CronJob/acme-renewer",
    "Certificate/proxy-tls",
    "ServiceAccount/proxy-tls-reloader",
    "Role/proxy-tls-reloader",
    "RoleBinding/proxy-tls-reloader",
    "ConfigMap/proxy-tls-reloader-script",
    "Deployment/proxy-tls-reloader",
    "Service/proxy-api",
    "Service/proxy-public",
    "Deployment/proxy",
    "NetworkPolicy/proxy",
    "NetworkPolicy/acme-renewer",
    "NetworkPolicy/proxy-tls-reloader",
]);

function variantValues(mode: "letsencrypt" | "cert-manager"): Record<string, string> {
    const base: Record<string, string> = {
        topology: "kubernetes",
        "kubernetes.cluster": "existing",
        // Rendering only: the parser checks the kubeconfig's shape, nothing connects with it.
        "kubernetes.kubeconfig": [
            "apiVersion: v1",
            "kind: Config",
            "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443'}}]",
            "users: [{name: u, user: {token: placeholder}}]",
            "contexts: [{name: c, context: {cluster: c, user: u}}]",
            "current-context: c",
        ].join("\n"),
        "kubernetes.namespace": mode === "letsencrypt" ? "jhp-acme-le" : "jhp-acme-cm",
        "kubernetes.storage": "storage-class",
        "kubernetes.proxy.serviceType": "ClusterIP",
        "kubernetes.userPlaceholders": "0",
        "kubernetes.imagePuller": "false",
        "kubernetes.userScheduler": "false",
        "kubernetes.networkPolicies": "true",
        "images.registry.server": "registry.example.org",
        "images.registry.username": "robot",
        "images.registry.password": "placeholder-not-a-secret",
        "hub.domain": need("JHP_ACME_DOMAIN"),
        "hub.tls.mode": mode,
    };
    return mode === "letsencrypt"
        ? { ...base, "hub.tls.contactEmail": need("JHP_ACME_EMAIL"), "hub.tls.acmeServer": need("JHP_ACME_SERVER") }
        : { ...base, "hub.tls.certManager.issuer": need("JHP_ACME_ISSUER") };
}

function render(mode: "letsencrypt" | "cert-manager"): { namespace: string; objects: KubernetesObject[] } {
    const parsed = parseConfig(
        { values: variantValues(mode), secretKeys: new Set(["images.registry.password", "kubernetes.kubeconfig"]) },
        {
            project: "jupyterhub-platform",
            stack: "real",
            makeSecret: (_k, v) => pulumi.secret(v),
            projectDir: path.resolve(__dirname, "../.."),
            env: {},
        },
    );
    if (!parsed.ok) {
        throw new Error(`config does not parse:\n  ${parsed.problems.join("\n  ")}`);
    }
    if (parsed.config.topology !== "kubernetes") {
        throw new Error("not a kubernetes config");
    }
    const config = parsed.config;
    const images = {
        hub: need("JHP_HUB_IMAGE"),
        singleuser: need("JHP_HUB_IMAGE"),
        proxy: need("JHP_PROXY_IMAGE"),
        renewer: need("JHP_RENEWER_IMAGE"),
    };
    const ctx = renderContext(config, { images, publicAddresses: [need("JHP_ACME_PUBLIC_IP")] });
    const json = hubDocumentJson(ctx, images.singleuser);
    // The proxy token is shared by the proxy and the renewer through hub-secret, as in the component.
    const secrets = Object.fromEntries(
        neededHubSecrets(ctx).map((s) => [s, `test-${HUB_SECRET_KEYS[s]}-0123456789abcdef`]),
    ) as unknown as HubSecretValues<string>;
    const tls =
        mode === "letsencrypt"
            ? {
                  certificate: fs.readFileSync(need("JHP_ACME_BOOTSTRAP_CERT"), "utf8"),
                  key: fs.readFileSync(need("JHP_ACME_BOOTSTRAP_KEY"), "utf8"),
              }
            : undefined;
    const objects = renderHubObjects(ctx, {
        documentJson: json,
        documentChecksum: checksum(json),
        secrets,
        tls,
        registryDockerConfig: dockerConfigJson("registry.example.org", "robot", "placeholder-not-a-secret"),
    });
    return { namespace: config.kubernetes.namespace, objects: objects.filter((o) => WANTED.has(`${o.kind}/${o.metadata.name}`)) };
}

function main(): void {
    const out = process.argv[2];
    if (!out) {
        console.error("usage: k8s-acme-objects.ts OUTDIR");
        process.exit(2);
    }
    for (const mode of ["letsencrypt", "cert-manager"] as const) {
        const { namespace, objects } = render(mode);
        const dir = path.join(out, mode);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true });
        const ns = {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: {
                name: namespace,
                labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" },
            },
        };
        fs.writeFileSync(path.join(dir, "00-namespace.yaml"), YAML.stringify(ns));
        objects.forEach((o, i) => {
            const file = path.join(dir, `${String(i + 1).padStart(2, "0")}-${o.kind.toLowerCase()}-${o.metadata.name}.yaml`);
            fs.writeFileSync(file, YAML.stringify(JSON.parse(JSON.stringify(o)), { lineWidth: 0 }));
        });
        console.log(`${mode}: namespace ${namespace}, ${objects.length} objects in ${dir}`);
    }
}

main();
