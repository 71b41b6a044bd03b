/**
 * hub.tls.mode cert-manager: the site's cert-manager issues the hub's certificate.
 * - A `Certificate` (cert-manager.io/v1) for hub.domain, from hub.tls.certManager.issuer (a
 *   ClusterIssuer, or an Issuer in the hub's namespace), whose Secret is the `proxy-tls` the proxy
 *   mounts. cert-manager creates and renews the Secret; the program never writes it. The proxy pod
 *   starts once the first certificate exists (the kubelet waits for the Secret).
 * - The TLS reloader: configurable-http-proxy reads its certificate only at start, and a Deployment
 *   is not restarted when a mounted Secret changes. A small Deployment (the hub image's Python,
 *   ./tls_reloader.py) compares every 30 s the certificate the proxy serves with the Secret's and
 *   rolls the proxy when they differ. No third-party reloader, and no right beyond getting that
 *   Secret and getting/patching that Deployment.
 */
import type { HubRenderContext } from "../context";
import * as fs from "fs";
import * as path from "path";
import { HUB_USER } from "../../../hub/contract";
import { NETWORK_ACCESS, objectLabels, selectorLabels } from "../labels";
import { PORTS, PROXY_TLS_ANNOTATION } from "../names";
import type { Certificate, ConfigMap, Deployment, KubernetesObject, Role, RoleBinding, ServiceAccount } from "../objects";
import { CORE_RESOURCES, restrictedContainer, restrictedPod } from "../podDefaults";
import { podPullSecrets } from "../imagePullSecret";
import { certManagerEnabled } from "./tls";

export const TLS_RELOADER_SCRIPT_FILE = "tls_reloader.py";
const SCRIPT_DIR = "/opt/proxy-tls-reloader";
/** Seconds between two comparisons: a renewed certificate is served within about this long. */
export const TLS_RELOADER_INTERVAL = 30;

export function tlsReloaderScript(): string {
    return fs.readFileSync(path.join(__dirname, TLS_RELOADER_SCRIPT_FILE), "utf8");
}

export function proxyCertificate(ctx: HubRenderContext): Certificate {
    const { names, config } = ctx;
    const cm = config.hub.tls.certManager;
    if (!cm || !config.hub.domain) {
        throw new Error("hub.tls.mode cert-manager needs hub.domain and hub.tls.certManager.issuer");
    }
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: names.certificate, namespace: ctx.namespace, labels: objectLabels(names, "proxy") },
        spec: {
            secretName: names.proxyTlsSecret,
            // The Secret carries the proxy's labels like every other object of the hub.
            secretTemplate: { labels: objectLabels(names, "proxy") },
            commonName: config.hub.domain,
            dnsNames: [config.hub.domain],
            usages: ["digital signature", "key encipherment", "server auth"],
            // A new key with every certificate; ECDSA P-256 as certbot's default.
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            issuerRef: { group: "cert-manager.io", kind: cm.issuerKind, name: cm.issuer },
        },
    };
}

function meta(ctx: HubRenderContext, name: string) {
    return { name, namespace: ctx.namespace, labels: objectLabels(ctx.names, "proxy-tls-reloader") };
}

export function tlsReloaderServiceAccount(ctx: HubRenderContext): ServiceAccount {
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(ctx, ctx.names.tlsReloader) };
}

export function tlsReloaderRole(ctx: HubRenderContext): Role {
    const { names } = ctx;
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: meta(ctx, names.tlsReloader),
        rules: [
            { apiGroups: [""], resources: ["secrets"], resourceNames: [names.proxyTlsSecret], verbs: ["get"] },
            { apiGroups: ["apps"], resources: ["deployments"], resourceNames: [names.proxyDeployment], verbs: ["get", "patch"] },
        ],
    };
}

export function tlsReloaderRoleBinding(ctx: HubRenderContext): RoleBinding {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: meta(ctx, ctx.names.tlsReloader),
        subjects: [{ kind: "ServiceAccount", name: ctx.names.tlsReloader, namespace: ctx.namespace }],
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: ctx.names.tlsReloader },
    };
}

export function tlsReloaderConfigMap(ctx: HubRenderContext): ConfigMap {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: meta(ctx, ctx.names.tlsReloaderScript),
        data: { [TLS_RELOADER_SCRIPT_FILE]: tlsReloaderScript() },
    };
}

export function tlsReloaderDeployment(ctx: HubRenderContext): Deployment {
    const { names } = ctx;
    const env = [
        { name: "NAMESPACE", value: ctx.kubernetes.namespace },
        { name: "TLS_SECRET", value: names.proxyTlsSecret },
        { name: "PROXY_DEPLOYMENT", value: names.proxyDeployment },
        { name: "ANNOTATION", value: PROXY_TLS_ANNOTATION },
        { name: "PROXY_HOST", value: names.proxyPublicService },
        { name: "PROXY_PORT", value: String(PORTS.publicHttps) },
        { name: "INTERVAL", value: String(TLS_RELOADER_INTERVAL) },
        { name: "PYTHONUNBUFFERED", value: "1" },
    ];
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta(ctx, names.tlsReloader),
        spec: {
            replicas: 1,
            strategy: { type: "Recreate" },
            selector: { matchLabels: selectorLabels(names, "proxy-tls-reloader") },
            template: {
                metadata: { labels: { ...selectorLabels(names, "proxy-tls-reloader"), [NETWORK_ACCESS.proxyHttp]: "true" } },
                spec: {
                    serviceAccountName: names.tlsReloader,
                    automountServiceAccountToken: true,
                    enableServiceLinks: false,
                    ...podPullSecrets(ctx),
                    nodeSelector: { ...ctx.kubernetes.coreNodeSelector },
                    securityContext: restrictedPod(),
                    terminationGracePeriodSeconds: 5,
                    volumes: [{ name: "script", configMap: { name: names.tlsReloaderScript, defaultMode: 0o444 } }],
                    containers: [
                        {
                            name: "reloader",
                            image: ctx.images.hub,
                            command: ["python3", `${SCRIPT_DIR}/${TLS_RELOADER_SCRIPT_FILE}`],
                            env,
                            volumeMounts: [{ name: "script", mountPath: SCRIPT_DIR, readOnly: true }],
                            resources: CORE_RESOURCES.tlsReloader,
                            securityContext: restrictedContainer(HUB_USER.uid, HUB_USER.gid),
                        },
                    ],
                },
            },
        },
    };
}

/** The Certificate and the reloader, or nothing outside cert-manager mode. */
export function certManagerObjects(ctx: HubRenderContext): KubernetesObject[] {
    if (!certManagerEnabled(ctx)) {
        return [];
    }
    return [
        proxyCertificate(ctx),
        tlsReloaderServiceAccount(ctx),
        tlsReloaderRole(ctx),
        tlsReloaderRoleBinding(ctx),
        tlsReloaderConfigMap(ctx),
        tlsReloaderDeployment(ctx),
    ];
}
