/**
 * The hub Deployment and its Service. One replica with the Recreate strategy: JupyterHub is not
 * built to run twice, and the sqlite PVC takes one writer (z2jh does the same).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { HubRenderContext } from "../context";
import { usesSqlite } from "./database";
import { hubBackupStatusVolume } from "../backup/backup";
import { hubSecretFileEnv } from "./secret";
import { NETWORK_ACCESS, objectLabels, selectorLabels } from "../labels";
import { HOMES_TOKEN_ENV, HUB_COMMAND, HUB_DOCUMENT_PATH, HUB_PATHS, HUB_USER } from "../../../hub/contract";
import { configMapKey } from "../../../hub/hubFiles";
import { PORTS } from "../names";
import type { Deployment, Service } from "../objects";
import { CORE_RESOURCES, restrictedContainer, restrictedPod } from "../podDefaults";
import { defaultPriorityClassName } from "../scheduling/priorityClasses";
import { podPullSecrets } from "../imagePullSecret";

/** Pod-template annotation holding the config document's checksum. */
export const CONFIG_CHECKSUM_ANNOTATION = "jupyterhub-platform/config-checksum";

export function hubCommand(ctx: HubRenderContext): string[] {
    // The program's jupyterhub_config.py from the ConfigMap, whatever the image bakes in.
    const command = [...HUB_COMMAND];
    // sqlite: JupyterHub backs the file up and migrates the schema after an image upgrade (z2jh's
    // default). An external database is migrated by its operator.
    return usesSqlite(ctx) ? [...command, "--upgrade-db"] : command;
}

/** Token file of the Gluster home helper (the Secret `homes-provisioner`, key `token`). */

/**
 * Gluster homes: the provisioner's ConfigMap and Secret as volumes, their mounts and the token's
 * `<NAME>_FILE` variable (the token stays out of the environment, like the hub's own secrets).
 */
export function homesProvisionerMounts(ctx: HubRenderContext) {
    if (!ctx.homesProvisioner) {
        return { volumes: [], volumeMounts: [], env: [] };
    }
    const { names } = ctx;
    return {
        volumes: [
            { name: "homes-provisioner", configMap: { name: names.homesProvisionerConfigMap, defaultMode: 0o444 } },
            { name: "homes-token", secret: { secretName: names.homesProvisionerSecret, defaultMode: 0o440 } },
        ],
        volumeMounts: [
            { name: "homes-provisioner", mountPath: HUB_PATHS.homesConfigDir, readOnly: true },
            { name: "homes-token", mountPath: HUB_PATHS.homesSecretDir, readOnly: true },
        ],
        env: [{ name: HOMES_TOKEN_ENV, value: `${HUB_PATHS.homesSecretDir}/token` }],
    };
}

export function hubDeployment(ctx: HubRenderContext, configChecksum: pulumi.Input<string>): Deployment {
    const { names } = ctx;
    const priorityClassName = defaultPriorityClassName(ctx);
    const sqlite = usesSqlite(ctx);
    const homes = homesProvisionerMounts(ctx);
    const backupStatus = hubBackupStatusVolume(ctx);
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: names.hubDeployment, namespace: ctx.namespace, labels: objectLabels(names, "hub") },
        spec: {
            replicas: 1,
            strategy: { type: "Recreate" },
            selector: { matchLabels: selectorLabels(names, "hub") },
            template: {
                metadata: {
                    labels: {
                        ...selectorLabels(names, "hub"),
                        [NETWORK_ACCESS.proxyApi]: "true",
                        [NETWORK_ACCESS.proxyHttp]: "true",
                        [NETWORK_ACCESS.singleuser]: "true",
                    },
                    annotations: { [CONFIG_CHECKSUM_ANNOTATION]: configChecksum },
                },
                spec: {
                    serviceAccountName: names.hubServiceAccount,
                    // KubeSpawner talks to the API server with this account's token.
                    automountServiceAccountToken: true,
                    enableServiceLinks: false,
                    ...podPullSecrets(ctx),
                    ...(priorityClassName ? { priorityClassName } : {}),
                    nodeSelector: { ...ctx.kubernetes.coreNodeSelector },
                    // fsGroup: the hub user can write the PVC and read the 0440 secret files.
                    securityContext: restrictedPod(HUB_USER.gid),
                    volumes: [
                        {
                            name: "config",
                            configMap: {
                                name: names.hubConfigMap,
                                defaultMode: 0o444,
                                // Keys are flat; the templates go back under templates/.
                                items: [
                                    { key: HUB_PATHS.configFile, path: HUB_PATHS.configFile },
                                    ...ctx.hubFiles.map((f) => ({ key: configMapKey(f), path: f.path })),
                                ],
                            },
                        },
                        { name: "secret", secret: { secretName: names.hubSecret, defaultMode: 0o440 } },
                        ...(sqlite ? [{ name: "db", persistentVolumeClaim: { claimName: names.hubDbPvc } }] : []),
                        ...homes.volumes,
                        ...backupStatus.volumes,
                    ],
                    containers: [
                        {
                            name: "hub",
                            image: ctx.images.hub,
                            command: hubCommand(ctx),
                            env: [
                                { name: "PLATFORM_CONFIG", value: HUB_DOCUMENT_PATH },
                                { name: "PYTHONUNBUFFERED", value: "1" },
                                ...hubSecretFileEnv(ctx),
                                ...homes.env,
                            ],
                            ports: [{ name: "http", containerPort: PORTS.hub }],
                            volumeMounts: [
                                // The whole directory, not a subPath: ConfigMap updates reach the file.
                                { name: "config", mountPath: HUB_PATHS.configDir, readOnly: true },
                                { name: "secret", mountPath: HUB_PATHS.secretDir, readOnly: true },
                                ...(sqlite ? [{ name: "db", mountPath: HUB_PATHS.dataDir }] : []),
                                ...homes.volumeMounts,
                                ...backupStatus.volumeMounts,
                            ],
                            // No liveness probe (as z2jh): a long database upgrade must not be killed.
                            readinessProbe: {
                                httpGet: { path: "/hub/health", port: "http" },
                                periodSeconds: 5,
                                failureThreshold: 3,
                            },
                            resources: CORE_RESOURCES.hub,
                            securityContext: restrictedContainer(HUB_USER.uid, HUB_USER.gid),
                        },
                    ],
                },
            },
        },
    };
}

export function hubService(ctx: HubRenderContext): Service {
    const { names } = ctx;
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: names.hubService, namespace: ctx.namespace, labels: objectLabels(names, "hub") },
        spec: {
            type: "ClusterIP",
            selector: selectorLabels(names, "hub"),
            ports: [{ name: "http", protocol: "TCP", port: PORTS.hub, targetPort: "http" }],
        },
    };
}
