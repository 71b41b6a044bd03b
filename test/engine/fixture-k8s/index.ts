// Engine-test fixture for the kubernetes plugin: one explicit provider, a ConfigMap
// (kubernetes:core/v1:ConfigMap) and a NetworkPolicy (kubernetes:networking.k8s.io/v1, a
// token with dots), as the platform's Kubernetes topology creates them.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

const config = new pulumi.Config("jhp-engine-k8s");
const renderDir = config.get("renderDir");
const kubeconfig = config.get("kubeconfig");
if (!renderDir === !kubeconfig) {
    throw new Error("set exactly one of jhp-engine-k8s:renderDir and jhp-engine-k8s:kubeconfig");
}

const provider = new k8s.Provider("engine-k8s", renderDir ? { renderYamlToDirectory: renderDir } : { kubeconfig });

const namespace = "jhp-engine";
const configMap = new k8s.core.v1.ConfigMap(
    "engine-configmap",
    { metadata: { name: "jhp-engine-settings", namespace }, data: { marker: "jhp-engine-k8s", "hub.yaml": "port: 8081\n" } },
    { provider },
);
const policy = new k8s.networking.v1.NetworkPolicy(
    "engine-networkpolicy",
    {
        metadata: { name: "jhp-engine-deny-ingress", namespace },
        spec: { podSelector: { matchLabels: { app: "jhp-engine" } }, policyTypes: ["Ingress"] },
    },
    { provider },
);

export const configMapName = configMap.metadata.name;
export const networkPolicyName = policy.metadata.name;
