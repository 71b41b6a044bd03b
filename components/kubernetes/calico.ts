/**
 * Calico through the Tigera operator's Helm chart (the install Calico documents for Helm), with
 * the operator's `Installation` rendered here for the configured mode:
 * - vxlan: VXLAN encapsulation, BGP off (UDP 4789 between nodes);
 * - ipip:  IP-in-IP encapsulation (IP protocol 4) with BGP (TCP 179);
 * - bgp:   no encapsulation, BGP; pod addresses travel on the wire, so every node port carries the
 *          pod CIDR as an allowed address pair (OpenStack anti-spoofing) — see securityRules.ts.
 * The operator always runs Typha (TCP 5473 between nodes).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CalicoMode } from "../../config/types";

export const CALICO_CHART_REPO = "https://docs.tigera.io/calico/charts";
export const CALICO_NAMESPACE = "tigera-operator";

export interface CalicoParams {
    mode: CalicoMode;
    podCidr: string;
    /** Node addresses are picked from this CIDR (the private network). */
    nodeCidr: string;
}

/** spec of the operator.tigera.io/v1 Installation named `default` (pure). */
export function renderCalicoInstallationSpec(p: CalicoParams): Record<string, unknown> {
    const encapsulation = p.mode === "vxlan" ? "VXLAN" : p.mode === "ipip" ? "IPIP" : "None";
    return {
        cni: { type: "Calico" },
        calicoNetwork: {
            bgp: p.mode === "vxlan" ? "Disabled" : "Enabled",
            ipPools: [
                {
                    name: "default-ipv4-ippool",
                    cidr: p.podCidr,
                    encapsulation,
                    natOutgoing: "Enabled",
                    nodeSelector: "all()",
                    blockSize: 26,
                },
            ],
            nodeAddressAutodetectionV4: { cidrs: [p.nodeCidr] },
        },
    };
}

/** The Installation object (what the chart creates from `installation:` values). */
export function renderCalicoInstallation(p: CalicoParams): Record<string, unknown> {
    return {
        apiVersion: "operator.tigera.io/v1",
        kind: "Installation",
        metadata: { name: "default" },
        spec: renderCalicoInstallationSpec(p),
    };
}

/** Helm values of the tigera-operator chart (pure). */
export function renderCalicoHelmValues(p: CalicoParams): Record<string, unknown> {
    return {
        installation: { enabled: true, kubernetesProvider: "", ...renderCalicoInstallationSpec(p) },
        apiServer: { enabled: true },
    };
}

export interface CalicoArgs extends CalicoParams {
    version: string;
    provider: k8s.Provider;
}

export class Calico extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: CalicoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:kubernetes:Calico", name, {}, opts);
        this.release = new k8s.helm.v3.Release(
            `${name}-operator`,
            {
                name: "calico",
                chart: "tigera-operator",
                version: args.version.startsWith("v") ? args.version : `v${args.version}`,
                repositoryOpts: { repo: CALICO_CHART_REPO },
                namespace: CALICO_NAMESPACE,
                createNamespace: true,
                values: renderCalicoHelmValues(args),
                timeout: 900,
            },
            { parent: this, provider: args.provider },
        );
        this.registerOutputs({ status: this.release.status });
    }
}
