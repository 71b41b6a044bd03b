/** What the hub part of the kubernetes topology needs from a cluster, wherever it comes from. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { StackOutputs } from "../index";

export interface ClusterTarget {
    /** Explicit provider for the cluster. */
    provider: k8s.Provider;
    /** Gluster homes: the storage nodes' home helper (absent: homes from a StorageClass). */
    glusterHomes?: { helperHosts: pulumi.Input<string[]>; helperToken: pulumi.Input<string> };
    /**
     * Addresses users' traffic arrives at, for proxy-public's external IPs (a cluster built here:
     * the entry node's fixed IP, where its floating IP translates to).
     */
    publicAddresses?: pulumi.Input<pulumi.Input<string>[]>;
    /** Resources the hub's namespace must wait for (e.g. the network plugin). */
    ready: pulumi.Resource[];
    /** Stack outputs of the cluster part. */
    outputs: StackOutputs;
}
