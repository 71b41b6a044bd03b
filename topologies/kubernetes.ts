/**
 * The `kubernetes` topology (`prod` stack): a kubeadm cluster on OpenStack VMs with Calico and
 * GlusterFS homes. Creates network, security groups, key pair, storage nodes, control planes and
 * workers; then, through an explicit Kubernetes provider built from the program's own admin
 * kubeconfig (never the ambient one), Calico, the hub namespace with its storage objects, and
 * JupyterHub with KubeSpawner (images built on the operator's Docker engine, pushed to
 * images.registry and referenced by digest).
 */
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesTopologyConfig } from "../config/types";
import { PlatformImages } from "../components/images/platformImages";
import { Calico } from "../components/kubernetes/calico";
import { HOMES_STORAGE_CLASS, HomesStorage } from "../components/kubernetes/homesStorage";
import { HubOnKubernetes, resourceNames } from "../components/kubernetes/jupyterhub";
import { HOMES_HELPER_PORT } from "../components/openstack/clusterCloudInit";
import { lookupImageId, namePrefix } from "../components/openstack/foundation";
import { GlusterStorage } from "../components/openstack/glusterStorage";
import { KubeadmCluster } from "../components/openstack/kubeadmCluster";
import { PrivateNetwork } from "../components/openstack/network";
import { createOpenStackProvider } from "../components/openstack/provider";
import { SecurityGroups } from "../components/openstack/securityGroups";
import { clusterRules } from "../components/openstack/securityRules";

export function deployKubernetes(config: KubernetesTopologyConfig): Record<string, pulumi.Output<unknown>> {
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
    });

    // Explicit provider from the program's kubeconfig; it resolves only once /readyz answers.
    const k8sProvider = new k8s.Provider("cluster-k8s", { kubeconfig: cluster.kubeconfig, enableServerSideApply: true });
    const calico = new Calico("calico", {
        mode: kube.calicoMode,
        podCidr: kube.podCidr,
        nodeCidr: os.networkCidr,
        version: kube.calicoVersion,
        provider: k8sProvider,
    });
    const homes = new HomesStorage(
        "homes",
        {
            params: {
                namespace: kube.namespace,
                homeSizeBytes: config.singleuser.homeSizeBytes,
                hubDbSizeBytes: config.hub.db.volumeSizeBytes,
                helperPort: HOMES_HELPER_PORT,
            },
            helperHosts: storage.peers,
            helperToken: storage.homesToken,
            provider: k8sProvider,
            retainData: config.retainOnDestroy,
        },
        { dependsOn: [calico] },
    );

    const images = buildAndPushImages(config);
    const hub = new HubOnKubernetes(
        "hub",
        {
            config,
            provider: k8sProvider,
            namespace: homes.namespace,
            hubImage: images.hubRef,
            singleuserImage: images.singleuserRef,
            proxyImage: images.proxyRef,
            hubLogoFile: images.hubLogoFile,
            // Worker 0 holds the entry floating IP: users' 80/443 arrive at its fixed address.
            publicAddresses: cluster.workerIps.apply((ips) => ips.slice(0, 1)),
            storageClassName: HOMES_STORAGE_CLASS,
            hubDbVolumeName: resourceNames(kube.namespace).hubDbPv,
            hubServiceAccountExists: true,
            // The pre-spawn hook makes the user's Gluster directory, quota and PV (homesStorage.ts).
            homesProvisioner: true,
        },
        { dependsOn: [homes] },
    );

    return {
        url: hub.publicUrl,
        loginPassword: hub.dummyPassword,
        hubImage: images.hubRef,
        singleuserImage: images.singleuserRef,
        proxyImage: images.proxyRef,
        kubeconfig: cluster.kubeconfig,
        apiUrl: cluster.apiUrl,
        apiFloatingIp: cluster.apiFloatingIp,
        entryFloatingIp: cluster.entryFloatingIp,
        controlPlaneIps: cluster.controlPlaneIps,
        workerIps: cluster.workerIps,
        storageIps: storage.peers,
        glusterVolume: pulumi.output(storage.volumeName),
        namespace: homes.namespace,
        calicoStatus: calico.release.status,
    };
}

/**
 * Images are built on the operator's Docker engine and pushed: every node pulls them from
 * images.registry (validation requires it for this topology).
 */
function buildAndPushImages(config: KubernetesTopologyConfig): PlatformImages {
    const registry = config.images.registry;
    const provider = new docker.Provider("build-docker", {
        host: "unix:///var/run/docker.sock",
        registryAuth: registry ? [{ address: registry.server, username: registry.username, password: registry.password }] : undefined,
    });
    return new PlatformImages("images", { config, imagesDir: path.resolve(__dirname, "..", "images") }, { provider });
}
