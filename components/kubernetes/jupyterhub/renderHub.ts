/**
 * Every object of JupyterHub on Kubernetes for one config, in apply order: cluster-scoped and
 * identity objects, configuration, storage and NetworkPolicies first (pods must never start
 * unrestricted or without their ConfigMaps), then Services, then workloads. The component creates
 * exactly these; test/real/k8s-hub-objects.ts dumps them for a real API server.
 */
import type * as pulumi from "@pulumi/pulumi";
import { acmeRenewer } from "./proxy/acmeRenewer";
import { certManagerObjects } from "./proxy/certManager";
import { backupObjects } from "./backup/backup";
import type { HubRenderContext } from "./context";
import { hubConfigMap } from "./hub/configMap";
import { hubDbPvc } from "./hub/database";
import { hubDeployment, hubService } from "./hub/deployment";
import { hubRole, hubRoleBinding, hubServiceAccount } from "./hub/rbac";
import type { HubSecretValues } from "../../hub/secrets";
import { hubSecret } from "./hub/secret";
import { imagePuller } from "./imagePuller/daemonSet";
import { imagePullSecret } from "./imagePullSecret";
import { networkPolicies } from "./networkPolicies/policies";
import type { KubernetesObject } from "./objects";
import { priorityClasses } from "./scheduling/priorityClasses";
import { proxyDeployment } from "./proxy/deployment";
import { proxyApiService, proxyPublicService } from "./proxy/services";
import { proxyTlsSecret, type TlsPair } from "./proxy/tls";
import { userPlaceholders } from "./scheduling/userPlaceholders";
import { checksum } from "./hub/document";
import { userSchedulerConfigMap } from "./scheduling/userSchedulerConfig";
import { userSchedulerDeployment } from "./scheduling/userSchedulerDeployment";
import {
    userSchedulerClusterRoleBindings,
    userSchedulerLeaseRole,
    userSchedulerLeaseRoleBinding,
    userSchedulerServiceAccount,
} from "./scheduling/userSchedulerRbac";

export interface HubDynamicInputs {
    /** The hub config document as the hub reads it (hubDocumentJson). */
    documentJson: pulumi.Input<string>;
    /** Its checksum, in the hub pod template so a changed document restarts the hub. */
    documentChecksum: pulumi.Input<string>;
    secrets: HubSecretValues<pulumi.Input<string>>;
    /** The proxy's certificate and key (manual) or the bootstrap pair (letsencrypt); none for cert-manager. */
    tls?: TlsPair;
    /** `.dockerconfigjson` for images.registry (a secret); needed when a registry is configured. */
    registryDockerConfig?: pulumi.Input<string>;
}

function present<T>(x: T | undefined): x is T {
    return x !== undefined;
}

function userScheduler(ctx: HubRenderContext): KubernetesObject[] {
    if (!ctx.kubernetes.userScheduler) {
        return [];
    }
    const config = userSchedulerConfigMap(ctx);
    return [
        userSchedulerServiceAccount(ctx),
        ...userSchedulerClusterRoleBindings(ctx),
        userSchedulerLeaseRole(ctx),
        userSchedulerLeaseRoleBinding(ctx),
        config,
        userSchedulerDeployment(ctx, checksum(JSON.stringify(config.data))),
    ];
}

const ORDER: readonly KubernetesObject["kind"][] = [
    "PriorityClass",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Certificate",
    "PersistentVolumeClaim",
    "NetworkPolicy",
    "Service",
    // Before the Deployments: the hub Deployment depends on the image puller (hubOnKubernetes.ts).
    "DaemonSet",
    "Deployment",
    "StatefulSet",
    "CronJob",
];

export function renderHubObjects(ctx: HubRenderContext, inputs: HubDynamicInputs): KubernetesObject[] {
    const objects: KubernetesObject[] = [
        ...priorityClasses(ctx),
        hubServiceAccount(ctx),
        hubRole(ctx),
        hubRoleBinding(ctx),
        hubConfigMap(ctx, inputs.documentJson),
        hubSecret(ctx, inputs.secrets),
        imagePullSecret(ctx, inputs.registryDockerConfig),
        hubDbPvc(ctx),
        hubService(ctx),
        hubDeployment(ctx, inputs.documentChecksum),
        proxyTlsSecret(ctx, inputs.tls),
        proxyApiService(ctx),
        proxyPublicService(ctx),
        proxyDeployment(ctx),
        ...acmeRenewer(ctx),
        ...certManagerObjects(ctx),
        ...backupObjects(ctx, inputs.secrets.backupToken, inputs.secrets.dbUrl),
        imagePuller(ctx),
        userPlaceholders(ctx),
        ...userScheduler(ctx),
        ...networkPolicies(ctx),
    ].filter(present);
    // Stable sort: kinds in apply order, each concern's objects in the order written above.
    return objects
        .map((o, i) => ({ o, i }))
        .sort((a, b) => ORDER.indexOf(a.o.kind) - ORDER.indexOf(b.o.kind) || a.i - b.i)
        .map((x) => x.o);
}

/** Kinds whose pods must wait for the objects before them (see the component). */
export const WORKLOAD_KINDS: readonly KubernetesObject["kind"][] = ["Deployment", "StatefulSet", "DaemonSet", "CronJob"];
