/**
 * NetworkPolicies (when kubernetes.networkPolicies), after zero-to-jupyterhub's defaults:
 * - hub: reached on 8081 by pods labelled network-access-hub (proxy, user pods); talks to the
 *   proxy API, user servers, DNS, and anything but the cloud metadata service (the Kubernetes API,
 *   the authenticator, an external database).
 * - proxy: public ports from anywhere, its API only from pods labelled network-access-proxy-api
 *   (the hub, the ACME renewer); talks to the hub, user servers, the ACME responder and DNS only.
 * - user servers: reached on 8888 by pods labelled network-access-singleuser (hub, proxy); talk to
 *   the hub, DNS and public addresses only — no private ranges (other pods, the nodes, storage and
 *   the API server) and no link-local range with the cloud metadata service 169.254.169.254,
 *   which hands out instance credentials.
 * - ACME renewer (letsencrypt): reached by the proxy on its HTTP-01 port; talks to the proxy API,
 *   DNS, the ACME server and the API server.
 * - TLS reloader (cert-manager): reached by nobody; talks to the proxy's HTTPS port, DNS and the
 *   API server.
 * - Dask Gateway (dask.enabled): user servers and the proxy (the /services/dask-gateway/ route)
 *   may also reach the gateway's traefik, which fronts its API and the users' schedulers.
 * Calico enforces them (Calico evaluates Service traffic after DNAT, so pod selectors cover
 * connections made through the hub and proxy-api Services).
 */
import { cidrsOverlap, isCidr, parseCidr } from "../../../../config/cidr";
import type { HubRenderContext } from "../context";
import { NETWORK_ACCESS, objectLabels, selectorLabels, type Component } from "../labels";
import { PORTS } from "../names";
import type { NetworkPolicy } from "../objects";
import { acmeEnabled, certManagerEnabled } from "../proxy/tls";
import { GATEWAY_PORTS, gatewayNames, gatewaySelector } from "../../daskGateway/names";
import type * as k8s from "@pulumi/kubernetes";

type Rule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

export const CLOUD_METADATA_CIDR = "169.254.169.254/32";
/** RFC 1918 private ranges and the link-local range (which holds the metadata service). */
export const NON_PUBLIC_CIDRS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"] as const;

function tcp(port: number) {
    return { protocol: "TCP", port };
}

function pods(ctx: HubRenderContext, component: Component): Peer {
    return { podSelector: { matchLabels: selectorLabels(ctx.names, component) } };
}

/** Pods created by KubeSpawner: its component label plus the hub's common labels. */
function userPods(ctx: HubRenderContext): Peer {
    return pods(ctx, "singleuser-server");
}

/** dask.enabled: the gateway's traefik (API, dashboards, and schedulers by TLS SNI), on its web port. */
function daskGatewayEgress(ctx: HubRenderContext): Rule[] {
    if (!ctx.config.dask.enabled) {
        return [];
    }
    const traefik = { podSelector: { matchLabels: gatewaySelector(gatewayNames(ctx.kubernetes.namespace), "traefik") } };
    return [{ to: [traefik], ports: [tcp(GATEWAY_PORTS.traefikWeb)] }];
}

function labelled(label: string): Peer {
    return { podSelector: { matchLabels: { [label]: "true" } } };
}

/** DNS: kube-dns in kube-system, or a node-local cache / the nodes' resolvers on private addresses. */
function dnsEgress(): Rule {
    return {
        to: [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } },
            ...NON_PUBLIC_CIDRS.filter((c) => !c.startsWith("169.254.")).map((cidr) => ({ ipBlock: { cidr } })),
        ],
        ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
        ],
    };
}

/**
 * Ranges a user server must not reach: the private and link-local ranges, plus the cluster's own
 * networks when an operator placed them outside those ranges.
 */
export function userEgressExceptions(ctx: HubRenderContext): string[] {
    const out: string[] = [...NON_PUBLIC_CIDRS];
    const covered = NON_PUBLIC_CIDRS.map((c) => parseCidr(c)).filter(isCidr);
    const own = [ctx.kubernetes.podCidr, ctx.kubernetes.serviceCidr, ctx.kubernetes.nodeCidr];
    for (const text of own) {
        const c = text === undefined ? undefined : parseCidr(text);
        // Aligned CIDRs that overlap are nested: the covering range has the shorter prefix.
        if (c && isCidr(c) && !covered.some((r) => cidrsOverlap(r, c) && r.prefix <= c.prefix) && !out.includes(c.text)) {
            out.push(c.text);
        }
    }
    return out;
}

