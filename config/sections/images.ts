/** images.*: where built images go and what goes into them. */
import type { ConfigReader } from "../reader";
import { isImageRef, isPackageSpec, isRepository } from "../formats";
import type { ImagesConfig, TagScheme, Topology } from "../types";
import { IMAGE_REF_ALLOWED } from "./singleuser";

/** `prebuiltKey`: the key naming a prebuilt single-user image when one is set (singleuser.image, lab.image). */
export function readImages(r: ConfigReader, topology: Topology, prebuiltKey: string | undefined): ImagesConfig {
    const server = r.optStr("images.registry.server");
    const username = r.optStr("images.registry.username");
    const password = r.secret("images.registry.password");
    const hasPassword = r.peekSecret("images.registry.password") !== undefined;
    if (server !== undefined) {
        if (server.includes("://") || !/^[a-z0-9.-]+(:\d+)?$/.test(server)) {
            r.bad("images.registry.server", server, "a registry host[:port] such as registry.example.org (no scheme)");
        }
        if (username === undefined) {
            r.need("images.registry.username", "is required when images.registry.server is set");
        }
        if (!hasPassword) {
            r.need("images.registry.password", "is required when images.registry.server is set (set it with --secret)");
        }
    } else {
        if (username !== undefined || hasPassword) {
            r.need("images.registry.server", "is required when a registry username or password is set");
        }
        if (topology === "kubernetes") {
            r.need(
                "images.registry.server",
                "is required for topology kubernetes: every node pulls the hub and single-user images from a registry",
            );
        }
    }

    const repository = r.str("images.repository");
    if (!isRepository(repository)) {
        r.bad("images.repository", repository, "a lowercase repository path such as jupyterhub-platform or registry.example.org/jupyter");
    }
    const hubBase = baseImage(r, "images.hub.baseImage");
    const hubImage = r.optStr("images.hub.image");
    if (hubImage !== undefined && !isImageRef(hubImage)) {
        r.bad("images.hub.image", hubImage, `${IMAGE_REF_ALLOWED}, or empty to build images/hub`);
    }
    const singleuserBase = baseImage(r, "images.singleuser.baseImage");
    const packages = (key: string): string[] => {
        const list = r.list(key);
        for (const p of list) {
            if (!isPackageSpec(p)) {
                r.bad(key, p, "package names with optional version pins, no spaces or shell syntax");
            }
        }
        if (list.length > 0 && prebuiltKey !== undefined) {
            r.need(key, `has no effect when ${prebuiltKey} names a prebuilt image; remove one of them`);
        }
        return list;
    };
    return {
        registry: server !== undefined && username !== undefined && password !== undefined ? { server, username, password } : undefined,
        repository: server !== undefined && !repository.startsWith(`${server}/`) ? `${server}/${repository}` : repository,
        tagScheme: r.oneOf<TagScheme>("images.tagScheme"),
        hub: { baseImage: hubBase, ...(hubImage !== undefined ? { image: hubImage } : {}) },
        singleuser: {
            baseImage: singleuserBase,
            aptPackages: packages("images.singleuser.aptPackages"),
            condaPackages: packages("images.singleuser.condaPackages"),
            pipPackages: packages("images.singleuser.pipPackages"),
        },
    };
}

function baseImage(r: ConfigReader, key: string): string {
    const ref = r.str(key);
    if (!isImageRef(ref)) {
        r.bad(key, ref, "an image reference such as quay.io/jupyterhub/jupyterhub:5.3.0 or repo@sha256:<digest>");
    }
    return ref;
}
