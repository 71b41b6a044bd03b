/**
 * configurable-http-proxy in its own pod, so a hub restart keeps every user's route and session.
 * It listens unprivileged on 8000/8443 (8001 for the hub's API); the `proxy-public` Service
 * carries ports 80/443 to it (proxyServices.ts). Recreate strategy, as z2jh: the hub must never
 * talk to an old and a new proxy, each with its own routing table, during a rollout.
 */
import type { HubRenderContext } from "../context";
import { proxyArgs } from "./args";
import { NETWORK_ACCESS, objectLabels, selectorLabels } from "../labels";
import { NOBODY, PROXY_TLS_DIR } from "../../../hub/contract";
import { PORTS } from "../names";
import type { Container, Deployment } from "../objects";
import { CORE_RESOURCES, restrictedContainer, restrictedPod } from "../podDefaults";
import { defaultPriorityClassName } from "../scheduling/priorityClasses";
import { HUB_SECRET_KEYS } from "../hub/secret";
import { tlsEnabled } from "./tls";
import { podPullSecrets } from "../imagePullSecret";

function proxyContainer(ctx: HubRenderContext): Container {
    const tls = tlsEnabled(ctx);
    const probe = tls
        ? { httpGet: { path: "/_chp_healthz", port: "https", scheme: "HTTPS" } }
        : { httpGet: { path: "/_chp_healthz", port: "http" } };
    return {
        name: "chp",
        image: ctx.images.proxy,
        // The image's entrypoint is configurable-http-proxy.
        args: proxyArgs(ctx),
        env: [
            {
                name: "CONFIGPROXY_AUTH_TOKEN",
                valueFrom: { secretKeyRef: { name: ctx.names.hubSecret, key: HUB_SECRET_KEYS.proxyToken } },
            },
        ],
        ports: [
            { name: "http", containerPort: PORTS.proxyHttp, protocol: "TCP" },
            ...(tls ? [{ name: "https", containerPort: PORTS.proxyHttps, protocol: "TCP" }] : []),
            { name: "api", containerPort: PORTS.proxyApi, protocol: "TCP" },
        ],
        volumeMounts: tls ? [{ name: "tls", mountPath: PROXY_TLS_DIR, readOnly: true }] : [],
        readinessProbe: { ...probe, periodSeconds: 2, failureThreshold: 3 },
        livenessProbe: { ...probe, initialDelaySeconds: 60, periodSeconds: 10, failureThreshold: 30 },
        resources: CORE_RESOURCES.proxy,
        securityContext: restrictedContainer(NOBODY),
    };
}

export function proxyDeployment(ctx: HubRenderContext): Deployment {
    const { names } = ctx;
    const priorityClassName = defaultPriorityClassName(ctx);
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: names.proxyDeployment, namespace: ctx.namespace, labels: objectLabels(names, "proxy") },
        spec: {
            replicas: 1,
            strategy: { type: "Recreate" },
            selector: { matchLabels: selectorLabels(names, "proxy") },
            template: {
                metadata: {
                    labels: {
                        ...selectorLabels(names, "proxy"),
                        [NETWORK_ACCESS.hub]: "true",
                        [NETWORK_ACCESS.singleuser]: "true",
                    },
                },
                spec: {
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    ...podPullSecrets(ctx),
                    ...(priorityClassName ? { priorityClassName } : {}),
                    nodeSelector: { ...ctx.kubernetes.coreNodeSelector },
                    securityContext: restrictedPod(),
                    terminationGracePeriodSeconds: 30,
                    volumes: tlsEnabled(ctx) ? [{ name: "tls", secret: { secretName: names.proxyTlsSecret, defaultMode: 0o444 } }] : [],
                    containers: [proxyContainer(ctx)],
                },
            },
        },
    };
}
