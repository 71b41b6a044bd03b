/**
 * One image built from a folder of this repository on the provider's Docker engine, tagged with
 * the content hash (images.tagScheme), pushed when a registry is configured, and exposed as a
 * reference pinned by digest: `repo@sha256:…` after a push, the image ID `sha256:…` on an engine
 * without a registry. Containers and the hub document use that reference.
 *
 * Built with @pulumi/docker's `RemoteImage` (the `docker_image` resource with a `build` block)
 * and pushed with `RegistryImage`, rather than the native `docker.Image`: these are the
 * Terraform-bridged resources every build of the docker plugin carries, including one bridged
 * locally from the Terraform provider when Pulumi's own provider module cannot be fetched.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ImagesConfig } from "../../config/types";
import { contentHash, contextDate, imageTag, readContextFiles } from "./buildContext";

export interface BuiltImageArgs {
    /** Absolute path of the build context (holds the Dockerfile). */
    context: string;
    /**
     * Folder the tag's date is taken from (differs from the context for a staged copy).
     * @default the build context
     */
    dateSource?: string;
    /** Repository without tag, from imageRepository(). */
    repository: string;
    buildArgs: Record<string, string>;
    images: ImagesConfig;
    /**
     * The classic builder (default) resolves FROM against the engine's local image store and
     * never pulls a base that is present, which the local stand-in base images rely on; BuildKit
     * (false) needs the buildx machinery and pulls bases it cannot see.
     */
    legacyBuilder?: boolean;
}

/** Tag and name computed before the build; exported for tests and the bench. */
export function plannedImage(args: Pick<BuiltImageArgs, "context" | "dateSource" | "repository" | "buildArgs" | "images">) {
    const files = readContextFiles(args.context);
    const hash = contentHash(files, args.buildArgs);
    const date = contextDate(args.dateSource ?? args.context, args.dateSource ? readContextFiles(args.dateSource) : files);
    const tag = imageTag(args.images.tagScheme, hash, date);
    return { hash, tag, imageName: `${args.repository}:${tag}` };
}

/** The digest-pinned reference: the registry digest when pushed, else the local image ID. */
export function pinnedRef(repository: string, imageId: string | undefined, pushedDigest?: string): string {
    if (pushedDigest !== undefined) {
        if (!/^sha256:[0-9a-f]{64}$/.test(pushedDigest)) {
            throw new Error(`pushed image ${repository} has no sha256 digest (got ${JSON.stringify(pushedDigest)})`);
        }
        return `${repository}@${pushedDigest}`;
    }
    if (!imageId || !/^sha256:[0-9a-f]{64}$/.test(imageId)) {
        throw new Error(`built image ${repository} has no image ID (got ${JSON.stringify(imageId)})`);
    }
    return imageId;
}

export class BuiltImage extends pulumi.ComponentResource {
    /** repository:tag */
    readonly imageName: pulumi.Output<string>;
    /** Digest-pinned reference for containers (repo@sha256:… or sha256:<image id>). */
    readonly ref: pulumi.Output<string>;
    readonly tag: string;
    readonly contentHash: string;

    constructor(name: string, args: BuiltImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:images:BuiltImage", name, {}, opts);
        const planned = plannedImage(args);
        const image = new docker.RemoteImage(
            `${name}-image`,
            {
                // The tag carries the content hash: new content is a new name, hence a new build.
                name: planned.imageName,
                build: {
                    context: args.context,
                    dockerfile: "Dockerfile",
                    buildArgs: args.buildArgs,
                    useLegacyBuilder: args.legacyBuilder ?? true,
                    pullParent: false,
                    label: { "org.jupyterhub-platform.content-hash": planned.hash },
                },
                // Keep built images on the engine after destroy: they are caches, not state, and
                // a later `pulumi up` reuses them.
                keepLocally: true,
            },
            { parent: this },
        );
        this.tag = planned.tag;
        this.contentHash = planned.hash;
        this.imageName = image.name;
        if (args.images.registry) {
            const pushed = new docker.RegistryImage(
                `${name}-push`,
                { name: image.name, keepRemotely: true, triggers: { contentHash: planned.hash } },
                { parent: this },
            );
            this.ref = pushed.sha256Digest.apply((digest) => pinnedRef(args.repository, undefined, digest));
        } else {
            // No fallback to the tag: a reference that is not pinned is an error (pinnedRef throws).
            this.ref = image.imageId.apply((id) => pinnedRef(args.repository, id));
        }
        this.registerOutputs({ imageName: this.imageName, ref: this.ref });
    }
}
