/**
 * The Kubernetes object shapes the renderers return: @pulumi/kubernetes' input typings (so tsc
 * checks every field name against the Kubernetes API the provider was generated from) with
 * `apiVersion`, `kind` and `metadata.name` made mandatory plain strings, so that the component can
 * pick the resource class and the dump script can name files without resolving Outputs.
 */
import type * as k8s from "@pulumi/kubernetes";

export interface ObjectMeta extends k8s.types.input.meta.v1.ObjectMeta {
    name: string;
}

type Obj<A extends string, K extends string, T> = Omit<T, "apiVersion" | "kind" | "metadata"> & {
    apiVersion: A;
    kind: K;
    metadata: ObjectMeta;
};

export type ServiceAccount = Obj<"v1", "ServiceAccount", k8s.types.input.core.v1.ServiceAccount>;
export type ConfigMap = Obj<"v1", "ConfigMap", k8s.types.input.core.v1.ConfigMap>;
export type Secret = Obj<"v1", "Secret", k8s.types.input.core.v1.Secret>;
export type Service = Obj<"v1", "Service", k8s.types.input.core.v1.Service>;
export type PersistentVolumeClaim = Obj<"v1", "PersistentVolumeClaim", k8s.types.input.core.v1.PersistentVolumeClaim>;
export type Deployment = Obj<"apps/v1", "Deployment", k8s.types.input.apps.v1.Deployment>;
export type StatefulSet = Obj<"apps/v1", "StatefulSet", k8s.types.input.apps.v1.StatefulSet>;
export type DaemonSet = Obj<"apps/v1", "DaemonSet", k8s.types.input.apps.v1.DaemonSet>;
export type CronJob = Obj<"batch/v1", "CronJob", k8s.types.input.batch.v1.CronJob>;
export type Role = Obj<"rbac.authorization.k8s.io/v1", "Role", k8s.types.input.rbac.v1.Role>;
export type RoleBinding = Obj<"rbac.authorization.k8s.io/v1", "RoleBinding", k8s.types.input.rbac.v1.RoleBinding>;
export type ClusterRoleBinding = Obj<"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", k8s.types.input.rbac.v1.ClusterRoleBinding>;
export type NetworkPolicy = Obj<"networking.k8s.io/v1", "NetworkPolicy", k8s.types.input.networking.v1.NetworkPolicy>;
export type PriorityClass = Obj<"scheduling.k8s.io/v1", "PriorityClass", k8s.types.input.scheduling.v1.PriorityClass>;

/**
 * cert-manager's Certificate (cert-manager.io/v1; no typings in @pulumi/kubernetes): the fields
 * this program sets, as cert-manager's CRD names them (the real checks submit it to an API server
 * holding cert-manager's own CRDs).
 */
export interface Certificate {
    apiVersion: "cert-manager.io/v1";
    kind: "Certificate";
    metadata: ObjectMeta;
    spec: {
        secretName: string;
        secretTemplate?: { labels?: Record<string, string>; annotations?: Record<string, string> };
        commonName?: string;
        dnsNames: string[];
        usages?: string[];
        privateKey?: { algorithm: "RSA" | "ECDSA" | "Ed25519"; size?: number; rotationPolicy?: "Never" | "Always" };
        issuerRef: { group: "cert-manager.io"; kind: "Issuer" | "ClusterIssuer"; name: string };
    };
}

export type KubernetesObject =
    | Certificate
    | ServiceAccount
    | ConfigMap
    | Secret
    | Service
    | PersistentVolumeClaim
    | Deployment
    | StatefulSet
    | DaemonSet
    | CronJob
    | Role
    | RoleBinding
    | ClusterRoleBinding
    | NetworkPolicy
    | PriorityClass;

export type Kind = KubernetesObject["kind"];

/** Cluster-scoped kinds carry no metadata.namespace. */
export const CLUSTER_SCOPED: readonly Kind[] = ["ClusterRoleBinding", "PriorityClass"];

export type Container = k8s.types.input.core.v1.Container;
export type PodSpec = k8s.types.input.core.v1.PodSpec;
export type ResourceRequirements = k8s.types.input.core.v1.ResourceRequirements;
export type SecurityContext = k8s.types.input.core.v1.SecurityContext;
export type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
