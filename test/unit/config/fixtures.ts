/** Raw stack configs used across config tests: each is valid on its own. */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { parseConfig, type ParseResult } from "../../../config/parse";
import type { HubTopologyConfig, PlatformConfig } from "../../../config/types";

export const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAmockmockmockmockmockmockmockmockmockmock ops@example.org";

export const LOCAL: Record<string, string> = {};

export const LAB: Record<string, string> = { topology: "lab" };

export const DOCKER_VM: Record<string, string> = {
    topology: "docker-vm",
    "hub.domain": "hub.example.org",
    "openstack.cloud": "university",
    "openstack.externalNetwork": "public",
    "openstack.sshPublicKey": SSH_KEY,
    "openstack.adminCidrs": JSON.stringify(["192.0.2.0/24"]),
};

/** docker-vm on a VM the operator prepared: no OpenStack settings. */
export const DOCKER_VM_HOST: Record<string, string> = {
    topology: "docker-vm",
    "dockerVm.host": "ssh://ubuntu@192.0.2.10:2222",
    "dockerVm.sshPublicKey": SSH_KEY,
    "dockerVm.volumes.docker": "0f6c1d2e-3a4b-4c5d-9e8f-7a6b5c4d3e2f",
    "dockerVm.volumes.home": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
};

export const KUBERNETES: Record<string, string> = {
    ...DOCKER_VM,
    topology: "kubernetes",
    "images.registry.server": "registry.example.org",
    "images.registry.username": "robot",
    "images.registry.password": "s3cret",
};

/** A kubeconfig-shaped placeholder (the parser checks the shape, never the cluster). */
export const KUBECONFIG = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: site",
    "  cluster: { server: https://k8s.example.org:6443 }",
    "users:",
    "- name: admin",
    "  user: { token: placeholder }",
    "contexts:",
    "- name: site",
    "  context: { cluster: site, user: admin }",
    "current-context: site",
    "",
].join("\n");

/** kubernetes.cluster existing with homes from the cluster's default StorageClass. */
export const EXISTING: Record<string, string> = {
    topology: "kubernetes",
    "kubernetes.cluster": "existing",
    "kubernetes.kubeconfig": KUBECONFIG,
    "kubernetes.storage": "storage-class",
    "images.registry.server": "registry.example.org",
    "images.registry.username": "robot",
    "images.registry.password": "s3cret",
};

export const DEFAULT_SECRETS = ["images.registry.password", "kubernetes.kubeconfig", "kubernetes.gluster.helperToken"];

export function parse(
    values: Record<string, string>,
    secretKeys: string[] = DEFAULT_SECRETS,
    env: Record<string, string> = {},
): ParseResult {
    return parseConfig(
        { values, secretKeys: new Set(secretKeys) },
        {
            project: "jupyterhub-platform",
            stack: "unit",
            makeSecret: (_key, value) => pulumi.secret(value),
            projectDir: path.resolve(__dirname, "../../.."),
            env,
        },
    );
}

export function problemsOf(result: ParseResult): string[] {
    return result.ok ? [] : result.problems;
}

/** The config of a hub topology (not `lab`); fails the test otherwise. */
export function hubConfig(config: PlatformConfig): HubTopologyConfig {
    if (config.topology === "lab") {
        throw new Error("expected a hub topology, got lab");
    }
    return config;
}
