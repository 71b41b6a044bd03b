/**
 * Everything a renderer needs besides the config: the namespace (an Input, so objects depend on
 * the Namespace resource that creates it), image references pinned by digest, object names and
 * the deployment's choices that the stack config does not express.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesConfig, KubernetesTopologyConfig } from "../../../config/types";
import { configMapKey, hubFilesWith, readHubFiles, type HubFile } from "../../hub/hubFiles";
import { resourceNames, type ResourceNames } from "./names";

export interface HubImages {
    hub: pulumi.Input<string>;
    singleuser: pulumi.Input<string>;
    proxy: pulumi.Input<string>;
    /** The ACME renewer (images/acme-renewer: certbot and its glue); needed with hub.tls.mode letsencrypt. */
    renewer?: pulumi.Input<string>;
    /** Profile images the config names by tag → their digest-pinned references (ImageResolver). */
    profiles?: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * kube-scheduler for the user scheduler.
     * @default the cluster's own release, schedulerImage(kubernetes.version)
     */
    scheduler?: pulumi.Input<string>;
    /**
     * A pause image (its entrypoint idles) for placeholders and the image puller. Without one they
     * run `sleep` in the single-user image, which every user node holds anyway.
     */
    pause?: pulumi.Input<string>;
}

export interface HubRenderOptions {
    /**
     * Node addresses public traffic arrives at (the fixed IPs the floating IPs translate to):
     * proxy-public takes them as externalIPs, so kube-proxy forwards their ports 80/443 to the proxy.
     */
    publicAddresses?: pulumi.Input<pulumi.Input<string>[]>;
    /** StorageClass of the hub database PVC and of users' home PVCs; the cluster default when unset. */
    storageClassName?: string;
    /** A pre-created PersistentVolume the hub database PVC binds to (static provisioning). */
    hubDbVolumeName?: pulumi.Input<string>;
    /**
     * Gluster homes (HomesStorage in the namespace): mount the ConfigMap and Secret
     * `homes-provisioner` into the hub and turn on its pre-spawn hook, which has a storage node
     * create the user's directory and quota and then creates the user's PersistentVolume.
     */
    homesProvisioner?: boolean;
    /** Path of a logo baked into the hub image (PlatformImages.hubLogoFile). */
    logoFile?: string;
    /**
     * The program's hub files (jupyterhub_config.py, modules, templates), mounted from the hub
     * ConfigMap so any hub image works.
     * @default readHubFiles() of images/hub
     */
    hubFiles?: readonly HubFile[];
}

export interface HubRenderContext {
    config: KubernetesTopologyConfig;
    /** config.kubernetes, for brevity. */
    kubernetes: KubernetesConfig;
    namespace: pulumi.Input<string>;
    names: ResourceNames;
    images: Required<Omit<HubImages, "pause" | "renewer" | "profiles">> & Pick<HubImages, "pause" | "renewer" | "profiles">;
    /** The hub files and hub.auth.caBundle, as the ConfigMap holds them next to the document. */
    hubFiles: readonly HubFile[];
    publicAddresses?: pulumi.Input<pulumi.Input<string>[]>;
    storageClassName?: string;
    hubDbVolumeName?: pulumi.Input<string>;
    homesProvisioner: boolean;
    logoFile?: string;
}

/**
 * kube-scheduler at the cluster's own version: the image kubeadm already runs on the control plane,
 * and a scheduler that matches the API server and the built-in system:kube-scheduler role.
 */
export function schedulerImage(version: string): string {
    return `registry.k8s.io/kube-scheduler:v${version}`;
}

/** ConfigMap keys are base names: two files with one name would overwrite each other. */
function uniqueKeys(files: HubFile[]): HubFile[] {
    const keys = files.map(configMapKey);
    const twice = keys.find((k, i) => keys.indexOf(k) !== i);
    if (twice !== undefined || keys.includes("config.json")) {
        throw new Error(`hub files: the ConfigMap key ${twice ?? "config.json"} is used twice`);
    }
    return files;
}

export function renderContext(
    config: KubernetesTopologyConfig,
    params: { namespace?: pulumi.Input<string>; images: HubImages } & HubRenderOptions,
): HubRenderContext {
    const kubernetes = config.kubernetes;
    return {
        config,
        kubernetes,
        namespace: params.namespace ?? kubernetes.namespace,
        names: resourceNames(kubernetes.namespace),
        images: {
            hub: params.images.hub,
            singleuser: params.images.singleuser,
            proxy: params.images.proxy,
            renewer: params.images.renewer,
            scheduler: params.images.scheduler ?? kubernetes.schedulerImage ?? schedulerImage(kubernetes.version),
            pause: params.images.pause ?? kubernetes.pauseImage,
            profiles: params.images.profiles,
        },
        hubFiles: uniqueKeys(hubFilesWith(params.hubFiles ?? readHubFiles(), config.hub.auth.caBundle)),
        publicAddresses: params.publicAddresses,
        storageClassName: params.storageClassName,
        hubDbVolumeName: params.hubDbVolumeName,
        homesProvisioner: params.homesProvisioner ?? false,
        logoFile: params.logoFile,
    };
}
