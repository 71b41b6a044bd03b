/**
 * Tags become digests: every image the stack config names by tag (singleuser.image, profile
 * images, images.hub.image, lab.image, shared-volume sources) is resolved when the program runs,
 * in `pulumi preview` as in `pulumi up`, and the digest is what gets deployed. A Docker topology
 * looks on its own engine first (`docker_image` data source: a registry digest when the image has
 * one, else the image ID of a local build), then asks the registry; Kubernetes nodes pull from a
 * registry, so there only the registry's digest counts (`docker_registry_image`). Each
 * resolution is logged and collected for the stack output `resolvedImages`; what cannot be
 * resolved stops the program with the image named.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { isPinned, pinnedFromEngine, pinnedFromRegistry, registryHost } from "./imageRefs";

/** `engine`: the Docker engine the stack deploys to, then the registry; `registry`: the registry only. */
export type ResolveFrom = "engine" | "registry";

/** The last line of an invoke error (the provider's own message), without the engine's wrapping. */
export function invokeReason(err: unknown): string {
    const text = err instanceof Error ? err.message : String(err);
    const lines = text
        .split("\n")
        .map((l) => l.replace(/^\s*\*\s*/, "").trim())
        .filter((l) => l !== "" && !/^invocation of .* returned an error|^\d+ errors? occurred:?$/.test(l));
    return lines[lines.length - 1] ?? text.trim();
}

function because(err: unknown): string {
    const reason = invokeReason(err);
    return reason ? ` (${reason})` : "";
}

export class ImageResolver {
    private readonly cache = new Map<string, pulumi.Output<string>>();
    /** Each tag this stack resolved, with its digest-pinned reference. */
    readonly resolved: Record<string, pulumi.Output<string>> = {};

    constructor(
        private readonly provider: docker.Provider,
        private readonly from: ResolveFrom,
    ) {}

    /** The digest-pinned reference of `ref` (unchanged when already pinned); `what` names it in logs and errors. */
    resolve(ref: string, what: string): pulumi.Output<string> {
        if (isPinned(ref)) {
            return pulumi.output(ref);
        }
        const cached = this.cache.get(ref);
        if (cached) {
            return cached;
        }
        const out = pulumi.output(this.lookup(ref, what));
        this.cache.set(ref, out);
        this.resolved[ref] = out;
        return out;
    }

    /** `{ "<tag>": "<pinned reference>" }` of every resolution (a stack output). */
    output(): pulumi.Output<Record<string, string>> {
        return pulumi.all(this.resolved);
    }

    private async lookup(ref: string, what: string): Promise<string> {
        const opts = { provider: this.provider };
        const reasons: string[] = [];
        if (this.from === "engine") {
            try {
                const found = await docker.getRemoteImage({ name: ref }, opts);
                return this.log(what, ref, pinnedFromEngine(ref, found), "the Docker engine");
            } catch (err) {
                reasons.push(`not on the Docker engine${because(err)}`);
            }
        }
        try {
            const found = await docker.getRegistryImage({ name: ref }, opts);
            return this.log(what, ref, pinnedFromRegistry(ref, found.sha256Digest), `the registry ${registryHost(ref)}`);
        } catch (err) {
            reasons.push(`not resolvable in the registry ${registryHost(ref)}${because(err)}`);
        }
        throw new pulumi.RunError(
            `cannot resolve ${what} ${ref} to a digest: ${reasons.join("; ")}. Build or pull it first, push it to its registry, or give it by digest (repo@sha256:...).`,
        );
    }

    private log(what: string, ref: string, pinned: string, source: string): string {
        void pulumi.log.info(`${what}: ${ref} resolved to ${pinned} (from ${source})`);
        return pinned;
    }
}
