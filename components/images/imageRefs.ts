/**
 * Image references: which ones are pinned, and how a tag becomes the digest-pinned reference that
 * containers and pods run, from what the Docker engine or the registry reports. Pure functions.
 */

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** `repo@sha256:<64 hex>` or a bare image ID `sha256:<64 hex>`: cannot change under a deployment. */
export function isPinned(ref: string): boolean {
    const at = ref.lastIndexOf("@");
    return DIGEST.test(ref) || (at > 0 && DIGEST.test(ref.slice(at + 1)));
}

/** The repository of a reference: without tag and digest (`127.0.0.1:5000/a/b:1` → `127.0.0.1:5000/a/b`). */
export function repositoryOf(ref: string): string {
    const noDigest = ref.split("@")[0];
    const lastSlash = noDigest.lastIndexOf("/");
    const colon = noDigest.lastIndexOf(":");
    // A colon after the last slash starts the tag; one before it belongs to a registry port.
    return colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
}

/** Docker Hub's implicit names, so `jupyter/x` and `docker.io/jupyter/x` compare equal. */
function canonicalRepository(repo: string): string {
    const withHost = repo.includes("/") && /[.:]|^localhost$/.test(repo.split("/")[0]) ? repo : `docker.io/${repo}`;
    return withHost.replace(/^docker\.io\/([^/]+)$/, "docker.io/library/$1").replace(/^index\.docker\.io\//, "docker.io/");
}

/** What the engine's image data source (docker_image) answers for a reference it holds. */
export interface EngineImage {
    /** The image ID, `sha256:…`. */
    id: string;
    /** `repo@sha256:…` when the image came from (or went to) a registry; empty for a local build. */
    repoDigest: string;
}

/**
 * The pinned reference for an image found on the engine: its registry digest when it has one for
 * the same repository (a node or a later pull can fetch it), else its image ID (a local build).
 */
export function pinnedFromEngine(ref: string, image: EngineImage): string {
    const digest = image.repoDigest ?? "";
    if (digest.includes("@") && canonicalRepository(repositoryOf(digest)) === canonicalRepository(repositoryOf(ref))) {
        const d = digest.slice(digest.lastIndexOf("@") + 1);
        if (DIGEST.test(d)) {
            return `${repositoryOf(ref)}@${d}`;
        }
    }
    if (!DIGEST.test(image.id)) {
        throw new Error(`the Docker engine reported no image ID for ${ref} (got ${JSON.stringify(image.id)})`);
    }
    return image.id;
}

/** The pinned reference for a tag the registry resolved (the manifest digest). */
export function pinnedFromRegistry(ref: string, sha256Digest: string): string {
    if (!DIGEST.test(sha256Digest)) {
        throw new Error(`the registry reported no sha256 digest for ${ref} (got ${JSON.stringify(sha256Digest)})`);
    }
    return `${repositoryOf(ref)}@${sha256Digest}`;
}

/** The registry a reference names: its first component when that is a host, else Docker Hub. */
export function registryHost(ref: string): string {
    const first = ref.split("/")[0];
    return ref.includes("/") && /[.:]|^localhost$/.test(first) ? first : "docker.io";
}
