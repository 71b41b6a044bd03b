/**
 * The continuous image puller (z2jh's `continuous-image-puller`): a DaemonSet on the user nodes
 * whose init containers use every single-user image (the default and each profile's) and exit at
 * once, so each node, including one that joins later, holds the images before a user waits for
 * them. A new image digest rolls the DaemonSet, pulling the new images everywhere.
 *
 * `pulumi up` waits for the rollout (every node has the images), and the hub Deployment depends on
 * it (hubOnKubernetes.ts): the hub only restarts with a new single-user image once every node
 * holds it, as z2jh's hook-image-puller ensures before an upgrade. Without that ordering the hub
 * rolled at the same moment as the puller and spawned from a node that was still pulling.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { HubRenderContext } from "../context";
import { idleContainer } from "../idleContainer";
import { objectLabels, selectorLabels } from "../labels";
import { NOBODY } from "../../../hub/contract";
import type { Container, DaemonSet } from "../objects";
import { IDLE_RESOURCES, restrictedContainer, restrictedPod } from "../podDefaults";
import { podPullSecrets } from "../imagePullSecret";

/** Images the puller keeps on every user node: the default one, then each profile's own. */
export function pulledImages(ctx: HubRenderContext): { name: string; image: pulumi.Input<string> }[] {
    const out: { name: string; image: pulumi.Input<string> }[] = [{ name: "image-pull-singleuser", image: ctx.images.singleuser }];
    const seen = new Set<string>();
    for (const p of ctx.config.singleuser.profiles) {
        if (p.image !== undefined && !seen.has(p.image)) {
            seen.add(p.image);
            out.push({ name: `image-pull-profile-${p.slug}`, image: ctx.images.profiles?.[p.image] ?? p.image });
        }
    }
    return out;
}

function pullContainer(name: string, image: pulumi.Input<string>): Container {
    return {
        name,
        image,
        command: ["/bin/sh", "-c", "echo Pulling complete"],
        resources: IDLE_RESOURCES,
        securityContext: restrictedContainer(NOBODY),
    };
}

export function imagePuller(ctx: HubRenderContext): DaemonSet | undefined {
    if (!ctx.kubernetes.imagePuller) {
        return undefined;
    }
    const { names } = ctx;
    return {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: {
            name: names.imagePuller,
            namespace: ctx.namespace,
            labels: objectLabels(names, "continuous-image-puller"),
        },
        spec: {
            selector: { matchLabels: selectorLabels(names, "continuous-image-puller") },
            // Pull on every node at once: the pods hold no state and serve nobody.
            updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "100%" } },
            template: {
                metadata: { labels: selectorLabels(names, "continuous-image-puller") },
                spec: {
                    nodeSelector: { ...ctx.kubernetes.userNodeSelector },
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    ...podPullSecrets(ctx),
                    terminationGracePeriodSeconds: 0,
                    securityContext: restrictedPod(),
                    initContainers: pulledImages(ctx).map((p) => pullContainer(p.name, p.image)),
                    containers: [idleContainer(ctx, IDLE_RESOURCES)],
                },
            },
        },
    };
}
