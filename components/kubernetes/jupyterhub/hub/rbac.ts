/**
 * The hub's identity in the cluster: KubeSpawner, running inside the hub, creates and deletes each
 * user's pod and home PVC (and, with internal SSL, a Secret and Service per server), and follows
 * their events to report spawn progress. Nothing beyond the hub's own namespace.
 */
import type { HubRenderContext } from "../context";
import { objectLabels } from "../labels";
import type { Role, RoleBinding, ServiceAccount } from "../objects";

export function hubServiceAccount(ctx: HubRenderContext): ServiceAccount {
    return {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: ctx.names.hubServiceAccount, namespace: ctx.namespace, labels: objectLabels(ctx.names, "hub") },
    };
}

/** z2jh's hub Role: exactly what KubeSpawner calls. */
export function hubRole(ctx: HubRenderContext): Role {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: ctx.names.hubRole, namespace: ctx.namespace, labels: objectLabels(ctx.names, "hub") },
        rules: [
            {
                apiGroups: [""],
                resources: ["pods", "persistentvolumeclaims", "secrets", "services"],
                verbs: ["get", "watch", "list", "create", "delete"],
            },
            { apiGroups: [""], resources: ["events"], verbs: ["get", "watch", "list"] },
        ],
    };
}

export function hubRoleBinding(ctx: HubRenderContext): RoleBinding {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: ctx.names.hubRole, namespace: ctx.namespace, labels: objectLabels(ctx.names, "hub") },
        subjects: [{ kind: "ServiceAccount", name: ctx.names.hubServiceAccount, namespace: ctx.namespace }],
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: ctx.names.hubRole },
    };
}
