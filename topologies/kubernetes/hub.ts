/**
 * The hub part of the kubernetes topology, the same on every cluster: the images (built here,
 * pushed to images.registry), the namespace with its storage objects and JupyterHub.
 */
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesTopologyConfig } from "../../config/types";
import { registryAuthAddress } from "../../components/images/buildContext";
import { ImageResolver } from "../../components/images/imageResolver";
import { PlatformImages } from "../../components/images/platformImages";
import { HOMES_STORAGE_CLASS, HomesStorage } from "../../components/kubernetes/homesStorage";
import { HubOnKubernetes, resourceNames } from "../../components/kubernetes/jupyterhub";
import { DaskGateway } from "../../components/kubernetes/daskGateway/daskGateway";
import { filledVolumes, SharedVolumes } from "../../components/kubernetes/sharedVolumes";
import { HOMES_HELPER_PORT } from "../../components/openstack/clusterCloudInit";
import type { StackOutputs } from "../index";
import type { ClusterTarget } from "./cluster";

export function deployHub(config: KubernetesTopologyConfig, cluster: ClusterTarget): StackOutputs {
    const kube = config.kubernetes;
    const gluster = cluster.glusterHomes;
    const homes = new HomesStorage(
        "homes",
        {
            params: {
                namespace: kube.namespace,
                homeSizeBytes: config.singleuser.homeSizeBytes,
                hubDbSizeBytes: config.hub.db.volumeSizeBytes,
                helperPort: HOMES_HELPER_PORT,
            },
            gluster,
            provider: cluster.provider,
            retainData: config.retainOnDestroy,
        },
        { dependsOn: cluster.ready },
    );

    const { images, resolver } = buildAndPushImages(config);
    const hub = new HubOnKubernetes(
        "hub",
        {
            config,
            provider: cluster.provider,
            namespace: homes.namespace,
            hubImage: images.hubRef,
            singleuserImage: images.singleuserRef,
            proxyImage: images.proxyRef,
            renewerImage: images.renewerRef,
            profileImages: Object.fromEntries(
                config.singleuser.profiles
                    .filter((p) => p.image !== undefined)
                    .map((p) => [p.image as string, resolver.resolve(p.image as string, `singleuser.profiles ${p.slug}`)]),
            ),
            hubLogoFile: images.hubLogoFile,
            publicAddresses: cluster.publicAddresses,
            ...(gluster
                ? {
                      storageClassName: HOMES_STORAGE_CLASS,
                      hubDbVolumeName: resourceNames(kube.namespace).hubDbPv,
                      // HomesStorage made the hub's ServiceAccount with the right to create PVs.
                      hubServiceAccountExists: true,
                      // The pre-spawn hook makes the user's Gluster directory, quota and PV (homesStorage.ts).
                      homesProvisioner: true,
                  }
                : { storageClassName: kube.storageClass }),
        },
        { dependsOn: [homes] },
    );

    // Dask Gateway beside the hub (dask.enabled): a hub service; users' clusters run the single-user image.
    if (config.dask.enabled) {
        if (!images.daskGatewayRef) {
            throw new Error("dask.enabled on kubernetes: PlatformImages built no dask-gateway image");
        }
        new DaskGateway(
            "dask-gateway",
            {
                config,
                provider: cluster.provider,
                namespace: homes.namespace,
                gatewayImage: images.daskGatewayRef,
                traefikImage: config.dask.gateway.traefikImage,
                singleuserImage: images.singleuserRef,
                apiToken: hub.daskGatewayApiToken,
                // images.registry is required on kubernetes: the hub's pull secret serves the gateway's images too.
                imagePullSecrets: config.images.registry ? [resourceNames(kube.namespace).imagePullSecret] : [],
            },
            { dependsOn: [homes] },
        );
    }

    // Shared volumes filled from an image: a claim and a fill Job each (after the pull secret).
    const names = resourceNames(kube.namespace);
    const pullSecret = hub.resources[`Secret/${names.imagePullSecret}`];
    const shared =
        filledVolumes(config).length === 0
            ? undefined
            : new SharedVolumes(
                  "shared",
                  {
                      config,
                      provider: cluster.provider,
                      namespace: homes.namespace,
                      resolver,
                      params: {
                          namespace: kube.namespace,
                          storage: gluster ? { kind: "gluster" } : { kind: "class", storageClass: kube.storageClass },
                          imagePullSecrets: pullSecret ? [names.imagePullSecret] : [],
                          nodeSelector: kube.userNodeSelector,
                      },
                      retainData: config.retainOnDestroy,
                      jobDependsOn: pullSecret ? [pullSecret] : [],
                  },
                  { dependsOn: [homes] },
              );

    return {
        url: hub.publicUrl,
        loginPassword: hub.dummyPassword,
        hubImage: images.hubRef,
        singleuserImage: images.singleuserRef,
        proxyImage: images.proxyRef,
        ...(images.renewerRef ? { renewerImage: images.renewerRef } : {}),
        ...(images.daskGatewayRef ? { daskGatewayImage: images.daskGatewayRef } : {}),
        namespace: homes.namespace,
        proxyPublicService: hub.proxyPublicServiceName,
        // npm run backup makes a Job from it (scripts/ops/ops.ts).
        ...(config.backup ? { backupCronJob: pulumi.output(resourceNames(kube.namespace).backup) } : {}),
        resolvedImages: resolver.output(),
        ...(shared ? { sharedVolumeSources: shared.sources } : {}),
    };
}

/**
 * Images are built on the operator's Docker engine and pushed: every node pulls them from
 * images.registry (validation requires it for this topology). Images named by tag are resolved
 * in their registry, since that is where the nodes pull from.
 */
function buildAndPushImages(config: KubernetesTopologyConfig): { images: PlatformImages; resolver: ImageResolver } {
    const registry = config.images.registry;
    const provider = new docker.Provider("build-docker", {
        host: "unix:///var/run/docker.sock",
        registryAuth: registry
            ? [{ address: registryAuthAddress(registry.server), username: registry.username, password: registry.password }]
            : undefined,
    });
    const resolver = new ImageResolver(provider, "registry");
    const images = new PlatformImages(
        "images",
        { config, imagesDir: path.resolve(__dirname, "..", "..", "images"), resolver },
        { provider },
    );
    return { images, resolver };
}
