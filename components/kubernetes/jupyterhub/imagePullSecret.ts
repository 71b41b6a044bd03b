/**
 * Pulling the platform's images from images.registry: the hub, proxy, placeholders, puller and
 * user pods all run images pushed there, and a private registry answers only with credentials.
 * One `kubernetes.io/dockerconfigjson` Secret (zero-to-jupyterhub's `image-pull-secret`) carries
 * them; every pod the program renders names it, and KubeSpawner puts it on user pods.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { HubRenderContext } from "./context";
import { objectLabels } from "./labels";
import type { Secret } from "./objects";

/** The `.dockerconfigjson` document for one registry (what `docker login` writes). */
export function dockerConfigJson(server: string, username: string, password: string): string {
    const auth = Buffer.from(`${username}:${password}`).toString("base64");
    return JSON.stringify({ auths: { [server]: { username, password, auth } } });
}

/** Whether pods need the pull secret: images come from a registry with credentials. */
export function pullSecretEnabled(ctx: HubRenderContext): boolean {
    return ctx.config.images.registry !== undefined;
}

/** `imagePullSecrets` for a pod spec, or nothing without a registry. */
export function podPullSecrets(ctx: HubRenderContext): { imagePullSecrets?: { name: string }[] } {
    return pullSecretEnabled(ctx) ? { imagePullSecrets: [{ name: ctx.names.imagePullSecret }] } : {};
}

/** The Secret, given the `.dockerconfigjson` as a secret Input; undefined without a registry. */
export function imagePullSecret(ctx: HubRenderContext, dockerConfig: pulumi.Input<string> | undefined): Secret | undefined {
    if (!pullSecretEnabled(ctx)) {
        return undefined;
    }
    if (dockerConfig === undefined) {
        throw new Error("images.registry is set but no registry credentials were given for the image pull secret");
    }
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: ctx.names.imagePullSecret, namespace: ctx.namespace, labels: objectLabels(ctx.names, "hub") },
        type: "kubernetes.io/dockerconfigjson",
        stringData: { ".dockerconfigjson": dockerConfig },
    };
}
