/**
 * The custom resource definitions Dask Gateway needs: its own DaskCluster (the controller's work
 * queue) and traefik's kinds, whose Kubernetes CRD provider watches all ten and reports errors
 * until each exists. dask-gateway ships DaskCluster with a schema that validates nothing
 * (dask/dask-gateway#434); the traefik kinds get the same open schema here: the only writers are
 * this program and the gateway's controller, and traefik validates what it reads.
 */
import type { CustomResourceDefinition } from "./objects";

const OPEN_SCHEMA = { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } };

function crd(
    group: string,
    version: string,
    kind: string,
    plural: string,
    labels: Record<string, string>,
    status = false,
): CustomResourceDefinition {
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `${plural}.${group}`, labels },
        spec: {
            group,
            names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
            scope: "Namespaced",
            versions: [
                { name: version, served: true, storage: true, schema: OPEN_SCHEMA, ...(status ? { subresources: { status: {} } } : {}) },
            ],
        },
    };
}

/** traefik v3's CRD kinds (traefik.io/v1alpha1), as its kubernetescrd provider lists them. */
export const TRAEFIK_KINDS = [
    "IngressRoute",
    "IngressRouteTCP",
    "IngressRouteUDP",
    "Middleware",
    "MiddlewareTCP",
    "ServersTransport",
    "ServersTransportTCP",
    "TLSOption",
    "TLSStore",
    "TraefikService",
] as const;

export function gatewayCrds(labels: Record<string, string>): CustomResourceDefinition[] {
    return [
        crd("gateway.dask.org", "v1alpha1", "DaskCluster", "daskclusters", labels, true),
        ...TRAEFIK_KINDS.map((kind) => crd("traefik.io", "v1alpha1", kind, `${kind.toLowerCase()}s`, labels)),
    ];
}
