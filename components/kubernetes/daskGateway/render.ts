/**
 * Every object of Dask Gateway on Kubernetes, in the shape of the dask-gateway Helm chart that
 * daskhub installs beside zero-to-jupyterhub: the gateway API server (JupyterHub auth, KubeBackend),
 * the controller (turns DaskCluster objects into scheduler and worker pods, Services and traefik
 * routes), traefik (routes /services/dask-gateway/ from the hub's proxy, and schedulers' TLS by
 * SNI), their RBAC, and the CRDs. Pure functions of the config and deploy-time inputs; the
 * DaskGateway component creates exactly these and test/real dry-runs them against a real API server.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { DaskConfig } from "../../../config/types";
import { DASK_ENV, type DaskDocumentBlock } from "../../hub/dask";
import type { ClusterRoleBinding, ConfigMap, Deployment, Secret, Service, ServiceAccount } from "../jupyterhub/objects";
import { NETWORK_ACCESS } from "../jupyterhub/labels";
import { restrictedContainer, restrictedPod } from "../jupyterhub/podDefaults";
import { gatewayCrds } from "./crds";
import { renderControllerConfig, renderGatewayConfig } from "./gatewayConfig";
import {
    GATEWAY_CONFIG_DIR,
    GATEWAY_CONFIG_FILE,
    GATEWAY_PORTS,
    GATEWAY_PREFIX,
    GATEWAY_SERVICE_NAME,
    GATEWAY_UID,
    TRAEFIK_UID,
    gatewayLabels,
    gatewaySelector,
    gatewayUrls,
    type GatewayComponent,
    type GatewayNames,
} from "./names";
import type { ClusterRole, GatewayObject, TraefikObject } from "./objects";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type PodTemplateSpec = k8s.types.input.core.v1.PodTemplateSpec;

/** The Secret key of the gateway's JupyterHub API token (the chart's). */
export const API_TOKEN_KEY = "jupyterhub-api-token";

export interface GatewayRenderContext {
    names: GatewayNames;
    /** The namespace as an Input, so objects depend on whatever creates it. */
    namespace: pulumi.Input<string>;
    dask: DaskConfig;
    images: {
        /** images/dask-gateway: dask-gateway-server, for the API server and the controller. */
        gateway: pulumi.Input<string>;
        traefik: pulumi.Input<string>;
    };
    hubApiUrl: string;
    imagePullSecrets: string[];
    nodeSelector: Record<string, string>;
}

export interface GatewayDynamicInputs {
    /** The token the hub registered for the dask-gateway service (a secret). */
    apiToken: pulumi.Input<string>;
    /** The gateway's dask_gateway_config.py (gatewayConfigText), which names the pinned single-user image. */
    gatewayConfig: pulumi.Input<string>;
    /** sha256 of the gateway config, in the pod templates so a change restarts the servers. */
    configChecksum: pulumi.Input<string>;
}

/** Resources of the three pods: the chart sets none; these are requests only, like the hub's core pods. */
const RESOURCES = {
    gateway: { requests: { cpu: "50m", memory: "128Mi" } },
    controller: { requests: { cpu: "50m", memory: "128Mi" } },
    traefik: { requests: { cpu: "50m", memory: "64Mi" } },
} as const;

function meta(ctx: GatewayRenderContext, name: string, component: GatewayComponent) {
    return { name, namespace: ctx.namespace, labels: gatewayLabels(ctx.names, component) };
}

function clusterMeta(ctx: GatewayRenderContext, name: string, component: GatewayComponent) {
    return { name, labels: gatewayLabels(ctx.names, component) };
}

function serviceAccount(ctx: GatewayRenderContext, name: string, component: GatewayComponent): ServiceAccount {
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(ctx, name, component) };
}

function clusterRoleBinding(ctx: GatewayRenderContext, role: string, account: string, component: GatewayComponent): ClusterRoleBinding {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: clusterMeta(ctx, role, component),
        subjects: [{ kind: "ServiceAccount", name: account, namespace: ctx.namespace }],
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    };
}

// ── gateway API server ────────────────────────────────────────────────────────────────────────

/** The chart's rules: read the clusters' TLS secrets, manage DaskCluster objects. */
export function apiClusterRole(ctx: GatewayRenderContext): ClusterRole {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: clusterMeta(ctx, ctx.names.apiClusterRole, "gateway"),
        rules: [
            { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
            { apiGroups: ["gateway.dask.org"], resources: ["daskclusters"], verbs: ["*"] },
        ],
    };
}

