/**
 * JupyterHub on the `prod` Kubernetes cluster, in zero-to-jupyterhub's shape without Helm: hub
 * (KubeSpawner) and configurable-http-proxy, the continuous image puller, user placeholders, the
 * user scheduler, NetworkPolicies and, for Let's Encrypt, the ACME renewer. Every object, the hub
 * config document included, comes from the pure renderers next to this file (renderHub.ts); this
 * component only makes the secrets and creates the resources through the explicit provider it is
 * given. See docs/kubernetes-hub.md.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { KubernetesTopologyConfig } from "../../../config/types";
import { hubSecrets } from "../../hub/secrets";
import { renderContext, type HubRenderContext } from "./context";
import { configChecksum, hubDocumentJson } from "./hub/document";
import { dockerConfigJson } from "./imagePullSecret";
import { kubernetesResource } from "./kubernetesResource";
import type { KubernetesObject } from "./objects";
import type { TlsPair } from "./proxy/tls";
import { renderHubObjects, WORKLOAD_KINDS } from "./renderHub";

/** How long `pulumi up` waits for the image puller to have the images on every node. */
export const PULLER_TIMEOUT = "20m";

export interface HubOnKubernetesArgs {
    config: KubernetesTopologyConfig;
    /** The cluster's explicit provider (never the ambient kubeconfig). */
    provider: k8s.Provider;
    /** The hub's namespace, as created by the cluster component (equals kubernetes.namespace). */
    namespace: pulumi.Input<string>;
    hubImage: pulumi.Input<string>;
    singleuserImage: pulumi.Input<string>;
    proxyImage: pulumi.Input<string>;
    /** The ACME renewer image (PlatformImages.renewerRef); required with hub.tls.mode letsencrypt. */
    renewerImage?: pulumi.Input<string>;
    /** Profile images the config names by tag → their digest-pinned references. */
    profileImages?: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * Fixed IPs of the node(s) the floating IPs translate to: proxy-public's external IPs, where
     * users' ports 80/443 arrive. Without them the hub is only reachable inside the cluster.
     */
    publicAddresses?: pulumi.Input<pulumi.Input<string>[]>;
    /** StorageClass of the hub database PVC and of users' home PVCs (the cluster default when unset). */
    storageClassName?: string;
    /** A pre-created PersistentVolume for the hub database. */
    hubDbVolumeName?: pulumi.Input<string>;
    /**
     * kube-scheduler image of the user scheduler.
     * @default registry.k8s.io/kube-scheduler:v<kubernetes.version>
     */
    schedulerImage?: pulumi.Input<string>;
    /**
     * A pause image for placeholders and the image puller.
     * @default `sleep` in the single-user image
     */
    pauseImage?: pulumi.Input<string>;
    /** The `hub` ServiceAccount is created elsewhere (skip creating it here). */
    hubServiceAccountExists?: boolean;
    /**
     * Gluster homes: HomesStorage made the ConfigMap and Secret `homes-provisioner` in the
     * namespace; the hub mounts them and provisions each user's directory, quota and PV before
     * spawning (see docs/kubernetes-hub.md).
     */
    homesProvisioner?: boolean;
    /** Path of a logo baked into the hub image (PlatformImages.hubLogoFile). */
    hubLogoFile?: string;
}

export class HubOnKubernetes extends pulumi.ComponentResource {
    readonly publicUrl: pulumi.Output<string>;
    readonly hubServiceName: pulumi.Output<string>;
    readonly proxyPublicServiceName: pulumi.Output<string>;
    /** Secret; empty unless the authenticator is dummy. */
    readonly dummyPassword: pulumi.Output<string>;
    /** Secret; the token the hub registered for the dask-gateway service (dask.enabled), else empty. */
    readonly daskGatewayApiToken: pulumi.Output<string>;
    /** Every Kubernetes resource, by object `<kind>/<name>` (tests and dependents). */
    readonly resources: Record<string, pulumi.CustomResource>;

