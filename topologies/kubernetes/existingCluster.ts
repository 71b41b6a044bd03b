/**
 * kubernetes.cluster existing: a cluster the site already runs (Magnum, Rancher, a departmental
 * cluster), reached through the kubeconfig secret. Nothing else is created here: no OpenStack
 * resource, no network plugin; homes come from a StorageClass or from the site's Gluster
 * storage nodes running the project's home helper.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesOnExistingClusterConfig } from "../../config/types";
import type { ClusterTarget } from "./cluster";

export function existingCluster(config: KubernetesOnExistingClusterConfig): ClusterTarget {
    const provider = new k8s.Provider("cluster-k8s", { kubeconfig: config.kubeconfig, enableServerSideApply: true });
    return {
        provider,
        glusterHomes: config.gluster
            ? { helperHosts: [...config.gluster.helperHosts], helperToken: config.gluster.helperToken }
            : undefined,
        ready: [],
        outputs: { clusterSource: pulumi.output("existing") },
    };
}
