/**
 * The proxy's Services.
 *
 * `proxy-api` (ClusterIP 8001): the hub's route API, reachable only by pods the NetworkPolicy
 * admits.
 *
 * `proxy-public` (ports 80/443): how users reach the hub (kubernetes.proxy.serviceType).
 * - On the cluster built on OpenStack there is no cloud load balancer for a LoadBalancer Service,
 *   NodePorts cannot be 80/443, and host ports (hostPort, hostNetwork) are forbidden by the Pod
 *   Security `baseline` level the hub namespace enforces. So the Service is a ClusterIP listing the
 *   entry node's fixed address — where the floating IP's traffic arrives — as an external IP:
 *   kube-proxy on that node forwards its ports 80/443 to the proxy pod, wherever it runs. The
 *   client's address is replaced by the node's on the way (traffic policy Cluster; Local is not
 *   allowed for a ClusterIP Service).
 * - On an existing cluster: LoadBalancer by default (the site's load balancer integration), or
 *   NodePort (optionally on fixed ports), or ClusterIP with the given external IPs.
 */
import type { HubRenderContext } from "../context";
import { objectLabels, selectorLabels } from "../labels";
import { PORTS } from "../names";
import type { Service } from "../objects";
import { tlsEnabled } from "./tls";

export function proxyApiService(ctx: HubRenderContext): Service {
    const { names } = ctx;
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: names.proxyApiService, namespace: ctx.namespace, labels: objectLabels(names, "proxy") },
        spec: {
            type: "ClusterIP",
            selector: selectorLabels(names, "proxy"),
            ports: [{ name: "api", protocol: "TCP", port: PORTS.proxyApi, targetPort: "api" }],
        },
    };
}

export function proxyPublicService(ctx: HubRenderContext): Service {
    const { names } = ctx;
    const proxy = ctx.kubernetes.proxy;
    const nodePort = (port: number | undefined) => (proxy.serviceType === "NodePort" && port !== undefined ? { nodePort: port } : {});
    const externalIPs = proxy.externalIps.length > 0 ? [...proxy.externalIps] : ctx.publicAddresses;
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: names.proxyPublicService, namespace: ctx.namespace, labels: objectLabels(names, "proxy") },
        spec: {
            type: proxy.serviceType,
            selector: selectorLabels(names, "proxy"),
            ...(externalIPs !== undefined ? { externalIPs } : {}),
            ports: [
                { name: "http", protocol: "TCP", port: PORTS.publicHttp, targetPort: "http", ...nodePort(proxy.httpNodePort) },
                ...(tlsEnabled(ctx)
                    ? [{ name: "https", protocol: "TCP", port: PORTS.publicHttps, targetPort: "https", ...nodePort(proxy.httpsNodePort) }]
                    : []),
            ],
        },
    };
}
