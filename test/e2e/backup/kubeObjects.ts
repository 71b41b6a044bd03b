/**
 * The backup objects of a kubernetes stack, rendered by the program's own renderers for the local
 * cluster check (kube.sh): one YAML stream on stdout. The Secret and the runner's ConfigMap carry
 * Outputs, so kube.sh makes those two with kubectl; everything else is here as the program renders it.
 *
 *   ts-node test/e2e/backup/kubeObjects.ts NAMESPACE HUB_IMAGE > objects.yaml
 *   ts-node test/e2e/backup/kubeObjects.ts NAMESPACE HUB_IMAGE --runner-document > backup.json
 */
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { parseConfig } from "../../../config/parse";
import type { KubernetesTopologyConfig } from "../../../config/types";
import {
    backupCronJob,
    backupRepositoryPvc,
    backupRole,
    backupRoleBinding,
    backupServiceAccount,
    kubeRunnerDocument,
} from "../../../components/kubernetes/jupyterhub/backup/backup";
import { renderContext } from "../../../components/kubernetes/jupyterhub/context";

const [namespace, hubImage, flag] = process.argv.slice(2);
if (!namespace || !hubImage) throw new Error("usage: kubeObjects.ts NAMESPACE HUB_IMAGE [--runner-document]");
const result = parseConfig(
    {
        values: {
            topology: "kubernetes",
            "kubernetes.cluster": "existing",
            // Only its shape is checked here; kube.sh talks to the cluster with its own kubeconfig.
            "kubernetes.kubeconfig": [
                "apiVersion: v1",
                "kind: Config",
                "clusters: [{name: c, cluster: {server: https://127.0.0.1:6443}}]",
                "users: [{name: u, user: {token: unused}}]",
                "contexts: [{name: c, context: {cluster: c, user: u}}]",
                "current-context: c",
            ].join("\n"),
            "kubernetes.storage": "storage-class",
            "kubernetes.namespace": namespace,
            "images.registry.server": "registry.example.org",
            "images.registry.username": "unused",
            "images.registry.password": "unused",
            "backup.enabled": "true",
            "backup.password": "unused-here-kubectl-makes-the-secret",
            "backup.schedule": "0 0 1 1 *",
            "backup.keep.daily": "2",
        },
        secretKeys: new Set(["kubernetes.kubeconfig", "images.registry.password", "backup.password"]),
    },
    { project: "jupyterhub-platform", stack: "kube-e2e", makeSecret: (_k, v) => pulumi.secret(v), projectDir: process.cwd(), env: {} },
);
if (!result.ok) throw new Error(result.problems.join("\n"));
const ctx = renderContext(result.config as KubernetesTopologyConfig, {
    images: { hub: hubImage, singleuser: hubImage, proxy: hubImage },
    storageClassName: "local-path",
});
if (flag === "--runner-document") {
    process.stdout.write(JSON.stringify(kubeRunnerDocument(ctx, namespace, hubImage), null, 2) + "\n");
} else {
    // Plain data here (no Outputs in these objects).
    const cron = JSON.parse(JSON.stringify(backupCronJob(ctx))) as {
        spec: { jobTemplate: { spec: { template: { spec: { containers: { imagePullPolicy?: string }[]; imagePullSecrets?: unknown } } } } };
    };
    // Pulled from the node's containerd only (loaded by kube.sh), never from a registry.
    const pod = cron.spec.jobTemplate.spec.template.spec;
    pod.containers[0].imagePullPolicy = "Never";
    delete pod.imagePullSecrets;
    const objects = [backupServiceAccount(ctx), backupRole(ctx), backupRoleBinding(ctx), backupRepositoryPvc(ctx), cron];
    process.stdout.write(objects.map((o) => YAML.stringify(JSON.parse(JSON.stringify(o)))).join("---\n"));
}
