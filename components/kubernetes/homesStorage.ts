/**
 * How user pods get their homes on the `prod` cluster (GlusterFS; the in-tree glusterfs plugin is
 * gone since 1.26 and its CSI driver/heketi are unmaintained):
 *
 * - the Gluster volume is FUSE-mounted on every worker at /mnt/homes (cloud-init);
 * - a user's home is the directory /mnt/homes/<user>, exposed as a static hostPath-backed
 *   PersistentVolume `home-<namespace>-<user>` pre-bound (claimRef) to KubeSpawner's
 *   `claim-<user>` in storage class `gluster-homes` (no provisioner), so pods only use a PVC and
 *   the namespace can enforce the `baseline` Pod Security level (which forbids hostPath in pods);
 * - the directory and its quota (`gluster volume quota homes limit-usage /<user> <bytes>`) are
 *   made by root on a storage node, by the socket-activated helper jhp-gluster-home (TCP 24100,
 *   token in the secret `homes-provisioner`), before the PV is created.
 *
 * The hub's pre-spawn hook (images/hub/platform_homes.py) does: helper call, then create the PV
 * from the template in the config map `homes-provisioner` (the ClusterRole here allows exactly
 * that to the hub's service account), then KubeSpawner creates the claim, which binds.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { HUB_DB_GLUSTER_DIR } from "../hub/contract";
import { HOME_PVC_TEMPLATE } from "./jupyterhub/hub/document";
import { resourceNames } from "./jupyterhub/names";

export const HOMES_STORAGE_CLASS = "gluster-homes";
export const WORKER_HOMES_PATH = "/mnt/homes";

export interface HomesParams {
    namespace: string;
    homeSizeBytes: number;
    hubDbSizeBytes: number;
    /** Storage nodes running the helper, and its port. */
    helperHosts: readonly string[];
    helperPort: number;
}

/** A Kubernetes object as plain data (what test/real sends to a real API server). */
export interface Obj {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    [field: string]: unknown;
}

const LABELS = { "app.kubernetes.io/managed-by": "jupyterhub-platform", "app.kubernetes.io/part-of": "jupyterhub" };

export function renderNamespace(p: HomesParams): Obj {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name: p.namespace,
            labels: { ...LABELS, "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted" },
        },
    };
}

export function renderStorageClass(): Obj {
    return {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: HOMES_STORAGE_CLASS, labels: LABELS },
        provisioner: "kubernetes.io/no-provisioner",
        reclaimPolicy: "Retain",
        volumeBindingMode: "Immediate",
        allowVolumeExpansion: false,
    };
}

/** The PV of one user's home (the hub's hook creates it; `user` is the escaped name). */
export function renderUserHomePv(p: HomesParams, user: string): Obj {
    if (!/^[a-z0-9]([a-z0-9.-]{0,200}[a-z0-9])?$/.test(user) && user !== "{username}") {
        throw new Error(`not an escaped user name: ${user}`);
    }
    return {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: `home-${p.namespace}-${user}`, labels: { ...LABELS, "jupyterhub-platform/home-of": user } },
        spec: {
            capacity: { storage: String(p.homeSizeBytes) },
            accessModes: ["ReadWriteOnce", "ReadWriteMany"],
            persistentVolumeReclaimPolicy: "Retain",
            storageClassName: HOMES_STORAGE_CLASS,
            volumeMode: "Filesystem",
            // Type Directory: the pod fails to start rather than writing to a worker's root disk
            // when the directory (or the Gluster mount) is missing.
            hostPath: { path: `${WORKER_HOMES_PATH}/${user}`, type: "Directory" },
            claimRef: { namespace: p.namespace, name: HOME_PVC_TEMPLATE.replace("{username}", user) },
        },
    };
}

/** The hub database's PV (sqlite), a directory in the Gluster volume without a quota. */
export function renderHubDbPv(p: HomesParams): Obj {
    return {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: resourceNames(p.namespace).hubDbPv, labels: LABELS },
        spec: {
            capacity: { storage: String(p.hubDbSizeBytes) },
            accessModes: ["ReadWriteOnce"],
            persistentVolumeReclaimPolicy: "Retain",
            storageClassName: HOMES_STORAGE_CLASS,
            volumeMode: "Filesystem",
            // /mnt/homes is immutable while unmounted, so DirectoryOrCreate never lands on the root disk.
            // The storage side creates it owned by the hub's uid (jhp-gluster-form.sh): a hostPath gets
            // no fsGroup, and a root-owned directory left the hub crash-looping on "unable to open
            // database file" (found on the real cluster, npm run e2e:k8s).
            hostPath: { path: `${WORKER_HOMES_PATH}/${HUB_DB_GLUSTER_DIR}`, type: "DirectoryOrCreate" },
            claimRef: { namespace: p.namespace, name: resourceNames(p.namespace).hubDbPvc },
        },
    };
}

