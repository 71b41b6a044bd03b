/**
 * The object shapes Dask Gateway adds to the hub's (../jupyterhub/objects.ts): cluster roles, custom
 * resource definitions and traefik's custom resources, and the one function that creates the
 * @pulumi/kubernetes resource for any of them.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { kubernetesResource } from "../jupyterhub/kubernetesResource";
import type { KubernetesObject, ObjectMeta } from "../jupyterhub/objects";

type Obj<A extends string, K extends string, T> = Omit<T, "apiVersion" | "kind" | "metadata"> & {
    apiVersion: A;
    kind: K;
    metadata: ObjectMeta;
};

export type ClusterRole = Obj<"rbac.authorization.k8s.io/v1", "ClusterRole", k8s.types.input.rbac.v1.ClusterRole>;
export type CustomResourceDefinition = Obj<
    "apiextensions.k8s.io/v1",
    "CustomResourceDefinition",
    k8s.types.input.apiextensions.v1.CustomResourceDefinition
>;

/** traefik.io/v1alpha1 objects the gateway's own routing needs (the controller makes the per-cluster ones). */
export interface TraefikObject {
    apiVersion: "traefik.io/v1alpha1";
    kind: "IngressRoute" | "Middleware";
    metadata: ObjectMeta;
    spec: Record<string, unknown>;
}

export type GatewayObject = KubernetesObject | ClusterRole | CustomResourceDefinition | TraefikObject;

export function gatewayResource(name: string, obj: GatewayObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    switch (obj.kind) {
        case "ClusterRole":
            return new k8s.rbac.v1.ClusterRole(name, obj, opts);
        case "CustomResourceDefinition":
            return new k8s.apiextensions.v1.CustomResourceDefinition(name, obj, opts);
        case "IngressRoute":
        case "Middleware":
            return new k8s.apiextensions.CustomResource(name, obj, opts);
        default:
            return kubernetesResource(name, obj, opts);
    }
}
