/**
 * Shared software volumes on Kubernetes with content from an image (singleuser.sharedVolumes
 * `image=`): a claim named after the volume, which user pods mount read-only (KubeSpawner,
 * images/hub/jupyterhub_config.py), filled by a Job running the source image with the claim
 * mounted read-write (../shared/sharedVolumeFill.ts: the same script as on Docker). The Job's name
 * carries the image digest, so a new digest is a new Job (Job specs are immutable) and the same
 * digest never runs twice; the script's marker file skips the copy when the claim already holds
 * that digest (a re-created stack). `pulumi up` waits for the Job to complete.
 *
 * Storage: a claim of the cluster's (or kubernetes.storageClass's) dynamic storage, or, with
 * Gluster homes, a static PersistentVolume on the Gluster mount every worker has (the hub
 * database's pattern, homesStorage.ts). Volumes without `image=` are the operator's claims, as
 * before: the program neither creates nor fills them.
 */
import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { toKubernetesQuantity } from "../../config/quantities";
import type { KubernetesTopologyConfig, SharedVolume } from "../../config/types";
import type { ImageResolver } from "../images/imageResolver";
import { FILL_TARGET, fillArgs } from "../shared/sharedVolumeFill";
import { HOMES_STORAGE_CLASS, WORKER_HOMES_PATH, type Obj } from "./homesStorage";

const LABELS = {
    "app.kubernetes.io/managed-by": "jupyterhub-platform",
    "app.kubernetes.io/part-of": "jupyterhub",
    "app.kubernetes.io/component": "shared-volume",
};

/** Where the shared volumes live in the Gluster volume (beside the homes, never a user's name). */
export const GLUSTER_SHARED_DIR = `${WORKER_HOMES_PATH}/.shared`;

export interface SharedVolumeParams {
    namespace: string;
    /** `gluster`: a static PV on the Gluster mount; `class`: a dynamic claim (storageClass or the cluster default). */
    storage: { kind: "gluster" } | { kind: "class"; storageClass?: string };
    /** Image pull secrets of the namespace (images.registry), for the fill Job's pod. */
    imagePullSecrets: readonly string[];
    /** Where user pods run (kubernetes.userNodeSelector): a ReadWriteOnce claim binds to that node. */
    nodeSelector: Readonly<Record<string, string>>;
}

/** Volumes this component owns: those with a source image. */
export function filledVolumes(config: KubernetesTopologyConfig): SharedVolume[] {
    return config.singleuser.sharedVolumes.filter((v) => v.source !== undefined);
}

function claimSize(v: SharedVolume): string {
    if (v.sizeBytes === undefined || v.accessMode === undefined) {
        throw new Error(`shared volume ${v.name}: size and access mode are set by the config for Kubernetes`);
    }
    return toKubernetesQuantity(v.sizeBytes);
}

/** The PV of a shared volume on the Gluster mount (Gluster storage only). */
export function sharedVolumePv(p: SharedVolumeParams, v: SharedVolume): Obj {
    return {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: `shared-${p.namespace}-${v.name}`, labels: { ...LABELS, "jupyterhub-platform/shared-volume": v.name } },
        spec: {
            capacity: { storage: claimSize(v) },
            accessModes: ["ReadWriteMany", "ReadOnlyMany"],
            persistentVolumeReclaimPolicy: "Retain",
            storageClassName: HOMES_STORAGE_CLASS,
            volumeMode: "Filesystem",
            // The Gluster mount is immutable while unmounted, so DirectoryOrCreate never lands on a root disk.
            hostPath: { path: `${GLUSTER_SHARED_DIR}/${v.name}`, type: "DirectoryOrCreate" },
            claimRef: { namespace: p.namespace, name: v.name },
        },
    };
}

/** The claim user pods mount read-only and the fill Job writes. */
export function sharedVolumeClaim(p: SharedVolumeParams, v: SharedVolume): Obj {
    const size = claimSize(v);
    const storage =
        p.storage.kind === "gluster"
            ? { storageClassName: HOMES_STORAGE_CLASS, volumeName: sharedVolumePv(p, v).metadata.name }
            : p.storage.storageClass !== undefined
              ? { storageClassName: p.storage.storageClass }
              : {};
    return {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: v.name, namespace: p.namespace, labels: { ...LABELS, "jupyterhub-platform/shared-volume": v.name } },
        spec: {
            accessModes: [p.storage.kind === "gluster" ? "ReadWriteMany" : (v.accessMode as string)],
            resources: { requests: { storage: size } },
            ...storage,
        },
    };
}

/** The Job's name: the volume and the digest (Job specs are immutable; a new digest is a new Job). */
export function fillJobName(v: SharedVolume, pinnedImage: string): string {
    const digest = createHash("sha256").update(pinnedImage).digest("hex").slice(0, 10);
    return `${v.name.slice(0, 40)}-fill-${digest}`;
}