/** The gateway's config for cluster pods of `clusterImage` (the single-user image, pinned). */
export function gatewayConfigText(ctx: GatewayRenderContext, clusterImage: string): string {
    return renderGatewayConfig({
        names: ctx.names,
        dask: ctx.dask,
        clusterImage,
        hubApiUrl: ctx.hubApiUrl,
        imagePullSecrets: ctx.imagePullSecrets,
    });
}

function configMap(ctx: GatewayRenderContext, name: string, component: GatewayComponent, text: pulumi.Input<string>): ConfigMap {
    return { apiVersion: "v1", kind: "ConfigMap", metadata: meta(ctx, name, component), data: { [GATEWAY_CONFIG_FILE]: text } };
}

export function apiSecret(ctx: GatewayRenderContext, apiToken: pulumi.Input<string>): Secret {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: meta(ctx, ctx.names.apiSecret, "gateway"),
        type: "Opaque",
        stringData: { [API_TOKEN_KEY]: apiToken },
    };
}

function serverPod(
    ctx: GatewayRenderContext,
    p: {
        component: GatewayComponent;
        account: string;
        configMap: string;
        args: string[];
        checksum: pulumi.Input<string>;
        extraLabels?: Record<string, string>;
    },
    container: { name: string; env?: EnvVar[]; probe: boolean },
): PodTemplateSpec {
    return {
        metadata: {
            labels: { ...gatewayLabels(ctx.names, p.component), ...(p.extraLabels ?? {}) },
            annotations: { "jupyterhub-platform/config-checksum": p.checksum },
        },
        spec: {
            serviceAccountName: p.account,
            securityContext: restrictedPod(),
            nodeSelector: { ...ctx.nodeSelector },
            ...(ctx.imagePullSecrets.length ? { imagePullSecrets: ctx.imagePullSecrets.map((name) => ({ name })) } : {}),
            volumes: [{ name: "configmap", configMap: { name: p.configMap } }],
            containers: [
                {
                    name: container.name,
                    image: ctx.images.gateway,
                    imagePullPolicy: "IfNotPresent",
                    args: p.args,
                    ...(container.env ? { env: container.env } : {}),
                    ports: [{ name: "api", containerPort: GATEWAY_PORTS.api }],
                    volumeMounts: [{ name: "configmap", mountPath: GATEWAY_CONFIG_DIR, readOnly: true }],
                    securityContext: restrictedContainer(GATEWAY_UID),
                    resources: RESOURCES[p.component],
                    ...(container.probe
                        ? {
                              readinessProbe: { httpGet: { path: "/api/health", port: "api" }, periodSeconds: 10, timeoutSeconds: 2 },
                              livenessProbe: {
                                  httpGet: { path: "/api/health", port: "api" },
                                  initialDelaySeconds: 5,
                                  periodSeconds: 10,
                                  timeoutSeconds: 2,
                                  failureThreshold: 6,
                              },
                          }
                        : {}),
                },
            ],
        },
    };
}

export function apiDeployment(ctx: GatewayRenderContext, configChecksum: pulumi.Input<string>): Deployment {
    const n = ctx.names;
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta(ctx, n.api, "gateway"),
        spec: {
            replicas: 1,
            selector: { matchLabels: gatewaySelector(n, "gateway") },
            template: serverPod(
                ctx,
                {
                    component: "gateway",
                    account: n.api,
                    configMap: n.apiConfigMap,
                    args: ["dask-gateway-server", "--config", `${GATEWAY_CONFIG_DIR}/${GATEWAY_CONFIG_FILE}`],
                    checksum: configChecksum,
                    // The gateway checks users' tokens with the hub's API (the hub's NetworkPolicy admits this label).
                    extraLabels: { [NETWORK_ACCESS.hub]: "true" },
                },
                {
                    name: "gateway",
                    env: [{ name: "JUPYTERHUB_API_TOKEN", valueFrom: { secretKeyRef: { name: n.apiSecret, key: API_TOKEN_KEY } } }],
                    probe: true,
                },
            ),
        },
    };
}

function service(
    ctx: GatewayRenderContext,
    name: string,
    component: GatewayComponent,
    ports: { name: string; port: number; targetPort: number }[],
): Service {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(ctx, name, component),
        spec: { type: "ClusterIP", selector: gatewaySelector(ctx.names, component), ports: ports.map((p) => ({ ...p, protocol: "TCP" })) },
    };
}