    constructor(name: string, args: HubOnKubernetesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:kubernetes:HubOnKubernetes", name, {}, opts);
        const { config } = args;
        const ctx = renderContext(config, {
            namespace: args.namespace,
            images: {
                hub: args.hubImage,
                singleuser: args.singleuserImage,
                proxy: args.proxyImage,
                renewer: args.renewerImage,
                profiles: args.profileImages,
                scheduler: args.schedulerImage,
                pause: args.pauseImage,
            },
            publicAddresses: args.publicAddresses,
            storageClassName: args.storageClassName,
            hubDbVolumeName: args.hubDbVolumeName,
            homesProvisioner: args.homesProvisioner,
            logoFile: args.hubLogoFile,
        });

        const secrets = hubSecrets(name, config, this);
        // The document depends on the image digest: a new single-user image changes it and so
        // restarts the hub, which then spawns the new image. Secrets never enter it.
        const documentJson = pulumi
            .all([args.singleuserImage, args.profileImages ?? {}])
            .apply(([image, profiles]) => hubDocumentJson(ctx, image, profiles));
        const registry = config.images.registry;
        const objects = renderHubObjects(ctx, {
            documentJson,
            documentChecksum: documentJson.apply((doc) => configChecksum(ctx, doc)),
            secrets,
            tls: this.proxyCertificate(name, ctx),
            registryDockerConfig: registry
                ? pulumi.secret(pulumi.output(registry.password).apply((p) => dockerConfigJson(registry.server, registry.username, p)))
                : undefined,
        }).filter((o) => !(args.hubServiceAccountExists && o.kind === "ServiceAccount" && o.metadata.name === ctx.names.hubServiceAccount));

        this.resources = this.createResources(name, ctx, args.provider, objects);
        this.publicUrl = pulumi.output(config.hub.publicUrl);
        this.hubServiceName = pulumi.output(ctx.names.hubService);
        this.proxyPublicServiceName = pulumi.output(ctx.names.proxyPublicService);
        this.dummyPassword = pulumi.secret(secrets.dummyPassword ?? "");
        this.daskGatewayApiToken = pulumi.secret(secrets.daskGatewayApiToken ?? "");
        this.registerOutputs({
            publicUrl: this.publicUrl,
            hubServiceName: this.hubServiceName,
            proxyPublicServiceName: this.proxyPublicServiceName,
            dummyPassword: this.dummyPassword,
        });
    }

    /**
     * manual: the operator's pair; letsencrypt: a self-signed bootstrap pair the renewer replaces;
     * cert-manager: none (cert-manager writes the Secret).
     */
    private proxyCertificate(name: string, ctx: HubRenderContext): TlsPair | undefined {
        const t = ctx.config.hub.tls;
        if (t.mode === "manual") {
            if (!t.certificate || !t.key) {
                throw new Error("hub.tls.mode manual needs hub.tls.certificate and hub.tls.key");
            }
            return { certificate: pulumi.secret(t.certificate), key: pulumi.secret(t.key) };
        }
        if (t.mode !== "letsencrypt") {
            return undefined;
        }
        const domain = ctx.config.hub.domain ?? "localhost";
        const key = new tls.PrivateKey(`${name}-bootstrap-tls-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const cert = new tls.SelfSignedCert(
            `${name}-bootstrap-tls-cert`,
            {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: domain },
                dnsNames: [domain],
                validityPeriodHours: 24 * 365,
                allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
            },
            { parent: this },
        );
        return { certificate: cert.certPem, key: pulumi.secret(key.privateKeyPem) };
    }

    private createResources(
        name: string,
        ctx: HubRenderContext,
        provider: k8s.Provider,
        objects: KubernetesObject[],
    ): Record<string, pulumi.CustomResource> {
        const created: Record<string, pulumi.CustomResource> = {};
        const hubDeployment = objects.find((o) => o.kind === "Deployment" && o.metadata.name === ctx.names.hubDeployment);
        // Pods start only once their identity, configuration, storage and policies exist.
        const foundation: pulumi.CustomResource[] = [];
        // The hub restarts with a new single-user image only once the puller has it on every node.
        const beforeHub: pulumi.CustomResource[] = [];
        // Retained, not protected: `pulumi destroy` (to rebuild) succeeds and leaves the claim, and
        // the next `up` applies onto it (server-side apply) with the hub's database inside.
        const keepData = ctx.config.retainOnDestroy ? { retainOnDelete: true } : {};
        const renewerOwned = ctx.config.hub.tls.mode === "letsencrypt" ? [ctx.names.proxyTlsSecret, ctx.names.acmeState] : [];
        for (const obj of objects) {
            const role = `${obj.kind.toLowerCase()}-${obj.metadata.name}`;
            const workload = WORKLOAD_KINDS.includes(obj.kind);
            const opts: pulumi.CustomResourceOptions = {
                parent: this,
                provider,
                ...(workload ? { dependsOn: [...foundation, ...(obj === hubDeployment ? beforeHub : [])] } : {}),
                // The hub database outlives the stack unless the operator opts out.
                ...(obj.kind === "PersistentVolumeClaim" ? keepData : {}),
                // The ACME renewer owns the certificate once issued and certbot's state; Pulumi
                // only seeds them.
                ...(obj.kind === "Secret" && renewerOwned.includes(obj.metadata.name) ? { ignoreChanges: ["data", "stringData"] } : {}),
            };
            if (obj.kind === "DaemonSet" && obj.metadata.name === ctx.names.imagePuller) {
                // The first pull of a large image onto every node may outlast the 10-minute default.
                opts.customTimeouts = { create: PULLER_TIMEOUT, update: PULLER_TIMEOUT };
            }
            const resource = kubernetesResource(`${name}-${role}`, obj, opts);
            created[`${obj.kind}/${obj.metadata.name}`] = resource;
            if (!workload && obj.kind !== "Service") {
                foundation.push(resource);
            }
            if (obj.kind === "DaemonSet" && obj.metadata.name === ctx.names.imagePuller) {
                beforeHub.push(resource);
            }
        }
        return created;
    }
}
