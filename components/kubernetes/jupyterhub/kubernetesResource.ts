/** Creates the @pulumi/kubernetes resource for a rendered object, by its kind. */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesObject } from "./objects";

export function kubernetesResource(name: string, obj: KubernetesObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    switch (obj.kind) {
        case "ServiceAccount":
            return new k8s.core.v1.ServiceAccount(name, obj, opts);
        case "ConfigMap":
            return new k8s.core.v1.ConfigMap(name, obj, opts);
        case "Secret":
            return new k8s.core.v1.Secret(name, obj, opts);
        case "Service":
            return new k8s.core.v1.Service(name, obj, opts);
        case "PersistentVolumeClaim":
            return new k8s.core.v1.PersistentVolumeClaim(name, obj, opts);
        case "Deployment":
            return new k8s.apps.v1.Deployment(name, obj, opts);
        case "StatefulSet":
            return new k8s.apps.v1.StatefulSet(name, obj, opts);
        case "DaemonSet":
            return new k8s.apps.v1.DaemonSet(name, obj, opts);
        case "CronJob":
            return new k8s.batch.v1.CronJob(name, obj, opts);
        case "Role":
            return new k8s.rbac.v1.Role(name, obj, opts);
        case "RoleBinding":
            return new k8s.rbac.v1.RoleBinding(name, obj, opts);
        case "ClusterRoleBinding":
            return new k8s.rbac.v1.ClusterRoleBinding(name, obj, opts);
        case "NetworkPolicy":
            return new k8s.networking.v1.NetworkPolicy(name, obj, opts);
        case "PriorityClass":
            return new k8s.scheduling.v1.PriorityClass(name, obj, opts);
        case "Certificate":
            // A custom resource: the cluster's cert-manager must have installed its CRDs.
            return new k8s.apiextensions.CustomResource(name, obj, opts);
    }
}
