import * as assert from "assert";
import { parseCidr, parseIpv4, type Cidr } from "../../../../../../config/cidr";
import { networkPolicies, userEgressExceptions } from "../../../../../../components/kubernetes/jupyterhub/networkPolicies/policies";
import { ctx, json, type Json } from "../fixtures";

function policy(objects: ReturnType<typeof networkPolicies>, name: string): Json {
    const p = objects.find((o) => o.metadata.name === name);
    assert.ok(p, `no NetworkPolicy ${name}`);
    return json(p);
}

function contains(cidrText: string, ip: string): boolean {
    const c = parseCidr(cidrText) as Cidr;
    const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
    return (parseIpv4(ip)! & mask) >>> 0 === c.base;
}

/** Whether an egress rule list lets a pod open TCP `port` (HTTPS by default) to `ip` through an ipBlock rule. */
function ipBlockAllows(egress: Json[], ip: string, port = 443): boolean {
    return egress.some(
        (rule) =>
            (rule.ports === undefined || rule.ports.some((p: Json) => p.port === port && p.protocol === "TCP")) &&
            (rule.to ?? []).some(
                (peer: Json) =>
                    peer.ipBlock && contains(peer.ipBlock.cidr, ip) && !(peer.ipBlock.except ?? []).some((e: string) => contains(e, ip)),
            ),
    );
}

describe("jupyterhub-k8s NetworkPolicies", () => {
    it("off: none", () => {
        assert.deepStrictEqual(networkPolicies(ctx({ "kubernetes.networkPolicies": "false" })), []);
    });

    it("on: hub, proxy, single-user (and the ACME renewer with letsencrypt)", () => {
        assert.deepStrictEqual(
            networkPolicies(ctx()).map((p) => p.metadata.name),
            ["hub", "proxy", "singleuser", "acme-renewer"],
        );
        assert.deepStrictEqual(
            networkPolicies(ctx({ "hub.tls.mode": "none" })).map((p) => p.metadata.name),
            ["hub", "proxy", "singleuser"],
        );
    });

    it("single-user servers: reached only by labelled pods on 8888; reach the hub, DNS and the internet", () => {
        const p = policy(networkPolicies(ctx()), "singleuser");
        assert.deepStrictEqual(p.spec.podSelector.matchLabels, {
            app: "jupyterhub",
            release: "jupyterhub",
            component: "singleuser-server",
        });
        assert.deepStrictEqual(p.spec.policyTypes, ["Ingress", "Egress"]);
        assert.deepStrictEqual(p.spec.ingress, [
            {
                from: [{ podSelector: { matchLabels: { "hub.jupyter.org/network-access-singleuser": "true" } } }],
                ports: [{ protocol: "TCP", port: 8888 }],
            },
        ]);
        const egress = p.spec.egress;
        assert.deepStrictEqual(egress[0], {
            to: [{ podSelector: { matchLabels: { app: "jupyterhub", release: "jupyterhub", component: "hub" } } }],
            ports: [{ protocol: "TCP", port: 8081 }],
        });
        assert.deepStrictEqual(egress[1].ports, [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
        ]);
        assert.ok(ipBlockAllows(egress, "140.82.112.3"), "a public address (e.g. GitHub) is reachable");
        assert.ok(ipBlockAllows(egress, "10.96.0.10", 53), "DNS on a private address (kube-dns Service, node-local caches)");
    });

    it("single-user servers cannot reach the cloud metadata service, other private ranges or the cluster", () => {
        const egress = policy(networkPolicies(ctx()), "singleuser").spec.egress;
        for (const ip of ["169.254.169.254", "10.96.0.1", "192.168.3.7", "10.20.0.5", "172.16.0.1"]) {
            for (const port of [80, 443, 6443, 24007]) {
                assert.ok(!ipBlockAllows(egress, ip, port), `${ip}:${port} must not be reachable by ipBlock`);
            }
        }
        assert.ok(!ipBlockAllows(egress, "169.254.169.254", 53), "the metadata address serves no DNS to users");
    });

    it("also excludes cluster networks an operator placed outside the private ranges", () => {
        const c = ctx({ "kubernetes.podCidr": "100.64.0.0/16", "kubernetes.serviceCidr": "100.65.0.0/16" });
        assert.deepStrictEqual(userEgressExceptions(c), [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "169.254.0.0/16",
            "100.64.0.0/16",
            "100.65.0.0/16",
        ]);
        assert.ok(!ipBlockAllows(policy(networkPolicies(c), "singleuser").spec.egress, "100.64.1.2"));
    });

    it("hub: reached on 8081 by pods labelled network-access-hub; reaches proxy API, users, DNS, anything but metadata", () => {
        const p = policy(networkPolicies(ctx()), "hub");
        assert.deepStrictEqual(p.spec.ingress, [
            {
                from: [{ podSelector: { matchLabels: { "hub.jupyter.org/network-access-hub": "true" } } }],
                ports: [{ protocol: "TCP", port: 8081 }],
            },
        ]);
        const egress = p.spec.egress;
        assert.deepStrictEqual(egress[0].ports, [{ protocol: "TCP", port: 8001 }]);
        assert.deepStrictEqual(egress[1].ports, [{ protocol: "TCP", port: 8888 }]);
        assert.ok(ipBlockAllows(egress, "10.20.0.5"), "the API server on the node network");
        assert.ok(!ipBlockAllows(egress, "169.254.169.254"));
    });

    it("proxy: public ports from anywhere, its API only from labelled pods; reaches hub, users, DNS only", () => {
        const p = policy(networkPolicies(ctx()), "proxy");
        assert.deepStrictEqual(p.spec.ingress, [
            {
                ports: [
                    { protocol: "TCP", port: 8000 },
                    { protocol: "TCP", port: 8443 },
                ],
            },
            {
                from: [{ podSelector: { matchLabels: { "hub.jupyter.org/network-access-proxy-api": "true" } } }],
                ports: [{ protocol: "TCP", port: 8001 }],
            },
        ]);
        assert.ok(!ipBlockAllows(p.spec.egress, "140.82.112.3"), "no general egress");
        assert.deepStrictEqual(
            p.spec.egress.map((r: Json) => r.ports.map((x: Json) => x.port)),
            [[8081], [8888], [8089], [53, 53]],
        );
    });

    it("ACME renewer: reached by the proxy on its responder port; reaches the proxy API, DNS, the CA and API server", () => {
        const p = policy(networkPolicies(ctx()), "acme-renewer");
        assert.deepStrictEqual(p.spec.ingress[0].ports, [{ protocol: "TCP", port: 8089 }]);
        assert.deepStrictEqual(p.spec.ingress[0].from, [
            { podSelector: { matchLabels: { app: "jupyterhub", release: "jupyterhub", component: "proxy" } } },
        ]);
        assert.ok(ipBlockAllows(p.spec.egress, "172.65.32.248"));
        assert.ok(!ipBlockAllows(p.spec.egress, "169.254.169.254"));
    });
});