/** /services/dask-gateway/api/... reaches the API server with the prefix stripped. */
export function apiRoutes(ctx: GatewayRenderContext): TraefikObject[] {
    const n = ctx.names;
    return [
        {
            apiVersion: "traefik.io/v1alpha1",
            kind: "IngressRoute",
            metadata: meta(ctx, n.api, "gateway"),
            spec: {
                entryPoints: ["web"],
                routes: [
                    {
                        match: `PathPrefix(\`${GATEWAY_PREFIX}\`)`,
                        kind: "Rule",
                        services: [{ name: n.api, port: GATEWAY_PORTS.api }],
                        middlewares: [{ name: n.apiPrefixMiddleware }],
                    },
                ],
            },
        },
        {
            apiVersion: "traefik.io/v1alpha1",
            kind: "Middleware",
            metadata: meta(ctx, n.apiPrefixMiddleware, "gateway"),
            spec: { stripPrefix: { prefixes: [GATEWAY_PREFIX] } },
        },
        {
            // The controller puts this on every cluster's dashboard route.
            apiVersion: "traefik.io/v1alpha1",
            kind: "Middleware",
            metadata: meta(ctx, n.clustersPrefixMiddleware, "gateway"),
            spec: { stripPrefixRegex: { regex: [`${GATEWAY_PREFIX}/clusters/[a-zA-Z0-9.-]+`] } },
        },
    ];
}

// ── controller ────────────────────────────────────────────────────────────────────────────────

/** The chart's rules: what the controller creates for each cluster. */
export function controllerClusterRole(ctx: GatewayRenderContext): ClusterRole {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: clusterMeta(ctx, ctx.names.controllerClusterRole, "controller"),
        rules: [
            { apiGroups: ["gateway.dask.org"], resources: ["daskclusters", "daskclusters/status"], verbs: ["*"] },
            { apiGroups: ["traefik.io"], resources: ["ingressroutes", "ingressroutetcps"], verbs: ["get", "create", "delete"] },
            { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "delete"] },
            { apiGroups: [""], resources: ["endpoints"], verbs: ["get", "list", "watch"] },
            { apiGroups: [""], resources: ["secrets", "services"], verbs: ["create", "delete"] },
        ],
    };
}

export function controllerDeployment(ctx: GatewayRenderContext, configChecksum: pulumi.Input<string>): Deployment {
    const n = ctx.names;
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta(ctx, n.controller, "controller"),
        spec: {
            replicas: 1,
            // One controller at a time: two would race on the same clusters.
            strategy: { type: "Recreate" },
            selector: { matchLabels: gatewaySelector(n, "controller") },
            template: serverPod(
                ctx,
                {
                    component: "controller",
                    account: n.controller,
                    configMap: n.controllerConfigMap,
                    args: ["dask-gateway-server", "kube-controller", "--config", `${GATEWAY_CONFIG_DIR}/${GATEWAY_CONFIG_FILE}`],
                    checksum: configChecksum,
                },
                { name: "controller", probe: false },
            ),
        },
    };
}

// ── traefik ───────────────────────────────────────────────────────────────────────────────────

/** What traefik's Kubernetes CRD provider reads (the chart's rules, from traefik's own chart). */
export function traefikClusterRole(ctx: GatewayRenderContext): ClusterRole {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: clusterMeta(ctx, ctx.names.traefikClusterRole, "traefik"),
        rules: [
            { apiGroups: [""], resources: ["nodes", "secrets", "services"], verbs: ["get", "list", "watch"] },
            { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
            { apiGroups: ["extensions", "networking.k8s.io"], resources: ["ingressclasses"], verbs: ["get", "list", "watch"] },
            {
                apiGroups: ["traefik.io"],
                resources: [
                    "ingressroutes",
                    "ingressroutetcps",
                    "ingressrouteudps",
                    "middlewares",
                    "middlewaretcps",
                    "serverstransports",
                    "serverstransporttcps",
                    "tlsoptions",
                    "tlsstores",
                    "traefikservices",
                ],
                verbs: ["get", "list", "watch"],
            },
        ],
    };
}