export function renderProvisionerRbac(p: HomesParams): Obj[] {
    const name = `${p.namespace}-homes-provisioner`;
    const hubServiceAccount = resourceNames(p.namespace).hubServiceAccount;
    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: hubServiceAccount, namespace: p.namespace, labels: LABELS } },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name, labels: LABELS },
            rules: [{ apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get", "list", "watch", "create"] }],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name, labels: LABELS },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
            subjects: [{ kind: "ServiceAccount", name: hubServiceAccount, namespace: p.namespace }],
        },
    ];
}

export function renderProvisionerConfigMap(p: HomesParams): Obj {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: resourceNames(p.namespace).homesProvisionerConfigMap, namespace: p.namespace, labels: LABELS },
        data: {
            helperHosts: p.helperHosts.join(","),
            helperPort: String(p.helperPort),
            storageClass: HOMES_STORAGE_CLASS,
            homesPath: WORKER_HOMES_PATH,
            "pv-template.json": JSON.stringify(renderUserHomePv(p, "{username}")),
        },
    };
}

/** The helper token as a Secret object (the component passes the token as a Pulumi secret). */
export function renderProvisionerSecret(p: HomesParams, token: string): Obj {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: resourceNames(p.namespace).homesProvisionerSecret, namespace: p.namespace, labels: LABELS },
        type: "Opaque",
        stringData: { token },
    };
}

export interface HomesStorageArgs {
    params: Omit<HomesParams, "helperHosts">;
    /**
     * Gluster homes: the storage nodes running the home helper and its token (secret).
     * @default none: only the namespace; homes are PVCs of a StorageClass
     */
    gluster?: { helperHosts: pulumi.Input<string[]>; helperToken: pulumi.Input<string> };
    provider: k8s.Provider;
    retainData: boolean;
}

/**
 * The hub's namespace and, with Gluster homes, the objects the hub's pre-spawn hook uses: the
 * storage class without provisioner, the hub database's PV, the hub's ServiceAccount with the
 * right to create PVs, and the helper's addresses and token.
 */
export class HomesStorage extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: HomesStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:kubernetes:HomesStorage", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const p: HomesParams = { ...args.params, helperHosts: [] };
        // Deleting the namespace would delete every claim in it: the users' homes (KubeSpawner's
        // claim-<user>, outside Pulumi's state) and the hub database. It outlives the stack unless
        // the operator opts out.
        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, renderNamespace(p) as k8s.core.v1.NamespaceArgs, {
            ...child,
            retainOnDelete: args.retainData,
        });
        if (args.gluster) {
            this.glusterObjects(name, p, args.gluster, child, args.retainData, ns);
        }
        this.namespace = ns.metadata.name;
        this.registerOutputs({ namespace: this.namespace });
    }

    private glusterObjects(
        name: string,
        p: HomesParams,
        gluster: NonNullable<HomesStorageArgs["gluster"]>,
        child: pulumi.CustomResourceOptions,
        retainData: boolean,
        ns: k8s.core.v1.Namespace,
    ): void {
        const after = { ...child, dependsOn: [ns] };
        new k8s.storage.v1.StorageClass(`${name}-storage-class`, renderStorageClass() as unknown as k8s.storage.v1.StorageClassArgs, child);
        // The PV only points at data; Retain keeps the directory whatever happens to the object.
        new k8s.core.v1.PersistentVolume(`${name}-hub-db-pv`, renderHubDbPv(p) as k8s.core.v1.PersistentVolumeArgs, {
            ...child,
            retainOnDelete: retainData,
        });
        const [sa, role, binding] = renderProvisionerRbac(p);
        new k8s.core.v1.ServiceAccount(`${name}-hub-sa`, sa as k8s.core.v1.ServiceAccountArgs, after);
        new k8s.rbac.v1.ClusterRole(`${name}-provisioner-role`, role as k8s.rbac.v1.ClusterRoleArgs, child);
        new k8s.rbac.v1.ClusterRoleBinding(`${name}-provisioner-binding`, binding as unknown as k8s.rbac.v1.ClusterRoleBindingArgs, after);
        const cm = renderProvisionerConfigMap(p);
        new k8s.core.v1.ConfigMap(
            `${name}-provisioner-config`,
            {
                metadata: cm.metadata,
                data: pulumi
                    .output(gluster.helperHosts)
                    .apply((hosts) => renderProvisionerConfigMap({ ...p, helperHosts: hosts }).data as Record<string, string>),
            },
            after,
        );
        const secret = renderProvisionerSecret(p, "");
        new k8s.core.v1.Secret(
            `${name}-provisioner-token`,
            { metadata: secret.metadata, type: "Opaque", stringData: { token: pulumi.secret(gluster.helperToken) } },
            after,
        );
    }
}
