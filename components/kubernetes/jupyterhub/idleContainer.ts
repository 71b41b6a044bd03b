/** The do-nothing container of placeholder and image-puller pods. */
import type { HubRenderContext } from "./context";
import { NOBODY } from "../../hub/contract";
import type { Container, ResourceRequirements } from "./objects";
import { restrictedContainer } from "./podDefaults";

export function idleContainer(ctx: HubRenderContext, resources: ResourceRequirements): Container {
    return {
        name: "pause",
        image: ctx.images.pause ?? ctx.images.singleuser,
        // A pause image idles by itself; the single-user image needs a command that does.
        ...(ctx.images.pause === undefined ? { command: ["sleep", "infinity"] } : {}),
        resources,
        securityContext: restrictedContainer(NOBODY),
    };
}
