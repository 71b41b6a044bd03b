/**
 * The `kubernetes` topology (`prod` stack): JupyterHub with KubeSpawner on a cluster that this
 * program builds on OpenStack VMs (kubernetes.cluster openstack: kubeadm, Calico, GlusterFS) or
 * that the site already runs (kubernetes.cluster existing: a kubeconfig secret). Either way the
 * hub part is the same: the namespace with its storage objects and HubOnKubernetes, through an
 * explicit provider (never the ambient kubeconfig), with images built on the operator's Docker
 * engine, pushed to images.registry and referenced by digest.
 */
import type { KubernetesTopologyConfig } from "../../config/types";
import type { StackOutputs } from "../index";
import { existingCluster } from "./existingCluster";
import { deployHub } from "./hub";
import { openStackCluster, openStackClusterInfrastructure } from "./openstackCluster";

export function deployKubernetes(config: KubernetesTopologyConfig): StackOutputs {
    if (config.cluster === "openstack" && config.stage === "infrastructure") {
        // Nothing connects to the VMs: no Kubernetes provider, no Calico, no images, no hub.
        return openStackClusterInfrastructure(config);
    }
    const cluster = config.cluster === "openstack" ? openStackCluster(config) : existingCluster(config);
    const hub = deployHub(config, cluster);
    return { ...hub, ...cluster.outputs };
}