export function traefikDeployment(ctx: GatewayRenderContext): Deployment {
    const n = ctx.names;
    const probe = { httpGet: { path: "/ping", port: "traefik" }, periodSeconds: 10, timeoutSeconds: 2 };
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta(ctx, n.traefik, "traefik"),
        spec: {
            replicas: 1,
            selector: { matchLabels: gatewaySelector(n, "traefik") },
            template: {
                metadata: { labels: gatewayLabels(n, "traefik") },
                spec: {
                    serviceAccountName: n.traefik,
                    securityContext: restrictedPod(),
                    nodeSelector: { ...ctx.nodeSelector },
                    ...(ctx.imagePullSecrets.length ? { imagePullSecrets: ctx.imagePullSecrets.map((name) => ({ name })) } : {}),
                    terminationGracePeriodSeconds: 60,
                    containers: [
                        {
                            name: "traefik",
                            image: ctx.images.traefik,
                            imagePullPolicy: "IfNotPresent",
                            args: [
                                "--global.checknewversion=false",
                                "--global.sendanonymoususage=false",
                                "--ping=true",
                                "--providers.kubernetescrd",
                                "--providers.kubernetescrd.allowcrossnamespace=true",
                                `--providers.kubernetescrd.labelselector=gateway.dask.org/instance=${n.instance}`,
                                "--providers.kubernetescrd.throttleduration=2s",
                                "--log.level=INFO",
                                `--entrypoints.traefik.address=:${GATEWAY_PORTS.traefikPing}`,
                                `--entrypoints.web.address=:${GATEWAY_PORTS.traefikWeb}`,
                            ],
                            ports: [
                                { name: "traefik", containerPort: GATEWAY_PORTS.traefikPing },
                                { name: "web", containerPort: GATEWAY_PORTS.traefikWeb },
                            ],
                            readinessProbe: probe,
                            livenessProbe: { ...probe, initialDelaySeconds: 10, failureThreshold: 3 },
                            securityContext: restrictedContainer(TRAEFIK_UID),
                            resources: RESOURCES.traefik,
                        },
                    ],
                },
            },
        },
    };
}

// ── everything, and what the hub and user servers are told ─────────────────────────────────────

export function renderGatewayObjects(ctx: GatewayRenderContext, dyn: GatewayDynamicInputs): GatewayObject[] {
    const n = ctx.names;
    const web = { name: "web", port: GATEWAY_PORTS.traefikService, targetPort: GATEWAY_PORTS.traefikWeb };
    return [
        ...gatewayCrds(gatewayLabels(n, "gateway")),
        serviceAccount(ctx, n.api, "gateway"),
        apiClusterRole(ctx),
        clusterRoleBinding(ctx, n.apiClusterRole, n.api, "gateway"),
        serviceAccount(ctx, n.controller, "controller"),
        controllerClusterRole(ctx),
        clusterRoleBinding(ctx, n.controllerClusterRole, n.controller, "controller"),
        serviceAccount(ctx, n.traefik, "traefik"),
        traefikClusterRole(ctx),
        clusterRoleBinding(ctx, n.traefikClusterRole, n.traefik, "traefik"),
        apiSecret(ctx, dyn.apiToken),
        configMap(ctx, n.apiConfigMap, "gateway", dyn.gatewayConfig),
        configMap(ctx, n.controllerConfigMap, "controller", renderControllerConfig(n)),
        ...apiRoutes(ctx),
        service(ctx, n.api, "gateway", [{ name: "api", port: GATEWAY_PORTS.api, targetPort: GATEWAY_PORTS.api }]),
        service(ctx, n.traefik, "traefik", [web]),
        apiDeployment(ctx, dyn.configChecksum),
        controllerDeployment(ctx, dyn.configChecksum),
        traefikDeployment(ctx),
    ];
}

/**
 * The hub document's dask block on Kubernetes: user servers reach the gateway's API and their
 * schedulers through traefik in the namespace (the daskhub shape, without a detour through the
 * hub's proxy), their browsers reach dashboards at /services/dask-gateway/ through the hub; the
 * hub registers the service and stops a user's clusters when their server stops.
 */
export function gatewayDaskBlock(names: GatewayNames): DaskDocumentBlock {
    const urls = gatewayUrls(names);
    return {
        env: {
            [DASK_ENV.gatewayAddress]: `${urls.traefik}${GATEWAY_PREFIX}`,
            [DASK_ENV.gatewayProxyAddress]: urls.proxyAddress,
            [DASK_ENV.gatewayPublicAddress]: `${GATEWAY_PREFIX}/`,
            [DASK_ENV.gatewayAuthType]: "jupyterhub",
        },
        gateway: { serviceName: GATEWAY_SERVICE_NAME, url: urls.traefik, apiUrl: urls.api, stopClustersWithServer: true },
    };
}
