/**
 * The ConfigMap carrying the hub config document and the program's hub files (jupyterhub_config.py,
 * its modules, the templates, hub.auth.caBundle), as zero-to-jupyterhub mounts its config into
 * whichever hub image runs. Never a secret: those are in the hub Secret.
 */
import type * as pulumi from "@pulumi/pulumi";
import { configMapKey } from "../../../hub/hubFiles";
import type { HubRenderContext } from "../context";
import { objectLabels } from "../labels";
import { HUB_PATHS } from "../../../hub/contract";
import type { ConfigMap } from "../objects";

export function hubConfigMap(ctx: HubRenderContext, documentJson: pulumi.Input<string>): ConfigMap {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: ctx.names.hubConfigMap, namespace: ctx.namespace, labels: objectLabels(ctx.names, "hub") },
        data: {
            [HUB_PATHS.configFile]: documentJson,
            ...Object.fromEntries(ctx.hubFiles.map((f) => [configMapKey(f), f.content])),
        },
    };
}
