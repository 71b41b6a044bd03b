import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RecordingMocks, settle } from "../../../harness";
import { config, IMAGES } from "../jupyterhub/fixtures";

describe("DaskGateway component", () => {
    it("creates every rendered object through the cluster's provider; routes wait for the CRDs, pods for their identity and config", async () => {
        const mocks = new RecordingMocks();
        await pulumi.runtime.setMocks(mocks, "jupyterhub-platform", "unit", false);
        const { DaskGateway } = await import("../../../../../components/kubernetes/daskGateway/daskGateway");
        const deps = new Map<string, number>();
        const provider = new k8s.Provider("cluster-k8s", { kubeconfig: "unit" });
        const gw = new DaskGateway(
            "dask-gateway",
            {
                config: config({ "dask.enabled": "true" }),
                provider,
                namespace: "jupyterhub",
                gatewayImage: "registry.example.org/jupyterhub-platform/dask-gateway@sha256:" + "4".repeat(64),
                traefikImage: "docker.io/traefik:3.3.5",
                singleuserImage: IMAGES.singleuser,
                apiToken: pulumi.secret("token"),
                imagePullSecrets: ["image-pull-secret"],
            },
            {
                transformations: [
                    (a) => {
                        const d = a.opts.dependsOn;
                        deps.set(a.name, Array.isArray(d) ? d.length : d ? 1 : 0);
                        return undefined;
                    },
                ],
            },
        );
        await settle(mocks);
        assert.equal(Object.keys(gw.resources).length, 31);
        assert.equal(
            mocks.byName("dask-gateway-customresourcedefinition-daskclusters.gateway.dask.org").type,
            "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
        );
        assert.equal(mocks.byName("dask-gateway-ingressroute-api-dask-gateway").type, "kubernetes:traefik.io/v1alpha1:IngressRoute");
        assert.equal(deps.get("dask-gateway-ingressroute-api-dask-gateway"), 11, "the 11 CRDs");
        assert.ok((deps.get("dask-gateway-deployment-api-dask-gateway") ?? 0) > 11, "CRDs, identities, config, routes");
        const cm = mocks.byName("dask-gateway-configmap-api-dask-gateway").inputs as { data: Record<string, string> };
        assert.match(cm.data["dask_gateway_config.py"], new RegExp(`c\\.KubeClusterConfig\\.image = "${IMAGES.singleuser as string}"`));
    });
});
