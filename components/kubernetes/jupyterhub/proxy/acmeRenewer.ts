/**
 * Let's Encrypt on Kubernetes (hub.tls.mode letsencrypt): a CronJob that keeps the proxy's
 * `proxy-tls` Secret holding a valid certificate. It runs ./acme_renew.py in the hub image (Python
 * and `cryptography` are there already, so no further image is needed), answers the HTTP-01
 * challenge through a temporary proxy route, writes the Secret and restarts the proxy. Until the
 * first certificate arrives the proxy serves a self-signed bootstrap certificate. Its rights are
 * exactly that Secret and that Deployment.
 */
import * as fs from "fs";
import * as path from "path";
import type { HubRenderContext } from "../context";
import { HUB_SECRET_KEYS } from "../hub/secret";
import { NETWORK_ACCESS, objectLabels, selectorLabels } from "../labels";
import { HUB_USER } from "../../../hub/contract";
import { PORTS, hubUrls } from "../names";
import type { ConfigMap, CronJob, KubernetesObject, Role, RoleBinding, ServiceAccount } from "../objects";
import { CORE_RESOURCES, restrictedContainer, restrictedPod } from "../podDefaults";
import { acmeEnabled } from "./tls";
import { podPullSecrets } from "../imagePullSecret";

export const ACME_SCRIPT_FILE = "acme_renew.py";
const SCRIPT_DIR = "/opt/acme-renewer";

/**
 * Hourly: a run with nothing to renew reads one Secret and exits, and a new hub gets its first
 * certificate within the hour after DNS points at it. Renewal starts 30 days before expiry.
 */
export const ACME_SCHEDULE = "17 * * * *";
export const RENEW_DAYS = 30;

export function acmeScript(): string {
    return fs.readFileSync(path.join(__dirname, ACME_SCRIPT_FILE), "utf8");
}

function meta(ctx: HubRenderContext, name: string) {
    return { name, namespace: ctx.namespace, labels: objectLabels(ctx.names, "acme-renewer") };
}

export function acmeServiceAccount(ctx: HubRenderContext): ServiceAccount {
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(ctx, ctx.names.acme) };
}

export function acmeRole(ctx: HubRenderContext): Role {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: meta(ctx, ctx.names.acme),
        rules: [
            { apiGroups: [""], resources: ["secrets"], resourceNames: [ctx.names.proxyTlsSecret], verbs: ["get", "patch"] },
            { apiGroups: ["apps"], resources: ["deployments"], resourceNames: [ctx.names.proxyDeployment], verbs: ["patch"] },
        ],
    };
}

export function acmeRoleBinding(ctx: HubRenderContext): RoleBinding {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: meta(ctx, ctx.names.acme),
        subjects: [{ kind: "ServiceAccount", name: ctx.names.acme, namespace: ctx.namespace }],
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: ctx.names.acme },
    };
}

export function acmeScriptConfigMap(ctx: HubRenderContext): ConfigMap {
    return { apiVersion: "v1", kind: "ConfigMap", metadata: meta(ctx, ctx.names.acmeScript), data: { [ACME_SCRIPT_FILE]: acmeScript() } };
}

export function acmeCronJob(ctx: HubRenderContext): CronJob {
    const { names, config } = ctx;
    const tls = config.hub.tls;
    if (!config.hub.domain) {
        throw new Error("hub.tls.mode letsencrypt needs hub.domain");
    }
    const env = [
        { name: "DOMAIN", value: config.hub.domain },
        { name: "EMAIL", value: tls.contactEmail ?? "" },
        { name: "ACME_SERVER", value: tls.acmeServer },
        { name: "RENEW_DAYS", value: String(RENEW_DAYS) },
        { name: "NAMESPACE", value: ctx.kubernetes.namespace },
        { name: "TLS_SECRET", value: names.proxyTlsSecret },
        { name: "PROXY_DEPLOYMENT", value: names.proxyDeployment },
        { name: "PROXY_API_URL", value: hubUrls(names).proxyApiUrl },
        { name: "SOLVER_PORT", value: String(PORTS.acmeSolver) },
        { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        { name: "CONFIGPROXY_AUTH_TOKEN", valueFrom: { secretKeyRef: { name: names.hubSecret, key: HUB_SECRET_KEYS.proxyToken } } },
        { name: "PYTHONUNBUFFERED", value: "1" },
    ];
    return {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: meta(ctx, names.acme),
        spec: {
            schedule: ACME_SCHEDULE,
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 600,
            successfulJobsHistoryLimit: 1,
            failedJobsHistoryLimit: 3,
            jobTemplate: {
                spec: {
                    backoffLimit: 1,
                    activeDeadlineSeconds: 900,
                    template: {
                        metadata: { labels: { ...selectorLabels(names, "acme-renewer"), [NETWORK_ACCESS.proxyApi]: "true" } },
                        spec: {
                            serviceAccountName: names.acme,
                            automountServiceAccountToken: true,
                            enableServiceLinks: false,
                            ...podPullSecrets(ctx),
                            restartPolicy: "Never",
                            nodeSelector: { ...ctx.kubernetes.coreNodeSelector },
                            securityContext: restrictedPod(),
                            volumes: [{ name: "script", configMap: { name: names.acmeScript, defaultMode: 0o444 } }],
                            containers: [
                                {
                                    name: "acme-renewer",
                                    image: ctx.images.hub,
                                    command: ["python3", `${SCRIPT_DIR}/${ACME_SCRIPT_FILE}`],
                                    env,
                                    ports: [{ name: "acme", containerPort: PORTS.acmeSolver, protocol: "TCP" }],
                                    volumeMounts: [{ name: "script", mountPath: SCRIPT_DIR, readOnly: true }],
                                    resources: CORE_RESOURCES.acme,
                                    securityContext: restrictedContainer(HUB_USER.uid, HUB_USER.gid),
                                },
                            ],
                        },
                    },
                },
            },
        },
    };
}

/** Everything the renewer needs, or nothing outside letsencrypt mode. */
export function acmeRenewer(ctx: HubRenderContext): KubernetesObject[] {
    if (!acmeEnabled(ctx)) {
        return [];
    }
    return [acmeServiceAccount(ctx), acmeRole(ctx), acmeRoleBinding(ctx), acmeScriptConfigMap(ctx), acmeCronJob(ctx)];
}
