/**
 * Dask Gateway beside JupyterHub on Kubernetes (dask.enabled): every object comes from
 * ./render.ts; this component only creates them through the cluster's explicit provider, CRDs
 * and identities first, workloads last.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesTopologyConfig } from "../../../config/types";
import { hubConnectUrl } from "../../hub/contract";
import { checksum } from "../jupyterhub/hub/document";
import { resourceNames } from "../jupyterhub/names";
import { gatewayNames } from "./names";
import { gatewayResource } from "./objects";
import { gatewayConfigText, renderGatewayObjects, type GatewayDynamicInputs, type GatewayRenderContext } from "./render";

export interface DaskGatewayArgs {
    config: KubernetesTopologyConfig;
    provider: k8s.Provider;
    /** The hub's namespace (an Input: objects wait for the Namespace resource). */
    namespace: pulumi.Input<string>;
    gatewayImage: pulumi.Input<string>;
    traefikImage: pulumi.Input<string>;
    /** The single-user image, pinned: cluster pods run it. */
    singleuserImage: pulumi.Input<string>;
    /** The hub's token for the dask-gateway service (HubOnKubernetes.daskGatewayApiToken). */
    apiToken: pulumi.Input<string>;
    /** imagePullSecrets for images.registry (the hub's image-pull-secret), when one is configured. */
    imagePullSecrets: string[];
}

const WORKLOADS = ["Deployment"];
const CUSTOM = ["IngressRoute", "Middleware"];

export class DaskGateway extends pulumi.ComponentResource {
    readonly resources: Record<string, pulumi.CustomResource> = {};

    constructor(name: string, args: DaskGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:kubernetes:DaskGateway", name, {}, opts);
        const kube = args.config.kubernetes;
        const ctx: GatewayRenderContext = {
            names: gatewayNames(kube.namespace),
            namespace: args.namespace,
            dask: args.config.dask,
            images: { gateway: args.gatewayImage, traefik: args.traefikImage },
            hubApiUrl: `${hubConnectUrl(resourceNames(kube.namespace).hubService)}/hub/api`,
            imagePullSecrets: args.imagePullSecrets,
            nodeSelector: { ...kube.coreNodeSelector },
        };
        // The config names the single-user image's digest: a new image restarts the gateway, whose new clusters run it.
        const gatewayConfig = pulumi.output(args.singleuserImage).apply((image) => gatewayConfigText(ctx, image));
        this.create(name, args.provider, ctx, {
            apiToken: pulumi.secret(args.apiToken),
            gatewayConfig,
            configChecksum: gatewayConfig.apply(checksum),
        });
        this.registerOutputs({});
    }

    private create(name: string, provider: k8s.Provider, ctx: GatewayRenderContext, dyn: GatewayDynamicInputs): void {
        const objects = renderGatewayObjects(ctx, dyn);
        const crds: pulumi.CustomResource[] = [];
        const foundation: pulumi.CustomResource[] = [];
        for (const obj of objects) {
            const opts: pulumi.CustomResourceOptions = {
                parent: this,
                provider,
                // traefik's objects need their CRDs; pods need their identity, configuration and routes.
                ...(CUSTOM.includes(obj.kind) ? { dependsOn: [...crds] } : {}),
                ...(WORKLOADS.includes(obj.kind) ? { dependsOn: [...crds, ...foundation] } : {}),
            };
            const resource = gatewayResource(`${name}-${obj.kind.toLowerCase()}-${obj.metadata.name}`, obj, opts);
            this.resources[`${obj.kind}/${obj.metadata.name}`] = resource;
            if (obj.kind === "CustomResourceDefinition") crds.push(resource);
            else if (!WORKLOADS.includes(obj.kind) && obj.kind !== "Service") foundation.push(resource);
        }
    }
}