/** The Job that copies the source image's tree into the claim. */
export function sharedVolumeFillJob(p: SharedVolumeParams, v: SharedVolume, pinnedImage: string): Obj {
    if (!v.source) {
        throw new Error(`shared volume ${v.name} has no source image to fill it from`);
    }
    const labels = { ...LABELS, "jupyterhub-platform/shared-volume": v.name };
    return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: fillJobName(v, pinnedImage), namespace: p.namespace, labels },
        spec: {
            backoffLimit: 2,
            // A big tree takes a while; a stuck copy must not hold `up` forever.
            activeDeadlineSeconds: 3600,
            template: {
                metadata: { labels },
                spec: {
                    restartPolicy: "Never",
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    nodeSelector: { ...p.nodeSelector },
                    ...(p.imagePullSecrets.length > 0 ? { imagePullSecrets: p.imagePullSecrets.map((name) => ({ name })) } : {}),
                    securityContext: { seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name: "fill",
                            image: pinnedImage,
                            imagePullPolicy: "IfNotPresent",
                            command: ["/bin/sh"],
                            args: fillArgs(v.source.path, pinnedImage),
                            volumeMounts: [{ name: "target", mountPath: FILL_TARGET }],
                            // Root, to write the volume and keep the tree's owners and modes (cp -a);
                            // only the capabilities that takes (the namespace's baseline level allows them).
                            securityContext: {
                                runAsUser: 0,
                                runAsNonRoot: false,
                                allowPrivilegeEscalation: false,
                                capabilities: { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID"] },
                            },
                            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                        },
                    ],
                    volumes: [{ name: "target", persistentVolumeClaim: { claimName: v.name } }],
                },
            },
        },
    };
}

export interface SharedVolumesArgs {
    config: KubernetesTopologyConfig;
    provider: k8s.Provider;
    /** The hub's namespace as created (an Output, so the claims wait for it). */
    namespace: pulumi.Input<string>;
    /** Resolves each source image (by tag) to the digest the nodes pull. */
    resolver: ImageResolver;
    params: SharedVolumeParams;
    /** Keep the claims (and the Gluster PVs) on destroy. */
    retainData: boolean;
    /** What the Job's pod needs first (the image pull secret). */
    jobDependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class SharedVolumes extends pulumi.ComponentResource {
    /** Each filled volume's claim name with the digest its content comes from. */
    readonly sources: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: SharedVolumesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:kubernetes:SharedVolumes", name, {}, opts);
        const { params } = args;
        const child = { parent: this, provider: args.provider };
        const keep = args.retainData ? { retainOnDelete: true } : {};
        const sources: Record<string, pulumi.Output<string>> = {};
        for (const v of filledVolumes(args.config)) {
            const source = v.source as NonNullable<SharedVolume["source"]>;
            const pinned = args.resolver.resolve(source.image, `singleuser.sharedVolumes ${v.name}`);
            const pv =
                params.storage.kind === "gluster"
                    ? new k8s.core.v1.PersistentVolume(
                          `${name}-${v.name}-pv`,
                          sharedVolumePv(params, v) as k8s.core.v1.PersistentVolumeArgs,
                          {
                              ...child,
                              ...keep,
                          },
                      )
                    : undefined;
            const claimObj = sharedVolumeClaim(params, v);
            const claim = new k8s.core.v1.PersistentVolumeClaim(
                `${name}-${v.name}-claim`,
                { ...claimObj, metadata: { ...claimObj.metadata, namespace: args.namespace } } as k8s.core.v1.PersistentVolumeClaimArgs,
                { ...child, ...keep, dependsOn: pv ? [pv] : [] },
            );
            const jobObj = pulumi.all([pinned, args.namespace]).apply(([image, namespace]): Obj => {
                const obj = sharedVolumeFillJob(params, v, image);
                return { ...obj, metadata: { ...obj.metadata, namespace } };
            });
            // A new digest renames the Job: Pulumi replaces it, and the new Job runs.
            const job = new k8s.batch.v1.Job(
                `${name}-${v.name}-fill`,
                {
                    metadata: jobObj.apply((o) => o.metadata) as pulumi.Input<k8s.types.input.meta.v1.ObjectMeta>,
                    spec: jobObj.apply((o) => o.spec) as pulumi.Input<k8s.types.input.batch.v1.JobSpec>,
                },
                { ...child, dependsOn: [claim, ...(args.jobDependsOn ?? [])] },
            );
            sources[v.name] = pulumi.all([job.metadata.name, pinned]).apply(([, image]) => image);
        }
        this.sources = pulumi.all(sources);
        this.registerOutputs({ sources: this.sources });
    }
}
