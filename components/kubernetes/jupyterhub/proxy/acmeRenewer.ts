/**
 * Let's Encrypt on Kubernetes (hub.tls.mode letsencrypt): a CronJob that keeps the proxy's
 * `proxy-tls` Secret holding a valid certificate. certbot (images/acme-renewer, pinned from PyPI)
 * does the whole ACME exchange, as it does on the Docker VM; the image's jhp-acme-renew is only the
 * platform's glue:
 * - certbot's config directory (ACME account, certificate lineage, renewal settings) lives in the
 *   Secret `acme-renewer-state` between runs, so the account is reused and the renewal window is
 *   certbot's own (`--keep-until-expiring`);
 * - the HTTP-01 challenge is answered by certbot --standalone on this pod's port, reached through a
 *   temporary configurable-http-proxy route added and removed by certbot's pre/post hooks;
 * - a new certificate goes into `proxy-tls` and the proxy Deployment is rolled.
 * Until the first certificate arrives the proxy serves a self-signed bootstrap certificate. Its
 * rights are exactly those two Secrets and that Deployment.
 */
import type { HubRenderContext } from "../context";
import { HUB_SECRET_KEYS } from "../hub/secret";
import { NETWORK_ACCESS, objectLabels, selectorLabels } from "../labels";
import { PORTS, PROXY_TLS_ANNOTATION, hubUrls } from "../names";
import type { CronJob, KubernetesObject, Role, RoleBinding, Secret, ServiceAccount } from "../objects";
import { CORE_RESOURCES, restrictedContainer, restrictedPod } from "../podDefaults";
import { acmeEnabled } from "./tls";
import { podPullSecrets } from "../imagePullSecret";

/**
 * Hourly: a run with nothing to renew restores certbot's state, lets certbot decide and exits, and
 * a new hub gets its first certificate within the hour after DNS points at it. certbot itself
 * decides when to renew (the CA's ACME Renewal Information, else a share of the lifetime).
 */
export const ACME_SCHEDULE = "17 * * * *";
/** The renewer image's user and group (images/acme-renewer/Dockerfile RENEWER_UID/GID). */
export const RENEWER_USER = { uid: 10001, gid: 10001 } as const;
/** certbot's config, work and logs directories live below this emptyDir. */
export const CERTBOT_DIR = "/var/lib/acme-renewer";

function meta(ctx: HubRenderContext, name: string) {
    return { name, namespace: ctx.namespace, labels: objectLabels(ctx.names, "acme-renewer") };
}

export function acmeServiceAccount(ctx: HubRenderContext): ServiceAccount {
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(ctx, ctx.names.acme) };
}

export function acmeRole(ctx: HubRenderContext): Role {
    const { names } = ctx;
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: meta(ctx, names.acme),
        rules: [
            { apiGroups: [""], resources: ["secrets"], resourceNames: [names.proxyTlsSecret, names.acmeState], verbs: ["get", "patch"] },
            { apiGroups: ["apps"], resources: ["deployments"], resourceNames: [names.proxyDeployment], verbs: ["patch"] },
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

/**
 * certbot's state between runs, as one tar.gz (a few KB, plus ~3 KB per renewal: far below a
 * Secret's 1 MiB). Created empty; the renewer owns its data (the component ignores changes to it).
 * A Secret rather than a PVC: the ACME account key is a secret, the cluster's storage may have no
 * dynamic provisioner (the Gluster homes class has none), and an RWO volume would pin the job to
 * one node.
 */
export function acmeStateSecret(ctx: HubRenderContext): Secret {
    return { apiVersion: "v1", kind: "Secret", metadata: meta(ctx, ctx.names.acmeState), type: "Opaque" };
}

export function acmeCronJob(ctx: HubRenderContext): CronJob {
    const { names, config } = ctx;
    const tls = config.hub.tls;
    if (!config.hub.domain) {
        throw new Error("hub.tls.mode letsencrypt needs hub.domain");
    }
    if (!ctx.images.renewer) {
        throw new Error("hub.tls.mode letsencrypt needs the ACME renewer image (images/acme-renewer)");
    }
    const env = [
        { name: "DOMAIN", value: config.hub.domain },
        { name: "EMAIL", value: tls.contactEmail ?? "" },
        { name: "ACME_SERVER", value: tls.acmeServer },
        { name: "NAMESPACE", value: ctx.kubernetes.namespace },
        { name: "TLS_SECRET", value: names.proxyTlsSecret },
        { name: "STATE_SECRET", value: names.acmeState },
        { name: "PROXY_DEPLOYMENT", value: names.proxyDeployment },
        { name: "RESTART_ANNOTATION", value: PROXY_TLS_ANNOTATION },
        { name: "PROXY_API_URL", value: hubUrls(names).proxyApiUrl },
        { name: "SOLVER_PORT", value: String(PORTS.acmeSolver) },
        { name: "CERTBOT_DIR", value: CERTBOT_DIR },
        { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        { name: "CONFIGPROXY_AUTH_TOKEN", valueFrom: { secretKeyRef: { name: names.hubSecret, key: HUB_SECRET_KEYS.proxyToken } } },
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
                    // certbot retries within a run; a failed run is retried by the next hour's.
                    backoffLimit: 0,
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
                            volumes: [{ name: "certbot", emptyDir: { sizeLimit: "64Mi" } }],
                            containers: [
                                {
                                    name: "acme-renewer",
                                    image: ctx.images.renewer,
                                    // The image's entrypoint is jhp-acme-renew.
                                    env,
                                    ports: [{ name: "acme", containerPort: PORTS.acmeSolver, protocol: "TCP" }],
                                    volumeMounts: [{ name: "certbot", mountPath: CERTBOT_DIR }],
                                    resources: CORE_RESOURCES.acme,
                                    securityContext: restrictedContainer(RENEWER_USER.uid, RENEWER_USER.gid),
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
    return [acmeServiceAccount(ctx), acmeRole(ctx), acmeRoleBinding(ctx), acmeStateSecret(ctx), acmeCronJob(ctx)];
}
