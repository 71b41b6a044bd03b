/**
 * kubernetes.cluster openstack: a kubeadm cluster on OpenStack VMs with Calico and GlusterFS
 * homes. Creates network, security groups, key pair, storage nodes, control planes and workers,
 * then Calico through an explicit provider built from the program's own admin kubeconfig.
 * With deploy.stage infrastructure only the cloud resources exist: no readiness wait, no
 * Kubernetes provider, nothing that connects to the VMs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesOnOpenStackConfig } from "../../config/types";
import { Calico } from "../../components/kubernetes/calico";
import { lookupImageId, namePrefix } from "../../components/openstack/foundation";
import { GlusterStorage } from "../../components/openstack/glusterStorage";
import { KubeadmCluster } from "../../components/openstack/kubeadmCluster";
import { PrivateNetwork } from "../../components/openstack/network";
import { createOpenStackProvider } from "../../components/openstack/provider";
import { SecurityGroups } from "../../components/openstack/securityGroups";
import { clusterRules } from "../../components/openstack/securityRules";
import type { StackOutputs } from "../index";
import type { ClusterTarget } from "./cluster";

interface ClusterMachines {
    cluster: KubeadmCluster;
    storage: GlusterStorage;
    /** Stack outputs of the cloud resources (no kubeconfig). */
    outputs: StackOutputs;
}

/** The cloud resources of the cluster: network, security groups, storage nodes, kubeadm VMs. */
function clusterMachines(config: KubernetesOnOpenStackConfig, waitForApi: boolean): ClusterMachines {
    const os = config.openstack;
    const kube = config.kubernetes;
    const prefix = namePrefix(config);
    const provider = createOpenStackProvider("openstack", os);
    const network = new PrivateNetwork("network", { config: os, provider, namePrefix: prefix });
    const groups = new SecurityGroups("secgroups", {
        rules: clusterRules({ adminCidrs: os.adminCidrs, calicoMode: kube.calicoMode, podCidr: kube.podCidr, typha: true }),
        provider,
        namePrefix: prefix,
    });
    const imageId = lookupImageId(os, provider);
    const common = {
        config,
        provider,
        namePrefix: prefix,
        networkId: network.networkId,
        subnetId: network.subnetId,
        keyPairName: network.keyPairName,
        imageId,
    };

    const storage = new GlusterStorage("gluster", { ...common, securityGroupIds: [groups.groupIds.storage!] });
    const cluster = new KubeadmCluster("cluster", {
        ...common,
        groupIds: { controlPlane: groups.groupIds.controlPlane!, worker: groups.groupIds.worker!, entry: groups.groupIds.entry! },
        routerInterface: network.routerInterface,
        glusterPeers: storage.peers,
        waitForApi,
    });
    return {
        cluster,
        storage,
        outputs: {
            apiUrl: cluster.apiUrl,
            apiFloatingIp: cluster.apiFloatingIp,
            entryFloatingIp: cluster.entryFloatingIp,
            controlPlaneIps: cluster.controlPlaneIps,
            workerIps: cluster.workerIps,
            storageIps: storage.peers,
            brickVolumeIds: pulumi.all(storage.brickVolumeIds),
            glusterVolume: pulumi.output(storage.volumeName),
        },
    };
}

/** deploy.stage infrastructure: the cloud resources only; the next `up` with stage all adds the rest. */
export function openStackClusterInfrastructure(config: KubernetesOnOpenStackConfig): StackOutputs {
    return clusterMachines(config, false).outputs;
}

export function openStackCluster(config: KubernetesOnOpenStackConfig): ClusterTarget {
    const os = config.openstack;
    const kube = config.kubernetes;
    const { cluster, storage, outputs } = clusterMachines(config, true);

    // Explicit provider from the program's kubeconfig; it resolves only once /readyz answers.
    const k8sProvider = new k8s.Provider("cluster-k8s", { kubeconfig: cluster.kubeconfig, enableServerSideApply: true });
    const calico = new Calico("calico", {
        mode: kube.calicoMode,
        podCidr: kube.podCidr,
        nodeCidr: os.networkCidr,
        version: kube.calicoVersion,
        provider: k8sProvider,
    });
    return {
        provider: k8sProvider,
        glusterHomes: { helperHosts: storage.peers, helperToken: storage.homesToken },
        // Worker 0 holds the entry floating IP: users' 80/443 arrive at its fixed address.
        publicAddresses: cluster.workerIps.apply((ips) => ips.slice(0, 1)),
        ready: [calico],
        outputs: {
            ...outputs,
            kubeconfig: cluster.kubeconfig,
            calicoStatus: calico.release.status,
        },
    };
}
