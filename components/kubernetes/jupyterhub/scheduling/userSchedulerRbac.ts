/**
 * The user scheduler's rights. It runs the cluster's own kube-scheduler release, so the cluster's
 * built-in roles for the default scheduler (system:kube-scheduler, system:volume-scheduler) fit
 * it exactly, including whatever a newer release needs; zero-to-jupyterhub copies their rules
 * because its scheduler version can differ from the cluster's. Those roles only let a scheduler
 * hold the lease named kube-scheduler, so a Role adds this scheduler's own lease.
 */
import type { HubRenderContext } from "../context";
import { objectLabels } from "../labels";
import type { ClusterRoleBinding, Role, RoleBinding, ServiceAccount } from "../objects";

export function userSchedulerServiceAccount(ctx: HubRenderContext): ServiceAccount {
    return {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: ctx.names.userScheduler, namespace: ctx.namespace, labels: objectLabels(ctx.names, "user-scheduler") },
    };
}

function bindClusterRole(ctx: HubRenderContext, name: string, clusterRole: string): ClusterRoleBinding {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name, labels: objectLabels(ctx.names, "user-scheduler") },
        subjects: [{ kind: "ServiceAccount", name: ctx.names.userScheduler, namespace: ctx.namespace }],
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole },
    };
}

export function userSchedulerClusterRoleBindings(ctx: HubRenderContext): ClusterRoleBinding[] {
    const b = ctx.names.schedulerClusterBindings;
    return [
        bindClusterRole(ctx, b.kubeScheduler, "system:kube-scheduler"),
        bindClusterRole(ctx, b.volumeScheduler, "system:volume-scheduler"),
    ];
}

/** Leader election on this scheduler's own Lease (creating Leases is in system:kube-scheduler). */
export function userSchedulerLeaseRole(ctx: HubRenderContext): Role {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: ctx.names.userScheduler, namespace: ctx.namespace, labels: objectLabels(ctx.names, "user-scheduler") },
        rules: [
            {
                apiGroups: ["coordination.k8s.io"],
                resources: ["leases"],
                resourceNames: [ctx.names.schedulerLock],
                verbs: ["get", "update"],
            },
        ],
    };
}

export function userSchedulerLeaseRoleBinding(ctx: HubRenderContext): RoleBinding {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: ctx.names.userScheduler, namespace: ctx.namespace, labels: objectLabels(ctx.names, "user-scheduler") },
        subjects: [{ kind: "ServiceAccount", name: ctx.names.userScheduler, namespace: ctx.namespace }],
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: ctx.names.userScheduler },
    };
}