function policy(
    ctx: HubRenderContext,
    name: string,
    component: Component,
    spec: Omit<k8s.types.input.networking.v1.NetworkPolicySpec, "podSelector">,
): NetworkPolicy {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, namespace: ctx.namespace, labels: objectLabels(ctx.names, component) },
        spec: { podSelector: { matchLabels: selectorLabels(ctx.names, component) }, policyTypes: ["Ingress", "Egress"], ...spec },
    };
}

export function hubNetworkPolicy(ctx: HubRenderContext): NetworkPolicy {
    return policy(ctx, ctx.names.netpolHub, "hub", {
        ingress: [{ from: [labelled(NETWORK_ACCESS.hub)], ports: [tcp(PORTS.hub)] }],
        egress: [
            { to: [pods(ctx, "proxy")], ports: [tcp(PORTS.proxyApi)] },
            { to: [userPods(ctx)], ports: [tcp(PORTS.singleuser)] },
            dnsEgress(),
            // The API server (KubeSpawner), OAuth/CAS/LDAP servers, an external database.
            { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [CLOUD_METADATA_CIDR] } }] },
        ],
    });
}

export function proxyNetworkPolicy(ctx: HubRenderContext): NetworkPolicy {
    return policy(ctx, ctx.names.netpolProxy, "proxy", {
        ingress: [
            // Users, from anywhere (through the entry node's host ports or proxy-public).
            { ports: [tcp(PORTS.proxyHttp), tcp(PORTS.proxyHttps)] },
            { from: [labelled(NETWORK_ACCESS.proxyApi)], ports: [tcp(PORTS.proxyApi)] },
        ],
        egress: [
            { to: [pods(ctx, "hub")], ports: [tcp(PORTS.hub)] },
            { to: [userPods(ctx)], ports: [tcp(PORTS.singleuser)] },
            ...(acmeEnabled(ctx) ? [{ to: [pods(ctx, "acme-renewer")], ports: [tcp(PORTS.acmeSolver)] }] : []),
            ...daskGatewayEgress(ctx),
            dnsEgress(),
        ],
    });
}

export function singleuserNetworkPolicy(ctx: HubRenderContext): NetworkPolicy {
    return policy(ctx, ctx.names.netpolSingleuser, "singleuser-server", {
        ingress: [{ from: [labelled(NETWORK_ACCESS.singleuser)], ports: [tcp(PORTS.singleuser)] }],
        egress: [
            { to: [pods(ctx, "hub")], ports: [tcp(PORTS.hub)] },
            ...daskGatewayEgress(ctx),
            dnsEgress(),
            { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: userEgressExceptions(ctx) } }] },
        ],
    });
}

export function acmeNetworkPolicy(ctx: HubRenderContext): NetworkPolicy {
    return policy(ctx, ctx.names.netpolAcme, "acme-renewer", {
        ingress: [{ from: [pods(ctx, "proxy")], ports: [tcp(PORTS.acmeSolver)] }],
        egress: [
            { to: [pods(ctx, "proxy")], ports: [tcp(PORTS.proxyApi)] },
            dnsEgress(),
            // The ACME directory and the API server (the certificate Secret, the proxy restart).
            { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [CLOUD_METADATA_CIDR] } }] },
        ],
    });
}

export function tlsReloaderNetworkPolicy(ctx: HubRenderContext): NetworkPolicy {
    return policy(ctx, ctx.names.netpolTlsReloader, "proxy-tls-reloader", {
        ingress: [],
        egress: [
            { to: [pods(ctx, "proxy")], ports: [tcp(PORTS.proxyHttps)] },
            dnsEgress(),
            // The API server (the Secret, the proxy Deployment); its address depends on the cluster.
            { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [CLOUD_METADATA_CIDR] } }] },
        ],
    });
}

export function networkPolicies(ctx: HubRenderContext): NetworkPolicy[] {
    if (!ctx.kubernetes.networkPolicies) {
        return [];
    }
    return [
        hubNetworkPolicy(ctx),
        proxyNetworkPolicy(ctx),
        singleuserNetworkPolicy(ctx),
        ...(acmeEnabled(ctx) ? [acmeNetworkPolicy(ctx)] : []),
        ...(certManagerEnabled(ctx) ? [tlsReloaderNetworkPolicy(ctx)] : []),
    ];
}
